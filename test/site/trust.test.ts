/**
 * The catalog's trust layer without a browser: the build's check of stored
 * manifest signatures (site/src/lib/manifest-check.ts via loadSiteIndex),
 * the browser's expiry/rollback step and session cache parsing
 * (browser-check.ts), and the precise claim wording (trust.ts).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/sha256.js';
import { loadSiteIndex } from '../../site/src/lib/load-index.js';
import { readSiteSettings } from '../../site/src/lib/settings.js';
import { finishVerdict, parseCachedVerdict, sessionCacheKey } from '../../site/src/lib/browser-check.js';
import { indexClaimWords, pluginClaimWords, WITHDRAWN_WORDS } from '../../site/src/lib/trust.js';
import { checkRepositoryTargets, parseRepositoryPageData } from '../../site/src/lib/repository-check.js';
import { sha256 } from '../../src/crypto/index.js';
import { runCli } from '../cli/helpers.js';
import type { BrowserVerdict } from '../../site/src/lib/verification.js';
import { demoIndexDocument, REPO_ROOT, signedIndexBytes, testKey, type TestKey } from './fixtures.js';

const NOW = Date.now();
let key: TestKey;
let dir: string;

beforeAll(() => {
  key = testKey();
  dir = mkdtempSync(path.join(tmpdir(), 'lattice-site-trust-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Doc = { plugins: { id: string; releases: { version: string; stored_manifest?: string; manifest_sha256?: string }[] }[] };

/** A folder holding a signed index of `doc` and a copy of the repository's stored manifests. */
function siteDir(name: string, doc: Record<string, unknown>): { file: string; manifests: string } {
  const d = path.join(dir, name);
  mkdirSync(d, { recursive: true });
  cpSync(path.join(REPO_ROOT, 'index/manifests'), path.join(d, 'manifests'), { recursive: true });
  const file = path.join(d, 'plugins.json');
  writeFileSync(file, signedIndexBytes(doc, key, NOW));
  return { file, manifests: path.join(d, 'manifests') };
}

function load(file: string) {
  return loadSiteIndex(readSiteSettings({ LATTICE_INDEX_FILE: file, LATTICE_INDEX_KEYS: key.publicKeyB64 }, REPO_ROOT), NOW);
}

function storedRelease(doc: Record<string, unknown>) {
  for (const p of (doc as unknown as Doc).plugins) for (const r of p.releases) if (r.stored_manifest) return { plugin: p, release: r };
  throw new Error('the demo entries store no manifest');
}

