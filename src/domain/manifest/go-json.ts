/**
 * Go text encodings the Lattice server's bytes depend on: `encoding/json`
 * string escaping (interop §B.4), `json.Indent` layout (§B.5) and `strconv.Quote`
 * (the `%q` verb in the server's error messages, §A.4, re-exported from core).
 *
 * These are the low-level pieces; `payload.ts` builds whole documents from the
 * typed model with them. Pure and synchronous. `goQuote` lives in the core
 * layer (one source of truth, also used for bundle messages) and is
 * re-exported here for the manifest code.
 *
 * @module
 */
export { goQuote, goQuoteBytes } from '../../core/go-quote.js';

/**
 * Go `encoding/json` string encoding with `escapeHTML = true` (what
 * `json.Marshal` uses), Go ≥ 1.22 (interop §B.4):
 *
 * - `"` → `\"`, `\` → `\\`, U+0008 → `\b`, U+000C → `\f`, `\n` `\r` `\t`;
 * - every other U+0000–U+001F → `\u00xx` (lowercase hex);
 * - `<` `>` `&` → `\u003c` `\u003e` `\u0026`; U+2028/U+2029 → `\u2028`/`\u2029`;
 * - everything else (U+007F, `/`, all other non-ASCII incl. astral) raw.
 *
 * A lone UTF-16 surrogate cannot exist in a Go string (Go's decoder already
 * turned it into U+FFFD); it is written as a raw U+FFFD, which is what Go
 * would write after reading our output back.
 *
 * @param s - the string to encode.
 * @returns the quoted JSON string.
 * @example goJSONString('>=1 & <2') // '"\\u003e=1 \\u0026 \\u003c2"'
 */
export function goJSONString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c < 0x20) {
      esc = CONTROL_ESCAPES[c];
    } else if (c === 0x22) {
      esc = '\\"';
    } else if (c === 0x5c) {
      esc = '\\\\';
    } else if (c === 0x3c) {
      esc = '\\u003c';
    } else if (c === 0x3e) {
      esc = '\\u003e';
    } else if (c === 0x26) {
      esc = '\\u0026';
    } else if (c === 0x2028) {
      esc = '\\u2028';
    } else if (c === 0x2029) {
      esc = '\\u2029';
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid pair: raw
        continue;
      }
      esc = '\ufffd';
    } else {
      continue;
    }
    out += s.slice(start, i) + esc;
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

const CONTROL_ESCAPES: readonly string[] = Array.from({ length: 0x20 }, (_, c) => {
  switch (c) {
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
    default:
      return '\\u00' + c.toString(16).padStart(2, '0');
  }
});

/**
 * Go `json.Indent(dst, src, prefix, indent)` over compact JSON produced by
 * {@link goJSONString}-based encoders: a newline plus `prefix` and one
 * `indent` per depth after `{`, `[` and `,`; `": "` after keys; empty `{}` and
 * `[]` stay on one line. This is how `json.MarshalIndent` lays out output.
 *
 * @param compact - valid compact JSON (no insignificant whitespace).
 * @param prefix - written at the start of every new line.
 * @param indent - written once per nesting level.
 * @returns the indented text (no trailing newline).
 * @example goIndent('{"a":[1,2],"b":{}}', '', '  ') // '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {}\n}'
 */
export function goIndent(compact: string, prefix: string, indent: string): string {
  let out = '';
  let depth = 0;
  let needIndent = false;
  let inString = false;
  const newline = (): string => '\n' + prefix + indent.repeat(depth);
  for (let i = 0; i < compact.length; i++) {
    const ch = compact[i]!;
    if (inString) {
      out += ch;
      if (ch === '\\') {
        out += compact[++i] ?? '';
      } else if (ch === '"') {
        inString = false;
      }
      continue;
    }
    if (needIndent && ch !== '}' && ch !== ']') {
      needIndent = false;
      depth++;
      out += newline();
    }
    switch (ch) {
      case '"':
        inString = true;
        out += ch;
        break;
      case '{':
      case '[':
        needIndent = true;
        out += ch;
        break;
      case ',':
        out += ch + newline();
        break;
      case ':':
        out += ': ';
        break;
      case '}':
      case ']':
        if (needIndent) {
          needIndent = false; // empty object or array stays "{}" / "[]"
        } else {
          depth--;
          out += newline();
        }
        out += ch;
        break;
      default:
        out += ch;
    }
  }
  return out;
}

/**
 * Byte-wise (UTF-8) string order, as Go sorts map keys and `sort.Strings`
 * orders capabilities (interop §B.3 rule 4). Equal to code-point order, which
 * differs from JavaScript's default UTF-16 order for astral characters versus
 * U+E000–U+FFFF.
 *
 * @returns negative, zero or positive, for `Array.prototype.sort`.
 * @example ['\u{1F600}', '\uFFFF'].sort(compareUTF8) // ['\uFFFF', '\u{1F600}']
 */
export function compareUTF8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only where surrogates meet U+E000–U+FFFF do UTF-16 and code-point order differ.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? (y >= 0xe000 ? 1 : x - y) : x >= 0xe000 ? -1 : x - y;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * UTF-8 byte length of a string, as Go's `len()` of the same text.
 * @example utf8Length('é') // 2
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
