/**
 * Publisher key rotation statements and revocation lists (DESIGN §4.1,
 * docs/FORMAT.md "Publisher" and "Revocations").
 */
import { describe, expect, it } from 'vitest';
import canonicalizePackage from 'canonicalize';
// canonicalize 2.x is CommonJS: its module.exports is the function its types call `default`.
const canonicalizeReference = canonicalizePackage as unknown as (value: unknown) => string | undefined;
import { InputError, VerificationError } from '../../src/core/errors.js';
import { encodeBase64 } from '../../src/core/base64.js';
import type { IndexPublisher } from '../../src/core/index/types.js';
import { verifyEd25519 } from '../../src/crypto/index.js';
import { addRevocation, revocationStatus, validateRevocationList } from '../../src/domain/index/revocation.js';
import {
  KEY_ROTATION_PREFIX,
  publisherKeyAt,
  rotatePublisherKey,
  rotationStatementPayload,
  validatePublisherEntry,
  verifyPublisherKeyHistory,
} from '../../src/domain/index/rotation.js';
import { DAY, T0, publicKeyB64, publicKeyOf, seedOf } from './simulator.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const publisher = (key = 'p1'): IndexPublisher => ({ id: 'acme', name: 'Acme', public_key_ed25519: publicKeyB64(key) });

describe('rotation statement payload', () => {
  it('is the prefix followed by the JCS of {next_key, previous_key, publisher, rotated_at} (checked against the canonicalize package)', () => {
    const s = { publisher: 'acme', previousKey: publicKeyB64('p1'), nextKey: publicKeyB64('p2'), rotatedAt: '2026-07-09T00:00:00Z' };
    const expected =
      'LATTICE-PUBLISHER-KEY-ROTATION-V1\n' +
      canonicalizeReference({ rotated_at: s.rotatedAt, publisher: s.publisher, previous_key: s.previousKey, next_key: s.nextKey });
    expect(text(rotationStatementPayload(s))).toBe(expected);
    expect(text(rotationStatementPayload(s)).startsWith(KEY_ROTATION_PREFIX + '{"next_key":')).toBe(true);
  });
});

describe('rotatePublisherKey and verifyPublisherKeyHistory', () => {
  it('moves the current key into key_history with a statement the old key signed', () => {
    const before = publisher('p1');
    const after = rotatePublisherKey(before, seedOf('p1'), publicKeyOf('p2'), { at: T0 });
    expect(before.key_history).toBeUndefined(); // input untouched
    expect(Object.keys(after)).toEqual(['id', 'name', 'public_key_ed25519', 'key_history']);
    expect(after.public_key_ed25519).toBe(publicKeyB64('p2'));
    const entry = after.key_history![0]!;
    expect(entry).toMatchObject({ public_key_ed25519: publicKeyB64('p1'), valid_from: '1970-01-01T00:00:00Z', valid_until: '2026-08-01T00:00:00Z' });
    const payload = rotationStatementPayload({ publisher: 'acme', previousKey: publicKeyB64('p1'), nextKey: publicKeyB64('p2'), rotatedAt: entry.valid_until });
    expect(verifyEd25519(publicKeyOf('p1'), payload, Buffer.from(entry.rotation_signature_ed25519, 'base64'))).toBe(true);
    expect(verifyPublisherKeyHistory(after)).toEqual({ ok: true });
    expect(validatePublisherEntry(after)).toEqual([]);
  });

  it('chains: a second rotation starts where the first window ended', () => {
    const once = rotatePublisherKey(publisher('p1'), seedOf('p1'), publicKeyOf('p2'), { at: T0, validFrom: T0 - 100 * DAY });
    const twice = rotatePublisherKey(once, seedOf('p2'), publicKeyOf('p3'), { at: T0 + DAY });
    expect(twice.key_history!.map((e) => [e.valid_from, e.valid_until])).toEqual([
      ['2026-04-23T00:00:00Z', '2026-08-01T00:00:00Z'],
      ['2026-08-01T00:00:00Z', '2026-08-02T00:00:00Z'],
    ]);
    expect(verifyPublisherKeyHistory(twice)).toEqual({ ok: true });
    // Swapping the two entries breaks both the window order and the chain.
    const swapped = { ...twice, key_history: [twice.key_history![1]!, twice.key_history![0]!] };
    const r = verifyPublisherKeyHistory(swapped);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toBeInstanceOf(VerificationError);
      expect(r.error.code).toBe('KEY_ROTATION_INVALID');
    }
  });

  it('refuses an old seed that is not the current key, a reused key, a time before the window, and an invalid entry', () => {
    expect(() => rotatePublisherKey(publisher('p1'), seedOf('other'), publicKeyOf('p2'), { at: T0 })).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
    expect(() => rotatePublisherKey(publisher('p1'), seedOf('p1'), publicKeyOf('p1'), { at: T0 })).toThrow(InputError);
    const once = rotatePublisherKey(publisher('p1'), seedOf('p1'), publicKeyOf('p2'), { at: T0 });
    expect(() => rotatePublisherKey(once, seedOf('p2'), publicKeyOf('p1'), { at: T0 + DAY })).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
    expect(() => rotatePublisherKey(once, seedOf('p2'), publicKeyOf('p3'), { at: T0 - DAY })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => rotatePublisherKey(once, seedOf('p2'), publicKeyOf('p3'), { at: T0 + DAY, validFrom: 0 })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => rotatePublisherKey({ ...publisher('p1'), extra: 1 }, seedOf('p1'), publicKeyOf('p2'), { at: T0 })).toThrow(expect.objectContaining({ code: 'INDEX_INVALID' }));
    // A broken existing chain is not extended.
    const broken = { ...once, public_key_ed25519: publicKeyB64('attacker') };
    expect(() => rotatePublisherKey(broken, seedOf('attacker'), publicKeyOf('p3'), { at: T0 + DAY })).toThrow(expect.objectContaining({ code: 'KEY_ROTATION_INVALID' }));
  });

  it('a statement naming another publisher does not verify for this one', () => {
    const rotated = rotatePublisherKey(publisher('p1'), seedOf('p1'), publicKeyOf('p2'), { at: T0 });
    expect(verifyPublisherKeyHistory({ ...rotated, id: 'other' }).ok).toBe(false);
  });

  it('publisherKeyAt: no history → the current key at any time; gaps → none', () => {
    expect(publisherKeyAt(publisher('p1'), 0)).toEqual(publicKeyOf('p1'));
    expect(publisherKeyAt(publisher('p1'), undefined)).toEqual(publicKeyOf('p1'));
    const p: IndexPublisher = {
      ...publisher('p3'),
      key_history: [
        { public_key_ed25519: publicKeyB64('p1'), valid_from: '2026-01-01T00:00:00Z', valid_until: '2026-02-01T00:00:00Z', rotation_signature_ed25519: '' },
        { public_key_ed25519: publicKeyB64('p2'), valid_from: '2026-03-01T00:00:00Z', valid_until: '2026-04-01T00:00:00Z', rotation_signature_ed25519: '' },
      ],
    };
    expect(publisherKeyAt(p, Date.parse('2026-01-15T00:00:00Z'))).toEqual(publicKeyOf('p1'));
    expect(publisherKeyAt(p, Date.parse('2026-02-15T00:00:00Z'))).toBeUndefined(); // gap
    expect(publisherKeyAt(p, Date.parse('2026-03-01T00:00:00Z'))).toEqual(publicKeyOf('p2'));
    expect(publisherKeyAt(p, Date.parse('2026-04-01T00:00:00Z'))).toEqual(publicKeyOf('p3'));
    expect(publisherKeyAt(p, Date.parse('2025-12-31T23:59:59Z'))).toBeUndefined();
    expect(publisherKeyAt(p, Number.NaN)).toBeUndefined();
  });
});

