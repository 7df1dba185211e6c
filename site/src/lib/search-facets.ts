/**
 * The search page's facet table: every plugin's facet values and sort ranks,
 * written by the build next to the Pagefind index (`/search-facets.json`)
 * from the same verified model, and answered in the browser.
 *
 * Why not Pagefind's own filters: Pagefind 1.6 computes the counts of every
 * loaded filter value on every search by scanning the result list once per
 * page a value lists (`Vec::contains`) — O(filter memberships × results) —
 * and sorts by looking each result up in the sort list (O(results × pages)).
 * At 20k plugins one facet click cost ~300–1000 ms of CPU in its worker. Here
 * Pagefind only matches text (no filter chunk is ever loaded, no sort is
 * asked), and this table filters, counts and sorts in one linear pass over
 * the matching rows, with the same rule as facets.ts (which the tests use as
 * the oracle): a facet's counts apply every other selection but not its own.
 *
 * Rows are the plugins in name order ({@link sortPlugins} 'name'), the order
 * of the `name` sort key of the search records (search-records.ts). The
 * `pages` column names each row's Pagefind page (the id Pagefind gives its
 * result, read back from the bundle by the build: search-index.ts), so the
 * search page maps Pagefind's results to rows without asking Pagefind for
 * every plugin first (a blank search sorted by name cost its worker
 * O(plugins²), 0.4–0.7 s of CPU at 20k, on every page load); a result that
 * is no row's, or a Pagefind index other than the one `index` names (its
 * hash in pagefind-entry.json), is {@link SEARCH_FACETS_MISMATCH}.
 *
 * Pure and DOM-free (runs in Node, vitest and the browser bundle).
 *
 * @module
 */
import type { CatalogModel } from './catalog.js';
import { FACETS, type CatalogState, type FacetName } from './facets.js';
import { SORTS, sortPlugins, type SortName } from './listing.js';

/** File of the facet table, below the site root. */
export const SEARCH_FACETS_FILE = 'search-facets.json';
/** Format tag of the file; another value is refused. */
export const SEARCH_FACETS_FORMAT = 'lattice.catalog.search-facets.v2';

/** The file does not have the shape this page reads (another build's, truncated, edited). */
export const SEARCH_FACETS_INVALID = 'SEARCH_FACETS_INVALID';
/** The file and the Pagefind index describe different catalogs (plugin count or ids disagree). */
export const SEARCH_FACETS_MISMATCH = 'SEARCH_FACETS_MISMATCH';
export type SearchFacetsCode = typeof SEARCH_FACETS_INVALID | typeof SEARCH_FACETS_MISMATCH;

/** Why the search page cannot answer from the facet table. */
export class SearchFacetsError extends Error {
  constructor(
    readonly code: SearchFacetsCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'SearchFacetsError';
  }
}

/** Sorts other than name, whose ranks the file carries (name order is the row order). */
const RANKED_SORTS = SORTS.filter((s): s is Exclude<SortName, 'name'> => s !== 'name');

/**
 * The file as JSON. Per facet, `values` is its dictionary and `rows` its
 * column, flat (one JSON array of numbers each, which the browser parses far
 * faster than an array per row): `per[i]` is how many values row i has, and
 * `codes` lists them all, row after row, as codes into the dictionary.
 * `ranks` gives each row's position in the other sort orders, `pages` each
 * row's Pagefind page id, `index` the Pagefind index the file was written
 * with ({@link pagefindIndexTag}).
 */
export interface SearchFacetsFile {
  readonly format: typeof SEARCH_FACETS_FORMAT;
  readonly count: number;
  readonly values: Readonly<Record<FacetName, readonly string[]>>;
  readonly rows: Readonly<Record<FacetName, { readonly per: readonly number[]; readonly codes: readonly number[] }>>;
  readonly ranks: Readonly<Record<Exclude<SortName, 'name'>, readonly number[]>>;
  readonly pages: readonly string[];
  readonly index: string;
}

