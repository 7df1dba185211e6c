/**
 * Host version selection and stored manifests in the installer (DESIGN §4.5):
 * - the same index gives different candidates on two host server versions,
 *   and `install ID` picks the newest release that loads on the host's
 *   version, saying why it passed over the others;
 * - the installer uses the index's stored manifest when the source serves it
 *   (still checked against the signed manifest_sha256), and fetches
 *   manifest_url only otherwise;
 * - the policy names its server version: server_build (exact), server_rules
 *   (mapping), server_line (alias), failing closed on an unknown build.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyError, VerificationError } from '../../src/core/errors.js';
import { listCandidates } from '../../src/domain/install/candidates.js';
import { verifyIndexForInstall, verifyInstall } from '../../src/domain/install/pipeline.js';
import { parseInstallPolicy, starterInstallPolicy } from '../../src/domain/install/policy.js';
import { fetchError, type FetchedBody, type FetchRequest } from '../../src/domain/install/transport.js';
import { formatApprovalSummary } from '../../src/domain/install/summary.js';
import { nodeBundleCodec } from '../../src/io/bundle.js';
import { runInstall, storedManifestReader } from '../../src/io/install.js';
import { InstallEnv, InstallRepo, NOW, keyB64, policyDoc, policyFrom, snapshotDir } from './harness.js';

const UTF8 = new TextEncoder();

/** A typed method with the given scopes and budget (a system plugin's runtime interface). */
function withInterface(scopes: string[], budget?: Record<string, number>) {
  return (m: Record<string, unknown>): void => {
    m.interfaces = [{ service: `${String(m.id)}/items`, methods: [{ name: 'list', effect: 'read', scopes, ...(budget ? { budget } : {}) }], backing: 'runtime' }];
  };
}

/**
 * acme.hello: 1.0.0 loads everywhere; 1.1.0 (head) has scope worker:deploy — main and alpha-0.2.2a41 only.
 * acme.fetch: 1.0.0 loads everywhere; 1.1.0 (head) has budget http_response_bytes — integration-2026-09 only.
 */
function twoPluginRepo(): InstallRepo {
  const repo = new InstallRepo();
  repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', store: true, manifest: withInterface(['proxy:read']) });
  repo.addRelease({ plugin: 'acme.hello', version: '1.1.0', store: true, manifest: withInterface(['worker:deploy']) });
  repo.addRelease({ plugin: 'acme.fetch', version: '1.0.0', store: true, manifest: withInterface(['proxy:read']) });
  repo.addRelease({
    plugin: 'acme.fetch', version: '1.1.0', store: true,
    manifest: withInterface(['proxy:read'], { timeout_ms: 1000, stdout_bytes: 1024, stderr_bytes: 1024, host_calls: 4, http_response_bytes: 1048576 }),
  });
  return repo;
}

/** The test policy with the host naming a server version its own way. */
function hostPolicy(host: Record<string, unknown>): Record<string, any> {
  const doc = policyDoc();
  delete doc.host.server_line;
  Object.assign(doc.host, host);
  return doc;
}

function candidatesFor(repo: InstallRepo, index: Uint8Array, policyDocument: Record<string, any>) {
  const policy = policyFrom(policyDocument);
  const v = verifyIndexForInstall(index, policy, NOW);
  if (!v.ok) throw v.error;
  return listCandidates(v.verified, policy, NOW).map((c) => ({ plugin: c.plugin, version: c.version, installable: c.installable, skipped: c.skipped.map((k) => k.version), serverVersion: c.serverVersion }));
}

