/**
 * `lattice-index install PLUGIN_ID (--index URL|FILE | --repo URL | --from
 * BUNDLE) --policy FILE --plugin-dir DIR [--channel alpha] [--dry-run] [--yes]
 * [--json]` — verify one plugin end to end (DESIGN §5) and, after the
 * operator approves, place it atomically as
 * `<dir>/<id>.plugin/{manifest.json,artifact}` and append an audit record.
 *
 * Step 1 reads index v1 (`--index`), or repository v2 (`--repo`, or the
 * policy's `repository.url`): the TUF client workflow from the policy's
 * pinned root plus the plugin's target, or an offline bundle (`--from`),
 * verified the same way with no network — no fetcher is made at all.
 *
 * Approval: the summary (publisher and trust, version and channel, each
 * capability with its risk tier and meaning, digests, compatibility) is
 * printed, then `Grant these capabilities? [y/N]` is asked on a TTY. Without
 * a TTY the install is refused (`APPROVAL_REQUIRED`) unless `--yes` is given
 * — review with `--dry-run` first. `--dry-run` verifies everything and writes
 * nothing (no placement, no state, no audit record).
 *
 * Exit 0 installed (or dry run passed); 1 refused or verification failed
 * (`lattice-index: <message> [CODE]`); 2 usage or unreadable input.
 *
 * `--test-loopback-http` (hidden): TEST ONLY — plain HTTP to 127.0.0.1 /
 * localhost (see `src/io/fetch.ts`).
 *
 * @module
 */
import { RELEASE_CHANNELS, type ReleaseChannel } from '../../core/index/types.js';
import { InputError, type PolicyError } from '../../core/errors.js';
import { validIndexVersion, validPluginID } from '../../core/rules.js';
import { assertDirectory, readFileBounded } from '../../io/files.js';
import { policyPath, runInstall } from '../../io/install.js';
import type { InstallPolicy } from '../../domain/install/policy.js';
import type { OfflineBundle } from '../../domain/repository/bundle.js';
import { commandFetcher } from '../command-fetcher.js';
import { loadInstallPolicy, parseTimeFlag, printSteps } from '../inputs.js';
import { createProgressBar, type ProgressBar } from '../progress.js';
import { approvalAuditExtra, approvalGate, compareWithInstalled, notNewerError, withInterruptCleanup, type InstalledComparison } from '../operator.js';
import { formatCapabilityDiff } from '../../domain/install/installed.js';
import { formatApprovalSummary } from '../../domain/install/summary.js';
import { cliIo, err, EXIT, exitCodeFor, out, outJSON } from '../run.js';
import { defineCommand, UsageError } from '../spec.js';

/** Read an offline bundle file (capped at the artifact limit plus room for metadata). */
async function readBundleFile(file: string, policy: InstallPolicy): Promise<OfflineBundle> {
  const bytes = await readFileBounded(file, policy.limits.maxArtifactBytes + policy.limits.maxManifestBytes + 64 * 1024 * 1024, 'offline bundle');
  // Repository code is loaded only when a command needs it (CLI start of `install --index`).
  const { readOfflineBundle } = await import('../../domain/repository/bundle.js');
  const r = await readOfflineBundle(bytes, { maxArtifactBytes: policy.limits.maxArtifactBytes, maxManifestBytes: policy.limits.maxManifestBytes });
  if (!r.ok) throw r.error;
  return r.bundle;
}

export interface InstallArgs {
  plugin: string;
  index?: string;
  repo?: string;
  from?: string;
  policy: string;
  'plugin-dir': string;
  channel?: ReleaseChannel;
  'dry-run': boolean;
  yes: boolean;
  'approve-escalation': boolean;
  json: boolean;
  timings: boolean;
  now?: string;
  'test-loopback-http': boolean;
}

/**
 * The `--timings` line: total first, then every phase in the order it ran.
 *
 * @param t - phase → ms (`command_total`, `startup`, runInstall's timings).
 * @returns one line.
 * @example
 * ```ts
 * formatTimings({ startup: 80, index: 3, command_total: 400 }); // 'timings (ms): total 400; startup 80, index 3'
 * ```
 */
