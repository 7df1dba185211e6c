/**
 * The CLI contract, for every leaf command (README "Exit codes and errors"):
 *
 * - an unknown option, and each option given twice, stop the command with
 *   exit 2 and `USAGE_ERROR` **before anything happens**: the working
 *   directory (entry files, keys, policy, state, audit log, plugin dir) stays
 *   byte-identical; with `--json` the error is one JSON object on stdout;
 * - the same bad input file gives the same exit code in every command that
 *   reads it (one exit-code table), one line on stderr, and a JSON error
 *   object with `--json`;
 * - FIFOs, directories and devices are refused at once; outputs that are
 *   symlinks are refused everywhere; missing parent folders are created.
 *
 * Every command is run in-process (test/cli/helpers.ts); the table of
 * command lines below must name every leaf command in src/cli/registry.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeBase64 } from '../../src/core/base64.js';
import { publicKeyFromSeed, sha256 } from '../../src/crypto/index.js';
import { starterInstallPolicy } from '../../src/domain/install/policy.js';
import { writeSeedFile } from '../../src/io/keys.js';
import { COMMANDS } from '../../src/cli/registry.js';
import { parseCommandLine, type CommandGroupSpec, type CommandSpec } from '../../src/cli/spec.js';
import { ROOT, runCli, tempDir } from './helpers.js';

const seed = (label: string) => sha256(new TextEncoder().encode(`contract test seed ${label}`));
const pub = (label: string) => encodeBase64(publicKeyFromSeed(seed(label)));
const DEMO_KEY = JSON.parse(readFileSync(path.join(ROOT, 'index/publishers/demo.json'), 'utf8')).public_key_ed25519 as string;
const DIST = path.join(ROOT, 'examples/demo-plugins/dist');

let box: { dir: string; cleanup: () => void };
const at = (...p: string[]) => path.join(box.dir, ...p);

/** Every leaf command with its spec. */
async function leafCommands(): Promise<CommandSpec[]> {
  const out: CommandSpec[] = [];
  for (const c of COMMANDS) {
    const loaded = await c.load();
    if ('subcommands' in loaded) out.push(...(loaded as CommandGroupSpec).subcommands);
    else out.push({ ...loaded, name: c.name });
  }
  return out;
}

/**
 * A command line for each leaf command that is valid — and that would act
 * (write, sign, install) were it run — so "nothing happened" means something.
 */
