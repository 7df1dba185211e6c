// Catalog Markdown (src/core/markdown.ts): hostile inputs against honest text
// of the same size, measured in the same run. The renderer is meant to be
// linear, so a bomb (unclosed emphasis, bracket and backtick runs, deep
// nesting, long headings) may cost a small constant factor over an honest
// description — never the quadratic blow-up a backtracking parser shows
// (a 16 KiB bomb taking thousands of times the honest text's time).
// Goal: every bomb ≤ 10× the honest text at the 16 KiB cap.
// Usage: `npm run build && node bench/markdown.bench.mjs`, or via bench/run.mjs.
import { pathToFileURL } from 'node:url';
import { renderMarkdown } from '../dist/core/markdown.js';
import { DESCRIPTION_MD_MAX_BYTES } from '../dist/core/limits.js';

const CAP = DESCRIPTION_MD_MAX_BYTES;
const GOAL = 10;
const fit = (s) => s.slice(0, CAP);

const HONEST = fit(
  '## Setup\n\nRun `tool init` and read the [guide](https://docs.example/guide#setup). It keeps **state** in *one* place.\n\n- one item\n- two items\n  - nested\n\n```sh\ntool run --all\n```\n\n'.repeat(200),
);
const BOMBS = {
  'unclosed *a': fit('*a '.repeat(CAP)),
  'unclosed **a': fit('**a'.repeat(CAP)),
  'alternating *_': fit('*_'.repeat(CAP)),
  'backticks': fit('`'.repeat(CAP)),
  'backtick pairs': fit('` '.repeat(CAP)),
  'open brackets': fit('[a'.repeat(CAP)),
  'links without )': fit('[a](b '.repeat(CAP)),
  'raw HTML openers': fit('<a'.repeat(CAP)),
  'list markers': fit('- '.repeat(CAP)),
  'deep lists': fit(('  '.repeat(20) + '- x\n').repeat(CAP)),
  'long heading': '#'.repeat(6) + ' '.repeat(CAP - 7) + 'x',
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}
function time(text, rounds) {
  const t = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    renderMarkdown(text, { maxBytes: CAP });
    t.push(performance.now() - t0);
  }
  return median(t);
}

export default function run() {
  for (let i = 0; i < 20; i++) renderMarkdown(HONEST, { maxBytes: CAP }); // warm up
  const honest = time(HONEST, 41);
  console.log(`honest ${HONEST.length} B description: ${honest.toFixed(3)} ms (median of 41)`);
  let worst = 0;
  for (const [name, text] of Object.entries(BOMBS)) {
    for (let i = 0; i < 5; i++) renderMarkdown(text, { maxBytes: CAP });
    const t = time(text, 21);
    const ratio = t / honest;
    worst = Math.max(worst, ratio);
    console.log(`  ${name.padEnd(18)} ${String(text.length).padStart(6)} B  ${t.toFixed(3)} ms  ${ratio.toFixed(2)}× honest`);
  }
  console.log(`worst bomb ${worst.toFixed(2)}× the honest text (goal ≤ ${GOAL}×): ${worst <= GOAL ? 'met' : 'NOT met'}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) run();
