/**
 * The two command-line options that choose whose server rules apply, shared
 * by every command that decodes, validates or judges manifests and indexes:
 *
 * - `--server-line main|integration` — a branch alias: the newest known
 *   version of that branch (kept from before versions existed);
 * - `--server-version NAME` — one exact known version by id, tag or commit
 *   (`alpha-0.2.2a41`, `4dfbf5d`, `integration-2026-09`); an unknown name is
 *   `SERVER_VERSION_UNKNOWN` (exit 2), never the closest version.
 *
 * They exclude each other; without either the default is the `integration`
 * alias (docs/SERVER-VERSIONS.md).
 *
 * @module
 */
import { InputError } from '../core/errors.js';
import { DEFAULT_SERVER_LINE, SERVER_LINES, resolveServerVersion, type ServerRules } from '../core/server-line.js';
import type { OptionSpec } from './spec.js';

/** The options, to spread into a command's `options`. */
export const SERVER_RULES_OPTIONS = Object.freeze({
  'server-line': {
    type: 'string',
    choices: SERVER_LINES,
    describe: `server line whose rules apply: an alias of the newest known version of that branch (default ${DEFAULT_SERVER_LINE})`,
  },
  'server-version': {
    type: 'string',
    value: 'NAME',
    describe: 'exact server version whose rules apply: a known version id, tag or commit (docs/SERVER-VERSIONS.md), e.g. alpha-0.2.2a41',
  },
} satisfies Record<string, OptionSpec>);

/** The conflict pair, to add to a command's `conflicts`. */
export const SERVER_RULES_CONFLICT = ['server-line', 'server-version'] as const;

/** The arguments the options produce. */
export interface ServerRulesArgs {
  'server-line'?: string;
  'server-version'?: string;
}

/**
 * The rules the command line selects.
 *
 * @param args - the parsed arguments.
 * @returns the rules (the default alias when neither option is given).
 * @throws {InputError} `SERVER_VERSION_UNKNOWN` for an unknown `--server-version` (exit 2).
 */
export function serverRulesFromArgs(args: ServerRulesArgs): ServerRules {
  const name = args['server-version'] ?? args['server-line'] ?? DEFAULT_SERVER_LINE;
  const r = resolveServerVersion(name);
  if (!r.ok) throw new InputError('SERVER_VERSION_UNKNOWN', `--server-version: ${r.message}`);
  return r.rules;
}

/** Whether the command line named the rules (either option). */
export function serverRulesGiven(args: ServerRulesArgs): boolean {
  return args['server-version'] !== undefined || args['server-line'] !== undefined;
}
