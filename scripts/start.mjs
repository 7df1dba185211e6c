#!/usr/bin/env node
// `npm start`: build the index and the catalog, then serve the catalog on
// http://127.0.0.1:4321 (run after `npm run build`, which compiles dist/).
//
// 1. `lattice-index build` → index/plugins.json (the committed, unsigned draft)
//    and `validate` it.
// 2. A signing key: LATTICE_INDEX_KEY_FILE when set, else a local development
//    key .lattice/dev-index.seed created on first use (.lattice/ is
//    gitignored; the key never leaves this machine and is never committed).
// 3. A signed copy for the site, without touching the committed index:
//    `build --out .lattice/site/plugins.json --expires-in 30 --refresh` then
//    `sign … --official`.
// 4. `astro build` of site/ with LATTICE_INDEX_FILE / LATTICE_INDEX_KEYS
//    pointing at that copy and the key's public half (the build verifies it),
//    and LATTICE_SITE_URL naming the port really served (unless set).
// 5. Serve site/dist on 127.0.0.1 (scripts/serve-static.mjs). The port is
//    taken FIRST, before any build step, so a busy port fails in a second,
//    not after the two-minute build; the listening socket answers 503 while
//    the catalog builds, then serves it.
//
// Options: --no-serve (build only: `npm run site:build`), --port N (or
// LATTICE_SITE_PORT), --draft (skip signing: publish the draft with its banner).
// LATTICE_INDEX_PUBLISHER names the publisher recorded in the signature (default demo).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const CLI = path.join(ROOT, 'dist/cli/main.js');
const LOCAL_DIR = path.join(ROOT, '.lattice');
const DEV_KEY = path.join(LOCAL_DIR, 'dev-index.seed');
const SITE_INDEX = path.join(LOCAL_DIR, 'site/plugins.json');
const ASTRO = path.join(ROOT, 'node_modules/astro/astro.js');

const argv = process.argv.slice(2);
const serve = !argv.includes('--no-serve');
const draftOnly = argv.includes('--draft');
const portArg = argv.indexOf('--port');
const port = Number(portArg !== -1 ? argv[portArg + 1] : (process.env.LATTICE_SITE_PORT ?? 4321));
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('--port must be an integer from 0 to 65535');

function fail(message) {
  console.error(`start: ${message}`);
  process.exit(1);
}
process.on('SIGINT', () => process.exit(130));

function run(title, args, env = {}) {
  console.log(`\n▸ ${title}`);
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) fail(`${title} failed (exit ${r.status ?? r.signal})`);
}

if (!existsSync(CLI)) fail('dist/ is missing; run `npm run build` first (npm start does)');

// 0. Take the port now (port 0 picks a free one), so LATTICE_SITE_URL names it.
const { createStaticHandler, serveStatic } = await import('./serve-static.mjs');
let served;
if (serve) {
  try {
    served = await serveStatic({ root: path.join(ROOT, 'site/dist'), port, handler: (_req, res) => res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' }).end('The catalog is being built; try again in a moment.\n') });
  } catch (e) {
    fail(`cannot listen on 127.0.0.1:${port}: ${e.message} — pick another port with --port N or LATTICE_SITE_PORT (0 picks a free one)`);
  }
  console.log(`▸ listening on ${served.url} (the catalog is served there once it is built)`);
}
const siteUrl = process.env.LATTICE_SITE_URL?.trim() || (served ? served.url : `http://127.0.0.1:${port || 4321}/`);

// 1. The committed index: assemble and validate.
run('lattice-index build (index/plugins.json)', [CLI, 'build']);
run('lattice-index validate index/plugins.json', [CLI, 'validate', 'index/plugins.json']);

// 2–3. A signed copy for the site.
let indexFile = path.join(ROOT, 'index/plugins.json');
let keys = '';
if (draftOnly) {
  console.log('\n▸ --draft: publishing the unsigned draft index');
} else {
  const configured = process.env.LATTICE_INDEX_KEY_FILE?.trim();
  const keyFile = configured ? path.resolve(configured) : DEV_KEY;
  if (configured && !existsSync(keyFile)) fail(`LATTICE_INDEX_KEY_FILE ${keyFile} does not exist`);
  if (!configured && !existsSync(keyFile)) {
    mkdirSync(LOCAL_DIR, { recursive: true, mode: 0o700 });
    run('lattice-index keygen (local development key, first use)', [CLI, 'keygen', '--out', keyFile]);
  }
  mkdirSync(path.dirname(SITE_INDEX), { recursive: true });
  run('lattice-index build (signed copy for the site)', [CLI, 'build', '--out', SITE_INDEX, '--expires-in', '30', '--refresh']);
  const publisher = process.env.LATTICE_INDEX_PUBLISHER?.trim() || 'demo';
  run('lattice-index sign --official', [CLI, 'sign', SITE_INDEX, '--key', keyFile, '--publisher', publisher, '--official']);
  const { readSeedFile } = await import(path.join(ROOT, 'dist/io/keys.js'));
  const { publicKeyFromSeed } = await import(path.join(ROOT, 'dist/crypto/index.js'));
  const { encodeBase64 } = await import(path.join(ROOT, 'dist/core/base64.js'));
  const seed = await readSeedFile(keyFile);
  keys = encodeBase64(publicKeyFromSeed(seed));
  seed.fill(0);
  indexFile = SITE_INDEX;
  console.log(`  trusted key for the catalog build: ${keys}`);
}

// 4. The catalog (verifies the index before rendering anything).
run('astro build (site/ → site/dist)', [ASTRO, 'build', '--root', path.join(ROOT, 'site')], {
  LATTICE_INDEX_FILE: indexFile,
  LATTICE_INDEX_KEYS: keys,
  LATTICE_INDEX_THRESHOLD: keys ? '1' : '',
  LATTICE_SITE_URL: siteUrl,
  ASTRO_TELEMETRY_DISABLED: '1',
});

// 5. Serve, on the socket taken in step 0.
if (served) {
  served.server.removeAllListeners('request');
  served.server.on('request', createStaticHandler(path.join(ROOT, 'site/dist')));
  console.log(`\nCatalog: ${served.url}  (Ctrl-C to stop)`);
  const stop = () => served.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} else {
  console.log('\nCatalog built in site/dist');
}
