#!/usr/bin/env node
/**
 * `lattice-index` — the bin: loads the bundled CLI (./start.ts bundled into
 * `dist/cli/lattice-index.cjs` by scripts/bundle-cli.mjs; without the
 * commands into `lattice-index-start.cjs` for `--version`/`--help`) through
 * the V8 code cache of ./code-cache.ts and runs it. {@link run} (./run.ts) holds
 * the whole CLI and is what tests call in-process.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { CodeCacheSettingError, loadCliBundle } from './code-cache.js';

/** The SHA-256 of dist/cli/lattice-index.cjs and of lattice-index-start.cjs, set by scripts/bundle-cli.mjs. */
declare const __LATTICE_BUNDLE_SHA256__: string | undefined;
declare const __LATTICE_START_BUNDLE_SHA256__: string | undefined;

const argv = process.argv.slice(2);
// A command line without a word (`--version`, `--help`, nothing) runs no
// command (run.ts finds the command as the first argument that is not an
// option): the start bundle, without any command, is enough.
const noCommand = argv.every((a) => a.startsWith('-'));
const bundle = noCommand ? './lattice-index-start.cjs' : './lattice-index.cjs';
const bundleId = noCommand
  ? typeof __LATTICE_START_BUNDLE_SHA256__ === 'string' ? __LATTICE_START_BUNDLE_SHA256__ : 'dev-start'
  : typeof __LATTICE_BUNDLE_SHA256__ === 'string' ? __LATTICE_BUNDLE_SHA256__ : 'dev';
let cli: { startCli(argv: string[]): Promise<void> } | undefined;
try {
  cli = loadCliBundle(fileURLToPath(new URL(bundle, import.meta.url)), argv, process.env, bundleId).exports as typeof cli;
} catch (e) {
  if (!(e instanceof CodeCacheSettingError)) throw e;
  // The one-line error of every usage error (run.ts), before anything ran.
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ ok: false, code: e.code, message: e.message, exit: 2 }, null, 2)}\n`);
  process.stderr.write(`lattice-index: ${e.message} [${e.code}]\n`);
  process.exitCode = 2;
}
if (cli !== undefined) await cli.startCli(argv);
