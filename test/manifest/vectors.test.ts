/**
 * Known-answer tests over all 40 real manifests of `vectors/lattice/`
 * (EXPECTED.json, payloads/, index-keys.json; provenance in PROVENANCE.json).
 * Every vector runs, on both server lines.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { goDecodeRawStdThenStd } from '../../src/core/base64.js';
import { SERVER_LINES, SERVER_VERSIONS } from '../../src/core/server-line.js';
import { verifyEd25519 } from '../../src/crypto/index.js';
import {
  decodeManifest,
  manifestSigningPayload,
  validateManifest,
  verifyManifest,
} from '../../src/domain/manifest/index.js';
import type { Manifest, TrustPolicy } from '../../src/domain/manifest/index.js';
import { CURRENT_KEY, EXPECTED, ROTATED_KEY, hex, keyFor, manifestBytes, payloadBytes } from './helpers.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function decodeOrThrow(bytes: Uint8Array, legacy = false): Manifest {
  const r = decodeManifest(bytes, { legacyComponentKey: legacy });
  if (!r.ok) throw new Error(r.message);
  return r.manifest;
}

function policy(key: Uint8Array): TrustPolicy {
  return { trustedPublishers: new Map([['latticenet', key]]), allowUnsignedHostRisk: false };
}

function signatureOf(m: Manifest): Uint8Array {
  const r = goDecodeRawStdThenStd(m.signature_ed25519);
  if (!r.ok) throw new Error(r.error);
  return r.bytes;
}

/** The manifest's own digest, so that only the signature is under test (artifacts are not in the vectors). */
function ownDigest(m: Manifest): { sha256Hex: string } {
  const d = m.schema === '' ? m.digest_sha256 : (m.bundle?.digest_sha256 ?? '');
  return { sha256Hex: /^[0-9a-fA-F]{64}$/.test(d) ? d : '0'.repeat(64) };
}

it('the vector set is complete (40 manifests, 40 payloads)', () => {
  expect(EXPECTED).toHaveLength(40);
});

// Source: vectors/lattice/EXPECTED.json + payloads/*.payload (computed with the server's code).
describe.each(EXPECTED)('$file', (e) => {
  const bytes = manifestBytes(e.file);
  const legacy = e.profile === 'legacy-component_key';

  it('payload is byte-identical to Go on every line, and its sha256 matches EXPECTED', () => {
    const m = decodeOrThrow(bytes, legacy);
    const want = payloadBytes(e);
    expect(sha256(want)).toBe(e.go_payload_sha256);
    for (const line of [...SERVER_LINES, ...SERVER_VERSIONS]) {
      // None of the 40 has v1 dependencies, so every version agrees (the s12 synthetic case and drift p12 cover the difference).
      expect(hex(manifestSigningPayload(m, { serverVersion: line }))).toBe(hex(want));
    }
    expect(sha256(manifestSigningPayload(m))).toBe(e.payload_sha256);
  });

  // The branch aliases (main → main-141e9ca, integration → integration-2026-09, whose
  // three changes touch none of the 40) and the exact versions Go's answers were computed on.
  it.each([...SERVER_LINES, 'main-141e9ca', 'alpha-0.2.2a41'])('decode and validate agree with Go on %s', (line) => {
    const go = line.startsWith('main') ? e.go_main : e.go_integration;
    const r = decodeManifest(bytes, { serverVersion: line });
    if (go.decode_error !== null) {
      expect(r).toMatchObject({ ok: false, code: 'MANIFEST_DECODE', message: go.decode_error });
      return;
    }
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(validateManifest(r.manifest, { serverVersion: line })).toBe(go.validate_error);
  });

  it('signature verdict over the Go payload matches EXPECTED', () => {
    const m = decodeOrThrow(bytes, legacy);
    const payload = payloadBytes(e);
    if (!e.signature_verifies) {
      expect(e.reason).toMatch(/^unsigned/);
      expect(m.signature_ed25519).toBe('');
      return;
    }
    const sig = signatureOf(m);
    const key = keyFor(e.key!);
    const other = key === CURRENT_KEY ? ROTATED_KEY : CURRENT_KEY;
    expect(verifyEd25519(key, payload, sig)).toBe(true);
    expect(verifyEd25519(key, manifestSigningPayload(m), sig)).toBe(true);
    expect(verifyEd25519(other, payload, sig)).toBe(false);
  });

  it.each([...SERVER_LINES, 'main-141e9ca', 'alpha-0.2.2a41'])('verifyManifest verdict on %s', (line) => {
    const go = line.startsWith('main') ? e.go_main : e.go_integration;
    const m = decodeManifest(bytes);
    const digest = m.ok ? ownDigest(m.manifest) : { sha256Hex: '0'.repeat(64) };
    const key = e.key !== null ? keyFor(e.key) : CURRENT_KEY;
    const r = verifyManifest(bytes, digest, policy(key), { serverVersion: line });
    if (go.decode_error !== null) {
      expect(r).toEqual({ ok: false, code: 'MANIFEST_DECODE', message: go.decode_error });
    } else if (go.validate_error !== null) {
      expect(r).toEqual({ ok: false, code: 'MANIFEST_INVALID', message: go.validate_error });
    } else if (e.signature_verifies) {
      expect(r).toMatchObject({ ok: true, signed: true, publisher: 'latticenet', payloadSha256: e.payload_sha256 });
      // ...and not under the other key of the history
      const other = key === CURRENT_KEY ? ROTATED_KEY : CURRENT_KEY;
      expect(verifyManifest(bytes, digest, policy(other), { serverVersion: line })).toEqual({
        ok: false,
        code: 'MANIFEST_SIGNATURE_INVALID',
        message: 'invalid signature',
      });
    } else {
      expect(r).toEqual(UNSIGNED_VERDICTS[e.file]);
    }
  });
});

