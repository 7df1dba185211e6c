#!/usr/bin/env node
/**
 * `lattice-index` — the command-line entry point. Thin: declare flags, read
 * files, call the library, print (the commands live in ./commands/).
 * @module
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { COMMANDS } from './commands/index.js';
import { EXIT, oneLine, reportError } from './run.js';

/**
 * Run the CLI with `argv` (without the node and script names).
 * @returns the exit code; never throws.
 */
export async function main(argv: string[]): Promise<number> {
  let usageError: string | undefined;
  const parser = yargs(argv)
    .scriptName('lattice-index')
    .usage('$0 <command> [options]')
    .option('debug', { type: 'boolean', default: false, describe: 'print stack traces for errors', global: true })
    .strict()
    .demandCommand(1, 'expected a command; see lattice-index --help')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, e) => {
      if (e) throw e;
      usageError = msg ?? 'invalid usage';
    });
  for (const c of COMMANDS) parser.command(c);
  try {
    await parser.parseAsync();
  } catch (e) {
    if (usageError === undefined) return reportError(e, argv);
  }
  if (usageError !== undefined) {
    process.stderr.write(`lattice-index: ${oneLine(usageError)} (see lattice-index --help)\n`);
    return EXIT.USAGE;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
}

// A closed stdout (`lattice-index verify … | head`) is not an error of ours:
// stop writing quietly instead of crashing with EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const code = await main(hideBin(process.argv));
process.exitCode = code;
