/**
 * The search page's facet table (site/src/lib/search-facets.ts) on a
 * synthetic catalog of 500 plugins: its answers (matching rows, facet counts,
 * sort orders) against site/src/lib/facets.ts and listing.ts as the oracles,
 * its agreement with the Pagefind records (row i is the record whose `name`
 * sort key is rank i), and the decoder failing closed on damaged files.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyIndex } from '../../src/domain/index/verify.js';
import { serializeIndex } from '../../src/domain/index/assemble.js';
import { buildCatalog, type CatalogModel, type PluginView } from '../../site/src/lib/catalog.js';
import { EMPTY_STATE, FACETS, facetCounts, filterEntries, type CatalogState, type FacetName, type FacetedEntry } from '../../site/src/lib/facets.js';
import { SORTS, sortPlugins } from '../../site/src/lib/listing.js';
import { searchRecords } from '../../site/src/lib/search-records.js';
import {
  SEARCH_FACETS_INVALID,
  SearchFacetsError,
  answerFacets,
  decodeSearchFacets,
  searchFacetsFile,
  sortRows,
  type FacetTable,
  type SearchFacetsFile,
} from '../../site/src/lib/search-facets.js';
// @ts-expect-error — plain ESM script without type declarations
import { syntheticIndex } from '../../bench/synthetic-index.mjs';

const N = 500;
let model: CatalogModel;
let byName: PluginView[];
let file: SearchFacetsFile;
let table: FacetTable;

beforeAll(() => {
  const doc = syntheticIndex(N, 11) as Record<string, unknown>;
  const r = verifyIndex(new TextEncoder().encode(serializeIndex(doc)), { keys: [], threshold: 1 }, { now: Date.now(), allowDraft: true });
  if (!r.ok) throw r.error;
  model = buildCatalog(r.verified);
  byName = sortPlugins(model.plugins, 'name');
  // Through JSON, as the browser reads it.
  file = JSON.parse(JSON.stringify(searchFacetsFile(model))) as SearchFacetsFile;
  table = decodeSearchFacets(file);
});

/** A deterministic pseudo-random source (no flaky seeds). */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return x / 2 ** 32;
  };
}

/** A random selection: per facet none, one or two of its values, sometimes one no plugin has. */
function randomState(next: () => number): CatalogState {
  const state: Record<string, unknown> = { ...EMPTY_STATE };
  for (const f of FACETS) {
    const values = model.facetOptions[f].map((o) => o.value);
    const k = Math.floor(next() * 4) - 1; // -1, 0: none; 1, 2 values
    const pick = new Set<string>();
    for (let i = 0; i < k; i++) pick.add(values[Math.floor(next() * values.length)] ?? 'none');
    if (next() < 0.05) pick.add('no-such-value');
    state[f] = [...pick].sort();
  }
  return state as CatalogState;
}

/** The oracle's counts as plain records (facets.ts gives Maps). */
function oracleCounts(entries: readonly FacetedEntry[], state: CatalogState): Record<FacetName, Record<string, number>> {
  const c = facetCounts(entries, state);
  return Object.fromEntries(FACETS.map((f) => [f, Object.fromEntries(c[f])])) as Record<FacetName, Record<string, number>>;
}

