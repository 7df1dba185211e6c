/**
 * Atomic placement of a verified plugin into the server's plugin directory
 * (DESIGN §5 step 8; loader layout interop §D.7: one sub-directory per
 * plugin holding exactly `manifest.json` and `artifact`).
 *
 * Protocol:
 * 1. {@link openPluginStage} makes `<dir>/.staging-<random>/` (0700). The
 *    artifact is streamed straight into `artifact` there (the spool of the
 *    pipeline, {@link PluginStage.spool}), written in 1 MiB batches and
 *    fsynced — so a large bundle is never held in memory.
 * 2. {@link PluginStage.commit}: `manifest.json` is written (O_EXCL, fsync),
 *    the stage directory is fsynced, then renamed to `<dir>/<id>.plugin`.
 *    An existing installation is first renamed aside to
 *    `<dir>/.retired-<random>-<id>`; after the new one is in place it is
 *    kept as `<dir>/.lattice-keep/<id>/previous/` (replacing an older kept
 *    release) for a one-step `rollback`; if the second rename fails, the old
 *    one is renamed back.
 * 3. {@link PluginStage.abort} removes the stage (every refusal path).
 *
 * Crash safety: `<dir>/<id>.plugin` only ever appears by `rename(2)` of a
 * complete, fsynced directory, so an interruption at any point leaves either
 * the old installation, or the new one, or (between the two renames of a
 * replacement) the old one parked under `.retired-…` — never a partial
 * `<id>.plugin`. {@link recoverPluginDir} runs before every install: it
 * renames a parked installation back when its `<id>.plugin` is missing,
 * keeps a parked one whose replacement completed, removes leftover stages,
 * the keep's trash and the kept releases of plugins no longer installed.
 *
 * Window to know about: between writing `manifest.json` into the stage and the
 * rename (a few syscalls), and between the two renames of a replacement, a
 * second complete plugin directory exists under a dot-name. The server loads
 * plugins only at startup (interop §D.7); if it started in exactly that
 * window it would see the id twice and reject **both** (fail closed), and
 * the next install run's recovery clears it.
 *
 * One writer at a time per plugin directory: every command that changes it
 * holds the directory's lock first (./plugin-dir-lock.ts). Stages are named
 * `.staging-<pid>-<random>`, and recovery removes only those whose owner is
 * gone.
 *
 * Files are written 0600 and directories 0700 (as the server's own bundle
 * cache, interop §D.6): run the installer as the server's user.
 *
 * @module
 */
import { constants as fsConstants, createReadStream, promises as fs, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError, VerificationError } from '../core/errors.js';
import { validPluginID } from '../core/rules.js';
import type { ArtifactSpool } from '../domain/install/transport.js';
import { assertDirectory, describeFsError, syncDirectory } from './files.js';

/** Prefix of stage directories. */
export const STAGING_PREFIX = '.staging-';
/** Prefix of parked (being replaced) installations. */
export const RETIRED_PREFIX = '.retired-';
/** Suffix of installation directories: `<id>.plugin`. */
export const PLUGIN_DIR_SUFFIX = '.plugin';
/** Name of the manifest file (interop §D.7). */
export const MANIFEST_FILE = 'manifest.json';
/** Name of the artifact file (interop §D.7: fixed; the manifest never names it). */
export const ARTIFACT_FILE = 'artifact';
/**
 * Where replaced releases are kept for `rollback`: `<dir>/.lattice-keep/<id>/previous/`.
 * The server loads every direct sub-directory of `<dir>` (interop §D.7): it
 * finds no `manifest.json` in `.lattice-keep` itself and skips it (one
 * `plugin.rejected` record at startup); the kept releases one level further
 * down are never loaded.
 */
export const KEEP_DIR = '.lattice-keep';
/** The kept previous release inside `<dir>/.lattice-keep/<id>/`. */
export const PREVIOUS_DIR = 'previous';
const TRASH_PREFIX = '.trash-';

