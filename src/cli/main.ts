#!/usr/bin/env node
/**
 * `lattice-index` — the bin: a thin shim over {@link run} (./run.ts), which
 * holds the whole CLI and is what tests call in-process.
 * @module
 */
import { run } from './run.js';

// A closed stdout (`lattice-index verify … | head`) is not an error of ours:
// stop writing quietly instead of crashing with EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await run(process.argv.slice(2));
