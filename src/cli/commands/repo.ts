/**
 * `lattice-index repo init|publish|refresh|rotate-root|verify` — repository
 * v2, the plugin index as a TUF repository on static hosting (DESIGN §4.4,
 * docs/REPOSITORY.md).
 *
 * - `repo init` writes `metadata/1.root.json` (signed by the root keys given,
 *   offline) and an empty signed repository; it prints the SHA-256 of
 *   `1.root.json`, which operators pin.
 * - `repo publish` turns the entry files into targets, bins, snapshot and
 *   timestamp, re-signing only what changed (`--full` ignores the publish
 *   cache; the result is the same).
 * - `repo refresh` re-signs the timestamp, and whatever else expires within
 *   `--refresh-before` days — the scheduled workflow's job.
 * - `repo rotate-root` writes root N+1 signed by a threshold of the old root
 *   keys and by the new ones.
 * - `repo verify` verifies a repository folder or URL from a root file, every
 *   role and every target, as an auditor or a mirror would.
 *
 * @module
 */
import path from 'node:path';
import { sha256Hex } from '../../crypto/index.js';
import { auditRepository } from '../../domain/repository/audit.js';
import { RepositoryClient } from '../../domain/repository/client.js';
import { buildTime } from '../../io/index-sources.js';
import { initRepositoryDir, publishRepository, refreshRepositoryDir, rotateRootDir } from '../../io/repository-dir.js';
import { memoryMetadataStore } from '../../io/repository-transport.js';
import { nodeTufVerifier } from '../../io/tuf-verifier.js';
import { parseTimeFlag } from '../inputs.js';
import {
  atLeastOne,
  commandFetcher,
  days,
  loadOnlineSigners,
  loadSignerFiles,
  ONLINE_KEY_OPTIONS,
  readRootFile,
  repositoryTransport,
  TRANSPORT_OPTIONS,
  type OnlineKeyArgs,
  type TransportArgs,
} from '../repository-inputs.js';
import { cliEnv, out, outJSON } from '../run.js';
import { defineCommand, UsageError, type CommandGroupSpec } from '../spec.js';

/** Default publish cache (gitignored `.lattice/`). */
const DEFAULT_CACHE = '.lattice/repository-publish-cache.json';

interface InitArgs extends OnlineKeyArgs {
  repo: string;
  'root-key': string[];
  'root-threshold': number;
  'root-expires-in': number;
  json: boolean;
}

const initCommand = defineCommand<InitArgs>({
  name: 'repo init',
  describe: 'Create a repository v2 folder: metadata/1.root.json signed by the root keys, and an empty signed repository',
  options: {
    repo: { type: 'string', value: 'DIR', required: true, describe: 'the repository folder (new or empty)' },
    'root-key': { type: 'string', value: 'FILE', multiple: true, required: true, describe: 'a root key (seed file, offline); repeatable' },
    'root-threshold': { type: 'number', value: 'N', required: true, describe: 'root keys that must sign a root' },
    ...ONLINE_KEY_OPTIONS,
    'root-expires-in': { type: 'number', value: 'DAYS', default: 365, describe: 'root lifetime' },
    json: { type: 'boolean', describe: 'print the result as JSON' },
  },
  examples: [['lattice-index repo init --repo repository --root-key a.seed --root-key b.seed --root-threshold 2 --online-key ci.seed', 'a 2-of-2 root and the CI key']],
  run: async (args) => {
    atLeastOne('root-key', args['root-key']);
    const rootDays = days('root-expires-in', args['root-expires-in'])!;
    const rootSigners = await loadSignerFiles(args['root-key']);
    const signers = await loadOnlineSigners(args);
    const now = buildTime(cliEnv());
    const plan = await initRepositoryDir({ repoDir: args.repo, rootSigners, rootThreshold: args['root-threshold'], signers, now, expiry: { root: rootDays } });
    const rootFile = plan.metadata.find((f) => f.path === 'metadata/1.root.json')!;
    const result = {
      ok: true,
      repo: args.repo,
      root: { path: path.join(args.repo, rootFile.path), sha256: sha256Hex(rootFile.bytes), keyids: [...new Set(rootSigners.map((s) => s.keyid))], threshold: args['root-threshold'] },
      online_keyid: signers.online.keyid,
      ...(signers.timestamp ? { timestamp_keyid: signers.timestamp.keyid } : {}),
      files: plan.metadata.map((f) => f.path),
    };
    if (args.json) return outJSON(result);
    out(`${args.repo}: new repository; ${plan.metadata.length} metadata file(s) written`);
    out(`root: ${result.root.path} sha256 ${result.root.sha256} (pin this in install policies: repository.root_sha256)`);
    out(`root keys: ${result.root.keyids.length}, threshold ${result.root.threshold}; online key ${signers.online.keyid}`);
  },
});

