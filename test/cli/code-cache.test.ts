// The bin's V8 code cache (src/cli/code-cache.ts): used when valid, ignored
// and rewritten when corrupt, stale or from another bundle, never written
// where others could write, off on request; the built bin behaves the same
// with and without it.
import { chmodSync, existsSync, unlinkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheWord, checksum, codeCacheDir, CodeCacheSettingError } from '../../src/cli/code-cache.js';
import { CLI, ROOT, spawnCli, tempDir } from './helpers.js';

let box: { dir: string; cleanup: () => void };
beforeEach(() => {
  box = tempDir('lattice-code-cache-');
});
afterEach(() => box.cleanup());

/** A small CommonJS bundle whose exports tell that it ran. */
function bundle(body = 'exports.answer = 6 * 7; exports.dir = __dirname; exports.req = typeof require("node:path").join;'): string {
  const file = path.join(box.dir, 'b.cjs');
  writeFileSync(file, `'use strict';\n${body}\n`);
  return file;
}

const cacheFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.v8')) : []);

const LOADER = pathToFileURL(path.join(ROOT, 'dist/cli/code-cache.js')).href;

/**
 * Load `file` with the built loader in a fresh process (in this process V8's
 * own compilation cache would answer before the code cache is consulted) and
 * report its exports and what the cache did once the process exits.
 */
function load(file: string, argv: string[], env: NodeJS.ProcessEnv, id = 'test'): { exports: unknown; outcome: () => string } {
  const script = `import { loadCliBundle } from ${JSON.stringify(LOADER)};
const r = loadCliBundle(${JSON.stringify(file)}, ${JSON.stringify(argv)}, process.env, ${JSON.stringify(id)});
process.on('exit', () => process.stdout.write(JSON.stringify({ exports: r.exports, outcome: r.outcome() })));`;
  const c = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  if (c.status !== 0) throw new Error(`loader exited ${c.status}: ${c.stderr}`);
  const out = JSON.parse(c.stdout) as { exports: unknown; outcome: string };
  return { exports: out.exports, outcome: () => out.outcome };
}

describe('code cache: where, and whether', () => {
  it('lives under XDG_CACHE_HOME (absolute) or HOME/.cache; a relative XDG_CACHE_HOME is ignored', () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: '/c', HOME: '/h' })).toBe(path.join('/c', 'lattice-index', 'v8'));
    expect(codeCacheDir({ XDG_CACHE_HOME: 'rel', HOME: '/h' })).toBe(path.join('/h', '.cache', 'lattice-index', 'v8'));
    expect(codeCacheDir({})).toBeUndefined();
    expect(codeCacheDir({ HOME: '/h', LATTICE_CODE_CACHE: 'off' })).toBeUndefined();
  });

  it('an unknown LATTICE_CODE_CACHE value is refused, not guessed', () => {
    expect(() => codeCacheDir({ HOME: '/h', LATTICE_CODE_CACHE: 'yes' })).toThrow(CodeCacheSettingError);
    expect(() => codeCacheDir({ HOME: '/h', LATTICE_CODE_CACHE: 'yes' })).toThrow(/must be "off" or unset, got "yes"/);
  });

  it('one cache per command word; anything else shares one', () => {
    expect(cacheWord(['audit', '--json'])).toBe('audit');
    expect(cacheWord(['--debug', 'audit'])).toBe('audit');
    expect(cacheWord(['--version'])).toBe('_');
    expect(cacheWord([])).toBe('_');
    expect(cacheWord(['../x'])).toBe('_');
  });

  it('the checksum changes with any flipped bit and with the length', () => {
    const a = new Uint8Array(1000).fill(3);
    const b = a.slice();
    b[517] = b[517]! ^ 0x10;
    expect(checksum(a).equals(checksum(b))).toBe(false);
    expect(checksum(a).equals(checksum(a.subarray(0, 999)))).toBe(false);
    expect(checksum(a).equals(checksum(a.slice()))).toBe(true);
  });
});

