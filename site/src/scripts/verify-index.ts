// Re-verify the signed index in the visitor's browser with the same verifier
// the build used (src/domain/index/verify.ts via site/src/lib/verification.ts),
// then compare with what the build recorded, and show the key fingerprint,
// generation and expiry that were checked.
import { indexJsonPath } from '../lib/paths';
import { parseVerificationSummary, verifyServedIndex, type BrowserVerdict } from '../lib/verification';

const box = document.querySelector<HTMLElement>('[data-browser-verify]');
const message = box?.querySelector<HTMLElement>('[data-verify-message]');
const embedded = document.getElementById('lattice-verification');

function show(verdict: BrowserVerdict): void {
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

async function run(): Promise<void> {
  if (!box || !message) return;
  box.dataset.state = 'checking';
  message.textContent = 'Checking plugins.json in your browser…';
  const summary = embedded ? parseVerificationSummary(embedded.textContent ?? '') : null;
  if (!summary) {
    show({ ok: false, code: 'INPUT_INVALID', headline: 'Verification failed', message: 'the page carries no readable build record' });
    return;
  }
  let bytes: Uint8Array;
  try {
    const res = await fetch(indexJsonPath(import.meta.env.BASE_URL), { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    show({ ok: false, code: 'FETCH_FAILED', headline: 'Verification failed', message: `could not fetch plugins.json (${(e as Error).message})` });
    return;
  }
  show(verifyServedIndex(bytes, summary, Date.now()));
}

void run();
