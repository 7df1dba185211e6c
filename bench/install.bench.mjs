// Install benchmark (run after `npm run build`; imports the build output).
//
// A 64 MiB v2 bundle (random content, so gzip stores it) is packed, its
// manifest and an index are signed, and everything is served on 127.0.0.1 by
// Debian's nginx (scripts/nginx-server.mjs; `bash scripts/setup-system.sh`
// installs it) over two transports, each measured on its own:
//   https — TLS with a throwaway CA, the production path: the policy trusts the
//           CA (`limits.ca_file`) and allows 127.0.0.1 (`limits.allow_addresses`);
//           curl gets `--cacert` and the same URL;
//   http  — plain HTTP with the fetcher's explicit TEST-ONLY option
//           `allowLoopbackHttp` (what the tests and the demo use); curl gets the
//           same plain-HTTP URL.
// Without nginx, only plain HTTP is measured, from a Node server in this process.
//
// Measured in the same run, interleaved, median of ROUNDS:
//   ours — `runInstall` in a fresh child process (index verification,
//          manifest fetch + signature, artifact download in one pass:
//          SHA-256, the staging file (fsync) and the full bundle inspection
//          (gunzip + tar rules) while the bytes arrive; the server's
//          VerifyManifest, atomic placement, audit record);
//   peer — `curl -s -o FILE URL && openssl dgst -sha256 FILE`;
//   cli  — `lattice-index install … --yes --json` in a fresh process (startup and
//          module loading included), against the peer again.
// Also: the same install with the inspector in a worker thread (`workerInspector`),
// with the main thread's own CPU time beside the in-thread run's.
// Also CPU time (ours: the child's process.cpuUsage() around runInstall; peer:
// `times` of the shell), and the phases of runInstall (`timings`).
// Goal: ours / peer ≤ 1.3. Also: our peak RSS growth (peak RSS during minus
// RSS before the install, in the child) at 16 MiB and 64 MiB — flat memory means
// the two are about equal, far below the bundle size.
//
// Usage: `node bench/install.bench.mjs`, or `export default run` for bench/run.mjs.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { haveNginx, startNginx } from '../scripts/nginx-server.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = pathToFileURL(path.join(ROOT, 'dist') + '/').href;
const SELF = fileURLToPath(import.meta.url);
// 9 rounds: on a 2-core machine single runs of both sides vary by ±15 %, and the goal is judged on the medians.
const ROUNDS = Number(process.env.LATTICE_BENCH_ROUNDS ?? 9);
const MIB = 1024 * 1024;
const UTF8 = new TextEncoder();

// lib, buildRelease and writeIndex are exported for experiments: a script can serve one release
// (scripts/nginx-server.mjs) and run `node bench/install.bench.mjs --child <cfg>` against it repeatedly.
export async function lib() {
  const mods = await Promise.all(
    ['crypto/index.js', 'core/base64.js', 'io/bundle.js', 'domain/manifest/index.js', 'domain/index/sign.js', 'core/rules.js', 'domain/install/policy.js'].map((m) => import(`${DIST}${m}`)),
  );
  return Object.assign({}, ...mods);
}

/** Build and sign one release whose bundle is about `mib` MiB. */
export async function buildRelease(L, mib) {
  const indexSeed = randomBytes(32);
  const publisherSeed = randomBytes(32);
  // Files of at most 32 MiB (the server's per-file limit), random so gzip stores them;
  // 128 KiB are kept back for tar and deflate framing so the bundle stays ≤ 64 MiB.
  const total = mib * MIB - 128 * 1024;
  const entries = [{ path: 'bin/linux-amd64/plugin', content: UTF8.encode('#!/bin/sh\n') }];
  for (let left = total, i = 0; left > 0; i++) {
    const n = Math.min(left, 32 * MIB - 4096);
    entries.push({ path: `data/blob-${i}.bin`, content: new Uint8Array(randomBytes(n)) });
    left -= n;
  }
  const artifact = L.packBundleEntries(entries);
  entries.length = 0; // the random inputs are garbage now
  const digest = L.sha256Hex(artifact);
  const json = {
    schema: 'lattice.plugin.manifest.v2',
    id: 'bench.big',
    name: 'Big bundle',
    type: 'system',
    capabilities: ['kv:read'],
    version: '1.0.0',
    publisher: 'bench',
    bundle: { format: 'tar+gzip', digest_sha256: digest },
    runtime: { protocol: 'stdio-json-v1', entrypoints: { 'linux/amd64': 'bin/linux-amd64/plugin' } },
    compatibility: { server: '>=0.2.1', dashboard_host: '>=1', runtime_protocol: '>=1' },
  };
  const d = L.decodeManifest(JSON.stringify(json));
  if (!d.ok) throw new Error(d.message);
  const signedManifest = L.signManifest(d.manifest, new Uint8Array(publisherSeed), { artifactSha256: digest });
  return { mib, artifact, digest, signedManifest, manifestBytes: signedManifest.bytes, indexSeed, publisherSeed };
}

