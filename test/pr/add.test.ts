/**
 * `lattice-index add`: a release entry from a manifest verified with the
 * publisher's key in index/publishers/, under the same rules pr-check applies
 * (immutability, growing versions), written only when everything holds.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { decodeManifest, manifestSigningPayload } from '../../src/domain/manifest/index.js';
import { publicKeyFromSeed, signEd25519 } from '../../src/crypto/index.js';
import { runCli } from '../cli/helpers.js';
import { json, ScenarioRepo } from './helpers.js';

const seed = randomBytes(32);
const publicKey = Buffer.from(publicKeyFromSeed(seed)).toString('base64');
const TOOL = 'index/plugins/acme.tool.json';

let repo: ScenarioRepo;
beforeEach(() => {
  repo = new ScenarioRepo();
  repo.commitDate = '2026-09-21T14:13:20Z'; // SOURCE_DATE_EPOCH of the add runs below
  // acme's key is ours; acme.tool does not exist yet.
  repo.write('index/publishers/acme.json', json({ id: 'acme', name: 'Acme', public_key_ed25519: publicKey }));
  repo.remove(TOOL);
  repo.commitAll('acme with a real key');
  repo.git('branch', '-f', 'main', 'HEAD');
});
afterEach(() => repo.cleanup());

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** Write a signed v2 manifest and its artifact into the repo's scratch dir; returns their paths. */
function release(version: string, opts: { signWith?: Uint8Array; capabilities?: string[]; artifact?: string; type?: string; scopes?: string[] } = {}) {
  const artifact = Buffer.from(opts.artifact ?? `bundle of acme.tool ${version}`);
  const m: Record<string, unknown> = {
    schema: 'lattice.plugin.manifest.v2',
    id: 'acme.tool',
    name: 'Acme Tool',
    type: opts.type ?? 'system',
    capabilities: opts.capabilities ?? ['kv:read', 'node:read'],
    version,
    publisher: 'acme',
    bundle: { format: 'tar+gzip', digest_sha256: sha256(artifact) },
    runtime: { protocol: 'stdio-json-v1', entrypoints: { 'linux/amd64': 'bin/linux-amd64/tool' } },
    compatibility: { server: '>=0.2.1', dashboard_host: '>=1', runtime_protocol: '>=1' },
    ...(opts.scopes ? { interfaces: [{ service: 'acme.tool/items', methods: [{ name: 'list', effect: 'read', scopes: opts.scopes }], backing: 'runtime' }] } : {}),
  };
  const decoded = decodeManifest(JSON.stringify(m));
  if (!decoded.ok) throw new Error(decoded.message);
  const sig = signEd25519(opts.signWith ?? seed, manifestSigningPayload(decoded.manifest));
  m.signature_ed25519 = Buffer.from(sig).toString('base64');
  const text = JSON.stringify(m, null, 2) + '\n';
  const dir = repo.path('scratch');
  const mf = repo.write(`scratch/${version}.manifest.json`, text) && path.join(dir, `${version}.manifest.json`);
  const af = path.join(dir, `${version}.tar.gz`);
  writeFileSync(af, artifact);
  return { manifest: mf, artifact: af, manifestText: text, artifactSha: sha256(artifact), signature: m.signature_ed25519 as string };
}

function add(r: { manifest: string; artifact: string }, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const v = path.basename(r.manifest).replace('.manifest.json', '');
  return runCli([
    'add', '--manifest', r.manifest, '--artifact', r.artifact,
    '--manifest-url', `https://plugins.example.org/acme.tool/${v}/manifest.json`,
    '--artifact-url', `https://plugins.example.org/acme.tool/${v}/acme.tool-${v}.tar.gz`,
    ...extra,
  ], { cwd: repo.dir, env: { SOURCE_DATE_EPOCH: '1790000000', ...env } });
}