/**
 * What names a Pagefind index: its languages and their hashes from
 * `pagefind-entry.json` (the hashes change with the index's content).
 * @returns e.g. `"en:en_2e4e95687b"`, or undefined when the entry has none.
 */
export function pagefindIndexTag(entry: unknown): string | undefined {
  const langs = isObject(entry) && isObject(entry.languages) ? entry.languages : undefined;
  if (langs === undefined) return undefined;
  const parts: string[] = [];
  for (const [lang, v] of Object.entries(langs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!isObject(v) || typeof v.hash !== 'string' || v.hash === '') return undefined;
    parts.push(`${lang}:${v.hash}`);
  }
  return parts.length > 0 ? parts.join(',') : undefined;
}

/**
 * The facet table of a catalog (build side): rows in name order.
 * @param pages - each row's Pagefind page id, in name order (search-index.ts reads them from the bundle).
 * @param index - the Pagefind index's tag ({@link pagefindIndexTag}).
 * @example JSON.stringify(searchFacetsFile(model, pages)) // written to /search-facets.json
 */
export function searchFacetsFile(model: CatalogModel, pages: readonly string[], index: string): SearchFacetsFile {
  const byName = sortPlugins(model.plugins, 'name');
  if (pages.length !== byName.length) throw new Error(`search facet table: expected ${byName.length} Pagefind page ids, found ${pages.length}`);
  const values = {} as Record<FacetName, string[]>;
  const rows = {} as Record<FacetName, { per: number[]; codes: number[] }>;
  for (const f of FACETS) {
    const dict = new Map<string, number>();
    values[f] = [];
    const per: number[] = [];
    const codes: number[] = [];
    for (const p of byName) {
      const own = new Set(p.faceted.values[f]);
      per.push(own.size);
      for (const v of own) {
        let c = dict.get(v);
        if (c === undefined) {
          c = values[f].length;
          dict.set(v, c);
          values[f].push(v);
        }
        codes.push(c);
      }
    }
    rows[f] = { per, codes };
  }
  const row = new Map(byName.map((p, i) => [p, i]));
  const ranks = {} as Record<Exclude<SortName, 'name'>, number[]>;
  for (const s of RANKED_SORTS) {
    const r = new Array<number>(byName.length);
    sortPlugins(model.plugins, s).forEach((p, i) => (r[row.get(p)!] = i));
    ranks[s] = r;
  }
  return { format: SEARCH_FACETS_FORMAT, count: byName.length, values, rows, ranks, pages: [...pages], index };
}

/** One facet's column: row i has the codes `codes[start[i] .. start[i + 1])`. */
interface Column {
  readonly values: readonly string[];
  readonly start: Uint32Array;
  readonly codes: Uint32Array;
}

/** A decoded, checked facet table. */
export interface FacetTable {
  /** Number of rows (plugins). */
  readonly count: number;
  readonly columns: Readonly<Record<FacetName, Column>>;
  /** Per sort other than name: the rows in that order (the inverse of the file's ranks). */
  readonly orders: Readonly<Record<Exclude<SortName, 'name'>, Uint32Array>>;
  /** Pagefind page id → row. */
  readonly rowOf: ReadonlyMap<string, number>;
  /** The Pagefind index the file was written with ({@link pagefindIndexTag}). */
  readonly index: string;
}

/** A JSON object (not null, not an array); the card files' decoder (search-cards.ts) uses it too. */
export const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCode = (x: unknown, size: number): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < size;
function exactKeys(x: Record<string, unknown>, keys: readonly string[], where: string): void {
  const got = Object.keys(x).sort();
  const want = [...keys].sort();
  if (got.join() !== want.join()) throw new SearchFacetsError(SEARCH_FACETS_INVALID, `${where}: expected the keys ${want.join(', ')}, found ${got.join(', ') || 'none'}`);
}

/**
 * Check and decode the file (browser side). Fails closed: an unknown or
 * missing key, a wrong length, a code outside its dictionary, a duplicated
 * value or rank is refused.
 * @throws SearchFacetsError with {@link SEARCH_FACETS_INVALID}.
 */
