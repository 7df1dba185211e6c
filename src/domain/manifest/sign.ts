/**
 * `signManifest` — the server's `cmd/pluginsign` (interop §C.7) as one
 * function, used by `lattice-index manifest sign`, the demo, the benchmarks
 * and the tests, so every signed manifest in the project passes the same
 * checks:
 *
 * 1. the artifact digest (§C.7 step 2): with an artifact SHA-256, an empty
 *    digest is filled, an equal one kept (hex case-insensitively, as the
 *    server compares), a different one replaced only with `updateDigest`,
 *    otherwise `MANIFEST_DIGEST_MISMATCH`;
 * 2. refuse what the server would not load (stricter than pluginsign, which
 *    finds out only after writing): server-parity validation, an ambiguous
 *    v1 payload, no publisher, a malformed digest;
 * 3. sign the payload (§B.1/§B.2), self-verify, padded standard base64 (§C.7 step 3);
 * 4. Go's `MarshalIndent` form plus a newline (§B.5, §C.7 step 4);
 * 5. verify the output bytes as the server would (§C.7 step 6).
 *
 * Takes the seed as bytes; never reads or writes files, never keeps the seed.
 *
 * @module
 */
import { encodeBase64 } from '../../core/base64.js';
import { VerificationError } from '../../core/errors.js';
import { goQuote } from '../../core/go-quote.js';
import type { ServerLine } from '../../core/server-line.js';
import { rulesFromOptions } from '../../core/server-line.js';
import { publicKeyFromSeed, signEd25519, verifyEd25519 } from '../../crypto/index.js';
import { cloneManifest, manifestArtifactDigest, MANIFEST_SCHEMA_V2, type Manifest } from './model.js';
import { manifestSigningPayload, marshalManifestIndent, v1PayloadAmbiguity } from './payload.js';
import type { TrustPolicy } from './trust-policy.js';
import { validateManifest } from './validate.js';
import { manifestProblemPointer } from './explain.js';
import { verifyManifest } from './verify.js';

const HEX64_RE = /^[0-9a-fA-F]{64}$/;

/** Options of {@link signManifest}. */
export interface SignManifestOptions {
  /** Server line (branch alias) whose payload and validation rules apply (default `integration`). */
  serverLine?: ServerLine;
  /** Any known server version name; the same as `serverLine` with that name. */
  serverVersion?: string;
  /** Lowercase hex SHA-256 of the artifact: fills or checks the digest. */
  artifactSha256?: string;
  /** Replace a digest that differs from `artifactSha256`. */
  updateDigest?: boolean;
  /** Name used in messages (the manifest's file). */
  name?: string;
}

/** What {@link signManifest} produced. */
export interface SignedManifest {
  /** The signed manifest (a copy; the input is not changed). */
  manifest: Manifest;
  /** The output file bytes: `MarshalIndent` + `\n`. */
  bytes: Uint8Array;
  publicKey: Uint8Array;
  signature: Uint8Array;
  /** The exact payload that was signed. */
  payload: Uint8Array;
  /** The digest in the signed manifest. */
  digest: string;
  /** What happened to the digest, when an artifact digest was given. */
  digestAction?: 'kept' | 'filled' | 'replaced';
}

/**
 * Sign a manifest like the server's `cmd/pluginsign`, refusing what the
 * server would not load. See the module comment for the steps.
 *
 * @param manifest - a strictly decoded manifest.
 * @param seed - the publisher's 32-byte Ed25519 seed (not kept).
 * @param opts - {@link SignManifestOptions}.
 * @returns the signed manifest and its bytes.
 * @throws {VerificationError} `MANIFEST_INVALID`, `MANIFEST_DIGEST_MISMATCH`,
 *   `MANIFEST_SIGNATURE_REQUIRED` (no publisher) or `MANIFEST_SIGNATURE_INVALID`
 *   (the self-checks failed).
 * @example
 * ```ts
 * const { bytes } = signManifest(decodeManifest(text).manifest, seed, { artifactSha256 });
 * ```
 */
