import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { VECTORS } from '../vectors.js';
import { copyIndex, runCli, tempDir } from './helpers.js';

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe('lattice-index validate', () => {
  it('accepts the real upstream index and example (exit 0)', async () => {
    const r = await runCli(['validate', path.join(VECTORS, 'lattice/plugins.json'), path.join(VECTORS, 'lattice/plugins.example.json')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/plugins\.json: ok \(4 plugins\)/);
    expect(r.stderr).toBe('');
  });
  it('prints every problem with file, line and code, exit 1', async () => {
    const f = path.join(tmp.dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ schema: 'x', generated_at: 'now', status: 'draft', publishers: [], plugins: [], signatures: [] }, null, 2));
    const r = await runCli(['validate', f]);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(r.stderr).toContain(`${f}:2:3: schema must be lattice.plugin.index.v1`);
    expect(r.stderr).toContain('generated_at must be UTC RFC3339-ish');
  });
  it('--json reports the same problems machine-readably', async () => {
    const f = path.join(tmp.dir, 'bad.json');
    writeFileSync(f, '{"schema":"lattice.plugin.index.v1"}');
    const r = await runCli(['validate', '--json', f]);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: false, code: 'INDEX_INVALID', exit: 1 });
    expect(out.files[0].ok).toBe(false);
    expect(out.files[0].problems.length).toBeGreaterThan(0);
    expect(out.files[0].problems[0]).toHaveProperty('instancePath');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
  it('not JSON → exit 2 with one line naming the position', async () => {
    const f = path.join(tmp.dir, 'dup.json');
    writeFileSync(f, '{"schema":"a",\n"schema":"b"}');
    const r = await runCli(['validate', f]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${f}:2:1: not JSON`);
    expect(r.stderr).toContain('JSON_DUPLICATE_KEY');
  });
  it('unreadable file → exit 2, one line, no stack trace', async () => {
    const r = await runCli(['validate', path.join(tmp.dir, 'missing.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
  it('unknown option → usage error exit 2', async () => {
    const r = await runCli(['validate', '--frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
  it('--server-line main rejects capabilities only integration knows', async () => {
    const idx = JSON.parse(readFileSync(path.join(VECTORS, 'lattice/plugins.example.json'), 'utf8'));
    idx.plugins[0].capabilities = ['wireguard:read'];
    for (const r of idx.plugins[0].releases) if (r.capabilities) r.capabilities = ['wireguard:read'];
    const f = path.join(tmp.dir, 'wg.json');
    writeFileSync(f, JSON.stringify(idx));
    expect((await runCli(['validate', f])).status).toBe(0);
    const r = await runCli(['validate', '--server-line', 'main', f]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('capability is unknown: wireguard:read');
  });
  it('--help lists every command', async () => {
    const r = await runCli(['--help']);
    expect(r.status).toBe(0);
    for (const c of ['validate', 'build']) expect(r.stdout).toContain(c);
  });
});

describe('lattice-index build', () => {
  it('assembles entry files deterministically and honours SOURCE_DATE_EPOCH', async () => {
    const indexDir = copyIndex(tmp.dir);
    rmSync(path.join(indexDir, 'plugins.json'), { force: true });
    const env = { SOURCE_DATE_EPOCH: '1767225600' }; // 2026-01-01T00:00:00Z
    const r1 = await runCli(['build', '--index-dir', indexDir], { env });
    expect(r1.status, r1.stderr).toBe(0);
    const first = readFileSync(path.join(indexDir, 'plugins.json'), 'utf8');
    const idx = JSON.parse(first);
    expect(idx.generated_at).toBe('2026-01-01T00:00:00Z');
    expect(idx.generation).toBe(1);
    expect(idx.status).toBe('draft');
    expect(idx.plugins.map((p: { id: string }) => p.id)).toEqual([...idx.plugins.map((p: { id: string }) => p.id)].sort());
    expect(first.endsWith('}\n')).toBe(true);
    // Rebuild: unchanged content keeps the file byte-identical (same generation).
    const r2 = await runCli(['build', '--index-dir', indexDir], { env: { SOURCE_DATE_EPOCH: '1800000000' } });
    expect(r2.stdout).toContain('unchanged');
    expect(readFileSync(path.join(indexDir, 'plugins.json'), 'utf8')).toBe(first);
    // Same sources in another directory with the same epoch give the same bytes.
    const other = tempDir();
    try {
      const d2 = copyIndex(other.dir);
      rmSync(path.join(d2, 'plugins.json'), { force: true });
      await runCli(['build', '--index-dir', d2], { env });
      expect(readFileSync(path.join(d2, 'plugins.json'), 'utf8')).toBe(first);
    } finally {
      other.cleanup();
    }
  });
  it('the generation never goes backwards: only a missing previous index starts at 1; unreadable ones stop the build', async () => {
    const indexDir = copyIndex(tmp.dir);
    const out = path.join(indexDir, 'plugins.json');
    expect((await runCli(['build', '--index-dir', indexDir, '--refresh'])).status).toBe(0);
    const generation = JSON.parse(readFileSync(out, 'utf8')).generation as number;
    const before = readFileSync(out);
    // A looping symlink in place of the previous index (was: "built, generation 1", exit 0).
    rmSync(out);
    symlinkSync('plugins.json', out);
    let r = await runCli(['build', '--index-dir', indexDir]);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toContain('generation 1');
    rmSync(out);
    // A previous index that is not JSON.
    writeFileSync(out, '{"schema": ');
    r = await runCli(['build', '--index-dir', indexDir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('[JSON_SYNTAX]');
    expect(readFileSync(out, 'utf8')).toBe('{"schema": ');
    // A directory in its place.
    rmSync(out);
    mkdirSync(out);
    r = await runCli(['build', '--index-dir', indexDir]);
    expect(r.status).toBe(2);
    rmSync(out, { recursive: true });
    // The honest variants: the previous file continues its generation; a missing one starts at 1.
    writeFileSync(out, before);
    r = await runCli(['build', '--index-dir', indexDir, '--refresh']);
    expect(JSON.parse(readFileSync(out, 'utf8')).generation).toBe(generation + 1);
    rmSync(out);
    r = await runCli(['build', '--index-dir', indexDir]);
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).generation).toBe(1);
  });

  it('build never writes an index over the cap every verifier applies (INDEX_TOO_LARGE, nothing written)', async () => {
    const indexDir = copyIndex(tmp.dir);
    const out = path.join(indexDir, 'plugins.json');
    rmSync(out);
    // 14 valid entries just under the 4 MiB entry cap (7000 releases each): ~73 MB assembled.
    const template = JSON.parse(readFileSync(path.join(indexDir, 'plugins/demo.hello.json'), 'utf8'));
    const stable = template.releases.find((r: { channel: string }) => r.channel === 'stable');
    for (let i = 0; i < 14; i++) {
      const id = `demo.big${i}`;
      const releases = Array.from({ length: 7000 }, (_, k) => ({ ...stable, version: `0.${7000 - k}.0` }));
      const entry = { ...template, id, name: `Big ${i}`, channels: { stable: releases[0]!.version }, latest: releases[0]!.version, releases };
      writeFileSync(path.join(indexDir, 'plugins', `${id}.json`), JSON.stringify(entry));
    }
    const r = await runCli(['build', '--index-dir', indexDir]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('[INDEX_TOO_LARGE]');
    expect(existsSync(out)).toBe(false);
  });

  it('an index directory without entry files is refused by build and codeowners (was: an empty index, exit 0)', async () => {
    const empty = path.join(tmp.dir, 'empty-index');
    mkdirSync(empty, { recursive: true });
    for (const args of [['build', '--index-dir', empty], ['codeowners', '--index-dir', empty, '--out', path.join(tmp.dir, 'CODEOWNERS')]]) {
      const r = await runCli(args);
      expect(r.status, args[0]).toBe(2);
      expect(r.stderr, args[0]).toContain('holds no entry files');
    }
    expect(existsSync(path.join(empty, 'plugins.json'))).toBe(false);
    expect(existsSync(path.join(tmp.dir, 'CODEOWNERS'))).toBe(false);
    const r = await runCli(['build', '--index-dir', path.join(tmp.dir, 'no-such-dir')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('[INPUT_NOT_FOUND]');
  });

  it('changed content gets the next generation; --refresh forces one; --expires-in sets expires_at', async () => {
    const indexDir = copyIndex(tmp.dir);
    rmSync(path.join(indexDir, 'plugins.json'), { force: true });
    await runCli(['build', '--index-dir', indexDir], { env: { SOURCE_DATE_EPOCH: '1767225600' } });
    const pf = path.join(indexDir, 'plugins/demo.counter.json');
    const entry = JSON.parse(readFileSync(pf, 'utf8'));
    entry.summary = 'Changed summary.';
    writeFileSync(pf, JSON.stringify(entry, null, 2));
    await runCli(['build', '--index-dir', indexDir], { env: { SOURCE_DATE_EPOCH: '1767312000' } });
    let idx = JSON.parse(readFileSync(path.join(indexDir, 'plugins.json'), 'utf8'));
    expect(idx.generation).toBe(2);
    expect(idx.generated_at).toBe('2026-01-02T00:00:00Z');
    await runCli(['build', '--index-dir', indexDir, '--refresh', '--expires-in', '30'], { env: { SOURCE_DATE_EPOCH: '1767398400' } });
    idx = JSON.parse(readFileSync(path.join(indexDir, 'plugins.json'), 'utf8'));
    expect(idx.generation).toBe(3);
    expect(idx.expires_at).toBe('2026-02-02T00:00:00Z');
  });
  it('reports a problem against the entry file and line, and writes nothing', async () => {
    const indexDir = copyIndex(tmp.dir);
    const out = path.join(tmp.dir, 'out.json');
    const pf = path.join(indexDir, 'plugins/demo.hello.json');
    writeFileSync(pf, readFileSync(pf, 'utf8').replace('"type": "system"', '"type": "daemon"'));
    const r = await runCli(['build', '--index-dir', indexDir, '--out', out]);
    expect(r.status).toBe(1);
    const line = readFileSync(pf, 'utf8').split('\n').findIndex((l) => l.includes('"daemon"')) + 1;
    expect(r.stderr).toContain(`plugins/demo.hello.json:${line}:3: plugin demo.hello type is invalid`);
    expect(existsSync(out)).toBe(false);
  });
  it('an entry file that is not JSON is reported at its line', async () => {
    const indexDir = copyIndex(tmp.dir);
    writeFileSync(path.join(indexDir, 'plugins/demo.counter.json'), '{\n  "id": "demo.counter",\n  "id": "x"\n}');
    const r = await runCli(['build', '--index-dir', indexDir, '--out', path.join(tmp.dir, 'o.json')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('plugins/demo.counter.json:3:3: not valid JSON');
  });
  it('an entry file must be named after its id', async () => {
    const indexDir = copyIndex(tmp.dir);
    const from = path.join(indexDir, 'plugins/demo.counter.json');
    writeFileSync(path.join(indexDir, 'plugins/demo.other.json'), readFileSync(from));
    rmSync(from);
    const r = await runCli(['build', '--index-dir', indexDir, '--out', path.join(tmp.dir, 'o.json')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('ENTRY_FILE_NAME');
  });
  it('bad SOURCE_DATE_EPOCH → one-line usage error, exit 2', async () => {
    const indexDir = copyIndex(tmp.dir);
    const r = await runCli(['build', '--index-dir', indexDir], { env: { SOURCE_DATE_EPOCH: 'yesterday' } });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
  it('the committed index/plugins.json is up to date with the entry files', async () => {
    const indexDir = copyIndex(tmp.dir);
    const r = await runCli(['build', '--index-dir', indexDir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('unchanged');
  });
});

