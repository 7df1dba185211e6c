/**
 * `packBundleDirectory` (src/io/bundle-dir.ts): the filesystem walk of the
 * deterministic packer — regular files and directories only, symlinks and
 * special files refused — and, where GNU tar is installed, cross-checks of
 * `inspectBundle` against archives written by an independent tar.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { sha256Hex } from '../../src/crypto/index.js';
import { inspectBundle, packBundleEntries } from '../../src/io/bundle.js';
import { packBundleDirectory, readBundleDirectory } from '../../src/io/bundle-dir.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bundle-dir-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function put(rel: string, text: string, mode = 0o644): void {
  const abs = join(root, rel);
  mkdirSync(join(abs, '..'), { recursive: true });
  writeFileSync(abs, text);
  chmodSync(abs, mode);
}

async function refused(code: string, message: string, limits = {}): Promise<void> {
  const err = await packBundleDirectory(root, { limits }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).code).toBe(code);
  expect((err as InputError).message).toBe(message);
}

describe('packBundleDirectory', () => {
  test('packs files and empty directories; equals packBundleEntries of the walk', async () => {
    put('bin/linux-amd64/plugin', '#!/bin/sh\n', 0o755);
    put('ui/index.html', '<html>');
    mkdirSync(join(root, 'data/empty'), { recursive: true });
    const bundle = await packBundleDirectory(root);
    expect(sha256Hex(bundle)).toBe(sha256Hex(packBundleEntries(await readBundleDirectory(root))));
    const r = await inspectBundle(bundle, { runtimeEntrypoint: 'bin/linux-amd64/plugin', uiEntrypoint: 'ui/index.html' });
    if (!r.ok) throw new Error(r.message);
    expect(r.entries.map((e) => `${e.type}:${e.path}`)).toEqual([
      'dir:bin',
      'dir:bin/linux-amd64',
      'file:bin/linux-amd64/plugin',
      'dir:data',
      'dir:data/empty',
      'dir:ui',
      'file:ui/index.html',
    ]);
  });
  test('deterministic: file modes and times on disk do not matter', async () => {
    put('bin/x/plugin', 'exe', 0o755);
    put('a.txt', 'a', 0o600);
    const first = await packBundleDirectory(root);
    chmodSync(join(root, 'bin/x/plugin'), 0o700);
    chmodSync(join(root, 'a.txt'), 0o644);
    const later = new Date('2030-01-01T00:00:00Z');
    const { utimesSync } = await import('node:fs');
    utimesSync(join(root, 'a.txt'), later, later);
    expect(sha256Hex(await packBundleDirectory(root))).toBe(sha256Hex(first));
  });
  test('a symlink to a file is refused', async () => {
    put('ui/index.html', 'x');
    symlinkSync('/etc/passwd', join(root, 'ui/passwd'));
    await refused('BUNDLE_INVALID', 'bundle source "ui/passwd" is a symlink; only regular files and directories are allowed');
  });
  test('a symlink to a directory is refused', async () => {
    mkdirSync(join(root, 'real'));
    symlinkSync('real', join(root, 'alias'));
    await refused('BUNDLE_INVALID', 'bundle source "alias" is a symlink; only regular files and directories are allowed');
  });
  test('a dangling symlink is refused', async () => {
    symlinkSync('nowhere', join(root, 'dangling'));
    await refused('BUNDLE_INVALID', 'bundle source "dangling" is a symlink; only regular files and directories are allowed');
  });
  test('a socket is refused', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(root, 'sock'), resolve));
    try {
      await refused('BUNDLE_INVALID', 'bundle source "sock" is not a regular file or directory');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
  test('a name that is not UTF-8 is refused', async () => {
    writeFileSync(Buffer.concat([Buffer.from(root + '/'), Buffer.from([0x61, 0xff])]), 'x');
    await refused('BUNDLE_INVALID', 'bundle source name "a\\xff" is not UTF-8');
  });
  test('limits apply during the walk', async () => {
    put('a', 'x'.repeat(11));
    await refused('BUNDLE_TOO_LARGE', 'bundle file size 11 exceeds limit 10 for "a"', { maxFileBytes: 10 });
    put('b', 'y');
    await refused('BUNDLE_TOO_LARGE', 'bundle file count exceeds limit 1', { maxFiles: 1 });
    await refused('BUNDLE_TOO_LARGE', 'bundle expanded size exceeds limit 11', { maxExpandedBytes: 11 });
  });
  test('bad names on disk hit the bundle rules', async () => {
    put('a\\b', 'x');
    await refused('BUNDLE_INVALID', 'bundle invalid path "a\\\\b"');
  });
  test('the root must be a directory', async () => {
    put('f', 'x');
    const err = await packBundleDirectory(join(root, 'f')).catch((e: unknown) => e);
    expect((err as InputError).code).toBe('BUNDLE_INVALID');
  });
});

const gnuTar = (() => {
  try {
    return /GNU tar/.test(execFileSync('tar', ['--version'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
})();

describe.skipIf(!gnuTar)('inspectBundle reads what GNU tar writes', () => {
  const long = 'ui/assets/' + 'x'.repeat(150) + '/' + 'y'.repeat(120) + '.js';
  const make = (format: string) => {
    put('bin/linux-amd64/plugin', 'exe', 0o755);
    put(long.slice(0, 230), 'long'); // 230 bytes: beyond USTAR's 100-byte name field
    const out = join(root, '..', `${root.split('/').pop()}-${format}.tgz`);
    execFileSync('tar', ['-czf', out, `--format=${format}`, '--sort=name', '-C', root, 'bin', 'ui']);
    return out;
  };
  test.each(['gnu', 'posix'])('--format=%s with a 230-byte name', async (format) => {
    const out = make(format);
    try {
      const { readFileSync } = await import('node:fs');
      const r = await inspectBundle(new Uint8Array(readFileSync(out)), { runtimeEntrypoint: 'bin/linux-amd64/plugin' });
      if (!r.ok) throw new Error(r.message);
      expect(r.entries.filter((e) => e.type === 'file').map((e) => [e.path, e.sha256Hex])).toEqual([
        ['bin/linux-amd64/plugin', sha256Hex(new TextEncoder().encode('exe'))],
        [long.slice(0, 230), sha256Hex(new TextEncoder().encode('long'))],
      ]);
    } finally {
      rmSync(out, { force: true });
    }
  });
  test('a GNU tar archive holding a symlink is refused with type 50', async () => {
    put('ui/index.html', 'x');
    symlinkSync('/etc/passwd', join(root, 'ui/link'));
    const out = join(root, '..', `${root.split('/').pop()}-link.tgz`);
    execFileSync('tar', ['-czf', out, '--sort=name', '-C', root, 'ui']);
    try {
      const { readFileSync } = await import('node:fs');
      expect(await inspectBundle(new Uint8Array(readFileSync(out)))).toEqual({
        ok: false,
        code: 'BUNDLE_INVALID',
        message: 'bundle entry type 50 is not allowed for "ui/link"',
      });
    } finally {
      rmSync(out, { force: true });
    }
  });
});
