/**
 * Byte-array helpers shared by the layers.
 * @module
 */

/**
 * Join chunks into one array.
 * @param chunks - the parts, in order.
 * @param size - their total length (computed when omitted).
 * @throws RangeError if `size` is smaller than the chunks' total (a caller bug).
 */
export function concatBytes(chunks: readonly Uint8Array[], size?: number): Uint8Array {
  const total = size ?? chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
