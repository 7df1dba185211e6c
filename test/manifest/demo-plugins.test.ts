/**
 * The demo plugins listed in index/ are real (deliverable 9): every release
 * of the `demo` publisher has a committed bundle and signed manifest in
 * examples/demo-plugins/dist/ (built by scripts/rebuild-demo-plugins.mjs),
 * and the index entry describes exactly them.
 *
 * Per release: the signature verifies under index/publishers/demo.json's key
 * with the real bundle bytes, as the server would (interop §C.5, both server
 * lines); the entry matches the manifest (§I.7); the bundle passes the
 * server's archive rules for linux/amd64 (§D.6); and the bundle carries the
 * sources of examples/demo-plugins/ unchanged.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeCanonicalBase64 } from '../../src/core/base64.js';
import { SERVER_LINES, SERVER_VERSIONS } from '../../src/core/server-line.js';
import { sha256Hex } from '../../src/crypto/index.js';
import { inspectBundle } from '../../src/io/bundle.js';
import {
  checkReleaseAgainstManifest,
  decodeManifest,
  marshalManifestIndent,
  verifyManifest,
} from '../../src/domain/manifest/index.js';
import type { ConsistencyPlugin, ConsistencyRelease } from '../../src/domain/manifest/index.js';
import { ROOT } from '../cli/helpers.js';

const INDEX = path.join(ROOT, 'index');
const EXAMPLES = path.join(ROOT, 'examples/demo-plugins');
const DIST = path.join(EXAMPLES, 'dist');

interface Release extends ConsistencyRelease {
  manifest_sha256?: string;
  artifact_url: string;
}
interface Plugin extends ConsistencyPlugin {
  releases: Release[];
}

const readJSON = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const publisher = readJSON<{ id: string; public_key_ed25519: string }>(path.join(INDEX, 'publishers/demo.json'));
const demoKey = decodeCanonicalBase64(publisher.public_key_ed25519, 32);
const plugins = readdirSync(path.join(INDEX, 'plugins'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => readJSON<Plugin>(path.join(INDEX, 'plugins', f)))
  .filter((p) => p.publisher === 'demo');
const releases = plugins.flatMap((plugin) => plugin.releases.map((release, j) => ({ plugin, release, j, base: `${plugin.id}-${release.version}` })));

/** Which source file each bundle path must carry, unchanged (the recipes of scripts/rebuild-demo-plugins.mjs). */
async function expectedSources(id: string): Promise<Record<string, string>> {
  const sha = (rel: string): string => sha256Hex(readFileSync(path.join(EXAMPLES, rel)));
  switch (id) {
    case 'demo.hello': {
      const script = sha('hello-system/plugin.sh');
      return Object.fromEntries(['darwin-amd64', 'darwin-arm64', 'linux-amd64', 'linux-arm64'].map((p) => [`bin/${p}/plugin`, script]));
    }
    case 'demo.counter': {
      const { MODULE } = (await import(pathToFileURL(path.join(EXAMPLES, 'counter-wasm/module.mjs')).href)) as { MODULE: Uint8Array };
      return { 'bin/wasm/plugin.wasm': sha256Hex(MODULE) };
    }
    case 'demo.echo-worker':
      return { 'bin/worker/worker.js': sha('greeter-worker/worker.js') };
    default:
      throw new Error(`no recipe for ${id}`);
  }
}

