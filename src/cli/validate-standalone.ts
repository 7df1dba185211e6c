/**
 * Source of `scripts/validate-index.mjs`: the index validator as one
 * dependency-free file that runs on a fresh clone with no node_modules.
 *
 * `npm run gen:validator` bundles this file (and the core it imports) with
 * esbuild; a test fails when the committed bundle drifts from `src/`.
 *
 * Usage: `node scripts/validate-index.mjs [file]` (default `index/plugins.json`).
 * Output follows the upstream validator: `plugin-index: <message>` per problem
 * on stderr, `plugin-index: <name> ok (<N> plugins)` on success.
 * Exit 0 valid, 1 invalid, 2 unreadable or not JSON.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { checkIndexBytes, MAX_INDEX_BYTES } from './index-check.js';

function run(argv: string[]): number {
  const args = argv.filter((a) => a !== '--');
  if (args.length > 1 || args.some((a) => a.startsWith('-'))) {
    process.stderr.write('usage: node scripts/validate-index.mjs [index.json]\n');
    return 2;
  }
  const file = args[0] ?? 'index/plugins.json';
  let bytes: Uint8Array;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('expected a regular file');
    if (st.size > MAX_INDEX_BYTES) throw new Error(`expected at most ${MAX_INDEX_BYTES} bytes, found ${st.size}`);
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    process.stderr.write(`plugin-index: cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}\n`);
    return 2;
  }
  const r = checkIndexBytes(bytes);
  if (r.kind === 'not-json') {
    process.stderr.write(`plugin-index: ${file}:${r.problem.line}:${r.problem.column}: not JSON: ${r.problem.message} [${r.problem.code}]\n`);
    return 2;
  }
  for (const p of r.problems) {
    const where = p.line ? ` (${file}:${p.line}:${p.column}${p.instancePath ? ` ${p.instancePath}` : ''})` : '';
    process.stderr.write(`plugin-index: ${p.message}${where} [${p.code}]\n`);
  }
  if (r.problems.length > 0) return 1;
  const plugins = (r.value as { plugins: unknown[] }).plugins.length;
  process.stdout.write(`plugin-index: ${path.basename(file)} ok (${plugins} plugins)\n`);
  return 0;
}

process.exitCode = run(process.argv.slice(2));
