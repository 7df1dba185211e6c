/**
 * DESIGN §5 attacks by name, against the in-memory repository simulator
 * (harness.ts) and the real `runInstall` (io): every test asserts the error
 * class and code AND that the plugin directory is byte-for-byte unchanged.
 * Fetch-level attacks that need a real server (stall, redirects, DNS) are in
 * http.test.ts; the placement crash in placement.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync, existsSync } from 'node:fs';
import { PolicyError, VerificationError } from '../../src/core/errors.js';
import { encodeBase64 } from '../../src/core/base64.js';
import { sha256Hex, signEd25519 } from '../../src/crypto/index.js';
import { runInstall, type RunInstallOptions } from '../../src/io/install.js';
import type { InstallFetcher } from '../../src/domain/install/transport.js';
import { DAY, InstallEnv, InstallRepo, NOW, T0, keyB64, policyDoc, policyFrom, seedOf, snapshotDir, wasmModule } from './harness.js';
import { dir, entry, file, gz, tar, tgz } from '../bundle/raw-tar.js';
import { inspectBundle } from '../../src/io/bundle.js';

const UTF8 = new TextEncoder();

let env: InstallEnv;
let before: string[];
beforeEach(() => {
  env = new InstallEnv();
  before = snapshotDir(env.pluginDir);
});
afterEach(() => env.cleanup());

interface Attempt {
  repo: InstallRepo;
  index: Uint8Array;
  pluginId?: string;
  policy?: Record<string, any>;
  fetcher?: InstallFetcher;
  extra?: Partial<RunInstallOptions>;
}

async function attempt(a: Attempt) {
  return runInstall({
    policy: policyFrom(a.policy ?? policyDoc()),
    policyDir: env.policyDir,
    indexSource: env.indexFile(a.index),
    pluginId: a.pluginId ?? 'acme.hello',
    pluginDir: env.pluginDir,
    fetcher: a.fetcher ?? a.repo.fetcher(),
    now: NOW,
    approve: () => true,
    approvedBy: 'test',
    ...a.extra,
  });
}

/** The refusal: asserts class, code and an unchanged plugin directory. */
async function expectRefused(a: Attempt, cls: typeof VerificationError | typeof PolicyError, code: string, step: string) {
  const report = await attempt(a);
  expect(report.result.ok, report.result.ok ? 'expected a refusal' : '').toBe(false);
  if (report.result.ok) return report;
  expect(report.result.error).toBeInstanceOf(cls);
  expect(report.result.error.code).toBe(code);
  expect(report.placed).toBeUndefined();
  expect(snapshotDir(env.pluginDir)).toEqual(before);
  const last = report.result.steps[report.result.steps.length - 1]!;
  expect(last.ok).toBe(false);
  expect(last.step).toBe(step);
  return report;
}

function helloRepo(): InstallRepo {
  const repo = new InstallRepo();
  repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
  return repo;
}

