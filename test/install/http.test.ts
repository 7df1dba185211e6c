/**
 * The real fetcher (src/io/fetch.ts) against real HTTP servers on 127.0.0.1
 * (plain HTTP under the explicit test option `allowLoopbackHttp`), and the
 * fetch-level attacks of DESIGN §5 through `runInstall`, each asserting the
 * code AND an unchanged plugin directory. Private-address refusal is tested
 * through an injected resolver, never real DNS.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PolicyError, VerificationError } from '../../src/core/errors.js';
import { sha256Hex } from '../../src/crypto/index.js';
import { checkFetchUrl, classifyAddress, createHttpsFetcher, fetchAndHash, fetchBytes, type HttpsFetcherOptions, type Resolver } from '../../src/io/fetch.js';
import { runInstall } from '../../src/io/install.js';
import type { InstallFetcher } from '../../src/domain/install/transport.js';
import { InstallEnv, InstallRepo, NOW, policyDoc, policyFrom, snapshotDir } from './harness.js';
import { hostile, startSilentServer, startTestServer, type TestServer } from './http-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const BASE_OPTS: HttpsFetcherOptions = { connectTimeoutMs: 1000, readTimeoutMs: 400, maxRedirects: 2, allowPrivateAddresses: false, allowLoopbackHttp: true };

function fetcher(extra: Partial<HttpsFetcherOptions> = {}): InstallFetcher {
  return createHttpsFetcher({ ...BASE_OPTS, ...extra });
}

/** A resolver from a table; unknown names fail like DNS. */
function table(map: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const r = async (name: string) => {
    calls.push(name);
    const list = map[name];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(r, { calls });
}

async function codeOf(p: Promise<unknown>): Promise<{ cls: string; code: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { constructor: { name: string }; code?: string };
    return { cls: err.constructor.name, code: err.code ?? 'none' };
  }
  return { cls: 'none', code: 'resolved' };
}

describe('fetcher: transfers', () => {
  it('streams a body with its SHA-256 (loopback HTTP under the test option)', async () => {
    const body = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
    server.files.set('/ok.bin', body);
    const r = await fetchAndHash(fetcher(), `${server.base}/ok.bin`, { maxBytes: 1 << 20, purpose: 'artifact' });
    expect(r).toEqual({ bytes: body.length, sha256Hex: sha256Hex(body) });
    expect(Buffer.from(await fetchBytes(fetcher(), `${server.base}/ok.bin`, { maxBytes: 1 << 20, purpose: 'artifact' })).equals(Buffer.from(body))).toBe(true);
  });

  it('reports progress with the declared total', async () => {
    server.files.set('/p.bin', new Uint8Array(100_000));
    const seen: [number, number | undefined][] = [];
    await fetchBytes(fetcher(), `${server.base}/p.bin`, { maxBytes: 1 << 20, purpose: 'artifact', onProgress: (n, t) => seen.push([n, t]) });
    expect(seen.at(-1)).toEqual([100_000, 100_000]);
  });

  it('follows a redirect within the same rules', async () => {
    server.files.set('/target.bin', Uint8Array.of(1, 2, 3));
    server.routes.set('/hop', hostile.redirect('/target.bin'));
    expect(await fetchBytes(fetcher(), `${server.base}/hop`, { maxBytes: 10, purpose: 'manifest' })).toEqual(Uint8Array.of(1, 2, 3));
  });
});

