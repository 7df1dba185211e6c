/**
 * The operator's commands after install (issue 15): `installed`, `upgrade`
 * (the capability-diff gate), `rollback`, `remove`, `audit` — in-process
 * (`runCli`) against the repository simulator served on 127.0.0.1 (plain
 * HTTP under the hidden test flag), index v1 (`--index`).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../cli/helpers.js';
import { acquirePluginDirLock } from '../../src/io/plugin-dir-lock.js';
import { InstallRepo, policyDoc, removeDir, snapshotDir, tempDir } from './harness.js';
import { serveDir, startTestServer, type TestServer } from './http-server.js';
import { PUBLISHERS } from '../repository/v2-harness.js';

const NOW = ['--now', '2026-08-01T01:00:00Z'];

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(5000);
});
afterAll(async () => server.close());

/** One test's world: a repository served over HTTP, an empty plugin directory, a policy. */
class World {
  readonly repo: InstallRepo;
  readonly pluginDir = tempDir('lattice-op-plugins-');
  readonly policyDir = tempDir('lattice-op-policy-');
  readonly policyFile = path.join(this.policyDir, 'policy.json');
  readonly indexUrl: string;
  constructor(readonly prefix: string, policy: (d: Record<string, any>) => void = () => {}) {
    this.repo = new InstallRepo(`${server.base}/${prefix}`);
    this.indexUrl = `${server.base}/${prefix}/plugins.json`;
    const d = policyDoc();
    d.limits.lock_wait_ms = 0;
    policy(d);
    this.writePolicy(d);
  }
  writePolicy(d: Record<string, any>): void {
    writeFileSync(this.policyFile, JSON.stringify(d, null, 2));
  }
  /** Serve the releases added so far under a new index generation. */
  publish(opts: Parameters<InstallRepo['publish']>[0] = {}): void {
    for (const [url, bytes] of this.repo.files) server.files.set(new URL(url).pathname, bytes);
    server.files.set(new URL(this.indexUrl).pathname, this.repo.publish(opts));
  }
  run(args: string[]) {
    return runCli([...args, ...NOW]);
  }
  source(): string[] {
    return ['--index', this.indexUrl, '--policy', this.policyFile, '--plugin-dir', this.pluginDir, '--test-loopback-http'];
  }
  install(spec: string, ...extra: string[]) {
    return this.run(['install', spec, ...this.source(), '--yes', ...extra]);
  }
  upgrade(id: string, ...extra: string[]) {
    return this.run(['upgrade', id, ...this.source(), ...extra]);
  }
  installed(...extra: string[]) {
    return this.run(['installed', ...this.source(), ...extra]);
  }
  audit(...extra: string[]) {
    return this.run(['audit', ...this.source(), ...extra]);
  }
  rollback(id: string, ...extra: string[]) {
    return this.run(['rollback', id, '--policy', this.policyFile, '--plugin-dir', this.pluginDir, ...extra]);
  }
  remove(id: string, ...extra: string[]) {
    return this.run(['remove', id, '--policy', this.policyFile, '--plugin-dir', this.pluginDir, ...extra]);
  }
  auditLines(): Record<string, any>[] {
    const f = path.join(this.policyDir, 'audit.log');
    if (!existsSync(f)) return [];
    return readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  }
  /** SHA-256 of every file of an installation. */
  hashes(id: string): Record<string, string> {
    const dir = path.join(this.pluginDir, `${id}.plugin`);
    const out: Record<string, string> = {};
    for (const f of readdirSync(dir).sort()) out[f] = createHash('sha256').update(readFileSync(path.join(dir, f))).digest('hex');
    return out;
  }
  cleanup(): void {
    removeDir(this.pluginDir);
    removeDir(this.policyDir);
  }
}

let w: World;
let n = 0;
beforeEach(() => {
  n++;
});
afterEach(() => w?.cleanup());

