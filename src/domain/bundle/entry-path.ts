/**
 * Entry-name rules of a Lattice v2 bundle (interop §D.6 step 4, name
 * normalisation, length and depth) over **byte strings**.
 *
 * Go strings are bytes, and a tar name need not be UTF-8. To apply the
 * server's byte-level rules exactly — length in bytes, `path.Clean`, `%q`
 * with `\xNN` for stray bytes — names travel through this module as *byte
 * strings*: JavaScript strings whose every code unit is one byte (0–255),
 * i.e. Latin-1 text of the raw bytes. Only `/` and `.` are special to
 * `path.Clean`, and both are ASCII, so cleaning a byte string is cleaning the
 * Go string. {@link byteStringToText} turns a byte string into display text.
 *
 * @module
 */
import { goQuoteBytes } from '../../core/go-quote.js';
import { goPathClean } from '../../core/go-path.js';

export { goPathClean };

/** A string whose code units are bytes (0–255): the raw bytes of a Go string. */
export type ByteString = string;

/**
 * The raw bytes as a {@link ByteString}.
 * @param bytes - any bytes
 * @returns one code unit per byte
 * @example bytesToByteString(Uint8Array.of(0x61, 0xff)) // 'a\u00ff'
 */
export function bytesToByteString(bytes: Uint8Array): ByteString {
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x2000) {
    out += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
  }
  return out;
}

/**
 * The bytes of a {@link ByteString}.
 * @param s - a byte string (code units above 255 are a caller bug and are truncated to their low byte)
 * @returns the bytes
 */
export function byteStringToBytes(s: ByteString): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder('utf-8');

/**
 * The UTF-8 bytes of `text` as a {@link ByteString} (how a manifest
 * entrypoint, which is JSON text, compares with a tar name).
 * @param text - any text (a lone surrogate becomes U+FFFD)
 * @returns the byte string of its UTF-8 encoding
 * @example textToByteString('é') // '\u00c3\u00a9'
 */
export function textToByteString(text: string): ByteString {
  return bytesToByteString(UTF8_ENCODER.encode(text));
}

/**
 * Display text of a {@link ByteString}: UTF-8 decoded, with U+FFFD for bytes
 * that are not UTF-8. Lossy only for names that are not UTF-8 (the server
 * accepts those; its error messages quote them with `\xNN`, which
 * {@link quoteByteString} reproduces).
 * @param s - a byte string
 * @returns the decoded text
 */
export function byteStringToText(s: ByteString): string {
  return UTF8_DECODER.decode(byteStringToBytes(s));
}

/**
 * Go `%q` of the Go string whose bytes are `s`.
 * @param s - a byte string
 * @returns the quoted form used in server messages
 * @example quoteByteString('a\u00ffb') // '"a\\xffb"'
 */
export function quoteByteString(s: ByteString): string {
  return goQuoteBytes(byteStringToBytes(s));
}

const SLASH = 0x2f;
const BACKSLASH = 0x5c;

/** Limits that apply to a single name (a subset of `BundleLimits`). */
export interface EntryPathLimits {
  readonly maxPathBytes: number;
  readonly maxPathDepth: number;
}

/** Outcome of {@link normalizeEntryName}. */
export type EntryPathResult = { ok: true; path: ByteString } | { ok: false; message: string };

/**
 * The server's entry-name normalisation (interop §D.6 step 4), in its order:
 *
 * 1. Reject an empty name, a control byte (`< 0x20` or `0x7f` — Go's
 *    `hasControl`; bytes ≥ 0x80 never decode to a control rune), a `\` or a
 *    leading `/` → `bundle invalid path %q`.
 * 2. A directory loses **one** trailing `/`.
 * 3. The result must be non-empty, equal `path.Clean` of itself, not be `.`
 *    or `..`, and not start with `../` → `bundle invalid path %q`.
 * 4. Byte length ≤ `maxPathBytes` → `bundle path length exceeds limit 240 for %q`.
 * 5. Depth (number of `/`-separated parts) ≤ `maxPathDepth` →
 *    `bundle path depth %d exceeds limit 16 for %q`.
 *
 * `bundle invalid path` quotes the name as found in the archive (the
 * interop text does not say which form the server quotes; the raw name is
 * the one a reader can find in the archive listing). Steps 4–5 quote the
 * normalised path.
 *
 * This is `safeBundlePath` (interop §A.4) plus the directory slash, the
 * length and the depth rule.
 *
 * @param name - the entry name as a byte string (after PAX / GNU long-name merging)
 * @param isDir - whether the entry is a directory (type `'5'`)
 * @param limits - path length and depth limits
 * @returns the normalised path, or the server's message
 * @example normalizeEntryName('bin/', true, DEFAULT_BUNDLE_LIMITS) // { ok: true, path: 'bin' }
 * @example normalizeEntryName('./a', false, DEFAULT_BUNDLE_LIMITS) // { ok: false, message: 'bundle invalid path "./a"' }
 */
export function normalizeEntryName(name: ByteString, isDir: boolean, limits: EntryPathLimits): EntryPathResult {
  const invalid = (): EntryPathResult => ({ ok: false, message: `bundle invalid path ${quoteByteString(name)}` });
  // Step 1.
  if (name === '' || name.charCodeAt(0) === SLASH) return invalid();
  for (let i = 0; i < name.length; i++) {
    const b = name.charCodeAt(i);
    if (b < 0x20 || b === 0x7f || b === BACKSLASH) return invalid();
  }
  // Step 2.
  let p = name;
  if (isDir && p.endsWith('/')) p = p.slice(0, -1);
  // Step 3.
  if (p === '' || p !== goPathClean(p) || p === '.' || p === '..' || p.startsWith('../')) return invalid();
  // Step 4.
  if (p.length > limits.maxPathBytes) {
    return { ok: false, message: `bundle path length exceeds limit ${limits.maxPathBytes} for ${quoteByteString(p)}` };
  }
  // Step 5.
  const depth = p.split('/').length;
  if (depth > limits.maxPathDepth) {
    return {
      ok: false,
      message: `bundle path depth ${depth} exceeds limit ${limits.maxPathDepth} for ${quoteByteString(p)}`,
    };
  }
  return { ok: true, path: p };
}
