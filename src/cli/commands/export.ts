/**
 * `lattice-index export ID[@VERSION] --repo URL --root FILE --out FILE` — one
 * offline bundle of a plugin release from repository v2: the root chain,
 * the metadata the lookup verified, the plugin's target, its manifest and
 * artifact (`src/domain/repository/bundle.ts`). `install ID --from FILE`
 * verifies it with no network, from the host's own pinned root and stored
 * state.
 *
 * @module
 */
import { InputError } from '../../core/errors.js';
import { checkOutputPath, writeFileAtomic } from '../../io/files.js';
import { exportOfflineBundle } from '../../io/export.js';
import { parsePluginSpec } from './install.js';
import { parseTimeFlag } from '../inputs.js';
import { commandFetcher, readRootFile, repositoryTransport, TRANSPORT_OPTIONS, type TransportArgs } from '../repository-inputs.js';
import { out, outJSON } from '../run.js';
import { defineCommand } from '../spec.js';

interface ExportArgs extends TransportArgs {
  plugin: string;
  repo: string;
  root: string;
  out: string;
  channel?: 'stable' | 'alpha';
  force: boolean;
  now?: string;
  json: boolean;
}

export const exportCommand = defineCommand<ExportArgs>({
  name: 'export',
  positionals: [{ name: 'plugin', describe: "ID (the channel's current release) or ID@VERSION" }],
  options: {
    repo: { type: 'string', value: 'DIR|URL', required: true, describe: 'the repository v2 folder or base URL' },
    root: { type: 'string', value: 'FILE', required: true, describe: 'the trusted root to start from' },
    out: { type: 'string', value: 'FILE', required: true, describe: 'the bundle file to write' },
    channel: { type: 'string', choices: ['stable', 'alpha'], describe: 'channel when no version is given (default stable)' },
    force: { type: 'boolean', describe: 'replace an existing --out file' },
    now: { type: 'string', value: 'RFC3339', describe: 'reference time instead of the clock' },
    ...TRANSPORT_OPTIONS,
    json: { type: 'boolean', describe: 'print the result as JSON' },
  },
  run: async (args) => {
    const now = parseTimeFlag('--now', args.now);
    const { pluginId, version } = parsePluginSpec(args.plugin);
    if (version !== undefined && args.channel !== undefined) throw new InputError('USAGE_ERROR', '--channel selects a release only when no @VERSION is given');
    if ((await checkOutputPath(args.out)) && !args.force) throw new InputError('OUTPUT_EXISTS', `refusing to overwrite ${args.out} (use --force)`);
    const root = await readRootFile(args.root);
    const fetcher = await commandFetcher(args);
    const transport = await repositoryTransport(args.repo, async () => fetcher);
    const r = await exportOfflineBundle({ transport, fetcher, root, pluginId, ...(version !== undefined ? { version } : {}), ...(args.channel ? { channel: args.channel } : {}), now });
    if (!r.ok) throw r.error;
    await writeFileAtomic(args.out, r.report.bytes);
    const result = { ok: true, plugin: r.report.plugin, version: r.report.version, out: args.out, bytes: r.report.bytes.length, files: r.report.files, artifact_sha256: r.report.artifactSha256 };
    if (args.json) return outJSON(result);
    out(`${args.out}: offline bundle of ${r.report.plugin}@${r.report.version} (${r.report.bytes.length} bytes, ${r.report.files} files); install it with: lattice-index install ${r.report.plugin}@${r.report.version} --from ${args.out} --policy FILE --plugin-dir DIR`);
  },
});
