/**
 * Named attacks against index verification (DESIGN §5 step 1), in the manner
 * of python-tuf's repository-simulator tests: a repository publishes signed
 * generations, a client with a fixed clock and an in-memory rollback state
 * updates from whatever bytes it is served, and each attack is a test.
 */
import { describe, expect, it } from 'vitest';
import { PolicyError, VerificationError } from '../../src/core/errors.js';
import { encodeBase64 } from '../../src/core/base64.js';
import type { IndexPublisher, PluginIndex } from '../../src/core/index/types.js';
import { keyId, signEd25519 } from '../../src/crypto/index.js';
import { indexSigningPayload } from '../../src/domain/index/payload.js';
import { revocationStatus } from '../../src/domain/index/revocation.js';
import {
  publisherKeyAt,
  publisherKeyForRelease,
  rotatePublisherKey,
  rotationStatementPayload,
  verifyPublisherKeyHistory,
} from '../../src/domain/index/rotation.js';
import { signIndex } from '../../src/domain/index/sign.js';
import { verifyIndex, type VerifyIndexResult } from '../../src/domain/index/verify.js';
import {
  DAY,
  RepositorySimulator,
  SimulatedClient,
  T0,
  clone,
  parseBytes,
  publicKeyB64,
  publicKeyOf,
  seedOf,
  toBytes,
  trustOf,
} from './simulator.js';

/** Assert a failed result with the given class and code. */
function expectFailure(r: VerifyIndexResult, cls: typeof VerificationError | typeof PolicyError, code: string): void {
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error).toBeInstanceOf(cls);
  expect(r.error.code).toBe(code);
  expect(r.steps.at(-1)!.ok).toBe(false);
}

describe('baseline: a client follows the repository', () => {
  it('accepts generation after generation and moves its state forward', () => {
    const repo = new RepositorySimulator();
    const client = new SimulatedClient(trustOf(['index-ci']));
    const g1 = repo.publish();
    const r1 = client.update(g1, T0 + DAY);
    expect(r1.ok).toBe(true);
    expect(client.state?.generation).toBe(1);
    const g2 = repo.publish();
    expect(client.update(g2, T0 + 2 * DAY).ok).toBe(true);
    expect(client.state?.generation).toBe(2);
    // The same bytes again are fine (equal generation, identical payload).
    expect(client.update(g2, T0 + 3 * DAY).ok).toBe(true);
    if (r1.ok) {
      expect(r1.steps.map((s) => s.step)).toEqual([
        'index.parse',
        'index.validate',
        'index.signatures',
        'index.threshold',
        'index.status',
        'index.expiry',
        'index.rollback',
        'index.key-history',
        'index.revocations',
      ]);
      expect(r1.verified.signers).toEqual([{ keyid: keyId(publicKeyOf('index-ci')), publisher: 'latticenet', label: 'index-ci' }]);
      expect(r1.verified.signed).toBe(true);
    }
  });

  it('reformatting the signed file (compact JSON, other member order) keeps it valid', () => {
    const repo = new RepositorySimulator();
    const doc = parseBytes(repo.publish());
    const reordered = Object.fromEntries(Object.entries(doc).reverse());
    const r = verifyIndex(new TextEncoder().encode(JSON.stringify(reordered)), trustOf(['index-ci']), { now: T0 + DAY });
    expect(r.ok).toBe(true);
  });
});

describe('rollback attack', () => {
  it('an older, validly signed generation is refused after a newer one (INDEX_ROLLBACK)', () => {
    const repo = new RepositorySimulator();
    const client = new SimulatedClient(trustOf(['index-ci']));
    const g1 = repo.publish();
    const g2 = repo.publish();
    expect(client.update(g2, T0 + DAY).ok).toBe(true);
    const r = client.update(g1, T0 + DAY);
    expectFailure(r, VerificationError, 'INDEX_ROLLBACK');
    expect(client.state?.generation).toBe(2); // the state did not move back
  });

  it('an index without generation is refused once a generation was stored', () => {
    const repo = new RepositorySimulator();
    const client = new SimulatedClient(trustOf(['index-ci']));
    expect(client.update(repo.publish(), T0 + DAY).ok).toBe(true);
    const noGeneration = repo.publish({
      official: false,
      mutate: (d) => {
        delete d.generation;
      },
    });
    const draftClient = new SimulatedClient(trustOf(['index-ci']), { allowDraft: true });
    draftClient.state = client.state;
    expectFailure(draftClient.update(noGeneration, T0 + DAY), VerificationError, 'INDEX_ROLLBACK');
  });
});

