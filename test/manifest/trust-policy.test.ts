/**
 * Server trust policy file (interop §C.1, §C.2, §B.7 decodePublicKey).
 */
import { describe, expect, it } from 'vitest';
import { encodeBase64 } from '../../src/core/base64.js';
import { emptyTrustPolicy, parseServerTrustPolicy, serializeServerTrustPolicy } from '../../src/domain/manifest/index.js';
import type { TrustPolicy } from '../../src/domain/manifest/index.js';
import { CURRENT_KEY, ROTATED_KEY } from './helpers.js';

const CURRENT_B64 = 'Ex4sJBNHgemwqhtaBwuoOf4Zg3iz5kojM+JeWBcDo40='; // vectors/lattice/index-keys.json

function parsed(input: string): TrustPolicy {
  const r = parseServerTrustPolicy(input);
  if (!r.ok) throw new Error(r.message);
  return r.policy;
}
function failure(input: string | Uint8Array): string {
  const r = parseServerTrustPolicy(input);
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('parsed');
  expect(r.code).toBe('TRUST_POLICY_INVALID');
  return r.message;
}

describe('parseServerTrustPolicy accepts what the server accepts', () => {
  it('a padded standard base64 key', () => {
    const p = parsed(`{"trusted_publishers":{"latticenet":"${CURRENT_B64}"},"allow_unsigned_host_risk":false}`);
    expect(p.trustedPublishers.get('latticenet')).toEqual(CURRENT_KEY);
    expect(p.allowUnsignedHostRisk).toBe(false);
  });
  it('raw (unpadded) base64, surrounding white space, and CR/LF inside (TrimSpace, raw then padded)', () => {
    const raw = CURRENT_B64.replace(/=$/, '');
    expect(parsed(`{"trusted_publishers":{"latticenet":"${raw}"}}`).trustedPublishers.get('latticenet')).toEqual(CURRENT_KEY);
    expect(parsed(`{"trusted_publishers":{"latticenet":" \\t${CURRENT_B64}\\n"}}`).trustedPublishers.get('latticenet')).toEqual(CURRENT_KEY);
    const split = CURRENT_B64.slice(0, 10) + '\\r\\n' + CURRENT_B64.slice(10);
    expect(parsed(`{"trusted_publishers":{"latticenet":"${split}"}}`).trustedPublishers.get('latticenet')).toEqual(CURRENT_KEY);
  });
  it('both keys optional; null means absent; {} is the fail-closed zero policy', () => {
    expect(parsed('{}')).toEqual(emptyTrustPolicy());
    expect(parsed('{"trusted_publishers":null,"allow_unsigned_host_risk":null}')).toEqual(emptyTrustPolicy());
    expect(parsed('{"allow_unsigned_host_risk":true}').allowUnsignedHostRisk).toBe(true);
  });
  it('several publishers, bytes input', () => {
    const text = `{"trusted_publishers":{"latticenet":"${CURRENT_B64}","dev.alice":"${encodeBase64(ROTATED_KEY)}"}}`;
    const p = parsed(text);
    expect([...p.trustedPublishers.keys()].sort()).toEqual(['dev.alice', 'latticenet']);
    const fromBytes = parseServerTrustPolicy(new TextEncoder().encode(text));
    expect(fromBytes.ok && fromBytes.policy).toEqual(p);
  });
});

