/**
 * Lattice v2 plugin bundles (`tar+gzip`, interop §D.6): inspection with the
 * server's exact rules and messages, and the deterministic packer.
 *
 * @module
 */
export { inspectBundleWith } from './inspect.js';
export { TRAILING_INSPECT_CAP } from './inspect.js';
export type { BundleEntry, BundleInspection, InspectBundleOptions, StricterFindings } from './inspect.js';
export { isRuntimeBinaryPath, packBundleEntriesWith, packBundleTar } from './pack.js';
export { drainedOrClosed } from './codec.js';
export type { BundleCodec, GunzipStream } from './codec.js';
export type { BundleSourceEntry, PackBundleOptions } from './pack.js';
export { DEFAULT_BUNDLE_LIMITS, resolveBundleLimits } from './limits.js';
export type { BundleLimits } from './limits.js';
export { goPathClean, normalizeEntryName } from './entry-path.js';
export type { EntryPathResult } from './entry-path.js';
