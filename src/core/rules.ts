/**
 * Identifier, version, timestamp, URL and text rules — each defined once.
 *
 * Where the upstream index validator is looser than the Lattice server
 * (interop §E.3) both rules are exported and the validator applies both, so an
 * id or version we accept is accepted by the server too.
 *
 * @module
 */

/**
 * The server's `validPluginID` (interop §A.4): 3–128 bytes, `[a-z0-9.-]`,
 * first and last byte alphanumeric, no `..`. Used for plugin ids, publisher
 * ids, trust-policy keys, dependency ids and host_access owners.
 * @example validPluginID('latticenet.netguard') // true
 * @example validPluginID('a..b') // false
 */
export function validPluginID(s: string): boolean {
  return typeof s === 'string' && s.length >= 3 && s.length <= 128 && PLUGIN_ID_RE.test(s);
}
// ASCII only, so string length equals byte length for every accepted string.
const PLUGIN_ID_RE = /^[a-z0-9](?:[a-z0-9-]|\.(?!\.))*[a-z0-9]$/;

/** Upstream index id regex (interop §E.2 rule 6/9): 3–80 chars, allows `_` and `..`. */
export const INDEX_ID_RE = /^[a-z0-9][a-z0-9._-]{1,78}[a-z0-9]$/;
/** Upstream index version regex (interop §E.2 rule 16/22): allows `:` and `..`. */
export const INDEX_VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9._+:-]{0,63}$/;
/** The server's manifest v2 version regex (interop §A.4.1 step 3); `..` is checked separately. */
export const V2_VERSION_RE = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/;
/** Lowercase SHA-256 hex, as the index requires (interop §E.2 rule 29). */
export const SHA256_HEX_RE = /^[a-f0-9]{64}$/;
/** SHA-256 hex in either case, as the server accepts in manifests (§A.4.1 step 6). */
export const SHA256_HEX_ANY_CASE_RE = /^[0-9a-fA-F]{64}$/;

/** An index id valid for both the upstream index validator and the server. */
export function validIndexID(s: string): boolean {
  return INDEX_ID_RE.test(s) && validPluginID(s);
}

/**
 * The server's v2 version rule (interop §A.4.1 step 3).
 * @example isV2Version('0.8.0-alpha.14') // true
 * @example isV2Version('1..2') // false
 */
export function isV2Version(s: string): boolean {
  return typeof s === 'string' && V2_VERSION_RE.test(s) && !s.includes('..');
}

/** An index version valid for both the upstream validator and the server's v2 rule. */
export function validIndexVersion(s: string): boolean {
  return INDEX_VERSION_RE.test(s) && isV2Version(s);
}

/**
 * Prerelease as the server sees it: any `-` suffix (interop §D.4 splitVersion).
 * Upstream detected only `-alpha` (§E.3); this project follows the server, so
 * `1.0.0-beta.1` is a prerelease and cannot be `stable`.
 */
export function isPrerelease(version: string): boolean {
  return version.includes('-');
}

/** Upstream alpha detection (interop §E.2 rule 17), case-insensitive. */
export function isAlphaPrerelease(version: string): boolean {
  return ALPHA_RE.test(version);
}
const ALPHA_RE = /-alpha(?:[.-]|$)/i;

/**
 * Go's `hasControl`: any rune below U+0020 or equal to U+007F (C1 controls are
 * not control here — interop §A.4).
 */
export function hasControl(s: string): boolean {
  return CONTROL_RE.test(s);
}
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

/**
 * Go's `strings.TrimSpace` (Unicode White_Space). Differs from JS `trim()`:
 * U+0085 is stripped, U+FEFF is not (interop §A.4).
 */
