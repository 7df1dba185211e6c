/**
 * `lattice-index installed --plugin-dir DIR (--index URL|FILE | --repo URL)
 * --policy FILE [--json]` and `lattice-index audit …` (issue 15 items 1
 * and 4): every installed plugin — version and channel, publisher and key,
 * capabilities with risk tiers, installed-at and who approved — and its
 * status against the current verified index and the policy: `current`,
 * `upgrade-available` (to which version; whether it escalates), `revoked`,
 * `untrusted`, `not-in-index`, `modified` (bytes differ from the approval
 * record), `unrecorded` (present, not approved), `invalid`.
 *
 * The index is verified exactly as `install` verifies it, read only (the
 * rollback state and the trusted metadata folder are read, never written),
 * and the plugin directory is only read: neither command takes the lock.
 *
 * `installed` exits 0 when the index verified (whatever the statuses).
 * `audit` is for cron and monitoring: exit 0 only when every installed
 * plugin is current or merely behind, the index verified (not expired, not
 * rolled back) and the audit log is intact; otherwise one line per problem on
 * stderr and exit 1 (`AUDIT_PROBLEMS`, or the index's own code). `--json`
 * prints the whole report for machines.
 *
 * @module
 */
import { FINE_STATUSES, type InstalledReport } from '../../domain/install/installed.js';
import { PolicyError } from '../../core/errors.js';
import { assertDirectory } from '../../io/files.js';
import { INDEX_SOURCE_OPTIONS, installedReports, verifyListingIndex, type IndexSourceArgs } from '../operator.js';
import { loadInstallPolicy, parseTimeFlag, printSteps } from '../inputs.js';
import { err, EXIT, exitCodeFor, oneLine, out, outJSON } from '../run.js';
import { defineCommand } from '../spec.js';

interface InstalledArgs extends IndexSourceArgs {
  policy: string;
  'plugin-dir': string;
  json: boolean;
  now?: string;
}

const OPTIONS = {
  ...INDEX_SOURCE_OPTIONS,
  'plugin-dir': { type: 'string', value: 'DIR', required: true, describe: "the server's plugin directory" },
  json: { type: 'boolean', default: false, describe: 'print the report as JSON' },
} as const;

/** A report as JSON (snake_case like the audit log). */
function reportJSON(r: InstalledReport): Record<string, unknown> {
  return {
    id: r.id,
    path: r.path,
    version: r.version,
    channel: r.channel,
    publisher: r.publisher,
    publisher_keyid: r.keyid ?? null,
    type: r.type,
    capabilities: r.capabilities,
    installed_at: r.installedAt ?? null,
    approved_by: r.approvedBy ?? null,
    artifact_sha256: r.artifactSha256,
    manifest_sha256: r.manifestSha256,
    status: r.status,
    findings: r.findings,
    upgrade: r.upgrade ? { version: r.upgrade.version, escalates: r.upgrade.escalates, diff: r.upgrade.diff } : null,
    requires: r.requires,
  };
}

async function gather(args: InstalledArgs) {
  const now = parseTimeFlag('--now', args.now);
  const { policy, policyDir } = await loadInstallPolicy(args.policy);
  await assertDirectory(args['plugin-dir'], 'plugin directory');
  const index = await verifyListingIndex(args, policy, policyDir, now);
  // Unreadable input is exit 2 before anything is judged.
  if (!index.ok && exitCodeFor(index.error.code) === EXIT.USAGE) throw index.error;
  const listing = await installedReports({ pluginDir: args['plugin-dir'], policy, policyDir, verified: index.ok ? index.verified : undefined, now });
  return { index, listing };
}

export const installedCommand = defineCommand<InstalledArgs>({
  name: 'installed',
  options: OPTIONS,
  run: async (args) => {
    const { index, listing } = await gather(args);
    if (!index.ok) {
      if (args.json) outJSON({ ok: false, index: index.source, code: index.error.code, message: index.error.message, exit: exitCodeFor(index.error.code), steps: index.steps, plugins: listing.reports.map(reportJSON) });
      else printSteps(index.steps, err);
      throw index.error;
    }
    if (args.json) {
      outJSON({ ok: true, index: index.source, generation: index.verified.generation ?? null, expires_at: index.verified.expiresAt ?? null, plugins: listing.reports.map(reportJSON) });
      return;
    }
    out(`${args['plugin-dir']}: ${listing.reports.length} installed plugin(s); index ${index.source} verified (${index.v2 ? 'snapshot' : 'generation'} ${index.verified.generation ?? 'none'}, expires ${index.verified.expiresAt ?? 'never'})`);
    for (const r of listing.reports) {
      out(`${r.id} ${r.version || '?'} (${r.channel}, ${r.type || '?'}) — ${r.status.toUpperCase()}`);
      out(`  publisher ${r.publisher || '?'}${r.keyid ? `, key ${r.keyid.slice(0, 16)}…` : ''}; installed ${r.installedAt ?? 'unrecorded'}${r.approvedBy ? ` (approved by ${r.approvedBy})` : ''}`);
      out(`  capabilities ${r.capabilities.map((c) => `${c.name} [${c.risk.toUpperCase()}]`).join(', ') || 'none'}`);
      for (const f of r.findings) out(`  ${f.status}: ${oneLine(f.message)}`);
    }
  },
});

export const auditCommand = defineCommand<InstalledArgs>({
  name: 'audit',
  options: OPTIONS,
  run: async (args) => {
    const { index, listing } = await gather(args);
    const problems: { plugin: string | null; status: string; code: string; message: string }[] = [];
    if (!index.ok) problems.push({ plugin: null, status: 'index', code: index.error.code, message: `index ${index.source}: ${index.error.message}` });
    for (const n of listing.audit.damagedLines) {
      problems.push({ plugin: null, status: 'audit-log', code: 'AUDIT_PROBLEMS', message: `audit log ${listing.auditPath} line ${n} is not a JSON record (torn or edited)` });
    }
    for (const r of listing.reports) {
      for (const f of r.findings) {
        if (FINE_STATUSES.includes(f.status)) continue;
        // Without a verified index, "not in index" says nothing new: the index problem is reported.
        if (!index.ok && f.status === 'not-in-index') continue;
        problems.push({ plugin: r.id, status: f.status, code: 'AUDIT_PROBLEMS', message: `${r.id} ${r.version || '?'}: ${f.status}: ${f.message}` });
      }
    }
    if (args.json) {
      outJSON({
        ok: problems.length === 0,
        index: index.source,
        ...(index.ok ? { generation: index.verified.generation ?? null, expires_at: index.verified.expiresAt ?? null } : { index_code: index.error.code }),
        problems,
        plugins: listing.reports.map(reportJSON),
        ...(problems.length > 0 ? { code: index.ok ? 'AUDIT_PROBLEMS' : index.error.code, exit: EXIT.INVALID } : {}),
      });
    }
    if (problems.length === 0) {
      if (!args.json) out(`audit ok: ${listing.reports.length} installed plugin(s) current or behind; index ${index.source} verified`);
      return;
    }
    for (const p of problems) err(`lattice-index: ${oneLine(p.message)} [${p.status === 'index' ? p.code : p.status.toUpperCase().replace(/-/g, '_')}]`);
    throw new PolicyError('AUDIT_PROBLEMS', `${problems.length} problem(s) in ${args['plugin-dir']}`);
  },
});
