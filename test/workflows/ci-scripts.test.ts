/**
 * The CI plumbing outside the workflows: the committed CODEOWNERS is current
 * (`codeowners --check`), the generator reacts to publisher changes, and the
 * signing script's refresh decision.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { copyIndex, ROOT, runCli, tempDir } from '../cli/helpers.js';

describe('lattice-index codeowners', () => {
  let t: { dir: string; cleanup: () => void };
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.cleanup());

  it('the committed .github/CODEOWNERS is current', async () => {
    const r = await runCli(['codeowners', '--check']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\.github\/CODEOWNERS: up to date/);
  });

  it('--check fails when a publisher changes, and a regeneration fixes it', async () => {
    const index = copyIndex(t.dir);
    const out = path.join(t.dir, 'CODEOWNERS');
    writeFileSync(out, readFileSync(path.join(ROOT, '.github/CODEOWNERS')));
    const args = ['codeowners', '--index-dir', index, '--out', out];
    expect((await runCli([...args, '--check'])).status).toBe(0);
    writeFileSync(path.join(index, 'publishers/acme.json'), JSON.stringify({ id: 'acme', name: 'Acme', public_key_ed25519: Buffer.alloc(32, 1).toString('base64'), github_owners: ['@acme/release'] }, null, 2));
    const stale = await runCli([...args, '--check']);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/CODEOWNERS: stale — regenerate it with `npm run codeowners`/);
    expect((await runCli(args)).status).toBe(0);
    expect((await runCli([...args, '--check'])).status).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/^\/index\/plugins\/acme\.\*\.json\s+@acme\/release @LatticeNet\/plugin-index-maintainers$/m);
    // Publisher files carry keys: maintainers only.
    expect(text).toMatch(/^\/index\/publishers\/acme\.json\s+@LatticeNet\/plugin-index-maintainers$/m);
  });

  it('reports a malformed owner at its line and writes nothing', async () => {
    const index = copyIndex(t.dir);
    const text = JSON.stringify({ id: 'acme', name: 'Acme', public_key_ed25519: Buffer.alloc(32, 1).toString('base64'), github_owners: ['acme-without-at'] }, null, 2);
    writeFileSync(path.join(index, 'publishers/acme.json'), text);
    const out = path.join(t.dir, 'CODEOWNERS');
    const r = await runCli(['codeowners', '--index-dir', index, '--out', out]);
    expect(r.status).toBe(1);
    const line = text.split('\n').findIndex((l) => l.includes('acme-without-at')) + 1;
    expect(r.stderr).toMatch(new RegExp(`publishers/acme\\.json:${line}:\\d+: publisher acme github_owners\\[0\\] must be a GitHub @user or @org/team`));
    expect(() => readFileSync(out)).toThrow();
  });
});

describe('scripts/ci-sign.mjs refresh decision', () => {
  const DAY = 86_400_000;
  const now = Date.parse('2026-11-20T00:00:00Z');
  it('re-signs an official index within the margin, and only then', async () => {
    const { refreshDue } = await import(pathToFileURL(path.join(ROOT, 'scripts/ci-sign.mjs')).href);
    const at = (days: number) => new Date(now + days * DAY).toISOString().replace('.000Z', 'Z');
    expect(refreshDue({ status: 'official', expires_at: at(30) }, now, 10)).toBe(false);
    expect(refreshDue({ status: 'official', expires_at: at(10.5) }, now, 10)).toBe(false);
    expect(refreshDue({ status: 'official', expires_at: at(10) }, now, 10)).toBe(true);
    expect(refreshDue({ status: 'official', expires_at: at(-1) }, now, 10)).toBe(true);
    expect(refreshDue({ status: 'official', expires_at: 'garbage' }, now, 10)).toBe(true);
    expect(refreshDue({ status: 'official' }, now, 10)).toBe(true);
    expect(refreshDue({ status: 'draft', expires_at: at(1) }, now, 10)).toBe(false);
    expect(refreshDue(undefined, now, 10)).toBe(false);
    expect(refreshDue([], now, 10)).toBe(false);
  });
});
