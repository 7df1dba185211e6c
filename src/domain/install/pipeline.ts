/**
 * `verifyInstall` — DESIGN §5, one pipeline with named steps, fail closed.
 *
 * | # | step | what | failure codes |
 * |---|---|---|---|
 * | 1 | `index` | `verifyIndex` with the policy's trusted keys: strict parse, validate, threshold, official (or a **signed** draft when `allow_draft`), not expired, no rollback | `JSON_*`, `INDEX_*`, `KEY_*` |
 * | 2 | `select` | plugin, channel (`stable` unless `alpha` is asked for), release; not revoked (release, artifact digest, the index's key for it); without a pinned version the newest release of the channel (never newer than its head) that the policy allows (steps 3 and 6 on the index entry) and that the signed `loads_on` does not rule out for the host's server version (DESIGN §4.5) | `PLUGIN_NOT_FOUND`, `CHANNEL_NOT_ALLOWED`, `RELEASE_NOT_FOUND`, `RELEASE_REVOKED`, `RELEASE_NOT_LOADABLE` |
 * | 3 | `publisher` | trusted (own policy entry with keys), channel / type / highest risk within its limits, an operator key valid at the publish time and not revoked | `PUBLISHER_UNTRUSTED`, `CHANNEL_NOT_ALLOWED`, `PUBLISHER_LIMIT`, `RELEASE_REVOKED` |
 * | 4 | `manifest` | the index's stored manifest when it has one and the source serves it, else fetched from `manifest_url` — either way under `max_manifest_bytes` and equal to the signed `manifest_sha256`; strict decode; server-parity validation with the host's server version; equal to the index entry (id, version, publisher, type, capabilities, digest, signature bytes); signature verifies under the operator's key | `FETCH_*`, `MANIFEST_*` |
 * | 5 | `artifact` | streamed under `max_artifact_bytes` into the spool, in one pass with hashing and (v2) the bundle inspection, whose result is judged only at step 7; SHA-256 equals the index digest (= the manifest digest, step 4); then the server's whole `VerifyManifest` with that digest | `FETCH_*`, `ARTIFACT_DIGEST_MISMATCH` |
 * | 6 | `capabilities` | risk tier per capability, type rules, policy allow/deny patterns | `CAPABILITY_DENIED` |
 * | 7 | `runner` | host compatibility (`compat.ts`) then artifact checks (`runner.ts`) | `RUNNER_*`, `BUNDLE_*` |
 * | 8 | `decision` | the operator approves the summary (callback) | `APPROVAL_REQUIRED` |
 *
 * Every step records `{ step, ok, detail }`; the first failure stops the run
 * with a {@link VerificationError} (integrity) or {@link PolicyError} (trust).
 * Nothing is written here: the core is IO-free — the fetcher and the
 * artifact spool are injected (`transport.ts`), and placement, audit log and
 * state file belong to the caller (`src/io/install.ts`). Without an
 * `approve` callback the run stops after step 7 with `approved: false` (a
 * dry run).
 *
 * @module
 */
import { InputError, LatticeIndexError, PolicyError, VerificationError, type ErrorCode } from '../../core/errors.js';
import type { IndexPlugin, IndexRelease, ReleaseChannel } from '../../core/index/types.js';
import { capabilityMeaning, capabilityTypeProblem, highestRisk, RISK_TIERS, serverRules, type RiskTier, type ServerRules } from '../../core/server-line.js';
import { compareVersions } from '../../core/version-range.js';
import { createSha256, keyId, sha256Hex } from '../../crypto/index.js';
import { checkReleaseAgainstManifest } from '../manifest/consistency.js';
import { decodeManifest } from '../manifest/decode.js';
import { MANIFEST_SCHEMA_V2, manifestArtifactDigest, type Manifest } from '../manifest/model.js';
import { manifestSigningPayload } from '../manifest/payload.js';
import { validateManifest } from '../manifest/validate.js';
import { verifyDecodedManifest, type VerifyManifestResult } from '../manifest/verify.js';
import { revocationStatus, revokedKeyEntry, type RevocationMatch } from '../index/revocation.js';
import { publisherKeyForRelease } from '../index/rotation.js';
import { nextIndexState, type IndexState } from '../index/state.js';
import { verifyIndex, type VerifiedIndex, type VerifyIndexOptions } from '../index/verify.js';
import { checkHostCompatibility, type CompatibilityReport } from './compat.js';
import {
  capabilityDecision,
  publisherKeysAt,
  trustedPublisher,
  type HostProfile,
  type InstallPolicy,
  type PublisherKey,
  type PublisherPolicy,
} from './policy.js';
import { checkArtifactRunnable, checkStricterArchiveRules } from './runner.js';
import { checkBundleRulesWith, type BundleRulesResult, type StricterFindings } from '../bundle/inspect.js';
import { inThreadInspector, type InspectorFailure, type StreamInspector, type StreamInspectorFactory } from './stream-inspector.js';
import type { BundleCodec } from '../bundle/codec.js';
import type { ApprovalSummary, SummaryCapability } from './summary.js';
import {
  createMemorySpool,
  fetchError,
  type ArtifactSpool,
  type ArtifactSpoolFactory,
  type FetchPurpose,
  type InstallFetcher,
} from './transport.js';
import { concatBytes } from '../../core/bytes.js';

/** The named steps of DESIGN §5, in order. */
export const INSTALL_STEPS = Object.freeze(['index', 'select', 'publisher', 'manifest', 'artifact', 'capabilities', 'runner', 'decision'] as const);
/** A named step. */
export type InstallStepName = (typeof INSTALL_STEPS)[number];

/** One recorded step (`index.*` sub-steps come from `verifyIndex`). */
export interface InstallStep {
  step: string;
  ok: boolean;
  detail: string;
}

/**
 * Where DESIGN §5 step 1 gets the verified index data from, when it is not
 * an index v1 file (`indexBytes`): repository v2 (the TUF refresh plus the
 * plugin's target, `src/domain/repository/install-source.ts`) or an offline
 * bundle of it. The source yields the same verified plugin, publisher and
 * revocation data step 1 of index v1 yields, so steps 2–8 do not change.
 */
export interface InstallIndexSource {
  /** How records name the source (a URL, a file). */
  readonly label: string;
  /**
   * Step 1 for one plugin.
   * @param request - the plugin, the policy, the clock, the host.
   * @returns the verified index (with its sub-steps), or the first coded failure.
   */
  load(request: { pluginId: string; policy: InstallPolicy; now: number; host: HostProfile }): Promise<InstallIndexLoad>;
  /**
   * Bytes the source carries itself (an offline bundle's manifest and
   * artifact), by URL; `undefined` for anything else. With it an install
   * needs no fetcher at all.
   */
  content?(url: string, purpose: FetchPurpose): Uint8Array | undefined;
  /**
   * The source's own reader of stored manifests (repository v2: the
   * `manifests/<id>/<version>.json` target, verified by TUF), used when
   * {@link VerifyInstallOptions.storedManifest} is not given. Rejections
   * with a `FETCH_*` or `REPO_*` code are verdicts.
   */
  storedManifest?: StoredManifestReader;
}

/** Result of {@link InstallIndexSource.load}. */
export type InstallIndexLoad =
  | { ok: true; verified: VerifiedIndex; steps: InstallStep[]; nextState?: IndexState }
  | { ok: false; error: VerificationError | PolicyError; steps: InstallStep[] };

