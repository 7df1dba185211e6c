// Install benchmark (run after `npm run build`; imports the build output).
//
// A 64 MiB v2 bundle (random content, so gzip stores it) is packed, its
// manifest and an index are signed, and everything is served on 127.0.0.1.
// NOTE: the server speaks plain HTTP — there is no TLS certificate on a
// benchmark box — and our fetcher runs with its explicit TEST-ONLY option
// `allowLoopbackHttp`; curl gets the same plain-HTTP URL.
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

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = pathToFileURL(path.join(ROOT, 'dist') + '/').href;
const SELF = fileURLToPath(import.meta.url);
const ROUNDS = 5;
const MIB = 1024 * 1024;
const UTF8 = new TextEncoder();

async function lib() {
  const mods = await Promise.all(
    ['crypto/index.js', 'core/base64.js', 'io/bundle.js', 'domain/manifest/index.js', 'domain/index/sign.js', 'core/rules.js', 'domain/install/policy.js'].map((m) => import(`${DIST}${m}`)),
  );
  return Object.assign({}, ...mods);
}

/** Build a signed repository with one release whose bundle is about `mib` MiB. */
async function buildRepo(L, mib, base, work) {
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
  const manifestBytes = signedManifest.bytes;
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
  const dir = path.join(work, String(mib));
  mkdirSync(dir);
  const policyFile = path.join(dir, 'policy.json');
  const indexFile = path.join(dir, 'plugins.json');
  writeFileSync(policyFile, JSON.stringify(policy));
  writeFileSync(indexFile, signed.bytes);
  return { artifact, manifestBytes, policyFile, indexFile, dir };
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
  const fetcher = createHttpsFetcher(fetcherOptionsFromLimits(parsed.policy.limits, { allowLoopbackHttp: true }));
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
  if (sampler) clearInterval(sampler);
  sample();
  const downloadMs = lastByte - firstByte;
  rmSync(pluginDir, { recursive: true, force: true });
  rmSync(path.join(cfg.dir, 'index-state.json'), { force: true });
  if (!report.result.ok || !report.placed) throw new Error(`install failed: ${report.result.ok ? 'not placed' : report.result.error.message}`);
  process.stdout.write(JSON.stringify({ ms, downloadMs, rssGrowthKiB: (rssPeak - rssBefore) / 1024, maxRSSKiB: rssPeak / 1024, timings: report.timings, cpuMs: (cpu.user + cpu.system) / 1000, mainCpuMs: mainCpuMs() - main0 }));
}

