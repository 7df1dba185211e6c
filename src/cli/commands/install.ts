/**
 * `lattice-index install PLUGIN_ID --index URL|FILE --policy FILE --plugin-dir DIR
 * [--channel alpha] [--dry-run] [--yes] [--json]` — verify one plugin end to
 * end (DESIGN §5) and, after the operator approves, place it atomically as
 * `<dir>/<id>.plugin/{manifest.json,artifact}` and append an audit record.
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
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import type { ReleaseChannel } from '../../core/index/types.js';
import { MAX_INSTALL_POLICY_BYTES, parseInstallPolicy, type InstallPolicy } from '../../domain/install/policy.js';
import { formatApprovalSummary, type ApprovalSummary } from '../../domain/install/summary.js';
import type { InstallStep } from '../../domain/install/pipeline.js';
import { createHttpsFetcher, fetcherOptionsFromLimits } from '../../io/fetch.js';
import { readFileBounded } from '../../io/files.js';
import { runInstall } from '../../io/install.js';
import { createProgressBar, type ProgressBar } from '../progress.js';
import { promptYesNo } from '../prompt.js';
import { err, oneLine, out } from '../run.js';
import { parseTimeFlag } from './verify.js';
import { InputError } from '../../core/errors.js';
import { validIndexVersion, validPluginID } from '../../core/rules.js';

interface InstallArgs {
  plugin: string;
  index: string;
  policy: string;
  'plugin-dir': string;
  channel?: ReleaseChannel;
  'dry-run': boolean;
  yes: boolean;
  json: boolean;
  now?: string;
  'test-loopback-http': boolean;
}

/**
 * Read and parse the install policy file, printing every problem to stderr.
 *
 * @param file - the policy path.
 * @returns the policy and its directory.
 * @throws {InputError} `INPUT_UNREADABLE` or `INSTALL_POLICY_INVALID`.
 */
export async function loadInstallPolicy(file: string): Promise<{ policy: InstallPolicy; policyDir: string }> {
  const bytes = await readFileBounded(file, MAX_INSTALL_POLICY_BYTES);
  const r = parseInstallPolicy(bytes);
  if (!r.ok) {
    for (const p of r.problems.slice(1)) err(`${file}: ${p.instancePath || '/'}: ${p.message}`);
    throw r.error;
  }
  return { policy: r.policy, policyDir: path.dirname(path.resolve(file)) };
}

/**
 * Print the pipeline's steps, one line each.
 *
 * @param steps - the recorded steps.
 * @param write - where to print.
 */
export function printSteps(steps: readonly InstallStep[], write: (line: string) => void): void {
  for (const s of steps) {
    if (s.step.includes('.') && s.ok) continue; // sub-steps: only failures
    write(`${s.ok ? 'ok  ' : 'FAIL'} ${s.step}: ${oneLine(s.detail)}`);
  }
}

