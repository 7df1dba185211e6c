/**
 * Node-only fast paths for the crypto layer (`node:crypto`, i.e. OpenSSL).
 *
 * Kept out of `./index.js` so the main crypto API stays importable in a
 * browser. Nothing selects the Ed25519 path implicitly: callers that run only
 * on Node (CLI, io) may opt in. Each function has the same contract as its
 * pure counterpart, and the tests hold them to it:
 *
 * - {@link verifyEd25519Node} gives Go's verdict on every vector of
 *   `vectors/ed25519/` (914 CCTV + 151 Wycheproof + 12 speccheck — measured
 *   with Node 20's bundled OpenSSL 3.0: no case differs from Go), and the same
 *   verdict as `verifyEd25519` on randomised valid/mutated signatures.
 * - {@link createSha256Node} gives the same digests as `createSha256Pure` on
 *   random chunkings, empty and large inputs.
 *
 * Why the Ed25519 fast path is *not* selected automatically: its verdicts
 * come from whichever OpenSSL the Node binary links. Node's bundled OpenSSL
 * 3.x agrees with Go (interop §B.7), but a distribution build linked against
 * another libcrypto could differ on edge cases, and a silent verdict change
 * is exactly the bug the Go-compatible verifier exists to prevent. The pure
 * `verifyEd25519` is fast enough for index and manifest verification (a few
 * signatures per operation).
 *
 * @module
 */
import { createHash, createPublicKey, verify as opensslVerify, type KeyObject } from 'node:crypto';
import { assertBytes } from './bytes.js';
import { ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH } from './ed25519.js';
import { createSha256With, type Sha256Stream } from './sha256.js';

/**
 * DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4):
 * SEQUENCE(42) { SEQUENCE(5) { OID 1.3.101.112 }, BIT STRING(33) { 0x00, key } }.
 * Prepending it to the raw 32-byte key gives the SPKI DER Node imports.
 */
const ED25519_SPKI_PREFIX = Uint8Array.of(
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
);

/**
 * L (the prime subgroup order) as 32 little-endian bytes, for the `S < L`
 * check below: 2^252 + 27742317777372353535851937790883648493.
 */
const L_LE = Uint8Array.of(
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
);

/**
 * True iff the 32 little-endian bytes `s` encode an integer below L (Go's
 * `Scalar.SetCanonicalBytes`). Compared from the most significant byte down.
 */
function isCanonicalScalarLE(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = s[i] as number;
    const b = L_LE[i] as number;
    if (a !== b) return a < b;
  }
  return false; // s == L
}

/**
 * Verifies an Ed25519 signature with OpenSSL (via `node:crypto`), with the
 * same contract and the same verdicts as `verifyEd25519` — Go's
 * `crypto/ed25519.Verify` (DESIGN §6, interop §B.7).
 *
 * The length and `S < L` rules (Go verify steps 1–2) are checked here in
 * TypeScript before OpenSSL is called, so those verdicts do not depend on
 * the linked OpenSSL version; point decoding, the cofactorless equation and
 * the byte comparison of `R` are OpenSSL's (tested against every vector).
 * Anything OpenSSL refuses (a key it cannot import, an internal error)
 * reads as `false`: fail closed.
 *
 * @param publicKey - the raw 32-byte Ed25519 public key
 * @param message - the signed bytes
 * @param signature - the 64-byte signature `R ‖ S`
 * @returns `true` iff Go's `ed25519.Verify` would return true
 * @throws {TypeError} if an argument is not a `Uint8Array` (a caller bug)
 * @example
 * ```ts
 * import { verifyEd25519Node } from './crypto/node.js';
 * if (!verifyEd25519Node(key, payload, sig)) throw new VerificationError('MANIFEST_SIGNATURE_INVALID', '…');
 * ```
 */
export function verifyEd25519Node(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return verifyNode(publicKey, message, signature, importKey);
}

/** Import a raw 32-byte Ed25519 key as an OpenSSL key object (SPKI DER). */
function importKey(publicKey: Uint8Array): KeyObject {
  const spki = new Uint8Array(ED25519_SPKI_PREFIX.length + ED25519_PUBLIC_KEY_LENGTH);
  spki.set(ED25519_SPKI_PREFIX, 0);
  spki.set(publicKey, ED25519_SPKI_PREFIX.length);
  return createPublicKey({ key: Buffer.from(spki.buffer), format: 'der', type: 'spki' });
}

function verifyNode(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, keyOf: (publicKey: Uint8Array) => KeyObject): boolean {
  assertBytes(publicKey, 'publicKey');
  assertBytes(message, 'message');
  assertBytes(signature, 'signature');
  // Go verify step 1 (key length) and step 2 (signature length, S < L).
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) return false;
  if (signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  if (!isCanonicalScalarLE(signature.subarray(32, 64))) return false;
  // Steps 3–6 in OpenSSL: the raw key as SPKI DER, then Ed25519 verify
  // (algorithm `null`: Ed25519 pure, no prehash).
  try {
    return opensslVerify(null, message, keyOf(publicKey), signature) === true;
  } catch {
    return false;
  }
}

/**
 * {@link verifyEd25519Node} for many signatures under few keys (an
 * operator's installed plugins): the same checks and verdicts, with each
 * key imported into OpenSSL once. Importing costs about as much as a
 * verification; the cache holds public keys only.
 *
 * @returns a verifier with the contract of {@link verifyEd25519Node}.
 * @example
 * ```ts
 * const verify = createEd25519NodeVerifier();
 * const ok = manifests.every((m) => verify(key, m.payload, m.signature));
 * ```
 */
export function createEd25519NodeVerifier(): (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean {
  const keys = new Map<string, KeyObject>();
  const keyOf = (publicKey: Uint8Array): KeyObject => {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex');
    let k = keys.get(id);
    if (k === undefined) {
      k = importKey(publicKey);
      keys.set(id, k);
    }
    return k;
  };
  return (publicKey, message, signature) => verifyNode(publicKey, message, signature, keyOf);
}

/**
 * A streaming SHA-256 on Node's OpenSSL hash, with the same checks and
 * digests as `createSha256Pure` (tested). `createSha256()` in `./index.js`
 * already selects this engine on Node; use this to require it.
 *
 * @returns a fresh stream
 * @example
 * ```ts
 * const h = createSha256Node();
 * for await (const chunk of fs.createReadStream(path)) h.update(chunk);
 * const hex = h.digestHex();
 * ```
 */
export function createSha256Node(): Sha256Stream {
  return createSha256With({ createHash: (algorithm) => createHash(algorithm) });
}
