/**
 * The kept previous release, rollback and remove (src/io/placement.ts)
 * interrupted by a real SIGKILL at every step: the next run's recovery
 * leaves the directory exactly as before the operation or exactly as after
 * it — never a partial `<id>.plugin`, never a lost installation.
 *
 * The crash tests run the built library (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPluginStage, previousPath, recoverPluginDir, removePlugin, rollbackPlugin } from '../../src/io/placement.js';
import { removeDir, snapshotDir, tempDir } from './harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST_PLACEMENT = path.join(ROOT, 'dist/io/placement.js');
const BUILT = existsSync(DIST_PLACEMENT);

let dir: string;
beforeEach(() => {
  dir = tempDir('lattice-keep-');
});
afterEach(() => removeDir(dir));

function writeInstall(at: string, tag: string): void {
  mkdirSync(at, { recursive: true });
  writeFileSync(path.join(at, 'manifest.json'), `{"id":"acme.hello","tag":"${tag}"}\n`, { mode: 0o600 });
  writeFileSync(path.join(at, 'artifact'), `artifact ${tag}\n`, { mode: 0o600 });
}

/** `acme.hello` v1 installed with v0 kept, and an unrelated plugin. */
function seed(): void {
  writeInstall(path.join(dir, 'acme.hello.plugin'), 'v1');
  writeInstall(previousPath(dir, 'acme.hello'), 'v0');
  writeInstall(path.join(dir, 'acme.other.plugin'), 'other');
}

type Op = 'upgrade' | 'rollback' | 'remove';

/** The operation's script in a child process; `hook` (if any) kills it with SIGKILL. */
function script(op: Op, hook: string | undefined): string {
  const kill = hook === undefined ? '{}' : `{ ${hook}: () => { process.kill(process.pid, 'SIGKILL'); return new Promise(() => {}); } }`;
  const d = JSON.stringify(dir);
  if (op === 'upgrade') {
    return `
      import { openPluginStage } from ${JSON.stringify(DIST_PLACEMENT)};
      const stage = await openPluginStage(${d});
      const spool = await stage.spool();
      await spool.write(new TextEncoder().encode('artifact v2\\n'));
      await spool.finish();
      await stage.commit('acme.hello', new TextEncoder().encode('{"id":"acme.hello","tag":"v2"}\\n'), ${kill});`;
  }
  const fn = op === 'rollback' ? 'rollbackPlugin' : 'removePlugin';
  return `
    import { ${fn} } from ${JSON.stringify(DIST_PLACEMENT)};
    await ${fn}(${d}, 'acme.hello', ${kill});`;
}

function runChild(op: Op, hook: string | undefined): { status: number | null; signal: NodeJS.Signals | null; stderr: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(op, hook)], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, signal: r.signal, stderr: r.stderr };
}

/** The directory after the operation completed, then recovery (which must change nothing more). */
async function expectedAfter(op: Op): Promise<string[]> {
  seed();
  const r = runChild(op, undefined);
  expect(r.status, r.stderr).toBe(0);
  await recoverPluginDir(dir);
  const after = snapshotDir(dir);
  removeDir(dir);
  mkdirSync(dir);
  return after;
}

const POINTS: Record<Op, string[]> = {
  upgrade: ['beforeRename', 'afterRetire', 'beforeKeep', 'afterTrashPrevious'],
  rollback: ['afterRetire', 'afterRestore', 'beforeKeep'],
  remove: ['afterUnplace'],
};

describe.skipIf(!BUILT)('SIGKILL at every step of upgrade placement, rollback and remove', () => {
  for (const op of ['upgrade', 'rollback', 'remove'] as const) {
    it(`${op}: killed at ${POINTS[op].join(', ')} — recovery leaves exactly the state before or after`, async () => {
      const after = await expectedAfter(op);
      seed();
      const before = snapshotDir(dir);
      expect(after).not.toEqual(before);
      const outcomes: string[] = [];
      for (const hook of POINTS[op]) {
        removeDir(dir);
        mkdirSync(dir);
        seed();
        const r = runChild(op, hook);
        expect(r.signal, `${hook}: ${r.stderr}`).toBe('SIGKILL');
        // Never a partial installation while interrupted: acme.hello.plugin is absent or complete.
        if (existsSync(path.join(dir, 'acme.hello.plugin'))) expect(readdirSync(path.join(dir, 'acme.hello.plugin')).sort(), hook).toEqual(['artifact', 'manifest.json']);
        await recoverPluginDir(dir);
        const now = snapshotDir(dir);
        const which = JSON.stringify(now) === JSON.stringify(before) ? 'before' : JSON.stringify(now) === JSON.stringify(after) ? 'after' : 'NEITHER';
        outcomes.push(`${hook}:${which}`);
        expect(which, `${op} killed at ${hook}:\n${now.join('\n')}`).not.toBe('NEITHER');
        // A second recovery changes nothing.
        await recoverPluginDir(dir);
        expect(snapshotDir(dir)).toEqual(now);
      }
      // (before/after snapshots include the unrelated plugin: it is never touched.)
      expect(outcomes.filter((o) => o.endsWith(':before') || o.endsWith(':after'))).toHaveLength(POINTS[op].length);
    });
  }
});

describe('keep, rollback, remove (in process)', () => {
  it('a replacing commit keeps the replaced release as previous (an older kept one is dropped); rollback swaps them', async () => {
    seed();
    const stage = await openPluginStage(dir);
    const spool = await stage.spool();
    await spool.write(new TextEncoder().encode('artifact v2\n'));
    await spool.finish();
    const placed = await stage.commit('acme.hello', new TextEncoder().encode('{"id":"acme.hello","tag":"v2"}\n'));
    expect(placed.replaced).toBe(true);
    const kept = snapshotDir(path.join(dir, '.lattice-keep', 'acme.hello'));
    expect(kept.join('\n')).toContain('previous/manifest.json');
    expect(readdirSync(path.join(dir, '.lattice-keep', 'acme.hello'))).toEqual(['previous']);
    const v2 = snapshotDir(path.join(dir, 'acme.hello.plugin'));
    const v1 = snapshotDir(previousPath(dir, 'acme.hello'));
    await rollbackPlugin(dir, 'acme.hello');
    expect(snapshotDir(path.join(dir, 'acme.hello.plugin'))).toEqual(v1);
    expect(snapshotDir(previousPath(dir, 'acme.hello'))).toEqual(v2);
  });

  it('remove takes the installation and its kept release; the others stay', async () => {
    seed();
    const other = snapshotDir(path.join(dir, 'acme.other.plugin'));
    await removePlugin(dir, 'acme.hello');
    expect(readdirSync(dir).sort()).toEqual(['.lattice-keep', 'acme.other.plugin']);
    expect(readdirSync(path.join(dir, '.lattice-keep'))).toEqual([]);
    expect(snapshotDir(path.join(dir, 'acme.other.plugin'))).toEqual(other);
  });

  it('rollback of a plugin with nothing kept fails PLACEMENT_FAILED and changes nothing', async () => {
    writeInstall(path.join(dir, 'acme.hello.plugin'), 'v1');
    const before = snapshotDir(dir);
    await expect(rollbackPlugin(dir, 'acme.hello')).rejects.toMatchObject({ code: 'PLACEMENT_FAILED' });
    expect(snapshotDir(dir)).toEqual(before);
  });
});
