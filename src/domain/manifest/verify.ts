/**
 * The server's manifest verifier (interop §C.5): `VerifyManifest` and
 * `VerifyInstallManifest` (= strict decode + verify), with the server's
 * verdicts and message texts, plus a stable error code per failure.
 *
 * Steps, in the server's order:
 * 1. `ValidateManifest` (per server line) — `MANIFEST_INVALID`;
 * 2. is a signature required? (v2 always; v1 with a host-risk capability
 *    unless the policy allows unsigned host risk);
 * 3. the artifact digest, when the manifest names one — `MANIFEST_DIGEST_MISMATCH`;
 * 4. unsigned v1 without publisher and signature, when not required — accepted unsigned;
 * 5. otherwise: publisher present and trusted with a 32-byte key, an artifact
 *    digest present, the signature decodes (Go base64 rules, §B.7) and
 *    verifies under Go-compatible Ed25519 over {@link manifestSigningPayload}.
 *
 * One deliberate addition (fail closed): a v1 manifest whose payload fields
 * contain a newline is refused before the signature is checked, because the
 * newline-joined v1 payload would be ambiguous (§B.1). No real manifest has one.
 *
 * Synchronous; takes bytes and plain data; never fetches.
 *
 * @module
 */
import { goDecodeRawStdThenStd } from '../../core/base64.js';
import type { ErrorCode } from '../../core/errors.js';
import { rulesFromOptions } from '../../core/server-line.js';
import type { ServerLine } from '../../core/server-line.js';
import { sha256Hex, verifyEd25519 } from '../../crypto/index.js';
import { decodeManifest } from './decode.js';
import { goQuote } from './go-json.js';
import { MANIFEST_SCHEMA_V2, manifestArtifactDigest } from './model.js';
import type { Manifest } from './model.js';
import { manifestSigningPayload, v1PayloadAmbiguity } from './payload.js';
import type { TrustPolicy } from './trust-policy.js';
import { validateManifest } from './validate.js';

/** The artifact: its bytes, or (when the caller already hashed it while streaming) its SHA-256. */
export type ManifestArtifact = Uint8Array | { sha256Hex: string };

/** Options for {@link verifyManifest}. */
export interface VerifyManifestOptions {
  /** Server line (branch alias) whose decoder, validation and payload rules apply. Default `integration`. */
  serverLine?: ServerLine;
  /** Any known server version name; the same as `serverLine` with that name. */
  serverVersion?: string;
  /**
   * The Ed25519 verifier (default the pure, Go-compatible `verifyEd25519`).
   * Node callers may pass OpenSSL's `verifyEd25519Node`, which gives the same
   * verdict on every vector (DESIGN §6 fast path).
   */
  verifyEd25519?: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
}

/** The codes {@link verifyManifest} can fail with. */
export type VerifyManifestErrorCode = Extract<
  ErrorCode,
  | 'MANIFEST_DECODE'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_SIGNATURE_REQUIRED'
  | 'MANIFEST_UNTRUSTED_PUBLISHER'
  | 'MANIFEST_DIGEST_MISMATCH'
  | 'MANIFEST_SIGNATURE_INVALID'
>;

/** Outcome of {@link verifyManifest}. */
export type VerifyManifestResult =
  | {
      ok: true;
      manifest: Manifest;
      /** True when a signature was checked and verified; false for an accepted unsigned v1 manifest. */
      signed: boolean;
      /** The trusted publisher whose key verified the signature (only when `signed`). */
      publisher?: string;
      /** Lowercase hex SHA-256 of the signing payload: pins exactly which manifest this is (§G). */
      payloadSha256: string;
    }
  | {
      ok: false;
      code: VerifyManifestErrorCode;
      /** The server's exact error text (or, for decode failures we add, our text in the same form). */
      message: string;
    };

type Failure = Extract<VerifyManifestResult, { ok: false }>;
const failure = (code: VerifyManifestErrorCode, message: string): Failure => ({ ok: false, code, message });

const HEX64_RE = /^[0-9a-fA-F]{64}$/;

/** Lowercase hex SHA-256 of the artifact (server `DigestSHA256`). */
function artifactSha256(artifact: ManifestArtifact): string {
  if (artifact instanceof Uint8Array) return sha256Hex(artifact);
  if (artifact === null || typeof artifact !== 'object' || typeof artifact.sha256Hex !== 'string' || !HEX64_RE.test(artifact.sha256Hex)) {
    throw new TypeError('artifact must be a Uint8Array or { sha256Hex: <64 hex chars> }');
  }
  return artifact.sha256Hex.toLowerCase();
}

/**
 * Server `verifyDigest` (§C.5 step 3): the digest must be 64 hex chars
 * (`invalid digest_sha256 %q`), and equal the artifact's SHA-256
 * case-insensitively (`digest mismatch: got <lowercase hex>`).
 */
function verifyDigest(want: string, got: string): Failure | null {
  if (!HEX64_RE.test(want)) return failure('MANIFEST_INVALID', `invalid digest_sha256 ${goQuote(want)}`);
  if (got !== want.toLowerCase()) return failure('MANIFEST_DIGEST_MISMATCH', `digest mismatch: got ${got}`);
  return null;
}

