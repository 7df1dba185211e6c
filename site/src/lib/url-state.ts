/**
 * Catalog state in the URL query string — the same names the no-JavaScript
 * GET form submits (`?q=…&type=wasm&cap=kv:read&cap=kv:write`), so a shared
 * link, the back button and a form submission all mean the same thing.
 *
 * Decoding treats the query as hostile input: unknown parameters are ignored,
 * values of closed facets (type, risk, channel, verified) must be one of their
 * known values, lengths and counts are capped, and values are de-duplicated
 * and sorted so equal states encode to equal strings.
 *
 * @module
 */
import { PLUGIN_TYPES, RELEASE_CHANNELS } from '../../../src/core/index/types.js';
import { RISK_TIERS } from '../../../src/core/server-line.js';
import { EMPTY_STATE, FACETS, MAX_QUERY_LENGTH, type CatalogState, type FacetName } from './facets.js';

/** Values of the `verified` facet. */
export const VERIFIED_VALUES: readonly string[] = Object.freeze(['yes', 'no']);

/** Closed facets and their only values; open facets (cap, publisher) take any bounded string. */
const CLOSED: Partial<Record<FacetName, readonly string[]>> = {
  type: PLUGIN_TYPES,
  risk: RISK_TIERS,
  channel: RELEASE_CHANNELS,
  verified: VERIFIED_VALUES,
};

/** Most values kept per facet. */
export const MAX_FACET_VALUES = 64;
/** Longest facet value kept. */
export const MAX_FACET_VALUE_LENGTH = 128;

/**
 * Read the state from a query string.
 * @param search - `location.search` (with or without `?`) or URLSearchParams.
 * @returns a canonical state; never throws.
 * @example decodeState('?type=wasm&type=system&q=kv').type // ['system', 'wasm']
 */
export function decodeState(search: string | URLSearchParams): CatalogState {
  const params = typeof search === 'string' ? new URLSearchParams(search.startsWith('?') ? search.slice(1) : search) : search;
  const q = (params.get('q') ?? '').slice(0, MAX_QUERY_LENGTH);
  const state: Record<string, unknown> = { q };
  for (const f of FACETS) state[f] = canonicalValues(f, params.getAll(f));
  return state as CatalogState;
}

/**
 * Write a state as a query string.
 * @returns `''` for the empty state, else `?` followed by `q` then the facets in
 *   {@link FACETS} order, values sorted.
 * @example encodeState({ ...EMPTY_STATE, type: ['wasm'] }) // '?type=wasm'
 */
export function encodeState(state: CatalogState): string {
  const params = new URLSearchParams();
  const q = state.q.trim();
  if (q !== '') params.append('q', q.slice(0, MAX_QUERY_LENGTH));
  for (const f of FACETS) for (const v of canonicalValues(f, state[f])) params.append(f, v);
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** True when two states select the same thing (compared by their encodings). */
export function sameState(a: CatalogState, b: CatalogState): boolean {
  return encodeState(a) === encodeState(b);
}

/** Return the state with one facet's values replaced (canonicalised). */
export function withFacet(state: CatalogState, facet: FacetName, values: readonly string[]): CatalogState {
  return { ...state, [facet]: canonicalValues(facet, values) } as CatalogState;
}

function canonicalValues(facet: FacetName, raw: readonly string[]): string[] {
  const allowed = CLOSED[facet];
  const out = new Set<string>();
  for (const v of raw) {
    if (out.size >= MAX_FACET_VALUES) break;
    if (typeof v !== 'string' || v === '' || v.length > MAX_FACET_VALUE_LENGTH) continue;
    if (allowed !== undefined && !allowed.includes(v)) continue;
    out.add(v);
  }
  return [...out].sort();
}

export { EMPTY_STATE };
