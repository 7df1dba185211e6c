import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  goTrimSpace, hasControl, isAlphaPrerelease, isHttpsUrl, isHttpsUrlUpstream, isPrerelease, isRFC3339UTC,
  isV2Version, validIndexID, validPluginID, formatRFC3339UTC, parseRFC3339UTC,
} from '../../src/core/rules.js';
import { decodeCanonicalBase64, encodeBase64, goDecodePublicKey, goDecodeRawStdThenStd } from '../../src/core/base64.js';
import { SERVER_VERSIONS, capabilityRisk, highestRisk, serverLineProfile, capabilityMeaning } from '../../src/core/server-line.js';

describe('validPluginID (interop §A.4)', () => {
  const valid = ['abc', 'latticenet.netguard', 'a-.b', 'a.-b', 'a--b', '0x9', 'a'.repeat(128)];
  const invalid = ['ab', 'a'.repeat(129), 'A.b', 'a_b', 'a..b', '.ab', 'ab.', '-ab', 'ab-', 'a b', 'ä.bc', ''];
  for (const s of valid) it(`accepts ${s.slice(0, 20)}`, () => expect(validPluginID(s)).toBe(true));
  for (const s of invalid) it(`rejects ${JSON.stringify(s.slice(0, 20))}`, () => expect(validPluginID(s)).toBe(false));
  it('index ids must satisfy both the upstream regex and the server rule', () => {
    expect(validIndexID('a_b.c')).toBe(false); // upstream yes, server no
    expect(validIndexID('a..b')).toBe(false); // upstream yes, server no
    expect(validIndexID('a'.repeat(81))).toBe(false); // server yes, upstream no
    expect(validIndexID('latticenet.vpn-core')).toBe(true);
  });
});

describe('versions and prereleases', () => {
  it('server v2 version rule (§A.4.1 step 3)', () => {
    for (const v of ['0.1.0', '0.8.0-alpha.14', '1.0.0+build.5', 'v1']) expect(isV2Version(v)).toBe(true);
    for (const v of ['', '-1', '1..2', '1:2', '.1', 'a'.repeat(65), '1.0 ']) expect(isV2Version(v)).toBe(false);
  });
  it('prerelease follows the server (any "-"), alpha follows upstream', () => {
    expect(isPrerelease('1.0.0-beta.1')).toBe(true);
    expect(isPrerelease('1.0.0')).toBe(false);
    expect(isAlphaPrerelease('1.0.0-ALPHA.1')).toBe(true);
    expect(isAlphaPrerelease('1.0.0-alpha')).toBe(true);
    expect(isAlphaPrerelease('1.0.0-alphabet')).toBe(false);
    expect(isAlphaPrerelease('1.0.0-beta.1')).toBe(false);
  });
});

describe('Go text rules', () => {
  it('goTrimSpace strips Unicode White_Space like Go, not like JS trim', () => {
    expect(goTrimSpace('\u0085 x \u3000')).toBe('x');
    expect(goTrimSpace('\ufeffx')).toBe('\ufeffx');
    expect(goTrimSpace(' \t\n')).toBe('');
  });
  it('hasControl: C0 and DEL only', () => {
    expect(hasControl('a\u007f')).toBe(true);
    expect(hasControl('a\u0000')).toBe(true);
    expect(hasControl('a\u0085')).toBe(false);
  });
});

describe('timestamps', () => {
  it('RFC 3339 UTC with calendar checks', () => {
    for (const s of ['2026-08-22T12:01:32Z', '2024-02-29T00:00:00Z', '2026-01-01T00:00:00.123Z']) expect(isRFC3339UTC(s)).toBe(true);
    for (const s of ['2026-08-22T12:01:32', '2026-08-22 12:01:32Z', '2025-02-29T00:00:00Z', '2026-13-01T00:00:00Z',
      '2026-04-31T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:60Z', '2026-01-01T00:00:00+00:00', 'Z', 20260101]) {
      expect(isRFC3339UTC(s)).toBe(false);
    }
  });
  it('round-trips through format/parse', () => {
    const ms = Date.UTC(2026, 10, 21, 10, 30, 5);
    expect(formatRFC3339UTC(ms)).toBe('2026-11-21T10:30:05Z');
    expect(parseRFC3339UTC('2026-11-21T10:30:05Z')).toBe(ms);
    expect(() => parseRFC3339UTC('yesterday')).toThrow(TypeError);
  });
});