/** A new world with acme.hello 1.0.0 installed and a non-escalating 1.1.0 published; returns 1.0.0's file hashes. */
async function upgradable(prefix: string): Promise<Record<string, string>> {
  w = new World(prefix);
  w.repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
  w.publish();
  ok(await w.install('acme.hello'), 'install 1.0.0');
  const v1 = w.hashes('acme.hello');
  w.repo.addRelease({ plugin: 'acme.hello', version: '1.1.0', capabilities: ['kv:read'] });
  w.publish();
  return v1;
}

function ok(r: { status: number | null; stdout: string; stderr: string }, what: string): void {
  expect(r.status, `${what}\n${r.stdout}\n${r.stderr}`).toBe(0);
}

describe('upgrade: the capability-diff gate', () => {
  it('an upgrade that adds a capability is held with --yes (shown as a diff), installed with --approve-escalation; the audit record names the approved set', async () => {
    w = new World(`esc${n}`);
    w.repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    w.publish();
    ok(await w.install('acme.hello'), 'install 1.0.0');
    w.repo.addRelease({ plugin: 'acme.hello', version: '2.0.0', capabilities: ['kv:read', 'log:write', 'kv:write'] });
    w.publish();
    const before = snapshotDir(w.pluginDir);

    // --dry-run: the summary and the diff before anyone is asked; nothing written, nothing audited.
    const auditBefore = w.auditLines().length;
    const dry = await w.upgrade('acme.hello', '--dry-run');
    ok(dry, 'upgrade --dry-run');
    expect(dry.stdout).toContain('Changes from the installed 1.0.0 to 2.0.0 — ESCALATION');
    expect(dry.stdout).toContain('+ capability [WRITE] kv:write');
    expect(dry.stdout).toContain('asks for MORE than the installed one');
    expect(dry.stdout).toContain('dry run: acme.hello 2.0.0 passed every check; nothing was written');
    const dryJson = JSON.parse((await w.upgrade('acme.hello', '--dry-run', '--json')).stdout);
    expect(dryJson).toMatchObject({ ok: true, dry_run: true, installed: { version: '1.0.0', escalates: true, diff: { added: [{ name: 'kv:write', risk: 'write' }] } } });
    expect(snapshotDir(w.pluginDir)).toEqual(before);
    expect(w.auditLines().length).toBe(auditBefore);

    // --yes alone: refused with its own code, the diff shown, nothing changed.
    const held = await w.upgrade('acme.hello', '--yes');
    expect(held.status, held.stderr).toBe(1);
    expect(held.stdout).toContain('Changes from the installed 1.0.0 to 2.0.0 — ESCALATION');
    expect(held.stdout).toContain('+ capability [WRITE] kv:write');
    expect(held.stderr).toMatch(/--yes alone does not approve an escalation.*\[ESCALATION_NOT_APPROVED\]\n$/);
    expect(snapshotDir(w.pluginDir)).toEqual(before);
    expect(w.auditLines().at(-1)).toMatchObject({ event: 'plugin.upgrade.refused', code: 'ESCALATION_NOT_APPROVED' });

    // The honest variant: approved explicitly.
    const up = await w.upgrade('acme.hello', '--yes', '--approve-escalation', '--json');
    ok(up, 'upgrade --approve-escalation');
    expect(JSON.parse(up.stdout)).toMatchObject({ ok: true, summary: { version: '2.0.0' }, placed: { replaced: true } });
    const rec = w.auditLines().at(-1)!;
    expect(rec).toMatchObject({
      event: 'plugin.upgrade',
      outcome: 'upgraded',
      version: '2.0.0',
      from_version: '1.0.0',
      escalation_approved: true,
      approved_by: '--yes --approve-escalation',
      escalation: { added: [{ name: 'kv:write', risk: 'write' }] },
      index_generation: 2,
    });
    expect(rec.capabilities.map((c: { name: string }) => c.name).sort()).toEqual(['kv:read', 'kv:write', 'log:write']);
    expect(rec.policy_sha256).toBe(createHash('sha256').update(readFileSync(w.policyFile)).digest('hex'));
    expect(rec.artifact_sha256).toBe(w.hashes('acme.hello').artifact);
    expect(rec.manifest_sha256).toBe(w.hashes('acme.hello')['manifest.json']);
    // The replaced release is kept where the server does not load it.
    expect(readdirSync(w.pluginDir).sort()).toEqual(['.lattice-keep', 'acme.hello.plugin']);
  });

  it('an escalation over an installed release is gated on install too (install --yes refuses, --approve-escalation installs)', async () => {
    w = new World(`inst-esc${n}`);
    w.repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    w.repo.addRelease({ plugin: 'acme.hello', version: '1.1.0', capabilities: ['kv:read', 'log:write', 'notify:send'] });
    w.publish();
    ok(await w.install('acme.hello@1.0.0'), 'install 1.0.0');
    const before = snapshotDir(w.pluginDir);
    const held = await w.install('acme.hello@1.1.0');
    expect(held.stderr).toMatch(/\[ESCALATION_NOT_APPROVED\]\n$/);
    expect(snapshotDir(w.pluginDir)).toEqual(before);
    ok(await w.install('acme.hello@1.1.0', '--approve-escalation'), 'install --approve-escalation');
  });

  it('a non-escalating upgrade follows the normal approval; rollback restores the previous bytes exactly, and a second rollback rolls forward', async () => {
    const v1 = await upgradable(`roll${n}`);
    // Without --yes and without a TTY: the normal refusal.
    const noYes = await w.upgrade('acme.hello');
    expect(noYes.stderr).toMatch(/\[APPROVAL_REQUIRED\]\n$/);
    const up = await w.upgrade('acme.hello', '--yes');
    ok(up, 'upgrade');
    expect(up.stdout).toContain('no escalation');
    expect(up.stdout).toContain('- capability log:write');
    expect(up.stdout).toContain('upgraded acme.hello 1.0.0 → 1.1.0');
    const v11 = w.hashes('acme.hello');
    expect(v11).not.toEqual(v1);

    const rb = await w.rollback('acme.hello');
    ok(rb, 'rollback');
    expect(rb.stdout).toContain('rolled back acme.hello 1.1.0 → 1.0.0');
    expect(w.hashes('acme.hello')).toEqual(v1);
    expect(w.auditLines().at(-1)).toMatchObject({ event: 'plugin.rollback', version: '1.0.0', from_version: '1.1.0', artifact_sha256: v1.artifact, restores_approval: { event: 'plugin.install' } });
    // `installed` reads the rollback as the approval of what is present.
    const inst = JSON.parse((await w.installed('--json')).stdout);
    expect(inst.plugins[0]).toMatchObject({ id: 'acme.hello', version: '1.0.0', status: 'upgrade-available', upgrade: { version: '1.1.0', escalates: false } });

    ok(await w.rollback('acme.hello'), 'roll forward');
    expect(w.hashes('acme.hello')).toEqual(v11);
  });

  it('rollback with an index: a kept release revoked since is refused (ROLLBACK_REFUSED, directory unchanged, refusal audited); the honest variant is restored; without an index it says it did not check', async () => {
    const v1 = await upgradable(`rbidx${n}`);
    ok(await w.upgrade('acme.hello', '--yes'), 'upgrade');
    const index = ['--index', w.indexUrl, '--test-loopback-http'];
    // Honest variant: the kept 1.0.0 is merely older in the index → restored, the record names the index generation.
    const honest = await w.rollback('acme.hello', ...index, '--json');
    ok(honest, 'rollback with index');
    expect(JSON.parse(honest.stdout)).toMatchObject({ ok: true, version: '1.0.0', index_checked: true });
    expect(w.hashes('acme.hello')).toEqual(v1);
    expect(w.auditLines().at(-1)).toMatchObject({ event: 'plugin.rollback', index_checked: { source: w.indexUrl } });
    ok(await w.rollback('acme.hello', ...index), 'roll forward to 1.1.0');
    // Attack: 1.0.0 is revoked after it was kept; rolling back to it is refused and nothing moves.
    w.repo.revocations = { releases: [{ plugin: 'acme.hello', version: '1.0.0', reason: 'leaks tokens', revoked_at: '2026-07-31T00:00:00Z' }] };
    w.publish();
    const before = snapshotDir(w.pluginDir);
    const refused = await w.rollback('acme.hello', ...index);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/the kept release acme\.hello 1\.0\.0 is not restored: revoked: .*leaks tokens.*\[ROLLBACK_REFUSED\]\n$/);
    expect(snapshotDir(w.pluginDir)).toEqual(before);
    expect(w.auditLines().at(-1)).toMatchObject({ event: 'plugin.rollback.refused', code: 'ROLLBACK_REFUSED' });
    // An index that does not verify refuses with its own code, before the lock is taken.
    const expired = await runCli(['rollback', 'acme.hello', '--policy', w.policyFile, '--plugin-dir', w.pluginDir, ...index, '--now', '2027-06-01T00:00:00Z']);
    expect(expired.stderr).toMatch(/\[INDEX_EXPIRED\]\n$/);
    expect(snapshotDir(w.pluginDir)).toEqual(before);
    // Two index sources at once are ambiguous: a usage error, nothing changed.
    const both = await w.rollback('acme.hello', ...index, '--repo', 'https://127.0.0.1:1/repository');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--index and --repo cannot be given together.*\[USAGE_ERROR\]\n$/);
    expect(snapshotDir(w.pluginDir)).toEqual(before);
    // Without an index the rollback is done as before, and says what it did not check.
    const unchecked = await w.rollback('acme.hello');
    ok(unchecked, 'rollback without index');
    expect(unchecked.stdout).toContain('not checked against a signed index');
    expect(w.hashes('acme.hello')).toEqual(v1);
  });

  it('upgrade to a revoked release or from a publisher the policy no longer trusts is refused; the directory is unchanged', async () => {
    w = new World(`rev${n}`);
    w.repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    w.publish();
    ok(await w.install('acme.hello'), 'install');
    w.repo.addRelease({ plugin: 'acme.hello', version: '1.1.0' });
    w.repo.revocations = { releases: [{ plugin: 'acme.hello', version: '1.1.0', reason: 'backdoor found', revoked_at: '2026-07-31T00:00:00Z' }] };
    w.publish();
    const before = snapshotDir(w.pluginDir);
    const revoked = await w.upgrade('acme.hello', '--to', '1.1.0', '--yes');
    expect(revoked.stderr).toMatch(/backdoor found \[RELEASE_REVOKED\]\n$/);
    expect(snapshotDir(w.pluginDir)).toEqual(before);

    // Honest variant first: the unrevoked 1.2.0 is accepted by a dry check of the same policy…
    w.repo.revocations = {};
    w.repo.addRelease({ plugin: 'acme.hello', version: '1.2.0' });
    w.publish();
    // …then the policy stops trusting acme (an empty key list: listed, not trusted).
    const d = policyDoc();
    d.limits.lock_wait_ms = 0;
    d.publishers.acme.keys = [];
    w.writePolicy(d);
    const untrusted = await w.upgrade('acme.hello', '--yes');
    expect(untrusted.stderr).toMatch(/\[PUBLISHER_UNTRUSTED\]\n$/);
    expect(snapshotDir(w.pluginDir)).toEqual(before);
  });

  it('PLUGIN_NOT_INSTALLED, UPGRADE_NOT_NEWER (--to and none newer), ROLLBACK_NOTHING_KEPT: refused, nothing fetched for --to', async () => {
    w = new World(`misc${n}`);
    w.repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    w.publish();
    expect((await w.upgrade('acme.hello', '--yes')).stderr).toMatch(/\[PLUGIN_NOT_INSTALLED\]\n$/);
    ok(await w.install('acme.hello'), 'install');
    const requests = server.requests.length;
    expect((await w.upgrade('acme.hello', '--to', '1.0.0', '--yes')).stderr).toMatch(/\[UPGRADE_NOT_NEWER\]\n$/);
    expect(server.requests.length).toBe(requests);
    expect((await w.upgrade('acme.hello', '--yes')).stderr).toMatch(/nothing to upgrade \[UPGRADE_NOT_NEWER\]\n$/);
    expect((await w.upgrade('acme.hello', '--dry-run')).stderr).toMatch(/nothing to upgrade \[UPGRADE_NOT_NEWER\]\n$/);
    expect((await w.rollback('acme.hello')).stderr).toMatch(/\[ROLLBACK_NOTHING_KEPT\]\n$/);
    expect((await w.rollback('acme.nothing')).stderr).toMatch(/\[PLUGIN_NOT_INSTALLED\]\n$/);
  });
});