describe('freeze attack', () => {
  it('an expired index is refused (INDEX_EXPIRED), even one the client accepted before', () => {
    const repo = new RepositorySimulator();
    const client = new SimulatedClient(trustOf(['index-ci']));
    const g1 = repo.publish({ expiresInDays: 7 });
    expect(client.update(g1, T0 + 6 * DAY).ok).toBe(true);
    // The attacker keeps serving g1 after it expired.
    expectFailure(client.update(g1, T0 + 7 * DAY), VerificationError, 'INDEX_EXPIRED');
    expectFailure(client.update(g1, T0 + 70 * DAY), VerificationError, 'INDEX_EXPIRED');
    // Extending expires_at by hand breaks the signature instead.
    const doc = parseBytes(g1);
    doc.expires_at = '2099-01-01T00:00:00Z';
    expectFailure(client.update(toBytes(doc), T0 + 70 * DAY), VerificationError, 'INDEX_SIGNATURE_INVALID');
  });
});

describe('equal generation with other content', () => {
  it('two different indexes signed under one generation: the second is refused (INDEX_GENERATION_REUSED)', () => {
    const repo = new RepositorySimulator();
    const client = new SimulatedClient(trustOf(['index-ci']));
    const a = repo.publish({ generation: 5 });
    const b = repo.publish({
      generation: 5,
      mutate: (d) => {
        ((d.plugins as { summary?: string }[])[0]!).summary = 'different content, same generation';
      },
    });
    expect(verifyIndex(b, trustOf(['index-ci']), { now: T0 + DAY }).ok).toBe(true); // genuinely signed
    expect(client.update(a, T0 + DAY).ok).toBe(true);
    expectFailure(client.update(b, T0 + DAY), VerificationError, 'INDEX_GENERATION_REUSED');
    expect(client.update(a, T0 + DAY).ok).toBe(true);
  });
});

describe('threshold with one key\'s duplicated signatures', () => {
  it('two entries of the same key count once (INDEX_SIGNATURE_THRESHOLD)', () => {
    const repo = new RepositorySimulator(['ci-a']);
    const doc = parseBytes(repo.publish());
    const sigs = doc.signatures as Record<string, string>[];
    // Same entry twice, and once more without keyid (the upstream entry shape).
    doc.signatures = [sigs[0]!, { ...sigs[0]! }, { publisher: sigs[0]!.publisher!, signature_ed25519: sigs[0]!.signature_ed25519! }];
    const client = new SimulatedClient(trustOf(['ci-a', 'ci-b'], 2));
    const r = client.update(toBytes(doc), T0 + DAY);
    expectFailure(r, PolicyError, 'INDEX_SIGNATURE_THRESHOLD');
    expect(client.state).toBeUndefined();
    // The operator listing one key twice does not double it either.
    const doubled = { keys: [{ publicKey: publicKeyOf('ci-a') }, { publicKey: publicKeyOf('ci-a') }], threshold: 1 };
    expect(() => verifyIndex(toBytes(doc), { ...doubled, threshold: 2 }, { now: T0 + DAY })).toThrow(/exceeds the number of distinct trusted keys/);
  });

  it('two distinct trusted keys meet threshold 2', () => {
    const repo = new RepositorySimulator(['ci-a', 'ci-b']);
    const r = new SimulatedClient(trustOf(['ci-a', 'ci-b'], 2)).update(repo.publish(), T0 + DAY);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.verified.signers.map((s) => s.label).sort()).toEqual(['ci-a', 'ci-b']);
  });
});

