/**
 * "Did you mean": the nearest known term for each query word that the term
 * list (site/src/lib/search-records.ts, /search-terms.json) does not contain,
 * by Damerau–Levenshtein distance (a swap of two neighbours counts once).
 * Used by the search page when Pagefind finds nothing ("conter" → "counter").
 *
 * Pure and DOM-free.
 *
 * @module
 */

/** Largest edit distance accepted for a word of `length` characters. */
export function maxDistance(length: number): number {
  return length <= 3 ? 0 : length <= 5 ? 1 : 2;
}

/**
 * Optimal-string-alignment distance between `a` and `b`, or `limit + 1` as soon
 * as it must exceed `limit` (rows are abandoned early).
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

/**
 * A corrected query, or `undefined` when every word is known or no near term exists.
 * @param query - what the visitor typed.
 * @param terms - known terms, most frequent first (ties go to the earlier term).
 * @example suggestQuery('conter', ['counter', 'hello']) // 'counter'
 */
export function suggestQuery(query: string, terms: readonly string[]): string | undefined {
  const known = new Set(terms);
  const words = query.normalize('NFKC').toLowerCase().split(/\s+/).filter((w) => w !== '');
  let changed = false;
  const out = words.map((w) => {
    if (known.has(w) || !/^[\p{L}\p{N}]+$/u.test(w)) return w;
    const limit = maxDistance(w.length);
    if (limit === 0) return w;
    let best: string | undefined;
    let bestD = limit + 1;
    for (const t of terms) {
      const d = editDistance(w, t, Math.min(limit, bestD - 1));
      if (d < bestD) {
        best = t;
        bestD = d;
        if (d === 1) break;
      }
    }
    if (best === undefined) return w;
    changed = true;
    return best;
  });
  return changed ? out.join(' ') : undefined;
}
