// RFC 8785 canonical JSON (src/core/jcs.ts) against the `canonicalize` npm
// package (the RFC author's implementation) on synthetic plugin indexes of
// 1k / 10k / 50k plugins (bench/synthetic-index.mjs). Goal: ours ≥ 1.5× faster.
//
// Both serialize the same object; the outputs are checked byte-equal first.
// Two measurements per size:
//   string — `canonicalize(x)` alone (what the goal is stated on). The package
//            returns an unflattened V8 rope; ours may return a partly flattened
//            one (see CHUNK in jcs.ts), so this slightly favours the package.
//   bytes  — `canonicalizeToBytes(x)` vs `TextEncoder.encode(canonicalize(x))`:
//            what signing and verification actually consume.
// Each size is warmed up, then ours and the package alternate (ABAB…) and the
// median is reported. With `node --expose-gc` a full GC runs before every
// timed call, so one side's garbage is not billed to the other (much steadier
// numbers); without it the bench still runs.
// Usage: `npm run build && node --expose-gc bench/jcs.bench.mjs`, or
// `export default run` for bench/run.mjs.
import { pathToFileURL } from 'node:url';
import canonicalizePackage from 'canonicalize';
import { canonicalize, canonicalizeToBytes } from '../dist/core/jcs.js';
import { syntheticIndex } from './synthetic-index.mjs';

const SIZES = [
  { n: 1_000, label: '1k', rounds: 41 },
  { n: 10_000, label: '10k', rounds: 11 },
  { n: 50_000, label: '50k', rounds: 5 },
];
const GOAL = 1.5;
const utf8 = new TextEncoder();
const gc = typeof globalThis.gc === 'function' ? globalThis.gc : () => {};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function timeOnce(fn, x) {
  gc();
  const t0 = performance.now();
  fn(x);
  return performance.now() - t0;
}

/** Median of `rounds` alternating runs of a and b, after `warm` untimed runs each. */
function compare(a, b, x, rounds, warm) {
  for (let i = 0; i < warm; i++) {
    a(x);
    b(x);
  }
  const ta = [];
  const tb = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate who goes first so neither side always runs on a fresher heap.
    if (i % 2 === 0) {
      ta.push(timeOnce(a, x));
      tb.push(timeOnce(b, x));
    } else {
      tb.push(timeOnce(b, x));
      ta.push(timeOnce(a, x));
    }
  }
  return { ours: median(ta), theirs: median(tb) };
}

const fmt = (ms) => (ms < 100 ? ms.toFixed(1) : ms.toFixed(0));

/** Run the benchmark and print one line per size and measurement. */
export default async function run() {
  if (typeof globalThis.gc !== 'function') {
    console.log('(run with node --expose-gc for steadier numbers)');
  }
  const results = [];
  for (const { n, label, rounds } of SIZES) {
    const index = syntheticIndex(n, 42);
    const ours = canonicalize(index);
    if (ours !== canonicalizePackage(index)) throw new Error(`jcs ${label}: output differs from the canonicalize package`);
    if (Buffer.compare(canonicalizeToBytes(index), utf8.encode(ours)) !== 0) throw new Error(`jcs ${label}: bytes differ`);
    const mb = (utf8.encode(ours).length / 1e6).toFixed(1);
    const warm = n >= 50_000 ? 1 : 3;

    const s = compare(canonicalize, canonicalizePackage, index, rounds, warm);
    const sSpeed = s.theirs / s.ours;
    console.log(
      `jcs ${label} plugins (${mb} MB): ours ${fmt(s.ours)} ms, canonicalize ${fmt(s.theirs)} ms, ` +
        `speedup ${sSpeed.toFixed(2)}x (goal >= ${GOAL}x)${sSpeed >= GOAL ? '' : '  ** BELOW GOAL **'}`,
    );
    const b = compare(canonicalizeToBytes, (x) => utf8.encode(canonicalizePackage(x)), index, rounds, warm);
    const bSpeed = b.theirs / b.ours;
    console.log(
      `jcs ${label} plugins to UTF-8 bytes: ours ${fmt(b.ours)} ms, canonicalize+TextEncoder ${fmt(b.theirs)} ms, ` +
        `speedup ${bSpeed.toFixed(2)}x`,
    );
    results.push({ label, string: sSpeed, bytes: bSpeed });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
