/**
 * `lattice-index build` — assemble `index/plugins.json` from the entry files.
 * Deterministic: stable order and formatting, honours SOURCE_DATE_EPOCH,
 * next generation only when the content changed (or with --refresh).
 * @module
 */
import path from 'node:path';
import { InputError, VerificationError } from '../../core/errors.js';
import { SERVER_LINES, type ServerLine } from '../../core/server-line.js';
import { assembleIndex, serializeIndex } from '../../domain/index/assemble.js';
import { checkOutputPath, readStrictJSONFile, writeFileAtomic } from '../../io/files.js';
import { buildTime, loadIndexSources } from '../../io/index-sources.js';
import { formatProblem, MAX_INDEX_BYTES } from '../index-check.js';
import { cliEnv, err, EXIT, out, outJSON, setExitCode } from '../run.js';
import { defineCommand } from '../spec.js';

interface BuildArgs {
  'index-dir': string;
  out?: string;
  'expires-in'?: number;
  refresh: boolean;
  'server-line': ServerLine;
  json: boolean;
}

export const buildCommand = defineCommand<BuildArgs>({
  name: 'build',
  options: {
    'index-dir': { type: 'string', value: 'DIR', default: 'index', describe: 'directory holding the entry files' },
    out: { type: 'string', value: 'FILE', describe: 'output file (default <index-dir>/plugins.json)' },
    'expires-in': { type: 'number', describe: 'set expires_at this many days after generated_at' },
    refresh: { type: 'boolean', default: false, describe: 'start a new generation even if nothing changed (re-signing before expiry)' },
    'server-line': { type: 'string', choices: SERVER_LINES, default: 'integration' as ServerLine, describe: 'server line whose capability table applies' },
    json: { type: 'boolean', default: false, describe: 'print the result as JSON' },
  },
  run: async (args) => {
    const indexDir = args['index-dir'];
    const outFile = args.out ?? path.join(indexDir, 'plugins.json');
    if (args['expires-in'] !== undefined && !(Number.isFinite(args['expires-in']) && args['expires-in'] > 0 && args['expires-in'] <= 3660)) {
      throw new InputError('INPUT_INVALID', `--expires-in must be a number of days between 0 and 3660, found ${args['expires-in']}`);
    }
    const now = buildTime(cliEnv());
    const { sources, problems: readProblems } = await loadIndexSources(indexDir);
    // The previous index continues the generation. Only a missing file starts
    // at generation 1: anything else (unreadable, a looping link, not JSON)
    // stops the build — restarting at 1 would roll every operator back.
    await checkOutputPath(outFile);
    let previous: unknown;
    try {
      previous = (await readStrictJSONFile(outFile, MAX_INDEX_BYTES)).value;
    } catch (e) {
      if (!(e instanceof InputError) || e.code !== 'INPUT_NOT_FOUND') throw e;
      previous = undefined; // first build
    }
    const result = assembleIndex(sources, {
      now,
      previous,
      ...(args['expires-in'] !== undefined ? { expiresInDays: args['expires-in'] } : {}),
      refresh: args.refresh,
      serverLine: args['server-line'],
      outputPath: outFile,
    });
    const problems = [...readProblems, ...result.problems];
    if (problems.length > 0) {
      const message = `build refused: ${problems.length} problem(s); ${outFile} was not written`;
      if (args.json) outJSON({ ok: false, code: 'INDEX_INVALID', message, exit: EXIT.INVALID, problems });
      else for (const p of problems) err(formatProblem(p.file, p));
      err(`lattice-index: ${message} [INDEX_INVALID]`);
      setExitCode(EXIT.INVALID);
      return;
    }
    const text = serializeIndex(result.index);
    const size = Buffer.byteLength(text, 'utf8');
    if (size > MAX_INDEX_BYTES) {
      // Verifiers and installers refuse an index over this cap (core/limits.ts): never write one.
      throw new VerificationError('INDEX_TOO_LARGE', `the index would be ${size} bytes, over the ${MAX_INDEX_BYTES}-byte cap every verifier applies; ${outFile} was not written`);
    }
    if (result.changed) await writeFileAtomic(outFile, text);
    const summary = {
      ok: true,
      file: outFile,
      changed: result.changed,
      generation: result.index.generation,
      publishers: (result.index.publishers as unknown[]).length,
      plugins: (result.index.plugins as unknown[]).length,
    };
    if (args.json) outJSON(summary);
    else
      out(`${outFile}: ${result.changed ? 'built' : 'unchanged'}, generation ${summary.generation} (${summary.publishers} publishers, ${summary.plugins} plugins)`);
  },
});