describe('lattice-index add', () => {
  it('creates a plugin entry from a verified manifest', async () => {
    const r1 = release('1.0.0');
    const r = await add(r1, ['--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, created: true, plugin: 'acme.tool', version: '1.0.0', channel: 'stable' });
    const entry = JSON.parse(repo.read(TOOL));
    expect(entry).toEqual({
      id: 'acme.tool',
      name: 'Acme Tool',
      publisher: 'acme',
      type: 'system',
      latest: '1.0.0',
      channels: { stable: '1.0.0' },
      capabilities: ['kv:read', 'node:read'],
      releases: [{
        version: '1.0.0',
        channel: 'stable',
        capabilities: ['kv:read', 'node:read'],
        manifest_url: 'https://plugins.example.org/acme.tool/1.0.0/manifest.json',
        artifact_url: 'https://plugins.example.org/acme.tool/1.0.0/acme.tool-1.0.0.tar.gz',
        artifact_sha256: r1.artifactSha,
        signature_ed25519: r1.signature,
        published_at: '2026-09-21T14:13:20Z',
        manifest_sha256: sha256(r1.manifestText),
      }],
    });
    // The result builds into a valid index…
    const b = await runCli(['build', '--out', repo.path('built.json')], { cwd: repo.dir });
    expect(b.stderr).toBe('');
    expect(b.status).toBe(0);
    // …and the change passes pr-check (new plugin of an existing publisher).
    repo.remove('scratch/1.0.0.manifest.json');
    repo.remove('scratch/1.0.0.tar.gz');
    repo.remove('built.json');
    repo.head();
    const c = await repo.checkJSON();
    expect(c.report.findings).toEqual([]);
    expect(c.status).toBe(0);
  });

  it('prepends a newer release and moves the channel and latest', async () => {
    await add(release('1.0.0'));
    const r2 = release('1.1.0', { capabilities: ['kv:read'] });
    const r = await add(r2);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/updated — acme\.tool 1\.1\.0 on stable/);
    const entry = JSON.parse(repo.read(TOOL));
    expect(entry.releases.map((x: any) => x.version)).toEqual(['1.1.0', '1.0.0']);
    expect(entry.channels).toEqual({ stable: '1.1.0' });
    expect(entry.latest).toBe('1.1.0');
    expect(entry.capabilities).toEqual(['kv:read']);
  });

  it('puts an -alpha prerelease on the alpha channel by default', async () => {
    await add(release('1.0.0'));
    const r = await add(release('1.1.0-alpha.1'));
    expect(r.status).toBe(0);
    const entry = JSON.parse(repo.read(TOOL));
    expect(entry.channels).toEqual({ stable: '1.0.0', alpha: '1.1.0-alpha.1' });
    expect(entry.latest).toBe('1.0.0');
    expect(entry.releases[0].channel).toBe('alpha');
  });

  it('refuses an existing version (published releases are immutable) and writes nothing', async () => {
    await add(release('1.0.0'));
    const before = repo.read(TOOL);
    const again = release('1.0.0', { artifact: 'a different build' });
    const r = await add(again);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\[PR_RULE\]/);
    expect(r.stderr).toMatch(/PR_RELEASE_MODIFIED/);
    expect(repo.read(TOOL)).toBe(before);
  });

  it('refuses a version that does not grow its channel', async () => {
    await add(release('1.2.0'));
    const r = await add(release('1.1.0'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/PR_VERSION_NOT_INCREASING/);
  });

  it('refuses a manifest not signed by the publisher\'s key', async () => {
    const r = await add(release('1.0.0', { signWith: randomBytes(32) }));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\[MANIFEST_SIGNATURE_INVALID\]/);
    expect(existsSync(repo.path(TOOL))).toBe(false);
  });

  it('refuses an artifact whose digest differs from the manifest', async () => {
    const r1 = release('1.0.0');
    writeFileSync(r1.artifact, 'substituted bytes');
    const r = await add(r1);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\[MANIFEST_DIGEST_MISMATCH\]/);
    expect(existsSync(repo.path(TOOL))).toBe(false);
  });

  it('refuses a type change of a published plugin', async () => {
    await add(release('1.0.0'));
    const r = await add(release('1.1.0', { type: 'worker', capabilities: ['kv:read'] }));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/PR_PLUGIN_TYPE_CHANGED/);
  });

  it('needs the publisher file, and https URLs (exit 2)', async () => {
    repo.remove('index/publishers/acme.json');
    const r = await add(release('1.0.0'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/publisher acme has no file/);
    const bad = await runCli(['add', '--manifest', 'x', '--artifact', 'y', '--manifest-url', 'http://example.org/m.json', '--artifact-url', 'https://example.org/a'], { cwd: repo.dir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--manifest-url must be an https:\/\/ URL/);
  });

  it('stores the signed manifest, byte for byte, at index/manifests/<id>/<version>.json and reports its matrix', async () => {
    const r1 = release('1.0.0');
    const r = await add(r1, ['--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ stored_manifest: 'index/manifests/acme.tool/1.0.0.json', verified_on: 'integration-2026-09', loads_on: ['main-141e9ca', 'alpha-0.2.2a41', 'integration-2026-09'] });
    expect(readFileSync(repo.path('index/manifests/acme.tool/1.0.0.json'), 'utf8')).toBe(r1.manifestText);
    // build picks it up: stored_manifest and loads_on in the index.
    const b = await runCli(['build', '--out', repo.path('built.json')], { cwd: repo.dir });
    expect(b.status, b.stderr).toBe(0);
    const built = JSON.parse(readFileSync(repo.path('built.json'), 'utf8'));
    expect(built.plugins.find((p: { id: string }) => p.id === 'acme.tool').releases[0]).toMatchObject({ stored_manifest: 'manifests/acme.tool/1.0.0.json', loads_on: out.loads_on });
  });

  it('a release only older servers load is listed (verified on the newest version that accepts it), unless a version is named', async () => {
    const old = release('1.0.0', { scopes: ['worker:deploy'] });
    const named = await add(old, ['--server-version', 'integration-2026-09']);
    expect(named.status).toBe(1);
    expect(named.stderr).toContain('invalid scope "worker:deploy" (on integration-2026-09) [MANIFEST_INVALID]');
    expect(existsSync(repo.path(TOOL))).toBe(false);
    expect(existsSync(repo.path('index/manifests/acme.tool/1.0.0.json'))).toBe(false);
    const r = await add(old, ['--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified_on: 'alpha-0.2.2a41', loads_on: ['main-141e9ca', 'alpha-0.2.2a41'] });
  });

  it('never overwrites a different stored manifest (immutable) and then writes no entry', async () => {
    const r1 = release('1.0.0');
    repo.write('index/manifests/acme.tool/1.0.0.json', r1.manifestText.replace('Acme Tool', 'Acme Tool2'));
    const r = await add(r1);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/a stored manifest is immutable.*\[OUTPUT_EXISTS\]/);
    expect(existsSync(repo.path(TOOL))).toBe(false);
  });

  it('does not write an entry that would not validate', async () => {
    // an "-alpha" version forced onto stable breaks the prerelease rule
    const r = await add(release('2.0.0-alpha.1'), ['--channel', 'stable']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/add refused/);
    expect(existsSync(repo.path(TOOL))).toBe(false);
    expect(readFileSync(repo.path('index/publishers/acme.json'), 'utf8')).toContain(publicKey);
  });

  describe('--notes FILE', () => {
    it('stores the notes as the release notes_md (CRLF to LF, trailing space dropped); the change passes pr-check', async () => {
      const notes = repo.write('scratch/notes.md', 'Adds the **import** command.\r\n\r\n- faster start\r\n\r\n') && repo.path('scratch/notes.md');
      const r = await add(release('1.0.0'), ['--notes', notes]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(JSON.parse(repo.read(TOOL)).releases[0].notes_md).toBe('Adds the **import** command.\n\n- faster start');
      for (const f of ['scratch/notes.md', 'scratch/1.0.0.manifest.json', 'scratch/1.0.0.tar.gz']) repo.remove(f);
      repo.head();
      const c = await repo.checkJSON();
      expect(c.report.findings).toEqual([]);
    });

    it('attack: notes with raw HTML or a javascript: link are refused before anything is written (PR_MARKDOWN, exit 1)', async () => {
      for (const text of ['<script>alert(1)</script>', 'See [here](javascript:alert(1)).']) {
        const notes = repo.write('scratch/notes.md', text) && repo.path('scratch/notes.md');
        const r = await add(release('1.0.0'), ['--notes', notes]);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/\[PR_MARKDOWN\].*\[PR_RULE\]$/m);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(existsSync(repo.path(TOOL))).toBe(false);
        expect(existsSync(repo.path('index/manifests/acme.tool/1.0.0.json'))).toBe(false);
      }
    });

    it('notes over 4096 bytes, blank, not UTF-8 or missing are bad input (exit 2), nothing written; --json gives the code', async () => {
      const cases: [string | Buffer, RegExp][] = [
        ['x'.repeat(4097), /4097 bytes of UTF-8, over the limit of 4096/],
        [' \n\n', /empty or blank/],
        [Buffer.from([0x66, 0xff, 0x0a]), /not UTF-8/],
        ['a\u001b[2Jb', /control character U\+001B/],
      ];
      const rel = release('1.0.0');
      for (const [content, message] of cases) {
        writeFileSync(repo.path('scratch/notes.md'), content);
        const r = await add(rel, ['--notes', repo.path('scratch/notes.md'), '--json']);
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: 'INPUT_INVALID' });
        expect(existsSync(repo.path(TOOL))).toBe(false);
      }
      const missing = await add(rel, ['--notes', repo.path('scratch/none.md')]);
      expect(missing.status).toBe(2);
      expect(missing.stderr).toMatch(/\[INPUT_NOT_FOUND\]/);
    });
  });
});
