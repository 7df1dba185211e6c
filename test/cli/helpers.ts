import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, cpSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built CLI (`npm test` builds before running vitest). */
export const CLI = path.join(ROOT, 'dist/cli/main.js');

/** Run the built CLI; returns status, stdout and stderr. */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): {
  status: number | null;
  stdout: string;
  stderr: string;
} {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    encoding: 'utf8',
    input: opts.input ?? '',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temporary directory, removed by the returned cleanup function. */
export function tempDir(prefix = 'lattice-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copy the repository's index/ entry files into `dir/index`. */
export function copyIndex(dir: string): string {
  const target = path.join(dir, 'index');
  cpSync(path.join(ROOT, 'index'), target, { recursive: true });
  return target;
}