export function signManifest(manifest: Manifest, seed: Uint8Array, opts: SignManifestOptions = {}): SignedManifest {
  const m = cloneManifest(manifest);
  const line = rulesFromOptions(opts).version;
  const name = opts.name ? `${opts.name}: ` : '';

  // 1. The digest from the artifact.
  let digestAction: SignedManifest['digestAction'];
  if (opts.artifactSha256 !== undefined) digestAction = applyArtifactDigest(m, opts.artifactSha256.toLowerCase(), opts.updateDigest === true, name);
  const digest = manifestArtifactDigest(m);
  if (digest === '') throw new VerificationError('MANIFEST_INVALID', `${name}manifest signature requires an artifact digest (give the artifact)`);

  // 2. Refuse what the server would not load.
  const invalid = validateManifest(m, { serverVersion: line });
  if (invalid !== null) {
    const at = manifestProblemPointer(m, invalid);
    throw new VerificationError('MANIFEST_INVALID', `${name}${invalid}${at !== undefined ? ` (at ${at})` : ''}`);
  }
  const ambiguous = v1PayloadAmbiguity(m);
  if (ambiguous !== null) throw new VerificationError('MANIFEST_INVALID', `${name}manifest v1 field ${ambiguous} contains a newline (ambiguous signing payload)`);
  if (m.publisher === '') throw new VerificationError('MANIFEST_SIGNATURE_REQUIRED', `${name}manifest signature requires publisher`);
  if (!HEX64_RE.test(digest)) throw new VerificationError('MANIFEST_INVALID', `${name}invalid digest_sha256 ${goQuote(digest)}`);

  // 3. Sign, self-verify, padded standard base64.
  const payload = manifestSigningPayload(m, { serverVersion: line });
  const publicKey = publicKeyFromSeed(seed);
  const signature = signEd25519(seed, payload);
  if (!verifyEd25519(publicKey, payload, signature)) {
    throw new VerificationError('MANIFEST_SIGNATURE_INVALID', `${name}self-verification of the new signature failed`);
  }
  m.signature_ed25519 = encodeBase64(signature);

  // 4. MarshalIndent + "\n".
  const bytes = new TextEncoder().encode(marshalManifestIndent(m));

  // 5. The output verifies as the server would.
  const trust: TrustPolicy = { trustedPublishers: new Map([[m.publisher, publicKey]]), allowUnsignedHostRisk: false };
  const check = verifyManifest(bytes, { sha256Hex: opts.artifactSha256?.toLowerCase() ?? digest.toLowerCase() }, trust, { serverVersion: line });
  if (!check.ok) throw new VerificationError(check.code === 'MANIFEST_UNTRUSTED_PUBLISHER' ? 'MANIFEST_SIGNATURE_INVALID' : check.code, `${name}the signed manifest does not verify: ${check.message}`);

  return { manifest: m, bytes, publicKey, signature, payload, digest, ...(digestAction !== undefined ? { digestAction } : {}) };
}

/**
 * pluginsign's digest rule (§C.7 step 2), applied to `m` in place.
 */
function applyArtifactDigest(m: Manifest, sha: string, update: boolean, name: string): 'kept' | 'filled' | 'replaced' {
  const isV2 = m.schema === MANIFEST_SCHEMA_V2;
  if (isV2 && m.bundle === null) throw new VerificationError('MANIFEST_INVALID', `${name}manifest v2 bundle is required`);
  const current = isV2 ? m.bundle!.digest_sha256 : m.digest_sha256;
  if (current !== '' && current.toLowerCase() === sha) return 'kept';
  if (current !== '' && !update) {
    throw new VerificationError('MANIFEST_DIGEST_MISMATCH', `${name}digest mismatch: the manifest has ${current}, the artifact is ${sha} (replace it with --update-digest)`);
  }
  if (isV2) m.bundle = { ...m.bundle!, digest_sha256: sha };
  else m.digest_sha256 = sha;
  return current === '' ? 'filled' : 'replaced';
}
