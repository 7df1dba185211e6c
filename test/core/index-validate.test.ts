/**
 * validateIndex: one failing case for every rule.
 *
 * Upstream rules (interop §E.2, numbered as there) are asserted by their
 * EXACT upstream message — that text is the contract. Rules this project adds
 * (§E.3 server rules, DESIGN §4.1, docs/FORMAT.md) are asserted by code and
 * instancePath. Each case lists the complete problem list in evaluation
 * order, so a missing, extra or reordered problem fails the test.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VerificationError } from '../../src/core/errors.js';
import { INDEX_PROBLEM_CODES, type IndexProblemCode } from '../../src/core/index/problems.js';
import { assertValidIndex, isValidIndex, validateIndex } from '../../src/core/index/validate.js';
import { VECTORS } from '../vectors.js';
import { base, NEW_CASES, UPSTREAM_CASES, UPSTREAM_CODES, type Case, type Doc } from '../fixtures/index/cases.js';

function run(c: Case) {
  const d = base();
  c.mutate(d);
  return validateIndex(d, c.serverLine ? { serverLine: c.serverLine } : undefined);
}

function check(c: Case): void {
  const problems = run(c);
  expect(problems.map((p) => [p.instancePath, p.code])).toEqual(c.expect.map(([path, code]) => [path, code]));
  c.expect.forEach(([, , message], k) => {
    if (message !== undefined) expect(problems[k]!.message).toBe(message);
  });
}

describe('validateIndex: the valid fixture', () => {
  it('accepts test/fixtures/index/valid-full.json (every optional member present)', () => {
    expect(validateIndex(base())).toEqual([]);
    expect(validateIndex(base(), { serverLine: 'main' })).toEqual([]);
  });
});

describe('validateIndex: upstream rules (interop §E.2), exact messages', () => {
  it.each(UPSTREAM_CASES.map((c) => [c.name, c] as const))('%s', (_, c) => check(c));
});

describe('validateIndex: rules this project adds', () => {
  it.each(NEW_CASES.map((c) => [c.name, c] as const))('%s', (_, c) => check(c));
});

describe('validateIndex: the rule table is complete', () => {
  const all = [...UPSTREAM_CASES, ...NEW_CASES];
  it('every problem code has at least one failing case', () => {
    const seen = new Set(all.flatMap((c) => c.expect.map(([, code]) => code)));
    seen.add('INDEX_NOT_OBJECT'); // covered below (the document itself)
    expect([...Object.keys(INDEX_PROBLEM_CODES)].filter((c) => !seen.has(c as IndexProblemCode))).toEqual([]);
  });
  it('every expected upstream problem spells out the exact upstream message', () => {
    for (const c of all) for (const [, code, message] of c.expect) if (UPSTREAM_CODES.has(code)) expect(message, c.name).toBeTypeOf('string');
  });
  it('every upstream code is used by an upstream case', () => {
    const used = new Set(UPSTREAM_CASES.flatMap((c) => c.expect.map(([, code]) => code)));
    expect([...UPSTREAM_CODES].filter((c) => !used.has(c))).toEqual([]);
  });
  it('all upstream messages begin as upstream printed them (no stray prefixes)', () => {
    for (const c of UPSTREAM_CASES) for (const p of run(c)) if (UPSTREAM_CODES.has(p.code)) expect(p.message).not.toMatch(/^plugin-index:/);
  });
});

describe('validateIndex: the document itself', () => {
  it.each([
    ['null', null],
    ['an array', []],
    ['a string', 'lattice.plugin.index.v1'],
    ['a number', 1],
    ['undefined', undefined],
    ['a Date', new Date(0)],
    ['a Map', new Map([['schema', 'lattice.plugin.index.v1']])],
    ['an object with a custom prototype', Object.create({ schema: 'lattice.plugin.index.v1' })],
  ])('%s is INDEX_NOT_OBJECT at ""', (_, v) => {
    expect(validateIndex(v).map((p) => [p.instancePath, p.code])).toEqual([['', 'INDEX_NOT_OBJECT']]);
  });

  it('an object with a null prototype is read like a plain object', () => {
    const d = Object.assign(Object.create(null), base());
    expect(validateIndex(d)).toEqual([]);
  });

  it('{} reports every required top-level member, upstream texts first', () => {
    expect(validateIndex({}).map((p) => p.message)).toEqual([
      'schema must be lattice.plugin.index.v1',
      'generated_at must be UTC RFC3339-ish',
      'status must be draft, official, or example',
      'publishers must be an array',
      'plugins must be an array',
      'signatures must be an array',
    ]);
  });
});

describe('validateIndex: hostile shapes never throw (upstream crashed on these)', () => {
  const hostile: Array<[string, (d: Doc) => void]> = [
    ['null publisher', (d) => (d.publishers[0] = null)],
    ['null plugin', (d) => (d.plugins[0] = null)],
    ['null release', (d) => (d.plugins[0].releases[0] = null)],
    ['null signature', (d) => (d.signatures[0] = null)],
    ['capabilities an object', (d) => (d.plugins[0].capabilities = {})],
    ['capabilities a number', (d) => (d.plugins[0].releases[0].capabilities = 7)],
    ['channels a string', (d) => (d.plugins[0].channels = 'stable')],
    ['id an object with a toString member', (d) => (d.plugins[0].id = { toString: 1 })],
    ['id an array', (d) => (d.plugins[0].id = ['a', null, ['b', 'c']])],
    ['everything a number', (d) => {
      for (const k of Object.keys(d)) d[k] = 1;
    }],
    ['every plugin member null', (d) => {
      for (const k of Object.keys(d.plugins[0])) d.plugins[0][k] = null;
    }],
    ['every release member an array', (d) => {
      for (const k of Object.keys(d.plugins[0].releases[0])) d.plugins[0].releases[0][k] = [];
    }],
  ];
  it.each(hostile)('%s', (_, mutate) => {
    const d = base();
    mutate(d);
    const problems = validateIndex(d);
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(p.instancePath === '' || p.instancePath.startsWith('/')).toBe(true);
      expect(p.code in INDEX_PROBLEM_CODES).toBe(true);
      expect(typeof p.message).toBe('string');
    }
  });

  it('interpolates values the way upstream template literals did, without calling members', () => {
    const d = base();
    d.plugins[1].id = { toString: 1 };
    d.plugins[2].id = ['a', null, ['b', 'c']];
    const messages = validateIndex(d).filter((p) => p.code === 'PLUGIN_ID_INVALID').map((p) => p.message);
    expect(messages).toEqual(['plugin id is invalid: [object Object]', 'plugin id is invalid: a,,b,c']);
  });

  it('a huge duplicated capability list is checked in bounded time', () => {
    const d = base();
    d.plugins[2].capabilities = Array.from({ length: 100_000 }, () => 'node:read');
    const t0 = performance.now();
    const problems = validateIndex(d);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(problems.filter((p) => p.code === 'PLUGIN_CAPABILITY_DUPLICATED')).toHaveLength(99_999);
  });

  it('a huge release list is checked in bounded time', () => {
    const d = base();
    const r = d.plugins[2].releases[1];
    d.plugins[2].releases = Array.from({ length: 20_000 }, (_, k) => ({ ...r, version: `3.${k}.0` }));
    d.plugins[2].releases.push({ ...r, version: '2.0.1' });
    const t0 = performance.now();
    expect(validateIndex(d)).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('isValidIndex / assertValidIndex', () => {
  it('isValidIndex is true exactly when there is no problem', () => {
    expect(isValidIndex(base())).toBe(true);
    const d = base();
    d.status = 'nope';
    expect(isValidIndex(d)).toBe(false);
  });

  it('assertValidIndex throws VerificationError INDEX_INVALID with every problem as detail', () => {
    const d = base();
    d.schema = 'x';
    d.plugins[0].type = 'y';
    let caught: unknown;
    try {
      assertValidIndex(d);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(VerificationError);
    const err = caught as VerificationError;
    expect(err.code).toBe('INDEX_INVALID');
    expect(err.detail).toEqual(validateIndex(d));
    expect((err.detail as unknown[]).length).toBe(2);
  });

  it('assertValidIndex returns for a valid index', () => {
    expect(() => assertValidIndex(base())).not.toThrow();
  });

  it('an unknown server line is a caller bug (TypeError)', () => {
    // @ts-expect-error deliberately wrong
    expect(() => validateIndex(base(), { serverLine: 'legacy' })).toThrow(TypeError);
  });
});

describe('validateIndex on the shared vectors', () => {
  // Source: vectors/lattice/plugins.json — the real draft index at
  // LatticeNet/lattice-plugin-index b8c2681 (vectors/README.md).
  it('vectors/lattice/plugins.json validates on both server lines', () => {
    const doc = JSON.parse(readFileSync(`${VECTORS}lattice/plugins.json`, 'utf8'));
    expect(validateIndex(doc)).toEqual([]);
    // Its capabilities exist on both lines (no wireguard:*, interop §C.3).
    expect(validateIndex(doc, { serverLine: 'main' })).toEqual([]);
  });

  // Source: vectors/lattice/plugins.example.json — the upstream example index
  // (placeholder all-zero key and signatures, status "example").
  it('vectors/lattice/plugins.example.json validates: the placeholders are canonical base64 of the right length', () => {
    const doc = JSON.parse(readFileSync(`${VECTORS}lattice/plugins.example.json`, 'utf8'));
    expect(validateIndex(doc)).toEqual([]);
  });
});