describe('a good install (the baseline every attack departs from)', () => {
  it('places exactly the verified manifest and artifact, records state and audit, in step order', async () => {
    const repo = helloRepo();
    const built = repo.addRelease({ plugin: 'acme.hello', version: '1.1.0' });
    const report = await attempt({ repo, index: repo.publish() });
    expect(report.result.ok).toBe(true);
    if (!report.result.ok) return;
    const target = path.join(env.pluginDir, 'acme.hello.plugin');
    expect(report.placed).toEqual({ path: target, replaced: false });
    expect(new Uint8Array(readFileSync(path.join(target, 'manifest.json')))).toEqual(built.manifestBytes);
    expect(Buffer.from(readFileSync(path.join(target, 'artifact'))).equals(Buffer.from(built.artifact))).toBe(true);
    const after = snapshotDir(env.pluginDir);
    expect(after.filter((l) => !before.includes(l))).toEqual([
      'acme.hello.plugin/',
      `acme.hello.plugin/artifact ${sha256Hex(built.artifact)} 600`,
      `acme.hello.plugin/manifest.json ${sha256Hex(built.manifestBytes)} 600`,
    ]);
    const named = report.result.steps.filter((s) => !s.step.includes('.')).map((s) => s.step);
    expect(named).toEqual(['index', 'select', 'publisher', 'manifest', 'artifact', 'capabilities', 'runner', 'decision']);
    expect(report.result.steps.every((s) => s.ok)).toBe(true);
    expect(report.stateWritten).toBe(true);
    const state = JSON.parse(readFileSync(path.join(env.policyDir, 'state.json'), 'utf8')) as { generation: number };
    expect(state.generation).toBe(1);
    const audit = env.auditLines();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ event: 'plugin.install', outcome: 'installed', plugin: 'acme.hello', version: '1.1.0', artifact_sha256: sha256Hex(built.artifact) });
    // The summary names every capability with its tier and meaning.
    expect(report.result.summary.capabilities.map((c) => [c.name, c.risk])).toEqual([['kv:read', 'read'], ['log:write', 'write']]);
    expect(report.result.summary.capabilities.every((c) => c.meaning.length > 10)).toBe(true);
  });

  it('replaces an existing installation by rename-swap', async () => {
    const repo = helloRepo();
    expect((await attempt({ repo, index: repo.publish() })).placed?.replaced).toBe(false);
    const v2 = repo.addRelease({ plugin: 'acme.hello', version: '1.2.0' });
    const report = await attempt({ repo, index: repo.publish() });
    expect(report.placed?.replaced).toBe(true);
    expect(Buffer.from(readFileSync(path.join(env.pluginDir, 'acme.hello.plugin', 'artifact'))).equals(Buffer.from(v2.artifact))).toBe(true);
    // No stage or parked installation is left; the replaced release is kept (for rollback) where the server does not load it.
    expect(snapshotDir(env.pluginDir).filter((l) => l.startsWith('.')).map((l) => l.split(' ')[0])).toEqual([
      '.lattice-keep/',
      '.lattice-keep/acme.hello/',
      '.lattice-keep/acme.hello/previous/',
      '.lattice-keep/acme.hello/previous/artifact',
      '.lattice-keep/acme.hello/previous/manifest.json',
    ]);
  });

  it('a dry run verifies everything and writes nothing', async () => {
    const repo = helloRepo();
    const report = await attempt({ repo, index: repo.publish(), extra: { dryRun: true } });
    expect(report.result.ok).toBe(true);
    if (report.result.ok) expect(report.result.approved).toBe(false);
    expect(snapshotDir(env.pluginDir)).toEqual(before);
    expect(existsSync(path.join(env.policyDir, 'state.json'))).toBe(false);
    expect(existsSync(path.join(env.policyDir, 'audit.log'))).toBe(false);
  });

  it('the operator saying no leaves the directory unchanged (APPROVAL_REQUIRED) and is audited', async () => {
    const repo = helloRepo();
    let shown = '';
    await expectRefused(
      { repo, index: repo.publish(), extra: { approve: (s) => ((shown = s.plugin.id), false) } },
      PolicyError,
      'APPROVAL_REQUIRED',
      'decision',
    );
    expect(shown).toBe('acme.hello');
    expect(env.auditLines()[0]).toMatchObject({ event: 'plugin.install.refused', code: 'APPROVAL_REQUIRED', step: 'decision' });
  });
});

