/**
 * The HTTPS fetcher of the install pipeline (DESIGN §5 "Fetching"): the
 * real {@link InstallFetcher} behind `lattice-index install`.
 *
 * Rules, each enforced here (and each with its code):
 *
 * | rule | code |
 * |---|---|
 * | `https:` only; no userinfo, query or fragment (not even a bare `?`/`#`); a host | `FETCH_URL_REFUSED` |
 * | plain HTTP only with the explicit **test** option `allowLoopbackHttp`, and only to a loopback host (`127.0.0.0/8`, `::1`, `localhost`) | `FETCH_URL_REFUSED` |
 * | every address a name resolves to is checked **before** connecting (custom `lookup` in the connection), and the address actually connected is checked again; private, loopback, link-local and other special-purpose ranges (IPv4 and IPv6, IPv4-mapped, NAT64 and 6to4 forms) are refused unless the policy allows private addresses or names that exact address (`allowAddresses`); unspecified, multicast and reserved-for-future addresses are refused always | `FETCH_ADDRESS_REFUSED` |
 * | at most `maxRedirects` redirects; each target passes the URL rules again and never drops from TLS to plain HTTP | `FETCH_REDIRECT_REFUSED` |
 * | connect timeout (TCP + TLS); read timeout while waiting for headers and for each body chunk (time spent by the consumer does not count) | `FETCH_TIMEOUT` |
 * | a deadline for the whole fetch — connect, redirects, headers and body together — so a server that trickles one byte just inside every read timeout cannot hold an install (TUF's "slow retrieval") | `FETCH_TIMEOUT` |
 * | after a grace period, the average rate since the fetch began must stay at or above a floor | `FETCH_TOO_SLOW` |
 * | `Content-Length` above the cap is refused before reading; the cap is enforced again on every chunk while streaming; no content encoding (no decompression bombs) | `FETCH_TOO_LARGE`, `FETCH_FAILED` |
 * | status 403, 404 or 410 (static hosts answer 403 for a missing object) | `FETCH_NOT_FOUND` |
 * | anything else (another status ≠ 200, connection reset, TLS failure, short body) | `FETCH_FAILED` |
 *
 * About `allowLoopbackHttp`: it exists so tests, the demo and the benchmark
 * can serve an index on 127.0.0.1 without TLS. Index URLs must be `https:`
 * (the index validator), so with this option an `https://` URL whose host is
 * a loopback literal or `localhost` is spoken to **over plain HTTP**. It is
 * never set by a policy file; the CLI flag is named `--test-loopback-http`.
 *
 * HTTP itself is `./http1.ts`: one `GET` per connection, a strict response
 * parser (its refusals are `FETCH_FAILED`), the body read into large slabs
 * without a copy (Node's HTTP client cost more CPU than the rest of a 64 MiB
 * install).
 *
 * {@link fetchAndHash} streams a URL through SHA-256 (`node:crypto`) into a sink.
 *
 * @module
 */
import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import type { LookupFunction, Socket } from 'node:net';
import { LatticeIndexError } from '../core/errors.js';
import { createSha256Node } from '../crypto/node.js';
import type { InstallLimits } from '../domain/install/policy.js';
import { fetchError, type FetchedBody, type FetchRequest, type InstallFetcher } from '../domain/install/transport.js';
import { concatBytes } from '../core/bytes.js';
import { Http1Exchange, type ResponseHead } from './http1.js';

