/**
 * Verification you cannot miss (issue 14 item 1), in Debian Chromium via
 * playwright-core against a catalog built by `astro build` from an index
 * signed for this run:
 *
 * - honest: the home page, a plugin page and a publisher page each check the
 *   served /plugins.json in a Web Worker and confirm their trust claims,
 *   stated in precise words (generation, key fingerprint), never "Verified";
 * - attack (v1 tamper): one changed byte in the served /plugins.json puts the
 *   failure banner at the top of each of these pages and leaves no
 *   "verified" wording anywhere on them;
 * - once per visit: the second page of a visit reuses the verdict (no second
 *   download of /plugins.json);
 * - rollback: a browser that saw a newer generation refuses this one
 *   (INDEX_ROLLBACK), and the same generation with other bytes
 *   (INDEX_GENERATION_REUSED); the honest variant with the same state passes.
 *
 * - repository v2 (a second build with LATTICE_SITE_REPOSITORY_ROOT, the
 *   repository made by `repo init` / `repo publish` from the same entries and
 *   served under /repository/): plugin and publisher pages check the TUF
 *   chain from the pinned root down to their own target and fetch kilobytes,
 *   not plugins.json; one changed byte in the served timestamp puts the
 *   banner on home, plugin and publisher pages; one changed byte in a plugin
 *   target fails that page (REPO_HASH_MISMATCH); a page built from other data
 *   than the repository serves is INDEX_CHANGED; older metadata after newer
 *   is REPO_ROLLBACK.
 *
 * Screenshots of the tampered pages go to test-output/site/.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ESM script without type declarations
import { createStaticHandler, serveStatic } from '../../scripts/serve-static.mjs';
import { verifyIndex } from '../../src/domain/index/verify.js';
import { WITHDRAWN_WORDS } from '../../site/src/lib/trust.js';
import { sha256 } from '../../src/crypto/index.js';
import { runCli } from '../cli/helpers.js';
import { buildSite, demoIndexDocument, REPO_ROOT, signedIndexBytes, testKey, type TestKey } from './fixtures.js';

const CHROMIUM = process.env.LATTICE_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = path.join(REPO_ROOT, 'test-output/site');
const AXE = path.join(REPO_ROOT, 'node_modules/axe-core/axe.min.js');
const PAGES = [
  { name: 'home', path: '' },
  { name: 'plugin', path: 'plugins/demo.hello/' },
  { name: 'publisher', path: 'publishers/demo/' },
];

interface Served {
  url: string;
  close: () => Promise<void>;
}

let tmp: string;
let key: TestKey;
let signedBytes: Uint8Array;
let generation: number;
let payloadSha256: string;
let servers: { honest: Served; tampered: Served; v2: Served; v2Tampered: Served; v2Target: Served; v2Changed: Served; v2Rollback: Served };
/** What the rollback server serves: the repository before or after a refresh. */
let rollbackMode: 'new' | 'old' = 'new';
let browser: Browser;
const indexRequests = new Map<string, number>();
const v2Requests = new Map<string, string[]>();