describe('stored manifest signatures are checked at build', () => {
  it('honest: every stored manifest verifies and is recorded as checked', async () => {
    const doc = await demoIndexDocument(NOW, { expiresInDays: 30 });
    const { plugin, release } = storedRelease(doc);
    const site = load(siteDir('honest', doc).file);
    expect(site.manifestChecked.has(`${plugin.id}@${release.version}`)).toBe(true);
    const view = site.model.pluginById.get(plugin.id)!;
    const words = pluginClaimWords(view, site.summary, site.manifestChecked);
    expect(words.startsWith(`Listed in the signed index, generation ${site.summary.generation}, signed by key ${key.keyid}`)).toBe(true);
    expect(view.heads.map((h) => h.release.version)).toContain(release.version);
    expect(words).toContain(`manifest signature of ${release.version} checked at build`);
    expect(words).not.toMatch(/^Verified/);
  });

  it('attack: a stored manifest whose bytes differ from manifest_sha256 refuses the build (MANIFEST_INDEX_MISMATCH)', async () => {
    const doc = await demoIndexDocument(NOW, { expiresInDays: 30 });
    const { release } = storedRelease(doc);
    const { file, manifests } = siteDir('changed', doc);
    const m = path.join(manifests, '..', release.stored_manifest!);
    writeFileSync(m, readFileSync(m, 'utf8').replace('"name": "', '"name": "X'));
    expect(() => load(file)).toThrow(expect.objectContaining({ code: 'MANIFEST_INDEX_MISMATCH' }));
  });

  it('attack: a stored manifest with a broken signature refuses the build (MANIFEST_SIGNATURE_INVALID), even when the index lists its digest', async () => {
    const doc = await demoIndexDocument(NOW, { expiresInDays: 30 });
    const { release } = storedRelease(doc);
    const original = readFileSync(path.join(REPO_ROOT, 'index', release.stored_manifest!), 'utf8');
    // Flip one base64 character of the signature: still 64 bytes, no longer the publisher's signature.
    const forged = original.replace(/"signature_ed25519": "(.)/, (_m, c: string) => `"signature_ed25519": "${c === 'A' ? 'B' : 'A'}`);
    expect(forged).not.toBe(original);
    release.manifest_sha256 = sha256Hex(new TextEncoder().encode(forged));
    const { file, manifests } = siteDir('forged', doc);
    writeFileSync(path.join(manifests, '..', release.stored_manifest!), forged);
    expect(() => load(file)).toThrow(expect.objectContaining({ code: 'MANIFEST_SIGNATURE_INVALID' }));
  });
});

describe('LATTICE_SITE_REPOSITORY_ROOT (fail closed)', () => {
  it('a root file that is not there stops the build before anything is built (INPUT_NOT_FOUND)', () => {
    expect(() => readSiteSettings({ LATTICE_SITE_REPOSITORY_ROOT: path.join(dir, 'no-such-root.json') }, REPO_ROOT)).toThrow(
      expect.objectContaining({ code: 'INPUT_NOT_FOUND' }),
    );
  });

  it('a file that is not a valid root refuses the build with the repository code', async () => {
    const doc = await demoIndexDocument(NOW, { expiresInDays: 30 });
    const { file } = siteDir('bad-root', doc);
    const root = path.join(dir, 'bad-root', '1.root.json');
    writeFileSync(root, '{"signed":{},"signatures":[]}');
    const settings = readSiteSettings({ LATTICE_INDEX_FILE: file, LATTICE_INDEX_KEYS: key.publicKeyB64, LATTICE_SITE_REPOSITORY_ROOT: root }, REPO_ROOT);
    expect(settings.repositoryRoot?.sha256).toBe(sha256Hex(readFileSync(root)));
    expect(() => loadSiteIndex(settings, NOW)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^REPO_/) }));
  });

  it('honest: without the variable there is no repository and pages check plugins.json', async () => {
    const doc = await demoIndexDocument(NOW, { expiresInDays: 30 });
    expect(load(siteDir('no-repo', doc).file).repository).toBeUndefined();
  });
});

const GOOD: BrowserVerdict = {
  ok: true,
  signed: true,
  signers: [{ keyid: 'a'.repeat(64), publisher: 'demo' }],
  generation: 7,
  expiresAt: new Date(NOW + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  payloadSha256: 'b'.repeat(64),
  headline: 'Signature verified in your browser',
};

describe('the browser step after the signature check (browser-check.ts)', () => {
  it('first visit: accepted and remembered as the highest generation seen', () => {
    const r = finishVerdict(GOOD, null, NOW);
    expect(r.verdict.ok).toBe(true);
    expect(JSON.parse(r.store!)).toEqual({ generation: 7, payloadSha256: 'b'.repeat(64) });
  });

  it('honest: the same index again, or a newer generation, is accepted', () => {
    expect(finishVerdict(GOOD, JSON.stringify({ generation: 7, payloadSha256: 'b'.repeat(64) }), NOW).verdict.ok).toBe(true);
    expect(finishVerdict(GOOD, JSON.stringify({ generation: 6, payloadSha256: 'c'.repeat(64) }), NOW).verdict.ok).toBe(true);
  });

  it('attack: an older generation than this browser saw is INDEX_ROLLBACK', () => {
    const r = finishVerdict(GOOD, JSON.stringify({ generation: 8, payloadSha256: 'c'.repeat(64) }), NOW);
    expect(r.verdict).toMatchObject({ ok: false, code: 'INDEX_ROLLBACK' });
    expect(r.store).toBeUndefined();
  });

  it('attack: the same generation with other signed bytes is INDEX_GENERATION_REUSED', () => {
    const r = finishVerdict(GOOD, JSON.stringify({ generation: 7, payloadSha256: 'c'.repeat(64) }), NOW);
    expect(r.verdict).toMatchObject({ ok: false, code: 'INDEX_GENERATION_REUSED' });
  });

  it('a damaged saved state fails closed (INDEX_STATE_INVALID) and says how to reset it', () => {
    const r = finishVerdict(GOOD, '{"generation":"x"}', NOW);
    expect(r.verdict).toMatchObject({ ok: false, code: 'INDEX_STATE_INVALID' });
    expect(r.verdict.ok ? '' : r.verdict.message).toContain('clearing this site');
  });

  it('a cached verdict past the index expiry is INDEX_EXPIRED', () => {
    const r = finishVerdict(GOOD, null, Date.parse(GOOD.ok ? GOOD.expiresAt! : '') + 1);
    expect(r.verdict).toMatchObject({ ok: false, code: 'INDEX_EXPIRED' });
  });

  it('a failed verdict passes through and stores nothing', () => {
    const bad: BrowserVerdict = { ok: false, code: 'INDEX_SIGNATURE_INVALID', headline: 'Verification failed', message: 'x' };
    expect(finishVerdict(bad, null, NOW)).toEqual({ verdict: bad, store: undefined });
  });

  it('the session cache is keyed by the digest the page was built from and ignores foreign values', () => {
    expect(sessionCacheKey({ payloadSha256: 'b'.repeat(64) })).toBe(`lattice-verdict:${'b'.repeat(64)}`);
    expect(parseCachedVerdict(JSON.stringify(GOOD))).toEqual(GOOD);
    expect(parseCachedVerdict('{"ok":true}')).toBeNull();
    expect(parseCachedVerdict('not json')).toBeNull();
    expect(parseCachedVerdict(null)).toBeNull();
  });
});

describe('claim wording', () => {
  it('never the one word "Verified"; the withdrawn wording carries no "verified" at all', () => {
    const words = indexClaimWords({ status: 'official', signed: true, generation: 3, generatedAt: '', expiresAt: null, payloadSha256: '', signers: [{ keyid: 'f'.repeat(64), publisher: 'x' }], trustedKeys: [], threshold: 1, checkedAt: '' });
    expect(words).toBe(`Listed in the signed index, generation 3, signed by key ${'f'.repeat(64)}`);
    expect(WITHDRAWN_WORDS).not.toMatch(/verified/i);
  });
});

describe('repository v2 check (repository-check.ts) over a repository published from the same entries', () => {
  let repoDir: string;
  let oldRepoDir: string;
  let rootSha: string;
  let site: ReturnType<typeof load>;

  beforeAll(async () => {
    const seed = (name: string) => {
      const f = path.join(dir, `${name}.seed`);
      writeFileSync(f, sha256(new TextEncoder().encode(`trust test ${name} ${NOW}`)), { mode: 0o600 });
      return f;
    };
    const [rootKey, onlineKey] = [seed('root'), seed('online')];
    repoDir = path.join(dir, 'repository');
    const cli = async (args: string[]) => {
      const r = await runCli(args, { cwd: dir });
      if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    };
    await cli(['repo', 'init', '--repo', repoDir, '--root-key', rootKey, '--root-threshold', '1', '--online-key', onlineKey]);
    await cli(['repo', 'publish', '--repo', repoDir, '--index-dir', path.join(REPO_ROOT, 'index'), '--online-key', onlineKey]);
    oldRepoDir = path.join(dir, 'repository-old');
    cpSync(repoDir, oldRepoDir, { recursive: true });
    await cli(['repo', 'refresh', '--repo', repoDir, '--online-key', onlineKey, '--refresh-before', '3650']);
    const root = path.join(repoDir, 'metadata/1.root.json');
    rootSha = sha256Hex(readFileSync(root));
    const doc = await demoIndexDocument(NOW, { expiresInDays: 30 });
    const { file } = siteDir('v2', doc);
    site = loadSiteIndex(readSiteSettings({ LATTICE_INDEX_FILE: file, LATTICE_INDEX_KEYS: key.publicKeyB64, LATTICE_SITE_REPOSITORY_ROOT: root }, REPO_ROOT), NOW);
  });

  const files = (repo: string) => async (url: string) => {
    const f = path.join(repo, new URL(url).pathname.replace(/^\/repository\//, ''));
    try {
      return new Uint8Array(readFileSync(f));
    } catch {
      return null;
    }
  };
  const page = (targets: string[], sha?: string) => ({
    rootSha256: sha ?? rootSha,
    targets: targets.map((p) => ({ path: p, sha256: site.repository!.targetSha256(p) ?? '' })),
  });
  const check = (o: { page: ReturnType<typeof page>; stored?: Map<string, Uint8Array>; repo?: string }) =>
    checkRepositoryTargets({ repositoryUrl: 'http://127.0.0.1/repository/', page: o.page, stored: o.stored ?? new Map(), fetchBytes: files(o.repo ?? repoDir), now: NOW });

  it('honest: the digests the build computes are the targets the repository serves; the chain verifies', async () => {
    const r = await check({ page: page(['plugins/demo.hello.json', 'publishers/demo.json']) });
    expect(r.verdict).toMatchObject({ ok: true, kind: 'v2' });
    if (!r.verdict.ok) return;
    expect(r.verdict.targets.map((t) => t.path)).toEqual(['plugins/demo.hello.json', 'publishers/demo.json']);
    expect(r.verdict.bytesFetched).toBeLessThan(64 * 1024);
    // The client's trusted metadata comes back to be kept, with the pin marker.
    expect([...r.writes.keys()]).toEqual(expect.arrayContaining(['root', 'timestamp', 'snapshot', 'targets', 'lattice-root-pin']));
  });

  it('attack: a page built from other data than the repository serves is INDEX_CHANGED', async () => {
    const p = page(['plugins/demo.hello.json']);
    const r = await check({ page: { ...p, targets: [{ path: p.targets[0]!.path, sha256: 'f'.repeat(64) }] } });
    expect(r.verdict).toMatchObject({ ok: false, code: 'INDEX_CHANGED' });
  });

  it('attack: a repository whose 1.root.json is not the pinned one is REPO_ROOT_PIN', async () => {
    const r = await check({ page: page(['plugins/demo.hello.json'], 'a'.repeat(64)) });
    expect(r.verdict).toMatchObject({ ok: false, code: 'REPO_ROOT_PIN' });
  });

  it('attack: older metadata after newer was kept is REPO_ROLLBACK; honest: the same repository again passes', async () => {
    const first = await check({ page: page(['plugins/demo.hello.json']) });
    const stored = new Map([...first.writes].filter((e): e is [string, Uint8Array] => e[1] !== null));
    expect((await check({ page: page(['plugins/demo.hello.json']), stored, repo: oldRepoDir })).verdict).toMatchObject({ ok: false, code: 'REPO_ROLLBACK' });
    expect((await check({ page: page(['plugins/demo.hello.json']), stored })).verdict.ok).toBe(true);
  });

  it('a target no role lists is REPO_TARGET_NOT_FOUND; a malformed page record is refused', async () => {
    const r = await check({ page: { rootSha256: rootSha, targets: [{ path: 'plugins/no.such.json', sha256: 'f'.repeat(64) }] } });
    expect(r.verdict).toMatchObject({ ok: false, code: 'REPO_TARGET_NOT_FOUND' });
    expect(parseRepositoryPageData('{"rootSha256":"x","targets":[]}')).toBeNull();
    expect(parseRepositoryPageData(JSON.stringify({ rootSha256: rootSha, targets: [] }))).toEqual({ rootSha256: rootSha, targets: [] });
  });
});