/** A resolver: name → every address (tests inject one; default `dns.lookup` with `all`). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** Options of {@link createHttpsFetcher}. */
export interface HttpsFetcherOptions {
  /** TCP + TLS connect timeout, ms. */
  connectTimeoutMs: number;
  /** Longest wait for headers or for the next body chunk, ms. */
  readTimeoutMs: number;
  /** Deadline of one whole fetch (connect, redirects, headers, body), ms (default: none). */
  fetchDeadlineMs?: number;
  /** Slowest average rate accepted after {@link minRateGraceMs}, bytes/s (default 0: no floor). */
  minBytesPerSecond?: number;
  /** Time before the rate floor applies, ms (default 0). */
  minRateGraceMs?: number;
  /** Most redirects followed. */
  maxRedirects: number;
  /** Allow private, loopback and link-local addresses (policy `limits.allow_private_addresses`). */
  allowPrivateAddresses: boolean;
  /**
   * Addresses allowed although private, loopback or link-local (policy
   * `limits.allow_addresses`): exact IP literals, compared after
   * normalisation (`::ffff:127.0.0.1` is `127.0.0.1`). Unspecified,
   * multicast and reserved addresses stay refused.
   */
  allowAddresses?: readonly string[];
  /**
   * TEST ONLY: plain HTTP to loopback hosts (see the module comment). Default
   * false; never read from a policy.
   */
  allowLoopbackHttp?: boolean;
  /** Name resolution (default: `dns.lookup(name, { all: true })`). */
  resolve?: Resolver;
  /** Extra trusted CA certificates (PEM), e.g. a test server's. */
  ca?: string;
  /** User-Agent header. */
  userAgent?: string;
}

/**
 * Fetcher options from the policy's limits.
 *
 * @param limits - the policy's `limits`.
 * @param extra - test options (`allowLoopbackHttp`, `resolve`, `ca`).
 * @returns options for {@link createHttpsFetcher}.
 * @example
 * ```ts
 * const fetcher = createHttpsFetcher(fetcherOptionsFromLimits(policy.limits));
 * ```
 */
export function fetcherOptionsFromLimits(limits: InstallLimits, extra: Partial<HttpsFetcherOptions> = {}): HttpsFetcherOptions {
  return {
    connectTimeoutMs: limits.connectTimeoutMs,
    readTimeoutMs: limits.readTimeoutMs,
    fetchDeadlineMs: limits.fetchDeadlineMs,
    minBytesPerSecond: limits.minBytesPerSecond,
    minRateGraceMs: limits.minRateGraceMs,
    maxRedirects: limits.maxRedirects,
    allowPrivateAddresses: limits.allowPrivateAddresses,
    ...(limits.allowAddresses !== undefined && limits.allowAddresses.length > 0 ? { allowAddresses: limits.allowAddresses } : {}),
    ...extra,
  };
}

// ---- addresses -----------------------------------------------------------------

/** How an address is treated. */
export type AddressKind = 'public' | 'loopback' | 'private' | 'link-local' | 'special' | 'unusable';

/** Classification of one IP address. */
export interface AddressClass {
  kind: AddressKind;
  /** The range that decided it, e.g. `10.0.0.0/8 (private)`. */
  range: string;
}

type V4Range = [number, number, AddressKind, string];
/** IPv4 special-purpose ranges (IANA registry, RFC 6890 and successors). */
const V4_RANGES: readonly V4Range[] = [
  [0x00000000, 8, 'unusable', '0.0.0.0/8 (this network)'],
  [0x0a000000, 8, 'private', '10.0.0.0/8 (private)'],
  [0x64400000, 10, 'private', '100.64.0.0/10 (shared address space)'],
  [0x7f000000, 8, 'loopback', '127.0.0.0/8 (loopback)'],
  [0xa9fe0000, 16, 'link-local', '169.254.0.0/16 (link-local)'],
  [0xac100000, 12, 'private', '172.16.0.0/12 (private)'],
  [0xc0000000, 24, 'special', '192.0.0.0/24 (IETF protocol assignments)'],
  [0xc0000200, 24, 'special', '192.0.2.0/24 (documentation)'],
  [0xc0586300, 24, 'special', '192.88.99.0/24 (6to4 relay anycast)'],
  [0xc0a80000, 16, 'private', '192.168.0.0/16 (private)'],
  [0xc6120000, 15, 'special', '198.18.0.0/15 (benchmarking)'],
  [0xc6336400, 24, 'special', '198.51.100.0/24 (documentation)'],
  [0xcb007100, 24, 'special', '203.0.113.0/24 (documentation)'],
  [0xe0000000, 4, 'unusable', '224.0.0.0/4 (multicast)'],
  [0xf0000000, 4, 'unusable', '240.0.0.0/4 (reserved, broadcast)'],
];

