/**
 * Stable error codes and the two error classes of the toolkit.
 *
 * Error codes are public API: tests, CI annotations and operators match on the
 * code, never on message text. Every code lives here and only here.
 *
 * Two classes, as in sigstore-js:
 * - {@link VerificationError} — integrity and cryptography: the bytes are not
 *   what they claim to be (bad signature, digest mismatch, malformed JSON,
 *   rollback, expiry).
 * - {@link PolicyError} — "who is trusted and for what": the bytes are genuine
 *   but the operator's policy does not allow them (untrusted publisher, risk
 *   tier above the limit, alpha channel not opted in).
 *
 * {@link InputError} is for a caller's bad input to a command (unreadable file,
 * wrong flag value); the CLI prints it as one line.
 *
 * @module
 */

/** Every stable error code with a one-line meaning. Grouped by layer/step. */
export const ERROR_CODES = {
  // ---- strict JSON (core/json) -------------------------------------------
  JSON_TOO_LARGE: 'input is larger than the configured byte limit',
  JSON_INVALID_UTF8: 'input is not valid UTF-8',
  JSON_BOM: 'input starts with a byte order mark',
  JSON_SYNTAX: 'input is not JSON text',
  JSON_TRAILING_DATA: 'a second value or garbage follows the JSON value',
  JSON_DUPLICATE_KEY: 'an object has the same member name twice',
  JSON_LONE_SURROGATE: 'a string escapes a lone UTF-16 surrogate',
  JSON_UNSAFE_INTEGER: 'an integer lies outside the IEEE-754 safe range',
  JSON_NUMBER_NOT_REPRESENTABLE: 'a number overflows to Infinity',
  JSON_TOO_DEEP: 'nesting is deeper than the configured limit',
  JSON_TOO_MANY_MEMBERS: 'an object or array has more entries than the configured limit',
  JSON_STRING_TOO_LONG: 'a string is longer than the configured limit',
  JSON_NUMBER_NOT_INTEGER: 'a number is not a plain integer literal where only integers are allowed',

  // ---- canonical JSON (core/jcs) -----------------------------------------
  JCS_UNREPRESENTABLE: 'value cannot be represented in RFC 8785 canonical JSON',

  // ---- index validation (core/index) -------------------------------------
  INDEX_INVALID: 'the index does not satisfy the index format',
  INDEX_TOO_LARGE: 'the index is larger than the byte cap verifiers apply',

  // ---- index signing and verification (domain/index) ---------------------
  INDEX_SIGNATURE_THRESHOLD: 'fewer distinct trusted keys signed the index than the threshold requires',
  INDEX_SIGNATURE_INVALID: 'an index signature does not verify',
  INDEX_UNTRUSTED_KEY: 'the index is signed only by keys the operator does not trust',
  INDEX_NOT_OFFICIAL: 'the index status is not official',
  INDEX_EXPIRED: 'the index expires_at lies in the past',
  INDEX_ROLLBACK: 'the index generation is lower than the stored one',
  INDEX_GENERATION_REUSED: 'the index generation equals the stored one but the signed content differs',
  INDEX_STATE_INVALID: 'the rollback state file is unreadable or malformed',
  INDEX_CHANGED: "the catalog's browser check: the served index or repository target verifies, but is not the one the page was built from",
  KEY_ROTATION_INVALID: 'a publisher key rotation statement is missing or not signed by the previous key',
  KEY_REVOKED: 'a key is on the revocation list',

  // ---- keys (crypto, io) ---------------------------------------------------
  KEY_INVALID: 'a key is not a 32-byte Ed25519 key or seed',
  KEY_FILE_EXISTS: 'refusing to overwrite an existing key file',

  // ---- command line, input and output (io, cli) -----------------------------
  USAGE_ERROR: 'the command line is malformed: an unknown, repeated, value-less or mistyped option',
  INPUT_NOT_FOUND: 'an input file or directory does not exist',
  INPUT_UNREADABLE: 'an input file or directory cannot be read (not a regular file, permission, I/O error)',
  INPUT_INVALID: 'a command argument or input file is malformed',
  OUTPUT_UNWRITABLE: 'an output file or directory cannot be written',
  OUTPUT_EXISTS: 'refusing to overwrite an existing output file',

  // ---- manifest (domain/manifest) ----------------------------------------
  MANIFEST_DECODE: 'the manifest cannot be decoded (strict decoding)',
  MANIFEST_INVALID: 'the manifest fails server-parity validation',
  MANIFEST_SIGNATURE_REQUIRED: 'the manifest must be signed but is not',
  MANIFEST_SIGNATURE_INVALID: 'the manifest signature does not verify',
  MANIFEST_UNTRUSTED_PUBLISHER: 'the manifest publisher is not a trusted publisher',
  MANIFEST_DIGEST_MISMATCH: 'the artifact SHA-256 differs from the manifest digest',
  MANIFEST_INDEX_MISMATCH: 'the manifest differs from its index release entry',
  TRUST_POLICY_INVALID: 'the server trust policy file (trusted_publishers) is malformed',

  // ---- server versions (core/server-line) ---------------------------------
  SERVER_VERSION_UNKNOWN: 'the named server version is not a known version, tag, commit or branch alias',

  // ---- bundle (domain/bundle) --------------------------------------------
  BUNDLE_INVALID: 'the tar+gzip bundle breaks an archive rule of the server',
  BUNDLE_TOO_LARGE: 'the bundle exceeds a size limit',
  BUNDLE_SETID_MODE: 'stricter than the server: a bundle entry has setuid, setgid or sticky mode bits',
  BUNDLE_CASE_COLLISION: 'stricter than the server: two bundle paths are one path on a case-insensitive filesystem',
  BUNDLE_TRAILING_DATA: 'stricter than the server: data follows the tar end-of-archive marker',
  BUNDLE_INSPECTOR_FAILED: 'the bundle inspector itself failed (its worker thread crashed, ran out of memory or exited): the bundle is refused, fail closed',

  // ---- install pipeline (domain/install) ---------------------------------
  INSTALL_POLICY_INVALID: 'the install policy file is malformed',
  PLUGIN_NOT_FOUND: 'the index has no such plugin',
  CHANNEL_NOT_ALLOWED: 'the channel is not requested or not allowed by policy',
  RELEASE_NOT_FOUND: 'the channel does not select a release',
  RELEASE_REVOKED: 'the release, its artifact digest or its key is revoked',
  RELEASE_NOT_LOADABLE: "the signed index says no eligible release of the channel loads on the host's server version",
  PUBLISHER_UNTRUSTED: 'the operator does not trust the plugin publisher',
  PUBLISHER_LIMIT: 'the release exceeds the limits the operator set for its publisher',
  CAPABILITY_DENIED: 'a capability is denied by the install policy',
  ARTIFACT_DIGEST_MISMATCH: 'the artifact SHA-256 differs from the index and manifest digest',
  RUNNER_UNAVAILABLE: 'the host has no runner or sandbox for this plugin',
  RUNNER_INCOMPATIBLE: 'the plugin is not compatible with the host profile',
  APPROVAL_REQUIRED: 'the operator did not approve the capabilities',
  PLACEMENT_FAILED: 'the plugin could not be placed atomically',
  PLUGIN_DIR_LOCKED: 'another run holds the plugin directory lock past the bounded wait',
  ESCALATION_NOT_APPROVED: 'an upgrade asks for more than the installed release (new capabilities, a higher risk tier, new host access, another runtime or type) and --yes alone does not approve that: add --approve-escalation or answer the prompt',
  PLUGIN_NOT_INSTALLED: 'the plugin is not installed in the plugin directory',
  UPGRADE_NOT_NEWER: 'the release the upgrade would install is not newer than the installed one',
  ROLLBACK_NOTHING_KEPT: 'no previous release of the plugin is kept to roll back to',
  ROLLBACK_REFUSED: 'the kept release is revoked, untrusted, modified or no longer listed in the verified index: it is not restored',
  REMOVE_HAS_DEPENDENTS: 'another installed plugin requires the plugin (give --force to remove it anyway)',
  AUDIT_PROBLEMS: 'audit found installed plugins that are revoked, untrusted, modified on disk, not approved or not in the index, or the index is not current',

  // ---- repository v2: TUF metadata and the client workflow (domain/repository)
  REPO_METADATA_INVALID: 'a TUF metadata file is not well-formed metadata of the expected role (type, version, expiry, keys, signatures list)',
  REPO_THRESHOLD: 'fewer distinct keys of the role signed the metadata than its threshold (arbitrary metadata)',
  REPO_ROLLBACK: 'a metadata version is lower than the one the client already trusts, or a root version is not the next one (rollback)',
  REPO_EXPIRED: 'a metadata file the client would trust has expired (freeze)',
  REPO_VERSION_MISMATCH: 'a metadata version differs from the version its parent role lists (mix-and-match)',
  REPO_HASH_MISMATCH: 'a metadata or target file differs in length or hash from what its parent role lists',
  REPO_TARGET_NOT_FOUND: 'no role the client trusts lists the target path',
  REPO_TARGET_INVALID: 'a Lattice target of the repository (plugin, publisher, revocations) is not valid entry data',
  REPO_ROOT_PIN: 'the initial root is not the one the policy pins (file or SHA-256), or the trusted metadata started from another root',
  REPO_STATE_INVALID: 'the local trusted metadata store is unreadable or damaged',
  REPO_BUNDLE_INVALID: 'an offline bundle is not a well-formed bundle of this repository',
  REPO_WRITE_REFUSED: 'the repository cannot be written as asked (missing init, wrong key, a threshold not met by the keys given)',

  // ---- fetching (io/fetch) ------------------------------------------------
  FETCH_URL_REFUSED: 'the URL is not HTTPS or carries userinfo, query or fragment',
  FETCH_ADDRESS_REFUSED: 'the host resolves to a private, loopback or link-local address',
  FETCH_REDIRECT_REFUSED: 'a redirect leaves HTTPS or exceeds the redirect limit',
  FETCH_TOO_LARGE: 'the response exceeds its byte cap',
  FETCH_TIMEOUT: 'the server did not answer in time, or one fetch outlasted its deadline',
  FETCH_TOO_SLOW: 'the average transfer rate fell below the policy floor after its grace period',
  FETCH_NOT_FOUND: 'the server answered 403, 404 or 410: the file is not there',
  FETCH_FAILED: 'the request failed',

  // ---- publisher PR rules (domain/pr) -------------------------------------
  PR_RULE: 'the pull request breaks a publisher rule',
  REVOKE_TARGET_UNKNOWN: 'the revocation names a release the index does not list (give --force for a release not yet published)',
} as const;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True if `code` is one of the stable {@link ErrorCode}s. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** Base class: an error that carries a stable code. */
export abstract class LatticeIndexError extends Error {
  readonly code: ErrorCode;
  /** Optional structured detail (never secret material). */
  readonly detail: unknown;
  constructor(code: ErrorCode, message: string, detail?: unknown) {
    super(message);
    this.code = code;
    this.detail = detail;
    this.name = new.target.name;
  }
}

/** Integrity or cryptographic failure: the data is not what it claims to be. */
export class VerificationError extends LatticeIndexError {}

/** Trust-policy failure: genuine data that the operator's policy does not allow. */
export class PolicyError extends LatticeIndexError {}

/** A caller's bad input (unreadable file, malformed flag, existing key file). */
export class InputError extends LatticeIndexError {}
