/**
 * `runInstall` — the IO around `verifyInstall` (DESIGN §5): read the
 * rollback state, obtain the index (file or URL), stage the artifact in the
 * plugin directory, run the pipeline, store the new rollback state, place the
 * plugin atomically when approved, and append an audit record.
 *
 * Order and guarantees:
 * 0. The plugin directory's lock is taken (./plugin-dir-lock.ts; waits up to
 *    `limits.lock_wait_ms` for another run, then `PLUGIN_DIR_LOCKED`), and
 *    released at the end (not in a dry run, which changes nothing).
 * 1. `recoverPluginDir` finishes or undoes an interrupted earlier run.
 * 2. The state file is read; a damaged one fails closed (`INDEX_STATE_INVALID`).
 * 3. The index is read (`readFileBounded`) or fetched (the same fetcher, capped
 *    at `limits.max_index_bytes`).
 * 4. `verifyInstall` streams the artifact into `<dir>/.staging-…/artifact`
 *    (a dry run spools into a temporary directory instead). A release's
 *    stored manifest (DESIGN §4.5) is read from beside the index —
 *    `<index dir>/manifests/…` for a file, the same origin for a URL — and
 *    `manifest_url` is fetched only when the source does not hold it
 *    ({@link storedManifestReader}).
 * 5. When step 1 (index) passed, the new state is written atomically — only
 *    forward, only from a signed index — even if a later step refused.
 * 6. Only when every step passed **and** the operator approved is the stage
 *    committed; otherwise it is removed, and the plugin directory is exactly
 *    as before.
 * 7. Every outcome but a dry run is appended to the audit log — with the
 *    policy's digest (`policySha256`) and what the approval saw
 *    (`auditExtra`: the version replaced, the escalation diff and whether it
 *    was approved), under the event family `auditEvent` (`plugin.upgrade`
 *    for `upgrade`). A replaced installation is kept for `rollback`
 *    (./placement.ts).
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError, PolicyError, VerificationError, type LatticeIndexError } from '../core/errors.js';
import { formatRFC3339UTC } from '../core/rules.js';
import type { ReleaseChannel } from '../core/index/types.js';
import type { IndexState } from '../domain/index/state.js';
import { verifyInstall, type ApproveCallback, type InstallIndexSource, type InstallTimings, type StoredManifestReader, type VerifyInstallResult } from '../domain/install/pipeline.js';
import type { HostProfile, InstallPolicy } from '../domain/install/policy.js';
import { fetchError, type FetchPurpose, type InstallFetcher } from '../domain/install/transport.js';
import { createEd25519NodeVerifier } from '../crypto/node.js';
import { appendAuditRecord } from './audit-log.js';
import { nodeBundleCodec } from './bundle.js';
import { fetchBytes } from './fetch.js';
import { assertDirectory, readFileBounded } from './files.js';
import { readIndexStateFile, writeIndexStateFile } from './index-state.js';
import { createFileSpool, openPluginStage, recoverPluginDir, type PlacementHooks, type PlacementResult, type RecoveryReport } from './placement.js';
import { acquirePluginDirLock } from './plugin-dir-lock.js';
import type { WorkerInspectorFactory } from './inspect-worker.js';
import { inThreadInspector, type StreamInspectorFactory } from '../domain/install/stream-inspector.js';

/** Options of {@link runInstall}. */
export interface RunInstallOptions {
  policy: InstallPolicy;
  /** Directory relative `state_file` / `audit_log` paths are resolved against (the policy file's). */
  policyDir: string;
  /** Index v1: a file path, or an `https://` URL fetched with `fetcher` (exactly one of `indexSource` and `index`). */
  indexSource?: string;
  /** Another source of step 1: repository v2 or an offline bundle (`src/domain/repository/install-source.ts`). */
  index?: InstallIndexSource;
  pluginId: string;
  channel?: ReleaseChannel;
  /** Pin one release version (`id@version`). */
  version?: string;
  /** The server's plugin directory (must exist). */
  pluginDir: string;
  /** Omit only with an `index` source that carries manifest and artifact (an offline bundle). */
  fetcher?: InstallFetcher;
  now: number;
  /** Verify everything, write nothing (no state, no placement, no audit record). */
  dryRun?: boolean;
  /**
   * Asked with the summary and the verified candidate manifest after step 7
   * (an upgrade diffs it against the installed release); may refuse with a
   * coded PolicyError. Omit only with `dryRun`.
   */
  approve?: ApproveCallback;
  /** SHA-256 of the policy file, recorded with every approval (what the decision was judged under). */
  policySha256?: string;
  /** The audit event family (default `plugin.install`; `upgrade` uses `plugin.upgrade`): `<event>`, `<event>.refused`, `<event>.failed`. */
  auditEvent?: string;
  /** Extra members of the audit record, asked for when it is written (e.g. the escalation diff the approval saw). */
  auditExtra?: () => Record<string, unknown>;
  /** How the approval was given, for the audit record (`tty`, `--yes`). */
  approvedBy?: string;
  onProgress?: (purpose: FetchPurpose, received: number, total: number | undefined) => void;
  host?: Partial<HostProfile>;
  /** Test hooks of the placement. */
  placementHooks?: PlacementHooks;
  /**
   * Where step 5's bundle inspection runs. Default: on this thread
   * (`inThreadInspector`; the gunzip itself runs in zlib's thread pool).
   * `workerInspector()` (./inspect-worker.ts) runs it in a worker thread,
   * started when the run begins and terminated when it ends. Measured on
   * the 64 MiB install bench (2 cores), the worker took no CPU time off the
   * main thread (620 vs 610 ms: the socket, HTTP parsing, hashing and the
   * stage dominate; the tar walk is ~80 ms) and cost ~400 ms more CPU and
   * ~35 MiB more RSS, so it is not the default.
   */
  inspector?: StreamInspectorFactory;
  /**
   * The Ed25519 verifier of the index (v1) and manifest signatures. Default:
   * OpenSSL's (`createEd25519NodeVerifier`), which gives Go's verdict on every
   * vector (DESIGN §6 fast path) — in a fresh process the pure verifier's
   * first two verifications cost ~40 ms of JIT warm-up.
   */
  verifyEd25519?: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
}