describe('revocations', () => {
  const at = '2026-08-01T00:00:00Z';
  it('addRevocation appends and deduplicates releases, artifacts (case-insensitively) and keys', () => {
    let list = {};
    let r = addRevocation(list, { kind: 'release', plugin: 'acme.x', version: '1.0.0' }, 'broken', at);
    expect(r.added).toBe(true);
    list = r.list;
    r = addRevocation(list, { kind: 'release', plugin: 'acme.x', version: '1.0.0' }, 'again', at);
    expect(r.added).toBe(false);
    expect(r.entry).toMatchObject({ reason: 'broken' });
    r = addRevocation(list, { kind: 'artifact', sha256: 'A'.repeat(64) }, 'malware', at);
    list = r.list;
    expect(addRevocation(list, { kind: 'artifact', sha256: 'a'.repeat(64) }, 'dup', at).added).toBe(false);
    r = addRevocation(list, { kind: 'key', publisher: 'acme', publicKey: publicKeyB64('k') }, 'lost', at);
    list = r.list;
    expect(addRevocation(list, { kind: 'key', publisher: 'other', publicKey: publicKeyB64('k') }, 'dup', at).added).toBe(false);
    expect(validateRevocationList(list)).toEqual([]);
    expect(list).toEqual({
      releases: [{ plugin: 'acme.x', version: '1.0.0', reason: 'broken', revoked_at: at }],
      artifacts: [{ sha256: 'a'.repeat(64), reason: 'malware', revoked_at: at }],
      keys: [{ publisher: 'acme', public_key_ed25519: publicKeyB64('k'), reason: 'lost', revoked_at: at }],
    });
  });

  it('validateRevocationList reports problems relative to the list', () => {
    const problems = validateRevocationList({ releases: [{ plugin: 'acme.x', version: '1', reason: ' ', revoked_at: at }], extra: [] });
    expect(problems.map((p) => [p.instancePath, p.code])).toEqual([
      ['/releases/0/reason', 'REVOCATION_REASON_REQUIRED'],
      ['/extra', 'INDEX_UNKNOWN_FIELD'],
    ]);
  });

  it('revocationStatus: a key revocation applies whatever the publish time; matches by key bytes only', () => {
    const revocations = { releases: [], artifacts: [], keys: [{ publisher: 'someone', public_key_ed25519: encodeBase64(publicKeyOf('k')), reason: 'r', revoked_at: '2030-01-01T00:00:00Z' }] };
    const q = { plugin: 'acme.x', version: '1.0.0', artifactSha256: 'b'.repeat(64) };
    expect(revocationStatus({ revocations }, { ...q, signingKey: publicKeyOf('k') }).matches.map((m) => m.kind)).toEqual(['key']);
    expect(revocationStatus({ revocations }, q).revoked).toBe(false);
  });
});
