/**
 * Index verification — DESIGN §5 step 1 ("index"), in the manner of the TUF
 * client workflow: the trusted store takes **bytes**, the clock and the
 * rollback state are passed in, every sub-step records `{step, ok, detail}`,
 * and the first failure stops with a typed, coded error.
 *
 * Sub-steps, in order (each comment in {@link verifyIndex} names its step):
 *
 * | step | checks | failure code (class) |
 * |---|---|---|
 * | `index.parse` | strict JSON (duplicate keys, invalid UTF-8, lone surrogates, unsafe integers, trailing data, size/depth caps) | the `JSON_*` code of the problem (VerificationError) |
 * | `index.validate` | every rule of `lattice.plugin.index.v1` (docs/FORMAT.md) | `INDEX_INVALID` (VerificationError) |
 * | `index.signatures` | each signature entry against the operator's **trusted** keys only | — (evidence for the next step) |
 * | `index.threshold` | distinct, non-revoked trusted keys ≥ threshold | `KEY_REVOKED`, `INDEX_UNTRUSTED_KEY`, `INDEX_SIGNATURE_THRESHOLD` (PolicyError) or `INDEX_SIGNATURE_INVALID` (VerificationError) |
 * | `index.status` | `status` is `official` (unless `allowDraft`) | `INDEX_NOT_OFFICIAL` (PolicyError) |
 * | `index.expiry` | `expires_at` after `now` (freeze attack) | `INDEX_EXPIRED` (VerificationError) |
 * | `index.rollback` | `generation` ≥ stored; equal ⇒ identical payload digest | `INDEX_ROLLBACK`, `INDEX_GENERATION_REUSED`, `INDEX_STATE_INVALID` (VerificationError) |
 * | `index.key-history` | every publisher key rotation statement verifies | `KEY_ROTATION_INVALID` (VerificationError) |
 * | `index.revocations` | collects the revocation list for the result | — |
 *
 * Error classes: integrity and freshness failures — the bytes are not the
 * genuine, current index — are {@link VerificationError}s; "who is trusted"
 * failures — genuine bytes, but not signed by enough keys the operator
 * trusts, or not an official index — are {@link PolicyError}s.
 *
 * Signature counting (DESIGN §4.1):
 * - only keys in `trust` count; keys advertised in the index (publisher
 *   keys, key history) are **never** a source of index trust — an entry
 *   whose key is only advertised in the index does not count;
 * - each distinct trusted key counts **once**, however many entries it
 *   signed (the "threshold with duplicated keys" attack);
 * - an entry with a `keyid` is checked only against the trusted key with that
 *   keyid (a keyid naming no trusted key is ignored); an entry without one is
 *   tried against the trusted keys not yet counted;
 * - a trusted key on the index's own `revocations.keys` list does not count;
 * - work is bounded: at most {@link maxSignatureChecks} Ed25519 checks per
 *   call (each hashes the whole payload), so a flood of bogus entries cannot
 *   multiply the cost.
 *
 * Drafts: with `allowDraft`, a `draft` or `example` index is accepted even
 * below the threshold (e.g. a freshly built, unsigned index for a catalog
 * preview); the result then says `signed: false`. An `official` index always
 * needs the threshold. Expiry and rollback checks apply to drafts as well.
 *
 * Browser-safe: imports only `src/core/**` and `src/crypto/index.ts`
 * (through the sibling modules of this folder, which obey the same rule).
 *
 * @module
 */
import { PolicyError, VerificationError } from '../../core/errors.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import { validateIndex } from '../../core/index/validate.js';
import { decodeCanonicalBase64 } from '../../core/base64.js';
import type { IndexSignature, IndexStatus, PluginIndex } from '../../core/index/types.js';
import type { ServerLine } from '../../core/server-line.js';
import { verifyEd25519 } from '../../crypto/index.js';
import { indexPayloadSha256, indexSigningPayload } from './payload.js';
import { normalizeRevocations, type NormalizedRevocations } from './revocation.js';
import { verifyPublisherKeyHistory } from './rotation.js';
import { checkRollback, type IndexState } from './state.js';
import { resolveIndexTrust, type IndexTrust, type ResolvedTrustedKey } from './trust.js';
import { INDEX_MAX_BYTES } from '../../core/limits.js';

export { indexSigningPayload } from './payload.js';
export type { IndexTrust, TrustedIndexKey } from './trust.js';
export type { IndexState } from './state.js';

