/**
 * Atomic placement (src/io/placement.ts): a real crash (SIGKILL of a child
 * process in the middle of a commit) never leaves a partial `<id>.plugin`,
 * and the next run's recovery restores the directory exactly; the file
 * spool; the audit log; the approval prompt.
 *
 * The crash tests run the built library (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { appendAuditRecord } from '../../src/io/audit-log.js';
import { createFileSpool, openPluginStage, recoverPluginDir } from '../../src/io/placement.js';
import { promptYesNo } from '../../src/cli/prompt.js';
import { pluginDirWithExisting, removeDir, snapshotDir, tempDir } from './harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST_PLACEMENT = path.join(ROOT, 'dist/io/placement.js');

let dir: string;
beforeEach(() => {
  dir = pluginDirWithExisting();
});
afterEach(() => removeDir(dir));

/** Run a commit in a child process that kills itself at `hook`. */
function crashAt(hook: 'beforeRename' | 'afterRetire', id: string): { signal: NodeJS.Signals | null; stderr: string } {
  const script = `
    import { openPluginStage } from ${JSON.stringify(DIST_PLACEMENT)};
    const stage = await openPluginStage(${JSON.stringify(dir)});
    const spool = await stage.spool();
    await spool.write(new TextEncoder().encode('new artifact bytes'));
    await spool.finish();
    await stage.commit(${JSON.stringify(id)}, new TextEncoder().encode('{"id":"new"}'), {
      ${hook}: () => { process.kill(process.pid, 'SIGKILL'); return new Promise(() => {}); },
    });
    console.log('not reached');
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  return { signal: r.signal, stderr: r.stderr };
}

describe('placement interrupted midway (real SIGKILL)', () => {
  it.skipIf(!existsSync(DIST_PLACEMENT))('a fresh install killed before the rename leaves no <id>.plugin; recovery restores the directory', async () => {
    const before = snapshotDir(dir);
    const r = crashAt('beforeRename', 'acme.hello');
    expect(r.signal, r.stderr).toBe('SIGKILL');
    expect(existsSync(path.join(dir, 'acme.hello.plugin'))).toBe(false);
    const stages = readdirSync(dir).filter((n) => n.startsWith('.staging-'));
    expect(stages).toHaveLength(1);
    const report = await recoverPluginDir(dir);
    expect(report.removedStages).toEqual(stages);
    expect(snapshotDir(dir)).toEqual(before);
  });

  it.skipIf(!existsSync(DIST_PLACEMENT))('a replacement killed between the two renames: recovery puts the old installation back', async () => {
    const before = snapshotDir(dir);
    const r = crashAt('afterRetire', 'acme.other');
    expect(r.signal, r.stderr).toBe('SIGKILL');
    expect(existsSync(path.join(dir, 'acme.other.plugin'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('.retired-'))).toHaveLength(1);
    const report = await recoverPluginDir(dir);
    expect(report.restored).toHaveLength(1);
    expect(snapshotDir(dir)).toEqual(before);
  });
});

describe('PluginStage', () => {
  it('commit places manifest.json and artifact (0600) under <id>.plugin; abort leaves nothing', async () => {
    const before = snapshotDir(dir);
    const aborted = await openPluginStage(dir);
    const s1 = await aborted.spool();
    await s1.write(new Uint8Array(10));
    await aborted.abort();
    expect(snapshotDir(dir)).toEqual(before);

    const stage = await openPluginStage(dir);
    const spool = await stage.spool();
    const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => i & 0xff);
    for (let i = 0; i < big.length; i += 65_536) await spool.write(big.subarray(i, i + 65_536));
    await spool.finish();
    const placed = await stage.commit('acme.hello', new TextEncoder().encode('{}\n'));
    expect(placed.replaced).toBe(false);
    expect(Buffer.from(readFileSync(path.join(placed.path, 'artifact'))).equals(Buffer.from(big))).toBe(true);
    expect(readdirSync(placed.path).sort()).toEqual(['artifact', 'manifest.json']);
    expect(lstatSync(path.join(placed.path, 'artifact')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('refuses a plugin directory that does not exist', async () => {
    await expect(openPluginStage(path.join(dir, 'missing'))).rejects.toBeInstanceOf(InputError);
  });

  it('recovery removes a parked installation whose replacement landed, and ignores foreign dot-files', async () => {
    mkdirSync(path.join(dir, '.retired-0123456789abcdef-acme.other'));
    writeFileSync(path.join(dir, '.keep'), '');
    const report = await recoverPluginDir(dir);
    expect(report.removedRetired).toEqual(['.retired-0123456789abcdef-acme.other']);
    expect(existsSync(path.join(dir, '.keep'))).toBe(true);
  });
});

describe('file spool', () => {
  it('replays exactly what was written, in 1 MiB reads', async () => {
    const t = tempDir('lattice-spool-');
    try {
      const spool = await createFileSpool(path.join(t, 'a'));
      const data = new Uint8Array(2_500_000).map((_, i) => (i * 31) & 0xff);
      await spool.write(data.subarray(0, 1));
      await spool.write(data.subarray(1));
      await spool.finish();
      expect(spool.size).toBe(data.length);
      const parts: Uint8Array[] = [];
      for await (const c of spool.read()) parts.push(Uint8Array.from(c));
      expect(Buffer.concat(parts).equals(Buffer.from(data))).toBe(true);
      await spool.discard();
      expect(existsSync(path.join(t, 'a'))).toBe(false);
    } finally {
      removeDir(t);
    }
  });

  it('chunks handed over with `consumed`: large ones are written as they are and handed back only once written, small ones once copied; a chunk overwritten after it is handed back does not change the file', async () => {
    const t = tempDir('lattice-spool-');
    try {
      const spool = await createFileSpool(path.join(t, 'a'));
      const data = new Uint8Array(5_000_000).map((_, i) => (i * 131 + (i >> 9)) & 0xff);
      // Small, large (written as is), small, large, large: each piece its own copy, overwritten the moment it comes back.
      const cuts = [0, 1000, 700_000, 710_000, 2_000_000, 3_600_000, data.length];
      const back: number[] = [];
      for (let i = 0; i + 1 < cuts.length; i++) {
        const piece = Uint8Array.from(data.subarray(cuts[i], cuts[i + 1]));
        await spool.write(piece, () => {
          back.push(i);
          piece.fill(0xee);
        });
      }
      await spool.finish();
      expect(back.sort()).toEqual([0, 1, 2, 3, 4, 5]);
      expect(spool.size).toBe(data.length);
      const parts: Uint8Array[] = [];
      for await (const c of spool.read()) parts.push(Uint8Array.from(c));
      expect(Buffer.concat(parts).equals(Buffer.from(data))).toBe(true);
      await spool.discard();
    } finally {
      removeDir(t);
    }
  });
});

describe('audit log', () => {
  it('appends whole JSON lines (concurrent writers included), 0600, never through a symlink', async () => {
    const t = tempDir('lattice-audit-');
    try {
      const log = path.join(t, 'audit.log');
      await Promise.all(Array.from({ length: 20 }, (_, i) => appendAuditRecord(log, { time: '2026-08-01T00:00:00Z', event: 'plugin.install', n: i, pad: 'x'.repeat(2000) })));
      const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(20);
      expect(lines.map((l) => (JSON.parse(l) as { n: number }).n).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(lstatSync(log).mode & 0o777).toBe(0o600);
      const link = path.join(t, 'link.log');
      symlinkSync(path.join(t, 'elsewhere.log'), link);
      await expect(appendAuditRecord(link, { time: 't', event: 'e' })).rejects.toBeInstanceOf(InputError);
      expect(existsSync(path.join(t, 'elsewhere.log'))).toBe(false);
    } finally {
      removeDir(t);
    }
  });
});

describe('approval prompt', () => {
  const ask = async (typed: string | null): Promise<{ answer: boolean; shown: string }> => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (d: Buffer) => (shown += d.toString()));
    const p = promptYesNo('Grant these capabilities? [y/N] ', { input, output });
    if (typed === null) input.end();
    else input.write(typed);
    return { answer: await p, shown };
  };
  it.each([
    ['y\n', true],
    ['yes\n', true],
    ['  Y \n', true],
    ['YES\n', true],
    ['n\n', false],
    ['\n', false],
    ['yess\n', false],
    ['sure\n', false],
  ] as [string, boolean][])('%j → %s', async (typed, expected) => {
    const r = await ask(typed);
    expect(r.answer).toBe(expected);
    expect(r.shown).toContain('Grant these capabilities? [y/N] ');
  });
  it('end of input is no', async () => {
    expect((await ask(null)).answer).toBe(false);
  });
});