function parseV4(s: string): number | undefined {
  if (!net.isIPv4(s)) return undefined;
  const p = s.split('.').map(Number);
  return (((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!) >>> 0;
}

function classifyV4(n: number, prefix = ''): AddressClass {
  for (const [base, bits, kind, range] of V4_RANGES) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((n & mask) >>> 0 === base) return { kind, range: prefix + range };
  }
  return { kind: 'public', range: prefix + 'public IPv4' };
}

/** Eight 16-bit groups of an IPv6 address (embedded dotted quad allowed), or undefined. */
function parseV6(s: string): number[] | undefined {
  if (!net.isIPv6(s) || s.includes('%')) return undefined;
  let text = s.toLowerCase();
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseV4(last);
    if (v4 === undefined) return undefined;
    tail = [v4 >>> 16, v4 & 0xffff];
    text = text.slice(0, lastColon + 1); // ends with ':'
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const parse = (h: string): number[] => (h === '' ? [] : h.split(':').map((x) => parseInt(x, 16)));
  const halves = text.split('::');
  let groups: number[];
  if (halves.length === 1) groups = [...parse(halves[0]!), ...tail];
  else {
    const head = parse(halves[0]!);
    const rest = parse(halves[1]!);
    const fill = 8 - head.length - rest.length - tail.length;
    if (fill < 0) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
  }
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

function classifyV6(g: number[]): AddressClass {
  const v4of = (hi: number, lo: number): number => ((hi << 16) >>> 0) + lo;
  const zeros = (from: number, to: number): boolean => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return { kind: 'unusable', range: '::/128 (unspecified)' };
  if (zeros(0, 7) && g[7] === 1) return { kind: 'loopback', range: '::1/128 (loopback)' };
  if (zeros(0, 5) && g[5] === 0xffff) return classifyV4(v4of(g[6]!, g[7]!), 'IPv4-mapped ');
  if (zeros(0, 6)) return { kind: 'special', range: '::/96 (IPv4-compatible, deprecated)' };
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return classifyV4(v4of(g[6]!, g[7]!), 'NAT64 ');
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return { kind: 'private', range: '64:ff9b:1::/48 (local-use NAT64)' };
  if (g[0] === 0x100 && zeros(1, 4)) return { kind: 'special', range: '100::/64 (discard-only)' };
  if (g[0] === 0x2001 && g[1]! < 0x200) return { kind: 'special', range: '2001::/23 (IETF protocol assignments, Teredo)' };
  if (g[0] === 0x2001 && g[1] === 0xdb8) return { kind: 'special', range: '2001:db8::/32 (documentation)' };
  if (g[0] === 0x2002) return classifyV4(v4of(g[1]!, g[2]!), '6to4 ');
  if ((g[0]! & 0xfe00) === 0xfc00) return { kind: 'private', range: 'fc00::/7 (unique local)' };
  if ((g[0]! & 0xffc0) === 0xfe80) return { kind: 'link-local', range: 'fe80::/10 (link-local)' };
  if ((g[0]! & 0xffc0) === 0xfec0) return { kind: 'private', range: 'fec0::/10 (site-local, deprecated)' };
  if ((g[0]! & 0xff00) === 0xff00) return { kind: 'unusable', range: 'ff00::/8 (multicast)' };
  if ((g[0]! & 0xe000) !== 0x2000) return { kind: 'special', range: 'outside 2000::/3 (not global unicast)' };
  return { kind: 'public', range: 'public IPv6' };
}

/**
 * Classify an IP address (IPv4, IPv6, IPv4-mapped IPv6).
 *
 * @param ip - the address text (no brackets).
 * @returns its kind and range; text that is no IP address (or carries a zone id) is `unusable`.
 * @example
 * ```ts
 * classifyAddress('169.254.169.254'); // { kind: 'link-local', range: '169.254.0.0/16 (link-local)' }
 * classifyAddress('::ffff:10.0.0.1'); // { kind: 'private', range: 'IPv4-mapped 10.0.0.0/8 (private)' }
 * ```
 */
export function classifyAddress(ip: string): AddressClass {
  const v4 = parseV4(ip);
  if (v4 !== undefined) return classifyV4(v4);
  const v6 = parseV6(ip);
  if (v6 !== undefined) return classifyV6(v6);
  return { kind: 'unusable', range: 'not an IP address (or has a zone id)' };
}

/**
 * The canonical text of an IP address for comparing allow-list entries:
 * IPv4 dotted quad, IPv4-mapped IPv6 as its IPv4, other IPv6 as eight
 * lowercase groups; undefined for text that is no IP address.
 *
 * @param ip - an address literal.
 * @returns the canonical text.
 */
export function canonicalAddress(ip: string): string | undefined {
  const v4 = parseV4(ip);
  if (v4 !== undefined) return [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join('.');
  const g = parseV6(ip);
  if (g === undefined) return undefined;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return canonicalAddress(`${g[6]! >>> 8}.${g[6]! & 255}.${g[7]! >>> 8}.${g[7]! & 255}`);
  return g.map((x) => x.toString(16)).join(':');
}

/** Whether a connection to `ip` is allowed; `loopbackOk` is the test flag for a loopback host. */
function addressRefusal(ip: string, allowPrivate: boolean, loopbackOk: boolean, allowList?: ReadonlySet<string>): string | undefined {
  const c = classifyAddress(ip);
  if (c.kind === 'public') return undefined;
  if (c.kind === 'unusable') return `${ip} is in ${c.range}`;
  if (allowPrivate) return undefined;
  if (allowList !== undefined && allowList.has(canonicalAddress(ip) ?? '')) return undefined;
  if (c.kind === 'loopback' && loopbackOk) return undefined;
  return `${ip} is in ${c.range}; the policy does not allow private, loopback or link-local addresses`;
}

// ---- URLs ------------------------------------------------------------------------

/** A URL that passed {@link checkFetchUrl}. */
export interface CheckedUrl {
  url: URL;
  /** Host for the connection (IPv6 without brackets). */
  host: string;
  port: number;
  /** Speak plain HTTP (test option, loopback only). */
  plain: boolean;
  /** The host is a loopback literal or `localhost`. */
  loopbackHost: boolean;
}

function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const c = classifyAddress(host);
  return c.kind === 'loopback';
}

/**
 * The URL rules of DESIGN §5 "Fetching".
 *
 * @param text - the URL.
 * @param allowLoopbackHttp - the test option.
 * @returns the checked URL, or a message saying what is wrong.
 * @example
 * ```ts
 * checkFetchUrl('https://user@example.org/x', false); // { ok: false, message: '… userinfo …' }
 * ```
 */
export function checkFetchUrl(text: string, allowLoopbackHttp = false): { ok: true; checked: CheckedUrl } | { ok: false; message: string } {
  if (typeof text !== 'string' || text.length > 2048) return { ok: false, message: 'URL must be a string of at most 2048 characters' };
  if (/[\s\\\u0000-\u001f\u007f]/.test(text)) return { ok: false, message: `URL ${JSON.stringify(text.slice(0, 100))} contains whitespace, a backslash or a control character` };
  if (text.includes('?')) return { ok: false, message: `URL ${JSON.stringify(text)} has a query (refused)` };
  if (text.includes('#')) return { ok: false, message: `URL ${JSON.stringify(text)} has a fragment (refused)` };
  const scheme = /^(https?):\/\/[^/]/.exec(text)?.[1];
  if (scheme === undefined) return { ok: false, message: `URL ${JSON.stringify(text)} is not an https:// URL with a host` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: `URL ${JSON.stringify(text)} does not parse` };
  }
  if (url.username !== '' || url.password !== '') return { ok: false, message: `URL ${JSON.stringify(url.host)} carries userinfo (refused)` };
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') return { ok: false, message: `URL ${JSON.stringify(text)} has no host` };
  const loopbackHost = isLoopbackHost(host);
  let plain = false;
  if (scheme === 'http') {
    if (!allowLoopbackHttp) return { ok: false, message: `URL ${JSON.stringify(text)} is plain http; only https is fetched` };
    if (!loopbackHost) return { ok: false, message: `URL ${JSON.stringify(text)} is plain http to a non-loopback host; the test option allows loopback only` };
    plain = true;
  } else if (allowLoopbackHttp && loopbackHost) {
    plain = true; // test option: TLS-less loopback (module comment)
  }
  const port = url.port !== '' ? Number(url.port) : scheme === 'http' ? 80 : 443;
  return { ok: true, checked: { url, host, port, plain, loopbackHost } };
}

// ---- the fetcher ---------------------------------------------------------------------

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Create the HTTPS fetcher.
 *
 * @param opts - timeouts, redirect and address rules, test options.
 * @returns an {@link InstallFetcher}.
 * @example
 * ```ts
 * const fetcher = createHttpsFetcher(fetcherOptionsFromLimits(policy.limits));
 * const { body } = await fetcher.fetch(url, { maxBytes: 1 << 20, purpose: 'manifest' });
 * ```
 */
export function createHttpsFetcher(opts: HttpsFetcherOptions): InstallFetcher {
  const resolve: Resolver = opts.resolve ?? defaultResolver;
  return {
    async fetch(urlText: string, request: FetchRequest): Promise<FetchedBody> {
      const first = checkFetchUrl(urlText, opts.allowLoopbackHttp === true);
      if (!first.ok) throw fetchError('FETCH_URL_REFUSED', first.message);
      const deadline = new FetchDeadline(opts, urlText, request.purpose, request.signal);
      let current = first.checked;
      for (let redirects = 0; ; redirects++) {
        let res: Response;
        try {
          res = await requestOnce(current, opts, resolve, request, deadline);
        } catch (e) {
          deadline.end();
          throw e;
        }
        const status = res.status;
        if (REDIRECT_STATUSES.has(status)) {
          const location = res.headers.get('location');
          res.exchange.destroy();
          if (redirects >= opts.maxRedirects) {
            throw deadline.fail('FETCH_REDIRECT_REFUSED', `more than ${opts.maxRedirects} redirect(s) fetching ${urlText}`);
          }
          if (typeof location !== 'string' || location === '') throw deadline.fail('FETCH_REDIRECT_REFUSED', `redirect ${status} without a Location from ${current.url.href}`);
          let target: string;
          try {
            target = new URL(location, current.url).href;
          } catch {
            throw deadline.fail('FETCH_REDIRECT_REFUSED', `redirect to an unparsable Location ${JSON.stringify(location.slice(0, 200))}`);
          }
          if (location.includes('#') || location.includes('?')) {
            throw deadline.fail('FETCH_REDIRECT_REFUSED', `redirect to ${JSON.stringify(target)} carries a query or fragment`);
          }
          const next = checkFetchUrl(target, opts.allowLoopbackHttp === true);
          if (!next.ok) throw deadline.fail('FETCH_REDIRECT_REFUSED', `redirect refused: ${next.message}`);
          if (!current.plain && next.checked.plain) throw deadline.fail('FETCH_REDIRECT_REFUSED', `redirect from TLS to plain HTTP (${target}) refused`);
          current = next.checked;
          continue;
        }
        if (status !== 200) {
          res.exchange.destroy();
          // "Not there" is its own code: a TUF client ends its root probe on it (client workflow 5.3.3).
          if (status === 403 || status === 404 || status === 410) {
            throw deadline.fail('FETCH_NOT_FOUND', `${request.purpose} at ${current.url.href}: HTTP ${status}, the file is not there`, { status });
          }
          throw deadline.fail('FETCH_FAILED', `${request.purpose} at ${current.url.href}: HTTP ${status}, expected 200`, { status });
        }
        const encoding = res.headers.get('content-encoding');
        if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
          res.exchange.destroy();
          throw deadline.fail('FETCH_FAILED', `${request.purpose} at ${current.url.href} is sent with content-encoding ${encoding}; only identity is accepted`);
        }
        let contentLength: number | undefined;
        const cl = res.headers.get('content-length');
        if (cl !== undefined) {
          // http1.ts accepts a repeated identical value ("5, 5"); it is one length.
          const first = cl.split(',')[0]!.trim();
          if (!/^[0-9]{1,15}$/.test(first)) {
            res.exchange.destroy();
            throw deadline.fail('FETCH_FAILED', `${request.purpose} at ${current.url.href} has a malformed Content-Length`);
          }
          contentLength = Number(first);
          if (contentLength > request.maxBytes) {
            res.exchange.destroy();
            throw deadline.fail('FETCH_TOO_LARGE', `${request.purpose} at ${current.url.href} declares ${contentLength} bytes, above the cap of ${request.maxBytes}`);
          }
        }
        return {
          body: streamBody(res, current.url.href, request, contentLength, opts.readTimeoutMs, deadline),
          release: (chunk: Uint8Array) => res.exchange.release(chunk),
          ...(contentLength !== undefined ? { contentLength } : {}),
          finalUrl: current.url.href,
        };
      }
    },
  };
}

