/**
 * The index validator: every rule of `lattice.plugin.index.v1`.
 *
 * It keeps **every** rule of the upstream validator (interop §E.2) in its
 * evaluation order with the upstream's exact message text, and adds:
 * - the Lattice server's rules where upstream is looser (interop §E.3): ids
 *   also pass `validPluginID`, versions also pass the server's v2 version rule,
 *   any `-` makes a prerelease (so `1.0.0-beta.1` cannot be stable);
 * - this project's members (DESIGN §4.1, docs/FORMAT.md): `generation`,
 *   `expires_at`, a full RFC 3339 check of `generated_at`, `revocations`,
 *   publisher `key_history` (shape and window order — the rotation signatures
 *   are verified by the domain layer), `homepage`, release `published_at`,
 *   `manifest_sha256`, `stored_manifest` and `loads_on` with the top-level
 *   `server_versions` (DESIGN §4.5), catalog metadata, signature `keyid`, duplicate publisher
 *   ids, the `<publisher>.` namespace of plugin ids;
 * - **unknown members are rejected everywhere** (`INDEX_UNKNOWN_FIELD`).
 *
 * Behaviour on hostile input: it never throws on any value (upstream crashed
 * on non-array `publishers`/`plugins`/`signatures`, on `null` elements and on
 * non-iterable capability lists). Each member gets the first failing rule for
 * its type; rules that inspect a value further are skipped when the value has
 * the wrong JSON type. All problems are collected and returned together.
 *
 * Performance: one straight pass over the value, no closures per element,
 * regexes compiled once at module load, pointers and messages built only on
 * failure, `Set`/`Map` for uniqueness (see bench/validate.bench.mjs).
 *
 * @module
 */
import { VerificationError } from '../errors.js';
import { isCanonicalBase64 } from '../base64.js';
import {
  GITHUB_OWNER_RE,
  INDEX_ID_RE,
  MAX_GITHUB_OWNERS,
  INDEX_VERSION_RE,
  SHA256_HEX_RE,
  isAlphaPrerelease,
  isHttpsUrl,
  markdownTextProblem,
  isPrerelease,
  isRFC3339UTC,
  isV2Version,
  validIndexID,
  validIndexVersion,
  validPluginID,
} from '../rules.js';
import { capabilityTypeProblem, rulesFromOptions, type ServerLine, type ServerLineProfile } from '../server-line.js';
import { DESCRIPTION_MD_MAX_BYTES, NOTES_MD_MAX_BYTES } from '../limits.js';
import type { IndexProblem, IndexProblemCode } from './problems.js';
import { SERVER_VERSION_ID_RE, storedManifestPath } from './stored-manifest.js';
import type { PluginIndex } from './types.js';

/** Options of {@link validateIndex}. */
export interface ValidateIndexOptions {
  /**
   * Whose capability table decides which capabilities are known (interop §0,
   * §C.3). Default the `integration` alias (integration-2026-09), whose table
   * is upstream's list (§E.2) plus `task:schedule`.
   */
  serverLine?: ServerLine;
  /** Any known server version name; the same as `serverLine` with that name. */
  serverVersion?: string;
}

/**
 * Plugin `tags[]` entry (FORMAT.md "Plugin"): lowercase, digits and `-`, 1–32
 * characters, starting alphanumeric.
 */
export const TAG_RE = /^[a-z0-9][a-z0-9-]{0,31}$/;
/** Most tags a plugin may carry (FORMAT.md). */
export const MAX_TAGS = 16;
/**
 * Plugin `license` (FORMAT.md: "SPDX-like", ≤ 64 characters): SPDX license
 * identifiers (`[A-Za-z0-9.+-]`, starting alphanumeric, e.g. `Apache-2.0`,
 * `LicenseRef-acme`) joined by a single space and `AND`, `OR` or `WITH`.
 * Parentheses are not supported.
 */
export const LICENSE_RE = /^[A-Za-z0-9][A-Za-z0-9.+-]*(?: (?:AND|OR|WITH) [A-Za-z0-9][A-Za-z0-9.+-]*)*$/;
/** Longest `license` value (FORMAT.md). */
export const MAX_LICENSE_LENGTH = 64;

// Members of each object, in the order FORMAT.md lists them (used for the
// unknown-member message; membership is tested with the switch functions below).
const INDEX_MEMBERS = 'schema, generated_at, status, generation, expires_at, server_versions, publishers, plugins, revocations, signatures';
const PUBLISHER_MEMBERS = 'id, name, public_key_ed25519, key_history, homepage, github_owners';
const KEY_HISTORY_MEMBERS = 'public_key_ed25519, valid_from, valid_until, rotation_signature_ed25519';
const PLUGIN_MEMBERS =
  'id, name, publisher, type, summary, latest, channels, capabilities, releases, homepage, repository, license, tags, description_md';
const RELEASE_MEMBERS =
  'version, channel, capabilities, manifest_url, artifact_url, artifact_sha256, signature_ed25519, published_at, manifest_sha256, stored_manifest, loads_on, notes_md';
const SIGNATURE_MEMBERS = 'publisher, keyid, signature_ed25519';
const REVOCATIONS_MEMBERS = 'releases, artifacts, keys';
const REVOKED_RELEASE_MEMBERS = 'plugin, version, reason, revoked_at';
const REVOKED_ARTIFACT_MEMBERS = 'sha256, reason, revoked_at';
const REVOKED_KEY_MEMBERS = 'publisher, public_key_ed25519, reason, revoked_at';

/** A problem list under construction. */
type Problems = IndexProblem[];
/** A JSON object as the validator reads it. */
type Obj = Record<string, unknown>;

/**
 * Validate an index document and return **every** problem.
 *
 * `value` is any JavaScript value — normally the output of `parseJSONStrict`
 * (which has already refused duplicate keys, lone surrogates, unsafe integers
 * and the like). Hostile data never throws: it yields problems.
 *
 * Evaluation order (interop §E.2): top level (rules 1–5, then generation,
 * expires_at, unknown members), each publisher (rules 6–8, then the additions),
 * each plugin (rules 9–21, each release 22–30 plus additions, channel
 * pointers 31–32, catalog metadata), each signature (33–34, keyid), then
 * revocations.
 *
 * @param value - the parsed index document.
 * @param options - `serverVersion` / `serverLine` picks the capability table (default the `integration` alias).
 * @returns the problems in evaluation order; empty when the index is valid.
 * @throws TypeError only when the server version is unknown (a caller bug).
 * @example
 * const problems = validateIndex(JSON.parse(text));
 * for (const p of problems) console.error(`${p.instancePath}: ${p.message} [${p.code}]`);
 */