/** What {@link runInstall} did. */
export interface RunInstallReport {
  result: VerifyInstallResult;
  /** Set when the plugin was placed. */
  placed?: PlacementResult;
  /** Set when placement failed after approval (the result is then ok, this is the error). */
  placementError?: LatticeIndexError;
  /** What recovery of an earlier interrupted run did. */
  recovery?: RecoveryReport;
  /** Absolute path of the state file, and whether it was written. */
  statePath: string;
  stateWritten: boolean;
  /** Absolute path of the audit log, and whether a record was appended. */
  auditPath: string;
  audited: boolean;
  /**
   * Where the time went, ms: the pipeline's {@link InstallTimings} plus this
   * function's own phases — `lock`, `recovery`, `state_read`, `index_read`,
   * `stage_open`, `state_write`, `placement`, `audit` — and `total`.
   */
  timings: InstallTimings;
}

/**
 * Resolve a policy path (`state_file`, `audit_log`) against the policy's directory.
 *
 * @param policyDir - directory of the policy file.
 * @param p - the path as written in the policy.
 * @returns an absolute path.
 * @example
 * ```ts
 * policyPath('/etc/lattice', 'index-state.json'); // '/etc/lattice/index-state.json'
 * ```
 */
export function policyPath(policyDir: string, p: string): string {
  return path.resolve(policyDir, p);
}

/**
 * Read the index from a file or URL.
 *
 * @param source - a path, or an `http(s)://` URL.
 * @param fetcher - used for URLs.
 * @param maxBytes - the cap.
 * @returns the bytes.
 * @throws a coded fetch error, or {@link InputError} for an unreadable file.
 * @example
 * ```ts
 * const bytes = await readIndexSource('index/plugins.json', fetcher, policy.limits.maxIndexBytes);
 * ```
 */