export function decodeSearchFacets(json: unknown): FacetTable {
  const bad = (msg: string): never => {
    throw new SearchFacetsError(SEARCH_FACETS_INVALID, msg);
  };
  if (!isObject(json)) return bad(`expected a JSON object, found ${Array.isArray(json) ? 'an array' : typeof json}`);
  exactKeys(json, ['format', 'count', 'values', 'rows', 'ranks', 'pages', 'index'], 'the file');
  if (typeof json.index !== 'string' || json.index === '') bad(`index: expected the Pagefind index's tag, found ${JSON.stringify(json.index)}`);
  if (json.format !== SEARCH_FACETS_FORMAT) bad(`expected format ${SEARCH_FACETS_FORMAT}, found ${JSON.stringify(json.format)}`);
  const n = json.count;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return bad(`count: expected a non-negative integer, found ${JSON.stringify(n)}`);
  const { values, rows, ranks } = json;
  if (!isObject(values) || !isObject(rows) || !isObject(ranks)) return bad('values, rows and ranks: expected objects');
  exactKeys(values, FACETS, 'values');
  exactKeys(rows, FACETS, 'rows');
  exactKeys(ranks, RANKED_SORTS, 'ranks');
  const columns = {} as Record<FacetName, Column>;
  for (const f of FACETS) {
    const dict = values[f];
    if (!Array.isArray(dict) || !dict.every((v) => typeof v === 'string') || new Set(dict).size !== dict.length) {
      bad(`values.${f}: expected distinct strings`);
    }
    const col = rows[f];
    if (!isObject(col)) return bad(`rows.${f}: expected an object, found ${JSON.stringify(col)}`);
    exactKeys(col, ['per', 'codes'], `rows.${f}`);
    const { per, codes: flat } = col;
    if (!Array.isArray(per) || per.length !== n) return bad(`rows.${f}.per: expected ${n} rows, found ${Array.isArray(per) ? per.length : typeof per}`);
    if (!Array.isArray(flat)) return bad(`rows.${f}.codes: expected an array, found ${typeof flat}`);
    const size = (dict as string[]).length;
    const start = new Uint32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const k: unknown = per[i];
      if (!isCode(k, size + 1)) return bad(`rows.${f}.per[${i}]: expected a count of at most ${size} values, found ${JSON.stringify(k)}`);
      total += k;
      start[i + 1] = total;
    }
    if (flat.length !== total) return bad(`rows.${f}.codes: expected ${total} codes (the sum of per), found ${flat.length}`);
    const codes = new Uint32Array(total);
    for (let i = 0; i < n; i++) {
      for (let k = start[i]!; k < start[i + 1]!; k++) {
        const c: unknown = flat[k];
        if (!isCode(c, size)) return bad(`rows.${f}: row ${i} has ${JSON.stringify(c)}, expected a code below ${size}`);
        for (let j = start[i]!; j < k; j++) if (codes[j] === c) return bad(`rows.${f}: row ${i} has the code ${c} twice`);
        codes[k] = c;
      }
    }
    columns[f] = { values: dict as string[], start, codes };
  }
  const orders = {} as Record<Exclude<SortName, 'name'>, Uint32Array>;
  for (const s of RANKED_SORTS) {
    const r = ranks[s];
    if (!Array.isArray(r) || r.length !== n) return bad(`ranks.${s}: expected ${n} ranks, found ${Array.isArray(r) ? r.length : typeof r}`);
    const seen = new Uint8Array(n);
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const k: unknown = r[i];
      if (!isCode(k, n) || seen[k] === 1) return bad(`ranks.${s}: expected a permutation of 0..${n - 1}, found ${JSON.stringify(k)} at row ${i}`);
      seen[k] = 1;
      order[k] = i;
    }
    orders[s] = order;
  }
  const pages = json.pages;
  if (!Array.isArray(pages) || pages.length !== n) return bad(`pages: expected ${n} Pagefind page ids, found ${Array.isArray(pages) ? pages.length : typeof pages}`);
  const rowOf = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const id: unknown = pages[i];
    if (typeof id !== 'string' || id === '' || rowOf.has(id)) return bad(`pages: expected distinct non-empty strings, found ${JSON.stringify(id)} at row ${i}`);
    rowOf.set(id, i);
  }
  return { count: n, columns, orders, rowOf, index: json.index as string };
}