export function validateIndex(value: unknown, options?: ValidateIndexOptions): IndexProblem[] {
  const profile = rulesFromOptions(options);
  const out: Problems = [];
  if (!isObject(value)) {
    add(out, '', 'INDEX_NOT_OBJECT', `the index must be a JSON object, found ${describe(value)}`);
    return out;
  }
  const data = value;

  // §E.2 rule 1.
  if (data.schema !== 'lattice.plugin.index.v1') add(out, '/schema', 'INDEX_SCHEMA', 'schema must be lattice.plugin.index.v1');

  // §E.2 rule 2 (upstream: a string ending in Z), then the full RFC 3339 check (FORMAT.md).
  const generatedAt = data.generated_at;
  let generatedAtValid = false;
  if (typeof generatedAt !== 'string' || !generatedAt.endsWith('Z')) {
    add(out, '/generated_at', 'INDEX_GENERATED_AT', 'generated_at must be UTC RFC3339-ish');
  } else if (!isRFC3339UTC(generatedAt)) {
    add(out, '/generated_at', 'INDEX_GENERATED_AT_NOT_RFC3339', `generated_at must be an RFC 3339 UTC timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]Z, a real calendar date), found ${describe(generatedAt)}`);
  } else {
    generatedAtValid = true;
  }

  // §E.2 rule 3.
  const status = data.status;
  if (status !== 'draft' && status !== 'official' && status !== 'example') {
    add(out, '/status', 'INDEX_STATUS', 'status must be draft, official, or example');
  }
  const official = status === 'official';

  // §E.2 rule 4.
  const publishers = data.publishers;
  const plugins = data.plugins;
  const signatures = data.signatures;
  if (!Array.isArray(publishers)) add(out, '/publishers', 'INDEX_PUBLISHERS_NOT_ARRAY', 'publishers must be an array');
  if (!Array.isArray(plugins)) add(out, '/plugins', 'INDEX_PLUGINS_NOT_ARRAY', 'plugins must be an array');
  if (!Array.isArray(signatures)) add(out, '/signatures', 'INDEX_SIGNATURES_NOT_ARRAY', 'signatures must be an array');

  // §E.2 rule 5. (Upstream read `.length` of whatever signatures was; a
  // non-array is already a problem above.)
  if (official && Array.isArray(signatures) && signatures.length === 0) {
    add(out, '/signatures', 'INDEX_OFFICIAL_UNSIGNED', 'official indexes require at least one signature');
  }

  // DESIGN §4.1: generation — rollback protection; required when official.
  const generation = data.generation;
  if (generation !== undefined) {
    if (typeof generation !== 'number' || !Number.isSafeInteger(generation) || generation < 1) {
      add(out, '/generation', 'INDEX_GENERATION_INVALID', `generation must be an integer from 1 to 9007199254740991, found ${describe(generation)}`);
    }
  } else if (official) {
    add(out, '/generation', 'INDEX_GENERATION_REQUIRED', 'official indexes require generation (an integer of at least 1), found none');
  }

  // DESIGN §4.1: expires_at — freeze protection; required when official; after generated_at.
  const expiresAt = data.expires_at;
  if (expiresAt !== undefined) {
    if (!isRFC3339UTC(expiresAt)) {
      add(out, '/expires_at', 'INDEX_EXPIRES_AT_INVALID', `expires_at must be an RFC 3339 UTC timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]Z, a real calendar date), found ${describe(expiresAt)}`);
    } else if (generatedAtValid && compareTimestamps(expiresAt, generatedAt as string) <= 0) {
      add(out, '/expires_at', 'INDEX_EXPIRES_AT_NOT_AFTER_GENERATED_AT', `expires_at must be after generated_at ${generatedAt as string}, found ${expiresAt}`);
    }
  } else if (official) {
    add(out, '/expires_at', 'INDEX_EXPIRES_AT_REQUIRED', 'official indexes require expires_at (an RFC 3339 UTC timestamp), found none');
  }

  // DESIGN §4.5, FORMAT.md "Stored manifests": the server versions the loads_on matrix was computed for.
  const serverVersions = validateServerVersions(out, data.server_versions);

  // FORMAT.md: unknown members are rejected.
  for (const key in data) {
    if (!isIndexMember(key)) unknownMember(out, '', key, 'the index', INDEX_MEMBERS);
  }

  // ---- publishers: §E.2 rules 6–8, then FORMAT.md additions ----------------
  // Ids are collected whatever their validity (as upstream did), so one bad id
  // does not cascade into "unknown publisher" problems; null = not checkable.
  let publisherIds: Set<string> | null = null;
  if (Array.isArray(publishers)) {
    publisherIds = new Set<string>();
    for (let i = 0; i < publishers.length; i++) {
      const p: unknown = publishers[i];
      if (!isObject(p)) {
        add(out, `/publishers/${i}`, 'PUBLISHER_NOT_OBJECT', `publisher entry must be an object, found ${describe(p)}`);
        continue;
      }
      validatePublisher(out, p, i, publisherIds);
    }
  }

  // ---- plugins: §E.2 rules 9–32 ------------------------------------------------
  if (Array.isArray(plugins)) {
    const pluginIds = new Set<string>();
    for (let i = 0; i < plugins.length; i++) {
      const plugin: unknown = plugins[i];
      if (!isObject(plugin)) {
        add(out, `/plugins/${i}`, 'PLUGIN_NOT_OBJECT', `plugin entry must be an object, found ${describe(plugin)}`);
        continue;
      }
      validatePlugin(out, plugin, i, pluginIds, publisherIds, profile, serverVersions);
    }
  }

  // ---- index signatures: §E.2 rules 33–34, keyid --------------------------------
  if (Array.isArray(signatures)) {
    for (let i = 0; i < signatures.length; i++) {
      const sig: unknown = signatures[i];
      if (!isObject(sig)) {
        add(out, `/signatures/${i}`, 'SIGNATURE_NOT_OBJECT', `signature entry must be an object, found ${describe(sig)}`);
        continue;
      }
      validateSignature(out, sig, i, publisherIds);
    }
  }

  // ---- revocations: FORMAT.md ----------------------------------------------------
  const revocations = data.revocations;
  if (revocations !== undefined) validateRevocations(out, revocations);

  return out;
}

/**
 * True when {@link validateIndex} finds no problem.
 * @param value - the parsed index document.
 * @param options - see {@link ValidateIndexOptions}.
 * @example if (isValidIndex(doc)) render(doc.plugins);
 */
export function isValidIndex(value: unknown, options?: ValidateIndexOptions): value is PluginIndex {
  return validateIndex(value, options).length === 0;
}

/**
 * Throw unless {@link validateIndex} finds no problem.
 * @param value - the parsed index document.
 * @param options - see {@link ValidateIndexOptions}.
 * @throws VerificationError `INDEX_INVALID` with every {@link IndexProblem} as `detail`.
 * @example assertValidIndex(doc); // doc: PluginIndex from here on
 */
export function assertValidIndex(value: unknown, options?: ValidateIndexOptions): asserts value is PluginIndex {
  const problems = validateIndex(value, options);
  if (problems.length > 0) {
    const first = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new VerificationError('INDEX_INVALID', `index is invalid: ${first.instancePath || '/'}: ${first.message}${more}`, problems);
  }
}

// ============================================================================
// Publishers
// ============================================================================

/** §E.2 rules 6–8, then duplicate ids (§E.3), homepage, key_history, unknown members. */
function validatePublisher(out: Problems, p: Obj, i: number, publisherIds: Set<string>): void {
  const id = p.id;
  // §E.2 rule 6, then the server's validPluginID (§E.3).
  if (typeof id !== 'string' || !INDEX_ID_RE.test(id)) {
    add(out, `/publishers/${i}/id`, 'PUBLISHER_ID_INVALID', `publisher id is invalid: ${jsText(id)}`);
  } else if (!validPluginID(id)) {
    add(out, `/publishers/${i}/id`, 'PUBLISHER_ID_NOT_SERVER_ID', `publisher id ${id} is not a valid server id: expected [a-z0-9.-] without "..", found ${describe(id)}`);
  }
  if (typeof id === 'string') {
    // §E.3: upstream did not detect duplicate publishers.
    if (publisherIds.has(id)) add(out, `/publishers/${i}/id`, 'PUBLISHER_ID_DUPLICATED', `publisher id duplicated: ${id}`);
    else publisherIds.add(id);
  }
  // §E.2 rule 7 (JavaScript trim, as upstream).
  const name = p.name;
  if (typeof name !== 'string' || name.trim() === '') {
    add(out, `/publishers/${i}/name`, 'PUBLISHER_NAME_REQUIRED', `publisher ${jsText(id)} name is required`);
  }
  // §E.2 rule 8, interop §C.2: canonical padded base64, 32 bytes.
  const key = p.public_key_ed25519;
  if (!isCanonicalBase64(key, 32)) {
    add(out, `/publishers/${i}/public_key_ed25519`, 'PUBLISHER_KEY_INVALID', `publisher ${jsText(id)} public_key_ed25519 must be base64 raw Ed25519 public key (32 bytes)`);
  }
  // FORMAT.md: homepage.
  const homepage = p.homepage;
  if (homepage !== undefined && !httpsUrlOk(homepage)) {
    add(out, `/publishers/${i}/homepage`, 'PUBLISHER_HOMEPAGE_INVALID', `publisher ${jsText(id)} homepage must be an HTTPS URL without userinfo/query/fragment, found ${describe(homepage)}`);
  }
  // FORMAT.md: github_owners (who reviews the publisher's entry files; CODEOWNERS).
  const owners = p.github_owners;
  if (owners !== undefined) validateGithubOwners(out, owners, i, id);
  // FORMAT.md: key_history.
  const history = p.key_history;
  if (history !== undefined) validateKeyHistory(out, history, i, id, typeof key === 'string' ? key : undefined);
  // FORMAT.md: unknown members.
  for (const k in p) {
    if (!isPublisherMember(k)) unknownMember(out, `/publishers/${i}`, k, `publisher ${jsText(id)}`, PUBLISHER_MEMBERS);
  }
}


