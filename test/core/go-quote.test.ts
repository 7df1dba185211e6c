import { describe, expect, test } from 'vitest';
import { goQuote, goQuoteBytes } from '../../src/core/go-quote.js';

/**
 * Expected values are what Go's `strconv.Quote` returns (Go 1.26,
 * `strconv/quote.go`: `appendQuotedWith` + `appendEscapedRune`), written
 * here as JavaScript string literals of Go's output.
 */
describe('goQuoteBytes — Go strconv.Quote over byte strings', () => {
  const b = (...xs: number[]) => Uint8Array.from(xs);
  // [input bytes, Go's output, why]
  const cases: [Uint8Array, string, string][] = [
    [b(), '""', 'empty'],
    [new TextEncoder().encode('bin/linux-amd64/plugin'), '"bin/linux-amd64/plugin"', 'plain ASCII'],
    [b(0x22, 0x5c), '"\\"\\\\"', 'quote and backslash are escaped'],
    [b(0x07, 0x08, 0x0c, 0x0a, 0x0d, 0x09, 0x0b), '"\\a\\b\\f\\n\\r\\t\\v"', 'short escapes'],
    [b(0x00, 0x1b, 0x7f), '"\\x00\\x1b\\x7f"', 'other C0 controls and DEL as \\x'],
    [b(0xff), '"\\xff"', 'invalid lead byte'],
    [b(0x61, 0xff, 0x62), '"a\\xffb"', 'invalid byte between ASCII'],
    [b(0xc0, 0x80), '"\\xc0\\x80"', 'overlong NUL: two invalid bytes'],
    [b(0xed, 0xa0, 0x80), '"\\xed\\xa0\\x80"', 'UTF-8 of a surrogate half is invalid'],
    [b(0xf4, 0x90, 0x80, 0x80), '"\\xf4\\x90\\x80\\x80"', 'above U+10FFFF'],
    [b(0xe2, 0x82), '"\\xe2\\x82"', 'truncated sequence'],
    [b(0xe2, 0x82, 0x41), '"\\xe2\\x82A"', 'bad continuation: one byte at a time'],
    [b(0xef, 0xbf, 0xbd), '"\ufffd"', 'a valid U+FFFD is printable and stays raw'],
    [b(0xc3, 0xa9), '"é"', 'printable Latin letter'],
    [b(0xc2, 0x85), '"\\u0085"', 'C1 control NEL'],
    [b(0xc2, 0xa0), '"\\u00a0"', 'no-break space (Zs) is not printable'],
    [b(0xc2, 0xad), '"\\u00ad"', 'soft hyphen (Cf)'],
    [b(0xe2, 0x80, 0xa8), '"\\u2028"', 'line separator (Zl)'],
    [b(0xef, 0xbb, 0xbf), '"\\ufeff"', 'BOM (Cf)'],
    [b(0xf0, 0x9f, 0x98, 0x80), '"\u{1f600}"', 'emoji (So) is printable'],
    [b(0xf3, 0xa0, 0x80, 0x81), '"\\U000e0001"', 'language tag (Cf) above the BMP'],
    [b(0xee, 0x80, 0x80), '"\\ue000"', 'private use (Co)'],
  ];
  test.each(cases)('%#: %s → %s (%s)', (input, want) => {
    expect(goQuoteBytes(input)).toBe(want);
  });
});

describe('goQuote — strings', () => {
  test('quotes the UTF-8 of the string', () => {
    expect(goQuote('a"b\n')).toBe('"a\\"b\\n"');
    expect(goQuote('\u00a0é')).toBe('"\\u00a0é"');
    expect(goQuote('a\\b')).toBe('"a\\\\b"');
  });
  test('a lone surrogate is encoded as U+FFFD, which is printable', () => {
    expect(goQuote('x\ud800y')).toBe('"x\ufffdy"');
  });
  test('the printable-ASCII shortcut gives what the byte path gives, for every ASCII character and mixes of them', () => {
    const enc = new TextEncoder();
    for (let c = 0; c < 0x80; c++) {
      const s = `a${String.fromCharCode(c)}b`;
      expect(goQuote(s), `U+${c.toString(16)}`).toBe(goQuoteBytes(enc.encode(s)));
    }
    const all = Array.from({ length: 0x80 }, (_, c) => String.fromCharCode(c)).join('');
    expect(goQuote(all)).toBe(goQuoteBytes(enc.encode(all)));
    expect(goQuote('')).toBe('""');
    expect(goQuote('acme.fetch/items')).toBe('"acme.fetch/items"');
  });
  test('caller bugs throw', () => {
    expect(() => goQuote(1 as unknown as string)).toThrow(TypeError);
    expect(() => goQuoteBytes('x' as unknown as Uint8Array)).toThrow(TypeError);
  });
});
