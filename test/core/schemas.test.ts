/**
 * schemas/*.schema.json: shape of the files, one $id scheme, closed objects,
 * ajv strict compilation, and no drift from the single sources of truth
 * (the capability table in src/core/server-lines/, the rules in
 * src/core/rules.ts, the base64 rule in src/core/base64.ts, the format
 * vocabulary in src/core/index/types.ts and validate.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBase64, isCanonicalBase64 } from '../../src/core/base64.js';
import { INDEX_STATUSES, PLUGIN_TYPES, RELEASE_CHANNELS } from '../../src/core/index/types.js';
import { LICENSE_RE, MAX_LICENSE_LENGTH, MAX_TAGS, TAG_RE } from '../../src/core/index/validate.js';
import {
  SHA256_HEX_RE, isAlphaPrerelease, isHttpsUrl, isPrerelease, isRFC3339UTC, validIndexID, validIndexVersion,
} from '../../src/core/rules.js';
import { serverLineProfile } from '../../src/core/server-line.js';

const SCHEMA_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));
const ID_BASE = 'https://schemas.latticenet.dev/plugin-index/v1/';
const FILES = ['plugin-index', 'publisher', 'plugin', 'revocations'] as const;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Schema = any;
const schemas: Record<(typeof FILES)[number], Schema> = Object.fromEntries(
  FILES.map((f) => [f, JSON.parse(readFileSync(`${SCHEMA_DIR}${f}.schema.json`, 'utf8'))]),
) as Record<(typeof FILES)[number], Schema>;
const publisherDefs = schemas.publisher.$defs;
const pluginDefs = schemas.plugin.$defs;

/** Every subschema, with its JSON pointer inside the file. */
function* walk(node: Schema, ptr = ''): Generator<[string, Schema]> {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) yield* walk(node[i], `${ptr}/${i}`);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  yield [ptr, node];
  for (const [k, v] of Object.entries(node)) {
    if (k === 'enum' || k === 'const' || k === 'required') continue;
    yield* walk(v, `${ptr}/${k}`);
  }
}

function compileAll() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  for (const f of FILES) ajv.addSchema(schemas[f]);
  return ajv;
}

/** A standalone validator for one `$defs` entry of a file. */
function defValidator(file: (typeof FILES)[number], def: string) {
  const ajv = compileAll();
  return ajv.compile({ $ref: `${ID_BASE}${file}.schema.json#/$defs/${def}` });
}

