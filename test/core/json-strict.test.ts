import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseJSONStrict } from '../../src/core/json/strict.js';

const enc = (s: string) => new TextEncoder().encode(s);
function problem(input: string | Uint8Array, limits?: Parameters<typeof parseJSONStrict>[1]) {
  const r = parseJSONStrict(input, limits);
  if (r.ok) throw new Error(`expected a rejection, parsed ${JSON.stringify(r.value)}`);
  return r.error;
}

describe('parseJSONStrict accepts RFC 8259 JSON', () => {
  it('parses every value kind like JSON.parse', () => {
    const text = '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n\\/"],"b":{"c":{}},"d":[]}';
    const r = parseJSONStrict(text);
    expect(r).toEqual({ ok: true, value: JSON.parse(text) });
  });
  it('decodes escaped surrogate pairs and raw astral characters', () => {
    expect(parseJSONStrict('"\\ud83d\\ude00 😀"')).toEqual({ ok: true, value: '😀 😀' });
  });
  it('keeps __proto__ as an own data property, never a prototype', () => {
    const r = parseJSONStrict('{"__proto__":{"polluted":true}}');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const v = r.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.hasOwn(v, '__proto__')).toBe(true);
    expect((v as { polluted?: boolean }).polluted).toBeUndefined();
  });
  it('accepts the largest safe integers and whitespace of all four kinds', () => {
    expect(parseJSONStrict(' \t\r\n[9007199254740991,-9007199254740991]\n')).toEqual({
      ok: true,
      value: [9007199254740991, -9007199254740991],
    });
  });
  it('parses bytes and strings alike', () => {
    expect(parseJSONStrict(enc('{"k":"välue"}'))).toEqual({ ok: true, value: { k: 'välue' } });
  });
});

