/**
 * Repository v2 on disk (DESIGN §4.4): read the repository folder's current
 * signed state, write a {@link WritePlan} (targets first, then metadata,
 * `timestamp.json` last — so a host serving the folder while it is written
 * never points at a file that is not there yet), and `publish`: turn the
 * entry files into targets, bins, snapshot and timestamp.
 *
 * ## Publishing fast at 100k plugins
 *
 * A full publish reads, validates and canonicalises every entry file. After
 * a one-plugin change most of that work would be repeated for nothing, so
 * `publish` keeps a **cache** (a local file, never served or committed:
 * `.lattice/repository-publish-cache.json` by default) recording, per entry
 * file, its `lstat` (size, mtime, inode), the SHA-256 of its bytes and what
 * it contributed (publisher, artifact digests, target hash). The cache is
 * used only when it describes exactly the repository's current snapshot
 * (its SHA-256 is recorded) and the same known server versions (the
 * loadability matrix's); otherwise, or with `full`, everything is read.
 * Incremental mode then:
 *
 * - reads only files whose `lstat` changed — or whose mtime is not safely
 *   older than the scan that wrote the cache ("racily clean", git's rule);
 *   a changed stat with the same bytes is still clean;
 * - validates the changed plugins with every index rule, together with
 *   their publishers and the revocation list (`assembleIndex` on that part —
 *   the only rule across plugins, unique ids, is the file-name rule);
 * - recomputes the targets of the changed plugins, of the plugins whose
 *   stored manifests changed (their `stored_manifest` and `loads_on` are
 *   computed as `build` computes them), of every plugin of a changed
 *   publisher, and of the plugins a revocation change reaches (a revocation
 *   list change is a full publish: a key revocation reaches every plugin);
 * - reads and re-signs only the bins those targets fall in.
 *
 * The test suite checks that an incremental publish ends in the same targets
 * as a full one after random edits.
 *
 * @module
 */
import { closeSync, constants as fsConstants, fsyncSync, lstatSync, mkdirSync, openSync, promises as fs, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError, VerificationError } from '../core/errors.js';
import { ENTRY_MAX_BYTES, MANIFEST_MAX_BYTES, REPO_ROOT_MAX_BYTES, REPO_SNAPSHOT_MAX_BYTES, REPO_TARGETS_MAX_BYTES, REPO_TIMESTAMP_MAX_BYTES, REVOCATIONS_MAX_BYTES } from '../core/limits.js';
import { parseJSONStrict } from '../core/json/strict.js';
import type { IndexPlugin, IndexPublisher, RevocationList } from '../core/index/types.js';
import { assembleIndex, type EntryFile, type EntryProblem, type IndexSources } from '../domain/index/assemble.js';
import type { StoredManifestFile } from '../domain/index/stored-manifests.js';
import { SERVER_VERSIONS } from '../core/server-line.js';
import { binForTarget } from '../domain/repository/delegation.js';
import {
  pluginTargetBytes,
  pluginTargetPath,
  publisherTargetPath,
  REVOCATIONS_TARGET,
  repositoryTargets,
} from '../domain/repository/lattice.js';
import { parseMetadata, type Metadata } from '../domain/repository/model.js';
import { canonicalizeToBytes } from '../core/jcs.js';

import type { MetadataSigner } from '../domain/repository/keys.js';
import {
  BIN_PREFIX,
  initRepository,
  rotateRoot,
  type RotateRootOptions,
  targetEntry,
  targetStoragePath,
  writeRepository,
  type ExpiryDays,
  type OnlineSigners,
  type RepositoryState,
  type TargetEntry,
  type WritePlan,
} from '../domain/repository/writer.js';
import { readFileBoundedSync, writeFileAtomic } from './files.js';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';

/** SHA-256 on OpenSSL (publish hashes every target; the portable one is slower by a wide margin). */
const sha256Node = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Read a metadata file of the repository folder (`metadata/<name>`). */
function readMeta<T extends 'root' | 'timestamp' | 'snapshot' | 'targets'>(dir: string, name: string, type: T, max: number): Metadata<T> {
  const file = path.join(dir, 'metadata', name);
  const bytes = readFileBoundedSync(file, max, 'repository metadata');
  const r = parseMetadata(bytes, type, name);
  if (!r.ok) throw r.error;
  return r.metadata;
}

/**
 * The newest root of a repository folder (`metadata/N.root.json` with the
 * highest N), or undefined when there is none.
 *
 * @param dir - the repository folder.
 * @returns the root and its file name.
 */
