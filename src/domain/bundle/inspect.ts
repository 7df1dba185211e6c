/**
 * `inspectBundle` — the Lattice server's archive rules for v2 bundles
 * (interop §D.6, `ExtractBundleV2`), applied to a `.tar.gz` without
 * extracting it.
 *
 * Every rule and message is the server's, in the server's order, so an
 * index or installer that accepts a bundle knows the server will load it, and
 * one that refuses it prints what the server would print:
 *
 * | §D.6 | rule | code |
 * |---|---|---|
 * | 1 | compressed size ≤ `maxCompressedBytes` | `BUNDLE_TOO_LARGE` |
 * | 4 | gzip (multistream), then tar as Go's `archive/tar` reads it | `BUNDLE_INVALID` |
 * | 4 | per header: type `'5'`/`'0'`/`'\0'` only | `BUNDLE_INVALID` |
 * | 4 | entry count (directories included) ≤ `maxFiles` | `BUNDLE_TOO_LARGE` |
 * | 4 | name normalisation, length, depth (see `entry-path.ts`) | `BUNDLE_INVALID` |
 * | 4 | no duplicate, no file parent, no file above an earlier entry | `BUNDLE_INVALID` |
 * | 4 | file size ≤ `maxFileBytes`, running total ≤ `maxExpandedBytes` | `BUNDLE_TOO_LARGE` |
 * | 5 | declared runtime / ui entrypoint present as a file | `BUNDLE_INVALID` |
 * | 6 | bytes after the end-of-archive marker are not read | — |
 *
 * Steps 2–3 (digest and signature before gzip parsing; the manifest has an
 * entrypoint for the platform) belong to the manifest verifier; the caller
 * passes the selected entrypoint in.
 *
 * **Streaming and bounded.** The compressed input is fed to `zlib` with back
 * pressure, and the tar stream is pulled block by block: nothing but the
 * current chunk is held, sizes are checked from the header *before* the data
 * is decompressed, and the gunzip stream is destroyed at the first failure or
 * at the end-of-archive marker. A gzip bomb therefore costs at most the
 * limits, never its expanded size.
 *
 * Hostile input never throws: every failure is a result value. Only caller
 * bugs (wrong argument types, bad limits) throw, and an error raised by the
 * caller's own source iterator is rethrown unchanged (an IO failure, not a
 * property of the bundle).
 *
 * @module
 */
import { drainedOrClosed, type BundleCodec } from './codec.js';
import { goQuote } from '../../core/go-quote.js';
import { createSha256 } from '../../crypto/index.js';
import {
  type ByteString,
  byteStringToText,
  normalizeEntryName,
  quoteByteString,
  textToByteString,
} from './entry-path.js';
import { type BundleLimits, resolveBundleLimits } from './limits.js';
import { ChunkReader, TarFormatError, TarReader, TYPE } from './tar.js';

/** One entry of a bundle, in archive order. */
export type BundleEntry =
  | {
      /** Normalised path (no trailing `/`), UTF-8 decoded (U+FFFD for non-UTF-8 bytes). */
      readonly path: string;
      readonly type: 'file';
      /** Size in bytes. */
      readonly size: number;
      /** Lowercase hex SHA-256 of the file's content. */
      readonly sha256Hex: string;
      /** Mode bits of the tar header (0o7777: permissions, setuid, setgid, sticky). */
      readonly mode: number;
    }
  | {
      readonly path: string;
      readonly type: 'dir';
      readonly mode: number;
      /** Always 0: a directory has no data. */
      readonly size: 0;
      /** Always `null`: a directory has no content to hash. */
      readonly sha256Hex: null;
    };

