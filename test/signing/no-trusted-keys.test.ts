import { describe, expect, it } from 'vitest';
import { PolicyError, InputError } from '../../src/core/errors.js';
import { verifyIndex } from '../../src/domain/index/verify.js';
import { DAY, RepositorySimulator, T0 } from './simulator.js';

// A verifier with no trusted index key at all (the catalog before an operator
// configures one): only an unsigned draft may pass, and only with allowDraft.
describe('verifyIndex with no trusted keys', () => {
  const NO_KEYS = { keys: [], threshold: 1 };

  it('accepts an unsigned draft under allowDraft, running every other step', () => {
    const repo = new RepositorySimulator();
    const bytes = repo.publish({ official: false, signers: [] });
    const r = verifyIndex(bytes, NO_KEYS, { now: T0 + DAY, allowDraft: true });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.verified.signed).toBe(false);
    expect(r.verified.signers).toEqual([]);
    expect(r.steps.map((s) => s.step)).toContain('index.expiry');
  });

  it('a signed draft still counts no signature: no key is trusted', () => {
    const repo = new RepositorySimulator();
    const r = verifyIndex(repo.publish({ official: false }), NO_KEYS, { now: T0 + DAY, allowDraft: true });
    expect(r.ok && r.verified.signed).toBe(false);
  });

  it('refuses an official index: the threshold cannot be met (fail closed)', () => {
    const repo = new RepositorySimulator();
    const r = verifyIndex(repo.publish(), NO_KEYS, { now: T0 + DAY, allowDraft: true });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(PolicyError);
    expect(['INDEX_UNTRUSTED_KEY', 'INDEX_SIGNATURE_THRESHOLD']).toContain(r.error.code);
  });

  it('without allowDraft an empty key set is a caller error, not a verdict', () => {
    const repo = new RepositorySimulator();
    expect(() => verifyIndex(repo.publish(), NO_KEYS, { now: T0 + DAY })).toThrow(InputError);
  });

  it('still refuses an expired draft', () => {
    const repo = new RepositorySimulator();
    const bytes = repo.publish({ official: false, signers: [], expiresInDays: 1 });
    const r = verifyIndex(bytes, NO_KEYS, { now: T0 + 2 * DAY, allowDraft: true });
    expect(r.ok ? 'ok' : r.error.code).toBe('INDEX_EXPIRED');
  });
});