/** FORMAT.md "Publisher": 1–10 unique GitHub handles. */
function validateGithubOwners(out: Problems, owners: unknown, i: number, id: unknown): void {
  const path = `/publishers/${i}/github_owners`;
  if (!Array.isArray(owners) || owners.length === 0 || owners.length > MAX_GITHUB_OWNERS) {
    add(out, path, 'PUBLISHER_OWNERS_INVALID', `publisher ${jsText(id)} github_owners must be an array of 1 to ${MAX_GITHUB_OWNERS} GitHub handles, found ${describe(owners)}`);
    return;
  }
  for (let k = 0; k < owners.length; k++) {
    const o: unknown = owners[k];
    if (typeof o !== 'string' || !GITHUB_OWNER_RE.test(o)) {
      add(out, `${path}/${k}`, 'PUBLISHER_OWNERS_INVALID', `publisher ${jsText(id)} github_owners[${k}] must be a GitHub handle like @user or @org/team, found ${describe(o)}`);
    } else if (owners.indexOf(o) !== k) {
      add(out, path, 'PUBLISHER_OWNERS_INVALID', `publisher ${jsText(id)} github_owners must be unique: ${o} appears twice`);
    }
  }
}

/**
 * FORMAT.md "Publisher": key_history entries, oldest first, windows
 * `valid_from < valid_until`, each starting at or after the previous one's
 * end; no key twice (history and current key). Rotation signatures are only
 * shape-checked here; the domain layer verifies them.
 */
function validateKeyHistory(out: Problems, history: unknown, i: number, id: unknown, currentKey: string | undefined): void {
  const base = `/publishers/${i}/key_history`;
  if (!Array.isArray(history)) {
    add(out, base, 'KEY_HISTORY_NOT_ARRAY', `publisher ${jsText(id)} key_history must be an array, found ${describe(history)}`);
    return;
  }
  const seenKeys = new Set<string>();
  if (currentKey !== undefined) seenKeys.add(currentKey);
  let previousUntil: string | null = null;
  for (let j = 0; j < history.length; j++) {
    const e: unknown = history[j];
    if (!isObject(e)) {
      add(out, `${base}/${j}`, 'KEY_HISTORY_ENTRY_NOT_OBJECT', `publisher ${jsText(id)} key_history entry must be an object, found ${describe(e)}`);
      previousUntil = null;
      continue;
    }
    const key = e.public_key_ed25519;
    if (!isCanonicalBase64(key, 32)) {
      add(out, `${base}/${j}/public_key_ed25519`, 'KEY_HISTORY_KEY_INVALID', `publisher ${jsText(id)} key_history[${j}] public_key_ed25519 must be canonical padded base64 of 32 bytes, found ${describe(key)}`);
    } else if (seenKeys.has(key as string)) {
      // Canonical base64 is unique per byte string, so text equality is key equality.
      add(out, `${base}/${j}/public_key_ed25519`, 'KEY_HISTORY_KEY_DUPLICATED', `publisher ${jsText(id)} key_history[${j}] repeats a key already in the history or the current key: ${key as string}`);
    } else {
      seenKeys.add(key as string);
    }
    const from = e.valid_from;
    const until = e.valid_until;
    const fromOk = isRFC3339UTC(from);
    const untilOk = isRFC3339UTC(until);
    if (!fromOk) add(out, `${base}/${j}/valid_from`, 'KEY_HISTORY_TIME_INVALID', `publisher ${jsText(id)} key_history[${j}] valid_from must be an RFC 3339 UTC timestamp, found ${describe(from)}`);
    if (!untilOk) add(out, `${base}/${j}/valid_until`, 'KEY_HISTORY_TIME_INVALID', `publisher ${jsText(id)} key_history[${j}] valid_until must be an RFC 3339 UTC timestamp, found ${describe(until)}`);
    if (fromOk && untilOk && compareTimestamps(from, until) >= 0) {
      add(out, `${base}/${j}/valid_until`, 'KEY_HISTORY_WINDOW_EMPTY', `publisher ${jsText(id)} key_history[${j}] valid_until must be after valid_from ${from}, found ${until}`);
    }
    if (fromOk && previousUntil !== null && compareTimestamps(from, previousUntil) < 0) {
      add(out, `${base}/${j}/valid_from`, 'KEY_HISTORY_WINDOW_OVERLAP', `publisher ${jsText(id)} key_history[${j}] valid_from must not be before the previous window's valid_until ${previousUntil}, found ${from}`);
    }
    previousUntil = untilOk ? until : null;
    const rotation = e.rotation_signature_ed25519;
    if (!isCanonicalBase64(rotation, 64)) {
      add(out, `${base}/${j}/rotation_signature_ed25519`, 'KEY_HISTORY_ROTATION_SIGNATURE_INVALID', `publisher ${jsText(id)} key_history[${j}] rotation_signature_ed25519 must be canonical padded base64 of 64 bytes, found ${describe(rotation)}`);
    }
    for (const k in e) {
      if (!isKeyHistoryMember(k)) unknownMember(out, `${base}/${j}`, k, `publisher ${jsText(id)} key_history[${j}]`, KEY_HISTORY_MEMBERS);
    }
  }
}

// ============================================================================
// Plugins and releases
// ============================================================================