/**
 * What the server's VerifyManifest answers for the unsigned, otherwise valid
 * manifests (interop §C.5 applied by hand; policy trusts latticenet):
 * v2 → a signature is always required; v1 with a publisher → a signature is
 * required, and Go asks for the artifact digest first; v1 without publisher
 * but with host-risk capabilities → a publisher is required.
 */
const UNSIGNED_VERDICTS: Record<string, unknown> = {
  'netguard-0.1.0-alpha.1.a-86e22fcf.manifest.json': {
    ok: false,
    code: 'MANIFEST_INVALID',
    message: 'manifest signature requires an artifact digest',
  },
  'netguard-0.1.0-alpha.1.b-da2a7401.manifest.json': {
    ok: false,
    code: 'MANIFEST_INVALID',
    message: 'manifest signature requires an artifact digest',
  },
  'template-0.1.0.manifest.json': { ok: false, code: 'MANIFEST_INVALID', message: 'manifest signature requires an artifact digest' },
  'template-0.2.0.manifest.json': { ok: false, code: 'MANIFEST_INVALID', message: 'manifest signature requires an artifact digest' },
  'template-noversion.manifest.json': {
    ok: false,
    code: 'MANIFEST_SIGNATURE_REQUIRED',
    message: 'manifest signature requires publisher',
  },
  'netguard-0.1.0-alpha.15.manifest.json': {
    ok: false,
    code: 'MANIFEST_SIGNATURE_REQUIRED',
    message: 'manifest signature requires signature_ed25519',
  },
  'netguard-0.2.0-alpha.4.manifest.json': {
    ok: false,
    code: 'MANIFEST_SIGNATURE_REQUIRED',
    message: 'manifest signature requires signature_ed25519',
  },
  'vpn-core-0.8.0-alpha.20.manifest.json': {
    ok: false,
    code: 'MANIFEST_SIGNATURE_REQUIRED',
    message: 'manifest signature requires signature_ed25519',
  },
  'vpn-core-0.8.0-alpha.9.manifest.json': {
    ok: false,
    code: 'MANIFEST_SIGNATURE_REQUIRED',
    message: 'manifest signature requires signature_ed25519',
  },
};

describe('corpus-level facts (interop §G)', () => {
  it('every signed current-profile manifest that validates verifies, and legacy ones fail decode on both lines', () => {
    let verified = 0;
    let legacyRejected = 0;
    for (const e of EXPECTED) {
      if (e.profile === 'legacy-component_key') {
        for (const line of SERVER_LINES) {
          expect(verifyManifest(manifestBytes(e.file), { sha256Hex: '0'.repeat(64) }, policy(CURRENT_KEY), { serverLine: line }))
            .toMatchObject({ ok: false, code: 'MANIFEST_DECODE', message: 'decode manifest: json: unknown field "component_key"' });
        }
        legacyRejected++;
      } else if (e.signature_verifies && e.go_integration.validate_error === null) {
        const m = decodeOrThrow(manifestBytes(e.file));
        const r = verifyManifest(manifestBytes(e.file), ownDigest(m), policy(keyFor(e.key!)));
        expect(r.ok, e.file).toBe(true);
        verified++;
      }
    }
    expect(legacyRejected).toBe(7);
    expect(verified).toBe(14);
  });

  it('the rotated-out key verifies exactly one (legacy) manifest', () => {
    expect(EXPECTED.filter((e) => e.key?.startsWith('rotated-out')).map((e) => e.file)).toEqual(['vpn-core-0.7.1.manifest.json']);
  });

  it('with no trusted publishers (zero policy) nothing signed or v2 loads (fail closed)', () => {
    const zero: TrustPolicy = { trustedPublishers: new Map(), allowUnsignedHostRisk: false };
    for (const e of EXPECTED) {
      const m = decodeManifest(manifestBytes(e.file));
      if (!m.ok || e.go_integration.validate_error !== null) continue;
      const r = verifyManifest(manifestBytes(e.file), ownDigest(m.manifest), zero);
      expect(r.ok, e.file).toBe(false);
    }
  });
});
