/**
 * A download progress bar for a terminal (stderr). Redrawn at most ten times
 * a second and once at the end; writes nothing unless the stream is a TTY.
 *
 * @module
 */
import type { CliOutput } from './context.js';

/** A progress reporter: call with bytes received and the total when known; `done()` ends the line. */
export interface ProgressBar {
  update(received: number, total: number | undefined): void;
  done(): void;
}

function mib(n: number): string {
  return (n / (1024 * 1024)).toFixed(1);
}

/**
 * Create a progress bar on `stream`.
 *
 * @param stream - usually `process.stderr`.
 * @param label - shown before the bar.
 * @returns the bar (inert when `stream` is not a TTY).
 * @example
 * ```ts
 * const bar = createProgressBar(process.stderr, 'artifact');
 * bar.update(1 << 20, 64 << 20); bar.done();
 * ```
 */
export function createProgressBar(stream: CliOutput, label: string): ProgressBar {
  const tty = stream.isTTY === true;
  let last = 0;
  let drawn = false;
  let lastReceived = 0;
  let lastTotal: number | undefined;
  const draw = (): void => {
    const width = 30;
    if (lastTotal !== undefined && lastTotal > 0) {
      const frac = Math.min(1, lastReceived / lastTotal);
      const fill = Math.round(frac * width);
      stream.write(`\r${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${String(Math.floor(frac * 100)).padStart(3)}% ${mib(lastReceived)}/${mib(lastTotal)} MiB`);
    } else {
      stream.write(`\r${label} ${mib(lastReceived)} MiB`);
    }
    drawn = true;
  };
  return {
    update(received, total) {
      lastReceived = received;
      lastTotal = total;
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100 && !(total !== undefined && received >= total)) return;
      last = now;
      draw();
    },
    done() {
      if (!tty) return;
      if (lastReceived > 0) draw();
      if (drawn) stream.write('\n');
    },
  };
}
