/**
 * The Lattice server's version comparator language and version order
 * (interop §D.4, server `internal/plugin/versionrange.go`), ported exactly.
 *
 * Used for `dependencies[].version` in manifests (validation, §A.4.4) and by
 * the runner/compatibility code that evaluates ranges against a host profile.
 *
 * Grammar: a range is `""` or `*` (anything), or terms separated by `,` and
 * U+0020 (empty pieces dropped, Go `strings.FieldsFunc`), all ANDed. A term is
 * `^(>=|<=|==|!=|=|>|<)?[\t\n\f\r ]*(core(-prerelease)?)$` with a core of one to
 * three numeric parts. Not semver: no `v` prefix in ranges, no `^`/`~`, no
 * `||`, no build metadata, and prereleases of other versions match freely.
 *
 * Go-exact details that differ from a naive JavaScript port:
 * - `\s` in Go's RE2 is `[\t\n\f\r ]` (no `\v`, no Unicode spaces).
 * - `strings.TrimSpace` is Unicode White_Space ({@link goTrimSpace}).
 * - Numbers go through `strconv.Atoi` on 64-bit Go: a leading `+`/`-` and
 *   leading zeros are accepted; a syntax error gives 0; a value beyond int64 is
 *   **clamped** to ±2^63 (Atoi returns the clamped value together with its
 *   range error, and `splitVersion` ignores the error). Values are therefore
 *   `bigint`, compared exactly. (interop §D.4 says "errors mapped to 0"; that
 *   holds for syntax errors only — the range-error case follows Go's source.)
 * - `strings.Compare` is byte-wise over UTF-8, i.e. code-point order, not
 *   JavaScript's UTF-16 code-unit order.
 *
 * Pure, synchronous, no dependencies.
 *
 * @module
 */
import { goTrimSpace } from './rules.js';

/** One comparator term, exactly the server's `versionComparatorRe` (`\s` spelled out as RE2 defines it). */
const VERSION_COMPARATOR_RE = /^(>=|<=|==|!=|=|>|<)?[\t\n\f\r ]*([0-9]+(?:\.[0-9]+){0,2}(?:-[0-9A-Za-z.-]+)?)$/;

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

/** A comparator operator; `''` (bare version), `=` and `==` all mean equality. */
export type VersionOperator = '' | '=' | '==' | '!=' | '>=' | '<=' | '>' | '<';

/** A parsed comparator term. */
export interface VersionComparator {
  /** The term as written (after splitting). */
  readonly term: string;
  readonly operator: VersionOperator;
  /** The version the term compares against. */
  readonly version: string;
}

/** What {@link splitVersion} returns: Go `splitVersion`'s `(core []int, prerelease string)`. */
export interface SplitVersion {
  /** Numeric core parts as Go `int` (int64) values. */
  readonly core: readonly bigint[];
  /** Text after the first `-`, or `''`. */
  readonly prerelease: string;
}

/**
 * Go `strconv.Atoi` on a 64-bit platform.
 *
 * @param s - the text to convert.
 * @returns `{ value, ok }` where `ok` is Go's `err == nil`; on a syntax error
 *   `value` is 0, on a range error it is clamped to the int64 bound (as Go returns it).
 * @example goAtoi('+007') // { value: 7n, ok: true }
 * @example goAtoi('1x') // { value: 0n, ok: false }
 */
export function goAtoi(s: string): { value: bigint; ok: boolean } {
  if (s.length === 0) return { value: 0n, ok: false };
  let i = 0;
  let negative = false;
  if (s[0] === '+' || s[0] === '-') {
    negative = s[0] === '-';
    i = 1;
  }
  if (i === s.length) return { value: 0n, ok: false };
  // strconv.ParseUint(base 10): digits left to right; a non-digit is a syntax
  // error (value 0) unless the accumulated value already overflowed uint64, in
  // which case Go returns the range error first (value clamped).
  let n = 0n;
  let overflow = false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return { value: 0n, ok: false };
    n = n * 10n + BigInt(c - 0x30);
    if (n > UINT64_MAX) {
      overflow = true;
      break;
    }
  }
  // strconv.ParseInt: range check against int64 (bitSize 0 = 64 on 64-bit Go).
  if (overflow) return { value: negative ? INT64_MIN : INT64_MAX, ok: false };
  if (!negative && n > INT64_MAX) return { value: INT64_MAX, ok: false };
  if (negative && n > -INT64_MIN) return { value: INT64_MIN, ok: false };
  return { value: negative ? -n : n, ok: true };
}

/**
 * Go `strings.Compare`: byte-wise over UTF-8, which is code-point order.
 * @returns -1, 0 or 1.
 */
