// Every page checks what it shows (issue 14 item 1). The signed index is
// re-verified with the same verifier the build used, in a Web Worker
// (verify-worker.ts), once per visit (sessionStorage, keyed by the digest of
// the index this page was built from), then checked for expiry and against
// the highest generation this browser accepted before (localStorage). A
// failure shows the banner at the top and withdraws every trust claim
// ([data-trust-claim]) so no "verified" wording remains on the page.
import { indexJsonPath } from '../lib/paths';
import { parseVerificationSummary, type BrowserVerdict, type VerificationSummary } from '../lib/verification';
import { finishVerdict, parseCachedVerdict, ROLLBACK_STATE_KEY, sessionCacheKey } from '../lib/browser-check';
import { WITHDRAWN_WORDS } from '../lib/trust';

const embedded = document.getElementById('lattice-verification');
const box = document.querySelector<HTMLElement>('[data-browser-verify]');
const message = box?.querySelector<HTMLElement>('[data-verify-message]');

function storage(kind: 'sessionStorage' | 'localStorage'): Storage | null {
  try {
    return window[kind];
  } catch {
    return null; // storage disabled: check every page, no rollback memory
  }
}

function showDetails(verdict: BrowserVerdict): void {
  if (!box || !message) return;
  message.replaceChildren();
  const strong = document.createElement('strong');
  strong.textContent = verdict.headline;
  message.append(strong);
  if (verdict.ok) {
    box.dataset.state = 'ok';
    box.dataset.keyids = verdict.signers.map((s) => s.keyid).join(' ');
    box.dataset.generation = String(verdict.generation ?? '');
    const details: [string, string][] = [];
    for (const s of verdict.signers) details.push([`Key fingerprint (${s.publisher})`, s.keyid]);
    details.push(['Generation', String(verdict.generation ?? 'none')]);
    details.push(['Expires', verdict.expiresAt ?? 'never (unsigned draft)']);
    details.push(['Payload SHA-256', verdict.payloadSha256]);
    const dl = document.createElement('dl');
    dl.className = 'facts';
    for (const [k, v] of details) {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      const code = document.createElement('code');
      code.className = 'digest';
      code.textContent = v;
      dd.append(code);
      dl.append(dt, dd);
    }
    message.append(dl);
  } else {
    box.dataset.state = 'failed';
    box.dataset.code = verdict.code;
    message.append(document.createTextNode(`: ${verdict.code} — ${verdict.message}`));
  }
}

function apply(verdict: BrowserVerdict): void {
  document.documentElement.dataset.verification = verdict.ok ? 'ok' : 'failed';
  const claims = document.querySelectorAll<HTMLElement>('[data-trust-claim]');
  if (verdict.ok) {
    for (const c of claims) c.dataset.claimState = 'browser';
  } else {
    const banner = document.querySelector<HTMLElement>('[data-trust-banner]');
    if (banner) {
      banner.querySelector('[data-trust-banner-code]')!.textContent = `${verdict.code}:`;
      banner.querySelector('[data-trust-banner-message]')!.textContent = `${verdict.message}.`;
      banner.dataset.code = verdict.code;
      banner.hidden = false;
    }
    for (const c of claims) {
      c.dataset.claimState = 'withdrawn';
      if (c.dataset.trustClaim === 'facet' || c.tagName === 'DL' || c.tagName === 'FIELDSET') {
        c.hidden = true; // a whole block of claims (or a filter on them) goes
      } else {
        c.textContent = WITHDRAWN_WORDS;
        c.className = 'trust-claim withdrawn';
        c.removeAttribute('title');
      }
    }
  }
  showDetails(verdict);
}

function fromWorker(summary: VerificationSummary): Promise<BrowserVerdict> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./verify-worker.ts', import.meta.url), { type: 'module' });
    } catch (e) {
      resolve({ ok: false, code: 'FETCH_FAILED', headline: 'Verification failed', message: `cannot start the checking worker (${(e as Error).message})` });
      return;
    }
    worker.onmessage = (ev: MessageEvent<BrowserVerdict>) => {
      worker.terminate();
      resolve(ev.data);
    };
    worker.onerror = (ev) => {
      worker.terminate();
      resolve({ ok: false, code: 'FETCH_FAILED', headline: 'Verification failed', message: `the checking worker failed (${ev.message})` });
    };
    worker.postMessage({ url: new URL(indexJsonPath(import.meta.env.BASE_URL), location.href).href, summary });
  });
}

async function run(): Promise<void> {
  if (box && message) {
    box.dataset.state = 'checking';
    message.textContent = 'Checking plugins.json in your browser…';
  }
  const summary = embedded ? parseVerificationSummary(embedded.textContent ?? '') : null;
  if (!summary) {
    apply({ ok: false, code: 'INPUT_INVALID', headline: 'Verification failed', message: 'the page carries no readable build record' });
    return;
  }
  const session = storage('sessionStorage');
  const local = storage('localStorage');
  const key = sessionCacheKey(summary);
  let verdict = parseCachedVerdict(session?.getItem(key) ?? null);
  if (verdict === null || !verdict.ok) {
    // A failure is never cached: the next page checks again.
    verdict = await fromWorker(summary);
    if (verdict.ok) session?.setItem(key, JSON.stringify(verdict));
  } else {
    document.documentElement.dataset.verificationCached = 'true';
  }
  const done = finishVerdict(verdict, local?.getItem(ROLLBACK_STATE_KEY) ?? null, Date.now());
  if (done.store !== undefined) local?.setItem(ROLLBACK_STATE_KEY, done.store);
  apply(done.verdict);
}

void run();
