/**
 * `lattice-index policy init|check|export-server-trust` — the operator's
 * install policy (`lattice.plugin.install-policy.v1`, docs/INSTALL-POLICY.md).
 *
 * - `policy init --out FILE --index-key B64 … --server-version V` writes a
 *   starting policy with fail-closed defaults (community host-risk off, alpha
 *   off, drafts refused, `secret:*` denied, system runner only) — never over
 *   an existing file.
 * - `policy check FILE` lists every problem with its JSON pointer (exit 1).
 * - `policy export-server-trust FILE [--out F]` writes the server's trust
 *   policy (interop §C.1) for the policy's trusted publishers: one key each,
 *   the one valid now.
 *
 * @module
 */
import { InputError } from '../../core/errors.js';
import { SERVER_LINES, type ServerLine } from '../../core/server-line.js';
import { MAX_INSTALL_POLICY_BYTES, parseInstallPolicy, serverTrustPolicyFrom, starterInstallPolicy } from '../../domain/install/policy.js';
import { serializeServerTrustPolicy } from '../../domain/manifest/trust-policy.js';
import { checkOutputPath, readFileBounded, writeFileAtomic } from '../../io/files.js';
import { goPlatform } from '../../io/platform.js';
import { err, exitCodeFor, out, outJSON, writeStdout } from '../run.js';
import { defineCommand, type CommandGroupSpec } from '../spec.js';
import { loadInstallPolicy, parseTimeFlag } from '../inputs.js';

interface InitArgs {
  out: string;
  'index-key': string[];
  threshold: number;
  publisher?: string[];
  'server-version': string;
  'server-line'?: ServerLine;
  'server-build'?: string;
  'server-rules'?: string;
  platform?: string;
}

interface CheckArgs {
  file: string;
  json: boolean;
}

interface ExportArgs {
  file: string;
  out?: string;
  now?: string;
}

const initCommand = defineCommand<InitArgs>({
  name: 'policy init',
  describe: 'Write a starting install policy with fail-closed defaults',
  options: {
    out: { type: 'string', value: 'FILE', required: true, describe: 'file to create (never overwritten)' },
    'index-key': { type: 'string', value: 'B64', multiple: true, required: true, describe: 'trusted index public key (canonical base64); repeatable' },
    threshold: { type: 'number', default: 1, describe: 'distinct index keys that must sign' },
    publisher: { type: 'string', value: 'ID=B64', multiple: true, describe: 'trusted publisher as ID=B64KEY; repeatable' },
    'server-version': { type: 'string', value: 'VERSION', required: true, describe: "the Lattice server's release version in the range grammar, e.g. 0.2.2 (compared with compatibility.server)" },
    'server-line': { type: 'string', choices: SERVER_LINES, describe: 'server line: its newest known version\'s rules apply (default integration when no --server-build/--server-rules)' },
    'server-build': { type: 'string', value: 'NAME', describe: 'the exact server build the host runs, e.g. alpha-0.2.2a41: exactly its rules apply (host.server_build)' },
    'server-rules': { type: 'string', value: 'NAME', describe: 'the known server version whose rules apply to a build this toolkit does not know (host.server_rules)' },
    platform: { type: 'string', value: 'OS/ARCH', describe: 'host <goos>/<goarch> (default: this machine)' },
  },
  run: async (args) => {
    const publishers = (args.publisher ?? []).map((p) => {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new InputError('INPUT_INVALID', `--publisher must be ID=B64KEY, found ${JSON.stringify(p)}`);
      return { id: p.slice(0, eq), key: p.slice(eq + 1) };
    });
    await checkOutputPath(args.out);
    const doc = starterInstallPolicy({
      indexKeys: args['index-key'],
      threshold: args.threshold,
      publishers,
      serverVersion: args['server-version'],
      ...(args['server-line'] !== undefined ? { serverLine: args['server-line'] } : {}),
      ...(args['server-build'] !== undefined ? { serverBuild: args['server-build'] } : {}),
      ...(args['server-rules'] !== undefined ? { serverRules: args['server-rules'] } : {}),
      platform: args.platform ?? goPlatform(),
    });
    await writeFileAtomic(args.out, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600, exclusive: true });
    out(`wrote ${args.out}: review host.runners, host.sandboxes and publishers before the first install`);
  },
});

