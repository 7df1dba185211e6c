/**
 * The catalog's search and facet model, shared by the build (facet options
 * and counts rendered into the page) and the browser (progressive filtering).
 *
 * Semantics: the text query matches when **every** query token occurs in the
 * entry's search text; within one facet the selected values are alternatives
 * (OR); different facets must all match (AND). Facet counts follow the usual
 * faceted-search rule: a facet's counts apply every other selection but not
 * its own, so ticking another value of the same facet shows how many it adds.
 *
 * Pure and DOM-free, so it runs in Node, vitest and the browser bundle.
 *
 * @module
 */

/** Facets in the order the page and the URL list them. */
export const FACETS = Object.freeze(['type', 'risk', 'cap', 'publisher', 'channel', 'verified'] as const);
/** One facet name; also its URL query parameter and form field name. */
export type FacetName = (typeof FACETS)[number];

/** What the visitor asked for. Values are canonical: unique and sorted. */
export type CatalogState = { readonly q: string } & { readonly [F in FacetName]: readonly string[] };

/** The empty state: no query, nothing selected (every plugin shown). */
export const EMPTY_STATE: CatalogState = Object.freeze({
  q: '',
  type: [],
  risk: [],
  cap: [],
  publisher: [],
  channel: [],
  verified: [],
});

/** One catalog entry as the model sees it: a search text and its facet values. */
export interface FacetedEntry {
  /** Lower-cased, NFKC-normalised text the query searches. */
  readonly text: string;
  /** Every facet value the entry has (a plugin has several capabilities and channels). */
  readonly values: { readonly [F in FacetName]: readonly string[] };
}

/** Longest query considered, in UTF-16 code units; the rest is ignored. */
export const MAX_QUERY_LENGTH = 200;
/** Most query tokens considered. */
export const MAX_QUERY_TOKENS = 16;

/**
 * Normalise text for searching: NFKC, lower case, whitespace collapsed.
 * @example searchText(['Hello', 'WORLD']) // 'hello world'
 */
export function searchText(parts: readonly (string | undefined)[]): string {
  return parts
    .filter((p): p is string => typeof p === 'string' && p.length > 0)
    .join(' ')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Split a query into search tokens.
 * @returns at most {@link MAX_QUERY_TOKENS} normalised tokens; `[]` for a blank query.
 * @example queryTokens('  Key  VALUE ') // ['key', 'value']
 */
export function queryTokens(q: string): string[] {
  const text = searchText([q.slice(0, MAX_QUERY_LENGTH)]);
  return text === '' ? [] : text.split(' ').slice(0, MAX_QUERY_TOKENS);
}

/** A state compiled for repeated matching (tokens split once, selections as sets). */
export interface CompiledState {
  readonly tokens: readonly string[];
  readonly selected: { readonly [F in FacetName]: ReadonlySet<string> };
}

/** Compile a state once before matching many entries. */
export function compileState(state: CatalogState): CompiledState {
  const selected = {} as { [F in FacetName]: ReadonlySet<string> };
  for (const f of FACETS) selected[f] = new Set(state[f]);
  return { tokens: queryTokens(state.q), selected };
}

function matchesText(entry: FacetedEntry, tokens: readonly string[]): boolean {
  for (const t of tokens) if (!entry.text.includes(t)) return false;
  return true;
}

function matchesFacet(entry: FacetedEntry, facet: FacetName, selected: ReadonlySet<string>): boolean {
  if (selected.size === 0) return true;
  for (const v of entry.values[facet]) if (selected.has(v)) return true;
  return false;
}

/**
 * Whether an entry matches a state.
 * @param entry - the entry.
 * @param state - a state, or one compiled by {@link compileState} (faster in loops).
 * @returns true when the query and every facet selection match.
 * @example matches(entry, { ...EMPTY_STATE, type: ['wasm'] })
 */
export function matches(entry: FacetedEntry, state: CatalogState | CompiledState): boolean {
  const c = 'tokens' in state ? state : compileState(state);
  if (!matchesText(entry, c.tokens)) return false;
  for (const f of FACETS) if (!matchesFacet(entry, f, c.selected[f])) return false;
  return true;
}

/**
 * The entries that match, in their original order.
 * @returns indexes into `entries`.
 */
export function filterEntries(entries: readonly FacetedEntry[], state: CatalogState): number[] {
  const c = compileState(state);
  const out: number[] = [];
  for (let i = 0; i < entries.length; i++) if (matches(entries[i]!, c)) out.push(i);
  return out;
}

/** Per facet, value → number of entries that would match if it were (also) selected. */
export type FacetCounts = { readonly [F in FacetName]: ReadonlyMap<string, number> };

/**
 * Facet counts for a state (see the module comment for the rule).
 * One pass over the entries: an entry failing no facet counts for every facet,
 * an entry failing exactly one facet counts only for that facet.
 * @returns counts for every facet; values no entry has are absent (read as 0).
 */
export function facetCounts(entries: readonly FacetedEntry[], state: CatalogState): FacetCounts {
  const c = compileState(state);
  const counts = {} as { [F in FacetName]: Map<string, number> };
  for (const f of FACETS) counts[f] = new Map();
  const bump = (f: FacetName, entry: FacetedEntry): void => {
    const m = counts[f];
    // Count each distinct value once per entry.
    const seen = new Set<string>();
    for (const v of entry.values[f]) {
      if (seen.has(v)) continue;
      seen.add(v);
      m.set(v, (m.get(v) ?? 0) + 1);
    }
  };
  for (const entry of entries) {
    if (!matchesText(entry, c.tokens)) continue;
    let failed: FacetName | undefined;
    let failures = 0;
    for (const f of FACETS) {
      if (!matchesFacet(entry, f, c.selected[f])) {
        failures++;
        failed = f;
        if (failures > 1) break;
      }
    }
    if (failures === 0) for (const f of FACETS) bump(f, entry);
    else if (failures === 1) bump(failed!, entry);
  }
  return counts;
}

/** True when the state selects nothing and has no query. */
export function isEmptyState(state: CatalogState): boolean {
  return state.q.trim() === '' && FACETS.every((f) => state[f].length === 0);
}