describe('search facet table', () => {
  it('has one row per plugin in name order, agreeing with the Pagefind records (name sort key = row) and with facets.ts (row values = the plugin\'s facet values)', () => {
    expect(table.count).toBe(N);
    const row = new Map(byName.map((p, i) => [p.id, i]));
    const plugins = new Map(model.plugins.map((p) => [p.id, p]));
    for (const rec of searchRecords(model, '/')) {
      const id = rec.meta.id!;
      const i = row.get(id)!;
      expect(Number(rec.sort.name)).toBe(i);
      expect(Object.keys(rec)).not.toContain('filters'); // Pagefind only matches text
      for (const f of FACETS) {
        const col = table.columns[f];
        const values = [...col.codes.subarray(col.start[i], col.start[i + 1])].map((c) => col.values[c]);
        expect(values.sort(), `${id} ${f}`).toEqual([...new Set(plugins.get(id)!.faceted.values[f])].sort());
      }
    }
  });

  it('filters and counts exactly like facets.ts, over every plugin and over a text query’s subset', () => {
    const next = rng(1234);
    const entries = byName.map((p) => ({ ...p.faceted, text: '' }));
    let nonEmpty = 0;
    for (let round = 0; round < 300; round++) {
      const state = randomState(next);
      // No query: every row is a candidate.
      const all = answerFacets(table, null, state);
      expect([...all.rows]).toEqual(filterEntries(entries, state));
      expect(all.counts).toEqual(oracleCounts(entries, state));
      if (all.rows.length > 0) nonEmpty++;
      // A query: a random subset of rows, in no particular order.
      const subset = byName.map((_, i) => i).filter(() => next() < 0.3);
      const shuffled = [...subset].sort(() => next() - 0.5);
      const some = answerFacets(table, Uint32Array.from(shuffled), state);
      const subEntries = subset.map((i) => entries[i]!);
      expect([...some.rows]).toEqual(filterEntries(subEntries, state).map((k) => subset[k]));
      expect(some.counts).toEqual(oracleCounts(subEntries, state));
    }
    // The rounds are not all trivially empty.
    expect(nonEmpty).toBeGreaterThan(20);
    // The blank state lists everything with the catalog's own totals.
    const blank = answerFacets(table, null, EMPTY_STATE);
    expect(blank.rows.length).toBe(N);
    for (const f of FACETS) for (const o of model.facetOptions[f]) expect(blank.counts[f][o.value] ?? 0, `${f}=${o.value}`).toBe(o.count);
  });

  it('sorts rows like the listing pages (sortPlugins) in every order', () => {
    const row = new Map(byName.map((p, i) => [p, i]));
    const some = answerFacets(table, null, { ...EMPTY_STATE, type: ['worker'] }).rows;
    expect(some.length).toBeGreaterThan(10);
    const member = new Set(some);
    for (const s of SORTS) {
      const want = sortPlugins(model.plugins, s)
        .map((p) => row.get(p)!)
        .filter((i) => member.has(i));
      expect([...sortRows(table, some, s)], s).toEqual(want);
    }
  });
});

describe('search facet table: damaged files are refused (SEARCH_FACETS_INVALID)', () => {
  const damaged = (change: (f: Record<string, any>) => void): unknown => {
    const copy = JSON.parse(JSON.stringify(file)) as Record<string, any>;
    change(copy);
    return copy;
  };
  const refused = (json: unknown): string => {
    try {
      decodeSearchFacets(json);
    } catch (e) {
      expect(e).toBeInstanceOf(SearchFacetsError);
      expect((e as SearchFacetsError).code).toBe(SEARCH_FACETS_INVALID);
      return (e as Error).message;
    }
    throw new Error('accepted a damaged file');
  };

  it('accepts the honest file', () => {
    expect(decodeSearchFacets(damaged(() => undefined)).count).toBe(N);
  });
  it('refuses an unknown top-level key, a missing one and another format', () => {
    expect(refused(damaged((f) => (f.extra = 1)))).toMatch(/keys/);
    expect(refused(damaged((f) => delete f.ranks))).toMatch(/keys/);
    expect(refused(damaged((f) => (f.format = 'lattice.catalog.search-facets.v2')))).toMatch(/expected format/);
    expect(refused([])).toMatch(/JSON object/);
  });
  it('refuses an unknown facet, a short column and a code outside the dictionary', () => {
    expect(refused(damaged((f) => (f.values.colour = [])))).toMatch(/values/);
    expect(refused(damaged((f) => f.rows.type.per.pop()))).toMatch(/rows\.type\.per/);
    expect(refused(damaged((f) => f.rows.type.codes.pop()))).toMatch(/rows\.type\.codes: expected 500 codes/);
    expect(refused(damaged((f) => (f.rows.risk.codes[3] = f.values.risk.length)))).toMatch(/rows\.risk: row 3/);
    expect(refused(damaged((f) => (f.rows.cap.extra = [])))).toMatch(/rows\.cap/);
    // A row with one value twice (per says 2, codes repeat).
    expect(
      refused(
        damaged((f) => {
          f.rows.type.per[0] = 2;
          f.rows.type.codes.splice(0, 0, f.rows.type.codes[0]);
        }),
      ),
    ).toMatch(/twice/);
    expect(refused(damaged((f) => f.values.type.push(f.values.type[0])))).toMatch(/distinct/);
  });
  it('refuses ranks that are not a permutation', () => {
    expect(refused(damaged((f) => (f.ranks.updated[1] = f.ranks.updated[0])))).toMatch(/permutation/);
    expect(refused(damaged((f) => (f.ranks.risk[0] = N)))).toMatch(/permutation/);
    expect(refused(damaged((f) => (f.count = N + 1)))).toMatch(/expected 501 rows/);
    expect(refused(damaged((f) => (f.rows.channel.per[0] = -1)))).toMatch(/rows\.channel\.per\[0\]/);
  });
});
