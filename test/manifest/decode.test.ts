/**
 * Strict decoder (interop §A.1, §A.3.8, §A.3.10, §B.6): every rejection, the
 * `null` semantics, and Go's message texts.
 *
 * Texts marked "Go 1.19 encoding/json" follow that package's
 * UnmarshalTypeError / errorContext rules (the Go version the vectors were
 * computed with); the d02 vector pins the hardest of them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeManifest, marshalManifest } from '../../src/domain/manifest/index.js';
import type { Manifest, TypedMethodsContract } from '../../src/domain/manifest/index.js';
import { BASE_V1_JSON, BASE_V2_JSON } from './fixtures.js';
import { EXPECTED, manifestBytes } from './helpers.js';

const MIN = '"id":"x.y","name":"n","type":"system","capabilities":["kv:read"]';
const wrap = (extra: string): string => `{${MIN}${extra}}`;
const V2_IFACE = (iface: string): string => wrap(`,"schema":"lattice.plugin.manifest.v2","interfaces":[${iface}]`);

function fails(input: string | Uint8Array, serverVersion?: string): { message: string; pointer?: string } {
  const r = decodeManifest(input, serverVersion !== undefined ? { serverVersion } : {});
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('decoded');
  expect(r.code).toBe('MANIFEST_DECODE');
  return r;
}
function ok(input: string | Uint8Array): Manifest {
  const r = decodeManifest(input);
  if (!r.ok) throw new Error(r.message);
  return r.manifest;
}

describe('unknown keys are rejected at every level with Go’s text (§A.1 step 1)', () => {
  const cases: [string, string, string][] = [
    [wrap(',"extra":1'), 'decode manifest: json: unknown field "extra"', '/extra'],
    [wrap(',"bundle":{"format":"a","sha":"b"}'), 'decode manifest: json: unknown field "sha"', '/bundle/sha'],
    [
      wrap(',"ui":{"views":[{"route":"r","title":"t","kind":"table","component_key":"k"}]}'),
      'decode manifest: json: unknown field "component_key"',
      '/ui/views/0/component_key',
    ],
    [V2_IFACE('{"service":"x.y/a","methods":["m"],"owner":"z"}'), 'decode manifest: json: unknown field "owner"', '/interfaces/0/owner'],
    [
      V2_IFACE('{"service":"x.y/a","methods":[{"name":"m","effect":"read","timeout":1}]}'),
      'decode manifest: interface methods must be all strings or all typed objects: json: unknown field "timeout"',
      '/interfaces/0/methods/0/timeout',
    ],
    [
      V2_IFACE('{"service":"x.y/a","methods":[{"name":"m","budget":{"timeout_ms":1,"stdout_bytes":1,"stderr_bytes":1,"host_calls":1,"cpu":1}}]}'),
      'decode manifest: interface methods must be all strings or all typed objects: json: unknown field "cpu"',
      '/interfaces/0/methods/0/budget/cpu',
    ],
    [wrap(',"dependencies":[{"id":"a.b","range":">=1"}]'), 'decode manifest: json: unknown field "range"', '/dependencies/0/range'],
    [wrap(',"\\u00e9":1'), 'decode manifest: json: unknown field "é"', '/é'],
    [wrap(',"__proto__":{}'), 'decode manifest: json: unknown field "__proto__"', '/__proto__'],
  ];
  it.each(cases)('%s', (input, message, pointer) => {
    expect(fails(input)).toMatchObject({ message, pointer });
  });

  it('legacyComponentKey reads component_key (legacy-07 struct) and nothing else new', () => {
    const input = wrap(',"ui":{"views":[{"route":"r","title":"t","kind":"builtin","component_key":"k"}]}');
    const r = decodeManifest(input, { legacyComponentKey: true });
    expect(r.ok && r.manifest.ui?.views[0]?.component_key).toBe('k');
    expect(decodeManifest(wrap(',"legacy":1'), { legacyComponentKey: true }).ok).toBe(false);
  });
});

describe('stricter than Go: rejected although Go accepts (§B.6)', () => {
  it.each([
    ['Name', wrap(',"Name":"x"'), '/Name'],
    ['NAME', `{"id":"x.y","NAME":"n","type":"system","capabilities":["kv:read"]}`, '/NAME'],
    ['ſchema (U+017F folds to s)', wrap(',"ſchema":"lattice.plugin.manifest.v2"'), '/ſchema'],
    ['nested Format', wrap(',"schema":"lattice.plugin.manifest.v2","bundle":{"Format":"tar+gzip"}'), '/bundle/Format'],
    ['interface Service', V2_IFACE('{"Service":"x.y/a"}'), '/interfaces/0/Service'],
    ['budget Timeout_MS', V2_IFACE('{"service":"x.y/a","methods":[{"name":"m","budget":{"Timeout_MS":1}}]}'), '/interfaces/0/methods/0/budget/Timeout_MS'],
  ])('case-variant key %s', (_n, input, pointer) => {
    const r = fails(input);
    expect(r.message).toMatch(/^decode manifest: json: key ".*" matches field ".*" only case-insensitively/);
    expect(r.pointer).toBe(pointer);
  });

  it('duplicate keys (Go merges objects; JSON.parse keeps the last)', () => {
    expect(fails(wrap(',"version":"1","version":"2"')).message).toMatch(/^decode manifest: rejected: .*"version" twice/);
    expect(fails(wrap(',"runtime":{"entrypoints":{"a/b":"bin/1","a/b":"bin/2"}}')).pointer).toBe('/runtime/entrypoints/a~1b');
  });
  it('invalid UTF-8 (Go substitutes U+FFFD per byte)', () => {
    const bytes = new TextEncoder().encode(wrap(',"version":"Z"'));
    bytes[bytes.length - 3] = 0xff;
    expect(fails(bytes).message).toMatch(/^decode manifest: rejected: .*UTF-8/);
  });
  it('lone surrogates, escaped (Go substitutes U+FFFD)', () => {
    expect(fails(wrap(',"version":"\\udc00"')).message).toMatch(/surrogate/);
  });
  it('integers beyond ±(2^53−1) in budgets (Go reads int64)', () => {
    const r = fails(V2_IFACE('{"service":"x.y/a","methods":[{"name":"m","budget":{"timeout_ms":9007199254740993,"stdout_bytes":1,"stderr_bytes":1,"host_calls":1}}]}'));
    expect(r.message).toMatch(/^decode manifest: rejected: /);
  });
  it('a top-level null (Go: all-zero manifest)', () => {
    expect(fails('null').message).toBe('decode manifest: manifest must be a JSON object, found null');
  });
});

describe('rejected as Go rejects, with Go’s text', () => {
  it('trailing value (§A.1 step 3)', () => {
    expect(fails(wrap('') + ' {}').message).toBe('decode manifest: unexpected trailing json value');
    expect(fails(wrap('') + '\n"x"\n').message).toBe('decode manifest: unexpected trailing json value');
    expect(fails(wrap('') + '{}garbage').message).toBe('decode manifest: unexpected trailing json value');
  });
  it('trailing garbage', () => {
    expect(fails(wrap('') + 'x').message).toBe("decode manifest: invalid character 'x' looking for beginning of value");
    expect(fails(wrap('') + ' ]').message).toBe("decode manifest: invalid character ']' looking for beginning of value");
  });
  it('trailing whitespace is fine', () => {
    expect(ok(wrap('') + ' \n\t\r ').id).toBe('x.y');
  });
  it('a BOM, as bytes or as text', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(wrap(''))]);
    expect(fails(bytes).message).toBe("decode manifest: invalid character 'ï' looking for beginning of value");
    expect(fails('\ufeff' + wrap('')).message).toBe("decode manifest: invalid character 'ï' looking for beginning of value");
  });
  it('a top-level value that is not an object', () => {
    expect(fails('[]').message).toBe('decode manifest: json: cannot unmarshal array into Go value of type plugin.Manifest');
    expect(fails('"x"').message).toBe('decode manifest: json: cannot unmarshal string into Go value of type plugin.Manifest');
    expect(fails('5').message).toBe('decode manifest: json: cannot unmarshal number into Go value of type plugin.Manifest');
    expect(fails('true').message).toBe('decode manifest: json: cannot unmarshal bool into Go value of type plugin.Manifest');
  });
  it('syntax errors and empty input', () => {
    for (const bad of ['', '{', '{"id":}', '{"id" "x"}', "{'id':1}"]) {
      expect(fails(bad).message, bad).toMatch(/^decode manifest: /);
    }
  });

  describe('budgets (§A.3.10) — all four integers, present and non-null', () => {
    const budget = (b: string): string => V2_IFACE(`{"service":"x.y/a","methods":[{"name":"m","effect":"read","budget":${b}}],"backing":"runtime"}`);
    const PRE = 'decode manifest: interface methods must be all strings or all typed objects: ';
    it.each([
      ['{"timeout_ms":1,"stdout_bytes":1,"stderr_bytes":1}', PRE + 'invoke budget requires timeout_ms, stdout_bytes, stderr_bytes and host_calls'],
      ['{"timeout_ms":1,"stdout_bytes":1,"stderr_bytes":1,"host_calls":null}', PRE + 'invoke budget requires timeout_ms, stdout_bytes, stderr_bytes and host_calls'],
      ['{}', PRE + 'invoke budget requires timeout_ms, stdout_bytes, stderr_bytes and host_calls'],
      // Go 1.19 encoding/json: the inner type error is re-labelled with the method decoder's context.
      ['{"timeout_ms":1.0,"stdout_bytes":1,"stderr_bytes":1,"host_calls":0}', PRE + 'json: cannot unmarshal number 1.0 into Go struct field InterfaceMethod.budget of type int'],
      ['{"timeout_ms":1,"stdout_bytes":2E3,"stderr_bytes":1,"host_calls":0}', PRE + 'json: cannot unmarshal number 2E3 into Go struct field InterfaceMethod.budget of type int'],
      ['{"timeout_ms":"1","stdout_bytes":1,"stderr_bytes":1,"host_calls":0}', PRE + 'json: cannot unmarshal string into Go struct field InterfaceMethod.budget of type int'],
      ['{"timeout_ms":true,"stdout_bytes":1,"stderr_bytes":1,"host_calls":0}', PRE + 'json: cannot unmarshal bool into Go struct field InterfaceMethod.budget of type int'],
    ])('budget %s', (b, message) => {
      expect(fails(budget(b)).message).toBe(message);
    });
    it('a budget that is not an object names the version’s raw struct (Go reflect text)', () => {
      const raw4 = 'TimeoutMS *int "json:\\"timeout_ms\\""; StdoutBytes *int "json:\\"stdout_bytes\\""; StderrBytes *int "json:\\"stderr_bytes\\""; HostCalls *int "json:\\"host_calls\\""';
      const pre = PRE + 'json: cannot unmarshal number into Go struct field InterfaceMethod.budget of type struct { ';
      for (const v of ['main', 'alpha-0.2.2a41']) expect(fails(budget('5'), v).message, v).toBe(`${pre}${raw4} }`);
      // integration-2026-09's raw struct has the fifth field (invoke_budget.go, lattice-server-2026-09.md item 1).
      expect(fails(budget('5'), 'integration-2026-09').message).toBe(`${pre}${raw4}; HTTPResponseBytes *int "json:\\"http_response_bytes\\"" }`);
    });
    it('"budget": null leaves the pointer nil; negatives and zero decode (validation judges them)', () => {
      const m = ok(budget('null'));
      expect((m.interfaces![0] as TypedMethodsContract).methods![0]!.budget).toBeNull();
      const n = ok(budget('{"timeout_ms":-1,"stdout_bytes":0,"stderr_bytes":-0,"host_calls":0}'));
      expect((n.interfaces![0] as TypedMethodsContract).methods![0]!.budget).toEqual({ timeout_ms: -1, stdout_bytes: 0, stderr_bytes: -0, host_calls: 0 });
      expect(marshalManifest(n)).toContain('"budget":{"timeout_ms":-1,"stdout_bytes":0,"stderr_bytes":0,"host_calls":0}');
    });
    it('a fractional number outside a budget has no Go counterpart message but is rejected', () => {
      expect(fails(wrap(',"version":1.5')).message).toMatch(/^decode manifest: expected an integer literal/);
    });
  });

  describe('interface methods: the two-form rule (§A.3.8)', () => {
    const PRE = 'decode manifest: interface methods must be all strings or all typed objects: ';
    it.each([
      ['["a",{"name":"b"}]', PRE + 'json: cannot unmarshal string into Go value of type plugin.InterfaceMethod'],
      ['"list"', PRE + 'json: cannot unmarshal string into Go value of type []plugin.InterfaceMethod'],
      ['{}', PRE + 'json: cannot unmarshal object into Go value of type []plugin.InterfaceMethod'],
      ['[5]', PRE + 'json: cannot unmarshal number into Go value of type plugin.InterfaceMethod'],
      ['[{"name":5}]', PRE + 'json: cannot unmarshal number into Go struct field InterfaceMethod.name of type string'],
      ['[{"name":"m","scopes":"a"}]', PRE + 'json: cannot unmarshal string into Go struct field InterfaceMethod.scopes of type []string'],
    ])('methods %s', (methods, message) => {
      expect(fails(V2_IFACE(`{"service":"x.y/a","methods":${methods}}`)).message).toBe(message);
    });
    it('strings/nulls → string form; objects/nulls → typed form; absent/null → string form nil', () => {
      const form = (methods: string | undefined): unknown => {
        const m = ok(V2_IFACE(methods === undefined ? '{"service":"x.y/a"}' : `{"service":"x.y/a","methods":${methods}}`));
        const c = m.interfaces![0]!;
        return { typed: c.typed, methods: c.methods };
      };
      expect(form('["a",null]')).toEqual({ typed: false, methods: ['a', ''] });
      expect(form('[]')).toEqual({ typed: false, methods: [] });
      expect(form('null')).toEqual({ typed: false, methods: null });
      expect(form(undefined)).toEqual({ typed: false, methods: null });
      expect(form('[null,{"name":"b","effect":"read"}]')).toEqual({
        typed: true,
        methods: [
          { name: '', effect: '', scopes: [], operator_target_fields: [], budget: null },
          { name: 'b', effect: 'read', scopes: [], operator_target_fields: [], budget: null },
        ],
      });
    });
  });

  describe('type mismatches (Go 1.19 encoding/json texts)', () => {
    it.each([
      [wrap(',"version":5'), 'json: cannot unmarshal number into Go struct field Manifest.version of type string'],
      [wrap(',"bundle":"x"'), 'json: cannot unmarshal string into Go struct field Manifest.bundle of type plugin.BundleSpec'],
      [wrap(',"bundle":{"format":true}'), 'json: cannot unmarshal bool into Go struct field BundleSpec.bundle.format of type string'],
      ['{"id":"x.y","capabilities":"kv:read"}', 'json: cannot unmarshal string into Go struct field Manifest.capabilities of type []string'],
      ['{"id":"x.y","capabilities":[1]}', 'json: cannot unmarshal number into Go struct field Manifest.capabilities of type string'],
      [wrap(',"runtime":{"entrypoints":[]}'), 'json: cannot unmarshal array into Go struct field RuntimeSpec.runtime.entrypoints of type map[string]string'],
      [wrap(',"runtime":{"entrypoints":{"a/b":1}}'), 'json: cannot unmarshal number into Go struct field RuntimeSpec.runtime.entrypoints of type string'],
      [wrap(',"ui":{"nav":[{"title":1}]}'), 'json: cannot unmarshal number into Go struct field NavContribution.ui.nav.title of type string'],
      [wrap(',"ui":{"nav":[1]}'), 'json: cannot unmarshal number into Go struct field ManifestUI.ui.nav of type plugin.NavContribution'],
      [wrap(',"dependencies":[{"id":"a.b","optional":"yes"}]'), 'json: cannot unmarshal string into Go struct field DependencySpec.dependencies.optional of type bool'],
      [wrap(',"interfaces":{}'), 'json: cannot unmarshal object into Go struct field Manifest.interfaces of type []plugin.InterfaceContract'],
      // Errors inside InterfaceContract's own decoder are re-labelled by the outer decoder.
      [wrap(',"interfaces":[{"service":5}]'), 'json: cannot unmarshal number into Go struct field Manifest.interfaces of type string'],
      [
        wrap(',"interfaces":[5]'),
        'json: cannot unmarshal number into Go struct field Manifest.interfaces of type struct { Service string "json:\\"service\\""; Methods json.RawMessage "json:\\"methods\\""; Scopes []string "json:\\"scopes,omitempty\\""; Backing string "json:\\"backing,omitempty\\"" }',
      ],
    ])('%s', (input, message) => {
      expect(fails(input).message).toBe('decode manifest: ' + message);
    });
  });

  describe('which of several errors Go reports', () => {
    it('the first saved error (type errors and unknown fields do not stop decoding)', () => {
      expect(fails(wrap(',"zzz":1,"version":5')).message).toBe('decode manifest: json: unknown field "zzz"');
      expect(fails(wrap(',"version":5,"zzz":1')).message).toBe(
        'decode manifest: json: cannot unmarshal number into Go struct field Manifest.version of type string',
      );
    });
    it('a failing custom decoder (interfaces) wins over an earlier saved error', () => {
      expect(fails(wrap(',"zzz":1,"interfaces":[{"bogus":1}]')).message).toBe('decode manifest: json: unknown field "bogus"');
    });
  });
});

describe('null is Go’s zero value everywhere (documented choice)', () => {
  it('null members equal absent members', () => {
    const m = ok(
      '{"schema":null,"id":"x.y","name":"n","type":"system","capabilities":null,"version":null,"entrypoint":null,' +
        '"publisher":null,"digest_sha256":null,"signature_ed25519":null,"bundle":null,"runtime":null,"ui_runtime":null,' +
        '"compatibility":null,"min_server":null,"host_access":null,"ui":null,"interfaces":null,"dependencies":null}',
    );
    expect(m).toEqual(ok('{"id":"x.y","name":"n","type":"system"}'));
    expect(marshalManifest(m)).toBe('{"id":"x.y","name":"n","type":"system","capabilities":null}');
  });
  it('null elements and map values are zero values', () => {
    const m = ok(wrap(',"ui":{"nav":[null]},"runtime":{"protocol":"p","entrypoints":{"a/b":null}},"interfaces":[null],"dependencies":[null]'));
    expect(m.ui!.nav[0]).toEqual({ section: '', section_title: '', title: '', route: '', icon: '', scopes: [] });
    expect(m.runtime!.entrypoints).toEqual(new Map([['a/b', '']]));
    expect(m.interfaces).toEqual([{ service: '', typed: false, methods: null, scopes: [], backing: '' }]);
    expect(m.dependencies).toEqual([{ id: '', version: '', optional: false }]);
    expect(ok('{"capabilities":[null,"kv:read"]}').capabilities).toEqual(['', 'kv:read']);
  });
  it('empty non-omitempty slices and maps stay distinct from nil', () => {
    expect(ok('{"capabilities":[]}').capabilities).toEqual([]);
    expect(ok('{"runtime":{"entrypoints":{}}}').runtime!.entrypoints).toEqual(new Map());
    expect(ok('{"interfaces":[]}').interfaces).toEqual([]);
    expect(ok('{"host_access":{"rpc":[{"service":"a/b","methods":[]}]}}').host_access!.rpc[0]!.methods).toEqual([]);
  });
});

describe('inputs', () => {
  it('bytes and text decode alike', () => {
    const text = JSON.stringify(BASE_V2_JSON);
    expect(ok(new TextEncoder().encode(text))).toEqual(ok(text));
  });
  it('throws only for a caller bug (wrong argument type)', () => {
    expect(() => decodeManifest(42 as unknown as string)).toThrow(TypeError);
  });
  it('honours size limits', () => {
    expect(decodeManifest(JSON.stringify(BASE_V1_JSON), { limits: { maxBytes: 64 } }).ok).toBe(false);
  });
});

// fast-check: hostile data never throws.
describe('property: decodeManifest never throws', () => {
  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => void decodeManifest(s)), { numRuns: 2000 });
  });
  it('on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => void decodeManifest(b)), { numRuns: 2000 });
  });
  it('on arbitrary JSON documents', () => {
    fc.assert(fc.property(fc.json({ maxDepth: 6 }), (s) => void decodeManifest(s)), { numRuns: 2000 });
  });
  it('on arbitrary JSON objects keyed by manifest field names', () => {
    const keys = fc.constantFrom(
      ...Object.keys(BASE_V2_JSON),
      'nav', 'views', 'methods', 'service', 'budget', 'timeout_ms', 'entrypoints', 'rpc', 'scopes', 'backing', 'source', 'columns', 'actions', 'form',
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null), fc.boolean(), fc.integer(), fc.string(),
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(keys, tie('v'), { maxKeys: 4 }),
      ),
    })).v;
    fc.assert(fc.property(fc.dictionary(keys, value, { maxKeys: 8 }), (o) => void decodeManifest(JSON.stringify(o))), { numRuns: 2000 });
  });
  it('on real manifests with random byte edits', () => {
    const corpus = EXPECTED.map((e) => manifestBytes(e.file));
    fc.assert(
      fc.property(fc.nat(corpus.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), (i, edits) => {
        const b = corpus[i]!.slice();
        for (const [pos, byte] of edits) b[pos % b.length] = byte;
        void decodeManifest(b);
      }),
      { numRuns: 2000 },
    );
  });
});
