/**
 * The pure side of the operator's commands (src/domain/install/installed.ts):
 * the capability diff that gates an upgrade, the approval records of the
 * audit log, and the status of an installed plugin against a verified index.
 */
import { describe, expect, it } from 'vitest';
import { serverRules } from '../../src/core/server-line.js';
import { sha256Hex } from '../../src/crypto/index.js';
import { verifyEd25519Node } from '../../src/crypto/node.js';
import { verifyIndexForInstall } from '../../src/domain/install/pipeline.js';
import { approvalsFromAudit, capabilityDiff, formatCapabilityDiff, judgeInstalled, manifestCapabilityView, type ApprovalRecord } from '../../src/domain/install/installed.js';
import { InstallRepo, NOW, policyDoc, policyFrom } from './harness.js';

const rules = serverRules('integration');

describe('capabilityDiff', () => {
  const base = { type: 'system', capabilities: ['kv:read', 'log:write'], runtimeProtocol: 'stdio-json-v1', hostAccess: ['acme.svc/items#get'] };

  it('the same release, and one that only gives up capabilities, do not escalate', () => {
    expect(capabilityDiff(base, base, rules).escalates).toBe(false);
    const fewer = capabilityDiff(base, { ...base, capabilities: ['kv:read'] }, rules);
    expect(fewer).toMatchObject({ escalates: false, removed: ['log:write'], added: [] });
  });

  it('a new capability of the same tier escalates (added, no raised risk)', () => {
    const d = capabilityDiff(base, { ...base, capabilities: [...base.capabilities, 'kv:write'] }, rules);
    expect(d).toMatchObject({ escalates: true, added: [{ name: 'kv:write', risk: 'write' }], raisedRisk: null });
  });

  it('a host-tier capability raises the highest risk', () => {
    const d = capabilityDiff(base, { ...base, capabilities: [...base.capabilities, 'http:egress'] }, rules);
    expect(d.raisedRisk).toEqual({ from: 'write', to: 'host' });
    expect(formatCapabilityDiff(d, '1.0.0', '2.0.0')).toContain('+ highest risk WRITE → HOST');
  });

  it('swapping a capability for a riskier one escalates although the count is the same', () => {
    const d = capabilityDiff(base, { ...base, capabilities: ['kv:read', 'secret:read'] }, rules);
    expect(d.escalates).toBe(true);
    expect(d.added).toEqual([{ name: 'secret:read', risk: 'host' }]);
  });

  it('new host access, another runtime protocol or another type escalate; a method already covered by service.* does not', () => {
    expect(capabilityDiff(base, { ...base, hostAccess: ['acme.svc/items#get', 'acme.svc/items#put'] }, rules)).toMatchObject({ escalates: true, hostAccessAdded: ['acme.svc/items#put'] });
    expect(capabilityDiff({ ...base, hostAccess: ['acme.svc/items#*'] }, { ...base, hostAccess: ['acme.svc/items#put'] }, rules).escalates).toBe(false);
    expect(capabilityDiff(base, { ...base, runtimeProtocol: 'stdio-json-v2' }, rules)).toMatchObject({ escalates: true, runtime: { from: 'stdio-json-v1', to: 'stdio-json-v2' } });
    expect(capabilityDiff(base, { ...base, type: 'wasm' }, rules)).toMatchObject({ escalates: true, type: { from: 'system', to: 'wasm' } });
  });

  it('attack: a grant moved between a dotted service and a dotted method is new host access (service and method never run together)', () => {
    // Service suffixes and methods both allow dots (interop A.4.2): "acme.svc/a.b" + "c" and
    // "acme.svc/a" + "b.c" are different grants, though "service.method" would spell both "acme.svc/a.b.c".
    const manifest = (service: string, method: string) => ({ type: 'system', capabilities: ['rpc:call'], host_access: { rpc: [{ service, methods: [method] }] } });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const view = (m: object) => manifestCapabilityView(m as any);
    const installed = view(manifest('acme.svc/a.b', 'c'));
    expect(capabilityDiff(installed, view(manifest('acme.svc/a', 'b.c')), rules)).toMatchObject({ escalates: true, hostAccessAdded: ['acme.svc/a#b.c'] });
    // Honest variant: the same grant is no escalation.
    expect(capabilityDiff(installed, view(manifest('acme.svc/a.b', 'c')), rules).escalates).toBe(false);
    // A wildcard covers only its own service, not one whose name merely starts the same way.
    const wild = { ...installed, hostAccess: ['acme.svc/a#*'] };
    expect(capabilityDiff(wild, view(manifest('acme.svc/a.b', 'c')), rules).escalates).toBe(true);
    expect(capabilityDiff(wild, view(manifest('acme.svc/a', 'c')), rules).escalates).toBe(false);
  });

  it('an unknown capability counts as host (fail closed)', () => {
    expect(capabilityDiff(base, { ...base, capabilities: [...base.capabilities, 'made:up'] }, rules).added).toEqual([{ name: 'made:up', risk: 'host' }]);
  });
});