interface PublishArgs extends OnlineKeyArgs {
  repo: string;
  'index-dir': string;
  'expires-in'?: number;
  'timestamp-expires-in'?: number;
  cache: string;
  full: boolean;
  'targets-only': boolean;
  json: boolean;
}

const publishCommand = defineCommand<PublishArgs>({
  name: 'repo publish',
  describe: 'Publish the entry files as targets, hash bins, snapshot and timestamp; re-sign only what changed',
  options: {
    repo: { type: 'string', value: 'DIR', required: true, describe: 'the repository folder (from repo init)' },
    'index-dir': { type: 'string', value: 'DIR', default: 'index', describe: 'the entry files' },
    ...ONLINE_KEY_OPTIONS,
    'expires-in': { type: 'number', value: 'DAYS', describe: 'lifetime of targets, bins and snapshot (default 30)' },
    'timestamp-expires-in': { type: 'number', value: 'DAYS', describe: 'lifetime of the timestamp (default 1)' },
    cache: { type: 'string', value: 'FILE', default: DEFAULT_CACHE, describe: 'the publish cache (local, never served)' },
    full: { type: 'boolean', describe: 'read every entry file (ignore the cache)' },
    'targets-only': { type: 'boolean', describe: 'sign nothing, no key: write the target files, refusing unless the signed metadata lists exactly them (a deploy)' },
    json: { type: 'boolean', describe: 'print the result as JSON' },
  },
  run: async (args) => {
    const life = days('expires-in', args['expires-in']);
    const tsLife = days('timestamp-expires-in', args['timestamp-expires-in']);
    const hasKey = args['online-key'] !== undefined || args['online-key-env'] !== undefined;
    if (args['targets-only'] && hasKey) throw new UsageError('--targets-only signs nothing: give no online key');
    const signers = args['targets-only'] ? undefined : await loadOnlineSigners(args);
    const now = buildTime(cliEnv());
    const r = await publishRepository({
      repoDir: args.repo,
      indexDir: args['index-dir'],
      ...(signers ? { signers } : {}),
      targetsOnly: args['targets-only'],
      now,
      expiry: { ...(life ? { targets: life, snapshot: life, bins: life } : {}), ...(tsLife ? { timestamp: tsLife } : {}) },
      cacheFile: args.cache,
      full: args.full,
    });
    const result = {
      ok: true,
      repo: args.repo,
      mode: r.mode,
      ...(r.reason ? { full_because: r.reason } : {}),
      changed: r.changed,
      versions: r.plan.versions,
      bins: r.plan.bins,
      bins_written: r.plan.binsWritten.length,
      metadata_written: r.applied.metadata,
      targets_written: r.applied.targetsWritten,
      entries_read: r.entriesRead,
    };
    if (args.json) return outJSON(result);
    if (!r.changed) {
      out(`${args.repo}: unchanged (timestamp version ${r.plan.versions.timestamp}); ${r.applied.targetsWritten ? `${r.applied.targetsWritten} target file(s) written` : 'nothing written'}`);
      return;
    }
    out(`${args.repo}: published (${r.mode}${r.reason ? `: ${r.reason}` : ''}) — snapshot ${r.plan.versions.snapshot}, timestamp ${r.plan.versions.timestamp}, ${r.plan.bins} bins`);
    out(`wrote ${r.applied.metadata.length} metadata file(s) (${r.plan.binsWritten.length} bin(s)) and ${r.applied.targetsWritten} target file(s)`);
  },
});