/** Options of {@link verifyInstall}. */
export interface VerifyInstallOptions {
  /** Index v1: the index exactly as fetched or read (exactly one of `indexBytes` and `index`). */
  indexBytes?: Uint8Array;
  /** Another source of step 1 (repository v2, an offline bundle). */
  index?: InstallIndexSource;
  /** The parsed install policy. */
  policy: InstallPolicy;
  /** The plugin to install. */
  pluginId: string;
  /** The channel asked for; `stable` when omitted. `alpha` must be asked for. */
  channel?: ReleaseChannel;
  /**
   * Pin one release (`id@version` on the command line): exactly this version
   * is installed, or nothing. It must be a release of the requested channel;
   * without a pin the channel's current release is selected.
   */
  version?: string;
  /**
   * Fetches manifest and artifact URLs (cap enforced while streaming).
   * Omit only when the index source carries them itself (an offline
   * bundle): any other fetch is then refused.
   */
  fetcher?: InstallFetcher;
  /** The gzip codec for v2 bundles (`nodeBundleCodec` from src/io/bundle.ts on Node); required to verify a v2 release. */
  codec?: BundleCodec;
  /**
   * Where the one-pass bundle inspection of step 5 runs (default: on this
   * thread, `inThreadInspector(codec)`; a worker thread is
   * `workerInspector`, `src/io/inspect-worker.ts`). Only used with `codec`.
   */
  inspector?: StreamInspectorFactory;
  /** "Now", ms since the epoch, fixed once per run (expiry, key windows). */
  now: number;
  /** The stored rollback state (omit on first use). */
  state?: IndexState;
  /** Overrides of the policy's host profile (e.g. a detected platform). */
  host?: Partial<HostProfile>;
  /** Where the artifact goes while it is hashed (default: memory). */
  spool?: ArtifactSpoolFactory;
  /**
   * Step 8: shown the summary and the verified candidate manifest (so a caller
   * can diff it against what is installed), returns whether the operator
   * approves — or a coded {@link PolicyError} that refuses with its own code
   * (`ESCALATION_NOT_APPROVED`, `UPGRADE_NOT_NEWER`). Omit for a dry run.
   */
  approve?: ApproveCallback;
  /** Download progress of the manifest and artifact. */
  onProgress?: (purpose: FetchPurpose, received: number, total: number | undefined) => void;
  /** A monotonic clock in ms for {@link InstallTimings} (default `performance.now`). */
  clock?: () => number;
  /**
   * The Ed25519 verifier of the index (v1) and manifest signatures (default
   * the pure, Go-compatible one). `runInstall` passes OpenSSL's
   * (`verifyEd25519Node`: Go's verdict on every vector; a cold process's
   * first pure verification costs ~40 ms of JIT warm-up, OpenSSL's ~2 ms).
   */
  verifyEd25519?: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
  /**
   * Reads a stored manifest the index names (`stored_manifest`, a path
   * relative to the index document; DESIGN §4.5) from where the index came
   * from, capped at `maxBytes`. Resolves `undefined` when the source does not
   * hold it (the pipeline then fetches `manifest_url`); rejects with a coded
   * `FETCH_*` error otherwise. Omitted: `manifest_url` is always fetched.
   * Whatever it returns must equal the index's signed `manifest_sha256`.
   */
  storedManifest?: StoredManifestReader;
}

/** See {@link VerifyInstallOptions.approve}. */
export type ApproveCallback = (summary: ApprovalSummary, manifest: Manifest) => boolean | PolicyError | Promise<boolean | PolicyError>;

/** See {@link VerifyInstallOptions.storedManifest}. */
export type StoredManifestReader = (relativePath: string, maxBytes: number) => Promise<Uint8Array | undefined>;

/** A newer release of the channel that selection passed over, and why. */
export interface SkippedRelease {
  readonly version: string;
  readonly reason: string;
}

/** What was verified, ready to be placed. */
export interface InstallCandidate {
  plugin: IndexPlugin;
  release: IndexRelease;
  channel: ReleaseChannel;
  /** The manifest file exactly as fetched (written as `manifest.json`). */
  manifestBytes: Uint8Array;
  manifestSha256: string;
  manifest: Manifest;
  /** The artifact bytes (written as `artifact`); the caller owns it now. */
  artifact: ArtifactSpool;
  artifactSha256: string;
  artifactBytes: number;
  /** The operator key that verified the manifest. */
  publisherKey: PublisherKey;
  index: VerifiedIndex;
  /** Where the manifest bytes came from. */
  manifestSource: 'stored' | 'url';
  /** Newer releases of the channel passed over (none when a version was pinned). */
  skipped: SkippedRelease[];
}

/**
 * Where the time of one run went, in ms (rounded to 0.1): one key per step
 * that ran (`index` … `decision`, `decision` being the operator's time), and
 * inside step 4 `manifest`: `manifest_fetch` (fetching it, or reading the
 * stored manifest); inside step 5 `artifact`: `artifact_hash` (SHA-256 of the downloaded
 * bytes, CPU), `artifact_spool_wait` (waiting for the spool to take
 * chunks: disk back pressure), `artifact_inspect_queue_wait` (waiting for the
 * inspector's full queue: it fell behind), `artifact_download` (first request to
 * last byte, hashing and spooling included), `artifact_fsync` (spool flush
 * and fsync after the last byte), `artifact_inspect_wait` (waiting for the
 * bundle inspector after that; it runs while the bytes arrive).
 */
export type InstallTimings = Record<string, number>;

/** Result of {@link verifyInstall}. Hostile data never throws. */
export type VerifyInstallResult =
  | {
      ok: true;
      timings: InstallTimings;
      steps: InstallStep[];
      candidate: InstallCandidate;
      summary: ApprovalSummary;
      /** True when step 8 ran and the operator approved; false for a dry run. */
      approved: boolean;
      /** The rollback state to store (only forward, only from a signed index). */
      nextState: IndexState | undefined;
    }
  | {
      ok: false;
      timings: InstallTimings;
      steps: InstallStep[];
      error: VerificationError | PolicyError;
      /** Set when step 1 passed: the index was genuine and current, so the state may move. */
      nextState: IndexState | undefined;
      /** Set when the run reached the approval (e.g. the operator said no). */
      summary?: ApprovalSummary;
    };

/** Internal: a step failed with this coded error. */
class StepFailure extends Error {
  constructor(readonly error: VerificationError | PolicyError) {
    super(error.message);
  }
}

const policyFail = (code: ErrorCode, message: string, detail?: unknown): never => {
  throw new StepFailure(new PolicyError(code, message, detail));
};
const integrityFail = (code: ErrorCode, message: string, detail?: unknown): never => {
  throw new StepFailure(new VerificationError(code, message, detail));
};

/** Mutable state of one run. */
interface Run {
  readonly opts: VerifyInstallOptions;
  readonly host: HostProfile;
  /** The server version whose rules judge the plugin (`host.serverRules`). */
  readonly rules: ServerRules;
  skipped?: SkippedRelease[];
  manifestSource?: 'stored' | 'url';
  readonly steps: InstallStep[];
  verified?: VerifiedIndex;
  plugin?: IndexPlugin;
  release?: IndexRelease;
  channel?: ReleaseChannel;
  publisher?: PublisherPolicy;
  candidateKeys?: PublisherKey[];
  manifestBytes?: Uint8Array;
  manifestSha256?: string;
  manifest?: Manifest;
  publisherKey?: PublisherKey;
  /** The artifact digest step 4's server `VerifyManifest` passed with (the index's). */
  manifestVerifiedWithDigest?: string;
  spool?: ArtifactSpool;
  artifactSha256?: string;
  /** The bundle rules, checked while the artifact streamed (v2); judged only in step 7. */
  inspection?: BundleRulesResult | InspectorFailure;
  readonly clock: () => number;
  readonly timings: InstallTimings;
  capabilities?: SummaryCapability[];
  compat?: CompatibilityReport;
  runnerChecks?: string[];
}

/**
 * Verify one install candidate end to end (DESIGN §5; see the module table).
 *
 * @param opts - index bytes, policy, plugin, channel, fetcher, clock, state, overrides, spool, approval.
 * @returns `{ ok: true, candidate, summary, approved, steps, nextState }` or
 *   `{ ok: false, error, steps, nextState }`. On failure the spool is discarded;
 *   on success the caller owns `candidate.artifact` (place it or discard it).
 * @throws {TypeError} for malformed options (caller bugs); whatever the
 *   spool throws (an IO failure such as a full disk is not a verdict).
 * @example
 * ```ts
 * const r = await verifyInstall({ indexBytes, policy, pluginId: 'acme.tool', fetcher, now: Date.now(), state,
 *   approve: async (summary) => askOperator(formatApprovalSummary(summary)) });
 * if (!r.ok) throw r.error;
 * ```
 */
