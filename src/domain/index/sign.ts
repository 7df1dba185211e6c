/**
 * Index signing (DESIGN §4.1): add or replace one key's signature over the
 * index signing payload, optionally turning the index `official`.
 *
 * Rules, in order:
 * 1. The index must validate (docs/FORMAT.md) — an invalid index is never signed.
 * 2. `publisher` must be listed in the index's `publishers` (upstream rule 33,
 *    interop §E.2). The signing key does **not** have to equal that
 *    publisher's `public_key_ed25519`: the index key (held by the signing
 *    workflow) and a publisher's manifest key are different roles and may
 *    legitimately differ. Index trust comes only from the verifier's
 *    configured keys, so nothing is gained by tying the two together.
 * 3. `official` requires `generation` and `expires_at` to be present already
 *    (`lattice-index build --expires-in DAYS` sets both); signing never
 *    invents them, so the generation sequence stays the builder's job.
 * 4. The signer's entry `{ publisher, keyid, signature_ed25519 }` replaces any
 *    earlier entry of the same key (by keyid, or — for an entry without
 *    keyid — by verifying under the signer's key).
 * 5. Other signers' entries: when the payload did not change (a co-signer
 *    adding a signature to an already-official index), they are kept as they
 *    are. When it changed (e.g. `--official` switched the status), each is
 *    kept only if it still verifies over the new payload under a key the
 *    index advertises for it; all others are **dropped** and reported, since
 *    a stale signature can never count again.
 * 6. Signatures are sorted by keyid (entries without keyid first) so the
 *    output is deterministic.
 * 7. Self-check before anything is returned: the result validates and
 *    `verifyIndex` accepts the exact serialized bytes with the signer's key
 *    (threshold 1; drafts allowed unless official) at `now` — so an expired
 *    index or a revoked signing key is refused here, not discovered later.
 *
 * Pure: bytes in, bytes out. The CLI reads the seed and writes atomically.
 *
 * @module
 */
import { InputError, VerificationError } from '../../core/errors.js';
import { encodeBase64, decodeCanonicalBase64 } from '../../core/base64.js';
import { validateIndex } from '../../core/index/validate.js';
import type { IndexSignature, IndexStatus, PluginIndex } from '../../core/index/types.js';
import type { ServerLine } from '../../core/server-line.js';
import { keyId, publicKeyFromSeed, signEd25519, verifyEd25519 } from '../../crypto/index.js';
import { serializeIndex } from './assemble.js';
import { indexSigningPayload } from './payload.js';
import { verifyIndex, type VerifiedIndex } from './verify.js';

/** Options of {@link signIndex}. */
export interface SignIndexOptions {
  /** Id of a publisher listed in the index; goes into the signature entry. */
  publisher: string;
  /** Set `status` to `official` (requires `generation` and `expires_at`). */
  official?: boolean;
  /** Reference time for the self-check (ms since the epoch). */
  now: number;
  /** Server line whose capability table the validator uses. */
  serverLine?: ServerLine;
  /** Any known server version name; the same as `serverLine` with that name. */
  serverVersion?: string;
}

/** A signature entry of another key and what happened to it. */
export interface OtherSignature {
  publisher: string;
  keyid?: string;
  /** Why it was dropped (only in `dropped`). */
  reason?: string;
}

/** Result of {@link signIndex}. */
export interface SignIndexResult {
  /** The signed index document. */
  index: PluginIndex;
  /** Its serialized bytes (2-space JSON, final newline) — write exactly these. */
  bytes: Uint8Array;
  /** The signer's keyid. */
  keyid: string;
  /** The signer's public key, canonical padded base64. */
  publicKey: string;
  /** Whether the signer already had an entry that was replaced. */
  replaced: boolean;
  /** Other signers' entries kept. */
  kept: OtherSignature[];
  /** Other signers' entries dropped because they no longer verify. */
  dropped: OtherSignature[];
  /** The self-check's evidence. */
  verified: VerifiedIndex;
}

const UTF8 = new TextEncoder();

/**
 * Sign an index (see the module comment for every rule).
 *
 * @param value - the parsed index document (strictly parsed JSON).
 * @param seed - the signer's 32-byte Ed25519 seed. Never copied into the
 *   result, a message or an error.
 * @param opts - publisher, `official`, reference time.
 * @returns the signed document, its bytes and what happened to other signatures.
 * @throws {VerificationError} `INDEX_INVALID` if the index does not validate;
 *   the self-check's error (e.g. `INDEX_EXPIRED`, `KEY_REVOKED`) if the
 *   signed result would not verify.
 * @throws {InputError} `INPUT_INVALID` if the publisher is not listed or
 *   `official` is asked without `generation`/`expires_at`; `KEY_INVALID` for
 *   a seed that is not 32 bytes.
 * @example
 * ```ts
 * const r = signIndex(parsed, seed, { publisher: 'demo', official: true, now: Date.now() });
 * await writeFileAtomic('index/plugins.json', r.bytes);
 * ```
 */
