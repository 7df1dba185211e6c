/**
 * Bundles on Node: the domain's bundle inspector and packer bound to Node's
 * zlib (the domain layer takes the codec as a parameter and imports no
 * `node:` module). This is the `./bundle` entry point of the package.
 *
 * @module
 */
import { createGunzip, gzipSync, type ZlibOptions } from 'node:zlib';
import type { BundleCodec, GunzipStream } from '../domain/bundle/codec.js';
import { inspectBundleWith, type BundleInspection, type InspectBundleOptions } from '../domain/bundle/inspect.js';
import { packBundleEntriesWith, type BundleSourceEntry, type PackBundleOptions } from '../domain/bundle/pack.js';

export * from '../domain/bundle/index.js';

const GUNZIP_CHUNK_BYTES = 1024 * 1024;
const GUNZIP_OPTIONS = { chunkSize: GUNZIP_CHUNK_BYTES, writableHighWaterMark: 1024 * 1024, readableHighWaterMark: 1024 * 1024 } as ZlibOptions;
/** Output buffers one gunzip keeps for reuse (its 1 MiB read-ahead holds one or two). */
const MAX_FREE_OUTPUT_BUFFERS = 8;

/**
 * Node's zlib as a {@link BundleCodec}: 1 MiB gunzip chunks with 1 MiB
 * stream buffers (bounded memory; 64 KiB chunks and the default 16 KiB
 * buffers made inflating a stored 64 MiB bundle 2–3× slower), output
 * buffers reused ({@link recyclingGunzip}), gzip level 9.
 */
export const nodeBundleCodec: BundleCodec = Object.freeze({
  gunzip: (): GunzipStream => recyclingGunzip(),
  gzip: (data: Uint8Array): Uint8Array => gzipSync(data, { level: 9 }),
});

/**
 * A gunzip stream that writes its output into buffers it reuses.
 *
 * Node's zlib stream writes output into a buffer of `chunkSize` bytes, hands
 * out views of it, and takes a fresh `Buffer.allocUnsafe` buffer each time
 * one is full. Fresh memory costs a page fault per page on first touch; on
 * the virtual machine this was measured on (Firecracker, 2 cores) copying
 * 64 MiB into fresh memory took ~250 ms against ~4 ms into warm memory, and
 * inflating a stored 64 MiB bundle took ~340 ms of CPU with fresh buffers
 * against ~65 ms with reused ones (same machine, same run).
 *
 * The stream keeps its current buffer in its `_outBuffer` property (Node's
 * own field, not API). When that is a data property holding a buffer of
 * `chunkSize` bytes, it becomes an accessor: a fresh buffer the stream
 * takes is swapped for a released one. A buffer is released when the
 * consumer asks for a chunk of another buffer: every chunk of the earlier
 * one has been handed out by then (the stream fills its buffers in order)
 * and, by {@link GunzipStream}'s contract, none is read any more. On a Node
 * whose stream differs the property is left alone: the same output, slower.
 */
function recyclingGunzip(): GunzipStream {
  // zlib streams pass the stream options on to their Transform (the typings only list zlib's own).
  const g = createGunzip(GUNZIP_OPTIONS);
  const stream = g as unknown as GunzipStream;
  const own = Object.getOwnPropertyDescriptor(g, '_outBuffer');
  if (own === undefined || !own.writable || !Buffer.isBuffer(own.value) || own.value.length !== GUNZIP_CHUNK_BYTES) return stream;
  let current: Buffer = own.value;
  const free: Buffer[] = [];
  /** The buffers the stream wrote into whose chunks are not all done, by their memory. */
  const filled = new Map<ArrayBufferLike, Buffer>([[current.buffer, current]]);
  Object.defineProperty(g, '_outBuffer', {
    configurable: true,
    enumerable: own.enumerable ?? true,
    get: () => current,
    set: (fresh: Buffer) => {
      current = free.pop() ?? fresh;
      filled.set(current.buffer, current);
    },
  });
  const streamIterator = Object.getPrototypeOf(g)[Symbol.asyncIterator] as () => AsyncIterator<Uint8Array>;
  let chunks: AsyncIterator<Uint8Array> | undefined;
  let handedOut: ArrayBufferLike | undefined;
  const iterator: AsyncIterator<Uint8Array> = {
    async next() {
      chunks ??= streamIterator.call(g);
      const r = await chunks.next();
      if (r.done !== true) {
        const memory = r.value.buffer;
        if (handedOut !== undefined && memory !== handedOut) {
          const done = filled.get(handedOut);
          filled.delete(handedOut);
          if (done !== undefined && done !== current && done.length === GUNZIP_CHUNK_BYTES && free.length < MAX_FREE_OUTPUT_BUFFERS) free.push(done);
        }
        handedOut = memory;
      }
      return r;
    },
    return: (value?: unknown) => chunks?.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
  };
  Object.defineProperty(g, Symbol.asyncIterator, { configurable: true, value: () => iterator });
  return stream;
}

/**
 * The server's v2 bundle rules (interop §D.6) on a `.tar.gz`, with Node's zlib.
 * See `inspectBundleWith` in src/domain/bundle/inspect.ts.
 *
 * @example
 * ```ts
 * const r = await inspectBundle(bytes, { runtimeEntrypoint: 'bin/linux-amd64/plugin' });
 * ```
 */
export function inspectBundle(source: Uint8Array | AsyncIterable<Uint8Array>, opts: InspectBundleOptions = {}): Promise<BundleInspection> {
  return inspectBundleWith(nodeBundleCodec, source, opts);
}

/**
 * The deterministic packer (interop §D.6) with Node's zlib.
 * See `packBundleEntriesWith` in src/domain/bundle/pack.ts.
 */
export function packBundleEntries(entries: readonly BundleSourceEntry[], opts: PackBundleOptions = {}): Uint8Array {
  return packBundleEntriesWith(nodeBundleCodec, entries, opts);
}
