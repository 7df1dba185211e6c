/**
 * The CLI's one place for exit codes and error printing.
 *
 * Bad input gives one clear line on stderr and a non-zero exit, never a stack
 * trace unless `--debug` is given.
 *
 * @module
 */
import { LatticeIndexError, InputError } from '../core/errors.js';

/** Process exit codes shared by every command. */
export const EXIT = Object.freeze({
  /** Success. */
  OK: 0,
  /** The input was read but is invalid, fails verification or breaks policy. */
  INVALID: 1,
  /** Usage error, or an input that cannot be read or is not JSON. */
  USAGE: 2,
  /** pr-check: the change is acceptable but needs a maintainer's review. */
  NEEDS_REVIEW: 3,
  /** An unexpected internal error (a bug): please report it. */
  INTERNAL: 70,
});

/** True when `--debug` was given anywhere on the command line. */
export function debugEnabled(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--debug');
}

/**
 * Print an error as one line and return the exit code it maps to.
 * Secrets never reach here: errors are built without key material.
 */
export function reportError(err: unknown, argv: readonly string[] = process.argv): number {
  const debug = debugEnabled(argv);
  if (err instanceof LatticeIndexError) {
    process.stderr.write(`lattice-index: ${oneLine(err.message)} [${err.code}]\n`);
    if (debug && err.stack) process.stderr.write(err.stack + '\n');
    return err instanceof InputError ? EXIT.USAGE : EXIT.INVALID;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`lattice-index: internal error: ${oneLine(message)} (run with --debug for details)\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return EXIT.INTERNAL;
}

/** Collapse whitespace so a message is always exactly one line. */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** Write a line to stdout. */
export function out(line: string): void {
  process.stdout.write(line + '\n');
}

/** Write a line to stderr. */
export function err(line: string): void {
  process.stderr.write(line + '\n');
}
