/**
 * `lattice-index build` — assemble `index/plugins.json` from the entry files.
 * Deterministic: stable order and formatting, honours SOURCE_DATE_EPOCH,
 * next generation only when the content changed (or with --refresh).
 * @module
 */
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { InputError } from '../../core/errors.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import { SERVER_LINES, type ServerLine } from '../../core/server-line.js';
import { assembleIndex, serializeIndex } from '../../domain/index/assemble.js';
import { readFileBounded, writeFileAtomic } from '../../io/files.js';
import { buildTime, loadIndexSources } from '../../io/index-sources.js';
import { formatProblem, MAX_INDEX_BYTES } from '../index-check.js';
import { EXIT, err, out } from '../run.js';

interface BuildArgs {
  'index-dir': string;
  out?: string;
  'expires-in'?: number;
  refresh: boolean;
  'server-line': ServerLine;
  json: boolean;
}

export const buildCommand: CommandModule<object, BuildArgs> = {
  command: 'build',
  describe: 'Assemble index/plugins.json from index/publishers/*.json, index/plugins/*.json and index/revocations.json',
  builder: (y: Argv) =>
    y
      .option('index-dir', { type: 'string', default: 'index', describe: 'directory holding the entry files' })
      .option('out', { type: 'string', describe: 'output file (default <index-dir>/plugins.json)' })
      .option('expires-in', { type: 'number', describe: 'set expires_at this many days after generated_at' })
      .option('refresh', { type: 'boolean', default: false, describe: 'start a new generation even if nothing changed (re-signing before expiry)' })
      .option('server-line', { choices: SERVER_LINES, default: 'integration' as ServerLine, describe: 'server line whose capability table applies' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' }) as unknown as Argv<BuildArgs>,
  handler: async (args) => {
    const indexDir = args['index-dir'];
    const outFile = args.out ?? path.join(indexDir, 'plugins.json');
    if (args['expires-in'] !== undefined && !(Number.isFinite(args['expires-in']) && args['expires-in'] > 0 && args['expires-in'] <= 3660)) {
      throw new InputError('INPUT_INVALID', `--expires-in must be a number of days between 0 and 3660, found ${args['expires-in']}`);
    }
    let now: number;
    try {
      now = buildTime();
    } catch (e) {
      throw new InputError('INPUT_INVALID', (e as Error).message);
    }
    const { sources, problems: readProblems } = await loadIndexSources(indexDir);
    let previous: unknown;
    try {
      const prevBytes = await readFileBounded(outFile, MAX_INDEX_BYTES);
      const r = parseJSONStrict(prevBytes, { maxBytes: MAX_INDEX_BYTES });
      if (!r.ok) {
        throw new InputError('INPUT_INVALID', `${outFile} is not valid JSON (${r.error.message}); cannot continue its generation — fix or remove it`);
      }
      previous = r.value;
    } catch (e) {
      if (!(e instanceof InputError) || e.code !== 'INPUT_UNREADABLE') throw e;
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
      if (args.json) out(JSON.stringify({ ok: false, problems }, null, 2));
      else for (const p of problems) err(formatProblem(p.file, p));
      if (!args.json) err(`lattice-index: build refused: ${problems.length} problem(s); ${outFile} was not written`);
      process.exitCode = EXIT.INVALID;
      return;
    }
    if (result.changed) await writeFileAtomic(outFile, serializeIndex(result.index));
    const summary = {
      ok: true,
      file: outFile,
      changed: result.changed,
      generation: result.index.generation,
      publishers: (result.index.publishers as unknown[]).length,
      plugins: (result.index.plugins as unknown[]).length,
    };
    if (args.json) out(JSON.stringify(summary, null, 2));
    else
      out(`${outFile}: ${result.changed ? 'built' : 'unchanged'}, generation ${summary.generation} (${summary.publishers} publishers, ${summary.plugins} plugins)`);
  },
};
