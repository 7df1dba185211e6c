/**
 * What the catalog's search index holds: one Pagefind custom record per
 * plugin (text, display fields, facet filters and sort keys) and a small term
 * list for "did you mean" suggestions. Both come straight from the verified
 * model (search-index.ts builds the index with Pagefind's Node API while the
 * pages render), so Pagefind never parses the 20k HTML pages — the cheapest way to
 * index them — and the search page needs nothing but /pagefind/,
 * /search-facets.json (search-facets.ts) and /search-terms.json. The
 * browser no longer reads the records' `filters` (the facet table answers
 * facets; Pagefind's filter counts cost its worker O(memberships × results)),
 * only their text, display fields and the `name` sort key (row order). The
 * filters and the other sort keys could be dropped to save Pagefind build
 * work and bytes; test/site/search-facets.test.ts compares the filters with
 * the table meanwhile.
 *
 * Pure and DOM-free (runs in Node and vitest).
 *
 * @module
 */
import type { CatalogModel, PluginView } from './catalog.js';
import { FACETS } from './facets.js';
import { SORTS, lastUpdated, sortPlugins, type SortName } from './listing.js';
import { pluginPath } from './paths.js';
import { typeLabel } from './catalog.js';

/** A Pagefind custom record (pagefind's `CustomRecord`). */
export interface SearchRecord {
  readonly url: string;
  readonly content: string;
  readonly language: string;
  readonly meta: Readonly<Record<string, string>>;
  readonly filters: Readonly<Record<string, string[]>>;
  readonly sort: Readonly<Record<string, string>>;
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

/** A plugin's position in each sort order (0-based), from {@link sortPlugins}. */
export type SortRanks = Readonly<Record<SortName, number>>;

/** Sort keys Pagefind compares as strings: zero-padded ranks, all ascending. */
function rankKey(n: number): string {
  return String(n).padStart(8, '0');
}

/**
 * One plugin as a search record.
 * @param ranks - its position in each sort order: the search page then sorts
 *   exactly like the static listing pages (same order, same tie-breaks), and
 *   every sort is ascending.
 */
export function searchRecord(p: PluginView, base: string, ranks: SortRanks): SearchRecord {
  const head = p.heads[0];
  const updated = lastUpdated(p);
  // Capabilities both as written (kv:write) and as words (kv write).
  const caps = p.capabilities.flatMap((c) => [c, c.replace(/[^a-z0-9]+/gi, ' ')]);
  const filters: Record<string, string[]> = {};
  for (const f of FACETS) filters[f] = [...new Set(p.faceted.values[f])];
  const sort: Record<string, string> = {};
  for (const s of SORTS) sort[s] = rankKey(ranks[s]);
  return {
    url: pluginPath(base, p.id),
    content: [p.name, p.id, p.id.replace(/[.-]+/g, ' '), p.summary, p.publisherName, p.publisherId, ...p.tags, ...caps].filter((s) => s !== '').join('\n'),
    language: 'en',
    meta: {
      title: p.name,
      id: p.id,
      summary: p.summary,
      type: typeLabel(p.type),
      publisher: p.publisherName,
      publisherId: p.publisherId,
      risk: p.risk.words,
      riskClass: p.risk.className,
      version: head ? `${head.channel} ${head.release.version}` : '',
      updated,
    },
    filters,
    sort,
  };
}

/** Every plugin as a search record, in index order (one sort of the catalog per order, O(n log n)). */
export function searchRecords(model: CatalogModel, base: string): SearchRecord[] {
  const ranks = new Map<PluginView, Record<SortName, number>>(model.plugins.map((p) => [p, { name: 0, updated: 0, risk: 0 }]));
  for (const s of SORTS) sortPlugins(model.plugins, s).forEach((p, i) => (ranks.get(p)![s] = i));
  return model.plugins.map((p) => searchRecord(p, base, ranks.get(p)!));
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