export async function readIndexSource(source: string, fetcher: InstallFetcher | undefined, maxBytes: number): Promise<Uint8Array> {
  if (fetcher === undefined && /^https?:\/\//i.test(source)) throw new TypeError('readIndexSource: a URL needs a fetcher');
  if (/^https?:\/\//i.test(source)) return fetchBytes(fetcher!, source, { maxBytes, purpose: 'index' });
  return readFileBounded(source, maxBytes);
}

/**
 * The stored-manifest reader for an index source (DESIGN §4.5): a path the
 * index names relative to itself is read beside the index file, or fetched
 * from the index URL's origin with the same fetcher and cap. "Not there" —
 * a missing file, an HTTP status other than 200 — resolves `undefined`, and
 * the pipeline fetches `manifest_url` instead; whichever bytes are used must
 * equal the index's signed `manifest_sha256`. A path that would leave the
 * index's directory (or origin) is refused.
 *
 * @param source - the index file path or URL, as given.
 * @param fetcher - used for URL sources.
 * @returns the reader for `verifyInstall({ storedManifest })`.
 * @example
 * ```ts
 * const storedManifest = storedManifestReader('index/plugins.json', fetcher);
 * ```
 */
export function storedManifestReader(source: string, fetcher: InstallFetcher | undefined): StoredManifestReader {
  if (/^https?:\/\//i.test(source)) {
    if (fetcher === undefined) throw new TypeError('storedManifestReader: an index URL needs a fetcher');
    const base = new URL(source);
    return async (relativePath, maxBytes) => {
      const url = new URL(relativePath, base);
      if (url.origin !== base.origin || relativePath.startsWith('/') || relativePath.includes('..')) {
        throw fetchError('FETCH_URL_REFUSED', `stored manifest path ${JSON.stringify(relativePath)} leaves the index's location`);
      }
      try {
        return await fetchBytes(fetcher, url.href, { maxBytes, purpose: 'manifest' });
      } catch (e) {
        if (e instanceof VerificationError && e.code === 'FETCH_FAILED') return undefined; // not served here
        throw e;
      }
    };
  }
  const dir = path.dirname(path.resolve(source));
  return async (relativePath, maxBytes) => {
    const file = path.resolve(dir, ...relativePath.split('/'));
    if (!file.startsWith(dir + path.sep) || relativePath.includes('..')) {
      throw fetchError('FETCH_URL_REFUSED', `stored manifest path ${JSON.stringify(relativePath)} leaves the index's directory`);
    }
    try {
      return await readFileBounded(file, maxBytes, 'stored manifest');
    } catch (e) {
      if (e instanceof InputError && e.code === 'INPUT_NOT_FOUND') return undefined;
      if (e instanceof InputError && e.code === 'JSON_TOO_LARGE') throw fetchError('FETCH_TOO_LARGE', e.message);
      throw e;
    }
  };
}

/**
 * Verify and (when approved) place one plugin; see the module comment.
 *
 * @param opts - policy, index, plugin, directory, fetcher, clock, approval.
 * @returns the report; `report.result.ok === false` carries the coded refusal.
 * @throws {InputError} for unreadable inputs (policy paths, plugin directory, index file),
 *   {@link VerificationError} `INDEX_STATE_INVALID` for a damaged state file.
 * @example
 * ```ts
 * const report = await runInstall({ policy, policyDir, indexSource, pluginId, pluginDir, fetcher, now: Date.now(), approve: () => true });
 * ```
 */
export async function runInstall(opts: RunInstallOptions): Promise<RunInstallReport> {
  const statePath = policyPath(opts.policyDir, opts.policy.stateFile);
  const auditPath = policyPath(opts.policyDir, opts.policy.auditLog);
  const dryRun = opts.dryRun === true;
  const t0 = performance.now();
  const report: Omit<RunInstallReport, 'result'> = { statePath, stateWritten: false, auditPath, audited: false, timings: {} };
  const timed = timer(report.timings);

  // One writer per plugin directory; a dry run writes nothing and takes no lock.
  if (!dryRun) await assertDirectory(opts.pluginDir, 'plugin directory');
  const lock = dryRun
    ? undefined
    : await timed('lock', () => acquirePluginDirLock(opts.pluginDir, { command: `install ${opts.pluginId}`, waitMs: opts.policy.limits.lockWaitMs }));
  // The bundle inspection runs on this thread unless a caller asks for a worker (see the option's
  // note); a worker inspector's thread starts now, so its start overlaps steps 1-4.
  const inspector = opts.inspector ?? inThreadInspector(nodeBundleCodec);
  const prewarmed = 'prewarm' in inspector ? (inspector as WorkerInspectorFactory) : undefined;
  prewarmed?.prewarm();
  try {
    return await installLocked(opts, report, statePath, auditPath, dryRun, inspector);
  } finally {
    prewarmed?.close(); // a worker no inspection took (a refusal before step 5, a v1 artifact)
    await lock?.release();
    report.timings.total = roundMs(performance.now() - t0);
  }
}

const roundMs = (ms: number): number => Math.round(ms * 10) / 10;

/** Runs `fn`, adding its duration to `timings[key]`. */
function timer(timings: InstallTimings) {
  return async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      timings[key] = roundMs((timings[key] ?? 0) + performance.now() - t);
    }
  };
}