/**
 * A signed index listing `rel` at `base`, and a policy for it, in `<work>/<transport>-<mib>/`.
 * For https the policy trusts the test CA and allows 127.0.0.1 (no test option at all).
 */
export function writeIndex(L, rel, transport, work) {
  const { mib, digest, signedManifest, manifestBytes, indexSeed, publisherSeed } = rel;
  const base = transport.indexBase;
  const now = Date.now();
  const doc = {
    schema: 'lattice.plugin.index.v1',
    generated_at: L.formatRFC3339UTC(now),
    status: 'draft',
    generation: 1,
    expires_at: L.formatRFC3339UTC(now + 86_400_000),
    publishers: [{ id: 'bench', name: 'Bench', public_key_ed25519: L.encodeBase64(L.publicKeyFromSeed(new Uint8Array(publisherSeed))) }],
    plugins: [
      {
        id: 'bench.big',
        name: 'Big bundle',
        publisher: 'bench',
        type: 'system',
        channels: { stable: '1.0.0' },
        capabilities: ['kv:read'],
        releases: [
          {
            version: '1.0.0',
            channel: 'stable',
            manifest_url: `${base}/${mib}/manifest.json`,
            artifact_url: `${base}/${mib}/bundle.tar.gz`,
            artifact_sha256: digest,
            signature_ed25519: signedManifest.manifest.signature_ed25519,
            manifest_sha256: L.sha256Hex(manifestBytes),
          },
        ],
      },
    ],
    signatures: [],
  };
  const signed = L.signIndex(doc, new Uint8Array(indexSeed), { publisher: 'bench', official: true, now });
  const policy = L.starterInstallPolicy({
    indexKeys: [L.encodeBase64(L.publicKeyFromSeed(new Uint8Array(indexSeed)))],
    publishers: [{ id: 'bench', key: L.encodeBase64(L.publicKeyFromSeed(new Uint8Array(publisherSeed))) }],
    serverVersion: '0.2.2',
    platform: 'linux/amd64',
  });
  const dir = path.join(work, `${transport.name}-${mib}`);
  mkdirSync(dir);
  if (transport.ca !== undefined) {
    writeFileSync(path.join(dir, 'ca.pem'), readFileSync(transport.ca));
    policy.limits = { ...policy.limits, ca_file: 'ca.pem', allow_addresses: ['127.0.0.1'] };
  }
  const policyFile = path.join(dir, 'policy.json');
  const indexFile = path.join(dir, 'plugins.json');
  writeFileSync(policyFile, JSON.stringify(policy));
  writeFileSync(indexFile, signed.bytes);
  return { policyFile, indexFile, dir, plain: transport.ca === undefined, ...(transport.ca !== undefined ? { ca: transport.ca } : {}) };
}

