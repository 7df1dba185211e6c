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
import { parseRepositoryPageData, type RepositoryPageData, type RepositoryVerdict } from '../lib/repository-check';
import { decodeCanonicalBase64, encodeBase64 } from '../../../src/core/base64';
import type { WorkerRequest } from './verify-worker';

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

function showDetails(verdict: BrowserVerdict | (RepositoryVerdict & { ok: false })): void {
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

/** localStorage prefix of repository v2's trusted metadata (the TUF client's rollback state). */
const TUF_PREFIX = 'lattice-tuf:';

function apply(verdict: BrowserVerdict | RepositoryVerdict): void {
  // For bench/site-verify.bench.mjs: time from navigation to the page's verdict.
  performance.mark('lattice-verification-done');
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
  if ('kind' in verdict) {
    if (!verdict.ok) {
      showDetails(verdict);
      return;
    }
    const note = document.querySelector<HTMLElement>('[data-browser-check-note]');
    if (verdict.ok) document.documentElement.dataset.bytesFetched = String(verdict.bytesFetched);
    if (note && verdict.ok) {
      note.textContent = `Checked in your browser through repository v2 from the pinned root: timestamp version ${verdict.timestampVersion}, snapshot version ${verdict.snapshotVersion}, ${verdict.targets.map((t) => `${t.path} (SHA-256 ${t.sha256}, listed by ${t.role})`).join(', ')}.`;
    }
    return;
  }
  const note = document.querySelector<HTMLElement>('[data-browser-check-note]');
  if (note && verdict.ok) {
    note.textContent = verdict.signed
      ? `Checked again in your browser: plugins.json is the index this page was built from, generation ${verdict.generation ?? 'none'}, signature of key ${verdict.signers.map((s) => s.keyid).join(', ')} checked${document.documentElement.dataset.verificationCached ? ' earlier in this visit' : ''}.`
      : 'Checked again in your browser: plugins.json is the unsigned draft this page was built from.';
  }
  showDetails(verdict);
}

function fromWorker(request: WorkerRequest): Promise<{ verdict: BrowserVerdict | RepositoryVerdict; writes?: [string, Uint8Array | null][] }> {
  const failed = (message: string) => ({ verdict: { ok: false as const, code: 'FETCH_FAILED', headline: 'Verification failed', message } });
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./verify-worker.ts', import.meta.url), { type: 'module' });
    } catch (e) {
      resolve(failed(`cannot start the checking worker (${(e as Error).message})`));
      return;
    }
    worker.onmessage = (ev: MessageEvent<{ verdict: BrowserVerdict | RepositoryVerdict; writes?: [string, Uint8Array | null][] }>) => {
      worker.terminate();
      resolve(ev.data);
    };
    worker.onerror = (ev) => {
      worker.terminate();
      resolve(failed(`the checking worker failed (${ev.message})`));
    };
    worker.postMessage(request);
  });
}

/** Repository v2: the TUF chain down to this page's targets, with the trusted metadata kept in localStorage. */
async function runRepository(page: RepositoryPageData): Promise<BrowserVerdict | RepositoryVerdict> {
  const local = storage('localStorage');
  const stored: [string, Uint8Array][] = [];
  for (let i = 0; local !== null && i < local.length; i++) {
    const k = local.key(i);
    if (k === null || !k.startsWith(TUF_PREFIX)) continue;
    const bytes = decodeCanonicalBase64(local.getItem(k) ?? '');
    // A damaged entry is handed in as empty bytes: the client reports the stored state as damaged.
    stored.push([k.slice(TUF_PREFIX.length), bytes ?? new Uint8Array(0)]);
  }
  const repositoryUrl = new URL(`${import.meta.env.BASE_URL.replace(/\/?$/, '/')}repository/`, location.href).href;
  const r = await fromWorker({ kind: 'v2', repositoryUrl, page, stored });
  for (const [name, bytes] of r.writes ?? []) {
    try {
      if (bytes === null) local?.removeItem(TUF_PREFIX + name);
      else local?.setItem(TUF_PREFIX + name, encodeBase64(bytes));
    } catch {
      // storage full: this visit is checked; the next starts from the pinned root again
    }
  }
  const v = r.verdict;
  if (!v.ok && (v.code === 'REPO_STATE_INVALID' || v.code === 'REPO_ROOT_PIN')) {
    // What this browser kept is the reference; say how a visitor starts over if they choose to.
    return { ...v, message: `${v.message} (this browser's saved repository metadata for this site; clearing this site's data starts over from the root pinned in the page)` };
  }
  return v;
}

async function run(): Promise<void> {
  if (box && message) {
    box.dataset.state = 'checking';
    message.textContent = 'Checking plugins.json in your browser…';
  }
  const v2 = document.getElementById('lattice-repository');
  if (v2) {
    const page = parseRepositoryPageData(v2.textContent ?? '');
    if (!page) {
      apply({ ok: false, code: 'INPUT_INVALID', headline: 'Verification failed', message: 'the page carries no readable repository record' });
      return;
    }
    const verdict = await runRepository(page);
    // A page with its own targets is done; the catalog (no targets: the chain only) checks the signed index too.
    if (!verdict.ok || page.targets.length > 0) {
      apply(verdict);
      return;
    }
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
    const url = new URL(indexJsonPath(import.meta.env.BASE_URL), location.href).href;
    verdict = (await fromWorker({ kind: 'v1', url, summary })).verdict as BrowserVerdict;
    if (verdict.ok) session?.setItem(key, JSON.stringify(verdict));
  } else {
    document.documentElement.dataset.verificationCached = 'true';
  }
  const done = finishVerdict(verdict, local?.getItem(ROLLBACK_STATE_KEY) ?? null, Date.now());
  if (done.store !== undefined) local?.setItem(ROLLBACK_STATE_KEY, done.store);
  apply(done.verdict);
}

void run();
