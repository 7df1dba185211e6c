/**
 * Static browsing (site/src/lib/listing.ts), the search records and term list
 * (search-records.ts) and did-you-mean (suggest.ts), on a synthetic catalog
 * of 500 plugins (bench/synthetic-index.mjs) verified as a draft.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CatalogModel } from '../../site/src/lib/catalog.js';
import {
  REVOCATIONS_PAGE_SIZE,
  revocationPages,
  LANDING_FACETS,
  PAGE_SIZE,
  FACET_PANEL_LIMIT,
  lastUpdated,
  listingPath,
  listingPlan,
  pageCount,
  pageWindow,
  publisherListPages,
  publisherPagePlugins,
  PUBLISHERS_PAGE_SIZE,
  riskRank,
  sortPlugins,
} from '../../site/src/lib/listing.js';
import { facetLinkGroups, pageLinks, paginationNav } from '../../site/src/lib/listing-views.js';
import { MAX_TERMS, searchRecords, searchTerms, termsOf } from '../../site/src/lib/search-records.js';
import { editDistance, suggestQuery } from '../../site/src/lib/suggest.js';
import { facetLink, publishersPath, revocationsPath } from '../../site/src/lib/paths.js';
import { syntheticCatalog } from './fixtures.js';

const N = 500;
let model: CatalogModel;

beforeAll(() => {
  model = syntheticCatalog(N, 7);
});

describe('listing plan', () => {
  it('pages the whole catalog in each sort order: every plugin exactly once, PAGE_SIZE a page', () => {
    const plan = listingPlan(model);
    for (const sort of ['name', 'updated', 'risk'] as const) {
      const pages = plan.pages.filter((p) => p.scope.kind === 'all' && p.scope.sort === sort);
      expect(pages.length).toBe(Math.ceil(N / PAGE_SIZE));
      const ids = pages.flatMap((p) => p.plugins.map((x) => x.id));
      expect(ids.length).toBe(N);
      expect(new Set(ids).size).toBe(N);
      for (const p of pages) expect(p.plugins.length).toBeLessThanOrEqual(PAGE_SIZE);
      expect(pages.map((p) => p.page)).toEqual(pages.map((_, i) => i + 1));
    }
    // /browse/ is page 1 by name; later pages and other sorts have their own paths.
    expect(plan.pages[0]!.path).toBeUndefined();
    expect(plan.pages.map((p) => p.path)).toContain('page/2');
    expect(plan.pages.map((p) => p.path)).toContain('sort/updated/page/2');
    expect(new Set(plan.pages.map((p) => p.path)).size).toBe(plan.pages.length);
  });

  it('sorts by name, newest update first, lowest risk first', () => {
    const byName = sortPlugins(model.plugins, 'name').map((p) => p.name.toLowerCase());
    expect(byName).toEqual([...byName].sort());
    const updated = sortPlugins(model.plugins, 'updated').map(lastUpdated);
    expect(updated).toEqual([...updated].sort().reverse());
    const risks = sortPlugins(model.plugins, 'risk').map(riskRank);
    expect(risks).toEqual([...risks].sort((a, b) => a - b));
    // Not a coincidence of the data: the three orders differ.
    expect(sortPlugins(model.plugins, 'updated').map((p) => p.id)).not.toEqual(sortPlugins(model.plugins, 'name').map((p) => p.id));
    expect(new Set(risks).size).toBeGreaterThan(1);
  });

  it('has a landing page per facet value holding exactly the plugins with that value', () => {
    const plan = listingPlan(model);
    for (const facet of LANDING_FACETS) {
      const values = new Set(model.plugins.flatMap((p) => p.faceted.values[facet]));
      for (const value of values) {
        const pages = plan.pages.filter((p) => p.scope.kind === 'facet' && p.scope.facet === facet && p.scope.value === value);
        const got = pages.flatMap((p) => p.plugins.map((x) => x.id)).sort();
        const want = model.plugins.filter((p) => p.faceted.values[facet].includes(value)).map((p) => p.id).sort();
        expect(got, `${facet}=${value}`).toEqual(want);
      }
    }
    expect(listingPath('/', { kind: 'facet', facet: 'publisher', value: 'acme' }, 3)).toBe('/browse/publisher/acme/page/3/');
    expect(facetLink('/', 'publisher', 'acme')).toBe('/browse/publisher/acme/');
    expect(facetLink('/', 'cap', 'kv:read')).toBe('/search/?cap=kv%3Aread');
  });

  it('bounds the filter panel: publishers capped, only values with plugins are links', () => {
    const plan = listingPlan(model);
    expect(plan.valueCount.publisher).toBeGreaterThan(FACET_PANEL_LIMIT);
    expect(plan.panel.publisher.length).toBe(FACET_PANEL_LIMIT);
    const counts = plan.panel.publisher.map((o) => o.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    const markup = facetLinkGroups(model, '/').toString();
    expect(markup).toContain(`All ${plan.valueCount.publisher} publishers`);
    // A zero-count value (no plugin is unsigned in… every draft plugin is "no") is no link.
    const zero = model.facetOptions.verified.find((o) => o.count === 0)!;
    expect(zero).toBeDefined();
    expect(markup).not.toContain(`/browse/verified/${zero.value}/`);
    // The same markup object is shared by every page (rendered once per build).
    expect(facetLinkGroups(model, '/')).toBe(facetLinkGroups(model, '/'));
  });

  it('paginates with a bounded window', () => {
    expect(pageCount(0)).toBe(1);
    expect(pageCount(PAGE_SIZE + 1)).toBe(2);
    expect(pageWindow(1, 1)).toEqual([1]);
    expect(pageWindow(10, 400)).toEqual([1, 0, 8, 9, 10, 11, 12, 0, 400]);
    expect(pageWindow(2, 5)).toEqual([1, 2, 3, 4, 5]);
    const nav = paginationNav('/', { scope: { kind: 'all', sort: 'name' }, page: 2, pages: 11 }).toString();
    expect(nav).toContain('href="/browse/" rel="prev"');
    expect(nav).toContain('href="/browse/page/3/" rel="next"');
    expect(nav).toContain('aria-current="page"><span class="visually-hidden">Page </span>2<');
    expect(paginationNav('/', { scope: { kind: 'all', sort: 'name' }, page: 1, pages: 1 }).toString()).toBe('');
  });
});

describe('search records and did-you-mean', () => {
  it('makes one record per plugin: URL and text; no display fields (the card files carry them), no filters, no sort keys (the facet table sorts)', () => {
    const records = searchRecords(model, '/');
    expect(records.length).toBe(N);
    const p = model.plugins[0]!;
    const r = records[0]!;
    expect(r.url).toBe(`/plugins/${p.id}/`);
    expect(r.content).toContain(p.name);
    expect(Object.keys(r)).not.toContain('filters');
    expect(Object.keys(r)).not.toContain('meta');
    expect(Object.keys(r).sort()).toEqual(['content', 'language', 'url']);
    // One record per plugin, each plugin's own URL.
    expect(new Set(records.map((x) => x.url))).toEqual(new Set(model.plugins.map((x) => `/plugins/${encodeURIComponent(x.id)}/`)));
    for (const c of p.capabilities) expect(r.content).toContain(c);
  });

  it('keeps a bounded term list of words, most frequent first', () => {
    const terms = searchTerms(model);
    expect(terms.length).toBeGreaterThan(10);
    expect(terms.length).toBeLessThanOrEqual(MAX_TERMS);
    expect(new Set(terms).size).toBe(terms.length);
    expect(terms.every((t) => t.length >= 3 && !/^\d+$/.test(t))).toBe(true);
    expect(termsOf('Echo-Worker 12 kv:read')).toEqual(['echo', 'worker', 'read']);
  });

  it('suggests the nearest known word for a typo, and nothing for a known or far word', () => {
    expect(editDistance('conter', 'counter')).toBe(1);
    expect(editDistance('hlelo', 'hello')).toBe(1); // a swap counts once
    expect(editDistance('abc', 'xyz', 1)).toBe(2); // gave up past the limit
    const terms = ['hello', 'counter', 'echo', 'worker'];
    expect(suggestQuery('conter', terms)).toBe('counter');
    expect(suggestQuery('echo wroker', terms)).toBe('echo worker');
    expect(suggestQuery('counter', terms)).toBeUndefined();
    expect(suggestQuery('zzzzzzzz', terms)).toBeUndefined();
    expect(suggestQuery('ab', ['ac'])).toBeUndefined(); // too short to guess
  });
});

describe('publisher list and publisher pages do not grow with the catalog', () => {
  it('pages the publisher list: every publisher exactly once, PUBLISHERS_PAGE_SIZE a page, page 1 at /publishers/', () => {
    // 250 publishers: three pages (100, 100, 50).
    const publishers = Array.from({ length: 250 }, (_, i) => ({ ...model.publishers[0]!, id: `p${String(i).padStart(3, '0')}` }));
    const pages = publisherListPages({ ...model, publishers });
    expect(pages.map((p) => p.publishers.length)).toEqual([PUBLISHERS_PAGE_SIZE, PUBLISHERS_PAGE_SIZE, 50]);
    expect(pages.flatMap((p) => p.publishers.map((x) => x.id))).toEqual(publishers.map((p) => p.id));
    expect(pages.every((p) => p.pages === 3 && p.total === 250)).toBe(true);
    expect(publishersPath('/', 1)).toBe('/publishers/');
    expect(publishersPath('/', 3)).toBe('/publishers/page/3/');
    const nav = pageLinks((n) => publishersPath('/', n), 2, 3).toString();
    expect(nav).toContain('href="/publishers/" rel="prev"');
    expect(nav).toContain('href="/publishers/page/3/" rel="next"');
    expect(nav).toContain('href="/publishers/page/2/" aria-current="page"');
    // A small catalog is one page and shows no pagination bar.
    expect(publisherListPages(model)).toHaveLength(1);
    expect(pageLinks((n) => publishersPath('/', n), 1, 1).toString()).toBe('');
  });

  it('lists at most PAGE_SIZE plugins on a publisher page and says how many there are', () => {
    const big = { ...model.publishers[0]!, pluginIds: model.plugins.map((p) => p.id) };
    const { shown, total } = publisherPagePlugins(model, big);
    expect(total).toBe(N);
    expect(shown.map((p) => p.id)).toEqual(model.plugins.slice(0, PAGE_SIZE).map((p) => p.id));
    const small = model.publishers[0]!;
    expect(publisherPagePlugins(model, small).shown.length).toBe(small.pluginIds.length);
  });
});

describe('revocations pages', () => {
  const release = (i: number) => ({ plugin: `gone.p${i}`, version: '1.0.0', reason: 'test', revoked_at: '2026-11-05T00:00:00Z' });
  const artifact = (i: number) => ({ sha256: i.toString(16).padStart(64, '0'), reason: 'test', revoked_at: '2026-11-05T00:00:00Z' });

  it('cuts releases, then artifacts, then keys into pages of REVOCATIONS_PAGE_SIZE rows, each entry on exactly one page', () => {
    const size = REVOCATIONS_PAGE_SIZE;
    const lists = { releases: Array.from({ length: size + 30 }, (_, i) => release(i)), artifacts: Array.from({ length: size - 10 }, (_, i) => artifact(i)), keys: [] };
    const pages = revocationPages(lists);
    expect(pages.map((p) => p.page)).toEqual([1, 2, 3]);
    for (const p of pages) {
      expect(p.pages).toBe(3);
      expect(p.rows.releases.length + p.rows.artifacts.length + p.rows.keys.length).toBeLessThanOrEqual(size);
    }
    expect(pages.flatMap((p) => p.rows.releases)).toEqual(lists.releases);
    expect(pages.flatMap((p) => p.rows.artifacts)).toEqual(lists.artifacts);
    expect(pages[1]!.rows.releases.length).toBe(30);
    expect(pages[1]!.rows.artifacts.length).toBe(size - 30);
    expect(pages[2]!.rows.artifacts.length).toBe(20);
    expect(pages[0]!.tables).toEqual({ releases: { total: size + 30, pages: [1, 2] }, artifacts: { total: size - 10, pages: [2, 3] }, keys: { total: 0, pages: undefined } });
  });

  it('has one page for a short or empty list', () => {
    expect(revocationPages({ releases: [], artifacts: [], keys: [] }).map((p) => [p.page, p.pages])).toEqual([[1, 1]]);
    const one = revocationPages({ releases: [release(1)], artifacts: [artifact(1)], keys: [] });
    expect(one.length).toBe(1);
    expect(one[0]!.rows.artifacts.length).toBe(1);
    expect(revocationsPath('/', 1)).toBe('/revocations/');
    expect(revocationsPath('/x/', 3)).toBe('/x/revocations/page/3/');
  });
});
