/**
 * Go's `path.Clean` — lexical POSIX path cleaning — ported line by line from
 * Go's `path/path.go`. The server uses it for `safeBundlePath` (interop
 * §A.4.1) and for bundle entry names (§D.6); both callers use this one port.
 * Pure and dependency-free.
 * @module
 */

const SLASH = 0x2f;
const DOT = 0x2e;

/**
 * Go `path.Clean` (lexical POSIX cleaning), ported line by line: collapse
 * `//`, drop `.` elements, resolve `..` against a preceding element, keep
 * leading `..` of a relative path, return `.` for an empty result.
 *
 * @param p - a byte string (or any text: only `/` and `.` are special)
 * @returns the cleaned path
 * @example goPathClean('a//b/./c/..') // 'a/b'
 * @example goPathClean('../a') // '../a'
 */
export function goPathClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.charCodeAt(0) === SLASH;
  const n = p.length;
  // `out` plays Go's lazybuf: a growing buffer with a write index `w`.
  const out: string[] = [];
  let r = 0;
  let dotdot = 0;
  if (rooted) {
    out.push('/');
    r = 1;
    dotdot = 1;
  }
  while (r < n) {
    const c = p.charCodeAt(r);
    if (c === SLASH) {
      r++; // empty path element
    } else if (c === DOT && (r + 1 === n || p.charCodeAt(r + 1) === SLASH)) {
      r++; // . element
    } else if (c === DOT && p.charCodeAt(r + 1) === DOT && (r + 2 === n || p.charCodeAt(r + 2) === SLASH)) {
      r += 2; // .. element: remove to last /
      if (out.length > dotdot) {
        // Go: `out.w--; for out.w > dotdot && out.index(out.w) != '/' { out.w-- }` —
        // drop characters up to and including the slash before the element.
        let removed = out.pop();
        while (out.length > dotdot && removed !== '/') removed = out.pop();
      } else if (!rooted) {
        // cannot backtrack, but not rooted, so append .. element
        if (out.length > 0) out.push('/');
        out.push('.', '.');
        dotdot = out.length;
      }
    } else {
      // real path element; add slash if needed
      if ((rooted && out.length !== 1) || (!rooted && out.length !== 0)) out.push('/');
      for (; r < n && p.charCodeAt(r) !== SLASH; r++) out.push(p[r]!);
    }
  }
  if (out.length === 0) return '.';
  return out.join('');
}