export function readNewestRoot(dir: string): { root: Metadata<'root'>; version: number } | undefined {
  let names: string[];
  try {
    names = readdirSync(path.join(dir, 'metadata'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError('INPUT_UNREADABLE', `cannot read ${path.join(dir, 'metadata')}: ${(e as Error).message}`);
  }
  let best = 0;
  for (const n of names) {
    const m = /^([1-9][0-9]{0,8})\.root\.json$/.exec(n);
    if (m && Number(m[1]) > best) best = Number(m[1]);
  }
  if (best === 0) return undefined;
  const root = readMeta(dir, `${best}.root.json`, 'root', REPO_ROOT_MAX_BYTES);
  if (root.signed.version !== best) throw new VerificationError('REPO_METADATA_INVALID', `${best}.root.json holds root version ${root.signed.version}`);
  return { root, version: best };
}

/**
 * The current signed state of a repository folder.
 *
 * @param dir - the repository folder.
 * @param bins - which bins to read: `all` of the current delegation, or the named ones.
 * @returns the state, or undefined when the folder holds no `timestamp.json` (not initialised).
 * @throws {VerificationError} for a damaged repository (a file that does not
 *   parse, versions that do not chain).
 */
export function readRepository(dir: string, bins: 'all' | Iterable<string>): RepositoryState | undefined {
  const newest = readNewestRoot(dir);
  if (newest === undefined) return undefined;
  let timestamp: Metadata<'timestamp'>;
  try {
    timestamp = readMeta(dir, 'timestamp.json', 'timestamp', REPO_TIMESTAMP_MAX_BYTES);
  } catch (e) {
    if (e instanceof InputError && e.code === 'INPUT_NOT_FOUND') return undefined;
    throw e;
  }
  const sv = timestamp.signed.snapshotMeta.version;
  const snapshot = readMeta(dir, `${sv}.snapshot.json`, 'snapshot', REPO_SNAPSHOT_MAX_BYTES);
  const tv = snapshot.signed.meta.get('targets.json')?.version;
  if (tv === undefined) throw new VerificationError('REPO_METADATA_INVALID', `${sv}.snapshot.json lists no targets.json`);
  const targets = readMeta(dir, `${tv}.targets.json`, 'targets', REPO_TARGETS_MAX_BYTES);
  const names = bins === 'all' ? currentBins(targets) : [...bins];
  const out = new Map<string, Metadata<'targets'>>();
  for (const name of names) {
    const v = snapshot.signed.meta.get(`${name}.json`)?.version;
    if (v === undefined) continue;
    out.set(name, readMeta(dir, `${v}.${name}.json`, 'targets', REPO_TARGETS_MAX_BYTES));
  }
  return { root: newest.root, timestamp, snapshot, targets, bins: out };
}

/** The bin names of the current delegation. */
function currentBins(targets: Metadata<'targets'>): string[] {
  const s = targets.signed.delegations?.succinct;
  if (s === undefined) return [];
  const width = (2 ** s.bitLength - 1).toString(16).length;
  return Array.from({ length: 2 ** s.bitLength }, (_, n) => `${s.namePrefix}-${n.toString(16).padStart(width, '0')}`);
}

/** What writing a plan did. */
export interface ApplyReport {
  /** Metadata files written (relative paths), timestamp last. */
  metadata: string[];
  /** Target files written (new content). */
  targetsWritten: number;
  /** Target files already present with the right size (skipped). */
  targetsPresent: number;
}

/**
 * Write a plan into the repository folder: target files first (each new one
 * written, fsynced and renamed into place; present ones skipped), then the
 * metadata files atomically, `timestamp.json` last.
 *
 * @param dir - the repository folder.
 * @param plan - what {@link writeRepository} computed.
 * @param targetFiles - target path → bytes for every target the plan may need.
 * @returns what was written.
 * @throws {InputError} `OUTPUT_UNWRITABLE`.
 */
export async function applyWritePlan(dir: string, plan: WritePlan, targetFiles: ReadonlyMap<string, Uint8Array>): Promise<ApplyReport> {
  let written = 0;
  let present = 0;
  const dirs = new Set<string>();
  const files: string[] = [];
  for (const [p, bytes] of targetFiles) {
    const file = path.join(dir, targetStoragePath(p, sha256Node(bytes)));
    try {
      const st = statSync(file);
      // Content-addressed: a present file of the right size and hash stays (a damaged one is rewritten).
      if (st.isFile() && st.size === bytes.length && sha256Node(readFileBoundedSync(file, bytes.length)) === path.basename(file).slice(0, 64)) {
        present++;
        continue;
      }
    } catch {
      // absent or unreadable: write it
    }
    writeImmutableFile(file, bytes, dirs);
    files.push(file);
    written++;
  }
  // Every target is durable before any metadata names it.
  if (files.length > 0) syncFiles(dir, files, dirs);
  const metadata: string[] = [];
  for (const f of plan.metadata) {
    await writeFileAtomic(path.join(dir, f.path), f.bytes);
    metadata.push(f.path);
  }
  return { metadata, targetsWritten: written, targetsPresent: present };
}

/**
 * Make written files durable: one `syncfs(2)` of the repository's file
 * system (`sync -f`, coreutils) instead of an fsync per file — measured on
 * this project's CI-class disk, 5000 small files: 5.1 s with an fsync each,
 * 0.15 s with one syncfs; where `sync -f` is not available, an fsync per
 * file and folder.
 */
function syncFiles(root: string, files: readonly string[], dirs: ReadonlySet<string>): void {
  try {
    execFileSync('sync', ['-f', root], { stdio: 'ignore', timeout: 120_000 });
    return;
  } catch {
    // no syncfs here: fall back to fsync per file
  }
  for (const f of files) {
    const fd = openSync(f, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  for (const d of dirs) syncDirSync(d);
}

/** Write a content-addressed file: temp file, write, rename (synchronous: there are many; {@link syncFiles} makes them durable). */
function writeImmutableFile(file: string, bytes: Uint8Array, dirs: Set<string>): void {
  const d = path.dirname(file);
  if (!dirs.has(d)) {
    try {
      mkdirSync(d, { recursive: true, mode: 0o755 });
    } catch (e) {
      throw new InputError('OUTPUT_UNWRITABLE', `cannot create ${d}: ${(e as Error).message}`);
    }
    dirs.add(d);
  }
  const tmp = path.join(d, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o644);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw new InputError('OUTPUT_UNWRITABLE', `cannot write ${file}: ${(e as Error).message}`);
  }
}

function syncDirSync(d: string): void {
  try {
    const fd = openSync(d, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // best effort (some filesystems refuse fsync on directories)
  }
}

// ---- entry files ---------------------------------------------------------------------

/** One entry file as publish sees it. */
interface EntryStat {
  /** Relative to the index folder: `plugins/x.json`, `publishers/p.json`, `revocations.json`, `manifests/id/v.json`. */
  rel: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** List the entry files below the index folder with their lstat (regular files only; anything else is refused). */
function listEntries(indexDir: string): EntryStat[] {
  const out: EntryStat[] = [];
  const add = (rel: string): void => {
    const abs = path.join(indexDir, rel);
    const st = lstatSync(abs);
    if (!st.isFile()) throw new InputError('INPUT_UNREADABLE', `entry ${abs} is not a regular file (symbolic links and special files are refused)`);
    out.push({ rel, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
  };
  const jsonIn = (sub: string): string[] => {
    try {
      return readdirSync(path.join(indexDir, sub)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new InputError('INPUT_UNREADABLE', `cannot read ${path.join(indexDir, sub)}: ${(e as Error).message}`);
    }
  };
  for (const n of jsonIn('publishers')) add(`publishers/${n}`);
  for (const n of jsonIn('plugins')) add(`plugins/${n}`);
  try {
    add('revocations.json');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  let ids: string[] = [];
  try {
    ids = readdirSync(path.join(indexDir, 'manifests')).filter((n) => !n.startsWith('.')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  for (const id of ids) for (const n of jsonIn(`manifests/${id}`)) add(`manifests/${id}/${n}`);
  return out;
}

const capFor = (rel: string): number => (rel === 'revocations.json' ? REVOCATIONS_MAX_BYTES : rel.startsWith('manifests/') ? MANIFEST_MAX_BYTES : ENTRY_MAX_BYTES);

/** An entry file's path as problems show it. */
function showPath(indexDir: string, rel: string, displayRoot: string): string {
  const abs = path.join(indexDir, rel);
  return path.relative(displayRoot, abs).split(path.sep).join('/') || abs;
}

/** Read and strictly parse one entry file; a problem is reported against the file. */
function readEntry(indexDir: string, rel: string, displayRoot: string, problems: EntryProblem[]): { entry?: EntryFile; bytes: Uint8Array } {
  const abs = path.join(indexDir, rel);
  const bytes = readFileBoundedSync(abs, capFor(rel));
  const show = path.relative(displayRoot, abs).split(path.sep).join('/') || abs;
  if (rel.startsWith('manifests/')) return { bytes };
  const r = parseJSONStrict(bytes, { maxBytes: capFor(rel) });
  if (!r.ok) {
    problems.push({ file: show, line: r.error.line, column: r.error.column, instancePath: r.error.pointer, code: r.error.code, message: `not valid JSON: ${r.error.message}` });
    return { bytes };
  }
  return { entry: { path: show, text: new TextDecoder().decode(bytes), value: r.value }, bytes };
}

// ---- the publish cache -----------------------------------------------------------------

const CACHE_SCHEMA = 'lattice.repository-publish-cache.v1';

/** Per entry file: [size, mtimeMs, ino, raw sha256, publisher (plugins), artifact digests (plugins)]. */
type CacheEntry = [number, number, number, string, string?, string[]?];

interface PublishCache {
  schema: typeof CACHE_SCHEMA;
  /** SHA-256 of the snapshot file the cache describes. */
  snapshot: string;
  /** When the scan that wrote this cache began (racy-clean rule). */
  scannedAtMs: number;
  /** Targets in bins after that publish. */
  binTargets: number;
  /** The known server versions the loadability matrix was computed for (comma-separated). */
  serverVersions: string;
  entries: Record<string, CacheEntry>;
}

/** The {@link PublishCache.serverVersions} of this build of the tool. */
const MATRIX_VERSIONS = SERVER_VERSIONS.join(',');

async function readCache(file: string | undefined): Promise<PublishCache | undefined> {
  if (file === undefined) return undefined;
  try {
    const bytes = readFileBoundedSync(file, 512 * 1024 * 1024, 'publish cache');
    const v = JSON.parse(new TextDecoder().decode(bytes)) as PublishCache;
    return v && v.schema === CACHE_SCHEMA && typeof v.snapshot === 'string' && typeof v.entries === 'object' ? v : undefined;
  } catch {
    return undefined; // a missing or damaged cache only means a full publish
  }
}

async function writeCache(file: string | undefined, cache: PublishCache): Promise<void> {
  if (file === undefined) return;
  await writeFileAtomic(file, JSON.stringify(cache), { mode: 0o600 });
}

// ---- publish -------------------------------------------------------------------------------

/** Options of {@link publishRepository}. */
export interface PublishOptions {
  /** The repository folder (initialised by `repo init`). */
  repoDir: string;
  /** The `index/` folder with the entry files. */
  indexDir: string;
  /** Required unless `targetsOnly`. */
  signers?: OnlineSigners;
  now: number;
  expiry?: Partial<ExpiryDays>;
  /** The publish cache file (omit: always a full publish). */
  cacheFile?: string;
  /** Ignore the cache: read every entry file. */
  full?: boolean;
  /**
   * Sign nothing: write the target files of the entry files into the folder
   * (a deploy that keeps only the metadata in git), refusing when the signed
   * metadata does not list exactly those targets. `signers` is not used.
   */
  targetsOnly?: boolean;
  /** Paths in problems are shown relative to this folder. */
  displayRoot?: string;
}

/** What a publish did. */
export interface PublishReport {
  mode: 'full' | 'incremental';
  /** Why a cache was not used (full mode). */
  reason?: string;
  changed: boolean;
  /** Entry files read and parsed. */
  entriesRead: number;
  /** Targets whose bytes changed. */
  targetsChanged: number;
  plan: WritePlan;
  applied: ApplyReport;
}

/** Entry-file problems, each located in its file (exit 1). */
export class EntryProblemsError extends VerificationError {
  constructor(readonly problems: EntryProblem[]) {
    const p = problems[0]!;
    super('INDEX_INVALID', `${p.file}${p.line ? `:${p.line}:${p.column ?? 1}` : ''}: ${p.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, problems);
  }
}

/**
 * `repo publish`: the entry files become the repository's targets, bins,
 * snapshot and timestamp (module comment).
 *
 * @param o - folders, signers, clock, lifetimes, cache.
 * @returns what was done.
 * @throws {EntryProblemsError} (`INDEX_INVALID`) when an entry file is invalid — nothing is written;
 *   {@link VerificationError} `REPO_WRITE_REFUSED` when the repository is not initialised or the key is not its online key.
 */
export async function publishRepository(o: PublishOptions): Promise<PublishReport> {
  const displayRoot = o.displayRoot ?? process.cwd();
  const scanStarted = Date.now();
  const cache = o.full ? undefined : await readCache(o.cacheFile);
  const stats = listEntries(o.indexDir);
  if (stats.length === 0) throw new InputError('INPUT_INVALID', `index directory ${o.indexDir} holds no entry files: expected publishers/*.json and plugins/*.json below it`);

  const state0 = readRepository(o.repoDir, []);
  if (state0 === undefined) throw new VerificationError('REPO_WRITE_REFUSED', `${o.repoDir} is not an initialised repository (no metadata/N.root.json and timestamp.json): run lattice-index repo init first`);
  const snapshotSha = sha256Node(state0.snapshot.bytes);
  let reason: string | undefined;
  if (o.full) reason = '--full';
  else if (cache === undefined) reason = o.cacheFile === undefined ? 'no cache' : 'no usable cache';
  else if (cache.snapshot !== snapshotSha) reason = 'the cache describes another snapshot';
  else if (cache.serverVersions !== MATRIX_VERSIONS) reason = 'the known server versions changed (the loadability matrix is recomputed)';
  if (o.targetsOnly) reason = '--targets-only';
  else if (o.signers === undefined) throw new TypeError('publishRepository: signers are required unless targetsOnly');
  if (reason === undefined) {
    const r = await publishIncremental(o, cache!, stats, state0, scanStarted, displayRoot);
    if (r.ok) return r.report;
    reason = r.reason;
  }
  return publishFull(o, stats, scanStarted, displayRoot, reason);
}

async function publishFull(o: PublishOptions, stats: EntryStat[], scanStarted: number, displayRoot: string, reason: string): Promise<PublishReport> {
  const problems: EntryProblem[] = [];
  const sources: IndexSources = { publishers: [], plugins: [] };
  const raw = new Map<string, Uint8Array>();
  const manifests = new Map<string, StoredManifestFile>();
  for (const s of stats) {
    const { entry, bytes } = readEntry(o.indexDir, s.rel, displayRoot, problems);
    raw.set(s.rel, bytes);
    if (s.rel.startsWith('manifests/')) manifests.set(s.rel, { path: showPath(o.indexDir, s.rel, displayRoot), bytes });
    else if (entry && s.rel.startsWith('publishers/')) sources.publishers.push(entry);
    else if (entry && s.rel.startsWith('plugins/')) sources.plugins.push(entry);
    else if (entry) sources.revocations = entry;
  }
  // As build assembles an index: stored manifests get stored_manifest and loads_on (DESIGN §4.5).
  const assembled = assembleIndex({ ...sources, ...(manifests.size > 0 ? { manifests } : {}) }, { now: o.now });
  problems.push(...assembled.problems);
  const index = assembled.index as { publishers: IndexPublisher[]; plugins: IndexPlugin[]; revocations?: RevocationList; server_versions?: string[] };
  if (problems.length > 0) throw new EntryProblemsError(problems);

  const targets = repositoryTargets({
    publishers: index.publishers,
    plugins: index.plugins,
    ...(index.revocations ? { revocations: index.revocations } : {}),
    manifests: new Map([...manifests].map(([k, f]) => [k, f.bytes])),
    ...(index.server_versions !== undefined ? { serverVersions: index.server_versions } : {}),
  });
  const state = readRepository(o.repoDir, 'all')!;
  if (o.targetsOnly) {
    const stale = targetsToWrite(targets, state);
    const listed = new Set<string>([...state.targets.signed.targets.keys(), ...[...state.bins.values()].flatMap((b) => [...b.signed.targets.keys()])]);
    const extra = [...listed].filter((p) => !targets.has(p));
    if (stale.size > 0 || extra.length > 0) {
      const first = [...stale.keys(), ...extra][0];
      throw new VerificationError('REPO_WRITE_REFUSED', `the signed metadata does not list the entry files' targets (${stale.size} differ, ${extra.length} extra; first: ${first}): publish and sign first`);
    }
    const none: WritePlan = {
      targets: [],
      metadata: [],
      versions: { root: state.root.signed.version, timestamp: state.timestamp.signed.version, snapshot: state.snapshot.signed.version, targets: state.targets.signed.version },
      binsWritten: [],
      bins: state.bins.size,
      changed: false,
    };
    const applied = await applyWritePlan(o.repoDir, none, targets);
    return { mode: 'full', reason, changed: false, entriesRead: stats.length, targetsChanged: 0, plan: none, applied };
  }
  const wanted = new Map<string, TargetEntry>();
  for (const [p, bytes] of targets) wanted.set(p, targetEntry(bytes, sha256Node));
  const plan = writeRepository({ root: state.root, previous: state, targets: wanted, signers: o.signers!, now: o.now, ...(o.expiry ? { expiry: o.expiry } : {}) });
  const changedTargets = targetsToWrite(targets, state);
  // Every target file is materialised (present ones are skipped by size): the folder may come from a
  // checkout that keeps only the metadata history, as the signing workflow's does.
  const applied = await applyWritePlan(o.repoDir, plan, targets);

  // The cache for the next publish.
  const entries: Record<string, CacheEntry> = {};
  const pluginsById = new Map(index.plugins.map((p) => [p.id, p]));
  for (const s of stats) {
    const e: CacheEntry = [s.size, s.mtimeMs, s.ino, sha256Node(raw.get(s.rel)!)];
    const m = /^plugins\/(.+)\.json$/.exec(s.rel);
    const plugin = m ? pluginsById.get(m[1]!) : undefined;
    if (plugin) e.push(plugin.publisher, plugin.releases.map((r) => r.artifact_sha256.toLowerCase()));
    entries[s.rel] = e;
  }
  const after = readRepository(o.repoDir, []);
  await writeCache(o.cacheFile, { schema: CACHE_SCHEMA, snapshot: sha256Node(after!.snapshot.bytes), scannedAtMs: scanStarted, binTargets: targets.size - 1, serverVersions: MATRIX_VERSIONS, entries });
  return { mode: 'full', reason, changed: plan.changed, entriesRead: stats.length, targetsChanged: changedTargets.size, plan, applied };
}

/** The target files whose bytes the current bins do not already list. */
function targetsToWrite(targets: ReadonlyMap<string, Uint8Array>, state: RepositoryState): Map<string, Uint8Array> {
  const listed = new Map<string, string>();
  for (const [p, t] of state.targets.signed.targets) listed.set(p, t.hashes.sha256 ?? '');
  for (const bin of state.bins.values()) for (const [p, t] of bin.signed.targets) listed.set(p, t.hashes.sha256 ?? '');
  const out = new Map<string, Uint8Array>();
  for (const [p, bytes] of targets) if (listed.get(p) !== sha256Node(bytes)) out.set(p, bytes);
  return out;
}

type IncrementalResult = { ok: true; report: PublishReport } | { ok: false; reason: string };

async function publishIncremental(o: PublishOptions, cache: PublishCache, stats: EntryStat[], state0: RepositoryState, scanStarted: number, displayRoot: string): Promise<IncrementalResult> {
  // 1. Which entry files changed (git's stat check, racily clean ones re-hashed).
  const onDisk = new Map(stats.map((s) => [s.rel, s]));
  const rawNew = new Map<string, Uint8Array>();
  const dirty = new Set<string>();
  const newEntries: Record<string, CacheEntry> = {};
  for (const s of stats) {
    const c = cache.entries[s.rel];
    const statSame = c !== undefined && c[0] === s.size && c[1] === s.mtimeMs && c[2] === s.ino;
    // Racily clean (git): an mtime within 2 s of the scan that wrote the cache may hide an edit on a coarse clock.
    if (statSame && s.mtimeMs < cache.scannedAtMs - 2000) {
      newEntries[s.rel] = c;
      continue;
    }
    const bytes = readFileBoundedSync(path.join(o.indexDir, s.rel), capFor(s.rel));
    const sha = sha256Node(bytes);
    if (c !== undefined && c[3] === sha) {
      newEntries[s.rel] = [s.size, s.mtimeMs, s.ino, sha, ...(c.length > 4 ? [c[4], c[5]] : [])] as CacheEntry;
      continue;
    }
    rawNew.set(s.rel, bytes);
    dirty.add(s.rel);
  }
  const removed = Object.keys(cache.entries).filter((rel) => !onDisk.has(rel));
  if (dirty.size === 0 && removed.length === 0) {
    await writeCache(o.cacheFile, { ...cache, scannedAtMs: scanStarted, entries: newEntries });
    const plan: WritePlan = {
      targets: [],
      metadata: [],
      versions: { root: state0.root.signed.version, timestamp: state0.timestamp.signed.version, snapshot: state0.snapshot.signed.version, targets: state0.targets.signed.version },
      binsWritten: [],
      bins: 2 ** (state0.targets.signed.delegations?.succinct?.bitLength ?? 0),
      changed: false,
    };
    return { ok: true, report: { mode: 'incremental', changed: false, entriesRead: 0, targetsChanged: 0, plan, applied: { metadata: [], targetsWritten: 0, targetsPresent: 0 } } };
  }
  if (dirty.has('revocations.json') || removed.includes('revocations.json')) {
    // Which plugins a revocation change reaches is known only with the old list; a key revocation reaches all.
    return { ok: false, reason: 'the revocation list changed' };
  }

  // 2. Which plugins need new targets.
  const pluginOf = (rel: string): string | undefined => /^plugins\/(.+)\.json$/.exec(rel)?.[1];
  const publisherOf = (rel: string): string | undefined => /^publishers\/(.+)\.json$/.exec(rel)?.[1];
  const changedPublishers = new Set<string>();
  for (const rel of [...dirty, ...removed]) {
    const p = publisherOf(rel);
    if (p) changedPublishers.add(p);
  }
  const manifestPluginOf = (rel: string): string | undefined => /^manifests\/([^/]+)\//.exec(rel)?.[1];
  const affected = new Set<string>();
  const removedPlugins = new Set<string>();
  for (const rel of dirty) {
    const id = pluginOf(rel) ?? manifestPluginOf(rel);
    if (id) affected.add(id);
  }
  for (const rel of removed) {
    const id = pluginOf(rel);
    if (id) removedPlugins.add(id);
    const m = manifestPluginOf(rel);
    if (m) affected.add(m);
  }
  if (changedPublishers.size > 0) {
    for (const [rel, c] of Object.entries(newEntries)) {
      const id = pluginOf(rel);
      if (id && c[4] !== undefined && changedPublishers.has(c[4])) affected.add(id);
    }
  }
  const totalPlugins = stats.filter((s) => s.rel.startsWith('plugins/')).length;
  if (affected.size > Math.max(64, totalPlugins / 5)) return { ok: false, reason: `${affected.size} plugins are affected` };

  // 3. Read and validate that part of the index.
  const problems: EntryProblem[] = [];
  const sources: IndexSources = { publishers: [], plugins: [] };
  let entriesRead = 0;
  const pluginEntries = new Map<string, EntryFile>();
  for (const id of affected) {
    const rel = `plugins/${id}.json`;
    if (!onDisk.has(rel)) continue; // only its stored manifests changed, and it has no entry: they are orphans (below)
    const { entry, bytes } = readEntry(o.indexDir, rel, displayRoot, problems);
    entriesRead++;
    if (!rawNew.has(rel)) rawNew.set(rel, bytes);
    if (entry) {
      sources.plugins.push(entry);
      pluginEntries.set(id, entry);
    }
  }
  const neededPublishers = new Set<string>(changedPublishers);
  for (const e of pluginEntries.values()) {
    const pub = (e.value as { publisher?: unknown }).publisher;
    if (typeof pub === 'string') neededPublishers.add(pub);
  }
  const publisherValues = new Map<string, IndexPublisher>();
  for (const pub of neededPublishers) {
    const rel = `publishers/${pub}.json`;
    if (!onDisk.has(rel)) continue; // removed: its plugins then fail validation ("unknown publisher")
    const { entry } = readEntry(o.indexDir, rel, displayRoot, problems);
    entriesRead++;
    if (entry) {
      sources.publishers.push(entry);
      publisherValues.set(pub, entry.value as unknown as IndexPublisher);
    }
  }
  let revocations: RevocationList | undefined;
  if (onDisk.has('revocations.json')) {
    const { entry } = readEntry(o.indexDir, 'revocations.json', displayRoot, problems);
    entriesRead++;
    if (entry) {
      sources.revocations = entry;
      revocations = entry.value as unknown as RevocationList;
    }
  }
  // Every stored manifest of the plugins read (and of removed ones: those are orphans now), as build sees them.
  const manifests = new Map<string, StoredManifestFile>();
  for (const s of stats) {
    const id = manifestPluginOf(s.rel);
    if (id === undefined || !(affected.has(id) || removedPlugins.has(id))) continue;
    let bytes = rawNew.get(s.rel);
    if (bytes === undefined) {
      bytes = readFileBoundedSync(path.join(o.indexDir, s.rel), capFor(s.rel));
      entriesRead++;
    }
    manifests.set(s.rel, { path: showPath(o.indexDir, s.rel, displayRoot), bytes });
  }
  const assembled = assembleIndex({ ...sources, ...(manifests.size > 0 ? { manifests } : {}) }, { now: o.now });
  problems.push(...assembled.problems);
  if (problems.length > 0) throw new EntryProblemsError(problems);
  const index = assembled.index as { plugins: IndexPlugin[]; server_versions?: string[] };

  // 4. The changed targets (the plugins as assembled: with stored_manifest and loads_on).
  const changed = new Map<string, Uint8Array | null>();
  for (const plugin of index.plugins) {
    changed.set(pluginTargetPath(plugin.id), pluginTargetBytes(plugin, publisherValues.get(plugin.publisher)!, revocations, index.server_versions));
  }
  for (const id of removedPlugins) changed.set(pluginTargetPath(id), null);
  for (const pub of changedPublishers) {
    const v = publisherValues.get(pub);
    changed.set(publisherTargetPath(pub), v === undefined ? null : canonicalizeToBytes(v));
  }
  for (const rel of dirty) if (rel.startsWith('manifests/')) changed.set(rel, rawNew.get(rel)!);
  for (const rel of removed) if (rel.startsWith('manifests/')) changed.set(rel, null);

  const bits = state0.targets.signed.delegations?.succinct?.bitLength;
  if (bits === undefined || state0.targets.signed.delegations?.succinct?.namePrefix !== BIN_PREFIX) return { ok: false, reason: 'the repository has no succinct bins yet' };
  const bins = new Set<string>();
  for (const p of changed.keys()) if (p !== REVOCATIONS_TARGET) bins.add(binForTarget({ namePrefix: BIN_PREFIX, bitLength: bits }, p));
  const state = readRepository(o.repoDir, bins)!;
  let added = 0;
  const listed = new Map<string, string>();
  for (const b of state.bins.values()) for (const [p, t] of b.signed.targets) listed.set(p, t.hashes.sha256 ?? '');
  const wanted = new Map<string, TargetEntry | null>();
  const files = new Map<string, Uint8Array>();
  for (const [p, bytes] of changed) {
    if (bytes === null) {
      if (listed.has(p)) added--;
      wanted.set(p, null);
      continue;
    }
    const entry = targetEntry(bytes, sha256Node);
    if (!listed.has(p)) added++;
    if (listed.get(p) === entry.sha256) continue;
    wanted.set(p, entry);
    files.set(p, bytes);
  }
  let plan: WritePlan;
  try {
    plan = writeRepository({
      root: state.root,
      previous: state,
      targets: wanted,
      partial: { totalTargets: cache.binTargets + added },
      signers: o.signers!,
      now: o.now,
      ...(o.expiry ? { expiry: o.expiry } : {}),
    });
  } catch (e) {
    if (e instanceof VerificationError && e.code === 'REPO_WRITE_REFUSED' && /outgrew/.test(e.message)) return { ok: false, reason: 'the catalog outgrew its bins' };
    throw e;
  }
  const applied = await applyWritePlan(o.repoDir, plan, files);

  // 5. The cache, moved forward.
  for (const rel of dirty) {
    const s = onDisk.get(rel)!;
    const bytes = rawNew.get(rel)!;
    const e: CacheEntry = [s.size, s.mtimeMs, s.ino, sha256Node(bytes)];
    const id = pluginOf(rel);
    const plugin = id ? (pluginEntries.get(id)?.value as unknown as IndexPlugin | undefined) : undefined;
    if (plugin) e.push(plugin.publisher, plugin.releases.map((r) => r.artifact_sha256.toLowerCase()));
    newEntries[rel] = e;
  }
  const after = readRepository(o.repoDir, []);
  await writeCache(o.cacheFile, { schema: CACHE_SCHEMA, snapshot: sha256Node(after!.snapshot.bytes), scannedAtMs: scanStarted, binTargets: cache.binTargets + added, serverVersions: MATRIX_VERSIONS, entries: newEntries });
  return { ok: true, report: { mode: 'incremental', changed: plan.changed, entriesRead: entriesRead + dirty.size, targetsChanged: files.size, plan, applied } };
}

/**
 * Move a publish cache to the snapshot a `repo refresh` just wrote (refresh
 * changes no target), so the next publish can still be incremental.
 *
 * @param cacheFile - the cache.
 * @param before - SHA-256 of the snapshot before the refresh.
 * @param after - SHA-256 of the snapshot after it.
 */
export async function followCacheToSnapshot(cacheFile: string | undefined, before: string, after: string): Promise<void> {
  const cache = await readCache(cacheFile);
  if (cache === undefined || cache.snapshot !== before || before === after) return;
  await writeCache(cacheFile, { ...cache, snapshot: after });
}

/** Is `dir` absent or empty (for `repo init`)? */
export async function isEmptyOrAbsent(dir: string): Promise<boolean> {
  try {
    return (await fs.readdir(dir)).length === 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw new InputError('OUTPUT_UNWRITABLE', `cannot read ${dir}: ${(e as Error).message}`);
  }
}

// ---- init, refresh, rotate-root ---------------------------------------------------------------

/** Options of {@link initRepositoryDir}. */
export interface InitDirOptions {
  repoDir: string;
  rootSigners: readonly MetadataSigner[];
  rootThreshold: number;
  signers: OnlineSigners;
  now: number;
  expiry?: Partial<ExpiryDays>;
}

/**
 * `repo init`: `metadata/1.root.json` and an empty signed repository in a
 * new (or empty) folder.
 *
 * @param o - folder, keys, threshold, clock.
 * @returns the plan written.
 * @throws {InputError} `OUTPUT_EXISTS` when the folder holds anything.
 */
export async function initRepositoryDir(o: InitDirOptions): Promise<WritePlan> {
  if (!(await isEmptyOrAbsent(o.repoDir))) throw new InputError('OUTPUT_EXISTS', `refusing to initialise ${o.repoDir}: it is not empty`);
  const plan = initRepository({ rootSigners: o.rootSigners, rootThreshold: o.rootThreshold, signers: o.signers, now: o.now, ...(o.expiry ? { expiry: o.expiry } : {}) });
  await applyWritePlan(o.repoDir, plan, new Map());
  return plan;
}

/** Options of {@link refreshRepositoryDir}. */
export interface RefreshDirOptions {
  repoDir: string;
  signers: OnlineSigners;
  now: number;
  expiry?: Partial<ExpiryDays>;
  /** Re-sign snapshot, targets and bins that expire within this many days (the timestamp always). */
  refreshWithinDays: number;
  cacheFile?: string;
}

/** What a refresh did. */
export interface RefreshDirReport {
  plan: WritePlan;
  applied: ApplyReport;
  /** The root's expiry, and whether it falls within 30 days (it needs the offline ceremony). */
  rootExpires: string;
  rootExpiresSoon: boolean;
}

/**
 * `repo refresh`: a new timestamp, and new versions of whatever else expires
 * within the margin — content unchanged.
 *
 * @param o - folder, signers, clock, margin.
 * @returns what was written.
 * @throws {VerificationError} `REPO_WRITE_REFUSED` when not initialised or the key is not the online key.
 */
export async function refreshRepositoryDir(o: RefreshDirOptions): Promise<RefreshDirReport> {
  const state = readRepository(o.repoDir, 'all');
  if (state === undefined) throw new VerificationError('REPO_WRITE_REFUSED', `${o.repoDir} is not an initialised repository: run lattice-index repo init first`);
  let total = 0;
  for (const b of state.bins.values()) total += b.signed.targets.size;
  const before = sha256Node(state.snapshot.bytes);
  const plan = writeRepository({
    root: state.root,
    previous: state,
    targets: new Map(),
    partial: { totalTargets: total },
    signers: o.signers,
    now: o.now,
    refreshWithinMs: o.refreshWithinDays * 86_400_000,
    forceTimestamp: true,
    ...(o.expiry ? { expiry: o.expiry } : {}),
  });
  const applied = await applyWritePlan(o.repoDir, plan, new Map());
  const after = readRepository(o.repoDir, []);
  await followCacheToSnapshot(o.cacheFile, before, sha256Node(after!.snapshot.bytes));
  const rootExpires = state.root.signed.expires;
  return { plan, applied, rootExpires, rootExpiresSoon: state.root.signed.expiresMs - o.now < 30 * 86_400_000 };
}

/** Options of {@link rotateRootDir}. */
export type RotateRootDirOptions = Omit<RotateRootOptions, 'current'> & { repoDir: string };

/**
 * `repo rotate-root`: write `metadata/<N+1>.root.json` (never over an existing file).
 *
 * @param o - folder, old and new signers, threshold, optional new online/timestamp key.
 * @returns the new root's path and version.
 * @throws {VerificationError} `REPO_WRITE_REFUSED` (no root, threshold not met).
 */
export async function rotateRootDir(o: RotateRootDirOptions): Promise<{ path: string; version: number }> {
  const newest = readNewestRoot(o.repoDir);
  if (newest === undefined) throw new VerificationError('REPO_WRITE_REFUSED', `${o.repoDir} has no root metadata: run lattice-index repo init first`);
  const file = rotateRoot({ ...o, current: newest.root });
  await writeFileAtomic(path.join(o.repoDir, file.path), file.bytes, { exclusive: true });
  return { path: file.path, version: newest.version + 1 };
}
