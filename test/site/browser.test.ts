/**
 * The catalog in a real browser: headless Debian Chromium driven by
 * playwright-core against catalogs built by `astro build` from test indexes
 * (the demo entries signed by a key made for this run, the same entries as
 * an unsigned draft, and a tampered copy). Every visited page must log no
 * console error; axe-core must report no serious or critical violation in
 * light or dark mode. Screenshots go to test-output/site/.
 *
 * Needs /usr/bin/chromium (or LATTICE_CHROMIUM) — `bash scripts/setup-system.sh` installs it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { capabilityMeaning } from '../../src/core/server-line.js';
// @ts-expect-error — plain ESM script without type declarations
import { createStaticHandler, serveStatic } from '../../scripts/serve-static.mjs';
import {
  buildSite,
  demoIndexDocument,
  demoRelease,
  draftIndexBytes,
  REPO_ROOT,
  signedIndexBytes,
  tamper,
  testKey,
  type SiteBuild,
  type TestKey,
} from './fixtures.js';

// LATTICE_CHROMIUM points at another Chromium-based browser (GitHub's runners ship Chrome).
const CHROMIUM = process.env.LATTICE_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = path.join(REPO_ROOT, 'test-output/site');
const AXE = path.join(REPO_ROOT, 'node_modules/axe-core/axe.min.js');
const PLUGIN_IDS = ['demo.counter', 'demo.echo-worker', 'demo.hello'];

interface Served {
  url: string;
  close: () => Promise<void>;
}

let tmp: string;
let key: TestKey;
let signedBytes: Uint8Array;
let helloStableDigest: string;
let tamperedBytes: Uint8Array;
let builds: { signed: SiteBuild; draft: SiteBuild; tampered: SiteBuild };
let servers: { signed: Served; draft: Served; tampered: Served };
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}. Run \`bash scripts/setup-system.sh\` (installs Debian chromium; CI runs it) and try again.`);
  }
  mkdirSync(SHOTS, { recursive: true });
  tmp = mkdtempSync(path.join(tmpdir(), 'lattice-site-browser-'));
  const now = Date.now();
  key = testKey();
  const signedDoc = await demoIndexDocument(now, { expiresInDays: 30, revocations: true });
  helloStableDigest = demoRelease(signedDoc, 'demo.hello').artifact_sha256;
  signedBytes = signedIndexBytes(signedDoc, key, now);
  tamperedBytes = tamper(signedBytes);
  const files = {
    signed: path.join(tmp, 'signed.json'),
    draft: path.join(tmp, 'draft.json'),
    tampered: path.join(tmp, 'tampered.json'),
  };
  writeFileSync(files.signed, signedBytes);
  writeFileSync(files.draft, draftIndexBytes(await demoIndexDocument(now)));
  writeFileSync(files.tampered, tamperedBytes);
  const build = (name: keyof typeof files, keys: string[]) =>
    buildSite({ indexFile: files[name], keys, outDir: path.join(tmp, `out-${name}`), cacheDir: path.join(tmp, `cache-${name}`) });
  const [signed, draft, tampered] = await Promise.all([build('signed', [key.publicKeyB64]), build('draft', []), build('tampered', [key.publicKeyB64])]);
  builds = { signed: signed!, draft: draft!, tampered: tampered! };
  if (builds.signed.code !== 0) throw new Error(`signed catalog build failed:\n${builds.signed.output}`);
  if (builds.draft.code !== 0) throw new Error(`draft catalog build failed:\n${builds.draft.output}`);

  // The tampered server serves the signed catalog but altered /plugins.json bytes.
  const signedHandler = createStaticHandler(builds.signed.outDir);
  const tamperedHandler = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/plugins.json') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': tamperedBytes.length });
      res.end(Buffer.from(tamperedBytes));
      return;
    }
    signedHandler(req, res);
  };
  servers = {
    signed: await serveStatic({ root: builds.signed.outDir, port: 0 }),
    draft: await serveStatic({ root: builds.draft.outDir, port: 0 }),
    tampered: await serveStatic({ root: builds.signed.outDir, port: 0, handler: tamperedHandler }),
  };
  // playwright-core starts Chromium with a fresh temporary --user-data-dir of its own.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 300_000); // three Astro builds; generous for a loaded CI machine

afterAll(async () => {
  await browser?.close();
  await Promise.all(Object.values(servers ?? {}).map((s) => s.close()));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// ---- console-error bookkeeping: every page opened through open() is checked.
interface Tracked {
  page: Page;
  errors: string[];
}
const opened: { context: BrowserContext; tracked: Tracked[] }[] = [];

async function open(options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext(options);
  const entry = { context, tracked: [] as Tracked[] };
  opened.push(entry);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${page.url()})`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message} (${page.url()})`));
  page.on('requestfailed', (r) => {
    // A request cancelled because the test navigated on is not a page error.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  entry.tracked.push({ page, errors });
  return { context, page, errors };
}

afterEach(async () => {
  const all = opened.splice(0);
  const errors = all.flatMap((o) => o.tracked.flatMap((t) => t.errors));
  await Promise.all(all.map((o) => o.context.close()));
  expect(errors, 'console errors / failed requests on visited pages').toEqual([]);
});

/** Rendered text of the first match, whitespace collapsed (vitest has no Playwright matchers). */
async function text(locator: Locator): Promise<string> {
  return (await locator.first().innerText()).replace(/\s+/g, ' ').trim();
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function visibleCards(page: Page): Promise<string[]> {
  return page.locator('[data-plugin-list] > li.card:visible').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.id ?? ''));
}

