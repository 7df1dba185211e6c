/**
 * Keys and signatures of TUF metadata.
 *
 * - The project's keys are raw 32-byte Ed25519 seeds (`lattice-index
 *   keygen`). In TUF metadata a key is
 *   `{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"<64 hex>"}}`
 *   and its **keyid** is the lowercase hex SHA-256 of that object's
 *   canonical JSON — securesystemslib's `compute_default_keyid`, so python-tuf,
 *   tuf-js and go-tuf compute the same id ({@link tufEd25519Key}).
 * - A signature is `{"keyid", "sig"}` with `sig` the lowercase hex of the
 *   64-byte Ed25519 signature over the canonical JSON of `signed`
 *   ({@link signMetadata}).
 * - **Threshold** ({@link verifyThreshold}): the signatures are counted per
 *   distinct **key** (keytype, scheme and key value), not per keyid. A root
 *   that lists one key under two keyids therefore still counts it once —
 *   the mistake go-tuf fixed in GHSA-3633-5h82-39pq; tuf-js 5 counts keyids
 *   (`Metadata.verifyDelegate` collects `key.keyID` in a Set), which the
 *   test suite demonstrates.
 * - Ed25519 is verified with the project's Go-compatible verifier (DESIGN §6),
 *   browser-safe, unless an injected {@link SignatureVerifier} takes it: the
 *   Node one (`src/io/tuf-verifier.ts`) uses the OpenSSL fast path
 *   `verifyEd25519Node`, which gives Go's verdict on every vector (DESIGN §6
 *   allows it where tests show identical verdicts) and is about 7× faster.
 *   Other key types (RSA-PSS, RSA PKCS#1 v1.5, ECDSA P-256/P-384 — the
 *   tuf-conformance suite's defaults) are verified only by an injected
 *   verifier. A key no verifier supports simply does not count.
 *
 * @module
 */
import { VerificationError } from '../../core/errors.js';
import type { JSONObject } from '../../core/json/types.js';
import { publicKeyFromSeed, sha256Hex, signEd25519, verifyEd25519 } from '../../crypto/index.js';
import { canonicalBytes, fromHexString, toHexString, type Metadata, type RoleKeys, type TufKey, type TufSignature } from './model.js';

/** A TUF key with its keyid. */
export interface KeyWithId {
  readonly keyid: string;
  readonly key: TufKey;
}

/**
 * The TUF key of a raw Ed25519 public key, and its keyid.
 *
 * @param publicKey - 32 bytes.
 * @returns `{ keyid, key }`.
 * @throws {TypeError} when the key is not 32 bytes (a caller bug).
 * @example
 * ```ts
 * const { keyid, key } = tufEd25519Key(publicKeyFromSeed(seed));
 * ```
 */
export function tufEd25519Key(publicKey: Uint8Array): KeyWithId {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new TypeError('tufEd25519Key: expected a 32-byte Ed25519 public key');
  const key: TufKey = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: toHexString(publicKey) } };
  return { keyid: tufKeyId(key), key };
}

/**
 * securesystemslib's default keyid: SHA-256 of the canonical JSON of
 * `{keytype, scheme, keyval}`.
 *
 * @param key - the key.
 * @returns lowercase hex.
 */
export function tufKeyId(key: TufKey): string {
  return sha256Hex(canonicalBytes({ keytype: key.keytype, scheme: key.scheme, keyval: key.keyval }));
}

/** Something that signs metadata: its keyid and a signing function (never exposes the seed). */
export interface MetadataSigner {
  readonly keyid: string;
  readonly key: TufKey;
  /** Sign the canonical bytes. */
  sign(message: Uint8Array): Uint8Array;
}

/**
 * A signer on a raw Ed25519 seed. The seed is copied and held in the closure;
 * call `dispose` to wipe the copy.
 *
 * @param seed - 32 bytes.
 * @returns the signer and a `dispose` function.
 */
export function ed25519Signer(seed: Uint8Array): MetadataSigner & { dispose(): void } {
  const copy = Uint8Array.from(seed);
  const { keyid, key } = tufEd25519Key(publicKeyFromSeed(copy));
  return {
    keyid,
    key,
    sign: (message) => signEd25519(copy, message),
    dispose: () => copy.fill(0),
  };
}

/**
 * Sign a `signed` object with each signer: the signatures over its canonical JSON.
 *
 * @param signed - the `signed` member.
 * @param signers - distinct signers (a keyid twice is a caller bug).
 * @returns the signatures, in the signers' order.
 * @throws {TypeError} for a repeated keyid.
 */
