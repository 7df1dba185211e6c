/**
 * "Adding a version that changes only data is a data file plus tests"
 * (docs/SERVER-VERSIONS.md): this file registers a hypothetical fourth version
 * — a copy of integration-2026-09 with one more scope and a higher host_calls
 * maximum, nothing else — by mocking only the registry's list of data files,
 * and shows that the decoder, validator, payload writer, loadability matrix,
 * index validator and the `integration` alias all follow without code changes.
 */
import { describe, expect, it, vi } from 'vitest';

vi.mock('../../src/core/server-versions/registry.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../src/core/server-versions/registry.js')>();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const next: any = structuredClone(orig.SERVER_VERSION_DATA[2]);
  next.id = 'integration-2026-10';
  next.follows = 'integration-2026-09';
  next.source = { ...next.source, commit: 'abcdef1', date: '2026-10-01', evidence: 'test data only' };
  next.derivation = null;
  next.known_scopes = [...next.known_scopes, 'audit:admin'].sort();
  next.invoke_budget = { ...next.invoke_budget, host_maximum: { ...next.invoke_budget.host_maximum, host_calls: 1024 } };
  return { ...orig, SERVER_VERSION_DATA: [...orig.SERVER_VERSION_DATA, next] };
});

const { SERVER_VERSIONS, serverRules } = await import('../../src/core/server-line.js');
const { decodeManifest, manifestLoadability, validateManifest } = await import('../../src/domain/manifest/index.js');

const manifest = (scope: string, hostCalls: number): string =>
  JSON.stringify({
    schema: 'lattice.plugin.manifest.v2', id: 'example.data', name: 'Data only', type: 'system', capabilities: ['kv:read'], version: '0.1.0',
    publisher: 'example', bundle: { format: 'tar+gzip', digest_sha256: 'a'.repeat(64) },
    runtime: { protocol: 'stdio-json-v1', entrypoints: { 'linux/amd64': 'bin/linux-amd64/plugin' } },
    compatibility: { server: '>=0.2.1', dashboard_host: '>=1', runtime_protocol: '>=1' },
    interfaces: [{ service: 'example.data/items', methods: [{ name: 'list', effect: 'read', scopes: [scope], budget: { timeout_ms: 1, stdout_bytes: 1, stderr_bytes: 1, host_calls: hostCalls } }], backing: 'runtime' }],
  });

describe('a data-only server version needs no code', () => {
  it('is registered, and the integration alias moves to it', () => {
    expect(SERVER_VERSIONS).toEqual(['main-141e9ca', 'alpha-0.2.2a41', 'integration-2026-09', 'integration-2026-10']);
    expect(serverRules('integration').version).toBe('integration-2026-10');
    expect(serverRules('abcdef1').version).toBe('integration-2026-10');
  });

  it('its rules apply: a new scope and a new limit, on that version only', () => {
    const m = decodeManifest(manifest('audit:admin', 1000));
    if (!m.ok) throw new Error(m.message);
    expect(validateManifest(m.manifest, { serverVersion: 'integration-2026-10' })).toBeNull();
    expect(validateManifest(m.manifest, { serverVersion: 'integration-2026-09' })).toBe('interface "example.data/items" method "list" invalid scope "audit:admin"');
    const calls = decodeManifest(manifest('proxy:read', 1000));
    if (!calls.ok) throw new Error(calls.message);
    expect(validateManifest(calls.manifest, { serverVersion: 'integration-2026-09' })).toBe('interface "example.data/items" method "list" budget: host_calls 1000 exceeds host maximum 512');
    expect(validateManifest(calls.manifest, { serverVersion: 'integration-2026-10' })).toBeNull();
  });

  it('the loadability matrix covers it', () => {
    const matrix = manifestLoadability(new TextEncoder().encode(manifest('audit:admin', 1)));
    expect(matrix.verdicts.map((v) => v.version)).toEqual([...SERVER_VERSIONS]);
    expect(matrix.loadsOn).toEqual(['integration-2026-10']);
  });
});