/** Default byte cap of an index (64 MiB, the CLI's cap too). */
export const DEFAULT_INDEX_MAX_BYTES = INDEX_MAX_BYTES;

/** Options of {@link verifyIndex}. */
export interface VerifyIndexOptions {
  /** "Now" in ms since the epoch, fixed once per run (TUF: reference time). */
  now: number;
  /** The stored rollback state, if the client has one (first use: omit). */
  state?: IndexState;
  /** Accept a `draft`/`example` index, even below the threshold (then `signed: false`). */
  allowDraft?: boolean;
  /** Server line whose capability table the validator uses (default `integration`). */
  serverLine?: ServerLine;
  /** Any known server version name; the same as `serverLine` with that name. */
  serverVersion?: string;
  /** Byte cap of the index (default {@link DEFAULT_INDEX_MAX_BYTES}). */
  maxBytes?: number;
  /**
   * The Ed25519 verifier (default the pure, Go-compatible `verifyEd25519`).
   * A Node caller may pass the OpenSSL one (`src/crypto/node.ts`), tested to
   * give the same verdicts on every vector.
   */
  verifyEd25519?: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
}

/** A trusted key that signed the index and counted towards the threshold. */
export interface IndexSigner {
  /** Lowercase hex SHA-256 of the key. */
  keyid: string;
  /** The `publisher` member of the (first) signature entry that verified. */
  publisher: string;
  /** The operator's label for the key, if any. */
  label?: string;
}

/** Evidence of a verified index. */
export interface VerifiedIndex {
  /** The validated index document. */
  index: PluginIndex;
  status: IndexStatus;
  generation: number | undefined;
  expiresAt: string | undefined;
  /** Lowercase hex SHA-256 of the signing payload (what the rollback state stores). */
  payloadSha256: string;
  /** True when the threshold was met; false only for a draft accepted under `allowDraft`. */
  signed: boolean;
  /** The distinct trusted, non-revoked keys whose signatures verified. */
  signers: IndexSigner[];
  /** The index's revocation list, all three lists present. */
  revocations: NormalizedRevocations;
}

/** One recorded sub-step (DESIGN §5: every step records `{step, ok, detail}`). */
export interface VerifyStep {
  step: string;
  ok: boolean;
  detail: string;
}

/** Result of {@link verifyIndex}: hostile bytes never throw. */
export type VerifyIndexResult =
  | { ok: true; verified: VerifiedIndex; steps: VerifyStep[] }
  | { ok: false; error: VerificationError | PolicyError; steps: VerifyStep[] };

/**
 * Most Ed25519 checks one {@link verifyIndex} call performs for `n` distinct
 * trusted keys: enough for `n` signers without keyids in the worst order
 * (n(n+1)/2) plus slack, and small enough that bogus entries cannot turn one
 * verification into thousands of whole-payload hashes.
 *
 * @param n - number of distinct trusted keys.
 * @returns the cap.
 * @example
 * ```ts
 * maxSignatureChecks(1); // 11
 * ```
 */
export function maxSignatureChecks(n: number): number {
  return (n * (n + 1)) / 2 + 2 * n + 8;
}

/**
 * Verify an index: strict parse → validate → threshold of distinct trusted
 * keys → official → not expired → no rollback → key histories (see the module
 * comment for codes and classes).
 *
 * @param bytes - the index file exactly as fetched/read.
 * @param trust - the operator's trusted index keys and threshold.
 * @param opts - the fixed reference time, rollback state, draft handling.
 * @returns `{ ok: true, verified, steps }` or `{ ok: false, error, steps }`;
 *   `steps` lists every sub-step attempted.
 * @throws {InputError} `INPUT_INVALID` for a malformed `trust` (not 32-byte
 *   keys, a threshold not in 1..distinct keys) — a caller bug, not a verdict.
 *   With `allowDraft`, `keys` may be empty: then no signature can count, an
 *   `official` index fails the threshold, and a draft passes as unsigned.
 * @throws {TypeError} if `bytes` is not a `Uint8Array` or `opts.now` is not finite.
 * @example
 * ```ts
 * const r = verifyIndex(bytes, { keys: [{ publicKey }], threshold: 1 }, { now: Date.now(), state });
 * if (!r.ok) throw r.error;
 * const next = nextIndexState(r.verified); // store it atomically
 * ```
 */