export const installCommand: CommandModule<object, InstallArgs> = {
  command: 'install <plugin>',
  describe: 'Verify a plugin end to end (index, publisher, manifest, artifact, capabilities, runner) and place it after approval',
  builder: (y: Argv) =>
    y
      .positional('plugin', { type: 'string', demandOption: true, describe: 'plugin id (acme.tool: the channel\'s current release) or id@version (exactly that release)' })
      .option('index', { type: 'string', demandOption: true, describe: 'the signed index: an https:// URL or a file' })
      .option('policy', { type: 'string', demandOption: true, describe: 'install policy file (lattice.plugin.install-policy.v1)' })
      .option('plugin-dir', { type: 'string', demandOption: true, describe: "the server's plugin directory (must exist)" })
      .option('channel', { choices: ['stable', 'alpha'] as const, describe: 'release channel (default stable; alpha must be asked for and allowed)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'verify everything, write nothing' })
      .option('yes', { type: 'boolean', default: false, describe: 'approve without asking (required without a TTY)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON on stdout (texts go to stderr)' })
      .option('now', { type: 'string', describe: 'reference time (RFC 3339 UTC) instead of the clock' })
      .option('test-loopback-http', { type: 'boolean', default: false, hidden: true, describe: 'TEST ONLY: plain HTTP to 127.0.0.1/localhost' }) as unknown as Argv<InstallArgs>,
  handler: async (args) => {
    const now = parseTimeFlag('--now', args.now);
    const at = args.plugin.lastIndexOf('@');
    const pluginId = at > 0 ? args.plugin.slice(0, at) : args.plugin;
    const pinnedVersion = at > 0 ? args.plugin.slice(at + 1) : undefined;
    if (!validPluginID(pluginId) || (pinnedVersion !== undefined && !validIndexVersion(pinnedVersion))) {
      throw new InputError('INPUT_INVALID', `expected a plugin id or id@version, found ${JSON.stringify(args.plugin)}`);
    }
    const { policy, policyDir } = await loadInstallPolicy(args.policy);
    const loopback = args['test-loopback-http'];
    if (loopback) err('lattice-index: TEST MODE: plain HTTP to loopback addresses is allowed (--test-loopback-http); never use this in production');
    const fetcher = createHttpsFetcher(fetcherOptionsFromLimits(policy.limits, { allowLoopbackHttp: loopback }));
    const text = args.json ? err : out;
    const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
    let bar: ProgressBar | undefined;
    const approve = async (summary: ApprovalSummary): Promise<boolean> => {
      text(formatApprovalSummary(summary));
      if (args.yes) {
        text('Approved with --yes.');
        return true;
      }
      if (!interactive) {
        err('lattice-index: no TTY to ask for approval; review with --dry-run, then approve with --yes');
        return false;
      }
      return promptYesNo('Grant these capabilities? [y/N] ', { input: process.stdin, output: process.stderr });
    };
    const report = await runInstall({
      policy,
      policyDir,
      indexSource: args.index,
      pluginId,
      ...(pinnedVersion !== undefined ? { version: pinnedVersion } : {}),
      ...(args.channel !== undefined ? { channel: args.channel } : {}),
      pluginDir: args['plugin-dir'],
      fetcher,
      now,
      dryRun: args['dry-run'],
      approve,
      approvedBy: args.yes ? '--yes' : 'tty',
      onProgress: (purpose, received, total) => {
        if (purpose !== 'artifact' || args.json) return;
        bar ??= createProgressBar(process.stderr, 'downloading artifact');
        bar.update(received, total);
      },
    });
    bar?.done();
    const r = report.result;
    if (args.json) {
      out(
        JSON.stringify(
          {
            ok: r.ok && report.placementError === undefined,
            plugin: args.plugin,
            dry_run: args['dry-run'],
            ...(r.ok ? { approved: r.approved, summary: r.summary } : { code: r.error.code, error: r.error.name, message: r.error.message }),
            ...(report.placed ? { placed: report.placed } : {}),
            ...(report.placementError ? { code: report.placementError.code, message: report.placementError.message } : {}),
            state: { path: report.statePath, written: report.stateWritten },
            audit: { path: report.auditPath, appended: report.audited },
            steps: r.steps,
          },
          null,
          2,
        ),
      );
    }
    if (!r.ok) {
      if (!args.json) printSteps(r.steps, err);
      throw r.error;
    }
    if (report.placementError) throw report.placementError;
    if (!args.json) printSteps(r.steps, out);
    if (args['dry-run']) {
      text(`dry run: ${args.plugin} ${r.summary.version} passed every check; nothing was written`);
      return;
    }
    const placed = report.placed!;
    text(`${placed.replaced ? 'replaced' : 'installed'} ${args.plugin} ${r.summary.version} → ${placed.path}`);
    text(`artifact sha256 ${r.candidate.artifactSha256}; audit record appended to ${report.auditPath}`);
  },
};
