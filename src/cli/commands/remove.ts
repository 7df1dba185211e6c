/**
 * `lattice-index rollback ID --plugin-dir DIR --policy FILE [--json]` and
 * `lattice-index remove ID --plugin-dir DIR --policy FILE [--force] [--json]`
 * (issue 15 items 2 and 3).
 *
 * Both take the plugin directory's lock, finish whatever an interrupted run
 * left (`recoverPluginDir`), change the directory only by atomic renames
 * (src/io/placement.ts: `rollbackPlugin`, `removePlugin`) and append an
 * audit record (`plugin.rollback`, `plugin.remove`, or `….refused`).
 *
 * `rollback` swaps `<dir>/<id>.plugin` with the release kept in
 * `<dir>/.lattice-keep/<id>/previous/` (so a second rollback rolls
 * forward). It restores only bytes that an approval record of the audit log
 * names (the same manifest and artifact digests); its record points at that
 * approval. Nothing kept, or nothing approved: `ROLLBACK_NOTHING_KEPT`.
 * With an index (`--index`, `--repo`, or the policy's repository URL) the
 * kept release is judged against it first, as `installed` judges an
 * installed one: revoked, untrusted, not in the index, modified or invalid
 * → `ROLLBACK_REFUSED`, the directory unchanged; an index that does not
 * verify (expired, rolled back, …) refuses with its own code.
 *
 * `remove` refuses while another installed plugin requires the plugin (a
 * non-optional manifest dependency): `REMOVE_HAS_DEPENDENTS`, the directory
 * unchanged — unless `--force`. The kept previous release goes too.
 *
 * Exit 0 done; 1 refused (`PLUGIN_NOT_INSTALLED`, `ROLLBACK_NOTHING_KEPT`, `ROLLBACK_REFUSED`,
 * `REMOVE_HAS_DEPENDENTS`, `PLUGIN_DIR_LOCKED`, `PLACEMENT_FAILED`); 2 usage
 * or unreadable input.
 *
 * @module
 */
import path from 'node:path';
import { InputError, PolicyError, type LatticeIndexError } from '../../core/errors.js';
import { formatRFC3339UTC, validPluginID } from '../../core/rules.js';
import { serverRules } from '../../core/server-line.js';
import { FINE_STATUSES, PLACING_EVENTS, judgeInstalled, type ApprovalRecord } from '../../domain/install/installed.js';
import { decodeManifest } from '../../domain/manifest/decode.js';
import { appendAuditRecord } from '../../io/audit-log.js';
import { assertDirectory } from '../../io/files.js';
import { nodeEd25519Verifier, readAuditLog, readInstallation, readInstalledManifests } from '../../io/installed.js';
import { policyPath } from '../../io/install.js';
import { PLUGIN_DIR_SUFFIX, previousPath, recoverPluginDir, removePlugin, rollbackPlugin } from '../../io/placement.js';
import { acquirePluginDirLock } from '../../io/plugin-dir-lock.js';
import type { InstallPolicy } from '../../domain/install/policy.js';
import { loadInstallPolicy, parseTimeFlag } from '../inputs.js';
import { INDEX_SOURCE_OPTIONS, verifyListingIndex, withInterruptCleanup, type IndexSourceArgs, type ListingIndex } from '../operator.js';
import { out, outJSON } from '../run.js';
import { defineCommand } from '../spec.js';

interface OperationArgs {
  plugin: string;
  policy: string;
  'plugin-dir': string;
  json: boolean;
  now?: string;
  force?: boolean;
}

type RollbackArgs = OperationArgs & IndexSourceArgs;

const COMMON = {
  policy: { type: 'string', value: 'FILE', required: true, describe: 'install policy file (its audit_log and lock_wait_ms are used)' },
  'plugin-dir': { type: 'string', value: 'DIR', required: true, describe: "the server's plugin directory (must exist)" },
  json: { type: 'boolean', default: false, describe: 'print the result as JSON' },
  now: { type: 'string', value: 'RFC3339', describe: 'time of the audit record (RFC 3339 UTC) instead of the clock' },
} as const;

interface Prepared {
  pluginId: string;
  now: number;
  policy: InstallPolicy;
  policySha256: string;
  policyDir: string;
  auditPath: string;
  pluginDir: string;
}

/** Every input checked before the first side effect. */
async function prepare(args: OperationArgs): Promise<Prepared> {
  const now = parseTimeFlag('--now', args.now);
  if (!validPluginID(args.plugin)) throw new InputError('INPUT_INVALID', `expected a plugin id, found ${JSON.stringify(args.plugin)}`);
  const { policy, policyDir, policySha256 } = await loadInstallPolicy(args.policy);
  await assertDirectory(args['plugin-dir'], 'plugin directory');
  return { pluginId: args.plugin, now, policy, policySha256, policyDir, auditPath: policyPath(policyDir, policy.auditLog), pluginDir: args['plugin-dir'] };
}

