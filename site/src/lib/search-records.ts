/**
 * What the catalog's search index holds: one Pagefind custom record per
 * plugin (its text and the `name` sort key; no display fields — the cards
 * come from search-cards.ts — and no filters) and a small term
 * list for "did you mean" suggestions. Both come straight from the verified
 * model (search-index.ts builds the index with Pagefind's Node API while the
 * pages render), so Pagefind never parses the 20k HTML pages — the cheapest way to
 * index them — and the search page needs nothing but /pagefind/,
 * /search-facets.json (search-facets.ts) and /search-terms.json. Pagefind
 * only matches text: the facet table answers facets, counts and the other
 * sort orders (Pagefind's filter counts cost its worker O(memberships ×
 * results)), so the records carry no filters and one sort key, `name`, which
 * maps Pagefind's results to the table's rows (test/site/search-facets.test.ts).
 *
 * Pure and DOM-free (runs in Node and vitest).
 *
 * @module
 */
import type { CatalogModel, PluginView } from './catalog.js';
import { sortPlugins } from './listing.js';
import { pluginPath } from './paths.js';

/** A Pagefind custom record (pagefind's `CustomRecord`). */
export interface SearchRecord {
  readonly url: string;
  readonly content: string;
  readonly language: string;
  /** Only `name`: the plugin's rank in name order (the facet table's row). */
  readonly sort: Readonly<{ name: string }>;
}

/** File of the did-you-mean term list, below the site root. */
export const SEARCH_TERMS_FILE = 'search-terms.json';
/** Most terms in the list (most frequent first): the file stays small however large the catalog. */
export const MAX_TERMS = 4000;
/** Shortest term worth suggesting. */
export const MIN_TERM_LENGTH = 3;

/** Words of a text for the term list: lower-case runs of letters and digits, not pure numbers. */
export function termsOf(text: string): string[] {
  return (text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length >= MIN_TERM_LENGTH && !/^\d+$/.test(w));
}

/** Sort keys Pagefind compares as strings: zero-padded ranks, all ascending. */
function rankKey(n: number): string {
  return String(n).padStart(8, '0');
}

/**
 * One plugin as a search record.
 * @param nameRank - its position in name order (ties broken as the static
 *   listing pages break them): the row of the facet table.
 */
export function searchRecord(p: PluginView, base: string, nameRank: number): SearchRecord {
  // Capabilities both as written (kv:write) and as words (kv write).
  const caps = p.capabilities.flatMap((c) => [c, c.replace(/[^a-z0-9]+/gi, ' ')]);
  return {
    url: pluginPath(base, p.id),
    content: [p.name, p.id, p.id.replace(/[.-]+/g, ' '), p.summary, p.publisherName, p.publisherId, ...p.tags, ...caps].filter((s) => s !== '').join('\n'),
    language: 'en',
    sort: { name: rankKey(nameRank) },
  };
}

/** Every plugin as a search record, in index order (one sort of the catalog by name, O(n log n)). */
export function searchRecords(model: CatalogModel, base: string): SearchRecord[] {
  const rank = new Map<PluginView, number>();
  sortPlugins(model.plugins, 'name').forEach((p, i) => rank.set(p, i));
  return model.plugins.map((p) => searchRecord(p, base, rank.get(p)!));
}

/**
 * The did-you-mean term list: words of plugin names, ids, tags and publisher
 * ids, most frequent first, at most {@link MAX_TERMS}.
 */
export function searchTerms(model: CatalogModel): string[] {
  const counts = new Map<string, number>();
  for (const p of model.plugins) {
    for (const w of new Set(termsOf([p.name, p.id, p.publisherId, ...p.tags].join(' ')))) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, MAX_TERMS)
    .map(([w]) => w);
}