const VALID: Record<string, string[]> = {
  validate: ['validate', 'index/plugins.json'],
  build: ['build', '--index-dir', 'index', '--out', 'out/plugins.json', '--expires-in', '30'],
  keygen: ['keygen', '--out', 'keys/new.seed'],
  sign: ['sign', 'signed.json', '--key', 'index.seed', '--publisher', 'demo', '--official'],
  verify: ['verify', 'signed.json', '--key', pub('index'), '--state', 'verify-state.json'],
  revoke: ['revoke', '--release', 'demo.hello@1.0.0', '--reason', 'contract test', '--file', 'index/revocations.json'],
  'rotate-key': ['rotate-key', '--publisher-file', 'publisher.json', '--old-key', 'publisher.seed', '--new-public-key', pub('next')],
  add: ['add', '--manifest', 'counter.manifest.json', '--artifact', 'counter.tar.gz', '--manifest-url', 'https://example.org/m.json', '--artifact-url', 'https://example.org/a.tgz'],
  'pr-check': ['pr-check', '--base', 'main', '--head', 'HEAD', '--summary', 'summary.md'],
  codeowners: ['codeowners', '--index-dir', 'index', '--out', 'CODEOWNERS'],
  'manifest init': ['manifest', 'init', '--out', 'new.manifest.json', '--id', 'acme.tool', '--name', 'Tool'],
  'manifest payload': ['manifest', 'payload', 'counter.manifest.json'],
  'manifest verify': ['manifest', 'verify', 'counter.manifest.json', '--key', DEMO_KEY, '--artifact', 'counter.tar.gz'],
  'manifest sign': ['manifest', 'sign', 'resign.manifest.json', '--key', 'publisher.seed', '--artifact', 'counter.tar.gz', '--write'],
  'manifest check': ['manifest', 'check', 'counter.manifest.json'],
  'bundle inspect': ['bundle', 'inspect', 'counter.tar.gz'],
  'bundle pack': ['bundle', 'pack', 'bundle-src', '--out', 'packed.tar.gz'],
  'check-entry': ['check-entry', 'index/plugins/demo.hello.json', '--manifest', 'hello.manifest.json'],
  install: ['install', 'demo.hello@1.0.0', '--index', 'signed.json', '--policy', 'policy.json', '--plugin-dir', 'plugins', '--yes'],
  candidates: ['candidates', '--index', 'signed.json', '--policy', 'policy.json'],
  installed: ['installed', '--index', 'signed.json', '--policy', 'policy.json', '--plugin-dir', 'plugins'],
  audit: ['audit', '--index', 'signed.json', '--policy', 'policy.json', '--plugin-dir', 'plugins'],
  upgrade: ['upgrade', 'demo.hello', '--to', '1.0.0', '--index', 'signed.json', '--policy', 'policy.json', '--plugin-dir', 'plugins', '--yes'],
  rollback: ['rollback', 'demo.hello', '--policy', 'policy.json', '--plugin-dir', 'plugins'],
  remove: ['remove', 'demo.hello', '--policy', 'policy.json', '--plugin-dir', 'plugins'],
  'policy init': ['policy', 'init', '--out', 'new-policy.json', '--index-key', pub('index'), '--server-version', '0.2.2'],
  'policy check': ['policy', 'check', 'policy.json'],
  'policy export-server-trust': ['policy', 'export-server-trust', 'policy.json', '--out', 'trust.json'],
  'repo init': ['repo', 'init', '--repo', 'new-repo', '--root-key', 'index.seed', '--root-threshold', '1', '--online-key', 'publisher.seed'],
  'repo publish': ['repo', 'publish', '--repo', 'repository', '--index-dir', 'index', '--online-key', 'publisher.seed', '--cache', 'repo-cache.json'],
  'repo refresh': ['repo', 'refresh', '--repo', 'repository', '--online-key', 'publisher.seed', '--cache', 'repo-cache.json'],
  'repo rotate-root': ['repo', 'rotate-root', '--repo', 'repository', '--old-root-key', 'index.seed', '--new-root-key', 'publisher.seed', '--root-threshold', '1'],
  'repo verify': ['repo', 'verify', '--repo', 'repository', '--root', 'repository/metadata/1.root.json'],
  mirror: ['mirror', '--from', 'repository', '--to', 'mirror', '--root', 'repository/metadata/1.root.json'],
  export: ['export', 'demo.hello', '--repo', 'repository', '--root', 'repository/metadata/1.root.json', '--out', 'hello.bundle'],
};

/** A plausible value for an option (a repeated option is refused before its value matters). */
function sampleValue(name: string, spec: CommandSpec): string {
  const o = spec.options![name]!;
  if (o.choices) return o.choices[0]!;
  if (o.type === 'number') return '1';
  return `x-${name}`;
}

/** Every path of the sandbox (but .git) with its type, mode and content digest; special files are never opened. */
function snapshot(): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(box.dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (r === '.git') continue;
      const st = lstatSync(path.join(box.dir, r));
      if (st.isDirectory()) {
        out.push(`${r}/ ${(st.mode & 0o777).toString(8)}`);
        walk(r);
      } else if (st.isFile()) out.push(`${r} ${createHash('sha256').update(readFileSync(path.join(box.dir, r))).digest('hex')} ${(st.mode & 0o777).toString(8)}`);
      else out.push(`${r} special`);
    }
  };
  walk('');
  return out;
}

