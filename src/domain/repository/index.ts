/**
 * Repository v2 (DESIGN §4.4): the plugin index as a TUF repository — the
 * metadata model, keys and thresholds, the trusted set and client workflow,
 * the writer, the Lattice targets, the install source, the offline bundle
 * and the auditor. Pure: the IO lives in `@latticenet/plugin-index/node`.
 *
 * @module
 */
export { canonicalBytes, formatTufTime, isTufTime, metadataFileBytes, parseMetadata, SPEC_VERSION, TOP_LEVEL_ROLES } from './model.js';
export type { Delegations, DelegatedRole, MetaFileInfo, Metadata, RootSigned, SnapshotSigned, SuccinctRoles, TargetInfo, TargetsSigned, TimestampSigned, TufKey, TufSignature } from './model.js';
export { ed25519Signer, ed25519Verifier, signMetadata, tufEd25519Key, tufKeyId, verifyThreshold } from './keys.js';
export type { MetadataSigner, SignatureVerifier } from './keys.js';
export { binForTarget, binName, isBinName, pathMatches, rolesForTarget } from './delegation.js';
export { checkLengthAndHashes, TrustedMetadataSet } from './trusted-set.js';
export { DEFAULT_CLIENT_LIMITS, quoteRoleName, RepositoryClient, targetFilePath } from './client.js';
export type { ClientResult, RefreshSummary, RepositoryClientLimits, RepositoryClientOptions, RepositoryStep, RepositoryTransport, TargetCache, TrustedMetadataStore } from './client.js';
export { BIN_PREFIX, binBitsFor, DEFAULT_EXPIRY_DAYS, initRepository, rotateRoot, targetEntry, targetStoragePath, writeRepository } from './writer.js';
export type { ExpiryDays, OnlineSigners, RepositoryState, WritePlan } from './writer.js';
export { manifestTargetPath, parsePluginTarget, PLUGIN_TARGET_SCHEMA, pluginTargetBytes, pluginTargetPath, publisherTargetPath, repositoryTargets, REVOCATIONS_TARGET, revocationsForPlugin, verifiedIndexFromTargets } from './lattice.js';
export type { PluginTarget, RepositoryContent } from './lattice.js';
export { loadRepositoryPlugins, openPinnedClient, PIN_MARKER, repositoryIndexSource } from './install-source.js';
export type { RootPin } from './install-source.js';
export { offlineBundleTransport, OFFLINE_BUNDLE_SCHEMA, packOfflineBundle, readOfflineBundle } from './bundle.js';
export type { OfflineBundle } from './bundle.js';
export { auditRepository } from './audit.js';
export type { AuditReport } from './audit.js';
