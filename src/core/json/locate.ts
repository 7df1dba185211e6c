/**
 * Map a JSON pointer back to a line and column in the source text, so that a
 * problem found in parsed data can be annotated on the line a publisher
 * edited (`::error file=…,line=…::`).
 *
 * @module
 */

/** A 1-based position in text. */
export interface TextPosition {
  line: number;
  column: number;
}

/**
 * Position of the value (or, for an object member, of its quoted name) at
 * `pointer`. When the pointer names something absent (a missing member), the
 * position of the deepest existing ancestor is returned, which is where a
 * reader should look.
 *
 * @param text - JSON text that parses (call after a successful strict parse).
 * @param pointer - RFC 6901 pointer, e.g. `/releases/0/version`.
 * @returns the position, or `null` when `text` is not scannable JSON.
 * @example locatePointer('{\n  "a": [1, 2]\n}', '/a/1') // { line: 2, column: 13 }
 */
export function locatePointer(text: string, pointer: string): TextPosition | null {
  if (pointer !== '' && !pointer.startsWith('/')) return null;
  // Only the pointer's own prefixes are recorded; every other subtree is skipped.
  const prefixes = new Set<string>(['']);
  for (let i = pointer.indexOf('/', 1); i >= 0; i = pointer.indexOf('/', i + 1)) prefixes.add(pointer.slice(0, i));
  prefixes.add(pointer);
  const offsets = new Map<string, number>();
  const s = new Scanner(text);
  try {
    s.ws();
    offsets.set('', s.pos);
    s.walk('', (child, offset) => {
      if (!prefixes.has(child)) return false;
      if (!offsets.has(child)) offsets.set(child, offset);
      return true;
    });
  } catch {
    return null;
  }
  let p = pointer;
  while (!offsets.has(p)) p = p.slice(0, Math.max(0, p.lastIndexOf('/')));
  return position(text, offsets.get(p)!);
}

/**
 * A locator for many pointers into one text: the text is scanned once,
 * recording where every value (or member name) starts, so locating the
 * thousandth problem costs a map lookup instead of another scan of the text.
 * Same answers as {@link locatePointer}.
 *
 * @param text - JSON text that parses.
 * @returns `locate(pointer)`, or `null` when `text` is not scannable JSON.
 * @example const at = createPointerLocator(text); at?.('/releases/3/version')
 */
export function createPointerLocator(text: string): ((pointer: string) => TextPosition | null) | null {
  const offsets = new Map<string, number>();
  const s = new Scanner(text);
  try {
    s.ws();
    offsets.set('', s.pos);
    s.walk('', (child, offset) => {
      if (!offsets.has(child)) offsets.set(child, offset);
      return true;
    });
  } catch {
    return null;
  }
  let lineStarts: number[] | undefined;
  let lowSurrogates: number[] | undefined;
  return (pointer: string) => {
    if (pointer !== '' && !pointer.startsWith('/')) return null;
    let p = pointer;
    while (!offsets.has(p)) p = p.slice(0, Math.max(0, p.lastIndexOf('/')));
    const offset = offsets.get(p)!;
    if (lineStarts === undefined) {
      lineStarts = [0];
      lowSurrogates = [];
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 0x0a) lineStarts.push(i + 1);
        else if ((c & 0xfc00) === 0xdc00) lowSurrogates.push(i);
      }
    }
    // Line: the last line start at or before offset. Column: code points since
    // that start, i.e. UTF-16 units minus the low surrogates between (both by
    // binary search, so a one-line file with thousands of lookups stays linear).
    const line = lastAtOrBefore(lineStarts, offset);
    const start = lineStarts[line]!;
    const surrogates = lastAtOrBefore(lowSurrogates!, offset - 1) - lastAtOrBefore(lowSurrogates!, start - 1);
    return { line: line + 1, column: 1 + (offset - start) - surrogates };
  };
}

/** Index of the last element ≤ `x` in an ascending array (-1 when none). */
function lastAtOrBefore(sorted: readonly number[], x: number): number {
  let lo = -1;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function escapePointerToken(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

class Scanner {
  pos = 0;
  constructor(readonly t: string) {}
  ws(): void {
    while (/[ \t\r\n]/.test(this.t[this.pos] ?? '')) this.pos++;
  }
  /**
   * Scan one value. `path` is its pointer while the caller wants to know what
   * is below it (`null` below: skip without building pointers); `enter` is told
   * where each member name or array element starts and says whether to descend.
   */
  walk(path: string | null, enter: (child: string, offset: number) => boolean): void {
    const c = this.t[this.pos];
    if (c === '{') {
      this.pos++;
      this.ws();
      if (this.t[this.pos] === '}') {
        this.pos++;
        return;
      }
      for (;;) {
        this.ws();
        const nameAt = this.pos;
        const name = this.string();
        const child = path === null ? null : `${path}/${escapePointerToken(name)}`;
        this.ws();
        this.expect(':');
        this.ws();
        this.walk(child !== null && enter(child, nameAt) ? child : null, enter);
        this.ws();
        if (this.t[this.pos] === ',') {
          this.pos++;
          continue;
        }
        this.expect('}');
        return;
      }
    }
    if (c === '[') {
      this.pos++;
      this.ws();
      if (this.t[this.pos] === ']') {
        this.pos++;
        return;
      }
      for (let i = 0; ; i++) {
        this.ws();
        const child = path === null ? null : `${path}/${i}`;
        this.walk(child !== null && enter(child, this.pos) ? child : null, enter);
        this.ws();
        if (this.t[this.pos] === ',') {
          this.pos++;
          continue;
        }
        this.expect(']');
        return;
      }
    }
    if (c === '"') {
      this.string();
      return;
    }
    // number / literal
    const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(this.t.slice(this.pos, this.pos + 400));
    if (!m) throw new Error('not JSON');
    this.pos += m[0].length;
  }
  string(): string {
    this.expect('"');
    let out = '';
    for (;;) {
      const c = this.t[this.pos];
      if (c === undefined) throw new Error('unterminated');
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\\') {
        const e = this.t[this.pos + 1];
        if (e === 'u') {
          out += String.fromCharCode(parseInt(this.t.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else {
          out += ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e ?? ''] ?? e;
          this.pos += 2;
        }
        continue;
      }
      out += c;
      this.pos++;
    }
  }
  expect(ch: string): void {
    if (this.t[this.pos] !== ch) throw new Error(`expected ${ch}`);
    this.pos++;
  }
}

function position(t: string, offset: number): TextPosition {
  let line = 1, column = 1;
  for (let i = 0; i < offset; i++) {
    if (t.charCodeAt(i) === 0x0a) {
      line++;
      column = 1;
    } else if ((t.charCodeAt(i) & 0xfc00) !== 0xdc00) column++;
  }
  return { line, column };
}
