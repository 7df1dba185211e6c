/**
 * Index ↔ manifest consistency (interop §I.7, §G) against the real draft index
 * `vectors/lattice/plugins.json` (LatticeNet/lattice-plugin-index b8c2681) and
 * the real manifests of `vectors/lattice/manifests/`.
 */
import { describe, expect, it } from 'vitest';
import type { IndexPlugin, IndexRelease } from '../../src/core/index/types.js';
import { checkReleaseAgainstManifest, cloneManifest, decodeManifest } from '../../src/domain/manifest/index.js';
import type { Manifest } from '../../src/domain/manifest/index.js';
import { EXPECTED, manifestBytes, readJSON } from './helpers.js';

const INDEX = readJSON<{ plugins: IndexPlugin[] }>('plugins.json');

const MANIFESTS: Manifest[] = EXPECTED.map((e) => {
  const r = decodeManifest(manifestBytes(e.file), { legacyComponentKey: e.profile !== 'current' });
  if (!r.ok) throw new Error(r.message);
  return r.manifest;
});

/** Index releases paired with the vector manifest carrying the same signature (§G: index signatures are manifest signatures). */
const PAIRS: { plugin: IndexPlugin; release: IndexRelease; pi: number; ri: number; manifest: Manifest }[] = [];
INDEX.plugins.forEach((plugin, pi) =>
  plugin.releases.forEach((release, ri) => {
    const manifest = MANIFESTS.find((m) => m.signature_ed25519 !== '' && m.signature_ed25519 === release.signature_ed25519);
    if (manifest) PAIRS.push({ plugin, release, pi, ri, manifest });
  }),
);

describe('real index entries agree with their signed manifests', () => {
  it('pairs exist for the vector corpus', () => {
    expect(PAIRS.length).toBeGreaterThanOrEqual(10);
  });
  it.each(PAIRS.map((p) => [`${p.plugin.id}@${p.release.version}`, p] as const))('%s', (_n, p) => {
    expect(checkReleaseAgainstManifest(p.plugin, p.release, p.manifest, { basePath: `/plugins/${p.pi}`, releaseIndex: p.ri })).toEqual([]);
  });
});

describe('every disagreement is reported with an index pointer', () => {
  const p = PAIRS.find((x) => x.manifest.schema !== '')!;
  const check = (plugin: IndexPlugin, release: IndexRelease, manifest: Manifest) =>
    checkReleaseAgainstManifest(plugin, release, manifest, { basePath: '/plugins/0', releaseIndex: 1 });

  it('plugin id, publisher, type and release version', () => {
    const problems = check({ ...p.plugin, id: 'latticenet.other', publisher: 'other', type: 'wasm' }, { ...p.release, version: '9.9.9' }, p.manifest);
    expect(problems.map((x) => x.instancePath)).toEqual(['/plugins/0/id', '/plugins/0/publisher', '/plugins/0/type', '/plugins/0/releases/1/version']);
    expect(problems.every((x) => x.code === 'MANIFEST_INDEX_MISMATCH')).toBe(true);
  });
  it('capabilities compare as sets (order may differ), missing and extra are both named', () => {
    const reordered = { ...p.release, capabilities: [...(p.release.capabilities ?? p.plugin.capabilities)].reverse() };
    expect(check(p.plugin, reordered, p.manifest)).toEqual([]);
    const fewer = { ...p.release, capabilities: (p.release.capabilities ?? p.plugin.capabilities).slice(1) };
    const [problem] = check(p.plugin, fewer, p.manifest);
    expect(problem).toMatchObject({ instancePath: '/plugins/0/releases/1/capabilities' });
    expect(problem!.message).toMatch(/manifest declares ".*" which the index does not list/);
    const extra = { ...p.release, capabilities: [...(p.release.capabilities ?? []), 'kv:write'] };
    expect(check(p.plugin, extra, p.manifest)[0]!.message).toMatch(/index lists "kv:write" which the manifest does not declare/);
    const dup = { ...p.release, capabilities: [...(p.release.capabilities ?? []), p.manifest.capabilities![0]!] };
    expect(check(p.plugin, dup, p.manifest)[0]!.message).toMatch(/more than once/);
  });
  it('the plugin default list applies when the release has none', () => {
    const { capabilities: _omit, ...noCaps } = p.release;
    expect(check({ ...p.plugin, capabilities: [...p.manifest.capabilities!] }, noCaps, p.manifest)).toEqual([]);
    const problems = check({ ...p.plugin, capabilities: ['kv:read'] }, noCaps, p.manifest);
    expect(problems[0]!.instancePath).toBe('/plugins/0/capabilities');
  });
  it('artifact digest: must equal the manifest digest, and be lowercase in the index', () => {
    expect(check(p.plugin, { ...p.release, artifact_sha256: 'f'.repeat(64) }, p.manifest)[0]).toMatchObject({
      instancePath: '/plugins/0/releases/1/artifact_sha256',
    });
    expect(check(p.plugin, { ...p.release, artifact_sha256: p.release.artifact_sha256.toUpperCase() }, p.manifest)[0]!.message).toMatch(
      /is not lowercase hex SHA-256/,
    );
    const upperManifest = cloneManifest(p.manifest);
    upperManifest.bundle!.digest_sha256 = upperManifest.bundle!.digest_sha256.toUpperCase();
    expect(check(p.plugin, p.release, upperManifest)).toEqual([]); // manifest side is case-insensitive
  });
  it('v1 manifests compare digest_sha256', () => {
    const v1 = PAIRS.find((x) => x.manifest.schema === '');
    if (!v1) return;
    expect(check(v1.plugin, v1.release, v1.manifest).filter((x) => x.instancePath.endsWith('artifact_sha256'))).toEqual([]);
    expect(check(v1.plugin, { ...v1.release, artifact_sha256: '0'.repeat(64) }, v1.manifest)).toHaveLength(1);
  });
  it('signatures compare as decoded bytes (raw vs padded, CR/LF), and differ otherwise', () => {
    const raw = { ...cloneManifest(p.manifest), signature_ed25519: p.manifest.signature_ed25519.replace(/=+$/, '').replace(/(.{40})/, '$1\r\n') };
    expect(check(p.plugin, p.release, raw)).toEqual([]);
    const other = PAIRS.find((x) => x.release.signature_ed25519 !== p.release.signature_ed25519)!;
    expect(check(p.plugin, { ...p.release, signature_ed25519: other.release.signature_ed25519 }, p.manifest)[0]).toMatchObject({
      instancePath: '/plugins/0/releases/1/signature_ed25519',
      message: 'index signature_ed25519 differs from the manifest signature_ed25519',
    });
    expect(check(p.plugin, p.release, { ...p.manifest, signature_ed25519: '' })[0]!.message).toMatch(/manifest has no decodable/);
    expect(check(p.plugin, { ...p.release, signature_ed25519: 'AAAA' }, p.manifest)[0]!.message).toMatch(/index signature_ed25519 is not/);
  });
  it('default pointers without options', () => {
    const problems = checkReleaseAgainstManifest(p.plugin, { ...p.release, version: 'x' }, p.manifest);
    expect(problems[0]!.instancePath).toBe('/releases/-/version');
  });
});