describe('fetcher: refusals', () => {
  it('only https; plain http only to loopback and only under the test option', async () => {
    expect(await codeOf(fetcher({ allowLoopbackHttp: false }).fetch(`http://127.0.0.1:${server.port}/ok.bin`, { maxBytes: 10, purpose: 'index' }))).toEqual({ cls: 'PolicyError', code: 'FETCH_URL_REFUSED' });
    expect(await codeOf(fetcher().fetch('http://example.org/x', { maxBytes: 10, purpose: 'index' }))).toEqual({ cls: 'PolicyError', code: 'FETCH_URL_REFUSED' });
    expect(await codeOf(fetcher().fetch('ftp://example.org/x', { maxBytes: 10, purpose: 'index' }))).toEqual({ cls: 'PolicyError', code: 'FETCH_URL_REFUSED' });
  });

  it('no userinfo, query or fragment (not even a bare ? or #)', () => {
    for (const u of ['https://u:p@example.org/x', 'https://u@example.org/x', 'https://example.org/x?a=1', 'https://example.org/x?', 'https://example.org/x#f', 'https://example.org/x#', 'https:///x', 'https://exa mple.org/']) {
      expect(checkFetchUrl(u).ok, u).toBe(false);
    }
    expect(checkFetchUrl('https://example.org/plugins/x.tar.gz').ok).toBe(true);
  });

  it('without the test option a loopback literal is refused before connecting', async () => {
    const before = server.requests.length;
    expect(await codeOf(fetcher({ allowLoopbackHttp: false }).fetch(`https://127.0.0.1:${server.port}/ok.bin`, { maxBytes: 10, purpose: 'index' }))).toEqual({ cls: 'PolicyError', code: 'FETCH_ADDRESS_REFUSED' });
    expect(server.requests.length).toBe(before);
  });

  it('Content-Length above the cap is refused before reading; a chunked body is cut at the cap', async () => {
    server.files.set('/big.bin', new Uint8Array(5000));
    expect(await codeOf(fetcher().fetch(`${server.base}/big.bin`, { maxBytes: 4999, purpose: 'artifact' }))).toEqual({ cls: 'VerificationError', code: 'FETCH_TOO_LARGE' });
    server.routes.set('/endless', hostile.chunked(4 << 20));
    expect(await codeOf(fetchBytes(fetcher(), `${server.base}/endless`, { maxBytes: 100_000, purpose: 'artifact' }))).toEqual({ cls: 'VerificationError', code: 'FETCH_TOO_LARGE' });
  });

  it('stalled body, stalled headers and a silent TLS peer time out', async () => {
    server.routes.set('/stall-body', hostile.stallBody());
    server.routes.set('/stall-headers', hostile.stallHeaders());
    expect(await codeOf(fetchBytes(fetcher(), `${server.base}/stall-body`, { maxBytes: 1 << 20, purpose: 'artifact' }))).toEqual({ cls: 'VerificationError', code: 'FETCH_TIMEOUT' });
    expect(await codeOf(fetcher().fetch(`${server.base}/stall-headers`, { maxBytes: 1 << 20, purpose: 'artifact' }))).toEqual({ cls: 'VerificationError', code: 'FETCH_TIMEOUT' });
    const silent = await startSilentServer();
    try {
      const f = fetcher({ allowLoopbackHttp: false, allowPrivateAddresses: true, connectTimeoutMs: 300 });
      expect(await codeOf(f.fetch(`https://127.0.0.1:${silent.port}/x`, { maxBytes: 10, purpose: 'index' }))).toEqual({ cls: 'VerificationError', code: 'FETCH_TIMEOUT' });
    } finally {
      await silent.close();
    }
  });

  it('redirects: to http, too many, to a URL with a query — refused', async () => {
    server.routes.set('/to-http', hostile.redirect('http://example.org/x'));
    server.routes.set('/loop', hostile.redirect('/loop'));
    server.routes.set('/to-query', hostile.redirect('/x?y=1'));
    for (const p of ['/to-http', '/loop', '/to-query']) {
      expect(await codeOf(fetcher().fetch(`${server.base}${p}`, { maxBytes: 10, purpose: 'manifest' })), p).toEqual({ cls: 'PolicyError', code: 'FETCH_REDIRECT_REFUSED' });
    }
  });

  it('redirect to a name that resolves to a private address', async () => {
    server.routes.set('/to-internal', hostile.redirect('https://internal.test/secret'));
    const resolve = table({ 'internal.test': ['10.0.0.1'] });
    expect(await codeOf(fetcher({ resolve }).fetch(`${server.base}/to-internal`, { maxBytes: 10, purpose: 'manifest' }))).toEqual({ cls: 'PolicyError', code: 'FETCH_ADDRESS_REFUSED' });
    expect(resolve.calls).toEqual(['internal.test']);
  });

  it('DNS to private, loopback and link-local addresses is refused before connecting (IPv4, IPv6, mapped)', async () => {
    const names: Record<string, string[]> = {
      'a.test': ['10.0.0.1'],
      'b.test': ['127.0.0.1'],
      'c.test': ['::1'],
      'd.test': ['169.254.169.254'],
      'e.test': ['::ffff:10.0.0.1'],
      'f.test': ['fd00::1'],
      'g.test': ['fe80::1'],
      'h.test': ['100.64.1.1'],
      'i.test': ['0.0.0.0'],
      'j.test': ['93.184.216.34', '192.168.1.1'], // one bad address is enough
    };
    const resolve = table(names);
    const before = server.requests.length;
    for (const name of Object.keys(names)) {
      const f = fetcher({ allowLoopbackHttp: false, resolve });
      expect(await codeOf(f.fetch(`https://${name}/x`, { maxBytes: 10, purpose: 'artifact' })), name).toEqual({ cls: 'PolicyError', code: 'FETCH_ADDRESS_REFUSED' });
    }
    expect(server.requests.length).toBe(before);
    // Under the test option loopback is allowed only for loopback hosts, never for a name.
    expect(await codeOf(fetcher({ resolve }).fetch('https://b.test/x', { maxBytes: 10, purpose: 'artifact' }))).toEqual({ cls: 'PolicyError', code: 'FETCH_ADDRESS_REFUSED' });
  });

  it('a private address is allowed when the policy allows it', async () => {
    server.files.set('/priv.bin', Uint8Array.of(9));
    const resolve = table({ 'mirror.internal': ['127.0.0.1'] });
    const f = fetcher({ allowLoopbackHttp: false, allowPrivateAddresses: true, resolve });
    // https to a plain-HTTP server: the TLS handshake fails, which proves the connection was allowed.
    expect(await codeOf(f.fetch(`https://mirror.internal:${server.port}/priv.bin`, { maxBytes: 10, purpose: 'artifact' }))).toEqual({ cls: 'VerificationError', code: 'FETCH_FAILED' });
  });

  it('non-200 statuses and content encodings are refused', async () => {
    server.routes.set('/404', hostile.status(404));
    server.routes.set('/gz', hostile.gzip());
    expect(await codeOf(fetcher().fetch(`${server.base}/404`, { maxBytes: 10, purpose: 'artifact' }))).toEqual({ cls: 'VerificationError', code: 'FETCH_NOT_FOUND' });
    expect(await codeOf(fetcher().fetch(`${server.base}/gz`, { maxBytes: 10, purpose: 'artifact' }))).toEqual({ cls: 'VerificationError', code: 'FETCH_FAILED' });
  });
});