export async function verifyInstall(opts: VerifyInstallOptions): Promise<VerifyInstallResult> {
  if ((opts.indexBytes === undefined) === (opts.index === undefined)) throw new TypeError('verifyInstall: give exactly one of indexBytes and index');
  if (opts.indexBytes !== undefined && !(opts.indexBytes instanceof Uint8Array)) throw new TypeError('verifyInstall: indexBytes must be a Uint8Array');
  if (opts.index !== undefined && typeof opts.index.load !== 'function') throw new TypeError('verifyInstall: index must implement load()');
  if (typeof opts.now !== 'number' || !Number.isFinite(opts.now)) throw new TypeError('verifyInstall: now must be a finite number');
  if (typeof opts.pluginId !== 'string') throw new TypeError('verifyInstall: pluginId must be a string');
  if (opts.channel !== undefined && opts.channel !== 'stable' && opts.channel !== 'alpha') {
    throw new TypeError(`verifyInstall: channel must be stable or alpha, found ${String(opts.channel)}`);
  }
  if (opts.fetcher !== undefined ? typeof opts.fetcher.fetch !== 'function' : opts.index?.content === undefined) {
    throw new TypeError('verifyInstall: fetcher must implement fetch() (it may be omitted only with an index source that carries its content)');
  }
  const host: HostProfile = { ...opts.policy.host, ...(opts.host ?? {}) };
  const clock = opts.clock ?? (() => globalThis.performance.now());
  const run: Run = { opts, host, rules: hostRules(host), steps: [], clock, timings: {} };
  let nextState: IndexState | undefined;
  let current = 'index' as InstallStepName;
  let success = false;
  let began = clock();
  /** Close the timing of the current step and start `next`. */
  const step = (next: InstallStepName): void => {
    const t = clock();
    addTiming(run.timings, current, t - began);
    began = t;
    current = next;
  };
  try {
    nextState = await stepIndex(run);
    step('select');
    stepSelect(run);
    step('publisher');
    stepPublisher(run);
    // Step 5's download starts now, beside step 4: its URL and digest come from the verified
    // index; its bytes are only hashed, spooled and inspected until step 5 judges them, after
    // the manifest (a failed step 4 stops it).
    const download = startArtifactDownload(run);
    step('manifest');
    try {
      await stepManifest(run);
    } catch (e) {
      download.stop();
      await download.done;
      throw e;
    }
    step('artifact');
    await stepArtifact(run, download);
    step('capabilities');
    stepCapabilities(run);
    step('runner');
    await stepRunner(run);
    const summary = buildSummary(run);
    step('decision');
    const approved = await stepDecision(run, summary);
    step('decision');
    success = true;
    return {
      ok: true,
      timings: run.timings,
      steps: run.steps,
      summary,
      approved,
      nextState,
      candidate: {
        plugin: run.plugin!,
        release: run.release!,
        channel: run.channel!,
        manifestBytes: run.manifestBytes!,
        manifestSha256: run.manifestSha256!,
        manifest: run.manifest!,
        artifact: run.spool!,
        artifactSha256: run.artifactSha256!,
        artifactBytes: run.spool!.size,
        publisherKey: run.publisherKey!,
        index: run.verified!,
        manifestSource: run.manifestSource ?? 'url',
        skipped: run.skipped ?? [],
      },
    };
  } catch (e) {
    if (!(e instanceof StepFailure)) throw e;
    // (For `index`, verifyIndex already recorded the failing sub-step; this is the named step's record.)
    run.steps.push({ step: current, ok: false, detail: `${e.error.message} [${e.error.code}]` });
    addTiming(run.timings, current, clock() - began);
    const failure: VerifyInstallResult = { ok: false, timings: run.timings, steps: run.steps, error: e.error, nextState };
    if (current === 'decision' && run.compat) failure.summary = buildSummary(run);
    return failure;
  } finally {
    if (!success) await run.spool?.discard().catch(() => {});
  }
}

/** Result of {@link preflightCandidate}. */
export type PreflightResult =
  | {
      ok: true;
      steps: InstallStep[];
      /** The release selection picked (DESIGN §4.5: newest not revoked and not ruled out for the host's version). */
      version: string;
      /** Newer releases of the channel passed over, and why. */
      skipped: SkippedRelease[];
      /** What the signed index says about the picked release on the host's version (`undefined`: no matrix for it). */
      loads: boolean | undefined;
    }
  | { ok: false; steps: InstallStep[]; error: VerificationError | PolicyError; skipped: SkippedRelease[] };

/**
 * The checks of DESIGN §5 that need nothing but the verified index: steps 2
 * (select) and 3 (publisher) as `verifyInstall` runs them, then step 6's
 * rules applied to the **index's** capability list and step 7's runner
 * availability by plugin type. Manifest, artifact and full compatibility are
 * checked only by an install (`lattice-index candidates` says so).
 *
 * @param verified - an index that passed step 1.
 * @param policy - the install policy.
 * @param pluginId - a plugin of the index.
 * @param channel - the channel to judge (`alpha` as if asked for).
 * @param now - reference time.
 * @param host - overrides of the policy's host profile.
 * @returns the steps and, on failure, the first coded error.
 * @example
 * ```ts
 * const r = preflightCandidate(verified, policy, 'acme.tool', 'stable', Date.now());
 * ```
 */
export function preflightCandidate(
  verified: VerifiedIndex,
  policy: InstallPolicy,
  pluginId: string,
  channel: ReleaseChannel,
  now: number,
  host?: Partial<HostProfile>,
): PreflightResult {
  const merged: HostProfile = { ...policy.host, ...(host ?? {}) };
  const run: Run = {
    opts: { indexBytes: new Uint8Array(), policy, pluginId, channel, fetcher: { fetch: () => Promise.reject(new Error('no fetching in preflight')) }, now },
    host: merged,
    rules: hostRules(merged),
    steps: [],
    verified,
    clock: () => 0,
    timings: {},
  };
  let current = 'select';
  try {
    stepSelect(run);
    current = 'publisher';
    stepPublisher(run);
    current = 'capabilities';
    const caps = checkIndexCapabilities(run, run.plugin!, run.release!);
    run.steps.push({ step: 'capabilities', ok: true, detail: `${caps.join(', ')} allowed` });
    current = 'runner';
    const type = run.plugin!.type;
    if (!(run.host.runners as readonly string[]).includes(type)) {
      policyFail('RUNNER_UNAVAILABLE', `the host has no ${type} runner (it offers: ${run.host.runners.join(', ') || 'none'})`);
    }
    if (type !== 'system' && !(run.host.sandboxes as readonly string[]).includes(type)) {
      policyFail('RUNNER_UNAVAILABLE', `the ${type} sandbox backend is unavailable on the host — refused, never a fallback`);
    }
    run.steps.push({ step: 'runner', ok: true, detail: `${type} runner available (manifest and artifact are checked at install)` });
    return { ok: true, steps: run.steps, version: run.release!.version, skipped: run.skipped ?? [], loads: indexSaysLoads(verified, run.release!, run.rules) };
  } catch (e) {
    if (!(e instanceof StepFailure)) throw e;
    run.steps.push({ step: current, ok: false, detail: `${e.error.message} [${e.error.code}]` });
    return { ok: false, steps: run.steps, error: e.error, skipped: run.skipped ?? [] };
  }
}

/**
 * Step 6's rules on the **index's** capability list of a release (known to
 * the host's server version, the type rules of interop §C.4, the policy's
 * patterns) — what can be judged before the manifest is fetched.
 *
 * @returns the capability list.
 */
