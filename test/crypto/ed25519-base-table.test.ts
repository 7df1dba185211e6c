/**
 * `verifyEd25519` computes [S]B without noble's precomputed base-point table
 * for a process's first verifications (building the table costs more than a
 * one-install process verifies), then with it. Both ways must give Go's
 * verdict on every case — the vectors run here in one fresh process, so the
 * first 32 verifications take the table-free path and the rest the table.
 */
import { describe, expect, it } from 'vitest';
import { Point } from '@noble/ed25519';
import { verifyEd25519 } from '../../src/crypto/index.js';
import { multiplyVarTime } from '../../src/crypto/scalar-mul.js';
import { allCases } from './ed25519-cases.js';

const L = 2n ** 252n + 27742317777372353535851937790883648493n;

describe('[S]B with and without the base-point table', () => {
  it('multiplyVarTime(B, s) is Point.BASE.multiply(s, false) for 0, 1, L − 1 and random scalars', () => {
    const scalars = [0n, 1n, 2n, L - 1n, L - 2n];
    for (let i = 0; i < 24; i++) {
      const b = crypto.getRandomValues(new Uint8Array(32));
      scalars.push(b.reduce((a, x) => (a << 8n) | BigInt(x), 0n) % L);
    }
    for (const s of scalars) expect(multiplyVarTime(Point.BASE, s).equals(Point.BASE.multiply(s, false)), `s = ${s}`).toBe(true);
  });

  it('every vector gets Go’s verdict on both paths: the same case before and after the switch', () => {
    const cases = allCases();
    expect(cases.length).toBeGreaterThan(64);
    // The first pass starts in a fresh process (vitest runs each file in its own fork): its first
    // 32 verifications are table-free; the second pass is entirely on the table.
    const first = cases.map((c) => verifyEd25519(c.publicKey, c.message, c.signature));
    const second = cases.map((c) => verifyEd25519(c.publicKey, c.message, c.signature));
    expect(first).toEqual(cases.map((c) => c.go));
    expect(second).toEqual(first);
    // The table-free path saw valid signatures too (not only early rejections).
    expect(first.slice(0, 32).some((v) => v)).toBe(true);
  });
});
