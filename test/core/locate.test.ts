/**
 * core/json/locate.ts: the one-scan locator answers exactly as the targeted
 * one, for every pointer of real and generated documents, including pointers
 * to absent members (the deepest existing ancestor) and escaped names.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createPointerLocator, locatePointer } from '../../src/core/json/locate.js';
import { VECTORS } from '../vectors.js';

/** Every pointer of a value, plus a missing child of each container. */
function pointers(v: unknown, p = ''): string[] {
  const out = [p];
  if (Array.isArray(v)) {
    v.forEach((x, i) => out.push(...pointers(x, `${p}/${i}`)));
    out.push(`${p}/${v.length}`);
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) out.push(...pointers(x, `${p}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
    out.push(`${p}/no-such-member`);
  }
  return out;
}

describe('locatePointer: known answers (counted by hand)', () => {
  const text = '{\n  "a": [1, 2],\n  "b/c": {"~d": "😀", "e": true},\n  "😀": {"f": null}\n}';
  const cases: [string, { line: number; column: number } | null][] = [
    ['', { line: 1, column: 1 }],
    ['/a', { line: 2, column: 3 }],
    ['/a/1', { line: 2, column: 12 }],
    ['/a/7', { line: 2, column: 3 }], // absent element: its array's member
    ['/b~1c', { line: 3, column: 3 }],
    ['/b~1c/~0d', { line: 3, column: 11 }],
    ['/b~1c/e', { line: 3, column: 22 }],
    ['/😀/f', { line: 4, column: 9 }], // the astral name counts as one column
    ['/missing/x', { line: 1, column: 1 }],
    ['no-slash', null],
  ];
  for (const [p, want] of cases) {
    it(`${JSON.stringify(p)} → ${JSON.stringify(want)}`, () => {
      expect(locatePointer(text, p)).toEqual(want);
      expect(createPointerLocator(text)!(p)).toEqual(want);
    });
  }
});

describe('createPointerLocator ≡ locatePointer', () => {
  it('on the real upstream index, every pointer (pretty-printed and compact)', () => {
    const value = JSON.parse(readFileSync(path.join(VECTORS, 'lattice/plugins.json'), 'utf8'));
    for (const text of [JSON.stringify(value, null, 2), JSON.stringify(value)]) {
      const at = createPointerLocator(text)!;
      for (const p of pointers(value)) expect(at(p), p).toEqual(locatePointer(text, p));
    }
  });
  it('on generated JSON with escaped and non-ASCII names', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.boolean(), (value, pretty) => {
        const text = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
        const at = createPointerLocator(text)!;
        for (const p of pointers(value)) expect(at(p), p).toEqual(locatePointer(text, p));
      }),
      { numRuns: 300 },
    );
  });
  it('columns count code points: names and values with astral characters, on one line and on many', () => {
    const value = { '😀a': ['𝄞x', { 'b/~😀': 1, c: ['😀😀', '😀'] }], d: '😀', e: { f: [1, 2, { '😀': '𝄞' }] } };
    for (const text of [JSON.stringify(value), JSON.stringify(value, null, 1), JSON.stringify(value, null, 4)]) {
      const at = createPointerLocator(text)!;
      for (const p of pointers(value)) expect(at(p), `${p} in ${text.length}`).toEqual(locatePointer(text, p));
    }
  });
  it('not JSON: null, like locatePointer', () => {
    expect(createPointerLocator('{"a":')).toBeNull();
    expect(locatePointer('{"a":', '/a')).toBeNull();
  });
});
