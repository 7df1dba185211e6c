/**
 * `run(argv, io)` — the whole CLI as one function: find the command, check
 * every argument (./spec.ts), run exactly that command, map the outcome to
 * an exit code. The bin (`main.ts`) is a thin shim over it; tests call it
 * in-process.
 *
 * Guarantees, for every command:
 * - **Nothing happens before the command line is understood**: a malformed
 *   command line stops the run with exit 2 before the command starts.
 * - **One exit-code table** ({@link EXIT}), chosen from the error's stable
 *   code by {@link exitCodeFor}: the same bad file gives the same exit code
 *   in every command.
 * - **One line on stderr** per failure (`lattice-index: <message> [CODE]`),
 *   a stack trace only with `--debug`; with `--json`, also one JSON object
 *   `{ ok: false, code, message, exit }` on stdout (unless the command
 *   already printed its own JSON result).
 * - Only the module of the command that runs is loaded (./registry.ts).
 *
 * @module
 */
import { LatticeIndexError, type ErrorCode } from '../core/errors.js';
import { cliIo, debugRequested, err, exitCodeSet, jsonRequested, jsonWritten, processIo, withContext, type CliIo } from './context.js';
import { COMMANDS, findCommand } from './registry.js';
import { closest, parseCommandLine, renderCommandList, renderHelp, UsageError, type CommandGroupSpec, type CommandSpec } from './spec.js';

export { cliEnv, cliIo, err, out, outJSON, setExitCode, writeStdout } from './context.js';
export type { CliIo, CliOutput } from './context.js';
export { UsageError } from './spec.js';

/** The version `--version` prints (kept equal to package.json by a test). */
export const VERSION = '0.2.0';

/**
 * Process exit codes — the one table for every command (also in README.md).
 */
export const EXIT = Object.freeze({
  /** Success. */
  OK: 0,
  /** The input was read and judged: it is invalid, fails verification, or breaks policy. */
  INVALID: 1,
  /** Usage error, unreadable input (missing, not a regular file, too large, not strict JSON), or unwritable output. */
  USAGE: 2,
  /** pr-check: the change is acceptable but needs a maintainer's review. */
  NEEDS_REVIEW: 3,
  /** An unexpected internal error — a bug: please report it. No known input ends here. */
  INTERNAL: 70,
});

/**
 * Codes that mean "the command could not read what it was given, or could
 * not write its output" (exit 2); every other code is a verdict on input
 * that was read (exit 1).
 */
const EXIT_USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'USAGE_ERROR',
  'INPUT_NOT_FOUND',
  'INPUT_UNREADABLE',
  'INPUT_INVALID',
  'OUTPUT_UNWRITABLE',
  'OUTPUT_EXISTS',
  'KEY_FILE_EXISTS',
  'KEY_INVALID',
  'SERVER_VERSION_UNKNOWN',
  'JSON_TOO_LARGE',
  'JSON_INVALID_UTF8',
  'JSON_BOM',
  'JSON_SYNTAX',
  'JSON_TRAILING_DATA',
  'JSON_DUPLICATE_KEY',
  'JSON_LONE_SURROGATE',
  'JSON_UNSAFE_INTEGER',
  'JSON_NUMBER_NOT_REPRESENTABLE',
  'JSON_TOO_DEEP',
  'JSON_TOO_MANY_MEMBERS',
  'JSON_STRING_TOO_LONG',
]);

/**
 * The exit code for an error code (the table above).
 *
 * @param code - a stable error code.
 * @returns 2 for usage, unreadable input and unwritable output; 1 otherwise.
 */
export function exitCodeFor(code: ErrorCode): number {
  return EXIT_USAGE_CODES.has(code) ? EXIT.USAGE : EXIT.INVALID;
}

/** Collapse whitespace so a message is always exactly one line. */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** Whether `flag` (or `flag=…`) appears before a bare `--`. */
function hasFlag(argv: readonly string[], ...flags: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (flags.some((f) => a === f || a.startsWith(f + '='))) return true;
  }
  return false;
}

/**
 * Print an error as one line (and as a JSON object with `--json`) and
 * return its exit code. Secrets never reach here: errors are built without
 * key material.
 *
 * @param e - what was thrown.
 * @returns the exit code.
 */