/** Result of {@link inspectBundle}. */
export type BundleInspection =
  | {
      readonly ok: true;
      /** Explicit entries in archive order (implicit parent directories are not listed). */
      readonly entries: readonly BundleEntry[];
      /** Number of regular files. */
      readonly files: number;
      /** Sum of file sizes (what the server checks against `maxExpandedBytes`). */
      readonly expandedBytes: number;
      /** Size of the compressed bundle (the artifact). */
      readonly compressedBytes: number;
      /** Lowercase hex SHA-256 of the compressed bundle: the manifest's `bundle.digest_sha256`. */
      readonly digestSha256Hex: string;
      /** What the server accepts but an install policy may refuse (see {@link StricterFindings}). */
      readonly stricter: StricterFindings;
    }
  | {
      readonly ok: false;
      readonly code: 'BUNDLE_INVALID' | 'BUNDLE_TOO_LARGE';
      /** The server's exact message where it has one (interop §D.6), else a clear one of ours. */
      readonly message: string;
    };

/**
 * Facts about a bundle the server accepts but that are hazards elsewhere —
 * the install policy refuses them by default (`archive` rules,
 * docs/INSTALL-POLICY.md), "stricter than the server":
 */
export interface StricterFindings {
  /** Entries whose mode has setuid (0o4000), setgid (0o2000) or sticky (0o1000) bits. */
  readonly setIdEntries: readonly { readonly path: string; readonly mode: number }[];
  /**
   * Pairs of paths that are one path on a case-insensitive, normalisation-
   * insensitive filesystem (macOS, Windows): `Plugin` / `plugin`, `BIN/x` / `bin/x`.
   */
  readonly caseCollisions: readonly (readonly [string, string])[];
  /** Bytes after the tar end-of-archive marker that were read (at most {@link TRAILING_INSPECT_CAP} + 1). */
  readonly trailingBytes: number;
  /** Of those, the bytes that are not zero (zero padding to the record size is normal). */
  readonly trailingNonZeroBytes: number;
}

/** How many bytes after the end-of-archive marker are read (tar pads to 10 KiB records; anything past 1 MiB is suspect by itself). */
export const TRAILING_INSPECT_CAP = 1024 * 1024;

/** Options of {@link inspectBundle}. */
export interface InspectBundleOptions {
  /** Limits to override; the defaults are the server's (`DEFAULT_BUNDLE_LIMITS`). */
  readonly limits?: Partial<BundleLimits>;
  /**
   * The manifest's runtime entrypoint for the platform the server runs on
   * (`runtime.entrypoints["<goos>/<goarch>"]`, §D.2). When given, it must be
   * a regular file of the bundle (§D.6 step 5).
   */
  readonly runtimeEntrypoint?: string;
  /** The manifest's `ui_runtime.entrypoint`, when `ui_runtime` is set (§D.6 step 5). */
  readonly uiEntrypoint?: string;
  /**
   * The entrypoints declared later, instead of the two above: the inspection
   * starts before the manifest is known (the installer starts the download
   * while step 4 checks the manifest) and awaits this only at §D.6 step 5,
   * after the last entry. A rejection ends the inspection with that error.
   */
  readonly declaredEntrypoints?: PromiseLike<DeclaredEntrypoints>;
  /**
   * Called once for each chunk of an iterable source that the inspection no
   * longer reads (copied into its own buffer, or consumed by the
   * decompressor), with the chunk as it came: its memory may then be reused
   * (the installer releases it to the fetcher). Chunks still held when the
   * inspection stops early are not reported.
   */
  readonly consumed?: (chunk: Uint8Array) => void;
}

/** The entrypoints §D.6 step 5 checks. */
export interface DeclaredEntrypoints {
  readonly runtimeEntrypoint?: string;
  readonly uiEntrypoint?: string;
}

type Failure = Extract<BundleInspection, { ok: false }>;
type Inventory = Omit<Extract<BundleInspection, { ok: true }>, 'compressedBytes' | 'digestSha256Hex' | 'stricter'> & {
  readonly stricter: Omit<StricterFindings, 'trailingBytes' | 'trailingNonZeroBytes'>;
};