describe('URL hygiene (§E.2 rule 28, tightened)', () => {
  it('accepts plain https URLs', () => expect(isHttpsUrl('https://example.org/x/y.tar.gz')).toBe(true));
  for (const u of ['http://example.org/a', 'https://user@example.org/a', 'https://u:p@example.org/a', 'https://example.org/a?x=1',
    'https://example.org/a#f', 'https:///a', 'ftp://example.org', 'https://exa mple.org/', 'https://example.org\\a', 'not a url']) {
    it(`rejects ${u}`, () => expect(isHttpsUrl(u)).toBe(false));
  }
  it('refuses a bare ? or # that upstream let through', () => {
    expect(isHttpsUrlUpstream('https://example.org/a?')).toBe(true);
    expect(isHttpsUrl('https://example.org/a?')).toBe(false);
    expect(isHttpsUrl('https://example.org/a#')).toBe(false);
  });
});

describe('base64', () => {
  it('encodes canonical padded standard base64', () => {
    expect(encodeBase64(new Uint8Array([]))).toBe('');
    expect(encodeBase64(new Uint8Array([1]))).toBe('AQ==');
    expect(encodeBase64(new Uint8Array([1, 2]))).toBe('AQI=');
    expect(encodeBase64(new Uint8Array([251, 255, 191]))).toBe('+/+/');
    expect(() => encodeBase64('x' as unknown as Uint8Array)).toThrow(TypeError);
  });
  it('matches Buffer on arbitrary bytes both ways', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
      const s = encodeBase64(b);
      expect(s).toBe(Buffer.from(b).toString('base64'));
      expect(decodeCanonicalBase64(s)).toEqual(b);
    }));
  });
  it('the index accepts only canonical padded base64 of the right length (§C.2)', () => {
    const key = encodeBase64(new Uint8Array(32).fill(7));
    expect(decodeCanonicalBase64(key, 32)).not.toBeNull();
    expect(decodeCanonicalBase64(key, 64)).toBeNull();
    expect(decodeCanonicalBase64(key.replace(/=$/, ''), 32)).toBeNull(); // unpadded
    expect(decodeCanonicalBase64('AR==')).toBeNull(); // non-zero trailing bits
    expect(decodeCanonicalBase64('AQ==\n')).toBeNull();
    expect(decodeCanonicalBase64('AQ-_')).toBeNull(); // URL alphabet
    expect(decodeCanonicalBase64(42)).toBeNull();
  });
  // Expected values from Go's encoding/base64 decodeQuantum (Go 1.19–1.26 source).
  const goCases: [string, number[] | string][] = [
    ['AQID', [1, 2, 3]],
    ['AQI', [1, 2]], // raw
    ['AQI=', [1, 2]], // padded
    ['AR==', [1]], // trailing bits not checked
    ['AQ\r\nID', [1, 2, 3]], // CR/LF skipped
    ['', []],
    ['A', 'illegal base64 data at input byte 0'],
    ['AQID!', 'illegal base64 data at input byte 4'],
    ['AQ=', 'illegal base64 data at input byte 3'],
    ['AQ==AQ', 'illegal base64 data at input byte 4'],
    ['AQ= =', 'illegal base64 data at input byte 2'],
    ['A===', 'illegal base64 data at input byte 1'],
    [' AQID', 'illegal base64 data at input byte 0'],
    ['AQIDAQ=', 'illegal base64 data at input byte 7'],
  ];
  for (const [input, want] of goCases) {
    it(`Go raw-then-std decode of ${JSON.stringify(input)}`, () => {
      const r = goDecodeRawStdThenStd(input);
      if (typeof want === 'string') expect(r).toEqual({ ok: false, error: want });
      else expect(r).toEqual({ ok: true, bytes: Uint8Array.from(want) });
    });
  }
  it('Go public key decode trims and checks length (§B.7)', () => {
    const k = encodeBase64(new Uint8Array(32).fill(1));
    expect(goDecodePublicKey(`  ${k}\n`).ok).toBe(true);
    expect(goDecodePublicKey(k.replace('=', '')).ok).toBe(true);
    expect(goDecodePublicKey('AQID')).toEqual({ ok: false, error: 'invalid ed25519 public key length' });
    expect(goDecodePublicKey('!!')).toEqual({ ok: false, error: 'invalid base64' });
  });
});