/** Child mode: one install, timed, with peak RSS growth. */
async function child(cfg) {
  const [{ runInstall }, { parseInstallPolicy }, { createHttpsFetcher, fetcherOptionsFromLimits }, { workerInspector }] = await Promise.all([
    import(`${DIST}io/install.js`),
    import(`${DIST}domain/install/policy.js`),
    import(`${DIST}io/fetch.js`),
    import(`${DIST}io/inspect-worker.js`),
  ]);
  // The main thread's own CPU time (Linux: /proc/self/task/<pid>/stat, 10 ms ticks), to see what a worker takes off it.
  const mainCpuMs = () => {
    try {
      const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      return NaN;
    }
  };
  const parsed = parseInstallPolicy(readFileSync(cfg.policyFile));
  if (!parsed.ok) throw parsed.error;
  // https: the policy's own limits (CA file, allowed address), as the CLI builds them; http: the test option.
  const fetcher = createHttpsFetcher(
    fetcherOptionsFromLimits(parsed.policy.limits, cfg.plain ? { allowLoopbackHttp: true } : { ca: readFileSync(path.join(cfg.dir, parsed.policy.limits.caFile), 'utf8') }),
  );
  const pluginDir = mkdtempSync(path.join(cfg.dir, 'plugins-'));
  // Peak RSS: on Linux the kernel's own high-water mark (VmHWM), reset just before the install
  // (`5` > /proc/self/clear_refs) — exact, and free during the install. Elsewhere by sampling
  // (process.memoryUsage.rss(), the cheap call; the full memoryUsage() cost ~150 ms per 64 MiB
  // install when it ran on every chunk and skewed the result). getrusage's maxRSS is inherited
  // from the parent across fork+exec, so it is not used.
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  let kernelPeak = false;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    kernelPeak = /VmHWM:/.test(readFileSync('/proc/self/status', 'utf8'));
  } catch {
    kernelPeak = false;
  }
  const sample = () => {
    if (kernelPeak) {
      const m = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
      if (m) rssPeak = Math.max(rssPeak, Number(m[1]) * 1024);
      return;
    }
    const r = process.memoryUsage.rss();
    if (r > rssPeak) rssPeak = r;
  };
  const sampler = kernelPeak ? undefined : setInterval(sample, 5);
  let firstByte = 0;
  let lastByte = 0;
  // Garbage collection on the main thread during the install (PerformanceObserver 'gc' entries).
  let gcMs = 0;
  const { PerformanceObserver } = await import('node:perf_hooks');
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const main0 = mainCpuMs();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const report = await runInstall({
    ...(cfg.worker ? { inspector: workerInspector() } : {}),
    policy: parsed.policy,
    policyDir: cfg.dir,
    indexSource: cfg.indexFile,
    pluginId: 'bench.big',
    pluginDir,
    fetcher,
    now: Date.now(),
    approve: () => true,
    onProgress: (purpose) => {
      if (purpose !== 'artifact') return;
      const t = performance.now();
      if (firstByte === 0) firstByte = t;
      lastByte = t;
    },
  });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await new Promise((r) => setImmediate(r)); // the observer's last entries
  gcObserver.disconnect();
  if (sampler) clearInterval(sampler);
  sample();
  const downloadMs = lastByte - firstByte;
  rmSync(pluginDir, { recursive: true, force: true });
  rmSync(path.join(cfg.dir, 'index-state.json'), { force: true });
  if (!report.result.ok || !report.placed) throw new Error(`install failed: ${report.result.ok ? 'not placed' : report.result.error.message}`);
  process.stdout.write(JSON.stringify({ ms, downloadMs, rssGrowthKiB: (rssPeak - rssBefore) / 1024, maxRSSKiB: rssPeak / 1024, timings: { ...report.timings, gc: gcMs }, cpuMs: (cpu.user + cpu.system) / 1000, mainCpuMs: mainCpuMs() - main0 }));
}

/** LATTICE_BENCH_CPU_PROF=DIR: every install process (child and CLI) writes a V8 CPU profile there. */
const profFlags = () => (process.env.LATTICE_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.LATTICE_BENCH_CPU_PROF] : []);

