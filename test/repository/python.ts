/**
 * Running python-tuf (Debian unstable's pure-Python package, unpacked by
 * scripts/setup-system.sh into .lattice/test-deps/python-tuf) with the
 * system's /usr/bin/python3 — never a python found on PATH (pyenv).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../cli/helpers.js';

const run = promisify(execFile);
export const PYTHON = '/usr/bin/python3';
export const PYTHONPATH = process.env.LATTICE_PYTHON_TUF_DIR ?? path.join(ROOT, '.lattice/test-deps/python-tuf/usr/lib/python3/dist-packages');
export const PY_DIR = path.join(ROOT, 'test/repository/python');

/** Fail (never skip) when python-tuf is not there. */
export function requirePythonTuf(): void {
  if (!existsSync(path.join(PYTHONPATH, 'tuf/ngclient/updater.py'))) {
    throw new Error(`python-tuf not found under ${PYTHONPATH}. Run \`bash scripts/setup-system.sh\` (fetches python3-tuf 7.0.0 from Debian, pinned; CI runs it).`);
  }
}

/** Run a python helper of test/repository/python/; resolves with stdout, rejects with the exit code and stderr. */
export async function python(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await run(PYTHON, [path.join(PY_DIR, script), ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONPATH, PYTHONDONTWRITEBYTECODE: '1', ...env },
    maxBuffer: 64 << 20,
  });
  return r.stdout;
}
