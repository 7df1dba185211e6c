// Repository v2 (issue 13) on synthetic catalogs of 1k / 10k / 100k plugins
// (bench/synthetic-index.mjs), against index v1 and python-tuf measured in
// the same run. Goals (issue 13 "Benchmark"):
//
// - cold install of one plugin, metadata + targets: ≤ 128 KiB in ≤ 6 requests
//   at 100k; warm (nothing changed): only the timestamp (≤ 2 KiB). Peer: v1
//   (one request, the whole plugins.json). Counted by the server: every
//   request and every body byte. The root probe (`N+1.root.json`, a 404 the
//   TUF client workflow always makes) is listed apart.
// - client verify time ≤ 100 ms and peak RSS < 96 MiB at 100k, flat as the
//   catalog grows (a fresh child process per run; the modules are loaded
//   before the clock starts). Peer: v1's verifyIndex of the whole file.
// - repo publish: full, and incremental after a one-plugin change (≤ 10 % of
//   full, ≤ 6 files rewritten).
// - the same cold install through python-tuf 7's client (its Updater:
//   refresh + get_targetinfo + download_target), as the peer.
//
// The repository is served over plain HTTP on 127.0.0.1 (the fetcher's
// TEST-ONLY loopback option; python-tuf speaks plain HTTP too): TLS would
// cost the same for every client. Usage: `node bench/repository.bench.mjs
// [1k,10k,100k]` after `npm run build`, or `export default run` for
// bench/run.mjs.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { syntheticIndex } from './synthetic-index.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const exec = promisify(execFile);
const KiB = 1024;
const MiB = 1024 * 1024;
const SIZES = [
  { n: 1_000, label: '1k' },
  { n: 10_000, label: '10k' },
  { n: 100_000, label: '100k' },
];
const PYTHONPATH = process.env.LATTICE_PYTHON_TUF_DIR ?? path.join(ROOT, '.lattice/test-deps/python-tuf/usr/lib/python3/dist-packages');

async function lib() {
  const m = (p) => import(new URL(`../dist/${p}`, import.meta.url).href);
  const [dir, keys, sha] = await Promise.all([m('io/repository-dir.js'), m('domain/repository/keys.js'), m('crypto/index.js')]);
  return { ...dir, ...keys, ...sha };
}

