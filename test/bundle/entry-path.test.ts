import { describe, expect, test } from 'vitest';
import { DEFAULT_BUNDLE_LIMITS, goPathClean, normalizeEntryName } from '../../src/domain/bundle/index.js';
import { textToByteString } from '../../src/domain/bundle/entry-path.js';

// Vectors: Go's own `cleantests` table, src/path/path_test.go (all 36 rows, in order).
const GO_CLEAN_TESTS: [string, string][] = [
  // Already clean
  ['', '.'], ['abc', 'abc'], ['abc/def', 'abc/def'], ['a/b/c', 'a/b/c'], ['.', '.'], ['..', '..'],
  ['../..', '../..'], ['../../abc', '../../abc'], ['/abc', '/abc'], ['/', '/'],
  // Remove trailing slash
  ['abc/', 'abc'], ['abc/def/', 'abc/def'], ['a/b/c/', 'a/b/c'], ['./', '.'], ['../', '..'], ['../../', '../..'], ['/abc/', '/abc'],
  // Remove doubled slash
  ['abc//def//ghi', 'abc/def/ghi'], ['//abc', '/abc'], ['///abc', '/abc'], ['//abc//', '/abc'], ['abc//', 'abc'],
  // Remove . elements
  ['abc/./def', 'abc/def'], ['/./abc/def', '/abc/def'], ['abc/.', 'abc'],
  // Remove .. elements
  ['abc/def/ghi/../jkl', 'abc/def/jkl'], ['abc/def/../ghi/../jkl', 'abc/jkl'], ['abc/def/..', 'abc'], ['abc/def/../..', '.'],
  ['/abc/def/../..', '/'], ['abc/def/../../..', '..'], ['/abc/def/../../..', '/'],
  ['abc/def/../../../ghi/jkl/../../../mno', '../../mno'],
  // Combinations
  ['abc/./../def', 'def'], ['abc//./../def', 'def'], ['abc/../../././../def', '../../def'],
];

describe('goPathClean — Go path.Clean', () => {
  test.each(GO_CLEAN_TESTS)('Clean(%j) = %j', (input, want) => {
    expect(goPathClean(input)).toBe(want);
    expect(goPathClean(want)).toBe(want); // Go's test also requires idempotence
  });
});

describe('normalizeEntryName — interop §D.6 step 4 / safeBundlePath §A.4', () => {
  const norm = (name: string, isDir = false) => normalizeEntryName(textToByteString(name), isDir, DEFAULT_BUNDLE_LIMITS);
  test('the §A.4 examples all fail (cleaning changes them)', () => {
    for (const p of ['a//b', './a', 'a/', 'a/./b', 'a/../b']) expect(norm(p).ok).toBe(false);
  });
  test('clean relative paths pass unchanged', () => {
    for (const p of ['bin/linux-amd64/plugin', 'ui/index.html', 'a', '.hidden', '..a', 'a..', 'a/.b', '...']) {
      expect(norm(p)).toEqual({ ok: true, path: p });
    }
  });
  test('a directory loses one trailing slash, not two', () => {
    expect(norm('ui/', true)).toEqual({ ok: true, path: 'ui' });
    expect(norm('ui//', true)).toEqual({ ok: false, message: 'bundle invalid path "ui//"' });
  });
  test('C1 controls are not control characters here (Go hasControl)', () => {
    expect(norm('a\u0085b').ok).toBe(true);
  });
  test('the path is a byte string: length counts UTF-8 bytes', () => {
    const r = norm('é');
    expect(r).toEqual({ ok: true, path: '\u00c3\u00a9' });
  });
});
