/**
 * The 13 drift probe vectors of `vectors/lattice/drift/` (lattice-server-2026-09.md):
 * every file on every known server version — decode error, validate error and
 * signing payload bytes exactly as EXPECTED.json records for `main`
 * (main-141e9ca), `integration` (alpha-0.2.2a41, commit 4dfbf5d) and
 * `integration-2026-09`. Every vector runs; nothing is sampled.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVER_VERSIONS, serverRules } from '../../src/core/server-line.js';
import { decodeManifest, manifestLoadability, manifestSigningPayload, marshalManifestIndent, validateInvokeBudget, validateManifest } from '../../src/domain/manifest/index.js';
import { LATTICE } from './helpers.js';

const DRIFT = join(LATTICE, 'drift');

interface DriftAnswer {
  decode_error: string | null;
  validate_error: string | null;
  payload_sha256: string | null;
  payload_bytes: number;
}
type DriftEntry = { file: string } & Record<'main' | 'integration' | 'integration-2026-09', DriftAnswer>;

const EXPECTED: DriftEntry[] = JSON.parse(readFileSync(join(DRIFT, 'EXPECTED.json'), 'utf8'));

/** EXPECTED.json's column → the known version whose rules it was computed with. */
const COLUMNS = [
  ['main', 'main-141e9ca'],
  ['integration', 'alpha-0.2.2a41'],
  ['integration-2026-09', 'integration-2026-09'],
] as const;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const bytesOf = (file: string): Uint8Array => new Uint8Array(readFileSync(join(DRIFT, 'manifests', file)));

it('the drift set is complete: 13 manifests, each in EXPECTED.json, columns for the three versions', () => {
  expect(EXPECTED).toHaveLength(13);
  expect(readdirSync(join(DRIFT, 'manifests')).sort()).toEqual(EXPECTED.map((e) => e.file).sort());
  expect(COLUMNS.map(([, v]) => v)).toEqual([...SERVER_VERSIONS]);
});

describe.each(EXPECTED)('$file', (e) => {
  const bytes = bytesOf(e.file);
  it.each(COLUMNS)('on %s (%s): decode error, validate error and payload bytes as EXPECTED', (column, version) => {
    const want = e[column];
    const d = decodeManifest(bytes, { serverVersion: version });
    if (want.decode_error !== null) {
      expect(d).toMatchObject({ ok: false, code: 'MANIFEST_DECODE', message: want.decode_error });
      expect(want.payload_sha256).toBeNull();
      return;
    }
    expect(d.ok, d.ok ? '' : d.message).toBe(true);
    if (!d.ok) return;
    expect(validateManifest(d.manifest, { serverVersion: version })).toBe(want.validate_error);
    const payload = manifestSigningPayload(d.manifest, { serverVersion: version });
    expect(payload.length).toBe(want.payload_bytes);
    expect(sha256(payload)).toBe(want.payload_sha256);
    // The payload file, byte for byte, where the vector set has one for this column.
    const file = join(DRIFT, 'payloads', e.file.replace(/\.manifest\.json$/, `.${column}.payload`));
    if (existsSync(file)) expect(Buffer.from(payload).equals(readFileSync(file))).toBe(true);
  });

  it('the branch aliases give the answers of the newest version of their branch', () => {
    for (const [alias, column] of [['main', 'main'], ['integration', 'integration-2026-09']] as const) {
      const want = e[column];
      const d = decodeManifest(bytes, { serverLine: alias });
      expect(d.ok ? null : d.message).toBe(want.decode_error);
      if (d.ok) expect(validateManifest(d.manifest, { serverLine: alias })).toBe(want.validate_error);
    }
  });

  it('the loadability matrix agrees with every column', () => {
    const m = manifestLoadability(bytes);
    expect(m.verdicts.map((v) => v.version)).toEqual([...SERVER_VERSIONS]);
    for (const [i, [column]] of COLUMNS.entries()) {
      const want = e[column];
      const v = m.verdicts[i]!;
      expect(v.decodeError).toBe(want.decode_error);
      expect(v.validateError).toBe(want.validate_error);
      expect(v.payloadSha256).toBe(want.payload_sha256);
      expect(v.loads).toBe(want.decode_error === null && want.validate_error === null);
    }
  });
});

it('every payload file of the drift set is checked by some column above', () => {
  const names = new Set(EXPECTED.flatMap((e) => COLUMNS.filter(([c]) => e[c].payload_sha256 !== null).map(([c]) => e.file.replace(/\.manifest\.json$/, `.${c}.payload`))));
  expect(readdirSync(join(DRIFT, 'payloads')).every((f) => names.has(f))).toBe(true);
});

it('integration-2026-09 differs from alpha-0.2.2a41 exactly by the three documented changes (lattice-server-2026-09.md)', () => {
  const a = serverRules('alpha-0.2.2a41');
  const n = serverRules('integration-2026-09');
  const capsA = [...a.capabilities];
  const capsN = [...n.capabilities];
  expect(capsN.filter(([k]) => !a.capabilities.has(k))).toEqual([['task:schedule', 'host']]);
  expect(capsA.filter(([k, t]) => n.capabilities.get(k) !== t)).toEqual([]);
  expect([...n.knownScopes].filter((s) => !a.knownScopes.has(s)).sort()).toEqual(['notify:admin', 'secrets:reveal']);
  expect([...a.knownScopes].filter((s) => !n.knownScopes.has(s))).toEqual(['worker:deploy']);
  expect(n.invokeBudget.fields).toEqual([...a.invokeBudget.fields, 'http_response_bytes']);
  expect(n.invokeBudget.hostMaximum).toEqual({ ...a.invokeBudget.hostMaximum, http_response_bytes: 8388608 });
  expect(n.invokeBudget.defaults).toEqual({ ...a.invokeBudget.defaults, http_response_bytes: 262144 });
  expect([...n.workerCapabilities]).toEqual([...a.workerCapabilities]);
  expect([...n.hostRiskExemptForNonSystem]).toEqual([...a.hostRiskExemptForNonSystem]);
  expect(n.runtimeProtocols).toEqual(a.runtimeProtocols);
  expect(n.v1PayloadIncludesDependencies).toBe(a.v1PayloadIncludesDependencies);
  expect(n.manifestFields).toEqual(a.manifestFields);
  expect(n.derivation).toMatch(/alpha-0\.2\.2a41/);
  expect(n.follows).toBe('alpha-0.2.2a41');
});