/** §E.2 rules 9–32 for one plugin, with the §E.3 server rules and FORMAT.md additions. */
function validatePlugin(
  out: Problems,
  plugin: Obj,
  i: number,
  pluginIds: Set<string>,
  publisherIds: Set<string> | null,
  profile: ServerLineProfile,
  serverVersions: ServerVersionsState,
): void {
  const id = plugin.id;
  const idText = jsText(id);

  // §E.2 rule 9, then validPluginID (§E.3).
  if (typeof id !== 'string' || !INDEX_ID_RE.test(id)) {
    add(out, `/plugins/${i}/id`, 'PLUGIN_ID_INVALID', `plugin id is invalid: ${idText}`);
  } else if (!validPluginID(id)) {
    add(out, `/plugins/${i}/id`, 'PLUGIN_ID_NOT_SERVER_ID', `plugin id ${id} is not a valid server id: expected [a-z0-9.-] without "..", found ${describe(id)}`);
  }
  // §E.2 rule 10.
  if (typeof id === 'string') {
    if (pluginIds.has(id)) add(out, `/plugins/${i}/id`, 'PLUGIN_ID_DUPLICATED', `plugin id duplicated: ${id}`);
    else pluginIds.add(id);
  }
  // §E.2 rule 11.
  const name = plugin.name;
  if (typeof name !== 'string' || name.trim() === '') {
    add(out, `/plugins/${i}/name`, 'PLUGIN_NAME_REQUIRED', `plugin ${idText} name is required`);
  }
  // §E.2 rule 12. A non-string publisher never names a listed one; when
  // publishers is not an array, listed ids are unknown and only the type is checked.
  const publisher = plugin.publisher;
  if (typeof publisher !== 'string' || (publisherIds !== null && !publisherIds.has(publisher))) {
    add(out, `/plugins/${i}/publisher`, 'PLUGIN_PUBLISHER_UNKNOWN', `plugin ${idText} references unknown publisher ${jsText(publisher)}`);
  }
  // DESIGN §7, FORMAT.md: the id lies in the publisher's namespace.
  if (typeof id === 'string' && typeof publisher === 'string') {
    if (!(id.length > publisher.length + 1 && id.startsWith(publisher) && id.charCodeAt(publisher.length) === 0x2e)) {
      add(out, `/plugins/${i}/id`, 'PLUGIN_NAMESPACE', `plugin ${id} must lie in the namespace of its publisher: expected an id starting with "${publisher}." followed by a name, found ${describe(id)}`);
    }
  }
  // §E.2 rule 13.
  const type = plugin.type;
  if (type !== 'system' && type !== 'worker' && type !== 'wasm') {
    add(out, `/plugins/${i}/type`, 'PLUGIN_TYPE_INVALID', `plugin ${idText} type is invalid`);
  }
  // summary: upstream left it unchecked; it must at least be text.
  const summary = plugin.summary;
  if (summary !== undefined && typeof summary !== 'string') {
    add(out, `/plugins/${i}/summary`, 'PLUGIN_SUMMARY_INVALID', `plugin ${idText} summary must be a string, found ${describe(summary)}`);
  }

  // §E.2 rules 14–16: channels.
  const channels = plugin.channels;
  let channelObj: Obj | null = null;
  let channelCount = 0;
  if (!isObject(channels)) {
    add(out, `/plugins/${i}/channels`, 'PLUGIN_CHANNELS_REQUIRED', `plugin ${idText} channels are required`);
  } else {
    channelObj = channels;
    for (const channel in channels) {
      channelCount++;
      if (channel !== 'stable' && channel !== 'alpha') {
        add(out, channelPath(i, channel), 'PLUGIN_CHANNEL_UNKNOWN', `plugin ${idText} channel is unknown: ${channel}`);
      }
      const v = channels[channel];
      if (typeof v !== 'string' || !INDEX_VERSION_RE.test(v)) {
        add(out, channelPath(i, channel), 'PLUGIN_CHANNEL_VERSION_INVALID', `plugin ${idText} ${channel} channel version is invalid`);
      } else if (!isV2Version(v)) {
        add(out, channelPath(i, channel), 'PLUGIN_CHANNEL_VERSION_NOT_SERVER_VERSION', `plugin ${idText} ${channel} channel version must be a server version (no ":", "_" or ".."), found ${describe(v)}`);
      }
    }
    if (channelCount === 0) add(out, `/plugins/${i}/channels`, 'PLUGIN_CHANNELS_EMPTY', `plugin ${idText} channels must not be empty`);
  }
  // §E.2 rule 17, with the server's prerelease rule (§E.3: any "-").
  const stable = channelObj === null ? undefined : channelObj.stable;
  if (typeof stable === 'string' && isPrerelease(stable)) {
    add(out, `/plugins/${i}/channels/stable`, 'PLUGIN_STABLE_CHANNEL_PRERELEASE', `plugin ${idText} stable channel cannot select a prerelease`);
  }
  // §E.2 rule 18.
  const alpha = channelObj === null ? undefined : channelObj.alpha;
  if (typeof alpha === 'string' && !isAlphaPrerelease(alpha)) {
    add(out, `/plugins/${i}/channels/alpha`, 'PLUGIN_ALPHA_CHANNEL_NOT_ALPHA', `plugin ${idText} alpha channel must select an alpha prerelease`);
  }
  // §E.2 rule 19.
  const latest = plugin.latest;
  if (latest !== undefined) {
    if (typeof latest !== 'string' || !INDEX_VERSION_RE.test(latest)) {
      add(out, `/plugins/${i}/latest`, 'PLUGIN_LATEST_INVALID', `plugin ${idText} latest version is invalid`);
    } else if (!isV2Version(latest)) {
      add(out, `/plugins/${i}/latest`, 'PLUGIN_LATEST_NOT_SERVER_VERSION', `plugin ${idText} latest must be a server version (no ":", "_" or ".."), found ${describe(latest)}`);
    }
    if (typeof latest === 'string' && stable !== latest) {
      add(out, `/plugins/${i}/latest`, 'PLUGIN_LATEST_MISMATCH', `plugin ${idText} latest is a legacy stable alias and must match channels.stable`);
    }
  }
  // §E.2 rule 20.
  validateCapabilities(out, plugin.capabilities, i, -1, idText, '', profile, plugin.type);

  // §E.2 rule 21.
  const releases = plugin.releases;
  // Version → channel of the last release with that version (upstream's Map.set
  // overwrote, and rules 31–32 read the last one). Real plugins have a few
  // releases: those are scanned; a Map keeps long hostile lists linear.
  let channelOfVersion: Map<string, unknown> | null = null;
  if (!Array.isArray(releases)) {
    add(out, `/plugins/${i}/releases`, 'PLUGIN_RELEASES_NOT_ARRAY', `plugin ${idText} releases must be an array`);
  } else {
    if (releases.length === 0) {
      add(out, `/plugins/${i}/releases`, 'PLUGIN_RELEASES_EMPTY', `plugin ${idText} releases must include at least one release`);
    }
    const multiChannel = channelCount > 1;
    if (releases.length > 16) channelOfVersion = new Map<string, unknown>();
    for (let j = 0; j < releases.length; j++) {
      const release: unknown = releases[j];
      if (!isObject(release)) {
        add(out, `/plugins/${i}/releases/${j}`, 'RELEASE_NOT_OBJECT', `plugin ${idText} release entry must be an object, found ${describe(release)}`);
        continue;
      }
      validateRelease(out, release, i, j, idText, multiChannel, releases, channelOfVersion, profile, plugin.type);
      validateStoredManifest(out, release, i, j, id, idText, serverVersions);
    }
  }

  // §E.2 rules 31–32: every channel points at a release of that channel.
  if (channelObj !== null) {
    for (const channel in channelObj) {
      const v = channelObj[channel];
      if (typeof v !== 'string') continue; // already PLUGIN_CHANNEL_VERSION_INVALID
      let found = false;
      let releaseChannel: unknown;
      if (channelOfVersion !== null) {
        found = channelOfVersion.has(v);
        releaseChannel = channelOfVersion.get(v);
      } else if (Array.isArray(releases)) {
        for (let m = releases.length - 1; m >= 0; m--) {
          const r: unknown = releases[m];
          if (isObject(r) && r.version === v) {
            found = true;
            releaseChannel = r.channel;
            break;
          }
        }
      }
      if (releaseChannel === channel) continue;
      const cpath = channelPath(i, channel);
      if (!found) add(out, cpath, 'PLUGIN_CHANNEL_RELEASE_MISSING', `plugin ${idText} ${channel} channel must match one release version`);
      add(out, cpath, 'PLUGIN_CHANNEL_RELEASE_MISMATCH', `plugin ${idText} ${channel} channel points to a ${jsText(releaseChannel || 'missing')} release`);
    }
  }

  // FORMAT.md: catalog metadata.
  const homepage = plugin.homepage;
  if (homepage !== undefined && !httpsUrlOk(homepage)) {
    add(out, `/plugins/${i}/homepage`, 'PLUGIN_HOMEPAGE_INVALID', `plugin ${idText} homepage must be an HTTPS URL without userinfo/query/fragment, found ${describe(homepage)}`);
  }
  const repository = plugin.repository;
  if (repository !== undefined && !httpsUrlOk(repository)) {
    add(out, `/plugins/${i}/repository`, 'PLUGIN_REPOSITORY_INVALID', `plugin ${idText} repository must be an HTTPS URL without userinfo/query/fragment, found ${describe(repository)}`);
  }
  const license = plugin.license;
  if (license !== undefined && (typeof license !== 'string' || license.length > MAX_LICENSE_LENGTH || !LICENSE_RE.test(license))) {
    add(out, `/plugins/${i}/license`, 'PLUGIN_LICENSE_INVALID', `plugin ${idText} license must be an SPDX-like expression (identifiers joined by AND/OR/WITH) of at most ${MAX_LICENSE_LENGTH} characters, found ${describe(license)}`);
  }
  const tags = plugin.tags;
  if (tags !== undefined) validateTags(out, tags, i, idText);
  // FORMAT.md "Catalog Markdown": the text rule only; what the renderer refuses is pr-check's PR_MARKDOWN.
  const description = plugin.description_md;
  if (description !== undefined) {
    const problem = markdownTextProblem(description, DESCRIPTION_MD_MAX_BYTES);
    if (problem !== null) add(out, `/plugins/${i}/description_md`, 'PLUGIN_DESCRIPTION_INVALID', `plugin ${idText} description_md must be non-blank Markdown text of at most ${DESCRIPTION_MD_MAX_BYTES} UTF-8 bytes with no control character but tab and line feed; it ${problem}`);
  }

  // FORMAT.md: unknown members.
  for (const k in plugin) {
    if (!isPluginMember(k)) unknownMember(out, `/plugins/${i}`, k, `plugin ${idText}`, PLUGIN_MEMBERS);
  }
}

