/**
 * The deterministic packer (interop §D.6, "the official deterministic
 * packer"): layout, Go `tar.Writer` bytes, determinism, refusals, and the
 * round trip through `inspectBundle`.
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { sha256Hex } from '../../src/crypto/index.js';
import {
  type BundleSourceEntry,
  inspectBundle,
  packBundleEntries,
  packBundleTar,
} from '../../src/io/bundle.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

const SAMPLE: BundleSourceEntry[] = [
  { path: 'ui/' + 'n'.repeat(95) + '/' + 'f'.repeat(50) + '.js', content: enc.encode('js') },
  { path: 'ui/index.html', content: enc.encode('<!doctype html>\n<title>x</title>\n') },
  { path: 'bin/linux-amd64/plugin', content: enc.encode('#!/bin/sh\necho lattice\n') },
];

/** Header fields of every entry of an (uncompressed) tar produced by the packer. */
function headers(tar: Uint8Array) {
  const out: { name: string; type: string; mode: string; uid: string; gid: string; size: number; mtime: string; uname: string; gname: string; magic: string; prefix: string; dev: string }[] = [];
  const field = (b: Uint8Array, from: number, to: number) => dec.decode(b.subarray(from, to));
  const cstr = (b: Uint8Array, from: number, to: number) => field(b, from, to).replace(/\0.*$/s, '');
  let off = 0;
  while (off + 512 <= tar.length) {
    const b = tar.subarray(off, off + 512);
    if (b.every((x) => x === 0)) break;
    const size = parseInt(cstr(b, 124, 136), 8);
    out.push({
      name: cstr(b, 0, 100),
      type: field(b, 156, 157),
      mode: field(b, 100, 108),
      uid: field(b, 108, 116),
      gid: field(b, 116, 124),
      size,
      mtime: field(b, 136, 148),
      uname: cstr(b, 265, 297),
      gname: cstr(b, 297, 329),
      magic: field(b, 257, 265),
      prefix: cstr(b, 345, 500),
      dev: field(b, 329, 345),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe('packBundleTar: layout of the official packer', () => {
  const tar = packBundleTar(SAMPLE);
  const hs = headers(tar);

  test('entries sorted by path, every parent directory explicit with a trailing slash', () => {
    expect(hs.map((h) => (h.prefix ? `${h.prefix}/${h.name}` : h.name))).toEqual([
      'bin/',
      'bin/linux-amd64/',
      'bin/linux-amd64/plugin',
      'ui/',
      'ui/index.html',
      'ui/' + 'n'.repeat(95) + '/',
      'ui/' + 'n'.repeat(95) + '/' + 'f'.repeat(50) + '.js',
    ]);
    expect(hs.map((h) => h.type).join('')).toBe('5505050');
  });
  test('modes: 0700 for directories and bin/**/plugin, 0600 for other files', () => {
    expect(hs.map((h) => h.mode)).toEqual(['0000700\0', '0000700\0', '0000700\0', '0000700\0', '0000600\0', '0000700\0', '0000600\0']);
  });
  test('uid/gid 0, mtime the epoch, empty user and group, USTAR magic, zero device numbers (as Go writes them)', () => {
    for (const h of hs) {
      expect([h.uid, h.gid, h.mtime, h.uname, h.gname, h.magic, h.dev]).toEqual([
        '0000000\0',
        '0000000\0',
        '00000000000\0',
        '',
        '',
        'ustar\x0000',
        '0000000\x000000000\0',
      ]);
    }
  });
  test('ends with exactly two zero blocks, no record padding (Go tar.Writer.Close)', () => {
    expect(tar.length % 512).toBe(0);
    expect(tar.subarray(tar.length - 1024).every((x) => x === 0)).toBe(true);
    expect(tar.subarray(tar.length - 1536, tar.length - 1024).some((x) => x !== 0)).toBe(true);
  });
  test('known answer: identical to CPython tarfile USTAR output, dev fields aside', () => {
    // sha256 of the tar that CPython 3.11 `tarfile` (format=USTAR_FORMAT, uid/gid 0,
    // uname/gname '', mtime 0, the same modes, the same 7 entries in this order)
    // writes, truncated after its two end blocks, once its devmajor/devminor
    // fields are written "0000000\0" and the checksums recomputed — CPython
    // leaves those fields NUL for non-device entries, Go's templateV7Plus
    // always formats them. Every other byte (names, USTAR prefix split, octal
    // fields, checksum layout "%06o\0 ", padding) is CPython's own.
    expect(sha256Hex(tar)).toBe('3dfaa601cfe1cb52cb0ffe4c6ee90de8369b79d2286e6829fc0c6097fc22ae11');
  });
});

describe('packBundleTar: PAX only when USTAR cannot hold the name (Go allowedFormats)', () => {
  const typesOf = (entries: BundleSourceEntry[]) => headers(packBundleTar(entries)).map((h) => h.type).join('');
  test('a 100-byte ASCII name is plain USTAR', () => {
    expect(typesOf([{ path: 'a'.repeat(100), content: enc.encode('x') }])).toBe('0');
  });
  test('a long ASCII name that splits at a slash uses the prefix field', () => {
    const hs = headers(packBundleTar([{ path: 'p'.repeat(150) + '/' + 'n'.repeat(80), content: enc.encode('x') }]));
    // The file splits into prefix + name; its parent directory ('p'×150 + '/')
    // has no slash to split at within the prefix, so it needs PAX.
    expect(hs.map((h) => h.type).join('')).toBe('x50');
    expect(hs[2]!.prefix).toBe('p'.repeat(150));
    expect(hs[2]!.name).toBe('n'.repeat(80));
  });
  test('a long name without a usable split gets a PAX x header', () => {
    expect(typesOf([{ path: 'a'.repeat(101), content: enc.encode('x') }])).toBe('x0');
  });
  test('a non-ASCII name gets a PAX x header named after Go: <dir>/PaxHeaders.0/<file>, ASCII only', () => {
    const tar = packBundleTar([{ path: 'ui/é.html', content: enc.encode('x') }]);
    const hs = headers(tar);
    expect(hs.map((h) => [h.type, h.name])).toEqual([
      ['5', 'ui/'],
      ['x', 'ui/PaxHeaders.0/.html'],
      ['0', 'ui/.html'],
    ]);
    const record = dec.decode(tar.subarray(1024, 1024 + hs[1]!.size));
    // The length prefix counts bytes: é is two.
    expect(record).toBe('19 path=ui/é.html\n');
    expect(enc.encode(record).length).toBe(19);
  });
  test('PAX names come back exactly through inspectBundle', async () => {
    const path = 'ui/' + 'ü'.repeat(100) + '.js';
    const r = await inspectBundle(packBundleEntries([{ path, content: enc.encode('x') }]));
    expect(r.ok && r.entries.map((e) => e.path)).toEqual(['ui', path]);
  });
});

describe('packBundleEntries', () => {
  test('determinism: same input, in any order, gives identical bytes', () => {
    const a = packBundleEntries(SAMPLE);
    const b = packBundleEntries([...SAMPLE].reverse());
    const c = packBundleEntries(SAMPLE.map((e) => ({ ...e })));
    expect(sha256Hex(b)).toBe(sha256Hex(a));
    expect(sha256Hex(c)).toBe(sha256Hex(a));
    expect(sha256Hex(packBundleTar([...SAMPLE].reverse()))).toBe(sha256Hex(packBundleTar(SAMPLE)));
  });
  test('a different byte anywhere changes the bundle', () => {
    const changed = SAMPLE.map((e, i) => (i === 1 ? { ...e, content: enc.encode('<!doctype html>\n<title>y</title>\n') } : e));
    expect(sha256Hex(packBundleEntries(changed))).not.toBe(sha256Hex(packBundleEntries(SAMPLE)));
  });
  test("gzip header as Go's gzip.Writer writes it at BestCompression: mtime 0, XFL 2, OS 255", () => {
    const gz = packBundleEntries(SAMPLE);
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x02, 0xff]);
    expect(sha256Hex(new Uint8Array(gunzipSync(gz)))).toBe(sha256Hex(packBundleTar(SAMPLE)));
  });
  test('round trip: inspectBundle lists the same paths and SHA-256s', async () => {
    const files: BundleSourceEntry[] = [
      { path: 'bin/linux-amd64/plugin', content: new Uint8Array(randomBytes(70_000)) },
      { path: 'bin/linux-arm64/plugin', content: new Uint8Array(randomBytes(1)) },
      { path: 'ui/index.html', content: enc.encode('<html></html>') },
      { path: 'ui/assets/app.js', content: new Uint8Array(0) },
      { path: 'ui/assets/' + 'long-'.repeat(40) + '.css', content: enc.encode('a{}') },
      { path: 'data/empty', type: 'dir' },
    ];
    const bundle = packBundleEntries(files);
    const r = await inspectBundle(bundle, { runtimeEntrypoint: 'bin/linux-amd64/plugin', uiEntrypoint: 'ui/index.html' });
    if (!r.ok) throw new Error(r.message);
    const listedFiles = r.entries.filter((e) => e.type === 'file').map((e) => [e.path, e.sha256Hex, e.size]);
    const expected = files
      .filter((f): f is { path: string; content: Uint8Array } => 'content' in f)
      .map((f) => [f.path, sha256Hex(f.content), f.content.length])
      .sort((x, y) => ((x[0] as string) < (y[0] as string) ? -1 : 1));
    expect(listedFiles).toEqual(expected);
    expect(r.entries.filter((e) => e.type === 'dir').map((e) => e.path)).toEqual([
      'bin',
      'bin/linux-amd64',
      'bin/linux-arm64',
      'data',
      'data/empty',
      'ui',
      'ui/assets',
    ]);
    expect(r.digestSha256Hex).toBe(sha256Hex(bundle));
    expect(r.expandedBytes).toBe(70_000 + 1 + 13 + 0 + 3);
  });
  test('an empty bundle is a valid archive', async () => {
    const r = await inspectBundle(packBundleEntries([]));
    expect(r.ok && r.entries).toEqual([]);
  });
});

describe('packBundleEntries refuses what the server would refuse', () => {
  const refuse = (entries: BundleSourceEntry[], code: string, message: string, limits = {}) => {
    let caught: unknown;
    try {
      packBundleEntries(entries, { limits });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).code).toBe(code);
    expect((caught as InputError).message).toBe(message);
  };
  const x = enc.encode('x');
  test.each([
    ['../evil', 'bundle invalid path "../evil"'],
    ['/abs', 'bundle invalid path "/abs"'],
    ['a//b', 'bundle invalid path "a//b"'],
    ['./a', 'bundle invalid path "./a"'],
    ['a/', 'bundle invalid path "a/"'],
    ['a\\b', 'bundle invalid path "a\\\\b"'],
    ['a\nb', 'bundle invalid path "a\\nb"'],
    ['', 'bundle invalid path ""'],
    ['d/'.repeat(16) + 'f', `bundle path depth 17 exceeds limit 16 for "${'d/'.repeat(16)}f"`],
    ['a'.repeat(241), `bundle path length exceeds limit 240 for "${'a'.repeat(241)}"`],
  ])('path %j', (path, message) => refuse([{ path, content: x }], 'BUNDLE_INVALID', message));
  test('a lone surrogate (no UTF-8 form)', () => refuse([{ path: 'a\ud800', content: x }], 'BUNDLE_INVALID', 'bundle invalid path "a\\ud800"'));
  test('duplicate', () => refuse([{ path: 'a', content: x }, { path: 'a', type: 'dir' }], 'BUNDLE_INVALID', 'bundle contains duplicate path "a"'));
  test('file as parent', () =>
    refuse([{ path: 'a/b', content: x }, { path: 'a', content: x }], 'BUNDLE_INVALID', 'bundle path "a/b" has file parent "a"'));
  test('too many entries, implicit directories included', () =>
    refuse([{ path: 'a/b', content: x }, { path: 'c', content: x }], 'BUNDLE_TOO_LARGE', 'bundle file count exceeds limit 2', { maxFiles: 2 }));
  test('file too large', () =>
    refuse([{ path: 'f', content: new Uint8Array(11) }], 'BUNDLE_TOO_LARGE', 'bundle file size 11 exceeds limit 10 for "f"', { maxFileBytes: 10 }));
  test('expanded too large', () =>
    refuse([{ path: 'f', content: new Uint8Array(6) }, { path: 'g', content: new Uint8Array(6) }], 'BUNDLE_TOO_LARGE', 'bundle expanded size exceeds limit 10', {
      maxExpandedBytes: 10,
    }));
  test('compressed too large', () => {
    const content = new Uint8Array(randomBytes(5000));
    const size = packBundleEntries([{ path: 'r', content }]).length;
    refuse([{ path: 'r', content }], 'BUNDLE_TOO_LARGE', `bundle compressed size ${size} exceeds limit 1000`, { maxCompressedBytes: 1000 });
  });
  test('malformed entries are caller bugs (TypeError)', () => {
    expect(() => packBundleEntries([{ path: 'a' } as unknown as BundleSourceEntry])).toThrow(TypeError);
    expect(() => packBundleEntries('x' as unknown as BundleSourceEntry[])).toThrow(TypeError);
  });
});