describe('http_response_bytes beyond the vectors (invoke_budget.go at integration-2026-09)', () => {
  const base = JSON.parse(readFileSync(join(DRIFT, 'manifests', 'p00-base.manifest.json'), 'utf8'));
  const withBudget = (extra: string): string => {
    const text = JSON.stringify(base);
    return text.replace('"host_calls":', `${extra}"host_calls":`);
  };
  const PRE = 'decode manifest: interface methods must be all strings or all typed objects: ';

  it('p00 has a budget to extend (the helper edits it)', () => {
    expect(JSON.stringify(base)).toContain('"host_calls":');
  });

  it('null is absent (a nil *int): decodes on 2026-09 with the same payload as without it; unknown before', () => {
    const text = withBudget('"http_response_bytes":null,');
    const d = decodeManifest(text, { serverVersion: 'integration-2026-09' });
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    const plain = decodeManifest(JSON.stringify(base), { serverVersion: 'integration-2026-09' });
    if (!plain.ok) throw new Error(plain.message);
    expect(Buffer.from(manifestSigningPayload(d.manifest, { serverVersion: 'integration-2026-09' }))).toEqual(Buffer.from(manifestSigningPayload(plain.manifest, { serverVersion: 'integration-2026-09' })));
    // DisallowUnknownFields fires on the key, whatever its value.
    expect(decodeManifest(text, { serverVersion: 'alpha-0.2.2a41' })).toMatchObject({ ok: false, message: `${PRE}json: unknown field "http_response_bytes"` });
    // The matrix decodes once with the widest decoder and reuses it only where every used key is known:
    // the key is used (null or not), so the older versions decode on their own and fail.
    const m = manifestLoadability(new TextEncoder().encode(text));
    expect(m.verdicts.map((v) => v.decodeError)).toEqual([`${PRE}json: unknown field "http_response_bytes"`, `${PRE}json: unknown field "http_response_bytes"`, null]);
    expect(m.loadsOn).toEqual(['integration-2026-09']);
  });

  it('negative values are refused at decode like zero', () => {
    expect(decodeManifest(withBudget('"http_response_bytes":-1,'), { serverVersion: 'integration-2026-09' })).toMatchObject({ ok: false, message: `${PRE}invoke budget http_response_bytes must be positive when present` });
  });

  it('the four required fields are checked first (Go checks them before the positive rule)', () => {
    const text = JSON.stringify(base).replace(/"host_calls":\d+/, '"http_response_bytes":0');
    expect(decodeManifest(text, { serverVersion: 'integration-2026-09' })).toMatchObject({ ok: false, message: `${PRE}invoke budget requires timeout_ms, stdout_bytes, stderr_bytes and host_calls` });
  });

  it('a fraction is a type error on 2026-09 and an unknown field before it', () => {
    const text = withBudget('"http_response_bytes":1.5,');
    expect(decodeManifest(text, { serverVersion: 'integration-2026-09' })).toMatchObject({ ok: false, message: `${PRE}json: cannot unmarshal number 1.5 into Go struct field InterfaceMethod.budget of type int` });
    expect(decodeManifest(text, { serverVersion: 'main' })).toMatchObject({ ok: false, message: `${PRE}json: unknown field "http_response_bytes"` });
  });

  it('a string is the same type error as for the other budget fields (Go 1.19 re-labels it with the method decoder)', () => {
    expect(decodeManifest(withBudget('"http_response_bytes":"1",'), { serverVersion: 'integration-2026-09' })).toMatchObject({ ok: false, message: `${PRE}json: cannot unmarshal string into Go struct field InterfaceMethod.budget of type int` });
  });

  it('the maximum itself is valid; the payload writes the field after host_calls; MarshalIndent keeps it', () => {
    const d = decodeManifest(bytesOf('p01-budget-http-response-bytes.manifest.json'), { serverVersion: 'integration-2026-09' });
    if (!d.ok) throw new Error(d.message);
    const payload = new TextDecoder().decode(manifestSigningPayload(d.manifest, { serverVersion: 'integration-2026-09' }));
    expect(payload).toMatch(/"host_calls":1,"http_response_bytes":8388608\}/);
    const again = decodeManifest(marshalManifestIndent(d.manifest), { serverVersion: 'integration-2026-09' });
    expect(again.ok && again.manifest.interfaces).toEqual(d.manifest.interfaces);
  });

  it('a model holding the field is refused by a version without it (fail closed, our text), never silently accepted', () => {
    const d = decodeManifest(bytesOf('p01-budget-http-response-bytes.manifest.json'), { serverVersion: 'integration-2026-09' });
    if (!d.ok) throw new Error(d.message);
    expect(validateManifest(d.manifest, { serverVersion: 'main' })).toBe('interface "example.drift/items" method "list" budget: http_response_bytes is not a budget field on server version main-141e9ca');
    expect(validateInvokeBudget({ timeout_ms: 1, stdout_bytes: 1, stderr_bytes: 1, host_calls: 0, http_response_bytes: -5 }, serverRules('integration-2026-09'))).toBe('http_response_bytes must be non-negative');
  });
});
