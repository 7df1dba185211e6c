/**
 * The CLI's command-line contract, declared once per command and enforced
 * before anything runs.
 *
 * Each command is a {@link CommandSpec}: its positionals, its options (type,
 * value name, default, choices, required, repeatable) and the function that
 * runs it. {@link parseCommandLine} turns argv into the arguments object
 * with Node's own strict parser (`node:util` `parseArgs`) and then checks
 * what `parseArgs` leaves to its caller. Anything doubtful is a
 * {@link UsageError} (exit 2) — before the command starts, so a malformed
 * command line never has a side effect:
 *
 * - unknown options, misspellings (`--dry-runn`, `--dryRun`), a value on a
 *   switch (`--yes=maybe`), a missing value (`--out` at the end, `--out --json`);
 * - an option that takes one value given more than once (`--out a --out b`);
 * - an empty value (`--out=`), a number that is not one (`--threshold two`),
 *   a value outside `choices`;
 * - a missing required option or positional, an extra positional, two
 *   options that exclude each other.
 *
 * The same specs render `--help` ({@link renderHelp}) and let tests walk
 * every leaf command and option.
 *
 * Why not yargs: measured on Node 20, importing yargs alone cost 1.6× a bare
 * `node -e 0` (its ~130 KB of parser, string-width and emoji tables are
 * compiled at every start), which left no room for the CLI's own start-up
 * goal of 2×; and its defaults had to be switched off one by one (camel-case
 * and dot expansion, boolean negation, greedy arrays, silent arrays for
 * repeated options, dropped value-less options). `parseArgs` is strict by
 * default and ships with Node.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { InputError } from '../core/errors.js';

/** A malformed command line (code `USAGE_ERROR`, exit 2). */
export class UsageError extends InputError {
  constructor(message: string) {
    super('USAGE_ERROR', message);
  }
}

/** One option of a command. */
export interface OptionSpec {
  /** `boolean` options are switches: they never take a value. */
  type: 'string' | 'number' | 'boolean';
  /** One line for `--help`. */
  describe: string;
  /** The value's name in `--help` (`FILE`, `URL`, `DAYS`); default `VALUE`/`N`. */
  value?: string;
  /** Each use adds one value (`--key A --key B`). Otherwise a second use is an error. */
  multiple?: boolean;
  /** The command cannot run without it. */
  required?: boolean;
  /** The only accepted values. */
  choices?: readonly string[];
  /** The value when the option is not given. */
  default?: string | number | boolean;
  /** Left out of `--help` (test-only switches). */
  hidden?: boolean;
}

/** One positional argument. */
export interface PositionalSpec {
  name: string;
  describe: string;
  /** Default true. */
  required?: boolean;
  /** Takes every remaining positional (must be last). */
  variadic?: boolean;
  /** Value when absent (for an optional positional). */
  default?: string | readonly string[];
}

/** A command that runs. */
export interface CommandSpec {
  /** The command words after `lattice-index` (`verify`, `manifest sign`). */
  name: string;
  /** One line for `--help` (top-level commands take theirs from ./registry.ts). */
  describe?: string;
  positionals?: readonly PositionalSpec[];
  options?: Readonly<Record<string, OptionSpec>>;
  /** Pairs of options that cannot be given together. */
  conflicts?: readonly (readonly [string, string])[];
  /** Extra paragraphs for `--help`. */
  epilog?: string;
  /** `[command line, what it does]` for `--help`. */
  examples?: readonly (readonly [string, string])[];
  /** Run the command with the checked arguments. */
  run(args: Record<string, unknown>): Promise<void>;
}

/** A command word that groups subcommands (`manifest`, `bundle`, `policy`). */
export interface CommandGroupSpec {
  name: string;
  describe: string;
  subcommands: readonly CommandSpec[];
}

/** Options every command has. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = Object.freeze({
  debug: { type: 'boolean', describe: 'print the stack trace of an error' },
  help: { type: 'boolean', describe: 'show this help' },
});

/**
 * Define a command, typing its `run` arguments.
 *
 * @param spec - the command.
 * @returns the same spec.
 */
export function defineCommand<A>(spec: Omit<CommandSpec, 'run'> & { run(args: A): Promise<void> }): CommandSpec {
  return spec as unknown as CommandSpec;
}

/** Edit distance with transpositions (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The closest of `candidates` to `word`, if it is close enough to be a typo.
 *
 * @param word - what was typed.
 * @param candidates - what exists.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * Parse and check the arguments of one command.
 *
 * @param spec - the command.
 * @param argv - the arguments after the command words.
 * @returns the arguments object: each option under its own name (defaults
 *   filled in, numbers converted, repeatable options as arrays), each
 *   positional under its name.
 * @throws {UsageError} on the first problem.
 */
