/**
 * The Lattice server's plugin trust policy file (interop §C.1): which
 * publishers' Ed25519 keys the server trusts, and whether unsigned host-risk
 * v1 plugins may load.
 *
 * ```json
 * { "trusted_publishers": { "<publisher-id>": "<base64 32-byte key>" },
 *   "allow_unsigned_host_risk": false }
 * ```
 *
 * {@link parseServerTrustPolicy} reads it as the server does
 * (`ParseTrustPolicyJSON`), with the server's messages, but stricter at the
 * JSON level (duplicate keys, case-variant keys, invalid UTF-8 and a
 * non-object top level are rejected; a `null` member means absent, as in Go).
 * Go walks the publisher map in random order; we walk it in byte-wise sorted
 * order, so with several bad entries the one reported is stable.
 *
 * {@link serializeServerTrustPolicy} writes a file the server accepts.
 *
 * @module
 */
import type { ErrorCode } from '../../core/errors.js';
import { POLICY_MAX_BYTES } from '../../core/limits.js';
import { encodeBase64, goDecodePublicKey } from '../../core/base64.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import type { JSONValue } from '../../core/json/types.js';
import { validPluginID } from '../../core/rules.js';
import { compareUTF8, goIndent, goJSONString, goQuote } from './go-json.js';

/** The server's `TrustPolicy`: trusted publisher → raw 32-byte Ed25519 key. */
export interface TrustPolicy {
  /** Publisher id → raw 32-byte Ed25519 public key. */
  trustedPublishers: Map<string, Uint8Array>;
  /** Opt-out of signatures for host-risk v1 plugins (dev only). Default `false`: fail closed. */
  allowUnsignedHostRisk: boolean;
}

/** Result of {@link parseServerTrustPolicy}. */
export type ParseTrustPolicyResult =
  | { ok: true; policy: TrustPolicy }
  | {
      ok: false;
      code: 'TRUST_POLICY_INVALID';
      message: string;
      /** Set when the bytes are not strict JSON at all: the parser's code. */
      notJSON?: ErrorCode;
    };

/** The zero policy (no flag, empty path): trusts nobody, fail-closed (§C.1). */
export function emptyTrustPolicy(): TrustPolicy {
  return { trustedPublishers: new Map(), allowUnsignedHostRisk: false };
}

const PREFIX = 'decode trust policy: ';
const FIELDS = ['trusted_publishers', 'allow_unsigned_host_risk'] as const;