/** Change exactly one byte of the signed file (a letter of a summary: still valid JSON). */
function oneByteChanged(bytes: Uint8Array): Uint8Array {
  const at = new TextDecoder().decode(bytes).indexOf('A minimal system plugin');
  if (at < 0) throw new Error('marker text not found');
  const out = bytes.slice();
  out[at + 2] = 'M'.charCodeAt(0); // "minimal" → "Minimal" (ASCII, so the char offset is the byte offset)
  return out;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}. Run \`bash scripts/setup-system.sh\` and try again.`);
  mkdirSync(SHOTS, { recursive: true });
  tmp = mkdtempSync(path.join(tmpdir(), 'lattice-site-trust-'));
  const now = Date.now();
  key = testKey();
  const doc = await demoIndexDocument(now, { expiresInDays: 30 });
  doc.generation = 5; // room below for an older generation a browser may have seen
  signedBytes = signedIndexBytes(doc, key, now);
  generation = 5;
  const v = verifyIndex(signedBytes, { keys: [{ publicKey: key.publicKey }], threshold: 1 }, { now });
  if (!v.ok) throw v.error;
  payloadSha256 = v.verified.payloadSha256;
  const tampered = oneByteChanged(signedBytes);
  expect(tampered.filter((b, i) => b !== signedBytes[i]).length).toBe(1);
  const file = path.join(tmp, 'signed.json');
  writeFileSync(file, signedBytes);

  // Repository v2 from the same entry files: init, publish; a copy, then a refresh (newer metadata).
  const seed = (name: string) => {
    const f = path.join(tmp, `${name}.seed`);
    writeFileSync(f, sha256(new TextEncoder().encode(`site trust test ${name} ${now}`)), { mode: 0o600 });
    return f;
  };
  const [rootKey, onlineKey] = [seed('root'), seed('online')];
  const repoDir = path.join(tmp, 'repository');
  const cli = async (args: string[]) => {
    const r = await runCli(args, { cwd: tmp });
    if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  };
  await cli(['repo', 'init', '--repo', repoDir, '--root-key', rootKey, '--root-threshold', '1', '--online-key', onlineKey]);
  await cli(['repo', 'publish', '--repo', repoDir, '--index-dir', path.join(REPO_ROOT, 'index'), '--online-key', onlineKey]);
  const oldRepoDir = path.join(tmp, 'repository-old');
  cpSync(repoDir, oldRepoDir, { recursive: true });
  await cli(['repo', 'refresh', '--repo', repoDir, '--online-key', onlineKey, '--refresh-before', '3650']);

  const [build, v2Build] = await Promise.all([
    buildSite({ indexFile: file, keys: [key.publicKeyB64], outDir: path.join(tmp, 'out'), cacheDir: path.join(tmp, 'cache') }),
    buildSite({
      indexFile: file,
      keys: [key.publicKeyB64],
      outDir: path.join(tmp, 'out-v2'),
      cacheDir: path.join(tmp, 'cache-v2'),
      env: { LATTICE_SITE_REPOSITORY_ROOT: path.join(repoDir, 'metadata/1.root.json') },
    }),
  ]);
  if (build.code !== 0) throw new Error(`catalog build failed:\n${build.output}`);
  if (v2Build.code !== 0) throw new Error(`catalog build (v2) failed:\n${v2Build.output}`);
  const handler = createStaticHandler(build.outDir);
  const counting = (name: string, body?: Uint8Array) => (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/plugins.json') {
      indexRequests.set(name, (indexRequests.get(name) ?? 0) + 1);
      if (body) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
        res.end(Buffer.from(body));
        return;
      }
    }
    handler(req, res);
  };
  // The v2 site: the catalog, and the repository under /repository/ (as scripts/ci-repo.mjs deploy places it).
  const v2Site = createStaticHandler(v2Build.outDir);
  const repoFiles = (dir: string) => createStaticHandler(dir);
  const v2Handler = (name: string, opts: { change?: (url: string, bytes: Buffer) => Buffer | undefined; repo?: () => string } = {}) => {
    const handlers = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
    return (req: IncomingMessage, res: ServerResponse) => {
      const url = req.url ?? '/';
      v2Requests.get(name)?.push(url) ?? v2Requests.set(name, [url]);
      const dir = opts.repo?.() ?? repoDir;
      const local = url.startsWith('/repository/') ? path.join(dir, decodeURIComponent(url.slice('/repository/'.length))) : path.join(v2Build.outDir, decodeURIComponent(url), url.endsWith('/') ? 'index.html' : '');
      if (opts.change && existsSync(local) && !local.endsWith(path.sep)) {
        const changed = opts.change(url, readFileSync(local));
        if (changed) {
          res.writeHead(200, { 'Content-Type': url.endsWith('/') ? 'text/html; charset=utf-8' : 'application/json', 'Content-Length': changed.length, 'Cache-Control': 'no-cache' });
          res.end(changed);
          return;
        }
      }
      if (url.startsWith('/repository/')) {
        if (!handlers.has(dir)) handlers.set(dir, repoFiles(dir));
        req.url = url.slice('/repository'.length);
        handlers.get(dir)!(req, res);
        return;
      }
      v2Site(req, res);
    };
  };
  const flip = (b: Buffer, at: number): Buffer => {
    const out = Buffer.from(b);
    // One byte, inside the signed part, keeping the value well-formed: a digit becomes the next digit, a letter another letter.
    const c = out[at]!;
    out[at] = c >= 0x30 && c <= 0x39 ? 0x30 + ((c - 0x30 + 1) % 10) : c === 0x61 ? 0x62 : 0x61;
    return out;
  };
  const pluginTarget = readdirSync(path.join(repoDir, 'targets/plugins')).find((f) => f.endsWith('.demo.hello.json'))!;
  servers = {
    honest: await serveStatic({ root: build.outDir, port: 0, handler: counting('honest') }),
    tampered: await serveStatic({ root: build.outDir, port: 0, handler: counting('tampered', tampered) }),
    v2: await serveStatic({ root: v2Build.outDir, port: 0, handler: v2Handler('v2') }),
    // One changed byte in the served timestamp.json (a digit of its "expires": still valid metadata, signature broken).
    v2Tampered: await serveStatic({
      root: v2Build.outDir,
      port: 0,
      handler: v2Handler('v2Tampered', { change: (url, b) => (url === '/repository/metadata/timestamp.json' ? flip(b, b.indexOf('"expires"') + 12) : undefined) }),
    }),
    // One changed byte in demo.hello's served target.
    v2Target: await serveStatic({
      root: v2Build.outDir,
      port: 0,
      handler: v2Handler('v2Target', { change: (url, b) => (url.endsWith(`/${pluginTarget}`) ? flip(b, b.indexOf('"summary"') + 12) : undefined) }),
    }),
    // The plugin page as if built from other data: its expected digest of the target differs.
    v2Changed: await serveStatic({
      root: v2Build.outDir,
      port: 0,
      handler: v2Handler('v2Changed', {
        change: (url, b) => {
          if (url !== '/plugins/demo.hello/') return undefined;
          const text = b.toString('utf8');
          const m = /"path":"plugins\/demo\.hello\.json","sha256":"([0-9a-f]{64})"/.exec(text);
          if (!m) throw new Error('the v2 plugin page carries no target digest');
          return Buffer.from(text.replace(m[1]!, m[1]!.replace(/^./, (c) => (c === '0' ? '1' : '0'))), 'utf8');
        },
      }),
    }),
    v2Rollback: await serveStatic({ root: v2Build.outDir, port: 0, handler: v2Handler('v2Rollback', { repo: () => (rollbackMode === 'new' ? repoDir : oldRepoDir) }) }),
  };
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(Object.values(servers ?? {}).map((s) => s.close()));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const contexts: { context: BrowserContext; errors: string[] }[] = [];
async function open(options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext(options);
  const errors: string[] = [];
  context.on('page', (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()} (${page.url()})`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message} (${page.url()})`));
  });
  contexts.push({ context, errors });
  return { context, errors };
}
afterEach(async () => {
  const all = contexts.splice(0);
  await Promise.all(all.map((c) => c.context.close()));
  expect(all.flatMap((c) => c.errors)).toEqual([]);
});

