/**
 * The commands `install`, `candidates` and `policy init|check|export-server-trust`
 * with the built CLI (`npm test` builds first), against the repository
 * simulator served on 127.0.0.1 (plain HTTP under --test-loopback-http).
 * The CLI runs as an asynchronous child: the server lives in this process.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseServerTrustPolicy } from '../../src/domain/manifest/trust-policy.js';
import { parseInstallPolicy } from '../../src/domain/install/policy.js';
import { InstallEnv, InstallRepo, keyB64, policyDoc, snapshotDir, tempDir, removeDir } from './harness.js';
import { startTestServer, type TestServer } from './http-server.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const BUILT = existsSync(CLI);

function cli(args: string[], input = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe.skipIf(!BUILT)('lattice-index install / candidates (built CLI)', () => {
  let server: TestServer;
  let env: InstallEnv;
  let before: string[];
  let policyFile: string;
  let indexUrl: string;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());
  beforeEach(() => {
    env = new InstallEnv();
    before = snapshotDir(env.pluginDir);
    const repo = new InstallRepo(server.base);
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    repo.addRelease({ plugin: 'acme.beta', version: '2.0.0-alpha.1', channel: 'alpha' });
    repo.addRelease({ plugin: 'evil.tool', version: '1.0.0', signer: 'publisher-evil' });
    for (const [url, bytes] of repo.files) server.files.set(new URL(url).pathname, bytes);
    server.files.set('/plugins.json', repo.publish());
    indexUrl = `${server.base}/plugins.json`;
    // The CLI checks expiry against the real clock: the simulator's index is dated 2026-08-01 and valid 30 days.
    policyFile = path.join(env.policyDir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(policyDoc(), null, 2));
  });
  afterEach(() => env.cleanup());
  const NOW = ['--now', '2026-08-01T01:00:00Z'];

  it('Ctrl-C (SIGINT) while the artifact downloads: exit 130, no .staging-* left, nothing installed', async () => {
    // The artifact dribbles: a first chunk, then nothing — the install sits in the download with its stage open.
    const path0 = '/acme.hello/1.0.0/bundle.tar.gz';
    const body = server.files.get(path0)!;
    server.routes.set(path0, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
      res.write(Buffer.from(body.subarray(0, 16)));
    });
    const child = spawn(process.execPath, [CLI, 'install', 'acme.hello', '--index', indexUrl, '--policy', policyFile, '--plugin-dir', env.pluginDir, '--yes', '--test-loopback-http', ...NOW], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const staging = () => readdirSync(env.pluginDir).filter((n) => n.startsWith('.staging-'));
    try {
      for (let i = 0; i < 200 && staging().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(staging(), 'the stage exists while the artifact downloads').toHaveLength(1);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
    } finally {
      server.routes.delete(path0);
      child.kill('SIGKILL');
    }
    expect(stderr).toContain('interrupted (SIGINT)');
    expect(staging()).toEqual([]);
    expect(snapshotDir(env.pluginDir)).toEqual(before);
  });

  it('without a TTY and without --yes: summary printed, refused (APPROVAL_REQUIRED), directory unchanged', async () => {
    const r = await cli(['install', 'acme.hello', '--index', indexUrl, '--policy', policyFile, '--plugin-dir', env.pluginDir, '--test-loopback-http', ...NOW]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('Capabilities (highest risk: WRITE)');
    expect(r.stderr).toContain('no TTY');
    expect(r.stderr).toMatch(/\[APPROVAL_REQUIRED\]\n$/);
    expect(snapshotDir(env.pluginDir)).toEqual(before);
    expect(env.auditLines().at(-1)).toMatchObject({ event: 'plugin.install.refused', code: 'APPROVAL_REQUIRED' });
  });

  it('--yes installs; a second run replaces; --json reports the placement', async () => {
    const r = await cli(['install', 'acme.hello', '--index', indexUrl, '--policy', policyFile, '--plugin-dir', env.pluginDir, '--yes', '--test-loopback-http', ...NOW]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('installed acme.hello 1.0.0');
    expect(existsSync(path.join(env.pluginDir, 'acme.hello.plugin', 'artifact'))).toBe(true);
    const j = await cli(['install', 'acme.hello', '--index', indexUrl, '--policy', policyFile, '--plugin-dir', env.pluginDir, '--yes', '--json', '--test-loopback-http', ...NOW]);
    expect(j.status, j.stderr).toBe(0);
    const doc = JSON.parse(j.stdout) as { ok: boolean; placed: { replaced: boolean }; summary: { capabilities: { name: string; risk: string }[] } };
    expect(doc.ok).toBe(true);
    expect(doc.placed.replaced).toBe(true);
    expect(doc.summary.capabilities.map((c) => c.risk)).toEqual(['read', 'write']);
  });

  it('--timings prints where the time went on stderr; --json always carries timings_ms', async () => {
    const r = await cli(['install', 'acme.hello', '--index', indexUrl, '--policy', policyFile, '--plugin-dir', env.pluginDir, '--yes', '--timings', '--test-loopback-http', ...NOW]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^timings \(ms\): total [\d.]+ \(install [\d.]+\); startup [\d.]+, lock [\d.]+, .*index [\d.]+, .*artifact_download [\d.]+, .*artifact_hash [\d.]+, .*artifact_fsync [\d.]+, .*placement [\d.]+/m);
    const plain = await cli(['install', 'acme.hello', '--index', indexUrl, '--policy', policyFile, '--plugin-dir', env.pluginDir, '--yes', '--test-loopback-http', ...NOW]);
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stderr).not.toContain('timings');
    const j = await cli(['install', 'acme.hello', '--index', indexUrl, '--policy', policyFile, '--plugin-dir', env.pluginDir, '--yes', '--json', '--test-loopback-http', ...NOW]);
    expect(j.status, j.stderr).toBe(0);
    const t = (JSON.parse(j.stdout) as { timings_ms: Record<string, number> }).timings_ms;
    for (const k of ['startup', 'index', 'manifest', 'artifact', 'artifact_download', 'artifact_hash', 'runner', 'placement', 'total', 'command_total']) expect(typeof t[k], k).toBe('number');
    expect(t.command_total!).toBeGreaterThanOrEqual(t.total!);
  });

  it('--dry-run writes nothing (no placement, state or audit)', async () => {
    const r = await cli(['install', 'acme.hello', '--index', indexUrl, '--policy', policyFile, '--plugin-dir', env.pluginDir, '--dry-run', '--test-loopback-http', ...NOW]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('dry run: acme.hello 1.0.0 passed every check; nothing was written');
    expect(snapshotDir(env.pluginDir)).toEqual(before);
    expect(existsSync(path.join(env.policyDir, 'state.json'))).toBe(false);
    expect(existsSync(path.join(env.policyDir, 'audit.log'))).toBe(false);
  });

  it('without the test flag the loopback server is refused (FETCH_ADDRESS_REFUSED)', async () => {
    const r = await cli(['install', 'acme.hello', '--index', indexUrl, '--policy', policyFile, '--plugin-dir', env.pluginDir, '--yes', ...NOW]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\[FETCH_ADDRESS_REFUSED\]\n$/);
    expect(snapshotDir(env.pluginDir)).toEqual(before);
  });

  it('alpha needs --channel alpha and a policy that allows it', async () => {
    const r = await cli(['install', 'acme.beta', '--index', indexUrl, '--policy', policyFile, '--plugin-dir', env.pluginDir, '--yes', '--test-loopback-http', ...NOW]);
    expect(r.stderr).toMatch(/\[CHANNEL_NOT_ALLOWED\]\n$/);
    const r2 = await cli(['install', 'acme.beta', '--channel', 'alpha', '--index', indexUrl, '--policy', policyFile, '--plugin-dir', env.pluginDir, '--yes', '--test-loopback-http', ...NOW]);
    expect(r2.stderr).toMatch(/\[CHANNEL_NOT_ALLOWED\]\n$/);
    expect(snapshotDir(env.pluginDir)).toEqual(before);
  });

  it('candidates: what could be installed, and why not the rest', async () => {
    const r = await cli(['candidates', '--index', indexUrl, '--policy', policyFile, '--json', '--test-loopback-http', ...NOW]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { candidates: { plugin: string; channel: string; installable: boolean; code?: string }[] };
    expect(doc.candidates.map((c) => [c.plugin, c.channel, c.installable, c.code ?? null])).toEqual([
      ['acme.beta', 'alpha', false, 'CHANNEL_NOT_ALLOWED'],
      ['acme.hello', 'stable', true, null],
      ['evil.tool', 'stable', false, 'PUBLISHER_UNTRUSTED'],
    ]);
  });

  it('an invalid policy: every problem, one line each, exit 1 (read and judged)', async () => {
    const doc = policyDoc();
    doc.host.platform = 'x';
    doc.limits.max_redirects = 99;
    writeFileSync(policyFile, JSON.stringify(doc));
    const r = await cli(['install', 'acme.hello', '--index', indexUrl, '--policy', policyFile, '--plugin-dir', env.pluginDir, '--yes', '--test-loopback-http', ...NOW]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/limits/max_redirects');
    expect(r.stderr).toMatch(/\/host\/platform.*\[INSTALL_POLICY_INVALID\]/);
  });
});

describe.skipIf(!BUILT)('lattice-index policy (built CLI)', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('lattice-policy-cli-');
  });
  afterEach(() => removeDir(dir));

  it('init writes a valid fail-closed policy, never over an existing file; check accepts it', async () => {
    const out = path.join(dir, 'policy.json');
    const args = ['policy', 'init', '--out', out, '--index-key', keyB64('index-ci'), '--publisher', `acme=${keyB64('publisher-acme')}`, '--server-version', '0.2.2', '--platform', 'linux/amd64'];
    const r = await cli(args);
    expect(r.status, r.stderr).toBe(0);
    const parsed = parseInstallPolicy(readFileSync(out));
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.policy.defaultLimits.maxRisk).toBe('write');
      expect(parsed.policy.defaultLimits.channels).toEqual(['stable']);
      expect(parsed.policy.index!.allowDraft).toBe(false);
    }
    const again = await cli(args);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('[OUTPUT_EXISTS]');
    const check = await cli(['policy', 'check', out]);
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain('drafts refused');
  });

  it('check lists every problem with its pointer', async () => {
    const f = path.join(dir, 'bad.json');
    const doc = policyDoc();
    doc.extra = true;
    doc.publishers.acme.max_risk = 'root';
    writeFileSync(f, JSON.stringify(doc));
    const r = await cli(['policy', 'check', f, '--json']);
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout) as { problems: { instancePath: string }[] };
    expect(j.problems.map((p) => p.instancePath).sort()).toEqual(['/extra', '/publishers/acme/max_risk']);
  });

  it('export-server-trust writes a trust policy the server parser accepts', async () => {
    const f = path.join(dir, 'policy.json');
    writeFileSync(f, JSON.stringify(policyDoc()));
    const r = await cli(['policy', 'export-server-trust', f]);
    expect(r.status, r.stderr).toBe(0);
    const parsed = parseServerTrustPolicy(r.stdout);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect([...parsed.policy.trustedPublishers.keys()]).toEqual(['acme']);
  });
});
