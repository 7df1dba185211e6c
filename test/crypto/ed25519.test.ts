import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as noble from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { InputError } from '../../src/core/errors.js';
import { publicKeyFromSeed, signEd25519, verifyEd25519 } from '../../src/crypto/index.js';
import { verifyEd25519Node } from '../../src/crypto/node.js';
import { multiplyVarTime } from '../../src/crypto/scalar-mul.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const L = noble.Point.CURVE().n;

noble.hashes.sha512 ??= sha512; // for noble's own sign(), used as an independent cross-check

/** RFC 8032 §7.1 "Test Vectors for Ed25519", TEST 1–3 (public known answers). */
const RFC8032 = [
  {
    name: 'TEST 1 (empty message)',
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (1 byte)',
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3 (2 bytes)',
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
] as const;

describe('RFC 8032 §7.1 known answers', () => {
  // Source: RFC 8032 §7.1, TEST 1, TEST 2, TEST 3 (every listed vector).
  for (const v of RFC8032) {
    it(`${v.name}: public key, signature, verify`, () => {
      const seed = hex(v.seed);
      const message = hex(v.message);
      expect(toHex(publicKeyFromSeed(seed))).toBe(v.publicKey);
      expect(toHex(signEd25519(seed, message))).toBe(v.signature);
      expect(verifyEd25519(hex(v.publicKey), message, hex(v.signature))).toBe(true);
      expect(verifyEd25519Node(hex(v.publicKey), message, hex(v.signature))).toBe(true);
      // Wrong message / wrong key → false.
      const other = Uint8Array.from([...message, 0]);
      expect(verifyEd25519(hex(v.publicKey), other, hex(v.signature))).toBe(false);
      const otherKey = hex(RFC8032[(RFC8032.indexOf(v) + 1) % 3]!.publicKey);
      expect(verifyEd25519(otherKey, message, hex(v.signature))).toBe(false);
    });
  }
});

describe('sign / verify round trip', () => {
  it('agrees with noble sign() and verifies, for random seeds and messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (seed, message) => {
        const sig = signEd25519(seed, message);
        expect(sig).toHaveLength(64);
        // Independent implementation of RFC 8032 signing (noble's own sign()).
        expect(toHex(sig)).toBe(toHex(noble.sign(message, seed)));
        expect(toHex(publicKeyFromSeed(seed))).toBe(toHex(noble.getPublicKey(seed)));
        const pk = publicKeyFromSeed(seed);
        expect(verifyEd25519(pk, message, sig)).toBe(true);
        expect(verifyEd25519Node(pk, message, sig)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('does not observe message mutation after the call and returns a fresh array', () => {
    const seed = hex(RFC8032[0].seed);
    const msg = Uint8Array.of(1, 2, 3);
    const sig = signEd25519(seed, msg);
    msg[0] = 9;
    expect(verifyEd25519(publicKeyFromSeed(seed), Uint8Array.of(1, 2, 3), sig)).toBe(true);
    expect(signEd25519(seed, Uint8Array.of(1, 2, 3))).not.toBe(sig);
  });

  it('accepts Node Buffers as byte arrays', () => {
    const v = RFC8032[2];
    expect(verifyEd25519(Buffer.from(v.publicKey, 'hex'), Buffer.from(v.message, 'hex'), Buffer.from(v.signature, 'hex'))).toBe(true);
    expect(toHex(signEd25519(Buffer.from(v.seed, 'hex'), Buffer.from(v.message, 'hex')))).toBe(v.signature);
  });
});

describe('tampering fails (property)', () => {
  const seed = hex(RFC8032[1].seed);
  const pk = publicKeyFromSeed(seed);
  const message = new TextEncoder().encode('lattice plugin manifest payload');
  const sig = signEd25519(seed, message);
  const flip = (b: Uint8Array, bit: number): Uint8Array => {
    const c = Uint8Array.from(b);
    c[bit >> 3]! ^= 1 << (bit & 7);
    return c;
  };

  it('flipping any one of the 512 signature bits fails (exhaustive)', () => {
    expect(verifyEd25519(pk, message, sig)).toBe(true);
    const accepted: number[] = [];
    for (let bit = 0; bit < 512; bit++) {
      if (verifyEd25519(pk, message, flip(sig, bit))) accepted.push(bit);
    }
    expect(accepted).toEqual([]);
  });

  it('flipping any one of the 256 public-key bits fails (exhaustive)', () => {
    const accepted: number[] = [];
    for (let bit = 0; bit < 256; bit++) {
      if (verifyEd25519(flip(pk, bit), message, sig)) accepted.push(bit);
    }
    expect(accepted).toEqual([]);
  });

  it('flipping any message bit fails, for random messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), (m, n) => {
        const s = signEd25519(seed, m);
        const bit = n % (m.length * 8);
        expect(verifyEd25519(pk, flip(m, bit), s)).toBe(false);
        expect(verifyEd25519Node(pk, flip(m, bit), s)).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('the pure and node:crypto verifiers agree on random mutations of valid signatures', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.boolean(),
        (sd, m, mask, mutate) => {
          const p = publicKeyFromSeed(sd);
          const s = signEd25519(sd, m);
          const t = mutate ? s.map((x, i) => x ^ (mask[i]! & (i % 7 === 0 ? 0xff : 0))) : s;
          expect(verifyEd25519(p, m, t)).toBe(verifyEd25519Node(p, m, t));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('Go rules, named', () => {
  const seed = hex(RFC8032[0].seed);
  const pk = publicKeyFromSeed(seed);
  const msg = Uint8Array.of(0x61);
  const sig = signEd25519(seed, msg);
  const withS = (s: bigint): Uint8Array => {
    const out = Uint8Array.from(sig);
    for (let i = 0; i < 32; i++) out[32 + i] = Number((s >> BigInt(8 * i)) & 0xffn);
    return out;
  };
  const sOf = (b: Uint8Array): bigint => BigInt('0x' + toHex(b.subarray(32, 64).slice().reverse()));

  it('S + L (same point equation, non-canonical scalar) is rejected: S must be < L', () => {
    const s = sOf(sig);
    expect(s + L < 1n << 256n).toBe(true);
    expect(verifyEd25519(pk, msg, withS(s + L))).toBe(false);
    expect(verifyEd25519Node(pk, msg, withS(s + L))).toBe(false);
    expect(verifyEd25519(pk, msg, withS(L))).toBe(false);
  });

  it('a small-order key (the identity) is not rejected up front, like Go', () => {
    // Go decodes A without a small-order check. With A = identity,
    // R' = [S]B − [k]A = [S]B for every k, so R = encode(B), S = 1 verifies
    // for any message — accepted by Go (and OpenSSL), rejected by noble's
    // strict mode. This is the server's behaviour, reproduced on purpose.
    const identity = hex('0100000000000000000000000000000000000000000000000000000000000000');
    const R = noble.Point.BASE.toBytes();
    const s = new Uint8Array(64);
    s.set(R, 0);
    s[32] = 1;
    expect(verifyEd25519(identity, msg, s)).toBe(true);
    expect(verifyEd25519Node(identity, msg, s)).toBe(true);
  });
});

describe('malformed input returns false', () => {
  const v = RFC8032[0];
  const pk = hex(v.publicKey);
  const sig = hex(v.signature);
  const msg = hex(v.message);

  it('wrong public-key lengths', () => {
    for (const n of [0, 1, 31, 33, 64]) {
      const key = new Uint8Array(n);
      key.set(pk.subarray(0, Math.min(n, 32)));
      expect(verifyEd25519(key, msg, sig), `key length ${n}`).toBe(false);
      expect(verifyEd25519Node(key, msg, sig), `key length ${n}`).toBe(false);
    }
  });

  it('wrong signature lengths', () => {
    for (const n of [0, 32, 63, 65, 128]) {
      const s = new Uint8Array(n);
      s.set(sig.subarray(0, Math.min(n, 64)));
      expect(verifyEd25519(pk, msg, s), `signature length ${n}`).toBe(false);
      expect(verifyEd25519Node(pk, msg, s), `signature length ${n}`).toBe(false);
    }
  });

  it('a public key that is not a curve point', () => {
    // Find y values for which (y²−1)/(dy²+1) has no square root, using noble's
    // strict decoder as the oracle; there are many among small y.
    const offCurve: Uint8Array[] = [];
    for (let y = 2; offCurve.length < 5 && y < 200; y++) {
      const enc = new Uint8Array(32);
      enc[0] = y;
      try {
        noble.Point.fromBytes(enc, true);
      } catch {
        offCurve.push(enc);
      }
    }
    expect(offCurve.length).toBe(5);
    for (const key of offCurve) {
      expect(verifyEd25519(key, msg, sig)).toBe(false);
      expect(verifyEd25519Node(key, msg, sig)).toBe(false);
    }
  });
});

describe('argument types are caller bugs: TypeError', () => {
  const ok = new Uint8Array(32);
  const sig = new Uint8Array(64);
  const bad: unknown[] = [undefined, null, 'aa', 42, [1, 2, 3], new Uint16Array(32), new DataView(new ArrayBuffer(32)), new ArrayBuffer(32), {}];

  it('verifyEd25519 / verifyEd25519Node throw TypeError for each non-Uint8Array argument', () => {
    for (const verify of [verifyEd25519, verifyEd25519Node] as const) {
      for (const b of bad) {
        expect(() => verify(b as Uint8Array, ok, sig)).toThrow(TypeError);
        expect(() => verify(ok, b as Uint8Array, sig)).toThrow(TypeError);
        expect(() => verify(ok, ok, b as Uint8Array)).toThrow(TypeError);
      }
    }
  });

  it('signEd25519 / publicKeyFromSeed throw TypeError for non-Uint8Array arguments', () => {
    for (const b of bad) {
      expect(() => signEd25519(b as Uint8Array, ok)).toThrow(TypeError);
      expect(() => signEd25519(ok, b as Uint8Array)).toThrow(TypeError);
      expect(() => publicKeyFromSeed(b as Uint8Array)).toThrow(TypeError);
    }
  });

  it('a seed that is not 32 bytes throws InputError KEY_INVALID', () => {
    for (const n of [0, 31, 33, 64]) {
      for (const call of [() => signEd25519(new Uint8Array(n), ok), () => publicKeyFromSeed(new Uint8Array(n))]) {
        let err: unknown;
        try {
          call();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(InputError);
        expect((err as InputError).code).toBe('KEY_INVALID');
      }
    }
  });
});

describe('multiplyVarTime (wNAF [k]P used for [k]A) equals noble multiplyUnsafe', () => {
  // The 8 points of the small-order subgroup, by encoding (identity, order 2,
  // two of order 4, four of order 8) — the standard torsion table, checked here.
  const torsion = [
    '0100000000000000000000000000000000000000000000000000000000000000',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0000000000000000000000000000000000000000000000000000000000000080',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  ].map((h) => noble.Point.fromBytes(hex(h), true));

  it('the torsion table is 8 distinct small-order points', () => {
    for (const t of torsion) expect(t.isSmallOrder()).toBe(true);
    for (let i = 0; i < 8; i++) for (let j = i + 1; j < 8; j++) expect(torsion[i]!.equals(torsion[j]!)).toBe(false);
  });

  const edgeScalars = [0n, 1n, 2n, 15n, 16n, 17n, 31n, 32n, 33n, (1n << 252n) - 1n, L - 2n, L - 1n];

  it('on prime-order, small-order and mixed-order points with edge and random scalars', () => {
    const scalar = fc.bigInt({ min: 0n, max: L - 1n });
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: L - 1n }), fc.nat(7), fc.boolean(), scalar, (a, t, mixed, k) => {
        const base = noble.Point.BASE.multiply(a);
        const p = mixed ? base.add(torsion[t]!) : torsion[t]!;
        for (const s of [k, ...edgeScalars]) {
          expect(multiplyVarTime(p, s).equals(p.multiplyUnsafe(s)), `k=${s}`).toBe(true);
        }
        expect(multiplyVarTime(base, k).equals(base.multiplyUnsafe(k))).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('rejects a negative scalar (internal invariant)', () => {
    expect(() => multiplyVarTime(noble.Point.BASE, -1n)).toThrow(RangeError);
  });
});
