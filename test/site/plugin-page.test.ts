/**
 * The plugin page people decide from, in a real browser (headless Debian
 * Chromium via playwright-core) against a catalog built by `astro build` from
 * a signed test index: the demo entries plus two newer demo.hello releases —
 * 1.2.0 adds kv:write, 1.3.0 swaps it for the host-risk task:run and carries
 * release notes with hostile HTML. Checks the high-risk callout comes first,
 * "last updated" in words and as <time>, the rendered description, the
 * per-release capability diff, loadability and notes, that no publisher
 * markup or script reaches the page, the pinned install command, no sideways
 * scroll at 320 and 375 px, and axe in both themes. Screenshots go to
 * test-output/site/.
 *
 * Needs /usr/bin/chromium (or LATTICE_CHROMIUM) — `bash scripts/setup-system.sh` installs it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ESM script without type declarations
import { serveStatic } from '../../scripts/serve-static.mjs';
import { installCommand } from '../../site/src/lib/install-command.js';
import { relativeTimeWords } from '../../site/src/lib/time-words.js';
import { buildSite, demoIndexDocument, REPO_ROOT, signedIndexBytes, testKey } from './fixtures.js';

const CHROMIUM = process.env.LATTICE_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = path.join(REPO_ROOT, 'test-output/site');
const AXE = path.join(REPO_ROOT, 'node_modules/axe-core/axe.min.js');
const DAY = 86_400_000;
const SIG = 'A'.repeat(86) + '==';
const HOSTILE_NOTES = 'Runs the **greeting task** on a schedule. Details in the [changelog](https://plugins.lattice.example/demo/hello/changelog#1.3.0).\n\n<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> [click](javascript:window.__pwned=3)';

let tmp: string;
let browser: Browser;
let server: { url: string; close: () => Promise<void> };
let published13: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}. Run \`bash scripts/setup-system.sh\` (installs Debian chromium; CI runs it) and try again.`);
  }
  mkdirSync(SHOTS, { recursive: true });
  tmp = mkdtempSync(path.join(tmpdir(), 'lattice-plugin-page-'));
  const now = Date.now();
  // Times relative to the run, so the words are checkable: 1.3.0 three days ago, 1.2.0 twelve.
  const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  published13 = iso(now - 3 * DAY - 3600_000);
  const doc = await demoIndexDocument(now, { expiresInDays: 30 });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const hello = (doc.plugins as any[]).find((p) => p.id === 'demo.hello');
  const rel = (version: string, capabilities: string[], publishedAt: string, notes?: string) => ({
    version, channel: 'stable', capabilities,
    manifest_url: `https://plugins.lattice.example/demo/demo.hello/${version}/manifest.json`,
    artifact_url: `https://plugins.lattice.example/demo/demo.hello/${version}/demo.hello-${version}.tar.gz`,
    artifact_sha256: version.replace(/\D/g, '').padEnd(64, 'a'), signature_ed25519: SIG, published_at: publishedAt,
    ...(notes !== undefined ? { notes_md: notes } : {}),
  });
  hello.releases = [rel('1.3.0', ['node:read', 'kv:read', 'task:run'], published13, HOSTILE_NOTES), rel('1.2.0', ['node:read', 'kv:read', 'kv:write'], iso(now - 12 * DAY)), ...hello.releases];
  hello.channels.stable = '1.3.0';
  hello.latest = '1.3.0';
  hello.repository = 'https://plugins.lattice.example/demo/hello/source';
  const key = testKey();
  const file = path.join(tmp, 'signed.json');
  writeFileSync(file, signedIndexBytes(doc, key, now));
  const build = await buildSite({ indexFile: file, keys: [key.publicKeyB64], outDir: path.join(tmp, 'out'), cacheDir: path.join(tmp, 'cache') });
  if (build.code !== 0) throw new Error(`catalog build failed:\n${build.output}`);
  server = await serveStatic({ root: build.outDir, port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Open demo.hello's page; collects console errors and dialogs (a script that ran would open one or set __pwned). */