/** A static server over a folder, counting requests and body bytes. */
async function serve(dir) {
  const log = [];
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(req.url ?? '/');
    const file = path.join(dir, p);
    if (!file.startsWith(dir + path.sep)) return res.writeHead(403).end();
    let body;
    try {
      body = readFileSync(file);
    } catch {
      log.push({ path: p, status: 404, bytes: 0 });
      return res.writeHead(404).end();
    }
    log.push({ path: p, status: 200, bytes: body.length });
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { log, base: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/** Requests and bytes since `from`, the root probe apart. */
function traffic(log, from) {
  const part = log.slice(from);
  const probe = part.filter((e) => /\/metadata\/\d+\.root\.json$/.test(e.path) && e.status === 404);
  const rest = part.filter((e) => !probe.includes(e));
  return { requests: rest.length, bytes: rest.reduce((a, e) => a + e.bytes, 0), probe: probe.length, paths: rest.map((e) => e.path) };
}

async function child(args) {
  const { stdout } = await exec(process.execPath, [path.join(ROOT, 'bench/repository-client.mjs'), ...args], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop());
}

const fmtB = (b) => (b >= MiB ? `${(b / MiB).toFixed(1)} MiB` : b >= KiB ? `${(b / KiB).toFixed(1)} KiB` : `${b} B`);
const ok = (cond) => (cond ? 'ok' : 'MISSED');

async function one(L, { n, label }, work) {
  const dir = path.join(work, label);
  const index = path.join(dir, 'index');
  mkdirSync(path.join(index, 'plugins'), { recursive: true });
  mkdirSync(path.join(index, 'publishers'), { recursive: true });
  const idx = syntheticIndex(n, 7);
  for (const p of idx.publishers) writeFileSync(path.join(index, 'publishers', `${p.id}.json`), JSON.stringify(p, null, 2) + '\n');
  for (const p of idx.plugins) writeFileSync(path.join(index, 'plugins', `${p.id}.json`), JSON.stringify(p, null, 2) + '\n');
  const v1File = path.join(dir, 'plugins.json');
  writeFileSync(v1File, JSON.stringify(idx, null, 2) + '\n');

  const repo = path.join(dir, 'www/repository');
  const online = L.ed25519Signer(L.sha256(new TextEncoder().encode('bench online key')));
  const rootKey = L.ed25519Signer(L.sha256(new TextEncoder().encode('bench root key')));
  await L.initRepositoryDir({ repoDir: repo, rootSigners: [rootKey], rootThreshold: 1, signers: { online }, now: Date.now() });
  const cache = path.join(dir, 'publish-cache.json');
  let t0 = performance.now();
  const full = await L.publishRepository({ repoDir: repo, indexDir: index, signers: { online }, now: Date.now(), cacheFile: cache, displayRoot: dir });
  const fullMs = performance.now() - t0;
  // One plugin changes.
  const victim = idx.plugins[Math.floor(n / 2)];
  writeFileSync(path.join(index, 'plugins', `${victim.id}.json`), JSON.stringify({ ...victim, summary: 'Changed for the benchmark.' }, null, 2) + '\n');
  t0 = performance.now();
  const inc = await L.publishRepository({ repoDir: repo, indexDir: index, signers: { online }, now: Date.now() + 1000, cacheFile: cache, displayRoot: dir });
  const incMs = performance.now() - t0;
  const incFiles = inc.applied.metadata.length + inc.applied.targetsWritten;

  const server = await serve(path.join(dir, 'www'));
  const url = `${server.base}/repository`;
  const rootFile = path.join(repo, 'metadata/1.root.json');
  const plugin = idx.plugins[Math.floor(n / 3)].id;
  try {
    // Cold and warm, ours (fresh child processes).
    const store = path.join(dir, 'store');
    let from = server.log.length;
    const cold = await child(['v2', url, rootFile, plugin, store]);
    const coldNet = traffic(server.log, from);
    from = server.log.length;
    const warm = await child(['v2', url, rootFile, plugin, store]);
    const warmNet = traffic(server.log, from);
    // v1 peer: the whole file, verified.
    const v1 = await child(['v1', v1File]);
    // python-tuf peer: the same cold install (refresh + the plugin's target).
    let py;
    try {
      from = server.log.length;
      const pyDir = path.join(dir, 'py');
      const t = performance.now();
      const { stdout } = await exec('/usr/bin/python3', [path.join(ROOT, 'test/repository/python/tuf_client.py'), '--metadata-url', `${url}/metadata`, '--targets-url', `${url}/targets`, '--root', rootFile, '--metadata-dir', path.join(pyDir, 'md'), '--target-dir', path.join(pyDir, 't'), `plugins/${plugin}.json`], { env: { PATH: process.env.PATH, PYTHONPATH, PYTHONDONTWRITEBYTECODE: '1' } });
      const wall = performance.now() - t;
      py = { ...traffic(server.log, from), seconds: JSON.parse(stdout).seconds, wallMs: wall };
    } catch (e) {
      py = { error: String(e.stderr || e.message).split('\n')[0] };
    }
    return { label, n, v1Bytes: statSync(v1File).size, fullMs, fullReason: full.reason, bins: full.plan.bins, incMs, incMode: inc.mode, incFiles, cold, coldNet, warm, warmNet, v1, py };
  } finally {
    await server.close();
  }
}

export default async function run() {
  const L = await lib();
  const only = (process.argv[2] ?? '').split(',').filter(Boolean);
  const sizes = SIZES.filter((s) => only.length === 0 || only.includes(s.label));
  const work = mkdtempSync(path.join(os.tmpdir(), 'lattice-bench-repo-'));
  const rows = [];
  try {
    for (const s of sizes) {
      const r = await one(L, s, work);
      rows.push(r);
      rmSync(path.join(work, s.label), { recursive: true, force: true });
      console.log(`\n-- ${r.label} plugins (${r.bins} bins)`);
      console.log(`cold install, ours:      ${r.coldNet.requests} requests, ${fmtB(r.coldNet.bytes)} (+${r.coldNet.probe} root probe)   v1: 1 request, ${fmtB(r.v1Bytes)}   → ${(r.v1Bytes / r.coldNet.bytes).toFixed(0)}× fewer bytes`);
      console.log(`   requests: ${r.coldNet.paths.map((p) => p.replace(/[0-9a-f]{64}/, 'H').replace('/repository/', '')).join(' ')}`);
      if (r.py.error) console.log(`cold install, python-tuf: failed: ${r.py.error}`);
      else console.log(`cold install, python-tuf: ${r.py.requests} requests, ${fmtB(r.py.bytes)} (+${r.py.probe} root probe), ${(r.py.seconds * 1000).toFixed(0)} ms in its client (${r.py.wallMs.toFixed(0)} ms with the interpreter)`);
      console.log(`warm install, ours:      ${r.warmNet.requests} request(s), ${fmtB(r.warmNet.bytes)} (+${r.warmNet.probe} root probe): ${r.warmNet.paths.join(' ')}`);
      console.log(`client verify:           ours ${r.cold.verifyMs.toFixed(1)} ms (the workflow on the fetched bytes), peak RSS ${(r.cold.maxRssKiB / 1024).toFixed(1)} MiB   v1 verifyIndex ${r.v1.ms.toFixed(0)} ms, peak RSS ${(r.v1.maxRssKiB / 1024).toFixed(0)} MiB`);
      console.log(`index step end to end:   ours ${r.cold.ms.toFixed(1)} ms cold, ${r.warm.ms.toFixed(1)} ms warm (HTTP on loopback, trusted metadata written atomically with fsync)`);
      console.log(`repo publish:            full ${(r.fullMs / 1000).toFixed(1)} s, incremental (${r.incMode}) ${(r.incMs / 1000).toFixed(2)} s = ${((100 * r.incMs) / r.fullMs).toFixed(1)} % of full, ${r.incFiles} files rewritten`);
    }
    const big = rows.find((r) => r.n === 100_000);
    if (big) {
      console.log('\ngoals at 100k:');
      console.log(`  cold ≤ 128 KiB in ≤ 6 requests:        ${fmtB(big.coldNet.bytes)} in ${big.coldNet.requests} (+ the root probe)   ${ok(big.coldNet.bytes <= 128 * KiB && big.coldNet.requests <= 6)}`);
      console.log(`  warm: only the timestamp, ≤ 2 KiB:      ${big.warmNet.paths.join(' ')} ${fmtB(big.warmNet.bytes)}   ${ok(big.warmNet.requests === 1 && big.warmNet.bytes <= 2 * KiB)}`);
      console.log(`  verify ≤ 100 ms, peak RSS < 96 MiB:     ${big.cold.verifyMs.toFixed(1)} ms, ${(big.cold.maxRssKiB / 1024).toFixed(1)} MiB   ${ok(big.cold.verifyMs <= 100 && big.cold.maxRssKiB < 96 * 1024)}`);
      console.log(`  incremental ≤ 10 % of full, ≤ 6 files:  ${((100 * big.incMs) / big.fullMs).toFixed(1)} %, ${big.incFiles} files   ${ok(big.incMs <= 0.1 * big.fullMs && big.incFiles <= 6)}`);
    }
    if (rows.length > 1) {
      const f = rows[0];
      const l = rows[rows.length - 1];
      console.log(`flatness ${f.label} → ${l.label}: verify ${f.cold.verifyMs.toFixed(1)} → ${l.cold.verifyMs.toFixed(1)} ms, end to end ${f.cold.ms.toFixed(0)} → ${l.cold.ms.toFixed(0)} ms, RSS ${(f.cold.maxRssKiB / 1024).toFixed(1)} → ${(l.cold.maxRssKiB / 1024).toFixed(1)} MiB, cold bytes ${fmtB(f.coldNet.bytes)} → ${fmtB(l.coldNet.bytes)}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await run();