describe('schema files', () => {
  it('schemas/ holds exactly the four index schemas and the install policy schema', () => {
    // The install policy schema is tested with its parser (test/install/).
    expect(readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.json')).sort()).toEqual([...FILES, 'install-policy'].map((f) => `${f}.schema.json`).sort());
  });

  it.each(FILES)('%s: draft 2020-12, $id = %s under one scheme, a title and a description', (f) => {
    const s = schemas[f];
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(s.$id).toBe(`${ID_BASE}${f}.schema.json`);
    expect(typeof s.title).toBe('string');
    expect(typeof s.description).toBe('string');
  });

  it.each(FILES)('%s: every object schema is closed (additionalProperties: false)', (f) => {
    for (const [ptr, node] of walk(schemas[f])) {
      // An object schema that declares members; if/then/else branches only add constraints to a closed parent.
      const isBranch = /\/(if|then|else)(\/|$)/.test(ptr);
      if (node.type === 'object' && node.properties && !isBranch) {
        expect(node.additionalProperties, `${f}${ptr}`).toBe(false);
      }
    }
  });

  it('cross-file references use relative $refs between the four files only', () => {
    for (const f of FILES) {
      for (const [ptr, node] of walk(schemas[f])) {
        if (typeof node.$ref !== 'string') continue;
        expect(node.$ref, `${f}${ptr}`).toMatch(/^(#|(plugin-index|publisher|plugin|revocations)\.schema\.json(#|$))/);
      }
    }
    // The index composes the three entry schemas.
    const refs = JSON.stringify(schemas['plugin-index']);
    for (const f of ['publisher', 'plugin', 'revocations']) expect(refs).toContain(`"${f}.schema.json"`);
  });

  it('all four compile in ajv strict mode, and each entry schema compiles on its own ref', () => {
    const ajv = compileAll();
    for (const f of FILES) expect(ajv.getSchema(`${ID_BASE}${f}.schema.json`)).toBeTypeOf('function');
  });
});

describe('no drift from the sources of truth', () => {
  it('capability enum = serverLineProfile("integration").capabilities (drift test, interop §C.3)', () => {
    const table = [...serverLineProfile('integration').capabilities.keys()].sort();
    expect([...pluginDefs.capability.enum].sort()).toEqual(table);
    expect(new Set(pluginDefs.capability.enum).size).toBe(pluginDefs.capability.enum.length);
  });

  it('type, status and channel enums = src/core/index/types.ts', () => {
    expect(schemas.plugin.properties.type.enum).toEqual([...PLUGIN_TYPES]);
    expect(schemas['plugin-index'].properties.status.enum).toEqual([...INDEX_STATUSES]);
    expect(pluginDefs.release.properties.channel.enum).toEqual([...RELEASE_CHANNELS]);
    expect(Object.keys(pluginDefs.channels.properties)).toEqual([...RELEASE_CHANNELS]);
  });

  it('tag, license and sha256 patterns and limits = validate.ts / rules.ts', () => {
    expect(pluginDefs.tag.pattern).toBe(TAG_RE.source);
    expect(schemas.plugin.properties.license.pattern).toBe(LICENSE_RE.source);
    expect(schemas.plugin.properties.license.maxLength).toBe(MAX_LICENSE_LENGTH);
    expect(schemas.plugin.properties.tags.maxItems).toBe(MAX_TAGS);
    expect(pluginDefs.sha256.pattern).toBe(SHA256_HEX_RE.source);
  });

  // The remaining patterns are written for JSON Schema, so they are checked by behaviour.
  const idChars = fc.constantFrom(...'abcz0189.-_A'.split(''));
  const versionChars = fc.constantFrom(...'09aZ.+-_:'.split(''));

  it('id pattern ≡ validIndexID (upstream regex ∧ validPluginID)', () => {
    const v = defValidator('publisher', 'id');
    const agree = (s: string) => expect(v(s), JSON.stringify(s)).toBe(validIndexID(s));
    for (const s of ['abc', 'a.b', 'a..b', 'a_b', 'ab', 'a'.repeat(80), 'a'.repeat(81), '-ab', 'ab-', 'a-.b', 'A.b']) agree(s);
    fc.assert(fc.property(fc.string({ unit: idChars, maxLength: 12 }), (s) => { agree(s); }), { numRuns: 3000 });
  });

  it('version pattern ≡ validIndexVersion (upstream regex ∧ server v2 rule)', () => {
    const v = defValidator('plugin', 'version');
    const agree = (s: string) => expect(v(s), JSON.stringify(s)).toBe(validIndexVersion(s));
    for (const s of ['1', '1.0.0', '1..0', '1:0', '1_0', '-1', '.1', 'a'.repeat(64), 'a'.repeat(65), '1.0.0-alpha.1']) agree(s);
    fc.assert(fc.property(fc.string({ unit: versionChars, maxLength: 10 }), (s) => { agree(s); }), { numRuns: 3000 });
  });

  it('stable/alpha channel patterns ≡ !isPrerelease / isAlphaPrerelease on valid versions', () => {
    const stable = defValidator('plugin', 'stableVersion');
    const alpha = defValidator('plugin', 'alphaVersion');
    const unit = fc.constantFrom(...'01.-alphALPHAbe'.split(''));
    fc.assert(
      fc.property(fc.string({ unit, minLength: 1, maxLength: 14 }), (s) => {
        if (!validIndexVersion(s)) return;
        expect(stable(s), s).toBe(!isPrerelease(s));
        expect(alpha(s), s).toBe(isAlphaPrerelease(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('publicKey / signature patterns ≡ canonical padded base64 of 32 / 64 bytes (interop §C.2)', () => {
    const key = defValidator('publisher', 'publicKey');
    const sig = defValidator('publisher', 'signature');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 31, maxLength: 65 }), fc.nat(), fc.constantFrom(...alphabet.split('')), (bytes, pos, ch) => {
        const s = encodeBase64(bytes);
        const t = s.slice(0, pos % s.length) + ch + s.slice((pos % s.length) + 1);
        for (const x of [s, t]) {
          expect(key(x), x).toBe(isCanonicalBase64(x, 32));
          expect(sig(x), x).toBe(isCanonicalBase64(x, 64));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('timestamp pattern accepts every RFC 3339 UTC timestamp and refuses only calendar-invalid days beyond it', () => {
    const v = defValidator('publisher', 'timestamp');
    const two = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }),
        fc.option(fc.stringMatching(/^[0-9]{1,10}$/)),
        (y, mo, d, h, mi, se, frac) => {
          const s = `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(se)}${frac === null ? '' : `.${frac}`}Z`;
          if (isRFC3339UTC(s)) expect(v(s), s).toBe(true);
          else if (v(s)) expect(d, s).toBeGreaterThanOrEqual(29); // only Feb 29–31, Apr/Jun/Sep/Nov 31
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('httpsUrl pattern accepts every URL isHttpsUrl accepts (it only pre-filters)', () => {
    const v = defValidator('publisher', 'httpsUrl');
    fc.assert(fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (u) => {
      for (const x of [u, u.replace(/^http:/, 'https:')]) if (isHttpsUrl(x)) expect(v(x), x).toBe(true);
    }), { numRuns: 1000 });
    for (const bad of ['http://a.b/', 'https://a.b/?', 'https://a.b/#', 'https://a.b/ x', 'https://a.b\\x', 'ftp://a.b/']) expect(v(bad), bad).toBe(false);
  });

  it('nonBlankString pattern ≡ JavaScript trim() !== "" (interop §E.2 rule 7)', () => {
    const v = defValidator('publisher', 'nonBlankString');
    const unit = fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u2028', '\ufeff', '\u0085', '\u180e', 'a', '\u3000');
    fc.assert(fc.property(fc.string({ unit, maxLength: 5 }), (s) => {
      expect(v(s), JSON.stringify(s)).toBe(s.trim() !== '');
    }), { numRuns: 2000 });
  });
});