/** Visit and wait for this page's browser check to finish; returns whether a worker ran it. */
async function visit(page: Page, url: string): Promise<{ state: string; worker: boolean }> {
  let worker = false;
  page.on('worker', () => (worker = true));
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.verification !== undefined, undefined, { timeout: 30_000 });
  return { state: (await page.evaluate(() => document.documentElement.dataset.verification)) ?? '', worker };
}

/** The visible text of the whole page. */
function pageText(page: Page): Promise<string> {
  return page.evaluate(() => document.body.innerText);
}

async function expectFailureBanner(page: Page, code: string): Promise<void> {
  const banner = page.locator('[data-trust-banner]');
  expect(await banner.isVisible()).toBe(true);
  expect(await banner.getAttribute('data-code')).toBe(code);
  expect(await banner.getAttribute('role')).toBe('alert');
  // At the top: the first element of the body, starting at the top edge of the page.
  expect(await page.evaluate(() => document.body.firstElementChild?.hasAttribute('data-trust-banner'))).toBe(true);
  expect((await banner.boundingBox())!.y).toBe(0);
  // No claim survives, and no "verified" wording anywhere on the page (not even "Not verified").
  expect(await page.locator('[data-trust-claim]:not([data-claim-state="withdrawn"])').count()).toBe(0);
  // Each withdrawn claim is either gone from view or says it was withdrawn.
  const shown = await page.locator('[data-trust-claim]').evaluateAll((els) =>
    els.filter((e) => (e as HTMLElement).offsetParent !== null || getComputedStyle(e).display !== 'none').map((e) => (e as HTMLElement).innerText.trim()),
  );
  for (const t of shown) expect(t).toBe(WITHDRAWN_WORDS);
  // The check's own panel (the catalog) names the failure too.
  if ((await page.locator('[data-browser-verify]').count()) > 0) {
    expect(await page.locator('[data-browser-verify]').getAttribute('data-code')).toBe(code);
  }
  expect(await pageText(page)).not.toMatch(/verified/i);
}