function checkIndexCapabilities(run: Run, plugin: IndexPlugin, release: IndexRelease): string[] {
  const caps = release.capabilities ?? plugin.capabilities;
  const profile = run.rules;
  for (const name of caps) {
    typeRuleFail(profile, plugin.type, name);
    const decision = capabilityDecision(run.opts.policy, name);
    if (!decision.allowed) policyFail('CAPABILITY_DENIED', `capability ${name} is refused by the install policy (${decision.rule})`);
  }
  return caps;
}

// ---- step 1: index ------------------------------------------------------------

/** Result of {@link verifyIndexForInstall}. */
export type InstallIndexResult =
  | { ok: true; verified: VerifiedIndex; steps: InstallStep[] }
  | { ok: false; error: VerificationError | PolicyError; steps: InstallStep[] };

/**
 * DESIGN §5 step 1 "index" as an install sees it: `verifyIndex` with the
 * policy's trusted keys, threshold, `allow_draft`, the host's server line and
 * `max_index_bytes` — and then never an **unsigned** index, even a draft
 * admitted by `allow_draft` (which admits a signed draft's status only).
 *
 * @param indexBytes - the index as fetched.
 * @param policy - the install policy.
 * @param now - reference time.
 * @param state - the stored rollback state.
 * @param host - overrides of the host profile (its server line is used).
 * @param verifyEd25519 - the signature verifier (default the pure one; Node callers may pass OpenSSL's).
 * @returns the verified index with the sub-steps, or the first coded failure.
 * @example
 * ```ts
 * const r = verifyIndexForInstall(bytes, policy, Date.now(), state);
 * ```
 */
export function verifyIndexForInstall(
  indexBytes: Uint8Array,
  policy: InstallPolicy,
  now: number,
  state?: IndexState,
  host?: Partial<HostProfile>,
  verifyEd25519?: VerifyIndexOptions['verifyEd25519'],
): InstallIndexResult {
  if (policy.index === undefined) {
    throw new InputError('INSTALL_POLICY_INVALID', 'the install policy has no "index" member (trusted index keys): it pins a repository v2 root; install from it with --repo');
  }
  const r = verifyIndex(indexBytes, policy.index.trust, {
    now,
    ...(state !== undefined ? { state } : {}),
    allowDraft: policy.index.allowDraft,
    serverVersion: hostRules({ ...policy.host, ...(host ?? {}) }).version,
    maxBytes: policy.limits.maxIndexBytes,
    ...(verifyEd25519 !== undefined ? { verifyEd25519 } : {}),
  });
  const steps: InstallStep[] = [...r.steps];
  if (!r.ok) return { ok: false, error: r.error, steps };
  if (!r.verified.signed) {
    const error = new PolicyError(
      'INDEX_SIGNATURE_THRESHOLD',
      `the ${r.verified.status} index is not signed by ${policy.index!.trust.threshold} trusted key(s); allow_draft admits signed drafts only, an install never uses an unsigned index`,
    );
    return { ok: false, error, steps };
  }
  return { ok: true, verified: r.verified, steps };
}

/**
 * DESIGN §5 step 1 "index": verifyIndex with the operator's keys (index v1),
 * or the index source's load (repository v2: the TUF refresh plus the
 * plugin's target).
 *
 * @returns the rollback state to store (index v1 only; repository v2 keeps its own).
 */
async function stepIndex(run: Run): Promise<IndexState | undefined> {
  const { policy, now, state, indexBytes, index } = run.opts;
  let next: IndexState | undefined;
  if (index !== undefined) {
    const r = await index.load({ pluginId: run.opts.pluginId, policy, now, host: run.host });
    run.steps.push(...r.steps);
    if (!r.ok) throw new StepFailure(r.error);
    run.verified = r.verified;
    next = r.nextState;
  } else {
    const r = verifyIndexForInstall(indexBytes!, policy, now, state, run.host, run.opts.verifyEd25519);
    run.steps.push(...r.steps);
    if (!r.ok) throw new StepFailure(r.error);
    run.verified = r.verified;
    next = nextIndexState(r.verified);
  }
  const v = run.verified;
  run.steps.push({
    step: 'index',
    ok: true,
    detail: index !== undefined
      ? `repository ${index.label}: snapshot ${v.generation}, expires ${v.expiresAt}, signed by ${v.signers.length} repository key(s)`
      : `${v.status} index, generation ${v.generation ?? 'none'}, expires ${v.expiresAt ?? 'never'}, ${v.signers.length} trusted signer(s)`,
  });
  return next;
}

// ---- step 2: select -----------------------------------------------------------

/** DESIGN §5 step 2 "select": plugin, channel, release; not revoked. */
function stepSelect(run: Run): void {
  const verified = run.verified!;
  const { pluginId } = run.opts;
  const plugin = verified.index.plugins.find((p) => p.id === pluginId);
  if (plugin === undefined) policyFail('PLUGIN_NOT_FOUND', `the index has no plugin ${JSON.stringify(pluginId)}`);
  const p = plugin!;
  // Channel: stable by default; alpha only when asked for (step 3 checks it is allowed).
  const channel: ReleaseChannel = run.opts.channel ?? 'stable';
  const pinned = run.opts.version;
  let release: IndexRelease | undefined;
  if (pinned !== undefined) {
    // A pinned release: exactly that version, from the channel asked for.
    release = p.releases.find((r) => r.version === pinned);
    if (release === undefined) {
      policyFail('RELEASE_NOT_FOUND', `${p.id} has no release ${pinned} (releases: ${p.releases.map((r) => r.version).join(', ')})`);
    }
    if (release!.channel !== channel) {
      policyFail('CHANNEL_NOT_ALLOWED', `${p.id}@${pinned} is a ${release!.channel} release; expected a ${channel} release${release!.channel === 'alpha' ? ' (alpha is installed only when asked for with --channel alpha)' : ''}`);
    }
  } else {
    const version = p.channels[channel];
    if (version === undefined) {
      if (run.opts.channel === undefined && p.channels.alpha !== undefined) {
        policyFail('CHANNEL_NOT_ALLOWED', `${p.id} has only an alpha release (${p.channels.alpha}); alpha is installed only when asked for (--channel alpha) and allowed by the policy`);
      }
      policyFail('RELEASE_NOT_FOUND', `${p.id} has no ${channel} channel (channels: ${Object.keys(p.channels).join(', ')})`);
    }
    const head = p.releases.find((r) => r.version === version);
    if (head === undefined || head.channel !== channel) {
      policyFail('RELEASE_NOT_FOUND', `${p.id} channel ${channel} names version ${version}, which is not a ${channel} release of the index`);
    }
    // DESIGN §4.5: the newest release of the channel — never newer than the
    // channel's head, the publisher's choice — that the policy allows (not
    // revoked; publisher limits, key window and capability rules on the
    // index's list) and that the signed loadability matrix does not rule out
    // for the host's server version. The manifest step still decodes and
    // validates it with the host's own rules, and steps 3 and 6 run again.
    const older = p.releases
      .filter((r) => r.channel === channel && r.version !== head!.version && compareVersions(r.version, head!.version) < 0)
      .sort((a, b) => compareVersions(b.version, a.version));
    const skipped: SkippedRelease[] = [];
    let headFailure: StepFailure | undefined;
    for (const r of [head!, ...older]) {
      const failure = selectionFailure(run, p, r, channel);
      if (failure === undefined) {
        release = r;
        break;
      }
      headFailure ??= failure;
      skipped.push({ version: r.version, reason: failure.error.message });
    }
    if (release === undefined) {
      // Nothing qualifies: a release-level refusal (revoked, not loadable) is select's;
      // otherwise the head goes on, so its own step refuses it with its code.
      const code = headFailure!.error.code;
      if (code === 'RELEASE_REVOKED' || code === 'RELEASE_NOT_LOADABLE') throw headFailure!;
      release = head!;
      skipped.length = 0;
    }
    run.skipped = skipped;
  }
  const rel = release!;
  // Not revoked: the release, its artifact digest, and the key the index names for it.
  assertNotRevoked(verified, p, rel);
  run.plugin = p;
  run.release = rel;
  run.channel = channel;
  const passed = (run.skipped ?? []).map((k) => `; skipped ${k.version}: ${k.reason}`).join('');
  run.steps.push({ step: 'select', ok: true, detail: `${p.id} ${rel.version} (${channel}); not revoked; ${loadsOnNote(verified, rel, run.rules)}${passed}` });
}

