/**
 * The rollback state file (`lattice.plugin.index-state.v1`, see
 * `src/domain/index/state.ts` for the document and the rules): read strictly,
 * written atomically — and only after a verification succeeded.
 *
 * A missing file means first use. A file that exists but is unreadable or
 * malformed fails closed (`INDEX_STATE_INVALID`): starting over silently would
 * reopen the rollback the file exists to prevent.
 *
 * @module
 */
import { InputError, VerificationError } from '../core/errors.js';
import { parseJSONStrict } from '../core/json/strict.js';
import { MAX_INDEX_STATE_BYTES, parseIndexState, serializeIndexState, type IndexState } from '../domain/index/state.js';
import { readFileBounded, writeFileAtomic } from './files.js';

/**
 * Read the stored rollback state.
 *
 * @param file - path of the state file.
 * @returns the stored state, or `undefined` when the file does not exist.
 * @throws {VerificationError} `INDEX_STATE_INVALID` if the file exists but
 *   cannot be read or is malformed.
 * @example
 * ```ts
 * const state = await readIndexStateFile('.lattice/index-state.json');
 * ```
 */
export async function readIndexStateFile(file: string): Promise<IndexState | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFileBounded(file, MAX_INDEX_STATE_BYTES, 'rollback state');
  } catch (e) {
    // Only a missing file means "no state yet"; anything else fails closed.
    if (e instanceof InputError && e.code === 'INPUT_NOT_FOUND') return undefined;
    throw e;
  }
  // Not strict JSON: unreadable input (exit 2), with the parser's code; JSON of the wrong shape: INDEX_STATE_INVALID.
  const json = parseJSONStrict(bytes, { maxBytes: MAX_INDEX_STATE_BYTES, maxDepth: 2 });
  if (!json.ok) throw new InputError(json.error.code, `${file}:${json.error.line}:${json.error.column}: rollback state is not strict JSON: ${json.error.message}`);
  const r = parseIndexState(bytes);
  if (!r.ok) throw new VerificationError('INDEX_STATE_INVALID', `${file}: ${r.error.message}`);
  return r.document.state;
}

/**
 * Store the rollback state atomically (temp file, fsync, rename).
 *
 * @param file - path of the state file.
 * @param state - the state to store (from `nextIndexState`).
 * @param verifiedAtMs - when the index was verified.
 * @throws {InputError} `INPUT_UNREADABLE` if the directory cannot be written.
 * @example
 * ```ts
 * const next = nextIndexState(result.verified);
 * if (next) await writeIndexStateFile(file, next, now);
 * ```
 */
export async function writeIndexStateFile(file: string, state: IndexState, verifiedAtMs: number): Promise<void> {
  await writeFileAtomic(file, serializeIndexState(state, verifiedAtMs));
}