/** §E.2 rules 22–30 for one release, plus published_at, manifest_sha256 and unknown members. */
function validateRelease(
  out: Problems,
  release: Obj,
  i: number,
  j: number,
  idText: string,
  multiChannel: boolean,
  releases: readonly unknown[],
  channelOfVersion: Map<string, unknown> | null,
  profile: ServerLineProfile,
  pluginType: unknown,
): void {
  const version = release.version;
  const versionText = jsText(version);
  // §E.2 rule 22, then the server's v2 version rule (§E.3).
  if (typeof version !== 'string' || !INDEX_VERSION_RE.test(version)) {
    add(out, `/plugins/${i}/releases/${j}/version`, 'RELEASE_VERSION_INVALID', `plugin ${idText} release version is invalid`);
  } else if (!isV2Version(version)) {
    add(out, `/plugins/${i}/releases/${j}/version`, 'RELEASE_VERSION_NOT_SERVER_VERSION', `plugin ${idText} release ${version} version must be a server version (no ":", "_" or ".."), found ${describe(version)}`);
  }
  const channel = release.channel;
  // §E.2 rule 23.
  if (typeof version === 'string') {
    let duplicate = false;
    if (channelOfVersion !== null) {
      duplicate = channelOfVersion.has(version);
      channelOfVersion.set(version, channel);
    } else {
      for (let m = 0; m < j; m++) {
        const r: unknown = releases[m];
        if (isObject(r) && r.version === version) {
          duplicate = true;
          break;
        }
      }
    }
    if (duplicate) {
      add(out, `/plugins/${i}/releases/${j}/version`, 'RELEASE_VERSION_DUPLICATED', `plugin ${idText} release version duplicated: ${version}`);
    }
  }
  // §E.2 rule 24.
  if (channel !== 'stable' && channel !== 'alpha') {
    add(out, `/plugins/${i}/releases/${j}/channel`, 'RELEASE_CHANNEL_INVALID', `plugin ${idText} release ${versionText} channel is invalid`);
  }
  // §E.2 rule 25 (server prerelease rule for stable, §E.3). As upstream, an
  // invalid channel takes the alpha branch.
  if (typeof version === 'string') {
    if (channel === 'stable') {
      if (isPrerelease(version)) {
        add(out, `/plugins/${i}/releases/${j}/version`, 'RELEASE_STABLE_PRERELEASE', `plugin ${idText} stable release ${version} cannot be a prerelease`);
      }
    } else if (!isAlphaPrerelease(version)) {
      add(out, `/plugins/${i}/releases/${j}/version`, 'RELEASE_ALPHA_NOT_ALPHA', `plugin ${idText} alpha release ${version} must be an alpha prerelease`);
    }
  }
  // §E.2 rules 26–27.
  const capabilities = release.capabilities;
  if (capabilities === undefined) {
    if (multiChannel) {
      add(out, `/plugins/${i}/releases/${j}/capabilities`, 'RELEASE_CAPABILITIES_MULTI_CHANNEL', `plugin ${idText} multi-channel release ${versionText} requires explicit capabilities`);
    }
  } else {
    validateCapabilities(out, capabilities, i, j, idText, versionText, profile, pluginType);
  }
  // §E.2 rule 28.
  if (!httpsUrlOk(release.manifest_url)) {
    add(out, `/plugins/${i}/releases/${j}/manifest_url`, 'RELEASE_MANIFEST_URL_INVALID', `plugin ${idText} release manifest_url must be HTTPS without userinfo/query/fragment`);
  }
  if (!httpsUrlOk(release.artifact_url)) {
    add(out, `/plugins/${i}/releases/${j}/artifact_url`, 'RELEASE_ARTIFACT_URL_INVALID', `plugin ${idText} release artifact_url must be HTTPS without userinfo/query/fragment`);
  }
  // §E.2 rule 29 (lowercase only, as upstream).
  const sha = release.artifact_sha256;
  if (typeof sha !== 'string' || !SHA256_HEX_RE.test(sha)) {
    add(out, `/plugins/${i}/releases/${j}/artifact_sha256`, 'RELEASE_ARTIFACT_SHA256_INVALID', `plugin ${idText} release artifact_sha256 must be lowercase SHA-256`);
  }
  // §E.2 rule 30, interop §C.2.
  if (!isCanonicalBase64(release.signature_ed25519, 64)) {
    add(out, `/plugins/${i}/releases/${j}/signature_ed25519`, 'RELEASE_SIGNATURE_INVALID', `plugin ${idText} release signature_ed25519 must be base64 raw Ed25519 signature (64 bytes)`);
  }
  // FORMAT.md "Release".
  const publishedAt = release.published_at;
  if (publishedAt !== undefined && !isRFC3339UTC(publishedAt)) {
    add(out, `/plugins/${i}/releases/${j}/published_at`, 'RELEASE_PUBLISHED_AT_INVALID', `plugin ${idText} release ${versionText} published_at must be an RFC 3339 UTC timestamp, found ${describe(publishedAt)}`);
  }
  const manifestSha = release.manifest_sha256;
  if (manifestSha !== undefined && (typeof manifestSha !== 'string' || !SHA256_HEX_RE.test(manifestSha))) {
    add(out, `/plugins/${i}/releases/${j}/manifest_sha256`, 'RELEASE_MANIFEST_SHA256_INVALID', `plugin ${idText} release ${versionText} manifest_sha256 must be 64 lowercase hex digits, found ${describe(manifestSha)}`);
  }
  // FORMAT.md "Catalog Markdown".
  const notes = release.notes_md;
  if (notes !== undefined) {
    const problem = markdownTextProblem(notes, NOTES_MD_MAX_BYTES);
    if (problem !== null) add(out, `/plugins/${i}/releases/${j}/notes_md`, 'RELEASE_NOTES_INVALID', `plugin ${idText} release ${versionText} notes_md must be non-blank Markdown text of at most ${NOTES_MD_MAX_BYTES} UTF-8 bytes with no control character but tab and line feed; it ${problem}`);
  }
  for (const k in release) {
    if (!isReleaseMember(k)) unknownMember(out, `/plugins/${i}/releases/${j}`, k, `plugin ${idText} release ${versionText}`, RELEASE_MEMBERS);
  }
}

/**
 * The top-level `server_versions` (DESIGN §4.5): absent (`undefined`), invalid
 * (`null`: loads_on cannot be checked against it), or the ids in order.
 */
type ServerVersionsState = readonly string[] | null | undefined;

