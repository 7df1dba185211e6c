/**
 * Helpers for the workflow tests: a scratch git repository holding a snapshot
 * of this working tree (tracked and untracked files that .gitignore does not
 * exclude — what a commit of the current work would contain), and the step
 * runner spawned asynchronously.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tempDir } from '../cli/helpers.js';

export { ROOT };

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A scratch repository whose `main` is a snapshot of this working tree. */
export function snapshotRepo(): { dir: string; repo: string; cleanup: () => void } {
  const t = tempDir('lattice-wf-');
  const repo = path.join(t.dir, 'repo');
  mkdirSync(repo);
  const list = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (list.status !== 0) throw new Error(list.stderr);
  for (const rel of list.stdout.split('\0').filter(Boolean)) {
    const from = path.join(ROOT, rel);
    let st;
    try {
      st = lstatSync(from);
    } catch {
      continue; // tracked but deleted in the working tree
    }
    const to = path.join(repo, rel);
    mkdirSync(path.dirname(to), { recursive: true });
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (st.isFile()) copyFileSync(from, to);
  }
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'snapshot of the working tree');
  return { dir: t.dir, repo, cleanup: t.cleanup };
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Spawn scripts/run-workflow.mjs (async, so independent runs can overlap). */
export function runWorkflow(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 240_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/run-workflow.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
