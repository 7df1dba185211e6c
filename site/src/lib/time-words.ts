/**
 * "3 days ago": a time in words relative to now. Its own module, so the
 * browser script that refreshes the words (site/src/scripts/relative-time.ts)
 * bundles a few lines and nothing else.
 *
 * @module
 */

const DAY_MS = 86_400_000;

/**
 * Words for how long ago `thenMs` was, seen at `nowMs`: `today`, `yesterday`,
 * `N days ago` (under 30 days), `N months ago` (under a year, 30-day months),
 * `N years ago` (365-day years); the future reads `in N days` and so on. The
 * browser re-computes them from `<time datetime>` with its own clock
 * (site/src/scripts/relative-time.ts), so a page built weeks ago still reads right.
 * @example relativeTimeWords(Date.parse('2026-11-01T12:00:00Z'), Date.parse('2026-11-04T12:00:00Z')) // '3 days ago'
 */
export function relativeTimeWords(thenMs: number, nowMs: number): string {
  const days = Math.floor(Math.abs(nowMs - thenMs) / DAY_MS);
  const future = thenMs > nowMs;
  if (days === 0) return 'today';
  if (days === 1) return future ? 'tomorrow' : 'yesterday';
  const [n, unit] = days < 30 ? [days, 'day'] : days < 365 ? [Math.floor(days / 30), 'month'] : [Math.floor(days / 365), 'year'];
  const amount = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return future ? `in ${amount}` : `${amount} ago`;
}

