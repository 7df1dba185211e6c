/**
 * The browser side of the catalog's verification, as plain functions (the
 * page script site/src/scripts/verify-index.ts does the DOM and storage):
 *
 * - once per visit: a verdict is cached in sessionStorage under the digest of
 *   the index the page was built from ({@link sessionCacheKey}); a cached
 *   verdict is still re-checked for expiry and rollback;
 * - across visits: localStorage keeps the highest generation this browser
 *   accepted and its payload digest; a lower generation is `INDEX_ROLLBACK`,
 *   the same generation with other bytes `INDEX_GENERATION_REUSED` — the
 *   library's own {@link checkRollback}.
 *
 * Browser-safe: no `node:` imports.
 *
 * @module
 */
import { checkRollback, nextIndexState } from '../../../src/domain/index/state.js';
import type { BrowserVerdict, VerificationSummary } from './verification.js';

/** localStorage key of the rollback state (`{ generation, payloadSha256 }`). */
export const ROLLBACK_STATE_KEY = 'lattice-index-state';

/** sessionStorage key of the verdict for the index a page was built from. */
export function sessionCacheKey(summary: Pick<VerificationSummary, 'payloadSha256'>): string {
  return `lattice-verdict:${summary.payloadSha256}`;
}

/** A failed verdict. */
function failed(code: string, message: string): BrowserVerdict {
  return { ok: false, code, headline: 'Verification failed', message };
}

/**
 * Parse a cached verdict (hostile-tolerant: `null` when it is not one this code wrote).
 * @param text - the sessionStorage value.
 */
export function parseCachedVerdict(text: string | null): BrowserVerdict | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as BrowserVerdict;
    if (v === null || typeof v !== 'object' || typeof v.ok !== 'boolean' || typeof v.headline !== 'string') return null;
    if (v.ok && (typeof v.payloadSha256 !== 'string' || !Array.isArray(v.signers))) return null;
    if (!v.ok && (typeof v.code !== 'string' || typeof v.message !== 'string')) return null;
    return v;
  } catch {
    return null;
  }
}

/**
 * The checks that depend on time and on what this browser saw before; they
 * run on every page, also when the signature verdict came from the cache.
 * @param verdict - the verdict of the signature check (fresh or cached).
 * @param storedState - the localStorage rollback state text (`null` when none).
 * @param now - the browser's clock (ms).
 * @returns the final verdict, and the state text to store (`undefined`: leave it).
 */
export function finishVerdict(verdict: BrowserVerdict, storedState: string | null, now: number): { verdict: BrowserVerdict; store: string | undefined } {
  if (!verdict.ok) return { verdict, store: undefined };
  if (verdict.expiresAt !== null && !(Date.parse(verdict.expiresAt) > now)) {
    return { verdict: failed('INDEX_EXPIRED', `the index expired at ${verdict.expiresAt}`), store: undefined };
  }
  if (storedState !== null) {
    let state: unknown;
    try {
      state = JSON.parse(storedState);
    } catch {
      state = null;
    }
    if (verdict.signed) {
      const e = checkRollback(verdict.generation ?? undefined, verdict.payloadSha256, state);
      if (e !== null) {
        const message =
          e.code === 'INDEX_STATE_INVALID'
            ? `${e.message} (this browser's saved record of the highest index generation seen; clearing this site's data resets it)`
            : `${e.message}: this browser saw a newer signed index of this catalog before`;
        return { verdict: failed(e.code, message), store: undefined };
      }
    }
  }
  const next = nextIndexState({ signed: verdict.signed, generation: verdict.generation ?? undefined, payloadSha256: verdict.payloadSha256 });
  return { verdict, store: next === undefined ? undefined : JSON.stringify(next) };
}
