/**
 * Stable problem codes of the index validator.
 *
 * Every problem {@link validateIndex} reports carries one of these codes, an
 * RFC 6901 `instancePath` and a message. Codes are public API (pr-check
 * annotations, tests and tools match on them); messages are for people.
 *
 * Codes of the upstream rules (interop §E.2, numbered as there) keep the
 * upstream validator's **exact** message text — that text is the contract.
 * Codes marked *new* are this project's additions (DESIGN §4.1,
 * docs/FORMAT.md, and the server rules of interop §E.3); their messages say
 * what was expected and what was found.
 *
 * Where a member has the wrong JSON type, the member's first rule reports it
 * (for upstream rules with the upstream text), and the rules that inspect the
 * value further are skipped for it.
 *
 * @module
 */

/** Every index problem code with its one-line meaning. */
export const INDEX_PROBLEM_CODES = {
  // ---- whole document / top level ------------------------------------------
  /** new: the document is not a JSON object. */
  INDEX_NOT_OBJECT: 'the index is not a JSON object',
  /** new, everywhere: a member the format does not define (FORMAT.md: unknown members are rejected). */
  INDEX_UNKNOWN_FIELD: 'an object has a member the format does not define',
  /** §E.2 rule 1: `schema must be lattice.plugin.index.v1`. */
  INDEX_SCHEMA: 'schema is not lattice.plugin.index.v1',
  /** §E.2 rule 2: `generated_at must be UTC RFC3339-ish` (not a string ending in Z). */
  INDEX_GENERATED_AT: 'generated_at is not a string ending in Z',
  /** new: generated_at ends in Z but is not a calendar-valid RFC 3339 UTC timestamp. */
  INDEX_GENERATED_AT_NOT_RFC3339: 'generated_at is not a valid RFC 3339 UTC timestamp',
  /** §E.2 rule 3: `status must be draft, official, or example`. */
  INDEX_STATUS: 'status is not draft, official or example',
  /** §E.2 rule 4: `publishers must be an array`. */
  INDEX_PUBLISHERS_NOT_ARRAY: 'publishers is not an array',
  /** §E.2 rule 4: `plugins must be an array`. */
  INDEX_PLUGINS_NOT_ARRAY: 'plugins is not an array',
  /** §E.2 rule 4: `signatures must be an array`. */
  INDEX_SIGNATURES_NOT_ARRAY: 'signatures is not an array',
  /** §E.2 rule 5: `official indexes require at least one signature`. */
  INDEX_OFFICIAL_UNSIGNED: 'an official index has no signature',
  /** new (DESIGN §4.1): generation is not an integer in 1…2^53-1. */
  INDEX_GENERATION_INVALID: 'generation is not a safe integer of at least 1',
  /** new (DESIGN §4.1): an official index has no generation. */
  INDEX_GENERATION_REQUIRED: 'an official index has no generation',
  /** new (DESIGN §4.1): expires_at is not an RFC 3339 UTC timestamp. */
  INDEX_EXPIRES_AT_INVALID: 'expires_at is not a valid RFC 3339 UTC timestamp',
  /** new (DESIGN §4.1): an official index has no expires_at. */
  INDEX_EXPIRES_AT_REQUIRED: 'an official index has no expires_at',
  /** new (FORMAT.md): expires_at is not after generated_at. */
  INDEX_EXPIRES_AT_NOT_AFTER_GENERATED_AT: 'expires_at is not after generated_at',
  /** new (DESIGN §4.5): server_versions is not a non-empty list of unique server version ids. */
  INDEX_SERVER_VERSIONS_INVALID: 'server_versions is not a non-empty list of unique server version ids',

  // ---- publishers ------------------------------------------------------------
  /** new: a publishers[] element is not an object (upstream crashed on null). */
  PUBLISHER_NOT_OBJECT: 'a publisher entry is not an object',
  /** §E.2 rule 6: `publisher id is invalid: ${id}`. */
  PUBLISHER_ID_INVALID: 'publisher id does not match the index id regex',
  /** new (§E.3): publisher id passes the index regex but not the server's validPluginID. */
  PUBLISHER_ID_NOT_SERVER_ID: "publisher id is not a valid server id (validPluginID)",
  /** new (§E.3: upstream did not detect it): two publishers share an id. */
  PUBLISHER_ID_DUPLICATED: 'publisher id is listed twice',
  /** §E.2 rule 7: `publisher ${id} name is required`. */
  PUBLISHER_NAME_REQUIRED: 'publisher name is missing or blank',
  /** §E.2 rule 8: `publisher ${id} public_key_ed25519 must be base64 raw Ed25519 public key (32 bytes)`. */
  PUBLISHER_KEY_INVALID: 'publisher key is not canonical padded base64 of 32 bytes',
  /** new (FORMAT.md): publisher homepage is not an HTTPS URL. */
  PUBLISHER_HOMEPAGE_INVALID: 'publisher homepage is not an HTTPS URL',
  /** new (FORMAT.md): key_history is not an array. */
  KEY_HISTORY_NOT_ARRAY: 'key_history is not an array',
  /** new: a key_history element is not an object. */
  KEY_HISTORY_ENTRY_NOT_OBJECT: 'a key_history entry is not an object',
  /** new: a retired key is not canonical padded base64 of 32 bytes. */
  KEY_HISTORY_KEY_INVALID: 'a key_history key is not canonical padded base64 of 32 bytes',
  /** new: a key appears twice among key_history and the current key (its window would be ambiguous). */
  KEY_HISTORY_KEY_DUPLICATED: 'a key appears twice in the key history',
  /** new: valid_from or valid_until is not an RFC 3339 UTC timestamp. */
  KEY_HISTORY_TIME_INVALID: 'a key window bound is not a valid RFC 3339 UTC timestamp',
  /** new: valid_from is not before valid_until. */
  KEY_HISTORY_WINDOW_EMPTY: 'a key window does not start before it ends',
  /** new: a window starts before the previous one ends (entries are oldest first, non-overlapping). */
  KEY_HISTORY_WINDOW_OVERLAP: 'a key window starts before the previous window ends',
  /** new: rotation_signature_ed25519 is not canonical padded base64 of 64 bytes (verified by the domain layer). */
  KEY_HISTORY_ROTATION_SIGNATURE_INVALID: 'a rotation signature is not canonical padded base64 of 64 bytes',

  // ---- plugins ----------------------------------------------------------------
  /** new: a plugins[] element is not an object (upstream crashed on null). */
  PLUGIN_NOT_OBJECT: 'a plugin entry is not an object',
  /** §E.2 rule 9: `plugin id is invalid: ${id}`. */
  PLUGIN_ID_INVALID: 'plugin id does not match the index id regex',
  /** new (§E.3): plugin id passes the index regex but not the server's validPluginID. */
  PLUGIN_ID_NOT_SERVER_ID: 'plugin id is not a valid server id (validPluginID)',
  /** §E.2 rule 10: `plugin id duplicated: ${id}`. */
  PLUGIN_ID_DUPLICATED: 'plugin id is listed twice',
  /** §E.2 rule 11: `plugin ${id} name is required`. */
  PLUGIN_NAME_REQUIRED: 'plugin name is missing or blank',
  /** §E.2 rule 12: `plugin ${id} references unknown publisher ${publisher}`. */
  PLUGIN_PUBLISHER_UNKNOWN: 'plugin publisher is not a listed publisher id',
  /** new (DESIGN §7, FORMAT.md): the plugin id is not `<publisher>.<name>`. */
  PLUGIN_NAMESPACE: "plugin id is not in its publisher's namespace",
  /** §E.2 rule 13: `plugin ${id} type is invalid`. */
  PLUGIN_TYPE_INVALID: 'plugin type is not system, worker or wasm',
  /** new: summary is present but not a string. */
  PLUGIN_SUMMARY_INVALID: 'plugin summary is not a string',
  /** §E.2 rule 14: `plugin ${id} channels are required`. */
  PLUGIN_CHANNELS_REQUIRED: 'plugin channels is missing or not an object',
  /** §E.2 rule 15: `plugin ${id} channels must not be empty`. */
  PLUGIN_CHANNELS_EMPTY: 'plugin channels has no channel',
  /** §E.2 rule 16: `plugin ${id} channel is unknown: ${channel}`. */
  PLUGIN_CHANNEL_UNKNOWN: 'a channel name is not stable or alpha',
  /** §E.2 rule 16: `plugin ${id} ${channel} channel version is invalid`. */
  PLUGIN_CHANNEL_VERSION_INVALID: 'a channel version does not match the index version regex',
  /** new (§E.3): a channel version is not a server v2 version. */
  PLUGIN_CHANNEL_VERSION_NOT_SERVER_VERSION: 'a channel version is not a valid server version',
  /** §E.2 rule 17 (server prerelease rule, §E.3): `plugin ${id} stable channel cannot select a prerelease`. */
  PLUGIN_STABLE_CHANNEL_PRERELEASE: 'the stable channel selects a prerelease',
  /** §E.2 rule 18: `plugin ${id} alpha channel must select an alpha prerelease`. */
  PLUGIN_ALPHA_CHANNEL_NOT_ALPHA: 'the alpha channel selects no -alpha prerelease',
  /** §E.2 rule 19: `plugin ${id} latest version is invalid`. */
  PLUGIN_LATEST_INVALID: 'latest does not match the index version regex',
  /** new (§E.3): latest is not a server v2 version. */
  PLUGIN_LATEST_NOT_SERVER_VERSION: 'latest is not a valid server version',
  /** §E.2 rule 19: `plugin ${id} latest is a legacy stable alias and must match channels.stable`. */
  PLUGIN_LATEST_MISMATCH: 'latest differs from channels.stable',
  /** §E.2 rule 20: `plugin ${id} default capabilities are required`. */
  PLUGIN_CAPABILITIES_REQUIRED: 'plugin capabilities is missing, empty or not an array',
  /** §E.2 rule 20: `plugin ${id} default capability is unknown: ${cap}` (table of the server line). */
  PLUGIN_CAPABILITY_UNKNOWN: 'a plugin capability is not in the server line capability table',
  /** §E.2 rule 20: `plugin ${id} default duplicates capability: ${cap}`. */
  PLUGIN_CAPABILITY_DUPLICATED: 'a plugin capability is listed twice',
  PUBLISHER_OWNERS_INVALID: 'publisher github_owners is not a list of 1-10 unique GitHub handles',
  CAPABILITY_REQUIRES_SYSTEM: 'a wasm or worker plugin declares a host-risk capability (interop §C.4)',
  CAPABILITY_NOT_FOR_WORKER: 'a worker plugin declares a capability outside the worker allowlist (interop §C.4)',
  /** §E.2 rule 21: `plugin ${id} releases must be an array`. */
  PLUGIN_RELEASES_NOT_ARRAY: 'plugin releases is not an array',
  /** §E.2 rule 21: `plugin ${id} releases must include at least one release`. */
  PLUGIN_RELEASES_EMPTY: 'plugin releases is empty',
  /** §E.2 rule 31: `plugin ${id} ${channel} channel must match one release version`. */
  PLUGIN_CHANNEL_RELEASE_MISSING: 'a channel names a version no release has',
  /** §E.2 rule 32: `plugin ${id} ${channel} channel points to a ${channel|missing} release`. */
  PLUGIN_CHANNEL_RELEASE_MISMATCH: 'a channel selects a release of another channel',
  /** new (FORMAT.md): homepage is not an HTTPS URL. */
  PLUGIN_HOMEPAGE_INVALID: 'plugin homepage is not an HTTPS URL',
  /** new (FORMAT.md): repository is not an HTTPS URL. */
  PLUGIN_REPOSITORY_INVALID: 'plugin repository is not an HTTPS URL',
  /** new (FORMAT.md): license is not an SPDX-like expression of at most 64 characters. */
  PLUGIN_LICENSE_INVALID: 'plugin license is not an SPDX-like expression of at most 64 characters',
  /** new (FORMAT.md): tags is not an array of at most 16 entries. */
  PLUGIN_TAGS_INVALID: 'plugin tags is not an array of at most 16 entries',
  /** new (FORMAT.md): a tag does not match ^[a-z0-9][a-z0-9-]{0,31}$. */
  PLUGIN_TAG_INVALID: 'a plugin tag is not a lowercase tag',
  /** new (FORMAT.md): a tag is listed twice. */
  PLUGIN_TAG_DUPLICATED: 'a plugin tag is listed twice',
  /** new (FORMAT.md "Catalog Markdown"): description_md is not non-blank text of at most 16384 UTF-8 bytes without control characters other than tab and line feed. */
  PLUGIN_DESCRIPTION_INVALID: 'plugin description_md is not non-blank Markdown text of at most 16384 bytes (tab and line feed the only control characters)',

  // ---- releases ---------------------------------------------------------------
  /** new: a releases[] element is not an object (upstream crashed on null). */
  RELEASE_NOT_OBJECT: 'a release entry is not an object',
  /** §E.2 rule 22: `plugin ${id} release version is invalid`. */
  RELEASE_VERSION_INVALID: 'a release version does not match the index version regex',
  /** new (§E.3): a release version is not a server v2 version. */
  RELEASE_VERSION_NOT_SERVER_VERSION: 'a release version is not a valid server version',
  /** §E.2 rule 23: `plugin ${id} release version duplicated: ${version}`. */
  RELEASE_VERSION_DUPLICATED: 'two releases of a plugin share a version',
  /** §E.2 rule 24: `plugin ${id} release ${version} channel is invalid`. */
  RELEASE_CHANNEL_INVALID: 'a release channel is not stable or alpha',
  /** §E.2 rule 25 (server prerelease rule, §E.3): `plugin ${id} stable release ${version} cannot be a prerelease`. */
  RELEASE_STABLE_PRERELEASE: 'a stable release has a prerelease version',
  /** §E.2 rule 25: `plugin ${id} alpha release ${version} must be an alpha prerelease` (also for an invalid channel, as upstream). */
  RELEASE_ALPHA_NOT_ALPHA: 'a non-stable release has no -alpha prerelease version',
  /** §E.2 rule 26: `plugin ${id} multi-channel release ${version} requires explicit capabilities`. */
  RELEASE_CAPABILITIES_MULTI_CHANNEL: 'a release of a multi-channel plugin has no capabilities',
  /** §E.2 rule 27: `plugin ${id} release ${version} capabilities are required`. */
  RELEASE_CAPABILITIES_REQUIRED: 'release capabilities is empty or not an array',
  /** §E.2 rule 27: `plugin ${id} release ${version} capability is unknown: ${cap}`. */
  RELEASE_CAPABILITY_UNKNOWN: 'a release capability is not in the server line capability table',
  /** §E.2 rule 27: `plugin ${id} release ${version} duplicates capability: ${cap}`. */
  RELEASE_CAPABILITY_DUPLICATED: 'a release capability is listed twice',
  /** §E.2 rule 28: `plugin ${id} release manifest_url must be HTTPS without userinfo/query/fragment`. */
  RELEASE_MANIFEST_URL_INVALID: 'manifest_url is not a clean HTTPS URL',
  /** §E.2 rule 28: `plugin ${id} release artifact_url must be HTTPS without userinfo/query/fragment`. */
  RELEASE_ARTIFACT_URL_INVALID: 'artifact_url is not a clean HTTPS URL',
  /** §E.2 rule 29: `plugin ${id} release artifact_sha256 must be lowercase SHA-256`. */
  RELEASE_ARTIFACT_SHA256_INVALID: 'artifact_sha256 is not 64 lowercase hex digits',
  /** §E.2 rule 30: `plugin ${id} release signature_ed25519 must be base64 raw Ed25519 signature (64 bytes)`. */
  RELEASE_SIGNATURE_INVALID: 'release signature is not canonical padded base64 of 64 bytes',
  /** new (FORMAT.md): published_at is not an RFC 3339 UTC timestamp. */
  RELEASE_PUBLISHED_AT_INVALID: 'published_at is not a valid RFC 3339 UTC timestamp',
  /** new (FORMAT.md): manifest_sha256 is not 64 lowercase hex digits. */
  RELEASE_MANIFEST_SHA256_INVALID: 'manifest_sha256 is not 64 lowercase hex digits',
  /** new (DESIGN §4.5): stored_manifest is not `manifests/<plugin id>/<version>.json`. */
  RELEASE_STORED_MANIFEST_INVALID: 'stored_manifest is not manifests/<plugin id>/<version>.json',
  /** new (DESIGN §4.5): a release with stored_manifest has no manifest_sha256. */
  RELEASE_STORED_MANIFEST_SHA256_REQUIRED: 'a release with a stored manifest has no manifest_sha256',
  /** new (DESIGN §4.5): loads_on is not a list of server_versions entries in their order. */
  RELEASE_LOADS_ON_INVALID: 'loads_on is not a list of server_versions entries, each once, in their order',
  /** new (DESIGN §4.5): loads_on without a stored manifest or without the index-level server_versions. */
  RELEASE_LOADS_ON_UNEXPECTED: 'loads_on without a stored manifest or without server_versions',
  /** new (DESIGN §4.5): a stored manifest in an index with server_versions has no loads_on. */
  RELEASE_LOADS_ON_REQUIRED: 'a release with a stored manifest in an index with server_versions has no loads_on',
  /** new (FORMAT.md "Catalog Markdown"): notes_md is not non-blank text of at most 4096 UTF-8 bytes without control characters other than tab and line feed. */
  RELEASE_NOTES_INVALID: 'release notes_md is not non-blank Markdown text of at most 4096 bytes (tab and line feed the only control characters)',

  // ---- index signatures -----------------------------------------------------------
  /** new: a signatures[] element is not an object (upstream crashed on null). */
  SIGNATURE_NOT_OBJECT: 'a signature entry is not an object',
  /** §E.2 rule 33: `index signature references unknown publisher ${publisher}`. */
  SIGNATURE_PUBLISHER_UNKNOWN: 'a signature names a publisher that is not listed',
  /** §E.2 rule 34: `index signature for ${publisher} must be base64 raw Ed25519 signature (64 bytes)`. */
  SIGNATURE_INVALID: 'an index signature is not canonical padded base64 of 64 bytes',
  /** new (DESIGN §4.1): keyid is not 64 lowercase hex digits. */
  SIGNATURE_KEYID_INVALID: 'a signature keyid is not 64 lowercase hex digits',

  // ---- revocations ------------------------------------------------------------------
  /** new (FORMAT.md): revocations is not an object. */
  REVOCATIONS_NOT_OBJECT: 'revocations is not an object',
  /** new: revocations.releases / artifacts / keys is not an array. */
  REVOCATIONS_LIST_NOT_ARRAY: 'a revocation list is not an array',
  /** new: a revocation entry is not an object. */
  REVOCATION_NOT_OBJECT: 'a revocation entry is not an object',
  /** new: a revoked release names an invalid plugin id. */
  REVOKED_PLUGIN_INVALID: 'a revoked release plugin is not a valid index and server id',
  /** new: a revoked release names an invalid version. */
  REVOKED_VERSION_INVALID: 'a revoked release version is not a valid index and server version',
  /** new: a revoked artifact digest is not 64 lowercase hex digits. */
  REVOKED_SHA256_INVALID: 'a revoked artifact sha256 is not 64 lowercase hex digits',
  /** new: a revoked key names an invalid publisher id. */
  REVOKED_PUBLISHER_INVALID: 'a revoked key publisher is not a valid index and server id',
  /** new: a revoked key is not canonical padded base64 of 32 bytes. */
  REVOKED_KEY_INVALID: 'a revoked key is not canonical padded base64 of 32 bytes',
  /** new: a revocation reason is missing or blank. */
  REVOCATION_REASON_REQUIRED: 'a revocation reason is missing or blank',
  /** new: revoked_at is not an RFC 3339 UTC timestamp. */
  REVOCATION_TIME_INVALID: 'revoked_at is not a valid RFC 3339 UTC timestamp',
} as const;

/** A stable index problem code. */
export type IndexProblemCode = keyof typeof INDEX_PROBLEM_CODES;

/**
 * One thing wrong with an index document.
 * @example { instancePath: '/plugins/0/releases/1/version', code: 'RELEASE_VERSION_INVALID',
 *            message: 'plugin acme.x release version is invalid' }
 */
export interface IndexProblem {
  /** RFC 6901 JSON pointer to the offending member ('' = the document). */
  instancePath: string;
  /** Stable code from {@link INDEX_PROBLEM_CODES}. */
  code: IndexProblemCode;
  /** Upstream's exact text for upstream rules; otherwise expected vs found. */
  message: string;
}

/** True if `code` is one of the stable {@link IndexProblemCode}s. */
export function isIndexProblemCode(code: unknown): code is IndexProblemCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(INDEX_PROBLEM_CODES, code);
}