describe('parseServerTrustPolicy rejects with the server’s messages', () => {
  it.each([
    ['{"trusted_publishers":{},"extra":1}', 'decode trust policy: json: unknown field "extra"'],
    ['{} {}', 'decode trust policy: unexpected trailing json value'],
    [`{"trusted_publishers":{"Latticenet":"${CURRENT_B64}"}}`, 'invalid publisher "Latticenet"'],
    [`{"trusted_publishers":{"a..b":"${CURRENT_B64}"}}`, 'invalid publisher "a..b"'],
    ['{"trusted_publishers":{"latticenet":"not base64!"}}', 'invalid trusted publisher key for "latticenet": invalid base64'],
    ['{"trusted_publishers":{"latticenet":"AAAA"}}', 'invalid trusted publisher key for "latticenet": invalid ed25519 public key length'],
    ['{"trusted_publishers":{"latticenet":""}}', 'invalid trusted publisher key for "latticenet": invalid ed25519 public key length'],
    ['{"trusted_publishers":{"latticenet":null}}', 'invalid trusted publisher key for "latticenet": invalid ed25519 public key length'],
    // hex keys were removed from the server (a3800d3)
    [`{"trusted_publishers":{"latticenet":"${Buffer.from(CURRENT_KEY).toString('hex')}"}}`, 'invalid trusted publisher key for "latticenet": invalid ed25519 public key length'],
    ['{"allow_unsigned_host_risk":"yes"}', 'decode trust policy: json: cannot unmarshal string into Go struct field trustPolicyJSON.allow_unsigned_host_risk of type bool'],
    ['{"trusted_publishers":[]}', 'decode trust policy: json: cannot unmarshal array into Go struct field trustPolicyJSON.trusted_publishers of type map[string]string'],
    ['{"trusted_publishers":{"latticenet":1}}', 'decode trust policy: json: cannot unmarshal number into Go struct field trustPolicyJSON.trusted_publishers of type string'],
    ['[]', 'decode trust policy: json: cannot unmarshal array into Go value of type plugin.trustPolicyJSON'],
  ])('%s', (input, message) => {
    expect(failure(input)).toBe(message);
  });
  it('with several bad publishers, the first in sorted order is reported (Go: random map order)', () => {
    expect(failure(`{"trusted_publishers":{"zz-bad_":"${CURRENT_B64}","Abad":"${CURRENT_B64}"}}`)).toBe('invalid publisher "Abad"');
  });
  it('is stricter than Go on JSON ambiguities', () => {
    expect(failure(`{"Trusted_Publishers":{"latticenet":"${CURRENT_B64}"}}`)).toMatch(/only case-insensitively/);
    expect(failure(`{"trusted_publishers":{"latticenet":"${CURRENT_B64}","latticenet":"AAAA"}}`)).toMatch(/^decode trust policy: .*twice/);
    expect(failure('null')).toBe('decode trust policy: trust policy must be a JSON object, found null');
    expect(failure(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toMatch(/^decode trust policy: /);
  });
});

describe('serializeServerTrustPolicy', () => {
  it('writes a file the server (and our parser) accepts, sorted, padded keys, MarshalIndent layout', () => {
    const policy: TrustPolicy = {
      trustedPublishers: new Map([['latticenet', CURRENT_KEY], ['dev.alice', ROTATED_KEY]]),
      allowUnsignedHostRisk: false,
    };
    const text = serializeServerTrustPolicy(policy);
    expect(text).toBe(
      '{\n  "trusted_publishers": {\n' +
        `    "dev.alice": "${encodeBase64(ROTATED_KEY)}",\n` +
        `    "latticenet": "${CURRENT_B64}"\n` +
        '  },\n  "allow_unsigned_host_risk": false\n}\n',
    );
    expect(parsed(text)).toEqual(policy);
  });
  it('writes the zero policy', () => {
    expect(serializeServerTrustPolicy(emptyTrustPolicy())).toBe('{\n  "trusted_publishers": {},\n  "allow_unsigned_host_risk": false\n}\n');
  });
  it('refuses what the server would refuse (caller bugs)', () => {
    expect(() => serializeServerTrustPolicy({ trustedPublishers: new Map([['Bad', CURRENT_KEY]]), allowUnsignedHostRisk: false })).toThrow(TypeError);
    expect(() => serializeServerTrustPolicy({ trustedPublishers: new Map([['ok.id', new Uint8Array(31)]]), allowUnsignedHostRisk: false })).toThrow(TypeError);
  });
});

describe('property: parseServerTrustPolicy never throws on hostile input', () => {
  it('arbitrary strings, bytes and JSON', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (s) => void parseServerTrustPolicy(s)), { numRuns: 1000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (b) => void parseServerTrustPolicy(b)), { numRuns: 1000 });
    fc.assert(fc.property(fc.json({ maxDepth: 4 }), (s) => void parseServerTrustPolicy(s)), { numRuns: 1000 });
  });
});
