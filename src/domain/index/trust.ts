/**
 * Who the operator trusts to sign the index: the trusted index keys and the
 * threshold (DESIGN §4.1, §4.3, §5 step 1).
 *
 * Trust comes **only** from here — from keys the operator configured. Keys
 * advertised inside the index (publisher keys, key history) are never a
 * source of index trust (DESIGN §1, §4.1).
 *
 * Two ways in:
 * - {@link indexTrustFromPolicy}: the `index` member of the operator's install
 *   policy (`lattice.plugin.install-policy.v1`); the install-policy parser
 *   calls it, `lattice-index verify --policy` too.
 * - {@link indexTrustFromKeys}: keys given one by one (`verify --key B64 …`).
 *
 * Both are strict (unknown members, duplicate keys, a threshold above the
 * number of keys are errors) and throw {@link InputError}: the trust
 * configuration is the operator's own input, not hostile data, and a mistake
 * in it must stop the command with one clear line rather than weaken it.
 *
 * Pure, synchronous, browser-safe.
 *
 * @module
 */
import { InputError } from '../../core/errors.js';
import { decodeCanonicalBase64, encodeBase64 } from '../../core/base64.js';
import { hasControl } from '../../core/rules.js';
import { keyId } from '../../crypto/index.js';
import { describeJSONValue } from '../../core/describe.js';

/** One index key the operator trusts. */
export interface TrustedIndexKey {
  /** The raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** A human label shown in verification results (never used for trust). */
  label?: string;
}

/** The operator's index trust: keys and how many distinct ones must sign. */
export interface IndexTrust {
  /** The trusted index keys (a key listed twice still counts once). */
  keys: TrustedIndexKey[];
  /** How many distinct trusted keys must have signed; an integer ≥ 1. */
  threshold: number;
}

/** A trusted key with its derived identifiers (internal to the domain layer). */
export interface ResolvedTrustedKey {
  publicKey: Uint8Array;
  /** Canonical padded base64 of `publicKey`. */
  base64: string;
  /** Lowercase hex SHA-256 of `publicKey` (DESIGN §4.1 keyid). */
  keyid: string;
  label?: string;
}

/** Longest accepted key label. */
export const MAX_TRUST_LABEL_LENGTH = 100;

/**
 * Check a trust configuration and return its distinct keys (first label wins
 * for a key listed twice), in the order given.
 *
 * @param trust - the operator's index trust.
 * @returns the distinct trusted keys with base64 and keyid.
 * @throws {InputError} `INPUT_INVALID` when `keys` is not an array of
 *   32-byte `Uint8Array` keys, when `threshold` is not an integer ≥ 1, or
 *   when the threshold exceeds the number of distinct keys (verification could
 *   never succeed — a misconfiguration, not a verdict on the index).
 * @example
 * ```ts
 * const keys = resolveIndexTrust({ keys: [{ publicKey }], threshold: 1 });
 * keys[0].keyid; // '3f1c…'
 * ```
 */
export function resolveIndexTrust(trust: IndexTrust, opts: { allowNoKeys?: boolean } = {}): ResolvedTrustedKey[] {
  if (trust === null || typeof trust !== 'object' || !Array.isArray(trust.keys)) {
    throw new InputError('INPUT_INVALID', 'index trust must be { keys: TrustedIndexKey[], threshold: number }');
  }
  const threshold = trust.threshold;
  if (typeof threshold !== 'number' || !Number.isSafeInteger(threshold) || threshold < 1) {
    throw new InputError('INPUT_INVALID', `index trust threshold must be an integer of at least 1, found ${String(threshold)}`);
  }
  const out: ResolvedTrustedKey[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < trust.keys.length; i++) {
    const k = trust.keys[i];
    const pk = k?.publicKey;
    if (!(pk instanceof Uint8Array) || pk.length !== 32) {
      throw new InputError('INPUT_INVALID', `index trust key ${i} must be a 32-byte Ed25519 public key`);
    }
    const keyid = keyId(pk);
    if (seen.has(keyid)) continue; // DESIGN §4.1: each distinct key counts once
    seen.add(keyid);
    const resolved: ResolvedTrustedKey = { publicKey: Uint8Array.from(pk), base64: encodeBase64(pk), keyid };
    if (typeof k?.label === 'string') resolved.label = k.label;
    out.push(resolved);
  }
  // No keys at all is allowed only where the caller accepts unsigned drafts:
  // then no signature can count and nothing official can pass (fail closed).
  if (out.length === 0 && opts.allowNoKeys === true) return out;
  if (threshold > out.length) {
    throw new InputError(
      'INPUT_INVALID',
      `index trust threshold ${threshold} exceeds the number of distinct trusted keys (${out.length}); verification could never succeed`,
    );
  }
  return out;
}

/**
 * The index trust from the operator's install policy: reads and strictly
 * validates only its `index` member (other top-level members belong to the
 * install-policy parser and are ignored here):
 *
 * ```json
 * { "index": { "trusted_keys": [ { "public_key_ed25519": "<b64>", "label": "ci" } ], "threshold": 1 } }
 * ```
 *
 * Rules: `index` is an object with only `trusted_keys`, `threshold` and the
 * install policy's boolean `allow_draft` (not a trust matter: ignored here);
 * `trusted_keys` is a non-empty array of objects with only
 * `public_key_ed25519` (canonical padded base64 of 32 bytes, interop §C.2)
 * and an optional `label` (1–100 characters, no control characters); no key
 * twice; `threshold` (default 1) is an integer from 1 to the number of keys.
 *
 * @param policyValue - the parsed install policy (any JSON value).
 * @returns the index trust.
 * @throws {InputError} `INSTALL_POLICY_INVALID` naming the JSON pointer of
 *   the first problem (public keys are not secret and may be quoted).
 * @example
 * ```ts
 * const trust = indexTrustFromPolicy(parseJSONStrict(bytes).value);
 * const result = verifyIndex(indexBytes, trust, { now: Date.now() });
 * ```
 */