/** A rule failed: carries the result out of the entry loop. */
class BundleRuleFailure extends Error {
  readonly failure: Failure;
  constructor(code: Failure['code'], message: string) {
    super(message);
    this.failure = { ok: false, code, message };
  }
}

/** The gunzip stream failed (corrupt or truncated gzip). */
class GzipFailure extends Error {}

/** The compressed input crossed `maxCompressedBytes` (streaming input). */
class CompressedTooLarge extends Error {}

/**
 * Applies the server's v2 bundle rules (interop §D.6) to a `.tar.gz`.
 * (`src/io/bundle.ts` `inspectBundle` is this with Node's zlib.)
 *
 * @param codec - the gzip codec (see ./codec.ts)
 * @param source - the compressed bundle: all its bytes, or an async iterable
 *   of chunks (e.g. a file or network stream); a stream is consumed to its
 *   end (counted and hashed, at most `maxCompressedBytes`), but decompressed
 *   only up to the end-of-archive marker or the first failure
 * @param opts - limits and the declared entrypoints
 * @returns the inventory, or the first rule the bundle breaks
 * @throws {TypeError} if `source` is neither bytes nor an async iterable, an
 *   entrypoint is not a string, or a limit is invalid (caller bugs)
 * @throws whatever the caller's source iterator throws
 * @example
 * ```ts
 * const r = await inspectBundleWith(nodeBundleCodec, bytes, { runtimeEntrypoint: 'bin/linux-amd64/plugin', uiEntrypoint: 'ui/index.html' });
 * if (!r.ok) console.error(r.code, r.message); // e.g. BUNDLE_INVALID bundle entry type 50 is not allowed for "bin/x"
 * ```
 */
export async function inspectBundleWith(
  codec: BundleCodec,
  source: Uint8Array | AsyncIterable<Uint8Array>,
  opts: InspectBundleOptions = {},
): Promise<BundleInspection> {
  return inspectCore(codec, source, opts, true);
}

/** Result of {@link checkBundleRulesWith}: the verdict of {@link inspectBundleWith} without any content hash. */
export type BundleRulesResult =
  | {
      readonly ok: true;
      /** Number of regular files. */
      readonly files: number;
      /** Sum of file sizes. */
      readonly expandedBytes: number;
      /** Size of the compressed bundle. */
      readonly compressedBytes: number;
      readonly stricter: StricterFindings;
    }
  | Failure;

/**
 * The same rules, order, codes and messages as {@link inspectBundleWith},
 * without hashing anything (no bundle digest, no per-file SHA-256): for a
 * caller that hashes the compressed bytes itself while it streams them (the
 * installer's single pass: hash, spool and inspect at once, DESIGN §5 step
 * 5). Safe on hostile bytes in the same way — bounded, never throws for
 * the bundle's content.
 *
 * @param codec - the gzip codec.
 * @param source - the compressed bundle (bytes or chunks; a stream is consumed to its end).
 * @param opts - limits and the declared entrypoints.
 * @returns the verdict with counts and the stricter findings.
 * @throws the same caller bugs as {@link inspectBundleWith}, and whatever the source iterator throws.
 * @example
 * ```ts
 * const r = await checkBundleRulesWith(nodeBundleCodec, chunks, { runtimeEntrypoint: 'bin/linux-amd64/plugin' });
 * ```
 */
export async function checkBundleRulesWith(
  codec: BundleCodec,
  source: Uint8Array | AsyncIterable<Uint8Array>,
  opts: InspectBundleOptions = {},
): Promise<BundleRulesResult> {
  const r = await inspectCore(codec, source, opts, false);
  if (!r.ok) return r;
  return { ok: true, files: r.files, expandedBytes: r.expandedBytes, compressedBytes: r.compressedBytes, stricter: r.stricter };
}