/**
 * The whole-fetch deadline and the rate floor of one fetch. The deadline
 * timer runs from the first request to the last body byte, across
 * redirects; when it fires it fails whatever is active (the request, then
 * the body stream). The rate is checked on every chunk, against the time
 * since the fetch began, once the grace period has passed.
 */
class FetchDeadline {
  private readonly startedAt = performance.now();
  private readonly timer: NodeJS.Timeout | undefined;
  private onExpire: ((e: LatticeIndexError) => void) | undefined;
  private expired: LatticeIndexError | undefined;

  private readonly signal: AbortSignal | undefined;
  private readonly onAbort: (() => void) | undefined;

  constructor(
    private readonly opts: HttpsFetcherOptions,
    private readonly url: string,
    private readonly purpose: string,
    signal?: AbortSignal,
  ) {
    // The caller's stop ends the fetch like an expired deadline ends it (whatever is active fails).
    if (signal !== undefined) {
      this.signal = signal;
      this.onAbort = () => {
        this.expired ??= fetchError('FETCH_FAILED', `${purpose} at ${url}: the fetch was stopped`);
        this.onExpire?.(this.expired);
      };
      if (signal.aborted) this.onAbort();
      else signal.addEventListener('abort', this.onAbort, { once: true });
    }
    const ms = opts.fetchDeadlineMs;
    if (ms !== undefined && ms > 0) {
      this.timer = setTimeout(() => {
        this.expired = fetchError('FETCH_TIMEOUT', `${purpose} at ${url}: not complete within the deadline of ${ms} ms (limits.fetch_deadline_ms)`);
        this.onExpire?.(this.expired);
      }, ms);
      this.timer.unref();
    }
  }