describe('parseJSONStrict rejects with a stable code, pointer and position', () => {
  const cases: [string, string | Uint8Array, string, string, number, number][] = [
    // name, input, code, pointer, line, column
    ['duplicate key', '{"a":1,\n "a":2}', 'JSON_DUPLICATE_KEY', '/a', 2, 2],
    ['duplicate key in nested object', '{"x":[{"k":1,"k":1}]}', 'JSON_DUPLICATE_KEY', '/x/0/k', 1, 14],
    ['trailing value', '{} {}', 'JSON_TRAILING_DATA', '', 1, 4],
    ['trailing garbage', '[1]x', 'JSON_TRAILING_DATA', '', 1, 4],
    ['BOM in text', '\ufeff{}', 'JSON_BOM', '', 1, 1],
    ['BOM in bytes', new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), 'JSON_BOM', '', 1, 1],
    ['invalid UTF-8 byte', new Uint8Array([0x5b, 0x22, 0xc3, 0x28, 0x22, 0x5d]), 'JSON_INVALID_UTF8', '', 1, 4],
    ['overlong UTF-8', new Uint8Array([0x22, 0xc0, 0xaf, 0x22]), 'JSON_INVALID_UTF8', '', 1, 2],
    ['UTF-8 encoded surrogate', new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]), 'JSON_INVALID_UTF8', '', 1, 3],
    ['lone high surrogate escape', '["\\ud800"]', 'JSON_LONE_SURROGATE', '/0', 1, 3],
    ['lone low surrogate escape', '{"k":"\\udc00"}', 'JSON_LONE_SURROGATE', '/k', 1, 7],
    ['high surrogate followed by non-low', '"\\ud800\\u0041"', 'JSON_LONE_SURROGATE', '', 1, 2],
    ['raw lone surrogate in text', '"\ud800"', 'JSON_LONE_SURROGATE', '', 1, 2],
    ['integer above 2^53-1', '[9007199254740992]', 'JSON_UNSAFE_INTEGER', '/0', 1, 2],
    ['integer below -(2^53-1)', '{"n":-9007199254740993}', 'JSON_UNSAFE_INTEGER', '/n', 1, 6],
    ['number overflowing to Infinity', '1e309', 'JSON_NUMBER_NOT_REPRESENTABLE', '', 1, 1],
    ['raw control character', '"a\u0001"', 'JSON_SYNTAX', '', 1, 3],
    ['bad escape', '"\\x41"', 'JSON_SYNTAX', '', 1, 2],
    ['short unicode escape', '"\\u12"', 'JSON_SYNTAX', '', 1, 6],
    ['leading zero', '01', 'JSON_TRAILING_DATA', '', 1, 2],
    ['leading plus', '+1', 'JSON_SYNTAX', '', 1, 1],
    ['bare fraction dot', '1.', 'JSON_SYNTAX', '', 1, 3],
    ['empty exponent', '1e', 'JSON_SYNTAX', '', 1, 3],
    ['NaN', 'NaN', 'JSON_SYNTAX', '', 1, 1],
    ['single quotes', "{'a':1}", 'JSON_SYNTAX', '', 1, 2],
    ['trailing comma in array', '[1,]', 'JSON_SYNTAX', '/1', 1, 4],
    ['trailing comma in object', '{"a":1,}', 'JSON_SYNTAX', '', 1, 8],
    ['missing colon', '{"a" 1}', 'JSON_SYNTAX', '/a', 1, 6],
    ['unterminated string', '"abc', 'JSON_SYNTAX', '', 1, 5],
    ['empty input', '', 'JSON_SYNTAX', '', 1, 1],
    ['only whitespace', '  \n', 'JSON_SYNTAX', '', 2, 1],
    ['comment', '// x\n1', 'JSON_SYNTAX', '', 1, 1],
    ['misspelled literal', '[tru]', 'JSON_SYNTAX', '/0', 1, 2],
    ['non-breaking space as whitespace', '\u00a0{}', 'JSON_SYNTAX', '', 1, 1],
  ];
  for (const [name, input, code, pointer, line, column] of cases) {
    it(name, () => {
      const e = problem(input);
      expect({ code: e.code, pointer: e.pointer, line: e.line, column: e.column }).toEqual({ code, pointer, line, column });
      expect(e.message).toMatch(/^expected /);
    });
  }

  it('enforces maxBytes on bytes and on strings', () => {
    expect(problem(enc('[1,2,3]'), { maxBytes: 6 }).code).toBe('JSON_TOO_LARGE');
    expect(problem('"ééé"', { maxBytes: 7 }).code).toBe('JSON_TOO_LARGE'); // 8 UTF-8 bytes
    expect(parseJSONStrict('"ééé"', { maxBytes: 8 }).ok).toBe(true);
  });
  it('enforces maxDepth (inclusive)', () => {
    expect(parseJSONStrict('[[[]]]', { maxDepth: 3 }).ok).toBe(true);
    const e = problem('[[[[]]]]', { maxDepth: 3 });
    expect([e.code, e.pointer]).toEqual(['JSON_TOO_DEEP', '/0/0/0']);
    expect(problem('{"a":{"b":{"c":{}}}}', { maxDepth: 3 }).pointer).toBe('/a/b/c');
  });
  it('enforces maxMembers for arrays and objects', () => {
    expect(parseJSONStrict('[1,2]', { maxMembers: 2 }).ok).toBe(true);
    expect(problem('[1,2,3]', { maxMembers: 2 }).code).toBe('JSON_TOO_MANY_MEMBERS');
    expect(problem('{"a":1,"b":2,"c":3}', { maxMembers: 2 }).code).toBe('JSON_TOO_MANY_MEMBERS');
  });
  it('enforces maxStringLength for values and member names', () => {
    expect(problem('["abcd"]', { maxStringLength: 3 }).code).toBe('JSON_STRING_TOO_LONG');
    expect(problem('{"abcd":1}', { maxStringLength: 3 }).code).toBe('JSON_STRING_TOO_LONG');
  });
  it('integersOnly refuses fractions and exponents but not integers', () => {
    expect(parseJSONStrict('[1,-2,0]', { integersOnly: true }).ok).toBe(true);
    expect(problem('{"t":1.0}', { integersOnly: true })).toMatchObject({ code: 'JSON_NUMBER_NOT_INTEGER', pointer: '/t' });
    expect(problem('[1e3]', { integersOnly: true }).code).toBe('JSON_NUMBER_NOT_INTEGER');
  });
  it('counts columns in code points, not UTF-16 units', () => {
    expect(problem('["😀😀",]').column).toBe(7);
  });
  it('throws only for a caller bug (wrong argument type)', () => {
    expect(() => parseJSONStrict(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('parseJSONStrict properties', () => {
  it('agrees with JSON.parse on every JSON text it accepts', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        const r = parseJSONStrict(text, { maxDepth: 1000 });
        if (r.ok) expect(r.value).toEqual(JSON.parse(text));
        else expect(['JSON_UNSAFE_INTEGER', 'JSON_LONE_SURROGATE']).toContain(r.error.code);
      }),
      { numRuns: 500 },
    );
  });
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const r = parseJSONStrict(s);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const r = parseJSONStrict(b);
        if (!r.ok) expect(r.error.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 2000 },
    );
  });
  it('never throws on mutated JSON text (single character edits)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.string({ minLength: 0, maxLength: 2 }), (v, at, ins) => {
        const text = JSON.stringify(v);
        const i = text.length ? at % text.length : 0;
        const mutated = text.slice(0, i) + ins + text.slice(i + 1);
        expect(() => parseJSONStrict(mutated)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
  it('rejects hostile depth without a stack overflow, and big inputs in bounded time', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(problem(deep).code).toBe('JSON_TOO_DEEP');
    const deepObj = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    expect(problem(deepObj).code).toBe('JSON_TOO_DEEP');
    const wide = '[' + '0,'.repeat(999_999) + '0]';
    expect(parseJSONStrict(wide).ok).toBe(true);
    expect(problem('[' + '0,'.repeat(1_000_000) + '0]').code).toBe('JSON_TOO_MANY_MEMBERS');
    const long = '"' + 'a'.repeat(2 * 1024 * 1024) + '"';
    expect(problem(long).code).toBe('JSON_STRING_TOO_LONG');
  });
});