interface RefreshArgs extends OnlineKeyArgs {
  repo: string;
  'refresh-before': number;
  'expires-in'?: number;
  'timestamp-expires-in'?: number;
  cache: string;
  json: boolean;
}

const refreshCommand = defineCommand<RefreshArgs>({
  name: 'repo refresh',
  describe: 'Re-sign the timestamp, and snapshot, targets or bins that expire within --refresh-before days (scheduled workflow)',
  options: {
    repo: { type: 'string', value: 'DIR', required: true, describe: 'the repository folder' },
    ...ONLINE_KEY_OPTIONS,
    'refresh-before': { type: 'number', value: 'DAYS', default: 10, describe: 're-sign roles expiring within this many days' },
    'expires-in': { type: 'number', value: 'DAYS', describe: 'lifetime of re-signed targets, bins and snapshot (default 30)' },
    'timestamp-expires-in': { type: 'number', value: 'DAYS', describe: 'lifetime of the timestamp (default 1)' },
    cache: { type: 'string', value: 'FILE', default: DEFAULT_CACHE, describe: 'the publish cache to keep in step' },
    json: { type: 'boolean', describe: 'print the result as JSON' },
  },
  run: async (args) => {
    const margin = days('refresh-before', args['refresh-before'])!;
    const life = days('expires-in', args['expires-in']);
    const tsLife = days('timestamp-expires-in', args['timestamp-expires-in']);
    const signers = await loadOnlineSigners(args);
    const now = buildTime(cliEnv());
    const r = await refreshRepositoryDir({
      repoDir: args.repo,
      signers,
      now,
      refreshWithinDays: margin,
      expiry: { ...(life ? { targets: life, snapshot: life, bins: life } : {}), ...(tsLife ? { timestamp: tsLife } : {}) },
      cacheFile: args.cache,
    });
    const result = {
      ok: true,
      repo: args.repo,
      versions: r.plan.versions,
      metadata_written: r.applied.metadata,
      bins_written: r.plan.binsWritten.length,
      root_expires: r.rootExpires,
      root_expires_soon: r.rootExpiresSoon,
    };
    if (args.json) return outJSON(result);
    out(`${args.repo}: refreshed — timestamp ${r.plan.versions.timestamp}, snapshot ${r.plan.versions.snapshot}; ${r.applied.metadata.length} file(s) written`);
    if (r.rootExpiresSoon) out(`warning: root expires ${r.rootExpires}; the root key holders must sign a new root (lattice-index repo rotate-root, docs/REPOSITORY.md)`);
  },
});

interface RotateArgs {
  repo: string;
  'old-root-key': string[];
  'new-root-key': string[];
  'root-threshold': number;
  'online-key'?: string;
  'timestamp-key'?: string;
  'expires-in': number;
  json: boolean;
}

