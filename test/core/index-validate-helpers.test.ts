/**
 * The two fast paths the index validator relies on give the same verdicts as
 * the rules they stand in for:
 * - `isCanonicalBase64(s, n)` (core/base64, allocation-free) ≡
 *   `decodeCanonicalBase64(s, n) !== null` (interop §C.2);
 * - the validator's URL check (a plain-URL fast path, then `isHttpsUrl`) ≡
 *   `isHttpsUrl` (interop §E.2 rule 28), observed through validateIndex.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCanonicalBase64, encodeBase64, isCanonicalBase64 } from '../../src/core/base64.js';
import { isHttpsUrl } from '../../src/core/rules.js';
import { validateIndex } from '../../src/core/index/validate.js';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

describe('isCanonicalBase64 ≡ decodeCanonicalBase64 !== null (interop §C.2)', () => {
  const agree = (s: unknown, n: number): void => {
    expect(isCanonicalBase64(s, n), `${JSON.stringify(s)} / ${n}`).toBe(decodeCanonicalBase64(s, n) !== null);
  };

  it('every last data character of every length 0..7 (trailing bits)', () => {
    for (let n = 0; n <= 7; n++) {
      const good = encodeBase64(new Uint8Array(n).fill(0xa5));
      expect(isCanonicalBase64(good, n)).toBe(true);
      const stripped = good.replace(/=+$/, '');
      for (const c of B64 + '=-_. \n') {
        const s = stripped.slice(0, -1) + c + good.slice(stripped.length);
        for (let m = 0; m <= 8; m++) agree(s, m);
      }
    }
  });

  it('padding variants and non-strings', () => {
    for (const s of ['', '=', '==', 'AA', 'AA=', 'AA==', 'AA===', 'AAA', 'AAA=', 'AAA==', 'AAAA', 'AAAA=', 'A===', '====']) {
      for (let m = 0; m <= 4; m++) agree(s, m);
    }
    for (const v of [null, undefined, 32, ['AAAA'], {}, new Uint8Array(3)]) agree(v, 3);
  });

  it('32- and 64-byte keys/signatures from random bytes, and single-character mutations of them', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 70 }),
        fc.nat(),
        fc.constantFrom(...(B64 + '=\u00e9\u0000-_').split('')),
        fc.integer({ min: 0, max: 70 }),
        (bytes, pos, ch, n) => {
          const s = encodeBase64(bytes);
          agree(s, bytes.length);
          agree(s, n);
          const i = s.length === 0 ? 0 : pos % s.length;
          const t = s.slice(0, i) + ch + s.slice(i + 1);
          agree(t, bytes.length);
          agree(t, 32);
          agree(t, 64);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...(B64 + '=').split('')), maxLength: 100 }), fc.integer({ min: 0, max: 80 }), (s, n) => {
        agree(s, n);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the validator URL check ≡ isHttpsUrl (interop §E.2 rule 28)', () => {
  const fixture: ReturnType<typeof JSON.parse> = JSON.parse(
    readFileSync(fileURLToPath(new URL('../fixtures/index/valid-full.json', import.meta.url)), 'utf8'),
  );
  /** true when validateIndex accepts `url` as a manifest_url. */
  function accepted(url: unknown): boolean {
    const d = structuredClone(fixture);
    d.plugins[2].releases[0].manifest_url = url;
    const problems = validateIndex(d);
    expect(problems.every((p) => p.code === 'RELEASE_MANIFEST_URL_INVALID')).toBe(true);
    return problems.length === 0;
  }
  const agree = (url: unknown): void => {
    expect(accepted(url), JSON.stringify(url)).toBe(isHttpsUrl(url));
  };

  it('edge cases of WHATWG parsing', () => {
    const cases = [
      'https://example.org/a', 'https://example.org', 'https://localhost/x', 'https://a/b', 'https://a-b.c-d/e',
      'https://1.2.3.4/x', 'https://1.2.3.999/x', 'https://a.0x1/x', 'https://a.1/x', 'https://a.09/x', 'https://0x7f.1/',
      'https://xn--nxasmq6b.com/', 'https://xn--a.com/', 'https://a.xn--/x', 'https://example.org/xn--/a',
      'https://example.org:443/a', 'https://example.org:99999/a', 'https://u@example.org/', 'https://u:p@example.org/',
      'https://example.org/@x', 'https://example.org/%zz', 'https://example.org/é', 'https://EXAMPLE.org/a', 'HTTPS://example.org/a',
      'https:example.org/a', 'https:/example.org/a', 'https:///example.org/a', 'https://example..org/', 'https://.example.org/',
      'https://example.org./', 'https://-.org/', 'https://a_b.org/', 'https://[::1]/', 'https://example.org/a b',
      'https://example.org/a\\b', 'https://example.org/?', 'https://example.org/#', 'http://example.org/', 'ftp://example.org/',
      'https://', 'https:', '', 'https://example.org/' + 'a'.repeat(2030), 'https://example.org/' + 'a'.repeat(2029),
      5, null, ['https://example.org/'],
    ];
    for (const c of cases) agree(c);
  });

  it('random URLs', () => {
    fc.assert(fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (u) => {
      agree(u);
    }), { numRuns: 500 });
    fc.assert(fc.property(fc.webUrl().map((u) => u.replace(/^http:/, 'https:')), (u) => {
      agree(u);
    }), { numRuns: 500 });
  });

  it('random strings over a URL alphabet', () => {
    const unit = fc.constantFrom(...'https:/.-_@?#%:[]0123456789abcxnAZ \\\u00e9'.split(''));
    fc.assert(fc.property(fc.string({ unit, maxLength: 30 }), (tail) => {
      agree('https://' + tail);
      agree('https:' + tail);
    }), { numRuns: 1500 });
  });
});
