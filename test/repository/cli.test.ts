/**
 * The repository v2 commands end to end, in-process (`runCli`), with the
 * repository folder served on 127.0.0.1 (plain HTTP under the hidden test
 * flag; the real-HTTPS run with nginx is nginx.test.ts):
 * repo init / publish / verify / refresh / rotate-root, install and
 * candidates with --repo, export and install --from (no network: the server
 * is gone), mirror (incremental, refusing a tampered upstream).
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256, sha256Hex } from '../../src/crypto/index.js';
import { runCli, tempDir } from '../cli/helpers.js';
import { InstallRepo, policyDoc, snapshotDir } from '../install/harness.js';
import { serveDir, startTestServer, type TestServer } from '../install/http-server.js';
import { PUBLISHERS } from './v2-harness.js';

const UTF8 = new TextEncoder();
let work: { dir: string; cleanup: () => void };
let server: TestServer;
let repoDir: string;
let indexDir: string;
let repoUrl: string;
let inst: InstallRepo;
const key = (name: string) => path.join(work.dir, `${name}.seed`);

function seed(name: string): void {
  writeFileSync(key(name), sha256(UTF8.encode(`cli test key ${name}`)), { mode: 0o600 });
}

function writeIndex(): void {
  rmSync(indexDir, { recursive: true, force: true });
  mkdirSync(path.join(indexDir, 'publishers'), { recursive: true });
  mkdirSync(path.join(indexDir, 'plugins'), { recursive: true });
  for (const p of PUBLISHERS) writeFileSync(path.join(indexDir, 'publishers', `${p.id}.json`), JSON.stringify(p, null, 2));
  for (const p of inst.plugins) writeFileSync(path.join(indexDir, 'plugins', `${p.id}.json`), JSON.stringify(p, null, 2));
}

async function ok(args: string[]) {
  const r = await runCli(args, { cwd: work.dir });
  expect(r.status, `${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
}

function policy(extra: (d: Record<string, any>) => void = () => {}): string {
  const d = policyDoc();
  delete d.index;
  d.repository = { root_sha256: sha256Hex(readFileSync(path.join(repoDir, 'metadata/1.root.json'))), metadata_dir: 'tuf' };
  extra(d);
  const dir = tempDir('lattice-v2-policy-').dir;
  const file = path.join(dir, 'policy.json');
  writeFileSync(file, JSON.stringify(d, null, 2));
  return file;
}

beforeAll(async () => {
  work = tempDir('lattice-v2-cli-');
  server = await startTestServer(2000);
  repoDir = path.join(work.dir, 'repository');
  indexDir = path.join(work.dir, 'index');
  repoUrl = `${server.base}/repository`;
  inst = new InstallRepo(server.base);
  inst.addRelease({ plugin: 'acme.tool', version: '1.0.0' });
  inst.addRelease({ plugin: 'acme.other', version: '2.0.0' });
  for (const [url, bytes] of inst.files) server.files.set(new URL(url).pathname, bytes);
  for (const k of ['root-a', 'root-b', 'online', 'root-c']) seed(k);
  writeIndex();
});
afterAll(async () => {
  await server.close();
  work.cleanup();
});

describe('lattice-index repo, install --repo, export, install --from, mirror', () => {
  it('repo init: 1.root.json and an empty signed repository; prints the pin; refuses a non-empty folder', async () => {
    const r = await ok(['repo', 'init', '--repo', repoDir, '--root-key', key('root-a'), '--root-key', key('root-b'), '--root-threshold', '2', '--online-key', key('online'), '--json']);
    const j = JSON.parse(r.stdout);
    expect(j.root.sha256).toBe(sha256Hex(readFileSync(path.join(repoDir, 'metadata/1.root.json'))));
    expect(j.root.keyids).toHaveLength(2);
    const again = await runCli(['repo', 'init', '--repo', repoDir, '--root-key', key('root-a'), '--root-threshold', '1', '--online-key', key('online')], { cwd: work.dir });
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/\[OUTPUT_EXISTS\]/);
    const noKey = await runCli(['repo', 'init', '--repo', path.join(work.dir, 'x'), '--root-key', key('root-a'), '--root-threshold', '1'], { cwd: work.dir });
    expect(noKey.status).toBe(2);
  });

  it('repo publish, then repo verify of the folder', async () => {
    const r = await ok(['repo', 'publish', '--repo', repoDir, '--index-dir', indexDir, '--online-key', key('online'), '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, changed: true, bins: 16 });
    const again = await ok(['repo', 'publish', '--repo', repoDir, '--index-dir', indexDir, '--online-key', key('online'), '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, mode: 'incremental' });
    const v = await ok(['repo', 'verify', '--repo', repoDir, '--root', path.join(repoDir, 'metadata/1.root.json'), '--json']);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, targets: 5, lattice: { plugins: 2, publishers: 2 } });
    serveDir(server, repoDir, '/repository');
  });

  it('repo verify refuses a tampered target (exit 1, code) and a URL the same way', async () => {
    const copy = path.join(work.dir, 'tampered');
    mkdirSync(copy);
    const { cpSync } = await import('node:fs');
    cpSync(repoDir, copy, { recursive: true });
    const dir = path.join(copy, 'targets/plugins');
    const f = path.join(dir, readdirSync(dir).find((n) => n.endsWith('.acme.tool.json'))!);
    const b = readFileSync(f);
    b[b.length - 2] = b[b.length - 2]! ^ 1;
    writeFileSync(f, b);
    const r = await runCli(['repo', 'verify', '--repo', copy, '--root', path.join(repoDir, 'metadata/1.root.json'), '--json'], { cwd: work.dir });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: 'REPO_HASH_MISMATCH' });
    const url = await ok(['repo', 'verify', '--repo', repoUrl, '--root', path.join(repoDir, 'metadata/1.root.json'), '--test-loopback-http']);
    expect(url.stdout).toMatch(/verified/);
  });

  it('install --repo: pinned root, six requests cold, only the timestamp warm; candidates --repo', async () => {
    const pluginDir = tempDir('lattice-v2-plugins-').dir;
    const pol = policy();
    const start = server.requests.length;
    const r = await ok(['install', 'acme.tool', '--repo', repoUrl, '--policy', pol, '--plugin-dir', pluginDir, '--yes', '--test-loopback-http', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, placed: { path: expect.stringMatching(/acme\.tool\.plugin$/) } });
    const cold = server.requests.slice(start).filter((p) => p.startsWith('/repository/'));
    // 1.root.json (pinned by SHA-256), the 2.root.json probe, timestamp, snapshot, targets, one bin, the plugin's target.
    expect(cold.map((p) => p.replace(/[0-9a-f]{64}/, 'H'))).toEqual([
      '/repository/metadata/1.root.json',
      '/repository/metadata/2.root.json',
      '/repository/metadata/timestamp.json',
      expect.stringMatching(/^\/repository\/metadata\/\d+\.snapshot\.json$/),
      expect.stringMatching(/^\/repository\/metadata\/\d+\.targets\.json$/),
      expect.stringMatching(/^\/repository\/metadata\/\d+\.bins-[0-9a-f]\.json$/),
      '/repository/targets/plugins/H.acme.tool.json',
    ]);
    const warmStart = server.requests.length;
    await ok(['install', 'acme.tool', '--repo', repoUrl, '--policy', pol, '--plugin-dir', pluginDir, '--yes', '--test-loopback-http']);
    const warm = server.requests.slice(warmStart).filter((p) => p.startsWith('/repository/'));
    expect(warm).toEqual(['/repository/metadata/2.root.json', '/repository/metadata/timestamp.json']);
    const c = await ok(['candidates', '--repo', repoUrl, '--policy', pol, '--test-loopback-http', '--json']);
    expect(JSON.parse(c.stdout).candidates.map((x: { plugin: string }) => x.plugin).sort()).toEqual(['acme.other', 'acme.tool']);
  });

  it('install --repo with another pinned root: REPO_ROOT_PIN, nothing installed', async () => {
    const pluginDir = tempDir('lattice-v2-plugins-').dir;
    const before = snapshotDir(pluginDir);
    const pol = policy((d) => (d.repository.root_sha256 = 'ab'.repeat(32)));
    const r = await runCli(['install', 'acme.tool', '--repo', repoUrl, '--policy', pol, '--plugin-dir', pluginDir, '--yes', '--test-loopback-http', '--json'], { cwd: work.dir });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: 'REPO_ROOT_PIN' });
    expect(snapshotDir(pluginDir)).toEqual(before);
    const both = await runCli(['install', 'acme.tool', '--repo', repoUrl, '--index', 'x.json', '--policy', pol, '--plugin-dir', pluginDir], { cwd: work.dir });
    expect(both.status).toBe(2);
  });

  it('mirror: verified copy, then only new files; a tampered upstream is refused and the mirror keeps its files', async () => {
    const mirror = path.join(work.dir, 'mirror');
    const root = path.join(repoDir, 'metadata/1.root.json');
    const first = await ok(['mirror', '--from', repoUrl, '--to', mirror, '--root', root, '--test-loopback-http', '--json']);
    const j1 = JSON.parse(first.stdout);
    expect(j1.fetched).toBeGreaterThan(0);
    await ok(['repo', 'verify', '--repo', mirror, '--root', root]);
    // Publish a change upstream: only the changed files travel.
    inst.addRelease({ plugin: 'acme.tool', version: '1.1.0' });
    for (const [url, bytes] of inst.files) server.files.set(new URL(url).pathname, bytes);
    writeIndex();
    await ok(['repo', 'publish', '--repo', repoDir, '--index-dir', indexDir, '--online-key', key('online')]);
    serveDir(server, repoDir, '/repository');
    const second = JSON.parse((await ok(['mirror', '--from', repoUrl, '--to', mirror, '--root', root, '--test-loopback-http', '--json'])).stdout);
    expect(second.fetched).toBeLessThanOrEqual(5); // timestamp, snapshot, one bin, one target (+ nothing else)
    expect(second.reused).toBeGreaterThanOrEqual(4); // the unchanged targets, read from the mirror and verified again
    await ok(['repo', 'verify', '--repo', mirror, '--root', root]);
    // A missing local file of the current state is restored from the verified bytes.
    const ts = JSON.parse(readFileSync(path.join(mirror, 'metadata/timestamp.json'), 'utf8')).signed.meta['snapshot.json'].version;
    rmSync(path.join(mirror, `metadata/${ts}.snapshot.json`));
    await ok(['mirror', '--from', repoUrl, '--to', mirror, '--root', root, '--test-loopback-http']);
    await ok(['repo', 'verify', '--repo', mirror, '--root', root]);
    // A tampered upstream (its new snapshot): refused, and the mirror keeps exactly its files.
    await ok(['repo', 'refresh', '--repo', repoDir, '--online-key', key('online'), '--refresh-before', '3660']);
    serveDir(server, repoDir, '/repository');
    const served = () => snapshotDir(mirror).filter((e) => !e.startsWith('.lattice-mirror/')); // the mirror's own trusted state may take the (valid) new timestamp
    const before = served();
    const v = JSON.parse(readFileSync(path.join(repoDir, 'metadata/timestamp.json'), 'utf8')).signed.meta['snapshot.json'].version;
    const snapPath = `/repository/metadata/${v}.snapshot.json`;
    const honest = server.files.get(snapPath)!;
    const t = Uint8Array.from(honest);
    t[t.length - 5] = t[t.length - 5]! ^ 1;
    server.files.set(snapPath, t);
    const bad = await runCli(['mirror', '--from', repoUrl, '--to', mirror, '--root', root, '--test-loopback-http', '--json'], { cwd: work.dir });
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout).code).toBe('REPO_HASH_MISMATCH');
    expect(served()).toEqual(before);
    server.files.set(snapPath, honest);
  });

  it('repo refresh and rotate-root', async () => {
    const r = await ok(['repo', 'refresh', '--repo', repoDir, '--online-key', key('online'), '--json']);
    expect(JSON.parse(r.stdout).metadata_written).toEqual(['metadata/timestamp.json']);
    const bad = await runCli(['repo', 'rotate-root', '--repo', repoDir, '--old-root-key', key('root-a'), '--new-root-key', key('root-c'), '--root-threshold', '1'], { cwd: work.dir });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/REPO_WRITE_REFUSED/);
    await ok(['repo', 'rotate-root', '--repo', repoDir, '--old-root-key', key('root-a'), '--old-root-key', key('root-b'), '--new-root-key', key('root-c'), '--root-threshold', '1']);
    const v = await ok(['repo', 'verify', '--repo', repoDir, '--root', path.join(repoDir, 'metadata/1.root.json'), '--json']);
    expect(JSON.parse(v.stdout).rootVersion).toBe(2);
    serveDir(server, repoDir, '/repository');
  });

  it('export, then install --from with no network (the server is gone); a tampered bundle and an older one are refused', async () => {
    const bundle = path.join(work.dir, 'tool.bundle');
    const older = path.join(work.dir, 'older.bundle');
    await ok(['export', 'acme.tool@1.0.0', '--repo', repoUrl, '--root', path.join(repoDir, 'metadata/1.root.json'), '--out', older, '--test-loopback-http']);
    await ok(['repo', 'refresh', '--repo', repoDir, '--online-key', key('online')]);
    serveDir(server, repoDir, '/repository');
    const e = await ok(['export', 'acme.tool', '--repo', repoUrl, '--root', path.join(repoDir, 'metadata/1.root.json'), '--out', bundle, '--test-loopback-http', '--json']);
    expect(JSON.parse(e.stdout)).toMatchObject({ ok: true, version: '1.1.0' });
    const pol = policy();
    const pluginDir = tempDir('lattice-v2-offline-').dir;
    // Tampered: one byte of the artifact.
    const tampered = path.join(work.dir, 'tampered.bundle');
    const tb = readFileSync(bundle);
    const at = tb.lastIndexOf(Buffer.from('content/artifact')) + 600;
    tb[at] = tb[at]! ^ 1;
    writeFileSync(tampered, tb);
    await server.close(); // no network from here on
    const before = snapshotDir(pluginDir);
    const t = await runCli(['install', 'acme.tool', '--from', tampered, '--policy', pol, '--plugin-dir', pluginDir, '--yes', '--json'], { cwd: work.dir });
    expect(t.status).toBe(1);
    expect(JSON.parse(t.stdout).code).toBe('ARTIFACT_DIGEST_MISMATCH');
    expect(snapshotDir(pluginDir)).toEqual(before);
    const r = await ok(['install', 'acme.tool', '--from', bundle, '--policy', pol, '--plugin-dir', pluginDir, '--yes', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, summary: { version: '1.1.0' } });
    // The host's state has moved past the older bundle: refused as a rollback.
    const o = await runCli(['install', 'acme.tool@1.0.0', '--from', older, '--policy', pol, '--plugin-dir', pluginDir, '--yes', '--json'], { cwd: work.dir });
    expect(o.status).toBe(1);
    expect(JSON.parse(o.stdout).code).toBe('REPO_ROLLBACK');
  });
});