/** Run `fn` under the lock, after recovery; a refusal is audited as `<event>.refused` and rethrown. */
async function locked<T>(p: Prepared, command: string, event: string, fn: () => Promise<T>): Promise<T> {
  return withInterruptCleanup(`nothing was changed by ${command}`, async () => {
    const lock = await acquirePluginDirLock(p.pluginDir, { command: `${command} ${p.pluginId}`, waitMs: p.policy.limits.lockWaitMs });
    try {
      await recoverPluginDir(p.pluginDir);
      try {
        return await fn();
      } catch (e) {
        if (e instanceof PolicyError) {
          await appendAuditRecord(p.auditPath, { time: formatRFC3339UTC(p.now), event: `${event}.refused`, outcome: 'refused', plugin: p.pluginId, policy_sha256: p.policySha256, code: e.code, message: e.message });
        }
        throw e;
      }
    } finally {
      await lock.release();
    }
  });
}

function notInstalled(p: Prepared): LatticeIndexError {
  return new PolicyError('PLUGIN_NOT_INSTALLED', `${p.pluginId} is not installed in ${p.pluginDir} (no ${p.pluginId}${PLUGIN_DIR_SUFFIX}/)`);
}

export const rollbackCommand = defineCommand<RollbackArgs>({
  name: 'rollback',
  positionals: [{ name: 'plugin', describe: 'ID of an installed plugin with a kept previous release' }],
  conflicts: [['index', 'repo']],
  options: {
    ...COMMON,
    index: { ...INDEX_SOURCE_OPTIONS.index!, describe: 'index v1 (an https:// URL or a file): refuse to restore a release it revokes or no longer lists' },
    repo: { ...INDEX_SOURCE_OPTIONS.repo!, describe: "repository v2 base URL (default: the policy's repository.url): refuse to restore a release it revokes or no longer lists" },
    'test-loopback-http': INDEX_SOURCE_OPTIONS['test-loopback-http']!,
  },
  run: async (args) => {
    const p = await prepare(args);
    // The index, when there is one, is verified before anything is locked or changed (read only).
    const checked = args.index !== undefined || args.repo !== undefined || p.policy.repository?.url !== undefined;
    let listing: ListingIndex | undefined;
    if (checked) {
      listing = await verifyListingIndex(args, p.policy, p.policyDir, p.now);
      if (!listing.ok) throw listing.error;
    }
    const limits = { maxManifestBytes: p.policy.limits.maxManifestBytes, maxArtifactBytes: p.policy.limits.maxArtifactBytes };
    const done = await locked(p, 'rollback', 'plugin.rollback', async () => {
      const target = path.join(p.pluginDir, `${p.pluginId}${PLUGIN_DIR_SUFFIX}`);
      const current = await readInstallation(target, p.pluginId, limits);
      if (current === undefined) throw notInstalled(p);
      const kept = await readInstallation(previousPath(p.pluginDir, p.pluginId), p.pluginId, limits);
      if (kept === undefined) throw new PolicyError('ROLLBACK_NOTHING_KEPT', `no previous release of ${p.pluginId} is kept (an upgrade or a replacing install keeps one; a fresh install or a remove keeps none)`);
      // Only bytes an approval record names are restored.
      const { records } = await readAuditLog(p.auditPath);
      const approval = [...records].reverse().find((r): r is Record<string, unknown> => {
        const x = r as Record<string, unknown>;
        return x.plugin === p.pluginId && (PLACING_EVENTS as readonly unknown[]).includes(x.event) && x.manifest_sha256 === kept.manifestSha256 && x.artifact_sha256 === kept.artifactSha256;
      });
      if (approval === undefined) {
        throw new PolicyError('ROLLBACK_NOTHING_KEPT', `the kept release of ${p.pluginId} (manifest sha256 ${kept.manifestSha256}) matches no approval record in ${p.auditPath}: it is not restored (modified, or the log was rotated)`);
      }
      const rules = serverRules(p.policy.host.serverRules);
      if (listing?.ok) {
        // Judged as `installed` judges an installed release: only a current (or merely older) one comes back.
        const report = judgeInstalled({ files: kept, approval: { channel: 'stable', ...approval } as ApprovalRecord, verified: listing.verified, policy: p.policy, rules, now: p.now, verifyEd25519: nodeEd25519Verifier() });
        if (!FINE_STATUSES.includes(report.status)) {
          const why = report.findings.filter((f) => !FINE_STATUSES.includes(f.status)).map((f) => `${f.status}: ${f.message}`).join('; ');
          throw new PolicyError('ROLLBACK_REFUSED', `the kept release ${p.pluginId} ${report.version} is not restored: ${why} (index ${listing.source})`);
        }
      }
      const decode = (b: Uint8Array | undefined) => (b === undefined ? undefined : decodeManifest(b, { serverVersion: rules.version }));
      const km = decode(kept.manifestBytes);
      const cm = decode(current.manifestBytes);
      const version = km?.ok ? km.manifest.version : String(approval.version);
      const fromVersion = cm?.ok ? cm.manifest.version : '?';
      const placedPath = await rollbackPlugin(p.pluginDir, p.pluginId);
      await appendAuditRecord(p.auditPath, {
        time: formatRFC3339UTC(p.now),
        event: 'plugin.rollback',
        outcome: 'rolled-back',
        plugin: p.pluginId,
        version,
        from_version: fromVersion,
        channel: approval.channel ?? 'stable',
        publisher: approval.publisher,
        publisher_keyid: approval.publisher_keyid,
        type: approval.type,
        capabilities: approval.capabilities,
        artifact_sha256: kept.artifactSha256,
        artifact_bytes: kept.artifactBytes,
        manifest_sha256: kept.manifestSha256,
        index_generation: approval.index_generation ?? null,
        restores_approval: { time: approval.time, event: approval.event, approved_by: approval.approved_by ?? null },
        index_checked: listing?.ok === true ? { source: listing.source, generation: listing.verified.generation } : null,
        approved_by: 'rollback',
        policy_sha256: p.policySha256,
        path: placedPath,
      });
      return { version, fromVersion, path: placedPath };
    });
    if (args.json) outJSON({ ok: true, plugin: p.pluginId, version: done.version, from_version: done.fromVersion, path: done.path, index_checked: checked, audit: { path: p.auditPath, appended: true } });
    else {
      out(`rolled back ${p.pluginId} ${done.fromVersion} → ${done.version} at ${done.path}; ${done.fromVersion} is kept (rollback again to return to it)`);
      if (!checked) out('not checked against a signed index: give --index or --repo to refuse a release that was revoked or delisted since (audit reports it)');
    }
  },
});