export function parseCommandLine(spec: CommandSpec, argv: readonly string[]): Record<string, unknown> {
  const specs: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, ...spec.options };
  const parserOptions: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, o] of Object.entries(specs)) {
    parserOptions[name] = { type: o.type === 'boolean' ? 'boolean' : 'string', ...(name === 'help' ? { short: 'h' } : {}), multiple: true };
  }
  let parsed: ReturnType<typeof parseArgs<{ options: typeof parserOptions; strict: true; allowPositionals: true; tokens: true; args: string[] }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: parserOptions, strict: true, allowPositionals: true, tokens: true });
  } catch (e) {
    throw new UsageError(describeParseArgsError(e, argv, specs));
  }

  const args: Record<string, unknown> = {};
  const counts = new Map<string, number>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option') continue;
    counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    if (t.value === '' && specs[t.name]!.type !== 'boolean') {
      throw new UsageError(`--${t.name} expects a value, found an empty string`);
    }
  }
  for (const [name, o] of Object.entries(specs)) {
    const n = counts.get(name) ?? 0;
    if (n > 1 && !o.multiple) throw new UsageError(`--${name} was given ${n} times; it takes one value`);
    const raw = (parsed.values as Record<string, (string | boolean)[] | undefined>)[name];
    if (raw === undefined) {
      if (o.required) throw new UsageError(`missing required option --${name}${o.value ? ` ${o.value}` : ''}`);
      if (o.default !== undefined) args[name] = o.default;
      else if (o.type === 'boolean') args[name] = false;
      else if (o.multiple) args[name] = [];
      continue;
    }
    const values = raw.map((v) => checkValue(name, o, v));
    args[name] = o.multiple ? values : values[0];
  }
  for (const [a, b] of spec.conflicts ?? []) {
    if (counts.has(a) && counts.has(b)) throw new UsageError(`--${a} and --${b} cannot be given together`);
  }

  const given = parsed.positionals;
  const positionals = spec.positionals ?? [];
  let i = 0;
  for (const p of positionals) {
    const required = p.required !== false;
    if (p.variadic) {
      const rest = given.slice(i);
      i = given.length;
      if (rest.length === 0 && required) throw new UsageError(`missing <${p.name}...>: expected at least one`);
      args[p.name] = rest.length > 0 ? rest : p.default !== undefined ? [...(p.default as readonly string[])] : [];
      continue;
    }
    const v = given[i];
    if (v === undefined) {
      if (required) throw new UsageError(`missing <${p.name}>`);
      if (p.default !== undefined) args[p.name] = p.default;
      continue;
    }
    if (v === '') throw new UsageError(`<${p.name}> must not be empty`);
    args[p.name] = v;
    i++;
  }
  if (i < given.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(given[i])}${positionals.length === 0 ? ': this command takes no positional arguments' : ''}`);
  }
  return args;
}

/** Convert and check one option value. */
function checkValue(name: string, o: OptionSpec, v: string | boolean): unknown {
  if (o.type === 'boolean') return v;
  const s = v as string;
  if (o.choices !== undefined && !o.choices.includes(s)) {
    throw new UsageError(`--${name} must be one of ${o.choices.join(', ')}, found ${JSON.stringify(s)}`);
  }
  if (o.type === 'number') {
    const n = /^-?\d+(?:\.\d+)?$/.test(s) ? Number(s) : NaN;
    if (!Number.isFinite(n)) throw new UsageError(`--${name} expects a number, found ${JSON.stringify(s)}`);
    return n;
  }
  return s;
}

/** One line for a `parseArgs` failure, with a suggestion for a misspelt option. */
function describeParseArgsError(e: unknown, argv: readonly string[], specs: Record<string, OptionSpec>): string {
  const code = (e as { code?: string }).code;
  const message = e instanceof Error ? e.message : String(e);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const m = /Unknown option '([^']+)'/.exec(message);
    const opt = m?.[1] ?? '?';
    const name = opt.replace(/^-+/, '');
    const suggestion = closest(name, Object.keys(specs).filter((k) => !specs[k]!.hidden));
    return `unknown option ${opt}${suggestion ? ` (did you mean --${suggestion}?)` : ''}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const m = /Option '(?:-\w, )?--([^ ']+)/.exec(message);
    const name = m?.[1];
    if (name !== undefined && specs[name]?.type === 'boolean') {
      const given = argv.find((a) => a.startsWith(`--${name}=`));
      return `--${name} is a switch and takes no value${given ? `, found ${JSON.stringify(given.slice(name.length + 3))}` : ''}`;
    }
    if (name !== undefined) {
      if (/ambiguous/.test(message)) return `--${name} expects a value, found the option-like ${JSON.stringify(argv[argv.indexOf(`--${name}`) + 1] ?? '')} (write --${name}=VALUE for a value that starts with -)`;
      return `--${name} expects a value, found none`;
    }
  }
  return message.split('\n')[0]!;
}

