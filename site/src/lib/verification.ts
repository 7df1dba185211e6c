/**
 * Index verification for the catalog — the same `verifyIndex` (DESIGN §5
 * step 1) at build time in Node and again in the visitor's browser.
 *
 * The build verifies the index file against the configured trusted keys and
 * records what it checked ({@link VerificationSummary}: keyids, generation,
 * expiry, payload digest) in the pages. The browser fetches `/plugins.json`,
 * verifies it with the embedded keys, and compares the result with the
 * record: a served file that is not the one the build verified fails there
 * even if it carries valid signatures of its own.
 *
 * The keys in the page come from the same host as `/plugins.json`, so the
 * browser check proves consistency with the build, not trust in the host;
 * the page shows the key fingerprint so a visitor can compare it with the
 * one they trust.
 *
 * No trusted key configured: the catalog passes an empty key set, which
 * `verifyIndex` accepts together with `allowDraft` — no signature can count,
 * an `official` index fails the threshold (fail closed) and a `draft` is
 * accepted as unsigned with every other step run.
 *
 * Browser-safe: imports `src/core` and `src/domain/index/verify.ts` only.
 *
 * @module
 */
import { decodeCanonicalBase64 } from '../../../src/core/base64.js';
import type { IndexStatus } from '../../../src/core/index/types.js';
import { verifyIndex, type IndexTrust, type VerifiedIndex, type VerifyIndexOptions, type VerifyStep } from '../../../src/domain/index/verify.js';

/** Trusted index keys as configured (canonical base64) and the threshold. */
export interface CatalogTrust {
  readonly keys: readonly string[];
  readonly threshold: number;
}

/** The outcome of {@link verifyCatalogIndex}. */
export type CatalogVerification =
  | { readonly ok: true; readonly verified: VerifiedIndex; readonly steps: readonly VerifyStep[] }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly error: Error; readonly steps: readonly VerifyStep[] };

/** What the build verified, embedded in the pages for the browser re-check. */
export interface VerificationSummary {
  readonly status: IndexStatus;
  /** True when the threshold of trusted keys signed (only then is the index "official" here). */
  readonly signed: boolean;
  readonly generation: number | null;
  readonly generatedAt: string;
  readonly expiresAt: string | null;
  /** Lowercase hex SHA-256 of the signing payload. */
  readonly payloadSha256: string;
  /** Trusted keys that signed: keyid (key fingerprint) and the entry's publisher name. */
  readonly signers: readonly { readonly keyid: string; readonly publisher: string }[];
  /** The trusted keys the build used (canonical base64) and the threshold. */
  readonly trustedKeys: readonly string[];
  readonly threshold: number;
  /** When the build checked, RFC 3339 UTC. */
  readonly checkedAt: string;
}

/** The verdict the browser shows. */
export type BrowserVerdict =
  | {
      readonly ok: true;
      readonly signed: boolean;
      readonly signers: readonly { readonly keyid: string; readonly publisher: string }[];
      readonly generation: number | null;
      readonly expiresAt: string | null;
      readonly payloadSha256: string;
      readonly headline: string;
    }
  | { readonly ok: false; readonly code: string; readonly headline: string; readonly message: string };

/**
 * The `IndexTrust` for configured keys (see the module comment for "no key").
 * @throws {TypeError} for a key that is not canonical base64 of 32 bytes (settings are checked before).
 */
export function catalogIndexTrust(trust: CatalogTrust): IndexTrust {
  if (trust.keys.length === 0) return { keys: [], threshold: 1 };
  return {
    keys: trust.keys.map((k) => {
      const publicKey = decodeCanonicalBase64(k, 32);
      if (publicKey === null) throw new TypeError(`trusted index key is not canonical base64 of 32 bytes: ${k}`);
      return { publicKey };
    }),
    threshold: trust.threshold,
  };
}

/**
 * Verify index bytes for the catalog.
 * @param bytes - the index file exactly as read or fetched.
 * @param trust - configured keys and threshold.
 * @param now - reference time (ms), fixed once per run.
 * @param allowDraft - accept an unsigned draft (the build does; the browser only when the build did).
 * @param verifyEd25519 - the Ed25519 verifier (default the pure, Go-exact one, which the browser uses);
 *   the build passes OpenSSL's (src/crypto/node.ts), which gives the same verdict on every vector.
 * @returns the verified index, or the error code and message; never throws for hostile bytes.
 */