describe('approvalsFromAudit', () => {
  const rec = (x: Record<string, unknown>) => ({ time: 't', plugin: 'acme.a', version: '1.0.0', artifact_sha256: 'a', manifest_sha256: 'm', capabilities: [], ...x });

  it('the latest placing record wins; refusals and failed placements do not count; a removal clears', () => {
    const m = approvalsFromAudit([
      rec({ event: 'plugin.install', outcome: 'installed' }),
      rec({ event: 'plugin.upgrade', outcome: 'upgraded', version: '2.0.0' }),
      rec({ event: 'plugin.upgrade.refused', outcome: 'refused', version: '3.0.0' }),
      rec({ event: 'plugin.install.failed', outcome: 'placement-failed', version: '4.0.0' }),
      rec({ event: 'plugin.install', outcome: 'installed', plugin: 'acme.b' }),
      rec({ event: 'plugin.remove', outcome: 'removed', plugin: 'acme.b' }),
      'not an object',
      null,
    ]);
    expect(m.get('acme.a')?.version).toBe('2.0.0');
    expect(m.has('acme.b')).toBe(false);
  });

  it('a record without the digests it must bind is not an approval', () => {
    const m = approvalsFromAudit([{ event: 'plugin.install', outcome: 'installed', plugin: 'acme.a', version: '1.0.0', capabilities: [] }]);
    expect(m.size).toBe(0);
  });
});

describe('judgeInstalled', () => {
  function world() {
    const repo = new InstallRepo();
    const built = repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const policy = policyFrom();
    const files = {
      id: 'acme.hello',
      path: '/x/acme.hello.plugin',
      manifestBytes: built.manifestBytes,
      manifestSha256: sha256Hex(built.manifestBytes),
      artifactSha256: sha256Hex(built.artifact),
      artifactBytes: built.artifact.length,
    };
    const approval: ApprovalRecord = {
      time: '2026-08-01T00:00:00Z',
      event: 'plugin.install',
      plugin: 'acme.hello',
      version: '1.0.0',
      channel: 'stable',
      capabilities: [],
      artifact_sha256: files.artifactSha256,
      manifest_sha256: files.manifestSha256,
    };
    const verify = (bytes: Uint8Array) => {
      const r = verifyIndexForInstall(bytes, policy, NOW);
      if (!r.ok) throw r.error;
      return r.verified;
    };
    return { repo, policy, files, approval, verify };
  }
  const judge = (w: ReturnType<typeof world>, over: Partial<Parameters<typeof judgeInstalled>[0]> = {}) =>
    judgeInstalled({ files: w.files, approval: w.approval, verified: w.verify(w.repo.publish()), policy: w.policy, rules, now: NOW, verifyEd25519: verifyEd25519Node, ...over });

  it('current when the bytes are the approved ones, the index lists the release and the policy trusts the key', () => {
    const w = world();
    expect(judge(w)).toMatchObject({ status: 'current', findings: [{ status: 'current' }], version: '1.0.0' });
  });

  it('modified when a digest differs from the approval record; unrecorded without one', () => {
    const w = world();
    expect(judge(w, { files: { ...w.files, artifactSha256: 'f'.repeat(64) } }).status).toBe('modified');
    expect(judge(w, { approval: undefined }).status).toBe('unrecorded');
  });

  it('untrusted when the policy drops the publisher or lists only another key', () => {
    const w = world();
    const d = policyDoc();
    d.publishers.acme.keys = [];
    expect(judge(w, { policy: policyFrom(d) }).findings.map((f) => f.status)).toContain('untrusted');
    const d2 = policyDoc();
    d2.publishers.acme.keys = [{ public_key_ed25519: d2.index.trusted_keys[0].public_key_ed25519 }];
    const r = judge(w, { policy: policyFrom(d2) });
    expect(r.status).toBe('untrusted');
    expect(r.findings[0]!.message).toContain('verifies the installed manifest');
  });

  it('revoked by artifact digest, with the reason', () => {
    const w = world();
    w.repo.revocations = { artifacts: [{ sha256: w.files.artifactSha256, reason: 'malware', revoked_at: '2026-07-31T00:00:00Z' }] };
    const r = judge(w);
    expect(r.status).toBe('revoked');
    expect(r.findings[0]!.message).toMatch(/artifact [0-9a-f]{64} is revoked .*: malware/);
  });

  it('upgrade-available names the version and whether the index entry escalates', () => {
    const w = world();
    w.repo.addRelease({ plugin: 'acme.hello', version: '1.1.0', capabilities: ['kv:read', 'log:write', 'notify:send'] });
    const r = judge(w);
    expect(r).toMatchObject({ status: 'upgrade-available', upgrade: { version: '1.1.0', escalates: true } });
    expect(r.upgrade!.diff.added).toEqual([{ name: 'notify:send', risk: 'write' }]);
  });

  it('not in index when the verified index has no such plugin or release', () => {
    const w = world();
    expect(judge(w, { verified: undefined }).status).toBe('not-in-index');
    const other = new InstallRepo();
    other.addRelease({ plugin: 'acme.hello', version: '0.9.0' });
    expect(judge(w, { verified: w.verify(other.publish()) }).findings.map((f) => f.status)).toContain('not-in-index');
  });
});

