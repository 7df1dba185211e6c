/**
 * One writer per plugin directory: the exclusive lock every command that
 * changes `<dir>` takes first (`install`, and the operator's `upgrade`,
 * `remove`, `rollback`).
 *
 * The lock is a file, `<dir>/.lattice-index.lock`, created with
 * `O_CREAT | O_EXCL` (atomic on local filesystems) and holding its owner:
 * `{ pid, host, nonce, command, since }`. While it exists:
 *
 * - another run waits, polling, up to its bounded wait
 *   (`limits.lock_wait_ms`), then fails with `PLUGIN_DIR_LOCKED`, naming the
 *   owner;
 * - a lock whose owner is **gone** (same host, `kill(pid, 0)` says no such
 *   process) is stale and recovered: renamed aside under a unique name, its
 *   nonce compared with the one read — a live lock taken meanwhile is put
 *   back, never stolen — then removed;
 * - a lock from another host, or whose owner cannot be checked, is never
 *   recovered automatically (the message says how to remove it by hand).
 *
 * The lock is released (its file removed, if it is still ours) when the
 * command ends, and synchronously by the CLI's Ctrl-C handler
 * ({@link releaseHeldLocksSync}).
 *
 * @module
 */
import { constants as fsConstants, promises as fs, readFileSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError, PolicyError } from '../core/errors.js';
import { describeFsError } from './files.js';

/** The lock file's name inside the plugin directory. */
export const PLUGIN_DIR_LOCK_FILE = '.lattice-index.lock';

/** Who holds a lock. */
export interface LockOwner {
  pid: number;
  host: string;
  nonce: string;
  command: string;
  /** RFC 3339 UTC. */
  since: string;
}

/** A held lock. */
export interface PluginDirLock {
  readonly file: string;
  readonly owner: LockOwner;
  /** Remove the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

/** Options of {@link acquirePluginDirLock}. */
export interface AcquireLockOptions {
  /** What the holder does, for the other run's message (`install acme.tool`). */
  command: string;
  /** Longest wait for a live holder, ms (0: fail at once). */
  waitMs: number;
  /** Poll interval, ms (default 100). */
  pollMs?: number;
  /** Is `pid` a running process on this host? (tests inject; default `kill(pid, 0)`). */
  isAlive?: (pid: number) => boolean;
}

const held = new Map<string, LockOwner>();

/** `kill(pid, 0)`: no such process → false; permission denied → it exists. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (typeof v.pid === 'number' && Number.isSafeInteger(v.pid) && v.pid > 0 && typeof v.host === 'string' && typeof v.nonce === 'string' && typeof v.command === 'string' && typeof v.since === 'string') {
      return v as LockOwner;
    }
  } catch {
    // not ours, or torn: treated as unknown
  }
  return undefined;
}

async function readOwner(file: string): Promise<LockOwner | 'missing' | undefined> {
  try {
    return parseOwner(await fs.readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    return undefined;
  }
}

/**
 * Take the plugin directory's lock, waiting for a live holder up to `waitMs`
 * and recovering a stale one.
 *
 * @param pluginDir - the plugin directory (must exist).
 * @param opts - who we are, how long to wait.
 * @returns the held lock; call `release()` when done.
 * @throws {PolicyError} `PLUGIN_DIR_LOCKED` when another run holds it past the wait;
 *   {@link InputError} `OUTPUT_UNWRITABLE` when the lock file cannot be created.
 */
export async function acquirePluginDirLock(pluginDir: string, opts: AcquireLockOptions): Promise<PluginDirLock> {
  const file = path.join(pluginDir, PLUGIN_DIR_LOCK_FILE);
  const isAlive = opts.isAlive ?? processAlive;
  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    nonce: randomBytes(16).toString('hex'),
    command: opts.command,
    since: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  const deadline = Date.now() + Math.max(0, opts.waitMs);
  for (;;) {
    try {
      const h = await fs.open(file, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600);
      try {
        await h.writeFile(JSON.stringify(owner) + '\n');
        await h.sync();
      } finally {
        await h.close();
      }
      held.set(file, owner);
      return { file, owner, release: () => releaseLock(file, owner) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new InputError('OUTPUT_UNWRITABLE', `cannot create the lock ${file}: ${describeFsError(e)}`);
      }
    }
    // Someone holds it (or held it).
    const current = await readOwner(file);
    if (current === 'missing') continue; // released meanwhile: try again at once
    if (current !== undefined && current.host === owner.host && !isAlive(current.pid)) {
      await recoverStaleLock(file, current);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = current === undefined
        ? 'an unreadable lock file'
        : `pid ${current.pid} on ${current.host} (${current.command}, since ${current.since})`;
      throw new PolicyError(
        'PLUGIN_DIR_LOCKED',
        `plugin directory ${pluginDir} is locked by ${who}; waited ${opts.waitMs} ms (limits.lock_wait_ms). ` +
          `If no lattice-index runs there, remove ${file}`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(opts.pollMs ?? 100, Math.max(1, deadline - Date.now()))));
  }
}

/** Move a stale lock aside and remove it — unless what was moved is a fresh lock, which is put back. */
async function recoverStaleLock(file: string, stale: LockOwner): Promise<void> {
  const aside = `${file}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await fs.rename(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // another run recovered it
    throw new InputError('OUTPUT_UNWRITABLE', `cannot recover the stale lock ${file}: ${describeFsError(e)}`);
  }
  const moved = await readOwner(aside);
  if (moved === 'missing') return;
  if (moved === undefined || moved.nonce !== stale.nonce) {
    // A live lock was taken between our read and the rename: put it back (link
    // refuses to replace a lock taken in the meantime), never steal it.
    await fs.link(aside, file).catch(() => {});
  }
  await fs.unlink(aside).catch(() => {});
}

async function releaseLock(file: string, owner: LockOwner): Promise<void> {
  if (held.get(file) !== owner) return;
  held.delete(file);
  const current = await readOwner(file);
  if (current !== 'missing' && current !== undefined && current.nonce === owner.nonce) await fs.unlink(file).catch(() => {});
}

/**
 * Release every lock this process holds, synchronously — for a signal
 * handler that exits right after.
 *
 * @returns the lock files removed.
 */
export function releaseHeldLocksSync(): string[] {
  const removed: string[] = [];
  for (const [file, owner] of held) {
    try {
      const current = parseOwner(readFileSync(file, 'utf8'));
      if (current?.nonce === owner.nonce) {
        unlinkSync(file);
        removed.push(file);
      }
    } catch {
      // already gone
    }
    held.delete(file);
  }
  return removed;
}
