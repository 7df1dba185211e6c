// `npm run demo:rebuild` — make the demo plugins listed in index/ real: pack,
// sign and list them with this toolkit's own commands (after `npm run build`).
//
// For every release of the `demo` publisher's plugins in index/plugins/:
//
//  1. stage the bundle tree from the sources in examples/demo-plugins/
//     (system script, wasm module, worker template — see RECIPES below) and
//     pack it deterministically:  lattice-index bundle pack DIR --out
//     examples/demo-plugins/dist/<id>-<version>.tar.gz --force
//  2. write the v2 manifest (digest empty) and sign it:  lattice-index
//     manifest sign FILE --key … --artifact BUNDLE --write  (fills the digest,
//     signs, writes Go's MarshalIndent form, verifies it as the server would);
//  3. update index/publishers/demo.json (public_key_ed25519) and the release
//     in index/plugins/<id>.json (artifact_sha256, signature_ed25519,
//     manifest_sha256, capabilities; the plugin type) from the signed manifest,
//     and store the signed manifest's exact bytes at
//     index/manifests/<id>/<version>.json (DESIGN §2; what `lattice-index add`
//     does for a publisher — here a re-signed demo replaces the stored file,
//     which a publisher's pull request may never do);
//  4. check them with  lattice-index manifest verify,  bundle inspect
//     --manifest  and  check-entry;
//  5. rebuild index/plugins.json:  lattice-index build.
//
// The publisher seed: LATTICE_DEMO_PUBLISHER_SEED (canonical base64 of 32
// bytes), else .lattice/demo-publisher.seed (gitignored; created with mode
// 0600 by `lattice-index keygen` on first use). It is never printed. A
// different seed re-signs everything and changes the demo publisher key.
//
// Ids, versions and capabilities come from the existing entry files and are
// kept. Everything is deterministic: the same seed and sources give the same
// bytes (tar stream everywhere; gzip bytes for a given Node/zlib build), so a
// second run changes nothing.
//
// `node scripts/rebuild-demo-plugins.mjs [--index-dir index]`
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = pathToFileURL(path.join(ROOT, 'dist') + '/').href;
const CLI = path.join(ROOT, 'dist/cli/main.js');
const EXAMPLES = path.join(ROOT, 'examples/demo-plugins');
const OUT = path.join(EXAMPLES, 'dist');
const SEED_ENV = 'LATTICE_DEMO_PUBLISHER_SEED';
const SEED_FILE = path.join(ROOT, '.lattice/demo-publisher.seed');
const PUBLISHER = 'demo';

/** Platforms every demo bundle declares an entrypoint for. */
const PLATFORMS = ['darwin/amd64', 'darwin/arm64', 'linux/amd64', 'linux/arm64'];

/**
 * How each demo plugin of the index is built from the sources in
 * examples/demo-plugins/ (the same layout scripts/demo.mjs uses).
 * `files(version)` → bundle path → bytes; `entrypoints` → platform → path.
 */
const RECIPES = {
  'demo.hello': {
    source: 'hello-system',
    files: (version) => ({
      ...Object.fromEntries(PLATFORMS.map((p) => [systemEntry(p), read('hello-system/plugin.sh')])),
      'ui/index.html': new TextEncoder().encode(helloPage(version)),
    }),
    entrypoints: Object.fromEntries(PLATFORMS.map((p) => [p, systemEntry(p)])),
    // A sandboxed dashboard page (interop §A.4.3: sandbox views need ui_runtime, nav section "extensions").
    extra: {
      ui_runtime: { mode: 'sandbox', entrypoint: 'ui/index.html', bridge_version: '1' },
      ui: {
        nav: [{ section: 'extensions', section_title: 'Extensions', title: 'Hello', route: 'hello', icon: 'Blocks', scopes: ['node:read'] }],
        views: [{ route: 'hello', title: 'Hello', kind: 'sandbox' }],
      },
    },
  },
  'demo.counter': {
    source: 'counter-wasm',
    files: async () => ({ 'bin/wasm/plugin.wasm': (await import(pathToFileURL(path.join(EXAMPLES, 'counter-wasm/module.mjs')).href)).MODULE }),
    entrypoints: Object.fromEntries(PLATFORMS.map((p) => [p, 'bin/wasm/plugin.wasm'])),
    extra: {},
  },
  'demo.echo-worker': {
    source: 'greeter-worker',
    files: () => ({ 'bin/worker/worker.js': read('greeter-worker/worker.js') }),
    entrypoints: Object.fromEntries(PLATFORMS.map((p) => [p, 'bin/worker/worker.js'])),
    extra: {},
  },
};

