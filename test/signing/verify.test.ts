/**
 * verifyIndex details (DESIGN §5 step 1): codes and classes per step, the
 * counting rules of DESIGN §4.1, draft handling, bounded work, caller bugs,
 * and that it runs in a browser-like realm (DESIGN §3: the site calls it).
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build } from 'esbuild';
import { InputError, PolicyError, VerificationError } from '../../src/core/errors.js';
import { encodeBase64 } from '../../src/core/base64.js';
import { keyId, signEd25519 } from '../../src/crypto/index.js';
import { indexSigningPayload } from '../../src/domain/index/payload.js';
import { maxSignatureChecks, verifyIndex } from '../../src/domain/index/verify.js';
import { DAY, RepositorySimulator, T0, parseBytes, publicKeyOf, seedOf, toBytes, trustOf } from './simulator.js';

const NOW = T0 + DAY;
const UTF8 = new TextEncoder();

function failure(r: ReturnType<typeof verifyIndex>) {
  if (r.ok) throw new Error('expected a failure');
  return r;
}

describe('codes and classes per step', () => {
  it('index.parse: strict JSON problems keep their JSON_* code (VerificationError)', () => {
    const r = failure(verifyIndex(UTF8.encode('{"schema":1,"schema":2}'), trustOf(['a']), { now: NOW }));
    expect(r.error).toBeInstanceOf(VerificationError);
    expect(r.error.code).toBe('JSON_DUPLICATE_KEY');
    expect(r.steps).toEqual([expect.objectContaining({ step: 'index.parse', ok: false })]);
    expect(failure(verifyIndex(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), trustOf(['a']), { now: NOW })).error.code).toBe('JSON_BOM');
  });

  it('index.parse: the byte cap (JSON_TOO_LARGE)', () => {
    const bytes = new RepositorySimulator().publish();
    expect(failure(verifyIndex(bytes, trustOf(['index-ci']), { now: NOW, maxBytes: bytes.length - 1 })).error.code).toBe('JSON_TOO_LARGE');
    expect(verifyIndex(bytes, trustOf(['index-ci']), { now: NOW, maxBytes: bytes.length }).ok).toBe(true);
  });

  it('index.validate: INDEX_INVALID with every problem as detail', () => {
    const r = failure(verifyIndex(UTF8.encode('{"schema":"x"}'), trustOf(['a']), { now: NOW }));
    expect(r.error).toBeInstanceOf(VerificationError);
    expect(r.error.code).toBe('INDEX_INVALID');
    expect((r.error.detail as unknown[]).length).toBeGreaterThan(3);
  });

  it('index.status: a signed draft is INDEX_NOT_OFFICIAL (PolicyError) unless drafts are allowed', () => {
    const repo = new RepositorySimulator();
    const draft = repo.publish({ official: false });
    const r = failure(verifyIndex(draft, trustOf(['index-ci']), { now: NOW }));
    expect(r.error).toBeInstanceOf(PolicyError);
    expect(r.error.code).toBe('INDEX_NOT_OFFICIAL');
    const ok = verifyIndex(draft, trustOf(['index-ci']), { now: NOW, allowDraft: true });
    expect(ok.ok && ok.verified.signed && ok.verified.status === 'draft').toBe(true);
  });

  it('index.threshold: an unsigned draft without allowDraft → INDEX_SIGNATURE_THRESHOLD (PolicyError)', () => {
    const repo = new RepositorySimulator();
    const r = failure(verifyIndex(repo.publish({ signers: [], official: false }), trustOf(['index-ci']), { now: NOW }));
    expect(r.error).toBeInstanceOf(PolicyError);
    expect(r.error.code).toBe('INDEX_SIGNATURE_THRESHOLD');
  });

  it('index.expiry: expires_at equal to now is expired; a draft without expires_at passes this step', () => {
    const repo = new RepositorySimulator();
    const bytes = repo.publish({ expiresInDays: 1 });
    expect(failure(verifyIndex(bytes, trustOf(['index-ci']), { now: T0 + DAY })).error.code).toBe('INDEX_EXPIRED');
    expect(verifyIndex(bytes, trustOf(['index-ci']), { now: T0 + DAY - 1 }).ok).toBe(true);
    const noExpiry = repo.publish({ official: false, mutate: (d) => void delete d.expires_at });
    expect(verifyIndex(noExpiry, trustOf(['index-ci']), { now: T0 + 999 * DAY, allowDraft: true }).ok).toBe(true);
  });

  it('index.rollback: a malformed state object fails closed (INDEX_STATE_INVALID), it does not throw', () => {
    const bytes = new RepositorySimulator().publish();
    const r = failure(verifyIndex(bytes, trustOf(['index-ci']), { now: NOW, state: { generation: 0, payloadSha256: 'x' } }));
    expect(r.error).toBeInstanceOf(VerificationError);
    expect(r.error.code).toBe('INDEX_STATE_INVALID');
  });
});

describe('signature counting (DESIGN §4.1)', () => {
  it('an entry without keyid counts when a trusted key verifies it', () => {
    const doc = parseBytes(new RepositorySimulator(['b']).publish());
    for (const s of doc.signatures as Record<string, unknown>[]) delete s.keyid;
    const r = verifyIndex(toBytes(doc), trustOf(['a', 'b']), { now: NOW });
    expect(r.ok && r.verified.signers.map((s) => s.keyid)).toEqual([keyId(publicKeyOf('b'))]);
  });

  it('threshold 2 with one good and one bad trusted signature → INDEX_SIGNATURE_THRESHOLD', () => {
    const doc = parseBytes(new RepositorySimulator(['a', 'b']).publish());
    const sigs = doc.signatures as Record<string, string>[];
    const b = sigs.find((s) => s.keyid === keyId(publicKeyOf('b')))!;
    b.signature_ed25519 = encodeBase64(signEd25519(seedOf('b'), UTF8.encode('something else')));
    const r = failure(verifyIndex(toBytes(doc), trustOf(['a', 'b'], 2), { now: NOW }));
    expect(r.error.code).toBe('INDEX_SIGNATURE_THRESHOLD');
    expect(r.error).toBeInstanceOf(PolicyError);
  });

  it('only a bad signature by the trusted key → INDEX_SIGNATURE_INVALID (VerificationError)', () => {
    const doc = parseBytes(new RepositorySimulator(['a']).publish());
    (doc.signatures as Record<string, string>[])[0]!.signature_ed25519 = encodeBase64(new Uint8Array(64).fill(7));
    const r = failure(verifyIndex(toBytes(doc), trustOf(['a']), { now: NOW }));
    expect(r.error).toBeInstanceOf(VerificationError);
    expect(r.error.code).toBe('INDEX_SIGNATURE_INVALID');
  });

  it('work is bounded: bogus entries cannot make one verification check more than maxSignatureChecks(n) signatures', () => {
    const doc = parseBytes(new RepositorySimulator(['a']).publish());
    const real = (doc.signatures as unknown[])[0];
    const junk = Array.from({ length: 200 }, (_, i) => ({ publisher: 'latticenet', signature_ed25519: encodeBase64(new Uint8Array(64).fill(i)) }));
    doc.signatures = [...junk, real];
    const started = performance.now();
    const r = failure(verifyIndex(toBytes(doc), trustOf(['a']), { now: NOW }));
    expect(r.steps.find((s) => s.step === 'index.signatures')!.detail).toMatch(/check budget exhausted/);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(maxSignatureChecks(1)).toBe(11);
    // Junk behind the real entry is never looked at.
    doc.signatures = [real, ...junk];
    expect(verifyIndex(toBytes(doc), trustOf(['a']), { now: NOW }).ok).toBe(true);
  });

  it('a signature over the payload of another document does not transfer (domain separation by content)', () => {
    const repo = new RepositorySimulator(['a']);
    const doc = parseBytes(repo.publish());
    const other = { ...doc, generation: 99 };
    (doc.signatures as Record<string, string>[])[0]!.signature_ed25519 = encodeBase64(signEd25519(seedOf('a'), indexSigningPayload(other)));
    expect(failure(verifyIndex(toBytes(doc), trustOf(['a']), { now: NOW })).error.code).toBe('INDEX_SIGNATURE_INVALID');
  });
});

describe('caller bugs throw', () => {
  const bytes = UTF8.encode('{}');
  it('malformed trust → InputError; non-bytes or a bad clock → TypeError', () => {
    expect(() => verifyIndex(bytes, { keys: [], threshold: 1 }, { now: NOW })).toThrow(InputError);
    expect(() => verifyIndex(bytes, { keys: [{ publicKey: new Uint8Array(32) }], threshold: 0 }, { now: NOW })).toThrow(InputError);
    expect(() => verifyIndex('{}' as unknown as Uint8Array, trustOf(['a']), { now: NOW })).toThrow(TypeError);
    expect(() => verifyIndex(bytes, trustOf(['a']), { now: Number.NaN })).toThrow(TypeError);
  });
});

describe('browser safety (DESIGN §3; the catalog site verifies in the build and the browser)', () => {
  it('verify.ts bundles for the browser and verifies a signed index in a realm without Node globals', async () => {
    const entry = fileURLToPath(new URL('../../src/domain/index/verify.ts', import.meta.url));
    const out = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'iife', globalName: 'latticeIndex', write: false, logLevel: 'silent' });
    const code = out.outputFiles[0]!.text;
    expect(code).not.toMatch(/require\(["']node:/);
    const bytes = new RepositorySimulator(['a']).publish();
    // Browsers provide TextEncoder/TextDecoder; nothing else from Node is given.
    const context = vm.createContext({ TextEncoder, TextDecoder });
    vm.runInContext(code, context);
    context.input = { bytes: Array.from(bytes), key: Array.from(publicKeyOf('a')), now: NOW };
    const result = vm.runInContext(
      `(() => {
        const r = latticeIndex.verifyIndex(new Uint8Array(input.bytes), { keys: [{ publicKey: new Uint8Array(input.key) }], threshold: 1 }, { now: input.now });
        const tampered = new Uint8Array(input.bytes); tampered[100] ^= 1;
        const t = latticeIndex.verifyIndex(tampered, { keys: [{ publicKey: new Uint8Array(input.key) }], threshold: 1 }, { now: input.now });
        return JSON.stringify({ hasProcess: typeof process !== 'undefined', ok: r.ok, signers: r.ok ? r.verified.signers.length : 0, tampered: t.ok });
      })()`,
      context,
    );
    expect(JSON.parse(result)).toEqual({ hasProcess: false, ok: true, signers: 1, tampered: false });
  });
});