async function browserVerdict(page: Page): Promise<{ state: string; keyids: string; code: string; text: string }> {
  const box = page.locator('[data-browser-verify]');
  await page.waitForFunction(() => {
    const s = document.querySelector<HTMLElement>('[data-browser-verify]')?.dataset.state;
    return s === 'ok' || s === 'failed';
  });
  return box.evaluate((el: HTMLElement) => ({
    state: el.dataset.state ?? '',
    keyids: el.dataset.keyids ?? '',
    code: el.dataset.code ?? '',
    text: el.textContent ?? '',
  }));
}

// The build uses the default LATTICE_SITE_URL (http://127.0.0.1:4321/), so the
// pinned command names that index URL.
const HELLO_COMMAND = 'lattice-index install demo.hello@1.0.0 --index http://127.0.0.1:4321/plugins.json --policy "$LATTICE_INSTALL_POLICY" --plugin-dir "$LATTICE_PLUGIN_DIR"';

describe('catalog build', () => {
  it('publishes /plugins.json byte-identical to the verified index file', async () => {
    const onDisk = readFileSync(path.join(builds.signed.outDir, 'plugins.json'));
    expect(Buffer.compare(onDisk, Buffer.from(signedBytes))).toBe(0);
    const served = new Uint8Array(await (await fetch(`${servers.signed.url}plugins.json`)).arrayBuffer());
    expect(Buffer.compare(Buffer.from(served), Buffer.from(signedBytes))).toBe(0);
  });

  it('refuses to build from a tampered official index, naming the code', () => {
    expect(builds.tampered.code).not.toBe(0);
    expect(builds.tampered.output).toContain('INDEX_SIGNATURE_INVALID');
    expect(existsSync(path.join(builds.tampered.outDir, 'index.html'))).toBe(false);
  });

  it('builds a draft with a visible "draft — not signed" banner, and a signed index without', () => {
    const draft = readFileSync(path.join(builds.draft.outDir, 'index.html'), 'utf8');
    expect(draft).toContain('Draft — not signed.');
    const signed = readFileSync(path.join(builds.signed.outDir, 'index.html'), 'utf8');
    expect(signed).not.toContain('data-draft-banner');
    // The theme script runs in <head> before the stylesheet and the body (no flash).
    const head = signed.slice(0, signed.indexOf('</head>'));
    expect(head.indexOf("localStorage.getItem('lattice-theme')")).toBeGreaterThan(-1);
    expect(head.indexOf("localStorage.getItem('lattice-theme')")).toBeLessThan(head.indexOf('rel="stylesheet"'));
  });

  it('writes well-formed tables on every page (no row split by the template compiler)', () => {
    const pages = ['index.html', 'plugins/demo.hello/index.html', 'plugins/demo.counter/index.html', 'publishers/index.html', 'publishers/demo/index.html', 'capabilities/index.html', 'revocations/index.html'];
    for (const page of pages) {
      const text = readFileSync(path.join(builds.signed.outDir, page), 'utf8');
      expect(text, page).not.toMatch(/<\/thead>\s*<(?!tbody)/);
      expect(text, page).not.toMatch(/<\/tbody>\s*<(?!\/table)/);
      expect(text.match(/<table/g)?.length ?? 0, page).toBe(text.match(/<\/table>/g)?.length ?? 0);
    }
  });

  it('serves per-plugin JSON, the feed and the 404 page with their types', async () => {
    for (const id of PLUGIN_IDS) {
      const r = await fetch(`${servers.signed.url}api/plugins/${id}.json`);
      expect(r.headers.get('content-type')).toBe('application/json');
      expect(((await r.json()) as { plugin: { id: string } }).plugin.id).toBe(id);
    }
    const feed = await fetch(`${servers.signed.url}feed.atom`);
    expect(feed.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const missing = await fetch(`${servers.signed.url}no-such-page`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('Page not found');
  });
});

describe('catalog in Chromium', () => {
  it('lists every plugin and re-verifies the index signature in the browser', async () => {
    const { page } = await open();
    await page.goto(servers.signed.url);
    expect((await visibleCards(page)).sort()).toEqual(PLUGIN_IDS);
    const v = await browserVerdict(page);
    expect(v.state).toBe('ok');
    expect(v.keyids).toBe(key.keyid);
    expect(v.text).toContain('Signature verified in your browser');
    expect(v.text).toContain(key.keyid);
    const doc = JSON.parse(new TextDecoder().decode(signedBytes)) as { generation: number; expires_at: string };
    expect(v.text).toContain(doc.expires_at);
    expect(await page.locator('[data-browser-verify]').getAttribute('data-generation')).toBe(String(doc.generation));
    await shot(page, 'catalog-light');
  });

  it('reports a tampered plugins.json served in place of the signed one', async () => {
    const { page } = await open();
    await page.goto(servers.tampered.url);
    const v = await browserVerdict(page);
    expect(v.state).toBe('failed');
    expect(v.code).toBe('INDEX_SIGNATURE_INVALID');
    await shot(page, 'catalog-tampered');
  });

  // Search, facets, sort, typo tolerance, browsing and mobile: test/site/discovery.test.ts.

  it('opens a plugin page with tiers in words, meanings, history and compatibility', async () => {
    const { page } = await open();
    await page.goto(servers.signed.url);
    await page.getByRole('link', { name: 'Hello (system demo)' }).click();
    await page.waitForURL(/\/plugins\/demo\.hello\/$/);
    await expect.poll(() => text(page.getByRole('heading', { level: 1 }))).toBe('Hello (system demo)');
    const caps = page.locator('.capability-list');
    await expect.poll(() => text(caps)).toContain('node:read');
    await expect.poll(() => text(caps)).toContain('Read only — low risk');
    await expect.poll(() => text(caps)).toContain(capabilityMeaning('node:read')!);
    await expect.poll(() => text(page.locator('.history'))).toContain(helloStableDigest);
    await expect.poll(() => text(page.locator('.history #v1\\.1\\.0-alpha\\.1'))).toContain('Release revoked on 2026-11-05T00:00:00Z');
    // Structure: the two tables and one history section per release inside <main>, nothing of the template leaking as text.
    expect(await page.locator('main h2#history').count()).toBe(1);
    expect(await page.locator('main .history > section.release').count()).toBe(2);
    expect(await page.locator('main table').count()).toBe(2);
    expect(await page.locator('main table tbody tr').count()).toBe(2 + 2); // 2 heads + 2 releases in the matrix
    // The loadability matrix from the signed index (DESIGN §4.5): one column per server version, words in every cell.
    const matrix = page.locator('#loads-on ~ .table-scroll').first();
    for (const v of ['main-141e9ca', 'alpha-0.2.2a41', 'integration-2026-09']) {
      await expect.poll(() => matrix.getByRole('columnheader', { name: new RegExp(v) }).isVisible()).toBe(true);
    }
    expect(await matrix.locator('tbody td').allTextContents()).toEqual(Array(6).fill('Loads'));
    expect(await text(page.locator('main'))).not.toMatch(/\)\)\}|\{|\}/);
    await expect.poll(() => page.getByRole('columnheader', { name: 'Loadable on main' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByRole('columnheader', { name: 'Loadable on integration' }).isVisible()).toBe(true);
    await shot(page, 'plugin-light');
  });

  it('copies the install command pinned to id@version', async () => {
    const { context, page } = await open();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: servers.signed.url.replace(/\/$/, '') });
    await page.goto(`${servers.signed.url}plugins/demo.hello/`);
    const box = page.locator('[data-copy]').first();
    await expect.poll(() => text(box.locator('code'))).toBe(HELLO_COMMAND);
    await box.getByRole('button', { name: /Copy/ }).click();
    await expect.poll(() => text(box.locator('[data-copy-status]'))).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(HELLO_COMMAND);
    // The revoked alpha release offers no command.
    expect(await page.locator('[data-copy] code').allTextContents()).toEqual([HELLO_COMMAND]);
  });

  it('follows the Atom feed link to valid XML with entries', async () => {
    const { page } = await open();
    await page.goto(servers.signed.url);
    const link = page.getByRole('link', { name: 'Releases feed (Atom)' });
    const href = await link.getAttribute('href');
    expect(await page.locator('link[rel="alternate"][type="application/atom+xml"]').getAttribute('href')).toBe(href);
    const feedUrl = new URL(href!, servers.signed.url).href;
    const [response] = await Promise.all([page.waitForResponse(feedUrl), link.click()]);
    expect(response.headers()['content-type']).toBe('application/atom+xml; charset=utf-8');
    const xml = await response.text();
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      return {
        error: doc.getElementsByTagName('parsererror').length,
        root: doc.documentElement.namespaceURI,
        entries: doc.getElementsByTagNameNS('http://www.w3.org/2005/Atom', 'entry').length,
        titles: Array.from(doc.getElementsByTagNameNS('http://www.w3.org/2005/Atom', 'title')).map((t) => t.textContent),
      };
    }, xml);
    expect(parsed.error).toBe(0);
    expect(parsed.root).toBe('http://www.w3.org/2005/Atom');
    expect(parsed.entries).toBe(4);
    expect(parsed.titles).toContain('Hello (system demo) 1.1.0-alpha.1 (alpha) — revoked');
  });

  it('shows the draft banner and checks the unsigned draft in the browser', async () => {
    const { page } = await open();
    await page.goto(servers.draft.url);
    await expect.poll(() => text(page.locator('[data-draft-banner]'))).toContain('Draft — not signed.');
    const v = await browserVerdict(page);
    expect(v.state).toBe('ok');
    expect(v.text).toContain('Unsigned draft: contents match the build');
    expect(await page.locator('.card .verified-no').count()).toBe(3);
    await shot(page, 'catalog-draft');
  });

  it('works without JavaScript: the home page lists plugins and links the static listing', async () => {
    const { page } = await open({ javaScriptEnabled: false });
    await page.goto(servers.signed.url);
    expect((await visibleCards(page)).sort()).toEqual(PLUGIN_IDS);
    await expect.poll(() => page.locator('[data-theme-toggle]').isHidden()).toBe(true);
    expect(await page.locator('a[href="/browse/"]').count()).toBeGreaterThan(0);
    await page.goto(`${servers.signed.url}plugins/demo.hello/`);
    await expect.poll(() => page.locator('[data-copy-button]').isHidden()).toBe(true);
    await expect.poll(() => text(page.locator('[data-copy] code'))).toBe(HELLO_COMMAND);
    await shot(page, 'plugin-nojs');
  });

  it('applies dark mode before first paint, from the system or the stored choice', async () => {
    // System preference alone.
    const dark = await open({ colorScheme: 'dark' });
    await dark.page.goto(servers.signed.url);
    expect(await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(17, 20, 24)');
    await shot(dark.page, 'catalog-dark');

    // A stored choice wins over the system, and is in place when <body> first exists.
    const stored = await open({ colorScheme: 'light' });
    await stored.page.addInitScript(() => {
      localStorage.setItem('lattice-theme', 'dark');
      const seen: { theme?: string } = {};
      (window as unknown as { __firstBody: typeof seen }).__firstBody = seen;
      new MutationObserver((_, obs) => {
        if (document.body) {
          seen.theme = document.documentElement.dataset.theme;
          obs.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await stored.page.goto(servers.signed.url);
    const first = await stored.page.evaluate(() => (window as unknown as { __firstBody: { theme?: string } }).__firstBody);
    // The inline <head> script set the theme before the body existed; the
    // stylesheet in <head> is render-blocking, so the first paint is dark.
    expect(first.theme).toBe('dark');
    expect(await stored.page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(17, 20, 24)');

    // The toggle flips the theme and remembers it.
    const toggled = await open({ colorScheme: 'dark' });
    await toggled.page.goto(servers.signed.url);
    const toggle = toggled.page.getByRole('button', { name: 'Dark theme' });
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
    expect(await toggled.page.evaluate(() => [document.documentElement.dataset.theme, localStorage.getItem('lattice-theme')])).toEqual(['light', 'light']);
    await toggled.page.reload();
    expect(await toggled.page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(255, 255, 255)');
  });

  it('answers an unknown path with the 404 page', async () => {
    const { page, errors } = await open();
    const response = await page.goto(`${servers.signed.url}no-such-page`);
    expect(response?.status()).toBe(404);
    await expect.poll(() => text(page.getByRole('heading', { level: 1 }))).toBe('Page not found');
    // The 404 itself is the point here, not an error of the page.
    errors.splice(0, errors.length, ...errors.filter((e) => !e.includes('no-such-page') && !/404 \(Not Found\)/.test(e)));
  });

  const AXE_PAGES = ['', 'plugins/demo.hello/', 'plugins/demo.counter/', 'publishers/', 'publishers/demo/', 'capabilities/', 'revocations/'];
  for (const scheme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe-core violations (${scheme})`, async () => {
      const { page } = await open({ colorScheme: scheme });
      const found: string[] = [];
      for (const p of AXE_PAGES) {
        await page.goto(`${servers.signed.url}${p}`);
        if (p === '') await browserVerdict(page); // audit the finished verification panel too
        await page.addScriptTag({ path: AXE });
        const result = await page.evaluate(async () => {
          type AxeResults = { passes: unknown[]; violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] };
          const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<AxeResults> } }).axe;
          const r = await axe.run(document, { resultTypes: ['violations'] });
          return {
            passes: r.passes.length,
            violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })),
          };
        });
        // axe really ran (color-contrast, landmarks, labels … passed on this page).
        expect(result.passes, `axe ran on /${p}`).toBeGreaterThan(10);
        for (const v of result.violations) {
          if (v.impact === 'serious' || v.impact === 'critical') found.push(`/${p} [${v.impact}] ${v.id}: ${v.help} @ ${v.targets.join(', ')}`);
        }
        await shot(page, `axe-${scheme}-${p.replace(/\/$/, '').replace(/\//g, '-') || 'catalog'}`);
      }
      expect(found).toEqual([]);
    });
  }
});
