/**
 * Runner compatibility (DESIGN §5 step 7): host compatibility rules
 * (compat.ts, with the server's range grammar of interop §D.4 and its
 * dependency texts of §D.5), the wasm sandbox checks and the worker template
 * gate (runner.ts).
 */
import { describe, expect, it } from 'vitest';
import { checkHostCompatibility } from '../../src/domain/install/compat.js';
import { checkArtifactRunnable, checkWasmModule, checkWorkerTemplate, WORKER_BLOCKED_PRIMITIVES } from '../../src/domain/install/runner.js';
import { nodeBundleCodec, packBundleEntries } from '../../src/io/bundle.js';
import { sha256Hex } from '../../src/crypto/index.js';
import type { HostProfile } from '../../src/domain/install/policy.js';
import type { Manifest } from '../../src/domain/manifest/index.js';
import { BASE_V1_JSON, BASE_V2_JSON, decodeJSON } from '../manifest/fixtures.js';
import { policyFrom, wasmModule } from './harness.js';

const UTF8 = new TextEncoder();
const host = (over: Partial<HostProfile> = {}): HostProfile => ({
  ...policyFrom().host,
  installedPlugins: new Map([['acme.base', '1.5.0']]),
  ...over,
});
const v2 = (mutate: (m: Record<string, any>) => void = () => {}): Manifest => {
  const json = JSON.parse(JSON.stringify(BASE_V2_JSON)) as Record<string, any>;
  mutate(json);
  return decodeJSON(json);
};

describe('checkHostCompatibility', () => {
  it('the base v2 manifest fits the test host; every rule is reported', () => {
    const r = checkHostCompatibility(v2(), host());
    expect(r.ok, r.message).toBe(true);
    expect(r.runtimeEntrypoint).toBe('bin/linux-amd64/tool');
    expect(r.uiEntrypoint).toBe('ui/index.html');
    expect(r.findings.map((f) => f.check)).toEqual([
      'runner', 'protocol', 'platform', 'ui', 'compatibility.server', 'compatibility.dashboard_host',
      'compatibility.runtime_protocol', 'min_server', 'dependencies', 'dependencies',
    ]);
  });

  // [name, manifest mutation, host override, code, message fragment]
  const cases: [string, (m: Record<string, any>) => void, Partial<HostProfile>, string, string][] = [
    ['no runner for the type', () => {}, { runners: ['wasm'] }, 'RUNNER_UNAVAILABLE', 'noop runner'],
    ['sandbox backend missing (never a fallback)', (m) => ((m.type = 'wasm'), (m.capabilities = ['kv:read'])), { sandboxes: ['worker'] }, 'RUNNER_UNAVAILABLE', 'never a fallback'],
    ['protocol the host does not speak', (m) => (m.runtime.protocol = 'stdio-json-v2'), { runtimeProtocols: ['stdio-json-v1'] }, 'RUNNER_INCOMPATIBLE', 'stdio-json-v2'],
    ['no entrypoint for the platform (server text)', () => {}, { platform: 'darwin/arm64' }, 'RUNNER_INCOMPATIBLE', 'manifest has no runtime entrypoint for platform "darwin/arm64"'],
    ['ui bridge mismatch', () => {}, { dashboardBridgeVersion: '2' }, 'RUNNER_INCOMPATIBLE', 'bridge'],
    ['sandboxed UI without a dashboard', () => {}, { dashboardBridgeVersion: undefined, dashboardHostVersion: undefined } as Partial<HostProfile>, 'RUNNER_INCOMPATIBLE', 'no dashboard bridge'],
    ['server version below compatibility.server', (m) => (m.compatibility.server = '>=0.3.0'), {}, 'RUNNER_INCOMPATIBLE', 'does not satisfy compatibility.server'],
    ['server version above an upper bound', (m) => (m.compatibility.server = '>=0.2.0, <0.2.2'), {}, 'RUNNER_INCOMPATIBLE', 'compatibility.server'],
    ['range outside the server grammar (space after >=)', (m) => (m.compatibility.server = '>= 0.2.1'), {}, 'RUNNER_INCOMPATIBLE', 'invalid term ">="'],
    ['semver-only syntax is not a range here', (m) => (m.compatibility.server = '^0.2.1'), {}, 'RUNNER_INCOMPATIBLE', 'not a version range'],
    ['dashboard host too old', (m) => (m.compatibility.dashboard_host = '>=2'), {}, 'RUNNER_INCOMPATIBLE', 'dashboard host version 1'],
    ['runtime protocol range', (m) => (m.compatibility.runtime_protocol = '>=2'), {}, 'RUNNER_INCOMPATIBLE', 'runtime protocol version 1'],
    ['min_server above the host', (m) => (m.min_server = '0.2.3'), {}, 'RUNNER_INCOMPATIBLE', 'needs server 0.2.3'],
    ['prerelease host below a release min_server', (m) => (m.min_server = '0.2.2'), { serverVersion: '0.2.2-alpha.39' }, 'RUNNER_INCOMPATIBLE', 'needs server 0.2.2'],
    ['required dependency missing (server text)', () => {}, { installedPlugins: new Map() }, 'RUNNER_INCOMPATIBLE', 'required dependency "acme.base" is not installed'],
    ['required dependency out of range (server text)', () => {}, { installedPlugins: new Map([['acme.base', '2.0.0']]) }, 'RUNNER_INCOMPATIBLE', 'required dependency "acme.base" version 2.0.0 does not satisfy ">=1.0, <2"'],
  ];
  it.each(cases)('%s', (_name, mutate, over, code, fragment) => {
    const r = checkHostCompatibility(v2(mutate), host(over));
    expect(r.ok).toBe(false);
    expect(r.code).toBe(code);
    expect(r.message).toContain(fragment);
  });

  it('prerelease ordering follows the server (0.2.2-alpha.39 ≥ 0.2.2-alpha.20; 0.2.2 ≥ 0.2.2-alpha.39)', () => {
    expect(checkHostCompatibility(v2((m) => (m.compatibility.server = '>=0.2.2-alpha.20')), host({ serverVersion: '0.2.2-alpha.39' })).ok).toBe(true);
    expect(checkHostCompatibility(v2((m) => (m.compatibility.server = '>=0.2.2-alpha.39')), host({ serverVersion: '0.2.2' })).ok).toBe(true);
    expect(checkHostCompatibility(v2((m) => (m.compatibility.server = '>=0.2.2-alpha.40')), host({ serverVersion: '0.2.2-alpha.39' })).ok).toBe(false);
  });

  it('optional dependencies are ignored, as the server does', () => {
    const r = checkHostCompatibility(v2(), host());
    expect(r.findings.find((f) => f.detail.includes('acme.extra'))?.ok).toBe(true);
  });

  it('v1 system manifests speak stdio-json-v1', () => {
    const r = checkHostCompatibility(decodeJSON({ ...BASE_V1_JSON, ui: undefined, interfaces: undefined }), host());
    expect(r.ok).toBe(true);
    expect(r.protocol).toBe('stdio-json-v1');
    expect(checkHostCompatibility(decodeJSON({ ...BASE_V1_JSON, ui: undefined, interfaces: undefined }), host({ runtimeProtocols: ['stdio-json-v2'] })).code).toBe('RUNNER_INCOMPATIBLE');
  });
});

