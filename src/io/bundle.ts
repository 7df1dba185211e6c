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

const GUNZIP_OPTIONS = { chunkSize: 256 * 1024, writableHighWaterMark: 1024 * 1024, readableHighWaterMark: 1024 * 1024 } as ZlibOptions;

/** Node's zlib as a {@link BundleCodec}: 256 KiB gunzip chunks with 1 MiB stream buffers (bounded memory; 64 KiB chunks and the default 16 KiB buffers made inflating a stored 64 MiB bundle 2–3× slower), gzip level 9. */
export const nodeBundleCodec: BundleCodec = Object.freeze({
  // zlib streams pass the stream options on to their Transform (the typings only list zlib's own).
  gunzip: (): GunzipStream => createGunzip(GUNZIP_OPTIONS) as unknown as GunzipStream,
  gzip: (data: Uint8Array): Uint8Array => gzipSync(data, { level: 9 }),
});

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
