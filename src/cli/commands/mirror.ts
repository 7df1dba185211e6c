/**
 * `lattice-index mirror --from URL --to DIR --root FILE` — an incremental,
 * verified copy of a repository v2 that any static host can serve; a mirror
 * never re-signs anything (`src/io/mirror.ts`).
 *
 * @module
 */
import { mirrorRepository } from '../../io/mirror.js';
import { parseTimeFlag } from '../inputs.js';
import { commandFetcher, readRootFile, repositoryTransport, TRANSPORT_OPTIONS, type TransportArgs } from '../repository-inputs.js';
import { out, outJSON } from '../run.js';
import { defineCommand } from '../spec.js';

interface MirrorArgs extends TransportArgs {
  from: string;
  to: string;
  root: string;
  now?: string;
  json: boolean;
}

export const mirrorCommand = defineCommand<MirrorArgs>({
  name: 'mirror',
  options: {
    from: { type: 'string', value: 'URL|DIR', required: true, describe: 'the upstream repository v2 (base URL or folder)' },
    to: { type: 'string', value: 'DIR', required: true, describe: 'the mirror folder (created; later runs copy only what is new)' },
    root: { type: 'string', value: 'FILE', required: true, describe: 'the trusted root the mirror starts from (pinned on the first run)' },
    now: { type: 'string', value: 'RFC3339', describe: 'reference time instead of the clock' },
    ...TRANSPORT_OPTIONS,
    json: { type: 'boolean', describe: 'print the result as JSON' },
  },
  run: async (args) => {
    const now = parseTimeFlag('--now', args.now);
    const root = await readRootFile(args.root);
    const upstream = await repositoryTransport(args.from, () => commandFetcher(args));
    const r = await mirrorRepository({ upstream, to: args.to, root, now });
    if (!r.ok) throw r.error;
    const m = r.report;
    if (args.json) return outJSON({ ok: true, from: args.from, to: args.to, ...m.audit, fetched: m.fetched, reused: m.reused, written: m.written });
    out(`${args.to}: mirror of ${args.from} verified — snapshot ${m.audit.snapshotVersion}, timestamp ${m.audit.timestampVersion}; ${m.audit.targets} target(s)`);
    out(`fetched ${m.fetched} new file(s), reused ${m.reused} already held (verified again); wrote ${m.written.length}`);
  },
});
