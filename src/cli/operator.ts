/**
 * What the operator's commands share (`install`, `candidates`, `installed`,
 * `upgrade`, `rollback`, `remove`, `audit`; issue 15): the verified index
 * for a listing, the escalation gate of an approval, the interrupt cleanup,
 * the installed-plugin reports.
 *
 * @module
 */
import path from 'node:path';
import { PolicyError, type VerificationError } from '../core/errors.js';
import { serverRules, type ServerRules } from '../core/server-line.js';
import { compareVersions } from '../core/version-range.js';
import { sha256Hex } from '../crypto/index.js';
import type { VerifiedIndex } from '../domain/index/verify.js';
import {
  approvalsFromAudit,
  capabilityDiff,
  escalationWords,
  formatCapabilityDiff,
  judgeInstalled,
  manifestCapabilityView,
  type CapabilityDiff,
  type InstalledReport,
} from '../domain/install/installed.js';
import { verifyIndexForInstall, type ApproveCallback, type InstallStep } from '../domain/install/pipeline.js';
import type { HostProfile, InstallPolicy } from '../domain/install/policy.js';
import { formatApprovalSummary } from '../domain/install/summary.js';
import { decodeManifest } from '../domain/manifest/decode.js';
import type { Manifest } from '../domain/manifest/model.js';
import { readFileBounded } from '../io/files.js';
import { readIndexStateFile } from '../io/index-state.js';
import { nodeEd25519Verifier, readAuditLog, readInstalledPlugins, type AuditLogRead } from '../io/installed.js';
import { policyPath, readIndexSource } from '../io/install.js';
import { MANIFEST_FILE, PLUGIN_DIR_SUFFIX, removeOpenStagesSync } from '../io/placement.js';
import { releaseHeldLocksSync } from '../io/plugin-dir-lock.js';
import { promptYesNo } from './prompt.js';
import { commandFetcher } from './command-fetcher.js';
import { cliIo, err } from './run.js';
import { UsageError, type OptionSpec } from './spec.js';

/** `--index`, `--repo`, `--policy`, `--now` and the hidden loopback switch. */
export const INDEX_SOURCE_OPTIONS: Readonly<Record<string, OptionSpec>> = Object.freeze({
  index: { type: 'string', value: 'URL|FILE', describe: 'index v1: the signed plugins.json, an https:// URL or a file' },
  repo: { type: 'string', value: 'URL', describe: "repository v2: its base URL (default: the policy's repository.url); trust starts from the policy's pinned root" },
  policy: { type: 'string', value: 'FILE', required: true, describe: 'install policy file (lattice.plugin.install-policy.v1)' },
  now: { type: 'string', value: 'RFC3339', describe: 'reference time (RFC 3339 UTC) instead of the clock' },
  'test-loopback-http': { type: 'boolean', default: false, hidden: true, describe: 'TEST ONLY: plain HTTP to 127.0.0.1/localhost' },
});

/** Arguments of {@link INDEX_SOURCE_OPTIONS}. */
export interface IndexSourceArgs {
  index?: string;
  repo?: string;
  'test-loopback-http': boolean;
}

/** A verified index for a listing, or the coded failure of step 1. */
export type ListingIndex =
  | { ok: true; verified: VerifiedIndex; steps: InstallStep[]; source: string; v2: boolean }
  | { ok: false; error: VerificationError | PolicyError; steps: InstallStep[]; source: string; v2: boolean };

/**
 * Verify the whole index as `install` verifies it (DESIGN §5 step 1), read
 * only: index v1 with the stored rollback state (read, never written), or
 * every target of repository v2 from the pinned root (the trusted metadata
 * folder is read, never written).
 *
 * @param args - `--index` / `--repo` and the loopback switch.
 * @param policy - the policy.
 * @param policyDir - its directory.
 * @param now - reference time.
 * @param host - host overrides (another server version).
 * @returns the verified index or the coded failure.
 * @throws {UsageError} when neither source is given and the policy names no repository URL.
 */