/**
 * Server `VerifyManifest(m, artifact, policy)` (§C.5) on an already decoded manifest.
 *
 * @param m - the decoded manifest.
 * @param artifact - the artifact bytes, or `{ sha256Hex }` computed by the caller.
 * @param trust - the operator's trust policy.
 * @param opts - `serverVersion` or `serverLine` (default the `integration` alias).
 * @returns the verdict; see {@link VerifyManifestResult}. Hostile data never throws.
 * @throws TypeError for a malformed `artifact` argument or unknown server line (caller bugs).
 */
export function verifyDecodedManifest(
  m: Manifest,
  artifact: ManifestArtifact,
  trust: TrustPolicy,
  opts: VerifyManifestOptions = {},
): VerifyManifestResult {
  const profile = rulesFromOptions(opts);
  const line = profile.version;
  const got = artifactSha256(artifact);

  // §C.5 step 1: ValidateManifest.
  const invalid = validateManifest(m, { serverVersion: line });
  if (invalid !== null) return failure('MANIFEST_INVALID', invalid);
  // Our addition: an ambiguous v1 payload is never accepted (§B.1).
  const ambiguous = v1PayloadAmbiguity(m);
  if (ambiguous !== null) {
    return failure('MANIFEST_INVALID', `manifest v1 field ${ambiguous} contains a newline (ambiguous signing payload)`);
  }

  // §C.5 step 2: when a signature is required.
  const hasHostRisk = (m.capabilities ?? []).some((c) => profile.capabilities.get(c) === 'host');
  const requireSignature = m.schema === MANIFEST_SCHEMA_V2 || (hasHostRisk && !trust.allowUnsignedHostRisk);

  // §C.5 step 3: the artifact digest, when named.
  const digest = manifestArtifactDigest(m);
  if (digest !== '') {
    const bad = verifyDigest(digest, got);
    if (bad !== null) return bad;
  }

  const payload = manifestSigningPayload(m, { serverVersion: line });
  const payloadSha256 = sha256Hex(payload);

  // §C.5 step 4: unsigned v1 without publisher, when allowed.
  if (!requireSignature && m.publisher === '' && m.signature_ed25519 === '') {
    return { ok: true, manifest: m, signed: false, payloadSha256 };
  }

  // §C.5 step 5: a signature is mandatory from here on.
  if (m.publisher === '') return failure('MANIFEST_SIGNATURE_REQUIRED', 'manifest signature requires publisher');
  const key = trust.trustedPublishers.get(m.publisher);
  if (key === undefined) {
    return failure('MANIFEST_UNTRUSTED_PUBLISHER', `publisher ${goQuote(m.publisher)} is not trusted publisher`);
  }
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    return failure('MANIFEST_UNTRUSTED_PUBLISHER', `trusted publisher ${goQuote(m.publisher)} has invalid ed25519 key`);
  }
  if (digest === '') return failure('MANIFEST_INVALID', 'manifest signature requires an artifact digest');
  // (Go re-checks the digest here; it already passed above.)

  // §B.7 decodeSignature.
  if (m.signature_ed25519 === '') {
    return failure('MANIFEST_SIGNATURE_REQUIRED', 'manifest signature requires signature_ed25519');
  }
  const decoded = goDecodeRawStdThenStd(m.signature_ed25519);
  if (!decoded.ok) return failure('MANIFEST_SIGNATURE_INVALID', `invalid signature_ed25519: ${decoded.error}`);
  if (decoded.bytes.length !== 64) return failure('MANIFEST_SIGNATURE_INVALID', 'invalid ed25519 signature length');

  if (!(opts.verifyEd25519 ?? verifyEd25519)(key, payload, decoded.bytes)) return failure('MANIFEST_SIGNATURE_INVALID', 'invalid signature');
  return { ok: true, manifest: m, signed: true, publisher: m.publisher, payloadSha256 };
}

/**
 * Server `VerifyInstallManifest(bytes, artifact, policy)` (§C.5): strict
 * decode ({@link decodeManifest}) then {@link verifyDecodedManifest}.
 *
 * @param manifestBytes - the manifest file as fetched (UTF-8 bytes) or its text.
 * @param artifact - the artifact bytes, or `{ sha256Hex }` when the caller hashed it while streaming.
 * @param trust - the operator's trust policy ({@link parseServerTrustPolicy} or built in code).
 * @param opts - `serverVersion` or `serverLine` (default the `integration` alias): whose decoder,
 *   validation and payload apply.
 * @returns `{ ok: true, manifest, signed, publisher?, payloadSha256 }` or
 *   `{ ok: false, code, message }` with the server's message text.
 * @throws TypeError for a malformed `artifact` argument or unknown server line (caller bugs).
 * @example
 * const r = verifyManifest(bytes, { sha256Hex: digest }, policy);
 * if (!r.ok) throw new VerificationError(r.code, r.message);
 */
export function verifyManifest(
  manifestBytes: Uint8Array | string,
  artifact: ManifestArtifact,
  trust: TrustPolicy,
  opts: VerifyManifestOptions = {},
): VerifyManifestResult {
  // Hash once (and check the caller's argument) before looking at hostile data.
  const sha = artifactSha256(artifact);
  const rules = rulesFromOptions(opts);
  const decoded = decodeManifest(manifestBytes, { serverVersion: rules.version });
  if (!decoded.ok) return failure('MANIFEST_DECODE', decoded.message);
  return verifyDecodedManifest(decoded.manifest, { sha256Hex: sha }, trust, opts);
}