function kind(v: JSONValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

/**
 * Parse a server trust policy file (server `ParseTrustPolicyJSON`, interop §C.1).
 *
 * @param input - the file bytes (UTF-8) or text.
 * @returns the policy, or `{ ok: false, code: 'TRUST_POLICY_INVALID', message }`
 *   with the server's text: `decode trust policy: …`, `invalid publisher %q`,
 *   `invalid trusted publisher key for %q: invalid base64` / `… invalid ed25519 public key length`.
 *   Never throws for hostile input.
 * @throws TypeError only if `input` is neither a string nor a Uint8Array.
 * @example parseServerTrustPolicy('{"trusted_publishers":{"latticenet":"Ex4sJBNHgemwqhtaBwuoOf4Zg3iz5kojM+JeWBcDo40="}}')
 */
export function parseServerTrustPolicy(input: Uint8Array | string): ParseTrustPolicyResult {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new TypeError('parseServerTrustPolicy expects a Uint8Array or a string');
  }
  const bad = (message: string, notJSON?: ErrorCode): ParseTrustPolicyResult => ({ ok: false, code: 'TRUST_POLICY_INVALID', message, ...(notJSON ? { notJSON } : {}) });
  const parsed = parseJSONStrict(input, { maxBytes: POLICY_MAX_BYTES });
  if (!parsed.ok) {
    const e = parsed.error;
    const notJSON = e.code;
    if (e.code === 'JSON_TRAILING_DATA') return bad(PREFIX + 'unexpected trailing json value', notJSON);
    return bad(PREFIX + e.message + (e.pointer ? ` at ${e.pointer}` : ''), notJSON);
  }
  const root = parsed.value;
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    if (root !== null) return bad(PREFIX + `json: cannot unmarshal ${kind(root)} into Go value of type plugin.trustPolicyJSON`);
    return bad(PREFIX + 'trust policy must be a JSON object, found null');
  }
  const encoded = new Map<string, string>();
  let allowUnsigned = false;
  // Go's decoder saves the first type/unknown-field error and keeps going.
  let saved: string | null = null;
  const save = (m: string): void => {
    saved ??= m;
  };
  for (const key of Object.keys(root)) {
    const v = root[key]!;
    if (key === 'trusted_publishers') {
      if (v === null) continue;
      if (typeof v !== 'object' || Array.isArray(v)) {
        save(`json: cannot unmarshal ${kind(v)} into Go struct field trustPolicyJSON.trusted_publishers of type map[string]string`);
        continue;
      }
      for (const id of Object.keys(v)) {
        const value = v[id]!;
        if (value === null) encoded.set(id, ''); // Go: a null map value is ""
        else if (typeof value === 'string') encoded.set(id, value);
        else save(`json: cannot unmarshal ${kind(value)} into Go struct field trustPolicyJSON.trusted_publishers of type string`);
      }
    } else if (key === 'allow_unsigned_host_risk') {
      if (v === null) continue;
      if (typeof v !== 'boolean') {
        save(`json: cannot unmarshal ${kind(v)} into Go struct field trustPolicyJSON.allow_unsigned_host_risk of type bool`);
        continue;
      }
      allowUnsigned = v;
    } else {
      const canonical = FIELDS.find((f) => f === key.toLowerCase());
      if (canonical !== undefined) {
        return bad(PREFIX + `json: key ${goQuote(key)} matches field ${goQuote(canonical)} only case-insensitively (rejected: keys must match exactly)`);
      }
      save(`json: unknown field ${goQuote(key)}`);
    }
  }
  if (saved !== null) return bad(PREFIX + saved);
  const policy = emptyTrustPolicy();
  policy.allowUnsignedHostRisk = allowUnsigned;
  // Go ranges over the map in random order; sorted order makes the report stable.
  for (const id of [...encoded.keys()].sort(compareUTF8)) {
    const value = encoded.get(id)!;
    if (!validPluginID(id)) return bad(`invalid publisher ${goQuote(id)}`);
    const key = goDecodePublicKey(value);
    if (!key.ok) return bad(`invalid trusted publisher key for ${goQuote(id)}: ${key.error}`);
    policy.trustedPublishers.set(id, key.key);
  }
  return { ok: true, policy };
}

/**
 * Write a trust policy file the server accepts: only `trusted_publishers`
 * (sorted, keys as canonical padded standard base64) and
 * `allow_unsigned_host_risk`, 2-space indented (Go `MarshalIndent` layout), newline-terminated.
 *
 * @param policy - the policy to write.
 * @returns the file text.
 * @throws TypeError if a publisher id fails the server's id rule or a key is not 32 bytes (caller bugs:
 *   the server would refuse the file).
 * @example serializeServerTrustPolicy({ trustedPublishers: new Map([['latticenet', key]]), allowUnsignedHostRisk: false })
 */
export function serializeServerTrustPolicy(policy: TrustPolicy): string {
  const ids = [...policy.trustedPublishers.keys()].sort(compareUTF8);
  const members = ids.map((id) => {
    const key = policy.trustedPublishers.get(id)!;
    if (!validPluginID(id)) throw new TypeError(`publisher id ${goQuote(id)} fails the server's plugin id rule`);
    if (!(key instanceof Uint8Array) || key.length !== 32) {
      throw new TypeError(`publisher ${goQuote(id)} key must be 32 bytes`);
    }
    return goJSONString(id) + ':' + goJSONString(encodeBase64(key));
  });
  const compact =
    '{"trusted_publishers":{' + members.join(',') + '},"allow_unsigned_host_risk":' + String(policy.allowUnsignedHostRisk === true) + '}';
  return goIndent(compact, '', '  ') + '\n';
}