beforeAll(async () => {
  box = tempDir('lattice-contract-');
  cpSync(path.join(ROOT, 'index'), at('index'), { recursive: true });
  // `add` re-adds demo.counter 0.3.0 from its signed manifest: remove it (entry and stored manifest) first.
  rmSync(at('index/plugins/demo.counter.json'));
  rmSync(at('index/manifests/demo.counter'), { recursive: true });
  await writeSeedFile(at('index.seed'), seed('index'));
  await writeSeedFile(at('publisher.seed'), seed('publisher'));
  writeFileSync(at('publisher.json'), JSON.stringify({ id: 'acme', name: 'Acme', public_key_ed25519: pub('publisher') }, null, 2) + '\n');
  cpSync(path.join(DIST, 'demo.counter-0.3.0.manifest.json'), at('counter.manifest.json'));
  cpSync(path.join(DIST, 'demo.counter-0.3.0.manifest.json'), at('resign.manifest.json'));
  cpSync(path.join(DIST, 'demo.counter-0.3.0.tar.gz'), at('counter.tar.gz'));
  cpSync(path.join(DIST, 'demo.hello-1.0.0.manifest.json'), at('hello.manifest.json'));
  mkdirSync(at('bundle-src/bin/linux-amd64'), { recursive: true });
  writeFileSync(at('bundle-src/bin/linux-amd64/plugin'), '#!/bin/sh\n');
  mkdirSync(at('plugins'));
  writeFileSync(at('policy.json'), JSON.stringify(starterInstallPolicy({ indexKeys: [pub('index')], serverVersion: '0.2.2', platform: 'linux/amd64' }), null, 2));
  // A signed official index (generation 1, 30 days) to verify, sign and install from.
  const b = await runCli(['build', '--index-dir', 'index', '--out', 'signed.json', '--expires-in', '30'], { cwd: box.dir });
  expect(b.status, b.stderr).toBe(0);
  const s = await runCli(['sign', 'signed.json', '--key', 'index.seed', '--publisher', 'demo', '--official'], { cwd: box.dir });
  expect(s.status, s.stderr).toBe(0);
  // A repository v2 to publish, refresh, rotate, verify, mirror and export from.
  const init = await runCli(['repo', 'init', '--repo', 'repository', '--root-key', 'index.seed', '--root-threshold', '1', '--online-key', 'publisher.seed'], { cwd: box.dir });
  expect(init.status, init.stderr).toBe(0);
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.org', '-c', 'init.defaultBranch=main', ...a], { cwd: box.dir, stdio: 'pipe' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
});
afterAll(() => box?.cleanup());

