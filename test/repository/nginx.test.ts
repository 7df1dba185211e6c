/**
 * Repository v2 served over real HTTPS by Debian's nginx (issue 13 "real
 * parts"): the test makes a throwaway CA and a certificate for 127.0.0.1
 * with the openssl CLI, starts nginx on 127.0.0.1 at a port it picks, and
 * stops it at the end. The install policy trusts that CA (`limits.ca_file`)
 * and allows that loopback address explicitly (`limits.allow_addresses`) —
 * no test flag: the production fetcher.
 *
 * Through it: `install --repo` (cold and warm request sequences from
 * nginx's own access log), the same without the address allowed (refused),
 * `repo verify` and `mirror` over HTTPS, tuf-js's Updater on the project's
 * fetcher (createTufJsFetcher), and python-tuf's client with the CA.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Updater } from 'tuf-js';
import { sha256Hex } from '../../src/crypto/index.js';
import { DEFAULT_INSTALL_LIMITS } from '../../src/domain/install/policy.js';
import { createHttpsFetcher, fetcherOptionsFromLimits } from '../../src/io/fetch.js';
import { initRepositoryDir, publishRepository } from '../../src/io/repository-dir.js';
import { createTufJsFetcher } from '../../src/io/tuf-js-fetcher.js';
import { runCli, tempDir } from '../cli/helpers.js';
import { InstallRepo, policyDoc, snapshotDir } from '../install/harness.js';
import { python, requirePythonTuf } from './python.js';
import { signerOf } from './sim.js';
import { PUBLISHERS } from './v2-harness.js';
import { startNginx, type RunningNginx } from '../../scripts/nginx-server.mjs';

let work: { dir: string; cleanup: () => void };
let nginx: RunningNginx | undefined;
let base = '';
let www = '';
let ca = '';

/** nginx's access log: the paths requested, in order. */
function accessLog(): string[] {
  try {
    return readFileSync(nginx!.accessLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => /"GET (\S+) HTTP/.exec(l)?.[1] ?? l);
  } catch {
    return [];
  }
}

beforeAll(async () => {
  requirePythonTuf();
  work = tempDir('lattice-nginx-');
  www = path.join(work.dir, 'www');
  mkdirSync(www, { recursive: true });
  nginx = await startNginx({ dir: work.dir, www, locations: ['location /repository/metadata/ { add_header Cache-Control "no-cache"; }'] });
  base = nginx.base;
  ca = nginx.ca;

  // The repository and the releases it points at, all under nginx's root.
  const inst = new InstallRepo(base);
  inst.addRelease({ plugin: 'acme.tool', version: '1.0.0' });
  inst.addRelease({ plugin: 'acme.other', version: '2.0.0' });
  for (const [url, bytes] of inst.files) {
    const f = path.join(www, new URL(url).pathname);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, bytes);
  }
  const index = path.join(work.dir, 'index');
  mkdirSync(path.join(index, 'publishers'), { recursive: true });
  mkdirSync(path.join(index, 'plugins'), { recursive: true });
  for (const p of PUBLISHERS) writeFileSync(path.join(index, 'publishers', `${p.id}.json`), JSON.stringify(p));
  for (const p of inst.plugins) writeFileSync(path.join(index, 'plugins', `${p.id}.json`), JSON.stringify(p));
  const repo = path.join(www, 'repository');
  const online = signerOf('online');
  await initRepositoryDir({ repoDir: repo, rootSigners: [signerOf('root')], rootThreshold: 1, signers: { online }, now: Date.now() });
  await publishRepository({ repoDir: repo, indexDir: index, signers: { online }, now: Date.now(), displayRoot: work.dir });
});

afterAll(async () => {
  await nginx?.stop();
  work?.cleanup();
});

function policy(allow: boolean): string {
  const d = policyDoc();
  delete d.index;
  d.repository = { root_sha256: sha256Hex(readFileSync(path.join(www, 'repository/metadata/1.root.json'))), metadata_dir: 'tuf' };
  d.limits = { ...d.limits, ca_file: 'ca.pem', ...(allow ? { allow_addresses: ['127.0.0.1'] } : {}) };
  const dir = tempDir('lattice-nginx-policy-').dir;
  cpSync(ca, path.join(dir, 'ca.pem'));
  writeFileSync(path.join(dir, 'policy.json'), JSON.stringify(d));
  return path.join(dir, 'policy.json');
}