export function indexTrustFromPolicy(policyValue: unknown): IndexTrust {
  const fail = (pointer: string, message: string): never => {
    throw new InputError('INSTALL_POLICY_INVALID', `install policy ${pointer}: ${message}`);
  };
  if (!isPlainObject(policyValue)) return fail('/', `expected an object, found ${describeJSONValue(policyValue)}`);
  const index = policyValue.index;
  if (index === undefined) return fail('/index', 'expected the index trust member { trusted_keys, threshold }, found none');
  if (!isPlainObject(index)) return fail('/index', `expected an object, found ${describeJSONValue(index)}`);
  for (const k of Object.keys(index)) {
    // allow_draft belongs to the install policy (docs/INSTALL-POLICY.md); it does not change who is trusted.
    if (k === 'allow_draft') {
      if (typeof index.allow_draft !== 'boolean') fail('/index/allow_draft', `expected true or false, found ${describeJSONValue(index.allow_draft)}`);
      continue;
    }
    if (k !== 'trusted_keys' && k !== 'threshold') fail(`/index/${escapePointer(k)}`, 'unknown member (expected trusted_keys, threshold, allow_draft)');
  }
  const list = index.trusted_keys;
  if (!Array.isArray(list) || list.length === 0) {
    return fail('/index/trusted_keys', `expected a non-empty array of trusted keys, found ${describeJSONValue(list)}`);
  }
  const keys: TrustedIndexKey[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const e: unknown = list[i];
    const at = `/index/trusted_keys/${i}`;
    if (!isPlainObject(e)) return fail(at, `expected an object, found ${describeJSONValue(e)}`);
    for (const k of Object.keys(e)) {
      if (k !== 'public_key_ed25519' && k !== 'label') fail(`${at}/${escapePointer(k)}`, 'unknown member (expected public_key_ed25519, label)');
    }
    const b64 = e.public_key_ed25519;
    const publicKey = decodeCanonicalBase64(b64, 32);
    if (publicKey === null) {
      return fail(`${at}/public_key_ed25519`, `expected canonical padded base64 of a 32-byte Ed25519 key, found ${describeJSONValue(b64)}`);
    }
    if (seen.has(b64 as string)) return fail(`${at}/public_key_ed25519`, `key ${b64 as string} is listed twice`);
    seen.add(b64 as string);
    const key: TrustedIndexKey = { publicKey };
    if (e.label !== undefined) {
      const label = e.label;
      if (typeof label !== 'string' || label.length === 0 || label.length > MAX_TRUST_LABEL_LENGTH || hasControl(label)) {
        return fail(`${at}/label`, `expected 1–${MAX_TRUST_LABEL_LENGTH} characters without control characters, found ${describeJSONValue(label)}`);
      }
      key.label = label;
    }
    keys.push(key);
  }
  let threshold = 1;
  if (index.threshold !== undefined) {
    const t = index.threshold;
    if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 1) {
      return fail('/index/threshold', `expected an integer of at least 1, found ${describeJSONValue(t)}`);
    }
    if (t > keys.length) return fail('/index/threshold', `threshold ${t} exceeds the ${keys.length} trusted key(s)`);
    threshold = t;
  }
  return { keys, threshold };
}

/**
 * The index trust from keys given one by one (`lattice-index verify --key`).
 *
 * @param keysBase64 - trusted public keys, canonical padded base64 of 32 bytes.
 * @param threshold - how many distinct keys must sign (integer ≥ 1).
 * @returns the index trust.
 * @throws {InputError} `INPUT_INVALID` for a key that is not canonical base64
 *   of 32 bytes, a key given twice, no key at all, or a threshold that is not
 *   an integer from 1 to the number of keys.
 * @example
 * ```ts
 * indexTrustFromKeys(['2bt1VY4vnLIPUbjSSIuvdOyKXx8Bo1b9+b05/MYRUNk='], 1);
 * ```
 */
export function indexTrustFromKeys(keysBase64: readonly string[], threshold: number): IndexTrust {
  if (keysBase64.length === 0) throw new InputError('INPUT_INVALID', 'expected at least one trusted index key');
  const keys: TrustedIndexKey[] = [];
  const seen = new Set<string>();
  for (const b64 of keysBase64) {
    const publicKey = decodeCanonicalBase64(b64, 32);
    if (publicKey === null) {
      throw new InputError('INPUT_INVALID', `trusted key must be canonical padded base64 of a 32-byte Ed25519 public key, found ${describeJSONValue(b64)}`);
    }
    if (seen.has(b64)) throw new InputError('INPUT_INVALID', `trusted key ${b64} is given twice`);
    seen.add(b64);
    keys.push({ publicKey });
  }
  if (!Number.isSafeInteger(threshold) || threshold < 1) {
    throw new InputError('INPUT_INVALID', `threshold must be an integer of at least 1, found ${String(threshold)}`);
  }
  if (threshold > keys.length) {
    throw new InputError('INPUT_INVALID', `threshold ${threshold} exceeds the number of distinct trusted keys (${keys.length})`);
  }
  return { keys, threshold };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}


/** RFC 6901 escaping of one pointer segment. */
function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}