describe('step 1 — index', () => {
  it('bad index signature', async () => {
    const repo = helloRepo();
    const signed = JSON.parse(new TextDecoder().decode(repo.publish())) as { plugins: { summary: string }[] };
    signed.plugins[0]!.summary = 'A test plugin, now with more features.';
    await expectRefused({ repo, index: UTF8.encode(JSON.stringify(signed, null, 2)) }, VerificationError, 'INDEX_SIGNATURE_INVALID', 'index');
  });

  it('index signed only by a key the operator does not trust', async () => {
    const repo = helloRepo();
    await expectRefused({ repo, index: repo.publish({ signers: ['someone-else'] }) }, PolicyError, 'INDEX_UNTRUSTED_KEY', 'index');
  });

  it('rollback', async () => {
    const repo = helloRepo();
    env.writeState(5);
    await expectRefused({ repo, index: repo.publish({ generation: 3 }) }, VerificationError, 'INDEX_ROLLBACK', 'index');
  });

  it('expired index (freeze)', async () => {
    const repo = helloRepo();
    repo.now = T0 - 40 * DAY;
    await expectRefused({ repo, index: repo.publish({ expiresInDays: 30 }) }, VerificationError, 'INDEX_EXPIRED', 'index');
  });

  it('draft index refused by default; a signed draft with allow_draft passes; an unsigned one never', async () => {
    const repo = helloRepo();
    await expectRefused({ repo, index: repo.publish({ official: false }) }, PolicyError, 'INDEX_NOT_OFFICIAL', 'index');
    const policy = policyDoc();
    policy.index.allow_draft = true;
    await expectRefused({ repo, index: repo.publish({ official: false, signers: [] }), policy }, PolicyError, 'INDEX_SIGNATURE_THRESHOLD', 'index');
    const ok = await attempt({ repo, index: repo.publish({ official: false }), policy });
    expect(ok.result.ok).toBe(true);
    // A signed draft is never presented as official: the summary says DRAFT and why it was accepted.
    if (ok.result.ok) {
      expect(ok.result.summary.index.status).toBe('draft');
      const { formatApprovalSummary } = await import('../../src/domain/install/summary.js');
      expect(formatApprovalSummary(ok.result.summary)).toMatch(/^Index {7}DRAFT — NOT an official index: accepted only because your policy sets index\.allow_draft$/m);
    }
    const official = await attempt({ repo, index: repo.publish() });
    if (official.result.ok) expect((await import('../../src/domain/install/summary.js')).formatApprovalSummary(official.result.summary)).toMatch(/^Index {7}official, generation/m);
  });
});

describe('step 2 — select', () => {
  it('unknown plugin', async () => {
    const repo = helloRepo();
    await expectRefused({ repo, index: repo.publish(), pluginId: 'acme.nothing' }, PolicyError, 'PLUGIN_NOT_FOUND', 'select');
  });

  it('alpha without opt-in (plugin has only an alpha release)', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '2.0.0-alpha.1', channel: 'alpha' });
    await expectRefused({ repo, index: repo.publish() }, PolicyError, 'CHANNEL_NOT_ALLOWED', 'select');
  });

  it('alpha asked for but not allowed for the publisher', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '2.0.0-alpha.1', channel: 'alpha' });
    await expectRefused({ repo, index: repo.publish(), extra: { channel: 'alpha' } }, PolicyError, 'CHANNEL_NOT_ALLOWED', 'publisher');
    const policy = policyDoc();
    policy.publishers.acme.channels = ['stable', 'alpha'];
    const ok = await attempt({ repo, index: repo.publish(), policy, extra: { channel: 'alpha' } });
    expect(ok.result.ok).toBe(true);
  });

  it('revoked release', async () => {
    const repo = helloRepo();
    repo.revocations = { releases: [{ plugin: 'acme.hello', version: '1.0.0', reason: 'crashes servers', revoked_at: '2026-07-30T00:00:00Z' }] };
    await expectRefused({ repo, index: repo.publish() }, PolicyError, 'RELEASE_REVOKED', 'select');
  });

  it('revoked artifact digest', async () => {
    const repo = helloRepo();
    const sha = repo.plugins[0]!.releases[0]!.artifact_sha256;
    repo.revocations = { artifacts: [{ sha256: sha, reason: 'malware', revoked_at: '2026-07-30T00:00:00Z' }] };
    await expectRefused({ repo, index: repo.publish() }, PolicyError, 'RELEASE_REVOKED', 'select');
  });

  it('revoked publisher key', async () => {
    const repo = helloRepo();
    repo.revocations = { keys: [{ publisher: 'acme', public_key_ed25519: keyB64('publisher-acme'), reason: 'key leaked', revoked_at: '2026-07-30T00:00:00Z' }] };
    await expectRefused({ repo, index: repo.publish() }, PolicyError, 'RELEASE_REVOKED', 'select');
  });
});

