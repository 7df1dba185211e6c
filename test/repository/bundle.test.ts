/**
 * The offline bundle in the library: `runInstall` with **no fetcher at all**
 * installs from it; a damaged bundle is refused by its structure, by the
 * repository's hashes or by its signatures; nothing is installed then.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { textToByteString } from '../../src/domain/bundle/entry-path.js';
import { TYPE, writeTar } from '../../src/domain/bundle/tar.js';
import { offlineBundleTransport, packOfflineBundle, readOfflineBundle, type OfflineBundle } from '../../src/domain/repository/bundle.js';
import { openPinnedClient, repositoryIndexSource } from '../../src/domain/repository/install-source.js';
import { exportOfflineBundle } from '../../src/io/export.js';
import { runInstall } from '../../src/io/install.js';
import { snapshotDir } from '../install/harness.js';
import { V2World } from './v2-harness.js';

let w: V2World;
afterEach(() => w?.cleanup());

async function exported(): Promise<OfflineBundle> {
  const r = await exportOfflineBundle({ transport: w.sim.transport(), fetcher: w.inst.fetcher(), root: w.sim.history.get('metadata/1.root.json')![0]!, pluginId: 'acme.tool', now: Date.now() });
  if (!r.ok) throw r.error;
  const b = await readOfflineBundle(r.report.bytes, { maxArtifactBytes: 1 << 24, maxManifestBytes: 1 << 20 });
  if (!b.ok) throw b.error;
  return b.bundle;
}

async function installFrom(b: OfflineBundle) {
  const index = repositoryIndexSource({
    label: 'offline bundle',
    open: () => openPinnedClient({ transport: offlineBundleTransport(b), store: w.store, now: Date.now(), pin: { kind: 'file', bytes: w.sim.history.get('metadata/1.root.json')![0]!, label: 'root' } }),
    content: (url, purpose) => (purpose === 'manifest' && url === b.manifestUrl ? b.manifest : purpose === 'artifact' && url === b.artifactUrl ? b.artifact : undefined),
  });
  // No fetcher: any network access would be a FETCH_URL_REFUSED.
  return runInstall({ policy: w.policy(), policyDir: w.env.policyDir, index, pluginId: 'acme.tool', version: b.version, pluginDir: w.env.pluginDir, now: Date.now(), approve: () => true });
}

describe('offline bundle', () => {
  it('installs with no fetcher injected at all', async () => {
    w = new V2World();
    w.sim.rotateRoot({ newRoot: ['root-b'] }); // the chain from version 1 travels in the bundle
    w.publish({ forceTimestamp: true });
    const b = await exported();
    expect([...b.metadata.keys()].filter((n) => n.endsWith('.root.json')).sort()).toEqual(['1.root.json', '2.root.json']);
    const r = await installFrom(b);
    expect(r.result.ok ? 'ok' : r.result.error.code).toBe('ok');
    expect(r.placed?.path).toMatch(/acme\.tool\.plugin$/);
  });

  it('a stored manifest travels as a target (with its bin) and is read through TUF offline', async () => {
    w = new V2World({}, { storeManifest: true });
    const b = await exported();
    const [mp, mb] = [...b.targets].find(([k]) => /^manifests\/acme\.tool\/[0-9a-f]{64}\.1\.0\.0\.json$/.test(k))!;
    // Tampered inside the bundle: refused by the bin's hash (the manifest step), nothing installed.
    const evil = Uint8Array.from(mb);
    evil[3] = evil[3]! ^ 1;
    const before = snapshotDir(w.env.pluginDir);
    const bad = await installFrom({ ...b, targets: new Map([...b.targets].map(([k, v]) => [k, k === mp ? evil : v])) });
    expect(bad.result.ok ? 'ok' : `${bad.result.error.code} at ${bad.result.steps.find((s) => !s.ok)?.step}`).toBe('REPO_HASH_MISMATCH at manifest');
    expect(snapshotDir(w.env.pluginDir)).toEqual(before);
    const r = await installFrom(b);
    expect(r.result.ok ? 'ok' : r.result.error.code).toBe('ok');
    expect(r.result.steps.find((s) => s.step === 'manifest')?.detail).toContain('stored manifest manifests/acme.tool/1.0.0.json');
  });

  it('refuses a bundle whose target, metadata or structure was changed, installing nothing', async () => {
    w = new V2World();
    const b = await exported();
    const before = snapshotDir(w.env.pluginDir);
    // A bin missing (a fresh host: nothing stored yet).
    const meta = new Map(b.metadata);
    meta.delete([...meta.keys()].find((n) => /\.bins-/.test(n))!);
    const r2 = await installFrom({ ...b, metadata: meta });
    expect(r2.result.ok ? 'ok' : r2.result.error.code).toBe('FETCH_NOT_FOUND');
    const [tp, tbytes] = [...b.targets][0]!;
    const t2 = Uint8Array.from(tbytes);
    t2[5] = t2[5]! ^ 1;
    const r1 = await installFrom({ ...b, targets: new Map([[tp, t2]]) });
    expect(r1.result.ok ? 'ok' : r1.result.error.code).toBe('REPO_HASH_MISMATCH');
    expect(snapshotDir(w.env.pluginDir)).toEqual(before);
    // Structure: an unknown entry, a duplicate, a symlink-free rule.
    const tar = (names: string[]) => writeTar(names.map((n) => ({ name: textToByteString(n), typeflag: TYPE.REG, mode: 0o644, data: new Uint8Array([1]) })));
    const caps = { maxArtifactBytes: 1 << 20, maxManifestBytes: 1 << 20 };
    for (const names of [['evil.sh'], ['content/artifact', 'content/artifact'], ['targets/../x'], ['metadata/timestamp.json']]) {
      const r = await readOfflineBundle(tar(names), caps);
      expect(r.ok ? 'ok' : r.error.code, names.join(',')).toBe('REPO_BUNDLE_INVALID');
    }
    const good = packOfflineBundle(b);
    expect((await readOfflineBundle(good, caps)).ok).toBe(true);
    expect((await readOfflineBundle(good, { ...caps, maxArtifactBytes: 10 })).ok).toBe(false);
  });
});
