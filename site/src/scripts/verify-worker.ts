// The signature check off the main thread: fetch /plugins.json and run the
// same verifier the build used (site/src/lib/verification.ts →
// src/domain/index/verify.ts). One request per message; the page script
// sends at most one per visit (its verdict is cached for the session).
import { verifyServedIndex, type BrowserVerdict, type VerificationSummary } from '../lib/verification';

interface Request {
  readonly url: string;
  readonly summary: VerificationSummary;
}

self.onmessage = async (event: MessageEvent<Request>) => {
  const { url, summary } = event.data;
  let verdict: BrowserVerdict;
  try {
    // no-cache: revalidate with the server (a 304 costs no body), never trust a stale copy.
    const res = await fetch(url, { cache: 'no-cache' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    verdict = verifyServedIndex(bytes, summary, Date.now());
  } catch (e) {
    verdict = { ok: false, code: 'FETCH_FAILED', headline: 'Verification failed', message: `could not fetch plugins.json (${(e as Error).message})` };
  }
  (self as unknown as Worker).postMessage(verdict);
};