export function verifyIndex(bytes: Uint8Array, trust: IndexTrust, opts: VerifyIndexOptions): VerifyIndexResult {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('verifyIndex: bytes must be a Uint8Array');
  if (opts === null || typeof opts !== 'object' || typeof opts.now !== 'number' || !Number.isFinite(opts.now)) {
    throw new TypeError('verifyIndex: opts.now must be a finite number of milliseconds since the epoch');
  }
  // With allowDraft an empty key set is coherent: only an unsigned draft can pass.
  const trusted = resolveIndexTrust(trust, { allowNoKeys: opts.allowDraft === true });
  const steps: VerifyStep[] = [];
  const pass = (step: string, detail: string): void => {
    steps.push({ step, ok: true, detail });
  };
  const stop = (step: string, error: VerificationError | PolicyError): VerifyIndexResult => {
    steps.push({ step, ok: false, detail: `${error.message} [${error.code}]` });
    return { ok: false, error, steps };
  };

  // ---- index.parse — DESIGN §5 step 1 "strict parse" -------------------------
  const maxBytes = opts.maxBytes ?? DEFAULT_INDEX_MAX_BYTES;
  const parsed = parseJSONStrict(bytes, { maxBytes });
  if (!parsed.ok) {
    const e = parsed.error;
    return stop(
      'index.parse',
      new VerificationError(e.code, `index is not strict JSON: ${e.message} (line ${e.line}, column ${e.column})`, e),
    );
  }
  pass('index.parse', `${bytes.length} bytes of strict JSON`);

  // ---- index.validate — DESIGN §5 step 1 "validate" (docs/FORMAT.md) ---------
  const problems = validateIndex(parsed.value, { ...(opts.serverLine ? { serverLine: opts.serverLine } : {}), ...(opts.serverVersion ? { serverVersion: opts.serverVersion } : {}) });
  if (problems.length > 0) {
    const first = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    return stop(
      'index.validate',
      new VerificationError('INDEX_INVALID', `index is invalid: ${first.instancePath || '/'}: ${first.message}${more}`, problems),
    );
  }
  const index = parsed.value as unknown as PluginIndex;
  pass('index.validate', `${index.publishers.length} publishers, ${index.plugins.length} plugins, ${index.signatures.length} signature entries`);

  // The signed bytes (DESIGN §4.1). Strictly parsed data is always
  // representable in JCS; a failure here would be a bug, reported as invalid.
  let payload: Uint8Array;
  try {
    payload = indexSigningPayload(index);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return stop('index.validate', new VerificationError('INDEX_INVALID', `index has no canonical form: ${message}`));
  }
  const revocations = normalizeRevocations(index.revocations);

  // ---- index.signatures — DESIGN §4.1 counting rules --------------------------
  const verify = opts.verifyEd25519 ?? verifyEd25519;
  const tally = countTrustedSignatures(index.signatures, payload, trusted, revocations, verify);
  pass(
    'index.signatures',
    `${tally.counted.length} distinct trusted key(s) verified` +
      (tally.revoked.length ? `, ${tally.revoked.length} revoked` : '') +
      (tally.duplicates ? `, ${tally.duplicates} duplicate entr${tally.duplicates === 1 ? 'y' : 'ies'} ignored` : '') +
      (tally.untrusted ? `, ${tally.untrusted} entr${tally.untrusted === 1 ? 'y' : 'ies'} by untrusted keys ignored` : '') +
      (tally.capped ? `, check budget exhausted` : ''),
  );

  // ---- index.threshold — DESIGN §5 step 1 "threshold signatures with trusted keys"
  const signed = tally.counted.length >= trust.threshold;
  const draftAllowed = opts.allowDraft === true && index.status !== 'official';
  if (!signed) {
    const error = thresholdError(index, payload, trust.threshold, tally, verify);
    if (!draftAllowed) return stop('index.threshold', error);
    pass('index.threshold', `not met (${error.code}); accepted as an unsigned ${index.status} because drafts are allowed`);
  } else {
    pass('index.threshold', `${tally.counted.length} of threshold ${trust.threshold}: ${tally.counted.map((s) => s.keyid.slice(0, 16)).join(', ')}`);
  }

  // ---- index.status — DESIGN §5 step 1 "official status" ----------------------
  if (index.status !== 'official') {
    if (opts.allowDraft !== true) {
      return stop(
        'index.status',
        new PolicyError('INDEX_NOT_OFFICIAL', `index status is ${index.status}, expected official (a ${index.status} index is discovery-only)`),
      );
    }
    pass('index.status', `${index.status} (drafts allowed)`);
  } else {
    pass('index.status', 'official');
  }

  // ---- index.expiry — DESIGN §5 step 1 "not expired" (freeze attack) ---------
  if (index.expires_at !== undefined) {
    const expires = Date.parse(index.expires_at);
    if (!(expires > opts.now)) {
      return stop(
        'index.expiry',
        new VerificationError('INDEX_EXPIRED', `index expired at ${index.expires_at} (now ${new Date(opts.now).toISOString()})`, {
          expiresAt: index.expires_at,
          now: opts.now,
        }),
      );
    }
    pass('index.expiry', `expires ${index.expires_at}`);
  } else {
    // The validator requires expires_at on an official index.
    pass('index.expiry', `no expires_at (${index.status})`);
  }

  // ---- index.rollback — DESIGN §5 step 1 "generation not lower than the stored one"
  const payloadSha256 = indexPayloadSha256(payload);
  if (opts.state !== undefined) {
    const error = checkRollback(index.generation, payloadSha256, opts.state);
    if (error) return stop('index.rollback', error);
    pass('index.rollback', `generation ${index.generation} ≥ stored ${opts.state.generation}`);
  } else {
    pass('index.rollback', `no stored state (first use); generation ${index.generation ?? 'none'}`);
  }

  // ---- index.key-history — DESIGN §4.1 publisher key rotation statements -----
  let rotations = 0;
  for (const publisher of index.publishers) {
    if (publisher.key_history === undefined) continue;
    const r = verifyPublisherKeyHistory(publisher);
    if (!r.ok) return stop('index.key-history', r.error);
    rotations += publisher.key_history.length;
  }
  pass('index.key-history', `${rotations} rotation statement(s) verified`);

  // ---- index.revocations — DESIGN §4.1 (surfaced for select/install) ---------
  pass(
    'index.revocations',
    `${revocations.releases.length} revoked release(s), ${revocations.artifacts.length} artifact(s), ${revocations.keys.length} key(s)`,
  );

  return {
    ok: true,
    steps,
    verified: {
      index,
      status: index.status,
      generation: index.generation,
      expiresAt: index.expires_at,
      payloadSha256,
      signed,
      signers: tally.counted,
      revocations,
    },
  };
}