const WRITE_BATCH = 1024 * 1024;
/** A chunk at least this large whose writer lets the spool hold it (`consumed`) is written as it is, not copied into a batch. */
const DIRECT_WRITE_MIN = 256 * 1024;
/** While the artifact streams, the bytes written so far are flushed to disk (`fdatasync`, in the background) every this many bytes, so the fsync after the last byte has little left to do. */
const BACKGROUND_SYNC_BYTES = 8 * 1024 * 1024;

/** Test hooks: run between the steps of a commit (to simulate an interruption). */
export interface PlacementHooks {
  /** After `manifest.json` is written and fsynced, before any rename. */
  beforeRename?: () => void | Promise<void>;
  /** After an old installation was parked, before the new one is renamed in. */
  afterRetire?: () => void | Promise<void>;
  /** After the new one is in place, before the parked one is kept as the previous release. */
  beforeKeep?: () => void | Promise<void>;
  /** After an older kept release was moved to the trash, before the parked one replaces it. */
  afterTrashPrevious?: () => void | Promise<void>;
}

/** What a commit did. */
export interface PlacementResult {
  /** `<dir>/<id>.plugin`. */
  path: string;
  /** Whether an existing installation was replaced. */
  replaced: boolean;
}

/** A stage directory for one install. */
export interface PluginStage {
  /** `<dir>/.staging-<random>`. */
  readonly dir: string;
  /** The spool factory for `verifyInstall`: the artifact file in the stage (call once). */
  readonly spool: () => Promise<ArtifactSpool>;
  /**
   * Place the stage as `<dir>/<id>.plugin` (see the module protocol).
   * @throws {VerificationError} `PLACEMENT_FAILED` (the stage is removed; an old installation is kept).
   */
  commit(pluginId: string, manifestBytes: Uint8Array, hooks?: PlacementHooks): Promise<PlacementResult>;
  /** Remove the stage (idempotent). */
  abort(): Promise<void>;
}

function rand(): string {
  return randomBytes(8).toString('hex');
}

/** `kill(pid, 0)`: no such process → false; permission denied → it exists. */
function ownerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stages of this process that are neither committed nor removed yet. */
const openStages = new Set<string>();

/**
 * Remove this process's open stages, synchronously — for a signal handler
 * (Ctrl-C during `install`) that must not leave a `.staging-*` behind. The
 * plugin directory itself is never touched: `<id>.plugin` only appears by
 * rename of a complete stage.
 *
 * @returns the stages removed.
 */
export function removeOpenStagesSync(): string[] {
  const removed = [...openStages];
  for (const dir of removed) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort: the next install's recovery removes what is left
    }
    openStages.delete(dir);
  }
  return removed;
}

/**
 * Create a stage in the plugin directory.
 *
 * @param pluginDir - the server's plugin directory (must exist).
 * @returns the stage.
 * @throws {InputError} `INPUT_UNREADABLE` if the directory is missing or not writable.
 * @example
 * ```ts
 * const stage = await openPluginStage(dir);
 * const r = await verifyInstall({ ...opts, spool: stage.spool });
 * if (r.ok && r.approved) await stage.commit(r.candidate.plugin.id, r.candidate.manifestBytes); else await stage.abort();
 * ```
 */
