/**
 * Strict JSON parser for signed documents (RFC 8259, I-JSON RFC 7493).
 *
 * `JSON.parse` is the wrong tool for data that is signed or verified: it lets
 * the last of two duplicate keys win silently, keeps lone surrogates, rounds
 * integers beyond 2^53, and cannot bound depth or size. Two parsers that read
 * the same bytes differently are how signature bypasses happen, so every such
 * ambiguity is a rejection here, with a stable code, a JSON pointer and a
 * line/column.
 *
 * Decisions:
 * - **BOM**: rejected (`JSON_BOM`). RFC 8259 §8.1 forbids emitting one, and Go's
 *   decoder (the Lattice server) rejects it; accepting it would make us the
 *   lenient party.
 * - **Duplicate keys**: rejected (`JSON_DUPLICATE_KEY`), RFC 7493 §2.3.
 * - **Lone surrogates**, escaped or raw: rejected (`JSON_LONE_SURROGATE`), RFC 7493 §2.1.
 * - **Integers** outside ±(2^53−1): rejected (`JSON_UNSAFE_INTEGER`), RFC 7493 §2.2.
 *   Numbers with a fraction or exponent are IEEE-754 doubles; one that
 *   overflows to Infinity is rejected.
 * - **`__proto__`** keys become ordinary own properties (never a prototype).
 *
 * Hostile input never throws: the result is `{ ok: false, error }`.
 *
 * @module
 */
import type { ErrorCode } from '../errors.js';
import { utf8ByteLength } from '../rules.js';
import type { JSONLimits, JSONObject, JSONParseProblem, JSONParseResult, JSONValue } from './types.js';

export type { JSONLimits, JSONObject, JSONParseProblem, JSONParseResult, JSONValue } from './types.js';

/** Limits applied when the caller gives none. */
export const DEFAULT_JSON_LIMITS: Readonly<Required<JSONLimits>> = Object.freeze({
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 64,
  maxMembers: 1_000_000,
  maxStringLength: 1024 * 1024,
  integersOnly: false,
});

/** Internal control flow: the first problem ends the parse. */
class Fail {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
    readonly offset: number,
  ) {}
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parse JSON text strictly.
 *
 * @param input - UTF-8 bytes, or a string (already-decoded text).
 * @param limits - resource limits; omitted ones take {@link DEFAULT_JSON_LIMITS}.
 * @returns `{ ok: true, value }` or `{ ok: false, error }` with a stable code,
 *   pointer, line and column. Never throws for any input.
 * @throws TypeError only if `input` is neither a string nor a Uint8Array (a caller bug).
 * @example
 * parseJSONStrict('{"a":1,"a":2}')
 * // { ok: false, error: { code: 'JSON_DUPLICATE_KEY', pointer: '/a', line: 1, column: 8, ... } }
 */
export function parseJSONStrict(input: string | Uint8Array, limits?: JSONLimits): JSONParseResult {
  const lim = { ...DEFAULT_JSON_LIMITS, ...limits };
  let text: string;
  if (input instanceof Uint8Array) {
    if (input.length > lim.maxBytes) {
      return failAt('', JSON_TOO_LARGE(input.length, lim.maxBytes), 1, 1, 0);
    }
    if (input.length >= 3 && input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) {
      return failAt('', { code: 'JSON_BOM', message: 'expected JSON text, found a UTF-8 byte order mark' }, 1, 1, 0);
    }
    try {
      text = utf8Decoder.decode(input);
    } catch {
      const bad = firstInvalidUTF8(input);
      const { line, column } = bytePosition(input, bad);
      return failAt(
        '',
        { code: 'JSON_INVALID_UTF8', message: `expected UTF-8 text, found an invalid byte 0x${input[bad]!.toString(16).padStart(2, '0')} at byte ${bad}` },
        line,
        column,
        bad,
      );
    }
  } else if (typeof input === 'string') {
    text = input;
    // A string's UTF-8 size is at most 3 bytes per UTF-16 unit; count exactly only when it may matter.
    if (text.length * 3 > lim.maxBytes) {
      const size = utf8ByteLength(text);
      if (size > lim.maxBytes) return failAt('', JSON_TOO_LARGE(size, lim.maxBytes), 1, 1, 0);
    }
    if (text.charCodeAt(0) === 0xfeff) {
      return failAt('', { code: 'JSON_BOM', message: 'expected JSON text, found a byte order mark (U+FEFF)' }, 1, 1, 0);
    }
  } else {
    throw new TypeError('parseJSONStrict expects a string or a Uint8Array');
  }
  const p = new Parser(text, lim);
  try {
    p.skipWs();
    const value = p.parseValue(1);
    p.skipWs();
    if (p.pos < text.length) {
      p.path.length = 0;
      throw new Fail('JSON_TRAILING_DATA', `expected end of input after the JSON value, found ${describe(text, p.pos)}`, p.pos);
    }
    return { ok: true, value };
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    const { line, column } = textPosition(text, e.offset);
    return failAt(pointerOf(p.path), { code: e.code, message: e.message }, line, column, e.offset);
  }
}