describe('step 3 — publisher', () => {
  it('untrusted publisher', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'evil.tool', version: '1.0.0', signer: 'publisher-evil' });
    await expectRefused({ repo, index: repo.publish(), pluginId: 'evil.tool' }, PolicyError, 'PUBLISHER_UNTRUSTED', 'publisher');
  });

  it('a publisher listed without keys is not trusted; "*" never trusts', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'evil.tool', version: '1.0.0', signer: 'publisher-evil' });
    const policy = policyDoc();
    policy.publishers.evil = { keys: [] };
    await expectRefused({ repo, index: repo.publish(), pluginId: 'evil.tool', policy }, PolicyError, 'PUBLISHER_UNTRUSTED', 'publisher');
  });

  it('publisher above its risk tier', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', capabilities: ['node:read', 'network:apply'] });
    await expectRefused({ repo, index: repo.publish() }, PolicyError, 'PUBLISHER_LIMIT', 'publisher');
  });

  it('plugin type outside the publisher limits', async () => {
    const repo = helloRepo();
    const policy = policyDoc();
    policy.publishers.acme.types = ['wasm'];
    await expectRefused({ repo, index: repo.publish(), policy }, PolicyError, 'PUBLISHER_LIMIT', 'publisher');
  });

  it('no operator key valid at the publish time', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', publishedAt: '2026-07-15T00:00:00Z' });
    const policy = policyDoc();
    policy.publishers.acme.keys[0].valid_from = '2026-07-20T00:00:00Z';
    await expectRefused({ repo, index: repo.publish(), policy }, PolicyError, 'PUBLISHER_UNTRUSTED', 'publisher');
  });
});

describe('step 4 — manifest', () => {
  it('manifest of another release (mix-and-match), pinned by manifest_sha256', async () => {
    const repo = new InstallRepo();
    const old = repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const cur = repo.addRelease({ plugin: 'acme.hello', version: '1.1.0' });
    repo.files.set(cur.manifestUrl, old.manifestBytes);
    await expectRefused({ repo, index: repo.publish() }, VerificationError, 'MANIFEST_INDEX_MISMATCH', 'manifest');
  });

  it('manifest of another release (mix-and-match), caught by the entry comparison', async () => {
    const repo = new InstallRepo();
    const old = repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', pinManifest: false });
    const cur = repo.addRelease({ plugin: 'acme.hello', version: '1.1.0', pinManifest: false });
    repo.files.set(cur.manifestUrl, old.manifestBytes);
    repo.files.set(cur.artifactUrl, old.artifact);
    await expectRefused({ repo, index: repo.publish() }, VerificationError, 'MANIFEST_INDEX_MISMATCH', 'manifest');
  });

  it('manifest signature ≠ index release signature', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', pinManifest: false });
    // A valid publisher signature over different bytes: genuine key, wrong pin.
    repo.plugins[0]!.releases[0]!.signature_ed25519 = encodeBase64(signEd25519(seedOf('publisher-acme'), UTF8.encode('something else')));
    await expectRefused({ repo, index: repo.publish() }, VerificationError, 'MANIFEST_INDEX_MISMATCH', 'manifest');
  });

  it('manifest capabilities beyond the index entry', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', manifest: (m) => (m.capabilities = ['kv:read', 'log:write', 'notify:send']) });
    const plugin = repo.plugins[0]!;
    plugin.capabilities = ['kv:read', 'log:write'];
    plugin.releases[0]!.capabilities = ['kv:read', 'log:write'];
    await expectRefused({ repo, index: repo.publish() }, VerificationError, 'MANIFEST_INDEX_MISMATCH', 'manifest');
  });

  it('manifest signed by a key the operator does not trust for the publisher', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', signer: 'publisher-evil' });
    await expectRefused({ repo, index: repo.publish() }, VerificationError, 'MANIFEST_SIGNATURE_INVALID', 'manifest');
  });

  it('oversized manifest (fetcher enforces the cap)', async () => {
    const repo = helloRepo();
    const policy = policyDoc();
    policy.limits.max_manifest_bytes = 200;
    await expectRefused({ repo, index: repo.publish(), policy }, VerificationError, 'FETCH_TOO_LARGE', 'manifest');
  });

  it('oversized manifest (careless fetcher: the pipeline re-checks the cap per chunk)', async () => {
    const repo = helloRepo();
    const policy = policyDoc();
    policy.limits.max_manifest_bytes = 200;
    const fetcher = repo.fetcher({ ignoreCap: true, chunkSize: 64 });
    await expectRefused({ repo, index: repo.publish(), policy, fetcher }, VerificationError, 'FETCH_TOO_LARGE', 'manifest');
  });
});

