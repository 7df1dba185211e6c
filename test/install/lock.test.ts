/**
 * One writer per plugin directory (src/io/plugin-dir-lock.ts): concurrent
 * installs, stale locks, and stage recovery that only touches stages whose
 * owner is gone. Each attack also shows the honest variant passing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PolicyError } from '../../src/core/errors.js';
import type { FetchedBody, FetchRequest, InstallFetcher } from '../../src/domain/install/transport.js';
import { runInstall } from '../../src/io/install.js';
import { recoverPluginDir } from '../../src/io/placement.js';
import { acquirePluginDirLock, PLUGIN_DIR_LOCK_FILE } from '../../src/io/plugin-dir-lock.js';
import { InstallEnv, InstallRepo, NOW, policyDoc, policyFrom, snapshotDir } from './harness.js';

/** A pid that certainly belongs to no running process (a child that has exited). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** A fetcher that holds the artifact until `release()` is called. */
function gatedFetcher(inner: InstallFetcher): InstallFetcher & { release(): void; waiting: Promise<void> } {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let markWaiting!: () => void;
  const waiting = new Promise<void>((r) => (markWaiting = r));
  return {
    release: open,
    waiting,
    async fetch(url: string, req: FetchRequest): Promise<FetchedBody> {
      if (req.purpose === 'artifact') {
        markWaiting();
        await gate;
      }
      return inner.fetch(url, req);
    },
  };
}

describe('plugin directory lock', () => {
  let env: InstallEnv;
  afterEach(() => env?.cleanup());

  function setup(lockWaitMs: number) {
    env = new InstallEnv();
    const repo = new InstallRepo('https://plugins.example');
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const doc = policyDoc();
    doc.limits.lock_wait_ms = lockWaitMs;
    const indexFile = env.indexFile(repo.publish());
    const run = (fetcher: InstallFetcher) =>
      runInstall({ policy: policyFrom(doc), policyDir: env.policyDir, indexSource: indexFile, pluginId: 'acme.hello', pluginDir: env.pluginDir, fetcher, now: NOW, approve: () => true });
    return { repo, run };
  }

  it('two installs at once: the second fails PLUGIN_DIR_LOCKED (wait 0) and never touches the first\'s stage; the first installs', async () => {
    const { repo, run } = setup(0);
    const slow = gatedFetcher(repo.fetcher());
    const first = run(slow);
    await slow.waiting; // the first holds the lock and its stage is open, mid-download
    const stages = readdirSync(env.pluginDir).filter((n) => n.startsWith('.staging-'));
    expect(stages).toHaveLength(1);
    await expect(run(repo.fetcher())).rejects.toMatchObject({ code: 'PLUGIN_DIR_LOCKED' });
    await expect(run(repo.fetcher())).rejects.toBeInstanceOf(PolicyError);
    expect(readdirSync(env.pluginDir).filter((n) => n.startsWith('.staging-'))).toEqual(stages);
    slow.release();
    const r = await first;
    expect(r.result.ok, JSON.stringify(r.result.steps)).toBe(true);
    expect(r.placed?.path).toBe(path.join(env.pluginDir, 'acme.hello.plugin'));
    expect(existsSync(path.join(env.pluginDir, PLUGIN_DIR_LOCK_FILE))).toBe(false);
  });

  it('with a bounded wait the second install waits for the first, then installs (replacing it)', async () => {
    const { repo, run } = setup(10_000);
    const slow = gatedFetcher(repo.fetcher());
    const first = run(slow);
    await slow.waiting;
    const second = run(repo.fetcher());
    await new Promise((r) => setTimeout(r, 150));
    slow.release();
    const [a, b] = await Promise.all([first, second]);
    expect(a.result.ok && a.placed?.replaced).toBe(false);
    expect(b.result.ok && b.placed?.replaced).toBe(true);
    // No stage or parked installation is left; the replaced release is kept for rollback.
    expect(readdirSync(env.pluginDir).filter((n) => n.startsWith('.'))).toEqual(['.lattice-keep']);
    expect(readdirSync(path.join(env.pluginDir, '.lattice-keep', 'acme.hello'))).toEqual(['previous']);
  });

  it('a stale lock (its owner is gone) is recovered; the install proceeds and leaves no lock', async () => {
    const { repo, run } = setup(0);
    writeFileSync(path.join(env.pluginDir, PLUGIN_DIR_LOCK_FILE), JSON.stringify({ pid: deadPid(), host: os.hostname(), nonce: 'old', command: 'install x', since: '2026-01-01T00:00:00Z' }));
    const r = await run(repo.fetcher());
    expect(r.result.ok).toBe(true);
    expect(existsSync(path.join(env.pluginDir, PLUGIN_DIR_LOCK_FILE))).toBe(false);
  });

  it('a lock held by a live process, or from another host, is never taken over', async () => {
    const { repo, run } = setup(0);
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const lockFile = path.join(env.pluginDir, PLUGIN_DIR_LOCK_FILE);
      for (const owner of [
        { pid: sleeper.pid!, host: os.hostname() },
        { pid: deadPid(), host: 'another-host.example' },
      ]) {
        writeFileSync(lockFile, JSON.stringify({ ...owner, nonce: 'n', command: 'install y', since: '2026-01-01T00:00:00Z' }));
        const before = snapshotDir(env.pluginDir);
        await expect(run(repo.fetcher())).rejects.toMatchObject({ code: 'PLUGIN_DIR_LOCKED' });
        expect(snapshotDir(env.pluginDir)).toEqual(before);
        expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).toBe(owner.pid);
      }
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('releasing never removes a lock that is no longer ours', async () => {
    env = new InstallEnv();
    const lock = await acquirePluginDirLock(env.pluginDir, { command: 'test', waitMs: 0 });
    const lockFile = path.join(env.pluginDir, PLUGIN_DIR_LOCK_FILE);
    writeFileSync(lockFile, JSON.stringify({ pid: process.pid, host: os.hostname(), nonce: 'someone-else', command: 'x', since: '2026-01-01T00:00:00Z' }));
    await lock.release();
    expect(existsSync(lockFile)).toBe(true);
  });
});

describe('stage recovery touches only stages whose owner is gone', () => {
  let env: InstallEnv;
  afterEach(() => env?.cleanup());

  it('a live owner\'s stage stays; a dead owner\'s stage and an unnamed old stage go', async () => {
    env = new InstallEnv();
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const live = `.staging-${sleeper.pid}-${'a'.repeat(16)}`;
      const dead = `.staging-${deadPid()}-${'b'.repeat(16)}`;
      const old = `.staging-${'c'.repeat(16)}`;
      for (const n of [live, dead, old]) {
        mkdirSync(path.join(env.pluginDir, n));
        writeFileSync(path.join(env.pluginDir, n, 'artifact'), 'x');
      }
      const report = await recoverPluginDir(env.pluginDir);
      expect(report.removedStages.sort()).toEqual([dead, old].sort());
      expect(existsSync(path.join(env.pluginDir, live))).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});