function JSON_TOO_LARGE(size: number, max: number): { code: ErrorCode; message: string } {
  return { code: 'JSON_TOO_LARGE', message: `expected at most ${max} bytes, found ${size}` };
}

function failAt(
  pointer: string,
  e: { code: ErrorCode; message: string },
  line: number,
  column: number,
  offset: number,
): JSONParseResult {
  const error: JSONParseProblem = { code: e.code, message: e.message, pointer, line, column, offset };
  return { ok: false, error };
}

/** RFC 6901 pointer of a path. */
function pointerOf(path: (string | number)[]): string {
  let out = '';
  for (const seg of path) out += '/' + String(seg).replace(/~/g, '~0').replace(/\//g, '~1');
  return out;
}

/** A short, safe description of the character at `pos` for messages. */
function describe(text: string, pos: number): string {
  if (pos >= text.length) return 'end of input';
  const cp = text.codePointAt(pos)!;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff)) return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return JSON.stringify(String.fromCodePoint(cp));
}

class Parser {
  pos = 0;
  /** Path of keys/indices to the value being parsed, for error pointers. */
  readonly path: (string | number)[] = [];
  constructor(
    readonly text: string,
    readonly lim: Required<JSONLimits>,
  ) {}

  skipWs(): void {
    const t = this.text;
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  fail(code: ErrorCode, message: string, at = this.pos): never {
    throw new Fail(code, message, at);
  }

  parseValue(depth: number): JSONValue {
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    switch (c) {
      case 0x7b /* { */:
        return this.parseObject(depth);
      case 0x5b /* [ */:
        return this.parseArray(depth);
      case 0x22 /* " */:
        return this.parseString();
      case 0x74 /* t */:
        return this.literal('true', true);
      case 0x66 /* f */:
        return this.literal('false', false);
      case 0x6e /* n */:
        return this.literal('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
        return this.fail('JSON_SYNTAX', `expected a JSON value, found ${describe(t, this.pos)}`);
    }
  }

  literal<T extends JSONValue>(word: string, value: T): T {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return value;
    }
    return this.fail('JSON_SYNTAX', `expected ${word}, found ${describe(this.text, this.pos)}`);
  }

  enter(depth: number): void {
    if (depth > this.lim.maxDepth) {
      this.fail('JSON_TOO_DEEP', `expected nesting of at most ${this.lim.maxDepth} levels, found deeper nesting`);
    }
  }

  parseObject(depth: number): JSONObject {
    this.enter(depth);
    const t = this.text;
    const obj: JSONObject = {};
    this.pos++; // {
    this.skipWs();
    if (t.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return obj;
    }
    let count = 0;
    const pathIndex = this.path.length;
    this.path.push('');
    for (;;) {
      if (t.charCodeAt(this.pos) !== 0x22) {
        this.path.pop();
        this.fail('JSON_SYNTAX', `expected a member name in double quotes, found ${describe(t, this.pos)}`);
      }
      const keyAt = this.pos;
      const key = this.parseString();
      this.path[pathIndex] = key;
      if (Object.hasOwn(obj, key)) {
        this.fail('JSON_DUPLICATE_KEY', `expected unique member names, found ${JSON.stringify(key)} twice`, keyAt);
      }
      if (++count > this.lim.maxMembers) {
        this.fail('JSON_TOO_MANY_MEMBERS', `expected at most ${this.lim.maxMembers} members in an object, found more`, keyAt);
      }
      this.skipWs();
      if (t.charCodeAt(this.pos) !== 0x3a) this.fail('JSON_SYNTAX', `expected ':' after a member name, found ${describe(t, this.pos)}`);
      this.pos++;
      this.skipWs();
      const value = this.parseValue(depth + 1);
      if (key === '__proto__') {
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        obj[key] = value;
      }
      this.skipWs();
      const c = t.charCodeAt(this.pos);
      if (c === 0x2c) {
        this.pos++;
        this.skipWs();
        continue;
      }
      if (c === 0x7d) {
        this.pos++;
        this.path.length = pathIndex;
        return obj;
      }
      this.fail('JSON_SYNTAX', `expected ',' or '}' in an object, found ${describe(t, this.pos)}`);
    }
  }

  parseArray(depth: number): JSONValue[] {
    this.enter(depth);
    const t = this.text;
    const arr: JSONValue[] = [];
    this.pos++; // [
    this.skipWs();
    if (t.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return arr;
    }
    const pathIndex = this.path.length;
    this.path.push(0);
    for (;;) {
      this.path[pathIndex] = arr.length;
      if (arr.length >= this.lim.maxMembers) {
        this.fail('JSON_TOO_MANY_MEMBERS', `expected at most ${this.lim.maxMembers} elements in an array, found more`);
      }
      arr.push(this.parseValue(depth + 1));
      this.skipWs();
      const c = t.charCodeAt(this.pos);
      if (c === 0x2c) {
        this.pos++;
        this.skipWs();
        continue;
      }
      if (c === 0x5d) {
        this.pos++;
        this.path.length = pathIndex;
        return arr;
      }
      this.fail('JSON_SYNTAX', `expected ',' or ']' in an array, found ${describe(t, this.pos)}`);
    }
  }

  parseString(): string {
    const t = this.text;
    const start = ++this.pos; // opening quote
    let p = start;
    // Fast path: no escapes, no surrogates, no controls.
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        this.pos = p + 1;
        return this.checkLength(t.slice(start, p), start);
      }
      if (c === 0x5c || c < 0x20 || (c >= 0xd800 && c <= 0xdfff) || Number.isNaN(c)) break;
      p++;
    }
    let out = t.slice(start, p);
    for (;;) {
      if (p >= t.length) this.fail('JSON_SYNTAX', 'expected a closing \'"\', found end of input', p);
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        this.pos = p + 1;
        return this.checkLength(out, start);
      }
      if (c < 0x20) {
        this.fail('JSON_SYNTAX', `expected an escaped control character in a string, found raw ${describe(t, p)}`, p);
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        // A raw surrogate in already-decoded text: must be a well-formed pair.
        const d = t.charCodeAt(p + 1);
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          out += t[p]! + t[p + 1]!;
          p += 2;
          continue;
        }
        this.fail('JSON_LONE_SURROGATE', `expected a well-formed surrogate pair, found a lone ${describe(t, p)}`, p);
      }
      if (c !== 0x5c) {
        out += t[p]!;
        p++;
        continue;
      }
      // Escape sequence.
      const e = t.charCodeAt(p + 1);
      switch (e) {
        case 0x22: out += '"'; p += 2; continue;
        case 0x5c: out += '\\'; p += 2; continue;
        case 0x2f: out += '/'; p += 2; continue;
        case 0x62: out += '\b'; p += 2; continue;
        case 0x66: out += '\f'; p += 2; continue;
        case 0x6e: out += '\n'; p += 2; continue;
        case 0x72: out += '\r'; p += 2; continue;
        case 0x74: out += '\t'; p += 2; continue;
        case 0x75: {
          const u = this.hex4(p + 2);
          if (u >= 0xd800 && u <= 0xdbff) {
            // High surrogate: must be followed by an escaped low surrogate.
            if (t.charCodeAt(p + 6) === 0x5c && t.charCodeAt(p + 7) === 0x75) {
              const l = this.hex4(p + 8);
              if (l >= 0xdc00 && l <= 0xdfff) {
                out += String.fromCharCode(u, l);
                p += 12;
                continue;
              }
            }
            this.fail('JSON_LONE_SURROGATE', `expected a low surrogate escape after \\u${u.toString(16)}, found none`, p);
          }
          if (u >= 0xdc00 && u <= 0xdfff) {
            this.fail('JSON_LONE_SURROGATE', `expected a high surrogate before \\u${u.toString(16)}, found a lone low surrogate`, p);
          }
          out += String.fromCharCode(u);
          p += 6;
          continue;
        }
        default:
          this.fail('JSON_SYNTAX', `expected a valid escape sequence, found \\${describe(t, p + 1)}`, p);
      }
    }
  }

  hex4(at: number): number {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.text.charCodeAt(at + i);
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      else return this.fail('JSON_SYNTAX', `expected four hex digits after \\u, found ${describe(this.text, at + i)}`, at + i);
      v = (v << 4) | d;
    }
    return v;
  }

  checkLength(s: string, at: number): string {
    if (s.length > this.lim.maxStringLength) {
      this.fail('JSON_STRING_TOO_LONG', `expected a string of at most ${this.lim.maxStringLength} characters, found ${s.length}`, at);
    }
    return s;
  }

  parseNumber(): number {
    const t = this.text;
    const start = this.pos;
    let p = start;
    if (t.charCodeAt(p) === 0x2d) p++;
    let c = t.charCodeAt(p);
    if (c === 0x30) {
      p++;
    } else if (c >= 0x31 && c <= 0x39) {
      do p++;
      while ((c = t.charCodeAt(p)) >= 0x30 && c <= 0x39);
    } else {
      this.fail('JSON_SYNTAX', `expected a digit, found ${describe(t, p)}`, p);
    }
    let isInteger = true;
    if (t.charCodeAt(p) === 0x2e) {
      isInteger = false;
      p++;
      if (!((c = t.charCodeAt(p)) >= 0x30 && c <= 0x39)) this.fail('JSON_SYNTAX', `expected a digit after '.', found ${describe(t, p)}`, p);
      while ((c = t.charCodeAt(p)) >= 0x30 && c <= 0x39) p++;
    }
    c = t.charCodeAt(p);
    if (c === 0x65 || c === 0x45) {
      isInteger = false;
      p++;
      c = t.charCodeAt(p);
      if (c === 0x2b || c === 0x2d) p++;
      if (!((c = t.charCodeAt(p)) >= 0x30 && c <= 0x39)) this.fail('JSON_SYNTAX', `expected a digit in the exponent, found ${describe(t, p)}`, p);
      while ((c = t.charCodeAt(p)) >= 0x30 && c <= 0x39) p++;
    }
    const literal = t.slice(start, p);
    if (!isInteger && this.lim.integersOnly) {
      this.fail('JSON_NUMBER_NOT_INTEGER', `expected an integer literal, found ${literal}`, start);
    }
    const value = Number(literal);
    if (isInteger && !Number.isSafeInteger(value)) {
      // Number() rounds 9007199254740993 to 2^53, which is already outside the safe range.
      this.fail('JSON_UNSAFE_INTEGER', `expected an integer within ±(2^53-1), found ${literal.length > 40 ? literal.slice(0, 40) + '…' : literal}`, start);
    }
    if (!Number.isFinite(value)) {
      this.fail('JSON_NUMBER_NOT_REPRESENTABLE', `expected a finite number, found ${literal.length > 40 ? literal.slice(0, 40) + '…' : literal}`, start);
    }
    this.pos = p;
    return value;
  }
}