function runChild(cfg) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [SELF, '--child', JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}`))));
  });
}

/** The whole CLI (`lattice-index install … --yes --json`) in a fresh process: what an operator waits for. */
function runCli(cfg) {
  const pluginDir = mkdtempSync(path.join(cfg.dir, 'plugins-cli-'));
  const args = [path.join(ROOT, 'dist/cli/main.js'), 'install', 'bench.big', '--index', cfg.indexFile, '--policy', cfg.policyFile, '--plugin-dir', pluginDir, '--yes', '--json', '--test-loopback-http'];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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

function runPeer(url, file) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // `times` prints the CPU time of the shell's children (curl and openssl) on its second line.
    const p = spawn('sh', ['-c', 'curl -s -o "$2" "$1" && openssl dgst -sha256 "$2" && times', 'sh', url, file], { stdio: ['ignore', 'pipe', 'inherit'] });
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
  const served = new Map();
  let requests = 0;
  const server = http.createServer((req, res) => {
    if (++requests > 10_000) return req.socket.destroy();
    const body = served.get(req.url ?? '');
    if (!body) return res.writeHead(404).end();
    res.writeHead(200, { 'content-length': String(body.length) }).end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `https://127.0.0.1:${server.address().port}`;
  const plainBase = `http://127.0.0.1:${server.address().port}`;
  try {
    console.log('install bench: loopback plain HTTP (TEST-ONLY fetcher option allowLoopbackHttp; no TLS on either side)');
    const results = {};
    for (const mib of [16, 64]) {
      const t0 = performance.now();
      const repo = await buildRepo(L, mib, base, work);
      served.set(`/${mib}/manifest.json`, repo.manifestBytes);
      served.set(`/${mib}/bundle.tar.gz`, repo.artifact);
      console.log(`  ${mib} MiB: bundle ${(repo.artifact.length / MIB).toFixed(2)} MiB packed and signed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const cfg = { policyFile: repo.policyFile, indexFile: repo.indexFile, dir: repo.dir };
      const ours = [];
      const peer = [];
      const growth = [];
      const peak = [];
      const download = [];
      const phases = [];
      const oursCpu = [];
      const peerCpu = [];
      const cli = [];
      const cliPhases = [];
      const oursMain = [];
      await runChild(cfg); // warm the page cache and the server
      for (let i = 0; i < ROUNDS; i++) {
        if (i % 2 === 0) {
          const o = await runChild(cfg);
          ours.push(o.ms);
          oursCpu.push(o.cpuMs);
          oursMain.push(o.mainCpuMs);
          growth.push(o.rssGrowthKiB);
          peak.push(o.maxRSSKiB);
          download.push(o.downloadMs);
          phases.push(o.timings);
          const pr = await runPeer(`${plainBase}/${mib}/bundle.tar.gz`, path.join(work, 'curl.out'));
          peer.push(pr.ms);
          peerCpu.push(pr.cpuMs);
        } else {
          const pr = await runPeer(`${plainBase}/${mib}/bundle.tar.gz`, path.join(work, 'curl.out'));
          peer.push(pr.ms);
          peerCpu.push(pr.cpuMs);
          const o = await runChild(cfg);
          ours.push(o.ms);
          oursCpu.push(o.cpuMs);
          oursMain.push(o.mainCpuMs);
          growth.push(o.rssGrowthKiB);
          peak.push(o.maxRSSKiB);
          download.push(o.downloadMs);
          phases.push(o.timings);
        }
      }
      // The same install with the bundle inspector in a worker thread (`workerInspector`, not the default),
      // interleaved with the peer: what moving the inspector off the main thread does here.
      const worker = [];
      const workerPeer = [];
      for (let i = 0; i < ROUNDS; i++) {
        worker.push(await runChild({ ...cfg, worker: true }));
        workerPeer.push((await runPeer(`${plainBase}/${mib}/bundle.tar.gz`, path.join(work, 'curl.out'))).ms);
      }
      // The CLI end to end (process start, module loading, the same install), interleaved with the peer again.
      const cliPeer = [];
      for (let i = 0; i < ROUNDS; i++) {
        const c = await runCli(cfg);
        cli.push(c.ms);
        cliPhases.push(c.timings);
        cliPeer.push((await runPeer(`${plainBase}/${mib}/bundle.tar.gz`, path.join(work, 'curl.out'))).ms);
      }
      results[mib] = {
        oursCpu: median(oursCpu),
        peerCpu: median(peerCpu),
        cli: median(cli),
        cliPeer: median(cliPeer),
        cliStartup: median(cliPhases.map((t) => t.startup ?? 0)), ours: median(ours), peer: median(peer), growth: median(growth), peak: median(peak), download: median(download) };
      const r = results[mib];
      const wMs = median(worker.map((w) => w.ms));
      const wPeer = median(workerPeer);
      const keys = [...new Set(phases.flatMap((p) => Object.keys(p)))];
      const phaseLine = keys.map((k) => `${k} ${median(phases.map((p) => p[k] ?? 0)).toFixed(0)}`).join(', ');
      console.log(
        `  ${mib} MiB: ours ${r.ours.toFixed(0)} ms (median of ${ROUNDS}), curl+openssl ${r.peer.toFixed(0)} ms → ratio ${(r.ours / r.peer).toFixed(2)} (of ours: artifact download+hash+spool ${r.download.toFixed(0)} ms); RSS growth during the install ${(r.growth / 1024).toFixed(1)} MiB (peak ${(r.peak / 1024).toFixed(1)} MiB)`,
      );
      console.log(
        `  ${mib} MiB: CPU time (user+system, all threads; less sensitive to a busy machine than wall time): ours ${r.oursCpu.toFixed(0)} ms, curl+openssl ${r.peerCpu.toFixed(0)} ms → ratio ${(r.oursCpu / r.peerCpu).toFixed(2)}`,
      );
      console.log(
        `  ${mib} MiB: inspector in a worker thread (workerInspector, not the default): ${wMs.toFixed(0)} ms vs curl+openssl ${wPeer.toFixed(0)} ms → ratio ${(wMs / wPeer).toFixed(2)}; CPU ${median(worker.map((w) => w.cpuMs)).toFixed(0)} ms (main thread ${median(worker.map((w) => w.mainCpuMs)).toFixed(0)} ms vs ${median(oursMain).toFixed(0)} ms in-thread); RSS growth ${(median(worker.map((w) => w.rssGrowthKiB)) / 1024).toFixed(1)} MiB`,
      );
      console.log(`  ${mib} MiB: where the time went (ms, median per phase; runInstall timings): ${phaseLine}`);
      console.log(
        `  ${mib} MiB: CLI end to end (lattice-index install --yes, fresh process) ${r.cli.toFixed(0)} ms (of which process start and module loading ${r.cliStartup.toFixed(0)} ms), curl+openssl ${r.cliPeer.toFixed(0)} ms → ratio ${(r.cli / r.cliPeer).toFixed(2)}`,
      );
    }
    const ratio = results[64].ours / results[64].peer;
    const cliRatio = results[64].cli / results[64].cliPeer;
    console.log(`  goal: 64 MiB ratio ≤ 1.30 → runInstall ${ratio.toFixed(2)} ${ratio <= 1.3 ? 'MET' : 'NOT MET'}; CLI end to end ${cliRatio.toFixed(2)} ${cliRatio <= 1.3 ? 'MET' : 'NOT MET'}`);
    console.log(
      `  memory: RSS growth ${(results[16].growth / 1024).toFixed(1)} MiB at 16 MiB vs ${(results[64].growth / 1024).toFixed(1)} MiB at 64 MiB (flat when about equal and far below the bundle size)`,
    );
  } finally {
    server.closeAllConnections?.();
    await new Promise((r) => server.close(r));
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  await child(JSON.parse(process.argv[3]));
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
