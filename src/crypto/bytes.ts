/**
 * Byte helpers private to the crypto layer: argument type guards and the
 * little-endian integer codec of RFC 8032.
 *
 * Not re-exported from `src/crypto/index.ts`; other layers have their own
 * helpers in `src/core`. Kept here so that `ed25519.ts`, `sha256.ts` and
 * `node.ts` apply the *same* rule for "is this a byte array" — the verdict on
 * a `Buffer`, a cross-realm `Uint8Array` or a `DataView` must not depend on
 * which implementation of a primitive the caller happened to pick.
 *
 * @module
 */

/**
 * True if `value` is a `Uint8Array`, including Node's `Buffer` (a subclass)
 * and a `Uint8Array` created in another realm (iframe, `vm` context), where
 * `instanceof` is false. Other typed arrays and `DataView` are rejected: a
 * `Uint16Array` holding the "same" data has a different byte view, and
 * silently accepting it would make the signed bytes ambiguous.
 *
 * Same rule as noble's `isBytes`, so both libraries agree on what a byte
 * array is.
 *
 * @param value - anything
 * @returns whether `value` is a byte array
 */
export function isBytes(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) &&
      value.constructor.name === 'Uint8Array' &&
      (value as Uint8Array).BYTES_PER_ELEMENT === 1)
  );
}

/**
 * Throws a `TypeError` unless `value` is a byte array (see {@link isBytes}).
 *
 * A wrong argument *type* is a caller bug, never hostile data (hostile data
 * arrives as bytes of the wrong length or content), so it throws instead of
 * returning `false` (STYLE.md: only caller bugs throw).
 *
 * @param value - the argument to check
 * @param name - the parameter name, used in the message
 * @throws {TypeError} if `value` is not a `Uint8Array`
 */
export function assertBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!isBytes(value)) {
    const got = value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
    throw new TypeError(`${name}: expected Uint8Array, got ${got}`);
  }
}

/** Lowercase hex digits, indexed by nibble. */
const HEX = '0123456789abcdef';

/**
 * Lowercase hex of `bytes` (two characters per byte, no prefix).
 *
 * @param bytes - bytes to encode
 * @returns lowercase hex string of length `2 * bytes.length`
 */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    out += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

/**
 * Decodes `bytes` as an unsigned little-endian integer (RFC 8032 §5.1.2: "the
 * integer is encoded as a little-endian byte string"). Any length is
 * accepted; SHA-512 digests (64 bytes) are decoded with this too before being
 * reduced mod L.
 *
 * @param bytes - little-endian bytes
 * @returns the integer they encode
 */
export function bytesToNumberLE(bytes: Uint8Array): bigint {
  // Build a big-endian hex string (most significant byte first) and let
  // BigInt parse it: one allocation, no per-byte bigint arithmetic.
  let hex = '0x0';
  for (let i = bytes.length - 1; i >= 0; i--) {
    const b = bytes[i] as number;
    hex += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return BigInt(hex);
}

/**
 * Encodes `n` (0 ≤ n < 2^256) as exactly 32 little-endian bytes — the
 * encoding of the scalar `S` in a signature (RFC 8032 §5.1.6 step 6).
 *
 * @param n - a non-negative integer below 2^256
 * @returns 32 bytes, least significant first
 * @throws {RangeError} if `n` is negative or does not fit in 32 bytes (an
 *   internal invariant: callers pass values already reduced mod L)
 */
export function numberToBytesLE32(n: bigint): Uint8Array {
  if (n < 0n || n >= 1n << 256n) throw new RangeError('numberToBytesLE32: out of range');
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
