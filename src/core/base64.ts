/**
 * Base64 rules, each named after where it applies (interop §C.2).
 *
 * - We always **emit** canonical padded standard base64 (44 chars for a key,
 *   88 for a signature).
 * - The index accepts **only** canonical padded standard base64
 *   ({@link decodeCanonicalBase64}), as upstream's validator did.
 * - When verifying manifests the way the server does, we accept what Go
 *   accepts ({@link goDecodeRawStdThenStd}, {@link goDecodePublicKey}).
 *
 * Pure and dependency-free so it runs in browsers (no `Buffer`).
 *
 * @module
 */
import { goTrimSpace } from './rules.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/**
 * Canonical padded standard base64 (RFC 4648 §4).
 * @throws TypeError if `bytes` is not a Uint8Array.
 * @example encodeBase64(new Uint8Array([1, 2, 3])) // 'AQID'
 */
export function encodeBase64(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('encodeBase64 expects a Uint8Array');
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + '=';
  }
  return out;
}

/** The index's base64 regex (interop §C.2, upstream validator). */
export const CANONICAL_BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decode canonical padded standard base64, the only form the index accepts
 * (interop §C.2): the regex above plus a byte-exact round trip, which refuses
 * non-zero trailing bits.
 * @param expectedLength - when given, the decoded length must equal it.
 * @returns the bytes, or `null` when the text is not canonical or has the wrong length.
 */
export function decodeCanonicalBase64(s: unknown, expectedLength?: number): Uint8Array | null {
  if (typeof s !== 'string' || !CANONICAL_BASE64_RE.test(s)) return null;
  const r = decodeStrictGroups(s);
  if (r === null) return null;
  if (expectedLength !== undefined && r.length !== expectedLength) return null;
  return encodeBase64(r) === s ? r : null;
}

/**
 * Whether `s` is canonical padded standard base64 of exactly `byteLength`
 * bytes — the same verdict as `decodeCanonicalBase64(s, byteLength) !== null`
 * (interop §C.2), without allocating: the index validator runs it on every
 * key and signature of a 50k-plugin index.
 * @param byteLength - the decoded length required (a non-negative integer).
 * @example isCanonicalBase64('AQID', 3) // true
 * @example isCanonicalBase64('AQIE', 3) // true; 'AQI=' of 2 bytes: true; 'AQJ=' (stray bits): false
 */
export function isCanonicalBase64(s: unknown, byteLength: number): boolean {
  if (typeof s !== 'string') return false;
  const full = Math.floor(byteLength / 3);
  const rest = byteLength - full * 3;
  if (s.length !== (full + (rest === 0 ? 0 : 1)) * 4) return false;
  const dataChars = full * 4 + (rest === 0 ? 0 : rest + 1);
  for (let i = 0; i < dataChars; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || DECODE[c]! < 0) return false;
  }
  if (rest === 0) return true;
  // Canonical: padding to a multiple of 4 and zero trailing bits in the last data char.
  const last = DECODE[s.charCodeAt(dataChars - 1)]!;
  if (rest === 1) return (last & 0x0f) === 0 && s.charCodeAt(dataChars) === 0x3d && s.charCodeAt(dataChars + 1) === 0x3d;
  return (last & 0x03) === 0 && s.charCodeAt(dataChars) === 0x3d;
}

