/**
 * Interop with an independent TUF implementation, both ways (issue 13):
 *
 * - python-tuf 7.0.0's client (ngclient.Updater, /usr/bin/python3) refreshes
 *   from a repository the project wrote and downloads every target of it
 *   (every plugin, publisher and the revocation list), before and after an
 *   incremental publish — and refuses the same tampering our client does;
 * - the project's client reads repositories python-tuf's metadata API wrote
 *   (consistent snapshots, a rotated root, hashed bins: succinct TAP 15 and
 *   classic path_hash_prefixes) and verifies every target; python's keyids
 *   equal ours for the same keys.
 *
 * python-tuf and securesystemslib are Debian unstable's pure-Python packages,
 * unpacked by scripts/setup-system.sh into .lattice/test-deps/python-tuf.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/index.js';
import { auditRepository } from '../../src/domain/repository/audit.js';
import { RepositoryClient } from '../../src/domain/repository/client.js';
import { ed25519Signer } from '../../src/domain/repository/keys.js';
import { initRepositoryDir, publishRepository } from '../../src/io/repository-dir.js';
import { dirRepositoryTransport, memoryMetadataStore } from '../../src/io/repository-transport.js';
import { ROOT, tempDir } from '../cli/helpers.js';
import { serveDir, startTestServer, type TestServer } from '../install/http-server.js';
import { python, requirePythonTuf } from './python.js';
import { signerOf } from './sim.js';

/** Every target path and hash the project's repository lists (from its bins and top-level targets). */
function listing(repo: string): Record<string, string> {
  const out: Record<string, string> = {};
  const ts = JSON.parse(readFileSync(path.join(repo, 'metadata/timestamp.json'), 'utf8'));
  const snap = JSON.parse(readFileSync(path.join(repo, `metadata/${ts.signed.meta['snapshot.json'].version}.snapshot.json`), 'utf8'));
  for (const [name, m] of Object.entries(snap.signed.meta as Record<string, { version: number }>)) {
    const f = path.join(repo, `metadata/${m.version}.${name}`);
    for (const [p, t] of Object.entries(JSON.parse(readFileSync(f, 'utf8')).signed.targets as Record<string, { hashes: { sha256: string } }>)) out[p] = t.hashes.sha256;
  }
  return out;
}

let server: TestServer;
let work: { dir: string; cleanup: () => void };
beforeAll(async () => {
  requirePythonTuf();
  server = await startTestServer(5000);
  work = tempDir('lattice-interop-');
});
afterAll(async () => {
  await server?.close();
  work?.cleanup();
});

describe('python-tuf reads the project\'s repository', () => {
  it('refreshes and downloads every target, before and after an incremental publish; refuses a tampered target', async () => {
    const repo = path.join(work.dir, 'ours');
    const index = path.join(work.dir, 'index');
    cpSync(path.join(ROOT, 'index'), index, { recursive: true });
    const online = signerOf('online');
    await initRepositoryDir({ repoDir: repo, rootSigners: [signerOf('root-1'), signerOf('root-2')], rootThreshold: 2, signers: { online }, now: Date.now() });
    const cache = path.join(work.dir, 'cache.json');
    await publishRepository({ repoDir: repo, indexDir: index, signers: { online }, now: Date.now(), cacheFile: cache, displayRoot: work.dir });
    serveDir(server, repo, '/ours');
    const base = `http://127.0.0.1:${server.port}/ours`;
    const args = (paths: string[]) => ['--metadata-url', `${base}/metadata`, '--targets-url', `${base}/targets`, '--root', path.join(repo, 'metadata/1.root.json'), '--metadata-dir', path.join(work.dir, 'py-md'), '--target-dir', path.join(work.dir, 'py-targets'), ...paths];
    const want = listing(repo);
    const first = JSON.parse(await python('tuf_client.py', args(Object.keys(want))));
    expect(first.downloads).toEqual(want);
    expect(Object.keys(want)).toEqual(expect.arrayContaining(['plugins/demo.hello.json', 'publishers/demo.json', 'revocations.json']));

    // An incremental publish: python-tuf follows it.
    const f = path.join(index, 'plugins/demo.hello.json');
    writeFileSync(f, JSON.stringify({ ...JSON.parse(readFileSync(f, 'utf8')), summary: 'Changed for the interop test.' }, null, 2));
    const r = await publishRepository({ repoDir: repo, indexDir: index, signers: { online }, now: Date.now() + 1000, cacheFile: cache, displayRoot: work.dir });
    expect(r.mode).toBe('incremental');
    serveDir(server, repo, '/ours');
    const want2 = listing(repo);
    const second = JSON.parse(await python('tuf_client.py', args(['plugins/demo.hello.json'])));
    expect(second.snapshot).toBe(first.snapshot + 1);
    expect(second.downloads['plugins/demo.hello.json']).toBe(want2['plugins/demo.hello.json']);

    // A tampered target: python-tuf refuses it too.
    const key = [...server.files.keys()].find((k) => k.includes(`${want2['plugins/demo.counter.json']}.demo.counter.json`))!;
    const b = Uint8Array.from(server.files.get(key)!);
    b[3] = b[3]! ^ 1;
    server.files.set(key, b);
    await expect(python('tuf_client.py', args(['plugins/demo.counter.json']).map((a) => (a.endsWith('py-targets') ? `${a}-2` : a)))).rejects.toMatchObject({ stderr: expect.stringMatching(/LengthOrHashMismatch|hash/i) });
  });
});

describe('the project\'s client reads repositories python-tuf wrote', () => {
  for (const variant of ['succinct hash bins (TAP 15)', 'classic hashed bins (path_hash_prefixes)']) {
    it(`${variant}: every target verified, the rotated root followed, python's keyids equal ours`, async () => {
      const out = path.join(work.dir, variant.startsWith('succinct') ? 'py-succinct' : 'py-classic');
      const made = JSON.parse(await python('make_repo.py', [out, ...(variant.startsWith('classic') ? ['--classic'] : [])]));
      for (const [label, keyid] of Object.entries(made.keyids as Record<string, string>)) {
        expect(ed25519Signer(sha256(new TextEncoder().encode(`lattice-index python interop key: ${label}`))).keyid, label).toBe(keyid);
      }
      const c = await RepositoryClient.open({ transport: dirRepositoryTransport(out), store: memoryMetadataStore(), now: Date.now(), initialRoot: readFileSync(path.join(out, 'metadata/1.root.json')) });
      if (!c.ok) throw c.error;
      const refreshed = await c.value.refresh();
      expect(refreshed.ok && refreshed.value.rootVersion).toBe(2);
      for (const [p, sha] of Object.entries(made.targets as Record<string, string>)) {
        const t = await c.value.findTarget(p);
        if (!t.ok || !t.value) throw new Error(`${p}: ${t.ok ? 'not found' : t.error.message}`);
        const bytes = await c.value.fetchTarget(p, t.value.info);
        expect(bytes.ok && bytes.value.length).toBeGreaterThan(0);
        expect(t.value.info.hashes.sha256).toBe(sha);
      }
      const audit = await auditRepository(c.value, { lattice: false });
      expect(audit.ok ? audit.report.targets : audit.error.message).toBe(41);
    });
  }
});