/** What {@link countTrustedSignatures} found. */
interface SignatureTally {
  /** Distinct trusted, non-revoked keys that verified, in entry order. */
  counted: IndexSigner[];
  /** Distinct trusted keys that verified but are revoked. */
  revoked: IndexSigner[];
  /** Entries naming a trusted key (by keyid) whose signature did not verify. */
  badTrusted: number;
  /** Entries without keyid that verified under no trusted key. */
  unattributed: IndexSignature[];
  /** Entries whose keyid names no trusted key. */
  untrusted: number;
  /** Entries by an already counted key. */
  duplicates: number;
  /** Whether the check budget ran out. */
  capped: boolean;
  /** Ed25519 checks left (shared with the diagnosis in {@link thresholdError}). */
  budget: number;
}

/**
 * DESIGN §4.1 counting: every signature entry against the trusted keys; each
 * distinct key once; revoked keys set apart.
 */
function countTrustedSignatures(
  signatures: IndexSignature[],
  payload: Uint8Array,
  trusted: ResolvedTrustedKey[],
  revocations: NormalizedRevocations,
  verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean,
): SignatureTally {
  const byKeyid = new Map(trusted.map((k) => [k.keyid, k]));
  const revokedKeys = new Set(revocations.keys.map((k) => k.public_key_ed25519));
  const done = new Set<string>(); // keyids already verified (counted or revoked)
  const tally: SignatureTally = {
    counted: [],
    revoked: [],
    badTrusted: 0,
    unattributed: [],
    untrusted: 0,
    duplicates: 0,
    capped: false,
    budget: maxSignatureChecks(trusted.length),
  };
  for (const entry of signatures) {
    const signature = decodeCanonicalBase64(entry.signature_ed25519, 64);
    if (signature === null) continue; // the validator refused this already
    let candidates: ResolvedTrustedKey[];
    if (entry.keyid !== undefined) {
      const key = byKeyid.get(entry.keyid);
      if (key === undefined) {
        // Not a trusted key — even if the index advertises it (DESIGN §4.1).
        tally.untrusted++;
        continue;
      }
      if (done.has(key.keyid)) {
        tally.duplicates++; // one key counts once
        continue;
      }
      candidates = [key];
    } else {
      candidates = trusted.filter((k) => !done.has(k.keyid));
      if (candidates.length === 0) {
        tally.duplicates++;
        continue;
      }
    }
    let matched: ResolvedTrustedKey | undefined;
    for (const key of candidates) {
      if (tally.budget <= 0) {
        tally.capped = true;
        break;
      }
      tally.budget--;
      // Go-compatible Ed25519 verdict (DESIGN §6).
      if (verify(key.publicKey, payload, signature)) {
        matched = key;
        break;
      }
    }
    if (matched === undefined) {
      if (entry.keyid !== undefined) tally.badTrusted++;
      else tally.unattributed.push(entry);
      continue;
    }
    done.add(matched.keyid);
    const signer: IndexSigner = { keyid: matched.keyid, publisher: entry.publisher };
    if (matched.label !== undefined) signer.label = matched.label;
    if (revokedKeys.has(matched.base64)) tally.revoked.push(signer);
    else tally.counted.push(signer);
  }
  return tally;
}