export function reportError(e: unknown): number {
  let code: ErrorCode | 'INTERNAL_ERROR';
  let message: string;
  let exit: number;
  if (e instanceof LatticeIndexError) {
    code = e.code;
    message = oneLine(e.message);
    exit = exitCodeFor(e.code);
    err(`lattice-index: ${message}${e instanceof UsageError ? ' (see --help)' : ''} [${e.code}]`);
  } else {
    code = 'INTERNAL_ERROR';
    message = oneLine(e instanceof Error ? e.message : String(e));
    exit = EXIT.INTERNAL;
    err(`lattice-index: internal error: ${message} (a bug: please report it; run with --debug for details)`);
  }
  if (debugRequested() && e instanceof Error && e.stack) err(e.stack);
  if (jsonRequested() && !jsonWritten()) {
    cliIo().stdout.write(JSON.stringify({ ok: false, code, message, exit }, null, 2) + '\n');
  }
  return exit;
}

function isGroup(x: CommandSpec | CommandGroupSpec): x is CommandGroupSpec {
  return 'subcommands' in x;
}

/** Print help text to stdout. */
function printHelp(io: CliIo, text: string): number {
  io.stdout.write(text);
  return EXIT.OK;
}

/**
 * Find the command, parse its arguments, run it.
 *
 * @returns the exit code.
 */
async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const width = Math.min(100, io.stdout.columns || 100);
  const help = hasFlag(argv, '--help', '-h');
  // Global switches may come before the command word; nothing else may.
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith('-') && argv[i] !== '--') {
    const a = argv[i]!;
    if (a === '--version') {
      io.stdout.write(VERSION + '\n');
      return EXIT.OK;
    }
    if (a !== '--debug' && a !== '--help' && a !== '-h') {
      throw new UsageError(`unknown option ${a} before the command; options go after it (lattice-index <command> [options])`);
    }
    i++;
  }
  const word = argv[i];
  const top = renderCommandList('lattice-index <command> [options]', COMMANDS.map((c) => [c.name, c.describe]), width);
  if (word === undefined || word === '--') {
    if (help) return printHelp(io, top);
    throw new UsageError('expected a command');
  }
  const entry = findCommand(word);
  if (entry === undefined) {
    const suggestion = closest(word, COMMANDS.map((c) => c.name));
    throw new UsageError(`unknown command ${JSON.stringify(word)}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`);
  }
  const loaded = await entry.load();
  let spec: CommandSpec;
  let rest = argv.slice(i + 1);
  if (isGroup(loaded)) {
    const sub = rest.findIndex((a) => !a.startsWith('-'));
    const subWord = sub < 0 ? undefined : rest[sub];
    const list = (): string =>
      renderCommandList(`lattice-index ${loaded.name} <command> [options]`, loaded.subcommands.map((s) => [s.name.split(' ').pop()!, s.describe ?? '']), width);
    if (subWord === undefined || subWord === '--' || rest.slice(0, sub).some((a) => a === '--')) {
      if (help) return printHelp(io, list());
      throw new UsageError(`expected a ${loaded.name} command: ${loaded.subcommands.map((s) => s.name.split(' ').pop()).join(', ')}`);
    }
    const found = loaded.subcommands.find((s) => s.name === `${loaded.name} ${subWord}`);
    if (found === undefined) {
      const names = loaded.subcommands.map((s) => s.name.split(' ').pop()!);
      const suggestion = closest(subWord, names);
      throw new UsageError(`unknown ${loaded.name} command ${JSON.stringify(subWord)}${suggestion ? ` (did you mean ${suggestion}?)` : ''}; expected one of ${names.join(', ')}`);
    }
    spec = found;
    rest = [...rest.slice(0, sub), ...rest.slice(sub + 1)];
  } else {
    spec = { ...loaded, describe: loaded.describe ?? entry.describe };
  }
  if (help) return printHelp(io, renderHelp(spec, width));
  const args = parseCommandLine(spec, rest);
  await spec.run(args);
  return exitCodeSet() ?? EXIT.OK;
}

/**
 * Run the CLI.
 *
 * @param argv - the arguments, without the node and script names.
 * @param io - streams and environment (default: the process's).
 * @returns the exit code; never throws.
 * @example
 * ```ts
 * const code = await run(['validate', 'index/plugins.json', '--json'], io);
 * ```
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const args = [...argv];
  return withContext(io, { json: hasFlag(args, '--json'), debug: hasFlag(args, '--debug') }, async () => {
    try {
      return await dispatch(args, io);
    } catch (e) {
      return reportError(e);
    }
  });
}
