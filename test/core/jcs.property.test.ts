import canonicalizePackage from 'canonicalize';
// canonicalize 2.x is CommonJS: its module.exports is the function its types call `default`.
const canonicalizeReference = canonicalizePackage as unknown as (value: unknown) => string | undefined;
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { canonicalize, canonicalizeToBytes } from '../../src/core/jcs.js';

/** Full-Unicode JSON values (well-formed strings only). */
const jsonValue = fc.jsonValue({ stringUnit: 'grapheme', maxDepth: 6 });

/**
 * Strings mixing single surrogate code units (which may or may not pair up),
 * full code points (incl. astral), ASCII and characters that need escaping.
 */
const stringWithSurrogates = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('a', '"', '\\', '\n', '\u0000', '\u2028', 'é'),
  ),
  maxLength: 8,
});

/** Rebuild a value with every object's members inserted in reverse order. */
function reversedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversedKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).reverse()) {
      Object.defineProperty(out, k, {
        value: reversedKeys((v as Record<string, unknown>)[k]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return v;
}

describe('JCS properties (fast-check)', () => {
  it('is idempotent through JSON.parse: canonicalize(JSON.parse(c)) === c', () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        const c = canonicalize(v);
        expect(canonicalize(JSON.parse(c))).toBe(c);
      }),
      { numRuns: 2000 },
    );
  });

  it('equals the `canonicalize` npm package (RFC author) on arbitrary JSON values', () => {
    // Differential test: no -0 / lone surrogates by construction of `jsonValue`
    // (fast-check's jsonValue never yields them with 'grapheme' strings).
    fc.assert(
      fc.property(jsonValue, (v) => {
        expect(canonicalize(v)).toBe(canonicalizeReference(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('equals the npm package on arbitrary doubles (Number::toString corner cases)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(canonicalize([n])).toBe(canonicalizeReference([Object.is(n, -0) ? 0 : n]));
      }),
      { numRuns: 5000 },
    );
  });

  it('does not depend on member insertion order', () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        expect(canonicalize(reversedKeys(v))).toBe(canonicalize(v));
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a string exactly when it is not well-formed UTF-16', () => {
    const seen = { wellFormed: 0, lone: 0 };
    fc.assert(
      fc.property(stringWithSurrogates, (s) => {
        // Independent oracle: remove every valid pair; any surrogate left is lone.
        const wellFormed = !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
        seen[wellFormed ? 'wellFormed' : 'lone']++;
        if (wellFormed) {
          expect(canonicalize(s)).toBe(JSON.stringify(s));
          expect(canonicalize({ [s]: 0 })).toBe(`{${JSON.stringify(s)}:0}`);
        } else {
          expect(() => canonicalize(s)).toThrow(InputError);
          expect(() => canonicalize({ [s]: 0 })).toThrow(InputError);
        }
      }),
      { numRuns: 3000 },
    );
    // Both branches were exercised.
    expect(seen.wellFormed).toBeGreaterThan(100);
    expect(seen.lone).toBeGreaterThan(100);
  });

  it('UTF-8 bytes decode back to the canonical text', () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        expect(new TextDecoder('utf-8', { fatal: true }).decode(canonicalizeToBytes(v))).toBe(canonicalize(v));
      }),
      { numRuns: 500 },
    );
  });
});