  /** Send an expiry to `cb` (the active request or body); at once when already expired. */
  watch(cb: (e: LatticeIndexError) => void): void {
    this.onExpire = cb;
    if (this.expired) cb(this.expired);
  }

  /**
   * The rate floor: after the grace period, bytes received so far divided by
   * the time since the fetch began must reach `minBytesPerSecond`.
   * @throws `FETCH_TOO_SLOW`.
   */
  checkRate(received: number): void {
    const floor = this.opts.minBytesPerSecond ?? 0;
    if (floor <= 0) return;
    const elapsed = performance.now() - this.startedAt;
    if (elapsed <= (this.opts.minRateGraceMs ?? 0)) return;
    const rate = received / (elapsed / 1000);
    if (rate < floor) {
      throw fetchError('FETCH_TOO_SLOW', `${this.purpose} at ${this.url}: ${received} bytes in ${Math.round(elapsed)} ms is ${rate.toFixed(1)} bytes/s, below the floor of ${floor} bytes/s (limits.min_bytes_per_second)`);
    }
  }

  /** End the fetch and return its error. */
  fail(code: Parameters<typeof fetchError>[0], message: string, detail?: unknown): LatticeIndexError {
    this.end();
    return fetchError(code, message, detail);
  }

  /** Stop the deadline timer (the fetch finished or failed). */
  end(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.onAbort !== undefined) this.signal?.removeEventListener('abort', this.onAbort);
    this.onExpire = undefined;
  }
}