describe('step 5 — artifact', () => {
  it('substituted artifact bytes', async () => {
    const repo = new InstallRepo();
    const r = repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const evil = Uint8Array.from(r.artifact);
    evil[evil.length - 9]! ^= 0x01;
    repo.files.set(r.artifactUrl, evil);
    await expectRefused({ repo, index: repo.publish() }, VerificationError, 'ARTIFACT_DIGEST_MISMATCH', 'artifact');
  });

  it('oversized artifact (fetcher enforces the cap)', async () => {
    const repo = helloRepo();
    const policy = policyDoc();
    policy.limits.max_artifact_bytes = 100;
    await expectRefused({ repo, index: repo.publish(), policy }, VerificationError, 'FETCH_TOO_LARGE', 'artifact');
  });

  it('oversized artifact (careless fetcher: the pipeline re-checks the cap per chunk)', async () => {
    const repo = helloRepo();
    const policy = policyDoc();
    policy.limits.max_artifact_bytes = 100;
    const fetcher = repo.fetcher({ ignoreCap: true, chunkSize: 16 });
    await expectRefused({ repo, index: repo.publish(), policy, fetcher }, VerificationError, 'FETCH_TOO_LARGE', 'artifact');
  });
});

describe('step 6 — capabilities', () => {
  it('a capability denied by the policy patterns', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', capabilities: ['kv:read', 'secret:read'] });
    const policy = policyDoc();
    policy.publishers.acme.max_risk = 'host';
    await expectRefused({ repo, index: repo.publish(), policy }, PolicyError, 'CAPABILITY_DENIED', 'capabilities');
  });
});

