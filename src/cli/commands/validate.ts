/**
 * `lattice-index validate [files..]` — validate index files offline.
 * Exit 0 valid, 1 invalid (every problem printed, one per line), 2 unreadable or not JSON.
 * @module
 */
import { readFileBounded } from '../../io/files.js';
import { InputError } from '../../core/errors.js';
import { checkIndexBytes, formatProblem, MAX_INDEX_BYTES, type LocatedProblem } from '../index-check.js';
import { EXIT, err, exitCodeFor, oneLine, out, outJSON, setExitCode } from '../run.js';
import { defineCommand } from '../spec.js';
import { SERVER_RULES_CONFLICT, SERVER_RULES_OPTIONS, serverRulesFromArgs, type ServerRulesArgs } from '../server-version.js';

interface ValidateArgs extends ServerRulesArgs {
  files: string[];
  json: boolean;
}

export const validateCommand = defineCommand<ValidateArgs>({
  name: 'validate',
  positionals: [
    { name: 'files', variadic: true, required: false, default: ['index/plugins.json'], describe: 'index files to validate' },
  ],
  options: {
    json: { type: 'boolean', default: false, describe: 'print results as JSON' },
    ...SERVER_RULES_OPTIONS,
  },
  conflicts: [SERVER_RULES_CONFLICT],
  run: async (args) => {
    const rules = serverRulesFromArgs(args);
    let worst: number = EXIT.OK;
    let first: { code: string; message: string } | undefined;
    const fail = (exit: number, code: string, message: string): void => {
      if (exit > worst) worst = exit;
      first ??= { code, message };
    };
    const results: { file: string; ok: boolean; error?: LocatedProblem; problems: LocatedProblem[]; plugins?: number }[] = [];
    for (const file of args.files) {
      let bytes: Uint8Array;
      try {
        bytes = await readFileBounded(file, MAX_INDEX_BYTES);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        results.push({ file, ok: false, error: { instancePath: '', code: e.code, message: e.message }, problems: [] });
        if (!args.json) err(`lattice-index: ${e.message} [${e.code}]`);
        fail(exitCodeFor(e.code), e.code, e.message);
        continue;
      }
      const r = checkIndexBytes(bytes, rules.version);
      if (r.kind === 'not-json') {
        results.push({ file, ok: false, error: r.problem, problems: [] });
        const line = formatProblem(file, { ...r.problem, message: `not JSON: ${r.problem.message}` });
        if (!args.json) err(line);
        fail(EXIT.USAGE, r.problem.code, line);
        continue;
      }
      const plugins = Array.isArray((r.value as { plugins?: unknown } | null)?.plugins) ? (r.value as { plugins: unknown[] }).plugins.length : 0;
      results.push({ file, ok: r.problems.length === 0, problems: r.problems, plugins });
      if (r.problems.length > 0) {
        if (!args.json) for (const p of r.problems) err(formatProblem(file, p));
        fail(EXIT.INVALID, 'INDEX_INVALID', `${file}: ${r.problems.length} problem(s); first: ${formatProblem(file, r.problems[0]!)}`);
      } else if (!args.json) {
        out(`${file}: ok (${plugins} plugins)`);
      }
    }
    if (args.json) {
      outJSON({ ok: worst === EXIT.OK, ...(first ? { code: first.code, message: first.message, exit: worst } : {}), files: results });
      if (first) err(`lattice-index: ${oneLine(first.message)} [${first.code}]`);
    }
    setExitCode(worst);
  },
});
