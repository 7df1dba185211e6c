/**
 * Go's `strconv.Quote` — the `%q` verb of the Lattice server's error
 * messages — over strings **and raw bytes**.
 *
 * The server quotes Go strings, which are byte strings: a tar entry name may
 * hold bytes that are not UTF-8 (interop §D.6), and Go prints each such byte
 * as `\xNN`. A JavaScript string cannot carry those bytes, so
 * {@link goQuoteBytes} takes the bytes themselves; {@link goQuote} is the
 * convenience form for text that is known to be a string (manifest fields).
 *
 * Rules, exactly as `strconv.appendQuotedWith(…, '"', ASCIIonly=false, graphicOnly=false)`:
 * 1. Decode one rune with `utf8.DecodeRune`. An invalid sequence (bad lead
 *    byte, bad continuation, overlong form, surrogate half, above U+10FFFF,
 *    truncated) yields width 1 and is printed `\xNN` (lowercase hex); the
 *    next byte is decoded afresh.
 * 2. `"` and `\` are backslash-escaped.
 * 3. Printable runes (`strconv.IsPrint`: Unicode categories L, M, N, P, S and
 *    the ASCII space) are copied unchanged — including a *valid* U+FFFD.
 * 4. `\a \b \f \n \r \t \v` use their short escapes.
 * 5. Other runes below U+0020 and U+007F are `\xNN`; other non-printable
 *    runes below U+10000 are `\uNNNN`, the rest `\UNNNNNNNN`.
 *
 * Unicode tables: JavaScript's `\p{…}` classes follow the engine's Unicode
 * version (`process.versions.unicode`; 17.0 in Node 20.20), Go 1.26's follow
 * Unicode 15.0; a rune assigned after 15.0 is printed raw here but escaped
 * by Go.
 *
 * Pure and synchronous, no dependency (core layer).
 *
 * @module
 */

/**
 * Go `strconv.Quote` of the UTF-8 encoding of `s`.
 *
 * A lone UTF-16 surrogate cannot occur in a Go string; it is encoded as
 * U+FFFD first (what `TextEncoder` does, and what Go's JSON decoder makes of
 * a lone `\uD800` escape), and U+FFFD is printable, so it appears raw.
 *
 * @param s - the text to quote
 * @returns the quoted text, with its surrounding double quotes
 * @throws {TypeError} if `s` is not a string (caller bug)
 * @example goQuote('a"b\n') // '"a\\"b\\n"'
 * @example goQuote('\u00a0é') // '"\\u00a0é"'
 */
export function goQuote(s: string): string {
  if (typeof s !== 'string') throw new TypeError('goQuote: expected a string');
  // Printable ASCII but `"` and `\` is copied unchanged (rule 3): the common case, without encoding.
  if (PLAIN_ASCII_RE.test(s)) return '"' + s + '"';
  return goQuoteBytes(UTF8.encode(s));
}

/**
 * Go `strconv.Quote` of a byte string (see the module rules).
 *
 * @param bytes - the Go string's bytes; need not be UTF-8
 * @returns the quoted text, with its surrounding double quotes
 * @throws {TypeError} if `bytes` is not a `Uint8Array` (caller bug)
 * @example goQuoteBytes(Uint8Array.of(0x61, 0xff, 0x62)) // '"a\\xffb"'
 * @example goQuoteBytes(Uint8Array.of(0xed, 0xa0, 0x80)) // '"\\xed\\xa0\\x80"' (a surrogate half is invalid UTF-8)
 */
export function goQuoteBytes(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('goQuoteBytes: expected a Uint8Array');
  let out = '"';
  let i = 0;
  while (i < bytes.length) {
    const [rune, width] = decodeRune(bytes, i);
    if (rune < 0) {
      // Rule 1: an invalid byte, printed on its own.
      out += '\\x' + hex(bytes[i]!, 2);
      i += 1;
      continue;
    }
    i += width;
    out += escapeRune(rune);
  }
  return out + '"';
}

/** Rules 2–5 for one valid rune. */
function escapeRune(r: number): string {
  if (r === 0x22 || r === 0x5c) return '\\' + String.fromCharCode(r);
  if (r >= 0x20 && r < 0x7f) return String.fromCharCode(r);
  const ch = String.fromCodePoint(r);
  if (r >= 0x80 && IS_PRINT_RE.test(ch)) return ch;
  switch (r) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hex(r, 2);
  if (r < 0x10000) return '\\u' + hex(r, 4);
  return '\\U' + hex(r, 8);
}

/** Go `unicode.IsPrint` minus the ASCII space (handled as ASCII): categories L, M, N, P, S. */
const IS_PRINT_RE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

const UTF8 = new TextEncoder();
/** Strings {@link goQuote} copies unchanged: U+0020–U+007E without `"` (0x22) and `\` (0x5C). */
const PLAIN_ASCII_RE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * Go `utf8.DecodeRune` at `bytes[i]`: `[rune, width]`, or `[-1, 1]` for an
 * invalid sequence (Go returns `(RuneError, 1)`, which is distinguishable
 * from a valid U+FFFD only by the width). Accepts exactly RFC 3629 UTF-8:
 * the second-byte ranges below exclude overlong forms, surrogates and values
 * above U+10FFFF.
 */
function decodeRune(bytes: Uint8Array, i: number): [number, number] {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return [b0, 1];
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    need = 2;
    if (b0 === 0xe0) lo = 0xa0;
    else if (b0 === 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    need = 3;
    if (b0 === 0xf0) lo = 0x90;
    else if (b0 === 0xf4) hi = 0x8f;
  } else return [-1, 1];
  // A truncated sequence is invalid as a whole; Go reports width 1.
  if (i + need >= bytes.length) return [-1, 1];
  const b1 = bytes[i + 1]!;
  if (b1 < lo || b1 > hi) return [-1, 1];
  let rune = b0 & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
  rune = (rune << 6) | (b1 & 0x3f);
  for (let k = 2; k <= need; k++) {
    const b = bytes[i + k]!;
    if (b < 0x80 || b > 0xbf) return [-1, 1];
    rune = (rune << 6) | (b & 0x3f);
  }
  return [rune, need + 1];
}