describe('host version selection', () => {
  it('the index records where each release loads (as build computes it)', () => {
    const repo = twoPluginRepo();
    const index = JSON.parse(new TextDecoder().decode(repo.publish()));
    expect(index.server_versions).toEqual(['main-141e9ca', 'alpha-0.2.2a41', 'integration-2026-09']);
    const loads = (id: string, v: string) => index.plugins.find((p: { id: string }) => p.id === id).releases.find((r: { version: string }) => r.version === v).loads_on;
    expect(loads('acme.hello', '1.1.0')).toEqual(['main-141e9ca', 'alpha-0.2.2a41']);
    expect(loads('acme.fetch', '1.1.0')).toEqual(['integration-2026-09']);
    expect(loads('acme.fetch', '1.0.0')).toEqual(['main-141e9ca', 'alpha-0.2.2a41', 'integration-2026-09']);
  });

  it('the same index gives different candidates on alpha-0.2.2a41 and on integration-2026-09', () => {
    const repo = twoPluginRepo();
    const index = repo.publish();
    expect(candidatesFor(repo, index, hostPolicy({ server_build: 'alpha-0.2.2a41' }))).toEqual([
      { plugin: 'acme.fetch', version: '1.0.0', installable: true, skipped: ['1.1.0'], serverVersion: 'alpha-0.2.2a41' },
      { plugin: 'acme.hello', version: '1.1.0', installable: true, skipped: [], serverVersion: 'alpha-0.2.2a41' },
    ]);
    expect(candidatesFor(repo, index, hostPolicy({ server_build: 'integration-2026-09' }))).toEqual([
      { plugin: 'acme.fetch', version: '1.1.0', installable: true, skipped: [], serverVersion: 'integration-2026-09' },
      { plugin: 'acme.hello', version: '1.0.0', installable: true, skipped: ['1.1.0'], serverVersion: 'integration-2026-09' },
    ]);
    // The aliases: integration is integration-2026-09; main is main-141e9ca (which loads hello 1.1.0 too).
    expect(candidatesFor(repo, index, hostPolicy({ server_line: 'integration' }))).toEqual(candidatesFor(repo, index, hostPolicy({ server_build: 'integration-2026-09' })));
    expect(candidatesFor(repo, index, hostPolicy({ server_line: 'main', runtime_protocols: ['stdio-json-v1'] })).map((c) => c.version)).toEqual(['1.0.0', '1.1.0']);
  });

  it('the reason a release was passed over names the host version and where it loads', () => {
    const repo = twoPluginRepo();
    const policy = policyFrom(hostPolicy({ server_build: 'alpha-0.2.2a41' }));
    const v = verifyIndexForInstall(repo.publish(), policy, NOW);
    if (!v.ok) throw v.error;
    const fetch = listCandidates(v.verified, policy, NOW).find((c) => c.plugin === 'acme.fetch')!;
    expect(fetch.skipped).toEqual([{ version: '1.1.0', reason: 'acme.fetch 1.1.0 does not load on server version alpha-0.2.2a41: the signed index says it loads on integration-2026-09' }]);
    expect(fetch.reason).toContain('the signed index says it loads on alpha-0.2.2a41');
  });

  it.each([
    ['alpha-0.2.2a41', { 'acme.hello': '1.1.0', 'acme.fetch': '1.0.0' }],
    ['integration-2026-09', { 'acme.hello': '1.0.0', 'acme.fetch': '1.1.0' }],
  ] as const)('install ID on %s picks the newest release that loads there, end to end', async (build, want) => {
    const repo = twoPluginRepo();
    const index = repo.publish();
    for (const [plugin, version] of Object.entries(want)) {
      const r = await verifyInstall({ codec: nodeBundleCodec, indexBytes: index, policy: policyFrom(hostPolicy({ server_build: build })), pluginId: plugin, fetcher: repo.fetcher(), now: NOW, storedManifest: repo.storedReader() });
      expect(r.ok, r.ok ? '' : `${r.error.code} ${r.error.message}`).toBe(true);
      if (!r.ok) continue;
      expect(r.candidate.release.version).toBe(version);
      expect(r.summary.server).toEqual({ rules: build, build, loadsOn: r.candidate.release.loads_on });
      const select = r.steps.find((s) => s.step === 'select')!.detail;
      expect(select).toContain(`the signed index says it loads on ${build}`);
      if (version === '1.0.0') {
        expect(r.candidate.skipped).toEqual([{ version: '1.1.0', reason: expect.stringContaining(`does not load on server version ${build}`) }]);
        expect(formatApprovalSummary(r.summary)).toContain(`skipped 1.1.0: ${plugin} 1.1.0 does not load on server version ${build}`);
      } else {
        expect(r.candidate.skipped).toEqual([]);
      }
    }
  });

  it('a pinned release is not passed over: the host\'s own rules judge it at the manifest step', async () => {
    const repo = twoPluginRepo();
    const r = await verifyInstall({ codec: nodeBundleCodec, indexBytes: repo.publish(), policy: policyFrom(hostPolicy({ server_build: 'alpha-0.2.2a41' })), pluginId: 'acme.fetch', version: '1.1.0', fetcher: repo.fetcher(), now: NOW, storedManifest: repo.storedReader() });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(VerificationError);
    expect(r.error.code).toBe('MANIFEST_DECODE');
    expect(r.error.message).toBe('decode manifest: interface methods must be all strings or all typed objects: json: unknown field "http_response_bytes"');
  });

  it('when no release of the channel loads on the host version: RELEASE_NOT_LOADABLE at select', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', store: true, manifest: withInterface(['worker:deploy']) });
    const r = await verifyInstall({ codec: nodeBundleCodec, indexBytes: repo.publish(), policy: policyFrom(hostPolicy({ server_build: 'integration-2026-09' })), pluginId: 'acme.hello', fetcher: repo.fetcher(), now: NOW });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(PolicyError);
    expect(r.error.code).toBe('RELEASE_NOT_LOADABLE');
    expect(r.steps.at(-1)).toMatchObject({ step: 'select', ok: false });
  });

  it('a revoked head is passed over too (the newest release the policy allows), a pinned revoked release is refused', async () => {
    const repo = twoPluginRepo();
    repo.revocations = { releases: [{ plugin: 'acme.fetch', version: '1.1.0', reason: 'broken', revoked_at: '2026-07-30T00:00:00Z' }] };
    const index = repo.publish();
    const policy = policyFrom(hostPolicy({ server_build: 'integration-2026-09' }));
    const r = await verifyInstall({ codec: nodeBundleCodec, indexBytes: index, policy, pluginId: 'acme.fetch', fetcher: repo.fetcher(), now: NOW });
    expect(r.ok && r.candidate.release.version).toBe('1.0.0');
    expect(r.ok && r.candidate.skipped[0]!.reason).toMatch(/release acme\.fetch@1\.1\.0 is revoked/);
    const pinned = await verifyInstall({ codec: nodeBundleCodec, indexBytes: index, policy, pluginId: 'acme.fetch', version: '1.1.0', fetcher: repo.fetcher(), now: NOW });
    expect(!pinned.ok && pinned.error.code).toBe('RELEASE_REVOKED');
  });

  it('"allowed by policy": a newer release above the publisher\'s risk limit is passed over; when none qualifies the head fails at its own step', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', store: true });
    repo.addRelease({ plugin: 'acme.hello', version: '1.1.0', store: true, capabilities: ['kv:read', 'network:apply'] }); // host risk; acme is limited to write
    const r = await verifyInstall({ codec: nodeBundleCodec, indexBytes: repo.publish(), policy: policyFrom(), pluginId: 'acme.hello', fetcher: repo.fetcher(), now: NOW });
    expect(r.ok && r.candidate.release.version).toBe('1.0.0');
    expect(r.ok && r.candidate.skipped).toEqual([{ version: '1.1.0', reason: 'acme.hello 1.1.0 needs host risk (network:apply); the policy allows acme at most write' }]);
    const only = new InstallRepo();
    only.addRelease({ plugin: 'acme.hello', version: '1.1.0', capabilities: ['kv:read', 'network:apply'] });
    const refused = await verifyInstall({ codec: nodeBundleCodec, indexBytes: only.publish(), policy: policyFrom(), pluginId: 'acme.hello', fetcher: only.fetcher(), now: NOW });
    expect(!refused.ok && refused.error.code).toBe('PUBLISHER_LIMIT');
    expect(refused.steps.at(-1)).toMatchObject({ step: 'publisher', ok: false });
  });

  it('releases without a matrix (real upstream entries) are judged by the manifest step alone, as before', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    repo.addRelease({ plugin: 'acme.hello', version: '1.1.0', manifest: withInterface(['worker:deploy']) });
    const r = await verifyInstall({ codec: nodeBundleCodec, indexBytes: repo.publish(), policy: policyFrom(hostPolicy({ server_build: 'integration-2026-09' })), pluginId: 'acme.hello', fetcher: repo.fetcher(), now: NOW });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('MANIFEST_INVALID');
    expect(r.steps.find((s) => s.step === 'select')!.detail).toContain('no loadability matrix for integration-2026-09 in the index');
  });
});

