/**
 * DESIGN §6 / interop §B.7: Ed25519 verification must give Go's verdict on
 * every vector in vectors/ed25519/. Every case runs (no sampling); each
 * test first asserts the case count so a loader bug cannot make it vacuous.
 */
import { describe, expect, it } from 'vitest';
import * as noble from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { verifyEd25519 } from '../../src/crypto/index.js';
import { createEd25519NodeVerifier, verifyEd25519Node } from '../../src/crypto/node.js';
import {
  GO_VERDICT_COUNTS,
  allCases,
  cctvCases,
  speccheckCases,
  wycheproofCases,
  type Ed25519Case,
} from './ed25519-cases.js';

type Verifier = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

/** Labels of the cases where `verify` differs from Go (empty = full agreement). */
function disagreements(cases: readonly Ed25519Case[], verify: Verifier): string[] {
  const out: string[] = [];
  for (const c of cases) {
    const got = verify(c.publicKey, c.message, c.signature);
    if (got !== c.go) out.push(`${c.label}: go=${c.go} got=${got}`);
  }
  return out;
}

describe('vector corpus', () => {
  it('has one Go verdict per case and both verdicts occur', () => {
    expect(GO_VERDICT_COUNTS).toEqual({ cctv: 914, wycheproof: 151, speccheck: 12 });
    const all = allCases();
    expect(all).toHaveLength(914 + 151 + 12);
    expect(all.some((c) => c.go)).toBe(true);
    expect(all.some((c) => !c.go)).toBe(true);
  });

  it('Wycheproof expectations equal Go verdicts (so "valid" means valid on the server)', () => {
    // Source: C2SP/wycheproof ed25519_test.json @ dac1dd47, all 151 cases.
    for (const c of wycheproofCases()) expect(c.go, c.label).toBe(c.wycheproof === 'valid');
  });
});

describe.each([
  ['verifyEd25519 (pure, noble primitives)', verifyEd25519 as Verifier],
  ['verifyEd25519Node (node:crypto / OpenSSL)', verifyEd25519Node as Verifier],
  // One verifier for every case: keys repeat across cases, so the key cache is exercised too.
  ['createEd25519NodeVerifier (OpenSSL, keys imported once)', createEd25519NodeVerifier() as Verifier],
])('%s gives Go crypto/ed25519 verdicts', (_name, verify) => {
  it('on all 914 CCTV cases', () => {
    // Source: C2SP/CCTV ed25519/ed25519vectors.json @ 1e3d2860 (every case).
    const cases = cctvCases();
    expect(cases).toHaveLength(914);
    expect(disagreements(cases, verify)).toEqual([]);
  });

  it('on all 151 Wycheproof cases', () => {
    // Source: C2SP/wycheproof testvectors_v1/ed25519_test.json @ dac1dd47 (every case).
    const cases = wycheproofCases();
    expect(cases).toHaveLength(151);
    expect(disagreements(cases, verify)).toEqual([]);
  });

  it('on all 12 ed25519-speccheck cases', () => {
    // Source: novifinancial/ed25519-speccheck cases.json @ 65519336 (every case).
    const cases = speccheckCases();
    expect(cases).toHaveLength(12);
    expect(disagreements(cases, verify)).toEqual([]);
  });
});

describe("why noble's verify() is not used directly (DESIGN §6)", () => {
  // These guard the premise of the module: if noble's defaults ever matched
  // Go, the custom verifier could be dropped. Every vector runs.
  noble.hashes.sha512 ??= sha512;
  const nobleVerdict = (opts: noble.EdDSAVerifyOpts) => (pk: Uint8Array, m: Uint8Array, s: Uint8Array) => {
    try {
      return noble.verify(s, m, pk, opts);
    } catch {
      return false;
    }
  };

  it('default (ZIP-215) verify accepts signatures Go rejects, e.g. Wycheproof tcId 151', () => {
    // Source: all three vector files.
    const diff = disagreements(allCases(), nobleVerdict({}));
    expect(diff).toContain('wycheproof tcId 151: go=false got=true');
    expect(diff.length).toBeGreaterThan(0);
  });

  it('strict ({ zip215: false }) verify rejects small-order keys Go accepts', () => {
    // Source: all three vector files; speccheck #0 has a small-order A that Go accepts.
    const diff = disagreements(allCases(), nobleVerdict({ zip215: false }));
    expect(diff).toContain('speccheck #0: go=true got=false');
  });
});
