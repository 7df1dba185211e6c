// `installed` / `audit` benchmark (run after `npm run build`; runs the built CLI).
//
// 200 installed plugins (`<dir>/<id>.plugin/{manifest.json,artifact}`, each
// artifact 256 KiB of random bytes, each manifest signed by the publisher),
// their approval records in the audit log, and a signed index listing them,
// all in a temporary folder (warm page cache for everyone).
//
// Measured in the same run, interleaved, median of ROUNDS:
//   ours — `lattice-index audit …` and `lattice-index installed … --json` as
//          child processes (CLI start, policy, index verification, reading
//          and hashing every manifest and artifact, 200 manifest signature
//          checks with the OpenSSL Ed25519 verifier, the audit log);
//   peer — `sha256sum` of the same 400 files.
// Reported: time and MB/s of each, and ours / peer. Hashing the artifacts
// dominates; the CLI start (`lattice-index --version`) is printed for context.
//
// Usage: `node bench/installed.bench.mjs`, or `export default run` for bench/run.mjs.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = pathToFileURL(path.join(ROOT, 'dist') + '/').href;
const CLI = path.join(ROOT, 'dist/cli/main.js');
const ROUNDS = 5;
const PLUGINS = 200;
const ARTIFACT_BYTES = 256 * 1024;

async function lib() {
  const mods = await Promise.all(
    ['crypto/index.js', 'core/base64.js', 'domain/manifest/index.js', 'domain/index/sign.js', 'core/rules.js', 'domain/install/policy.js'].map((m) => import(`${DIST}${m}`)),
  );
  return Object.assign({}, ...mods);
}

async function build(work) {
  const L = await lib();
  const indexSeed = new Uint8Array(randomBytes(32));
  const publisherSeed = new Uint8Array(randomBytes(32));
  const pluginDir = path.join(work, 'plugins');
  mkdirSync(pluginDir);
  const now = Date.now();
  const time = L.formatRFC3339UTC(now);
  const plugins = [];
  const audit = [];
  let total = 0;
  for (let i = 0; i < PLUGINS; i++) {
    const id = `bench.p${String(i).padStart(3, '0')}`;
    const artifact = new Uint8Array(randomBytes(ARTIFACT_BYTES));
    const digest = L.sha256Hex(artifact);
    const d = L.decodeManifest(
      JSON.stringify({
        schema: 'lattice.plugin.manifest.v2',
        id,
        name: `Plugin ${i}`,
        type: 'system',
        capabilities: ['kv:read', 'log:write'],
        version: '1.0.0',
        publisher: 'bench',
        bundle: { format: 'tar+gzip', digest_sha256: digest },
        runtime: { protocol: 'stdio-json-v1', entrypoints: { 'linux/amd64': 'bin/linux-amd64/plugin' } },
        compatibility: { server: '>=0.2.1', dashboard_host: '>=1', runtime_protocol: '>=1' },
      }),
    );
    if (!d.ok) throw new Error(d.message);
    const signed = L.signManifest(d.manifest, publisherSeed, { artifactSha256: digest });
    const dir = path.join(pluginDir, `${id}.plugin`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'manifest.json'), signed.bytes, { mode: 0o600 });
    writeFileSync(path.join(dir, 'artifact'), artifact, { mode: 0o600 });
    total += artifact.length + signed.bytes.length;
    plugins.push({
      id,
      name: `Plugin ${i}`,
      publisher: 'bench',
      type: 'system',
      channels: { stable: '1.0.0' },
      capabilities: ['kv:read', 'log:write'],
      releases: [
        {
          version: '1.0.0',
          channel: 'stable',
          manifest_url: `https://bench.test/${id}/manifest.json`,
          artifact_url: `https://bench.test/${id}/bundle.tar.gz`,
          artifact_sha256: digest,
          signature_ed25519: signed.manifest.signature_ed25519,
          manifest_sha256: L.sha256Hex(signed.bytes),
        },
      ],
    });
    audit.push(
      JSON.stringify({
        time,
        event: 'plugin.install',
        outcome: 'installed',
        plugin: id,
        channel: 'stable',
        version: '1.0.0',
        publisher: 'bench',
        capabilities: [{ name: 'kv:read', risk: 'read' }, { name: 'log:write', risk: 'write' }],
        artifact_sha256: digest,
        manifest_sha256: L.sha256Hex(signed.bytes),
      }),
    );
  }
  const doc = {
    schema: 'lattice.plugin.index.v1',
    generated_at: time,
    status: 'draft',
    generation: 1,
    expires_at: L.formatRFC3339UTC(now + 86_400_000),
    publishers: [{ id: 'bench', name: 'Bench', public_key_ed25519: L.encodeBase64(L.publicKeyFromSeed(publisherSeed)) }],
    plugins,
    signatures: [],
  };
  const index = L.signIndex(doc, indexSeed, { publisher: 'bench', official: true, now });
  const policy = L.starterInstallPolicy({
    indexKeys: [L.encodeBase64(L.publicKeyFromSeed(indexSeed))],
    publishers: [{ id: 'bench', key: L.encodeBase64(L.publicKeyFromSeed(publisherSeed)) }],
    serverVersion: '0.2.2',
    platform: 'linux/amd64',
  });
  const policyFile = path.join(work, 'policy.json');
  const indexFile = path.join(work, 'plugins.json');
  writeFileSync(policyFile, JSON.stringify(policy));
  writeFileSync(indexFile, index.bytes);
  writeFileSync(path.join(work, policy.audit_log), audit.join('\n') + '\n', { mode: 0o600 });
  return { pluginDir, policyFile, indexFile, total };
}

