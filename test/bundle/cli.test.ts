/**
 * `lattice-index bundle pack|inspect` through the BUILT CLI (`npm test`
 * builds first; or `npx tsc -p tsconfig.build.json`). Rules: interop §D.6.
 * Hostile archives are built with the independent test tar writer (raw-tar.ts).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/index.js';
import { runCli, tempDir } from '../cli/helpers.js';
import { dir as tarDir, entry, file as tarFile, tgz } from './raw-tar.js';

const enc = new TextEncoder();

describe('bundle pack', () => {
  let root: string;
  let cleanup: () => void;
  let src: string;
  const files: Record<string, string> = {
    'bin/linux-amd64/plugin': '#!/bin/sh\necho amd64\n',
    'bin/linux-arm64/plugin': '#!/bin/sh\necho arm64\n',
    'ui/index.html': '<!doctype html><title>x</title>\n',
    'ui/assets/app.js': 'console.log(1)\n',
    'README.md': '# demo\n',
  };

  beforeAll(() => {
    ({ dir: root, cleanup } = tempDir('lattice-bundle-cli-'));
    src = path.join(root, 'src');
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(src, p)), { recursive: true });
      writeFileSync(path.join(src, p), text);
    }
    // Modes on disk must not matter (the packer writes the server's modes).
    chmodSync(path.join(src, 'README.md'), 0o755);
  });
  afterAll(() => cleanup());

  it('is deterministic: packing twice gives identical bytes, and prints their sha256', async () => {
    const a = path.join(root, 'a.tar.gz');
    const b = path.join(root, 'b.tar.gz');
    const r1 = await runCli(['bundle', 'pack', src, '--out', a]);
    expect(r1.status, r1.stderr).toBe(0);
    const r2 = await runCli(['bundle', 'pack', src, '--out', b]);
    expect(r2.status, r2.stderr).toBe(0);
    const bytesA = readFileSync(a);
    expect(Buffer.compare(bytesA, readFileSync(b))).toBe(0);
    expect(r1.stdout).toContain(`sha256: ${sha256Hex(bytesA)}`);
    expect(r1.stdout).toBe(r2.stdout.replace(b, a));
  });

  it('writes sorted entries, uid/gid 0, mtime 0 and the server\'s modes (§D.6)', async () => {
    const out = path.join(root, 'layout.tar.gz');
    expect((await runCli(['bundle', 'pack', src, '--out', out])).status).toBe(0);
    const gz = readFileSync(out);
    expect(gz.readUInt32LE(4)).toBe(0); // gzip header mtime
    const tar = gunzipSync(gz);
    const headers: { name: string; mode: number; uid: number; gid: number; mtime: number; type: string }[] = [];
    const octal = (off: number, len: number): number => parseInt(tar.subarray(off, off + len).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    for (let off = 0; off + 512 <= tar.length; ) {
      const name = tar.subarray(off, off + 100).toString('utf8').replace(/\0.*$/s, '');
      if (name === '') break;
      const size = octal(off + 124, 12);
      headers.push({ name, mode: octal(off + 100, 8), uid: octal(off + 108, 8), gid: octal(off + 116, 8), mtime: octal(off + 136, 12), type: String.fromCharCode(tar[off + 156]!) });
      off += 512 + Math.ceil(size / 512) * 512;
    }
    expect(headers.map((h) => h.name)).toEqual([
      'README.md', 'bin/', 'bin/linux-amd64/', 'bin/linux-amd64/plugin', 'bin/linux-arm64/', 'bin/linux-arm64/plugin',
      'ui/', 'ui/assets/', 'ui/assets/app.js', 'ui/index.html',
    ]);
    for (const h of headers) {
      expect([h.uid, h.gid, h.mtime], h.name).toEqual([0, 0, 0]);
      const exec = h.name.endsWith('/') || /^bin\/.*\/plugin$/.test(h.name);
      expect(h.mode, h.name).toBe(exec ? 0o700 : 0o600);
      expect(h.type, h.name).toBe(h.name.endsWith('/') ? '5' : '0');
    }
  });

  it('refuses to overwrite without --force, replaces with it', async () => {
    const out = path.join(root, 'existing.tar.gz');
    writeFileSync(out, 'keep me');
    const r = await runCli(['bundle', 'pack', src, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/refusing to overwrite .*--force.*\[OUTPUT_EXISTS\]/);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    const f = await runCli(['bundle', 'pack', src, '--out', out, '--force']);
    expect(f.status, f.stderr).toBe(0);
    expect(readFileSync(out).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });

  it('refuses a symlink in DIR and writes nothing', async () => {
    const withLink = path.join(root, 'with-link');
    mkdirSync(path.join(withLink, 'ui'), { recursive: true });
    writeFileSync(path.join(withLink, 'ui/index.html'), 'x');
    symlinkSync('index.html', path.join(withLink, 'ui/alias.html'));
    const out = path.join(root, 'link.tar.gz');
    const r = await runCli(['bundle', 'pack', withLink, '--out', out]);
    expect(r.status).toBe(1); // the source was read and judged (exit-code table)
    expect(r.stderr).toBe('lattice-index: bundle source "ui/alias.html" is a symlink; only regular files and directories are allowed [BUNDLE_INVALID]\n');
    expect(existsSync(out)).toBe(false);
  });

  it('a missing DIR is unreadable (exit 2), not an internal error', async () => {
    const r = await runCli(['bundle', 'pack', path.join(root, 'nope'), '--out', path.join(root, 'nope.tar.gz')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('[INPUT_UNREADABLE]');
  });
});

describe('bundle inspect', () => {
  let root: string;
  let cleanup: () => void;
  let bundle: string;
  const plugin = '#!/bin/sh\necho hi\n';
  const html = '<!doctype html>\n';

  beforeAll(async () => {
    ({ dir: root, cleanup } = tempDir('lattice-bundle-inspect-'));
    const src = path.join(root, 'src');
    mkdirSync(path.join(src, 'bin/linux-amd64'), { recursive: true });
    mkdirSync(path.join(src, 'ui'), { recursive: true });
    writeFileSync(path.join(src, 'bin/linux-amd64/plugin'), plugin);
    writeFileSync(path.join(src, 'ui/index.html'), html);
    bundle = path.join(root, 'b.tar.gz');
    expect((await runCli(['bundle', 'pack', src, '--out', bundle])).status).toBe(0);
  });
  afterAll(() => cleanup());

  it('lists every entry with its sha256 (text and --json)', async () => {
    const r = await runCli(['bundle', 'inspect', bundle, '--platform', 'linux/amd64']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`digest_sha256: ${sha256Hex(readFileSync(bundle))}`);
    expect(r.stdout).toMatch(new RegExp(`file +${plugin.length} ${sha256Hex(enc.encode(plugin))} bin/linux-amd64/plugin\\n`));
    expect(r.stdout).toMatch(new RegExp(`file +${html.length} ${sha256Hex(enc.encode(html))} ui/index.html\\n`));
    const j = await runCli(['bundle', 'inspect', bundle, '--json']);
    expect(j.status).toBe(0);
    const v = JSON.parse(j.stdout) as { ok: boolean; files: number; digest_sha256: string; entries: { path: string; type: string; size: number; sha256: string | null }[]; stricter_than_server: unknown };
    expect(v.ok).toBe(true);
    expect(v.files).toBe(2);
    expect(v.digest_sha256).toBe(sha256Hex(readFileSync(bundle)));
    expect(v.entries).toContainEqual({ path: 'ui/index.html', type: 'file', size: html.length, mode: '0600', sha256: sha256Hex(enc.encode(html)) });
    expect(v.stricter_than_server).toEqual({ setid_entries: [], case_collisions: [], trailing_bytes: expect.any(Number), trailing_non_zero_bytes: 0, install_refuses: false });
    expect(v.entries).toContainEqual({ path: 'bin', type: 'dir', size: 0, mode: '0700', sha256: null });
  });

  it('exits 1 with the server\'s message when the platform entrypoint is missing', async () => {
    const r = await runCli(['bundle', 'inspect', bundle, '--platform', 'linux/arm64']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('lattice-index: declared runtime entrypoint "bin/linux-arm64/plugin" is missing from bundle [BUNDLE_INVALID]\n');
    const j = await runCli(['bundle', 'inspect', bundle, '--platform', 'linux/arm64', '--json']);
    expect(j.status).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, code: 'BUNDLE_INVALID', exit: 1, message: 'declared runtime entrypoint "bin/linux-arm64/plugin" is missing from bundle' });
  });

  it('exits 1 with the server\'s messages for a symlink entry, a path escape and a file parent (§D.6 step 4)', async () => {
    const cases: [string, Uint8Array, string][] = [
      ['symlink', tgz([tarFile('ui/index.html', 'x'), entry({ name: 'ui/link', type: '2', linkname: 'index.html' })]), 'bundle entry type 50 is not allowed for "ui/link"'],
      ['escape', tgz([tarFile('../evil', 'x')]), 'bundle invalid path "../evil"'],
      ['file parent', tgz([tarFile('bin', 'x'), tarFile('bin/plugin', 'y')]), 'bundle path "bin/plugin" has file parent "bin"'],
      ['duplicate', tgz([tarDir('ui/'), tarFile('ui/a', 'x'), tarFile('ui/a', 'y')]), 'bundle contains duplicate path "ui/a"'],
    ];
    for (const [name, bytes, message] of cases) {
      const f = path.join(root, `${name.replace(' ', '-')}.tar.gz`);
      writeFileSync(f, bytes);
      const r = await runCli(['bundle', 'inspect', f]);
      expect(r.status, name).toBe(1);
      expect(r.stderr, name).toBe(`lattice-index: ${message} [BUNDLE_INVALID]\n`);
    }
  });

  it('with --manifest: takes the entrypoints from it and compares the digest first', async () => {
    const manifest = {
      schema: 'lattice.plugin.manifest.v2',
      id: 'acme.tool',
      name: 'Tool',
      type: 'system',
      capabilities: ['kv:read'],
      version: '1.0.0',
      publisher: 'acme',
      bundle: { format: 'tar+gzip', digest_sha256: sha256Hex(readFileSync(bundle)) },
      runtime: { protocol: 'stdio-json-v1', entrypoints: { 'linux/amd64': 'bin/linux-amd64/plugin', 'linux/arm64': 'bin/linux-arm64/plugin' } },
      ui_runtime: { mode: 'sandbox', entrypoint: 'ui/index.html', bridge_version: '1' },
      compatibility: { server: '>=0.2.1', dashboard_host: '>=1', runtime_protocol: '>=1' },
    };
    const mf = path.join(root, 'manifest.json');
    writeFileSync(mf, JSON.stringify(manifest));
    const ok = await runCli(['bundle', 'inspect', bundle, '--manifest', mf]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('runtime entrypoint: bin/linux-amd64/plugin (present)');
    expect(ok.stdout).toContain('ui entrypoint: ui/index.html (present)');
    const arm = await runCli(['bundle', 'inspect', bundle, '--manifest', mf, '--platform', 'linux/arm64']);
    expect(arm.status).toBe(1);
    expect(arm.stderr).toContain('declared runtime entrypoint "bin/linux-arm64/plugin" is missing from bundle');
    const none = await runCli(['bundle', 'inspect', bundle, '--manifest', mf, '--platform', 'darwin/arm64']);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('manifest has no runtime entrypoint for platform "darwin/arm64"');
    writeFileSync(mf, JSON.stringify({ ...manifest, bundle: { format: 'tar+gzip', digest_sha256: '0'.repeat(64) } }));
    const bad = await runCli(['bundle', 'inspect', bundle, '--manifest', mf]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(`lattice-index: digest mismatch: got ${sha256Hex(readFileSync(bundle))} [MANIFEST_DIGEST_MISMATCH]\n`);
  });

  it('usage errors and unreadable input exit 2', async () => {
    expect((await runCli(['bundle', 'inspect', bundle, '--platform', 'linux'])).status).toBe(2);
    expect((await runCli(['bundle', 'inspect', path.join(root, 'missing.tar.gz')])).status).toBe(2);
    expect((await runCli(['bundle', 'inspect', root])).status).toBe(2);
    expect((await runCli(['bundle'])).status).toBe(2);
  });
});

describe('bundle inspect: stricter than the server', () => {
  it('accepts (exit 0, server parity) but notes what install refuses: setuid, case collisions, trailing data', async () => {
    const { tgz, file, tar, gz } = await import('./raw-tar.js');
    const t = tempDir('lattice-bundle-strict-');
    try {
      const withTail = (() => {
        const body = tar([file('bin/linux-amd64/plugin', '#!/bin/sh\n')]);
        const out = new Uint8Array(body.length + 512);
        out.set(body);
        out.set(enc.encode('hidden'), body.length);
        return gz(out);
      })();
      const cases: [string, Uint8Array, string][] = [
        ['setid.tgz', tgz([file('bin/linux-amd64/plugin', '#!/bin/sh\n', { mode: 0o4755 })]), 'BUNDLE_SETID_MODE'],
        ['case.tgz', tgz([file('bin/linux-amd64/plugin', '#!/bin/sh\n'), file('ui/A.html', 'a'), file('ui/a.html', 'b')]), 'BUNDLE_CASE_COLLISION'],
        ['tail.tgz', withTail, 'BUNDLE_TRAILING_DATA'],
      ];
      for (const [name, bytes, code] of cases) {
        const f = path.join(t.dir, name);
        writeFileSync(f, bytes);
        const r = await runCli(['bundle', 'inspect', f]);
        expect(r.status, name).toBe(0);
        expect(r.stderr, name).toContain(`[${code}]`);
        expect(r.stderr, name).toContain('stricter than the server');
        const j = await runCli(['bundle', 'inspect', f, '--json']);
        expect(JSON.parse(j.stdout).stricter_than_server.install_refuses, name).toBe(true);
      }
    } finally {
      t.cleanup();
    }
  });
});