/**
 * Why selection passes over a release (`undefined`: it qualifies): revoked,
 * ruled out for the host's version by the signed matrix, or refused by steps
 * 3 and 6 as they judge the index entry — run on a scratch copy of the run,
 * so nothing is recorded.
 */
function selectionFailure(run: Run, p: IndexPlugin, r: IndexRelease, channel: ReleaseChannel): StepFailure | undefined {
  try {
    assertNotRevoked(run.verified!, p, r);
    assertMayLoad(run.verified!, p, r, run.rules);
    const scratch: Run = { ...run, steps: [], plugin: p, release: r, channel };
    stepPublisher(scratch);
    checkIndexCapabilities(scratch, p, r);
    return undefined;
  } catch (e) {
    if (!(e instanceof StepFailure)) throw e;
    return e;
  }
}

/** DESIGN §5 step 2: the release, its artifact digest and the key the index names for it are not revoked. */
function assertNotRevoked(verified: VerifiedIndex, p: IndexPlugin, rel: IndexRelease): void {
  const why = releaseRevocation(verified, p, rel);
  if (why !== undefined) policyFail('RELEASE_REVOKED', why.message, { matches: why.matches });
}

/**
 * Why a release is revoked by the verified index — the release itself, its
 * artifact digest (`artifactSha256` overrides the index's, e.g. the digest of
 * bytes on disk), or the key the index names for it — or `undefined`.
 *
 * @param verified - the verified index.
 * @param p - the plugin entry.
 * @param rel - the release.
 * @param artifactSha256 - the artifact digest to check (default the release's).
 * @returns `{ message, matches }` naming what is revoked, when, and the reason.
 * @example
 * ```ts
 * const why = releaseRevocation(verified, plugin, release);
 * if (why) console.log(why.message);
 * ```
 */
export function releaseRevocation(verified: VerifiedIndex, p: IndexPlugin, rel: IndexRelease, artifactSha256 = rel.artifact_sha256): { message: string; matches: RevocationMatch[] } | undefined {
  const indexPublisher = verified.index.publishers.find((x) => x.id === p.publisher);
  const indexKey = indexPublisher ? publisherKeyForRelease(indexPublisher, rel) : undefined;
  const revoked = revocationStatus(verified, {
    plugin: p.id,
    version: rel.version,
    artifactSha256,
    ...(indexKey !== undefined ? { signingKey: indexKey } : {}),
  });
  if (!revoked.revoked) return undefined;
  const m = revoked.matches[0]!;
  const what = m.kind === 'release' ? `release ${p.id}@${rel.version}` : m.kind === 'artifact' ? `artifact ${artifactSha256}` : `publisher key ${m.entry.public_key_ed25519}`;
  return { message: `${what} is revoked (${m.entry.revoked_at}): ${m.entry.reason}`, matches: [...revoked.matches] };
}

/**
 * What the signed index says about loading `rel` on the host's server
 * version: `true`/`false` when its matrix covers that version, `undefined`
 * when it does not (no stored manifest, or the index was built before the
 * version was known — the manifest step then decides alone).
 */
export function indexSaysLoads(verified: VerifiedIndex, rel: IndexRelease, rules: ServerRules): boolean | undefined {
  const evaluated = verified.index.server_versions;
  if (rel.loads_on === undefined || evaluated === undefined || !evaluated.includes(rules.version)) return undefined;
  return rel.loads_on.includes(rules.version);
}

/** DESIGN §4.5: refuse (for selection) a release the signed matrix says the host's version does not load. */
function assertMayLoad(verified: VerifiedIndex, p: IndexPlugin, rel: IndexRelease, rules: ServerRules): void {
  if (indexSaysLoads(verified, rel, rules) === false) {
    policyFail(
      'RELEASE_NOT_LOADABLE',
      `${p.id} ${rel.version} does not load on server version ${rules.version}: the signed index says it loads on ${rel.loads_on!.join(', ') || 'no known version'}`,
      { loadsOn: rel.loads_on, serverVersion: rules.version },
    );
  }
}

function loadsOnNote(verified: VerifiedIndex, rel: IndexRelease, rules: ServerRules): string {
  const says = indexSaysLoads(verified, rel, rules);
  if (says === true) return `the signed index says it loads on ${rules.version}`;
  if (says === false) return `the signed index says it does not load on ${rules.version}`;
  return `no loadability matrix for ${rules.version} in the index (the manifest step decides)`;
}

/** The rules of a host profile (`serverRules`, the resolved known version). */
function hostRules(host: HostProfile): ServerRules {
  return serverRules(host.serverRules);
}

// ---- step 3: publisher --------------------------------------------------------

/** DESIGN §5 step 3 "publisher": trusted, channel/type/risk within limits. */
function stepPublisher(run: Run): void {
  const { policy, now } = run.opts;
  const plugin = run.plugin!;
  const release = run.release!;
  const entry = trustedPublisher(policy, plugin.publisher);
  if (entry === undefined) {
    const listed = policy.publishers.has(plugin.publisher);
    policyFail(
      'PUBLISHER_UNTRUSTED',
      listed
        ? `publisher ${JSON.stringify(plugin.publisher)} is listed in the policy without keys, so it is not trusted`
        : `publisher ${JSON.stringify(plugin.publisher)} is not trusted by the install policy (only publishers with their own entry and keys are; "*" sets limits, not trust)`,
    );
  }
  const pub = entry!;
  const limits = pub.limits;
  if (!limits.channels.includes(run.channel!)) {
    policyFail('CHANNEL_NOT_ALLOWED', `the policy allows ${pub.id} the channel(s) ${limits.channels.join(', ')}, not ${run.channel}`);
  }
  if (!(limits.types as readonly string[]).includes(plugin.type)) {
    policyFail('PUBLISHER_LIMIT', `the policy allows ${pub.id} plugin types ${limits.types.join(', ')}, not ${plugin.type}`);
  }
  const caps = release.capabilities ?? plugin.capabilities;
  const risk = highestRisk(caps, run.rules.version);
  if (RISK_TIERS.indexOf(risk) > RISK_TIERS.indexOf(limits.maxRisk)) {
    const over = caps.filter((c) => RISK_TIERS.indexOf(run.rules.capabilities.get(c) ?? 'host') > RISK_TIERS.indexOf(limits.maxRisk));
    policyFail('PUBLISHER_LIMIT', `${plugin.id} ${release.version} needs ${risk} risk (${over.join(', ')}); the policy allows ${pub.id} at most ${limits.maxRisk}`);
  }
  // The operator key(s) valid when the release was published (DESIGN §4.1: judge by publish time).
  const at = release.published_at !== undefined ? Date.parse(release.published_at) : now;
  const inWindow = publisherKeysAt(pub, at);
  if (inWindow.length === 0) {
    policyFail('PUBLISHER_UNTRUSTED', `no key the policy trusts for ${pub.id} was valid at ${new Date(at).toISOString()} (${release.published_at ? 'the release publish time' : 'now'})`);
  }
  const live = inWindow.filter((k) => revokedKeyEntry(run.verified!.revocations, k.publicKey) === undefined);
  if (live.length === 0) {
    policyFail('RELEASE_REVOKED', `every policy key of ${pub.id} valid at the publish time is on the index's revocation list`);
  }
  run.publisher = pub;
  run.candidateKeys = live;
  run.steps.push({
    step: 'publisher',
    ok: true,
    detail: `${pub.id} trusted (${live.length} key(s) valid at ${release.published_at ? 'publish time' : 'now'}); ${run.channel}, ${plugin.type}, risk ${risk} ≤ ${limits.maxRisk}`,
  });
}

// ---- step 4: manifest ---------------------------------------------------------

