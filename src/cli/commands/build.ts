/**
 * `lattice-index build` — assemble `index/plugins.json` from the entry files.
 * Deterministic: stable order and formatting, honours SOURCE_DATE_EPOCH,
 * next generation only when the content changed (or with --refresh).
 * @module
 */
import path from 'node:path';
import { InputError, VerificationError } from '../../core/errors.js';
import { assembleIndex, serializeIndex } from '../../domain/index/assemble.js';
import { checkOutputPath, readStrictJSONFile, writeFileAtomic } from '../../io/files.js';
import { buildTime, loadIndexSources } from '../../io/index-sources.js';
import { formatProblem, MAX_INDEX_BYTES } from '../index-check.js';
import { cliEnv, err, EXIT, out, outJSON, setExitCode } from '../run.js';
import { defineCommand } from '../spec.js';
import { LOADABILITY_REPORT_SCHEMA } from '../../domain/index/stored-manifests.js';
import { SERVER_RULES_CONFLICT, SERVER_RULES_OPTIONS, serverRulesFromArgs, type ServerRulesArgs } from '../server-version.js';

interface BuildArgs extends ServerRulesArgs {
  'index-dir': string;
  out?: string;
  'expires-in'?: number;
  refresh: boolean;
  report?: string;
  json: boolean;
}

export const buildCommand = defineCommand<BuildArgs>({
  name: 'build',
  options: {
    'index-dir': { type: 'string', value: 'DIR', default: 'index', describe: 'directory holding the entry files' },
    out: { type: 'string', value: 'FILE', describe: 'output file (default <index-dir>/plugins.json)' },
    'expires-in': { type: 'number', describe: 'set expires_at this many days after generated_at' },
    refresh: { type: 'boolean', default: false, describe: 'start a new generation even if nothing changed (re-signing before expiry)' },
    ...SERVER_RULES_OPTIONS,
    report: { type: 'string', value: 'FILE', describe: "write the loadability report (every stored manifest's verdict on every known server version, with the server's error text) as JSON" },
    json: { type: 'boolean', default: false, describe: 'print the result as JSON' },
  },
  conflicts: [SERVER_RULES_CONFLICT],
  epilog: 'Releases whose signed manifest is stored (index/manifests/<id>/<version>.json) get stored_manifest and loads_on — ' +
          'the known server versions that decode and validate it as the server would — and the index gets server_versions ' +
          '(docs/SERVER-VERSIONS.md). --server-line/--server-version choose the capability table the entries are validated with; ' +
          'the matrix always covers every known version.',
  run: async (args) => {
    const rules = serverRulesFromArgs(args);
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
    if (args.report !== undefined) await checkOutputPath(args.report);
    const result = assembleIndex(sources, {
      now,
      previous,
      ...(args['expires-in'] !== undefined ? { expiresInDays: args['expires-in'] } : {}),
      refresh: args.refresh,
      serverVersion: rules.version,
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
    const matrix = result.loadability;
    const versions = (result.index.server_versions as string[] | undefined) ?? [];
    if (args.report !== undefined) {
      // The server's error text per version: beside the index, never in the signed document.
      const report = {
        schema: LOADABILITY_REPORT_SCHEMA,
        index: outFile,
        generation: result.index.generation,
        server_versions: versions,
        releases: matrix,
      };
      await writeFileAtomic(args.report, JSON.stringify(report, null, 2) + '\n');
    }
    const summary = {
      ok: true,
      file: outFile,
      changed: result.changed,
      generation: result.index.generation,
      publishers: (result.index.publishers as unknown[]).length,
      plugins: (result.index.plugins as unknown[]).length,
      stored_manifests: matrix.length,
      server_versions: versions,
      loads_nowhere: matrix.filter((r) => r.loads_on.length === 0).map((r) => `${r.plugin}@${r.version}`),
      ...(args.report !== undefined ? { report: args.report } : {}),
    };
    if (args.json) outJSON(summary);
    else {
      out(`${outFile}: ${result.changed ? 'built' : 'unchanged'}, generation ${summary.generation} (${summary.publishers} publishers, ${summary.plugins} plugins)`);
      if (matrix.length > 0) {
        const everywhere = matrix.filter((r) => r.loads_on.length === versions.length).length;
        out(`loadability: ${matrix.length} stored manifest(s) on ${versions.join(', ')}: ${everywhere} load on every version, ${summary.loads_nowhere.length} on none${args.report !== undefined ? ` (report: ${args.report})` : ''}`);
        for (const r of matrix) {
          if (r.loads_on.length === 0) err(`lattice-index: warning: ${r.plugin}@${r.version} loads on no known server version: ${r.verdicts.map((v) => `${v.version}: ${v.error}`).join('; ')}`);
        }
      }
    }
  },
});
