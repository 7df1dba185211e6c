// The catalog's browser check (issue 14 item 1) in Debian Chromium, on
// synthetic catalogs (bench/synthetic-index.mjs; default 1k and 10k plugins,
// `node bench/site-verify.bench.mjs 20000` for others), built with repository
// v2 (the same entries published by publishRepository, the root pinned with
// LATTICE_SITE_REPOSITORY_ROOT) and served on 127.0.0.1 by a server that
// counts every body byte (raw, and gzip as a compressing host would send it).
//
// Per page, cold (a fresh browser context: nothing cached, nothing trusted but
// the pinned root):
// - time to the verdict (the page script's `lattice-verification-done` mark,
//   from navigation start) next to the same page's load event, measured in the
//   same visit: the peer, so the ratio says what the check adds;
// - main-thread blocking time while checking (long tasks, Σ(duration − 50 ms)
//   up to the verdict) — the check runs in a Web Worker;
// - bytes transferred: the whole visit, and the check's own requests.
// Pages: the catalog (v1: the whole signed plugins.json), a plugin page (v2:
// timestamp → snapshot → targets → bin → the plugin's target; peer: the
// plugins.json a v1 check would download), and the catalog again in the same
// visit (the verdict cached for the session).
//
// Usage: `node bench/site-verify.bench.mjs [sizes…]` after `npm run build`, or
// `export default run` for bench/run.mjs. Needs /usr/bin/chromium (or LATTICE_CHROMIUM).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { syntheticIndex } from './synthetic-index.mjs';
import { signIndex } from '../dist/domain/index/sign.js';
import { encodeBase64 } from '../dist/core/base64.js';
import { publicKeyFromSeed, sha256 } from '../dist/crypto/index.js';
import { ed25519Signer } from '../dist/domain/repository/keys.js';
import { initRepositoryDir, publishRepository } from '../dist/io/repository-dir.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ASTRO = path.join(ROOT, 'node_modules/astro/astro.js');
const CHROMIUM = process.env.LATTICE_CHROMIUM || '/usr/bin/chromium';
const SIZES = [1000, 10000];
const KiB = 1024;

function astroBuild(cwd, env) {
  const childEnv = { ...process.env, ...env, ASTRO_TELEMETRY_DISABLED: '1' };
  delete childEnv.NODE_ENV;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ASTRO, 'build', '--root', path.join(ROOT, 'site')], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`catalog build failed (exit ${code}):\n${output.slice(-4000)}`))));
  });
}