describe('remove', () => {
  it('with a dependent installed: refused (REMOVE_HAS_DEPENDENTS), the directory unchanged; --force removes it; without dependents it is removed with its kept release', async () => {
    w = new World(`rm${n}`, (d) => (d.host.installed_plugins = { 'acme.base': '1.0.0' }));
    w.repo.addRelease({ plugin: 'acme.base', version: '1.0.0' });
    w.repo.addRelease({ plugin: 'acme.app', version: '1.0.0', manifest: (m) => (m.dependencies = [{ id: 'acme.base', version: '>=1.0' }]) });
    w.repo.addRelease({ plugin: 'acme.solo', version: '1.0.0' });
    w.repo.addRelease({ plugin: 'acme.solo', version: '1.0.1' });
    w.publish();
    ok(await w.install('acme.base'), 'install base');
    ok(await w.install('acme.app'), 'install app');
    ok(await w.install('acme.solo@1.0.0'), 'install solo 1.0.0');
    ok(await w.upgrade('acme.solo', '--yes'), 'upgrade solo');
    const before = snapshotDir(w.pluginDir);
    const refused = await w.remove('acme.base');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/acme\.app requires acme\.base; nothing was removed.*\[REMOVE_HAS_DEPENDENTS\]\n$/);
    expect(snapshotDir(w.pluginDir)).toEqual(before);
    expect(w.auditLines().at(-1)).toMatchObject({ event: 'plugin.remove.refused', code: 'REMOVE_HAS_DEPENDENTS' });

    ok(await w.remove('acme.solo'), 'remove solo');
    expect(existsSync(path.join(w.pluginDir, 'acme.solo.plugin'))).toBe(false);
    expect(existsSync(path.join(w.pluginDir, '.lattice-keep', 'acme.solo'))).toBe(false);
    expect(w.auditLines().at(-1)).toMatchObject({ event: 'plugin.remove', outcome: 'removed', plugin: 'acme.solo', version: '1.0.1' });

    ok(await w.remove('acme.base', '--force'), 'remove --force');
    expect(readdirSync(w.pluginDir).filter((x) => !x.startsWith('.'))).toEqual(['acme.app.plugin']);
    expect(w.auditLines().at(-1)).toMatchObject({ event: 'plugin.remove', forced: true, dependents: ['acme.app'] });
    // A removed plugin's approval is gone: reinstalling is a fresh install.
    const inst = JSON.parse((await w.installed('--json')).stdout);
    expect(inst.plugins.map((p: { id: string }) => p.id)).toEqual(['acme.app']);
  });
});