describe('a key advertised only inside the index', () => {
  it('an attacker key listed as the publisher key, with keyid, does not count (INDEX_UNTRUSTED_KEY)', () => {
    const repo = new RepositorySimulator(['attacker']);
    const bytes = repo.publish({
      mutate: (d) => {
        ((d.publishers as IndexPublisher[])[0]!).public_key_ed25519 = publicKeyB64('attacker');
      },
    });
    expectFailure(new SimulatedClient(trustOf(['index-ci'])).update(bytes, T0 + DAY), PolicyError, 'INDEX_UNTRUSTED_KEY');
  });

  it('the same without keyid: no trusted key verifies it, the advertised one does → INDEX_UNTRUSTED_KEY', () => {
    const repo = new RepositorySimulator(['attacker']);
    const doc = parseBytes(
      repo.publish({
        mutate: (d) => {
          ((d.publishers as IndexPublisher[])[0]!).public_key_ed25519 = publicKeyB64('attacker');
        },
      }),
    );
    for (const s of doc.signatures as Record<string, unknown>[]) delete s.keyid;
    expectFailure(new SimulatedClient(trustOf(['index-ci'])).update(toBytes(doc), T0 + DAY), PolicyError, 'INDEX_UNTRUSTED_KEY');
  });

  it('an attacker signature next to a stale trusted one does not help', () => {
    const repo = new RepositorySimulator(['index-ci']);
    const doc = parseBytes(repo.publish());
    ((doc.plugins as { summary?: string }[])[0]!).summary = 'tampered';
    const payload = indexSigningPayload(doc);
    (doc.signatures as unknown[]).push({
      publisher: 'latticenet',
      keyid: keyId(publicKeyOf('attacker')),
      signature_ed25519: encodeBase64(signEd25519(seedOf('attacker'), payload)),
    });
    expectFailure(new SimulatedClient(trustOf(['index-ci'])).update(toBytes(doc), T0 + DAY), VerificationError, 'INDEX_SIGNATURE_INVALID');
  });
});

describe('signatures stripped and status downgraded to draft', () => {
  const stripped = (bytes: Uint8Array): Uint8Array => {
    const doc = parseBytes(bytes);
    doc.status = 'draft';
    doc.signatures = [];
    return toBytes(doc);
  };

  it('is refused by an installing client (INDEX_SIGNATURE_THRESHOLD)', () => {
    const repo = new RepositorySimulator();
    const client = new SimulatedClient(trustOf(['index-ci']));
    const g1 = repo.publish();
    expect(client.update(g1, T0 + DAY).ok).toBe(true);
    expectFailure(client.update(stripped(g1), T0 + DAY), PolicyError, 'INDEX_SIGNATURE_THRESHOLD');
  });

  it('keeping the signatures but downgrading the status breaks them (INDEX_SIGNATURE_INVALID)', () => {
    const repo = new RepositorySimulator();
    const doc = parseBytes(repo.publish());
    doc.status = 'draft';
    expectFailure(new SimulatedClient(trustOf(['index-ci'])).update(toBytes(doc), T0 + DAY), VerificationError, 'INDEX_SIGNATURE_INVALID');
  });

  it('a draft-tolerant client with state refuses it (INDEX_GENERATION_REUSED); without state it is shown as unsigned and never stored', () => {
    const repo = new RepositorySimulator();
    const g1 = repo.publish();
    const viewer = new SimulatedClient(trustOf(['index-ci']), { allowDraft: true });
    expect(viewer.update(g1, T0 + DAY).ok).toBe(true);
    expectFailure(viewer.update(stripped(g1), T0 + DAY), VerificationError, 'INDEX_GENERATION_REUSED');

    const fresh = new SimulatedClient(trustOf(['index-ci']), { allowDraft: true });
    const r = fresh.update(stripped(g1), T0 + DAY);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.verified.signed).toBe(false);
      expect(r.verified.status).toBe('draft');
      expect(r.verified.signers).toEqual([]);
    }
    expect(fresh.state).toBeUndefined(); // an unsigned index never moves the state
    // A stripped index with a huge generation cannot pin the client either.
    const doc = parseBytes(stripped(g1));
    doc.generation = Number.MAX_SAFE_INTEGER;
    expect(fresh.update(toBytes(doc), T0 + DAY).ok).toBe(true);
    expect(fresh.state).toBeUndefined();
    expect(fresh.update(repo.publish(), T0 + DAY).ok).toBe(true);
  });

  it('an official index never passes as a draft: allowDraft does not lower the threshold for official', () => {
    const repo = new RepositorySimulator();
    const doc = parseBytes(repo.publish());
    doc.signatures = [];
    const r = verifyIndex(toBytes(doc), trustOf(['index-ci']), { now: T0 + DAY, allowDraft: true });
    // An official index without signatures is invalid per the format (upstream rule 5).
    expectFailure(r, VerificationError, 'INDEX_INVALID');
  });
});

