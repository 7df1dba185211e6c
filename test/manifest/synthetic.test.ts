/**
 * The 25 synthetic edge cases of `vectors/lattice/synthetic/` with Go's
 * decode/validate result and payload for each line (synthetic/EXPECTED.json).
 * Every case runs. Cases where Go is lenient in ways we deliberately refuse
 * (§B.6: invalid UTF-8, duplicate keys, case-folded keys, lone surrogates)
 * assert the rejection instead of the payload.
 */
import { describe, expect, it } from 'vitest';
import { decodeManifest, manifestSigningPayload, validateManifest } from '../../src/domain/manifest/index.js';
import { SYNTHETIC, syntheticBytes } from './helpers.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Cases Go accepts and we reject on purpose, with what the rejection must point at. */
const DELIBERATE_REJECTIONS: Record<string, { pointer: string; message: RegExp }> = {
  'd01-invalid-utf8.json': { pointer: '', message: /^decode manifest: rejected: .*UTF-8/ },
  'd03-duplicate-keys.json': { pointer: '/bundle', message: /^decode manifest: rejected: .*"bundle" twice/ },
  'd05-kelvin-key.json': {
    pointer: '/ſchema',
    message: /^decode manifest: json: key "ſchema" matches field "schema" only case-insensitively/,
  },
  's06-case-keys.json': {
    pointer: '/SCHEMA',
    message: /^decode manifest: json: key "SCHEMA" matches field "schema" only case-insensitively/,
  },
  's15-surrogates.json': { pointer: '/name', message: /^decode manifest: rejected: .*surrogate/ },
};

it('the synthetic set is complete (25 cases)', () => {
  expect(SYNTHETIC).toHaveLength(25);
  for (const f of Object.keys(DELIBERATE_REJECTIONS)) expect(SYNTHETIC.some((s) => s.file === f)).toBe(true);
});

// Source: vectors/lattice/synthetic/EXPECTED.json (Go decode/validate/payload per case).
describe.each(SYNTHETIC)('$file — $note', (s) => {
  const bytes = syntheticBytes(s.file);
  const rejection = DELIBERATE_REJECTIONS[s.file];

  if (rejection) {
    it('is rejected at decode (Go accepts it; we refuse what Go reads differently)', () => {
      const r = decodeManifest(bytes);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.code).toBe('MANIFEST_DECODE');
      expect(r.message).toMatch(rejection.message);
      expect(r.pointer).toBe(rejection.pointer);
    });
    return;
  }

  if (s.go_decode_error !== null) {
    it('fails to decode with Go’s exact message', () => {
      expect(decodeManifest(bytes)).toMatchObject({ ok: false, code: 'MANIFEST_DECODE', message: s.go_decode_error });
    });
    return;
  }

  it('payload is byte-identical to Go ≥ 1.22 on integration and to main on main', () => {
    const r = decodeManifest(bytes);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(text(manifestSigningPayload(r.manifest, { serverLine: 'integration' }))).toBe(s.expected_payload_go1_22plus);
    expect(text(manifestSigningPayload(r.manifest, { serverLine: 'main' }))).toBe(s.expected_payload_main);
    expect(text(manifestSigningPayload(r.manifest))).toBe(s.expected_payload_go1_22plus); // default line
  });

  it('equals the raw Go 1.19 payload once \\b and \\f are spelled the 1.19 way', () => {
    const r = decodeManifest(bytes);
    if (!r.ok) throw new Error(r.message);
    const ours = text(manifestSigningPayload(r.manifest)).replace(/\\(\\|b|f)/g, (m, c: string) =>
      c === 'b' ? '\\u0008' : c === 'f' ? '\\u000c' : m,
    );
    expect(ours).toBe(Buffer.from(s.raw_go1_19_payload_b64!, 'base64').toString('utf8'));
  });

  it('validates like Go on integration (and main)', () => {
    const r = decodeManifest(bytes);
    if (!r.ok) throw new Error(r.message);
    const got = validateManifest(r.manifest, { serverLine: 'integration' });
    if (s.file === 's07-map-order.json') {
      // Go walks the entrypoint map in random order and reported "_/x"; we walk
      // sorted keys, so we report the first bad platform in byte order. Both are bad.
      expect(s.go_validate_error_integration).toBe('manifest v2 invalid runtime platform "_/x"');
      expect(got).toBe('manifest v2 invalid runtime platform "A/x"');
      return;
    }
    expect(got).toBe(s.go_validate_error_integration);
    const main = validateManifest(r.manifest, { serverLine: 'main' });
    if (s.file === 's20-unicode-keys-sort.json') {
      expect(main).toBe('manifest v2 runtime protocol must be "stdio-json-v1"');
    } else {
      expect(main).toBe(s.go_validate_error_integration);
    }
  });
});

describe('what the deliberate rejections would have cost (why we refuse them)', () => {
  it('d03: Go merges duplicate objects; JSON.parse keeps the last — the two disagree, so neither is safe to sign', () => {
    const s = SYNTHETIC.find((x) => x.file === 'd03-duplicate-keys.json')!;
    const naive = JSON.parse(text(syntheticBytes(s.file))) as { bundle: { digest_sha256?: string } };
    expect(naive.bundle.digest_sha256).toBeUndefined();
    expect(s.expected_payload_go1_22plus).toContain('"digest_sha256":"aaaa');
  });
  it('s06/d05: Go fills fields from case-variant keys, JSON.parse does not', () => {
    const s = SYNTHETIC.find((x) => x.file === 'd05-kelvin-key.json')!;
    expect(s.expected_payload_go1_22plus).toContain('"schema":"lattice.plugin.manifest.v2"');
    expect((JSON.parse(text(syntheticBytes(s.file))) as Record<string, unknown>)['schema']).toBeUndefined();
  });
});