export function signIndex(value: unknown, seed: Uint8Array, opts: SignIndexOptions): SignIndexResult {
  if (!Number.isFinite(opts.now)) throw new TypeError('signIndex: now must be a finite number of milliseconds');
  const validateOpts = { ...(opts.serverLine ? { serverLine: opts.serverLine } : {}), ...(opts.serverVersion ? { serverVersion: opts.serverVersion } : {}) };

  // Rule 1: never sign an invalid index.
  const problems = validateIndex(value, validateOpts);
  if (problems.length > 0) {
    const first = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new VerificationError('INDEX_INVALID', `refusing to sign an invalid index: ${first.instancePath || '/'}: ${first.message}${more}`, problems);
  }
  const index = value as PluginIndex;

  // Rule 2: the publisher is listed (upstream rule 33).
  if (!index.publishers.some((p) => p.id === opts.publisher)) {
    throw new InputError(
      'INPUT_INVALID',
      `publisher ${JSON.stringify(opts.publisher)} is not listed in the index; expected one of: ${index.publishers.map((p) => p.id).join(', ') || '(none)'}`,
    );
  }

  // Rule 3: official needs generation and expires_at from the builder.
  let status: IndexStatus = index.status;
  if (opts.official) {
    const missing = [index.generation === undefined ? 'generation' : '', index.expires_at === undefined ? 'expires_at' : ''].filter(Boolean);
    if (missing.length > 0) {
      throw new InputError(
        'INPUT_INVALID',
        `an official index needs ${missing.join(' and ')}, found none; rebuild it with "lattice-index build --expires-in DAYS" and sign again`,
      );
    }
    status = 'official';
  }

  const publicKeyBytes = publicKeyFromSeed(seed);
  const publicKey = encodeBase64(publicKeyBytes);
  const keyid = keyId(publicKeyBytes);

  // The document to sign: same members in the same order, status updated.
  const next: Record<string, unknown> = {};
  for (const k of Object.keys(index)) next[k] = k === 'status' ? status : (index as unknown as Record<string, unknown>)[k];
  if (!('signatures' in next)) next.signatures = [];
  const payload = indexSigningPayload(next);

  // Rules 4 and 5: sort out the existing entries.
  const others = index.signatures;
  let replaced = false;
  const kept: IndexSignature[] = [];
  const keptNotes: OtherSignature[] = [];
  const dropped: OtherSignature[] = [];
  if (others.length > 0) {
    const oldPayload = status === index.status ? payload : indexSigningPayload(index);
    const samePayload = equalBytes(oldPayload, payload);
    const advertised = advertisedKeys(index);
    for (const entry of others) {
      const note: OtherSignature = { publisher: entry.publisher, ...(entry.keyid !== undefined ? { keyid: entry.keyid } : {}) };
      const signature = decodeCanonicalBase64(entry.signature_ed25519, 64)!;
      if (entry.keyid === keyid) {
        replaced = true;
        continue;
      }
      if (entry.keyid === undefined && (verifyEd25519(publicKeyBytes, oldPayload, signature) || (!samePayload && verifyEd25519(publicKeyBytes, payload, signature)))) {
        replaced = true; // the signer's own earlier entry without keyid
        continue;
      }
      if (samePayload) {
        kept.push(entry);
        keptNotes.push(note);
        continue;
      }
      const candidates = entry.keyid !== undefined
        ? advertised.filter((k) => k.keyid === entry.keyid)
        : advertised.filter((k) => k.publisher === entry.publisher);
      if (candidates.some((k) => verifyEd25519(k.key, payload, signature))) {
        kept.push(entry);
        keptNotes.push(note);
      } else {
        dropped.push({
          ...note,
          reason: candidates.length === 0
            ? 'the signed content changed and its key is unknown here, so it cannot still verify'
            : 'it does not verify over the changed content',
        });
      }
    }
  }

  // Rule 4: the signer's entry.
  const own: IndexSignature = {
    publisher: opts.publisher,
    keyid,
    signature_ed25519: encodeBase64(signEd25519(seed, payload)),
  };
  // Rule 6: deterministic order — by keyid, entries without keyid first, stable.
  next.signatures = [...kept, own].sort((a, b) => {
    const x = a.keyid ?? '';
    const y = b.keyid ?? '';
    return x < y ? -1 : x > y ? 1 : 0;
  });

  // Rule 7: self-check on the exact bytes to be written.
  const signedProblems = validateIndex(next, validateOpts);
  if (signedProblems.length > 0) {
    throw new Error(`signIndex produced an invalid index: ${signedProblems[0]!.instancePath}: ${signedProblems[0]!.message}`);
  }
  const bytes = UTF8.encode(serializeIndex(next));
  const check = verifyIndex(bytes, { keys: [{ publicKey: publicKeyBytes }], threshold: 1 }, {
    now: opts.now,
    allowDraft: status !== 'official',
    ...validateOpts,
    maxBytes: Math.max(bytes.length, 1),
  });
  if (!check.ok) throw check.error;

  return { index: check.verified.index, bytes, keyid, publicKey, replaced, kept: keptNotes, dropped, verified: check.verified };
}

/** Keys the index advertises (publishers' current and retired keys) — used only to tell stale signatures from live ones, never to trust. */
function advertisedKeys(index: PluginIndex): { publisher: string; key: Uint8Array; keyid: string }[] {
  const out: { publisher: string; key: Uint8Array; keyid: string }[] = [];
  for (const p of index.publishers) {
    for (const b64 of [p.public_key_ed25519, ...(p.key_history ?? []).map((e) => e.public_key_ed25519)]) {
      const key = decodeCanonicalBase64(b64, 32);
      if (key !== null) out.push({ publisher: p.id, key, keyid: keyId(key) });
    }
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