describe('demo plugins in index/ (examples/demo-plugins/dist/)', () => {
  it('are the three demo plugins (system, wasm, worker) with four releases, and the publisher key is a real key', () => {
    expect(demoKey).not.toBeNull();
    expect(plugins.map((p) => [p.id, p.type]).sort()).toEqual([
      ['demo.counter', 'wasm'],
      ['demo.echo-worker', 'worker'],
      ['demo.hello', 'system'],
    ]);
    expect(releases.map((r) => r.base).sort()).toEqual([
      'demo.counter-0.3.0',
      'demo.echo-worker-0.1.0',
      'demo.hello-1.0.0',
      'demo.hello-1.1.0-alpha.1',
    ]);
  });

  it('index/manifests/ keeps exactly the signed manifest of each release, byte for byte, and the committed index names it with its matrix', () => {
    const stored = plugins.flatMap((p) => readdirSync(path.join(INDEX, 'manifests', p.id)).map((f) => `${p.id}/${f}`)).sort();
    expect(stored).toEqual(releases.map((r) => `${r.plugin.id}/${r.release.version}.json`).sort());
    expect(readdirSync(path.join(INDEX, 'manifests')).sort()).toEqual(plugins.map((p) => p.id).sort());
    const index = readJSON<{ server_versions: string[]; plugins: Array<{ id: string; releases: Array<{ version: string; stored_manifest?: string; loads_on?: string[] }> }> }>(path.join(INDEX, 'plugins.json'));
    expect(index.server_versions).toEqual([...SERVER_VERSIONS]);
    for (const { plugin, release, base } of releases) {
      const bytes = readFileSync(path.join(INDEX, 'manifests', plugin.id, `${release.version}.json`));
      expect(Buffer.compare(bytes, readFileSync(path.join(DIST, `${base}.manifest.json`))), base).toBe(0);
      expect(sha256Hex(bytes)).toBe(release.manifest_sha256);
      const built = index.plugins.find((p) => p.id === plugin.id)!.releases.find((r) => r.version === release.version)!;
      expect(built).toMatchObject({ stored_manifest: `manifests/${plugin.id}/${release.version}.json`, loads_on: [...SERVER_VERSIONS] });
    }
  });

  it('dist/ holds exactly one bundle and one manifest per release (nothing stale)', () => {
    const expected = releases.flatMap((r) => [`${r.base}.manifest.json`, `${r.base}.tar.gz`]).sort();
    expect(readdirSync(DIST).sort()).toEqual(expected);
  });

  // Every demo release of index/plugins/*.json, each checked against its committed files.
  for (const { plugin, release, j, base } of releases) {
    describe(base, () => {
      const manifestBytes = new Uint8Array(readFileSync(path.join(DIST, `${base}.manifest.json`)));
      const bundle = new Uint8Array(readFileSync(path.join(DIST, `${base}.tar.gz`)));

      it('the signature verifies under the demo publisher key with the real bundle bytes, on every server line and known version, stored copy included', () => {
        const trust = { trustedPublishers: new Map([['demo', demoKey!]]), allowUnsignedHostRisk: false };
        const stored = new Uint8Array(readFileSync(path.join(INDEX, 'manifests', plugin.id, `${release.version}.json`)));
        for (const serverLine of [...SERVER_LINES, ...SERVER_VERSIONS]) {
          for (const bytes of [manifestBytes, stored]) {
            const r = verifyManifest(bytes, bundle, trust, { serverVersion: serverLine });
            expect(r.ok ? 'ok' : `${r.code}: ${r.message}`, serverLine).toBe('ok');
            expect(r.ok && r.signed).toBe(true);
          }
        }
        // And not with the bytes of another release's bundle.
        const other = releases.find((x) => x.base !== base)!;
        const wrong = verifyManifest(manifestBytes, new Uint8Array(readFileSync(path.join(DIST, `${other.base}.tar.gz`))), trust);
        expect(wrong.ok ? 'ok' : wrong.code).toBe('MANIFEST_DIGEST_MISMATCH');
      });

      it('the entry matches the manifest: checkReleaseAgainstManifest, manifest_sha256, artifact_sha256', () => {
        const decoded = decodeManifest(manifestBytes);
        if (!decoded.ok) throw new Error(decoded.message);
        const m = decoded.manifest;
        expect(checkReleaseAgainstManifest(plugin, release, m, { releaseIndex: j })).toEqual([]);
        expect(release.manifest_sha256).toBe(sha256Hex(manifestBytes));
        expect(release.artifact_sha256).toBe(sha256Hex(bundle));
        expect(release.artifact_url.endsWith(`/${base}.tar.gz`)).toBe(true);
        // Written by the toolkit's signer: Go's MarshalIndent form (interop §B.5).
        expect(new TextDecoder().decode(manifestBytes)).toBe(marshalManifestIndent(m));
      });

      it('the bundle passes the server\'s archive rules for linux/amd64 and carries the demo sources unchanged', async () => {
        const decoded = decodeManifest(manifestBytes);
        if (!decoded.ok) throw new Error(decoded.message);
        const m = decoded.manifest;
        const runtimeEntrypoint = m.runtime?.entrypoints?.get('linux/amd64');
        expect(runtimeEntrypoint).toBeDefined();
        const r = await inspectBundle(bundle, {
          runtimeEntrypoint: runtimeEntrypoint!,
          ...(m.ui_runtime ? { uiEntrypoint: m.ui_runtime.entrypoint } : {}),
        });
        if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
        expect(r.digestSha256Hex).toBe(release.artifact_sha256);
        const files = new Map(r.entries.filter((e) => e.type === 'file').map((e) => [e.path, e.sha256Hex]));
        for (const [p, sha] of Object.entries(await expectedSources(plugin.id))) expect(files.get(p), p).toBe(sha);
        if (plugin.id === 'demo.hello') expect(m.ui_runtime?.entrypoint).toBe('ui/index.html');
      });
    });
  }
});