/** Index of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF). */
function firstInvalidUTF8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number, min: number, max = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1, min = 0x80;
    else if (c === 0xe0) need = 2, min = 0xa0;
    else if (c === 0xed) need = 2, min = 0x80, max = 0x9f;
    else if (c >= 0xe1 && c <= 0xef) need = 2, min = 0x80;
    else if (c === 0xf0) need = 3, min = 0x90;
    else if (c === 0xf4) need = 3, min = 0x80, max = 0x8f;
    else if (c >= 0xf1 && c <= 0xf3) need = 3, min = 0x80;
    else return i;
    const b1 = b[i + 1];
    if (b1 === undefined || b1 < min || b1 > max) return b1 === undefined ? i : i + 1;
    for (let k = 2; k <= need; k++) {
      const bk = b[i + k];
      if (bk === undefined) return i;
      if (bk < 0x80 || bk > 0xbf) return i + k;
    }
    i += need + 1;
  }
  return Math.max(0, b.length - 1);
}

/** 1-based line and code-point column of a byte offset in (possibly invalid) UTF-8. */
function bytePosition(b: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1, column = 1;
  for (let i = 0; i < offset; i++) {
    const c = b[i]!;
    if (c === 0x0a) {
      line++;
      column = 1;
    } else if ((c & 0xc0) !== 0x80) column++;
  }
  return { line, column };
}

/** 1-based line and code-point column of a UTF-16 offset. */
function textPosition(t: string, offset: number): { line: number; column: number } {
  let line = 1, column = 1;
  const end = Math.min(offset, t.length);
  for (let i = 0; i < end; i++) {
    const c = t.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      column = 1;
    } else if (!(c >= 0xdc00 && c <= 0xdfff && i > 0 && (t.charCodeAt(i - 1) & 0xfc00) === 0xd800)) column++;
  }
  return { line, column };
}