describe('every leaf command checks its arguments before anything happens', () => {
  it('the table of command lines names every leaf command, and each line is valid', async () => {
    const leaves = await leafCommands();
    expect(leaves.map((l) => l.name).sort()).toEqual(Object.keys(VALID).sort());
    for (const l of leaves) {
      const words = l.name.split(' ').length;
      expect(() => parseCommandLine(l, VALID[l.name]!.slice(words)), l.name).not.toThrow();
    }
  });

  it('an unknown option: exit 2, USAGE_ERROR, one line on stderr, nothing changed', async () => {
    for (const l of await leafCommands()) {
      const before = snapshot();
      for (const bogus of ['--bogus', '--dry-runn', '--Out=x']) {
        const r = await runCli([...VALID[l.name]!, bogus], { cwd: box.dir });
        expect(r.status, `${l.name} ${bogus}: ${r.stderr}`).toBe(2);
        expect(r.stderr, l.name).toMatch(/^lattice-index: unknown option .*\[USAGE_ERROR\]\n$/);
      }
      expect(snapshot(), l.name).toEqual(before);
    }
  });

  it('each option given twice (switches too): exit 2 before anything happens', async () => {
    for (const l of await leafCommands()) {
      const before = snapshot();
      const base = VALID[l.name]!;
      for (const [name, o] of Object.entries(l.options ?? {})) {
        if (o.multiple) continue;
        const present = base.includes(`--${name}`);
        const value = o.type === 'boolean' ? [] : [present ? base[base.indexOf(`--${name}`) + 1]! : sampleValue(name, l)];
        const extra = present ? [`--${name}`, ...value] : [`--${name}`, ...value, `--${name}`, ...value];
        const r = await runCli([...base, ...extra], { cwd: box.dir });
        expect(r.status, `${l.name} --${name} twice: ${r.stderr}`).toBe(2);
        expect(r.stderr, `${l.name} --${name}`).toContain(`--${name} was given 2 times`);
      }
      expect(snapshot(), l.name).toEqual(before);
    }
  });

  it('an option without its value, and an empty value: exit 2, nothing changed', async () => {
    for (const l of await leafCommands()) {
      const before = snapshot();
      for (const [name, o] of Object.entries(l.options ?? {})) {
        if (o.type === 'boolean') continue;
        const last = await runCli([...VALID[l.name]!, `--${name}`], { cwd: box.dir });
        expect(last.status, `${l.name} --${name} (no value)`).toBe(2);
        expect(last.stderr).toMatch(/expects a value|was given 2 times/);
        const empty = await runCli([...VALID[l.name]!.filter((a, i, all) => a !== `--${name}` && all[i - 1] !== `--${name}`), `--${name}=`], { cwd: box.dir });
        expect(empty.status, `${l.name} --${name}=`).toBe(2);
      }
      expect(snapshot(), l.name).toEqual(before);
    }
  });

  it('with --json a usage error is one JSON object on stdout', async () => {
    for (const l of await leafCommands()) {
      if (!l.options?.json) continue;
      const r = await runCli([...VALID[l.name]!, '--json', '--bogus'], { cwd: box.dir });
      expect(r.status, l.name).toBe(2);
      expect(JSON.parse(r.stdout), l.name).toMatchObject({ ok: false, code: 'USAGE_ERROR', exit: 2 });
      expect(r.stderr.split('\n').filter(Boolean), l.name).toHaveLength(1);
    }
  });

  it('a switch with a value, a number that is not one, and a value outside its choices: exit 2', async () => {
    const yes = await runCli([...VALID.install!, '--dry-run=maybe'], { cwd: box.dir });
    expect(yes.status).toBe(2);
    expect(yes.stderr).toContain('--dry-run is a switch');
    const n = await runCli(['build', '--index-dir', 'index', '--out', 'out/x.json', '--expires-in', 'soon'], { cwd: box.dir });
    expect(n.status).toBe(2);
    expect(n.stderr).toContain('--expires-in expects a number, found "soon"');
    const c = await runCli([...VALID.install!, '--channel', 'beta'], { cwd: box.dir });
    expect(c.status).toBe(2);
    expect(c.stderr).toContain('--channel must be one of stable, alpha');
    expect(existsSync(at('out/x.json'))).toBe(false);
  });

  it('unknown commands and subcommands are usage errors with a suggestion', async () => {
    const r = await runCli(['valdiate'], { cwd: box.dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command "valdiate" (did you mean validate?)');
    const s = await runCli(['manifest', 'sing', 'x'], { cwd: box.dir });
    expect(s.status).toBe(2);
    expect(s.stderr).toContain('(did you mean sign?)');
  });

  it('--help works for every command and the whole CLI, exit 0, listing every option', async () => {
    const top = await runCli(['--help']);
    expect(top.status).toBe(0);
    for (const c of COMMANDS) expect(top.stdout).toContain(`  ${c.name} `);
    for (const l of await leafCommands()) {
      const r = await runCli([...l.name.split(' '), '--help']);
      expect(r.status, l.name).toBe(0);
      for (const [name, o] of Object.entries(l.options ?? {})) if (!o.hidden) expect(r.stdout, `${l.name} --${name}`).toContain(`--${name}`);
    }
  });
});

/**
 * Bad input kinds and the exit code each must give, in every command that
 * reads a file: "unreadable" (2) — missing, a directory, a FIFO, a device,
 * not strict JSON; "judged" (1) — JSON of the wrong shape (`null`).
 */
describe('one exit-code table: the same bad input gives the same exit code everywhere', () => {
  const KINDS: { kind: string; make: (file: string) => void; exit: number; code: RegExp; json?: boolean }[] = [
    { kind: 'missing', make: () => {}, exit: 2, code: /INPUT_NOT_FOUND/ },
    // (verify --state is also an output: OUTPUT_UNWRITABLE there, exit 2 all the same)
    { kind: 'a directory', make: (f) => mkdirSync(f), exit: 2, code: /INPUT_UNREADABLE|OUTPUT_UNWRITABLE/ },
    { kind: 'a FIFO', make: (f) => execFileSync('mkfifo', [f]), exit: 2, code: /INPUT_UNREADABLE|OUTPUT_UNWRITABLE/ },
    { kind: 'a device', make: (f) => symlinkSync('/dev/zero', f), exit: 2, code: /INPUT_UNREADABLE|OUTPUT_UNWRITABLE/ },
    { kind: 'not JSON', make: (f) => writeFileSync(f, '{"a":'), exit: 2, code: /JSON_SYNTAX/, json: true },
    { kind: 'duplicate keys', make: (f) => writeFileSync(f, '{"a":1,"a":2}'), exit: 2, code: /JSON_DUPLICATE_KEY/, json: true },
    { kind: 'a byte order mark', make: (f) => writeFileSync(f, '\ufeff{}'), exit: 2, code: /JSON_BOM/, json: true },
    { kind: 'invalid UTF-8', make: (f) => writeFileSync(f, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), exit: 2, code: /JSON_INVALID_UTF8/, json: true },
    { kind: 'JSON null', make: (f) => writeFileSync(f, 'null'), exit: 1, code: /\[[A-Z_]+\]/, json: true },
  ];
  /** Each command line with the input under test as BAD. */
  /** `missingOk`: a missing file is a legitimate first use there (an empty state or revocation list). */
  const READERS: { name: string; args: string[]; json?: boolean; jsonInput?: boolean; missingOk?: boolean }[] = [
    { name: 'validate FILE', args: ['validate', 'BAD'], json: true, jsonInput: true },
    { name: 'verify INDEX', args: ['verify', 'BAD', '--key', pub('index')], json: true, jsonInput: true },
    { name: 'verify --policy', args: ['verify', 'signed.json', '--policy', 'BAD'], json: true, jsonInput: true },
    { name: 'verify --state', args: ['verify', 'signed.json', '--key', pub('index'), '--state', 'BAD'], json: true, jsonInput: true, missingOk: true },
    { name: 'sign INDEX', args: ['sign', 'BAD', '--key', 'index.seed', '--publisher', 'demo'], json: true, jsonInput: true },
    { name: 'sign --key', args: ['sign', 'signed.json', '--key', 'BAD', '--publisher', 'demo'], json: true },
    { name: 'rotate-key --publisher-file', args: ['rotate-key', '--publisher-file', 'BAD', '--old-key', 'publisher.seed', '--new-public-key', pub('next')], json: true, jsonInput: true },
    { name: 'revoke --file', args: ['revoke', '--release', 'demo.hello@1.0.0', '--reason', 'r', '--file', 'BAD'], json: true, jsonInput: true, missingOk: true },
    { name: 'install --index', args: ['install', 'demo.hello', '--index', 'BAD', '--policy', 'policy.json', '--plugin-dir', 'plugins', '--yes'], json: true, jsonInput: true },
    { name: 'install --policy', args: ['install', 'demo.hello', '--index', 'signed.json', '--policy', 'BAD', '--plugin-dir', 'plugins', '--yes'], json: true, jsonInput: true },
    { name: 'candidates --index', args: ['candidates', '--index', 'BAD', '--policy', 'policy.json'], json: true, jsonInput: true },
    { name: 'policy check', args: ['policy', 'check', 'BAD'], json: true, jsonInput: true },
    { name: 'policy export-server-trust', args: ['policy', 'export-server-trust', 'BAD'], jsonInput: true },
    { name: 'manifest payload', args: ['manifest', 'payload', 'BAD'], jsonInput: true },
    { name: 'manifest verify', args: ['manifest', 'verify', 'BAD', '--key', DEMO_KEY], json: true, jsonInput: true },
    { name: 'manifest verify --trust-policy', args: ['manifest', 'verify', 'counter.manifest.json', '--trust-policy', 'BAD'], json: true, jsonInput: true },
    { name: 'manifest sign', args: ['manifest', 'sign', 'BAD', '--key', 'publisher.seed'], jsonInput: true },
    { name: 'manifest check', args: ['manifest', 'check', 'BAD'], jsonInput: true },
    { name: 'check-entry PLUGIN', args: ['check-entry', 'BAD', '--manifest', 'hello.manifest.json'], json: true, jsonInput: true },
    { name: 'check-entry --manifest', args: ['check-entry', 'index/plugins/demo.hello.json', '--manifest', 'BAD'], json: true, jsonInput: true },
    { name: 'add --manifest', args: ['add', '--manifest', 'BAD', '--artifact', 'counter.tar.gz', '--manifest-url', 'https://e.org/m', '--artifact-url', 'https://e.org/a'], json: true, jsonInput: true },
    { name: 'add --artifact', args: ['add', '--manifest', 'counter.manifest.json', '--artifact', 'BAD', '--manifest-url', 'https://e.org/m', '--artifact-url', 'https://e.org/a'], json: true },
    { name: 'bundle inspect', args: ['bundle', 'inspect', 'BAD'], json: true },
    { name: 'repo verify --root', args: ['repo', 'verify', '--repo', 'repository', '--root', 'BAD'], json: true, jsonInput: true },
    { name: 'mirror --root', args: ['mirror', '--from', 'repository', '--to', 'mirror', '--root', 'BAD'], json: true, jsonInput: true },
    { name: 'export --root', args: ['export', 'demo.hello', '--repo', 'repository', '--root', 'BAD', '--out', 'hello.bundle'], json: true, jsonInput: true },
    { name: 'install --from', args: ['install', 'demo.hello', '--from', 'BAD', '--policy', 'policy.json', '--plugin-dir', 'plugins', '--yes'], json: true },
  ];

  for (const k of KINDS) {
    it(`${k.kind}: exit ${k.exit} in every command that reads it, one line on stderr, JSON with --json, within a second`, async () => {
      for (const reader of READERS) {
        if (k.json && !reader.jsonInput) continue;
        if (k.kind === 'missing' && reader.missingOk) continue;
        const bad = at(`bad-${k.kind.replace(/\W+/g, '-')}`);
        rmSync(bad, { recursive: true, force: true });
        k.make(bad);
        const before = snapshot();
        const args = reader.args.map((a) => (a === 'BAD' ? bad : a));
        const started = Date.now();
        const r = await runCli(args, { cwd: box.dir });
        expect(Date.now() - started, `${reader.name}: ${k.kind} took too long`).toBeLessThan(1000);
        expect(r.status, `${reader.name} with ${k.kind}: ${r.stderr}`).toBe(k.exit);
        const lines = r.stderr.split('\n').filter(Boolean);
        if (k.exit === 2) expect(lines, `${reader.name} with ${k.kind}: ${r.stderr}`).toHaveLength(1);
        // `manifest check` prints the server tool's own lines for manifests it judged (Go's text, no code).
        if (!(reader.name === 'manifest check' && k.exit === 1)) expect(r.stderr, `${reader.name} with ${k.kind}`).toMatch(k.code);
        expect(r.stderr, reader.name).not.toContain('internal error');
        if (reader.json) {
          const j = await runCli([...args, '--json'], { cwd: box.dir });
          expect(j.status, `${reader.name} --json with ${k.kind}`).toBe(k.exit);
          const doc = JSON.parse(j.stdout);
          expect(doc, `${reader.name} --json with ${k.kind}`).toMatchObject({ ok: false, exit: k.exit });
          expect(typeof doc.code).toBe('string');
          expect(typeof doc.message).toBe('string');
        }
        // Unreadable input changes nothing; a judged install refusal only adds its audit record.
        const keep = (l: string) => k.exit === 2 || !l.startsWith('install-audit.log ');
        expect(snapshot().filter(keep), `${reader.name} with ${k.kind}`).toEqual(before.filter(keep));
        rmSync(bad, { recursive: true, force: true });
      }
    });
  }
});

describe('outputs', () => {
  it('a symlinked output is refused everywhere (OUTPUT_UNWRITABLE); link and target stay as they were', async () => {
    const target = at('link-target.txt');
    writeFileSync(target, 'keep');
    const cases: [string, (link: string) => string[]][] = [
      ['keygen --out', (l) => ['keygen', '--out', l]],
      ['build --out', (l) => ['build', '--index-dir', 'index', '--out', l]],
      ['verify --state', (l) => ['verify', 'signed.json', '--key', pub('index'), '--state', l]],
      ['codeowners --out', (l) => ['codeowners', '--index-dir', 'index', '--out', l]],
      ['bundle pack --out', (l) => ['bundle', 'pack', 'bundle-src', '--out', l, '--force']],
      ['policy init --out', (l) => ['policy', 'init', '--out', l, '--index-key', pub('index'), '--server-version', '0.2.2']],
      ['policy export-server-trust --out', (l) => ['policy', 'export-server-trust', 'policy.json', '--out', l]],
      ['manifest init --out', (l) => ['manifest', 'init', '--out', l, '--id', 'acme.tool', '--name', 'Tool']],
      ['pr-check --summary', (l) => ['pr-check', '--base', 'main', '--head', 'HEAD', '--summary', l]],
    ];
    for (const [name, argv] of cases) {
      const link = at(`link-${name.replace(/\W+/g, '-')}`);
      symlinkSync(target, link);
      const r = await runCli(argv(link), { cwd: box.dir });
      expect(r.status, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr, name).toContain('[OUTPUT_UNWRITABLE]');
      expect(lstatSync(link).isSymbolicLink(), name).toBe(true);
      expect(readlinkSync(link)).toBe(target);
      expect(readFileSync(target, 'utf8'), name).toBe('keep');
      rmSync(link);
    }
  });

  it('missing parent folders are created (0700 for key files)', async () => {
    const r = await runCli(['keygen', '--out', 'deep/er/key.seed'], { cwd: box.dir });
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(at('deep/er/key.seed')).mode & 0o777).toBe(0o600);
    expect(statSync(at('deep/er')).mode & 0o777).toBe(0o700);
    const b = await runCli(['build', '--index-dir', 'index', '--out', 'new/folder/plugins.json'], { cwd: box.dir });
    expect(b.status, b.stderr).toBe(0);
    expect(existsSync(at('new/folder/plugins.json'))).toBe(true);
  });

  it('an output inside a path that is not a folder is OUTPUT_UNWRITABLE, never an input error', async () => {
    const r = await runCli(['keygen', '--out', 'policy.json/key.seed'], { cwd: box.dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('[OUTPUT_UNWRITABLE]');
  });
});

describe('README', () => {
  it('has a synopsis for every leaf command that lists every option it has', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const l of await leafCommands()) {
      const heading = readme.split('\n').find((line) => line.startsWith(`### \`lattice-index ${l.name} `) || line === `### \`lattice-index ${l.name}\``);
      expect(heading, `README has no synopsis for ${l.name}`).toBeDefined();
      for (const [name, o] of Object.entries(l.options ?? {})) {
        if (o.hidden) continue;
        expect(heading, `README synopsis of ${l.name} lacks --${name}`).toMatch(new RegExp(`--${name}\\b`));
      }
      for (const p of l.positionals ?? []) expect(heading, `README synopsis of ${l.name} lacks ${p.name.toUpperCase()}`).toContain(p.name.toUpperCase());
    }
  });
  it('never tells anyone to run the CLI through npx', () => {
    for (const f of ['README.md', 'CONTRIBUTING.md', 'docs/INSTALL-POLICY.md', 'docs/FORMAT.md']) {
      const text = readFileSync(path.join(ROOT, f), 'utf8');
      expect(text.split('\n').filter((l) => /npx lattice-index/.test(l) && !/Never run it as/.test(l)), f).toEqual([]);
    }
  });
});