describe('fetcher: slow retrieval (TUF) — the whole fetch has a deadline and a rate floor', () => {
  const body = new Uint8Array(400).fill(0x61);
  it('a server trickling one byte every 60 ms never trips the 400 ms read timeout, but fails the rate floor after its grace period (FETCH_TOO_SLOW)', async () => {
    server.routes.set('/trickle-rate', hostile.trickle(body, 60));
    try {
      const started = Date.now();
      const r = await codeOf(fetchBytes(fetcher({ minBytesPerSecond: 100, minRateGraceMs: 300 }), `${server.base}/trickle-rate`, { maxBytes: 1 << 20, purpose: 'artifact' }));
      expect(r).toEqual({ cls: 'VerificationError', code: 'FETCH_TOO_SLOW' });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      server.routes.delete('/trickle-rate');
    }
  });
  it('with the floor off, the deadline ends it (FETCH_TIMEOUT), headers and body counted together', async () => {
    server.routes.set('/trickle-deadline', hostile.trickle(body, 60));
    try {
      const started = Date.now();
      const r = await codeOf(fetchBytes(fetcher({ minBytesPerSecond: 0, fetchDeadlineMs: 500 }), `${server.base}/trickle-deadline`, { maxBytes: 1 << 20, purpose: 'artifact' }));
      expect(r).toEqual({ cls: 'VerificationError', code: 'FETCH_TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      server.routes.delete('/trickle-deadline');
    }
  });
  it('a deadline also covers a server that never sends headers within it', async () => {
    server.routes.set('/stall-deadline', hostile.stallHeaders());
    try {
      const r = await codeOf(fetchBytes(fetcher({ readTimeoutMs: 5000, fetchDeadlineMs: 300 }), `${server.base}/stall-deadline`, { maxBytes: 1 << 20, purpose: 'index' }));
      expect(r).toEqual({ cls: 'VerificationError', code: 'FETCH_TIMEOUT' });
    } finally {
      server.routes.delete('/stall-deadline');
    }
  });
  it('the honest variant: a fast body passes the same floor and deadline', async () => {
    server.files.set('/fast.bin', new Uint8Array(200_000).fill(0x62));
    const bytes = await fetchBytes(fetcher({ minBytesPerSecond: 100, minRateGraceMs: 300, fetchDeadlineMs: 2000 }), `${server.base}/fast.bin`, { maxBytes: 1 << 20, purpose: 'artifact' });
    expect(bytes.length).toBe(200_000);
  });
});

describe('classifyAddress (IANA special-purpose registries)', () => {
  // Source: IANA IPv4/IPv6 Special-Purpose Address Registries (RFC 6890 and updates).
  const cases: [string, string][] = [
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['0.1.2.3', 'unusable'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'private'],
    ['100.128.0.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.0.0.8', 'special'],
    ['192.0.2.1', 'special'],
    ['192.168.255.1', 'private'],
    ['198.18.0.1', 'special'],
    ['198.51.100.7', 'special'],
    ['203.0.113.9', 'special'],
    ['224.0.0.1', 'unusable'],
    ['255.255.255.255', 'unusable'],
    ['::', 'unusable'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:8.8.8.8', 'public'],
    ['::ffff:169.254.1.1', 'link-local'],
    ['64:ff9b::a00:1', 'private'],
    ['64:ff9b::808:808', 'public'],
    ['2002:c0a8:0101::1', 'private'],
    ['2001:db8::1', 'special'],
    ['2001::1', 'special'],
    ['fc00::1', 'private'],
    ['fdff::1', 'private'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'unusable'],
    ['2606:4700::1111', 'public'],
    ['fe80::1%eth0', 'unusable'],
    ['example.org', 'unusable'],
  ];
  it.each(cases)('%s → %s', (ip, kind) => {
    expect(classifyAddress(ip).kind).toBe(kind);
  });
});

describe('install attacks over HTTP (code AND unchanged plugin directory)', () => {
  let env: InstallEnv;
  let before: string[];
  let repo: InstallRepo;
  beforeEach(() => {
    env = new InstallEnv();
    before = snapshotDir(env.pluginDir);
    repo = new InstallRepo(server.base);
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    for (const [url, bytes] of repo.files) server.files.set(new URL(url).pathname, bytes);
  });
  afterEach(() => {
    for (const url of repo.files.keys()) server.routes.delete(new URL(url).pathname);
    env.cleanup();
  });

  const path = (kind: 'manifest' | 'artifact'): string => new URL(kind === 'manifest' ? repo.plugins[0]!.releases[0]!.manifest_url : repo.plugins[0]!.releases[0]!.artifact_url).pathname;

  async function run(f: InstallFetcher) {
    return runInstall({
      policy: policyFrom(policyDoc()),
      policyDir: env.policyDir,
      indexSource: env.indexFile(repo.publish()),
      pluginId: 'acme.hello',
      pluginDir: env.pluginDir,
      fetcher: f,
      now: NOW,
      approve: () => true,
    });
  }

  async function expectRefused(f: InstallFetcher, cls: typeof PolicyError | typeof VerificationError, code: string, step: string) {
    const report = await run(f);
    expect(report.result.ok).toBe(false);
    if (report.result.ok) return;
    expect(report.result.error).toBeInstanceOf(cls);
    expect(report.result.error.code).toBe(code);
    expect(report.result.steps.at(-1)).toMatchObject({ step, ok: false });
    expect(snapshotDir(env.pluginDir)).toEqual(before);
  }

  it('installs over HTTP (baseline)', async () => {
    const report = await run(fetcher());
    expect(report.result.ok).toBe(true);
    expect(report.placed?.path.endsWith('acme.hello.plugin')).toBe(true);
  });

  it('stalled server (timeout)', async () => {
    server.routes.set(path('artifact'), hostile.stallBody());
    await expectRefused(fetcher(), VerificationError, 'FETCH_TIMEOUT', 'artifact');
  });

  it('slow retrieval of the artifact: refused (FETCH_TOO_SLOW), stage removed, plugin directory unchanged', async () => {
    const artifact = repo.files.get(repo.plugins[0]!.releases[0]!.artifact_url)!;
    server.routes.set(path('artifact'), hostile.trickle(artifact, 50));
    await expectRefused(fetcher({ minBytesPerSecond: 200, minRateGraceMs: 250 }), VerificationError, 'FETCH_TOO_SLOW', 'artifact');
  });

  it('the policy carries the deadline and the floor to the fetcher (limits.fetch_deadline_ms)', async () => {
    const { fetcherOptionsFromLimits } = await import('../../src/io/fetch.js');
    const doc = policyDoc();
    doc.limits.fetch_deadline_ms = 400;
    doc.limits.min_bytes_per_second = 0;
    const artifact = repo.files.get(repo.plugins[0]!.releases[0]!.artifact_url)!;
    server.routes.set(path('artifact'), hostile.trickle(artifact, 50));
    const policy = policyFrom(doc);
    const f = createHttpsFetcher(fetcherOptionsFromLimits(policy.limits, { allowLoopbackHttp: true }));
    await expectRefused(f, VerificationError, 'FETCH_TIMEOUT', 'artifact');
  });

  it('redirect to http', async () => {
    server.routes.set(path('manifest'), hostile.redirect('http://example.org/manifest.json'));
    await expectRefused(fetcher(), PolicyError, 'FETCH_REDIRECT_REFUSED', 'manifest');
  });

  it('redirect to a private address', async () => {
    server.routes.set(path('artifact'), hostile.redirect('https://internal.test/bundle.tar.gz'));
    await expectRefused(fetcher({ resolve: table({ 'internal.test': ['192.168.0.10'] }) }), PolicyError, 'FETCH_ADDRESS_REFUSED', 'artifact');
  });

  it('DNS to a private address', async () => {
    // The index names a CDN host; its DNS answer is the cloud metadata address.
    repo = new InstallRepo('https://cdn.example.test');
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    await expectRefused(fetcher({ resolve: table({ 'cdn.example.test': ['169.254.169.254'] }) }), PolicyError, 'FETCH_ADDRESS_REFUSED', 'manifest');
  });

  it('oversized artifact over HTTP', async () => {
    const big = new Uint8Array(2 * 1024 * 1024);
    server.routes.set(path('artifact'), (_req, res) => {
      res.writeHead(200);
      res.end(Buffer.from(big));
    });
    await expectRefused(fetcher(), VerificationError, 'FETCH_TOO_LARGE', 'artifact');
  });
});