describe('stored manifests in the installer', () => {
  it('uses the stored manifest and never fetches manifest_url', async () => {
    const repo = twoPluginRepo();
    const fetcher = repo.fetcher();
    const reader = repo.storedReader();
    const r = await verifyInstall({ codec: nodeBundleCodec, indexBytes: repo.publish(), policy: policyFrom(), pluginId: 'acme.hello', fetcher, now: NOW, storedManifest: reader });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(reader.requests).toEqual(['manifests/acme.hello/1.0.0.json']);
    expect(fetcher.requests).toEqual([r.candidate.release.artifact_url]);
    expect(r.candidate.manifestSource).toBe('stored');
    expect(r.summary.manifest.source).toBe('stored');
    expect(r.steps.find((s) => s.step === 'manifest')!.detail).toMatch(/^stored manifest manifests\/acme\.hello\/1\.0\.0\.json: /);
  });

  it('attack: a stored manifest that is not the signed one is refused (MANIFEST_INDEX_MISMATCH); the honest one passes', async () => {
    const repo = twoPluginRepo();
    const index = repo.publish();
    // Swap in another validly signed manifest of the same plugin.
    repo.stored.set('manifests/acme.hello/1.0.0.json', repo.stored.get('manifests/acme.hello/1.1.0.json')!);
    const r = await verifyInstall({ codec: nodeBundleCodec, indexBytes: index, policy: policyFrom(), pluginId: 'acme.hello', fetcher: repo.fetcher(), now: NOW, storedManifest: repo.storedReader() });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(VerificationError);
    expect(r.error.code).toBe('MANIFEST_INDEX_MISMATCH');
    expect(r.error.message).toContain('(stored manifest manifests/acme.hello/1.0.0.json)');
  });

  it('falls back to manifest_url when the source does not hold the stored manifest (same digest rule)', async () => {
    const repo = twoPluginRepo();
    const index = repo.publish();
    repo.stored.clear();
    const fetcher = repo.fetcher();
    const r = await verifyInstall({ codec: nodeBundleCodec, indexBytes: index, policy: policyFrom(), pluginId: 'acme.hello', fetcher, now: NOW, storedManifest: repo.storedReader() });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.candidate.manifestSource).toBe('url');
    // (The artifact's download starts beside step 4, so the order of the two requests is not fixed.)
    expect(fetcher.requests).toContain(r.candidate.release.manifest_url);
    expect(r.steps.find((s) => s.step === 'manifest')!.detail).toContain('the source does not serve the stored manifest manifests/acme.hello/1.0.0.json, fetched manifest_url');
  });

  it('an oversized stored manifest is refused by the pipeline\'s own cap (the reader\'s cap is not trusted)', async () => {
    const repo = twoPluginRepo();
    const index = repo.publish();
    const doc = policyDoc();
    doc.limits.max_manifest_bytes = 512;
    const r = await verifyInstall({ codec: nodeBundleCodec, indexBytes: index, policy: policyFrom(doc), pluginId: 'acme.hello', fetcher: repo.fetcher(), now: NOW, storedManifest: async () => new Uint8Array(4096) });
    expect(!r.ok && r.error.code).toBe('FETCH_TOO_LARGE');
  });

  it('runInstall reads the stored manifest beside an index file (and places exactly those bytes)', async () => {
    const env = new InstallEnv();
    try {
      const repo = twoPluginRepo();
      const indexFile = env.indexFile(repo.publish());
      for (const [rel, bytes] of repo.stored) {
        const p = path.join(path.dirname(indexFile), rel);
        mkdirSync(path.dirname(p), { recursive: true });
        writeFileSync(p, bytes);
      }
      const fetcher = repo.fetcher();
      const report = await runInstall({ policy: policyFrom(), policyDir: env.policyDir, indexSource: indexFile, pluginId: 'acme.fetch', pluginDir: env.pluginDir, fetcher, now: NOW, approve: () => true, approvedBy: 'test' });
      expect(report.result.ok).toBe(true);
      if (!report.result.ok) return;
      expect(report.result.candidate.release.version).toBe('1.1.0'); // the test policy says server_line integration
      expect(report.result.candidate.manifestSource).toBe('stored');
      expect(fetcher.requests).not.toContain(report.result.candidate.release.manifest_url);
      expect(snapshotDir(env.pluginDir).some((l) => l.startsWith('acme.fetch.plugin/manifest.json'))).toBe(true);
    } finally {
      env.cleanup();
    }
  });
});

