/**
 * Install verification (DESIGN §4.3, §5): the operator's install policy, the
 * `verifyInstall` pipeline, runner compatibility and the approval summary.
 * IO-free: the fetcher and the artifact spool are injected.
 *
 * @module
 */
export {
  DEFAULT_INSTALL_LIMITS,
  DEFAULT_PUBLISHER_KEY,
  DEFAULT_PUBLISHER_LIMITS,
  INSTALL_POLICY_SCHEMA,
  MAX_INSTALL_POLICY_BYTES,
  POLICY_CHANNELS,
  POLICY_PLUGIN_TYPES,
  SANDBOX_BACKENDS,
  assertInstallPolicy,
  capabilityDecision,
  matchCapabilityPattern,
  parseInstallPolicy,
  publisherKeysAt,
  serverTrustPolicyFrom,
  starterInstallPolicy,
  trustedPublisher,
  validateInstallPolicy,
} from './policy.js';
export type {
  HostProfile,
  InstallLimits,
  InstallPolicy,
  InstallPolicyParseResult,
  InstallPolicyProblem,
  PublisherKey,
  PublisherLimits,
  PublisherPolicy,
  SandboxBackend,
  StarterPolicyOptions,
} from './policy.js';
export { INSTALL_STEPS, indexSaysLoads, preflightCandidate, releaseRevocation, verifyIndexForInstall, verifyInstall } from './pipeline.js';
export type {
  ApproveCallback,
  InstallCandidate,
  InstallIndexLoad,
  InstallIndexResult,
  InstallIndexSource,
  InstallStep,
  InstallStepName,
  InstallTimings,
  PreflightResult,
  SkippedRelease,
  StoredManifestReader,
  VerifyInstallOptions,
  VerifyInstallResult,
} from './pipeline.js';
export { checkHostCompatibility } from './compat.js';
export type { CompatibilityFinding, CompatibilityReport } from './compat.js';
export {
  MAX_RUNNER_SOURCE_BYTES,
  WASM_ABI_EXPORTS,
  WORKER_BLOCKED_PRIMITIVES,
  checkArtifactRunnable,
  checkWasmModule,
  checkWorkerTemplate,
} from './runner.js';
export type { ArtifactRunnableOptions, RunnerCheck } from './runner.js';
export { formatApprovalSummary } from './summary.js';
export type { ApprovalSummary, SummaryCapability } from './summary.js';
export { createMemorySpool, fetchError } from './transport.js';
export type { ArtifactSpool, ArtifactSpoolFactory, FetchErrorCode, FetchPurpose, FetchRequest, FetchedBody, InstallFetcher } from './transport.js';
export { INSPECT_QUEUE_BYTES, inThreadInspector } from './stream-inspector.js';
export type { InspectorFailure, StreamInspector, StreamInspectorFactory, StreamInspectorOptions } from './stream-inspector.js';
export { listCandidates } from './candidates.js';
export type { CandidateEntry } from './candidates.js';
export {
  FINE_STATUSES,
  PLACING_EVENTS,
  REMOVE_EVENT,
  approvalsFromAudit,
  capabilityDiff,
  escalationWords,
  formatCapabilityDiff,
  judgeInstalled,
  manifestCapabilityView,
} from './installed.js';
export type { ApprovalRecord, CapabilityDiff, CapabilityView, InstalledFiles, InstalledFinding, InstalledReport, InstalledStatus, JudgeInstalledInput } from './installed.js';
