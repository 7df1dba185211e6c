/**
 * Variable-time scalar multiplication `[k]P` for an arbitrary edwards25519
 * point, used by the verifier for `[k]A` (Ed25519 verify step 5).
 *
 * Internal to the crypto layer (not re-exported from `./index.js`); exported
 * only so the tests can hold it to noble's `multiplyUnsafe` on random and
 * small-order points.
 *
 * ## Why not noble's `multiplyUnsafe`
 *
 * noble multiplies a non-base point with plain double-and-add: ~252
 * doublings plus one addition per set bit (~126). That one product is ~75 %
 * of a verification. A width-5 wNAF (windowed non-adjacent form) keeps the
 * doublings but needs only ~252/6 ≈ 42 additions plus 8 to build a table of
 * odd multiples, which makes `verifyEd25519` measurably faster than noble's
 * own `verify` (bench/crypto.bench.mjs) while staying on noble's audited
 * point formulas (`add`, `double`, `negate` — complete twisted-Edwards
 * formulas, valid for every curve point including small-order ones).
 *
 * ## Why variable time is acceptable
 *
 * In verification both the scalar `k = H(R‖A‖M) mod L` and the point `A`
 * are public. This function must never be used with a secret scalar
 * (signing uses noble's constant-shape `Point.BASE.multiply`).
 *
 * @module
 */
import { Point } from '@noble/ed25519';

/** Window width: digits are odd and lie in (−2^(W−1), 2^(W−1)). */
const W = 5;
/** 2^W, the modulus a window digit is taken in. */
const WINDOW = 1n << BigInt(W);
/** 2^(W−1): digits at or above this become negative (d − 2^W). */
const HALF = 1n << BigInt(W - 1);
/** Table size: the odd multiples 1P, 3P, …, (2^(W−1) − 1)P. */
const TABLE_SIZE = 1 << (W - 2);

/**
 * The width-W NAF digits of `k ≥ 0`, least significant first. Every non-zero
 * digit is odd with |d| < 2^(W−1), and any two non-zero digits are at least
 * W positions apart, so the sum Σ dᵢ·2^i equals `k` and has ≈ len/(W+1)
 * non-zero terms.
 */
function wnafDigits(k: bigint): number[] {
  const digits: number[] = [];
  let n = k;
  while (n > 0n) {
    let d = 0;
    if (n & 1n) {
      // Take the low W bits as a signed residue: n mod 2^W mapped into
      // (−2^(W−1), 2^(W−1)). Subtracting it makes the low W bits of n zero,
      // which is what spaces the non-zero digits W apart.
      let r = n & (WINDOW - 1n);
      if (r >= HALF) r -= WINDOW;
      n -= r;
      d = Number(r);
    }
    digits.push(d);
    n >>= 1n;
  }
  return digits;
}

/**
 * `[k]P` in variable time with a width-5 wNAF. Same result as noble's
 * `P.multiplyUnsafe(k)` for every curve point `P` and every `0 ≤ k < L`
 * (tested), including `k = 0` and the identity or small-order `P`, where it
 * returns the identity or the correct small-order multiple.
 *
 * @param point - any point on the curve (public)
 * @param k - a non-negative scalar (public)
 * @returns `[k]point`
 * @throws {RangeError} if `k` is negative (an internal invariant)
 */
export function multiplyVarTime(point: Point, k: bigint): Point {
  if (k < 0n) throw new RangeError('multiplyVarTime: negative scalar');
  if (k === 0n) return Point.ZERO;
  // Odd multiples table: odd[j] = (2j+1)·P and its negation, so a negative
  // digit costs an addition, not an extra negation per use.
  const twice = point.double();
  const odd: Point[] = [point];
  for (let j = 1; j < TABLE_SIZE; j++) odd.push((odd[j - 1] as Point).add(twice));
  const negOdd = odd.map((p) => p.negate());

  // Horner evaluation from the most significant digit: acc = 2·acc + dᵢ·P.
  // The top digit is always positive (the leading bit of k), so the
  // accumulator starts as a table entry instead of identity + addition.
  const digits = wnafDigits(k);
  const top = digits.length - 1;
  let acc = odd[((digits[top] as number) - 1) >> 1] as Point;
  for (let i = top - 1; i >= 0; i--) {
    acc = acc.double();
    const d = digits[i] as number;
    if (d > 0) acc = acc.add(odd[(d - 1) >> 1] as Point);
    else if (d < 0) acc = acc.add(negOdd[(-d - 1) >> 1] as Point);
  }
  return acc;
}