const rotateCommand = defineCommand<RotateArgs>({
  name: 'repo rotate-root',
  describe: 'Write root N+1 with new root keys, signed by a threshold of the old keys and by the new ones (offline)',
  options: {
    repo: { type: 'string', value: 'DIR', required: true, describe: 'the repository folder' },
    'old-root-key': { type: 'string', value: 'FILE', multiple: true, required: true, describe: 'a current root key (seed file); repeatable, a threshold of them' },
    'new-root-key': { type: 'string', value: 'FILE', multiple: true, required: true, describe: 'a new root key (seed file); repeatable, all of them sign' },
    'root-threshold': { type: 'number', value: 'N', required: true, describe: 'threshold of the new root keys' },
    'online-key': { type: 'string', value: 'FILE', describe: 'a new online key (its seed file; only the public key is used)' },
    'timestamp-key': { type: 'string', value: 'FILE', describe: 'a new timestamp key (its seed file; only the public key is used)' },
    'expires-in': { type: 'number', value: 'DAYS', default: 365, describe: 'lifetime of the new root' },
    json: { type: 'boolean', describe: 'print the result as JSON' },
  },
  run: async (args) => {
    atLeastOne('old-root-key', args['old-root-key']);
    atLeastOne('new-root-key', args['new-root-key']);
    const life = days('expires-in', args['expires-in'])!;
    const oldSigners = await loadSignerFiles(args['old-root-key']);
    const newSigners = await loadSignerFiles(args['new-root-key']);
    const online = args['online-key'] ? (await loadSignerFiles([args['online-key']]))[0]!.key : undefined;
    const timestamp = args['timestamp-key'] ? (await loadSignerFiles([args['timestamp-key']]))[0]!.key : undefined;
    const now = buildTime(cliEnv());
    const r = await rotateRootDir({
      repoDir: args.repo,
      oldSigners,
      newSigners,
      newThreshold: args['root-threshold'],
      ...(online ? { online } : {}),
      ...(timestamp ? { timestamp } : {}),
      now,
      expiryDays: life,
    });
    if (args.json) return outJSON({ ok: true, repo: args.repo, root: r.path, version: r.version });
    out(`${args.repo}: wrote ${r.path} (root version ${r.version}); publish next${online ? ' with the new online key' : ''} so clients meet the new keys`);
  },
});

interface VerifyArgs extends TransportArgs {
  repo: string;
  root: string;
  now?: string;
  json: boolean;
}

const verifyCommand = defineCommand<VerifyArgs>({
  name: 'repo verify',
  describe: 'Verify a whole repository (folder or URL) from a root file: every role and every target, as an auditor or mirror would',
  options: {
    repo: { type: 'string', value: 'DIR|URL', required: true, describe: 'the repository folder or base URL' },
    root: { type: 'string', value: 'FILE', required: true, describe: 'the trusted root to start from (e.g. 1.root.json)' },
    now: { type: 'string', value: 'RFC3339', describe: 'reference time instead of the clock' },
    ...TRANSPORT_OPTIONS,
    json: { type: 'boolean', describe: 'print the result as JSON' },
  },
  run: async (args) => {
    const now = parseTimeFlag('--now', args.now);
    const initialRoot = await readRootFile(args.root);
    const transport = await repositoryTransport(args.repo, () => commandFetcher(args));
    const opened = await RepositoryClient.open({ transport, store: memoryMetadataStore(), now, initialRoot, verifier: nodeTufVerifier });
    if (!opened.ok) throw opened.error;
    const r = await auditRepository(opened.value);
    if (!r.ok) throw r.error;
    const a = r.report;
    if (args.json) return outJSON({ ok: true, repo: args.repo, ...a });
    out(`${args.repo}: verified — root ${a.rootVersion}, timestamp ${a.timestampVersion}, snapshot ${a.snapshotVersion}, targets ${a.targetsVersion}; expires ${a.expires}`);
    out(`${a.roles} targets role(s), ${a.targets} target(s), ${a.bytes} bytes, every length and hash checked`);
    if (a.lattice) out(`lattice: ${a.lattice.plugins} plugin(s), ${a.lattice.publishers} publisher(s), ${a.lattice.revocations} revocation(s); each plugin target carries its publisher's entry and its revocations`);
  },
});

export const repoCommand: CommandGroupSpec = {
  name: 'repo',
  describe: 'Repository v2 (TUF): init, publish, refresh, rotate-root, verify',
  subcommands: [initCommand, publishCommand, refreshCommand, rotateCommand, verifyCommand],
};