export function formatTimings(t: Record<string, number>): string {
  const parts = Object.entries(t)
    .filter(([k]) => k !== 'command_total' && k !== 'total')
    .map(([k, v]) => `${k} ${v}`);
  return `timings (ms): total ${t.command_total ?? t.total ?? 0}${t.total !== undefined ? ` (install ${t.total})` : ''}; ${parts.join(', ')}`;
}

/**
 * Split `ID` or `ID@VERSION`.
 *
 * @param spec - the positional as given.
 * @throws {InputError} `INPUT_INVALID` for anything else.
 */
export function parsePluginSpec(spec: string): { pluginId: string; version?: string } {
  const at = spec.lastIndexOf('@');
  const pluginId = at > 0 ? spec.slice(0, at) : spec;
  const version = at > 0 ? spec.slice(at + 1) : undefined;
  if (!validPluginID(pluginId) || (version !== undefined && !validIndexVersion(version))) {
    throw new InputError('INPUT_INVALID', `expected a plugin id or id@version, found ${JSON.stringify(spec)}`);
  }
  return { pluginId, ...(version !== undefined ? { version } : {}) };
}

/** The options `install` and `upgrade` share, worded once. */
export const INSTALL_SHARED_OPTIONS = {
  index: { type: 'string', value: 'URL|FILE', describe: 'index v1: the signed plugins.json, an https:// URL or a file' },
  repo: { type: 'string', value: 'URL', describe: "repository v2 (TUF): its base URL; trust starts from the policy's pinned root (default: the policy's repository.url)" },
  policy: { type: 'string', value: 'FILE', required: true, describe: 'install policy file (lattice.plugin.install-policy.v1)' },
  'plugin-dir': { type: 'string', value: 'DIR', required: true, describe: "the server's plugin directory (must exist)" },
  json: { type: 'boolean', describe: 'print the result as JSON on stdout (texts go to stderr)' },
  timings: { type: 'boolean', describe: 'print where the time went (ms per phase) on stderr; --json always carries timings_ms' },
  now: { type: 'string', value: 'RFC3339', describe: 'reference time (RFC 3339 UTC) instead of the clock' },
  'test-loopback-http': { type: 'boolean', hidden: true, describe: 'TEST ONLY: plain HTTP to 127.0.0.1/localhost' },
} as const;

export const installCommand = defineCommand<InstallArgs>({
  name: 'install',
  positionals: [
    { name: 'plugin', describe: "ID (the channel's current release) or ID@VERSION (exactly that release)" },
  ],
  conflicts: [['index', 'repo'], ['index', 'from'], ['repo', 'from']],
  options: {
    index: INSTALL_SHARED_OPTIONS.index,
    repo: INSTALL_SHARED_OPTIONS.repo,
    from: { type: 'string', value: 'FILE', describe: 'an offline bundle (lattice-index export): verified and installed with no network' },
    policy: INSTALL_SHARED_OPTIONS.policy,
    'plugin-dir': INSTALL_SHARED_OPTIONS['plugin-dir'],
    channel: { type: 'string', choices: RELEASE_CHANNELS, describe: 'release channel (default stable; alpha must be asked for and allowed)' },
    'dry-run': { type: 'boolean', describe: 'verify everything, write nothing' },
    yes: { type: 'boolean', describe: 'approve without asking (required without a TTY)' },
    'approve-escalation': { type: 'boolean', describe: 'with --yes: also approve an escalation over the installed release (new capabilities, higher risk, new host access, another runtime or type)' },
    json: INSTALL_SHARED_OPTIONS.json,
    timings: INSTALL_SHARED_OPTIONS.timings,
    now: INSTALL_SHARED_OPTIONS.now,
    'test-loopback-http': INSTALL_SHARED_OPTIONS['test-loopback-http'],
  },
  run: (args) => installOrUpgrade(args),
});

