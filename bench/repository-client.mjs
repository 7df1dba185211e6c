// Child process of bench/repository.bench.mjs: one install's index step from
// repository v2 — the client workflow from a pinned root (stored metadata in
// STORE_DIR when there is some) plus the plugin's target, read into the
// install pipeline's verified index — or, with MODE=v1, index v1's whole-file
// verification. Prints one JSON line: `ms`, the step end to end (HTTP, the
// trusted metadata folder); `verifyMs`, the same client workflow again on
// the bytes already fetched with an in-memory trust store (verification
// alone, as v1's number is); and the process's peak RSS. Modules are loaded
// before any clock starts.
//
//   node bench/repository-client.mjs v2 REPO_URL ROOT_FILE PLUGIN_ID STORE_DIR
//   node bench/repository-client.mjs v1 INDEX_FILE
import { readFileSync } from 'node:fs';

/**
 * Peak RSS of this process in KiB: VmHWM of /proc/self/status (reset by
 * exec) where there is one — getrusage's maxrss survives exec on Linux and
 * would report the forking parent's peak.
 */
function peakRssKiB() {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

const DIST = new URL('../dist/', import.meta.url);
const [mode, ...args] = process.argv.slice(2);

if (mode === 'v2') {
  const [repoUrl, rootFile, pluginId, storeDir] = args;
  const [{ openPinnedClient, repositoryIndexSource }, { createHttpsFetcher }, t, { DEFAULT_INSTALL_LIMITS, parseInstallPolicy, starterInstallPolicy }, { nodeTufVerifier }] = await Promise.all([
    import(new URL('domain/repository/install-source.js', DIST)),
    import(new URL('io/fetch.js', DIST)),
    import(new URL('io/repository-transport.js', DIST)),
    import(new URL('domain/install/policy.js', DIST)),
    import(new URL('io/tuf-verifier.js', DIST)),
  ]);
  const root = readFileSync(rootFile);
  const fetcher = createHttpsFetcher({ ...DEFAULT_INSTALL_LIMITS, maxRedirects: 0, allowPrivateAddresses: false, allowLoopbackHttp: true });
  const policy = parseInstallPolicy({ value: starterInstallPolicy({ indexKeys: ['A'.repeat(43) + '='], serverVersion: '0.2.2', platform: 'linux/amd64' }) });
  if (!policy.ok) throw policy.error;
  const load = async (transport, store, targetCache) => {
    const source = repositoryIndexSource({
      label: repoUrl,
      open: () => openPinnedClient({ transport, store, ...(targetCache ? { targetCache } : {}), now: Date.now(), verifier: nodeTufVerifier, pin: { kind: 'file', bytes: root, label: 'root' } }),
    });
    const r = await source.load({ pluginId, policy: policy.policy, now: Date.now(), host: policy.policy.host });
    if (!r.ok) throw r.error;
    return r;
  };
  // 1. The index step as an install runs it: HTTP, the trusted metadata folder (atomic, fsynced writes).
  const seen = new Map();
  const http = t.httpRepositoryTransport(fetcher, t.repositoryUrls(repoUrl));
  const recording = {
    fetchMetadata: async (n, max) => { const b = await http.fetchMetadata(n, max); seen.set(`m:${n}`, b); return b; },
    fetchTarget: async (p, max) => { const b = await http.fetchTarget(p, max); seen.set(`t:${p}`, b); return b; },
  };
  let t0 = performance.now();
  const r = await load(recording, t.dirMetadataStore(storeDir), t.dirTargetCache(storeDir));
  const wallMs = performance.now() - t0;
  // 2. The verification alone: the same bytes from memory, a fresh in-memory trust store (the whole client workflow and the plugin target's checks).
  const { fetchError } = await import(new URL('domain/install/transport.js', DIST));
  const memTransport = {
    fetchMetadata: async (n) => { const b = seen.get(`m:${n}`); if (!b) throw fetchError('FETCH_NOT_FOUND', n); return b; },
    fetchTarget: async (p) => seen.get(`t:${p}`),
  };
  let verifyMs = NaN;
  if (seen.has('m:timestamp.json') && [...seen.keys()].some((k) => k.startsWith('t:'))) {
    t0 = performance.now();
    await load(memTransport, t.memoryMetadataStore());
    verifyMs = performance.now() - t0;
  }
  process.stdout.write(JSON.stringify({ ms: wallMs, verifyMs, maxRssKiB: peakRssKiB(), plugin: r.verified.index.plugins[0].id }) + '\n');
} else if (mode === 'v1') {
  const [indexFile] = args;
  const { verifyIndex } = await import(new URL('domain/index/verify.js', DIST));
  const t0 = performance.now();
  const bytes = readFileSync(indexFile);
  const r = verifyIndex(bytes, { keys: [], threshold: 1 }, { now: Date.now(), allowDraft: true, maxBytes: 1 << 30 });
  const ms = performance.now() - t0;
  if (!r.ok) throw r.error;
  process.stdout.write(JSON.stringify({ ms, maxRssKiB: peakRssKiB(), bytes: bytes.length }) + '\n');
} else {
  throw new Error('usage: repository-client.mjs v2 URL ROOT PLUGIN STORE | v1 INDEX');
}
