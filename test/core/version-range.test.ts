import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  goAtoi,
  invalidVersionTerm,
  parseVersionComparator,
  splitVersion,
  validVersionRange,
  versionInRange,
} from '../../src/core/version-range.js';

// Source of every vector in the first three blocks: interop §D.4, which lists the
// server's own tests (internal/plugin/versionrange_test.go) in full.
describe('compareVersions — server vectors (interop §D.4)', () => {
  const cases: [string, string, -1 | 0 | 1][] = [
    ['0.8.0-alpha.5', '0.8.0-alpha.7', -1],
    ['0.8.0-alpha.7', '0.8.0-alpha.5', 1],
    ['0.8.0-alpha.7', '0.8.0-alpha.7', 0],
    ['0.8.0-alpha.7', '0.8.0', -1],
    ['0.8.0', '0.8.0-alpha.7', 1],
    ['0.8.0', '0.8.1', -1],
    ['0.2.9', '0.3.0', -1],
    ['0.3.3', '0.3.3', 0],
    ['v0.3.3', '0.3.3', 0],
    ['0.8.0-alpha.2', '0.8.0-beta.1', -1],
    ['0.12.1-alpha.8', '0.12.1-alpha.10', -1],
    ['1.0', '1.0.0', 0],
  ];
  it.each(cases)('compareVersions(%j, %j) = %i', (a, b, want) => {
    expect(compareVersions(a, b)).toBe(want);
    expect(compareVersions(b, a)).toBe(want === 0 ? 0 : -want);
  });
});

describe('versionInRange — server vectors (interop §D.4)', () => {
  const cases: [string, string, boolean][] = [
    ['0.8.0-alpha.7', '', true],
    ['0.8.0-alpha.7', '*', true],
    ['0.8.0-alpha.7', '>=0.8.0-alpha.5', true],
    ['0.8.0-alpha.5', '>=0.8.0-alpha.5', true],
    ['0.8.0-alpha.4', '>=0.8.0-alpha.5', false],
    ['0.8.0', '>=0.8.0-alpha.5', true],
    ['0.8.0-alpha.7', '>=0.8.0-alpha.5, <0.9', true],
    ['0.9.0', '>=0.8.0-alpha.5, <0.9', false],
    ['0.8.0-alpha.7', '0.8.0-alpha.7', true],
    ['0.8.0-alpha.7', '==0.8.0-alpha.8', false],
    ['0.8.0-alpha.7', '!=0.8.0-alpha.6', true],
    ['0.8.0-alpha.7', '>0.8.0-alpha.7', false],
    ['0.8.0-alpha.7', '<=0.8.0-alpha.7', true],
    ['0.8.0-alpha.7', 'garbage!!', false],
  ];
  it.each(cases)('versionInRange(%j, %j) = %s', (v, expr, want) => {
    expect(versionInRange(v, expr)).toBe(want);
  });
});

describe('validVersionRange — server vectors (interop §D.4)', () => {
  it.each(['', '*', '>=0.8.0-alpha.5', '>=1.0, <2.0', '==0.3.3'])('valid: %j', (expr) => {
    expect(validVersionRange(expr)).toBe(true);
    expect(invalidVersionTerm(expr)).toBeUndefined();
  });
  it.each(['>=', 'abc', '>= 1.0 ', '=>1.0'])('invalid: %j', (expr) => {
    expect(validVersionRange(expr)).toBe(false);
  });
});

describe('grammar details (interop §D.4)', () => {
  it('reports the first failing term, as the server error names it', () => {
    expect(invalidVersionTerm('>= 1.0 ')).toBe('>=');
    expect(invalidVersionTerm('>=1.0, =>2')).toBe('=>2');
    expect(invalidVersionTerm('abc')).toBe('abc');
  });
  it('uses RE2 \\s = [\\t\\n\\f\\r ] between operator and version, not \\v or Unicode spaces', () => {
    expect(validVersionRange('>=\t1.0')).toBe(true);
    expect(validVersionRange('>=\n1.0')).toBe(true);
    expect(validVersionRange('>=\f1.0')).toBe(true);
    expect(validVersionRange('>=\r1.0')).toBe(true);
    expect(validVersionRange('>=\v1.0')).toBe(false);
    expect(validVersionRange('>=\u00a01.0')).toBe(false);
    expect(versionInRange('1.0.0', '>=\t1.0')).toBe(true);
  });
  it('trims with Go TrimSpace (U+0085 yes, U+FEFF no)', () => {
    expect(validVersionRange('\u0085>=1.0\u3000')).toBe(true);
    expect(validVersionRange('\ufeff>=1.0')).toBe(false);
    expect(validVersionRange(' * ')).toBe(true);
  });
  it('splits on commas and spaces only, dropping empty pieces', () => {
    expect(validVersionRange(',,>=1.0,, <2 ,')).toBe(true);
    expect(versionInRange('1.5', ',,>=1.0,, <2 ,')).toBe(true);
    expect(validVersionRange('>=1.0;<2')).toBe(false);
  });
  it('rejects forms the language lacks: v prefix, wildcards, ||, ^, ~, build metadata, 4 core parts', () => {
    for (const bad of ['v1.0', '1.x', '1.*', '>=1 || <0', '^1.0', '~1.0', '1.0.0+build', '1.2.3.4', '*,>=1', '-1']) {
      expect(validVersionRange(bad), bad).toBe(false);
    }
  });
  it('parses operators', () => {
    expect(parseVersionComparator('!=1.2.3-rc.1')).toEqual({ term: '!=1.2.3-rc.1', operator: '!=', version: '1.2.3-rc.1' });
    expect(parseVersionComparator('1')).toEqual({ term: '1', operator: '', version: '1' });
    expect(parseVersionComparator('=>1')).toBeUndefined();
  });
  it('evaluates every operator', () => {
    expect(versionInRange('1.0.0', '=1.0')).toBe(true);
    expect(versionInRange('1.0.0', '==1')).toBe(true);
    expect(versionInRange('1.0.1', '=1.0')).toBe(false);
    expect(versionInRange('1.0.0', '!=1.0.0')).toBe(false);
    expect(versionInRange('2.0', '>1.9.9')).toBe(true);
    expect(versionInRange('2.0', '<2.0.0-alpha')).toBe(false);
    expect(versionInRange('2.0.0-alpha', '<2.0.0')).toBe(true);
    expect(versionInRange('1.0', '>=1.0 <=1.0')).toBe(true);
  });
});

