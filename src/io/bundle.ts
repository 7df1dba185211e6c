/**
 * Bundles on Node: the domain's bundle inspector and packer bound to Node's
 * zlib (the domain layer takes the codec as a parameter and imports no
 * `node:` module). This is the `./bundle` entry point of the package.
 *
 * @module
 */
import { createGunzip, gzipSync } from 'node:zlib';
import type { BundleCodec, GunzipStream } from '../domain/bundle/codec.js';
import { inspectBundleWith, type BundleInspection, type InspectBundleOptions } from '../domain/bundle/inspect.js';
import { packBundleEntriesWith, type BundleSourceEntry, type PackBundleOptions } from '../domain/bundle/pack.js';

export * from '../domain/bundle/index.js';

/** Node's zlib as a {@link BundleCodec}: 64 KiB gunzip chunks (bounded memory), gzip level 9. */
export const nodeBundleCodec: BundleCodec = Object.freeze({
  gunzip: (): GunzipStream => createGunzip({ chunkSize: 64 * 1024 }) as unknown as GunzipStream,
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