describe('audit and installed', () => {
  async function twoInstalled(): Promise<void> {
    w = new World(`aud${n}`);
    w.repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    w.repo.addRelease({ plugin: 'acme.tool', version: '1.0.0' });
    w.publish();
    ok(await w.install('acme.hello'), 'install hello');
    ok(await w.install('acme.tool'), 'install tool');
  }

  it('exits 0 on a clean directory, also when a plugin is merely behind; installed lists status, publisher, key, capabilities and installed-at', async () => {
    await twoInstalled();
    const clean = await w.audit();
    ok(clean, 'audit clean');
    expect(clean.stdout).toContain('audit ok: 2 installed plugin(s)');
    w.repo.addRelease({ plugin: 'acme.tool', version: '1.1.0', capabilities: ['kv:read', 'log:write', 'kv:write'] });
    w.publish();
    ok(await w.audit(), 'audit behind');
    const j = JSON.parse((await w.installed('--json')).stdout);
    expect(j.plugins).toHaveLength(2);
    expect(j.plugins[0]).toMatchObject({ id: 'acme.hello', status: 'current', version: '1.0.0', channel: 'stable', publisher: 'acme', installed_at: '2026-08-01T01:00:00Z', approved_by: '--yes' });
    expect(j.plugins[0].publisher_keyid).toMatch(/^[0-9a-f]{64}$/);
    expect(j.plugins[0].capabilities).toEqual([{ name: 'kv:read', risk: 'read' }, { name: 'log:write', risk: 'write' }]);
    expect(j.plugins[1]).toMatchObject({ id: 'acme.tool', status: 'upgrade-available', upgrade: { version: '1.1.0', escalates: true } });
    const text = await w.installed();
    expect(text.stdout).toContain('upgrade-available: 1.1.0 is available and ESCALATES (new kv:write)');
  });

  it('finds a flipped byte in an installed artifact (modified on disk): exit 1, one line naming it', async () => {
    await twoInstalled();
    const f = path.join(w.pluginDir, 'acme.tool.plugin', 'artifact');
    const b = readFileSync(f);
    b[b.length >> 1]! ^= 0x01;
    writeFileSync(f, b);
    const r = await w.audit();
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.includes('TEST MODE'));
    expect(lines[0]).toMatch(/^lattice-index: acme\.tool 1\.0\.0: modified: artifact sha256 [0-9a-f]{64} differs from the approved [0-9a-f]{64} \[MODIFIED\]$/);
    expect(lines.at(-1)).toMatch(/\[AUDIT_PROBLEMS\]$/);
    expect(r.stderr).not.toContain('acme.hello');
    const j = JSON.parse((await w.audit('--json')).stdout);
    expect(j).toMatchObject({ ok: false, code: 'AUDIT_PROBLEMS', problems: [{ plugin: 'acme.tool', status: 'modified' }] });
  });

  it('finds a revoked installed release (with the reason) and a publisher the policy no longer trusts', async () => {
    await twoInstalled();
    w.repo.revocations = { releases: [{ plugin: 'acme.hello', version: '1.0.0', reason: 'leaks tokens', revoked_at: '2026-07-31T00:00:00Z' }] };
    w.publish();
    const r = await w.audit();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/acme\.hello 1\.0\.0: revoked: release acme\.hello@1\.0\.0 is revoked \(2026-07-31T00:00:00Z\): leaks tokens \[REVOKED\]/);
    expect(r.stderr).not.toMatch(/acme\.tool.*\[/);
    const d = policyDoc();
    d.publishers.acme.keys = [{ public_key_ed25519: d.index.trusted_keys[0].public_key_ed25519 }]; // another key: the installed signatures no longer verify
    w.writePolicy(d);
    const u = await w.audit('--json');
    const j = JSON.parse(u.stdout);
    expect(j.problems.filter((p: { status: string }) => p.status === 'untrusted').map((p: { plugin: string }) => p.plugin)).toEqual(['acme.hello', 'acme.tool']);
  });

  it('finds an expired index and a rolled-back one (INDEX_EXPIRED, INDEX_ROLLBACK) and plugins present without an approval record', async () => {
    await twoInstalled();
    const expired = await runCli(['audit', ...w.source(), '--now', '2026-09-15T00:00:00Z']);
    expect(expired.status).toBe(1);
    expect(expired.stderr).toMatch(/index .*\[INDEX_EXPIRED\]/);
    // An older generation than the stored state: an install stores generation 2, then generation 1 is served again.
    w.publish();
    ok(await w.install('acme.tool'), 'reinstall from generation 2');
    server.files.set(new URL(w.indexUrl).pathname, w.repo.publish({ generation: 1 }));
    const rolled = await w.audit();
    expect(rolled.stderr).toMatch(/\[INDEX_ROLLBACK\]/);
    w.publish();
    // Present but never approved: copied in by hand.
    const src = path.join(w.pluginDir, 'acme.hello.plugin');
    const copy = path.join(w.pluginDir, 'acme.copy.plugin');
    (await import('node:fs')).cpSync(src, copy, { recursive: true });
    const r = await w.audit('--json');
    const j = JSON.parse(r.stdout);
    expect(r.status).toBe(1);
    expect(j.problems.filter((p: { plugin: string }) => p.plugin === 'acme.copy').map((p: { status: string }) => p.status)).toEqual(['unrecorded', 'invalid', 'not-in-index']);
    expect(j.problems.filter((p: { plugin: string }) => p.plugin !== 'acme.copy')).toEqual([]);
    rmSync(copy, { recursive: true });
    ok(await w.audit(), 'clean again');
  });
});

