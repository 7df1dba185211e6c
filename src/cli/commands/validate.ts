/**
 * `lattice-index validate [files..]` — validate index files offline.
 * Exit 0 valid, 1 invalid (every problem printed, one per line), 2 unreadable or not JSON.
 * @module
 */
import type { Argv, CommandModule } from 'yargs';
import { readFileBounded } from '../../io/files.js';
import { InputError } from '../../core/errors.js';
import { SERVER_LINES, type ServerLine } from '../../core/server-line.js';
import { checkIndexBytes, formatProblem, MAX_INDEX_BYTES, type LocatedProblem } from '../index-check.js';
import { EXIT, err, out } from '../run.js';

interface ValidateArgs {
  files: string[];
  json: boolean;
  'server-line': ServerLine;
}

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate [files..]',
  describe: 'Validate index files (default index/plugins.json) against the index format',
  builder: (y: Argv) =>
    y
      .positional('files', { type: 'string', array: true, default: ['index/plugins.json'], describe: 'index files to validate' })
      .option('json', { type: 'boolean', default: false, describe: 'print results as JSON' })
      .option('server-line', { choices: SERVER_LINES, default: 'integration' as ServerLine, describe: 'server line whose capability table applies' }) as unknown as Argv<ValidateArgs>,
  handler: async (args) => {
    let worst: number = EXIT.OK;
    const results: { file: string; ok: boolean; error?: LocatedProblem; problems: LocatedProblem[]; plugins?: number }[] = [];
    for (const file of args.files) {
      let bytes: Uint8Array;
      try {
        bytes = await readFileBounded(file, MAX_INDEX_BYTES);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        results.push({ file, ok: false, error: { instancePath: '', code: e.code, message: e.message }, problems: [] });
        if (!args.json) err(`lattice-index: ${e.message}`);
        worst = EXIT.USAGE;
        continue;
      }
      const r = checkIndexBytes(bytes, args['server-line']);
      if (r.kind === 'not-json') {
        results.push({ file, ok: false, error: r.problem, problems: [] });
        if (!args.json) err(formatProblem(file, { ...r.problem, message: `not JSON: ${r.problem.message}` }));
        worst = EXIT.USAGE;
        continue;
      }
      const plugins = Array.isArray((r.value as { plugins?: unknown }).plugins) ? (r.value as { plugins: unknown[] }).plugins.length : 0;
      results.push({ file, ok: r.problems.length === 0, problems: r.problems, plugins });
      if (r.problems.length > 0) {
        if (worst === EXIT.OK) worst = EXIT.INVALID;
        if (!args.json) for (const p of r.problems) err(formatProblem(file, p));
      } else if (!args.json) {
        out(`${file}: ok (${plugins} plugins)`);
      }
    }
    if (args.json) out(JSON.stringify(results, null, 2));
    process.exitCode = worst;
  },
};