/** Per facet, value → count (values counting zero are absent, read as 0 as in facets.ts). */
export type TableCounts = Record<FacetName, Record<string, number>>;

/** What a state selects among some rows: the matching rows (ascending, i.e. by name) and the facet counts. */
export interface TableAnswer {
  readonly rows: Uint32Array;
  readonly counts: TableCounts;
}

/**
 * Filter and count in one pass (the rule of facets.ts `facetCounts`).
 * @param candidates - rows matching the text query, or `null` for every row
 *   (no query). Any order; each row at most once.
 * @param state - the selection; its `q` is ignored (the candidates carry it).
 * @returns the candidates matching every selected facet, ascending, and per
 *   facet the counts with every other facet's selection applied.
 */
export function answerFacets(table: FacetTable, candidates: ArrayLike<number> | null, state: CatalogState): TableAnswer {
  // Plain arrays indexed by facet number: the loop below runs once per row.
  const cols = FACETS.map((f) => table.columns[f]);
  const starts = cols.map((c) => c.start);
  const codes = cols.map((c) => c.codes);
  const tallies = cols.map((c) => new Uint32Array(c.values.length));
  const selFacet: number[] = [];
  const selMask: Uint8Array[] = [];
  FACETS.forEach((f, fi) => {
    if (state[f].length === 0) return;
    const mask = new Uint8Array(cols[fi]!.values.length);
    for (const v of state[f]) {
      const c = cols[fi]!.values.indexOf(v);
      if (c >= 0) mask[c] = 1;
    }
    selFacet.push(fi);
    selMask.push(mask);
  });
  const bump = (fi: number, row: number): void => {
    const st = starts[fi]!;
    const cd = codes[fi]!;
    const t = tallies[fi]!;
    for (let k = st[row]!; k < st[row + 1]!; k++) t[cd[k]!]!++;
  };
  const total = candidates === null ? table.count : candidates.length;
  const hits = new Uint32Array(total);
  let found = 0;
  for (let i = 0; i < total; i++) {
    const row = candidates === null ? i : candidates[i]!;
    let failed = -1;
    let failures = 0;
    for (let j = 0; j < selFacet.length; j++) {
      const fi = selFacet[j]!;
      const st = starts[fi]!;
      const cd = codes[fi]!;
      const mask = selMask[j]!;
      let ok = false;
      for (let k = st[row]!; k < st[row + 1]!; k++) {
        if (mask[cd[k]!] === 1) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        failed = fi;
        if (++failures > 1) break;
      }
    }
    if (failures === 0) {
      hits[found++] = row;
      for (let fi = 0; fi < cols.length; fi++) bump(fi, row);
    } else if (failures === 1) bump(failed, row);
  }
  const counts = {} as TableCounts;
  FACETS.forEach((f, fi) => {
    const out: Record<string, number> = {};
    const t = tallies[fi]!;
    cols[fi]!.values.forEach((v, c) => {
      if (t[c]! > 0) out[v] = t[c]!;
    });
    counts[f] = out;
  });
  const rows = hits.slice(0, found);
  if (candidates !== null) rows.sort();
  return { rows, counts };
}

/**
 * Rows in a sort order (a new array): name order is the row order; the
 * others follow the file's ranks (the listing pages' orders). Each row at most once.
 */
export function sortRows(table: FacetTable, rows: Uint32Array, sort: SortName): Uint32Array {
  if (sort === 'name') return Uint32Array.from(rows);
  // One pass over the whole order (O(plugins), no comparison sort).
  const member = new Uint8Array(table.count);
  for (const r of rows) member[r] = 1;
  const out = new Uint32Array(rows.length);
  let k = 0;
  for (const r of table.orders[sort]) if (member[r] === 1) out[k++] = r;
  return out;
}