async function openHello(options: BrowserContextOptions = {}): Promise<{ page: Page; problems: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url)) problems.push(`request off the catalog: ${r.url()}`);
  });
  await page.goto(`${server.url}plugins/demo.hello/`);
  await page.waitForLoadState('load');
  return { page, problems, close: () => context.close() };
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('plugin page in Chromium', () => {
  it('calls out the high-risk capability first, then says when it was last updated, in words and as <time>', async () => {
    const { page, problems, close } = await openHello();
    const main = page.locator('main');
    const callout = main.locator('.callout.high-risk');
    expect(squash(await callout.innerText())).toContain('High risk: this plugin asks for host access.');
    expect(squash(await callout.innerText())).toContain('task:run');
    // Order: the callout comes before the facts, the About section and the history.
    const order = await main.evaluate((m) => ['.callout.high-risk', 'dl.facts', '#about', '#history'].map((s) => Array.from(m.querySelectorAll('*')).indexOf(m.querySelector(s)!)));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order.every((i) => i >= 0)).toBe(true);
    // Capabilities list: high risk first.
    const tiers = await page.locator('h2#capabilities ~ ul.capability-list').first().locator('.risk').allInnerTexts();
    expect(tiers[0]).toBe('Host access — high risk');
    // Last updated: <time datetime> of the newest release, words from the reader's clock.
    const updated = page.locator('dl.facts time[data-relative-time]').first();
    expect(await updated.getAttribute('datetime')).toBe(published13);
    expect(await updated.innerText()).toBe(relativeTimeWords(Date.parse(published13), Date.now()));
    expect(await updated.innerText()).toBe('3 days ago');
    expect(problems).toEqual([]);
    await close();
  });

  it('renders the description as Markdown (headings below About, an https link with rel=nofollow noopener ugc)', async () => {
    const { page, problems, close } = await openHello();
    const about = page.locator('#about + .markdown');
    expect(await about.locator('h3').allInnerTexts()).toEqual(['What it does', 'Try it']);
    expect(await about.locator('ul > li').count()).toBe(3);
    expect(await about.locator('ol > li').count()).toBe(3);
    const link = about.locator('a');
    expect(await link.getAttribute('href')).toBe('https://plugins.lattice.example/demo/hello/source');
    expect(await link.getAttribute('rel')).toBe('nofollow noopener ugc');
    expect(problems).toEqual([]);
    await close();
  });

  it('shows per release the capability diff, where it loads and its notes — hostile markup as text, no script run', async () => {
    const { page, problems, close } = await openHello();
    const r13 = page.locator('[id="v1.3.0"]');
    const r12 = page.locator('[id="v1.2.0"]');
    expect(squash(await r13.locator('ul.diff').innerText())).toBe(
      '1.3.0 adds task:run — host access, high risk 1.3.0 no longer asks for kv:write The highest risk rises from Writes data — medium risk to Host access — high risk',
    );
    expect(squash(await r12.locator('ul.diff').innerText())).toContain('1.2.0 adds kv:write — writes data, medium risk');
    expect(squash(await page.locator('[id="v1.0.0"] ul.diff').innerText())).toBe('1.0.0 is the first release; it asks for kv:read — read only, low risk; node:read — read only, low risk.');
    // Loadability: the demo's stored manifest loads on every known version; the test's new releases were not evaluated.
    expect(squash(await page.locator('[id="v1.0.0"]').innerText())).toContain('Server versions: loads on main-141e9ca, alpha-0.2.2a41, integration-2026-09.');
    expect(squash(await r13.innerText())).toContain('Server versions: not evaluated');
    // Notes: Markdown rendered, raw HTML shown as text, the javascript: link not a link.
    const notes = r13.locator('.notes');
    expect(await notes.locator('strong').innerText()).toBe('greeting task');
    expect(await notes.locator('a').count()).toBe(1);
    expect(await notes.locator('a').getAttribute('href')).toBe('https://plugins.lattice.example/demo/hello/changelog#1.3.0');
    expect(squash(await notes.innerText())).toContain('<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> click');
    expect(await page.locator('.history script, .history img, .history [onerror], main a[href^="javascript:"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // Published time per release, as <time>.
    expect(await r13.locator('time').getAttribute('datetime')).toBe(published13);
    expect(await r12.locator('time').innerText()).toBe('12 days ago');
    expect(problems).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'plugin-details-light.png'), fullPage: true });
    await close();
  });

  it('offers the install command for the release the page describes, exactly as it runs', async () => {
    const { page, close } = await openHello();
    const command = installCommand('demo.hello', '1.3.0', 'stable', 'http://127.0.0.1:4321/plugins.json');
    expect(await page.locator('[data-copy] code').first().innerText()).toBe(command);
    await close();
  });

  for (const width of [320, 375]) {
    it(`does not scroll sideways at ${width} px`, async () => {
      const { page, problems, close } = await openHello({ viewport: { width, height: 800 } });
      const { overflow, wide } = await page.evaluate(() => {
        const w = document.documentElement.clientWidth;
        // The outermost elements reaching past the viewport: what a failure names.
        // Content of a scroll box (a wide table in .table-scroll) scrolls inside it, not the page.
        const inScrollBox = (e: Element) => {
          for (let a = e.parentElement; a !== null; a = a.parentElement) if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) return true;
          return false;
        };
        const wide = Array.from(document.querySelectorAll('main *'))
          .filter((e) => e.getBoundingClientRect().right > w + 1 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > w + 1) && !inScrollBox(e))
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)}px): ${(e.textContent ?? '').slice(0, 40)}`);
        return { overflow: document.documentElement.scrollWidth - w, wide };
      });
      expect(wide).toEqual([]);
      expect(overflow).toBeLessThanOrEqual(0);
      expect(problems).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `plugin-details-${width}.png`), fullPage: true });
      await close();
    });
  }

  for (const scheme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe-core violations (${scheme})`, async () => {
      const { page, close } = await openHello({ colorScheme: scheme });
      await page.addScriptTag({ path: AXE });
      const result = await page.evaluate(async () => {
        type AxeResults = { passes: unknown[]; violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] };
        const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<AxeResults> } }).axe;
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return { passes: r.passes.length, violations: r.violations.map((v) => `[${v.impact}] ${v.id}: ${v.help} @ ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`) };
      });
      expect(result.passes).toBeGreaterThan(10);
      expect(result.violations.filter((v) => v.startsWith('[serious]') || v.startsWith('[critical]'))).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `plugin-details-${scheme}-axe.png`), fullPage: true });
      await close();
    });
  }
});