describe('v1: every page checks the signed index in the browser', () => {
  it('honest: home, plugin and publisher pages confirm claims in precise words, checked in a Web Worker', async () => {
    const { context } = await open();
    for (const p of PAGES) {
      const page = await context.newPage();
      await page.evaluate(() => sessionStorage.clear()).catch(() => undefined);
      const r = await visit(page, `${servers.honest.url}${p.path}`);
      expect(r.state, p.name).toBe('ok');
      expect(await page.locator('[data-trust-banner]').isVisible(), p.name).toBe(false);
      expect(await page.locator('[data-trust-claim]').count(), p.name).toBeGreaterThan(0);
      expect(await page.locator('[data-trust-claim]:not([data-claim-state="browser"])').count(), p.name).toBe(0);
      const text = await pageText(page);
      expect(text, p.name).toContain(`Listed in the signed index, generation ${generation}, signed by key ${key.keyid}`);
      expect(text, p.name).not.toMatch(/\bVerified\b/);
      await page.close();
    }
  });

  it('the plugin page says which manifest signatures were checked at build; the publisher page says whose key signed', async () => {
    const { context } = await open();
    const page = await context.newPage();
    await visit(page, `${servers.honest.url}plugins/demo.counter/`);
    expect(await pageText(page)).toMatch(/manifest signature of 0\.3\.0 checked at build/);
    await visit(page, `${servers.honest.url}publishers/demo/`);
    // The run's key signed as "demo", but it is not demo's key: the page must not say Yes.
    expect(await pageText(page)).toContain(`made by key ${key.keyid}, which is not a key of this publisher`);
  });

  it('attack: one changed byte in the served plugins.json puts the banner at the top of home, plugin and publisher pages', async () => {
    const { context } = await open();
    for (const p of PAGES) {
      const page = await context.newPage();
      const r = await visit(page, `${servers.tampered.url}${p.path}`);
      expect(r.state, p.name).toBe('failed');
      expect(r.worker, `${p.name}: checked in a Web Worker`).toBe(true);
      await expectFailureBanner(page, 'INDEX_SIGNATURE_INVALID');
      await page.screenshot({ path: path.join(SHOTS, `tampered-v1-${p.name}.png`), fullPage: true });
      await page.close();
    }
  });

  it('once per visit: the next page reuses the verdict without downloading plugins.json again', async () => {
    const { context } = await open();
    const page = await context.newPage();
    const before = indexRequests.get('honest') ?? 0;
    expect((await visit(page, servers.honest.url)).state).toBe('ok');
    expect(indexRequests.get('honest')).toBe(before + 1);
    const second = await visit(page, `${servers.honest.url}plugins/demo.hello/`);
    expect(second).toEqual({ state: 'ok', worker: false });
    expect(await page.evaluate(() => document.documentElement.dataset.verificationCached)).toBe('true');
    expect(indexRequests.get('honest')).toBe(before + 1);
  });

  it('a failure is not cached: the next page of the visit checks (and fails) again', async () => {
    const { context } = await open();
    const page = await context.newPage();
    const before = indexRequests.get('tampered') ?? 0;
    expect((await visit(page, servers.tampered.url)).state).toBe('failed');
    expect((await visit(page, `${servers.tampered.url}publishers/demo/`)).state).toBe('failed');
    expect(indexRequests.get('tampered')).toBe(before + 2);
  });
});