export function verifyCatalogIndex(
  bytes: Uint8Array,
  trust: CatalogTrust,
  now: number,
  allowDraft: boolean,
  verifyEd25519?: VerifyIndexOptions['verifyEd25519'],
): CatalogVerification {
  const r = verifyIndex(bytes, catalogIndexTrust(trust), { now, allowDraft, ...(verifyEd25519 ? { verifyEd25519 } : {}) });
  if (r.ok) return { ok: true, verified: r.verified, steps: r.steps };
  return { ok: false, code: r.error.code, message: r.error.message, error: r.error, steps: r.steps };
}

/**
 * Record what the build verified.
 * @param v - the verified index.
 * @param trust - the keys and threshold used.
 * @param checkedAt - the build's reference time (ms).
 */
export function verificationSummary(v: VerifiedIndex, trust: CatalogTrust, checkedAt: number): VerificationSummary {
  return {
    status: v.status,
    signed: v.signed,
    generation: v.generation ?? null,
    generatedAt: v.index.generated_at,
    expiresAt: v.expiresAt ?? null,
    payloadSha256: v.payloadSha256,
    signers: v.signers.map((s) => ({ keyid: s.keyid, publisher: s.publisher })),
    trustedKeys: [...trust.keys],
    threshold: trust.threshold,
    checkedAt: new Date(checkedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/**
 * Re-verify the served index in the browser and compare with the build's record.
 * @param bytes - the bytes of `/plugins.json` as served.
 * @param build - the summary embedded by the build.
 * @param now - the browser's clock (ms).
 * @returns the verdict to display; never throws for hostile bytes.
 */
export function verifyServedIndex(bytes: Uint8Array, build: VerificationSummary, now: number): BrowserVerdict {
  let r: CatalogVerification;
  try {
    r = verifyCatalogIndex(bytes, { keys: build.trustedKeys, threshold: build.threshold }, now, !build.signed);
  } catch (e) {
    // A malformed embedded summary (the page itself was altered).
    return { ok: false, code: 'INPUT_INVALID', headline: 'Verification failed', message: e instanceof Error ? e.message : String(e) };
  }
  if (!r.ok) return { ok: false, code: r.code, headline: 'Verification failed', message: r.message };
  const v = r.verified;
  if (v.payloadSha256 !== build.payloadSha256 || (v.generation ?? null) !== build.generation || v.signed !== build.signed) {
    return {
      ok: false,
      code: 'INDEX_CHANGED',
      headline: 'Verification failed',
      message: `the served index (generation ${v.generation ?? 'none'}, digest ${v.payloadSha256.slice(0, 16)}…) is not the one this catalog was built from (generation ${build.generation ?? 'none'}, digest ${build.payloadSha256.slice(0, 16)}…)`,
    };
  }
  return {
    ok: true,
    signed: v.signed,
    signers: v.signers.map((s) => ({ keyid: s.keyid, publisher: s.publisher })),
    generation: v.generation ?? null,
    expiresAt: v.expiresAt ?? null,
    payloadSha256: v.payloadSha256,
    headline: v.signed ? 'Signature verified in your browser' : 'Unsigned draft: contents match the build',
  };
}

/**
 * Parse the summary the build embedded (hostile-tolerant: `null` when malformed).
 * @param text - the JSON text of the embedded element.
 */
export function parseVerificationSummary(text: string): VerificationSummary | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object') return null;
  const s = v as Record<string, unknown>;
  const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((e) => typeof e === 'string');
  if (
    typeof s.status !== 'string' ||
    typeof s.signed !== 'boolean' ||
    typeof s.payloadSha256 !== 'string' ||
    !strings(s.trustedKeys) ||
    typeof s.threshold !== 'number' ||
    !(s.generation === null || typeof s.generation === 'number') ||
    !(s.expiresAt === null || typeof s.expiresAt === 'string') ||
    !Array.isArray(s.signers)
  ) {
    return null;
  }
  return s as unknown as VerificationSummary;
}