describe('step 7 — runner', () => {
  it('bundle with ../', async () => {
    const repo = new InstallRepo();
    repo.addRelease({
      plugin: 'acme.hello',
      version: '1.0.0',
      artifact: tgz([dir('bin/'), file('bin/linux-amd64/plugin', '#!/bin/sh\n'), file('bin/linux-arm64/plugin', '#!/bin/sh\n'), file('../escape', 'x')]),
    });
    await expectRefused({ repo, index: repo.publish() }, VerificationError, 'BUNDLE_INVALID', 'runner');
  });

  it('bundle with a symlink', async () => {
    const repo = new InstallRepo();
    repo.addRelease({
      plugin: 'acme.hello',
      version: '1.0.0',
      artifact: tgz([file('bin/linux-amd64/plugin', '#!/bin/sh\n'), file('bin/linux-arm64/plugin', '#!/bin/sh\n'), entry({ name: 'bin/passwd', type: '2', linkname: '/etc/passwd' })]),
    });
    await expectRefused({ repo, index: repo.publish() }, VerificationError, 'BUNDLE_INVALID', 'runner');
  });

  describe('archive rules stricter than the server (the server accepts these bundles; the policy refuses them by default)', () => {
    const bins = () => [file('bin/linux-amd64/plugin', '#!/bin/sh\n'), file('bin/linux-arm64/plugin', '#!/bin/sh\n')];
    const cases: { name: string; artifact: () => Uint8Array; code: string; rule: string }[] = [
      { name: 'a setuid entry', artifact: () => tgz([...bins(), file('bin/helper', 'x', { mode: 0o4755 })]), code: 'BUNDLE_SETID_MODE', rule: 'refuse_setid_modes' },
      { name: 'a setgid directory', artifact: () => tgz([...bins(), entry({ name: 'share/', type: '5', mode: 0o2755 })]), code: 'BUNDLE_SETID_MODE', rule: 'refuse_setid_modes' },
      { name: 'a sticky directory', artifact: () => tgz([...bins(), entry({ name: 'tmp/', type: '5', mode: 0o1777 })]), code: 'BUNDLE_SETID_MODE', rule: 'refuse_setid_modes' },
      { name: 'paths that collide when case-folded (Plugin / plugin)', artifact: () => tgz([...bins(), file('ui/Plugin.html', 'a'), file('ui/plugin.html', 'b')]), code: 'BUNDLE_CASE_COLLISION', rule: 'refuse_case_collisions' },
      { name: 'directories that collide when case-folded (BIN/ / bin/)', artifact: () => tgz([...bins(), file('BIN/other', 'a')]), code: 'BUNDLE_CASE_COLLISION', rule: 'refuse_case_collisions' },
      {
        name: 'non-zero data after the end-of-archive marker',
        artifact: () => {
          const t = tar(bins());
          const hidden = new TextEncoder().encode('hidden payload the server never reads');
          const withTail = new Uint8Array(t.length + 512);
          withTail.set(t);
          withTail.set(hidden, t.length);
          return gz(withTail);
        },
        code: 'BUNDLE_TRAILING_DATA',
        rule: 'refuse_trailing_data',
      },
    ];
    for (const c of cases) {
      it(`${c.name}: refused (${c.code}) by default; installs when the policy turns ${c.rule} off`, async () => {
        const repo = new InstallRepo();
        repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', artifact: c.artifact() });
        // The server's own rules accept it (parity): bundle inspection passes.
        const inspected = await inspectBundle(repo.files.get(repo.plugins[0]!.releases[0]!.artifact_url)!);
        expect(inspected.ok).toBe(true);
        await expectRefused({ repo, index: repo.publish() }, PolicyError, c.code, 'runner');
        const lenient = policyDoc();
        lenient.archive = { [c.rule]: false };
        const report = await attempt({ repo, index: repo.publish(), policy: lenient });
        expect(report.result.ok, JSON.stringify(report.result.steps.at(-1))).toBe(true);
      });
    }
    it('the honest bundle passes, and the summary says the stricter rules were checked', async () => {
      const repo = helloRepo();
      const report = await attempt({ repo, index: repo.publish() });
      expect(report.result.ok).toBe(true);
      if (report.result.ok) expect(report.result.summary.compatibility.checks.join('\n')).toContain('stricter than the server');
    });
  });

  it('no entrypoint for the host platform', async () => {
    const repo = helloRepo();
    const policy = policyDoc();
    policy.host.platform = 'darwin/arm64';
    await expectRefused({ repo, index: repo.publish(), policy }, PolicyError, 'RUNNER_INCOMPATIBLE', 'runner');
  });

  it('server version outside compatibility.server', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', manifest: (m) => ((m.compatibility as Record<string, string>).server = '>=0.3.0') });
    await expectRefused({ repo, index: repo.publish() }, PolicyError, 'RUNNER_INCOMPATIBLE', 'runner');
  });

  it('a required dependency that is not installed', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', manifest: (m) => (m.dependencies = [{ id: 'acme.base', version: '>=1.0' }]) });
    await expectRefused({ repo, index: repo.publish() }, PolicyError, 'RUNNER_INCOMPATIBLE', 'runner');
    const policy = policyDoc();
    policy.host.installed_plugins = { 'acme.base': '1.4.0' };
    expect((await attempt({ repo, index: repo.publish(), policy })).result.ok).toBe(true);
  });

  it('wasm importing a host function the host does not offer', async () => {
    const repo = new InstallRepo();
    repo.addRelease({
      plugin: 'acme.hello',
      version: '1.0.0',
      type: 'wasm',
      capabilities: ['kv:read'],
      entries: [{ path: 'bin/wasm/plugin.wasm', content: wasmModule({ imports: [['env', 'fetch']] }) }],
    });
    await expectRefused({ repo, index: repo.publish() }, PolicyError, 'RUNNER_INCOMPATIBLE', 'runner');
  });

  it('a wasm plugin that imports only offered host functions installs', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', type: 'wasm', capabilities: ['kv:read'] });
    const report = await attempt({ repo, index: repo.publish() });
    expect(report.result.ok).toBe(true);
  });

  it('a wasm plugin without a sandbox backend is refused, never run elsewhere', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', type: 'wasm', capabilities: ['kv:read'] });
    const policy = policyDoc();
    policy.host.sandboxes = ['worker'];
    await expectRefused({ repo, index: repo.publish(), policy }, PolicyError, 'RUNNER_UNAVAILABLE', 'runner');
  });

  it('worker template using a blocked primitive', async () => {
    const repo = new InstallRepo();
    repo.addRelease({
      plugin: 'acme.hello',
      version: '1.0.0',
      type: 'worker',
      capabilities: ['kv:read', 'worker:route'],
      entries: [{ path: 'bin/worker/worker.js', content: UTF8.encode('export default { route() { return fetch("https://example.org/"); } };\n') }],
    });
    await expectRefused({ repo, index: repo.publish() }, PolicyError, 'RUNNER_INCOMPATIBLE', 'runner');
  });
});