export async function verifyListingIndex(args: IndexSourceArgs, policy: InstallPolicy, policyDir: string, now: number, host?: Partial<HostProfile>): Promise<ListingIndex> {
  const v2 = args.repo !== undefined || (args.index === undefined && policy.repository?.url !== undefined);
  if (!v2 && args.index === undefined) throw new UsageError('expected --index URL|FILE (index v1) or --repo URL (repository v2)');
  const caPem = policy.limits.caFile !== undefined ? new TextDecoder().decode(await readFileBounded(policyPath(policyDir, policy.limits.caFile), 1024 * 1024, 'CA file')) : undefined;
  const fetcher = await commandFetcher({ 'test-loopback-http': args['test-loopback-http'] }, policy.limits, caPem);
  const source = v2 ? (args.repo ?? policy.repository!.url!) : args.index!;
  if (v2) {
    // Repository code is loaded only for a repository (CLI start of the index-v1 commands).
    const [{ policyRepositoryClient }, { loadRepositoryPlugins }] = await Promise.all([import('./repository-inputs.js'), import('../domain/repository/install-source.js')]);
    const { open } = await policyRepositoryClient({ policy, policyDir, ...(args.repo !== undefined ? { repoUrl: args.repo } : {}), fetcher: async () => fetcher, now, dryRun: true });
    const opened = await open();
    if (!opened.ok) return { ok: false, error: opened.error, steps: [{ step: 'index.root', ok: false, detail: `${opened.error.message} [${opened.error.code}]` }], source, v2 };
    const all = await loadRepositoryPlugins(opened.value, host?.serverLine ?? policy.host.serverLine, now);
    return all.ok ? { ok: true, verified: all.value, steps: opened.value.steps, source, v2 } : { ok: false, error: all.error, steps: opened.value.steps, source, v2 };
  }
  const state = await readIndexStateFile(policyPath(policyDir, policy.stateFile));
  const bytes = await readIndexSource(args.index!, fetcher, policy.limits.maxIndexBytes);
  // A listing verifies many signatures (the index's, then every installed manifest's): OpenSSL's verifier, Go's verdicts.
  return { ...verifyIndexForInstall(bytes, policy, now, state, host, nodeEd25519Verifier()), source, v2 };
}

/**
 * While `fn` runs, Ctrl-C (SIGINT) or SIGTERM removes this process's
 * unfinished stage and releases the plugin-directory lock before exiting
 * (130 / 143). A committed rename is never undone.
 *
 * @param what - what was not done, for the message (`nothing was installed`).
 * @param fn - the work.
 * @returns what `fn` returns.
 */
