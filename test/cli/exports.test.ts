import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers.js';

const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** Every npm package a built entry point pulls in (through its whole import graph). */
async function packagesOf(entry: string, platform: 'node' | 'browser'): Promise<Set<string>> {
  const r = await build({
    entryPoints: [path.join(ROOT, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform,
    format: 'esm',
    logLevel: 'silent',
  });
  const pkgs = new Set<string>();
  for (const input of Object.keys(r.metafile.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) pkgs.add(m[1]!);
  }
  return pkgs;
}

describe('package exports (DESIGN §3)', () => {
  it('every export target exists after the build', async () => {
    const { existsSync } = await import('node:fs');
    for (const [name, target] of Object.entries(pkg.exports as Record<string, string | { types: string; default: string }>)) {
      if (typeof target === 'string') continue;
      expect(existsSync(path.join(ROOT, target.default)), `${name} → ${target.default}`).toBe(true);
      expect(existsSync(path.join(ROOT, target.types)), `${name} → ${target.types}`).toBe(true);
    }
  });
  it('the server-facing entry points pull in no Astro, yargs or fast-glob', async () => {
    for (const entry of ['dist/index.js', 'dist/node.js', 'dist/domain/install/index.js']) {
      const pkgs = await packagesOf(entry, 'node');
      for (const banned of ['astro', 'yargs', 'fast-glob', 'ajv']) expect([...pkgs], `${entry} pulls in ${banned}`).not.toContain(banned);
    }
  });
  it('./core depends on no npm package at all, and core + crypto + index verification bundle for a browser', async () => {
    expect([...(await packagesOf('dist/core/index.js', 'browser'))]).toEqual([]);
    const crypto = await packagesOf('dist/crypto/index.js', 'browser');
    expect([...crypto].sort()).toEqual(['@noble/ed25519', '@noble/hashes']);
    const signing = await packagesOf('dist/domain/index/index.js', 'browser');
    expect([...signing].sort()).toEqual(['@noble/ed25519', '@noble/hashes']);
  });
  it('./repository (the TUF client and writer) bundles for a browser: noble and TUF canonical JSON only, no tuf-js, no Node built-ins', async () => {
    const pkgs = await packagesOf('dist/domain/repository/index.js', 'browser');
    expect([...pkgs].sort()).toEqual(['@noble/ed25519', '@noble/hashes', '@tufjs/canonical-json']);
  });
  it('the root entry exposes the verifiers a server needs', async () => {
    const lib = await import(path.join(ROOT, 'dist/index.js'));
    for (const fn of ['verifyIndex', 'verifyManifest', 'verifyInstall', 'parseInstallPolicy', 'inspectBundle', 'decodeManifest']) {
      expect(typeof lib[fn], fn).toBe('function');
    }
  });
});

describe('layers (DESIGN §3): imports point downwards only', () => {
  const { readdirSync, readFileSync: read } = require('node:fs') as typeof import('node:fs');
  const files = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
    );
  const imports = (file: string): string[] => [...read(path.join(ROOT, file), 'utf8').matchAll(/^(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
  const layer = (file: string): string => file.split(path.sep)[1]!;
  const ORDER = ['core', 'crypto', 'domain', 'io', 'cli'];

  it('core, crypto (but its Node fast path) and domain import no node: module', () => {
    for (const f of [...files('src/core'), ...files('src/crypto'), ...files('src/domain')]) {
      if (f === path.join('src', 'crypto', 'node.ts')) continue;
      expect(imports(f).filter((i) => i.startsWith('node:')), f).toEqual([]);
    }
  });
  it('no layer imports from a layer above it', () => {
    for (const dir of ORDER) {
      for (const f of files(path.join('src', dir))) {
        for (const i of imports(f).filter((x) => x.startsWith('.'))) {
          const target = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, f)), i)).split(path.sep);
          if (target[0] !== 'src' || !ORDER.includes(target[1]!)) continue;
          expect(ORDER.indexOf(target[1]!), `${f} imports ${i}`).toBeLessThanOrEqual(ORDER.indexOf(layer(f)));
        }
      }
    }
  });
});