function runChild(cfg) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...profFlags(), SELF, '--child', JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}`))));
  });
}

/** The whole CLI (`lattice-index install … --yes --json`) in a fresh process: what an operator waits for. */
function runCli(cfg) {
  const pluginDir = mkdtempSync(path.join(cfg.dir, 'plugins-cli-'));
  const args = [path.join(ROOT, 'dist/cli/main.js'), 'install', 'bench.big', '--index', cfg.indexFile, '--policy', cfg.policyFile, '--plugin-dir', pluginDir, '--yes', '--json', ...(cfg.plain ? ['--test-loopback-http'] : [])];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [...profFlags(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errText = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (errText += d));
    p.on('close', (code) => {
      const ms = performance.now() - t0;
      rmSync(pluginDir, { recursive: true, force: true });
      rmSync(path.join(cfg.dir, 'index-state.json'), { force: true });
      if (code !== 0) return reject(new Error(`CLI install exited ${code}: ${errText.trim()}`));
      resolve({ ms, timings: JSON.parse(out).timings_ms });
    });
  });
}

function runPeer(url, file, ca) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // `times` prints the CPU time of the shell's children (curl and openssl) on its second line.
    const p = spawn('sh', ['-c', 'curl -s ${3:+--cacert "$3"} -o "$2" "$1" && openssl dgst -sha256 "$2" && times', 'sh', url, file, ca ?? ''], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => {
      const ms = performance.now() - t0;
      rmSync(file, { force: true });
      const t = out.trim().split('\n').at(-1).match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
      const cpuMs = t ? (Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) * 60 + Number(t[4])) * 1000 : NaN;
      code === 0 ? resolve({ ms, out, cpuMs }) : reject(new Error(`curl/openssl exited ${code}`));
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One transport's measurements for one bundle size (interleaved with the peer, median of ROUNDS). */
async function measure(transport, rel, cfg, work) {
  const { mib } = rel;
  const peerUrl = `${transport.fetchBase}/${mib}/bundle.tar.gz`;
  const peerOut = path.join(work, 'curl.out');
  const peerRun = () => runPeer(peerUrl, peerOut, cfg.ca);
  const ours = [];
  const peer = [];
  const oursCpu = [];
  const peerCpu = [];
  const runs = [];
  await runChild(cfg); // warm the page cache and the server
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate who goes first, so neither always runs on a warmer machine.
    const first = i % 2 === 0 ? 'ours' : 'peer';
    for (const who of first === 'ours' ? ['ours', 'peer'] : ['peer', 'ours']) {
      if (who === 'ours') {
        const o = await runChild(cfg);
        runs.push(o);
        ours.push(o.ms);
        oursCpu.push(o.cpuMs);
      } else {
        const pr = await peerRun();
        peer.push(pr.ms);
        peerCpu.push(pr.cpuMs);
      }
    }
  }
  // The same install with the bundle inspector in a worker thread (`workerInspector`, not the default),
  // interleaved with the peer: what moving the inspector off the main thread does here.
  const worker = [];
  const workerPeer = [];
  for (let i = 0; i < ROUNDS; i++) {
    worker.push(await runChild({ ...cfg, worker: true }));
    workerPeer.push((await peerRun()).ms);
  }
  // The CLI end to end (process start, module loading, the same install), interleaved with the peer again.
  const cli = [];
  const cliPhases = [];
  const cliPeer = [];
  for (let i = 0; i < ROUNDS; i++) {
    const c = await runCli(cfg);
    cli.push(c.ms);
    cliPhases.push(c.timings);
    cliPeer.push((await peerRun()).ms);
  }
  const r = {
    ours: median(ours),
    peer: median(peer),
    oursCpu: median(oursCpu),
    peerCpu: median(peerCpu),
    growth: median(runs.map((o) => o.rssGrowthKiB)),
    peak: median(runs.map((o) => o.maxRSSKiB)),
    download: median(runs.map((o) => o.downloadMs)),
    oursMain: median(runs.map((o) => o.mainCpuMs)),
    cli: median(cli),
    cliPeer: median(cliPeer),
    cliStartup: median(cliPhases.map((t) => t.startup ?? 0)),
  };
  const tag = `  ${transport.name} ${mib} MiB:`;
  const wMs = median(worker.map((w) => w.ms));
  const wPeer = median(workerPeer);
  const phases = runs.map((o) => o.timings);
  const keys = [...new Set(phases.flatMap((p) => Object.keys(p)))];
  const phaseLine = keys.map((k) => `${k} ${median(phases.map((p) => p[k] ?? 0)).toFixed(0)}`).join(', ');
  console.log(
    `${tag} ours ${r.ours.toFixed(0)} ms (median of ${ROUNDS}), curl+openssl ${r.peer.toFixed(0)} ms → ratio ${(r.ours / r.peer).toFixed(2)} (of ours: artifact download+hash+spool ${r.download.toFixed(0)} ms); RSS growth during the install ${(r.growth / 1024).toFixed(1)} MiB (peak ${(r.peak / 1024).toFixed(1)} MiB)`,
  );
  console.log(
    `${tag} CPU time (user+system, all threads; less sensitive to a busy machine than wall time): ours ${r.oursCpu.toFixed(0)} ms, curl+openssl ${r.peerCpu.toFixed(0)} ms → ratio ${(r.oursCpu / r.peerCpu).toFixed(2)}`,
  );
  console.log(
    `${tag} inspector in a worker thread (workerInspector, not the default): ${wMs.toFixed(0)} ms vs curl+openssl ${wPeer.toFixed(0)} ms → ratio ${(wMs / wPeer).toFixed(2)}; CPU ${median(worker.map((w) => w.cpuMs)).toFixed(0)} ms (main thread ${median(worker.map((w) => w.mainCpuMs)).toFixed(0)} ms vs ${r.oursMain.toFixed(0)} ms in-thread); RSS growth ${(median(worker.map((w) => w.rssGrowthKiB)) / 1024).toFixed(1)} MiB`,
  );
  console.log(`${tag} where the time went (ms, median per phase; runInstall timings): ${phaseLine}`);
  console.log(
    `${tag} CLI end to end (lattice-index install --yes, fresh process) ${r.cli.toFixed(0)} ms (of which process start and module loading ${r.cliStartup.toFixed(0)} ms), curl+openssl ${r.cliPeer.toFixed(0)} ms → ratio ${(r.cli / r.cliPeer).toFixed(2)}`,
  );
  return r;
}

export default async function run() {
  for (const tool of ['curl', 'openssl']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      try {
        execFileSync(tool, ['version'], { stdio: 'ignore' });
      } catch {
        console.log(`install bench: skipped (${tool} not found)`);
        return;
      }
    }
  }
  const L = await lib();
  const work = mkdtempSync(path.join(os.tmpdir(), 'lattice-install-bench-'));
  const www = path.join(work, 'www');
  mkdirSync(www);
  const stops = [];
  const served = new Map(); // for the Node server without nginx
  try {
    // The transports: nginx over TLS (production) and plain HTTP (test option); a Node server without nginx.
    const transports = [];
    if (haveNginx()) {
      const ng = await startNginx({ dir: work, www, plainHttp: true });
      stops.push(ng.stop);
      const plainPort = new URL(ng.plainBase).port;
      transports.push({ name: 'https', indexBase: ng.base, fetchBase: ng.base, ca: ng.ca, label: 'TLS, Debian nginx, throwaway CA; the production fetcher' });
      transports.push({ name: 'http', indexBase: `https://127.0.0.1:${plainPort}`, fetchBase: ng.plainBase, label: 'plain HTTP, Debian nginx; TEST-ONLY fetcher option allowLoopbackHttp' });
    } else {
      let requests = 0;
      const server = http.createServer((req, res) => {
        if (++requests > 10_000) return req.socket.destroy();
        const body = served.get(req.url ?? '');
        if (!body) return res.writeHead(404).end();
        res.writeHead(200, { 'content-length': String(body.length) }).end(body);
      });
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      stops.push(async () => {
        server.closeAllConnections?.();
        await new Promise((r) => server.close(r));
      });
      const port = server.address().port;
      transports.push({ name: 'http', indexBase: `https://127.0.0.1:${port}`, fetchBase: `http://127.0.0.1:${port}`, label: 'plain HTTP, a Node server (nginx not installed); TEST-ONLY fetcher option allowLoopbackHttp' });
    }
    for (const t of transports) console.log(`install bench: ${t.name} = ${t.label}`);
    const results = {};
    for (const mib of [16, 64]) {
      const t0 = performance.now();
      const rel = await buildRelease(L, mib);
      mkdirSync(path.join(www, String(mib)));
      writeFileSync(path.join(www, String(mib), 'manifest.json'), rel.manifestBytes);
      writeFileSync(path.join(www, String(mib), 'bundle.tar.gz'), rel.artifact);
      served.set(`/${mib}/manifest.json`, Buffer.from(rel.manifestBytes));
      served.set(`/${mib}/bundle.tar.gz`, Buffer.from(rel.artifact.buffer, rel.artifact.byteOffset, rel.artifact.byteLength));
      console.log(`  ${mib} MiB: bundle packed and signed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      for (const t of transports) results[`${t.name}-${mib}`] = await measure(t, rel, writeIndex(L, rel, t, work), work);
    }
    for (const t of transports) {
      const r64 = results[`${t.name}-64`];
      const ratio = r64.ours / r64.peer;
      const cliRatio = r64.cli / r64.cliPeer;
      console.log(`  goal (${t.name}): 64 MiB ratio ≤ 1.30 → runInstall ${ratio.toFixed(2)} ${ratio <= 1.3 ? 'MET' : 'NOT MET'}; CLI end to end ${cliRatio.toFixed(2)} ${cliRatio <= 1.3 ? 'MET' : 'NOT MET'}`);
      console.log(
        `  memory (${t.name}): RSS growth ${(results[`${t.name}-16`].growth / 1024).toFixed(1)} MiB at 16 MiB vs ${(r64.growth / 1024).toFixed(1)} MiB at 64 MiB (flat when about equal and far below the bundle size)`,
      );
    }
  } finally {
    for (const stop of stops) await stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  await child(JSON.parse(process.argv[3]));
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