/** FORMAT.md "Stored manifests": a non-empty list of unique server version ids. */
function validateServerVersions(out: Problems, v: unknown): ServerVersionsState {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0) {
    add(out, '/server_versions', 'INDEX_SERVER_VERSIONS_INVALID', `server_versions must be a non-empty array of server version ids, found ${describe(v)}`);
    return null;
  }
  let ok = true;
  for (let k = 0; k < v.length; k++) {
    const id: unknown = v[k];
    if (typeof id !== 'string' || !SERVER_VERSION_ID_RE.test(id)) {
      add(out, `/server_versions/${k}`, 'INDEX_SERVER_VERSIONS_INVALID', `server_versions[${k}] must be a server version id (lowercase letters, digits, "." and "-", at most 64), found ${describe(id)}`);
      ok = false;
    }
  }
  const twice = firstRepeated(v);
  if (twice !== undefined) {
    add(out, '/server_versions', 'INDEX_SERVER_VERSIONS_INVALID', `server_versions must list each version once; ${jsText(twice)} appears twice`);
    ok = false;
  }
  return ok ? (v as string[]) : null;
}

/**
 * FORMAT.md "Stored manifests": `stored_manifest` is exactly
 * `manifests/<plugin id>/<version>.json` and comes with `manifest_sha256`
 * (which binds the stored file to the signed index); `loads_on` lists, in
 * `server_versions` order, the versions that load the stored manifest — it
 * needs a stored manifest and the top-level `server_versions`, and a release
 * with a stored manifest has it whenever `server_versions` is present (absent
 * `loads_on` means "not evaluated", never "loads nowhere").
 */
function validateStoredManifest(out: Problems, release: Obj, i: number, j: number, pluginId: unknown, idText: string, serverVersions: ServerVersionsState): void {
  const at = `/plugins/${i}/releases/${j}`;
  const version = release.version;
  const versionText = jsText(version);
  const stored = release.stored_manifest;
  if (stored !== undefined) {
    const want = typeof pluginId === 'string' && typeof version === 'string' ? storedManifestPath(pluginId, version) : undefined;
    if (typeof stored !== 'string' || stored !== want) {
      add(out, `${at}/stored_manifest`, 'RELEASE_STORED_MANIFEST_INVALID', `plugin ${idText} release ${versionText} stored_manifest must be ${want !== undefined ? quote(want) : '"manifests/<plugin id>/<version>.json"'}, found ${describe(stored)}`);
    }
    if (release.manifest_sha256 === undefined) {
      add(out, `${at}/manifest_sha256`, 'RELEASE_STORED_MANIFEST_SHA256_REQUIRED', `plugin ${idText} release ${versionText} has a stored_manifest but no manifest_sha256: the digest binds the stored file to the signed index`);
    }
  }
  const loadsOn = release.loads_on;
  if (loadsOn === undefined) {
    if (stored !== undefined && serverVersions !== undefined) {
      add(out, `${at}/loads_on`, 'RELEASE_LOADS_ON_REQUIRED', `plugin ${idText} release ${versionText} has a stored_manifest in an index with server_versions but no loads_on (an absent matrix means "not evaluated"; give [] when no version loads it)`);
    }
    return;
  }
  if (stored === undefined || serverVersions === undefined) {
    add(out, `${at}/loads_on`, 'RELEASE_LOADS_ON_UNEXPECTED', `plugin ${idText} release ${versionText} has loads_on without ${stored === undefined ? 'a stored_manifest' : 'the index-level server_versions'}: the matrix is computed from the stored manifest for the listed server versions`);
    if (!Array.isArray(loadsOn)) return; // the shape below is still checked, membership is not
  } else if (!Array.isArray(loadsOn)) {
    add(out, `${at}/loads_on`, 'RELEASE_LOADS_ON_INVALID', `plugin ${idText} release ${versionText} loads_on must be an array of server version ids, found ${describe(loadsOn)}`);
    return;
  }
  const twice = firstRepeated(loadsOn);
  if (twice !== undefined) {
    add(out, `${at}/loads_on`, 'RELEASE_LOADS_ON_INVALID', `plugin ${idText} release ${versionText} loads_on must list each version once; ${jsText(twice)} appears twice`);
  }
  let last = -1;
  for (let k = 0; k < loadsOn.length; k++) {
    const v: unknown = loadsOn[k];
    if (typeof v !== 'string' || !SERVER_VERSION_ID_RE.test(v)) {
      add(out, `${at}/loads_on/${k}`, 'RELEASE_LOADS_ON_INVALID', `plugin ${idText} release ${versionText} loads_on[${k}] must be a server version id, found ${describe(v)}`);
      continue;
    }
    if (twice !== undefined || serverVersions === null || serverVersions === undefined) continue; // reported above
    const pos = serverVersions.indexOf(v);
    if (pos < 0) {
      add(out, `${at}/loads_on/${k}`, 'RELEASE_LOADS_ON_INVALID', `plugin ${idText} release ${versionText} loads_on[${k}] names ${v}, which is not in server_versions (${serverVersions.join(', ')})`);
    } else if (pos < last) {
      add(out, `${at}/loads_on/${k}`, 'RELEASE_LOADS_ON_INVALID', `plugin ${idText} release ${versionText} loads_on must follow the order of server_versions; ${v} comes too late`);
    } else {
      last = pos;
    }
  }
}

/** The first element that equals an earlier one (JSON equality, as a schema's `uniqueItems`), or undefined. */
function firstRepeated(list: readonly unknown[]): unknown {
  const seen = new Set<string>();
  for (const e of list) {
    let key: string;
    try {
      key = typeof e === 'string' ? `s${e}` : `j${JSON.stringify(e)}`;
    } catch {
      continue; // not JSON (a cycle, a BigInt): reported by the type check
    }
    if (seen.has(key)) return e;
    seen.add(key);
  }
  return undefined;
}

/**
 * §E.2 rules 20 and 27: a non-empty array of known, unique capabilities.
 * `context` is `default` or `release <version>`, as in upstream's messages.
 */
/**
 * §E.2 rules 20 and 27: a non-empty array of known, unique capabilities.
 * `j < 0` is the plugin's default list (context `default`), otherwise release
 * `j` (context `release <version>`), as in upstream's messages.
 */
function validateCapabilities(
  out: Problems,
  capabilities: unknown,
  i: number,
  j: number,
  idText: string,
  versionText: string,
  profile: ServerLineProfile,
  pluginType: unknown,
): void {
  const capabilityTable = profile.capabilities;
  if (!Array.isArray(capabilities) || capabilities.length === 0) {
    if (j < 0) add(out, `/plugins/${i}/capabilities`, 'PLUGIN_CAPABILITIES_REQUIRED', `plugin ${idText} default capabilities are required`);
    else add(out, `/plugins/${i}/releases/${j}/capabilities`, 'RELEASE_CAPABILITIES_REQUIRED', `plugin ${idText} release ${versionText} capabilities are required`);
    // Upstream iterated `capabilities || []`: a non-array was either empty or
    // crashed (objects, numbers) or iterated characters (strings); nothing more to check.
    return;
  }
  const n = capabilities.length;
  // Short lists (all real ones) use a scan; long hostile ones a Set (bounded time).
  const seen = n > 16 ? new Set<unknown>() : null;
  for (let k = 0; k < n; k++) {
    const cap: unknown = capabilities[k];
    if (typeof cap !== 'string' || !capabilityTable.has(cap)) {
      if (j < 0) add(out, `/plugins/${i}/capabilities/${k}`, 'PLUGIN_CAPABILITY_UNKNOWN', `plugin ${idText} default capability is unknown: ${jsText(cap)}`);
      else add(out, `/plugins/${i}/releases/${j}/capabilities/${k}`, 'RELEASE_CAPABILITY_UNKNOWN', `plugin ${idText} release ${versionText} capability is unknown: ${jsText(cap)}`);
    } else if (pluginType === 'wasm' || pluginType === 'worker') {
      // Interop §C.4 / §A.4 step 7: the server refuses such manifests, so an
      // entry declaring them could never load. The server's wording.
      const where = j < 0 ? `/plugins/${i}/capabilities/${k}` : `/plugins/${i}/releases/${j}/capabilities/${k}`;
      const context = j < 0 ? `plugin ${idText}` : `plugin ${idText} release ${versionText}`;
      const problem = capabilityTypeProblem(profile, pluginType, cap);
      if (problem === 'requires-system') {
        add(out, where, 'CAPABILITY_REQUIRES_SYSTEM', `${context} capability ${JSON.stringify(cap)} requires a system plugin`);
      } else if (problem === 'not-for-worker') {
        add(out, where, 'CAPABILITY_NOT_FOR_WORKER', `${context} capability ${JSON.stringify(cap)} is not available to worker plugins`);
      }
    }
    let duplicate = false;
    if (seen === null) {
      for (let m = 0; m < k; m++) {
        if (capabilities[m] === cap) {
          duplicate = true;
          break;
        }
      }
    } else {
      duplicate = seen.has(cap);
      seen.add(cap);
    }
    if (duplicate) {
      if (j < 0) add(out, `/plugins/${i}/capabilities/${k}`, 'PLUGIN_CAPABILITY_DUPLICATED', `plugin ${idText} default duplicates capability: ${jsText(cap)}`);
      else add(out, `/plugins/${i}/releases/${j}/capabilities/${k}`, 'RELEASE_CAPABILITY_DUPLICATED', `plugin ${idText} release ${versionText} duplicates capability: ${jsText(cap)}`);
    }
  }
}