export function signMetadata(signed: JSONObject, signers: readonly MetadataSigner[]): TufSignature[] {
  const message = canonicalBytes(signed);
  const seen = new Set<string>();
  return signers.map((s) => {
    if (seen.has(s.keyid)) throw new TypeError(`signMetadata: keyid ${s.keyid} given twice`);
    seen.add(s.keyid);
    return { keyid: s.keyid, sig: toHexString(s.sign(message)) };
  });
}

/**
 * Verifies one signature under one key. Returns `undefined` when it does not
 * support the key's type or scheme (the signature then does not count).
 */
export type SignatureVerifier = (key: TufKey, signature: Uint8Array, message: Uint8Array) => boolean | undefined;

/**
 * Ed25519 only, with Go's verdict (DESIGN §6): `keyval.public` is 64 hex
 * characters; anything else is unsupported.
 *
 * @param key - the key.
 * @param signature - the signature bytes.
 * @param message - the canonical bytes.
 * @returns the verdict, or undefined for another key type.
 */
export const ed25519Verifier: SignatureVerifier = (key, signature, message) => {
  if (key.keytype !== 'ed25519' || key.scheme !== 'ed25519') return undefined;
  const pub = typeof key.keyval.public === 'string' && /^[0-9a-fA-F]{64}$/.test(key.keyval.public) ? fromHexString(key.keyval.public) : null;
  if (pub === null) return false;
  return verifyEd25519(pub, message, signature);
};

/** What {@link verifyThreshold} found. */
export interface ThresholdResult {
  /** Distinct keys whose signature verified (their keyids as the role lists them, first per key). */
  readonly signers: string[];
  readonly threshold: number;
}

/** Identity of a key's content (two keyids naming the same key are the same key). */
function keyIdentity(key: TufKey): string {
  return new TextDecoder().decode(canonicalBytes({ keytype: key.keytype, scheme: key.scheme, keyval: key.keyval }));
}

/**
 * Count the distinct keys of `role` whose signatures on `metadata` verify,
 * and compare with its threshold (client workflow 5.3.4/5.3.5, 5.4.2, 5.5.3, 5.6.3).
 *
 * @param metadata - the metadata being verified.
 * @param role - keyids and threshold of the role (from the delegating metadata).
 * @param keys - the delegating metadata's keys.
 * @param roleName - for messages.
 * @param verifier - verifies non-Ed25519 keys (Ed25519 is always the Go-compatible verifier).
 * @returns the signers, or a `REPO_THRESHOLD` error value.
 */
export function verifyThreshold(
  metadata: Pick<Metadata, 'rawSigned' | 'signatures'>,
  role: RoleKeys,
  keys: Readonly<Record<string, TufKey>>,
  roleName: string,
  verifier?: SignatureVerifier,
): { ok: true; result: ThresholdResult } | { ok: false; error: VerificationError } {
  const message = canonicalBytes(metadata.rawSigned);
  const sigs = new Map(metadata.signatures.map((s) => [s.keyid, s.sig]));
  const counted = new Set<string>();
  const signers: string[] = [];
  for (const keyid of role.keyids) {
    const key = keys[keyid];
    const sigHex = sigs.get(keyid);
    if (key === undefined || sigHex === undefined) continue;
    const identity = keyIdentity(key);
    if (counted.has(identity)) continue; // one key counts once, whatever its keyids
    const sig = fromHexString(sigHex);
    if (sig === null) continue;
    // The injected verifier first (on Node: OpenSSL's Ed25519 with Go's verdict, and RSA/ECDSA);
    // what it does not support, the built-in Go-compatible Ed25519.
    let ok: boolean | undefined;
    if (verifier !== undefined) {
      try {
        ok = verifier(key, sig, message);
      } catch {
        ok = false; // a verifier that cannot judge fails closed
      }
    }
    if (ok === undefined) ok = ed25519Verifier(key, sig, message);
    if (ok === true) {
      counted.add(identity);
      signers.push(keyid);
    }
  }
  if (signers.length < role.threshold) {
    return {
      ok: false,
      error: new VerificationError(
        'REPO_THRESHOLD',
        `${roleName} is signed by ${signers.length} distinct key(s) of its role, threshold ${role.threshold}`,
        { role: roleName, signers, threshold: role.threshold },
      ),
    };
  }
  return { ok: true, result: { signers, threshold: role.threshold } };
}
