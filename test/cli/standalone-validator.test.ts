import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { VECTORS } from '../vectors.js';
import { ROOT, tempDir } from './helpers.js';

const SCRIPT = path.join(ROOT, 'scripts/validate-index.mjs');

describe('scripts/validate-index.mjs (dependency-free validator)', () => {
  it('is the current bundle of src/ (one source of truth)', async () => {
    const { bundleValidator } = await import('../../scripts/gen-validator.mjs');
    const fresh: string = await bundleValidator();
    expect(readFileSync(SCRIPT, 'utf8') === fresh, 'scripts/validate-index.mjs is stale: run npm run gen:validator').toBe(true);
  });

  it('imports nothing but node: built-ins', () => {
    const text = readFileSync(SCRIPT, 'utf8');
    const specifiers = [...text.matchAll(/\bfrom\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)|\brequire\(\s*["']([^"']+)["']\s*\)/g)].map(
      (m) => m[1] ?? m[2] ?? m[3],
    );
    expect(specifiers.length).toBeGreaterThan(0);
    for (const s of specifiers) expect(s).toMatch(/^node:/);
  });

  it('runs from a directory with no node_modules: exit 0 / 1 / 2', () => {
    const t = tempDir('lattice-clean-');
    try {
      // A copy of the script alone, outside the repository: nothing to resolve packages from.
      const script = path.join(t.dir, 'validate-index.mjs');
      copyFileSync(SCRIPT, script);
      const run = (file: string) => spawnSync(process.execPath, [script, file], { cwd: t.dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });

      const ok = run(path.join(VECTORS, 'lattice/plugins.json'));
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toBe('plugin-index: plugins.json ok (4 plugins)\n');

      const idx = JSON.parse(readFileSync(path.join(VECTORS, 'lattice/plugins.json'), 'utf8'));
      idx.plugins[0].type = 'daemon';
      idx.status = 'official';
      writeFileSync(path.join(t.dir, 'bad.json'), JSON.stringify(idx, null, 2));
      const bad = run(path.join(t.dir, 'bad.json'));
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('plugin-index: official indexes require at least one signature');
      expect(bad.stderr).toContain('plugin-index: plugin latticenet.vpn-core type is invalid');

      writeFileSync(path.join(t.dir, 'nojson.json'), '{"a":1,}');
      const nojson = run(path.join(t.dir, 'nojson.json'));
      expect(nojson.status).toBe(2);
      expect(nojson.stderr.trim().split('\n')).toHaveLength(1);

      const missing = run(path.join(t.dir, 'missing.json'));
      expect(missing.status).toBe(2);
    } finally {
      t.cleanup();
    }
  });
});