function systemEntry(platform) {
  return `bin/${platform.replace('/', '-')}/plugin`;
}

function read(rel) {
  return new Uint8Array(readFileSync(path.join(EXAMPLES, rel)));
}

/** The demo.hello dashboard page: static, no script (the sandbox CSP forbids inline code anyway). */
function helloPage(version) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Hello (system demo)</title>
</head>
<body>
<main>
<h1>Hello from demo.hello</h1>
<p>Version ${version}. This page is served from the plugin's signed bundle, inside the dashboard sandbox.</p>
</main>
</body>
</html>
`;
}

function fail(message) {
  console.error(`rebuild-demo-plugins: ${message}`);
  process.exit(1);
}

/** Run the built CLI; stop on failure, showing its output. */
function cli(args, opts = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0 && !opts.allowFail) {
    process.stderr.write(r.stdout + r.stderr);
    fail(`lattice-index ${args.join(' ')} exited ${r.status}`);
  }
  return r;
}

const rel = (p) => path.relative(ROOT, p).split(path.sep).join('/');

async function main() {
  const args = process.argv.slice(2);
  const i = args.indexOf('--index-dir');
  const indexDir = path.resolve(ROOT, i >= 0 ? args[i + 1] ?? fail('--index-dir needs a value') : 'index');
  if (!existsSync(CLI)) fail('dist/cli/main.js is missing: run `npm run build` first');
  const [{ encodeBase64 }, { publicKeyFromSeed, sha256Hex }, { decodeManifest }, keys, { writeFileAtomic }] = await Promise.all([
    import(`${DIST}core/base64.js`),
    import(`${DIST}crypto/index.js`),
    import(`${DIST}domain/manifest/index.js`),
    import(`${DIST}io/keys.js`),
    import(`${DIST}io/files.js`),
  ]);

  // The publisher key: from the environment, or the local seed file (created on first use).
  let keyArgs;
  let seed;
  if (process.env[SEED_ENV]) {
    seed = keys.readSeedEnv(SEED_ENV);
    keyArgs = ['--key-env', SEED_ENV];
    console.log(`publisher seed: $${SEED_ENV}`);
  } else {
    if (!existsSync(SEED_FILE)) {
      mkdirSync(path.dirname(SEED_FILE), { recursive: true, mode: 0o700 });
      cli(['keygen', '--out', SEED_FILE]);
      console.log(`publisher seed: created ${rel(SEED_FILE)} (mode 0600, gitignored)`);
    } else {
      console.log(`publisher seed: ${rel(SEED_FILE)}`);
    }
    seed = await keys.readSeedFile(SEED_FILE);
    keyArgs = ['--key', SEED_FILE];
  }
  const publicKey = encodeBase64(publicKeyFromSeed(seed));
  seed.fill(0);
  console.log(`publisher ${PUBLISHER} key: ${publicKey}`);

  const changed = [];
  const writeJSON = async (file, value) => {
    const text = JSON.stringify(value, null, 2) + '\n';
    if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
    await writeFileAtomic(file, text);
    changed.push(rel(file));
  };

  // 1. The publisher's key.
  const publisherFile = path.join(indexDir, 'publishers', `${PUBLISHER}.json`);
  const publisher = JSON.parse(readFileSync(publisherFile, 'utf8'));
  publisher.public_key_ed25519 = publicKey;
  await writeJSON(publisherFile, publisher);

  // 2. Every release of every demo plugin.
  mkdirSync(OUT, { recursive: true });
  const checks = [];
  const pluginFiles = readdirSync(path.join(indexDir, 'plugins')).filter((f) => f.endsWith('.json')).sort();
  for (const f of pluginFiles) {
    const pluginFile = path.join(indexDir, 'plugins', f);
    const plugin = JSON.parse(readFileSync(pluginFile, 'utf8'));
    if (plugin.publisher !== PUBLISHER) continue;
    const recipe = RECIPES[plugin.id];
    if (!recipe) fail(`${rel(pluginFile)}: no recipe for demo plugin ${plugin.id}`);
    const meta = JSON.parse(readFileSync(path.join(EXAMPLES, recipe.source, 'plugin.json'), 'utf8'));
    for (const release of plugin.releases) {
      const base = `${plugin.id}-${release.version}`;
      const bundleFile = path.join(OUT, `${base}.tar.gz`);
      const manifestFile = path.join(OUT, `${base}.manifest.json`);

      // 2a. Stage and pack the bundle.
      const stage = mkdtempSync(path.join(os.tmpdir(), 'lattice-demo-bundle-'));
      try {
        for (const [p, bytes] of Object.entries(await recipe.files(release.version))) {
          mkdirSync(path.dirname(path.join(stage, p)), { recursive: true });
          writeFileSync(path.join(stage, p), bytes);
        }
        const before = existsSync(bundleFile) ? readFileSync(bundleFile) : undefined;
        cli(['bundle', 'pack', stage, '--out', bundleFile, '--force']);
        if (!before || Buffer.compare(before, readFileSync(bundleFile)) !== 0) changed.push(rel(bundleFile));
      } finally {
        rmSync(stage, { recursive: true, force: true });
      }

      // 2b. The manifest: the index's id, name, type, version and capabilities.
      const capabilities = release.capabilities ?? plugin.capabilities;
      const manifest = {
        schema: 'lattice.plugin.manifest.v2',
        id: plugin.id,
        name: plugin.name,
        type: plugin.type,
        capabilities,
        version: release.version,
        publisher: PUBLISHER,
        bundle: { format: 'tar+gzip', digest_sha256: '' },
        runtime: { protocol: meta.protocol, entrypoints: recipe.entrypoints },
        ...('ui_runtime' in recipe.extra ? { ui_runtime: recipe.extra.ui_runtime } : {}),
        compatibility: meta.compatibility,
        ...('ui' in recipe.extra ? { ui: recipe.extra.ui } : {}),
      };
      const before = existsSync(manifestFile) ? readFileSync(manifestFile) : undefined;
      writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
      cli(['manifest', 'sign', manifestFile, ...keyArgs, '--artifact', bundleFile, '--write']);
      const manifestBytes = readFileSync(manifestFile);
      if (!before || Buffer.compare(before, manifestBytes) !== 0) changed.push(rel(manifestFile));
      const decoded = decodeManifest(manifestBytes);
      if (!decoded.ok) fail(`${rel(manifestFile)}: ${decoded.message}`);
      const m = decoded.manifest;

      // 2c. The release entry describes exactly this manifest (interop §I.7).
      release.capabilities = [...m.capabilities];
      release.artifact_sha256 = m.bundle.digest_sha256.toLowerCase();
      release.signature_ed25519 = m.signature_ed25519;
      release.manifest_sha256 = sha256Hex(manifestBytes);
      plugin.type = m.type;
      const storedFile = path.join(indexDir, 'manifests', plugin.id, `${release.version}.json`);
      const storedBefore = existsSync(storedFile) ? readFileSync(storedFile) : undefined;
      if (!storedBefore || Buffer.compare(storedBefore, manifestBytes) !== 0) {
        mkdirSync(path.dirname(storedFile), { recursive: true });
        writeFileSync(storedFile, manifestBytes);
        changed.push(rel(storedFile));
      }
      checks.push({ pluginFile, manifestFile, bundleFile, version: release.version });
      console.log(`${base}: bundle ${release.artifact_sha256.slice(0, 16)}…, manifest signed`);
    }
    await writeJSON(pluginFile, plugin);
  }

  // 3. Check everything with the toolkit, as a publisher and a reviewer would.
  for (const c of checks) {
    cli(['manifest', 'verify', c.manifestFile, '--key', publicKey, '--artifact', c.bundleFile]);
    cli(['bundle', 'inspect', c.bundleFile, '--manifest', c.manifestFile, '--platform', 'linux/amd64']);
    cli(['check-entry', c.pluginFile, '--manifest', c.manifestFile, '--artifact', c.bundleFile, '--version', c.version]);
  }
  console.log(`checked ${checks.length} release(s): manifest verify, bundle inspect, check-entry`);

  // 4. The assembled index.
  const indexFile = path.join(indexDir, 'plugins.json');
  const indexBefore = existsSync(indexFile) ? readFileSync(indexFile) : undefined;
  const built = cli(['build', '--index-dir', rel(indexDir) || '.']);
  process.stdout.write(built.stdout);
  if (!indexBefore || Buffer.compare(indexBefore, readFileSync(indexFile)) !== 0) changed.push(rel(indexFile));

  console.log(changed.length ? `changed:\n${changed.map((c) => `  ${c}`).join('\n')}` : 'nothing changed');
}

await main();