/** The most telling error when the threshold is not met (DESIGN §5 step 1). */
function thresholdError(
  index: PluginIndex,
  payload: Uint8Array,
  threshold: number,
  tally: SignatureTally,
  verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean,
): VerificationError | PolicyError {
  const n = tally.counted.length;
  // A revoked key's signature was set apart; had it counted, the threshold
  // would have been met.
  if (tally.revoked.length > 0 && n + tally.revoked.length >= threshold) {
    return new PolicyError(
      'KEY_REVOKED',
      `index signed by revoked key ${tally.revoked.map((s) => s.keyid).join(', ')}; ${n} of threshold ${threshold} remain`,
      { revoked: tally.revoked.map((s) => s.keyid) },
    );
  }
  if (n === 0 && index.signatures.length > 0) {
    // A trusted key's entry that fails to verify: the bytes were altered.
    if (tally.badTrusted > 0) {
      return new VerificationError('INDEX_SIGNATURE_INVALID', `index signature by a trusted key does not verify (${tally.badTrusted} entr${tally.badTrusted === 1 ? 'y' : 'ies'})`);
    }
    // Entries without keyid that no trusted key verifies: signed by the key
    // the index advertises for that publisher (untrusted), or altered bytes.
    // The advertised key is consulted only to name the failure, never to count.
    if (tally.unattributed.length > 0) {
      let advertised = 0;
      for (const entry of tally.unattributed) {
        if (tally.budget <= 0) break;
        const publisher = index.publishers.find((p) => p.id === entry.publisher);
        const key = publisher ? decodeCanonicalBase64(publisher.public_key_ed25519, 32) : null;
        const signature = decodeCanonicalBase64(entry.signature_ed25519, 64);
        if (key === null || signature === null) continue;
        tally.budget--;
        if (verify(key, payload, signature)) advertised++;
      }
      if (advertised === 0) {
        return new VerificationError('INDEX_SIGNATURE_INVALID', `index signature does not verify under any trusted key (${tally.unattributed.length} entr${tally.unattributed.length === 1 ? 'y' : 'ies'})`);
      }
      return new PolicyError('INDEX_UNTRUSTED_KEY', `index is signed only by keys the operator does not trust (keys advertised inside the index are never trusted)`);
    }
    if (tally.untrusted > 0) {
      return new PolicyError(
        'INDEX_UNTRUSTED_KEY',
        `index is signed only by keys the operator does not trust: keyid ${index.signatures.map((s) => s.keyid ?? 'none').join(', ')}`,
      );
    }
    if (tally.revoked.length > 0) {
      return new PolicyError('KEY_REVOKED', `index signed only by revoked key ${tally.revoked.map((s) => s.keyid).join(', ')}`);
    }
  }
  return new PolicyError(
    'INDEX_SIGNATURE_THRESHOLD',
    `index signed by ${n} distinct trusted key(s), threshold is ${threshold}` +
      (tally.duplicates ? ` (${tally.duplicates} duplicate signature entr${tally.duplicates === 1 ? 'y' : 'ies'} count once)` : ''),
    { counted: tally.counted.map((s) => s.keyid), threshold },
  );
}
