/**
 * Filesystem helpers: bounded reads and atomic writes.
 *
 * Every write in the toolkit goes through {@link writeFileAtomic}: the bytes
 * are written to a temporary file in the same directory, flushed with fsync,
 * then renamed over the target, so a reader (or a crash) never sees a
 * half-written index, policy, state file or key.
 *
 * @module
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from '../core/errors.js';

/** Default cap for reading index, policy and entry files (64 MiB). */
export const DEFAULT_READ_LIMIT = 64 * 1024 * 1024;

/**
 * Read a whole file, refusing anything larger than `maxBytes`.
 * @throws InputError (code JSON_TOO_LARGE) when the file is larger than the cap,
 *   InputError (code FETCH_FAILED is not used here) for unreadable paths — see message.
 */
export async function readFileBounded(file: string, maxBytes = DEFAULT_READ_LIMIT): Promise<Uint8Array> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (e) {
    throw new InputError('INPUT_UNREADABLE', `cannot read ${file}: ${describeFsError(e)}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new InputError('INPUT_UNREADABLE', `cannot read ${file}: expected a regular file`);
    if (st.size > maxBytes) {
      throw new InputError('JSON_TOO_LARGE', `${file}: expected at most ${maxBytes} bytes, found ${st.size}`);
    }
    // Read at most maxBytes + 1 so a file that grows while we read is still caught.
    const buf = new Uint8Array(Math.min(st.size, maxBytes) + 1);
    const off = await readInto(handle, buf);
    if (off > maxBytes) throw new InputError('JSON_TOO_LARGE', `${file}: expected at most ${maxBytes} bytes, found more`);
    return buf.subarray(0, off);
  } finally {
    await handle.close();
  }
}

/**
 * Fill `buf` from the start of an open file until it is full or the file ends.
 * Callers size `buf` one byte larger than they accept, so a file that grows
 * while it is read is caught.
 * @returns the number of bytes read.
 */
export async function readInto(handle: fs.FileHandle, buf: Uint8Array): Promise<number> {
  let off = 0;
  while (off < buf.length) {
    const { bytesRead } = await handle.read(buf, off, buf.length - off, off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return off;
}

/** Options for {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode for a new file (default 0o644). Key files use 0o600. */
  mode?: number;
  /** Refuse to replace an existing file (exclusive create). */
  exclusive?: boolean;
}

/**
 * Write `data` to `file` atomically: temp file in the same directory, fsync,
 * rename, fsync of the directory.
 * @throws InputError code KEY_FILE_EXISTS when `exclusive` and the file exists;
 *   INPUT_UNREADABLE when the directory cannot be written.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const mode = opts.mode ?? 0o644;
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, mode);
    await handle.writeFile(data);
    await handle.chmod(mode); // umask may have narrowed or widened nothing; be exact
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (opts.exclusive) {
      // link() fails if the target exists, making the exclusive create atomic.
      try {
        await fs.link(tmp, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new InputError('KEY_FILE_EXISTS', `refusing to overwrite existing file ${file}`);
        }
        throw e;
      }
      await fs.unlink(tmp);
    } else {
      await fs.rename(tmp, file);
    }
    await syncDirectory(dir);
  } catch (e) {
    if (handle) await handle.close().catch(() => {});
    await fs.unlink(tmp).catch(() => {});
    if (e instanceof InputError) throw e;
    throw new InputError('INPUT_UNREADABLE', `cannot write ${file}: ${describeFsError(e)}`);
  }
}

/** fsync a directory so a rename inside it is durable (best effort on platforms that refuse). */
export async function syncDirectory(dir: string): Promise<void> {
  let h: fs.FileHandle | undefined;
  try {
    h = await fs.open(dir, 'r');
    await h.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  } finally {
    await h?.close().catch(() => {});
  }
}

/** A short human description of a filesystem error (no stack). */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'expected a file, found a directory';
    case 'ENOTDIR': return 'a parent path is not a directory';
    default: return err?.message ?? String(e);
  }
}
