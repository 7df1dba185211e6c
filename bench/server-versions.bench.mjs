// `build` with the loadability matrix (DESIGN §4.5) on a synthetic index of
// 10k releases whose signed manifests are all stored, against `build`
// without it — the same entry files and stored manifests, each still
// hashed, decoded and checked against its entry (`matrix: false`), only no
// verdict (validation) on every known server version.
//
// Goal (issue 12): the matrix must not cost more than the validation it sits
// beside: with / without ≤ 2.0 (matrix cost / validation cost ≤ 1.0).
// For scale, the build of the same entry files with no stored manifests at
// all (assemble + validateIndex, what build did before stored manifests) is
// printed too.
//
// The manifests are v2, shaped like real ones (a bundle, two runtime
// platforms, compatibility, one runtime interface with two typed methods,
// scopes and a budget), consistent with their release (id, version, type,
// capabilities, digest, signature bytes, manifest_sha256) so every check runs
// its success path. Signatures are random bytes: build verifies the publisher
// signature only where server versions' payloads differ (v1 manifests with
// dependencies; none here), as pr-check verified it when the manifest was
// stored and every install verifies it again.
//
// The builds are warmed up, then alternate; medians are reported.
// Usage: `node bench/server-versions.bench.mjs` after `npm run build`, or
// `export default run` for bench/run.mjs.
import { createHash, randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { assembleIndex } from '../dist/domain/index/assemble.js';
import { SERVER_VERSIONS } from '../dist/core/server-line.js';
import { syntheticIndex } from './synthetic-index.mjs';

const RELEASES = 10_000;
const ROUNDS = 7;
const UTF8 = new TextEncoder();

/** A synthetic index trimmed to exactly `n` releases (plugins kept whole). */
function indexWithReleases(n) {
  const index = syntheticIndex(Math.ceil(n / 2.2), 12);
  let count = 0;
  const plugins = [];
  for (const p of index.plugins) {
    if (count + p.releases.length > n) {
      // Keep the channel heads: drop the plugin's extra stable releases first.
      const need = n - count;
      if (need <= 0) break;
      const keep = p.releases.filter((r) => r.version === p.channels.stable || r.version === p.channels.alpha).slice(0, need);
      if (keep.length < Object.keys(p.channels).length) break;
      p.releases = keep;
    }
    plugins.push(p);
    count += p.releases.length;
    if (count >= n) break;
  }
  return { index: { ...index, plugins }, releases: count };
}

/** A real-shaped v2 manifest for a release, and the release fields that bind it. */
function manifestFor(plugin, release) {
  const digest = release.artifact_sha256;
  const signature = randomBytes(64).toString('base64');
  const m = {
    schema: 'lattice.plugin.manifest.v2',
    id: plugin.id,
    name: plugin.name.slice(0, 80),
    type: plugin.type,
    capabilities: release.capabilities,
    version: release.version,
    publisher: plugin.publisher,
    signature_ed25519: signature,
    bundle: { format: 'tar+gzip', digest_sha256: digest },
    runtime: { protocol: 'stdio-json-v1', entrypoints: { 'linux/amd64': 'bin/linux-amd64/plugin', 'linux/arm64': 'bin/linux-arm64/plugin' } },
    compatibility: { server: '>=0.2.1', dashboard_host: '>=1', runtime_protocol: '>=1' },
    interfaces: [{
      service: `${plugin.id}/items`,
      methods: [
        { name: 'list', effect: 'read', scopes: ['node:read'], budget: { timeout_ms: 5000, stdout_bytes: 65536, stderr_bytes: 4096, host_calls: 16 } },
        { name: 'apply', effect: 'write', scopes: ['node:admin'] },
      ],
      backing: 'runtime',
    }],
  };
  const bytes = UTF8.encode(JSON.stringify(m, null, 2) + '\n');
  return { bytes, signature, sha: createHash('sha256').update(bytes).digest('hex') };
}

/** Entry files and stored manifests as `loadIndexSources` would give them (one manifest per release, made once). */
function sourcesOf(index) {
  const manifests = new Map();
  const plugins = index.plugins.map((p) => {
    const value = structuredClone(p);
    for (const r of value.releases) {
      const m = manifestFor(value, r);
      r.signature_ed25519 = m.signature;
      r.manifest_sha256 = m.sha;
      manifests.set(`manifests/${value.id}/${r.version}.json`, { path: `index/manifests/${value.id}/${r.version}.json`, bytes: m.bytes });
    }
    return { path: `index/plugins/${value.id}.json`, text: JSON.stringify(value, null, 2), value };
  });
  const publishers = index.publishers.map((p) => ({ path: `index/publishers/${p.id}.json`, text: JSON.stringify(p, null, 2), value: p }));
  return { stored: { publishers, plugins, manifests }, plain: { publishers, plugins } };
}

function time(fn) {
  const t0 = performance.now();
  const r = fn();
  return { ms: performance.now() - t0, r };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export default async function run() {
  const { index, releases } = indexWithReleases(RELEASES);
  // The same entry files on both sides (manifest_sha256 included); only the stored manifests differ.
  const { plain, stored } = sourcesOf(index);
  const now = Date.UTC(2026, 11, 1);
  const build = (sources, matrix = true) => assembleIndex(sources, { now, matrix });

  const check = build(stored);
  if (check.problems.length > 0) throw new Error(`the synthetic index does not build: ${JSON.stringify(check.problems.slice(0, 3))}`);
  if (check.loadability.length !== releases) throw new Error(`expected a matrix for ${releases} releases, got ${check.loadability.length}`);
  const everywhere = check.loadability.filter((r) => r.loads_on.length === SERVER_VERSIONS.length).length;
  if (build(stored, false).problems.length > 0) throw new Error('the synthetic index does not build without the matrix');
  if (build(plain).problems.length > 0) throw new Error('the synthetic index does not build without manifests');

  const runs = { plain: () => build(plain), without: () => build(stored, false), with: () => build(stored, true) };
  for (let w = 0; w < 2; w++) for (const fn of Object.values(runs)) fn();
  const times = { plain: [], without: [], with: [] };
  const order = Object.keys(runs);
  for (let r = 0; r < ROUNDS; r++) {
    const seq = r % 2 === 0 ? order : [...order].reverse();
    for (const k of seq) times[k].push(time(runs[k]).ms);
  }
  const plainMs = median(times.plain);
  const a = median(times.without);
  const b = median(times.with);
  const ratio = b / a;
  const matrixShare = (b - a) / a;
  console.log(`build ${releases} releases (${index.plugins.length} plugins) with stored manifests, ${SERVER_VERSIONS.length} server versions, ${everywhere} load on all`);
  console.log(`  without the matrix (stored manifests hashed, decoded, checked against their entries): ${a.toFixed(0)} ms`);
  console.log(`  with the matrix (verdict on every known server version):                                 ${b.toFixed(0)} ms`);
  console.log(`  ratio with/without ${ratio.toFixed(2)} (goal <= 2.0); matrix cost / validation cost ${matrixShare.toFixed(2)} (goal <= 1.0)`);
  console.log(`  for scale: the same entry files with no stored manifests (assemble + validateIndex): ${plainMs.toFixed(0)} ms`);
  return { releases, plainMs, withoutMs: a, withMs: b, ratio, matrixShare };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
