/**
 * What the catalog's search index holds: one Pagefind custom record per
 * plugin (its URL and text only: no display fields — the cards come from
 * search-cards.ts —, no filters, no sort keys) and a small term
 * list for "did you mean" suggestions. Both come straight from the verified
 * model (search-index.ts builds the index with Pagefind's Node API while the
 * pages render), so Pagefind never parses the 20k HTML pages — the cheapest way to
 * index them — and the search page needs nothing but /pagefind/,
 * /search-facets.json (search-facets.ts), /search-cards/ and
 * /search-terms.json. Pagefind only matches text: the facet table answers
 * facets, counts and sort orders (Pagefind's filter counts cost its worker
 * O(memberships × results)) and names each row's Pagefind page, which the
 * build reads back from the bundle by the records' URLs (search-index.ts).
 *
 * Pure and DOM-free (runs in Node and vitest).
 *
 * @module
 */
import type { CatalogModel, PluginView } from './catalog.js';
import { pluginPath } from './paths.js';

/** A Pagefind custom record (pagefind's `CustomRecord`). */
export interface SearchRecord {
  readonly url: string;
  readonly content: string;
  readonly language: string;
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

/** One plugin as a search record. */
export function searchRecord(p: PluginView, base: string): SearchRecord {
  // Capabilities both as written (kv:write) and as words (kv write).
  const caps = p.capabilities.flatMap((c) => [c, c.replace(/[^a-z0-9]+/gi, ' ')]);
  return {
    url: pluginPath(base, p.id),
    content: [p.name, p.id, p.id.replace(/[.-]+/g, ' '), p.summary, p.publisherName, p.publisherId, ...p.tags, ...caps].filter((s) => s !== '').join('\n'),
    language: 'en',
  };
}

/** Every plugin as a search record, in index order. */
export function searchRecords(model: CatalogModel, base: string): SearchRecord[] {
  return model.plugins.map((p) => searchRecord(p, base));
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
