/**
 * The search page's facet table (site/src/lib/search-facets.ts) on a
 * synthetic catalog of 500 plugins: its answers (matching rows, facet counts,
 * sort orders) against site/src/lib/facets.ts and listing.ts as the oracles,
 * its agreement with the Pagefind records (row i is the record whose `name`
 * sort key is rank i), and the decoder failing closed on damaged files.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CatalogModel, PluginView } from '../../site/src/lib/catalog.js';
import { EMPTY_STATE, FACETS, facetCounts, filterEntries, type CatalogState, type FacetName, type FacetedEntry } from '../../site/src/lib/facets.js';
import { SORTS, sortPlugins } from '../../site/src/lib/listing.js';
import { searchRecords } from '../../site/src/lib/search-records.js';
import { CARDS_PER_FILE, cardFileOf, decodeSearchCards, searchCard, searchCardFiles } from '../../site/src/lib/search-cards.js';
import {
  SEARCH_FACETS_INVALID,
  SEARCH_FACETS_MISMATCH,
  SearchFacetsError,
  answerFacets,
  decodeSearchFacets,
  pagefindIndexTag,
  searchFacetsFile,
  sortRows,
  type FacetTable,
  type SearchFacetsFile,
} from '../../site/src/lib/search-facets.js';
import { syntheticCatalog } from './fixtures.js';

const N = 500;
/** The Pagefind index the files name (pagefindIndexTag of a pagefind-entry.json). */
const TAG = 'en:en_2e4e95687b';
let model: CatalogModel;
let byName: PluginView[];
let file: SearchFacetsFile;
let table: FacetTable;