const defaultResolver: Resolver = async (hostname) => {
  const r = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return r.map((a) => ({ address: a.address, family: a.family }));
};

/** A response whose head has arrived; its body is read from {@link Response.exchange}. */
interface Response {
  readonly status: number;
  readonly headers: ResponseHead['headers'];
  readonly exchange: Http1Exchange;
}

/** One request: connect (with the address rules and connect timeout), send the GET, wait for the head (read timeout). */
function requestOnce(target: CheckedUrl, opts: HttpsFetcherOptions, resolve: Resolver, request: FetchRequest, deadline: FetchDeadline): Promise<Response> {
  const allowPrivate = opts.allowPrivateAddresses;
  const allowList = opts.allowAddresses !== undefined ? new Set(opts.allowAddresses.map((a) => canonicalAddress(a) ?? '')) : undefined;
  const loopbackOk = opts.allowLoopbackHttp === true && target.loopbackHost;
  // A literal address is judged before any connection is made.
  if (net.isIP(target.host) !== 0) {
    const refusal = addressRefusal(target.host, allowPrivate, loopbackOk, allowList);
    if (refusal) return Promise.reject(fetchError('FETCH_ADDRESS_REFUSED', `refusing to connect to ${target.url.host}: ${refusal}`));
  }
  // Names: every resolved address must pass before the connection is made.
  const lookup: LookupFunction = (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        if (addresses.length === 0) {
          const e = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
          callback(e as NodeJS.ErrnoException, '', 4);
          return;
        }
        for (const a of addresses) {
          const refusal = addressRefusal(a.address, allowPrivate, loopbackOk, allowList);
          if (refusal) {
            callback(fetchError('FETCH_ADDRESS_REFUSED', `refusing to connect to ${hostname}: it resolves to ${refusal}`) as unknown as NodeJS.ErrnoException, '', 4);
            return;
          }
        }
        const family = typeof options === 'object' && options !== null && typeof options.family === 'number' ? options.family : 0;
        const usable = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
        if ((options as { all?: boolean }).all) {
          (callback as unknown as (err: null, list: { address: string; family: number }[]) => void)(null, usable);
        } else {
          const a = usable[0] ?? addresses[0]!;
          callback(null, a.address, a.family);
        }
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 4),
    );
  };
  return new Promise<Response>((resolvePromise, reject) => {
    let settled = false;
    let headerTimer: NodeJS.Timeout | undefined;
    const exchange = new Http1Exchange();
    const fail = (e: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(headerTimer);
      exchange.destroy();
      reject(toFetchError(e, target.url.href, request.purpose));
    };
    const connectTimer = setTimeout(
      () => fail(fetchError('FETCH_TIMEOUT', `connecting to ${target.url.host} took longer than ${opts.connectTimeoutMs} ms`)),
      opts.connectTimeoutMs,
    );
    const where = { host: target.host, port: target.port, lookup, onread: exchange.onread };
    let socket: Socket;
    try {
      socket = target.plain
        ? net.connect(where)
        : tls.connect({
            ...where,
            ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
            ...(net.isIP(target.host) === 0 ? { servername: target.host } : {}),
          });
    } catch (e) {
      fail(e);
      return;
    }
    exchange.attach(socket);
    socket.on('error', fail);
    socket.once('close', () => fail(new Error('the connection closed before a response')));
    deadline.watch(fail);
    socket.once(target.plain ? 'connect' : 'secureConnect', () => {
      clearTimeout(connectTimer);
      // The address actually connected is judged again, before a byte is sent.
      const remote = socket.remoteAddress;
      const refusal = remote === undefined ? 'no remote address' : addressRefusal(remote, allowPrivate, loopbackOk, allowList);
      if (refusal) {
        fail(fetchError('FETCH_ADDRESS_REFUSED', `connected to ${target.url.host} at ${refusal}`));
        return;
      }
      headerTimer = setTimeout(
        () => fail(fetchError('FETCH_TIMEOUT', `${target.url.href} sent no response headers within ${opts.readTimeoutMs} ms`)),
        opts.readTimeoutMs,
      );
      try {
        exchange.send(target.url.host, target.url.pathname, { accept: '*/*', 'accept-encoding': 'identity', 'user-agent': opts.userAgent ?? 'lattice-index' });
      } catch (e) {
        fail(e); // a field that is not valid HTTP (a user agent with a line break): refused, never sent
        return;
      }
      exchange.response().then((head) => {
        if (settled) return;
        settled = true;
        clearTimeout(headerTimer);
        resolvePromise({ status: head.status, headers: head.headers, exchange });
      }, fail);
    });
  });
}

