/**
 * Browsing, search, facets, sort, typo tolerance, mobile widths, keyboard
 * reach and accessibility of the catalog (issue 14 items 2 and 4), in Debian
 * Chromium against a catalog built by `astro build` from the demo entries
 * signed by a key made for this run. Every visited page must log no console
 * error and no failed request.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ESM script without type declarations
import { serveStatic } from '../../scripts/serve-static.mjs';
import { verifyIndex } from '../../src/domain/index/verify.js';
import { buildCatalog, type CatalogModel } from '../../site/src/lib/catalog.js';
import { EMPTY_STATE, FACETS, facetCounts, filterEntries, type CatalogState } from '../../site/src/lib/facets.js';
import { sortPlugins } from '../../site/src/lib/listing.js';
import { encodeState } from '../../site/src/lib/url-state.js';
import { SEARCH_FACETS_FILE } from '../../site/src/lib/search-facets.js';
import { SEARCH_CARDS_DIR } from '../../site/src/lib/search-cards.js';
import { buildSite, demoIndexDocument, signedIndexBytes, testKey } from './fixtures.js';
import { Harness, axeSerious, cardIds, launch, shot, sidewaysOverflow } from './browser-harness.js';

const ALL = ['demo.counter', 'demo.echo-worker', 'demo.hello'];
let tmp: string;
let server: { url: string; close: () => Promise<void> };
let browser: Browser;
let h: Harness;
/** The catalog the site was built from: the oracle for the search page's counts. */
let model: CatalogModel;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'lattice-site-discovery-'));
  const now = Date.now();
  const key = testKey();
  const file = path.join(tmp, 'signed.json');
  const bytes = signedIndexBytes(await demoIndexDocument(now, { expiresInDays: 30, revocations: true }), key, now);
  writeFileSync(file, bytes);
  const verified = verifyIndex(bytes, { keys: [{ publicKey: key.publicKey }], threshold: 1 }, { now });
  if (!verified.ok) throw verified.error;
  model = buildCatalog(verified.verified);
  const build = await buildSite({ indexFile: file, keys: [key.publicKeyB64], outDir: path.join(tmp, 'out'), cacheDir: path.join(tmp, 'cache') });
  if (build.code !== 0) throw new Error(`catalog build failed:\n${build.output}`);
  server = await serveStatic({ root: build.outDir, port: 0 });
  browser = await launch();
  h = new Harness(browser);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

afterEach(async () => {
  expect(await h.closeAll(), 'console errors / failed requests on visited pages').toEqual([]);
});

/** Wait until the search page has answered the state in its URL (results, counts and suggestion in place). */
async function searched(page: Page): Promise<string[]> {
  await page.waitForFunction(() => {
    const answered = document.querySelector<HTMLElement>('[data-results]')?.dataset.answered;
    if (answered === undefined) return false;
    const want = new URLSearchParams(location.search);
    const got = new URLSearchParams(answered);
    want.sort();
    got.sort();
    return want.toString() === got.toString();
  });
  return cardIds(page, '[data-results]');
}

describe('browsing without JavaScript', () => {
  it('reaches every plugin through real listing and facet pages, and searching goes to another page', async () => {
    const { page } = await h.open({ javaScriptEnabled: false });
    await page.goto(server.url);
    await page.getByRole('link', { name: 'name' }).click();
    await page.waitForURL(/\/browse\/$/);
    expect(await cardIds(page)).toEqual(ALL);
    expect(await page.locator('[data-result-count]').innerText()).toContain('1–3 of 3 plugins, by name');
    // The filter panel is a disclosure; its facet links are landing pages.
    await page.locator('details[data-filters] > summary').click();
    await page.getByRole('link', { name: 'WebAssembly' }).click();
    await page.waitForURL(/\/browse\/type\/wasm\/$/);
    expect(await cardIds(page)).toEqual(['demo.counter']);
    await page.goto(`${server.url}browse/channel/alpha/`);
    expect(await cardIds(page)).toEqual(['demo.hello']);
    // The search box submits to the search page, not back to the same page.
    await page.goto(server.url);
    await page.getByLabel('Search plugins').fill('counter');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/search\/\?q=counter$/);
    // There, without JavaScript, the page says so and links the static pages.
    await expect.poll(() => page.locator('noscript').count()).toBeGreaterThan(0);
    expect(await page.content()).toContain('Text search needs JavaScript');
    // Its filter controls would do nothing without JavaScript: not shown.
    expect(await page.locator('details[data-filters]').isVisible()).toBe(false);
    await shot(page, 'search-nojs');
  });

  it('sorts the listing by last update and by risk as static pages', async () => {
    const { page } = await h.open({ javaScriptEnabled: false });
    await page.goto(`${server.url}browse/`);
    await page.getByRole('link', { name: 'Last updated' }).click();
    await page.waitForURL(/\/browse\/sort\/updated\/$/);
    const byUpdate = await cardIds(page);
    await page.goto(`${server.url}browse/sort/risk/`);
    const byRisk = await cardIds(page);
    expect(byUpdate.sort()).toEqual(ALL);
    // demo.hello reads only (lowest risk); the other two write data.
    expect(byRisk[0]).toBe('demo.hello');
    expect(await page.locator('.sort-links a[aria-current="page"]').innerText()).toBe('Lowest risk first');
  });
});

