/**
 * `lattice-index upgrade ID [--to VERSION] (--index URL|FILE | --repo URL)
 * --policy FILE --plugin-dir DIR [--channel alpha] [--dry-run] [--yes]
 * [--approve-escalation] [--json] [--timings]` (issue 15 item 2) — the full eight-step
 * pipeline (`install`'s) on the candidate, then the candidate manifest is
 * compared with the installed one: new capabilities, a raised risk tier,
 * new host access, another runtime or type. An escalation is shown as a
 * diff and needs its own approval (`y` at its prompt, or
 * `--approve-escalation` besides `--yes`); `--yes` alone refuses it with
 * `ESCALATION_NOT_APPROVED`. A non-escalating upgrade follows the normal
 * approval. Placement is atomic under the plugin-directory lock; the
 * replaced release is kept in `<dir>/.lattice-keep/<id>/previous/` (not
 * loaded by the server) for `rollback ID`; the audit record
 * (`plugin.upgrade`) names the approved capability set, the digests, the
 * index generation, the policy digest and the escalation approved.
 *
 * The channel is the one the installed release was approved on (its audit
 * record), unless `--channel` says otherwise. Without `--to` the newest
 * release the policy allows is the candidate; a candidate that is not newer
 * is `UPGRADE_NOT_NEWER` (with `--to`, before anything is fetched).
 * `--dry-run` verifies the candidate like the upgrade and prints its
 * approval summary and its diff against the installed release (with
 * `--json`: `installed.diff`), writing nothing — what an escalation would
 * ask for, before anyone is asked.
 *
 * Exit 0 upgraded; 1 refused (`PLUGIN_NOT_INSTALLED`, `UPGRADE_NOT_NEWER`,
 * `ESCALATION_NOT_APPROVED`, any install code); 2 usage or unreadable input.
 *
 * @module
 */
import path from 'node:path';
import { InputError, PolicyError } from '../../core/errors.js';
import { RELEASE_CHANNELS, type ReleaseChannel } from '../../core/index/types.js';
import { validIndexVersion, validPluginID } from '../../core/rules.js';
import { serverRules } from '../../core/server-line.js';
import { compareVersions } from '../../core/version-range.js';
import { approvalsFromAudit } from '../../domain/install/installed.js';
import { decodeManifest } from '../../domain/manifest/decode.js';
import { readFileBounded } from '../../io/files.js';
import { readAuditLog } from '../../io/installed.js';
import { policyPath } from '../../io/install.js';
import { MANIFEST_FILE, PLUGIN_DIR_SUFFIX } from '../../io/placement.js';
import { defineCommand } from '../spec.js';
import { INSTALL_SHARED_OPTIONS, installOrUpgrade, type InstallArgs } from './install.js';

interface UpgradeArgs extends Omit<InstallArgs, 'plugin' | 'from'> {
  plugin: string;
  to?: string;
}

export const upgradeCommand = defineCommand<UpgradeArgs>({
  name: 'upgrade',
  positionals: [{ name: 'plugin', describe: 'ID of an installed plugin' }],
  conflicts: [['index', 'repo']],
  options: {
    to: { type: 'string', value: 'VERSION', describe: 'upgrade to exactly this release (default: the newest the policy allows)' },
    index: INSTALL_SHARED_OPTIONS.index,
    repo: INSTALL_SHARED_OPTIONS.repo,
    policy: INSTALL_SHARED_OPTIONS.policy,
    'plugin-dir': INSTALL_SHARED_OPTIONS['plugin-dir'],
    channel: { type: 'string', choices: RELEASE_CHANNELS, describe: 'release channel (default: the one the installed release was approved on)' },
    'dry-run': { type: 'boolean', describe: 'verify the candidate and show its summary and its diff against the installed release; write nothing' },
    yes: { type: 'boolean', describe: 'approve a non-escalating upgrade without asking (required without a TTY)' },
    'approve-escalation': { type: 'boolean', describe: 'with --yes: also approve an escalation (new capabilities, higher risk, new host access, another runtime or type)' },
    json: INSTALL_SHARED_OPTIONS.json,
    timings: INSTALL_SHARED_OPTIONS.timings,
    now: INSTALL_SHARED_OPTIONS.now,
    'test-loopback-http': INSTALL_SHARED_OPTIONS['test-loopback-http'],
  },
  run: async (args) => {
    if (!validPluginID(args.plugin)) throw new InputError('INPUT_INVALID', `expected a plugin id, found ${JSON.stringify(args.plugin)} (the version goes in --to)`);
    if (args.to !== undefined && !validIndexVersion(args.to)) throw new InputError('INPUT_INVALID', `--to: expected a release version, found ${JSON.stringify(args.to)}`);
    const pluginId = args.plugin;
    await installOrUpgrade(
      args,
      {
        pluginId,
        ...(args.to !== undefined ? { to: args.to } : {}),
        precheck: async (policy) => {
          const file = path.join(args['plugin-dir'], `${pluginId}${PLUGIN_DIR_SUFFIX}`, MANIFEST_FILE);
          let bytes: Uint8Array;
          try {
            bytes = await readFileBounded(file, policy.limits.maxManifestBytes, 'installed manifest');
          } catch (e) {
            if (e instanceof InputError && e.code === 'INPUT_NOT_FOUND') {
              throw new PolicyError('PLUGIN_NOT_INSTALLED', `${pluginId} is not installed in ${args['plugin-dir']} (no ${pluginId}${PLUGIN_DIR_SUFFIX}/); install it first`);
            }
            throw e;
          }
          const d = decodeManifest(bytes, { serverVersion: serverRules(policy.host.serverRules).version });
          if (d.ok && args.to !== undefined && compareVersions(args.to, d.manifest.version) <= 0) {
            throw new PolicyError('UPGRADE_NOT_NEWER', `${pluginId} ${d.manifest.version} is installed; --to ${args.to} is not newer (use rollback ID to go back one step)`);
          }
          if (args.channel !== undefined) return args.channel;
          const { records } = await readAuditLog(policyPath(path.dirname(path.resolve(args.policy)), policy.auditLog));
          const channel = approvalsFromAudit(records).get(pluginId)?.channel;
          return channel === 'alpha' || channel === 'stable' ? (channel as ReleaseChannel) : undefined;
        },
      },
    );
  },
});