describe('repository v2 over real HTTPS (Debian nginx, throwaway CA)', () => {
  it('nginx serves it as a real server does (ETag, Last-Modified, Cache-Control on metadata)', async () => {
    const https = await import('node:https');
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      https.get(`${base}/repository/metadata/timestamp.json`, { ca: readFileSync(ca) }, (res) => {
        res.resume();
        resolve(res.headers);
      }).on('error', reject);
    });
    expect(headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(headers['last-modified']).toBeTruthy();
    expect(headers['cache-control']).toBe('no-cache');
  });

  it('install --repo with the policy\'s CA and allowed address: six requests cold, the timestamp warm', async () => {
    const pluginDir = tempDir('lattice-nginx-plugins-').dir;
    const pol = policy(true);
    const start = accessLog().length;
    const r = await runCli(['install', 'acme.tool', '--repo', `${base}/repository`, '--policy', pol, '--plugin-dir', pluginDir, '--yes', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const cold = accessLog().slice(start).filter((p) => p.startsWith('/repository/'));
    expect(cold).toHaveLength(7); // 1.root.json (pin by SHA-256) + the six of every cold install
    const warmStart = accessLog().length;
    const w = await runCli(['install', 'acme.tool', '--repo', `${base}/repository`, '--policy', pol, '--plugin-dir', pluginDir, '--yes']);
    expect(w.status, w.stderr).toBe(0);
    const warm = accessLog().slice(warmStart).filter((p) => p.startsWith('/repository/'));
    expect(warm).toEqual(['/repository/metadata/2.root.json', '/repository/metadata/timestamp.json']);
  });

  it('without the address allowed: refused before any byte is trusted, nothing installed', async () => {
    const pluginDir = tempDir('lattice-nginx-plugins-').dir;
    const before = snapshotDir(pluginDir);
    const r = await runCli(['install', 'acme.tool', '--repo', `${base}/repository`, '--policy', policy(false), '--plugin-dir', pluginDir, '--yes', '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).code).toBe('FETCH_ADDRESS_REFUSED');
    expect(snapshotDir(pluginDir)).toEqual(before);
  });

  it('repo verify and mirror over HTTPS', async () => {
    const root = path.join(www, 'repository/metadata/1.root.json');
    const v = await runCli(['repo', 'verify', '--repo', `${base}/repository`, '--root', root, '--ca', ca, '--allow-address', '127.0.0.1', '--json']);
    expect(v.status, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).lattice).toMatchObject({ plugins: 2, publishers: 2 });
    const mirror = path.join(work.dir, 'mirror');
    const m = await runCli(['mirror', '--from', `${base}/repository`, '--to', mirror, '--root', root, '--ca', ca, '--allow-address', '127.0.0.1']);
    expect(m.status, m.stderr).toBe(0);
    expect((await runCli(['repo', 'verify', '--repo', mirror, '--root', root])).status).toBe(0);
  });

  it('tuf-js\'s Updater over the project\'s HTTPS fetcher (createTufJsFetcher) reads it', async () => {
    const md = path.join(work.dir, 'tufjs-md');
    mkdirSync(path.join(md, 'targets'), { recursive: true });
    cpSync(path.join(www, 'repository/metadata/1.root.json'), path.join(md, 'root.json'));
    const fetcher = createTufJsFetcher(createHttpsFetcher(fetcherOptionsFromLimits(DEFAULT_INSTALL_LIMITS, { ca: readFileSync(ca, 'utf8'), allowAddresses: ['127.0.0.1'] })));
    const u = new Updater({ metadataDir: md, metadataBaseUrl: `${base}/repository/metadata`, targetBaseUrl: `${base}/repository/targets`, targetDir: path.join(md, 'targets'), fetcher });
    await u.refresh();
    const info = await u.getTargetInfo('plugins/acme.other.json');
    expect(info).toBeDefined();
    const file = await u.downloadTarget(info!);
    expect(JSON.parse(readFileSync(file, 'utf8')).plugin.id).toBe('acme.other');
  });

  it('python-tuf\'s client trusts the CA and downloads every plugin target', async () => {
    const out = JSON.parse(
      await python(
        'tuf_client.py',
        ['--metadata-url', `${base}/repository/metadata`, '--targets-url', `${base}/repository/targets`, '--root', path.join(www, 'repository/metadata/1.root.json'), '--metadata-dir', path.join(work.dir, 'py-md'), '--target-dir', path.join(work.dir, 'py-t'), 'plugins/acme.tool.json', 'plugins/acme.other.json', 'publishers/acme.json', 'revocations.json'],
        { SSL_CERT_FILE: ca },
      ),
    );
    expect(Object.keys(out.downloads)).toHaveLength(4);
  });
});
