/**
 * `@latticenet/plugin-index` — everything a Lattice server or an operator's
 * tool needs to verify an install candidate end to end: index verification,
 * manifest decoding and verification, bundle inspection, the install policy
 * and the install pipeline. Importing it pulls in no Astro, yargs or
 * fast-glob (a test checks this).
 *
 * Narrower entry points: `./core` (pure rules, browser-safe), `./crypto`
 * (Go-compatible Ed25519, SHA-256), `./index-signing`, `./manifest`,
 * `./bundle`, `./install`, and `./node` (Node IO: fetcher, placement).
 * @module
 */
export * from './domain/index/index.js';
export * from './domain/manifest/index.js';
export {
  inspectBundle,
  inspectBundleWith,
  nodeBundleCodec,
  packBundleEntries,
  packBundleEntriesWith,
  packBundleTar,
  isRuntimeBinaryPath,
  DEFAULT_BUNDLE_LIMITS,
  resolveBundleLimits,
  normalizeEntryName,
} from './io/bundle.js';
export type { BundleCodec, BundleEntry, BundleInspection, InspectBundleOptions, BundleSourceEntry, PackBundleOptions, BundleLimits } from './domain/bundle/index.js';
export * from './domain/install/index.js';
export { VerificationError, PolicyError, InputError, ERROR_CODES, isErrorCode } from './core/errors.js';
export type { ErrorCode } from './core/errors.js';
