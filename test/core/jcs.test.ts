import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { JCS_MAX_DEPTH, canonicalize, canonicalizeToBytes } from '../../src/core/jcs.js';
import { parseJSONStrict } from '../../src/core/json/strict.js';
import { VECTORS } from '../vectors.js';

const JCS = join(VECTORS, 'jcs');
const NAMES = readdirSync(join(JCS, 'input'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

function parseVector(name: string): unknown {
  const r = parseJSONStrict(readFileSync(join(JCS, 'input', `${name}.json`)));
  if (!r.ok) throw new Error(`vector ${name}: ${r.error.code} ${r.error.message}`);
  return r.value;
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Asserts class + code (never message text), and returns the error for detail checks. */
function refusal(f: () => unknown): InputError {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InputError);
  expect((caught as InputError).code).toBe('JCS_UNREPRESENTABLE');
  return caught as InputError;
}

function nested(depth: number, kind: 'array' | 'object'): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

describe('RFC 8785 known-answer vectors', () => {
  it('has all six cyberphone vectors', () => {
    expect(NAMES).toEqual(['arrays', 'french', 'structures', 'unicode', 'values', 'weird']);
  });

  // Source: cyberphone/json-canonicalization testdata/ @ 19d51d7f (vectors/README.md):
  // input/<name>.json → output/<name>.json; the same bytes in hex in outhex/<name>.txt.
  for (const name of NAMES) {
    it(`${name}: UTF-8 bytes equal outhex/${name}.txt and output/${name}.json`, () => {
      const value = parseVector(name);
      const bytes = canonicalizeToBytes(value);
      const hex = readFileSync(join(JCS, 'outhex', `${name}.txt`), 'utf8').replace(/\s+/g, '').toLowerCase();
      expect(hexOf(bytes)).toBe(hex);
      expect(Buffer.from(bytes).equals(readFileSync(join(JCS, 'output', `${name}.json`)))).toBe(true);
      expect(Buffer.from(canonicalize(value), 'utf8').equals(Buffer.from(bytes))).toBe(true);
    });
  }

  // Same source: JSON.parse (as the brief allows) must give the same result as the strict parser.
  for (const name of NAMES) {
    it(`${name}: JSON.parse input gives the same bytes`, () => {
      const text = readFileSync(join(JCS, 'input', `${name}.json`), 'utf8');
      expect(canonicalize(JSON.parse(text))).toBe(canonicalize(parseVector(name)));
    });
  }
});

describe('RFC 8785 rules', () => {
  it('sorts member names by UTF-16 code units, not code points (§3.2.3)', () => {
    // U+FB33 (one unit 0xFB33) sorts after U+1F602 (units 0xD83D 0xDE02) by code units,
    // the opposite of code-point order.
    expect(canonicalize({ '\ufb33': 1, '\u{1f602}': 2, a: 3 })).toBe('{"a":3,"\u{1f602}":2,"\ufb33":1}');
    expect(canonicalize({ b: 1, a: 2, B: 3, '': 4 })).toBe('{"":4,"B":3,"a":2,"b":1}');
  });

  it('sorts objects larger than the insertion-sort threshold', () => {
    const keys = Array.from({ length: 200 }, (_, i) => `k${(i * 7919) % 200}`);
    const o = Object.fromEntries(keys.map((k) => [k, 1]));
    const sorted = [...keys].sort();
    expect(canonicalize(o)).toBe(`{${sorted.map((k) => `"${k}":1`).join(',')}}`);
  });

  it('keeps array order and emits no whitespace (§3.2.1)', () => {
    expect(canonicalize([3, 1, [2, { z: null, y: [] }], true, false])).toBe('[3,1,[2,{"y":[],"z":null}],true,false]');
  });

  it('formats numbers as ECMAScript Number::toString, -0 as 0 (§3.2.2.3)', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [-0, '0'],
      [1e21, '1e+21'],
      [1e-7, '1e-7'],
      [123456789012345680000, '123456789012345680000'],
      [0.1 + 0.2, '0.30000000000000004'],
      [Number.MAX_SAFE_INTEGER, '9007199254740991'],
      [Number.MIN_VALUE, '5e-324'],
      [-Number.MAX_VALUE, '-1.7976931348623157e+308'],
    ];
    for (const [n, s] of cases) expect(canonicalize(n)).toBe(s);
    expect(canonicalize({ a: -0 })).toBe('{"a":0}');
  });

  it('escapes strings exactly as §3.2.2.2', () => {
    const all = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)).join('');
    expect(canonicalize(all)).toBe(
      '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f' +
        '\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"',
    );
    expect(canonicalize('"\\/')).toBe('"\\"\\\\/"');
    // DEL, U+2028/2029, non-ASCII and astral characters stay raw.
    expect(canonicalize('\u007f\u2028\u2029é€\u{1f602}')).toBe('"\u007f\u2028\u2029é€\u{1f602}"');
    // Member names follow the same rules.
    expect(canonicalize({ '\n"': 1 })).toBe('{"\\n\\"":1}');
  });

  it('encodes the canonical text as UTF-8 (§3.2.4)', () => {
    expect(Array.from(canonicalizeToBytes({ a: 'é\u{1f602}' }))).toEqual([
      0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x82, 0x22, 0x7d,
    ]);
  });

  it('serializes top-level primitives', () => {
    expect(canonicalize(null)).toBe('null');
    expect(canonicalize(true)).toBe('true');
    expect(canonicalize('x')).toBe('"x"');
  });

  it('accepts null-prototype objects and an own "__proto__" member', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o.b = 1;
    o.a = 2;
    expect(canonicalize(o)).toBe('{"a":2,"b":1}');
    const parsed = JSON.parse('{"__proto__":{"x":1},"a":0}') as unknown;
    expect(canonicalize(parsed)).toBe('{"__proto__":{"x":1},"a":0}');
  });

  it('serializes a shared (non-cyclic) reference at each place it occurs', () => {
    const shared = { k: [1] };
    expect(canonicalize({ a: shared, b: [shared, shared] })).toBe('{"a":{"k":[1]},"b":[{"k":[1]},{"k":[1]}]}');
  });

  it('does not call toJSON (canonical form of data, not of objects)', () => {
    let called = false;
    const o = Object.create(null) as Record<string, unknown>;
    o.a = 1;
    // A toJSON member on a plain object is just a function-valued member: refused, never called.
    o.toJSON = () => {
      called = true;
      return 'x';
    };
    refusal(() => canonicalize(o));
    expect(called).toBe(false);
  });

  it('handles output larger than the flattening threshold (chunked output path)', () => {
    const big = Array.from({ length: 40_000 }, (_, i) => ({ i, s: 'x'.repeat(100), t: 'é\n' }));
    const out = canonicalize(big);
    expect(out.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(out).toBe(JSON.stringify(big.map(({ i, s, t }) => ({ i, s, t }))));
  });

  it('accepts nesting up to JCS_MAX_DEPTH', () => {
    expect(canonicalize(nested(JCS_MAX_DEPTH, 'array'))).toBe('['.repeat(JCS_MAX_DEPTH) + '0' + ']'.repeat(JCS_MAX_DEPTH));
    expect(canonicalize(nested(JCS_MAX_DEPTH, 'object'))).toBe('{"a":'.repeat(JCS_MAX_DEPTH) + '0' + '}'.repeat(JCS_MAX_DEPTH));
  });
});

