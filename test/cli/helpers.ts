import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, cpSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run, type CliIo } from '../../src/cli/run.js';

/** The project root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built CLI (`npm test` builds before running vitest). */
export const CLI = path.join(ROOT, 'dist/cli/main.js');

/** What a CLI run printed and returned. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout as raw bytes (payloads are compared byte for byte). */
  stdoutBytes: Buffer;
}

/** Options of {@link runCli} and {@link spawnCli}. */
export interface CliOptions {
  /** Working directory (default: the project root). */
  cwd?: string;
  /** Added to the environment. */
  env?: NodeJS.ProcessEnv;
  /** Standard input (never a TTY). */
  input?: string;
}

/** A writable that keeps what was written. */
class Capture extends PassThrough {
  private readonly parts: Buffer[] = [];
  readonly isTTY = false;
  constructor() {
    super();
    this.on('data', (c: Buffer) => this.parts.push(c));
  }
  get bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
  get text(): string {
    return this.bytes.toString('utf8');
  }
}

// The working directory is process-wide: in-process runs take turns.
let turn: Promise<void> = Promise.resolve();

/**
 * Run the CLI in-process — the same `run(argv, io)` the bin calls — with
 * its own stdout, stderr, stdin and environment. Use {@link spawnCli} where a
 * real process matters (exit codes of the bin itself, signals, stdin TTYs).
 */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const previous = turn;
  let release!: () => void;
  turn = new Promise((r) => (release = r));
  await previous;
  const cwd = process.cwd();
  try {
    process.chdir(opts.cwd ?? ROOT);
    const stdout = new Capture();
    const stderr = new Capture();
    const stdin = new PassThrough();
    stdin.end(opts.input ?? '');
    const io: CliIo = { stdout, stderr, stdin, env: { ...process.env, NO_COLOR: '1', ...opts.env } };
    const status = await run(args, io);
    // Let the captures drain their last chunks.
    await new Promise((r) => setImmediate(r));
    return { status, stdout: stdout.text, stderr: stderr.text, stdoutBytes: stdout.bytes };
  } finally {
    process.chdir(cwd);
    release();
  }
}

/** Run the built CLI as a real process; returns status, stdout and stderr. */
export function spawnCli(args: string[], opts: CliOptions = {}): CliResult {
  const r: SpawnSyncReturns<Buffer> = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    input: opts.input ?? '',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), stdoutBytes: r.stdout };
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
