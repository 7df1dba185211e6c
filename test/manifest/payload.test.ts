/**
 * Go encoding details (interop §B.3–§B.5) and payload structure (§B.1, §B.2),
 * beyond the vector files: escaping, indent layout, sort order, the v1 line
 * rules, MarshalIndent parity with the signing tool's files, and round trips.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cloneManifest,
  compareUTF8,
  decodeManifest,
  emptyManifest,
  goIndent,
  goJSONString,
  goQuote,
  manifestSigningPayload,
  marshalManifest,
  marshalManifestIndent,
  utf8Length,
  v1PayloadAmbiguity,
} from '../../src/domain/manifest/index.js';
import type { InterfaceContract, InterfaceMethod, Manifest } from '../../src/domain/manifest/index.js';
import { baseV1, baseV2 } from './fixtures.js';
import { EXPECTED, manifestBytes } from './helpers.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('goJSONString — Go json.Marshal string escaping (§B.4 table)', () => {
  it.each([
    ['"', '"\\""'],
    ['\\', '"\\\\"'],
    ['\b\f\n\r\t', '"\\b\\f\\n\\r\\t"'],
    ['\u0000\u0001\u001f', '"\\u0000\\u0001\\u001f"'],
    ['<>&', '"\\u003c\\u003e\\u0026"'],
    ['\u2028\u2029', '"\\u2028\\u2029"'],
    ['\u007f/é😀\u2027\u202a\ufeff', '"\u007f/é😀\u2027\u202a\ufeff"'],
    ['\ud800', '"\ufffd"'],
    ['a\udc00b', '"a\ufffdb"'],
    ['', '""'],
  ])('%j', (input, out) => {
    expect(goJSONString(input)).toBe(out);
  });
  it('agrees with JSON.stringify except on < > & U+2028 U+2029 (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (s) => {
        const js = JSON.stringify(s)
          .replace(/</g, '\\u003c')
          .replace(/>/g, '\\u003e')
          .replace(/&/g, '\\u0026')
          .replace(/\u2028/g, '\\u2028')
          .replace(/\u2029/g, '\\u2029');
        expect(goJSONString(s)).toBe(js);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('goIndent — Go json.Indent layout (§B.5)', () => {
  it('indents nested values, keeps empty containers compact, ignores structure inside strings', () => {
    expect(goIndent('{"a":[1,2],"b":{},"c":[],"d":"x,{[:]}\\"y"}', '', '  ')).toBe(
      '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {},\n  "c": [],\n  "d": "x,{[:]}\\"y"\n}',
    );
    expect(goIndent('[]', '', '  ')).toBe('[]');
    expect(goIndent('{"a":{"b":null}}', '>', '\t')).toBe('{\n>\t"a": {\n>\t\t"b": null\n>\t}\n>}');
  });
});

describe('goQuote — Go %q (server error messages)', () => {
  it.each([
    ['plain', '"plain"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['\u0007\b\f\n\r\t\u000b', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['\u0000\u001f\u007f', '"\\x00\\x1f\\x7f"'],
    ['\u0085\u00a0\u200b\ufeff', '"\\u0085\\u00a0\\u200b\\ufeff"'],
    ['é€😀', '"é€😀"'],
    ['\u{e0001}', '"\\U000e0001"'],
    ['<&>', '"<&>"'],
  ])('%j', (input, out) => {
    expect(goQuote(input)).toBe(out);
  });
});

describe('compareUTF8 — byte-wise order of map keys and v1 capabilities (§B.3 rule 4)', () => {
  it('orders astral characters after U+E000–U+FFFF, unlike the UTF-16 default', () => {
    const keys = ['b', 'B', 'ä', 'a', '~', '😀', '\uffff', '\ue000'];
    expect([...keys].sort(compareUTF8)).toEqual(['B', 'a', 'b', '~', 'ä', '\ue000', '\uffff', '😀']);
    expect([...keys].sort()).not.toEqual([...keys].sort(compareUTF8));
  });
  it('equals Buffer byte comparison (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 }), (a, b) => {
        expect(Math.sign(compareUTF8(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 2000 },
    );
  });
  it('utf8Length counts bytes like Go len()', () => {
    expect(utf8Length('aé€😀')).toBe(1 + 2 + 3 + 4);
  });
});

describe('v1 payload structure (§B.1)', () => {
  const lines = (m: Manifest, line: 'main' | 'integration' = 'integration'): string[] =>
    text(manifestSigningPayload(m, { serverLine: line })).split('\n');

  it('is tag, id, name, type, version, entrypoint, publisher, digest, NUL-joined sorted caps', () => {
    const m = baseV1();
    m.ui = null;
    m.interfaces = null;
    m.capabilities = ['task:run', 'audit:read', 'node:read'];
    expect(lines(m)).toEqual([
      'lattice-plugin-manifest-v1',
      'acme.old',
      'Old',
      'system',
      '1.0',
      'system-go/old',
      'acme',
      'cd'.repeat(32),
      'audit:read\u0000node:read\u0000task:run',
    ]);
  });
  it('matches the server unit-test vector TestSigningPayloadV1ParityWithInterface', () => {
    const r = decodeManifest(
      JSON.stringify({
        id: 'old.plugin',
        name: 'Old',
        type: 'system',
        capabilities: ['node:read', 'audit:read'],
        version: '0.1.0',
        entrypoint: 'system-go/old',
        publisher: 'latticenet',
        digest_sha256: 'c'.repeat(64),
        interfaces: [{ service: 'old.plugin/items', methods: ['list'], scopes: ['proxy:read'] }],
      }),
    );
    if (!r.ok) throw new Error(r.message);
    expect(text(manifestSigningPayload(r.manifest))).toBe(
      [
        'lattice-plugin-manifest-v1',
        'old.plugin',
        'Old',
        'system',
        '0.1.0',
        'system-go/old',
        'latticenet',
        'c'.repeat(64),
        'audit:read\u0000node:read',
        'null',
        '[{"service":"old.plugin/items","methods":["list"],"scopes":["proxy:read"]}]',
      ].join('\n'),
    );
  });
  it('ui/interfaces lines appear only when ui != nil or interfaces is non-empty; [] vs null matters', () => {
    const m = baseV1();
    m.ui = null;
    m.interfaces = [];
    expect(lines(m)).toHaveLength(9);
    m.ui = { nav: [], views: [] };
    expect(lines(m).slice(9)).toEqual(['{}', '[]']);
    m.interfaces = null;
    expect(lines(m).slice(9)).toEqual(['{}', 'null']);
  });
  it('dependencies line on integration only (§0, §B.1)', () => {
    const m = baseV1();
    m.dependencies = [{ id: 'a.b', version: '>=1', optional: false }];
    expect(lines(m, 'integration').at(-1)).toBe('[{"id":"a.b","version":"\\u003e=1"}]');
    expect(lines(m, 'main')).toHaveLength(lines(m, 'integration').length - 1);
    m.dependencies = [];
    expect(lines(m, 'main')).toEqual(lines(m, 'integration'));
  });
  it('the signature never enters the payload, on either version', () => {
    for (const m of [baseV1(), baseV2()]) {
      const signed = { ...cloneManifest(m), signature_ed25519: 'AAAA' };
      expect(manifestSigningPayload(signed)).toEqual(manifestSigningPayload(m));
      expect(marshalManifest(signed)).toContain('"signature_ed25519":"AAAA"');
    }
  });
  it('v1 capability order does not change the payload; v2 order does', () => {
    const v1 = baseV1();
    const v1r = cloneManifest(v1);
    v1r.capabilities!.reverse();
    expect(manifestSigningPayload(v1r)).toEqual(manifestSigningPayload(v1));
    const v2 = baseV2();
    const v2r = cloneManifest(v2);
    v2r.capabilities!.reverse();
    expect(manifestSigningPayload(v2r)).not.toEqual(manifestSigningPayload(v2));
  });
  it('v1PayloadAmbiguity names a field holding a newline', () => {
    expect(v1PayloadAmbiguity(baseV1())).toBeNull();
    expect(v1PayloadAmbiguity({ ...baseV1(), version: '1\n2' })).toBe('version');
    expect(v1PayloadAmbiguity({ ...baseV1(), entrypoint: 'a\nb' })).toBe('entrypoint');
    expect(v1PayloadAmbiguity({ ...baseV2(), name: 'a\nb' })).toBeNull();
  });
});

describe('v2 payload (§B.2, §B.3)', () => {
  it('is the prefix line plus compact json.Marshal without the signature', () => {
    const m = baseV2();
    expect(text(manifestSigningPayload(m))).toBe('LATTICE-PLUGIN-MANIFEST-V2\n' + marshalManifest(m));
  });
  it('writes non-nil empty pointers, drops empty omitempty slices, keeps never-omitted nils as null', () => {
    const m = emptyManifest();
    m.schema = 'lattice.plugin.manifest.v2';
    m.ui = { nav: [], views: [] };
    m.host_access = { rpc: [] };
    m.compatibility = { server: '', dashboard_host: '', runtime_protocol: '' };
    m.runtime = { protocol: '', entrypoints: null };
    m.interfaces = [];
    expect(marshalManifest(m)).toBe(
      '{"schema":"lattice.plugin.manifest.v2","id":"","name":"","type":"","capabilities":null,' +
        '"runtime":{"protocol":"","entrypoints":null},"compatibility":{"server":"","dashboard_host":"","runtime_protocol":""},' +
        '"host_access":{},"ui":{}}',
    );
  });
  it('writes interface methods in both forms, never omitted', () => {
    const m = emptyManifest();
    const typedMethod: InterfaceMethod = { name: 'm', effect: 'read', scopes: [], operator_target_fields: [], budget: null };
    const contracts: InterfaceContract[] = [
      { service: 's', typed: false, methods: null, scopes: [], backing: '' },
      { service: 's', typed: false, methods: [], scopes: ['a:b'], backing: 'core' },
      { service: 's', typed: true, methods: null, scopes: [], backing: '' },
      { service: 's', typed: true, methods: [typedMethod], scopes: [], backing: 'runtime' },
    ];
    m.interfaces = contracts;
    expect(marshalManifest(m)).toContain(
      '"interfaces":[{"service":"s","methods":null},{"service":"s","methods":[],"scopes":["a:b"],"backing":"core"},' +
        '{"service":"s","methods":null},{"service":"s","methods":[{"name":"m","effect":"read"}],"backing":"runtime"}]',
    );
  });
  it('refuses a non-integer budget (caller bug)', () => {
    const m = baseV2();
    (m.interfaces![0]!.methods as InterfaceMethod[])[1]!.budget!.timeout_ms = 1.5;
    expect(() => marshalManifest(m)).toThrow(TypeError);
  });
  it('rejects an unknown server line (caller bug)', () => {
    expect(() => manifestSigningPayload(baseV2(), { serverLine: 'beta' as 'main' })).toThrow(TypeError);
  });
});

// Source: vectors/lattice/manifests — pluginsign writes MarshalIndent(m, "", "  ") + "\n" (§B.5).
describe('marshalManifestIndent reproduces the signing tool’s files byte for byte', () => {
  it('for every signed manifest in the vectors', () => {
    let n = 0;
    for (const e of EXPECTED) {
      if (!e.signature_verifies) continue;
      const bytes = manifestBytes(e.file);
      const r = decodeManifest(bytes, { legacyComponentKey: e.profile !== 'current' });
      if (!r.ok) throw new Error(r.message);
      expect(marshalManifestIndent(r.manifest), e.file).toBe(text(bytes));
      n++;
    }
    expect(n).toBe(28);
  });
});

// ---- property: decode → marshalIndent → decode round-trips; the payload is stable ----

const str = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom('<>&', '\u2028', '\b\f', '"\\', 'é😀\uffff', '1', '10', '__proto__', '') },
);
const strs = fc.array(str, { maxLength: 3 });
const budget = fc.option(
  fc.record({
    timeout_ms: fc.integer({ min: -2, max: 40_000 }),
    stdout_bytes: fc.integer(),
    stderr_bytes: fc.maxSafeInteger(),
    host_calls: fc.integer({ min: -1, max: 600 }),
  }),
  { nil: null },
);
const method = fc.record({ name: str, effect: str, scopes: strs, operator_target_fields: strs, budget });
const contract: fc.Arbitrary<InterfaceContract> = fc.oneof(
  fc.record({ service: str, typed: fc.constant(false as const), methods: fc.option(strs, { nil: null }), scopes: strs, backing: str }),
  fc.record({ service: str, typed: fc.constant(true as const), methods: fc.array(method, { minLength: 1, maxLength: 2 }), scopes: strs, backing: str }),
);
const manifestArb: fc.Arbitrary<Manifest> = fc.record({
  schema: fc.constantFrom('', 'lattice.plugin.manifest.v2', 'x'),
  id: str,
  name: str,
  type: str,
  capabilities: fc.option(strs, { nil: null }),
  version: str,
  entrypoint: str,
  publisher: str,
  digest_sha256: str,
  signature_ed25519: str,
  bundle: fc.option(fc.record({ format: str, digest_sha256: str }), { nil: null }),
  runtime: fc.option(
    fc.record({ protocol: str, entrypoints: fc.option(fc.array(fc.tuple(str, str), { maxLength: 4 }).map((e) => new Map(e)), { nil: null }) }),
    { nil: null },
  ),
  ui_runtime: fc.option(fc.record({ mode: str, entrypoint: str, bridge_version: str }), { nil: null }),
  compatibility: fc.option(fc.record({ server: str, dashboard_host: str, runtime_protocol: str }), { nil: null }),
  min_server: str,
  host_access: fc.option(fc.record({ rpc: fc.array(fc.record({ service: str, methods: fc.option(strs, { nil: null }) }), { maxLength: 2 }) }), {
    nil: null,
  }),
  ui: fc.option(
    fc.record({
      nav: fc.array(fc.record({ section: str, section_title: str, title: str, route: str, icon: str, scopes: strs }), { maxLength: 2 }),
      views: fc.array(
        fc.record({
          route: str,
          title: str,
          kind: str,
          source: fc.option(fc.record({ interface: str, method: str }), { nil: null }),
          columns: fc.array(fc.record({ key: str, label: str, render: str }), { maxLength: 2 }),
          actions: fc.array(
            fc.record({
              label: str,
              interface: str,
              method: str,
              form: fc.array(fc.record({ key: str, label: str, kind: str, options: strs }), { maxLength: 2 }),
              scopes: strs,
            }),
            { maxLength: 2 },
          ),
        }),
        { maxLength: 2 },
      ),
    }),
    { nil: null },
  ),
  // `[]` is omitempty and reads back as nil, so generate nil or non-empty.
  interfaces: fc.option(fc.array(contract, { minLength: 1, maxLength: 2 }), { nil: null }),
  dependencies: fc.array(fc.record({ id: str, version: str, optional: fc.boolean() }), { maxLength: 2 }),
});

describe('property: decode(marshalIndent(m)) = m and the payload is stable', () => {
  it('holds for arbitrary models, on both lines', () => {
    fc.assert(
      fc.property(manifestArb, (m) => {
        const file = marshalManifestIndent(m);
        const r = decodeManifest(file);
        if (!r.ok) throw new Error(r.message);
        expect(r.manifest).toEqual(m);
        expect(marshalManifestIndent(r.manifest)).toBe(file);
        expect(marshalManifest(r.manifest)).toBe(marshalManifest(m));
        for (const line of ['main', 'integration'] as const) {
          expect(manifestSigningPayload(r.manifest, { serverLine: line })).toEqual(manifestSigningPayload(m, { serverLine: line }));
        }
        // MarshalIndent is whitespace-only different from Marshal
        expect(JSON.parse(file)).toEqual(JSON.parse(marshalManifest(m)));
      }),
      { numRuns: 500 },
    );
  });
  it('holds for every real manifest', () => {
    for (const e of EXPECTED) {
      const r = decodeManifest(manifestBytes(e.file), { legacyComponentKey: true });
      if (!r.ok) throw new Error(r.message);
      const again = decodeManifest(marshalManifestIndent(r.manifest), { legacyComponentKey: true });
      expect(again.ok && again.manifest).toEqual(r.manifest);
      if (again.ok) expect(manifestSigningPayload(again.manifest)).toEqual(manifestSigningPayload(r.manifest));
    }
  });
});
