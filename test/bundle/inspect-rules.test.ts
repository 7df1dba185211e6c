/**
 * One test per rule of interop §D.6 (`ExtractBundleV2`): each builds a
 * hostile archive with the independent builder in `raw-tar.ts` and asserts
 * `ok: false`, the code, and the server's exact message.
 */
import { describe, expect, test } from 'vitest';
import { inspectBundle, type InspectBundleOptions } from '../../src/io/bundle.js';
import { concat, dir, entry, file, gnuLong, gz, pax, tar, tgz } from './raw-tar.js';

async function expectFail(
  bundle: Uint8Array,
  code: 'BUNDLE_INVALID' | 'BUNDLE_TOO_LARGE',
  message: string,
  opts: InspectBundleOptions = {},
): Promise<void> {
  const r = await inspectBundle(bundle, opts);
  expect(r).toEqual({ ok: false, code, message });
}

async function expectOk(bundle: Uint8Array, opts: InspectBundleOptions = {}) {
  const r = await inspectBundle(bundle, opts);
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.message}`);
  return r;
}

const RUNTIME = 'bin/linux-amd64/plugin';

describe('§D.6 step 1: compressed size', () => {
  test('bundle over MaxCompressedBytes', async () => {
    const b = tgz([file('a.txt', 'x'.repeat(1000))]);
    await expectFail(b, 'BUNDLE_TOO_LARGE', `bundle compressed size ${b.length} exceeds limit ${b.length - 1}`, {
      limits: { maxCompressedBytes: b.length - 1 },
    });
  });
  test('exactly at the limit passes', async () => {
    const b = tgz([file('a.txt', 'x')]);
    await expectOk(b, { limits: { maxCompressedBytes: b.length } });
  });
  test('the compressed-size check comes before any archive rule', async () => {
    const b = tgz([entry({ name: 'bin/link', type: '2', linkname: '/etc/passwd' })]);
    await expectFail(b, 'BUNDLE_TOO_LARGE', `bundle compressed size ${b.length} exceeds limit 10`, {
      limits: { maxCompressedBytes: 10 },
    });
  });
});

describe('§D.6 step 4: entry types', () => {
  // [type flag, Go's %d of the byte, what it is]
  const refused: [string, number, string][] = [
    ['1', 49, 'hard link'],
    ['2', 50, 'symlink'],
    ['3', 51, 'character device'],
    ['4', 52, 'block device'],
    ['6', 54, 'fifo'],
    ['7', 55, 'contiguous file'],
    ['D', 68, 'GNU dump dir'],
    ['V', 86, 'GNU volume header'],
  ];
  test.each(refused)('type %s (%d, %s) is refused', async (type, code) => {
    const b = tgz([dir('bin/'), entry({ name: 'bin/x', type, linkname: '../../etc/passwd' })]);
    await expectFail(b, 'BUNDLE_INVALID', `bundle entry type ${code} is not allowed for "bin/x"`);
  });
  test('symlink', async () => {
    const b = tgz([entry({ name: 'bin/linux-amd64/plugin', type: '2', linkname: '/bin/sh' })]);
    await expectFail(b, 'BUNDLE_INVALID', 'bundle entry type 50 is not allowed for "bin/linux-amd64/plugin"');
  });
  test('hard link', async () => {
    const b = tgz([file('a', 'x'), entry({ name: 'b', type: '1', linkname: 'a' })]);
    await expectFail(b, 'BUNDLE_INVALID', 'bundle entry type 49 is not allowed for "b"');
  });
  test('a PAX global header is an entry of type 103 to Go, and refused', async () => {
    const b = tgz([pax([['comment', 'made by git archive']], 'g', 'pax_global_header'), file('a', 'x')]);
    await expectFail(b, 'BUNDLE_INVALID', 'bundle entry type 103 is not allowed for "pax_global_header"');
  });
  test('an old GNU sparse header (type S) is refused by type', async () => {
    const b = tgz([entry({ name: 'sparse', type: 'S', format: 'gnu' })]);
    await expectFail(b, 'BUNDLE_INVALID', 'bundle entry type 83 is not allowed for "sparse"');
  });
  test('the type is checked before the name', async () => {
    const b = tgz([entry({ name: '../escape', type: '2', linkname: 'x' })]);
    await expectFail(b, 'BUNDLE_INVALID', 'bundle entry type 50 is not allowed for "../escape"');
  });
  test("type '\\0' is a file, or a directory when the name ends in '/' (Go's promotion)", async () => {
    const r = await expectOk(tgz([entry({ name: 'd/', type: 0 }), entry({ name: 'd/f', type: 0, data: Uint8Array.of(1) })]));
    expect(r.entries.map((e) => [e.path, e.type])).toEqual([
      ['d', 'dir'],
      ['d/f', 'file'],
    ]);
  });
});

describe('§D.6 step 4: entry count', () => {
  test('2049 entries exceed MaxFiles 2048', async () => {
    const parts = Array.from({ length: 2049 }, (_, i) => file(`f${i}`));
    await expectFail(tgz(parts), 'BUNDLE_TOO_LARGE', 'bundle file count exceeds limit 2048');
  });
  test('2048 entries pass', async () => {
    const r = await expectOk(tgz(Array.from({ length: 2048 }, (_, i) => file(`f${i}`))));
    expect(r.files).toBe(2048);
  });
  test('directories count', async () => {
    const b = tgz([dir('a/'), dir('b/'), file('c')]);
    await expectFail(b, 'BUNDLE_TOO_LARGE', 'bundle file count exceeds limit 2', { limits: { maxFiles: 2 } });
  });
  test('the count is checked after the type, before the name', async () => {
    const symlinkLast = tgz([file('a'), entry({ name: 'b', type: '2', linkname: 'a' })]);
    await expectFail(symlinkLast, 'BUNDLE_INVALID', 'bundle entry type 50 is not allowed for "b"', {
      limits: { maxFiles: 1 },
    });
    const badNameLast = tgz([file('a'), file('../b')]);
    await expectFail(badNameLast, 'BUNDLE_TOO_LARGE', 'bundle file count exceeds limit 1', { limits: { maxFiles: 1 } });
  });
});

describe('§D.6 step 4: name normalisation', () => {
  // [raw name, is directory, Go %q in the message]
  const invalid: [string, boolean, string][] = [
    ['../evil', false, '"../evil"'],
    ['..', true, '".."'],
    ['../', true, '"../"'],
    ['/etc/passwd', false, '"/etc/passwd"'],
    ['/', true, '"/"'],
    ['./a', false, '"./a"'],
    ['a//b', false, '"a//b"'],
    ['a/./b', false, '"a/./b"'],
    ['a/../b', false, '"a/../b"'],
    ['a/..', false, '"a/.."'],
    ['.', false, '"."'],
    ['./', true, '"./"'],
    ['a/', false, '"a/"'],
    ['a//', true, '"a//"'],
    ['a\\b', false, '"a\\\\b"'],
    ['..\\evil', false, '"..\\\\evil"'],
    ['a\nb', false, '"a\\nb"'],
    ['a\tb', false, '"a\\tb"'],
    ['a\x7fb', false, '"a\\x7fb"'],
    ['a\x1bb', false, '"a\\x1bb"'],
  ];
  test.each(invalid)('%j (dir: %s) → bundle invalid path %s', async (name, isDir, quoted) => {
    const b = tgz([isDir ? dir(name) : file(name, 'x')]);
    await expectFail(b, 'BUNDLE_INVALID', `bundle invalid path ${quoted}`);
  });
  test('an empty name (PAX path cannot empty it: empty values keep the USTAR name)', async () => {
    await expectFail(tgz([file('', 'x')]), 'BUNDLE_INVALID', 'bundle invalid path ""');
    const r = await expectOk(tgz([pax([['path', '']]), file('kept', 'x')]));
    expect(r.entries[0]!.path).toBe('kept');
  });
  test('backslash', async () => {
    await expectFail(tgz([file('bin\\plugin', 'x')]), 'BUNDLE_INVALID', 'bundle invalid path "bin\\\\plugin"');
  });
  test('control character', async () => {
    await expectFail(tgz([file('ui/\u0001x', 'x')]), 'BUNDLE_INVALID', 'bundle invalid path "ui/\\x01x"');
  });
  test("'./a' and 'a//b' are not clean", async () => {
    await expectFail(tgz([file('./a', 'x')]), 'BUNDLE_INVALID', 'bundle invalid path "./a"');
    await expectFail(tgz([file('a//b', 'x')]), 'BUNDLE_INVALID', 'bundle invalid path "a//b"');
  });
  test('absolute path', async () => {
    await expectFail(tgz([file('/bin/sh', 'x')]), 'BUNDLE_INVALID', 'bundle invalid path "/bin/sh"');
  });
  test("'../' prefix", async () => {
    await expectFail(tgz([file('../../.ssh/authorized_keys', 'x')]), 'BUNDLE_INVALID', 'bundle invalid path "../../.ssh/authorized_keys"');
  });
  test('a directory loses exactly one trailing slash', async () => {
    const r = await expectOk(tgz([dir('ui/'), dir('bin')]));
    expect(r.entries.map((e) => e.path)).toEqual(['ui', 'bin']);
  });
  test('names that are not UTF-8 are accepted (as by the server) and quoted with \\x', async () => {
    const name = Uint8Array.of(0x61, 0xff);
    const r = await expectOk(tgz([file(name, 'x')]));
    expect(r.entries[0]!.path).toBe('a\ufffd');
    await expectFail(tgz([file(name, 'x'), file(name, 'y')]), 'BUNDLE_INVALID', 'bundle contains duplicate path "a\\xff"');
  });
  test('non-ASCII UTF-8 names are accepted; length counts bytes', async () => {
    const r = await expectOk(tgz([pax([['path', 'ui/é.html']]), file('ignored', 'x')]));
    expect(r.entries[0]!.path).toBe('ui/é.html');
    const name = 'é'.repeat(121); // 242 bytes, 121 UTF-16 units
    await expectFail(
      tgz([pax([['path', name]]), file('ignored', 'x')]),
      'BUNDLE_INVALID',
      `bundle path length exceeds limit 240 for "${name}"`,
    );
  });
});

describe('§D.6 step 4: path length and depth', () => {
  test('241 bytes exceed the 240-byte limit', async () => {
    const name = 'ui/' + 'a'.repeat(238);
    await expectFail(
      tgz([pax([['path', name]]), file('x', 'x')]),
      'BUNDLE_INVALID',
      `bundle path length exceeds limit 240 for "${name}"`,
    );
  });
  test('240 bytes pass', async () => {
    const name = 'ui/' + 'a'.repeat(237);
    const r = await expectOk(tgz([pax([['path', name]]), file('x', 'x')]));
    expect(r.entries[0]!.path).toBe(name);
  });
  test('the length of a directory is measured without its trailing slash', async () => {
    const name = 'd'.repeat(240);
    const r = await expectOk(tgz([pax([['path', name + '/']]), entry({ name: 'x', type: '5' })]));
    expect(r.entries[0]).toEqual({ path: name, type: 'dir', size: 0, sha256Hex: null, mode: 0o644 });
  });
  test('17 parts exceed depth 16', async () => {
    const name = Array.from({ length: 17 }, (_, i) => `d${i}`).join('/');
    await expectFail(tgz([file(name, 'x')]), 'BUNDLE_INVALID', `bundle path depth 17 exceeds limit 16 for "${name}"`);
  });
  test('16 parts pass', async () => {
    const name = Array.from({ length: 16 }, (_, i) => `d${i}`).join('/');
    await expectOk(tgz([file(name, 'x')]));
  });
  test('depth of a directory with a trailing slash', async () => {
    const name = Array.from({ length: 17 }, () => 'd').join('/');
    await expectFail(tgz([dir(name + '/')]), 'BUNDLE_INVALID', `bundle path depth 17 exceeds limit 16 for "${name}"`);
  });
  test('length is checked before depth', async () => {
    const name = Array.from({ length: 100 }, () => 'ab').join('/'); // 299 bytes, 100 parts
    await expectFail(
      tgz([pax([['path', name]]), file('x', 'x')]),
      'BUNDLE_INVALID',
      `bundle path length exceeds limit 240 for "${name}"`,
    );
  });
});

describe('§D.6 step 4: duplicates and parents', () => {
  test('duplicate file', async () => {
    await expectFail(tgz([file('a.txt', '1'), file('a.txt', '2')]), 'BUNDLE_INVALID', 'bundle contains duplicate path "a.txt"');
  });
  test('duplicate directory, with and without the trailing slash', async () => {
    await expectFail(tgz([dir('d/'), dir('d')]), 'BUNDLE_INVALID', 'bundle contains duplicate path "d"');
  });
  test('a file and a directory of the same path', async () => {
    await expectFail(tgz([file('x', '1'), dir('x/')]), 'BUNDLE_INVALID', 'bundle contains duplicate path "x"');
  });
  test('a directory may follow entries below it (implicit parents are not entries)', async () => {
    const r = await expectOk(tgz([file('ui/a/b.html', 'x'), dir('ui/a/'), dir('ui/')]));
    expect(r.entries.map((e) => e.path)).toEqual(['ui/a/b.html', 'ui/a', 'ui']);
  });
  test('file as parent, file first: bundle path %q has file parent %q', async () => {
    await expectFail(tgz([file('bin', 'x'), file('bin/plugin', 'y')]), 'BUNDLE_INVALID', 'bundle path "bin/plugin" has file parent "bin"');
  });
  test('file as a deeper parent', async () => {
    await expectFail(
      tgz([dir('a/'), file('a/b', 'x'), dir('a/b/c/')]),
      'BUNDLE_INVALID',
      'bundle path "a/b/c" has file parent "a/b"',
    );
  });
  test('file as parent, file second: bundle file path %q is parent of %q', async () => {
    await expectFail(tgz([file('bin/plugin', 'y'), file('bin', 'x')]), 'BUNDLE_INVALID', 'bundle file path "bin" is parent of "bin/plugin"');
  });
  test('file above an earlier entry names the first entry below it', async () => {
    await expectFail(
      tgz([file('a/b/c', '1'), file('a/z', '2'), file('a', 'x')]),
      'BUNDLE_INVALID',
      'bundle file path "a" is parent of "a/b/c"',
    );
  });
  test('a directory after its children is not a duplicate, but a file there is', async () => {
    await expectOk(tgz([file('a/b', '1'), dir('a/')]));
    await expectFail(tgz([file('a/b', '1'), file('a', '2')]), 'BUNDLE_INVALID', 'bundle file path "a" is parent of "a/b"');
  });
  test('duplicate is checked before parents', async () => {
    await expectFail(tgz([file('a', '1'), file('a', '2'), file('a/b', '3')]), 'BUNDLE_INVALID', 'bundle contains duplicate path "a"');
  });
});

describe('§D.6 step 4: sizes', () => {
  test('file larger than MaxFileBytes (32 MiB), refused from the header alone', async () => {
    // The header declares 32 MiB + 1 but no data follows: the size check must
    // come before any read, so this is a size error, not a truncation.
    const b = tgz([entry({ name: 'big.bin', size: 32 * 1024 * 1024 + 1 })], false);
    await expectFail(b, 'BUNDLE_TOO_LARGE', 'bundle file size 33554433 exceeds limit 33554432 for "big.bin"');
  });
  test('file exactly MaxFileBytes passes the size rule', async () => {
    const b = tgz([entry({ name: 'f', size: 64 })], false);
    // Passes the size rule, then the data is missing.
    await expectFail(b, 'BUNDLE_INVALID', 'bundle tar stream is truncated (unexpected EOF)', { limits: { maxFileBytes: 64 } });
  });
  test('running total over MaxExpandedBytes', async () => {
    const b = tgz([file('a', 'x'.repeat(60)), file('b', 'y'.repeat(60))]);
    await expectFail(b, 'BUNDLE_TOO_LARGE', 'bundle expanded size exceeds limit 100', { limits: { maxExpandedBytes: 100 } });
  });
  test('running total exactly at MaxExpandedBytes passes', async () => {
    const r = await expectOk(tgz([file('a', 'x'.repeat(60)), file('b', 'y'.repeat(40))]), { limits: { maxExpandedBytes: 100 } });
    expect(r.expandedBytes).toBe(100);
  });
  test('directories do not count towards the expanded size', async () => {
    const r = await expectOk(tgz([entry({ name: 'd/', type: '5', size: 1000 }), file('d/f', 'x')]), { limits: { maxExpandedBytes: 1 } });
    expect(r.expandedBytes).toBe(1);
  });
  test('file size is checked after the path rules', async () => {
    const b = tgz([entry({ name: '../big', size: 32 * 1024 * 1024 + 1 })], false);
    await expectFail(b, 'BUNDLE_INVALID', 'bundle invalid path "../big"');
  });
  test('a PAX size record overrides the header size (and is what the limit sees)', async () => {
    const b = tgz([pax([['size', '2000']]), entry({ name: 'f', size: 0, data: new Uint8Array(2000) })]);
    // The builder wrote data of 2000 bytes with size field 0; Go reads 2000 (PAX wins).
    await expectFail(b, 'BUNDLE_TOO_LARGE', 'bundle file size 2000 exceeds limit 1000 for "f"', { limits: { maxFileBytes: 1000 } });
  });
});

describe('§D.6 step 5: declared entrypoints', () => {
  const base = [dir('bin/'), dir('bin/linux-amd64/'), file('bin/linux-amd64/plugin', '#!'), dir('ui/'), file('ui/index.html', '<html>')];
  test('both present', async () => {
    await expectOk(tgz(base), { runtimeEntrypoint: RUNTIME, uiEntrypoint: 'ui/index.html' });
  });
  test('missing runtime entrypoint', async () => {
    await expectFail(tgz(base), 'BUNDLE_INVALID', 'declared runtime entrypoint "bin/linux-arm64/plugin" is missing from bundle', {
      runtimeEntrypoint: 'bin/linux-arm64/plugin',
    });
  });
  test('runtime entrypoint present only as a directory', async () => {
    const b = tgz([dir('bin/linux-amd64/plugin/'), file('bin/linux-amd64/plugin/x', '1')]);
    await expectFail(b, 'BUNDLE_INVALID', `declared runtime entrypoint "${RUNTIME}" is missing from bundle`, {
      runtimeEntrypoint: RUNTIME,
    });
  });
  test('runtime entrypoint only an implicit parent', async () => {
    await expectFail(tgz([file('bin/linux-amd64/plugin/x', '1')]), 'BUNDLE_INVALID', `declared runtime entrypoint "${RUNTIME}" is missing from bundle`, {
      runtimeEntrypoint: RUNTIME,
    });
  });
  test('missing ui entrypoint', async () => {
    await expectFail(tgz(base), 'BUNDLE_INVALID', 'declared ui entrypoint "ui/app.html" is missing from bundle', {
      runtimeEntrypoint: RUNTIME,
      uiEntrypoint: 'ui/app.html',
    });
  });
  test('runtime is checked before ui', async () => {
    await expectFail(tgz([file('x', '1')]), 'BUNDLE_INVALID', 'declared runtime entrypoint "bin/a/plugin" is missing from bundle', {
      runtimeEntrypoint: 'bin/a/plugin',
      uiEntrypoint: 'ui/index.html',
    });
  });
  test('the entrypoint is quoted with Go %q', async () => {
    await expectFail(tgz([file('x', '1')]), 'BUNDLE_INVALID', 'declared ui entrypoint "ui/\\u00a0.html" is missing from bundle', {
      uiEntrypoint: 'ui/\u00a0.html',
    });
  });
  test('archive rules come before the entrypoint checks', async () => {
    await expectFail(tgz([file('a', '1'), file('a', '2')]), 'BUNDLE_INVALID', 'bundle contains duplicate path "a"', {
      runtimeEntrypoint: RUNTIME,
    });
  });
  test('a non-ASCII entrypoint matches the UTF-8 name', async () => {
    await expectOk(tgz([pax([['path', 'ui/é.html']]), file('x', '1')]), { uiEntrypoint: 'ui/é.html' });
  });
});

describe('§D.6 step 6: bytes after the end-of-archive marker are not inspected', () => {
  test('garbage after the marker, inside the gzip stream', async () => {
    const garbage = new TextEncoder().encode('this is not a tar header'.repeat(100));
    const r = await expectOk(gz(concat([tar([file('a', 'x')]), garbage])));
    expect(r.entries.map((e) => e.path)).toEqual(['a']);
  });
  test('a symlink after the marker is never seen', async () => {
    await expectOk(gz(concat([tar([file('a', 'x')]), entry({ name: 'evil', type: '2', linkname: '/' })])));
  });
});

describe('long names, as Go archive/tar reads them', () => {
  test('PAX long path accepted', async () => {
    const long = 'ui/assets/' + 'x'.repeat(180) + '.js';
    const r = await expectOk(tgz([pax([['path', long]]), file('short-name-ignored', 'js')]));
    expect(r.entries).toHaveLength(1);
    expect(r.entries[0]!.path).toBe(long);
  });
  test('GNU long name accepted', async () => {
    const long = 'ui/assets/' + 'y'.repeat(180) + '.css';
    const r = await expectOk(tgz([gnuLong(long), file('././@LongLink-truncated', 'css', { format: 'gnu' })]));
    expect(r.entries.map((e) => e.path)).toEqual([long]);
  });
  test('a GNU long name overrides a PAX path', async () => {
    const r = await expectOk(tgz([pax([['path', 'from-pax']]), gnuLong('from-gnu'), file('from-header', 'x')]));
    expect(r.entries[0]!.path).toBe('from-gnu');
  });
  test('a GNU long name is cut at its first NUL', async () => {
    const r = await expectOk(tgz([gnuLong(new TextEncoder().encode('cut\0../evil')), file('h', 'x')]));
    expect(r.entries[0]!.path).toBe('cut');
  });
  test('a PAX path carries the bad name the rules must see', async () => {
    await expectFail(tgz([pax([['path', '../../etc/cron.d/x']]), file('innocent', 'x')]), 'BUNDLE_INVALID', 'bundle invalid path "../../etc/cron.d/x"');
  });
  test('a PAX linkpath does not make a symlink a file', async () => {
    await expectFail(
      tgz([pax([['linkpath', '/etc/shadow']]), entry({ name: 'l', type: '2' })]),
      'BUNDLE_INVALID',
      'bundle entry type 50 is not allowed for "l"',
    );
  });
  test('USTAR prefix field joins the name', async () => {
    const r = await expectOk(tgz([file('plugin', 'x', { prefix: 'bin/linux-amd64' })]), { runtimeEntrypoint: RUNTIME });
    expect(r.entries[0]!.path).toBe(RUNTIME);
  });
  test('USTAR prefix producing a bad path is refused', async () => {
    await expectFail(tgz([file('x', '1', { prefix: '..' })]), 'BUNDLE_INVALID', 'bundle invalid path "../x"');
  });
  test('the PAX records apply to the next entry only', async () => {
    const r = await expectOk(tgz([pax([['path', 'renamed']]), file('a', '1'), file('b', '2')]));
    expect(r.entries.map((e) => e.path)).toEqual(['renamed', 'b']);
  });
});
