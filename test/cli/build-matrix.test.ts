/**
 * `build` with stored manifests (DESIGN §4.5; src/domain/index/stored-manifests.ts):
 * the loadability matrix in the signed index, the server's error texts in the
 * report only, and the refusals (a stored manifest that differs from its entry,
 * an orphan, an entry that sets the generated members). Real signed manifests,
 * real files, the CLI in-process.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SERVER_VERSIONS } from '../../src/core/server-line.js';
import { validateIndex } from '../../src/core/index/validate.js';
import { assembleIndex } from '../../src/domain/index/assemble.js';
import { loadIndexSources } from '../../src/io/index-sources.js';
import { LOADS_ON, publicKeyB64, releaseFor, signedManifest, type Variant } from '../fixtures/stored-manifests.js';
import { runCli, tempDir } from './helpers.js';

const VARIANTS: Variant[] = ['plain', 'worker-deploy', 'http-bytes', 'v2-protocol', 'nowhere', 'v1-deps'];

let dir: string;
let cleanup: () => void;

/** An index directory: publisher `acme`, one plugin per variant with one stable release, each manifest stored. */
function writeRepo(opts: { store?: boolean; mutate?: (files: Map<string, string | Uint8Array>) => void } = {}): void {
  const files = new Map<string, string | Uint8Array>();
  files.set('publishers/acme.json', JSON.stringify({ id: 'acme', name: 'Acme', public_key_ed25519: publicKeyB64('acme') }, null, 2) + '\n');
  for (const v of VARIANTS) {
    const id = `acme.${v}`;
    const f = signedManifest(id, '1.0.0', v, 'acme');
    const entry = {
      id, name: `Plugin ${id}`, publisher: 'acme', type: 'system', summary: v, latest: '1.0.0', channels: { stable: '1.0.0' },
      capabilities: f.capabilities, releases: [releaseFor(id, '1.0.0', 'stable', f)],
    };
    files.set(`plugins/${id}.json`, JSON.stringify(entry, null, 2) + '\n');
    if (opts.store !== false) files.set(`manifests/${id}/1.0.0.json`, f.bytes);
  }
  opts.mutate?.(files);
  for (const [rel, content] of files) {
    const p = path.join(dir, 'index', rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

beforeEach(() => {
  ({ dir, cleanup } = tempDir('lattice-build-matrix-'));
});
afterEach(() => cleanup());

describe('build computes the loadability matrix of stored manifests', () => {
  it('every release gets stored_manifest and loads_on; the index gets server_versions; the report has the server texts', async () => {
    writeRepo();
    const r = await runCli(['build', '--report', 'report.json', '--json'], { cwd: dir, env: { SOURCE_DATE_EPOCH: '1790000000' } });
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ ok: true, stored_manifests: 6, server_versions: [...SERVER_VERSIONS], loads_nowhere: ['acme.nowhere@1.0.0'] });
    const index = JSON.parse(readFileSync(path.join(dir, 'index/plugins.json'), 'utf8'));
    expect(index.server_versions).toEqual([...SERVER_VERSIONS]);
    expect(validateIndex(index)).toEqual([]);
    for (const v of VARIANTS) {
      const rel = index.plugins.find((p: { id: string }) => p.id === `acme.${v}`).releases[0];
      expect(rel.stored_manifest).toBe(`manifests/acme.${v}/1.0.0.json`);
      expect(rel.loads_on, v).toEqual(LOADS_ON[v]);
    }
    // The signed index carries no error text; the report does, exactly the server's.
    expect(readFileSync(path.join(dir, 'index/plugins.json'), 'utf8')).not.toContain('invalid scope');
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(report.schema).toBe('lattice.plugin.loadability-report.v1');
    const verdicts = (id: string) => report.releases.find((x: { plugin: string }) => x.plugin === id).verdicts;
    expect(verdicts('acme.worker-deploy')).toMatchObject([
      { version: 'main-141e9ca', loads: true, error: null },
      { version: 'alpha-0.2.2a41', loads: true, error: null },
      { version: 'integration-2026-09', loads: false, error: 'interface "acme.worker-deploy/items" method "list" invalid scope "worker:deploy"' },
    ]);
    expect(verdicts('acme.http-bytes')[0]).toMatchObject({ loads: false, error: 'decode manifest: interface methods must be all strings or all typed objects: json: unknown field "http_response_bytes"' });
    expect(verdicts('acme.v2-protocol')[0]).toMatchObject({ loads: false, error: 'manifest v2 runtime protocol must be "stdio-json-v1"' });
    // v1 with dependencies: main's payload omits the dependencies line, which the publisher signed.
    expect(verdicts('acme.v1-deps')[0]).toMatchObject({ version: 'main-141e9ca', loads: false, error: 'invalid signature' });
    expect(verdicts('acme.nowhere').map((v: { error: string }) => v.error)).toEqual([
      'capability "task:schedule" is not recognized',
      'capability "task:schedule" is not recognized',
      'interface "acme.nowhere/items" method "list" invalid scope "worker:deploy"',
    ]);
    // Without --json, a warning on stderr names the release that loads nowhere, with the texts.
    const plain = await runCli(['build', '--refresh'], { cwd: dir });
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain('loadability: 6 stored manifest(s) on main-141e9ca, alpha-0.2.2a41, integration-2026-09: 1 load on every version, 1 on none');
    expect(plain.stderr).toContain('acme.nowhere@1.0.0 loads on no known server version: main-141e9ca: capability "task:schedule" is not recognized');
  });

  it('a rebuild with nothing changed is a no-op (the matrix is part of the content)', async () => {
    writeRepo();
    expect((await runCli(['build'], { cwd: dir })).status).toBe(0);
    const first = readFileSync(path.join(dir, 'index/plugins.json'));
    const again = await runCli(['build', '--json'], { cwd: dir });
    expect(JSON.parse(again.stdout).changed).toBe(false);
    expect(readFileSync(path.join(dir, 'index/plugins.json'))).toEqual(first);
  });

  it('without stored manifests the index is what it was before: no server_versions, no loads_on', async () => {
    writeRepo({ store: false });
    const r = await runCli(['build'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const index = JSON.parse(readFileSync(path.join(dir, 'index/plugins.json'), 'utf8'));
    expect(index.server_versions).toBeUndefined();
    expect(JSON.stringify(index)).not.toContain('loads_on');
  });

  it('the matrix costs nothing it should not: matrix:false leaves loads_on out and keeps the checks', async () => {
    writeRepo();
    const { sources } = await loadIndexSources(path.join(dir, 'index'), dir);
    const r = assembleIndex(sources, { now: 0, matrix: false });
    expect(r.problems).toEqual([]);
    expect(r.index.server_versions).toBeUndefined();
    expect(JSON.stringify(r.index)).toContain('"stored_manifest"');
    expect(JSON.stringify(r.index)).not.toContain('"loads_on"');
  });
});

describe('build refuses stored manifests that are not the signed manifest of a listed release', () => {
  it.each<[string, string, (files: Map<string, string | Uint8Array>) => void]>([
    ['a stored manifest whose bytes differ from manifest_sha256', 'STORED_MANIFEST_SHA256_MISMATCH', (files) => {
      const other = signedManifest('acme.plain', '1.0.0', 'plain', 'acme');
      files.set('manifests/acme.plain/1.0.0.json', other.text.replace('"name": "Plugin acme.plain"', '"name": "Plugin acme.plain "'));
    }],
    ['a stored manifest of another plugin under this path (content differs from the entry)', 'STORED_MANIFEST_MISMATCH', (files) => {
      const entry = JSON.parse(files.get('plugins/acme.plain.json') as string);
      const other = signedManifest('acme.other', '1.0.0', 'plain', 'acme');
      entry.releases[0].manifest_sha256 = other.sha256;
      files.set('plugins/acme.plain.json', JSON.stringify(entry, null, 2));
      files.set('manifests/acme.plain/1.0.0.json', other.bytes);
    }],
    ['an orphan (no such release)', 'STORED_MANIFEST_ORPHAN', (files) => files.set('manifests/acme.plain/9.9.9.json', signedManifest('acme.plain', '9.9.9', 'plain', 'acme').bytes)],
    ['a file outside the layout', 'STORED_MANIFEST_ORPHAN', (files) => files.set('manifests/acme.plain/notes/readme.json', '{}')],
    ['a stored manifest no version can read', 'STORED_MANIFEST_UNREADABLE', (files) => {
      const entry = JSON.parse(files.get('plugins/acme.plain.json') as string);
      const bytes = '{"id":"acme.plain","bogus":1}';
      entry.releases[0].manifest_sha256 = createHash('sha256').update(bytes).digest('hex');
      files.set('plugins/acme.plain.json', JSON.stringify(entry, null, 2));
      files.set('manifests/acme.plain/1.0.0.json', bytes);
    }],
    ['an entry that sets loads_on itself', 'ENTRY_GENERATED_MEMBER', (files) => {
      const entry = JSON.parse(files.get('plugins/acme.plain.json') as string);
      entry.releases[0].loads_on = ['main-141e9ca'];
      files.set('plugins/acme.plain.json', JSON.stringify(entry, null, 2));
    }],
    ['a stored manifest without manifest_sha256 in its entry', 'RELEASE_STORED_MANIFEST_SHA256_REQUIRED', (files) => {
      const entry = JSON.parse(files.get('plugins/acme.plain.json') as string);
      delete entry.releases[0].manifest_sha256;
      files.set('plugins/acme.plain.json', JSON.stringify(entry, null, 2));
    }],
  ])('%s → %s', async (_, code, mutate) => {
    writeRepo({ mutate });
    const r = await runCli(['build', '--json'], { cwd: dir });
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.code).toBe('INDEX_INVALID');
    expect(out.problems.map((p: { code: string }) => p.code)).toContain(code);
  });
});