describe('storedManifestReader (io): beside a file, or from the index URL\'s origin', () => {
  it('a file source: reads, "missing" is undefined, a path leaving the directory is refused', async () => {
    const env = new InstallEnv();
    try {
      const indexFile = env.indexFile(UTF8.encode('{}'));
      mkdirSync(path.join(env.policyDir, 'manifests/acme.x'), { recursive: true });
      writeFileSync(path.join(env.policyDir, 'manifests/acme.x/1.0.0.json'), 'bytes');
      const read = storedManifestReader(indexFile, new InstallRepo().fetcher());
      expect(new TextDecoder().decode(await read('manifests/acme.x/1.0.0.json', 100))).toBe('bytes');
      expect(await read('manifests/acme.x/2.0.0.json', 100)).toBeUndefined();
      await expect(read('manifests/acme.x/1.0.0.json', 2)).rejects.toMatchObject({ code: 'FETCH_TOO_LARGE' });
      await expect(read('../state.json', 100)).rejects.toMatchObject({ code: 'FETCH_URL_REFUSED' });
    } finally {
      env.cleanup();
    }
  });

  it('a URL source: same origin only; HTTP 404 is "not served"', async () => {
    const requests: string[] = [];
    const fetcher = {
      async fetch(url: string, req: FetchRequest): Promise<FetchedBody> {
        requests.push(url);
        if (url.endsWith('/present.json')) return { finalUrl: url, body: (async function* () { yield UTF8.encode('m'); })() };
        throw fetchError('FETCH_FAILED', `${req.purpose} at ${url}: HTTP 404, expected 200`);
      },
    };
    const read = storedManifestReader('https://plugins.example.org/catalog/plugins.json', fetcher);
    expect(await read('manifests/present.json', 10)).toEqual(UTF8.encode('m'));
    expect(await read('manifests/absent.json', 10)).toBeUndefined();
    expect(requests).toEqual(['https://plugins.example.org/catalog/manifests/present.json', 'https://plugins.example.org/catalog/manifests/absent.json']);
    await expect(read('//evil.example/x.json', 10)).rejects.toMatchObject({ code: 'FETCH_URL_REFUSED' });
  });
});

