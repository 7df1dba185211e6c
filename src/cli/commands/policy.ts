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
import type { Argv, CommandModule } from 'yargs';
import { InputError } from '../../core/errors.js';
import { SERVER_LINES, type ServerLine } from '../../core/server-line.js';
import { MAX_INSTALL_POLICY_BYTES, parseInstallPolicy, serverTrustPolicyFrom, starterInstallPolicy } from '../../domain/install/policy.js';
import { serializeServerTrustPolicy } from '../../domain/manifest/trust-policy.js';
import { readFileBounded, writeFileAtomic } from '../../io/files.js';
import { goPlatform } from '../../io/platform.js';
import { err, out } from '../run.js';
import { parseTimeFlag } from './verify.js';

interface InitArgs {
  out: string;
  'index-key': string[];
  threshold: number;
  publisher?: string[];
  'server-version': string;
  'server-line': ServerLine;
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

const initCommand: CommandModule<object, InitArgs> = {
  command: 'init',
  describe: 'Write a starting install policy with fail-closed defaults',
  builder: (y: Argv) =>
    y
      .option('out', { type: 'string', demandOption: true, describe: 'file to create (never overwritten)' })
      .option('index-key', { type: 'string', array: true, demandOption: true, describe: 'trusted index public key (canonical base64); repeatable' })
      .option('threshold', { type: 'number', default: 1, describe: 'distinct index keys that must sign' })
      .option('publisher', { type: 'string', array: true, describe: 'trusted publisher as ID=B64KEY; repeatable' })
      .option('server-version', { type: 'string', demandOption: true, describe: "the Lattice server's version, e.g. 0.2.2" })
      .option('server-line', { choices: SERVER_LINES, default: 'integration' as ServerLine, describe: 'server line' })
      .option('platform', { type: 'string', describe: 'host <goos>/<goarch> (default: this machine)' }) as unknown as Argv<InitArgs>,
  handler: async (args) => {
    const publishers = (args.publisher ?? []).map((p) => {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new InputError('INPUT_INVALID', `--publisher must be ID=B64KEY, found ${JSON.stringify(p)}`);
      return { id: p.slice(0, eq), key: p.slice(eq + 1) };
    });
    const doc = starterInstallPolicy({
      indexKeys: args['index-key'],
      threshold: args.threshold,
      publishers,
      serverVersion: args['server-version'],
      serverLine: args['server-line'],
      platform: args.platform ?? goPlatform(),
    });
    await writeFileAtomic(args.out, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600, exclusive: true });
    out(`wrote ${args.out}: review host.runners, host.sandboxes and publishers before the first install`);
  },
};

const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check <file>',
  describe: 'Check an install policy; list every problem',
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true })
      .option('json', { type: 'boolean', default: false, describe: 'print the problems as JSON' }) as unknown as Argv<CheckArgs>,
  handler: async (args) => {
    const r = parseInstallPolicy(await readFileBounded(args.file, MAX_INSTALL_POLICY_BYTES));
    if (args.json) {
      out(JSON.stringify(r.ok ? { ok: true, file: args.file, problems: [] } : { ok: false, file: args.file, problems: r.problems }, null, 2));
      if (!r.ok) process.exitCode = 1;
      return;
    }
    if (r.ok) {
      const p = r.policy;
      const trusted = [...p.publishers.values()].filter((x) => x.keys.length > 0).map((x) => x.id);
      out(`${args.file}: ok`);
      out(`index: ${p.index.trust.keys.length} trusted key(s), threshold ${p.index.trust.threshold}, drafts ${p.index.allowDraft ? 'allowed if signed' : 'refused'}`);
      out(`publishers: ${trusted.join(', ') || 'none trusted'}; default limits: risk ≤ ${p.defaultLimits.maxRisk}, channels ${p.defaultLimits.channels.join('/')}`);
      out(`host: ${p.host.platform}, server ${p.host.serverVersion} (${p.host.serverLine}), runners ${p.host.runners.join(', ') || 'none'}, sandboxes ${p.host.sandboxes.join(', ') || 'none'}`);
      return;
    }
    for (const problem of r.problems) err(`${args.file}: ${problem.instancePath || '/'}: ${problem.message} [${problem.keyword}]`);
    throw r.error;
  },
};

const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export-server-trust <file>',
  describe: "Write the server's trust policy (trusted_publishers) for the policy's trusted publishers",
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'install policy file' })
      .option('out', { type: 'string', describe: 'write here (atomically) instead of stdout' })
      .option('now', { type: 'string', describe: 'reference time for key windows (RFC 3339 UTC)' }) as unknown as Argv<ExportArgs>,
  handler: async (args) => {
    const r = parseInstallPolicy(await readFileBounded(args.file, MAX_INSTALL_POLICY_BYTES));
    if (!r.ok) throw r.error;
    const { trust, skipped } = serverTrustPolicyFrom(r.policy, parseTimeFlag('--now', args.now));
    for (const s of skipped) err(`lattice-index: publisher ${s.publisher} left out: ${s.reason}`);
    const text = serializeServerTrustPolicy(trust);
    if (args.out !== undefined) {
      await writeFileAtomic(args.out, text, { mode: 0o644 });
      err(`wrote ${args.out}: ${trust.trustedPublishers.size} trusted publisher(s)`);
    } else {
      process.stdout.write(text);
    }
  },
};

export const policyCommand: CommandModule<object, object> = {
  command: 'policy <action>',
  describe: 'Install policy: init, check, export-server-trust',
  builder: (y: Argv) => y.command(initCommand).command(checkCommand).command(exportCommand).demandCommand(1, 'expected init, check or export-server-trust') as Argv,
  handler: () => {},
};