/** Decode a regex-checked padded string (no validation beyond the alphabet). */
function decodeStrictGroups(s: string): Uint8Array | null {
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const a = DECODE[s.charCodeAt(i)]!, b = DECODE[s.charCodeAt(i + 1)]!;
    const c = s[i + 2] === '=' ? 0 : DECODE[s.charCodeAt(i + 2)]!;
    const d = s[i + 3] === '=' ? 0 : DECODE[s.charCodeAt(i + 3)]!;
    if (a < 0 || b < 0 || c < 0 || d < 0) return null;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    if (o < out.length) out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** Outcome of a Go-compatible decode; `error` is Go's message text. */
export type GoBase64Result = { ok: true; bytes: Uint8Array } | { ok: false; error: string };

/**
 * Go's `base64.Encoding.DecodeString` for the standard alphabet, with or
 * without padding. Semantics copied from Go's `encoding/base64`:
 * `\r` and `\n` are skipped anywhere; trailing bits need not be zero (Go's
 * encodings are not `Strict()`); the error names the byte offset in the
 * *original* input, as `illegal base64 data at input byte N`.
 */
function goDecode(s: string, padded: boolean): GoBase64Result {
  // A line-by-line port of Go's encoding/base64 decodeQuantum (Go 1.19–1.26),
  // so that error offsets match the server's messages exactly.
  const out: number[] = [];
  const n = s.length;
  let si = 0;
  const dbuf = [0, 0, 0, 0];
  for (;;) {
    let dlen = 4;
    let err: number | null = null;
    quantum: for (let j = 0; j < 4; j++) {
      if (si === n) {
        if (j === 0) return { ok: true, bytes: Uint8Array.from(out) };
        if (j === 1 || padded) return illegal(si - j);
        dlen = j;
        break;
      }
      const ch = s.charCodeAt(si);
      si++;
      const v = ch < 128 ? DECODE[ch]! : -1;
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (ch === 0x0a || ch === 0x0d) {
        j--;
        continue;
      }
      if (!padded || ch !== 0x3d /* '=' */) return illegal(si - 1);
      // Padding reached.
      switch (j) {
        case 0:
        case 1:
          return illegal(si - 1);
        case 2:
          while (si < n && (s.charCodeAt(si) === 0x0a || s.charCodeAt(si) === 0x0d)) si++;
          if (si === n) return illegal(n);
          if (s.charCodeAt(si) !== 0x3d) return illegal(si - 1);
          si++;
      }
      while (si < n && (s.charCodeAt(si) === 0x0a || s.charCodeAt(si) === 0x0d)) si++;
      if (si < n) err = si; // trailing garbage after padding
      dlen = j;
      break quantum;
    }
    const val = (dbuf[0]! << 18) | (dbuf[1]! << 12) | (dbuf[2]! << 6) | dbuf[3]!;
    if (dlen === 4) {
      out.push((val >> 16) & 255, (val >> 8) & 255, val & 255);
      dbuf[2] = dbuf[3] = 0;
    } else {
      // dlen 2 or 3: Go emits the bytes it has; trailing bits are ignored (not Strict()).
      if (dlen >= 2) out.push((val >> 16) & 255);
      if (dlen === 3) out.push((val >> 8) & 255);
      if (err !== null) return illegal(err);
      return { ok: true, bytes: Uint8Array.from(out) };
    }
  }
}

function illegal(offset: number): GoBase64Result {
  return { ok: false, error: `illegal base64 data at input byte ${offset}` };
}

/**
 * The server's signature decode (interop §B.7): `RawStdEncoding` first, then
 * `StdEncoding`; no trimming. The error is the padded decoder's, as Go returns
 * it. Length checks are the caller's (they have their own messages).
 */
export function goDecodeRawStdThenStd(s: string): GoBase64Result {
  const raw = goDecode(s, false);
  if (raw.ok) return raw;
  return goDecode(s, true);
}

/**
 * The server's trust-policy key decode (interop §B.7, §C.2): TrimSpace, then
 * raw std, then padded std; must be 32 bytes.
 * @returns the key, or Go's error text (`invalid base64` / `invalid ed25519 public key length`).
 */
export function goDecodePublicKey(s: string): { ok: true; key: Uint8Array } | { ok: false; error: string } {
  const r = goDecodeRawStdThenStd(goTrimSpace(s));
  if (!r.ok) return { ok: false, error: 'invalid base64' };
  if (r.bytes.length !== 32) return { ok: false, error: 'invalid ed25519 public key length' };
  return { ok: true, key: r.bytes };
}