describe('publisher key rotation', () => {
  /** A repository whose publisher rotated v1 → v2 at T0 − 10 days (and v2 → v3 when `twice`). */
  function rotatedRepo(twice = false): { repo: RepositorySimulator; publisher: IndexPublisher } {
    const repo = new RepositorySimulator();
    const publishers = repo.content.publishers as IndexPublisher[];
    let p: IndexPublisher = { ...publishers[0]!, public_key_ed25519: publicKeyB64('publisher-v1') };
    p = rotatePublisherKey(p, seedOf('publisher-v1'), publicKeyOf('publisher-v2'), { at: T0 - 10 * DAY, validFrom: T0 - 100 * DAY });
    if (twice) p = rotatePublisherKey(p, seedOf('publisher-v2'), publicKeyOf('publisher-v3'), { at: T0 - 5 * DAY });
    repo.content.publishers = [p];
    return { repo, publisher: p };
  }

  it('valid: the chain verifies and a release is judged by the key valid at its published_at', () => {
    const { repo, publisher } = rotatedRepo(true);
    const r = new SimulatedClient(trustOf(['index-ci'])).update(repo.publish(), T0 + DAY);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.steps.find((s) => s.step === 'index.key-history')!.detail).toMatch(/^2 rotation/);
    const enc = (k: Uint8Array | undefined) => (k ? encodeBase64(k) : undefined);
    expect(enc(publisherKeyAt(publisher, T0 - 50 * DAY))).toBe(publicKeyB64('publisher-v1'));
    expect(enc(publisherKeyAt(publisher, T0 - 10 * DAY))).toBe(publicKeyB64('publisher-v2')); // valid_until is exclusive
    expect(enc(publisherKeyAt(publisher, T0 - 7 * DAY))).toBe(publicKeyB64('publisher-v2'));
    expect(enc(publisherKeyAt(publisher, T0))).toBe(publicKeyB64('publisher-v3'));
    expect(publisherKeyAt(publisher, T0 - 200 * DAY)).toBeUndefined(); // before any window
    expect(enc(publisherKeyForRelease(publisher, {}))).toBe(publicKeyB64('publisher-v3')); // no published_at → current key only
    expect(enc(publisherKeyForRelease(publisher, { published_at: '2026-07-01T00:00:00Z' }))).toBe(publicKeyB64('publisher-v1'));
  });

  it('missing statement: a history entry without rotation signature is refused', () => {
    const { repo } = rotatedRepo();
    const bytes = repo.publish({
      signers: [],
      mutate: (d) => {
        delete ((d.publishers as IndexPublisher[])[0]!.key_history![0] as unknown as Record<string, unknown>).rotation_signature_ed25519;
      },
    });
    expectFailure(new SimulatedClient(trustOf(['index-ci']), { allowDraft: true }).update(bytes, T0 + DAY), VerificationError, 'INDEX_INVALID');
  });

  it('missing statement: a key swapped in without a hand-over (middle entry dropped, or current key replaced) is refused', () => {
    const { repo, publisher } = rotatedRepo(true);
    // Drop the v2 entry: v1's statement names v2, but the chain now goes v1 → v3.
    const dropped = clone(publisher);
    dropped.key_history = [dropped.key_history![0]!];
    dropped.key_history[0]!.valid_until = publisher.key_history![1]!.valid_until;
    expect(verifyPublisherKeyHistory(dropped)).toMatchObject({ ok: false, error: { code: 'KEY_ROTATION_INVALID' } });
    // Replace the current key: the last statement names v3, not the attacker's key.
    const swapped = { ...clone(publisher), public_key_ed25519: publicKeyB64('attacker') };
    repo.content.publishers = [swapped];
    expect(() => repo.publish()).toThrow(/key_history\[1\]/); // signIndex's self-check refuses to sign it
    const r = new SimulatedClient(trustOf(['index-ci'])).update(repo.publishUnchecked(), T0 + DAY);
    expectFailure(r, VerificationError, 'KEY_ROTATION_INVALID');
  });

  it('a statement signed by the wrong key is refused (KEY_ROTATION_INVALID)', () => {
    const { repo, publisher } = rotatedRepo();
    const entry = publisher.key_history![0]!;
    const payload = rotationStatementPayload({
      publisher: publisher.id,
      previousKey: entry.public_key_ed25519,
      nextKey: publisher.public_key_ed25519,
      rotatedAt: entry.valid_until,
    });
    for (const wrong of ['publisher-v2', 'attacker']) {
      const forged = clone(publisher);
      forged.key_history![0]!.rotation_signature_ed25519 = encodeBase64(signEd25519(seedOf(wrong), payload));
      repo.content.publishers = [forged];
      expectFailure(new SimulatedClient(trustOf(['index-ci'])).update(repo.publishUnchecked(), T0 + DAY), VerificationError, 'KEY_ROTATION_INVALID');
    }
    // Sanity: the genuine statement over the same payload verifies.
    repo.content.publishers = [publisher];
    expect(new SimulatedClient(trustOf(['index-ci'])).update(repo.publish(), T0 + DAY).ok).toBe(true);
  });

  it('a statement for another rotation time is refused (rotated_at is signed)', () => {
    const { repo, publisher } = rotatedRepo();
    const moved = clone(publisher);
    moved.key_history![0]!.valid_until = '2026-07-30T00:00:00Z';
    repo.content.publishers = [moved];
    expectFailure(new SimulatedClient(trustOf(['index-ci'])).update(repo.publishUnchecked(), T0 + DAY), VerificationError, 'KEY_ROTATION_INVALID');
  });
});

