/**
 * Catalog state in the URL (site/src/lib/url-state.ts): the encoding the
 * no-JavaScript GET form produces decodes to the same state, equal states
 * encode equally, and hostile query strings are bounded and filtered.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_STATE, FACETS, type CatalogState } from '../../site/src/lib/facets.js';
import { decodeState, encodeState, MAX_FACET_VALUES, sameState, withFacet } from '../../site/src/lib/url-state.js';

describe('decodeState', () => {
  it('reads what the GET form submits (repeated parameters)', () => {
    const s = decodeState('?q=kv+store&type=wasm&type=system&cap=kv%3Aread&publisher=demo&channel=alpha&verified=yes&risk=host');
    expect(s).toEqual({
      q: 'kv store',
      type: ['system', 'wasm'],
      risk: ['host'],
      cap: ['kv:read'],
      publisher: ['demo'],
      channel: ['alpha'],
      verified: ['yes'],
    });
  });

  it('accepts a string without "?" and URLSearchParams', () => {
    expect(decodeState('type=wasm').type).toEqual(['wasm']);
    expect(decodeState(new URLSearchParams([['risk', 'read']])).risk).toEqual(['read']);
  });

  it('ignores unknown parameters and values outside closed facets', () => {
    const s = decodeState('?x=1&type=plugin&type=wasm&risk=extreme&channel=beta&verified=maybe&verified=no');
    expect(s).toEqual({ ...EMPTY_STATE, type: ['wasm'], verified: ['no'] });
  });

  it('de-duplicates, drops empty and over-long values, and caps counts and the query', () => {
    const many = Array.from({ length: 200 }, (_, i) => `cap=c${i}`).join('&');
    const s = decodeState(`?${many}&cap=c1&cap=&cap=${'x'.repeat(129)}&q=${'q'.repeat(300)}`);
    expect(s.cap.length).toBe(MAX_FACET_VALUES);
    expect(new Set(s.cap).size).toBe(s.cap.length);
    expect(s.cap.every((c) => c.length > 0 && c.length <= 128)).toBe(true);
    expect(s.q.length).toBe(200);
  });

  it('never throws on malformed percent-encoding', () => {
    expect(() => decodeState('?q=%E0%A4%A&type=%')).not.toThrow();
  });
});

describe('encodeState', () => {
  it('is empty for the empty state and canonical otherwise', () => {
    expect(encodeState(EMPTY_STATE)).toBe('');
    expect(encodeState({ ...EMPTY_STATE, q: '  ' })).toBe('');
    expect(encodeState({ ...EMPTY_STATE, type: ['wasm', 'system', 'wasm'], q: 'a b' })).toBe('?q=a+b&type=system&type=wasm');
    expect(encodeState(withFacet(EMPTY_STATE, 'cap', ['kv:write', 'kv:read']))).toBe('?cap=kv%3Aread&cap=kv%3Awrite');
  });

  const arbState: fc.Arbitrary<CatalogState> = fc.record({
    q: fc.string({ maxLength: 40 }).map((q) => q.trim()),
    type: fc.subarray(['system', 'wasm', 'worker']),
    risk: fc.subarray(['read', 'write', 'host']),
    cap: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 5 }),
    publisher: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 5 }),
    channel: fc.subarray(['stable', 'alpha']),
    verified: fc.subarray(['yes', 'no']),
  });

  it('decode(encode(s)) equals s up to value order (property)', () => {
    fc.assert(
      fc.property(arbState, (s) => {
        const back = decodeState(encodeState(s));
        expect(back.q).toBe(s.q);
        for (const f of FACETS) expect(back[f]).toEqual([...s[f]].sort());
        expect(sameState(back, s)).toBe(true);
        // Encoding is a fixed point after one round.
        expect(encodeState(back)).toBe(encodeState(s));
      }),
      { numRuns: 300 },
    );
  });
});
