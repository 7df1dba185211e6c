// Index signing and verification at 10k / 50k plugins (DESIGN §4.1, §5 step 1).
//
// verify — ours: `verifyIndex(bytes)` = strict parse + full validation + JCS
//   + SHA-256 payload digest + Go-compatible Ed25519 + expiry/rollback/key
//   history; reference: `JSON.parse` + the `canonicalize` package + noble's
//   `ed.verify`, on the same bytes (the minimum any verifier must do).
//   Goal: ours ≤ 1.2× the reference.
// sign — ours: strict parse + `signIndex` (validation, JCS, Ed25519 sign,
//   serialization and a full self-verification of the written bytes);
//   reference: `JSON.parse` + `canonicalize` + noble's `ed.sign`. No goal
//   (ours deliberately verifies what it writes); printed for information.
//
// The Go-compatible `verifyEd25519` vs noble's `verify` on small messages is
// bench/crypto.bench.mjs. Each size is warmed up once (which also checks that
// both pipelines accept the bytes), then ours and the reference alternate
// (ABBA…) and the median of the rounds is reported; signing runs fewer rounds
// (it is about twice the work and has no goal).
// Usage: `node bench/index-sign.bench.mjs` after `npm run build`, or
// `export default run` for bench/run.mjs.
import { pathToFileURL } from 'node:url';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import canonicalize from 'canonicalize';
import { parseJSONStrict } from '../dist/core/json/strict.js';
import { formatRFC3339UTC } from '../dist/core/rules.js';
import { publicKeyFromSeed } from '../dist/crypto/index.js';
import { signIndex } from '../dist/domain/index/sign.js';
import { verifyIndex } from '../dist/domain/index/verify.js';
import { syntheticIndex } from './synthetic-index.mjs';

const SIZES = [
  { n: 10_000, label: '10k', rounds: 5, signRounds: 3 },
  { n: 50_000, label: '50k', rounds: 3, signRounds: 1 },
];
const VERIFY_GOAL = 1.2;
const PREFIX = 'LATTICE-PLUGIN-INDEX-V1\n';
const MAX_BYTES = 512 * 1024 * 1024;
const SEED = sha512(new TextEncoder().encode('bench index key')).slice(0, 32);
const NOW = Date.UTC(2026, 0, 1);
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

function time(fn) {
  const t0 = performance.now();
  const out = fn();
  return { ms: performance.now() - t0, out };
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** The reference pipeline: JSON.parse + canonicalize package + noble verify. */
function referenceVerify(bytes, publicKey) {
  const doc = JSON.parse(utf8Decoder.decode(bytes));
  const { signatures, ...content } = doc;
  const payload = utf8.encode(PREFIX + canonicalize(content));
  const sig = Uint8Array.from(Buffer.from(signatures[0].signature_ed25519, 'base64'));
  if (!ed.verify(sig, payload, publicKey)) throw new Error('reference verify failed');
}
/** The reference signer: JSON.parse + canonicalize package + noble sign. */
function referenceSign(bytes) {
  const doc = JSON.parse(utf8Decoder.decode(bytes));
  const { signatures: _s, ...content } = doc;
  return ed.sign(utf8.encode(PREFIX + canonicalize(content)), SEED);
}
function oursVerify(bytes, trust) {
  const r = verifyIndex(bytes, trust, { now: NOW, maxBytes: MAX_BYTES });
  if (!r.ok) throw new Error(`verifyIndex failed: ${r.error.message}`);
}
function oursSign(bytes, publisher) {
  const parsed = parseJSONStrict(bytes, { maxBytes: MAX_BYTES });
  if (!parsed.ok) throw new Error(parsed.error.message);
  return signIndex(parsed.value, SEED, { publisher, official: true, now: NOW }).bytes;
}

export default async function run() {
  ed.hashes.sha512 ??= sha512; // noble's documented synchronous setup
  const publicKey = publicKeyFromSeed(SEED);
  const trust = { keys: [{ publicKey }], threshold: 1 };
  const results = {};
  for (const { n, label, rounds, signRounds } of SIZES) {
    const draft = syntheticIndex(n, 42);
    draft.generation = 1;
    draft.expires_at = formatRFC3339UTC(Date.parse(draft.generated_at) + 3650 * 86_400_000);
    const draftBytes = utf8.encode(JSON.stringify(draft, null, 2) + '\n');
    const publisher = draft.publishers[0].id;
    const signed = oursSign(draftBytes, publisher);
    // Both pipelines accept the signed bytes (otherwise the timing compares error paths).
    oursVerify(signed, trust);
    referenceVerify(signed, publicKey);
    referenceSign(draftBytes);

    const v = { ours: [], ref: [] };
    const s = { ours: [], ref: [] };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ['ours', 'ref'] : ['ref', 'ours'];
      for (const who of order) {
        v[who].push(time(() => (who === 'ours' ? oursVerify(signed, trust) : referenceVerify(signed, publicKey))).ms);
      }
      if (r >= signRounds) continue;
      for (const who of order) {
        s[who].push(time(() => (who === 'ours' ? oursSign(draftBytes, publisher) : referenceSign(draftBytes))).ms);
      }
    }
    const mb = (signed.length / 1024 / 1024).toFixed(1);
    const verifyRatio = median(v.ours) / median(v.ref);
    const signRatio = median(s.ours) / median(s.ref);
    console.log(
      `verifyIndex ${label} (${mb} MiB): ours ${median(v.ours).toFixed(0)} ms, JSON.parse+canonicalize+noble ${median(v.ref).toFixed(0)} ms, ` +
        `ratio ${verifyRatio.toFixed(2)} (goal <= ${VERIFY_GOAL}) ${verifyRatio <= VERIFY_GOAL ? 'ok' : 'MISSED'}`,
    );
    console.log(
      `signIndex   ${label} (${mb} MiB): ours ${median(s.ours).toFixed(0)} ms, JSON.parse+canonicalize+noble ${median(s.ref).toFixed(0)} ms, ` +
        `ratio ${signRatio.toFixed(2)} (no goal; ours validates and self-verifies)`,
    );
    results[label] = { plugins: n, bytes: signed.length, verify: { oursMs: median(v.ours), refMs: median(v.ref), ratio: verifyRatio }, sign: { oursMs: median(s.ours), refMs: median(s.ref), ratio: signRatio } };
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
