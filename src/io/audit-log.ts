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
import { appendToFile } from './files.js';

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
 * @throws {InputError} `OUTPUT_UNWRITABLE` when the log cannot be opened or written.
 * @example
 * ```ts
 * await appendAuditRecord('install-audit.log', { time: formatRFC3339UTC(now), event: 'plugin.install', plugin: 'acme.x' });
 * ```
 */
export async function appendAuditRecord(file: string, record: AuditRecord): Promise<void> {
  // One JSON line; O_APPEND places it at the end; symlinks and special files are refused (io/files.ts).
  await appendToFile(file, JSON.stringify(record) + '\n', 0o600);
}
