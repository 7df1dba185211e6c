/**
 * pr-check end to end on a git repository with stored manifests (DESIGN §4.5):
 * exit codes, the annotation at the stored file, the matrix in plain output,
 * --json and the Markdown job summary.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publicKeyB64, releaseFor, signedManifest } from '../fixtures/stored-manifests.js';
import { annotations, json, ScenarioRepo } from './helpers.js';

let repo: ScenarioRepo;
const TOOL = 'index/plugins/acme.tool.json';
const DEC = new TextDecoder();

beforeEach(() => {
  repo = new ScenarioRepo();
  // The base gets acme's real key and acme.tool 1.0.0 with its stored manifest.
  repo.git('checkout', '-q', 'main');
  repo.write('index/publishers/acme.json', json({ id: 'acme', name: 'Acme', public_key_ed25519: publicKeyB64('acme') }));
  const v1 = signedManifest('acme.tool', '1.0.0', 'plain', 'acme');
  repo.write(TOOL, json({
    id: 'acme.tool', name: 'Tool', publisher: 'acme', type: 'system', summary: 'A tool.', latest: '1.0.0', channels: { stable: '1.0.0' },
    capabilities: v1.capabilities, releases: [releaseFor('acme.tool', '1.0.0', 'stable', v1)],
  }));
  repo.write('index/manifests/acme.tool/1.0.0.json', DEC.decode(v1.bytes));
  repo.commitAll('base with a stored manifest');
  repo.git('checkout', '-q', '-B', 'pr', 'main');
});
afterEach(() => repo.cleanup());

function addRelease(version: string, variant: 'plain' | 'worker-deploy', signer = 'acme'): void {
  const f = signedManifest('acme.tool', version, variant, signer);
  repo.edit(TOOL, (p) => {
    p.releases.unshift(releaseFor('acme.tool', version, 'stable', f));
    p.channels.stable = p.latest = version;
  });
  repo.write(`index/manifests/acme.tool/${version}.json`, DEC.decode(f.bytes));
}

describe('pr-check with stored manifests', () => {
  it('a new release with its signed manifest passes and prints its matrix', async () => {
    addRelease('1.1.0', 'worker-deploy');
    repo.head();
    const summary = path.join(repo.dir, 'summary.md');
    const r = await repo.check(['--summary', summary]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(annotations(r.stdout)).toEqual([]);
    expect(r.stdout).toContain('loads on: acme.tool@1.1.0: main-141e9ca yes, alpha-0.2.2a41 yes, integration-2026-09 no (interface "acme.tool/items" method "list" invalid scope "worker:deploy")');
    expect(readFileSync(summary, 'utf8')).toContain('### Loads on (new releases)');
    const j = await repo.checkJSON();
    expect(j.report.loadability).toEqual([
      expect.objectContaining({ plugin: 'acme.tool', version: '1.1.0', stored: true, loads_on: ['main-141e9ca', 'alpha-0.2.2a41'] }),
    ]);
    expect(j.report.touched.map((t: { file: string }) => t.file)).toEqual(['index/manifests/acme.tool/1.1.0.json', TOOL]);
  });

  it('a stored manifest signed by another key fails (exit 1) with an annotation on the stored file', async () => {
    addRelease('1.1.0', 'plain', 'mallory');
    repo.head();
    const r = await repo.check();
    expect(r.status).toBe(1);
    const a = annotations(r.stdout).filter((x) => x.title.startsWith('PR_STORED_MANIFEST_SIGNATURE'));
    expect(a).toEqual([expect.objectContaining({ kind: 'error', file: 'index/manifests/acme.tool/1.1.0.json', line: 1 })]);
  });

  it('changing an already-stored manifest fails (exit 1)', async () => {
    repo.write('index/manifests/acme.tool/1.0.0.json', repo.read('index/manifests/acme.tool/1.0.0.json').replace('"Plugin acme.tool"', '"Plugin acme.toot"'));
    repo.head();
    const j = await repo.checkJSON();
    expect(j.status).toBe(1);
    expect(j.report.findings.map((f: { rule: string }) => f.rule)).toContain('PR_STORED_MANIFEST_CHANGED');
  });
});