/** Run a command under bash's `time`: wall and CPU (user + sys) seconds — CPU is what a loaded box does not distort. */
function timed(cmd, args, expectStatus = 0) {
  const r = spawnSync('bash', ['-c', 'TIMEFORMAT="%R %U %S"; { time "$@" >/dev/null 2>/tmp/.lattice-bench-err; } 2>&1', 'bash', cmd, ...args], { encoding: 'utf8' });
  const [real, user, sys] = r.stdout.trim().split('\n').pop().split(' ').map(Number);
  if (r.status !== expectStatus) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} exited ${r.status}`);
  return { ms: real * 1000, cpuMs: (user + sys) * 1000 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export default async function run() {
  try {
    execFileSync('sha256sum', ['--version'], { stdio: 'ignore' });
  } catch {
    console.log('sha256sum not found: skipped');
    return;
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'lattice-installed-bench-'));
  const keep = process.env.LATTICE_BENCH_KEEP === '1';
  try {
    const w = await build(work);
    const files = [];
    for (let i = 0; i < PLUGINS; i++) {
      const dir = path.join(w.pluginDir, `bench.p${String(i).padStart(3, '0')}.plugin`);
      files.push(path.join(dir, 'manifest.json'), path.join(dir, 'artifact'));
    }
    const src = ['--plugin-dir', w.pluginDir, '--index', w.indexFile, '--policy', w.policyFile];
    // Warm-up: page cache and the CLI's compile cache for everyone; and a correctness check.
    const check = spawnSync(process.execPath, [CLI, 'installed', ...src, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const listed = JSON.parse(check.stdout);
    if (!listed.ok || listed.plugins.length !== PLUGINS || listed.plugins.some((p) => p.status !== 'current')) throw new Error(`installed: not all current: ${check.stdout.slice(0, 400)}`);
    timed('sha256sum', files);
    const ours = { audit: [], installed: [], start: [] };
    const peer = [];
    for (let r = 0; r < ROUNDS; r++) {
      peer.push(timed('sha256sum', files));
      ours.audit.push(timed(process.execPath, [CLI, 'audit', ...src]));
      ours.installed.push(timed(process.execPath, [CLI, 'installed', ...src, '--json']));
      ours.start.push(timed(process.execPath, [CLI, '--version']));
    }
    const mb = w.total / 1e6;
    const wall = (xs) => median(xs.map((x) => x.ms));
    const cpu = (xs) => median(xs.map((x) => x.cpuMs));
    const pw = wall(peer);
    const pc = cpu(peer);
    const row = (name, xs) =>
      console.log(
        `  ${name.padEnd(32)} wall ${wall(xs).toFixed(0).padStart(5)} ms ${(mb / (wall(xs) / 1000)).toFixed(0).padStart(4)} MB/s ${(wall(xs) / pw).toFixed(2).padStart(5)}×` +
          `   cpu ${cpu(xs).toFixed(0).padStart(5)} ms ${(mb / (cpu(xs) / 1000)).toFixed(0).padStart(4)} MB/s ${(cpu(xs) / pc).toFixed(2).padStart(5)}×`,
      );
    console.log(`${PLUGINS} installed plugins, ${mb.toFixed(1)} MB (artifacts ${ARTIFACT_BYTES / 1024} KiB each + signed manifests), median of ${ROUNDS}; ratios against sha256sum`);
    row('sha256sum (peer)', peer);
    row('lattice-index audit', ours.audit);
    row('lattice-index installed --json', ours.installed);
    row('lattice-index --version (start)', ours.start);
  } finally {
    if (keep) console.log(`  (kept ${work})`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
