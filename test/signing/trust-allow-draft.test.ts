import { describe, expect, it } from 'vitest';
import { indexTrustFromPolicy } from '../../src/domain/index/trust.js';
import { starterInstallPolicy } from '../../src/domain/install/policy.js';
import { encodeBase64 } from '../../src/core/base64.js';

describe('indexTrustFromPolicy reads the index member of a real install policy', () => {
  const key = encodeBase64(new Uint8Array(32).fill(9));
  it('accepts the boolean allow_draft the install policy defines', () => {
    const trust = indexTrustFromPolicy({ index: { trusted_keys: [{ public_key_ed25519: key }], threshold: 1, allow_draft: true } });
    expect(trust.threshold).toBe(1);
    expect(trust.keys).toHaveLength(1);
  });
  it('refuses a non-boolean allow_draft and other unknown members', () => {
    expect(() => indexTrustFromPolicy({ index: { trusted_keys: [{ public_key_ed25519: key }], allow_draft: 'yes' } })).toThrow(/allow_draft/);
    expect(() => indexTrustFromPolicy({ index: { trusted_keys: [{ public_key_ed25519: key }], trust_all: true } })).toThrow(/unknown member/);
  });
  it('works on what policy init writes', () => {
    const value = JSON.parse(JSON.stringify(starterInstallPolicy({ indexKeys: [key], serverVersion: '0.2.2', platform: 'linux/amd64' })));
    expect(value.index.allow_draft).toBe(false);
    expect(indexTrustFromPolicy(value).keys).toHaveLength(1);
  });
});