beforeAll(() => {
  model = syntheticCatalog(N, 11);
  byName = sortPlugins(model.plugins, 'name');
  // Through JSON, as the browser reads it.
  // Pagefind page ids as the build reads them from the bundle (any distinct strings).
  const pages = byName.map((_, i) => `en_${((i * 2654435761) >>> 0).toString(16).padStart(8, '0')}`);
  file = JSON.parse(JSON.stringify(searchFacetsFile(model, pages, TAG))) as SearchFacetsFile;
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
      const id = decodeURIComponent(rec.url.split('/')[2]!);
      const i = row.get(id)!;
      expect(i).toBeDefined();
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
    expect(refused(damaged((f) => (f.format = 'lattice.catalog.search-facets.v1')))).toMatch(/expected format/); // the last format (no page column)
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
  it('maps each Pagefind page id to its row, and refuses a page column of another length or with a repeated id', () => {
    file.pages.forEach((id, i) => expect(table.rowOf.get(id)).toBe(i));
    expect(table.rowOf.size).toBe(N);
    expect(refused(damaged((f) => f.pages.pop()))).toMatch(/pages: expected 500 Pagefind page ids, found 499/);
    expect(refused(damaged((f) => (f.pages[9] = f.pages[3])))).toMatch(/pages: expected distinct non-empty strings, found "en_[0-9a-f]+" at row 9/);
    expect(refused(damaged((f) => (f.pages[0] = 7)))).toMatch(/pages/);
    expect(() => searchFacetsFile(model, file.pages.slice(1), TAG)).toThrow(/expected 500 Pagefind page ids, found 499/);
  });
  it('names the Pagefind index it was written with; refuses a file without', () => {
    expect(table.index).toBe(TAG);
    expect(refused(damaged((f) => (f.index = '')))).toMatch(/index: expected the Pagefind index's tag/);
    expect(refused(damaged((f) => delete f.index))).toMatch(/keys/);
    // The tag of an entry file: languages and hashes, in a stable order; nothing for a damaged entry.
    expect(pagefindIndexTag({ version: '1.6.0', languages: { en: { hash: 'en_2e4e95687b', wasm: 'en', page_count: 3 } } })).toBe(TAG);
    expect(pagefindIndexTag({ languages: { fr: { hash: 'fr_1' }, en: { hash: 'en_2' } } })).toBe('en:en_2,fr:fr_1');
    for (const bad of [undefined, {}, { languages: {} }, { languages: { en: {} } }, { languages: { en: { hash: '' } } }, []]) expect(pagefindIndexTag(bad), JSON.stringify(bad)).toBeUndefined();
  });
  it('refuses ranks that are not a permutation', () => {
    expect(refused(damaged((f) => (f.ranks.updated[1] = f.ranks.updated[0])))).toMatch(/permutation/);
    expect(refused(damaged((f) => (f.ranks.risk[0] = N)))).toMatch(/permutation/);
    expect(refused(damaged((f) => (f.count = N + 1)))).toMatch(/expected 501 rows/);
    expect(refused(damaged((f) => (f.rows.channel.per[0] = -1)))).toMatch(/rows\.channel\.per\[0\]/);
  });
});

describe('search card files (search-cards.ts)', () => {
  /** Every card file as the browser reads it (through JSON). */
  const files = (): Map<string, Record<string, any>> => new Map([...searchCardFiles(model, TAG)].map(([k, v]) => [k, JSON.parse(JSON.stringify(v)) as Record<string, any>]));

  it('gives row i (name order, the facet table\'s row) the card of the i-th plugin by name, in files of CARDS_PER_FILE rows', () => {
    const all = files();
    expect(all.size).toBe(Math.ceil(N / CARDS_PER_FILE));
    for (let row = 0; row < N; row++) {
      const { first, cards } = decodeSearchCards(all.get(cardFileOf(row)), row, N, TAG);
      expect(cards[row - first], `row ${row}`).toEqual(searchCard(byName[row]!));
    }
    // The last file holds only the rows left.
    expect(all.get(cardFileOf(N - 1))!.cards.length).toBe(N % CARDS_PER_FILE || CARDS_PER_FILE);
    const p = byName[7]!;
    expect(searchCard(p)).toMatchObject({ id: p.id, title: p.name, summary: p.summary, publisherId: p.publisherId, risk: p.risk.words });
  });

  const refusal = (json: unknown, row: number, count = N): SearchFacetsError => {
    try {
      decodeSearchCards(json, row, count, TAG);
    } catch (e) {
      expect(e).toBeInstanceOf(SearchFacetsError);
      return e as SearchFacetsError;
    }
    throw new Error('accepted a damaged card file');
  };
  it('attack: a damaged card file or one of another catalog is refused (SEARCH_FACETS_INVALID / _MISMATCH); the honest one is read', () => {
    const row = CARDS_PER_FILE + 8; // in the second file
    const honest = (): Record<string, any> => files().get(cardFileOf(row))!;
    expect(decodeSearchCards(honest(), row, N, TAG).first).toBe(CARDS_PER_FILE);
    const invalid: [string, (f: Record<string, any>) => void, RegExp][] = [
      ['an unknown key', (f) => (f.extra = 1), /keys/],
      ['another format', (f) => (f.format = 'lattice.catalog.search-cards.v2'), /expected format/],
      ['the file of other rows', (f) => (f.first = 0), new RegExp(`rows from ${CARDS_PER_FILE}`)],
      ['a card with a field missing', (f) => f.cards[3].pop(), /card 3/],
      ['a field that is not a string', (f) => (f.cards[0][1] = 7), /card 0/],
    ];
    for (const [name, change, message] of invalid) {
      const f = honest();
      change(f);
      const e = refusal(f, row);
      expect(e.code, name).toBe(SEARCH_FACETS_INVALID);
      expect(e.message, name).toMatch(message);
      expect(e.message, name).toContain(cardFileOf(row));
    }
    expect(refusal([], row).code).toBe(SEARCH_FACETS_INVALID);
    // A card file of a catalog with one plugin less than the facet table's.
    const short = files().get(cardFileOf(N - 1))!;
    short.cards.pop();
    const e = refusal(short, N - 1);
    expect(e.code).toBe(SEARCH_FACETS_MISMATCH);
    expect(e.message).toMatch(/expected \d+ cards for a catalog of 500 plugins/);
    // A card file of another build (another Pagefind index), every card well-formed.
    const other = honest();
    other.index = 'en:en_0000000000';
    const o = refusal(other, row);
    expect(o.code).toBe(SEARCH_FACETS_MISMATCH);
    expect(o.message).toMatch(/expected cards written with the Pagefind index en:en_2e4e95687b, found "en:en_0000000000"/);
  });
});
