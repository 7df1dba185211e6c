// CLI cold start: `lattice-index --help` and `lattice-index validate` of the
// demo index, each a fresh `node` process, against a bare `node -e 0`
// measured in the same run. Goal (issue "CLI contract"): ≤ 2.0× node -e 0.
//
// The three commands alternate (A B C A B C …) so machine load hits them
// alike; the median of the rounds is reported.
// Usage: `node bench/cli-start.bench.mjs` after `npm run build`, or
// `export default run` for bench/run.mjs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = 31;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function once(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export default async function run() {
  const cases = [
    { label: 'node -e 0 (peer)', args: ['-e', '0'] },
    { label: 'lattice-index --help', args: ['dist/cli/main.js', '--help'] },
    { label: 'lattice-index validate index/plugins.json', args: ['dist/cli/main.js', 'validate', 'index/plugins.json'] },
  ];
  for (const c of cases) once(c.args); // warm the file cache
  const times = cases.map(() => []);
  for (let i = 0; i < ROUNDS; i++) cases.forEach((c, j) => times[j].push(once(c.args)));
  const base = median(times[0]);
  console.log(`CLI cold start, median of ${ROUNDS} alternating runs`);
  cases.forEach((c, j) => {
    const m = median(times[j]);
    const ratio = m / base;
    const goal = j === 0 ? '' : `  goal ≤ 2.0× ${ratio <= 2 ? 'met' : 'NOT met'}`;
    console.log(`  ${c.label.padEnd(44)} ${m.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}×${goal}`);
  });
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) await run();
