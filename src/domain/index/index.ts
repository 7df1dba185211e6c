/**
 * The signed index (DESIGN §4.1, §5 step 1): signing payload, signing,
 * verification with trusted keys and threshold, rollback state, publisher key
 * rotation and revocations. Pure and synchronous; everything but `signIndex`
 * is browser-safe.
 *
 * @module
 */
export { INDEX_SIGNING_PREFIX, indexPayloadSha256, indexSigningPayload } from './payload.js';
export { DEFAULT_INDEX_MAX_BYTES, maxSignatureChecks, verifyIndex } from './verify.js';
export type { IndexSigner, VerifiedIndex, VerifyIndexOptions, VerifyIndexResult, VerifyStep } from './verify.js';
export { indexTrustFromKeys, indexTrustFromPolicy, resolveIndexTrust, MAX_TRUST_LABEL_LENGTH } from './trust.js';
export type { IndexTrust, ResolvedTrustedKey, TrustedIndexKey } from './trust.js';
export {
  INDEX_STATE_SCHEMA,
  MAX_INDEX_STATE_BYTES,
  checkRollback,
  indexStateProblem,
  nextIndexState,
  parseIndexState,
  serializeIndexState,
} from './state.js';
export type { IndexState, IndexStateDocument, IndexStateParseResult } from './state.js';
export {
  KEY_ROTATION_PREFIX,
  publisherKeyAt,
  publisherKeyForRelease,
  rotatePublisherKey,
  rotationStatementPayload,
  validatePublisherEntry,
  verifyPublisherKeyHistory,
} from './rotation.js';
export type { KeyHistoryResult, RotatePublisherKeyOptions, RotationStatement } from './rotation.js';
export {
  addRevocation,
  normalizeRevocations,
  revocationStatus,
  revokedKeyEntry,
  validateRevocationList,
} from './revocation.js';
export type { NewRevocation, NormalizedRevocations, RevocationMatch, RevocationQuery, RevocationStatus } from './revocation.js';
export { signIndex } from './sign.js';
export type { OtherSignature, SignIndexOptions, SignIndexResult } from './sign.js';
