/**
 * One corpus, two implementations (the ajv model, STYLE.md): every case of
 * test/fixtures/index/cases.ts runs through ajv over schemas/ and through
 * validateIndex.
 *
 * - Structural cases: both reject, and the set of instancePaths agrees
 *   (ajv's `required` / `additionalProperties` errors are moved to the
 *   member they name; ajv's `if` errors only echo a `then`/`else` error).
 *   Problems with a SEMANTIC code are left out of the comparison.
 * - Semantic cases (every problem code is in SEMANTIC_RULES, or the case is
 *   marked `semantic` and only uses MIXED_CODES): ajv accepts, validateIndex
 *   rejects.
 * - Property tests: validateIndex never throws, on any value and on random
 *   mutations of a valid index, within bounded time; and the schemas are
 *   never stricter than the validator (every ajv error path is among ours).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INDEX_PROBLEM_CODES, type IndexProblem, type IndexProblemCode } from '../../src/core/index/problems.js';
import { validateIndex } from '../../src/core/index/validate.js';
import { VECTORS } from '../vectors.js';
import { base, BASE, NEW_CASES, UPSTREAM_CASES, type Case, type Doc } from '../fixtures/index/cases.js';
// @ts-expect-error -- plain ESM helper without type declarations
import { syntheticIndex } from '../../bench/synthetic-index.mjs';

/**
 * Rules only validateIndex checks: JSON Schema cannot relate one value to
 * another (uniqueness, cross-references, ordering) or see inside a string
 * beyond a regex. Cases with only these codes must pass ajv. (The
 * publisher cross-references of §E.2 rules 12 and 33 are in MIXED_CODES:
 * a missing or non-string publisher is structural, an unlisted one is not.)
 */
const SEMANTIC_RULES: ReadonlyArray<{ code: IndexProblemCode; why: string }> = [
  { code: 'PUBLISHER_ID_DUPLICATED', why: 'uniqueness of publisher ids' },
  { code: 'PLUGIN_ID_DUPLICATED', why: 'uniqueness of plugin ids (§E.2 rule 10)' },
  { code: 'RELEASE_VERSION_DUPLICATED', why: 'uniqueness of release versions within a plugin (§E.2 rule 23)' },
  { code: 'PLUGIN_CAPABILITY_DUPLICATED', why: 'uniqueness of default capabilities (§E.2 rule 20)' },
  { code: 'CAPABILITY_REQUIRES_SYSTEM', why: 'capability risk depends on the plugin type (interop §C.4)' },
  { code: 'CAPABILITY_NOT_FOR_WORKER', why: 'worker allowlist depends on the plugin type (interop §C.4)' },
  { code: 'RELEASE_CAPABILITY_DUPLICATED', why: 'uniqueness of release capabilities (§E.2 rule 27)' },
  { code: 'PLUGIN_TAG_DUPLICATED', why: 'uniqueness of tags' },
  { code: 'KEY_HISTORY_KEY_DUPLICATED', why: 'a key appears once among key_history and the current key' },
  { code: 'PLUGIN_NAMESPACE', why: 'plugin id starts with "<publisher>."' },
  { code: 'PLUGIN_LATEST_MISMATCH', why: 'latest equals channels.stable (§E.2 rule 19)' },
  { code: 'PLUGIN_CHANNEL_RELEASE_MISSING', why: 'cross-reference channel → release (§E.2 rule 31)' },
  { code: 'PLUGIN_CHANNEL_RELEASE_MISMATCH', why: 'the selected release has the channel (§E.2 rule 32)' },
  { code: 'INDEX_EXPIRES_AT_NOT_AFTER_GENERATED_AT', why: 'ordering of two timestamps' },
  { code: 'KEY_HISTORY_WINDOW_EMPTY', why: 'valid_from before valid_until' },
  { code: 'KEY_HISTORY_WINDOW_OVERLAP', why: 'windows ordered and non-overlapping' },
  { code: 'RELEASE_LOADS_ON_UNEXPECTED', why: 'loads_on needs a stored manifest and the index-level server_versions (cross-level)' },
  { code: 'RELEASE_LOADS_ON_REQUIRED', why: 'a stored manifest needs loads_on when the index has server_versions (cross-level)' },
];
const SEMANTIC = new Set(SEMANTIC_RULES.map((r) => r.code));
/**
 * Codes whose check is partly structural and partly not: a case marked
 * `semantic` may exercise only the part the schema cannot see — WHATWG URL
 * parsing (host, userinfo, port), calendar validity of a timestamp
 * (February 29th, the 31st of short months), and whether a publisher id
 * names a listed publisher (§E.2 rules 12 and 33).
 */