export function goTrimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && GO_SPACE.has(s.charCodeAt(start))) start++;
  while (end > start && GO_SPACE.has(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}
const GO_SPACE: ReadonlySet<number> = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/**
 * RFC 3339 timestamp in UTC with a `Z` suffix, calendar-valid, seconds 00–59
 * (leap seconds refused: JavaScript time cannot represent them), optional
 * fraction. Stricter than upstream, which only required a trailing `Z` (§E.2 rule 2).
 * @example isRFC3339UTC('2026-08-22T12:01:32Z') // true
 */
export function isRFC3339UTC(s: unknown): s is string {
  // Hand-rolled over char codes: the validator runs this on every timestamp of
  // a 50k-plugin index, and a regex with captures allocates on each call.
  if (typeof s !== 'string') return false;
  const n = s.length;
  if (n < 20 || n > 30 || s.charCodeAt(n - 1) !== 0x5a /* Z */) return false;
  if (s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d || s.charCodeAt(10) !== 0x54 /* T */) return false;
  if (s.charCodeAt(13) !== 0x3a || s.charCodeAt(16) !== 0x3a) return false;
  const year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
  const hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
  if ((year | month | day | hour | minute | second) < 0) return false;
  if (n !== 20) {
    // Optional fraction: "." then 1–9 digits, then the Z.
    if (s.charCodeAt(19) !== 0x2e || n - 21 < 1 || n - 21 > 9 || digits(s, 20, n - 21) < 0) return false;
  }
  if (month < 1 || month > 12 || day < 1) return false;
  const dim = month === 2 ? (isLeap(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= dim && hour <= 23 && minute <= 59 && second <= 59;
}

/** Decimal value of `len` ASCII digits at `at`, or -1 if any is not a digit. */
function digits(s: string, at: number, len: number): number {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}
function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/**
 * Milliseconds since the epoch of a timestamp accepted by {@link isRFC3339UTC}.
 * @throws TypeError for a string that is not RFC 3339 UTC (check first).
 */
export function parseRFC3339UTC(s: string): number {
  if (!isRFC3339UTC(s)) throw new TypeError(`not an RFC 3339 UTC timestamp: ${JSON.stringify(s)}`);
  return Date.parse(s);
}

/** Format milliseconds since the epoch as RFC 3339 UTC with whole seconds. */
export function formatRFC3339UTC(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * URL hygiene for index URLs (interop §E.2 rule 28): parses, `https:`, a host,
 * no userinfo, no query, no fragment. Stricter than upstream: a bare `?` or
 * `#` (which leave `search`/`hash` empty) is refused too, and so are
 * backslashes, whitespace, control characters, an upper-case scheme and a
 * missing authority (`https:///a`), which WHATWG parsing would silently rewrite.
 * @example isHttpsUrl('https://example.org/a.tar.gz') // true
 */
export function isHttpsUrl(s: unknown): s is string {
  if (typeof s !== 'string' || s.length > 2048) return false;
  if (/[\s\\?#\u0000-\u001f\u007f]/.test(s)) return false;
  // The authority must be written out: WHATWG would turn `https:///a` into host `a`.
  if (!/^https:\/\/[^/]/.test(s)) return false;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return false;
  }
  return (
    u.protocol === 'https:' && u.hostname !== '' && u.username === '' && u.password === '' && u.search === '' && u.hash === ''
  );
}

/**
 * A link target inside catalog Markdown (`description_md`, `notes_md`,
 * src/core/markdown.ts): `https:` with a written-out host, no userinfo, no
 * whitespace, backslash or control character, at most 2048 characters.
 * Unlike {@link isHttpsUrl} a query and a fragment are allowed (documentation
 * links need them); every other scheme (`javascript:`, `data:`, `http:`,
 * `mailto:`) and every relative link is refused, so a description can only
 * send a reader to another HTTPS site, never run script or reach the catalog's
 * own origin with a crafted path.
 * @example isMarkdownLinkUrl('https://docs.example/guide?x=1#setup') // true
 * @example isMarkdownLinkUrl('javascript:alert(1)') // false
 */
export function isMarkdownLinkUrl(s: unknown): s is string {
  if (typeof s !== 'string' || s.length > 2048) return false;
  if (/[\s\\\u0000-\u001f\u007f]/.test(s)) return false;
  // Lowercase scheme and a written-out authority (WHATWG would turn `https:/x` into host `x`).
  if (!/^https:\/\/[^/?#]/.test(s)) return false;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && u.hostname !== '' && u.username === '' && u.password === '';
}

/**
 * The upstream URL test exactly (interop §E.2 rule 28), kept for parity
 * checks: a bare `?` or `#` passes it.
 */
export function isHttpsUrlUpstream(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  try {
    const u = new URL(s);
    return u.protocol === 'https:' && u.hostname !== '' && !u.username && !u.password && !u.search && !u.hash;
  } catch {
    return false;
  }
}

/**
 * One GitHub owner as CODEOWNERS accepts it: `@user` (1–39 characters,
 * alphanumeric or `-`, not starting with `-`) or `@org/team` (team slug
 * `[A-Za-z0-9._-]`, 1–100 characters). Used by the index validator and the
 * CODEOWNERS generator alike.
 */
export const GITHUB_OWNER_RE = /^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9._-]{1,100})?$/;
/** Most GitHub owners one publisher may list. */
export const MAX_GITHUB_OWNERS = 10;

/**
 * UTF-8 byte length of a string without encoding it (lone surrogates count
 * as the 3 bytes of U+FFFD, as `TextEncoder` writes them).
 * @example utf8ByteLength('é') // 2
 */
export function utf8ByteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The text rule of catalog Markdown members (`description_md`, `notes_md`;
 * docs/FORMAT.md): a non-blank string of at most `maxBytes` UTF-8 bytes whose
 * only control characters are tab and line feed (no CR: entry files are
 * written with `\n`; no NUL, escape or other C0/DEL character a terminal or
 * a diff would hide). The renderer (src/core/markdown.ts) and the index
 * validator both apply it.
 * @param s - the member's value (any JSON value).
 * @param maxBytes - the member's cap (src/core/limits.ts).
 * @returns `null` when the text is acceptable, otherwise what is wrong, in words.
 * @example markdownTextProblem('# Hi\n', 4096) // null
 * @example markdownTextProblem('a\rb', 4096) // 'contains control character U+000D on line 1'
 */
export function markdownTextProblem(s: unknown, maxBytes: number): string | null {
  if (typeof s !== 'string') return 'is not a string';
  if (goTrimSpace(s) === '') return 'is empty or blank';
  const bytes = utf8ByteLength(s);
  if (bytes > maxBytes) return `is ${bytes} bytes of UTF-8, over the limit of ${maxBytes}`;
  const m = MARKDOWN_CONTROL_RE.exec(s);
  if (m !== null) {
    const line = s.slice(0, m.index).split('\n').length;
    return `contains control character U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} on line ${line}`;
  }
  return null;
}
// eslint-disable-next-line no-control-regex
const MARKDOWN_CONTROL_RE = /[\u0000-\u0008\u000b-\u001f\u007f]/;
