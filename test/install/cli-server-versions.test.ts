/**
 * `candidates` and `install` with the built CLI against a real HTTP server
 * (127.0.0.1, --test-loopback-http) holding an index with stored manifests
 * beside it (DESIGN §4.5): the host's server version decides what is picked,
 * and the installer reads the stored manifest from the index's origin.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InstallEnv, InstallRepo, policyDoc } from './harness.js';
import { startTestServer, type TestServer } from './http-server.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const BUILT = existsSync(CLI);
const NOW = ['--now', '2026-08-01T01:00:00Z'];

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const budget = { timeout_ms: 1000, stdout_bytes: 1024, stderr_bytes: 1024, host_calls: 4, http_response_bytes: 1048576 };
const iface = (b?: Record<string, number>) => (m: Record<string, unknown>): void => {
  m.interfaces = [{ service: `${String(m.id)}/items`, methods: [{ name: 'list', effect: 'read', scopes: ['proxy:read'], ...(b ? { budget: b } : {}) }], backing: 'runtime' }];
};

describe.skipIf(!BUILT)('host server version in candidates and install (built CLI, real HTTP)', () => {
  let server: TestServer;
  let env: InstallEnv;
  let indexUrl: string;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());
  beforeEach(() => {
    env = new InstallEnv();
    const repo = new InstallRepo(server.base);
    repo.addRelease({ plugin: 'acme.fetch', version: '1.0.0', store: true, manifest: iface() });
    repo.addRelease({ plugin: 'acme.fetch', version: '1.1.0', store: true, manifest: iface(budget) }); // integration-2026-09 only
    server.files.clear();
    server.requests.length = 0;
    for (const [url, bytes] of repo.files) server.files.set(new URL(url).pathname, bytes);
    for (const [rel, bytes] of repo.stored) server.files.set(`/${rel}`, bytes);
    server.files.set('/plugins.json', repo.publish());
    indexUrl = `${server.base}/plugins.json`;
  });
  afterEach(() => env.cleanup());

  function policy(host: Record<string, unknown>): string {
    const doc = policyDoc();
    delete doc.host.server_line;
    Object.assign(doc.host, host);
    const file = path.join(env.policyDir, 'policy.json');
    writeFileSync(file, JSON.stringify(doc, null, 2));
    return file;
  }

  it('candidates: different picks for two server versions of the same index', async () => {
    const file = policy({ server_build: 'alpha-0.2.2a41' });
    const a = await cli(['candidates', '--index', indexUrl, '--policy', file, '--json', '--test-loopback-http', ...NOW]);
    expect(a.status, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ server_version: 'alpha-0.2.2a41', candidates: [{ plugin: 'acme.fetch', version: '1.0.0', head: '1.1.0', skipped: [{ version: '1.1.0' }] }] });
    const b = await cli(['candidates', '--index', indexUrl, '--policy', file, '--server-version', 'integration-2026-09', '--test-loopback-http', ...NOW]);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toContain('server version integration-2026-09');
    expect(b.stdout).toMatch(/yes acme\.fetch 1\.1\.0 \(stable/);
    const plain = await cli(['candidates', '--index', indexUrl, '--policy', file, '--test-loopback-http', ...NOW]);
    expect(plain.stdout).toContain('skipped 1.1.0: acme.fetch 1.1.0 does not load on server version alpha-0.2.2a41');
    const unknown = await cli(['candidates', '--index', indexUrl, '--policy', file, '--server-version', 'alpha-0.2.2a45', '--json', '--test-loopback-http', ...NOW]);
    expect(unknown.status).toBe(2);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ ok: false, code: 'SERVER_VERSION_UNKNOWN', exit: 2 });
  });

  it('install ID on alpha-0.2.2a41 installs 1.0.0 with the stored manifest from beside the index', async () => {
    const file = policy({ server_build: 'alpha-0.2.2a41' });
    const r = await cli(['install', 'acme.fetch', '--index', indexUrl, '--policy', file, '--plugin-dir', env.pluginDir, '--yes', '--json', '--test-loopback-http', ...NOW]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.summary).toMatchObject({ version: '1.0.0', manifest: { source: 'stored' }, server: { rules: 'alpha-0.2.2a41', build: 'alpha-0.2.2a41' }, skipped: [{ version: '1.1.0' }] });
    expect(server.requests).toContain('/manifests/acme.fetch/1.0.0.json');
    expect(server.requests).not.toContain('/acme.fetch/1.0.0/manifest.json');
  });

  it('an unknown server_build in the policy fails closed before anything is fetched', async () => {
    const file = policy({ server_build: 'alpha-0.2.2a45' });
    const r = await cli(['install', 'acme.fetch', '--index', indexUrl, '--policy', file, '--plugin-dir', env.pluginDir, '--yes', '--test-loopback-http', ...NOW]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[INSTALL_POLICY_INVALID]');
    expect(r.stderr).toContain('SERVER_VERSION_UNKNOWN');
    expect(server.requests).toEqual([]);
  });
});