const MIXED_CODES = new Set<IndexProblemCode>([
  'RELEASE_MANIFEST_URL_INVALID', 'RELEASE_ARTIFACT_URL_INVALID', 'PUBLISHER_HOMEPAGE_INVALID', 'PLUGIN_HOMEPAGE_INVALID',
  'PLUGIN_REPOSITORY_INVALID', 'INDEX_GENERATED_AT_NOT_RFC3339', 'INDEX_EXPIRES_AT_INVALID', 'RELEASE_PUBLISHED_AT_INVALID',
  'KEY_HISTORY_TIME_INVALID', 'REVOCATION_TIME_INVALID', 'PLUGIN_PUBLISHER_UNKNOWN', 'SIGNATURE_PUBLISHER_UNKNOWN',
  // The path's shape is structural; that it names this plugin and version is not.
  'RELEASE_STORED_MANIFEST_INVALID',
  // Version-id shape and uniqueness are structural; membership in server_versions and its order are not.
  'RELEASE_LOADS_ON_INVALID',
  // Characters are structural (maxLength); UTF-8 bytes are not.
  'PLUGIN_DESCRIPTION_INVALID', 'RELEASE_NOTES_INVALID',
]);

const SCHEMA_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));
const ajv = new Ajv2020({ allErrors: true, strict: true });
for (const f of ['publisher', 'plugin', 'revocations', 'plugin-index']) {
  ajv.addSchema(JSON.parse(readFileSync(`${SCHEMA_DIR}${f}.schema.json`, 'utf8')));
}
const ajvValidate = ajv.getSchema('https://schemas.latticenet.dev/plugin-index/v1/plugin-index.schema.json')!;

function escapeToken(t: string): string {
  return t.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** ajv errors as the instancePaths validateIndex uses. */
function ajvPaths(doc: unknown): Set<string> | null {
  if (ajvValidate(doc)) return null;
  const out = new Set<string>();
  for (const e of ajvValidate.errors as ErrorObject[]) {
    if (e.keyword === 'if') continue; // "must match then/else" echoes the branch's own error
    if (e.keyword === 'required' || e.keyword === 'dependentRequired') out.add(`${e.instancePath}/${escapeToken(String(e.params.missingProperty))}`);
    else if (e.keyword === 'additionalProperties') out.add(`${e.instancePath}/${escapeToken(String(e.params.additionalProperty))}`);
    else out.add(e.instancePath);
  }
  return out;
}

function structuralPaths(problems: IndexProblem[]): Set<string> {
  return new Set(problems.filter((p) => !SEMANTIC.has(p.code)).map((p) => p.instancePath));
}

function mutated(c: Case): Doc {
  const d = base();
  c.mutate(d);
  // What ajv and a verifier see is JSON: normalise through a JSON round trip.
  return JSON.parse(JSON.stringify(d));
}

// The schemas carry the integration capability table; main-line cases are validator-only.
const CASES = [...UPSTREAM_CASES, ...NEW_CASES].filter((c) => c.serverLine !== 'main');

describe('differential: the corpus through ajv (schemas/) and validateIndex', () => {
  it('the semantic rule list names real codes, once each', () => {
    for (const r of SEMANTIC_RULES) expect(r.code in INDEX_PROBLEM_CODES).toBe(true);
    expect(SEMANTIC.size).toBe(SEMANTIC_RULES.length);
    for (const c of MIXED_CODES) expect(SEMANTIC.has(c)).toBe(false);
  });

  it('valid documents: the fixture, the shared vectors and synthetic indexes pass both', () => {
    // Sources: test/fixtures/index/valid-full.json; vectors/lattice/plugins.json and
    // plugins.example.json (vectors/README.md); bench/synthetic-index.mjs.
    const docs: Array<[string, unknown]> = [
      ['valid-full.json', BASE],
      ['vectors/lattice/plugins.json', JSON.parse(readFileSync(`${VECTORS}lattice/plugins.json`, 'utf8'))],
      ['vectors/lattice/plugins.example.json', JSON.parse(readFileSync(`${VECTORS}lattice/plugins.example.json`, 'utf8'))],
      ['syntheticIndex(200, 7)', syntheticIndex(200, 7)],
    ];
    for (const [name, doc] of docs) {
      expect(validateIndex(doc), name).toEqual([]);
      expect(ajvPaths(doc), name).toBeNull();
    }
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const doc = mutated(c);
    const ours = validateIndex(doc);
    const theirs = ajvPaths(doc);
    expect(ours.length === 0).toBe(c.expect.length === 0);
    if (c.expect.length === 0) {
      expect(theirs).toBeNull();
      return;
    }
    const semanticOnly = ours.every((p) => SEMANTIC.has(p.code));
    if (c.semantic) {
      // Only the part of a mixed rule the schema cannot see.
      for (const p of ours) expect(SEMANTIC.has(p.code) || MIXED_CODES.has(p.code), p.code).toBe(true);
      expect(theirs).toBeNull();
    } else if (semanticOnly) {
      expect(theirs).toBeNull();
    } else {
      expect(theirs).not.toBeNull();
      expect([...theirs!].sort()).toEqual([...structuralPaths(ours)].sort());
    }
  });
});

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

/** Every path (as a list of keys) to a member or element of `doc`. */
function allPaths(doc: unknown, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  if (Array.isArray(doc)) {
    doc.forEach((v, i) => {
      out.push([...prefix, i]);
      allPaths(v, [...prefix, i], out);
    });
  } else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      out.push([...prefix, k]);
      allPaths(v, [...prefix, k], out);
    }
  }
  return out;
}
const BASE_PATHS = allPaths(BASE);
const MEMBER_NAMES = [
  'id', 'name', 'publisher', 'version', 'channel', 'stable', 'alpha', 'capabilities', 'releases', 'latest',
  'generation', 'expires_at', 'keyid', 'tags', 'x', '__proto__', 'constructor', 'toString',
];

