/**
 * `lattice-index candidates (--index URL|FILE | --repo URL) --policy FILE
 * [--json]` — what this host could install from a verified index (v1) or
 * repository (v2: every bin and plugin target, from the pinned root; the
 * trusted metadata folder is read, never written), and why not the rest.
 *
 * The index is verified exactly as `install` verifies it (DESIGN §5 step 1,
 * with the policy's keys and the stored rollback state, which is read but
 * never written here). Each plugin and channel is then judged by the
 * index-only checks of the pipeline (select, publisher, capability rules,
 * runner availability); manifests and artifacts are verified by `install`.
 * Per plugin and channel it names the release `install ID` would pick — the
 * newest that is not revoked and that the signed `loads_on` does not rule
 * out for the host's server version (DESIGN §4.5) — and the releases passed
 * over. `--server-version NAME` asks the same question for another known
 * server version than the policy's host profile names (nothing is installed).
 *
 * Exit 0 when the index verified (whatever the candidates); 1 when it did
 * not; 2 usage or unreadable input.
 *
 * @module
 */
import { listCandidates } from '../../domain/install/candidates.js';
import { err, EXIT, exitCodeFor, oneLine, out, outJSON } from '../run.js';
import { defineCommand } from '../spec.js';
import { verifyListingIndex } from '../operator.js';
import { InputError } from '../../core/errors.js';
import { resolveServerVersion } from '../../core/server-line.js';
import type { HostProfile } from '../../domain/install/policy.js';
import { loadInstallPolicy, parseTimeFlag, printSteps } from '../inputs.js';

interface CandidatesArgs {
  index?: string;
  repo?: string;
  policy: string;
  json: boolean;
  now?: string;
  'server-version'?: string;
  'test-loopback-http': boolean;
}

export const candidatesCommand = defineCommand<CandidatesArgs>({
  name: 'candidates',
  conflicts: [['index', 'repo']],
  options: {
    index: { type: 'string', value: 'URL|FILE', describe: 'index v1: the signed plugins.json, an https:// URL or a file' },
    repo: { type: 'string', value: 'URL', describe: "repository v2: its base URL (default: the policy's repository.url); trust starts from the policy's pinned root" },
    policy: { type: 'string', value: 'FILE', required: true, describe: 'install policy file' },
    json: { type: 'boolean', default: false, describe: 'print the list as JSON' },
    now: { type: 'string', value: 'RFC3339', describe: 'reference time (RFC 3339 UTC) instead of the clock' },
    'server-version': { type: 'string', value: 'NAME', describe: "judge for this known server version (id, tag, commit or main/integration) instead of the policy host's" },
    'test-loopback-http': { type: 'boolean', default: false, hidden: true, describe: 'TEST ONLY: plain HTTP to 127.0.0.1/localhost' },
  },
  run: async (args) => {
    const now = parseTimeFlag('--now', args.now);
    let host: Partial<HostProfile> | undefined;
    if (args['server-version'] !== undefined) {
      const v = resolveServerVersion(args['server-version']);
      if (!v.ok) throw new InputError('SERVER_VERSION_UNKNOWN', `--server-version: ${v.message}`);
      host = { serverRules: v.rules.version, serverLine: v.rules.line };
    }
    const { policy, policyDir } = await loadInstallPolicy(args.policy);
    const r = await verifyListingIndex(args, policy, policyDir, now, host);
    const { source, v2 } = r;
    if (!r.ok) {
      if (args.json) outJSON({ ok: false, index: source, code: r.error.code, message: r.error.message, exit: exitCodeFor(r.error.code), steps: r.steps });
      else if (exitCodeFor(r.error.code) !== EXIT.USAGE) printSteps(r.steps, err);
      throw r.error;
    }
    const list = listCandidates(r.verified, policy, now, host);
    const serverVersion = list[0]?.serverVersion ?? host?.serverRules ?? policy.host.serverRules;
    if (args.json) {
      outJSON({ ok: true, index: source, status: r.verified.status, generation: r.verified.generation ?? null, server_version: serverVersion, candidates: list });
      return;
    }
    const n = list.filter((c) => c.installable).length;
    const status = r.verified.status === 'official' ? 'official' : `${r.verified.status.toUpperCase()} — not official, accepted under index.allow_draft`;
    out(`${source}: verified (${status}, ${v2 ? 'snapshot' : 'generation'} ${r.verified.generation ?? 'none'}); ${n} of ${list.length} release(s) installable on ${policy.host.platform}, server version ${serverVersion}`);
    for (const c of list) {
      const head = `${c.plugin} ${c.version} (${c.channel}, ${c.type}, ${c.publisher})`;
      out(c.installable ? `  yes ${head}: ${oneLine(c.reason)}` : `  no  ${head}: [${c.code}] ${oneLine(c.reason)}`);
      for (const k of c.skipped) out(`      skipped ${k.version}: ${oneLine(k.reason)}`);
    }
  },
});
