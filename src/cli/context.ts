/**
 * The CLI's per-run context: where output goes, the environment, the exit
 * code, and whether the caller asked for JSON.
 *
 * `run(argv, io)` (./run.ts) runs every command inside one context, so the
 * same command code serves the real process (`main.ts`, the bin) and
 * in-process callers (tests, scripts) that pass their own streams and
 * environment. Commands never touch `process.stdout`, `process.stderr`,
 * `process.stdin`, `process.env` or `process.exitCode` directly: they use the
 * functions below.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** A stream the CLI writes to. */
export interface CliOutput {
  write(chunk: string | Uint8Array, callback?: (error?: Error | null) => void): boolean;
  /** True when it is a terminal (progress bars and prompts only then). */
  isTTY?: boolean;
  /** Terminal width, when known. */
  columns?: number;
}

/** What a CLI run reads from and writes to. */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  /** Read only by the approval prompt of `install`. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** The environment (`SOURCE_DATE_EPOCH`, `--key-env` variables, `GITHUB_STEP_SUMMARY`, …). */
  env: NodeJS.ProcessEnv;
}

/** The state of one run. */
interface RunState {
  io: CliIo;
  exitCode: number | undefined;
  /** `--json` was given: every outcome, failures included, is one JSON object on stdout. */
  json: boolean;
  /** A JSON document was already written to stdout by the command. */
  jsonWritten: boolean;
  debug: boolean;
}

const store = new AsyncLocalStorage<RunState>();

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/**
 * Run `fn` inside a fresh context.
 *
 * @param io - streams and environment of this run.
 * @param flags - `json` and `debug` as found on the command line.
 * @param fn - the run.
 * @returns what `fn` returns.
 */
export function withContext<T>(io: CliIo, flags: { json: boolean; debug: boolean }, fn: () => Promise<T>): Promise<T> {
  return store.run({ io, exitCode: undefined, json: flags.json, jsonWritten: false, debug: flags.debug }, fn);
}

function state(): RunState {
  return store.getStore() ?? { io: processIo(), exitCode: undefined, json: false, jsonWritten: false, debug: false };
}

/** The current run's streams and environment. */
export function cliIo(): CliIo {
  return state().io;
}

/** The current run's environment. */
export function cliEnv(): NodeJS.ProcessEnv {
  return state().io.env;
}

/** Write a line to stdout. */
export function out(line: string): void {
  state().io.stdout.write(line + '\n');
}

/** Write a line to stderr. */
export function err(line: string): void {
  state().io.stderr.write(line + '\n');
}

/**
 * Write one JSON document (2-space indented) to stdout: a command's `--json`
 * result. A later failure then prints only its stderr line.
 */
export function outJSON(value: unknown): void {
  const s = state();
  s.jsonWritten = true;
  s.io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Write raw bytes to stdout and wait until they are handed on. */
export function writeStdout(bytes: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    state().io.stdout.write(bytes, (e) => (e ? reject(e) : resolve()));
  });
}

/** Set the exit code of this run (the last call wins). */
export function setExitCode(code: number): void {
  state().exitCode = code;
}

/** The exit code set by the command, if any. */
export function exitCodeSet(): number | undefined {
  return state().exitCode;
}

/** Whether `--json` was given. */
export function jsonRequested(): boolean {
  return state().json;
}

/** Whether the command already wrote its JSON document. */
export function jsonWritten(): boolean {
  return state().jsonWritten;
}

/** Whether `--debug` was given. */
export function debugRequested(): boolean {
  return state().debug;
}