describe('the plugin-directory lock on every command that changes the directory', () => {
  it('upgrade, rollback and remove wait for the lock, then fail PLUGIN_DIR_LOCKED with the directory unchanged; the honest run passes once it is free', async () => {
    w = new World(`lock${n}`);
    w.repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    w.publish();
    ok(await w.install('acme.hello'), 'install');
    w.repo.addRelease({ plugin: 'acme.hello', version: '1.1.0' });
    w.publish();
    const lock = await acquirePluginDirLock(w.pluginDir, { command: 'test holder', waitMs: 0 });
    const before = snapshotDir(w.pluginDir);
    try {
      for (const r of [await w.upgrade('acme.hello', '--yes'), await w.rollback('acme.hello'), await w.remove('acme.hello')]) {
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/locked by pid \d+ .*\(test holder, since .*\[PLUGIN_DIR_LOCKED\]\n$/);
      }
      expect(snapshotDir(w.pluginDir)).toEqual(before);
    } finally {
      await lock.release();
    }
    ok(await w.upgrade('acme.hello', '--yes'), 'upgrade after release');
    ok(await w.rollback('acme.hello'), 'rollback after release');
    ok(await w.remove('acme.hello'), 'remove after release');
  });
});

describe('repository v2 (--repo): upgrade behind the gate, installed, audit', () => {
  it('the same commands with the TUF repository as the index source', async () => {
    w = new World(`v2-${n}`);
    const work = tempDir('lattice-op-v2-');
    try {
      const UTF8 = new TextEncoder();
      const key = (name: string) => path.join(work, `${name}.seed`);
      for (const k of ['root', 'online']) writeFileSync(key(k), createHash('sha256').update(UTF8.encode(`operator test key ${k}`)).digest(), { mode: 0o600 });
      const repoDir = path.join(work, 'repository');
      const indexDir = path.join(work, 'index');
      const prefix = `/v2-${n}/repository`;
      const repoUrl = `${server.base}${prefix}`;
      const writeIndex = (): void => {
        rmSync(indexDir, { recursive: true, force: true });
        (['publishers', 'plugins'] as const).forEach((d) => mkdirSync(path.join(indexDir, d), { recursive: true }));
        for (const p of PUBLISHERS) writeFileSync(path.join(indexDir, 'publishers', `${p.id}.json`), JSON.stringify(p, null, 2));
        for (const p of w.repo.plugins) writeFileSync(path.join(indexDir, 'plugins', `${p.id}.json`), JSON.stringify(p, null, 2));
      };
      const publish = async (): Promise<void> => {
        writeIndex();
        ok(await runCli(['repo', 'publish', '--repo', repoDir, '--index-dir', indexDir, '--online-key', key('online')], { cwd: work }), 'repo publish');
        for (const [url, bytes] of w.repo.files) server.files.set(new URL(url).pathname, bytes);
        serveDir(server, repoDir, prefix);
      };
      ok(await runCli(['repo', 'init', '--repo', repoDir, '--root-key', key('root'), '--root-threshold', '1', '--online-key', key('online')], { cwd: work }), 'repo init');
      w.repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
      await publish();
      const d = policyDoc();
      delete d.index;
      d.limits.lock_wait_ms = 0;
      d.repository = { root_sha256: createHash('sha256').update(readFileSync(path.join(repoDir, 'metadata/1.root.json'))).digest('hex'), metadata_dir: 'tuf' };
      w.writePolicy(d);
      const src = ['--repo', repoUrl, '--policy', w.policyFile, '--plugin-dir', w.pluginDir, '--test-loopback-http'];
      ok(await runCli(['install', 'acme.hello', ...src, '--yes']), 'install --repo');
      ok(await runCli(['audit', ...src]), 'audit --repo clean');

      w.repo.addRelease({ plugin: 'acme.hello', version: '2.0.0', capabilities: ['kv:read', 'log:write', 'kv:write'] });
      await publish();
      const listed = JSON.parse((await runCli(['installed', ...src, '--json'])).stdout);
      expect(listed.plugins[0]).toMatchObject({ id: 'acme.hello', status: 'upgrade-available', upgrade: { version: '2.0.0', escalates: true } });
      const before = snapshotDir(w.pluginDir);
      const held = await runCli(['upgrade', 'acme.hello', ...src, '--yes']);
      expect(held.stderr).toMatch(/\[ESCALATION_NOT_APPROVED\]\n$/);
      expect(snapshotDir(w.pluginDir)).toEqual(before);
      ok(await runCli(['upgrade', 'acme.hello', ...src, '--yes', '--approve-escalation']), 'upgrade --repo');
      expect(w.auditLines().at(-1)).toMatchObject({ event: 'plugin.upgrade', version: '2.0.0', escalation_approved: true });
      ok(await runCli(['audit', ...src]), 'audit --repo after upgrade');

      const f = path.join(w.pluginDir, 'acme.hello.plugin', 'manifest.json');
      const b = readFileSync(f);
      b[b.length - 2]! ^= 0x20;
      writeFileSync(f, b);
      const bad = await runCli(['audit', ...src]);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/acme\.hello 2\.0\.0: modified: manifest\.json sha256/);
    } finally {
      removeDir(work);
    }
  });
});