describe('the failure banner is accessible', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`tampered pages have no serious or critical axe-core violations (${scheme})`, async () => {
      const { context } = await open({ colorScheme: scheme });
      const found: string[] = [];
      for (const p of PAGES) {
        const page = await context.newPage();
        expect((await visit(page, `${servers.tampered.url}${p.path}`)).state).toBe('failed');
        await page.addScriptTag({ path: AXE });
        const result = await page.evaluate(async () => {
          type AxeResults = { passes: unknown[]; violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] };
          const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<AxeResults> } }).axe;
          const r = await axe.run(document, { resultTypes: ['violations'] });
          return { passes: r.passes.length, violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })) };
        });
        expect(result.passes, `axe ran on /${p.path}`).toBeGreaterThan(10);
        for (const v of result.violations) {
          if (v.impact === 'serious' || v.impact === 'critical') found.push(`/${p.path} [${v.impact}] ${v.id}: ${v.help} @ ${v.targets.join(', ')}`);
        }
        if (scheme === 'dark') await page.screenshot({ path: path.join(SHOTS, `tampered-v1-${p.name}-dark.png`), fullPage: true });
        await page.close();
      }
      expect(found).toEqual([]);
    });
  }
});

describe('v1: rollback against what this browser saw before', () => {
  async function withState(state: { generation: number; payloadSha256: string } | string): Promise<Page> {
    const { context } = await open();
    await context.addInitScript((s) => {
      try {
        if (sessionStorage.getItem('lattice-test-seeded') === null) {
          localStorage.setItem('lattice-index-state', s);
          sessionStorage.setItem('lattice-test-seeded', '1');
        }
      } catch {
        // about:blank has no storage
      }
    }, typeof state === 'string' ? state : JSON.stringify(state));
    return context.newPage();
  }

  it('attack: a browser that saw generation N+1 refuses generation N (INDEX_ROLLBACK)', async () => {
    const page = await withState({ generation: generation + 1, payloadSha256: 'e'.repeat(64) });
    expect((await visit(page, `${servers.honest.url}plugins/demo.hello/`)).state).toBe('failed');
    await expectFailureBanner(page, 'INDEX_ROLLBACK');
    await page.screenshot({ path: path.join(SHOTS, 'tampered-v1-rollback.png'), fullPage: true });
  });

  it('attack: the same generation with other signed bytes is refused (INDEX_GENERATION_REUSED)', async () => {
    const page = await withState({ generation, payloadSha256: 'e'.repeat(64) });
    expect((await visit(page, servers.honest.url)).state).toBe('failed');
    await expectFailureBanner(page, 'INDEX_GENERATION_REUSED');
  });

  it('honest: an older generation seen before passes and the newer one is remembered', async () => {
    const page = await withState({ generation: generation - 1, payloadSha256: 'e'.repeat(64) });
    expect((await visit(page, servers.honest.url)).state).toBe('ok');
    const stored = JSON.parse((await page.evaluate(() => localStorage.getItem('lattice-index-state')))!) as unknown;
    expect(stored).toEqual({ generation, payloadSha256 });
  });

  it('honest: the same generation with the same bytes passes on every page', async () => {
    const page = await withState({ generation, payloadSha256 });
    for (const p of PAGES) expect((await visit(page, `${servers.honest.url}${p.path}`)).state, p.name).toBe('ok');
  });
});