describe('step 8 — decision and placement', () => {
  it('placement interrupted midway (no partial directory left)', async () => {
    const repo = helloRepo();
    const report = await attempt({
      repo,
      index: repo.publish(),
      extra: {
        placementHooks: {
          beforeRename: () => {
            throw Object.assign(new Error('simulated power loss'), { code: 'EIO' });
          },
        },
      },
    });
    // Every verification step passed; placement failed and left nothing behind.
    expect(report.result.ok).toBe(true);
    expect(report.placed).toBeUndefined();
    expect(report.placementError).toBeInstanceOf(VerificationError);
    expect(report.placementError?.code).toBe('PLACEMENT_FAILED');
    expect(snapshotDir(env.pluginDir)).toEqual(before);
    expect(env.auditLines()[0]).toMatchObject({ event: 'plugin.install.failed', code: 'PLACEMENT_FAILED' });
  });

  it('a replacement interrupted between the two renames restores the old installation', async () => {
    const repo = helloRepo();
    await attempt({ repo, index: repo.publish() });
    const installed = snapshotDir(env.pluginDir);
    repo.addRelease({ plugin: 'acme.hello', version: '1.2.0' });
    const report = await attempt({
      repo,
      index: repo.publish(),
      extra: {
        placementHooks: {
          afterRetire: () => {
            throw Object.assign(new Error('simulated failure'), { code: 'EIO' });
          },
        },
      },
    });
    expect(report.placementError?.code).toBe('PLACEMENT_FAILED');
    expect(snapshotDir(env.pluginDir)).toEqual(installed);
  });
});

describe('pinned releases (id@version, as the catalog prints them)', () => {
  it('installs exactly the pinned older release, not the channel head', async () => {
    const repo = helloRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.1.0' });
    const report = await attempt({ repo, index: repo.publish(), extra: { version: '1.0.0' } });
    expect(report.result.ok).toBe(true);
    if (!report.result.ok) return;
    expect(report.result.summary.version).toBe('1.0.0');
    expect(report.result.steps.find((s) => s.step === 'select')?.detail).toContain('1.0.0');
  });
  it('a pinned version the index does not have', async () => {
    const repo = helloRepo();
    await expectRefused({ repo, index: repo.publish(), extra: { version: '9.9.9' } }, PolicyError, 'RELEASE_NOT_FOUND', 'select');
  });
  it('a pinned alpha release without --channel alpha', async () => {
    const repo = helloRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '2.0.0-alpha.1', channel: 'alpha' });
    await expectRefused({ repo, index: repo.publish(), extra: { version: '2.0.0-alpha.1' } }, PolicyError, 'CHANNEL_NOT_ALLOWED', 'select');
  });
  it('a pinned revoked release is still refused', async () => {
    const repo = helloRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.1.0' });
    repo.revocations = { releases: [{ plugin: 'acme.hello', version: '1.0.0', reason: 'crashes servers', revoked_at: '2026-07-30T00:00:00Z' }] };
    await expectRefused({ repo, index: repo.publish(), extra: { version: '1.0.0' } }, PolicyError, 'RELEASE_REVOKED', 'select');
  });
});