describe('checkWasmModule (compiled, never instantiated)', () => {
  const offered = ['lattice.kv_get', 'lattice.log', 'a.b.c'];
  it('a module importing offered functions and exporting the ABI passes', async () => {
    expect(await checkWasmModule(wasmModule(), offered)).toMatchObject({ ok: true });
    expect(await checkWasmModule(wasmModule({ imports: [] }), offered)).toMatchObject({ ok: true });
  });
  const refused: [string, Uint8Array, string][] = [
    ['not wasm at all', UTF8.encode('#!/bin/sh\n'), 'does not compile'],
    ['truncated module', wasmModule().subarray(0, 30), 'does not compile'],
    ['imports a function the host does not offer', wasmModule({ imports: [['env', 'fetch']] }), 'host function "env.fetch"'],
    ['one offered and one not', wasmModule({ imports: [['lattice', 'kv_get'], ['wasi_snapshot_preview1', 'fd_write']] }), 'wasi_snapshot_preview1.fd_write'],
    ['a dotted module name cannot spell an offered name', wasmModule({ imports: [['a.b', 'c']] }), 'host function "a.b.c"'],
    ['imports memory', wasmModule({ importMemory: true }), 'imports a memory'],
    ['no lattice_invoke export', wasmModule({ omitExports: ['lattice_invoke'] }), '"lattice_invoke"'],
    ['no memory export', wasmModule({ omitExports: ['memory'] }), '"memory"'],
  ];
  it.each(refused)('%s', async (_name, bytes, fragment) => {
    const r = await checkWasmModule(bytes, offered);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('RUNNER_INCOMPATIBLE');
      expect(r.message).toContain(fragment);
    }
  });
});

