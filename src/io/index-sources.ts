/**
 * Read the repository's index entry files (`index/publishers/*.json`,
 * `index/plugins/*.json`, `index/revocations.json`) with fast-glob, parsing
 * each strictly, and the stored manifests (`index/manifests/**`, exact bytes,
 * at most 1 MiB each; their checks are `build`'s). A file that is not JSON is
 * reported against its own line.
 *
 * @module
 */
import { ENTRY_MAX_BYTES, MANIFEST_MAX_BYTES } from '../core/limits.js';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import fg from 'fast-glob';
import { parseJSONStrict } from '../core/json/strict.js';
import type { EntryFile, EntryProblem, IndexSources } from '../domain/index/assemble.js';
import type { StoredManifestFile } from '../domain/index/stored-manifests.js';
import { STORED_MANIFEST_DIR } from '../core/index/stored-manifest.js';
import { InputError } from '../core/errors.js';
import { assertDirectory, readFileBounded, readFileBoundedSync } from './files.js';

/** Largest entry file read: a plugin entry is a few KiB. */
export const MAX_ENTRY_BYTES = ENTRY_MAX_BYTES;

/**
 * Load the entry files below `indexDir`.
 * @param indexDir - the `index/` directory.
 * @param displayRoot - paths in problems are shown relative to this directory.
 * @returns the parsed sources and the problems of files that did not parse.
 * @throws {InputError} `INPUT_NOT_FOUND` / `INPUT_UNREADABLE` when `indexDir`
 *   is missing or not a directory; `INPUT_INVALID` when it holds no entry
 *   file at all (a mistyped `--index-dir` must not build an empty index).
 */
export async function loadIndexSources(indexDir: string, displayRoot = process.cwd()): Promise<{ sources: IndexSources; problems: EntryProblem[] }> {
  await assertDirectory(indexDir, 'index directory');
  const problems: EntryProblem[] = [];
  const show = (abs: string) => path.relative(displayRoot, abs).split(path.sep).join('/') || abs;
  const read = async (abs: string): Promise<EntryFile | undefined> => {
    // Synchronous: entry files are many and small (see readFileBoundedSync).
    const bytes = readFileBoundedSync(abs, MAX_ENTRY_BYTES);
    const r = parseJSONStrict(bytes, { maxBytes: MAX_ENTRY_BYTES });
    if (!r.ok) {
      problems.push({ file: show(abs), line: r.error.line, column: r.error.column, instancePath: r.error.pointer, code: r.error.code,
        message: `not valid JSON: ${r.error.message}` });
      return undefined;
    }
    return { path: show(abs), text: new TextDecoder().decode(bytes), value: r.value };
  };
  const glob = (pattern: string) =>
    fg(pattern, { cwd: indexDir, absolute: true, onlyFiles: true, dot: false, followSymbolicLinks: false }).then((l) => l.sort());
  const publishers: EntryFile[] = [];
  for (const f of await glob('publishers/*.json')) {
    const e = await read(f);
    if (e) publishers.push(e);
  }
  const plugins: EntryFile[] = [];
  for (const f of await glob('plugins/*.json')) {
    const e = await read(f);
    if (e) plugins.push(e);
  }
  let revocations: EntryFile | undefined;
  const revPath = path.join(indexDir, 'revocations.json');
  if (await exists(revPath)) revocations = await read(revPath);
  if (publishers.length + plugins.length === 0 && problems.length === 0) {
    throw new InputError('INPUT_INVALID', `index directory ${indexDir} holds no entry files: expected publishers/*.json and plugins/*.json below it`);
  }
  // Stored manifests: every file below manifests/ (the layout is checked by build), exact bytes.
  const manifests = new Map<string, StoredManifestFile>();
  for (const f of await glob(`${STORED_MANIFEST_DIR}/**`)) {
    const key = path.relative(indexDir, f).split(path.sep).join('/');
    manifests.set(key, { path: show(f), bytes: await readFileBounded(f, MANIFEST_MAX_BYTES, 'stored manifest') });
  }
  return { sources: { publishers, plugins, ...(revocations ? { revocations } : {}), ...(manifests.size > 0 ? { manifests } : {}) }, problems };
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * "Now" for reproducible builds: `SOURCE_DATE_EPOCH` (whole seconds) when set,
 * otherwise the clock.
 * @throws {InputError} `INPUT_INVALID` when the variable is not a non-negative integer.
 */
export function buildTime(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return Date.now();
  if (!/^\d{1,12}$/.test(v)) throw new InputError('INPUT_INVALID', `SOURCE_DATE_EPOCH must be whole seconds since 1970, found ${JSON.stringify(v)}`);
  return Number(v) * 1000;
}