async function installLocked(
  opts: RunInstallOptions,
  report: Omit<RunInstallReport, 'result'>,
  statePath: string,
  auditPath: string,
  dryRun: boolean,
  inspector: StreamInspectorFactory,
): Promise<RunInstallReport> {
  const timed = timer(report.timings);
  if (!dryRun) report.recovery = await timed('recovery', () => recoverPluginDir(opts.pluginDir));
  const state: IndexState | undefined = await timed('state_read', () => readIndexStateFile(statePath));

  if ((opts.indexSource === undefined) === (opts.index === undefined)) throw new TypeError('runInstall: give exactly one of indexSource and index');
  let indexBytes: Uint8Array | undefined;
  try {
    if (opts.indexSource !== undefined) {
      if (opts.fetcher === undefined && /^https?:\/\//i.test(opts.indexSource)) throw new TypeError('runInstall: an index URL needs a fetcher');
      indexBytes = await timed('index_read', () => readIndexSource(opts.indexSource!, opts.fetcher!, opts.policy.limits.maxIndexBytes));
    }
  } catch (e) {
    if (!(e instanceof VerificationError || e instanceof PolicyError)) throw e;
    const result: VerifyInstallResult = { ok: false, timings: {}, steps: [{ step: 'index', ok: false, detail: `${e.message} [${e.code}]` }], error: e, nextState: undefined };
    if (!dryRun) await audit(opts, auditPath, result, report);
    return { ...report, result };
  }

  // Where the artifact goes: the stage in the plugin directory, or (dry run) a temporary directory.
  const stage = dryRun ? undefined : await timed('stage_open', () => openPluginStage(opts.pluginDir));
  const tmp = dryRun ? await fs.mkdtemp(path.join(os.tmpdir(), 'lattice-dry-run-')) : undefined;
  let result: VerifyInstallResult;
  try {
    result = await verifyInstall({
      ...(indexBytes !== undefined ? { indexBytes } : { index: opts.index! }),
      policy: opts.policy,
      pluginId: opts.pluginId,
      ...(opts.channel !== undefined ? { channel: opts.channel } : {}),
      ...(opts.version !== undefined ? { version: opts.version } : {}),
      ...(opts.fetcher !== undefined ? { fetcher: opts.fetcher } : {}),
      codec: nodeBundleCodec,
      inspector,
      verifyEd25519: opts.verifyEd25519 ?? createEd25519NodeVerifier(),
      now: opts.now,
      ...(state !== undefined ? { state } : {}),
      ...(opts.host !== undefined ? { host: opts.host } : {}),
      spool: stage ? stage.spool : () => createFileSpool(path.join(tmp!, 'artifact')),
      ...(!dryRun && opts.approve !== undefined ? { approve: opts.approve } : {}),
      ...(opts.onProgress !== undefined ? { onProgress: opts.onProgress } : {}),
      // Index v1: beside the index file or at its URL's origin; repository v2 sources read their own targets.
      ...(opts.indexSource !== undefined ? { storedManifest: storedManifestReader(opts.indexSource, opts.fetcher) } : {}),
    });
  } catch (e) {
    await stage?.abort();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  Object.assign(report.timings, result.timings);

  try {
    // The index was genuine and current: the rollback state moves forward (never back).
    if (!dryRun && result.nextState !== undefined) {
      await timed('state_write', () => writeIndexStateFile(statePath, result.nextState!, opts.now));
      report.stateWritten = true;
    }
    if (result.ok && result.approved && stage !== undefined) {
      try {
        const candidate = result.candidate;
        report.placed = await timed('placement', () => stage.commit(candidate.plugin.id, candidate.manifestBytes, opts.placementHooks));
      } catch (e) {
        if (!(e instanceof VerificationError)) throw e;
        report.placementError = e;
      }
    } else if (result.ok) {
      await result.candidate.artifact.discard();
    }
  } finally {
    await stage?.abort();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  }
  if (!dryRun) await timed('audit', () => audit(opts, auditPath, result, report));
  return { ...report, result };
}

async function audit(opts: RunInstallOptions, auditPath: string, result: VerifyInstallResult, report: Omit<RunInstallReport, 'result'>): Promise<void> {
  // An index that is not even strict JSON is unreadable input (the CLI exits 2), not a
  // refusal of a candidate: nothing is recorded, like any other unreadable input.
  if (!result.ok && result.error.code.startsWith('JSON_')) return;
  const event = opts.auditEvent ?? 'plugin.install';
  const base = {
    time: formatRFC3339UTC(opts.now),
    plugin: opts.pluginId,
    ...(opts.version !== undefined ? { pinned_version: opts.version } : {}),
    channel: opts.channel ?? 'stable',
    index: opts.indexSource ?? opts.index!.label,
    ...(opts.policySha256 !== undefined ? { policy_sha256: opts.policySha256 } : {}),
    ...(opts.auditExtra?.() ?? {}),
  };
  if (result.ok) {
    const c = result.candidate;
    const placed = report.placed !== undefined;
    const placedOutcome = event === 'plugin.upgrade' ? 'upgraded' : report.placed?.replaced ? 'replaced' : 'installed';
    await appendAuditRecord(auditPath, {
      ...base,
      event: placed ? event : `${event}.failed`,
      outcome: placed ? placedOutcome : 'placement-failed',
      ...(report.placementError ? { code: report.placementError.code, message: report.placementError.message } : {}),
      version: c.release.version,
      publisher: c.plugin.publisher,
      publisher_keyid: c.publisherKey.keyid,
      type: c.plugin.type,
      capabilities: result.summary.capabilities.map((x) => ({ name: x.name, risk: x.risk })),
      artifact_sha256: c.artifactSha256,
      artifact_bytes: c.artifactBytes,
      manifest_sha256: c.manifestSha256,
      index_generation: c.index.generation ?? null,
      index_payload_sha256: c.index.payloadSha256,
      approved_by: opts.approvedBy ?? 'callback',
      ...(report.placed ? { path: report.placed.path } : {}),
    });
  } else {
    const failed = result.steps.filter((s) => !s.ok).pop();
    await appendAuditRecord(auditPath, {
      ...base,
      event: `${event}.refused`,
      outcome: 'refused',
      step: failed?.step ?? 'index',
      code: result.error.code,
      message: result.error.message,
    });
  }
  report.audited = true;
}