/**
 * The body as chunks: cap on every chunk, read timeout per wait, progress,
 * length check. The read timeout runs only while this generator waits for
 * the next chunk (one timer, re-armed; time the consumer spends between
 * chunks does not count — a slow disk is not a stalled server).
 */
async function* streamBody(
  res: Response,
  url: string,
  request: FetchRequest,
  contentLength: number | undefined,
  readTimeoutMs: number,
  deadline: FetchDeadline,
): AsyncGenerator<Uint8Array> {
  const exchange = res.exchange;
  let received = 0;
  let waiting = false;
  let timedOut: LatticeIndexError | undefined;
  deadline.watch((e) => {
    timedOut = e;
    exchange.destroy(e);
  });
  const timer = setTimeout(function onTimeout() {
    if (!waiting) {
      timer.refresh();
      return;
    }
    timedOut = fetchError('FETCH_TIMEOUT', `${request.purpose} at ${url}: no data for ${readTimeoutMs} ms`);
    exchange.destroy(timedOut);
  }, readTimeoutMs);
  try {
    for (;;) {
      waiting = true;
      timer.refresh();
      let chunk: Uint8Array | undefined;
      try {
        chunk = await exchange.read();
      } catch (e) {
        throw timedOut ?? toFetchError(e, url, request.purpose);
      } finally {
        waiting = false;
      }
      if (chunk === undefined) break;
      received += chunk.length;
      if (received > request.maxBytes) {
        throw fetchError('FETCH_TOO_LARGE', `${request.purpose} at ${url} exceeds the cap of ${request.maxBytes} bytes`);
      }
      deadline.checkRate(received);
      request.onProgress?.(received, contentLength);
      yield chunk;
    }
    if (timedOut) throw timedOut;
    if (!exchange.complete || (contentLength !== undefined && received !== contentLength)) {
      throw fetchError('FETCH_FAILED', `${request.purpose} at ${url} ended after ${received} of ${contentLength ?? 'unknown'} bytes`);
    }
  } finally {
    clearTimeout(timer);
    deadline.end();
    exchange.destroy();
  }
}