describe('search with JavaScript (Pagefind)', () => {
  /**
   * The files `glob` matches served changed by `change` (cut short to `cutShort` without one):
   * the search page shows no result and says `code`.
   */
  async function expectSearchRefused(glob: string, cutShort: string, name: string, change: ((t: Record<string, any>) => unknown) | undefined, code: string): Promise<void> {
    const { page } = await h.open();
    await page.route(glob, async (route) => {
      const r = await route.fetch();
      const t = JSON.parse(await r.text()) as Record<string, any>;
      change?.(t);
      await route.fulfill({ response: r, body: change === undefined ? cutShort : JSON.stringify(t) });
    });
    await page.goto(`${server.url}search/?type=wasm`);
    expect(await searched(page), name).toEqual([]);
    expect(await page.locator('[data-results]').getAttribute('data-search-error'), name).toBe(code);
    expect(await page.locator('[data-result-count]').innerText(), name).toContain(`Search is unavailable: ${code}`);
  }

  it('searches text and capabilities, keeping the query in the URL', async () => {
    const { page } = await h.open();
    await page.goto(`${server.url}search/`);
    expect((await searched(page)).sort()).toEqual(ALL);
    await page.getByLabel('Search plugins').fill('counter');
    await page.waitForURL(/\/search\/\?q=counter$/);
    await expect.poll(() => cardIds(page, '[data-results]')).toEqual(['demo.counter']);
    await page.getByLabel('Search plugins').fill('kv:write');
    await page.waitForURL(/\?q=kv%3Awrite$/);
    await expect.poll(() => cardIds(page, '[data-results]')).toEqual(['demo.counter']);
    await page.getByLabel('Search plugins').fill('nothing-matches-this');
    await page.waitForURL(/\?q=nothing-matches-this$/);
    await expect.poll(() => page.locator('[data-result-count]').innerText()).toBe('0 plugins found');
    await shot(page, 'search-js');
  });

  it('filters by facets with counts; zero-count options cannot be ticked; back/forward restore', async () => {
    const { page } = await h.open({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}search/`);
    await searched(page);
    const wasm = page.locator('input[name="type"][value="wasm"]');
    const alpha = page.locator('input[name="channel"][value="alpha"]');
    await wasm.check();
    await page.waitForURL(/\/search\/\?type=wasm$/);
    await expect.poll(() => cardIds(page, '[data-results]')).toEqual(['demo.counter']);
    // Own facet's counts ignore its own selection; others apply it.
    await expect.poll(() => page.locator('[data-count-for="type=system"]').innerText()).toBe('1');
    await expect.poll(() => page.locator('[data-count-for="channel=alpha"]').innerText()).toBe('0');
    expect(await alpha.isDisabled()).toBe(true);
    expect(await page.locator('input[name="type"][value="system"]').isDisabled()).toBe(false);
    // Ticking another value of the same facet widens (OR).
    await page.locator('input[name="type"][value="system"]').check();
    await page.waitForURL(/\?type=system&type=wasm$/);
    await expect.poll(async () => (await cardIds(page, '[data-results]')).sort()).toEqual(['demo.counter', 'demo.hello']);
    await page.goBack();
    await page.waitForURL(/\?type=wasm$/);
    await expect.poll(() => cardIds(page, '[data-results]')).toEqual(['demo.counter']);
    await expect.poll(() => page.locator('input[name="type"][value="system"]').isChecked()).toBe(false);
    await page.goForward();
    await page.waitForURL(/\?type=system&type=wasm$/);
    await expect.poll(async () => (await cardIds(page, '[data-results]')).sort()).toEqual(['demo.counter', 'demo.hello']);
  });

  it('shows exactly the counts and results of facets.ts for facet selections (the oracle), on every counter', async () => {
    const { page } = await h.open({ viewport: { width: 1280, height: 900 } });
    const entries = sortPlugins(model.plugins, 'name').map((p) => ({ id: p.id, entry: p.faceted }));
    const states: CatalogState[] = [
      EMPTY_STATE,
      { ...EMPTY_STATE, type: ['wasm'] },
      { ...EMPTY_STATE, risk: ['write'] },
      { ...EMPTY_STATE, type: ['system', 'wasm'], channel: ['stable'] },
      { ...EMPTY_STATE, risk: ['read', 'write'], verified: ['yes'], cap: ['kv:write'] },
      { ...EMPTY_STATE, q: 'demo', type: ['worker', 'wasm'] },
      { ...EMPTY_STATE, publisher: ['demo'], channel: ['alpha'] },
    ];
    let checked = 0;
    for (const state of states) {
      await page.goto(`${server.url}search/${encodeState(state)}`);
      const ids = await searched(page);
      // 'demo' is in every plugin's id, for Pagefind and for facets.ts alike.
      const want = filterEntries(
        entries.map((e) => e.entry),
        state,
      ).map((i) => entries[i]!.id);
      expect(ids, encodeState(state)).toEqual(want);
      const counts = facetCounts(
        entries.map((e) => e.entry),
        state,
      );
      const shown = await page.locator('[data-count-for]').evaluateAll((els) => els.map((el) => [(el as HTMLElement).dataset.countFor!, el.textContent!]));
      expect(shown.length).toBeGreaterThan(5);
      for (const [key, text] of shown) {
        const eq = key!.indexOf('=');
        const f = key!.slice(0, eq) as (typeof FACETS)[number];
        expect(Number(text), `${encodeState(state)}: ${key}`).toBe(counts[f].get(key!.slice(eq + 1)) ?? 0);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(states.length * 5);
  });

  it('attack: a facet table from another catalog or a damaged one shows no results and says why (SEARCH_FACETS_*)', async () => {
    for (const [name, change, code] of [
      ['one plugin dropped', (t: Record<string, any>) => {
        t.count -= 1;
        for (const f of Object.keys(t.rows)) {
          const n = t.rows[f].per.pop();
          t.rows[f].codes.splice(t.rows[f].codes.length - n, n);
        }
        for (const s of Object.keys(t.ranks)) t.ranks[s] = t.ranks[s].filter((r: number) => r < t.count);
        t.pages.pop();
      }, 'SEARCH_FACETS_MISMATCH'],
      ["another build's (another Pagefind index)", (t: Record<string, any>) => (t.index = 'en:en_0000000000'), 'SEARCH_FACETS_MISMATCH'],
      ['an unknown key', (t: Record<string, any>) => (t.extra = true), 'SEARCH_FACETS_INVALID'],
      ['not JSON', undefined, 'SEARCH_FACETS_INVALID'],
    ] as const) {
      await expectSearchRefused(`**/${SEARCH_FACETS_FILE}`, '{"format":', name, change, code);
    }
    // The honest table, served as built, answers (the other tests, and here once more).
    const { page } = await h.open();
    await page.goto(`${server.url}search/?type=wasm`);
    expect(await searched(page)).toEqual(['demo.counter']);
    expect(await page.locator('[data-results]').getAttribute('data-search-error')).toBeNull();
  });

  it('attack: a damaged card file or one of another catalog shows no results and says why (SEARCH_FACETS_*)', async () => {
    for (const [name, change, code] of [
      ['another format', (t: Record<string, any>) => (t.format = 'lattice.catalog.search-cards.v0'), 'SEARCH_FACETS_INVALID'],
      ['a card with a field missing', (t: Record<string, any>) => t.cards[0].pop(), 'SEARCH_FACETS_INVALID'],
      ['one plugin dropped', (t: Record<string, any>) => t.cards.pop(), 'SEARCH_FACETS_MISMATCH'],
      ["another build's (another Pagefind index)", (t: Record<string, any>) => (t.index = 'en:en_0000000000'), 'SEARCH_FACETS_MISMATCH'],
      ['not JSON', undefined, 'SEARCH_FACETS_INVALID'],
    ] as const) {
      await expectSearchRefused(`**/${SEARCH_CARDS_DIR}/*.json`, '{"cards":', name, change, code);
    }
    // The honest card files, served as built, give the cards (links included).
    const { page } = await h.open();
    await page.goto(`${server.url}search/?type=wasm`);
    expect(await searched(page)).toEqual(['demo.counter']);
    expect(await page.locator('[data-results] .card h3 a').getAttribute('href')).toBe('/plugins/demo.counter/');
    expect(await page.locator('[data-results]').getAttribute('data-search-error')).toBeNull();
  });

  it('honours a shared URL with query, facets and sort', async () => {
    const { page } = await h.open();
    await page.goto(`${server.url}search/?q=demo&risk=write&sort=updated`);
    const ids = await searched(page);
    expect(ids.sort()).toEqual(['demo.counter', 'demo.echo-worker']);
    expect(await page.locator('input[name="risk"][value="write"]').isChecked()).toBe(true);
    expect(await page.locator('select[name="sort"]').inputValue()).toBe('updated');
  });

  it('sorts results by name, last updated and risk', async () => {
    const { page } = await h.open();
    const order = async (sort: string): Promise<string[]> => {
      await page.goto(`${server.url}search/?sort=${sort}`);
      return searched(page);
    };
    // The same order as the static listing pages, tie-breaks included.
    for (const [sort, listing] of [['name', 'browse/'], ['updated', 'browse/sort/updated/'], ['risk', 'browse/sort/risk/']]) {
      const found = await order(sort!);
      await page.goto(`${server.url}${listing}`);
      expect(found, sort).toEqual(await cardIds(page));
    }
    expect(await order('name')).toEqual(['demo.counter', 'demo.echo-worker', 'demo.hello']); // Counter, Echo, Hello
    expect((await order('risk'))[0]).toBe('demo.hello'); // reads only: lowest risk
  });

  it('tolerates a typo: "conter" suggests "counter", which finds demo.counter', async () => {
    const { page } = await h.open();
    await page.goto(`${server.url}search/?q=conter`);
    expect(await searched(page)).toEqual([]);
    const link = page.locator('[data-suggestion-link]');
    await expect.poll(() => link.isVisible()).toBe(true);
    expect(await link.innerText()).toBe('counter');
    await link.click();
    await page.waitForURL(/\?q=counter$/);
    await expect.poll(() => cardIds(page, '[data-results]')).toEqual(['demo.counter']);
    // A correctly spelled query that finds nothing suggests nothing.
    await page.goto(`${server.url}search/?q=zzzzzzzzzz`);
    expect(await searched(page)).toEqual([]);
    expect(await link.isVisible()).toBe(false);
  });

  it('shows each answer in one DOM write: the previous cards stay until the new ones replace them at once', async () => {
    const { page } = await h.open({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}search/`);
    expect(await searched(page)).toEqual(ALL);
    // Record every change of the result list from here on.
    await page.evaluate(() => {
      const list = document.querySelector<HTMLElement>('[data-results]')!;
      const w = window as unknown as { __writes: { cards: number }[] };
      w.__writes = [];
      new MutationObserver((records) => {
        for (const r of records) if (r.type === 'childList') w.__writes.push({ cards: list.children.length });
      }).observe(list, { childList: true });
    });
    const writes = () => page.evaluate(() => (window as unknown as { __writes: { cards: number }[] }).__writes);
    // A text search: one write, straight from all three cards to the one found (never an empty list between).
    await page.getByLabel('Search plugins').fill('counter');
    await page.waitForURL(/\?q=counter$/);
    expect(await searched(page)).toEqual(['demo.counter']);
    expect(await writes()).toEqual([{ cards: 1 }]);
    // A facet click: one more write.
    await page.getByLabel('Search plugins').fill('');
    await page.waitForURL(/\/search\/$/);
    expect(await searched(page)).toEqual(ALL);
    await page.locator('input[name="type"][value="wasm"]').check();
    await page.waitForURL(/\?type=wasm$/);
    expect(await searched(page)).toEqual(['demo.counter']);
    expect(await writes()).toEqual([{ cards: 1 }, { cards: 3 }, { cards: 1 }]);
  });
});

const PAGES = ['', 'browse/', 'browse/type/wasm/', 'browse/sort/updated/', 'search/', 'search/?q=demo', 'plugins/demo.hello/', 'plugins/demo.counter/', 'plugins/demo.echo-worker/', 'publishers/', 'publishers/demo/', 'capabilities/', 'revocations/'];

describe('mobile and keyboard', () => {
  for (const width of [320, 375]) {
    it(`has no sideways scroll at ${width} px on any page`, async () => {
      const { page } = await h.open({ viewport: { width, height: 740 } });
      const over: string[] = [];
      for (const p of PAGES) {
        await page.goto(`${server.url}${p}`);
        if (p.startsWith('search/')) await searched(page);
        const x = await sidewaysOverflow(page);
        if (x > 0) over.push(`/${p}: ${x}px`);
      }
      expect(over).toEqual([]);
    });
  }

  it('collapses the filters behind a disclosure on a phone and opens them on a wide screen', async () => {
    const phone = await h.open({ viewport: { width: 375, height: 740 } });
    await phone.page.goto(`${server.url}search/`);
    await searched(phone.page);
    expect(await phone.page.locator('details[data-filters]').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await phone.page.locator('input[name="type"]').first().isVisible()).toBe(false);
    await shot(phone.page, 'search-mobile');
    await phone.page.goto(`${server.url}browse/`);
    await shot(phone.page, 'browse-mobile');
    const wide = await h.open({ viewport: { width: 1280, height: 900 } });
    await wide.page.goto(`${server.url}search/`);
    await searched(wide.page);
    expect(await wide.page.locator('details[data-filters]').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    expect(await wide.page.locator('input[name="type"]').first().isVisible()).toBe(true);
  });

  /** Tab presses from page load until a plugin link in the results has focus (or `max`+1). */
  async function tabsToFirstResult(page: Page, max: number, first: string[] = []): Promise<number> {
    for (const k of first) await page.keyboard.press(k);
    for (let n = 1; n <= max; n++) {
      await page.keyboard.press('Tab');
      const inResults = await page.evaluate(() => !!document.activeElement?.closest('#results li.card h3'));
      if (inResults) return n;
    }
    return max + 1;
  }

  it('reaches the first result within a few tab stops on a phone (skip link, collapsed filters)', async () => {
    const { page } = await h.open({ viewport: { width: 375, height: 740 } });
    for (const p of ['', 'browse/', 'browse/type/wasm/', 'search/?q=demo']) {
      await page.goto(`${server.url}${p}`);
      if (p.startsWith('search/')) await searched(page);
      // Skip link first, then: search box, its button, the filter disclosure, sort links — then the results.
      expect(await page.evaluate(() => document.querySelector('a.skip-link')?.getAttribute('href'))).toBe('#main');
      const viaSkip = await tabsToFirstResult(page, 12, ['Tab', 'Enter']);
      expect(viaSkip, `/${p} tab stops after the skip link`).toBeLessThanOrEqual(8);
      expect(viaSkip).toBeGreaterThan(0);
    }
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe-core violations on browse and search pages (${scheme})`, async () => {
      const found: string[] = [];
      for (const width of [1280, 375]) {
        const { page } = await h.open({ colorScheme: scheme, viewport: { width, height: 900 } });
        for (const p of ['', 'browse/', 'browse/publisher/demo/', 'browse/sort/risk/', 'search/?q=demo&type=wasm', 'search/?q=conter']) {
          await page.goto(`${server.url}${p}`);
          if (p.startsWith('search/')) await searched(page);
          const r = await axeSerious(page);
          expect(r.passes, `axe ran on /${p}`).toBeGreaterThan(10);
          found.push(...r.serious.map((s) => `/${p} @${width}: ${s}`));
        }
        await shot(page, `axe-${scheme}-${width}-search`);
      }
      expect(found).toEqual([]);
    }, 180_000);
  }
});