export const removeCommand = defineCommand<OperationArgs>({
  name: 'remove',
  positionals: [{ name: 'plugin', describe: 'ID of an installed plugin' }],
  options: {
    ...COMMON,
    force: { type: 'boolean', default: false, describe: 'remove even though other installed plugins require it' },
  },
  run: async (args) => {
    const p = await prepare(args);
    const done = await locked(p, 'remove', 'plugin.remove', async () => {
      const manifests = await readInstalledManifests(p.pluginDir, p.policy.limits.maxManifestBytes);
      if (!manifests.has(p.pluginId)) throw notInstalled(p);
      const rules = serverRules(p.policy.host.serverRules);
      const dependents: string[] = [];
      let version = '?';
      for (const [id, bytes] of manifests) {
        if (bytes === undefined) continue;
        const d = decodeManifest(bytes, { serverVersion: rules.version });
        if (!d.ok) continue;
        if (id === p.pluginId) version = d.manifest.version;
        else if (d.manifest.dependencies.some((x) => x.id === p.pluginId && !x.optional)) dependents.push(id);
      }
      if (dependents.length > 0 && args.force !== true) {
        throw new PolicyError('REMOVE_HAS_DEPENDENTS', `${dependents.join(', ')} require${dependents.length === 1 ? 's' : ''} ${p.pluginId}; nothing was removed (remove ${dependents.length === 1 ? 'it' : 'them'} first, or give --force)`);
      }
      const limits = { maxManifestBytes: p.policy.limits.maxManifestBytes, maxArtifactBytes: p.policy.limits.maxArtifactBytes };
      const files = await readInstallation(path.join(p.pluginDir, `${p.pluginId}${PLUGIN_DIR_SUFFIX}`), p.pluginId, limits);
      await removePlugin(p.pluginDir, p.pluginId);
      await appendAuditRecord(p.auditPath, {
        time: formatRFC3339UTC(p.now),
        event: 'plugin.remove',
        outcome: 'removed',
        plugin: p.pluginId,
        version,
        artifact_sha256: files?.artifactSha256 ?? '',
        manifest_sha256: files?.manifestSha256 ?? '',
        forced: args.force === true && dependents.length > 0,
        dependents,
        policy_sha256: p.policySha256,
      });
      return { version, dependents };
    });
    if (args.json) outJSON({ ok: true, plugin: p.pluginId, version: done.version, forced_over: done.dependents, audit: { path: p.auditPath, appended: true } });
    else out(`removed ${p.pluginId} ${done.version}${done.dependents.length > 0 ? ` (forced: ${done.dependents.join(', ')} require it)` : ''}; audit record appended to ${p.auditPath}`);
  },
});