/** FORMAT.md: at most 16 unique tags matching {@link TAG_RE}. */
function validateTags(out: Problems, tags: unknown, i: number, idText: string): void {
  const path = `/plugins/${i}/tags`;
  if (!Array.isArray(tags) || tags.length > MAX_TAGS) {
    add(out, path, 'PLUGIN_TAGS_INVALID', `plugin ${idText} tags must be an array of at most ${MAX_TAGS} tags, found ${describe(tags)}${Array.isArray(tags) ? ` of ${tags.length}` : ''}`);
    return;
  }
  for (let k = 0; k < tags.length; k++) {
    const tag: unknown = tags[k];
    if (typeof tag !== 'string' || !TAG_RE.test(tag)) {
      add(out, `${path}/${k}`, 'PLUGIN_TAG_INVALID', `plugin ${idText} tag must match ^[a-z0-9][a-z0-9-]{0,31}$, found ${describe(tag)}`);
      continue;
    }
    if (tags.indexOf(tag) < k) add(out, `${path}/${k}`, 'PLUGIN_TAG_DUPLICATED', `plugin ${idText} tag duplicated: ${tag}`);
  }
}

// ============================================================================
// Signatures and revocations
// ============================================================================

/** §E.2 rules 33–34, then keyid (DESIGN §4.1) and unknown members. */
function validateSignature(out: Problems, sig: Obj, i: number, publisherIds: Set<string> | null): void {
  const publisher = sig.publisher;
  const publisherText = jsText(publisher);
  // §E.2 rule 33 (only the type is checkable when publishers is not an array).
  if (typeof publisher !== 'string' || (publisherIds !== null && !publisherIds.has(publisher))) {
    add(out, `/signatures/${i}/publisher`, 'SIGNATURE_PUBLISHER_UNKNOWN', `index signature references unknown publisher ${publisherText}`);
  }
  // §E.2 rule 34.
  if (!isCanonicalBase64(sig.signature_ed25519, 64)) {
    add(out, `/signatures/${i}/signature_ed25519`, 'SIGNATURE_INVALID', `index signature for ${publisherText} must be base64 raw Ed25519 signature (64 bytes)`);
  }
  // DESIGN §4.1: keyid = lowercase hex SHA-256 of the raw public key.
  const keyid = sig.keyid;
  if (keyid !== undefined && (typeof keyid !== 'string' || !SHA256_HEX_RE.test(keyid))) {
    add(out, `/signatures/${i}/keyid`, 'SIGNATURE_KEYID_INVALID', `index signature for ${publisherText} keyid must be 64 lowercase hex digits (SHA-256 of the public key), found ${describe(keyid)}`);
  }
  for (const k in sig) {
    if (!isSignatureMember(k)) unknownMember(out, `/signatures/${i}`, k, `index signature for ${publisherText}`, SIGNATURE_MEMBERS);
  }
}

/** FORMAT.md "Revocations": three optional lists of revoked releases, artifacts and keys. */
function validateRevocations(out: Problems, revocations: unknown): void {
  if (!isObject(revocations)) {
    add(out, '/revocations', 'REVOCATIONS_NOT_OBJECT', `revocations must be an object, found ${describe(revocations)}`);
    return;
  }
  const releases = revocations.releases;
  if (releases !== undefined) {
    const entries = revocationList(out, releases, 'releases');
    for (let i = 0; i < entries.length; i++) {
      const e = revocationEntry(out, entries[i], 'releases', i);
      if (e === null) continue;
      const path = `/revocations/releases/${i}`;
      const plugin = e.plugin;
      if (typeof plugin !== 'string' || !validIndexID(plugin)) {
        add(out, `${path}/plugin`, 'REVOKED_PLUGIN_INVALID', `revoked release plugin must be a valid plugin id (index regex and server validPluginID), found ${describe(plugin)}`);
      }
      const version = e.version;
      if (typeof version !== 'string' || !validIndexVersion(version)) {
        add(out, `${path}/version`, 'REVOKED_VERSION_INVALID', `revoked release version must be a valid version (index regex and server v2 rule), found ${describe(version)}`);
      }
      revocationCommon(out, e, path);
      for (const k in e) {
        if (!isRevokedReleaseMember(k)) unknownMember(out, path, k, 'revoked release', REVOKED_RELEASE_MEMBERS);
      }
    }
  }
  const artifacts = revocations.artifacts;
  if (artifacts !== undefined) {
    const entries = revocationList(out, artifacts, 'artifacts');
    for (let i = 0; i < entries.length; i++) {
      const e = revocationEntry(out, entries[i], 'artifacts', i);
      if (e === null) continue;
      const path = `/revocations/artifacts/${i}`;
      const sha = e.sha256;
      if (typeof sha !== 'string' || !SHA256_HEX_RE.test(sha)) {
        add(out, `${path}/sha256`, 'REVOKED_SHA256_INVALID', `revoked artifact sha256 must be 64 lowercase hex digits, found ${describe(sha)}`);
      }
      revocationCommon(out, e, path);
      for (const k in e) {
        if (!isRevokedArtifactMember(k)) unknownMember(out, path, k, 'revoked artifact', REVOKED_ARTIFACT_MEMBERS);
      }
    }
  }
  const keys = revocations.keys;
  if (keys !== undefined) {
    const entries = revocationList(out, keys, 'keys');
    for (let i = 0; i < entries.length; i++) {
      const e = revocationEntry(out, entries[i], 'keys', i);
      if (e === null) continue;
      const path = `/revocations/keys/${i}`;
      const publisher = e.publisher;
      if (typeof publisher !== 'string' || !validIndexID(publisher)) {
        add(out, `${path}/publisher`, 'REVOKED_PUBLISHER_INVALID', `revoked key publisher must be a valid publisher id (index regex and server validPluginID), found ${describe(publisher)}`);
      }
      const key = e.public_key_ed25519;
      if (!isCanonicalBase64(key, 32)) {
        add(out, `${path}/public_key_ed25519`, 'REVOKED_KEY_INVALID', `revoked key public_key_ed25519 must be canonical padded base64 of 32 bytes, found ${describe(key)}`);
      }
      revocationCommon(out, e, path);
      for (const k in e) {
        if (!isRevokedKeyMember(k)) unknownMember(out, path, k, 'revoked key', REVOKED_KEY_MEMBERS);
      }
    }
  }
  for (const k in revocations) {
    if (!isRevocationsMember(k)) unknownMember(out, '/revocations', k, 'revocations', REVOCATIONS_MEMBERS);
  }
}

const NO_ENTRIES: readonly unknown[] = Object.freeze([]);