function compareCodePoints(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

/**
 * Go `strings.FieldsFunc(expr, r == ',' || r == ' ')`: the non-empty pieces.
 */
function splitTerms(expr: string): string[] {
  return expr.split(/[, ]/).filter((t) => t !== '');
}

/**
 * The server's `splitVersion` (interop §D.4): strip one leading `v` (before
 * trimming, so `" v1"` keeps its `v`), TrimSpace, split off the prerelease at
 * the first `-`, and convert each `.`-separated core part with Go `Atoi`.
 *
 * @param v - any version text (not validated).
 * @returns the core parts (bigint, Go int64) and the prerelease text.
 * @example splitVersion('v1.x-rc.1') // { core: [1n, 0n], prerelease: 'rc.1' }
 */
export function splitVersion(v: string): SplitVersion {
  let s = goTrimSpace(v.startsWith('v') ? v.slice(1) : v);
  let prerelease = '';
  const dash = s.indexOf('-');
  if (dash >= 0) {
    prerelease = s.slice(dash + 1);
    s = s.slice(0, dash);
  }
  const core = s.split('.').map((part) => goAtoi(part).value);
  return { core, prerelease };
}

/**
 * The server's `compareVersions` (interop §D.4): numeric core first (missing
 * parts are 0), then a release outranks its prereleases, then prerelease
 * segments pairwise (numeric < alphanumeric; both numeric → numeric; else
 * byte-wise; fewer segments rank lower).
 *
 * @returns -1, 0 or 1.
 * @example compareVersions('0.12.1-alpha.8', '0.12.1-alpha.10') // -1
 * @example compareVersions('1.0', '1.0.0') // 0
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const va = splitVersion(a);
  const vb = splitVersion(b);
  const n = Math.max(va.core.length, vb.core.length);
  for (let i = 0; i < n; i++) {
    const x = va.core[i] ?? 0n;
    const y = vb.core[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  const pa = va.prerelease;
  const pb = vb.prerelease;
  if (pa === '' && pb === '') return 0;
  if (pa === '') return 1; // a release outranks its prereleases
  if (pb === '') return -1;
  const sa = pa.split('.');
  const sb = pb.split('.');
  const m = Math.max(sa.length, sb.length);
  for (let i = 0; i < m; i++) {
    if (i >= sa.length) return -1; // fewer segments rank lower when all shared ones match
    if (i >= sb.length) return 1;
    const x = sa[i]!;
    const y = sb[i]!;
    if (x === y) continue;
    const nx = goAtoi(x);
    const ny = goAtoi(y);
    if (nx.ok && ny.ok) {
      if (nx.value !== ny.value) return nx.value < ny.value ? -1 : 1;
      // numerically equal ("01" vs "1"): Go falls through to the next segment
    } else if (nx.ok) {
      return -1; // numeric ranks below alphanumeric
    } else if (ny.ok) {
      return 1;
    } else {
      const c = compareCodePoints(x, y);
      if (c !== 0) return c;
    }
  }
  return 0;
}

/**
 * Parse one comparator term with the server's regex.
 * @returns the comparator, or `undefined` when the term is invalid.
 * @example parseVersionComparator('>=0.8.0-alpha.5') // { term, operator: '>=', version: '0.8.0-alpha.5' }
 */
export function parseVersionComparator(term: string): VersionComparator | undefined {
  const m = VERSION_COMPARATOR_RE.exec(term);
  if (!m) return undefined;
  return { term, operator: (m[1] ?? '') as VersionOperator, version: m[2]! };
}

/**
 * The first term of `expr` the server's `validVersionRange` rejects, i.e. the
 * `<term>` of its error `invalid version comparator "<term>"`.
 *
 * @returns the offending term, or `undefined` when the range is valid.
 * @example invalidVersionTerm('>= 1.0') // '>='
 */
export function invalidVersionTerm(expr: string): string | undefined {
  const e = goTrimSpace(expr);
  if (e === '' || e === '*') return undefined;
  for (const term of splitTerms(e)) {
    if (!VERSION_COMPARATOR_RE.test(term)) return term;
  }
  return undefined;
}

/**
 * The server's `validVersionRange` (interop §D.4) as a predicate.
 * @example validVersionRange('>=1.0, <2.0') // true
 * @example validVersionRange('=>1.0') // false
 */
export function validVersionRange(expr: string): boolean {
  return invalidVersionTerm(expr) === undefined;
}

/**
 * The server's `versionInRange` (interop §D.4): every term must parse and hold.
 * An invalid term makes the whole range false (never throws).
 *
 * @param version - the candidate version (not validated, as in Go).
 * @param expr - the range expression.
 * @example versionInRange('0.8.0', '>=0.8.0-alpha.5') // true
 * @example versionInRange('0.8.0-alpha.7', 'garbage!!') // false
 */
export function versionInRange(version: string, expr: string): boolean {
  const e = goTrimSpace(expr);
  if (e === '' || e === '*') return true;
  for (const term of splitTerms(e)) {
    const c = parseVersionComparator(term);
    if (!c) return false;
    const cmp = compareVersions(version, c.version);
    switch (c.operator) {
      case '':
      case '=':
      case '==':
        if (cmp !== 0) return false;
        break;
      case '!=':
        if (cmp === 0) return false;
        break;
      case '>=':
        if (cmp < 0) return false;
        break;
      case '<=':
        if (cmp > 0) return false;
        break;
      case '>':
        if (cmp <= 0) return false;
        break;
      case '<':
        if (cmp >= 0) return false;
        break;
    }
  }
  return true;
}