describe('checkWorkerTemplate', () => {
  it('a template without blocked primitives passes', () => {
    expect(checkWorkerTemplate(UTF8.encode('export default { route(req, env) { return env.kv.get("k"); } };\n'), 'w.js').ok).toBe(true);
  });
  // Source of the list: the seed ("must contain none of fetch(, require(, process.env, exec(, os.").
  it.each(WORKER_BLOCKED_PRIMITIVES.map((p) => [p]))('literal %s is blocked', (p) => {
    const r = checkWorkerTemplate(UTF8.encode(`// header\nconst x = 1;\n${p}${p.endsWith('(') ? ')' : 'x'};\n`), 'w.js');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(`line 3`);
  });
  const spelt: [string, string][] = [
    ['fetch (url)', 'fetch('],
    ['fetch/* c */(url)', 'fetch('],
    ['fetch // c\n(url)', 'fetch('],
    ['globalThis.fetch?.(url)', 'fetch('],
    ['require\t("fs")', 'require('],
    ['child.exec ("ls")', 'exec('],
    ['process?.env.HOME', 'process.env'],
    ['process . env', 'process.env'],
    ['process["env"]', 'process.env'],
    ["process[ 'env' ]", 'process.env'],
    ['f\\u0065tch(url)', 'fetch('],
    ['\\u{72}equire("x")', 'require('],
    ['os .platform()', 'os.'],
    ['os?.platform()', 'os.'],
  ];
  it.each(spelt)('spelt %s is blocked as %s', (src, primitive) => {
    const r = checkWorkerTemplate(UTF8.encode(src), 'w.js');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(`"${primitive}"`);
  });
  it('invalid UTF-8 is refused', () => {
    expect(checkWorkerTemplate(Uint8Array.of(0x66, 0xff, 0x28), 'w.js').ok).toBe(false);
  });
  it('the literal "os." rule matches inside longer words (fail closed, documented)', () => {
    expect(checkWorkerTemplate(UTF8.encode('const photos = []; photos.push(1);'), 'w.js').ok).toBe(false);
  });
});

describe('checkArtifactRunnable (bundle → wasm / worker sources)', () => {
  const worker = (files: { path: string; content: Uint8Array }[]) => {
    const artifact = packBundleEntries(files);
    const m = v2((j) => {
      j.type = 'worker';
      j.capabilities = ['kv:read'];
      j.runtime.entrypoints = { 'linux/amd64': 'bin/worker/worker.js' };
      delete j.ui_runtime;
      delete j.ui;
      delete j.interfaces;
      j.bundle.digest_sha256 = sha256Hex(artifact);
    });
    return { artifact, m };
  };
  const replay = (bytes: Uint8Array) => () => (async function* () { for (let i = 0; i < bytes.length; i += 100) yield bytes.subarray(i, i + 100); })();

  it('every .js/.mjs/.cjs file of a worker bundle is checked, not only the entrypoint', async () => {
    const ok = worker([{ path: 'bin/worker/worker.js', content: UTF8.encode('export default {};') }, { path: 'lib/util.mjs', content: UTF8.encode('export const x = 1;') }]);
    expect(await checkArtifactRunnable(ok.m, replay(ok.artifact), host(), { codec: nodeBundleCodec, runtimeEntrypoint: 'bin/worker/worker.js' })).toMatchObject({ ok: true });
    const bad = worker([{ path: 'bin/worker/worker.js', content: UTF8.encode('export default {};') }, { path: 'lib/util.mjs', content: UTF8.encode('const cp = require("child_process");') }]);
    const r = await checkArtifactRunnable(bad.m, replay(bad.artifact), host(), { codec: nodeBundleCodec, runtimeEntrypoint: 'bin/worker/worker.js' });
    expect(r).toMatchObject({ ok: false, code: 'RUNNER_INCOMPATIBLE' });
    if (!r.ok) expect(r.message).toContain('lib/util.mjs');
  });

  it('a declared entrypoint missing from the bundle is the server\'s BUNDLE_INVALID', async () => {
    const { artifact, m } = worker([{ path: 'bin/other.js', content: UTF8.encode('export default {};') }]);
    const r = await checkArtifactRunnable(m, replay(artifact), host(), { codec: nodeBundleCodec, runtimeEntrypoint: 'bin/worker/worker.js' });
    expect(r).toMatchObject({ ok: false, code: 'BUNDLE_INVALID', message: 'declared runtime entrypoint "bin/worker/worker.js" is missing from bundle' });
  });
});