describe('revoked key', () => {
  const revokeKey = (label: string) => (d: Record<string, unknown>) => {
    d.revocations = { keys: [{ publisher: 'latticenet', public_key_ed25519: publicKeyB64(label), reason: 'compromised', revoked_at: '2026-07-31T00:00:00Z' }] };
  };

  it('signing with a revoked key is refused at signing time', () => {
    const repo = new RepositorySimulator(['ci-a']);
    expect(() => repo.publish({ mutate: revokeKey('ci-a') })).toThrow(expect.objectContaining({ code: 'KEY_REVOKED' }));
  });

  it('an index whose only trusted signer is revoked fails (KEY_REVOKED)', () => {
    const repo = new RepositorySimulator(['ci-a']);
    const doc = parseBytes(repo.publish({ generation: 1 }));
    // Forge the situation the signer refuses: signed content that revokes its own signer.
    revokeKey('ci-a')(doc);
    doc.signatures = [{
      publisher: 'latticenet',
      keyid: keyId(publicKeyOf('ci-a')),
      signature_ed25519: encodeBase64(signEd25519(seedOf('ci-a'), indexSigningPayload(doc))),
    }];
    expectFailure(new SimulatedClient(trustOf(['ci-a'])).update(toBytes(doc), T0 + DAY), PolicyError, 'KEY_REVOKED');
    // With a second, unrevoked signer the index still verifies — the revoked one is not counted.
    doc.signatures = [
      ...(doc.signatures as unknown[]),
      {
        publisher: 'latticenet',
        keyid: keyId(publicKeyOf('ci-b')),
        signature_ed25519: encodeBase64(signEd25519(seedOf('ci-b'), indexSigningPayload(doc))),
      },
    ];
    const r = new SimulatedClient(trustOf(['ci-a', 'ci-b'])).update(toBytes(doc), T0 + DAY);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.verified.signers.map((s) => s.label)).toEqual(['ci-b']);
    expectFailure(new SimulatedClient(trustOf(['ci-a', 'ci-b'], 2)).update(toBytes(doc), T0 + DAY), PolicyError, 'KEY_REVOKED');
  });

  it('revocations surface in the result and apply to releases, artifacts and publisher keys', () => {
    const repo = new RepositorySimulator();
    const plugin = (repo.content.plugins as PluginIndex['plugins'])[0]!;
    const release = plugin.releases[0]!;
    const bytes = repo.publish({
      mutate: (d) => {
        d.revocations = {
          releases: [{ plugin: plugin.id, version: release.version, reason: 'broken', revoked_at: '2026-07-31T00:00:00Z' }],
          artifacts: [{ sha256: release.artifact_sha256, reason: 'malware', revoked_at: '2026-07-31T00:00:00Z' }],
          keys: [{ publisher: 'latticenet', public_key_ed25519: publicKeyB64('publisher-old'), reason: 'lost', revoked_at: '2026-07-31T00:00:00Z' }],
        };
      },
    });
    const r = new SimulatedClient(trustOf(['index-ci'])).update(bytes, T0 + DAY);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.verified.revocations.releases).toHaveLength(1);
    expect(r.steps.at(-1)).toEqual({ step: 'index.revocations', ok: true, detail: '1 revoked release(s), 1 artifact(s), 1 key(s)' });
    const status = revocationStatus(r.verified, {
      plugin: plugin.id,
      version: release.version,
      artifactSha256: release.artifact_sha256.toUpperCase(),
      signingKey: publicKeyOf('publisher-old'),
    });
    expect(status.revoked).toBe(true);
    expect(status.matches.map((m) => m.kind)).toEqual(['release', 'artifact', 'key']);
    const other = plugin.releases[1] ?? { version: '0.0.0-none', artifact_sha256: '0'.repeat(64) };
    expect(revocationStatus(r.verified, { plugin: plugin.id, version: other.version, artifactSha256: '1'.repeat(64), signingKey: publicKeyOf('publisher-new') })).toEqual({ revoked: false, matches: [] });
  });
});

