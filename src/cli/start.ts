/**
 * What the bin runs: {@link run} on the process's own streams and exit code.
 * The entry of the bundled CLI (`dist/cli/lattice-index.cjs`, built by
 * scripts/bundle-cli.mjs), which the bin (./main.ts) loads through its
 * code cache (./code-cache.ts).
 * @module
 */
import { run } from './run.js';

/**
 * Run the CLI for `argv` and set `process.exitCode`.
 *
 * @param argv - the arguments after the script name.
 * @example
 * ```ts
 * await startCli(process.argv.slice(2));
 * ```
 */
export async function startCli(argv: string[]): Promise<void> {
  // A closed stdout (`lattice-index verify … | head`) is not an error of ours:
  // stop writing quietly instead of crashing with EPIPE.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  process.exitCode = await run(argv);
  // Everything the command does is done (run awaits its files, locks and
  // workers): leave now instead of the environment's slow teardown.
  exitWhenFlushed(process.exitCode);
}

/** `process.exit(code)` once stdout and stderr have written what they hold. */
function exitWhenFlushed(code: number): void {
  const pending = [process.stdout, process.stderr].filter((s) => s.writableLength > 0);
  if (pending.length === 0) process.exit(code);
  let left = pending.length;
  for (const s of pending) s.once('drain', () => void (--left === 0 && process.exit(code)));
}