/** DESIGN §5 step 4 "manifest": capped fetch, strict decode, parity validation, equal to the index, signed. */
async function stepManifest(run: Run): Promise<void> {
  const { policy } = run.opts;
  const plugin = run.plugin!;
  const release = run.release!;
  const line = run.rules.version;
  // DESIGN §4.5: the index's stored manifest when the source serves it, else manifest_url.
  let bytes: Uint8Array | undefined;
  let origin = release.manifest_url;
  let note = '';
  const reader = run.opts.storedManifest ?? run.opts.index?.storedManifest;
  const fetchStart = run.clock();
  if (release.stored_manifest !== undefined && reader !== undefined) {
    bytes = await readStoredManifest(reader, release.stored_manifest, policy.limits.maxManifestBytes);
    if (bytes !== undefined) origin = `stored manifest ${release.stored_manifest}`;
    else note = `; the source does not serve the stored manifest ${release.stored_manifest}, fetched manifest_url`;
  }
  run.manifestSource = bytes !== undefined ? 'stored' : 'url';
  if (bytes === undefined) {
    const chunks: Uint8Array[] = [];
    const fetched = await fetchCapped(run, release.manifest_url, policy.limits.maxManifestBytes, 'manifest', async (c) => {
      chunks.push(Uint8Array.from(c));
    });
    bytes = concatBytes(chunks, fetched);
  }
  run.timings.manifest_fetch = round(run.clock() - fetchStart);
  const size = bytes.length;
  const digest = sha256Hex(bytes);
  // (id, version) is not unique (interop §G): the index's manifest digest pins the file.
  if (release.manifest_sha256 !== undefined && release.manifest_sha256 !== digest) {
    integrityFail('MANIFEST_INDEX_MISMATCH', `manifest sha256 ${digest} (${origin}) differs from the index's manifest_sha256 ${release.manifest_sha256}`);
  }
  const decoded = decodeManifest(bytes, { serverVersion: line });
  if (!decoded.ok) integrityFail('MANIFEST_DECODE', decoded.message);
  const m = (decoded as { manifest: Manifest }).manifest;
  const invalid = validateManifest(m, { serverVersion: line });
  if (invalid !== null) integrityFail('MANIFEST_INVALID', invalid);
  // Equal to the index entry (interop §I.7): id, publisher, type, version, capabilities, digest, signature bytes.
  const problems = checkReleaseAgainstManifest(plugin, release, m);
  if (problems.length > 0) {
    integrityFail('MANIFEST_INDEX_MISMATCH', problems.map((p) => p.message).join('; '), problems);
  }
  // Signature under the operator's key for this publisher (interop §C.5), with the index digest as the artifact's.
  let verdict: VerifyManifestResult | undefined;
  let signer: PublisherKey | undefined;
  for (const key of run.candidateKeys!) {
    const r = verifyDecodedManifest(m, { sha256Hex: release.artifact_sha256 }, singleKeyTrust(plugin.publisher, key), { serverVersion: line, ...verifierOf(run) });
    if (r.ok && r.signed) {
      signer = key;
      verdict = r;
      break;
    }
    verdict ??= r;
  }
  if (signer === undefined) {
    const v = verdict!;
    if (v.ok) integrityFail('MANIFEST_SIGNATURE_REQUIRED', `manifest of ${plugin.id} ${release.version} is unsigned; an install requires the publisher's signature`);
    const f = v as Extract<VerifyManifestResult, { ok: false }>;
    integrityFail(f.code, `${f.message} (manifest of ${plugin.id} ${release.version}, ${run.candidateKeys!.length} operator key(s) tried)`);
  }
  run.manifestBytes = bytes;
  run.manifestSha256 = digest;
  run.manifest = m;
  run.publisherKey = signer!;
  run.manifestVerifiedWithDigest = release.artifact_sha256;
  run.steps.push({
    step: 'manifest',
    ok: true,
    detail: `${origin}: ${size} bytes, sha256 ${digest}; ${m.schema === MANIFEST_SCHEMA_V2 ? 'v2' : 'v1'}; valid on ${line}; equal to the index entry; signed by ${plugin.publisher} key ${signer!.keyid.slice(0, 16)}…${note}`,
  });
}

/**
 * Read the index's stored manifest through the injected reader: the cap is
 * re-checked here (the reader's is not trusted); a coded fetch failure is a
 * verdict; "not served" is `undefined`.
 */
async function readStoredManifest(reader: StoredManifestReader, relativePath: string, maxBytes: number): Promise<Uint8Array | undefined> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await reader(relativePath, maxBytes);
  } catch (e) {
    if ((e instanceof VerificationError || e instanceof PolicyError) && (e.code.startsWith('FETCH_') || e.code.startsWith('REPO_'))) throw new StepFailure(e);
    throw e; // not a verdict: the caller's storage or a bug
  }
  if (bytes === undefined) return undefined;
  if (!(bytes instanceof Uint8Array)) throw new TypeError('storedManifest must resolve to a Uint8Array or undefined');
  if (bytes.length > maxBytes) integrityFail('FETCH_TOO_LARGE', `stored manifest ${relativePath} has ${bytes.length} bytes, above the cap of ${maxBytes}`);
  return bytes;
}

/** The injected Ed25519 verifier as a `verifyDecodedManifest` option (none: the pure default). */
function verifierOf(run: Run): { verifyEd25519?: VerifyInstallOptions['verifyEd25519'] } {
  return run.opts.verifyEd25519 !== undefined ? { verifyEd25519: run.opts.verifyEd25519 } : {};
}

function singleKeyTrust(publisher: string, key: PublisherKey) {
  return { trustedPublishers: new Map([[publisher, key.publicKey]]), allowUnsignedHostRisk: false };
}

// ---- step 5: artifact ---------------------------------------------------------

/** Step 5's download, started beside step 4 ({@link startArtifactDownload}). */
interface ArtifactDownload {
  /** The inspector of a v2 bundle, started before its entrypoints are known (`late`); dropped by {@link stopInspecting}. */
  readonly inspector: StreamInspector | undefined;
  /** Settles when the bytes are all hashed, spooled (fsync'd) and handed to the inspector — or the download failed. Never rejects. */
  readonly done: Promise<{ ok: true; size: number; sha256Hex: string; timings: InstallTimings } | { ok: false; error: unknown }>;
  /** Stop feeding and stop the inspector (not a v2 bundle, or the host checks fail: step 7 refuses before reading it). */
  stopInspecting(): void;
  /** Stop everything: the fetch (its signal) and the inspector. */
  stop(): void;
}

/**
 * Start step 5's download: the artifact URL and digest are the verified
 * index's; each chunk is hashed, spooled and fed to a bundle inspector that
 * waits for its entrypoints (`late`) until step 5 knows the manifest. Nothing
 * is judged here.
 */
function startArtifactDownload(run: Run): ArtifactDownload {
  const { policy } = run.opts;
  const release = run.release!;
  const clock = run.clock;
  const hash = createSha256();
  const codec = run.opts.codec;
  let inspector = codec !== undefined ? (run.opts.inspector ?? inThreadInspector(codec))({ late: true }) : undefined;
  const started = inspector;
  // Settled in every path; a rejection before it is awaited is not "unhandled".
  inspector?.result.catch(() => {});
  const controller = new AbortController();
  let hashMs = 0;
  let spoolWaitMs = 0;
  let queueWaitMs = 0;
  const t0 = clock();
  const done = (async () => {
    try {
      const spool = await (run.opts.spool ?? createMemorySpool)();
      run.spool = spool;
      const size = await fetchCapped(
        run,
        release.artifact_url,
        policy.limits.maxArtifactBytes,
        'artifact',
        (c, release) => {
          const a = clock();
          hash.update(c);
          const b = clock();
          hashMs += b - a;
          // The fetcher may read into the chunk's memory again once the spool has written or copied it
          // and the inspector has consumed it (FetchedBody.release); the hash is done already.
          let holders = inspector !== undefined ? 2 : 1;
          const letGo = release === undefined ? undefined : () => void (--holders === 0 && release());
          const pushed = inspector?.push(c, letGo);
          // The spool's wait first, then whatever the inspector's full queue adds.
          // The spool may write the chunk as it is and hand it back once written (no copy).
          const written = spool.write(c, letGo);
          if (pushed === undefined) return written.then(() => void (spoolWaitMs += clock() - b));
          return written.then(() => {
            const w = clock();
            spoolWaitMs += w - b;
            return pushed.then(() => void (queueWaitMs += clock() - w));
          });
        },
        controller.signal,
      );
      const t1 = clock();
      inspector?.end();
      await spool.finish();
      const t2 = clock();
      const timings = { artifact_download: round(t1 - t0), artifact_hash: round(hashMs), artifact_spool_wait: round(spoolWaitMs), artifact_inspect_queue_wait: round(queueWaitMs), artifact_fsync: round(t2 - t1) };
      return { ok: true as const, size, sha256Hex: hash.digestHex(), timings };
    } catch (error) {
      return { ok: false as const, error };
    }
  })();
  const stopInspecting = (): void => {
    inspector = undefined;
    started?.abort();
  };
  return {
    inspector: started,
    done,
    stopInspecting,
    stop: () => {
      controller.abort();
      stopInspecting();
    },
  };
}