export async function withInterruptCleanup<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const onSignal = (signal: NodeJS.Signals): void => {
    const removed = removeOpenStagesSync();
    releaseHeldLocksSync();
    err(`lattice-index: interrupted (${signal})${removed.length > 0 ? `; removed the unfinished stage` : ''}; ${what}`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** What the approval saw, for the audit record. */
export interface ApprovalState {
  /** The installed version the candidate replaces (absent: a fresh install). */
  fromVersion?: string;
  fromManifestSha256?: string;
  diff?: CapabilityDiff;
  /** True when an escalation was approved explicitly (prompt or `--approve-escalation`). */
  escalationApproved?: boolean;
}

/** A candidate compared with the installed release. */
export interface InstalledComparison {
  /** The installed version (`(unreadable)` when its manifest does not decode). */
  fromVersion: string;
  fromManifestSha256: string;
  /** What the candidate asks for beyond the installed release (an undecodable one holds nothing: everything is new). */
  diff: CapabilityDiff;
  /** The candidate is not newer than the installed release. */
  notNewer: boolean;
}

/**
 * Compare a candidate manifest with the release installed in the plugin
 * directory (the escalation gate's comparison, also shown by a dry run).
 *
 * @param pluginDir - the plugin directory.
 * @param pluginId - the plugin.
 * @param policy - the policy (manifest cap, server rules).
 * @param version - the candidate's version.
 * @param manifest - the candidate's manifest.
 * @returns the comparison, or `undefined` when nothing is installed.
 */
export async function compareWithInstalled(pluginDir: string, pluginId: string, policy: InstallPolicy, version: string, manifest: Manifest): Promise<InstalledComparison | undefined> {
  const rules: ServerRules = serverRules(policy.host.serverRules);
  let installedBytes: Uint8Array;
  try {
    installedBytes = await readFileBounded(path.join(pluginDir, `${pluginId}${PLUGIN_DIR_SUFFIX}`, MANIFEST_FILE), policy.limits.maxManifestBytes, 'installed manifest');
  } catch {
    return undefined;
  }
  const d = decodeManifest(installedBytes, { serverVersion: rules.version });
  const from = d.ok ? manifestCapabilityView(d.manifest) : { type: '', capabilities: [], runtimeProtocol: '', hostAccess: [] };
  const fromVersion = d.ok ? d.manifest.version : '(unreadable)';
  return {
    fromVersion,
    fromManifestSha256: sha256Hex(installedBytes),
    diff: capabilityDiff(from, manifestCapabilityView(manifest), rules),
    notNewer: d.ok && compareVersions(version, fromVersion) <= 0,
  };
}

/**
 * The refusal of an upgrade whose candidate is not newer than the installed release.
 *
 * @param pluginId - the plugin.
 * @param cmp - the comparison (its `notNewer` is true).
 * @param version - the candidate's version.
 * @returns the error (not thrown).
 */
export function notNewerError(pluginId: string, cmp: InstalledComparison, version: string): PolicyError {
  return new PolicyError('UPGRADE_NOT_NEWER', `${pluginId} ${cmp.fromVersion} is installed; the newest release the policy allows is ${version} — nothing to upgrade`);
}

/** Options of {@link approvalGate}. */
export interface ApprovalGateOptions {
  pluginDir: string;
  pluginId: string;
  policy: InstallPolicy;
  yes: boolean;
  approveEscalation: boolean;
  /** Where texts go (stderr with --json). */
  text: (line: string) => void;
  /** `upgrade`: the candidate must be newer than the installed release. */
  requireNewer?: boolean;
}

/**
 * The approval of `install` and `upgrade` (issue 15 item 2). When a release
 * is installed already (read at decision time, under the lock), the
 * candidate manifest is compared with it: an escalation — new capabilities,
 * a raised risk tier, new host access, another runtime or type — is shown as
 * a diff and needs its own approval: `y` at its prompt, or
 * `--approve-escalation` besides `--yes`; `--yes` alone refuses it
 * (`ESCALATION_NOT_APPROVED`). Anything else follows the normal approval.
 *
 * @param o - directory, plugin, flags, output.
 * @returns the callback and the state it fills in (for the audit record).
 */
export function approvalGate(o: ApprovalGateOptions): { approve: ApproveCallback; state: ApprovalState } {
  const io = cliIo();
  const interactive = io.stdin.isTTY === true && io.stderr.isTTY === true;
  const state: ApprovalState = {};
  const approve: ApproveCallback = async (summary, manifest) => {
    o.text(formatApprovalSummary(summary));
    const cmp = await compareWithInstalled(o.pluginDir, o.pluginId, o.policy, summary.version, manifest);
    if (cmp !== undefined) {
      const { fromVersion, diff } = cmp;
      state.fromVersion = fromVersion;
      state.fromManifestSha256 = cmp.fromManifestSha256;
      if (o.requireNewer && cmp.notNewer) return notNewerError(o.pluginId, cmp, summary.version);
      state.diff = diff;
      o.text(formatCapabilityDiff(diff, fromVersion, summary.version));
      if (diff.escalates) {
        if (o.yes && o.approveEscalation) {
          o.text('Escalation approved with --yes --approve-escalation.');
          state.escalationApproved = true;
          return true;
        }
        if (o.yes) {
          return new PolicyError(
            'ESCALATION_NOT_APPROVED',
            `${o.pluginId} ${summary.version} asks for more than the installed ${fromVersion} (${escalationWords(diff)}); --yes alone does not approve an escalation: review the diff, then add --approve-escalation`,
          );
        }
        if (!interactive) {
          err('lattice-index: no TTY to ask for approval of the escalation; review the diff, then approve with --yes --approve-escalation');
          return false;
        }
        const yes = await promptYesNo('This release asks for MORE than you approved. Grant the escalation? [y/N] ', { input: io.stdin, output: io.stderr });
        state.escalationApproved = yes;
        return yes;
      }
    }
    if (o.yes) {
      o.text('Approved with --yes.');
      return true;
    }
    if (!interactive) {
      err('lattice-index: no TTY to ask for approval; review with --dry-run, then approve with --yes');
      return false;
    }
    return promptYesNo('Grant these capabilities? [y/N] ', { input: io.stdin, output: io.stderr });
  };
  return { approve, state };
}

/**
 * The audit record members of an approval: what was compared and whether an escalation was approved.
 *
 * @param state - the gate's state.
 * @returns members for `runInstall({ auditExtra })`.
 */
export function approvalAuditExtra(state: ApprovalState): Record<string, unknown> {
  return {
    ...(state.fromVersion !== undefined ? { from_version: state.fromVersion, from_manifest_sha256: state.fromManifestSha256 } : {}),
    ...(state.diff !== undefined
      ? {
          escalation: state.diff.escalates
            ? {
                added: state.diff.added,
                raised_risk: state.diff.raisedRisk,
                host_access_added: state.diff.hostAccessAdded,
                runtime: state.diff.runtime,
                type: state.diff.type,
              }
            : null,
          escalation_approved: state.diff.escalates ? state.escalationApproved === true : false,
        }
      : {}),
  };
}

/** Reports on the installed plugins, with the audit log read. */
export interface InstalledListing {
  reports: InstalledReport[];
  audit: AuditLogRead;
  auditPath: string;
}

/**
 * Judge every installed plugin against a verified index (or none: every
 * plugin then reads `not-in-index`).
 *
 * @param o - directory, policy, index, clock.
 * @returns the reports, sorted by id.
 */
export async function installedReports(o: { pluginDir: string; policy: InstallPolicy; policyDir: string; verified: VerifiedIndex | undefined; now: number; only?: string }): Promise<InstalledListing> {
  const auditPath = policyPath(o.policyDir, o.policy.auditLog);
  const audit = await readAuditLog(auditPath);
  const approvals = approvalsFromAudit(audit.records);
  const installed = await readInstalledPlugins(o.pluginDir, {
    maxManifestBytes: o.policy.limits.maxManifestBytes,
    maxArtifactBytes: o.policy.limits.maxArtifactBytes,
    ...(o.only !== undefined ? { only: o.only } : {}),
  });
  const rules = serverRules(o.policy.host.serverRules);
  const verifyEd25519 = nodeEd25519Verifier();
  const reports = installed.map((files) =>
    judgeInstalled({ files, approval: approvals.get(files.id), verified: o.verified, policy: o.policy, rules, now: o.now, verifyEd25519 }),
  );
  return { reports, audit, auditPath };
}
