// validateIndex (dependency-free, every upstream rule plus the server and
// FORMAT.md rules) against ajv 8 running schemas/*.schema.json (structure
// only) on the same synthetic index at 1k / 10k / 50k plugins.
//
// ajv is compiled once, outside the timing. Each size is warmed up, then the
// two validators alternate (ABBA…) and the median of the rounds is reported.
// Usage: `node bench/validate.bench.mjs` after `npm run build`, or
// `export default run` for bench/run.mjs.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { validateIndex } from '../dist/core/index/validate.js';
import { syntheticIndex } from './synthetic-index.mjs';

const SCHEMA_FILES = ['publisher', 'plugin', 'revocations', 'plugin-index'];
const INDEX_SCHEMA_ID = 'https://schemas.latticenet.dev/plugin-index/v1/plugin-index.schema.json';
const SIZES = [
  { n: 1_000, label: '1k', rounds: 21 },
  { n: 10_000, label: '10k', rounds: 11 },
  { n: 50_000, label: '50k', rounds: 7 },
];

/** ajv with every schema of schemas/ registered; returns the compiled index validator. */
function compileAjv() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  for (const name of SCHEMA_FILES) {
    ajv.addSchema(JSON.parse(readFileSync(new URL(`../schemas/${name}.schema.json`, import.meta.url), 'utf8')));
  }
  const validate = ajv.getSchema(INDEX_SCHEMA_ID);
  if (!validate) throw new Error(`schema ${INDEX_SCHEMA_ID} not found`);
  return validate;
}

function time(fn) {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export default async function run() {
  const ajvValidate = compileAjv();
  const results = {};
  for (const { n, label, rounds } of SIZES) {
    const index = syntheticIndex(n, 42);
    // Both must accept the index, otherwise the timing compares error paths.
    const problems = validateIndex(index);
    if (problems.length > 0) throw new Error(`validateIndex rejects the synthetic index: ${JSON.stringify(problems.slice(0, 3))}`);
    if (!ajvValidate(index)) throw new Error(`ajv rejects the synthetic index: ${JSON.stringify(ajvValidate.errors.slice(0, 3))}`);
    // Warm-up (JIT).
    for (let w = 0; w < 3; w++) {
      validateIndex(index);
      ajvValidate(index);
    }
    const ours = [];
    const theirs = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        ours.push(time(() => validateIndex(index)));
        theirs.push(time(() => ajvValidate(index)));
      } else {
        theirs.push(time(() => ajvValidate(index)));
        ours.push(time(() => validateIndex(index)));
      }
    }
    const oursMs = median(ours);
    const ajvMs = median(theirs);
    const ratio = oursMs / ajvMs;
    console.log(`validateIndex ${label}: ours ${oursMs.toFixed(1)} ms, ajv ${ajvMs.toFixed(1)} ms, ratio ${ratio.toFixed(2)} (goal <= 1.0)`);
    results[label] = { plugins: n, oursMs, ajvMs, ratio };
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