describe('refusals: JCS_UNREPRESENTABLE (InputError)', () => {
  it('NaN', () => {
    expect(refusal(() => canonicalize({ a: [1, NaN] })).detail).toMatchObject({ pointer: '/a/1' });
  });
  it('+Infinity', () => {
    refusal(() => canonicalize(Infinity));
  });
  it('-Infinity', () => {
    refusal(() => canonicalize([-Infinity]));
  });
  it('undefined at the top level', () => {
    refusal(() => canonicalize(undefined));
  });
  it('undefined as a member value (not silently dropped)', () => {
    expect(refusal(() => canonicalize({ a: 1, b: undefined })).detail).toMatchObject({ pointer: '/b' });
  });
  it('undefined as an array element (not turned into null)', () => {
    refusal(() => canonicalize([1, undefined]));
  });
  it('a sparse array hole', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(refusal(() => canonicalize([1, , 3])).detail).toMatchObject({ pointer: '/1' });
    refusal(() => canonicalize(new Array(3)));
  });
  it('a function', () => {
    refusal(() => canonicalize({ f: () => 1 }));
  });
  it('a symbol', () => {
    refusal(() => canonicalize([Symbol('s')]));
  });
  it('a bigint', () => {
    refusal(() => canonicalize({ n: 1n }));
  });
  it('a lone high surrogate in a string', () => {
    expect(refusal(() => canonicalize({ s: 'a\ud83d' })).detail).toMatchObject({ pointer: '/s' });
  });
  it('a lone low surrogate in a string', () => {
    refusal(() => canonicalize('\ude02x'));
  });
  it('reversed surrogates in a string', () => {
    refusal(() => canonicalize('\ude02\ud83d'));
  });
  it('a lone surrogate in a member name', () => {
    expect(refusal(() => canonicalize({ ok: 1, 'k\udc00': 1 })).detail).toMatchObject({ pointer: '/k\udc00' });
  });
  it('a Date', () => {
    refusal(() => canonicalize({ d: new Date(0) }));
  });
  it('a Map and a Set', () => {
    refusal(() => canonicalize(new Map([['a', 1]])));
    refusal(() => canonicalize([new Set()]));
  });
  it('a class instance', () => {
    class Point {
      x = 1;
    }
    refusal(() => canonicalize(new Point()));
  });
  it('a typed array', () => {
    refusal(() => canonicalize(new Uint8Array([1, 2])));
  });
  it('a boxed primitive', () => {
    // eslint-disable-next-line no-new-wrappers
    refusal(() => canonicalize([new String('s'), new Number(1)]));
  });
  it('an Array subclass', () => {
    class List extends Array<number> {}
    refusal(() => canonicalize(List.from([1])));
  });
  it('an object with toJSON on its prototype (Date-like)', () => {
    const proto = { toJSON: () => 'x' };
    refusal(() => canonicalize(Object.create(proto)));
  });
  it('a cyclic object', () => {
    const o: Record<string, unknown> = { a: 1 };
    o.self = o;
    const err = refusal(() => canonicalize(o));
    expect(err.detail).toMatchObject({ reason: 'the structure is cyclic' });
  });
  it('a cyclic array through an object', () => {
    const a: unknown[] = [1];
    a.push({ back: a });
    refusal(() => canonicalize({ root: a }));
  });
  it('100k-deep arrays: coded error, no stack overflow', () => {
    const err = refusal(() => canonicalize(nested(100_000, 'array')));
    expect((err.detail as { reason: string }).reason).not.toBe('the structure is cyclic');
  });
  it('100k-deep objects: coded error, no stack overflow', () => {
    refusal(() => canonicalize(nested(100_000, 'object')));
  });
  it('a deep DAG with shared children: too deep, not cyclic, diagnosed in linear time', () => {
    let v: unknown = 0;
    for (let i = 0; i < JCS_MAX_DEPTH + 50; i++) v = [v, v];
    const err = refusal(() => canonicalize(v));
    expect(err.detail).toMatchObject({ pointer: '/0'.repeat(JCS_MAX_DEPTH) });
    expect((err.detail as { reason: string }).reason).not.toBe('the structure is cyclic');
  });
  it('a cycle behind shared sub-trees', () => {
    const leaf: unknown[] = [];
    const shared = { a: leaf, b: leaf };
    const root = { x: shared, y: shared, z: [shared] };
    leaf.push(root);
    expect(refusal(() => canonicalize(root)).detail).toMatchObject({ reason: 'the structure is cyclic' });
  });
  it('one level beyond JCS_MAX_DEPTH', () => {
    refusal(() => canonicalize(nested(JCS_MAX_DEPTH + 1, 'array')));
  });
  it('canonicalizeToBytes refuses the same way', () => {
    refusal(() => canonicalizeToBytes({ a: NaN }));
  });
});