describe('substituted content', () => {
  it('changing an artifact digest after signing is refused (INDEX_SIGNATURE_INVALID)', () => {
    const repo = new RepositorySimulator();
    const doc = parseBytes(repo.publish());
    ((doc.plugins as PluginIndex['plugins'])[0]!.releases[0]!).artifact_sha256 = 'f'.repeat(64);
    expectFailure(new SimulatedClient(trustOf(['index-ci'])).update(toBytes(doc), T0 + DAY), VerificationError, 'INDEX_SIGNATURE_INVALID');
  });

  it('a keyid naming trusted key A on B\'s signature is ignored, not re-attributed', () => {
    const repo = new RepositorySimulator(['ci-b']);
    const doc = parseBytes(repo.publish());
    (doc.signatures as Record<string, string>[])[0]!.keyid = keyId(publicKeyOf('ci-a'));
    expectFailure(new SimulatedClient(trustOf(['ci-a', 'ci-b'])).update(toBytes(doc), T0 + DAY), VerificationError, 'INDEX_SIGNATURE_INVALID');
  });

  it('a co-signer keeps earlier signatures when the payload is unchanged, and sign drops stale ones when it changes', () => {
    const repo = new RepositorySimulator(['ci-a']);
    const draft = repo.publish({ official: false });
    const parsed = parseBytes(draft);
    // B makes it official: A signed the draft payload, which no longer matches → dropped.
    const r = signIndex(parsed, seedOf('ci-b'), { publisher: 'latticenet', official: true, now: T0 });
    expect(r.dropped).toEqual([expect.objectContaining({ keyid: keyId(publicKeyOf('ci-a')) })]);
    expect(r.index.signatures).toHaveLength(1);
    // A co-signs the official index: B's signature is kept.
    const r2 = signIndex(r.index, seedOf('ci-a'), { publisher: 'latticenet', now: T0 });
    expect(r2.kept).toHaveLength(1);
    expect(r2.index.signatures.map((s) => s.keyid)).toEqual([keyId(publicKeyOf('ci-a')), keyId(publicKeyOf('ci-b'))].sort());
    expect(new SimulatedClient(trustOf(['ci-a', 'ci-b'], 2)).update(r2.bytes, T0 + DAY).ok).toBe(true);
    // Re-signing by A replaces its entry (no duplicate).
    const r3 = signIndex(r2.index, seedOf('ci-a'), { publisher: 'latticenet', now: T0 });
    expect(r3.replaced).toBe(true);
    expect(r3.index.signatures).toHaveLength(2);
  });
});
