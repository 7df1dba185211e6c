/**
 * The server's VerifyManifest (interop §C.5): tamper tests on real signed
 * manifests (every signed field), the digest check with real bytes, signature
 * decoding (§B.7), when a signature is required, and policy handling.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeBase64 } from '../../src/core/base64.js';
import { publicKeyFromSeed, signEd25519 } from '../../src/crypto/index.js';
import {
  cloneManifest,
  decodeManifest,
  manifestSigningPayload,
  marshalManifestIndent,
  verifyDecodedManifest,
  verifyManifest,
} from '../../src/domain/manifest/index.js';
import type { Manifest, TrustPolicy, TypedMethodsContract } from '../../src/domain/manifest/index.js';
import { baseV1, baseV2 } from './fixtures.js';
import { CURRENT_KEY, manifestBytes } from './helpers.js';

const LATTICENET: TrustPolicy = { trustedPublishers: new Map([['latticenet', CURRENT_KEY]]), allowUnsignedHostRisk: false };

function decoded(file: string): Manifest {
  const r = decodeManifest(manifestBytes(file));
  if (!r.ok) throw new Error(r.message);
  return r.manifest;
}
const digestOf = (m: Manifest): { sha256Hex: string } => ({ sha256Hex: m.bundle?.digest_sha256 ?? m.digest_sha256 });

// A real signed v2 manifest with ui_runtime, ui (nav + sandbox views), typed interfaces with backing.
// Source: vectors/lattice/manifests/vpn-core-0.8.0-alpha.14.manifest.json (verifies under the current key).
const REAL = 'vpn-core-0.8.0-alpha.14.manifest.json';

describe('tamper tests on a real signed manifest: changing any signed field breaks the signature', () => {
  it('the untouched manifest verifies (both lines)', () => {
    const m = decoded(REAL);
    expect(verifyDecodedManifest(m, digestOf(m), LATTICENET)).toMatchObject({ ok: true, signed: true, publisher: 'latticenet' });
    expect(verifyDecodedManifest(m, digestOf(m), LATTICENET, { serverLine: 'main' }).ok).toBe(true);
  });

  const TAMPERS: [string, (m: Manifest) => void, TrustPolicy?][] = [
    [
      'id (with services renamed so validation still passes)',
      (m) => {
        m.id = 'latticenet.vpn-core2';
        for (const c of m.interfaces!) c.service = c.service.replace('latticenet.vpn-core/', 'latticenet.vpn-core2/');
      },
    ],
    ['name', (m) => (m.name = m.name + ' ')],
    ['capabilities order (v2 keeps declared order)', (m) => m.capabilities!.reverse()],
    ['capabilities content', (m) => m.capabilities!.push('kv:read')],
    ['version', (m) => (m.version = '0.8.0-alpha.15')],
    [
      'publisher (another trusted publisher with the very same key)',
      (m) => (m.publisher = 'latticenet2'),
      { trustedPublishers: new Map([['latticenet', CURRENT_KEY], ['latticenet2', CURRENT_KEY]]), allowUnsignedHostRisk: false },
    ],
    ['bundle digest (artifact matching the new digest)', (m) => (m.bundle!.digest_sha256 = 'f'.repeat(64))],
    ['bundle digest case only', (m) => (m.bundle!.digest_sha256 = m.bundle!.digest_sha256.toUpperCase())],
    ['runtime entrypoint', (m) => m.runtime!.entrypoints!.set('linux/amd64', 'bin/linux-amd64/plugin2')],
    ['runtime platform added', (m) => m.runtime!.entrypoints!.set('linux/riscv64', 'bin/linux-riscv64/plugin')],
    ['ui_runtime entrypoint', (m) => (m.ui_runtime!.entrypoint = 'ui/main.html')],
    ['compatibility.server', (m) => (m.compatibility!.server = '>=0.2.3')],
    ['min_server added', (m) => (m.min_server = '0.2.0')],
    ['ui nav title', (m) => (m.ui!.nav[0]!.title = 'Lines!')],
    ['ui nav scopes', (m) => (m.ui!.nav[0]!.scopes = ['vpncore:admin'])],
    ['ui view removed', (m) => m.ui!.views.pop()],
    ['interfaces: method scopes', (m) => ((m.interfaces![0] as TypedMethodsContract).methods![0]!.scopes = ['vpncore:admin'])],
    ['interfaces: backing', (m) => (m.interfaces![0]!.backing = m.interfaces![0]!.backing === 'core' ? 'runtime' : 'core')],
    ['interfaces: contract removed', (m) => m.interfaces!.pop()],
    ['dependencies added', (m) => m.dependencies.push({ id: 'latticenet.netguard', version: '>=0.1', optional: true })],
    ['host_access added ({})', (m) => (m.host_access = { rpc: [] })],
  ];

  it.each(TAMPERS)('%s', (_name, tamper, policy = LATTICENET) => {
    const m = cloneManifest(decoded(REAL));
    tamper(m);
    const r = verifyDecodedManifest(m, digestOf(m), policy);
    expect(r).toEqual({ ok: false, code: 'MANIFEST_SIGNATURE_INVALID', message: 'invalid signature' });
    // The same through bytes (what an installer sees): re-marshal and verify.
    const viaBytes = verifyManifest(marshalManifestIndent(m), digestOf(m), policy);
    expect(viaBytes).toEqual(r);
  });

  it('formatting, key order and escaping of the file do not matter (payload is rebuilt from values)', () => {
    const m = decoded(REAL);
    const reordered = JSON.stringify(JSON.parse(new TextDecoder().decode(manifestBytes(REAL))), null, 0);
    expect(verifyManifest(reordered, digestOf(m), LATTICENET).ok).toBe(true);
    const obj = JSON.parse(reordered) as Record<string, unknown>;
    const keys = Object.keys(obj).reverse();
    const reversed = '{' + keys.map((k) => JSON.stringify(k) + ':' + JSON.stringify(obj[k])).join(',') + '}';
    expect(verifyManifest(reversed, digestOf(m), LATTICENET).ok).toBe(true);
  });

  it('a v1 legacy signature does not transfer to a current-profile decode (component_key is refused)', () => {
    const r = verifyManifest(manifestBytes('vpn-core-0.7.2.manifest.json'), { sha256Hex: '0'.repeat(64) }, LATTICENET);
    expect(r).toEqual({ ok: false, code: 'MANIFEST_DECODE', message: 'decode manifest: json: unknown field "component_key"' });
  });
});

// ---- a test publisher key, to sign manifests whose every field can vary ----
const SEED = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const TEST_KEY = publicKeyFromSeed(SEED);
const ACME: TrustPolicy = { trustedPublishers: new Map([['acme', TEST_KEY]]), allowUnsignedHostRisk: false };

function sign(m: Manifest, line: 'main' | 'integration' = 'integration'): Manifest {
  return { ...m, signature_ed25519: encodeBase64(signEd25519(SEED, manifestSigningPayload(m, { serverLine: line }))) };
}

describe('signed test manifests (v1 and v2)', () => {
  it('v2 and v1 signed with the test key verify', () => {
    const v2 = sign(baseV2());
    expect(verifyDecodedManifest(v2, digestOf(v2), ACME)).toMatchObject({ ok: true, signed: true, publisher: 'acme' });
    const v1 = sign(baseV1());
    expect(verifyDecodedManifest(v1, digestOf(v1), ACME)).toMatchObject({ ok: true, signed: true, publisher: 'acme' });
  });
  it('type change (system → wasm, still valid) breaks the v2 signature', () => {
    const m = sign(baseV2());
    m.type = 'wasm';
    expect(verifyDecodedManifest(m, digestOf(m), ACME)).toMatchObject({ code: 'MANIFEST_SIGNATURE_INVALID' });
  });
  it('v1: reordering capabilities keeps the signature (sorted payload), changing them breaks it', () => {
    const m = sign(baseV1());
    const reordered = cloneManifest(m);
    reordered.capabilities!.reverse();
    expect(verifyDecodedManifest(reordered, digestOf(m), ACME).ok).toBe(true);
    const changed = cloneManifest(m);
    changed.capabilities = ['node:read'];
    expect(verifyDecodedManifest(changed, digestOf(m), ACME)).toMatchObject({ code: 'MANIFEST_SIGNATURE_INVALID' });
  });
  it.each([
    ['entrypoint', (m: Manifest) => (m.entrypoint = 'system-go/other')],
    ['version', (m: Manifest) => (m.version = '1.1')],
    ['ui', (m: Manifest) => (m.ui!.nav[0]!.title = 'New')],
    ['interfaces', (m: Manifest) => m.interfaces![0]!.methods!.push('put' as never)],
    ['interfaces [] → null', (m: Manifest) => {
      m.ui = { nav: [], views: [] };
      m.interfaces = [];
    }],
  ])('v1: changing %s breaks the signature', (_n, tamper) => {
    const m = sign(baseV1());
    const t = cloneManifest(m);
    tamper(t);
    expect(verifyDecodedManifest(t, digestOf(t), ACME)).toMatchObject({ code: 'MANIFEST_SIGNATURE_INVALID' });
  });
  it('v1 dependencies are signed on integration but not on main (§B.1)', () => {
    const m = baseV1();
    m.dependencies = [{ id: 'acme.base', version: '>=1', optional: false }];
    const signedIntegration = sign(m, 'integration');
    const tampered = { ...cloneManifest(signedIntegration), dependencies: [{ id: 'acme.other', version: '', optional: false }] };
    expect(verifyDecodedManifest(tampered, digestOf(m), ACME, { serverLine: 'integration' })).toMatchObject({ code: 'MANIFEST_SIGNATURE_INVALID' });
    // main never signed the dependencies line: the swap goes unnoticed there (a server-line property, not a bug here)
    const signedMain = sign(m, 'main');
    const tamperedMain = { ...cloneManifest(signedMain), dependencies: [{ id: 'acme.other', version: '', optional: false }] };
    expect(verifyDecodedManifest(tamperedMain, digestOf(m), ACME, { serverLine: 'main' }).ok).toBe(true);
    // and a main-signed manifest with dependencies does not verify on integration
    expect(verifyDecodedManifest(signedMain, digestOf(m), ACME, { serverLine: 'integration' })).toMatchObject({ code: 'MANIFEST_SIGNATURE_INVALID' });
  });
  it('stdio-json-v2 manifests verify on integration and are invalid on main', () => {
    const m = baseV2();
    m.runtime!.protocol = 'stdio-json-v2';
    const s = sign(m);
    expect(verifyDecodedManifest(s, digestOf(s), ACME).ok).toBe(true);
    expect(verifyDecodedManifest(s, digestOf(s), ACME, { serverLine: 'main' })).toEqual({
      ok: false,
      code: 'MANIFEST_INVALID',
      message: 'manifest v2 runtime protocol must be "stdio-json-v1"',
    });
  });
});

describe('digest check with real artifact bytes (§C.5 step 3)', () => {
  const artifact = new TextEncoder().encode('artifact bytes\n');
  const hexDigest = createHash('sha256').update(artifact).digest('hex');

  function signedWithDigest(digest: string): Manifest {
    const m = baseV2();
    m.bundle!.digest_sha256 = digest;
    return sign(m);
  }
  it('matching bytes verify', () => {
    expect(verifyDecodedManifest(signedWithDigest(hexDigest), artifact, ACME).ok).toBe(true);
  });
  it('the comparison is case-insensitive (the server accepts an uppercase manifest digest)', () => {
    expect(verifyDecodedManifest(signedWithDigest(hexDigest.toUpperCase()), artifact, ACME).ok).toBe(true);
    expect(verifyDecodedManifest(signedWithDigest(hexDigest), { sha256Hex: hexDigest.toUpperCase() }, ACME).ok).toBe(true);
  });
  it('other bytes fail with Go’s text, naming the lowercase digest found', () => {
    const other = new TextEncoder().encode('substituted');
    const got = createHash('sha256').update(other).digest('hex');
    expect(verifyDecodedManifest(signedWithDigest(hexDigest), other, ACME)).toEqual({
      ok: false,
      code: 'MANIFEST_DIGEST_MISMATCH',
      message: `digest mismatch: got ${got}`,
    });
  });
  it('the digest is checked before the signature, even for unsigned or untrusted manifests', () => {
    const m = baseV2();
    m.bundle!.digest_sha256 = hexDigest;
    expect(verifyDecodedManifest(m, new Uint8Array(1), { trustedPublishers: new Map(), allowUnsignedHostRisk: false })).toMatchObject({
      code: 'MANIFEST_DIGEST_MISMATCH',
    });
  });
  it('a malformed v1 digest fails like the server', () => {
    const m = baseV1();
    m.digest_sha256 = 'xyz';
    expect(verifyDecodedManifest(m, artifact, ACME)).toEqual({ ok: false, code: 'MANIFEST_INVALID', message: 'invalid digest_sha256 "xyz"' });
  });
  it('a malformed artifact argument is a caller bug', () => {
    expect(() => verifyDecodedManifest(baseV2(), { sha256Hex: 'abc' }, ACME)).toThrow(TypeError);
    expect(() => verifyManifest('{}', { sha256Hex: 'g'.repeat(64) }, ACME)).toThrow(TypeError);
  });
});

describe('when a signature is required, and who must have signed (§C.5 steps 2, 4, 5)', () => {
  const readOnlyV1 = (): Manifest => {
    const m = baseV1();
    m.publisher = '';
    m.capabilities = ['node:read'];
    return m;
  };
  const zero: TrustPolicy = { trustedPublishers: new Map(), allowUnsignedHostRisk: false };

  it('an unsigned read-only v1 manifest without publisher loads unsigned', () => {
    const m = readOnlyV1();
    expect(verifyDecodedManifest(m, digestOf(m), zero)).toMatchObject({ ok: true, signed: false });
    expect(verifyDecodedManifest(m, digestOf(m), zero).ok && 'publisher' in verifyDecodedManifest(m, digestOf(m), zero)).toBe(false);
  });
  it('a v1 manifest that names a publisher always needs that publisher’s valid signature', () => {
    const m = readOnlyV1();
    m.publisher = 'acme';
    expect(verifyDecodedManifest(m, digestOf(m), ACME)).toEqual({
      ok: false,
      code: 'MANIFEST_SIGNATURE_REQUIRED',
      message: 'manifest signature requires signature_ed25519',
    });
    expect(verifyDecodedManifest(sign(m), digestOf(m), ACME).ok).toBe(true);
  });
  it('a signature without publisher is refused', () => {
    const m = { ...readOnlyV1(), signature_ed25519: 'AAAA' };
    expect(verifyDecodedManifest(m, digestOf(m), ACME)).toEqual({
      ok: false,
      code: 'MANIFEST_SIGNATURE_REQUIRED',
      message: 'manifest signature requires publisher',
    });
  });
  it('host-risk v1 needs a signature unless the policy opts out', () => {
    const m = readOnlyV1();
    m.capabilities = ['task:run'];
    expect(verifyDecodedManifest(m, digestOf(m), zero)).toMatchObject({ code: 'MANIFEST_SIGNATURE_REQUIRED', message: 'manifest signature requires publisher' });
    expect(verifyDecodedManifest(m, digestOf(m), { ...zero, allowUnsignedHostRisk: true })).toMatchObject({ ok: true, signed: false });
  });
  it('v2 always needs a signature, even with allowUnsignedHostRisk', () => {
    const m = baseV2();
    expect(verifyDecodedManifest(m, digestOf(m), { ...ACME, allowUnsignedHostRisk: true })).toEqual({
      ok: false,
      code: 'MANIFEST_SIGNATURE_REQUIRED',
      message: 'manifest signature requires signature_ed25519',
    });
  });
  it('an untrusted publisher', () => {
    const m = sign(baseV2());
    expect(verifyDecodedManifest(m, digestOf(m), LATTICENET)).toEqual({
      ok: false,
      code: 'MANIFEST_UNTRUSTED_PUBLISHER',
      message: 'publisher "acme" is not trusted publisher',
    });
  });
  it('a trusted publisher with a key that is not 32 bytes', () => {
    const m = sign(baseV2());
    const bad: TrustPolicy = { trustedPublishers: new Map([['acme', new Uint8Array(31)]]), allowUnsignedHostRisk: false };
    expect(verifyDecodedManifest(m, digestOf(m), bad)).toEqual({
      ok: false,
      code: 'MANIFEST_UNTRUSTED_PUBLISHER',
      message: 'trusted publisher "acme" has invalid ed25519 key',
    });
  });
  it('a signed v1 manifest without artifact digest', () => {
    const m = sign({ ...baseV1(), digest_sha256: '' });
    expect(verifyDecodedManifest(m, new Uint8Array(), ACME)).toEqual({
      ok: false,
      code: 'MANIFEST_INVALID',
      message: 'manifest signature requires an artifact digest',
    });
  });
  it('the right signature under the wrong key', () => {
    const m = sign(baseV2());
    const other: TrustPolicy = { trustedPublishers: new Map([['acme', CURRENT_KEY]]), allowUnsignedHostRisk: false };
    expect(verifyDecodedManifest(m, digestOf(m), other)).toMatchObject({ code: 'MANIFEST_SIGNATURE_INVALID', message: 'invalid signature' });
  });
  it('refuses an ambiguous v1 payload (newline in a free-text field) before looking at the signature', () => {
    const m = sign({ ...baseV1(), version: '1.0\nsystem-go/old' });
    expect(verifyDecodedManifest(m, digestOf(m), ACME)).toEqual({
      ok: false,
      code: 'MANIFEST_INVALID',
      message: 'manifest v1 field version contains a newline (ambiguous signing payload)',
    });
  });
  it('returns the payload sha256 that pins the exact manifest', () => {
    const m = sign(baseV2());
    const r = verifyDecodedManifest(m, digestOf(m), ACME);
    expect(r.ok && r.payloadSha256).toBe(createHash('sha256').update(manifestSigningPayload(m)).digest('hex'));
  });
});

describe('signature decoding (§B.7: raw std, then padded std, \\r\\n skipped, no trim)', () => {
  const m = sign(baseV2());
  const padded = m.signature_ed25519;
  const verifyWith = (sig: string) => verifyDecodedManifest({ ...m, signature_ed25519: sig }, digestOf(m), ACME);

  it('padded (88 chars) and raw (86 chars) both verify', () => {
    expect(padded).toHaveLength(88);
    expect(verifyWith(padded).ok).toBe(true);
    expect(verifyWith(padded.replace(/=+$/, '')).ok).toBe(true);
  });
  it('CR/LF anywhere are skipped', () => {
    expect(verifyWith(padded.slice(0, 10) + '\r\n' + padded.slice(10) + '\n').ok).toBe(true);
  });
  it('a space is illegal (no TrimSpace for signatures)', () => {
    expect(verifyWith(' ' + padded)).toEqual({
      ok: false,
      code: 'MANIFEST_SIGNATURE_INVALID',
      message: 'invalid signature_ed25519: illegal base64 data at input byte 0',
    });
  });
  it('non-base64 text reports Go’s byte offset from the padded decoder', () => {
    expect(verifyWith(padded.slice(0, 20) + '*' + padded.slice(21))).toEqual({
      ok: false,
      code: 'MANIFEST_SIGNATURE_INVALID',
      message: 'invalid signature_ed25519: illegal base64 data at input byte 20',
    });
  });
  it('a wrong length is reported as such', () => {
    expect(verifyWith(encodeBase64(new Uint8Array(63)))).toEqual({
      ok: false,
      code: 'MANIFEST_SIGNATURE_INVALID',
      message: 'invalid ed25519 signature length',
    });
    expect(verifyWith('AAAA')).toMatchObject({ message: 'invalid ed25519 signature length' });
  });
  it('a flipped bit fails verification', () => {
    const sig = Buffer.from(padded, 'base64');
    sig[10]! ^= 1;
    expect(verifyWith(sig.toString('base64'))).toMatchObject({ code: 'MANIFEST_SIGNATURE_INVALID', message: 'invalid signature' });
  });
});

describe('property: hostile manifests never make the verifier throw', () => {
  it('on arbitrary JSON and on edited real manifests', async () => {
    const fc = (await import('fast-check')).default;
    const real = manifestBytes(REAL);
    const digest = { sha256Hex: 'a'.repeat(64) };
    fc.assert(fc.property(fc.json({ maxDepth: 5 }), (s) => void verifyManifest(s, digest, LATTICENET)), { numRuns: 1000 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), (edits) => {
        const b = real.slice();
        for (const [i, v] of edits) b[i] = v;
        const r = verifyManifest(b, decodedDigest(b), LATTICENET);
        // an edit either leaves the bytes' meaning intact (whitespace) or is caught
        if (r.ok) expect(r.payloadSha256).toBe(createHash('sha256').update(manifestSigningPayload(decoded(REAL))).digest('hex'));
      }),
      { numRuns: 1000 },
    );
  });
});

function decodedDigest(b: Uint8Array): { sha256Hex: string } {
  const r = decodeManifest(b);
  const d = r.ok ? (r.manifest.bundle?.digest_sha256 ?? '') : '';
  return { sha256Hex: /^[0-9a-fA-F]{64}$/.test(d) ? d : '0'.repeat(64) };
}