/** What `upgrade` changes in the install flow. */
export interface UpgradeMode {
  pluginId: string;
  /** `--to VERSION`. */
  to?: string;
  /**
   * Check the installed release before anything is fetched (`PLUGIN_NOT_INSTALLED`,
   * `UPGRADE_NOT_NEWER` for `--to`); returns the channel to upgrade on.
   */
  precheck: (policy: InstallPolicy) => Promise<ReleaseChannel | undefined>;
}

/**
 * `install` — and `upgrade`, which is the same pipeline and placement on an
 * installed plugin: the candidate must be newer, the escalation gate always
 * applies, the audit event is `plugin.upgrade`.
 *
 * @param args - the install arguments.
 * @param upgrade - set for `upgrade`.
 */
export async function installOrUpgrade(args: InstallArgs, upgrade?: UpgradeMode): Promise<void> {
    const commandStart = performance.now();
    const processStart = 0; // performance.now() counts from the start of the process
    // Every input is checked before the first side effect.
    const now = parseTimeFlag('--now', args.now);
    const { pluginId, version: pinnedVersion } = upgrade !== undefined ? { pluginId: upgrade.pluginId, ...(upgrade.to !== undefined ? { version: upgrade.to } : {}) } : parsePluginSpec(args.plugin);
    const { policy, policyDir, policySha256 } = await loadInstallPolicy(args.policy);
    await assertDirectory(args['plugin-dir'], 'plugin directory');
    // upgrade: checked against what is installed before anything is fetched.
    const channel = upgrade !== undefined ? await upgrade.precheck(policy) : args.channel;
    const v2 = args.repo !== undefined || args.from !== undefined || (args.index === undefined && policy.repository?.url !== undefined);
    if (!v2 && args.index === undefined) throw new UsageError('expected one of --index URL|FILE (index v1), --repo URL (repository v2) or --from FILE (offline bundle)');
    // An offline bundle: read and checked before anything else; no fetcher exists at all.
    const bundle = args.from !== undefined ? await readBundleFile(args.from, policy) : undefined;
    if (bundle !== undefined && bundle.plugin !== pluginId) throw new InputError('INPUT_INVALID', `the offline bundle is for ${bundle.plugin}, not ${pluginId}`);
    if (bundle !== undefined && pinnedVersion !== undefined && bundle.version !== pinnedVersion) throw new InputError('INPUT_INVALID', `the offline bundle holds ${bundle.plugin}@${bundle.version}, not @${pinnedVersion}`);
    const caPem = policy.limits.caFile !== undefined ? new TextDecoder().decode(await readFileBounded(policyPath(policyDir, policy.limits.caFile), 1024 * 1024, 'CA file')) : undefined;
    const loopback = args['test-loopback-http'];
    const fetcher = bundle === undefined ? await commandFetcher({ 'test-loopback-http': loopback }, policy.limits, caPem) : undefined;
    const index = v2
      ? await (await import('../repository-inputs.js')).repositoryInstallSource({
          policy,
          policyDir,
          ...(args.repo !== undefined ? { repoUrl: args.repo } : {}),
          ...(bundle !== undefined ? { bundle, bundleFile: args.from! } : {}),
          ...(fetcher !== undefined ? { fetcher: async () => fetcher } : {}),
          now,
          dryRun: args['dry-run'],
        })
      : undefined;
    const version = pinnedVersion ?? bundle?.version;
    const text = args.json ? err : out;
    const io = cliIo();
    let bar: ProgressBar | undefined;
    // Over an installed release, an escalation needs its own approval (as `upgrade`).
    const gate = approvalGate({ pluginDir: args['plugin-dir'], pluginId, policy, yes: args.yes, approveEscalation: args['approve-escalation'], text, requireNewer: upgrade !== undefined });
    const report = await withInterruptCleanup(upgrade !== undefined ? 'nothing was upgraded' : 'nothing was installed', () =>
      runInstall({
        policy,
        policyDir,
        ...(index !== undefined ? { index } : { indexSource: args.index! }),
        pluginId,
        ...(version !== undefined ? { version } : {}),
        ...(channel !== undefined ? { channel } : {}),
        pluginDir: args['plugin-dir'],
        ...(fetcher !== undefined ? { fetcher } : {}),
        now,
        dryRun: args['dry-run'],
        approve: gate.approve,
        approvedBy: args.yes ? (args['approve-escalation'] ? '--yes --approve-escalation' : '--yes') : 'tty',
        policySha256,
        ...(upgrade !== undefined ? { auditEvent: 'plugin.upgrade' } : {}),
        auditExtra: () => approvalAuditExtra(gate.state),
        onProgress: (purpose, received, total) => {
          if (purpose !== 'artifact' || args.json) return;
          bar ??= createProgressBar(io.stderr, 'downloading artifact');
          bar.update(received, total);
        },
      }),
    );
    bar?.done();
    const r = report.result;
    // A dry run shows what the approval would see: the summary, and the diff against an installed release.
    let compared: InstalledComparison | undefined;
    let dryRunRefusal: PolicyError | undefined;
    if (args['dry-run'] && r.ok) {
      compared = await compareWithInstalled(args['plugin-dir'], pluginId, policy, r.summary.version, r.candidate.manifest);
      if (upgrade !== undefined && compared?.notNewer) {
        dryRunRefusal = notNewerError(pluginId, compared, r.summary.version);
      }
    }
    // Process start to here: starting Node and loading the command (the rest is runInstall's own phases).
    const timings = { startup: Math.round((commandStart - processStart) * 10) / 10, ...report.timings, command_total: Math.round((performance.now() - processStart) * 10) / 10 };
    if (args.timings) err(formatTimings(timings));
    if (args.json) {
      const failure = !r.ok ? r.error : (report.placementError ?? dryRunRefusal);
      outJSON({
        ok: failure === undefined,
        plugin: args.plugin,
        dry_run: args['dry-run'],
        ...(r.ok ? { approved: r.approved, summary: r.summary } : {}),
        ...(compared !== undefined
          ? { installed: { version: compared.fromVersion, manifest_sha256: compared.fromManifestSha256, escalates: compared.diff.escalates, diff: compared.diff } }
          : {}),
        ...(failure !== undefined ? { code: failure.code, error: failure.name, message: failure.message, exit: exitCodeFor(failure.code) } : {}),
        ...(report.placed ? { placed: report.placed } : {}),
        state: { path: report.statePath, written: report.stateWritten },
        audit: { path: report.auditPath, appended: report.audited },
        steps: r.steps,
        timings_ms: timings,
      });
    }
    if (!r.ok) {
      // Unreadable input is one line; a verdict shows the steps that led to it.
      if (!args.json && exitCodeFor(r.error.code) !== EXIT.USAGE) printSteps(r.steps, err);
      throw r.error;
    }
    if (report.placementError) throw report.placementError;
    if (dryRunRefusal) throw dryRunRefusal;
    if (!args.json) printSteps(r.steps, out);
    if (args['dry-run']) {
      text(formatApprovalSummary(r.summary));
      if (compared !== undefined) {
        text(formatCapabilityDiff(compared.diff, compared.fromVersion, r.summary.version));
        if (compared.diff.escalates) text('This release asks for MORE than the installed one: approving it needs y at its prompt, or --approve-escalation besides --yes.');
      }
      text(`dry run: ${args.plugin} ${r.summary.version} passed every check; nothing was written`);
      return;
    }
    const placed = report.placed!;
    if (upgrade !== undefined) text(`upgraded ${pluginId} ${gate.state.fromVersion ?? '?'} → ${r.summary.version} at ${placed.path}; the previous release is kept for rollback`);
    else text(`${placed.replaced ? 'replaced' : 'installed'} ${args.plugin} ${r.summary.version} → ${placed.path}${placed.replaced ? '; the previous release is kept for rollback' : ''}`);
    text(`artifact sha256 ${r.candidate.artifactSha256}; audit record appended to ${report.auditPath}`);
  
}
