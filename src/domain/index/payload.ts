/**
 * The index signing payload — the exact bytes an index signature covers
 * (DESIGN §4.1, docs/FORMAT.md "Index signatures"):
 *
 * ```
 * "LATTICE-PLUGIN-INDEX-V1\n" || RFC8785-JCS(index without its "signatures" member)
 * ```
 *
 * One source of truth for the prefix and the construction: signing
 * (`sign.ts`), verification (`verify.ts`), the rollback digest (`state.ts`)
 * and the benchmarks all call {@link indexSigningPayload}. Signing
 * canonical JSON, never the file's pretty-printed bytes, is what upstream's
 * FORMAT.md asks for ("Do not sign arbitrary pretty-printed bytes from a
 * local formatter", interop §E.4): reformatting the file keeps signatures
 * valid, while any change of a value — including a member's type, a number's
 * value or the order of array elements — changes the payload.
 *
 * Everything except `signatures` is covered: `status`, `generation`,
 * `expires_at`, `revocations`, publisher key history — so downgrading the
 * status, extending the expiry or dropping a revocation all invalidate every
 * signature.
 *
 * Pure, synchronous, browser-safe (imports `src/core` and `src/crypto` only).
 *
 * @module
 */
import { canonicalize } from '../../core/jcs.js';
import { createSha256 } from '../../crypto/index.js';

/** The domain-separation prefix of the index signing payload (DESIGN §4.1). */
export const INDEX_SIGNING_PREFIX = 'LATTICE-PLUGIN-INDEX-V1\n';

const UTF8 = new TextEncoder();

/**
 * The signing payload of an index document: {@link INDEX_SIGNING_PREFIX}
 * followed by the UTF-8 RFC 8785 canonical JSON of the document without its
 * top-level `signatures` member (whatever that member holds, and whether or
 * not it is present).
 *
 * Only the top-level `signatures` member is removed; a member of that name
 * deeper in the document is content (and is rejected by the validator
 * anyway). The input is not modified.
 *
 * @param index - the index document as plain JSON data (normally the output of
 *   the strict parser, or an index being signed).
 * @returns a fresh `Uint8Array`: prefix ‖ JCS bytes.
 * @throws {TypeError} if `index` is not a plain non-array object (a caller bug).
 * @throws {InputError} `JCS_UNREPRESENTABLE` if the document holds a value
 *   without a canonical JSON form (NaN, undefined, a lone surrogate, …) — data
 *   from the strict parser never does.
 * @example
 * ```ts
 * const payload = indexSigningPayload(index);
 * const signature = signEd25519(seed, payload);
 * ```
 */
export function indexSigningPayload(index: object): Uint8Array {
  if (index === null || typeof index !== 'object' || Array.isArray(index)) {
    throw new TypeError('indexSigningPayload expects an index object');
  }
  // Shallow copy without `signatures`: member order is irrelevant to JCS and
  // the nested values are shared, not copied (the index may be ~100 MB). A
  // null-prototype object, so an own "__proto__" member stays a member.
  const content = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(index)) {
    if (key !== 'signatures') content[key] = (index as Record<string, unknown>)[key];
  }
  // One encode of the (rope-)concatenated string: no second copy of the
  // canonical bytes just to prepend the prefix.
  return UTF8.encode(INDEX_SIGNING_PREFIX + canonicalize(content));
}

/**
 * Lowercase hex SHA-256 of a signing payload: the digest the rollback state
 * stores so that an index re-served under an already-seen generation must be
 * byte-for-byte the same signed content (DESIGN §5 step 1).
 *
 * Uses the runtime's fastest SHA-256 engine (`createSha256`: Node's native
 * hash when reachable, `@noble/hashes` in browsers; both tested identical).
 *
 * @param payload - the bytes from {@link indexSigningPayload}.
 * @returns 64 lowercase hex characters.
 * @throws {TypeError} if `payload` is not a `Uint8Array`.
 * @example
 * ```ts
 * const digest = indexPayloadSha256(indexSigningPayload(index));
 * ```
 */
export function indexPayloadSha256(payload: Uint8Array): string {
  const h = createSha256();
  h.update(payload);
  return h.digestHex();
}
