/**
 * `@latticenet/plugin-index/node` — the Node IO layer a server uses around
 * the pure verifiers: the HTTPS fetcher with byte caps, timeouts and address
 * checks, atomic plugin placement, the audit log, rollback state and keys.
 * @module
 */
export * from './io/fetch.js';
export * from './io/placement.js';
export * from './io/audit-log.js';
export * from './io/index-state.js';
export * from './io/keys.js';
export * from './io/install.js';
export * from './io/repository-dir.js';
export * from './io/repository-transport.js';
export * from './io/mirror.js';
export * from './io/export.js';
export { createTufJsFetcher } from './io/tuf-js-fetcher.js';
export { nodeTufVerifier } from './io/tuf-verifier.js';
export { readFileBounded, writeFileAtomic } from './io/files.js';
export { createSha256Node, verifyEd25519Node } from './crypto/node.js';