async function inspectCore(
  codec: BundleCodec,
  source: Uint8Array | AsyncIterable<Uint8Array>,
  opts: InspectBundleOptions,
  hashing: boolean,
): Promise<BundleInspection> {
  const limits = resolveBundleLimits(opts.limits);
  checkEntrypointTypes(opts);
  const digest = hashing ? createSha256() : undefined;
  let compressedBytes = 0;
  const gunzip = codec.gunzip();
  // Errors are observed through the async iterator below; this listener only
  // keeps a late error (after we stopped reading) from being "unhandled".
  gunzip.on('error', () => {});

  let pump: Promise<void> = Promise.resolve();
  let compressedExceeded = false;
  let sourceFailed = false;
  let sourceError: unknown;
  let stopped = false;

  if (isBytes(source)) {
    // §D.6 step 1: compressed size, before anything else.
    if (source.length > limits.maxCompressedBytes) {
      gunzip.destroy();
      return compressedTooLarge(source.length, limits);
    }
    compressedBytes = source.length;
    digest?.update(source);
    gunzip.end(source);
  } else if (source !== null && typeof source === 'object' && Symbol.asyncIterator in source) {
    const iter = source[Symbol.asyncIterator]();
    const batch = new InputBatch(GUNZIP_INPUT_BATCH, GUNZIP_PASS_THROUGH);
    const consumed = opts.consumed;
    pump = (async () => {
      try {
        for (;;) {
          const r = await iter.next();
          if (r.done) break;
          const chunk = r.value;
          if (!isBytes(chunk)) throw new TypeError('inspectBundle: source chunks must be Uint8Array');
          compressedBytes += chunk.length;
          // §D.6 step 1, enforced while reading (the server reads the whole
          // artifact first, so this limit wins over any later finding).
          if (compressedBytes > limits.maxCompressedBytes) {
            compressedExceeded = true;
            gunzip.destroy(new CompressedTooLarge());
            await iter.return?.();
            return;
          }
          digest?.update(chunk);
          if (stopped || gunzip.destroyed) {
            batch.drop(); // draining: count and hash only
            consumed?.(chunk);
            continue;
          }
          const writes = batch.add(chunk);
          if (writes[writes.length - 1] !== chunk) consumed?.(chunk); // copied into a gathered buffer
          for (const ready of writes) {
            if (stopped || gunzip.destroyed) break;
            // A gathered buffer is reused, and a chunk passed through is released, once the
            // decompressor has consumed it (its write callback without an error).
            const more = gunzip.write(ready, (err?: Error | null) => {
              if (err != null) return;
              if (ready === chunk) consumed?.(chunk);
              else batch.release(ready);
            });
            if (!more) await drainedOrClosed(gunzip);
          }
        }
        const last = batch.take();
        if (!stopped && !gunzip.destroyed) {
          if (last !== undefined) gunzip.write(last);
          gunzip.end();
        }
      } catch (err) {
        sourceFailed = true;
        sourceError = err;
        gunzip.destroy(new GzipFailure('source failed'));
      }
    })();
  } else {
    throw new TypeError('inspectBundle: source must be a Uint8Array or an AsyncIterable<Uint8Array>');
  }

  const decompressed = gunzip[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const chunks: AsyncIterator<Uint8Array> = {
    async next() {
      try {
        return await decompressed.next();
      } catch (err) {
        throw new GzipFailure(err instanceof Error ? err.message : String(err));
      }
    },
  };

  let outcome: Inventory | Failure;
  let trailing = { bytes: 0, nonZero: 0 };
  try {
    const reader = new ChunkReader(chunks);
    outcome = await readBundle(new TarReader(reader, limits), limits, opts, hashing);
    // Stricter than the server (which stops at the marker): what follows it.
    trailing = await readTrailing(reader);
  } catch (err) {
    if (err instanceof BundleRuleFailure) outcome = err.failure;
    else if (err instanceof TarFormatError) {
      outcome = {
        ok: false,
        code: err.kind === 'metadata-limit' ? 'BUNDLE_TOO_LARGE' : 'BUNDLE_INVALID',
        message: err.message,
      };
    } else if (err instanceof GzipFailure) {
      outcome = { ok: false, code: 'BUNDLE_INVALID', message: `bundle gzip stream is invalid: ${err.message}` };
    } else {
      throw err;
    }
  } finally {
    // §D.6 step 6 and boundedness: stop decompressing now.
    stopped = true;
    gunzip.destroy();
    await decompressed.return?.().catch(() => {});
  }

  await pump;
  if (sourceFailed) throw sourceError;
  if (compressedExceeded) return compressedTooLarge(compressedBytes, limits);
  if (!outcome.ok) return outcome;
  return {
    ...outcome,
    compressedBytes,
    digestSha256Hex: digest?.digestHex() ?? '',
    stricter: { ...outcome.stricter, trailingBytes: trailing.bytes, trailingNonZeroBytes: trailing.nonZero },
  };
}

/**
 * Size of the decompressor's input writes when the source yields smaller
 * chunks (a socket yields 16–64 KiB): each write to a zlib stream is one
 * trip to the thread pool, and 64 KiB writes made inflating a stored 64 MiB
 * bundle about 2.5× the CPU time of 1 MiB writes (measured alone, same
 * machine, same run; the install bench shows the effect end to end).
 */
const GUNZIP_INPUT_BATCH = 1024 * 1024;
/**
 * A chunk at least this large is written as it is (after what was gathered
 * before it): the fetcher's chunks are views of 1 MiB read slabs, mostly a
 * little under 1 MiB, and copying each into a fresh batch cost more than
 * the write it saved (measured with 960 KiB chunks of a stored 64 MiB
 * bundle, same run, median of 3: ~50 → ~43 ms of CPU through the install's
 * chunk channel, ~95 → ~77 ms read directly).
 */
const GUNZIP_PASS_THROUGH = 256 * 1024;

/**
 * Gathers small chunks into writes of `size` bytes. The chunks are copied
 * into a buffer of a small pool: the decompressor keeps a write until it has
 * consumed it, so a buffer goes back to the pool only through
 * {@link InputBatch.release} from the write's callback (fresh buffers on
 * every write cost page faults and garbage collection: about 0.2 s of CPU
 * per 64 MiB). A chunk of `passThrough` bytes or more passes through
 * uncopied, after what was gathered before it.
 */
class InputBatch {
  private buf: Uint8Array | undefined;
  private used = 0;
  private readonly free: Uint8Array[] = [];
  /** The memory of the batch buffers this pool made (a write may be a view of part of one). */
  private readonly owned = new WeakSet<ArrayBufferLike>();

  constructor(
    private readonly size: number,
    private readonly passThrough: number = size,
  ) {}

  /** Add a chunk; returns the writes that are ready, in order (usually none). */
  add(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (chunk.length >= this.passThrough) {
      const gathered = this.take();
      if (gathered !== undefined) out.push(gathered);
      out.push(chunk);
      return out;
    }
    let off = 0;
    while (off < chunk.length) {
      this.buf ??= this.fresh();
      const n = Math.min(chunk.length - off, this.size - this.used);
      this.buf.set(chunk.subarray(off, off + n), this.used);
      this.used += n;
      off += n;
      if (this.used === this.size) {
        out.push(this.buf);
        this.buf = undefined;
        this.used = 0;
      }
    }
    return out;
  }

  /**
   * A write returned by {@link add} or {@link take} was consumed: its buffer
   * (if it is one of ours, whole or the part that was filled) may be refilled.
   */
  release(write: Uint8Array): void {
    if (this.owned.has(write.buffer) && this.free.length < 4) this.free.push(new Uint8Array(write.buffer));
  }

  /** What is gathered (a write, usually shorter than a batch), or undefined. */
  take(): Uint8Array | undefined {
    if (this.used === 0) return undefined;
    const out = this.buf!.subarray(0, this.used);
    this.buf = undefined;
    this.used = 0;
    return out;
  }

  /** Forget what is gathered (the decompressor stopped). */
  drop(): void {
    this.buf = undefined;
    this.used = 0;
  }

  private fresh(): Uint8Array {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    const b = new Uint8Array(this.size);
    this.owned.add(b.buffer);
    return b;
  }
}

/** Read what follows the end-of-archive marker, up to {@link TRAILING_INSPECT_CAP} + 1 bytes. */
async function readTrailing(reader: ChunkReader): Promise<{ bytes: number; nonZero: number }> {
  const buf = new Uint8Array(64 * 1024);
  let bytes = 0;
  let nonZero = 0;
  while (bytes <= TRAILING_INSPECT_CAP) {
    const n = await reader.readInto(buf.subarray(0, Math.min(buf.length, TRAILING_INSPECT_CAP + 1 - bytes)));
    if (n === 0) break;
    for (let i = 0; i < n; i++) if (buf[i] !== 0) nonZero++;
    bytes += n;
  }
  return { bytes, nonZero };
}

/** The key two paths share when a case-insensitive, normalisation-insensitive filesystem sees them as one. */
function foldedPath(path: string): string {
  return path.normalize('NFD').toLowerCase().toUpperCase().toLowerCase().normalize('NFC');
}

/** A `Uint8Array` (also a Buffer, or one from another realm). */
function isBytes(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) && value.constructor.name === 'Uint8Array' && (value as Uint8Array).BYTES_PER_ELEMENT === 1)
  );
}

