import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../src/core/errors.js';
import {
  createSha256,
  createSha256Pure,
  keyId,
  sha256,
  sha256Hex,
  sha256StreamEngine,
  type Sha256Stream,
} from '../../src/crypto/index.js';
import { createSha256Node } from '../../src/crypto/node.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const opensslHex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** FIPS 180-2 Appendix B / NIST CSRC SHA-256 examples (public known answers). */
const KAT: [label: string, input: () => Uint8Array, hex: string][] = [
  ['empty', () => new Uint8Array(0), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['"abc" (B.1)', () => utf8('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  [
    '448-bit message (B.2)',
    () => utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  ],
  ['one million "a" (B.3)', () => new Uint8Array(1_000_000).fill(0x61), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
];

const STREAMS: [string, () => Sha256Stream][] = [
  ['createSha256 (runtime-selected)', createSha256],
  ['createSha256Pure (@noble/hashes)', createSha256Pure],
  ['createSha256Node (node:crypto)', createSha256Node],
];

/** Feeds `data` split at the given cut points (sorted, may repeat → empty chunks). */
function digestInChunks(create: () => Sha256Stream, data: Uint8Array, cuts: number[]): string {
  const h = create();
  let prev = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    h.update(data.subarray(prev, cut));
    prev = cut;
  }
  h.update(data.subarray(prev));
  return h.digestHex();
}

describe('SHA-256 known answers', () => {
  // Source: FIPS 180-2 Appendix B.1–B.3 and the empty-string digest.
  for (const [label, input, expected] of KAT) {
    it(label, () => {
      const data = input();
      expect(sha256Hex(data)).toBe(expected);
      expect(Buffer.from(sha256(data)).toString('hex')).toBe(expected);
      for (const [, create] of STREAMS) {
        const h = create();
        h.update(data);
        expect(h.digestHex()).toBe(expected);
      }
    });
  }

  it('sha256 returns 32 bytes', () => {
    expect(sha256(utf8('x'))).toHaveLength(32);
  });
});

describe('streaming engines agree (noble vs node:crypto)', () => {
  it('selects node:crypto on this Node runtime', () => {
    expect(sha256StreamEngine()).toBe('node:crypto');
  });

  it('on random data with random chunkings, including empty chunks', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4096 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (data, rawCuts) => {
          const cuts = rawCuts.map((c) => (data.length === 0 ? 0 : c % (data.length + 1)));
          const expected = opensslHex(data);
          for (const [name, create] of STREAMS) {
            expect(digestInChunks(create, data, cuts), name).toBe(expected);
          }
          expect(sha256Hex(data)).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('on a 5 MiB input with random chunk sizes (block-boundary straddling)', () => {
    const data = new Uint8Array(5 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const expected = opensslHex(data);
    fc.assert(
      fc.property(fc.array(fc.nat(data.length), { minLength: 1, maxLength: 40 }), (cuts) => {
        expect(digestInChunks(createSha256Pure, data, cuts)).toBe(expected);
        expect(digestInChunks(createSha256Node, data, cuts)).toBe(expected);
      }),
      { numRuns: 4 },
    );
    expect(sha256Hex(data)).toBe(expected);
  });
});

describe('stream misuse is a caller bug', () => {
  for (const [name, create] of STREAMS) {
    it(`${name}: update/digest after digestHex throws`, () => {
      const h = create();
      h.update(utf8('a'));
      h.digestHex();
      expect(() => h.update(utf8('b'))).toThrow(Error);
      expect(() => h.digestHex()).toThrow(Error);
    });

    it(`${name}: non-Uint8Array chunks throw TypeError`, () => {
      const h = create();
      for (const bad of ['abc', null, undefined, 5, [1], new Uint16Array(2), new ArrayBuffer(2)] as unknown[]) {
        expect(() => h.update(bad as Uint8Array)).toThrow(TypeError);
      }
      // The stream still works after a rejected argument.
      h.update(utf8('abc'));
      expect(h.digestHex()).toBe(KAT[1]![2]);
    });
  }

  it('sha256 / sha256Hex throw TypeError for non-Uint8Array input', () => {
    for (const bad of ['abc', null, undefined, 5, [1], new DataView(new ArrayBuffer(1))] as unknown[]) {
      expect(() => sha256(bad as Uint8Array)).toThrow(TypeError);
      expect(() => sha256Hex(bad as Uint8Array)).toThrow(TypeError);
    }
  });
});

describe('keyId', () => {
  it('is the lowercase hex SHA-256 of the raw 32-byte key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
        const id = keyId(key);
        expect(id).toMatch(/^[0-9a-f]{64}$/);
        expect(id).toBe(opensslHex(key));
      }),
    );
  });

  it('throws InputError KEY_INVALID for a key that is not 32 bytes, TypeError for a non-Uint8Array', () => {
    for (const n of [0, 31, 33, 44]) {
      let err: unknown;
      try {
        keyId(new Uint8Array(n));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).code).toBe('KEY_INVALID');
    }
    expect(() => keyId('Ex4s' as unknown as Uint8Array)).toThrow(TypeError);
  });
});
