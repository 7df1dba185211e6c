/**
 * scripts/tuf-conformance-client.mjs — the tuf-conformance client-under-test
 * CLI protocol, run as a real process against repositories served on
 * 127.0.0.1 (plain http://, allowed for this entry point only): init,
 * refresh, download with caching, the non-versioned metadata names the
 * suite reads, classic delegations with ECDSA keys, and exit 1 on an attack
 * with the trusted metadata left as it was.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JSONObject } from '../../src/core/json/types.js';
import { sha256Hex } from '../../src/crypto/index.js';
import { signMetadata, tufKeyId, type MetadataSigner } from '../../src/domain/repository/keys.js';
import { formatTufTime, metadataFileBytes, type TufKey } from '../../src/domain/repository/model.js';
import { ROOT, tempDir } from '../cli/helpers.js';
import { startTestServer, type TestServer } from '../install/http-server.js';
import { DAY, signerOf, SimRepo } from './sim.js';

const SCRIPT = path.join(ROOT, 'scripts/tuf-conformance-client.mjs');
const UTF8 = new TextEncoder();
let server: TestServer;
let work: { dir: string; cleanup: () => void };

function run(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

function serve(prefix: string, files: Map<string, Uint8Array>): { metadata: string; targets: string } {
  for (const [k, v] of files) server.files.set(`/${prefix}/${k}`, v);
  const base = `http://127.0.0.1:${server.port}/${prefix}`;
  return { metadata: `${base}/metadata`, targets: `${base}/targets` };
}
const version = (dir: string, role: string) => JSON.parse(readFileSync(path.join(dir, `${role}.json`), 'utf8')).signed.version as number;

beforeAll(async () => {
  server = await startTestServer(5000);
  work = tempDir('lattice-conformance-');
});
afterAll(async () => {
  await server.close();
  work.cleanup();
});

describe('tuf-conformance client CLI', () => {
  it('init, refresh, download (cached the second time); exit 1 on a rollback with the trusted metadata unchanged', async () => {
    const sim = new SimRepo();
    sim.setTarget('files/a.txt', 'hello conformance');
    const urls = serve('basic', sim.files);
    const md = path.join(work.dir, 'basic-md');
    const td = path.join(work.dir, 'basic-targets');
    const root = path.join(work.dir, 'basic-root.json');
    writeFileSync(root, sim.history.get('metadata/1.root.json')![0]!);
    expect((await run(['--metadata-dir', md, 'init', root])).status).toBe(0);
    expect(readFileSync(path.join(md, 'root.json'))).toEqual(readFileSync(root));
    const refresh = await run(['--metadata-dir', md, '--metadata-url', urls.metadata, 'refresh']);
    expect(refresh.stderr).toBe('');
    expect(refresh.status).toBe(0);
    for (const role of ['root', 'timestamp', 'snapshot', 'targets']) expect(existsSync(path.join(md, `${role}.json`)), role).toBe(true);
    const dl = ['--metadata-dir', md, '--metadata-url', urls.metadata, '--target-name', 'files/a.txt', '--target-base-url', urls.targets, '--target-dir', td, 'download'];
    expect((await run(dl)).status).toBe(0);
    expect(readFileSync(path.join(td, 'files%2Fa.txt'), 'utf8')).toBe('hello conformance');
    const n = server.requests.filter((p) => p.startsWith('/basic/targets/')).length;
    expect((await run(dl)).status).toBe(0);
    expect(server.requests.filter((p) => p.startsWith('/basic/targets/')).length).toBe(n); // not downloaded again
    // Rollback: an older timestamp served → exit 1, trusted timestamp unchanged.
    sim.setTarget('files/a.txt', 'hello again');
    serve('basic', sim.files);
    expect((await run(['--metadata-dir', md, '--metadata-url', urls.metadata, 'refresh'])).status).toBe(0);
    const trusted = version(md, 'timestamp');
    server.files.set('/basic/metadata/timestamp.json', sim.history.get('metadata/timestamp.json')![1]!);
    const bad = await run(['--metadata-dir', md, '--metadata-url', urls.metadata, 'refresh']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/REPO_ROLLBACK/);
    expect(version(md, 'timestamp')).toBe(trusted);
  });

  it('classic delegations (paths, terminating) signed by ECDSA keys; a target only a terminated branch lists is not found', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const ecKey: TufKey = { keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp256', keyval: { public: ec.publicKey.export({ type: 'spki', format: 'pem' }) as string } };
    const ecSigner: MetadataSigner = { keyid: tufKeyId(ecKey), key: ecKey, sign: (m) => nodeSign('sha256', m, ec.privateKey) };
    const ed = signerOf('conformance-ed');
    const files = new Map<string, Uint8Array>();
    const expires = formatTufTime(Date.now() + 10 * DAY);
    const put = (name: string, signed: JSONObject, signers: MetadataSigner[]): Uint8Array => {
      const b = metadataFileBytes(signed, signMetadata(signed, signers));
      files.set(`metadata/${name}`, b);
      return b;
    };
    const key = (s: MetadataSigner) => ({ keytype: s.key.keytype, scheme: s.key.scheme, keyval: { ...s.key.keyval } });
    const role = (s: MetadataSigner) => ({ keyids: [s.keyid], threshold: 1 });
    put('1.root.json', { _type: 'root', spec_version: '1.0.31', version: 1, expires, consistent_snapshot: true, keys: { [ecSigner.keyid]: key(ecSigner), [ed.keyid]: key(ed) }, roles: { root: role(ecSigner), targets: role(ed), snapshot: role(ed), timestamp: role(ecSigner) } }, [ecSigner]);
    const content = { 'a/x.txt': UTF8.encode('from role-a'), 'b/y.txt': UTF8.encode('from role-b') };
    const t = (data: Uint8Array) => ({ length: data.length, hashes: { sha256: sha256Hex(data) } });
    for (const [p, data] of Object.entries(content)) files.set(`targets/${p.replace('/', `/${sha256Hex(data)}.`)}`, data);
    put('1.role-a.json', { _type: 'targets', spec_version: '1.0.31', version: 1, expires, targets: { 'a/x.txt': t(content['a/x.txt']) } }, [ecSigner]);
    put('1.role-b.json', { _type: 'targets', spec_version: '1.0.31', version: 1, expires, targets: { 'b/y.txt': t(content['b/y.txt']) } }, [ed]);
    put('1.targets.json', {
      _type: 'targets', spec_version: '1.0.31', version: 1, expires, targets: {},
      delegations: {
        keys: { [ecSigner.keyid]: key(ecSigner), [ed.keyid]: key(ed) },
        roles: [
          { name: 'role-a', keyids: [ecSigner.keyid], threshold: 1, terminating: true, paths: ['a/*', 'b/*'] },
          { name: 'role-b', keyids: [ed.keyid], threshold: 1, terminating: false, paths: ['b/*'] },
        ],
      },
    }, [ed]);
    const snap = put('1.snapshot.json', { _type: 'snapshot', spec_version: '1.0.31', version: 1, expires, meta: { 'targets.json': { version: 1 }, 'role-a.json': { version: 1 }, 'role-b.json': { version: 1 } } }, [ed]);
    put('timestamp.json', { _type: 'timestamp', spec_version: '1.0.31', version: 1, expires, meta: { 'snapshot.json': { version: 1, length: snap.length, hashes: { sha256: sha256Hex(snap) } } } }, [ecSigner]);
    const urls = serve('deleg', files);
    const md = path.join(work.dir, 'deleg-md');
    const td = path.join(work.dir, 'deleg-targets');
    const root = path.join(work.dir, 'deleg-root.json');
    writeFileSync(root, files.get('metadata/1.root.json')!);
    expect((await run(['--metadata-dir', md, 'init', root])).status).toBe(0);
    const get = (name: string) => run(['--metadata-dir', md, '--metadata-url', urls.metadata, '--target-name', name, '--target-base-url', urls.targets, '--target-dir', td, 'download']);
    const a = await get('a/x.txt');
    expect(a.stderr).toBe('');
    expect(readFileSync(path.join(td, 'a%2Fx.txt'), 'utf8')).toBe('from role-a');
    expect(existsSync(path.join(md, 'role-a.json'))).toBe(true);
    // role-a is terminating and matches b/*: the walk stops there; role-b is never asked.
    const b = await get('b/y.txt');
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/REPO_TARGET_NOT_FOUND/);
    expect(existsSync(path.join(md, 'role-b.json'))).toBe(false);
  });

  it('refuses a plain http URL to a host that is not loopback (exit 1)', async () => {
    const md = path.join(work.dir, 'remote-md');
    const sim = new SimRepo();
    const root = path.join(work.dir, 'remote-root.json');
    writeFileSync(root, sim.history.get('metadata/1.root.json')![0]!);
    await run(['--metadata-dir', md, 'init', root]);
    const r = await run(['--metadata-dir', md, '--metadata-url', 'http://example.org/metadata', 'refresh']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/FETCH_URL_REFUSED/);
  });
});