const checkCommand = defineCommand<CheckArgs>({
  name: 'policy check',
  describe: 'Check an install policy; list every problem',
  positionals: [
    { name: 'file', describe: 'the install policy file' },
  ],
  options: {
    json: { type: 'boolean', default: false, describe: 'print the problems as JSON' },
  },
  run: async (args) => {
    const r = parseInstallPolicy(await readFileBounded(args.file, MAX_INSTALL_POLICY_BYTES, 'install policy'));
    if (!r.ok && r.notJSON !== undefined) throw new InputError(r.notJSON, `${args.file}: ${r.error.message}`);
    if (args.json) {
      // The same verdict and exit code as the text output; the problems in full.
      if (r.ok) {
        outJSON({ ok: true, file: args.file, problems: [] });
        return;
      }
      outJSON({ ok: false, file: args.file, code: r.error.code, message: r.error.message, exit: exitCodeFor(r.error.code), problems: r.problems });
      throw r.error;
    }
    if (r.ok) {
      const p = r.policy;
      const trusted = [...p.publishers.values()].filter((x) => x.keys.length > 0).map((x) => x.id);
      out(`${args.file}: ok`);
      if (p.index) out(`index: ${p.index.trust.keys.length} trusted key(s), threshold ${p.index.trust.threshold}, drafts ${p.index.allowDraft ? 'allowed if signed' : 'refused'}`);
      if (p.repository) out(`repository: root pinned by ${p.repository.rootFile !== undefined ? `file ${p.repository.rootFile}` : `SHA-256 ${p.repository.rootSha256}`}, trusted metadata in ${p.repository.metadataDir}${p.repository.url ? `, ${p.repository.url}` : ''}`);
      out(`publishers: ${trusted.join(', ') || 'none trusted'}; default limits: risk ≤ ${p.defaultLimits.maxRisk}, channels ${p.defaultLimits.channels.join('/')}`);
      out(`host: ${p.host.platform}, server ${p.host.serverVersion}${p.host.serverBuild !== undefined ? ` build ${p.host.serverBuild}` : ''}, rules of ${p.host.serverRules} (${p.host.serverLine}), runners ${p.host.runners.join(', ') || 'none'}, sandboxes ${p.host.sandboxes.join(', ') || 'none'}`);
      return;
    }
    for (const problem of r.problems) err(`${args.file}: ${problem.instancePath || '/'}: ${problem.message} [${problem.keyword}]`);
    throw r.error;
  },
});

const exportCommand = defineCommand<ExportArgs>({
  name: 'policy export-server-trust',
  describe: "Write the server's trust policy (trusted_publishers) for the policy's trusted publishers",
  positionals: [
    { name: 'file', describe: 'install policy file' },
  ],
  options: {
    out: { type: 'string', value: 'FILE', describe: 'write here (atomically) instead of stdout' },
    now: { type: 'string', value: 'RFC3339', describe: 'reference time for key windows (RFC 3339 UTC)' },
  },
  run: async (args) => {
    const now = parseTimeFlag('--now', args.now);
    if (args.out !== undefined) await checkOutputPath(args.out);
    const { policy } = await loadInstallPolicy(args.file);
    const { trust, skipped } = serverTrustPolicyFrom(policy, now);
    for (const s of skipped) err(`lattice-index: publisher ${s.publisher} left out: ${s.reason}`);
    const text = serializeServerTrustPolicy(trust);
    if (args.out !== undefined) {
      await writeFileAtomic(args.out, text, { mode: 0o644 });
      err(`wrote ${args.out}: ${trust.trustedPublishers.size} trusted publisher(s)`);
    } else {
      await writeStdout(text);
    }
  },
});

export const policyCommand: CommandGroupSpec = {
  name: 'policy',
  describe: '',
  subcommands: [initCommand, checkCommand, exportCommand],
};