describe('splitVersion and Go Atoi semantics', () => {
  it('strips one leading v before trimming', () => {
    expect(splitVersion('v1.2.3')).toEqual({ core: [1n, 2n, 3n], prerelease: '' });
    expect(splitVersion(' v1')).toEqual({ core: [0n], prerelease: '' }); // " v1" keeps its v, Atoi("v1") fails
    expect(splitVersion('vv1')).toEqual({ core: [0n], prerelease: '' });
  });
  it('splits the prerelease at the first dash', () => {
    expect(splitVersion('1.0.0-rc-1.2')).toEqual({ core: [1n, 0n, 0n], prerelease: 'rc-1.2' });
    expect(splitVersion('1.x-a')).toEqual({ core: [1n, 0n], prerelease: 'a' });
    expect(splitVersion('1.0.0+b')).toEqual({ core: [1n, 0n, 0n], prerelease: '' });
  });
  it('Atoi accepts signs and leading zeros; syntax errors give 0', () => {
    expect(goAtoi('007')).toEqual({ value: 7n, ok: true });
    expect(goAtoi('+5')).toEqual({ value: 5n, ok: true });
    expect(goAtoi('-5')).toEqual({ value: -5n, ok: true });
    for (const bad of ['', '+', '-', '1x', 'x1', ' 1', '1_000', '0x10', '１']) {
      expect(goAtoi(bad), bad).toEqual({ value: 0n, ok: false });
    }
  });
  it('Atoi clamps beyond int64 and reports an error (Go returns the clamped value)', () => {
    expect(goAtoi('9223372036854775807')).toEqual({ value: 9223372036854775807n, ok: true });
    expect(goAtoi('9223372036854775808')).toEqual({ value: 9223372036854775807n, ok: false });
    expect(goAtoi('-9223372036854775808')).toEqual({ value: -9223372036854775808n, ok: true });
    expect(goAtoi('-9223372036854775809')).toEqual({ value: -9223372036854775808n, ok: false });
    expect(goAtoi('99999999999999999999')).toEqual({ value: 9223372036854775807n, ok: false });
    // ParseUint reports the overflow before it reaches the non-digit
    expect(goAtoi('99999999999999999999x')).toEqual({ value: 9223372036854775807n, ok: false });
    expect(goAtoi('1234567890123456789x')).toEqual({ value: 0n, ok: false });
  });
  it('compares cores exactly beyond 2^53', () => {
    expect(compareVersions('9007199254740993', '9007199254740992')).toBe(1);
    expect(compareVersions('99999999999999999999', '9223372036854775807')).toBe(0); // both clamp
  });
  it('compares prerelease segments like the server', () => {
    expect(compareVersions('1.0.0-1', '1.0.0-a')).toBe(-1); // numeric < alphanumeric
    expect(compareVersions('1.0.0-a', '1.0.0-1')).toBe(1);
    expect(compareVersions('1.0.0-01', '1.0.0-1')).toBe(0); // numerically equal, continue
    expect(compareVersions('1.0.0-+1', '1.0.0-1')).toBe(0); // Atoi("+1") = 1
    expect(compareVersions('1.0.0-a', '1.0.0-a.1')).toBe(-1); // fewer segments rank lower
    expect(compareVersions('1.0.0-a.b', '1.0.0-a')).toBe(1);
    expect(compareVersions('1.0-', '1.0')).toBe(0); // empty prerelease = release
    expect(compareVersions('1.0.0-99999999999999999999', '1.0.0-1')).toBe(1); // overflow is not numeric
  });
  it('compares non-numeric segments byte-wise (UTF-8), not by UTF-16 units', () => {
    // U+FFFF sorts before U+1F600 in UTF-8 but after it in UTF-16.
    expect(compareVersions('1-\uffff', '1-\u{1F600}')).toBe(-1);
    expect(compareVersions('1-B', '1-a')).toBe(-1);
  });
  it('0.8.0 satisfies >=0.8.0-alpha.5 and prereleases of other versions match freely', () => {
    expect(versionInRange('0.8.0', '>=0.8.0-alpha.5')).toBe(true);
    expect(versionInRange('0.8.5-alpha.1', '>=0.8.0, <0.9')).toBe(true);
  });
});
