/**
 * Shared harness of the browsing/search browser tests (discovery.test.ts,
 * scale.test.ts): Debian Chromium via playwright-core, pages tracked for
 * console errors and failed requests, axe-core audits, screenshots under
 * test-output/site/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { REPO_ROOT } from './fixtures.js';

// LATTICE_CHROMIUM points at another Chromium-based browser (GitHub's runners ship Chrome).
export const CHROMIUM = process.env.LATTICE_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const SHOTS = path.join(REPO_ROOT, 'test-output/site');
const AXE = path.join(REPO_ROOT, 'node_modules/axe-core/axe.min.js');

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}. Run \`bash scripts/setup-system.sh\` (installs Debian chromium; CI runs it) and try again.`);
  }
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Pages opened by {@link Harness.open}, checked for errors by {@link Harness.closeAll}. */
export class Harness {
  readonly #opened: { context: BrowserContext; errors: string[] }[] = [];
  constructor(private readonly browser: Browser) {}

  async open(options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await this.browser.newContext(options);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()} (${page.url()})`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message} (${page.url()})`));
    page.on('requestfailed', (r) => {
      if (r.failure()?.errorText !== 'net::ERR_ABORTED') errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    this.#opened.push({ context, errors });
    return { context, page, errors };
  }

  /** Close every context; returns the errors they saw. */
  async closeAll(): Promise<string[]> {
    const all = this.#opened.splice(0);
    await Promise.all(all.map((o) => o.context.close()));
    return all.flatMap((o) => o.errors);
  }
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Serious and critical axe-core violations of the current page (and that axe really ran). */
export async function axeSerious(page: Page): Promise<{ passes: number; serious: string[] }> {
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(async () => {
    type AxeResults = { passes: unknown[]; violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] };
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<AxeResults> } }).axe;
    const res = await axe.run(document, { resultTypes: ['violations'] });
    return { passes: res.passes.length, violations: res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })) };
  });
  return {
    passes: r.passes,
    serious: r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `[${v.impact}] ${v.id}: ${v.help} @ ${v.targets.join(', ')}`),
  };
}

/** Horizontal overflow of the page: scrollWidth − clientWidth of the document (0 = no sideways scroll). */
export function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Ids of the cards a listing or the search page shows. */
export function cardIds(page: Page, list = '[data-plugin-list], [data-results]'): Promise<string[]> {
  return page.locator(`:is(${list}) > li.card:visible`).evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.id ?? ''));
}
