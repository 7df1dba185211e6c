// CLI cold start: `lattice-index --version`, `--help` and `validate` of the
// demo index, each a fresh `node` process, against a bare `node -e 0`
// measured in the same run. Goal (issue "CLI contract"): ≤ 2.0× node -e 0.
// Each command runs with its V8 code cache (src/cli/code-cache.ts; a
// private cache dir for this run, written by the warm-up) and with
// `LATTICE_CODE_CACHE=off`, so the cache's share is visible.
//
// The cases alternate (A B C A B C …) so machine load hits them alike; the
// median of the rounds is reported, wall and CPU (user + sys of the child:
// what a loaded box distorts least).
// Usage: `node bench/cli-start.bench.mjs` after `npm run build`, or
// `export default run` for bench/run.mjs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.LATTICE_BENCH_ROUNDS ?? 31);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** One run under bash's `time`: wall and CPU milliseconds of the child. */
function once(args, env) {
  const r = spawnSync('bash', ['-c', 'TIMEFORMAT="%R %U %S"; { time "$@" >/dev/null 2>/dev/null; } 2>&1', 'bash', process.execPath, ...args], { cwd: ROOT, env, encoding: 'utf8' });
  const [real, user, sys] = r.stdout.trim().split('\n').pop().split(' ').map(Number);
  if (r.status !== 0 || !Number.isFinite(real)) throw new Error(`${args.join(' ')} failed: ${r.stdout} ${r.stderr}`);
  return { ms: real * 1000, cpuMs: (user + sys) * 1000 };
}

export default async function run() {
  const cacheHome = mkdtempSync(path.join(os.tmpdir(), 'lattice-cli-start-'));
  try {
    const cached = { ...process.env, XDG_CACHE_HOME: cacheHome, LATTICE_CODE_CACHE: '' };
    const off = { ...process.env, LATTICE_CODE_CACHE: 'off' };
    const cases = [{ label: 'node -e 0 (peer)', args: ['-e', '0'], env: off }];
    for (const [label, args] of [
      ['--version', ['dist/cli/main.js', '--version']],
      ['--help', ['dist/cli/main.js', '--help']],
      ['validate index/plugins.json', ['dist/cli/main.js', 'validate', 'index/plugins.json']],
    ]) {
      cases.push({ label: `lattice-index ${label}`, args, env: cached });
      cases.push({ label: `lattice-index ${label} (cache off)`, args, env: off });
    }
    for (const c of cases) once(c.args, c.env); // warm the file cache; write the code caches
    const times = cases.map(() => []);
    for (let i = 0; i < ROUNDS; i++) cases.forEach((c, j) => times[j].push(once(c.args, c.env)));
    const wall = (j) => median(times[j].map((t) => t.ms));
    const cpu = (j) => median(times[j].map((t) => t.cpuMs));
    console.log(`CLI cold start, median of ${ROUNDS} alternating runs (ratios against node -e 0)`);
    cases.forEach((c, j) => {
      const goal = j === 0 ? '' : `  goal ≤ 2.0× ${wall(j) / wall(0) <= 2 ? 'met' : 'NOT met'}`;
      console.log(
        `  ${c.label.padEnd(50)} wall ${wall(j).toFixed(1).padStart(7)} ms ${(wall(j) / wall(0)).toFixed(2)}×   cpu ${cpu(j).toFixed(1).padStart(7)} ms ${(cpu(j) / cpu(0)).toFixed(2)}×${goal}`,
      );
    });
  } finally {
    rmSync(cacheHome, { recursive: true, force: true });
  }
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) await run();
