/**
 * SHA-256 of local files, streamed (kept apart from ./files.ts so that
 * commands which only read JSON do not load the hash engines).
 *
 * @module
 */
import { InputError } from '../core/errors.js';
import { createSha256 } from '../crypto/index.js';
import { describeFsError, openInputFile } from './files.js';

/**
 * SHA-256 of an input file, streamed (never held in memory), with a size cap.
 *
 * @param file - the path.
 * @param maxBytes - the cap.
 * @param what - how messages name it.
 * @returns lowercase hex SHA-256 and the size.
 * @throws {InputError} as {@link openInputFile}; `INPUT_INVALID` over the cap.
 */
export async function sha256File(file: string, maxBytes: number, what = ''): Promise<{ sha256: string; size: number }> {
  const { handle } = await openInputFile(file, what);
  const h = createSha256();
  let size = 0;
  try {
    for await (const chunk of handle.createReadStream({ highWaterMark: 1024 * 1024, autoClose: false })) {
      const bytes = chunk as Buffer;
      size += bytes.length;
      if (size > maxBytes) throw new InputError('INPUT_INVALID', `${what ? `${what} ` : ''}${file}: expected at most ${maxBytes} bytes, found more`);
      h.update(bytes);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('INPUT_UNREADABLE', `cannot read ${what ? `${what} ` : ''}${file}: ${describeFsError(e)}`);
  } finally {
    await handle.close().catch(() => {});
  }
  return { sha256: h.digestHex(), size };
}
