/**
 * Inputs shared by the repository v2 commands (`repo`, `mirror`, `export`,
 * `install --repo`, `candidates --repo`): signing keys, the transport to a
 * repository folder or URL, the pinned root.
 *
 * @module
 */
import path from 'node:path';
import { InputError, PolicyError } from '../core/errors.js';
import type { InstallFetcher } from '../domain/install/transport.js';
import type { ClientResult, RepositoryClient, RepositoryTransport, TargetCache, TrustedMetadataStore } from '../domain/repository/client.js';
import type { InstallIndexSource } from '../domain/install/pipeline.js';
import type { InstallPolicy } from '../domain/install/policy.js';
import type { FetchPurpose } from '../domain/install/transport.js';
import { offlineBundleTransport, type OfflineBundle } from '../domain/repository/bundle.js';
import { openPinnedClient, repositoryIndexSource, type RootPin } from '../domain/repository/install-source.js';
import { policyPath } from '../io/install.js';
import { nodeTufVerifier } from '../io/tuf-verifier.js';
import { ed25519Signer, type MetadataSigner } from '../domain/repository/keys.js';
import type { OnlineSigners } from '../domain/repository/writer.js';
import { sha256Hex } from '../crypto/index.js';
import { readStrictJSONFile } from '../io/files.js';
import { loadSeed, readSeedFile } from '../io/keys.js';
import { dirMetadataStore, dirRepositoryTransport, dirTargetCache, httpRepositoryTransport, repositoryUrls } from '../io/repository-transport.js';
import { REPO_ROOT_MAX_BYTES } from '../core/limits.js';
import { cliEnv } from './run.js';
import { UsageError, type OptionSpec } from './spec.js';

/** A signer from a seed file or an environment variable; the seed is wiped after the signer copied it. */
export async function loadSigner(file: string | undefined, envVar: string | undefined, flags: [string, string]): Promise<MetadataSigner> {
  const seed = await loadSeed(file, envVar, flags, cliEnv());
  try {
    return ed25519Signer(seed);
  } finally {
    seed.fill(0);
  }
}

/** Signers from several seed files (root keys). */
export async function loadSignerFiles(files: readonly string[]): Promise<MetadataSigner[]> {
  const out: MetadataSigner[] = [];
  for (const f of files) {
    const seed = await readSeedFile(f);
    try {
      out.push(ed25519Signer(seed));
    } finally {
      seed.fill(0);
    }
  }
  return out;
}

/** The online key options of the writing commands. */
export const ONLINE_KEY_OPTIONS: Readonly<Record<string, OptionSpec>> = Object.freeze({
  'online-key': { type: 'string', value: 'FILE', describe: 'the online key (seed file) that signs targets, snapshot, timestamp and the bins' },
  'online-key-env': { type: 'string', value: 'VAR', describe: 'the online key as base64 in this environment variable (CI secrets)' },
  'timestamp-key': { type: 'string', value: 'FILE', describe: 'a separate timestamp key (seed file), if the root names one' },
  'timestamp-key-env': { type: 'string', value: 'VAR', describe: 'the separate timestamp key as base64 in this environment variable' },
});

/** Arguments of {@link ONLINE_KEY_OPTIONS}. */
export interface OnlineKeyArgs {
  'online-key'?: string;
  'online-key-env'?: string;
  'timestamp-key'?: string;
  'timestamp-key-env'?: string;
}

/**
 * The online signers named by the options.
 *
 * @param args - the parsed options.
 * @returns online (and timestamp) signers.
 */
export async function loadOnlineSigners(args: OnlineKeyArgs): Promise<OnlineSigners> {
  const online = await loadSigner(args['online-key'], args['online-key-env'], ['--online-key', '--online-key-env']);
  const hasTs = args['timestamp-key'] !== undefined || args['timestamp-key-env'] !== undefined;
  const timestamp = hasTs ? await loadSigner(args['timestamp-key'], args['timestamp-key-env'], ['--timestamp-key', '--timestamp-key-env']) : undefined;
  return { online, ...(timestamp ? { timestamp } : {}) };
}

/** Check a number-of-days option. */
export function days(flag: string, v: number | undefined, max = 3660): number | undefined {
  if (v === undefined) return undefined;
  if (!(Number.isFinite(v) && v > 0 && v <= max)) throw new UsageError(`--${flag} must be a number of days above 0 and at most ${max}, found ${v}`);
  return v;
}

/** The transport options of the reading commands. */
export const TRANSPORT_OPTIONS: Readonly<Record<string, OptionSpec>> = Object.freeze({
  ca: { type: 'string', value: 'FILE', describe: 'extra trusted CA certificates (PEM) for the HTTPS connection' },
  'allow-address': { type: 'string', value: 'IP', multiple: true, describe: 'allow this private or loopback address (e.g. a mirror on this host); repeatable' },
  'test-loopback-http': { type: 'boolean', hidden: true, describe: 'TEST ONLY: plain HTTP to 127.0.0.1/localhost' },
});

/** Arguments of {@link TRANSPORT_OPTIONS}. */
export interface TransportArgs {
  ca?: string;
  'allow-address': string[];
  'test-loopback-http': boolean;
}

/** Whether a source is an http(s) URL (else a folder). */
export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

export { commandFetcher } from './command-fetcher.js';

/**
 * A transport to a repository folder or URL.
 *
 * @param source - a folder, or the repository's base URL.
 * @param fetcher - used for a URL.
 * @returns the transport.
 */