describe('SIGKILL of the CLI in the middle of an upgrade', () => {
  it.skipIf(!existsSync(CLI))('leaves the installed release and its lock to be recovered: the next command (rollback) finds the directory exactly as before', async () => {
    w = new World(`kill${n}`);
    w.repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    w.publish();
    ok(await w.install('acme.hello'), 'install');
    w.repo.addRelease({ plugin: 'acme.hello', version: '1.1.0' });
    w.publish();
    const before = snapshotDir(w.pluginDir);
    // The new artifact dribbles: the upgrade sits in its download with its stage open and the lock held.
    const artifactPath = new URL(w.repo.files.keys().next().value!.replace('1.0.0', '1.1.0').replace('manifest.json', 'bundle.tar.gz')).pathname;
    const body = server.files.get(artifactPath)!;
    expect(body, artifactPath).toBeDefined();
    server.routes.set(artifactPath, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
      res.write(Buffer.from(body.subarray(0, 16)));
    });
    const child = spawn(process.execPath, [CLI, 'upgrade', 'acme.hello', ...w.source(), '--yes', ...NOW], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_c, sig) => resolve(sig)));
    const staging = () => readdirSync(w.pluginDir).filter((x) => x.startsWith('.staging-'));
    try {
      for (let i = 0; i < 400 && staging().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(staging(), 'the stage exists while the artifact downloads').toHaveLength(1);
      expect(existsSync(path.join(w.pluginDir, '.lattice-index.lock'))).toBe(true);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    } finally {
      server.routes.delete(artifactPath);
      child.kill('SIGKILL');
    }
    // Half-done work is on disk (a stage, a stale lock); the installation itself is untouched.
    expect(snapshotDir(path.join(w.pluginDir, 'acme.hello.plugin'))).toEqual(before.filter((x) => x.startsWith('acme.hello.plugin/') && x !== 'acme.hello.plugin/').map((x) => x.slice('acme.hello.plugin/'.length)));
    // The next command recovers the stale lock and the stage, then refuses on its own terms.
    const r = await w.rollback('acme.hello');
    expect(r.stderr).toMatch(/\[ROLLBACK_NOTHING_KEPT\]\n$/);
    expect(snapshotDir(w.pluginDir)).toEqual(before);
    ok(await w.upgrade('acme.hello', '--yes'), 'the upgrade again');
  });
});
