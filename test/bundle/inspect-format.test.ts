/**
 * The gzip and tar layers of `inspectBundle`: Go `compress/gzip` and
 * `archive/tar` behaviour (interop §D.6 step 4), malformed input, streaming
 * input, and boundedness against gzip bombs.
 */
import { randomBytes } from 'node:crypto';
import { createGzip, gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { inspectBundle, inspectBundleWith, nodeBundleCodec, type BundleCodec, type InspectBundleOptions } from '../../src/io/bundle.js';
import { sha256Hex } from '../../src/crypto/index.js';
import { drainedOrClosed, type GunzipStream } from '../../src/domain/bundle/codec.js';
import { chunked, concat, dir, END, entry, file, gz, headerBlock, pax, paxRaw, tar, tgz } from './raw-tar.js';

async function expectFail(
  bundle: Uint8Array | AsyncIterable<Uint8Array>,
  code: 'BUNDLE_INVALID' | 'BUNDLE_TOO_LARGE',
  message: string,
  opts: InspectBundleOptions = {},
): Promise<void> {
  expect(await inspectBundle(bundle, opts)).toEqual({ ok: false, code, message });
}

async function expectOk(bundle: Uint8Array | AsyncIterable<Uint8Array>, opts: InspectBundleOptions = {}) {
  const r = await inspectBundle(bundle, opts);
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.message}`);
  return r;
}

const TRUNCATED = 'bundle tar stream is truncated (unexpected EOF)';

describe('gzip layer', () => {
  test('multistream: a tar split across two gzip members reads as one stream', async () => {
    const t = tar([file('a', 'first'), file('b', 'second')]);
    const cut = 700; // inside the first file's data block
    const b = concat([gz(t.subarray(0, cut)), gz(t.subarray(cut))]);
    const r = await expectOk(b);
    expect(r.entries.map((e) => [e.path, e.sha256Hex])).toEqual([
      ['a', sha256Hex(new TextEncoder().encode('first'))],
      ['b', sha256Hex(new TextEncoder().encode('second'))],
    ]);
  });
  test('many members, one per block', async () => {
    const t = tar([file('a', 'x'.repeat(3000)), file('b', 'y')]);
    const members: Uint8Array[] = [];
    for (let i = 0; i < t.length; i += 512) members.push(gz(t.subarray(i, i + 512)));
    const r = await expectOk(concat(members));
    expect(r.files).toBe(2);
  });
  test('garbage input', async () => {
    await expectFail(new TextEncoder().encode('PK\x03\x04 this is a zip, not a gzip'), 'BUNDLE_INVALID', 'bundle gzip stream is invalid: incorrect header check');
  });
  test('empty input (Go: gzip.NewReader returns EOF)', async () => {
    await expectFail(new Uint8Array(0), 'BUNDLE_INVALID', 'bundle gzip stream is invalid: unexpected end of file');
  });
  test('truncated gzip', async () => {
    const b = tgz([file('a', 'x'.repeat(5000))]);
    await expectFail(b.subarray(0, b.length - 20), 'BUNDLE_INVALID', 'bundle gzip stream is invalid: unexpected end of file');
  });
  test('corrupt deflate data', async () => {
    const b = tgz([file('a', 'some text that compresses '.repeat(50))]);
    const bad = Uint8Array.from(b);
    bad[20] = bad[20]! ^ 0xff;
    const r = await inspectBundle(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('BUNDLE_INVALID');
      expect(r.message).toMatch(/^bundle (gzip stream is invalid: |tar )/);
    }
  });
  test('an uncompressed tar is not a bundle', async () => {
    await expectFail(tar([file('a', 'x')]), 'BUNDLE_INVALID', 'bundle gzip stream is invalid: incorrect header check');
  });
  test('a gzip of nothing is an empty bundle (Go: tar EOF at once)', async () => {
    const r = await expectOk(gz(new Uint8Array(0)));
    expect(r.entries).toEqual([]);
  });
});

describe('tar layer (Go archive/tar semantics)', () => {
  test('truncated archive: inside file data', async () => {
    const t = tar([file('a', 'x'.repeat(2000))], false);
    await expectFail(gz(t.subarray(0, 1000)), 'BUNDLE_INVALID', TRUNCATED);
  });
  test('truncated archive: inside a header block', async () => {
    const t = tar([file('a', 'x'), file('b', 'y')], false);
    await expectFail(gz(t.subarray(0, 1024 + 100)), 'BUNDLE_INVALID', TRUNCATED);
  });
  test('truncated archive: inside a PAX record', async () => {
    const t = tar([pax([['path', 'p'.repeat(600)]])], false);
    await expectFail(gz(t.subarray(0, 700)), 'BUNDLE_INVALID', TRUNCATED);
  });
  test('garbage tar inside valid gzip', async () => {
    await expectFail(gz(new TextEncoder().encode('x'.repeat(2048))), 'BUNDLE_INVALID', 'bundle tar header is invalid: checksum mismatch or unknown format');
  });
  test('bad header checksum', async () => {
    await expectFail(gz(tar([entry({ name: 'a', badChecksum: true })])), 'BUNDLE_INVALID', 'bundle tar header is invalid: checksum mismatch or unknown format');
  });
  test('an unparsable numeric field invalidates the header (Go parser.err)', async () => {
    const uidField = new TextEncoder().encode('12x4567\0');
    await expectFail(gz(tar([entry({ name: 'a', uidField })])), 'BUNDLE_INVALID', 'bundle tar header is invalid: a numeric field does not parse');
  });
  test('base-256 size field is read (GNU/star extension)', async () => {
    const sizeField = new Uint8Array(12);
    sizeField[0] = 0x80;
    sizeField[11] = 5;
    const r = await expectOk(gz(tar([entry({ name: 'a', sizeField, data: new TextEncoder().encode('hello') })])));
    expect(r.entries[0]!.size).toBe(5);
  });
  test('a negative base-256 size is a header error (Go handleRegularFile)', async () => {
    const sizeField = new Uint8Array(12).fill(0xff);
    await expectFail(gz(tar([entry({ name: 'a', sizeField })])), 'BUNDLE_INVALID', 'bundle tar header is invalid: negative size');
  });
  test('end of archive without the two zero blocks is accepted (Go: io.EOF)', async () => {
    const r = await expectOk(tgz([file('a', 'x')], false));
    expect(r.files).toBe(1);
  });
  test('EOF inside the padding after the last data ends the archive (Go tryReadFull)', async () => {
    const t = tar([file('a', 'x')], false);
    const r = await expectOk(gz(t.subarray(0, 512 + 1)));
    expect(r.entries[0]!.sha256Hex).toBe(sha256Hex(new TextEncoder().encode('x')));
  });
  test('a single zero block then EOF is an end', async () => {
    await expectOk(gz(concat([tar([file('a', 'x')], false), new Uint8Array(512)])));
  });
  test('a zero block followed by a header is an error', async () => {
    await expectFail(
      gz(concat([file('a', 'x'), new Uint8Array(512), file('b', 'y'), END])),
      'BUNDLE_INVALID',
      'bundle tar header is invalid: a zero block is followed by a non-zero block',
    );
  });
  test('V7 headers (no magic) are read, without a prefix', async () => {
    const r = await expectOk(tgz([file('v7-file', 'x', { format: 'v7', prefix: 'ignored' })]));
    expect(r.entries[0]!.path).toBe('v7-file');
  });
  test('a directory header with a size has no data (header-only type)', async () => {
    // Go skips no data for a type-5 entry: the next block is the next header.
    const r = await expectOk(gz(tar([headerBlock({ name: 'd/', type: '5', size: 512 }), file('d/f', 'x')])));
    expect(r.entries.map((e) => e.path)).toEqual(['d', 'd/f']);
  });
  test('PAX record syntax errors are header errors', async () => {
    const bad = ['5 a=b\n', '10 path=x', '3 a=\n', 'x path=y\n', '12 noequals\n', '9 =abc\n\n'];
    for (const rec of bad) {
      await expectFail(tgz([paxRaw(rec), file('f', 'x')]), 'BUNDLE_INVALID', 'bundle tar header is invalid: malformed PAX record');
    }
  });
  test('a PAX size that does not parse is a header error', async () => {
    await expectFail(tgz([pax([['size', '12abc']]), file('f', 'x')]), 'BUNDLE_INVALID', 'bundle tar header is invalid: PAX record "size" does not parse');
  });
  test('a PAX mtime that does not parse is a header error', async () => {
    await expectFail(tgz([pax([['mtime', '1.5x']]), file('f', 'x')]), 'BUNDLE_INVALID', 'bundle tar header is invalid: PAX record "mtime" does not parse');
  });
  test('valid PAX times and unknown records are accepted', async () => {
    await expectOk(tgz([pax([['mtime', '-1.123456789123'], ['atime', '5.'], ['SCHILY.xattr.user.x', 'v'], ['comment', 'c']]), file('f', 'x')]));
  });
  test('a later x header replaces an earlier one', async () => {
    const r = await expectOk(tgz([pax([['path', 'first']]), pax([['comment', 'no path']]), file('header-name', 'x')]));
    expect(r.entries[0]!.path).toBe('header-name');
  });
  test('a PAX record above 1 MiB is refused (Go maxSpecialFileSize)', async () => {
    const huge = 'v'.repeat(1024 * 1024);
    await expectFail(tgz([pax([['comment', huge]]), file('f', 'x')]), 'BUNDLE_INVALID', 'bundle tar metadata record exceeds 1048576 bytes');
  });
  test('metadata headers are bounded (our limit; Go has none)', async () => {
    const many = Array.from({ length: 40 }, () => pax([['comment', 'c'.repeat(100)]]));
    await expectFail(tgz([...many, file('f', 'x')]), 'BUNDLE_TOO_LARGE', 'bundle tar metadata exceeds limit 10000', {
      limits: { maxMetadataBytes: 10_000 },
    });
  });
  test('a PAX-format GNU sparse file is refused (not expanded)', async () => {
    await expectFail(
      tgz([pax([['GNU.sparse.major', '1'], ['GNU.sparse.minor', '0'], ['GNU.sparse.name', 'real'], ['GNU.sparse.realsize', '10']]), file('GNUSparseFile.0/real', 'x')]),
      'BUNDLE_INVALID',
      'bundle tar entry is a GNU sparse file, which this inspector does not expand',
    );
    await expectFail(
      tgz([pax([['GNU.sparse.offset', '0'], ['GNU.sparse.numbytes', '1']]), file('s', 'x')]),
      'BUNDLE_INVALID',
      'bundle tar entry is a GNU sparse file, which this inspector does not expand',
    );
  });
  test('GNU sparse records of an unknown version leave a plain file (as in Go)', async () => {
    const r = await expectOk(tgz([pax([['GNU.sparse.major', '9'], ['GNU.sparse.name', 'ignored']]), file('plain', 'x')]));
    expect(r.entries[0]!.path).toBe('plain');
  });
});

describe('streaming input', () => {
  const bundle = tgz([dir('bin/'), file('bin/plugin', 'exe'.repeat(10_000)), file('ui/index.html', '<html>')]);

  test('any chunking gives the same result as the bytes', async () => {
    const whole = await expectOk(bundle);
    expect(whole.digestSha256Hex).toBe(sha256Hex(bundle));
    expect(whole.compressedBytes).toBe(bundle.length);
    for (const size of [1, 7, 512, 4096, bundle.length]) {
      expect(await inspectBundle(chunked(bundle, size))).toEqual(whole);
    }
  });
  test('chunks around the 1 MiB decompressor writes (gathered, split across two writes, larger than one) give the same result as the bytes', async () => {
    // Random content: gzip stores it, so the compressed stream is ~3 MiB and spans several 1 MiB writes.
    const big = tgz([file('bin/plugin', 'exe'), entry({ name: 'data/a.bin', data: randomBytes(1_500_000) }), entry({ name: 'data/b.bin', data: randomBytes(1_700_000) })]);
    expect(big.length).toBeGreaterThan(3 * 1024 * 1024);
    async function* irregular(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
      const sizes = [65_536, 1_000_000, 7, 2_500_000, 1_048_576, 300_000];
      for (let off = 0, i = 0; off < bytes.length; i++) {
        const n = sizes[i % sizes.length]!;
        yield bytes.slice(off, off + n);
        off += n;
      }
    }
    const whole = await expectOk(big);
    expect(await inspectBundle(irregular(big))).toEqual(whole);
    // A flipped byte in the second MiB: the same gzip verdict as for the bytes.
    const bad = Uint8Array.from(big);
    bad[1_600_000]! ^= 0xff;
    const wholeBad = await inspectBundle(bad);
    expect(wholeBad.ok).toBe(false);
    expect(await inspectBundle(irregular(bad))).toEqual(wholeBad);
  });
  test("a gathered input buffer is not refilled before the decompressor's write callback", async () => {
    // A codec that forwards each write to zlib one macrotask later (its right: it keeps a chunk
    // until it calls back). An inspector that refilled a buffer before the callback would hand
    // zlib changed bytes here, whatever the timing of the thread pool.
    const big = tgz([file('bin/plugin', 'exe'), entry({ name: 'data/a.bin', data: randomBytes(3_200_000) })]);
    const delayed = codecWithInput((inner) => {
      let queue = Promise.resolve();
      const later = (f: () => void): void => {
        queue = queue.then(() => new Promise<void>((r) => setImmediate(() => (f(), r()))));
      };
      return {
        write: (chunk, consumed) => {
          later(() => void (inner.destroyed ? consumed?.(new Error('destroyed')) : inner.write(chunk, consumed)));
          return true;
        },
        end: (chunk) => later(() => void (inner.destroyed ? undefined : inner.end(chunk))),
      };
    });
    const whole = await expectOk(big);
    expect(await inspectBundleWith(delayed, chunked(big, 65_536))).toEqual(whole);
  });
  test('small chunks gathered before a large one: the partly filled batch goes back to the pool once consumed, and is not refilled before', async () => {
    // 100 kB then 300 kB pieces (300 kB passes through uncopied): each 100 kB is gathered and written
    // alone, ahead of the large one. The codec records the memory of the gathered writes, and checks
    // at each write's callback that the bytes are still those handed over: a pool that dropped the
    // partial batches took a fresh 1 MiB buffer (fresh pages: a page fault each) for every one.
    const big = tgz([file('bin/plugin', 'exe'), entry({ name: 'data/a.bin', data: randomBytes(6_000_000) })]);
    const sources = new Set<ArrayBufferLike>();
    async function* alternating(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
      for (let off = 0, i = 0; off < bytes.length; i++) {
        const n = i % 2 === 0 ? 100_000 : 300_000;
        const piece = bytes.slice(off, off + n);
        sources.add(piece.buffer);
        yield piece;
        off += n;
      }
    }
    const gathered = new Set<ArrayBufferLike>();
    let gatheredWrites = 0;
    let changed = 0;
    const recording = codecWithInput((inner) => ({
      write: (chunk, consumed) => {
        if (!sources.has(chunk.buffer)) {
          gathered.add(chunk.buffer);
          gatheredWrites++;
        }
        const copy = Uint8Array.from(chunk);
        return inner.write(chunk, (err) => {
          if (!Buffer.from(chunk).equals(Buffer.from(copy))) changed++;
          consumed?.(err);
        });
      },
      end: (chunk) => inner.end(chunk),
    }));
    const whole = await expectOk(big);
    expect(await inspectBundleWith(recording, alternating(big))).toEqual(whole);
    expect(changed).toBe(0);
    expect(gatheredWrites).toBeGreaterThan(10);
    expect(gathered.size).toBeLessThanOrEqual(4);
  });
  test('compressed too large while streaming', async () => {
    const r = await inspectBundle(chunked(bundle, 10), { limits: { maxCompressedBytes: 100 } });
    expect(r).toEqual({ ok: false, code: 'BUNDLE_TOO_LARGE', message: 'bundle compressed size 110 exceeds limit 100' });
  });
  test('compressed size wins over an earlier archive error (the server reads the artifact first)', async () => {
    const b = concat([tgz([entry({ name: 'l', type: '2', linkname: '/' })]), new Uint8Array(5000)]);
    await expectFail(chunked(b, 1000), 'BUNDLE_TOO_LARGE', 'bundle compressed size 2000 exceeds limit 1500', {
      limits: { maxCompressedBytes: 1500 },
    });
    // Without the size problem the archive error is reported.
    await expectFail(chunked(b, 1000), 'BUNDLE_INVALID', 'bundle entry type 50 is not allowed for "l"');
  });
  test('the digest covers the whole stream, including bytes after the end marker', async () => {
    const b = concat([bundle, new Uint8Array(100)]); // trailing zeros after the gzip member
    const r = await expectOk(chunked(b, 64));
    expect(r.digestSha256Hex).toBe(sha256Hex(b));
    expect(r.compressedBytes).toBe(b.length);
  });
  test("an error of the caller's source is rethrown", async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield bundle.subarray(0, 50);
      throw new Error('connection reset');
    }
    await expect(inspectBundle(failing())).rejects.toThrow('connection reset');
  });
  test('caller bugs throw', async () => {
    await expect(inspectBundle('bytes' as unknown as Uint8Array)).rejects.toThrow(TypeError);
    await expect(inspectBundle(bundle, { runtimeEntrypoint: 1 as unknown as string })).rejects.toThrow(TypeError);
    await expect(inspectBundle(bundle, { limits: { maxFiles: -1 } })).rejects.toThrow(TypeError);
    async function* notBytes(): AsyncGenerator<Uint8Array> {
      yield 'x' as unknown as Uint8Array;
    }
    await expect(inspectBundle(notBytes())).rejects.toThrow(TypeError);
  });
});

/** nodeBundleCodec whose gunzip takes its input through `input` (given the real stream); everything else is the real stream's. */
function codecWithInput(input: (inner: GunzipStream) => Pick<GunzipStream, 'write' | 'end'>): BundleCodec {
  return {
    gzip: nodeBundleCodec.gzip,
    gunzip: () => {
      const inner = nodeBundleCodec.gunzip();
      return {
        ...input(inner),
        destroy: (e) => inner.destroy(e),
        get destroyed() {
          return inner.destroyed;
        },
        on: (ev, l) => inner.on(ev, l),
        off: (ev, l) => inner.off(ev, l),
        [Symbol.asyncIterator]: () => inner[Symbol.asyncIterator](),
      };
    },
  };
}

/** gzip of a tar whose files are all zeros, built without holding the tar. */
async function zeroBomb(files: { name: string; size: number }[]): Promise<Uint8Array> {
  const gzip = createGzip({ level: 1 });
  const out: Buffer[] = [];
  gzip.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const zeros = new Uint8Array(1024 * 1024);
  const write = async (b: Uint8Array) => {
    if (!gzip.write(b)) await new Promise((resolve) => gzip.once('drain', resolve));
  };
  for (const f of files) {
    await write(headerBlock({ name: f.name, size: f.size }));
    for (let left = f.size; left > 0; left -= zeros.length) await write(zeros.subarray(0, Math.min(left, zeros.length)));
    const pad = (512 - (f.size % 512)) % 512;
    if (pad) await write(new Uint8Array(pad));
  }
  await write(END);
  gzip.end();
  await done;
  return new Uint8Array(Buffer.concat(out));
}

describe('boundedness (gzip bombs)', () => {
  test('10 MB of zeros in one file is refused at its header under a lower limit', async () => {
    const bomb = await zeroBomb([{ name: 'zeros.bin', size: 10_000_000 }]);
    expect(bomb.length).toBeLessThan(100_000);
    const t0 = performance.now();
    await expectFail(bomb, 'BUNDLE_TOO_LARGE', 'bundle file size 10000000 exceeds limit 1048576 for "zeros.bin"', {
      limits: { maxFileBytes: 1024 * 1024 },
    });
    expect(performance.now() - t0).toBeLessThan(1000);
  });
  test('a bomb whose data is not declared in any header stops at the first bad header', async () => {
    // A 1-byte file followed by 50 MB of non-zero junk in the same gzip stream.
    const junk = new Uint8Array(50 * 1024 * 1024).fill(0x41);
    const b = new Uint8Array(gzipSync(concat([file('a', 'x'), junk]), { level: 1 }));
    const t0 = performance.now();
    await expectFail(b, 'BUNDLE_INVALID', 'bundle tar header is invalid: checksum mismatch or unknown format');
    expect(performance.now() - t0).toBeLessThan(1000);
  });
  test('300 MiB expanded fails at the 5th header under the default total limit, holding no file in memory', async () => {
    const MiB = 1024 * 1024;
    // Files of 60 MiB (the per-file limit raised to let them through), so "no file in memory" has room
    // above garbage the collector has not reached yet: with 30 MiB files a 24 MiB bound sat within a few
    // MiB of what a busy machine leaves uncollected.
    const files = Array.from({ length: 5 }, (_, i) => ({ name: `part${i}.bin`, size: 60 * MiB }));
    const bomb = await zeroBomb(files);
    expect(bomb.length).toBeLessThan(2 * MiB);
    const before = process.memoryUsage();
    const r = await inspectBundle(bomb, { limits: { maxFileBytes: 64 * MiB } });
    const after = process.memoryUsage();
    // 4 × 60 MiB = 240 MiB pass; the 5th file brings the total to 300 MiB.
    expect(r).toEqual({ ok: false, code: 'BUNDLE_TOO_LARGE', message: 'bundle expanded size exceeds limit 268435456' });
    // Streaming: neither the heap nor external buffers grew by anything like a file, let alone the archive.
    expect(after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)).toBeLessThan(40 * MiB);
  });
});

describe("nodeBundleCodec's gunzip writes into output buffers it reuses (fresh pages cost a page fault each)", () => {
  /** Decompress `gzipped` written in 1 MiB pieces; each chunk copied before the next is asked for (the GunzipStream contract). */
  async function gunzipAll(gzipped: Uint8Array, writes = 1 << 20, slow = false): Promise<{ out: Buffer; memories: number; chunks: number }> {
    const g = nodeBundleCodec.gunzip();
    const copies: Buffer[] = [];
    const memories = new Set<ArrayBufferLike>();
    const reading = (async () => {
      for await (const c of g) {
        memories.add(c.buffer);
        copies.push(Buffer.from(c));
        // A slow reader: the stream's read-ahead fills up with views of several buffers.
        if (slow) await new Promise((r) => setTimeout(r, 1));
      }
    })();
    for (let off = 0; off < gzipped.length; off += writes) {
      if (!g.write(gzipped.subarray(off, off + writes))) await drainedOrClosed(g);
    }
    g.end();
    await reading;
    return { out: Buffer.concat(copies), memories: memories.size, chunks: copies.length };
  }

  test('a stored 24 MiB stream: the output is exactly gunzip’s, from fewer buffers than MiB', async () => {
    const data = randomBytes(24 << 20);
    const r = await gunzipAll(gzipSync(data, { level: 9 }));
    expect(r.out.equals(data)).toBe(true);
    expect(r.memories).toBeLessThan(24);
  });

  test('a slow reader of small writes (the read-ahead joins the waiting views of a buffer into one chunk) gets exact output', async () => {
    const data = randomBytes(8 << 20);
    const r = await gunzipAll(gzipSync(data, { level: 1 }), 40_000, true);
    expect(r.out.equals(data)).toBe(true);
  });

  test('a compressible stream (output far larger than input per write) is exact too', async () => {
    const data = Buffer.alloc(20 << 20);
    for (let i = 0; i < data.length; i += 64) data.write(`line ${i % 9973}\n`, i, 'latin1');
    const r = await gunzipAll(gzipSync(data, { level: 6 }));
    expect(r.out.equals(data)).toBe(true);
    expect(r.memories).toBeLessThan(20);
  });

  test('the inspector reads the same bundle the same way in every chunking (views of reused buffers are never read after they are reused)', async () => {
    const a = randomBytes(5_000_000);
    const b = randomBytes(3_000_000);
    const big = tgz([file('bin/plugin', 'exe'), entry({ name: 'data/a.bin', data: a }), entry({ name: 'data/b.bin', data: b }), file('z', 'end')]);
    const whole = await expectOk(big);
    // The file digests are of the data put in (each computed from views of the output buffers).
    expect(whole.entries.filter((e) => e.path.startsWith('data/')).map((e) => e.sha256Hex)).toEqual([sha256Hex(a), sha256Hex(b)]);
    for (const size of [4096, 65_536, 300_000, 1 << 20]) expect(await inspectBundle(chunked(big, size))).toEqual(whole);
  });
});
