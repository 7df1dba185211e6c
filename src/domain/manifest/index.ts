/**
 * Lattice plugin manifests (interop §A–§C, §I): typed model, strict decoder,
 * server-parity validation, byte-exact signing payloads, the server's
 * verifier and trust policy file, and index ↔ manifest consistency.
 *
 * @module
 */
export {
  BUNDLE_FORMAT_TAR_GZIP,
  MANIFEST_SCHEMA_V2,
  PLUGIN_TYPES,
  cloneManifest,
  effectiveMethods,
  emptyManifest,
  isManifestV2,
  manifestArtifactDigest,
} from './model.js';
export type {
  BundleSpec,
  CompatibilitySpec,
  DependencySpec,
  HostAccessSpec,
  InterfaceContract,
  InterfaceMethod,
  InvokeBudgetSpec,
  Manifest,
  ManifestUI,
  NavContribution,
  PluginType,
  RPCDependency,
  RuntimeSpec,
  StringMethodsContract,
  TypedMethodsContract,
  UIRuntimeSpec,
  ViewAction,
  ViewColumn,
  ViewContribution,
  ViewFormField,
  ViewSource,
} from './model.js';
export { INTERFACE_METHODS_ERROR_PREFIX, INVOKE_BUDGET_HTTP_RESPONSE_BYTES_NOT_POSITIVE, INVOKE_BUDGET_INCOMPLETE, decodeManifest } from './decode.js';
export type { DecodeManifestOptions, DecodeManifestResult, DecodedKeys } from './decode.js';
export { DEFAULT_INVOKE_BUDGET, INVOKE_BUDGET_LIMITS, goPathClean, safeBundlePath, validateInvokeBudget, validateManifest } from './validate.js';
export type { ValidateManifestOptions } from './validate.js';
export { compareUTF8, goIndent, goJSONString, goQuote, goQuoteBytes, utf8Length } from './go-json.js';
export {
  MANIFEST_V1_PAYLOAD_TAG,
  MANIFEST_V2_PAYLOAD_PREFIX,
  manifestSigningPayload,
  marshalManifest,
  marshalManifestIndent,
  v1PayloadAmbiguity,
} from './payload.js';
export type { PayloadOptions } from './payload.js';
export { verifyDecodedManifest, verifyManifest } from './verify.js';
export type { ManifestArtifact, VerifyManifestErrorCode, VerifyManifestOptions, VerifyManifestResult } from './verify.js';
export { emptyTrustPolicy, parseServerTrustPolicy, serializeServerTrustPolicy } from './trust-policy.js';
export type { ParseTrustPolicyResult, TrustPolicy } from './trust-policy.js';
export { signManifest } from './sign.js';
export { manifestTemplate } from './template.js';
export type { ManifestTemplateOptions } from './template.js';
export { manifestProblemPointer } from './explain.js';
export type { SignedManifest, SignManifestOptions } from './sign.js';
export { checkReleaseAgainstManifest } from './consistency.js';
export { manifestLoadability, verdictError } from './loadability.js';
export type { LoadabilityMatrix, LoadabilityOptions, ServerVersionVerdict } from './loadability.js';
export type { ConsistencyOptions, ConsistencyPlugin, ConsistencyProblem, ConsistencyRelease } from './consistency.js';