/** One revocation list must be an array; returns its entries (none when it is not). */
function revocationList(out: Problems, list: unknown, name: string): readonly unknown[] {
  if (Array.isArray(list)) return list;
  add(out, `/revocations/${name}`, 'REVOCATIONS_LIST_NOT_ARRAY', `revocations.${name} must be an array, found ${describe(list)}`);
  return NO_ENTRIES;
}

/** One revocation entry must be an object. */
function revocationEntry(out: Problems, e: unknown, name: string, i: number): Obj | null {
  if (isObject(e)) return e;
  add(out, `/revocations/${name}/${i}`, 'REVOCATION_NOT_OBJECT', `revocations.${name}[${i}] must be an object, found ${describe(e)}`);
  return null;
}

/** `reason` (non-blank string) and `revoked_at` (RFC 3339 UTC), common to every entry. */
function revocationCommon(out: Problems, e: Obj, path: string): void {
  const reason = e.reason;
  if (typeof reason !== 'string' || reason.trim() === '') {
    add(out, `${path}/reason`, 'REVOCATION_REASON_REQUIRED', `revocation reason must be a non-blank string, found ${describe(reason)}`);
  }
  const at = e.revoked_at;
  if (!isRFC3339UTC(at)) {
    add(out, `${path}/revoked_at`, 'REVOCATION_TIME_INVALID', `revocation revoked_at must be an RFC 3339 UTC timestamp, found ${describe(at)}`);
  }
}

// ============================================================================
// Members of each object (FORMAT.md). A switch on a string is a handful of
// comparisons in V8, cheaper than a Set lookup for these short lists.
// ============================================================================

function isIndexMember(k: string): boolean {
  switch (k) {
    case 'schema': case 'generated_at': case 'status': case 'generation': case 'expires_at': case 'server_versions':
    case 'publishers': case 'plugins': case 'revocations': case 'signatures':
      return true;
    default:
      return false;
  }
}
function isPublisherMember(k: string): boolean {
  switch (k) {
    case 'id': case 'name': case 'public_key_ed25519': case 'key_history': case 'homepage': case 'github_owners':
      return true;
    default:
      return false;
  }
}
function isKeyHistoryMember(k: string): boolean {
  switch (k) {
    case 'public_key_ed25519': case 'valid_from': case 'valid_until': case 'rotation_signature_ed25519':
      return true;
    default:
      return false;
  }
}
function isPluginMember(k: string): boolean {
  switch (k) {
    case 'id': case 'name': case 'publisher': case 'type': case 'summary': case 'latest': case 'channels':
    case 'capabilities': case 'releases': case 'homepage': case 'repository': case 'license': case 'tags':
    case 'description_md':
      return true;
    default:
      return false;
  }
}
function isReleaseMember(k: string): boolean {
  switch (k) {
    case 'version': case 'channel': case 'capabilities': case 'manifest_url': case 'artifact_url':
    case 'artifact_sha256': case 'signature_ed25519': case 'published_at': case 'manifest_sha256':
    case 'stored_manifest': case 'loads_on': case 'notes_md':
      return true;
    default:
      return false;
  }
}
function isSignatureMember(k: string): boolean {
  return k === 'publisher' || k === 'keyid' || k === 'signature_ed25519';
}
function isRevocationsMember(k: string): boolean {
  return k === 'releases' || k === 'artifacts' || k === 'keys';
}
function isRevokedReleaseMember(k: string): boolean {
  return k === 'plugin' || k === 'version' || k === 'reason' || k === 'revoked_at';
}
function isRevokedArtifactMember(k: string): boolean {
  return k === 'sha256' || k === 'reason' || k === 'revoked_at';
}
function isRevokedKeyMember(k: string): boolean {
  return k === 'publisher' || k === 'public_key_ed25519' || k === 'reason' || k === 'revoked_at';
}

// ============================================================================
// Helpers
// ============================================================================

function add(out: Problems, instancePath: string, code: IndexProblemCode, message: string): void {
  out.push({ instancePath, code, message });
}

function channelPath(i: number, channel: string): string {
  return `/plugins/${i}/channels/${escapePointer(channel)}`;
}

function unknownMember(out: Problems, parentPath: string, key: string, where: string, allowed: string): void {
  add(out, `${parentPath}/${escapePointer(key)}`, 'INDEX_UNKNOWN_FIELD', `${where} has unknown member ${quote(key)}; allowed members: ${allowed}`);
}

/**
 * `isHttpsUrl` (interop §E.2 rule 28 plus the project's hygiene) with a fast
 * path. Parsing a WHATWG URL costs about a microsecond and an object; most
 * index URLs have the plain form `https://<labels>/<path>`, for which parsing
 * cannot fail and cannot find userinfo, a port, a query or a fragment:
 * - host: dot-separated non-empty labels of `[a-z0-9-]`, the last one starting
 *   with a letter (so it is never an IPv4 number), no `xn--` label (whose
 *   Punycode could be invalid) — so domain-to-ASCII leaves it unchanged;
 * - path: `/` then no whitespace, control, backslash, `?` or `#`.
 * Anything else goes to `isHttpsUrl` itself, so this only answers `true`
 * early and never changes a verdict (checked by a property test).
 */
function httpsUrlOk(v: unknown): boolean {
  if (typeof v === 'string' && v.length <= 2048 && PLAIN_HTTPS_URL_RE.test(v) && v.indexOf('xn--') === -1) return true;
  return isHttpsUrl(v);
}
// eslint-disable-next-line no-control-regex
const PLAIN_HTTPS_URL_RE = /^https:\/\/(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*(?:\/[^\s\\?#\u0000-\u001f\u007f]*)?$/;

/**
 * A JSON object: not null, not an array, and a plain object (prototype
 * `Object.prototype` or `null`), so that every member read is an own member
 * and exactly what canonical JSON would sign.
 */
function isObject(v: unknown): v is Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** RFC 6901 escaping of one reference token. */
function escapePointer(token: string): string {
  if (token.indexOf('~') === -1 && token.indexOf('/') === -1) return token;
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The text JavaScript's template literal gives a JSON value — what upstream's
 * messages interpolated — without ever calling a member of the value (a
 * parsed object may carry a `toString` member; upstream would have crashed).
 */
function jsText(v: unknown, depth = 0): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'undefined':
      return 'undefined';
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        // Array.prototype.join: null/undefined become empty; nesting joins recursively.
        if (depth > 8) return '';
        let s = '';
        for (let i = 0; i < v.length; i++) {
          if (i > 0) s += ',';
          const e: unknown = v[i];
          if (e !== null && e !== undefined) s += jsText(e, depth + 1);
          if (s.length > 1000) return s;
        }
        return s;
      }
      return '[object Object]';
    default:
      return `[${typeof v}]`;
  }
}

/** A short description of a found value for "expected …, found …" messages. */
function describe(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return quote(v);
    case 'undefined':
      return 'nothing';
    case 'number':
    case 'boolean':
      return `${typeof v} ${String(v)}`;
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v)) return 'an array';
      return isObject(v) ? 'an object' : 'a non-plain object';
    default:
      return `a ${typeof v}`;
  }
}

/** JSON-quoted string, shortened to keep messages readable. */
function quote(s: string): string {
  return s.length > 120 ? `${JSON.stringify(s.slice(0, 120))}…` : JSON.stringify(s);
}

/**
 * Order of two timestamps accepted by `isRFC3339UTC`: negative, zero or
 * positive. Exact to the nanosecond: milliseconds from `Date.parse`, then the
 * fraction digits beyond them.
 */
function compareTimestamps(a: string, b: string): number {
  const d = Date.parse(a) - Date.parse(b);
  if (d !== 0) return d;
  const fa = fraction(a);
  const fb = fraction(b);
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

/** The fraction digits of a timestamp, right-padded to 9. */
function fraction(s: string): string {
  const dot = s.indexOf('.');
  const digits = dot === -1 ? '' : s.slice(dot + 1, s.length - 1);
  return digits.padEnd(9, '0');
}
