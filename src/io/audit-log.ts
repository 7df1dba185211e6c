/**
 * The install audit log (DESIGN §5 step 8): one JSON object per line,
 * appended with `O_APPEND` (so concurrent writers never interleave inside a
 * line on a local filesystem), fsynced before the command reports success.
 * The file is created 0600; a symlink at its path is refused (`O_NOFOLLOW`),
 * so nobody can redirect the log into another file.
 *
 * Records carry digests, ids, versions and keyids — never key material or
 * other secrets.
 *
 * @module
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import { InputError } from '../core/errors.js';
import { describeFsError } from './files.js';

/** One audit record (free-form, but every record has these). */
export interface AuditRecord {
  /** RFC 3339 UTC time of the event. */
  time: string;
  /** e.g. `plugin.install`, `plugin.install.refused`. */
  event: string;
  [key: string]: unknown;
}

/**
 * Append one record as a JSON line and fsync.
 *
 * @param file - the audit log path.
 * @param record - the record (must be JSON-serialisable; newlines in strings are escaped by JSON).
 * @throws {InputError} `INPUT_UNREADABLE` when the log cannot be opened or written.
 * @example
 * ```ts
 * await appendAuditRecord('install-audit.log', { time: formatRFC3339UTC(now), event: 'plugin.install', plugin: 'acme.x' });
 * ```
 */
export async function appendAuditRecord(file: string, record: AuditRecord): Promise<void> {
  const line = Buffer.from(JSON.stringify(record) + '\n', 'utf8');
  let h: fs.FileHandle | undefined;
  try {
    h = await fs.open(file, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW, 0o600);
    // One write call per line: O_APPEND places it atomically at the end.
    let off = 0;
    while (off < line.length) {
      const { bytesWritten } = await h.write(line, off, line.length - off);
      off += bytesWritten;
    }
    await h.sync();
  } catch (e) {
    throw new InputError('INPUT_UNREADABLE', `cannot append to the audit log ${file}: ${describeFsError(e)}`);
  } finally {
    await h?.close().catch(() => {});
  }
}