describe('the escalation prompt (approvalGate on a TTY)', () => {
  async function ask(answer: string, flags: { yes?: boolean; approveEscalation?: boolean } = {}) {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { PassThrough } = await import('node:stream');
    const { approvalGate } = await import('../../src/cli/operator.js');
    const { withContext } = await import('../../src/cli/context.js');
    const { decodeManifest } = await import('../../src/domain/manifest/decode.js');
    const { tempDir, removeDir } = await import('./harness.js');
    const repo = new InstallRepo();
    const old = repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const next = repo.addRelease({ plugin: 'acme.hello', version: '2.0.0', capabilities: ['kv:read', 'log:write', 'kv:write'] });
    const dir = tempDir('lattice-gate-');
    mkdirSync(`${dir}/acme.hello.plugin`);
    writeFileSync(`${dir}/acme.hello.plugin/manifest.json`, old.manifestBytes);
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    stdin.end(answer);
    let err = '';
    let out = '';
    const stderr = { isTTY: true, write: (c: string) => ((err += c), true) };
    const stdout = { write: (c: string) => ((out += c), true) };
    try {
      return await withContext({ stdin, stderr, stdout, env: {} } as never, { json: false, debug: false }, async () => {
        const gate = approvalGate({ pluginDir: dir, pluginId: 'acme.hello', policy: policyFrom(), yes: flags.yes ?? false, approveEscalation: flags.approveEscalation ?? false, text: (l) => (out += l + '\n'), requireNewer: true });
        const d = decodeManifest(next.manifestBytes);
        if (!d.ok) throw new Error(d.message);
        const verdict = await gate.approve(SUMMARY as never, d.manifest);
        return { verdict, state: gate.state, err, out };
      });
    } finally {
      removeDir(dir);
    }
  }
  const SUMMARY = {
    plugin: { id: 'acme.hello', name: 'Hello', type: 'system' },
    version: '2.0.0',
    channel: 'stable',
    publisher: { id: 'acme', name: 'Acme', keyid: 'a'.repeat(64), limits: { maxRisk: 'write', channels: ['stable'], types: ['system'] } },
    capabilities: [],
    highestRisk: 'write',
    artifact: { url: 'https://repo.test/a', sha256: 'b'.repeat(64), bytes: 1 },
    manifest: { url: 'https://repo.test/m', sha256: 'c'.repeat(64), schema: 'v2', payloadSha256: 'd'.repeat(64) },
    index: { status: 'official', generation: 1, expiresAt: undefined, payloadSha256: 'e'.repeat(64), signers: [] },
    compatibility: { platform: 'linux/amd64', protocol: 'stdio-json-v1', findings: [], checks: [] },
  };

  it('"y" at the escalation prompt approves it and says so in the state; "n" or no answer refuses', async () => {
    const yes = await ask('y\n');
    expect(yes.verdict).toBe(true);
    expect(yes.state).toMatchObject({ fromVersion: '1.0.0', escalationApproved: true, diff: { escalates: true } });
    expect(yes.err).toContain('Grant the escalation? [y/N]');
    expect(yes.out).toContain('+ capability [WRITE] kv:write');
    expect((await ask('n\n')).verdict).toBe(false);
    expect((await ask('')).verdict).toBe(false);
  });

  it('--yes alone is refused with ESCALATION_NOT_APPROVED without asking; --yes --approve-escalation approves', async () => {
    const r = await ask('y\n', { yes: true });
    expect(r.verdict).toMatchObject({ code: 'ESCALATION_NOT_APPROVED' });
    expect(r.err).not.toContain('[y/N]');
    expect((await ask('', { yes: true, approveEscalation: true })).verdict).toBe(true);
  });
});