describe('code cache: loading', () => {
  it('runs the bundle like require; the first run writes a 0600 cache in a 0700 dir, the second uses it unchanged', () => {
    const file = bundle();
    const env = { XDG_CACHE_HOME: path.join(box.dir, 'cache') };
    const dir = codeCacheDir(env)!;
    const first = load(file, ['audit'], env);
    expect(first.exports).toEqual({ answer: 42, dir: box.dir, req: 'function' });
    expect(first.outcome()).toBe('written');
    const [name] = cacheFiles(dir);
    expect(name).toMatch(/-audit\.v8$/);
    expect(statSync(path.join(dir, name!)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const bytes = readFileSync(path.join(dir, name!));
    const second = load(file, ['audit'], env);
    expect(second.exports).toEqual({ answer: 42, dir: box.dir, req: 'function' });
    expect(second.outcome()).toBe('used');
    expect(readFileSync(path.join(dir, name!)).equals(bytes)).toBe(true);
    // Another command word gets its own file.
    expect(load(file, ['installed'], env).outcome()).toBe('written');
    expect(cacheFiles(dir)).toHaveLength(2);
  });

  it('attack: a corrupt cache (one flipped payload byte, or truncated) is ignored and rewritten; the honest one is used', () => {
    const file = bundle();
    const env = { XDG_CACHE_HOME: path.join(box.dir, 'cache') };
    const dir = codeCacheDir(env)!;
    load(file, ['x'], env);
    const f = path.join(dir, cacheFiles(dir)[0]!);
    const honest = readFileSync(f);
    for (const damage of [(b: Buffer) => (b[b.length - 20] = b[b.length - 20]! ^ 1, b), (b: Buffer) => b.subarray(0, b.length - 100), (b: Buffer) => Buffer.from('garbage')]) {
      writeFileSync(f, damage(Buffer.from(honest)));
      const r = load(file, ['x'], env);
      expect(r.exports).toMatchObject({ answer: 42 });
      expect(r.outcome()).toBe('written');
      expect(load(file, ['x'], env).outcome()).toBe('used');
    }
  });

  it('attack: a cache V8 rejects (well-formed, checksummed, but compiled from another source) is ignored and rewritten', () => {
    const env = { XDG_CACHE_HOME: path.join(box.dir, 'cache') };
    const dir = codeCacheDir(env)!;
    const file = bundle('exports.answer = 1;');
    load(file, ['x'], env, 'same-id');
    const stale = readFileSync(path.join(dir, cacheFiles(dir)[0]!));
    const file2 = bundle('exports.answer = 2; exports.more = [1, 2, 3].map((x) => x * 2);');
    load(file2, ['x'], env, 'same-id'); // writes its own file, drops the old one
    const files = cacheFiles(dir);
    expect(files).toHaveLength(1);
    const target = path.join(dir, files[0]!);
    writeFileSync(target, stale); // the old data under the new name
    const r = load(file2, ['x'], env, 'same-id');
    expect(r.exports).toEqual({ answer: 2, more: [2, 4, 6] });
    expect(r.outcome()).toBe('written');
    expect(readFileSync(target).equals(stale)).toBe(false);
    expect(load(file2, ['x'], env, 'same-id').outcome()).toBe('used');
  });

  it('a changed bundle (another id, or the same id edited in place) never opens the old file, and drops it', () => {
    const env = { XDG_CACHE_HOME: path.join(box.dir, 'cache') };
    const dir = codeCacheDir(env)!;
    const file = bundle('exports.answer = 1;');
    load(file, ['x'], env, 'id-1');
    const [old] = cacheFiles(dir);
    expect(load(file, ['x'], env, 'id-2').outcome()).toBe('written');
    expect(cacheFiles(dir)).not.toContain(old);
    expect(cacheFiles(dir)).toHaveLength(1);
    // Same id, new bytes (an edit in place): another size and mtime, another file.
    writeFileSync(file, "'use strict';\nexports.answer = 99;\n");
    const r = load(file, ['x'], env, 'id-2');
    expect(r.exports).toEqual({ answer: 99 });
    expect(r.outcome()).toBe('written');
  });

  it('attack: a cache dir others can write, or a symlinked cache file, is not used; the bundle still runs', () => {
    const file = bundle();
    const env = { XDG_CACHE_HOME: path.join(box.dir, 'cache') };
    const dir = codeCacheDir(env)!;
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    const r = load(file, ['x'], env);
    expect(r.exports).toMatchObject({ answer: 42 });
    expect(r.outcome()).toBe('unavailable');
    expect(cacheFiles(dir)).toEqual([]);
    // Honest variant: the same dir made private again is used.
    chmodSync(dir, 0o700);
    expect(load(file, ['x'], env).outcome()).toBe('written');
    const name = cacheFiles(dir)[0]!;
    const real = path.join(box.dir, 'elsewhere.v8');
    writeFileSync(real, readFileSync(path.join(dir, name)));
    // Replace the file with a symlink to a valid cache elsewhere: not followed.
    unlinkSync(path.join(dir, name));
    symlinkSync(real, path.join(dir, name));
    expect(load(file, ['x'], env).outcome()).toBe('written');
  });

  it('a read-only cache dir: the bundle runs, nothing is written, no error', () => {
    const file = bundle();
    const env = { XDG_CACHE_HOME: path.join(box.dir, 'cache') };
    const dir = codeCacheDir(env)!;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o500);
    try {
      const r = load(file, ['x'], env);
      expect(r.exports).toMatchObject({ answer: 42 });
      if (process.getuid?.() !== 0) expect(cacheFiles(dir)).toEqual([]); // root writes anyway
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});

describe('code cache: the built bin', () => {
  it('gives the same output without a cache, writing it, and using it; LATTICE_CODE_CACHE=off writes nothing', () => {
    const cache = path.join(box.dir, 'xdg');
    const env = { XDG_CACHE_HOME: cache, LATTICE_CODE_CACHE: '' };
    const off = spawnCli(['validate', 'index/plugins.json'], { env: { ...env, LATTICE_CODE_CACHE: 'off' } });
    expect(off.status).toBe(0);
    expect(existsSync(cache)).toBe(false);
    const first = spawnCli(['validate', 'index/plugins.json'], { env });
    const second = spawnCli(['validate', 'index/plugins.json'], { env });
    expect([first.status, first.stdout, first.stderr]).toEqual([off.status, off.stdout, off.stderr]);
    expect([second.status, second.stdout, second.stderr]).toEqual([off.status, off.stdout, off.stderr]);
    expect(cacheFiles(path.join(cache, 'lattice-index', 'v8'))).toHaveLength(1);
    expect(CLI).toMatch(/main\.js$/);
  });

  it('--version and --help run from the start bundle (its own cache); a command word, even after --debug, from the full one; a usage error writes no cache', () => {
    const cache = path.join(box.dir, 'xdg');
    const dir = path.join(cache, 'lattice-index', 'v8');
    const env = { XDG_CACHE_HOME: cache, LATTICE_CODE_CACHE: '' };
    expect(spawnCli(['bogus'], { env }).status).toBe(2);
    expect(spawnCli(['validate', '--no-such-option'], { env }).status).toBe(2);
    expect(cacheFiles(dir)).toEqual([]);
    const v = spawnCli(['--version'], { env });
    expect([v.status, v.stdout]).toEqual([0, `${JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}\n`]);
    const h = spawnCli(['--help'], { env });
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('audit');
    expect(spawnCli(['--debug', 'validate', 'index/plugins.json'], { env }).status).toBe(0);
    const files = cacheFiles(dir);
    expect(files.filter((n) => n.endsWith('-_.v8'))).toHaveLength(1);
    expect(files.filter((n) => n.endsWith('-validate.v8'))).toHaveLength(1);
    expect(files).toHaveLength(2);
  });

  it('network, prompt and child-process built-ins load on first use: audit of a local index loads none; an install from a named host loads the resolver and gets its answer', async () => {
    const preload = path.join(box.dir, 'modules.cjs');
    writeFileSync(preload, "process.on('exit', () => require('node:fs').writeFileSync(process.env.LATTICE_TEST_MODULES, process.moduleLoadList.join('\\n')));");
    const loaded = (file: string) => new Set(readFileSync(file, 'utf8').split('\n'));
    const lazy = ['http', 'https', 'tls', 'dns', 'child_process', 'readline'].map((m) => `NativeModule ${m}`);
    const key = Buffer.alloc(32, 1).toString('base64');
    const policy = path.join(box.dir, 'policy.json');
    expect(spawnCli(['policy', 'init', '--out', policy, '--index-key', key, '--server-version', '0.2.2']).status).toBe(0);
    const plugins = path.join(box.dir, 'plugins');
    mkdirSync(plugins);
    // audit's modules import the fetcher (for --index URL); with a file, no network module loads.
    const a = path.join(box.dir, 'audit.txt');
    const r = spawnSync(process.execPath, ['-r', preload, CLI, 'audit', '--plugin-dir', plugins, '--index', 'index/plugins.json', '--policy', policy], {
      cwd: ROOT,
      env: { ...process.env, LATTICE_TEST_MODULES: a },
      encoding: 'utf8',
    });
    expect(r.stderr).toMatch(/INDEX_SIGNATURE_THRESHOLD/); // the index was read and judged (not signed by this policy's key)
    expect(lazy.filter((m) => loaded(a).has(m))).toEqual([]);
    // Honest variant: a command that resolves a name gets the real dns module through the getters
    // (HTTP itself is src/io/http1.ts on node:net; `localhost` goes through the fetcher's resolver).
    const server = createServer((_req, res) => res.writeHead(404).end('no index here'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const i = path.join(box.dir, 'install.txt');
      const child = spawn(process.execPath, ['-r', preload, CLI, 'install', 'a.b', '--index', `http://localhost:${port}/plugins.json`, '--policy', policy, '--plugin-dir', plugins, '--yes', '--test-loopback-http'], {
        cwd: ROOT,
        env: { ...process.env, LATTICE_TEST_MODULES: i },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(status).toBe(1);
      expect(stderr).toMatch(/404/);
      expect(loaded(i).has('NativeModule dns')).toBe(true);
    } finally {
      server.close();
    }
  });

  it('a bad LATTICE_CODE_CACHE: exit 2, one line, a JSON error with --json, nothing run', () => {
    const r = spawnCli(['validate', 'index/plugins.json', '--json'], { env: { LATTICE_CODE_CACHE: 'on' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('lattice-index: LATTICE_CODE_CACHE must be "off" or unset, got "on" [USAGE_ERROR]\n');
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, code: 'USAGE_ERROR', message: 'LATTICE_CODE_CACHE must be "off" or unset, got "on"', exit: 2 });
  });
});
