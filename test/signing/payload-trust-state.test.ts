/**
 * The signing payload (DESIGN §4.1), the operator's index trust (§4.3) and
 * the rollback state document (§5 step 1).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import canonicalizePackage from 'canonicalize';
// canonicalize 2.x is CommonJS: its module.exports is the function its types call `default`.
const canonicalizeReference = canonicalizePackage as unknown as (value: unknown) => string | undefined;
import { InputError, VerificationError } from '../../src/core/errors.js';
import { parseJSONStrict } from '../../src/core/json/strict.js';
import { INDEX_SIGNING_PREFIX, indexPayloadSha256, indexSigningPayload } from '../../src/domain/index/payload.js';
import { checkRollback, nextIndexState, parseIndexState, serializeIndexState } from '../../src/domain/index/state.js';
import { indexTrustFromKeys, indexTrustFromPolicy, resolveIndexTrust } from '../../src/domain/index/trust.js';
import { sha256Hex } from '../../src/crypto/index.js';
import { VECTORS } from '../vectors.js';
import { publicKeyB64, publicKeyOf } from './simulator.js';

const UTF8 = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('indexSigningPayload', () => {
  it('is "LATTICE-PLUGIN-INDEX-V1\\n" followed by the RFC 8785 form without signatures (known answer)', () => {
    const payload = indexSigningPayload({ status: 'official', b: [1, 'é'], a: { y: null, x: true }, signatures: [{ any: 1 }] });
    expect(text(payload)).toBe('LATTICE-PLUGIN-INDEX-V1\n{"a":{"x":true,"y":null},"b":[1,"é"],"status":"official"}');
    expect(INDEX_SIGNING_PREFIX).toBe('LATTICE-PLUGIN-INDEX-V1\n');
  });

  // Differential: the RFC author's `canonicalize` package on the real upstream
  // index and the upstream example (vectors/lattice/, both files in full).
  for (const file of ['lattice/plugins.json', 'lattice/plugins.example.json']) {
    it(`equals prefix + the canonicalize package on ${file}`, () => {
      const bytes = readFileSync(path.join(VECTORS, file));
      const parsed = parseJSONStrict(bytes);
      expect(parsed.ok).toBe(true);
      const value = (parsed as { value: Record<string, unknown> }).value;
      const { signatures: _s, ...content } = value;
      const expected = INDEX_SIGNING_PREFIX + canonicalizeReference(content);
      expect(text(indexSigningPayload(value))).toBe(expected);
      expect(indexPayloadSha256(indexSigningPayload(value))).toBe(sha256Hex(UTF8.encode(expected)));
    });
  }

  it('ignores formatting, member order and the signatures member; keeps a "__proto__" member as content', () => {
    const a = indexSigningPayload(JSON.parse('{"x":1,"y":[2,3],"signatures":[]}'));
    const b = indexSigningPayload(JSON.parse('{ "signatures" : [ {"k":1} ] , "y" : [ 2 , 3 ] , "x" : 1 }'));
    expect(a).toEqual(b);
    const withProto = parseJSONStrict('{"__proto__":{"z":1},"x":1}');
    expect(text(indexSigningPayload((withProto as { value: object }).value))).toBe('LATTICE-PLUGIN-INDEX-V1\n{"__proto__":{"z":1},"x":1}');
  });

  it('refuses a non-object (caller bug) and unrepresentable data', () => {
    expect(() => indexSigningPayload([] as unknown as object)).toThrow(TypeError);
    expect(() => indexSigningPayload({ x: Number.NaN })).toThrow(expect.objectContaining({ code: 'JCS_UNREPRESENTABLE' }));
  });
});

describe('indexTrustFromPolicy', () => {
  const k1 = publicKeyB64('a');
  const k2 = publicKeyB64('b');
  const policy = (index: unknown) => ({ schema: 'lattice.plugin.install-policy.v1', publishers: { anything: true }, index });

  it('reads trusted_keys and threshold, ignoring other top-level members', () => {
    const t = indexTrustFromPolicy(policy({ trusted_keys: [{ public_key_ed25519: k1, label: 'ci' }, { public_key_ed25519: k2 }], threshold: 2 }));
    expect(t.threshold).toBe(2);
    expect(t.keys.map((k) => k.label)).toEqual(['ci', undefined]);
    expect(t.keys[0]!.publicKey).toEqual(publicKeyOf('a'));
    expect(indexTrustFromPolicy(policy({ trusted_keys: [{ public_key_ed25519: k1 }] })).threshold).toBe(1);
  });

  const bad: [string, unknown][] = [
    ['not an object', []],
    ['no index member', { schema: 'x' }],
    ['index not an object', { index: 'x' }],
    ['unknown member in index', policy({ trusted_keys: [{ public_key_ed25519: k1 }], threshold: 1, mirrors: [] })],
    ['unknown member in a key', policy({ trusted_keys: [{ public_key_ed25519: k1, keyid: 'x' }] })],
    ['empty trusted_keys', policy({ trusted_keys: [] })],
    ['trusted_keys not an array', policy({ trusted_keys: { public_key_ed25519: k1 } })],
    ['key not canonical base64 (no padding)', policy({ trusted_keys: [{ public_key_ed25519: k1.replace(/=$/, '') }] })],
    ['key of 31 bytes', policy({ trusted_keys: [{ public_key_ed25519: Buffer.alloc(31).toString('base64') }] })],
    ['key listed twice', policy({ trusted_keys: [{ public_key_ed25519: k1 }, { public_key_ed25519: k1 }] })],
    ['threshold 0', policy({ trusted_keys: [{ public_key_ed25519: k1 }], threshold: 0 })],
    ['threshold 1.5', policy({ trusted_keys: [{ public_key_ed25519: k1 }, { public_key_ed25519: k2 }], threshold: 1.5 })],
    ['threshold above the keys', policy({ trusted_keys: [{ public_key_ed25519: k1 }], threshold: 2 })],
    ['label with a newline', policy({ trusted_keys: [{ public_key_ed25519: k1, label: 'a\nb' }] })],
    ['empty label', policy({ trusted_keys: [{ public_key_ed25519: k1, label: '' }] })],
  ];
  for (const [name, value] of bad) {
    it(`refuses ${name} (InputError INSTALL_POLICY_INVALID)`, () => {
      expect(() => indexTrustFromPolicy(value)).toThrow(InputError);
      expect(() => indexTrustFromPolicy(value)).toThrow(expect.objectContaining({ code: 'INSTALL_POLICY_INVALID' }));
    });
  }
});

describe('indexTrustFromKeys and resolveIndexTrust', () => {
  it('accepts distinct canonical keys and a threshold within their number', () => {
    expect(indexTrustFromKeys([publicKeyB64('a'), publicKeyB64('b')], 2).keys).toHaveLength(2);
  });
  it.each([
    ['no key', [], 1],
    ['a key twice', [publicKeyB64('a'), publicKeyB64('a')], 1],
    ['threshold above the keys', [publicKeyB64('a')], 2],
    ['threshold 0', [publicKeyB64('a')], 0],
    ['a non-canonical key', ['not base64'], 1],
  ] as [string, string[], number][])('refuses %s (InputError INPUT_INVALID)', (_n, keys, threshold) => {
    expect(() => indexTrustFromKeys(keys, threshold)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', name: 'InputError' }));
  });
  it('counts a key given twice once and refuses a threshold only duplicates would reach', () => {
    const key = { publicKey: publicKeyOf('a') };
    expect(resolveIndexTrust({ keys: [key, key], threshold: 1 })).toHaveLength(1);
    expect(() => resolveIndexTrust({ keys: [key, key], threshold: 2 })).toThrow(InputError);
    expect(() => resolveIndexTrust({ keys: [{ publicKey: new Uint8Array(31) }], threshold: 1 })).toThrow(InputError);
  });
});

describe('rollback state', () => {
  const digest = 'a'.repeat(64);
  it('serializes and parses back strictly', () => {
    const textDoc = serializeIndexState({ generation: 7, payloadSha256: digest }, Date.UTC(2026, 7, 1));
    expect(JSON.parse(textDoc)).toEqual({ schema: 'lattice.plugin.index-state.v1', generation: 7, payload_sha256: digest, verified_at: '2026-08-01T00:00:00Z' });
    const r = parseIndexState(UTF8.encode(textDoc));
    expect(r).toEqual({ ok: true, document: { state: { generation: 7, payloadSha256: digest }, verifiedAt: '2026-08-01T00:00:00Z' } });
  });

  const doc = (over: Record<string, unknown>) =>
    UTF8.encode(JSON.stringify({ schema: 'lattice.plugin.index-state.v1', generation: 3, payload_sha256: digest, verified_at: '2026-08-01T00:00:00Z', ...over }));
  it.each([
    ['not JSON', UTF8.encode('{')],
    ['duplicate member', UTF8.encode(`{"schema":"lattice.plugin.index-state.v1","generation":3,"generation":4,"payload_sha256":"${digest}","verified_at":"2026-08-01T00:00:00Z"}`)],
    ['wrong schema', doc({ schema: 'x' })],
    ['unknown member', doc({ extra: 1 })],
    ['generation 0', doc({ generation: 0 })],
    ['generation as string', doc({ generation: '3' })],
    ['generation fraction', doc({ generation: 3.5 })],
    ['uppercase digest', doc({ payload_sha256: 'A'.repeat(64) })],
    ['bad verified_at', doc({ verified_at: 'yesterday' })],
    ['an array', UTF8.encode('[]')],
  ])('refuses %s (INDEX_STATE_INVALID)', (_n, bytes) => {
    const r = parseIndexState(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toBeInstanceOf(VerificationError);
      expect(r.error.code).toBe('INDEX_STATE_INVALID');
    }
  });

  it('checkRollback: lower → INDEX_ROLLBACK, equal with other digest → INDEX_GENERATION_REUSED, malformed state → INDEX_STATE_INVALID', () => {
    const state = { generation: 5, payloadSha256: digest };
    expect(checkRollback(6, 'b'.repeat(64), state)).toBeNull();
    expect(checkRollback(5, digest, state)).toBeNull();
    expect(checkRollback(4, digest, state)?.code).toBe('INDEX_ROLLBACK');
    expect(checkRollback(undefined, digest, state)?.code).toBe('INDEX_ROLLBACK');
    expect(checkRollback(5, 'b'.repeat(64), state)?.code).toBe('INDEX_GENERATION_REUSED');
    expect(checkRollback(5, digest, { generation: -1, payloadSha256: digest })?.code).toBe('INDEX_STATE_INVALID');
    expect(checkRollback(5, digest, null)).toBeInstanceOf(VerificationError);
  });

  it('nextIndexState: only a signed index with a generation moves the state', () => {
    expect(nextIndexState({ signed: true, generation: 3, payloadSha256: digest })).toEqual({ generation: 3, payloadSha256: digest });
    expect(nextIndexState({ signed: false, generation: 3, payloadSha256: digest })).toBeUndefined();
    expect(nextIndexState({ signed: true, generation: undefined, payloadSha256: digest })).toBeUndefined();
  });
});