describe('repository v2: each page checks the TUF chain down to its own targets', () => {
  it('honest: plugin and publisher pages verify their target from the pinned root, fetching kilobytes and not plugins.json', async () => {
    for (const p of PAGES.filter((x) => x.name !== 'home')) {
      const { context } = await open(); // cold: nothing trusted yet but the pinned root
      const page = await context.newPage();
      v2Requests.set('v2', []);
      const r = await visit(page, `${servers.v2.url}${p.path}`);
      expect(r, p.name).toEqual({ state: 'ok', worker: true });
      expect(await page.locator('[data-trust-claim]:not([data-claim-state="browser"])').count(), p.name).toBe(0);
      const note = await page.locator('[data-browser-check-note]').innerText();
      expect(note, p.name).toMatch(/through repository v2 from the pinned root: timestamp version \d+, snapshot version \d+/);
      const requests = v2Requests.get('v2')!;
      expect(requests, p.name).not.toContain('/plugins.json');
      expect(requests.filter((u) => u.startsWith('/repository/metadata/')).length, p.name).toBeGreaterThanOrEqual(4);
      expect(requests.some((u) => u.startsWith('/repository/targets/')), p.name).toBe(true);
      // Kilobytes: root, timestamp, snapshot, targets, a bin and the page's target.
      const fetched = Number(await page.evaluate(() => document.documentElement.dataset.bytesFetched));
      expect(fetched, p.name).toBeGreaterThan(0);
      expect(fetched, p.name).toBeLessThan(64 * 1024);
      await page.close();
    }
  });

  it('honest: the catalog checks the chain, then the signed index; it links the repository', async () => {
    const { context } = await open();
    const page = await context.newPage();
    v2Requests.set('v2', []);
    expect((await visit(page, servers.v2.url)).state).toBe('ok');
    const requests = v2Requests.get('v2')!;
    expect(requests).toContain('/repository/metadata/timestamp.json');
    expect(requests).toContain('/plugins.json');
    expect(await page.locator('.for-machines a[href$="repository/metadata/timestamp.json"]').count()).toBe(1);
  });

  it('attack: one changed byte in the served timestamp.json puts the banner at the top of home, plugin and publisher pages', async () => {
    const { context } = await open();
    for (const p of PAGES) {
      const page = await context.newPage();
      expect((await visit(page, `${servers.v2Tampered.url}${p.path}`)).state, p.name).toBe('failed');
      const code = await page.locator('[data-trust-banner]').getAttribute('data-code');
      // Well-formed metadata whose signature no longer verifies: the threshold of the timestamp role is not met.
      expect(code, p.name).toBe('REPO_THRESHOLD');
      await expectFailureBanner(page, code!);
      await page.screenshot({ path: path.join(SHOTS, `tampered-v2-${p.name}.png`), fullPage: true });
      await page.close();
    }
  });

  it('attack: one changed byte in the plugin\'s served target fails its page (REPO_HASH_MISMATCH); the honest publisher page on that server passes', async () => {
    const { context } = await open();
    const page = await context.newPage();
    expect((await visit(page, `${servers.v2Target.url}plugins/demo.hello/`)).state).toBe('failed');
    await expectFailureBanner(page, 'REPO_HASH_MISMATCH');
    expect((await visit(page, `${servers.v2Target.url}publishers/demo/`)).state).toBe('ok');
  });

  it('attack: a page built from other data than the repository serves is INDEX_CHANGED', async () => {
    const { context } = await open();
    const page = await context.newPage();
    expect((await visit(page, `${servers.v2Changed.url}plugins/demo.hello/`)).state).toBe('failed');
    await expectFailureBanner(page, 'INDEX_CHANGED');
  });

  it('attack: older metadata after this browser saw newer is REPO_ROLLBACK; the honest repository passes again', async () => {
    const { context } = await open();
    const page = await context.newPage();
    rollbackMode = 'new';
    expect((await visit(page, `${servers.v2Rollback.url}plugins/demo.hello/`)).state).toBe('ok');
    rollbackMode = 'old';
    try {
      expect((await visit(page, `${servers.v2Rollback.url}plugins/demo.hello/`)).state).toBe('failed');
      await expectFailureBanner(page, 'REPO_ROLLBACK');
      await page.screenshot({ path: path.join(SHOTS, 'tampered-v2-rollback.png'), fullPage: true });
    } finally {
      rollbackMode = 'new';
    }
    expect((await visit(page, `${servers.v2Rollback.url}publishers/demo/`)).state).toBe('ok');
  });
});