describe('the policy names its server version', () => {
  const problems = (host: Record<string, unknown>) => {
    const r = parseInstallPolicy({ value: hostPolicy(host) });
    return r.ok ? [] : r.problems.map((p) => [p.instancePath, p.keyword]);
  };

  it('server_build names exactly those rules; aliases and commits resolve; the existing form still parses', () => {
    expect(policyFrom(hostPolicy({ server_build: 'alpha-0.2.2a41' })).host).toMatchObject({ serverRules: 'alpha-0.2.2a41', serverLine: 'integration', serverBuild: 'alpha-0.2.2a41' });
    expect(policyFrom(hostPolicy({ server_build: '4dfbf5d' })).host.serverRules).toBe('alpha-0.2.2a41');
    expect(policyFrom(hostPolicy({ server_build: 'alpha-0.2.2a39' })).host.serverRules).toBe('alpha-0.2.2a41');
    expect(policyFrom(hostPolicy({ server_line: 'main', runtime_protocols: ['stdio-json-v1'] })).host).toMatchObject({ serverRules: 'main-141e9ca', serverLine: 'main' });
    expect(policyFrom(policyDoc()).host).toMatchObject({ serverRules: 'integration-2026-09', serverLine: 'integration', serverVersion: '0.2.2' });
    expect(policyFrom(hostPolicy({ server_build: 'alpha-0.2.2a41', server_line: 'integration' })).host.serverRules).toBe('alpha-0.2.2a41');
  });

  it('an unknown build fails closed unless server_rules maps it', () => {
    expect(problems({ server_build: 'alpha-0.2.2a45' })).toEqual([['/host/server_build', 'serverVersionKnown']]);
    const r = parseInstallPolicy({ value: hostPolicy({ server_build: 'alpha-0.2.2a45' }) });
    expect(!r.ok && r.error.code).toBe('INSTALL_POLICY_INVALID');
    expect(!r.ok && r.problems[0]!.message).toContain('SERVER_VERSION_UNKNOWN');
    expect(policyFrom(hostPolicy({ server_build: 'alpha-0.2.2a45', server_rules: 'integration-2026-09' })).host).toMatchObject({ serverRules: 'integration-2026-09', serverBuild: 'alpha-0.2.2a45' });
  });

  it.each<[string, Record<string, unknown>, [string, string][]]>([
    ['no version at all', {}, [['/host', 'required']]],
    ['an unknown server_rules', { server_rules: 'integration-2027-01' }, [['/host/server_rules', 'serverVersionKnown']]],
    ['a mapping that contradicts a known build', { server_build: 'alpha-0.2.2a41', server_rules: 'main' }, [['/host/server_rules', 'serverVersionConsistent']]],
    ['a line that contradicts the build', { server_build: 'main-141e9ca', server_line: 'integration', runtime_protocols: ['stdio-json-v1'] }, [['/host/server_line', 'serverVersionConsistent']]],
    ['a branch alias as a build', { server_build: 'integration' }, [['/host/server_build', 'serverVersionKnown']]],
    ['a malformed build', { server_build: 'alpha 0.2.2' }, [['/host/server_build', 'pattern']]],
    ['protocols the version does not speak', { server_build: 'main-141e9ca' }, [['/host/runtime_protocols/1', 'enum']]],
  ])('refuses %s', (_, host, want) => {
    expect(problems(host)).toEqual(want);
  });

  it('a build name written as server_version is refused with a pointer to server_build (not guessed)', () => {
    const r = parseInstallPolicy({ value: hostPolicy({ server_version: 'alpha-0.2.2a41', server_line: 'integration' }) });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([expect.objectContaining({ instancePath: '/host/server_version', keyword: 'pattern' })]);
    expect(r.problems[0]!.message).toContain('names the server version alpha-0.2.2a41, whose plugin rules belong in server_build');
  });

  it('policy init writes server_build and the protocols of that version', () => {
    const doc = starterInstallPolicy({ indexKeys: [keyB64('index-ci')], serverVersion: '0.2.2', serverBuild: 'main-141e9ca', platform: 'linux/amd64' });
    expect(doc.host).toMatchObject({ server_build: 'main-141e9ca', runtime_protocols: ['stdio-json-v1'] });
    expect((doc.host as Record<string, unknown>).server_line).toBeUndefined();
    expect(() => starterInstallPolicy({ indexKeys: [keyB64('index-ci')], serverVersion: '0.2.2', serverBuild: 'alpha-0.2.2a45', platform: 'linux/amd64' })).toThrow(/server_build/);
  });
});
