/**
 * `repo publish` on disk: the incremental path (publish cache) ends in
 * byte-identical metadata to a full publish after every kind of edit; an
 * invalid entry writes nothing; targets are re-materialised from a folder
 * that kept only its metadata; refresh keeps the cache usable.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initRepositoryDir, publishRepository, refreshRepositoryDir, EntryProblemsError } from '../../src/io/repository-dir.js';
import { auditRepository } from '../../src/domain/repository/audit.js';
import { RepositoryClient } from '../../src/domain/repository/client.js';
import { dirRepositoryTransport, memoryMetadataStore } from '../../src/io/repository-transport.js';
import { ROOT, tempDir } from '../cli/helpers.js';
import { signerOf } from './sim.js';
import { SERVER_VERSIONS, serverRules } from '../../src/core/server-line.js';

let work: { dir: string; cleanup: () => void };
let index: string;
const online = signerOf('online');
const root = signerOf('root');
const NOW = Date.UTC(2026, 8, 1);

function pluginEntry(n: number): Record<string, unknown> {
  const v = JSON.parse(readFileSync(path.join(ROOT, 'index/plugins/demo.hello.json'), 'utf8'));
  v.id = `demo.extra-${n}`;
  v.name = `Extra ${n}`;
  return v;
}
function write(rel: string, value: unknown): void {
  writeFileSync(path.join(index, rel), JSON.stringify(value, null, 2) + '\n');
}
/** The plugin's current target, read as a client reads it. */
async function pluginTarget(repo: string, id: string) {
  const dir = path.join(work.dir, repo);
  const c = await RepositoryClient.open({ transport: dirRepositoryTransport(dir), store: memoryMetadataStore(), now: NOW + 86_400_000 / 2, initialRoot: readFileSync(path.join(dir, 'metadata/1.root.json')) });
  if (!c.ok) throw c.error;
  const found = await c.value.findTarget(`plugins/${id}.json`);
  if (!found.ok || found.value === undefined) throw new Error(`no target for ${id}`);
  const bytes = await c.value.fetchTarget(`plugins/${id}.json`, found.value.info);
  if (!bytes.ok) throw bytes.error;
  return JSON.parse(new TextDecoder().decode(bytes.value));
}
function metadataFiles(repo: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of readdirSync(path.join(repo, 'metadata')).sort()) out[n] = readFileSync(path.join(repo, 'metadata', n)).toString('base64');
  return out;
}

beforeEach(async () => {
  work = tempDir('lattice-publish-');
  index = path.join(work.dir, 'index');
  cpSync(path.join(ROOT, 'index'), index, { recursive: true });
  for (let i = 0; i < 40; i++) write(`plugins/demo.extra-${i}.json`, pluginEntry(i));
  for (const r of ['a', 'b']) await initRepositoryDir({ repoDir: path.join(work.dir, r), rootSigners: [root], rootThreshold: 1, signers: { online }, now: NOW });
});
afterEach(() => work.cleanup());

async function both(step: number) {
  const now = NOW + step * 60_000;
  const a = await publishRepository({ repoDir: path.join(work.dir, 'a'), indexDir: index, signers: { online }, now, cacheFile: path.join(work.dir, 'cache.json'), displayRoot: work.dir });
  const b = await publishRepository({ repoDir: path.join(work.dir, 'b'), indexDir: index, signers: { online }, now, displayRoot: work.dir });
  expect(metadataFiles(path.join(work.dir, 'a'))).toEqual(metadataFiles(path.join(work.dir, 'b')));
  return { a, b };
}

async function verify(repo: string) {
  const c = await RepositoryClient.open({ transport: dirRepositoryTransport(repo), store: memoryMetadataStore(), now: NOW + 86_400_000 / 2, initialRoot: readFileSync(path.join(repo, 'metadata/1.root.json')) });
  if (!c.ok) throw c.error;
  const r = await auditRepository(c.value);
  expect(r.ok ? 'ok' : `${r.error.code}: ${r.error.message}`).toBe('ok');
  return r.ok ? r.report : undefined;
}