function toFetchError(e: unknown, url: string, purpose: string): LatticeIndexError {
  if (e instanceof LatticeIndexError) return e;
  const err = e as NodeJS.ErrnoException;
  return fetchError('FETCH_FAILED', `fetching the ${purpose} at ${url} failed: ${err?.code ? `${err.code} ` : ''}${err?.message ?? String(e)}`);
}

// ---- helpers for callers ------------------------------------------------------------------

/**
 * Fetch a whole (small) document into memory.
 *
 * @param fetcher - any fetcher.
 * @param url - the URL.
 * @param request - cap and purpose.
 * @returns the bytes.
 * @throws a coded fetch error.
 * @example
 * ```ts
 * const indexBytes = await fetchBytes(fetcher, url, { maxBytes: policy.limits.maxIndexBytes, purpose: 'index' });
 * ```
 */
export async function fetchBytes(fetcher: InstallFetcher, url: string, request: FetchRequest): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let n = 0;
  const res = await fetcher.fetch(url, request);
  for await (const c of res.body) {
    n += c.length;
    if (n > request.maxBytes) throw fetchError('FETCH_TOO_LARGE', `${request.purpose} at ${url} exceeds the cap of ${request.maxBytes} bytes`);
    chunks.push(Uint8Array.from(c));
    res.release?.(c);
  }
  return concatBytes(chunks, n);
}

/**
 * Stream a URL through SHA-256 (`node:crypto`) into an optional sink.
 *
 * @param fetcher - any fetcher.
 * @param url - the URL.
 * @param request - cap and purpose.
 * @param sink - receives each chunk after it is hashed.
 * @returns byte count and lowercase hex digest.
 * @throws a coded fetch error, or what `sink` throws.
 * @example
 * ```ts
 * const { bytes, sha256Hex } = await fetchAndHash(fetcher, url, { maxBytes, purpose: 'artifact' });
 * ```
 */
export async function fetchAndHash(
  fetcher: InstallFetcher,
  url: string,
  request: FetchRequest,
  sink?: (chunk: Uint8Array) => void | Promise<void>,
): Promise<{ bytes: number; sha256Hex: string }> {
  const hash = createSha256Node();
  let n = 0;
  const res = await fetcher.fetch(url, request);
  for await (const c of res.body) {
    n += c.length;
    if (n > request.maxBytes) throw fetchError('FETCH_TOO_LARGE', `${request.purpose} at ${url} exceeds the cap of ${request.maxBytes} bytes`);
    hash.update(c);
    if (sink) await sink(c);
    else res.release?.(c); // hashed: nothing reads it any more (a sink may keep it)
  }
  return { bytes: n, sha256Hex: hash.digestHex() };
}