type Op = { kind: 'delete' | 'replace' | 'duplicate' | 'rename'; at: number; value: unknown; name: string };
const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('delete', 'replace', 'duplicate', 'rename'),
  at: fc.nat(),
  value: fc.jsonValue({ maxDepth: 3 }),
  name: fc.constantFrom(...MEMBER_NAMES),
});

/** Apply a few random edits at random paths of the valid base index. */
function applyOps(ops: Op[]): Doc {
  const d = base();
  for (const op of ops) {
    const paths = allPaths(d);
    if (paths.length === 0) break;
    const path = paths[op.at % paths.length]!;
    let parent: Doc = d;
    for (const k of path.slice(0, -1)) parent = parent[k];
    const key = path[path.length - 1]!;
    if (parent === null || typeof parent !== 'object') continue;
    switch (op.kind) {
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case 'replace':
        parent[key] = op.value;
        break;
      case 'duplicate':
        if (Array.isArray(parent)) parent.push(structuredClone(parent[key as number]));
        else Object.defineProperty(parent, op.name, { value: structuredClone(parent[key]), enumerable: true, writable: true, configurable: true });
        break;
      case 'rename':
        if (!Array.isArray(parent)) {
          const v = parent[key];
          delete parent[key];
          Object.defineProperty(parent, op.name, { value: v, enumerable: true, writable: true, configurable: true });
        }
        break;
    }
  }
  return JSON.parse(JSON.stringify(d));
}

function wellFormed(problems: unknown): void {
  expect(Array.isArray(problems)).toBe(true);
  for (const p of problems as IndexProblem[]) {
    expect(p.code in INDEX_PROBLEM_CODES).toBe(true);
    expect(p.instancePath === '' || p.instancePath.startsWith('/')).toBe(true);
    expect(typeof p.message).toBe('string');
  }
}

describe('properties', () => {
  it('never throws on fc.anything() (every JavaScript value shape)', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true,
          withObjectString: true, withSparseArray: true, withTypedArray: true, maxDepth: 4,
        }),
        (v) => {
          wellFormed(validateIndex(v));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on fc.jsonValue(), and on index-shaped JSON with random members', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      wellFormed(validateIndex(v));
    }), { numRuns: 2000 });
    const indexish = fc.record({
      schema: fc.jsonValue(), generated_at: fc.jsonValue(), status: fc.constantFrom('official', 'draft', 5),
      publishers: fc.array(fc.jsonValue(), { maxLength: 3 }), plugins: fc.array(fc.jsonValue(), { maxLength: 3 }),
      signatures: fc.jsonValue(), revocations: fc.jsonValue(),
    }, { requiredKeys: [] });
    fc.assert(fc.property(indexish, (v) => {
      wellFormed(validateIndex(v));
    }), { numRuns: 2000 });
  });

  it('random mutations of a valid index: never throws, bounded time, and ajv never finds a path validateIndex misses', () => {
    expect(BASE_PATHS.length).toBeGreaterThan(100);
    let slowest = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 4 }), (ops) => {
        const doc = applyOps(ops);
        const t0 = performance.now();
        const ours = validateIndex(doc);
        slowest = Math.max(slowest, performance.now() - t0);
        wellFormed(ours);
        const theirs = ajvPaths(doc);
        const oursPaths = new Set(ours.map((p) => p.instancePath));
        // The schemas are never stricter than the validator.
        if (theirs !== null) for (const path of theirs) expect(oursPaths.has(path), `${path} in ${JSON.stringify([...oursPaths])}`).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(slowest).toBeLessThan(250);
  });
});