describe('repo publish: incremental equals full, byte for byte', () => {
  it('after edits of every kind', async () => {
    let r = await both(0);
    expect(r.a.mode).toBe('full');
    expect(r.a.changed).toBe(true);

    // Nothing changed.
    r = await both(1);
    expect(r.a).toMatchObject({ mode: 'incremental', changed: false, entriesRead: 0 });

    // One plugin changed: one bin, snapshot, timestamp, one target.
    write('plugins/demo.extra-3.json', { ...pluginEntry(3), summary: 'Changed.' });
    r = await both(2);
    expect(r.a.mode).toBe('incremental');
    expect(r.a.applied.metadata).toHaveLength(3);
    expect(r.a.applied.targetsWritten).toBe(1);
    expect(r.a.applied.metadata.length + r.a.applied.targetsWritten).toBeLessThanOrEqual(6);
    expect(r.a.entriesRead).toBeLessThanOrEqual(4);

    // A plugin added and one removed.
    write('plugins/demo.extra-99.json', pluginEntry(99));
    rmSync(path.join(index, 'plugins/demo.extra-5.json'));
    r = await both(3);
    expect(r.a.mode).toBe('incremental');

    // The publisher changed: every one of its plugin targets carries it.
    const pub = JSON.parse(readFileSync(path.join(index, 'publishers/demo.json'), 'utf8'));
    write('publishers/demo.json', { ...pub, name: 'Demo, renamed' });
    r = await both(4);
    expect(r.a.mode).toBe('incremental');
    expect(r.a.targetsChanged).toBe(43 + 1 - 1 + 1); // every plugin target (3 + 40 + 1 − 1) and the publisher

    // The revocation list changed: reaches plugins only the old list knows → full.
    write('revocations.json', { releases: [{ plugin: 'demo.extra-7', version: '1.0.0', reason: 'test', revoked_at: '2026-01-01T00:00:00Z' }], artifacts: [], keys: [] });
    r = await both(5);
    expect(r.a.mode).toBe('full');
    expect(r.a.reason).toMatch(/revocation/);

    // Same bytes, new mtime: clean (re-hashed, nothing published).
    const f = path.join(index, 'plugins/demo.extra-8.json');
    const t = statSync(f).mtime;
    utimesSync(f, t, new Date(t.getTime() + 5000));
    r = await both(6);
    expect(r.a).toMatchObject({ mode: 'incremental', changed: false });

    // A stored manifest removed: its plugin's target loses stored_manifest and loads_on; the manifest target goes.
    const stored = path.join(index, 'manifests/demo.hello/1.0.0.json');
    const storedBytes = readFileSync(stored);
    rmSync(stored);
    r = await both(7);
    expect(r.a.mode).toBe('incremental');
    expect(r.a.targetsChanged).toBe(1);
    expect((await pluginTarget('a', 'demo.hello')).plugin.releases.find((x: { version: string }) => x.version === '1.0.0').stored_manifest).toBeUndefined();

    // ... and stored again: the matrix is computed as build computes it.
    writeFileSync(stored, storedBytes);
    r = await both(8);
    expect(r.a.mode).toBe('incremental');
    expect(r.a.targetsChanged).toBe(2);
    const ht = await pluginTarget('a', 'demo.hello');
    expect(ht.server_versions).toEqual(SERVER_VERSIONS.map((v) => serverRules(v).version));
    expect(ht.plugin.releases.find((x: { version: string }) => x.version === '1.0.0')).toMatchObject({ stored_manifest: 'manifests/demo.hello/1.0.0.json', loads_on: expect.any(Array) });

    // A stored manifest of no release is refused in incremental mode as in a full one.
    mkdirSync(path.join(index, 'manifests/demo.extra-9'), { recursive: true });
    writeFileSync(path.join(index, 'manifests/demo.extra-9/9.9.9.json'), storedBytes);
    const before = metadataFiles(path.join(work.dir, 'a'));
    const e = await publishRepository({ repoDir: path.join(work.dir, 'a'), indexDir: index, signers: { online }, now: NOW + 9 * 60_000, cacheFile: path.join(work.dir, 'cache.json'), displayRoot: work.dir }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EntryProblemsError);
    expect((e as EntryProblemsError).problems.map((p) => p.code)).toContain('STORED_MANIFEST_ORPHAN');
    expect(metadataFiles(path.join(work.dir, 'a'))).toEqual(before);
    rmSync(path.join(index, 'manifests/demo.extra-9'), { recursive: true });

    const report = await verify(path.join(work.dir, 'a'));
    expect(report?.lattice).toMatchObject({ plugins: 43, publishers: 1, revocations: 1 });
  });

  it('an invalid entry is reported against its file and nothing is written', async () => {
    await both(0);
    const before = metadataFiles(path.join(work.dir, 'a'));
    write('plugins/demo.extra-2.json', { ...pluginEntry(2), id: 'other.name' });
    await expect(publishRepository({ repoDir: path.join(work.dir, 'a'), indexDir: index, signers: { online }, now: NOW + 1, cacheFile: path.join(work.dir, 'cache.json'), displayRoot: work.dir })).rejects.toBeInstanceOf(EntryProblemsError);
    expect(metadataFiles(path.join(work.dir, 'a'))).toEqual(before);
  });

  it('re-materialises the targets of a folder that kept only its metadata (the signing workflow checkout)', async () => {
    await both(0);
    rmSync(path.join(work.dir, 'a', 'targets'), { recursive: true });
    const r = await publishRepository({ repoDir: path.join(work.dir, 'a'), indexDir: index, signers: { online }, now: NOW, displayRoot: work.dir });
    expect(r.changed).toBe(false);
    // 43 plugins, 1 publisher, revocations.json and the stored manifests.
    expect(r.applied.targetsWritten).toBe(45 + readdirSync(path.join(index, 'manifests'), { recursive: true }).filter((n) => String(n).endsWith('.json')).length);
    await verify(path.join(work.dir, 'a'));
  });

  it('refresh moves the cache along, so the next publish is still incremental', async () => {
    await both(0);
    const repo = path.join(work.dir, 'a');
    await refreshRepositoryDir({ repoDir: repo, signers: { online }, now: NOW + 3_600_000, refreshWithinDays: 10, cacheFile: path.join(work.dir, 'cache.json') });
    write('plugins/demo.extra-3.json', { ...pluginEntry(3), summary: 'After refresh.' });
    const r = await publishRepository({ repoDir: repo, indexDir: index, signers: { online }, now: NOW + 7_200_000, cacheFile: path.join(work.dir, 'cache.json'), displayRoot: work.dir });
    expect(r.mode).toBe('incremental');
    await verify(repo);
  });
});