/**
 * DESIGN §5 step 5 "artifact": capped stream, SHA-256 equal to index and
 * manifest digests. One pass over the bytes, started beside step 4 (see
 * {@link startArtifactDownload}): each chunk is hashed, spooled and (a v2
 * bundle) fed to the bundle inspector, which checks the archive rules while
 * the download runs (the gunzip in the codec's threads) and learns the
 * manifest's entrypoints here. The verdicts keep their order: the digest is
 * judged here, first — a mismatch is `ARTIFACT_DIGEST_MISMATCH` whatever the
 * inspector saw (it is safe on hostile bytes: bounded, result values only) —
 * and the inspection only in step 7.
 */
async function stepArtifact(run: Run, download: ArtifactDownload): Promise<void> {
  const release = run.release!;
  const m = run.manifest!;
  const clock = run.clock;
  // The inspector: only for a v2 bundle whose host checks will pass (else step 7 refuses before reading it).
  const compat = m.schema === MANIFEST_SCHEMA_V2 && run.opts.codec !== undefined ? checkHostCompatibility(m, run.host) : undefined;
  let inspector: StreamInspector | undefined = download.inspector;
  if (inspector !== undefined && compat?.ok === true) {
    inspector.declare({
      ...(compat.runtimeEntrypoint !== undefined ? { runtimeEntrypoint: compat.runtimeEntrypoint } : {}),
      ...(compat.uiEntrypoint !== undefined ? { uiEntrypoint: compat.uiEntrypoint } : {}),
    });
  } else if (inspector !== undefined) {
    download.stopInspecting();
    inspector = undefined;
  }
  let decided = false;
  try {
    const outcome = await download.done;
    if (!outcome.ok) throw outcome.error;
    const size = outcome.size;
    const t2 = clock();
    Object.assign(run.timings, outcome.timings);
    const got = outcome.sha256Hex;
    if (got !== release.artifact_sha256) {
      integrityFail('ARTIFACT_DIGEST_MISMATCH', `artifact sha256 ${got} differs from the index and manifest digest ${release.artifact_sha256}`, { got, want: release.artifact_sha256 });
    }
    // The server's whole VerifyManifest with the real digest (what it will run at load). Step 4
    // passed it on this manifest, key and server version with the index digest; `got` equals that
    // digest here, so the verdict is the same (a pure function of equal inputs) and is not computed
    // again — a second Ed25519 verification of the same signature cost ~10 ms per install.
    if (got !== run.manifestVerifiedWithDigest) {
      const r = verifyDecodedManifest(m, { sha256Hex: got }, singleKeyTrust(run.plugin!.publisher, run.publisherKey!), { serverVersion: run.rules.version, ...verifierOf(run) });
      if (!r.ok) integrityFail(r.code === 'MANIFEST_DIGEST_MISMATCH' ? 'ARTIFACT_DIGEST_MISMATCH' : r.code, r.message);
    }
    if (manifestArtifactDigest(m).toLowerCase() !== got) {
      integrityFail('ARTIFACT_DIGEST_MISMATCH', `artifact sha256 ${got} differs from the manifest digest ${manifestArtifactDigest(m)}`);
    }
    // Only now is the inspection of these (genuine) bytes awaited; step 7 judges it.
    if (inspector !== undefined) {
      run.inspection = await inspector.result;
      run.timings.artifact_inspect_wait = round(clock() - t2);
    }
    decided = true;
    run.artifactSha256 = got;
    run.steps.push({ step: 'artifact', ok: true, detail: `${size} bytes, sha256 ${got} = index = manifest; server VerifyManifest passes` });
  } finally {
    // Every other path (download failed, digest mismatch, a spool error): the inspector's work on
    // these bytes is dropped unread, and it is stopped (a worker terminated).
    if (!decided) inspector?.abort();
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

function addTiming(t: InstallTimings, key: string, ms: number): void {
  t[key] = round((t[key] ?? 0) + ms);
}

// ---- step 6: capabilities -----------------------------------------------------

/** The server's capability-versus-type rule (core `capabilityTypeProblem`), as a refusal. */
function typeRuleFail(rules: ServerRules, type: string, name: string): void {
  const problem = capabilityTypeProblem(rules, type, name);
  if (problem === 'unknown') policyFail('CAPABILITY_DENIED', `capability ${name} is unknown to server version ${rules.version}`);
  if (problem === 'requires-system') policyFail('CAPABILITY_DENIED', `capability ${name} requires a system plugin (${type} plugins may not hold host-risk capabilities)`);
  if (problem === 'not-for-worker') policyFail('CAPABILITY_DENIED', `capability ${name} is not available to worker plugins`);
}

/** DESIGN §5 step 6 "capabilities": risk tiers, type rules, policy patterns. */
function stepCapabilities(run: Run): void {
  const m = run.manifest!;
  const profile = run.rules;
  const out: SummaryCapability[] = [];
  for (const name of m.capabilities ?? []) {
    // Type rules (interop §C.4), re-stated here so the refusal is explicit.
    typeRuleFail(profile, m.type, name);
    const risk = profile.capabilities.get(name)!;
    const decision = capabilityDecision(run.opts.policy, name);
    if (!decision.allowed) policyFail('CAPABILITY_DENIED', `capability ${name} is refused by the install policy (${decision.rule})`);
    out.push({ name, risk: risk!, meaning: capabilityMeaning(name) ?? 'No description is available.', allowedBy: decision.rule });
  }
  run.capabilities = out;
  run.steps.push({ step: 'capabilities', ok: true, detail: out.map((c) => `${c.name} (${c.risk})`).join(', ') });
}

// ---- step 7: runner -----------------------------------------------------------

/** DESIGN §5 step 7 "runner": host compatibility, bundle rules, wasm and worker checks. */
async function stepRunner(run: Run): Promise<void> {
  const m = run.manifest!;
  const compat = checkHostCompatibility(m, run.host);
  run.compat = compat;
  if (!compat.ok) {
    if (compat.code === 'RUNNER_UNAVAILABLE') policyFail('RUNNER_UNAVAILABLE', compat.message!);
    policyFail('RUNNER_INCOMPATIBLE', compat.message!);
  }
  const spool = run.spool!;
  const codec = run.opts.codec;
  if (codec === undefined) throw new TypeError('verifyInstall: options.codec is required (nodeBundleCodec from src/io/bundle.ts on Node)');
  const r = await checkArtifactRunnable(m, () => spool.read(), run.host, {
    codec,
    ...(run.inspection !== undefined ? { inspection: run.inspection } : {}),
    ...(compat.runtimeEntrypoint !== undefined ? { runtimeEntrypoint: compat.runtimeEntrypoint } : {}),
    ...(compat.uiEntrypoint !== undefined ? { uiEntrypoint: compat.uiEntrypoint } : {}),
  });
  if (!r.ok) {
    if (r.code === 'RUNNER_INCOMPATIBLE') policyFail(r.code, r.message);
    integrityFail(r.code, r.message);
  }
  const passed = r as { details: string[]; stricter?: StricterFindings };
  run.runnerChecks = [...passed.details];
  if (passed.stricter !== undefined) {
    // The install policy's archive rules, stricter than the server's (docs/INSTALL-POLICY.md).
    const s = checkStricterArchiveRules(passed.stricter, run.opts.policy.archive);
    if (!s.ok) policyFail(s.code, s.message);
    run.runnerChecks.push((s as { detail: string }).detail);
  }
  run.steps.push({
    step: 'runner',
    ok: true,
    detail: [`${compat.findings.length} compatibility rule(s) hold`, ...run.runnerChecks].join('; '),
  });
}

// ---- step 8: decision ---------------------------------------------------------

/** DESIGN §5 step 8 "decision": nothing is placed without the operator's approval. */
async function stepDecision(run: Run, summary: ApprovalSummary): Promise<boolean> {
  const approve = run.opts.approve;
  if (approve === undefined) {
    run.steps.push({ step: 'decision', ok: true, detail: 'not asked (dry run): nothing will be placed' });
    return false;
  }
  const verdict = await approve(summary, run.manifest!);
  if (verdict instanceof PolicyError) throw new StepFailure(verdict);
  const yes = verdict === true;
  if (!yes) policyFail('APPROVAL_REQUIRED', `the operator did not approve the capabilities of ${summary.plugin.id} ${summary.version}`);
  run.steps.push({ step: 'decision', ok: true, detail: 'approved by the operator' });
  return true;
}

// ---- helpers -------------------------------------------------------------------

/**
 * Fetch a URL through the injected fetcher, re-checking the cap on every
 * chunk (the fetcher's own cap is not trusted), passing chunks to `sink`
 * with the fetcher's release of that chunk when it has one
 * (`FetchedBody.release`: call it once nothing reads the chunk any more).
 */
async function fetchCapped(
  run: Run,
  url: string,
  maxBytes: number,
  purpose: FetchPurpose,
  sink: (chunk: Uint8Array, release?: () => void) => Promise<void>,
  signal?: AbortSignal,
): Promise<number> {
  const onProgress = run.opts.onProgress;
  let received = 0;
  let sinkFailed = false;
  // Content the index source carries itself (an offline bundle): no fetch at all.
  const carried = run.opts.index?.content?.(url, purpose);
  if (carried !== undefined) {
    if (carried.length > maxBytes) throw new StepFailure(fetchError('FETCH_TOO_LARGE', `${purpose} ${url} in the ${run.opts.index!.label} is ${carried.length} bytes, above the cap of ${maxBytes}`) as VerificationError);
    onProgress?.(purpose, carried.length, carried.length);
    await sink(carried);
    return carried.length;
  }
  const fetcher = run.opts.fetcher;
  if (fetcher === undefined) {
    throw new StepFailure(fetchError('FETCH_URL_REFUSED', `${purpose} ${url} is not in the ${run.opts.index?.label ?? 'index source'} and this install has no network fetcher`) as PolicyError);
  }
  try {
    const res = await fetcher.fetch(url, {
      maxBytes,
      purpose,
      ...(onProgress ? { onProgress: (n: number, total: number | undefined) => onProgress(purpose, n, total) } : {}),
      ...(signal !== undefined ? { signal } : {}),
    });
    if (res.contentLength !== undefined && res.contentLength > maxBytes) {
      throw fetchError('FETCH_TOO_LARGE', `${purpose} at ${url} declares ${res.contentLength} bytes, above the cap of ${maxBytes}`);
    }
    for await (const chunk of res.body) {
      // Stopped by the caller (a fetcher that ignores the signal still stops here, at its next chunk).
      if (signal?.aborted === true) throw fetchError('FETCH_FAILED', `the ${purpose} download was stopped`);
      if (!(chunk instanceof Uint8Array)) throw fetchError('FETCH_FAILED', `${purpose} fetcher yielded a non-byte chunk`);
      received += chunk.length;
      if (received > maxBytes) throw fetchError('FETCH_TOO_LARGE', `${purpose} at ${url} exceeds the cap of ${maxBytes} bytes`);
      try {
        await sink(chunk, res.release === undefined ? undefined : () => res.release!(chunk));
      } catch (err) {
        // The sink is the caller's storage (the spool): its failure is an IO error, not a verdict.
        sinkFailed = true;
        throw err;
      }
    }
  } catch (e) {
    if (e instanceof StepFailure || sinkFailed) throw e;
    if ((e instanceof VerificationError || e instanceof PolicyError) && e.code.startsWith('FETCH_')) throw new StepFailure(e);
    if (e instanceof LatticeIndexError && (e instanceof VerificationError || e instanceof PolicyError)) throw new StepFailure(e);
    const message = e instanceof Error ? e.message : String(e);
    throw new StepFailure(fetchError('FETCH_FAILED', `fetching the ${purpose} at ${url} failed: ${message}`) as VerificationError);
  }
  return received;
}


/** The approval summary (DESIGN §5 step 6) from what the run established. */
function buildSummary(run: Run): ApprovalSummary {
  const plugin = run.plugin!;
  const release = run.release!;
  const verified = run.verified!;
  const pub = run.publisher!;
  const indexPub = verified.index.publishers.find((p) => p.id === plugin.publisher);
  const caps = run.capabilities ?? [];
  const risk: RiskTier = caps.reduce<RiskTier>((a, c) => (RISK_TIERS.indexOf(c.risk) > RISK_TIERS.indexOf(a) ? c.risk : a), 'read');
  const compat = run.compat;
  return {
    plugin: { id: plugin.id, name: plugin.name, type: plugin.type, ...(plugin.summary ? { summary: plugin.summary } : {}) },
    version: release.version,
    channel: run.channel!,
    publisher: {
      id: pub.id,
      name: indexPub?.name ?? pub.id,
      keyid: run.publisherKey?.keyid ?? keyId(run.candidateKeys![0]!.publicKey),
      limits: { maxRisk: pub.limits.maxRisk, channels: [...pub.limits.channels], types: [...pub.limits.types] },
    },
    capabilities: caps,
    highestRisk: risk,
    artifact: { url: release.artifact_url, sha256: run.artifactSha256 ?? release.artifact_sha256, bytes: run.spool?.size ?? 0 },
    manifest: {
      url: release.manifest_url,
      sha256: run.manifestSha256 ?? '',
      schema: run.manifest?.schema === MANIFEST_SCHEMA_V2 ? 'v2' : 'v1',
      payloadSha256: run.manifest ? sha256Hex(manifestPayloadFor(run)) : '',
      ...(run.manifestSource !== undefined ? { source: run.manifestSource } : {}),
    },
    server: {
      rules: run.rules.version,
      ...(run.host.serverBuild !== undefined ? { build: run.host.serverBuild } : {}),
      loadsOn: verified.index.server_versions !== undefined && release.loads_on !== undefined ? [...release.loads_on] : null,
    },
    ...(run.skipped !== undefined && run.skipped.length > 0 ? { skipped: run.skipped.map((k) => ({ ...k })) } : {}),
    index: {
      status: verified.status,
      generation: verified.generation,
      expiresAt: verified.expiresAt,
      payloadSha256: verified.payloadSha256,
      signers: verified.signers.map((s) => ({ keyid: s.keyid, ...(s.label ? { label: s.label } : {}) })),
    },
    compatibility: {
      platform: run.host.platform,
      protocol: compat?.protocol ?? '',
      ...(compat?.runtimeEntrypoint ? { entrypoint: compat.runtimeEntrypoint } : {}),
      findings: compat?.findings ?? [],
      checks: run.runnerChecks ?? [],
    },
  };
}

function manifestPayloadFor(run: Run): Uint8Array {
  return manifestSigningPayload(run.manifest!, { serverVersion: run.rules.version });
}
