// The signature check off the main thread: fetch /plugins.json and run the
// same verifier the build used (site/src/lib/verification.ts →
// src/domain/index/verify.ts). One request per message; the page script
// sends at most one per visit (its verdict is cached for the session).
//
// With repository v2 (a plugin or publisher page of a site serving one), the
// check is the TUF chain down to the page's own targets instead
// (site/src/lib/repository-check.ts); the trusted metadata comes in with the
// request and the client's writes go back (a worker has no localStorage).
import { verifyServedIndex, type BrowserVerdict, type VerificationSummary } from '../lib/verification';
import { checkRepositoryTargets, type RepositoryPageData } from '../lib/repository-check';

/** A request of the page script. */
export type WorkerRequest =
  | { readonly kind: 'v1'; readonly url: string; readonly summary: VerificationSummary }
  | { readonly kind: 'v2'; readonly repositoryUrl: string; readonly page: RepositoryPageData; readonly stored: readonly [string, Uint8Array][] };

async function fetchBytes(url: string, maxBytes: number): Promise<Uint8Array | null> {
  const res = await fetch(url, { cache: 'no-cache' });
  if (res.status === 403 || res.status === 404 || res.status === 410) return null;
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new Error(`${url} is ${declared} bytes, above the cap of ${maxBytes}`);
  return new Uint8Array(await res.arrayBuffer());
}

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  if (event.data.kind === 'v2') {
    const { repositoryUrl, page, stored } = event.data;
    const r = await checkRepositoryTargets({ repositoryUrl, page, stored: new Map(stored), fetchBytes, now: Date.now() });
    (self as unknown as Worker).postMessage({ verdict: r.verdict, writes: [...r.writes] });
    return;
  }
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
  (self as unknown as Worker).postMessage({ verdict });
};