/** `--name VALUE` as help shows it. */
function optionUsage(name: string, o: OptionSpec): string {
  const flag = name === 'help' ? '-h, --help' : `--${name}`;
  if (o.type === 'boolean') return flag;
  const value = o.value ?? (o.type === 'number' ? 'N' : o.choices ? o.choices.join('|') : 'VALUE');
  return `${flag} ${value}`;
}

/** Wrap `text` to `width` columns, indenting continuation lines by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line !== '' && line.length + 1 + w.length > width - indent) {
      lines.push(line);
      line = w;
    } else {
      line = line === '' ? w : `${line} ${w}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.join('\n' + ' '.repeat(indent));
}

/** Two-column rows: `left` padded, `right` wrapped. */
function table(rows: readonly (readonly [string, string])[], width: number): string {
  const left = Math.min(34, Math.max(...rows.map(([l]) => l.length)) + 2);
  return rows
    .map(([l, r]) => {
      const pad = l.length + 2 > left ? `${l}\n${' '.repeat(left + 2)}` : `${l}${' '.repeat(left - l.length)}`;
      return `  ${pad}${wrap(r, width, left + 2)}`;
    })
    .join('\n');
}

/** The usage line of a command: words, positionals, required options. */
export function usageLine(spec: CommandSpec): string {
  const parts = ['lattice-index', spec.name];
  for (const p of spec.positionals ?? []) {
    const inner = p.variadic ? `${p.name}...` : p.name;
    parts.push(p.required === false ? `[${inner}]` : `<${inner}>`);
  }
  for (const [name, o] of Object.entries(spec.options ?? {})) {
    if (o.required && !o.hidden) parts.push(optionUsage(name, o));
  }
  parts.push('[options]');
  return parts.join(' ');
}

/**
 * `--help` of one command.
 *
 * @param spec - the command.
 * @param width - terminal width.
 */
export function renderHelp(spec: CommandSpec, width = 100): string {
  const out: string[] = [`Usage: ${usageLine(spec)}`, '', wrap(spec.describe ?? '', width, 0)];
  if (spec.positionals?.length) {
    out.push('', 'Arguments:');
    out.push(table(spec.positionals.map((p) => [p.variadic ? `${p.name}...` : p.name, p.describe + (p.default !== undefined ? ` (default: ${[p.default].flat().join(' ')})` : '')]), width));
  }
  const rows: [string, string][] = [];
  for (const [name, o] of Object.entries({ ...spec.options, ...GLOBAL_OPTIONS })) {
    if (o.hidden) continue;
    const notes = [o.required ? 'required' : '', o.multiple ? 'repeatable' : '', o.default !== undefined && o.type !== 'boolean' ? `default: ${o.default}` : ''].filter(Boolean);
    rows.push([optionUsage(name, o), o.describe + (notes.length ? ` (${notes.join('; ')})` : '')]);
  }
  out.push('', 'Options:', table(rows, width));
  if (spec.examples?.length) out.push('', 'Examples:', table(spec.examples, width));
  if (spec.epilog) out.push('', wrap(spec.epilog, width, 0));
  out.push('', 'Exit codes: 0 ok; 1 verification or validation failed; 2 usage error, unreadable input or unwritable output; 3 needs maintainer review (pr-check).');
  return out.join('\n') + '\n';
}

/**
 * `--help` of a group or of the whole CLI: its commands, one line each.
 *
 * @param title - the usage line.
 * @param entries - `[name, describe]` per command.
 * @param width - terminal width.
 */
export function renderCommandList(title: string, entries: readonly (readonly [string, string])[], width = 100): string {
  return [`Usage: ${title}`, '', 'Commands:', table(entries, width), '', 'Options:', table([['-h, --help', 'show help (also after a command)'], ['--version', 'print the version'], ['--debug', 'print the stack trace of an error']], width), '', 'Run `lattice-index <command> --help` for the options of a command.'].join('\n') + '\n';
}