/** Static server over the built site and the repository, logging each response's body bytes. */
async function serve(siteDir, repoDir) {
  const log = [];
  const gz = new Map();
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const file = url.startsWith('/repository/') ? path.join(repoDir, url.slice('/repository/'.length)) : path.join(siteDir, url, url.endsWith('/') ? 'index.html' : '');
    let body;
    try {
      body = statSync(file).isDirectory() ? readFileSync(path.join(file, 'index.html')) : readFileSync(file);
    } catch {
      log.push({ url, bytes: 0, gzip: 0 });
      res.writeHead(404).end();
      return;
    }
    if (!gz.has(file)) gz.set(file, gzipSync(body).length);
    log.push({ url, bytes: body.length, gzip: gz.get(file) });
    const type = file.endsWith('.html') ? 'text/html; charset=utf-8' : file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/json';
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${server.address().port}/`, log, close: () => new Promise((r) => server.close(r)) };
}

// Long tasks from navigation start, collected by the page itself.
const LONGTASKS = `window.__lt = []; try { new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__lt.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true }); } catch {}`;

async function measure(context, server, url) {
  const page = await context.newPage();
  const from = server.log.length;
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.verification !== undefined, undefined, { timeout: 600_000 });
  await page.waitForLoadState('load');
  const m = await page.evaluate(() => {
    const done = performance.getEntriesByName('lattice-verification-done')[0]?.startTime ?? NaN;
    const nav = performance.getEntriesByType('navigation')[0];
    const blocking = (window.__lt ?? []).filter(([s]) => s <= done).reduce((a, [, d]) => a + Math.max(0, d - 50), 0);
    return { state: document.documentElement.dataset.verification, doneMs: done, loadMs: nav.loadEventEnd, blockingMs: blocking };
  });
  const reqs = server.log.slice(from);
  const sum = (f, k) => reqs.filter(f).reduce((a, r) => a + r[k], 0);
  const check = (r) => r.url === '/plugins.json' || r.url.startsWith('/repository/');
  await page.close();
  return {
    ...m,
    bytes: sum(() => true, 'bytes'),
    gzip: sum(() => true, 'gzip'),
    checkBytes: sum(check, 'bytes'),
    checkGzip: sum(check, 'gzip'),
    checkRequests: reqs.filter(check).length,
  };
}

const kib = (b) => `${(b / KiB).toFixed(1)} KiB`;
const ms = (x) => `${x.toFixed(0)} ms`;

export default async function run(sizes = SIZES) {
  if (!existsSync(CHROMIUM)) {
    console.log(`site-verify: skipped, no Chromium at ${CHROMIUM} (bash scripts/setup-system.sh installs it)`);
    return;
  }
  const base = mkdtempSync(path.join(tmpdir(), 'lattice-site-verify-bench-'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    for (const n of sizes) {
      const dir = path.join(base, String(n));
      const index = path.join(dir, 'index');
      mkdirSync(path.join(index, 'plugins'), { recursive: true });
      mkdirSync(path.join(index, 'publishers'), { recursive: true });
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
      const doc = syntheticIndex(n, 42);
      for (const p of doc.publishers) writeFileSync(path.join(index, 'publishers', `${p.id}.json`), JSON.stringify(p, null, 2) + '\n');
      for (const p of doc.plugins) writeFileSync(path.join(index, 'plugins', `${p.id}.json`), JSON.stringify(p, null, 2) + '\n');
      const now = Date.now();
      const generated = Math.floor(now / 1000) * 1000 - 60_000;
      doc.generated_at = new Date(generated).toISOString().replace('.000Z', 'Z');
      doc.generation = 1;
      doc.expires_at = new Date(generated + 30 * 86_400_000).toISOString().replace('.000Z', 'Z');
      const seed = new Uint8Array(randomBytes(32));
      const indexFile = path.join(dir, 'plugins.json');
      writeFileSync(indexFile, signIndex(doc, seed, { publisher: doc.publishers[0].id, official: true, now }).bytes);

      const repo = path.join(dir, 'repository');
      const online = ed25519Signer(sha256(new TextEncoder().encode(`site-verify bench online ${now}`)));
      const rootKey = ed25519Signer(sha256(new TextEncoder().encode(`site-verify bench root ${now}`)));
      await initRepositoryDir({ repoDir: repo, rootSigners: [rootKey], rootThreshold: 1, signers: { online }, now });
      await publishRepository({ repoDir: repo, indexDir: index, signers: { online }, now, displayRoot: dir });

      const out = path.join(dir, 'dist');
      await astroBuild(dir, {
        LATTICE_INDEX_FILE: indexFile,
        LATTICE_INDEX_KEYS: encodeBase64(publicKeyFromSeed(seed)),
        LATTICE_SITE_OUT_DIR: out,
        LATTICE_SITE_CACHE_DIR: path.join(dir, 'cache'),
        LATTICE_SITE_REPOSITORY_ROOT: path.join(repo, 'metadata/1.root.json'),
      });
      const server = await serve(out, repo);
      const plugin = doc.plugins[Math.floor(n / 2)].id;
      const indexBytes = statSync(indexFile).size;
      const indexGzip = gzipSync(readFileSync(indexFile)).length;
      try {
        const cold = async (url) => {
          const context = await browser.newContext();
          await context.addInitScript(LONGTASKS);
          try {
            return await measure(context, server, url);
          } finally {
            await context.close();
          }
        };
        const home = await cold(server.base);
        const pluginPage = await cold(`${server.base}plugins/${plugin}/`);
        const context = await browser.newContext();
        await context.addInitScript(LONGTASKS);
        await measure(context, server, server.base);
        const warm = await measure(context, server, `${server.base}publishers/${doc.publishers[0].id}/`);
        await context.close();

        console.log(`\n${n} plugins (plugins.json ${kib(indexBytes)}, gzip ${kib(indexGzip)})`);
        const line = (name, r, peer) =>
          console.log(
            `  ${name.padEnd(30)} ${r.state.padEnd(6)} verdict ${ms(r.doneMs).padStart(8)} (load ${ms(r.loadMs)}, ${(r.doneMs / r.loadMs).toFixed(2)}×)  ` +
              `blocking ${ms(r.blockingMs)}  page ${kib(r.bytes)} (gzip ${kib(r.gzip)})  check ${r.checkRequests} req ${kib(r.checkBytes)} (gzip ${kib(r.checkGzip)})${peer}`,
          );
        line('catalog, cold (v1 + chain)', home, '');
        line('plugin page, cold (v2)', pluginPage, `  = ${(pluginPage.checkBytes / indexBytes).toFixed(4)}× the plugins.json a v1 check fetches`);
        line('publisher page, same visit (v2)', warm, '');
        if (home.state !== 'ok' || pluginPage.state !== 'ok' || warm.state !== 'ok') console.log('  NOTE: a check did not pass — the numbers above are of a failing page');
        console.log(`  goals (issue 14): page bytes ≤ 150 KiB compressed, blocking ≤ 200 ms — plugin page v2 ${pluginPage.gzip <= 150 * KiB ? 'met' : 'NOT met'} (${kib(pluginPage.gzip)}), catalog ${home.gzip <= 150 * KiB ? 'met' : 'NOT met'} (${kib(home.gzip)}; the listing itself is issue 14 item 2)`);
      } finally {
        await server.close();
      }
    }
  } finally {
    await browser.close();
    rmSync(base, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2).map(Number).filter((x) => x > 0);
  await run(args.length ? args : SIZES);
}