export async function openPluginStage(pluginDir: string): Promise<PluginStage> {
  await assertDirectory(pluginDir, 'plugin directory');
  // The owner's pid is part of the name: recovery removes only stages whose owner is gone.
  const dir = path.join(pluginDir, `${STAGING_PREFIX}${process.pid}-${rand()}`);
  try {
    await fs.mkdir(dir, { mode: 0o700 });
  } catch (e) {
    throw new InputError('INPUT_UNREADABLE', `cannot create a stage in ${pluginDir}: ${describeFsError(e)}`);
  }
  openStages.add(dir);
  let spool: ArtifactSpool | undefined;
  let done = false;
  const abort = async (): Promise<void> => {
    if (done) return;
    done = true;
    await spool?.discard().catch(() => {});
    await fs.rm(dir, { recursive: true, force: true }).catch(() => {});
    openStages.delete(dir);
  };
  return {
    dir,
    spool: async () => {
      if (spool !== undefined) throw new Error('openPluginStage: the spool was already created');
      spool = await createFileSpool(path.join(dir, ARTIFACT_FILE));
      return spool;
    },
    abort,
    async commit(pluginId: string, manifestBytes: Uint8Array, hooks: PlacementHooks = {}): Promise<PlacementResult> {
      if (done) throw new Error('PluginStage.commit: the stage is closed');
      if (!validPluginID(pluginId)) throw new TypeError(`commit: invalid plugin id ${JSON.stringify(pluginId)}`);
      if (spool === undefined) throw new Error('PluginStage.commit: no artifact was written');
      const target = path.join(pluginDir, `${pluginId}${PLUGIN_DIR_SUFFIX}`);
      let retired: string | undefined;
      let placed = false;
      try {
        await writeNewFile(path.join(dir, MANIFEST_FILE), manifestBytes);
        await syncDirectory(dir);
        await hooks.beforeRename?.();
        if (await exists(target)) {
          retired = path.join(pluginDir, `${RETIRED_PREFIX}${rand()}-${pluginId}`);
          await fs.rename(target, retired);
          await hooks.afterRetire?.();
        }
        await fs.rename(dir, target);
        placed = true;
        done = true;
        openStages.delete(dir);
        await syncDirectory(pluginDir);
      } catch (e) {
        if (!placed) {
          // Put a parked installation back, then drop the stage.
          if (retired !== undefined) await fs.rename(retired, target).catch(() => {});
          await abort();
          throw new VerificationError('PLACEMENT_FAILED', `placing ${pluginId} in ${pluginDir} failed: ${describeFsError(e)}; nothing was changed`);
        }
        throw e;
      }
      // The replaced release is kept (for rollback); if that fails, the next run's recovery keeps it.
      if (retired !== undefined) await keepRetired(pluginDir, pluginId, retired, hooks).catch(() => {});
      return { path: target, replaced: retired !== undefined };
    },
  };
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** Write a new file (refusing an existing one), fsync, close. */
async function writeNewFile(file: string, data: Uint8Array): Promise<void> {
  const h = await fs.open(file, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600);
  try {
    await h.writeFile(data);
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * A spool backed by a new file: chunks are gathered into 1 MiB batches and
 * written with one write in flight while the next batch fills (network and
 * disk overlap) — a chunk of 256 KiB or more whose writer passes `consumed`
 * is written as it is, without the copy (and without touching the batch
 * buffers' fresh pages), and handed back once written; every 8 MiB written
 * an `fdatasync` runs in the background (at most one at a time, never
 * waited for by a write), so the disk keeps up with the download; `finish`
 * waits, fsyncs and closes (the durability point: nothing before it is
 * relied on); `read` streams the file back.
 *
 * @param file - the path (must not exist).
 * @returns the spool.
 * @throws {InputError} `INPUT_UNREADABLE` if the file cannot be created.
 * @example
 * ```ts
 * const spool = await createFileSpool('/tmp/x/artifact');
 * ```
 */
export async function createFileSpool(file: string): Promise<ArtifactSpool> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600);
  } catch (e) {
    throw new InputError('INPUT_UNREADABLE', `cannot create ${file}: ${describeFsError(e)}`);
  }
  // Two batch buffers: one filling, one being written.
  let filling: Buffer = Buffer.allocUnsafe(WRITE_BATCH);
  let spare: Buffer | undefined = Buffer.allocUnsafe(WRITE_BATCH);
  let buffered = 0;
  let inFlight: Promise<void> | undefined;
  let size = 0;
  let finished = false;
  let discarded = false;
  let written = 0;
  let syncedAt = 0;
  let syncing: Promise<void> | undefined;
  let syncError: unknown;
  const writeAll = async (buf: Uint8Array, length: number): Promise<void> => {
    let off = 0;
    while (off < length) {
      const { bytesWritten } = await handle!.write(buf, off, length - off);
      off += bytesWritten;
    }
    written += length;
    if (syncing === undefined && written - syncedAt >= BACKGROUND_SYNC_BYTES) {
      syncedAt = written;
      const h = handle!;
      // A failure is kept and thrown by finish: Linux reports a writeback error once per open
      // file, so the final fsync might not see it again.
      syncing = h.datasync().then(
        () => {
          syncing = undefined;
        },
        (e: unknown) => {
          syncError ??= e;
          syncing = undefined;
        },
      );
    }
  };
  /** Start writing the filled batch; at most one write is in flight. */
  const flush = async (): Promise<void> => {
    if (inFlight) await inFlight;
    inFlight = undefined;
    if (buffered === 0) return;
    const buf = filling;
    const length = buffered;
    filling = spare ?? Buffer.allocUnsafe(WRITE_BATCH);
    spare = undefined;
    buffered = 0;
    inFlight = writeAll(buf, length).then(() => {
      spare = buf;
    });
    inFlight.catch(() => {}); // observed by the next flush/finish
  };
  return {
    async write(chunk: Uint8Array, consumed?: () => void): Promise<void> {
      if (finished || discarded) throw new Error('file spool: write after finish');
      if (consumed !== undefined && chunk.length >= DIRECT_WRITE_MIN) {
        // Written as it is, after what was gathered; handed back once it is written.
        await flush();
        if (inFlight) await inFlight;
        inFlight = writeAll(chunk, chunk.length).then(consumed);
        inFlight.catch(() => {}); // observed by the next flush/finish
        size += chunk.length;
        return;
      }
      let off = 0;
      while (off < chunk.length) {
        const n = Math.min(chunk.length - off, WRITE_BATCH - buffered);
        filling.set(chunk.subarray(off, off + n), buffered);
        buffered += n;
        off += n;
        if (buffered === WRITE_BATCH) await flush();
      }
      size += chunk.length;
      consumed?.(); // copied
    },
    async finish(): Promise<void> {
      if (finished) return;
      await flush();
      if (inFlight) await inFlight;
      inFlight = undefined;
      if (syncing) await syncing;
      if (syncError !== undefined) throw syncError;
      await handle!.sync();
      await handle!.close();
      handle = undefined;
      filling = Buffer.alloc(0);
      spare = undefined;
      finished = true;
    },
    read(): AsyncIterable<Uint8Array> {
      if (!finished) throw new Error('file spool: read before finish');
      return (async function* () {
        for await (const chunk of createReadStream(file, { highWaterMark: WRITE_BATCH })) {
          const b = chunk as Buffer;
          yield new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
        }
      })();
    },
    async discard(): Promise<void> {
      if (discarded) return;
      discarded = true;
      await inFlight?.catch(() => {});
      await syncing;
      await handle?.close().catch(() => {});
      handle = undefined;
      await fs.rm(file, { force: true }).catch(() => {});
    },
    get size(): number {
      return size;
    },
  };
}

/** `<dir>/.lattice-keep/<id>/previous`. */
export function previousPath(pluginDir: string, pluginId: string): string {
  return path.join(pluginDir, KEEP_DIR, pluginId, PREVIOUS_DIR);
}

async function mkdirPrivate(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

/**
 * Keep a parked (`.retired-…`) installation as the plugin's previous
 * release: an older kept release is first renamed into the keep's trash,
 * then the parked one is renamed to `previous`, then the trash is removed.
 * Every step is one rename; recovery repeats whatever an interruption left
 * undone.
 */
async function keepRetired(pluginDir: string, pluginId: string, retired: string, hooks: PlacementHooks = {}): Promise<void> {
  await hooks.beforeKeep?.();
  const keepRoot = path.join(pluginDir, KEEP_DIR);
  const keep = path.join(keepRoot, pluginId);
  await mkdirPrivate(keepRoot);
  await mkdirPrivate(keep);
  const previous = path.join(keep, PREVIOUS_DIR);
  let trash: string | undefined;
  if (await exists(previous)) {
    trash = path.join(keep, `${TRASH_PREFIX}${rand()}`);
    await fs.rename(previous, trash);
    await hooks.afterTrashPrevious?.();
  }
  await fs.rename(retired, previous);
  await syncDirectory(keep);
  await syncDirectory(pluginDir);
  if (trash !== undefined) await fs.rm(trash, { recursive: true, force: true });
}

/** Test hooks of {@link rollbackPlugin} and {@link removePlugin} (to simulate an interruption). */
export interface OperationHooks extends PlacementHooks {
  /** rollback: after the kept release is renamed into place, before the replaced one is kept. */
  afterRestore?: () => void | Promise<void>;
  /** remove: after `<id>.plugin` is renamed into the trash, before the kept releases are. */
  afterUnplace?: () => void | Promise<void>;
}

/**
 * One-step rollback: the kept previous release becomes `<dir>/<id>.plugin`
 * and the release it replaces becomes the kept one (so a second rollback
 * rolls forward). Two renames and the keep step; an interruption leaves
 * either the state before (recovery puts the parked installation back) or
 * after (recovery keeps it). The caller holds the directory's lock.
 *
 * @param pluginDir - the plugin directory.
 * @param pluginId - an installed plugin with a kept previous release.
 * @param hooks - test hooks.
 * @returns the installation path.
 * @throws {VerificationError} `PLACEMENT_FAILED` when a rename fails (the directory is as before).
 */
export async function rollbackPlugin(pluginDir: string, pluginId: string, hooks: OperationHooks = {}): Promise<string> {
  if (!validPluginID(pluginId)) throw new TypeError(`rollbackPlugin: invalid plugin id ${JSON.stringify(pluginId)}`);
  const target = path.join(pluginDir, `${pluginId}${PLUGIN_DIR_SUFFIX}`);
  const previous = previousPath(pluginDir, pluginId);
  const retired = path.join(pluginDir, `${RETIRED_PREFIX}${rand()}-${pluginId}`);
  let parked = false;
  try {
    await fs.rename(target, retired);
    parked = true;
    await hooks.afterRetire?.();
    await fs.rename(previous, target);
    parked = false;
    await syncDirectory(pluginDir);
  } catch (e) {
    if (parked) await fs.rename(retired, target).catch(() => {});
    throw new VerificationError('PLACEMENT_FAILED', `rolling back ${pluginId} in ${pluginDir} failed: ${describeFsError(e)}; nothing was changed`);
  }
  await hooks.afterRestore?.();
  await keepRetired(pluginDir, pluginId, retired, hooks).catch(() => {});
  return target;
}

/**
 * Remove an installed plugin: `<dir>/<id>.plugin` is renamed into the keep's
 * trash (one rename: the server no longer sees it), then its kept releases
 * follow, then the trash is removed. An interruption after the first rename
 * is finished by recovery. The caller holds the directory's lock.
 *
 * @param pluginDir - the plugin directory.
 * @param pluginId - an installed plugin.
 * @param hooks - test hooks.
 * @throws {VerificationError} `PLACEMENT_FAILED` when the first rename fails (nothing changed).
 */
export async function removePlugin(pluginDir: string, pluginId: string, hooks: OperationHooks = {}): Promise<void> {
  if (!validPluginID(pluginId)) throw new TypeError(`removePlugin: invalid plugin id ${JSON.stringify(pluginId)}`);
  const target = path.join(pluginDir, `${pluginId}${PLUGIN_DIR_SUFFIX}`);
  const keepRoot = path.join(pluginDir, KEEP_DIR);
  const trash = path.join(keepRoot, `${TRASH_PREFIX}${rand()}`);
  try {
    await mkdirPrivate(keepRoot);
    await fs.rename(target, trash);
    await syncDirectory(pluginDir);
  } catch (e) {
    throw new VerificationError('PLACEMENT_FAILED', `removing ${pluginId} from ${pluginDir} failed: ${describeFsError(e)}; nothing was changed`);
  }
  await hooks.afterUnplace?.();
  const keep = path.join(keepRoot, pluginId);
  if (await exists(keep)) {
    const trash2 = path.join(keepRoot, `${TRASH_PREFIX}${rand()}`);
    await fs.rename(keep, trash2);
    await syncDirectory(keepRoot);
    await fs.rm(trash2, { recursive: true, force: true });
  }
  await fs.rm(trash, { recursive: true, force: true });
}

/** What {@link recoverPluginDir} did. */
export interface RecoveryReport {
  /** Leftover stages removed. */
  removedStages: string[];
  /** Parked installations renamed back (their replacement never landed). */
  restored: string[];
  /** Parked installations whose replacement completed, now kept as the previous release. */
  removedRetired: string[];
  /** Keep-directory leftovers removed (trash, the kept releases of a plugin no longer installed). */
  removedKept: string[];
}

/**
 * Finish or undo whatever an interrupted install left in the plugin directory
 * (see the module comment). Runs before every install.
 *
 * @param pluginDir - the plugin directory.
 * @returns what was done.
 * @throws {InputError} `INPUT_UNREADABLE` if the directory cannot be read.
 * @example
 * ```ts
 * const report = await recoverPluginDir(dir);
 * ```
 */
export async function recoverPluginDir(pluginDir: string): Promise<RecoveryReport> {
  await assertDirectory(pluginDir, 'plugin directory');
  const report: RecoveryReport = { removedStages: [], restored: [], removedRetired: [], removedKept: [] };
  let names: string[];
  try {
    names = await fs.readdir(pluginDir);
  } catch (e) {
    throw new InputError('INPUT_UNREADABLE', `cannot list ${pluginDir}: ${describeFsError(e)}`);
  }
  for (const name of names.sort()) {
    const full = path.join(pluginDir, name);
    const stage = /^(?:(\d+)-)?[0-9a-f]{16}$/.exec(name.startsWith(STAGING_PREFIX) ? name.slice(STAGING_PREFIX.length) : '');
    if (stage) {
      // `.staging-<pid>-<random>`: left alone while its owner runs (a run that did
      // not take the lock, or this run's own open stage); older unnamed stages have
      // no owner to ask and are removed.
      const pid = stage[1] === undefined ? undefined : Number(stage[1]);
      if (openStages.has(full) || (pid !== undefined && pid !== process.pid && ownerAlive(pid))) continue;
      await fs.rm(full, { recursive: true, force: true });
      report.removedStages.push(name);
      continue;
    }
    const m = /^\.retired-[0-9a-f]{16}-(.+)$/.exec(name);
    if (m && validPluginID(m[1]!)) {
      const target = path.join(pluginDir, `${m[1]!}${PLUGIN_DIR_SUFFIX}`);
      if (await exists(target)) {
        await keepRetired(pluginDir, m[1]!, full);
        report.removedRetired.push(name);
      } else {
        await fs.rename(full, target);
        report.restored.push(name);
      }
    }
  }
  await recoverKeepDir(pluginDir, report);
  if (report.removedStages.length + report.restored.length + report.removedRetired.length + report.removedKept.length > 0) await syncDirectory(pluginDir);
  return report;
}

/** After the parked installations are settled: drop trash, and the kept releases of plugins no longer installed (an interrupted remove). */
async function recoverKeepDir(pluginDir: string, report: RecoveryReport): Promise<void> {
  const keepRoot = path.join(pluginDir, KEEP_DIR);
  let names: string[];
  try {
    names = await fs.readdir(keepRoot);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new InputError('INPUT_UNREADABLE', `cannot list ${keepRoot}: ${describeFsError(e)}`);
  }
  for (const name of names.sort()) {
    const full = path.join(keepRoot, name);
    if (name.startsWith(TRASH_PREFIX) || !validPluginID(name)) {
      await fs.rm(full, { recursive: true, force: true });
      report.removedKept.push(`${KEEP_DIR}/${name}`);
      continue;
    }
    if (!(await exists(path.join(pluginDir, `${name}${PLUGIN_DIR_SUFFIX}`)))) {
      await fs.rm(full, { recursive: true, force: true });
      report.removedKept.push(`${KEEP_DIR}/${name}`);
      continue;
    }
    for (const inner of await fs.readdir(full)) {
      if (inner === PREVIOUS_DIR) continue;
      await fs.rm(path.join(full, inner), { recursive: true, force: true });
      report.removedKept.push(`${KEEP_DIR}/${name}/${inner}`);
    }
  }
}