function compressedTooLarge(size: number, limits: BundleLimits): Failure {
  return {
    ok: false,
    code: 'BUNDLE_TOO_LARGE',
    message: `bundle compressed size ${size} exceeds limit ${limits.maxCompressedBytes}`,
  };
}

/** The entrypoints are strings (a caller bug otherwise). */
function checkEntrypointTypes(e: DeclaredEntrypoints): void {
  for (const key of ['runtimeEntrypoint', 'uiEntrypoint'] as const) {
    if (e[key] !== undefined && typeof e[key] !== 'string') {
      throw new TypeError(`inspectBundle: ${key} must be a string`);
    }
  }
}

/** The per-header loop of §D.6 step 4, then step 5. */
async function readBundle(
  tar: TarReader,
  limits: BundleLimits,
  opts: InspectBundleOptions,
  hashing: boolean,
): Promise<Inventory> {
  const fail = (code: Failure['code'], message: string): never => {
    throw new BundleRuleFailure(code, message);
  };
  const entries: BundleEntry[] = [];
  /** Explicit entries by normalised path (implicit parents are not entries). */
  const kinds = new Map<ByteString, 'file' | 'dir'>();
  /** Each ancestor directory → the first entry found below it. */
  const firstBelow = new Map<ByteString, ByteString>();
  let count = 0;
  let files = 0;
  let expandedBytes = 0;
  const setIdEntries: { path: string; mode: number }[] = [];
  const folded = new Map<string, string>();
  const caseCollisions: [string, string][] = [];

  for (;;) {
    const hdr = await tar.next();
    if (hdr === null) break;

    // §D.6 step 4: entry type ('\0' already promoted to '0' or '5' by the reader, as in Go).
    if (hdr.typeflag !== TYPE.DIR && hdr.typeflag !== TYPE.REG && hdr.typeflag !== TYPE.REGA) {
      fail('BUNDLE_INVALID', `bundle entry type ${hdr.typeflag} is not allowed for ${quoteByteString(hdr.name)}`);
    }
    const isDir = hdr.typeflag === TYPE.DIR;

    // §D.6 step 4: entry count, directories included.
    count++;
    if (count > limits.maxFiles) fail('BUNDLE_TOO_LARGE', `bundle file count exceeds limit ${limits.maxFiles}`);

    // §D.6 step 4: name normalisation, length, depth.
    const norm = normalizeEntryName(hdr.name, isDir, limits);
    if (!norm.ok) fail('BUNDLE_INVALID', norm.message);
    const path = (norm as { path: ByteString }).path;

    // §D.6 step 4: duplicates, file parents, a file above an earlier entry.
    if (kinds.has(path)) fail('BUNDLE_INVALID', `bundle contains duplicate path ${quoteByteString(path)}`);
    const ancestors = ancestorsOf(path);
    for (const a of ancestors) {
      if (kinds.get(a) === 'file') {
        fail('BUNDLE_INVALID', `bundle path ${quoteByteString(path)} has file parent ${quoteByteString(a)}`);
      }
    }
    const below = firstBelow.get(path);
    if (!isDir && below !== undefined) {
      fail('BUNDLE_INVALID', `bundle file path ${quoteByteString(path)} is parent of ${quoteByteString(below)}`);
    }

    const mode = Number(hdr.mode & 0o7777n);
    let entry: BundleEntry;
    if (isDir) {
      entry = { path: byteStringToText(path), type: 'dir', size: 0, sha256Hex: null, mode };
    } else {
      // §D.6 step 4: file size and running total, from the header, before any data is read.
      if (hdr.size < 0n || hdr.size > BigInt(limits.maxFileBytes)) {
        fail(
          'BUNDLE_TOO_LARGE',
          `bundle file size ${hdr.size} exceeds limit ${limits.maxFileBytes} for ${quoteByteString(path)}`,
        );
      }
      const size = Number(hdr.size);
      expandedBytes += size;
      if (expandedBytes > limits.maxExpandedBytes) {
        fail('BUNDLE_TOO_LARGE', `bundle expanded size exceeds limit ${limits.maxExpandedBytes}`);
      }
      let sha256Hex = '';
      if (hashing) {
        const h = createSha256();
        await tar.readData((piece) => h.update(piece));
        sha256Hex = h.digestHex();
      } else {
        await tar.readData(() => {});
      }
      entry = { path: byteStringToText(path), type: 'file', size, sha256Hex, mode };
      files++;
    }
    kinds.set(path, entry.type);
    for (const a of ancestors) if (!firstBelow.has(a)) firstBelow.set(a, path);
    entries.push(entry);
    // Stricter than the server: facts the install policy may refuse.
    if ((mode & 0o7000) !== 0) setIdEntries.push({ path: entry.path, mode });
    // The entry and its (possibly implicit) parent directories: `BIN/x` and `bin/y` share a directory there.
    for (const p of [...ancestors.map(byteStringToText), entry.path]) {
      const key = foldedPath(p);
      const other = folded.get(key);
      if (other === undefined) folded.set(key, p);
      else if (other !== p && !caseCollisions.some(([a, b]) => a === other && b === p)) caseCollisions.push([other, p]);
    }
  }

  // §D.6 step 5: declared entrypoints must be files of the bundle.
  const declared: DeclaredEntrypoints = opts.declaredEntrypoints !== undefined ? await opts.declaredEntrypoints : opts;
  checkEntrypointTypes(declared);
  if (declared.runtimeEntrypoint !== undefined && kinds.get(textToByteString(declared.runtimeEntrypoint)) !== 'file') {
    fail('BUNDLE_INVALID', `declared runtime entrypoint ${goQuote(declared.runtimeEntrypoint)} is missing from bundle`);
  }
  if (declared.uiEntrypoint !== undefined && kinds.get(textToByteString(declared.uiEntrypoint)) !== 'file') {
    fail('BUNDLE_INVALID', `declared ui entrypoint ${goQuote(declared.uiEntrypoint)} is missing from bundle`);
  }
  return { ok: true, entries, files, expandedBytes, stricter: { setIdEntries, caseCollisions } };
}

/** `a`, `a/b` for `a/b/c` (proper ancestors, shallowest first). */
function ancestorsOf(path: ByteString): ByteString[] {
  const out: ByteString[] = [];
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}