describe('server-line tables (interop §0, §C.3)', () => {
  it('main has 29 capabilities, alpha-0.2.2a41 31, and the integration alias (integration-2026-09) 32', () => {
    expect(serverLineProfile('main').capabilities.size).toBe(29);
    expect(serverLineProfile('alpha-0.2.2a41').capabilities.size).toBe(31);
    expect(serverLineProfile('integration').version).toBe('integration-2026-09');
    expect(serverLineProfile('integration').capabilities.size).toBe(32);
    expect(capabilityRisk('wireguard:admin', 'main')).toBeUndefined();
    expect(capabilityRisk('wireguard:admin', 'integration')).toBe('host');
    expect(capabilityRisk('task:schedule', 'alpha-0.2.2a41')).toBeUndefined();
    expect(capabilityRisk('task:schedule', 'integration')).toBe('host');
  });
  it('integration adds stdio-json-v2 and the v1 dependencies line', () => {
    expect(serverLineProfile('main').runtimeProtocols).toEqual(['stdio-json-v1']);
    expect(serverLineProfile('integration').runtimeProtocols).toEqual(['stdio-json-v1', 'stdio-json-v2']);
    expect(serverLineProfile('main').v1PayloadIncludesDependencies).toBe(false);
    expect(serverLineProfile('integration').knownScopes.has('wireguard:read')).toBe(true);
    expect(serverLineProfile('main').knownScopes.has('wireguard:read')).toBe(false);
  });
  it('highestRisk treats unknown capabilities as host (fail closed)', () => {
    expect(highestRisk([])).toBe('read');
    expect(highestRisk(['kv:read', 'kv:write'])).toBe('write');
    expect(highestRisk(['kv:read', 'made:up'])).toBe('host');
  });
  it('every capability of every known version has a plain-language meaning', () => {
    for (const v of SERVER_VERSIONS) for (const c of serverLineProfile(v).capabilities.keys()) expect(capabilityMeaning(c)).toMatch(/\.$/);
  });
  it('refuses an unknown line (caller bug)', () => {
    expect(() => serverLineProfile('dev' as 'main')).toThrow(TypeError);
  });
});

describe('isRFC3339UTC agrees with a reference regex on arbitrary near-timestamps', () => {
  const REF = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?Z$/;
  const reference = (s: string): boolean => {
    const m = REF.exec(s);
    if (!m) return false;
    const [, y, mo, d, h, mi, se] = m.map(Number) as number[];
    const leap = (y! % 4 === 0 && y! % 100 !== 0) || y! % 400 === 0;
    const dim = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo! - 1];
    return mo! >= 1 && mo! <= 12 && d! >= 1 && dim !== undefined && d! <= dim && h! <= 23 && mi! <= 59 && se! <= 59;
  };
  it('same verdict as the regex on mutated timestamps', () => {
    const alphabet = '0123456789-T:.Z+ x';
    fc.assert(
      fc.property(fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 0)), noInvalidDate: true }), fc.array(fc.tuple(fc.nat(40), fc.nat(alphabet.length - 1)), { maxLength: 3 }), (d, edits) => {
        let s = d.toISOString();
        for (const [at, ch] of edits) s = s.slice(0, at % (s.length + 1)) + alphabet[ch] + s.slice((at % (s.length + 1)) + 1);
        expect(isRFC3339UTC(s)).toBe(reference(s));
      }),
      { numRuns: 5000 },
    );
  });
});
