/**
 * The catalog's search/facet model (site/src/lib/facets.ts): query tokens,
 * OR within a facet and AND across facets, and the facet-count rule checked
 * against a brute-force definition on random catalogs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_STATE,
  FACETS,
  facetCounts,
  filterEntries,
  isEmptyState,
  matches,
  queryTokens,
  searchText,
  type CatalogState,
  type FacetName,
  type FacetedEntry,
} from '../../site/src/lib/facets.js';

function entry(text: string, values: Partial<Record<FacetName, string[]>>): FacetedEntry {
  const v = {} as Record<FacetName, string[]>;
  for (const f of FACETS) v[f] = values[f] ?? [];
  return { text: searchText([text]), values: v };
}
const state = (s: Partial<CatalogState>): CatalogState => ({ ...EMPTY_STATE, ...s });

const HELLO = entry('demo.hello Hello system plugin kv:read', { type: ['system'], risk: ['read'], cap: ['kv:read', 'node:read'], publisher: ['demo'], channel: ['stable', 'alpha'], verified: ['yes'] });
const COUNTER = entry('demo.counter Counter wasm', { type: ['wasm'], risk: ['write'], cap: ['kv:read', 'kv:write'], publisher: ['demo'], channel: ['stable'], verified: ['no'] });
const NET = entry('acme.net Net guard', { type: ['system'], risk: ['host'], cap: ['netguard:admin'], publisher: ['acme'], channel: ['stable'], verified: ['yes'] });
const ALL = [HELLO, COUNTER, NET];

describe('search text and tokens', () => {
  it('normalises case, width (NFKC) and whitespace', () => {
    expect(searchText(['  Hello', undefined, 'ＷＯＲＬＤ\t x '])).toBe('hello world x');
    expect(queryTokens('  Key  VALUE ')).toEqual(['key', 'value']);
    expect(queryTokens('   ')).toEqual([]);
  });

  it('caps the number of tokens and the query length', () => {
    expect(queryTokens(Array.from({ length: 40 }, (_, i) => `t${i}`).join(' '))).toHaveLength(16);
    expect(queryTokens('a'.repeat(500))[0]).toHaveLength(200);
  });
});

describe('matching', () => {
  it('the empty state matches everything', () => {
    expect(filterEntries(ALL, EMPTY_STATE)).toEqual([0, 1, 2]);
    expect(isEmptyState(EMPTY_STATE)).toBe(true);
    expect(isEmptyState(state({ q: ' x ' }))).toBe(false);
  });

  it('every query token must occur (AND), in any order', () => {
    expect(filterEntries(ALL, state({ q: 'plugin hello' }))).toEqual([0]);
    expect(filterEntries(ALL, state({ q: 'kv:read' }))).toEqual([0]);
    expect(filterEntries(ALL, state({ q: 'demo' }))).toEqual([0, 1]);
    expect(filterEntries(ALL, state({ q: 'demo guard' }))).toEqual([]);
  });

  it('values within one facet are alternatives (OR)', () => {
    expect(filterEntries(ALL, state({ type: ['wasm', 'system'] }))).toEqual([0, 1, 2]);
    expect(filterEntries(ALL, state({ risk: ['read', 'host'] }))).toEqual([0, 2]);
    expect(filterEntries(ALL, state({ cap: ['kv:write', 'netguard:admin'] }))).toEqual([1, 2]);
  });

  it('different facets must all match (AND)', () => {
    expect(filterEntries(ALL, state({ type: ['system'], verified: ['yes'], publisher: ['demo'] }))).toEqual([0]);
    expect(filterEntries(ALL, state({ type: ['wasm'], channel: ['alpha'] }))).toEqual([]);
    expect(matches(HELLO, state({ channel: ['alpha'], cap: ['node:read'] }))).toBe(true);
  });
});

describe('facet counts', () => {
  it('count every value with no selection', () => {
    const c = facetCounts(ALL, EMPTY_STATE);
    expect(Object.fromEntries(c.type)).toEqual({ system: 2, wasm: 1 });
    expect(Object.fromEntries(c.cap)).toEqual({ 'kv:read': 2, 'node:read': 1, 'kv:write': 1, 'netguard:admin': 1 });
    expect(c.channel.get('alpha')).toBe(1);
  });

  it("a facet's counts ignore its own selection but apply the others", () => {
    const c = facetCounts(ALL, state({ type: ['wasm'], verified: ['yes'] }));
    // type counts: verified=yes applies, type selection does not → HELLO, NET.
    expect(Object.fromEntries(c.type)).toEqual({ system: 2 });
    // verified counts: type=wasm applies → COUNTER only.
    expect(Object.fromEntries(c.verified)).toEqual({ no: 1 });
    // other facets: both selections apply → nothing matches.
    expect(c.publisher.size).toBe(0);
  });

  const FACET_VALUES: Record<FacetName, string[]> = {
    type: ['system', 'wasm', 'worker'],
    risk: ['read', 'write', 'host'],
    cap: ['a:read', 'b:write', 'c:admin', 'd:run'],
    publisher: ['p1', 'p2', 'p3'],
    channel: ['stable', 'alpha'],
    verified: ['yes', 'no'],
  };
  const arbEntry = fc
    .record({
      words: fc.array(fc.constantFrom('alpha', 'beta', 'gamma', 'delta'), { maxLength: 3 }),
      values: fc.record(Object.fromEntries(FACETS.map((f) => [f, fc.subarray(FACET_VALUES[f])])) as Record<FacetName, fc.Arbitrary<string[]>>),
    })
    .map(({ words, values }) => entry(words.join(' '), values));
  const arbState = fc
    .record({
      q: fc.constantFrom('', 'alpha', 'beta gamma', 'zzz'),
      ...(Object.fromEntries(FACETS.map((f) => [f, fc.subarray(FACET_VALUES[f])])) as Record<FacetName, fc.Arbitrary<string[]>>),
    })
    .map((s) => s as CatalogState);

  it('equal the brute-force definition on random catalogs', () => {
    fc.assert(
      fc.property(fc.array(arbEntry, { maxLength: 25 }), arbState, (entries, s) => {
        const counts = facetCounts(entries, s);
        for (const f of FACETS) {
          const without = { ...s, [f]: [] } as CatalogState;
          for (const v of FACET_VALUES[f]) {
            const expected = entries.filter((e) => matches(e, without) && e.values[f].includes(v)).length;
            expect(counts[f].get(v) ?? 0).toBe(expected);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('selected values stay consistent with filtering: picking a value yields its count', () => {
    fc.assert(
      fc.property(fc.array(arbEntry, { maxLength: 25 }), arbState, fc.constantFrom(...FACETS), (entries, s, f) => {
        const counts = facetCounts(entries, s);
        for (const v of FACET_VALUES[f]) {
          const only = { ...s, [f]: [v] } as CatalogState;
          expect(filterEntries(entries, only).length).toBe(counts[f].get(v) ?? 0);
        }
      }),
      { numRuns: 200 },
    );
  });
});