export function repositoryTransport(source: string, fetcher: () => Promise<InstallFetcher>): Promise<RepositoryTransport> | RepositoryTransport {
  if (!isUrl(source)) return dirRepositoryTransport(path.resolve(source));
  return fetcher().then((f) => httpRepositoryTransport(f, repositoryUrls(source)));
}

/**
 * Read a root file the operator gives (`--root FILE`, the policy's pinned
 * root): strict JSON, else unreadable input (exit 2) like every other input
 * file; whether it is a valid root is the client's verdict.
 *
 * @param file - the path.
 * @returns its bytes.
 */
export async function readRootFile(file: string): Promise<Uint8Array> {
  return (await readStrictJSONFile(file, REPO_ROOT_MAX_BYTES)).bytes;
}

/**
 * Check fetched `1.root.json` bytes against a SHA-256 pin.
 *
 * @param bytes - the fetched root.
 * @param pin - the pinned SHA-256.
 * @throws {PolicyError} `REPO_ROOT_PIN` on a mismatch.
 */
export function checkRootPin(bytes: Uint8Array, pin: string): void {
  const got = sha256Hex(bytes);
  if (got !== pin) throw new PolicyError('REPO_ROOT_PIN', `1.root.json has SHA-256 ${got}; the policy pins ${pin}`);
}

/** Refuse an empty list where one is required (parseArgs cannot express "at least one"). */
export function atLeastOne(flag: string, list: readonly string[]): void {
  if (list.length === 0) throw new InputError('USAGE_ERROR', `expected at least one --${flag}`);
}

/** A store that reads a folder but keeps every write in memory (dry runs write nothing). */
export function overlayStore(base: TrustedMetadataStore): TrustedMetadataStore {
  const mem = new Map<string, Uint8Array | null>();
  return {
    async read(name) {
      if (mem.has(name)) return mem.get(name) ?? undefined;
      return base.read(name);
    },
    async write(name, bytes) {
      mem.set(name, Uint8Array.from(bytes));
    },
    async remove(name) {
      mem.set(name, null);
    },
  };
}

/** Options of {@link repositoryInstallSource}. */
export interface RepositoryInstallSourceOptions {
  policy: InstallPolicy;
  policyDir: string;
  /** Repository v2 URL (`--repo`). */
  repoUrl?: string;
  /** An offline bundle already read (`--from`). */
  bundle?: OfflineBundle;
  /** The bundle file name, for records. */
  bundleFile?: string;
  /** Makes the fetcher (only for a URL). */
  fetcher?: () => Promise<InstallFetcher>;
  now: number;
  /** Keep the trusted metadata folder unchanged. */
  dryRun: boolean;
}

/**
 * The install pipeline's step 1 from repository v2 or an offline bundle,
 * trusting the policy's pinned root and keeping the trusted metadata in the
 * policy's `repository.metadata_dir`.
 *
 * @param o - policy, URL or bundle, clock.
 * @returns the index source.
 * @throws {InputError} `INSTALL_POLICY_INVALID` when the policy pins no repository root.
 */
export async function repositoryInstallSource(o: RepositoryInstallSourceOptions): Promise<InstallIndexSource> {
  const { open, label } = await policyRepositoryClient(o);
  const b = o.bundle;
  return repositoryIndexSource({
    label,
    open,
    ...(b !== undefined
      ? {
          content: (url: string, purpose: FetchPurpose) =>
            purpose === 'manifest' && url === b.manifestUrl ? b.manifest : purpose === 'artifact' && url === b.artifactUrl ? b.artifact : undefined,
        }
      : {}),
  });
}

/**
 * A client opener for the policy's repository (pinned root, trusted metadata folder).
 *
 * @param o - as {@link repositoryInstallSource}.
 * @returns the opener and a label.
 */
export async function policyRepositoryClient(o: RepositoryInstallSourceOptions): Promise<{ open: () => Promise<ClientResult<RepositoryClient>>; label: string }> {
  const rp = o.policy.repository;
  if (rp === undefined) {
    throw new InputError('INSTALL_POLICY_INVALID', 'the install policy has no "repository" member: repository v2 needs a pinned root (repository.root or repository.root_sha256)');
  }
  const pin: RootPin =
    rp.rootFile !== undefined
      ? { kind: 'file', bytes: await readRootFile(policyPath(o.policyDir, rp.rootFile)), label: rp.rootFile }
      : { kind: 'sha256', sha256: rp.rootSha256! };
  const metadataDir = policyPath(o.policyDir, rp.metadataDir);
  const dirStore = dirMetadataStore(metadataDir);
  const store = o.dryRun ? overlayStore(dirStore) : dirStore;
  const cache = dirTargetCache(metadataDir);
  const targetCache: TargetCache = o.dryRun ? { read: cache.read, write: async () => {} } : cache;
  const b = o.bundle;
  let transport: RepositoryTransport;
  if (b !== undefined) transport = offlineBundleTransport(b);
  else {
    const url = o.repoUrl ?? rp.url;
    if (url === undefined) throw new InputError('USAGE_ERROR', 'expected --repo URL (the policy names no repository.url)');
    transport = httpRepositoryTransport(await o.fetcher!(), repositoryUrls(url));
  }
  const label = b !== undefined ? `offline bundle ${o.bundleFile ?? ''}`.trim() : (o.repoUrl ?? rp.url)!;
  return { label, open: () => openPinnedClient({ transport, store, now: o.now, verifier: nodeTufVerifier, pin, ...(b === undefined ? { targetCache } : {}) }) };
}
