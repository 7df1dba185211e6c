/**
 * The TUF attacks by name (issue 13 "Must hold"), against repository v2 and
 * the real install (`runInstall` with the v2 index source): every attack is
 * refused with its code, the plugin directory is byte-for-byte unchanged,
 * the host's trusted metadata did not take the attacker's version — and the
 * honest variant installs. tuf-js's Updater reads the same bytes as the
 * peer: it refuses the same attacks, except the duplicated-key threshold,
 * which it counts per keyid (the difference the test documents).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JSONObject } from '../../src/core/json/types.js';
import { sha256Hex } from '../../src/crypto/index.js';
import { canonicalBytes, formatTufTime } from '../../src/domain/repository/model.js';
import type { MetadataSigner } from '../../src/domain/repository/keys.js';
import { rootSigned } from '../../src/domain/repository/writer.js';
import { fetchError } from '../../src/domain/install/transport.js';
import { snapshotDir } from '../install/harness.js';
import { DAY, signerOf } from './sim.js';
import { V2World } from './v2-harness.js';
import { resolveServerVersion } from '../../src/core/server-line.js';

let w: V2World;
afterEach(() => w?.cleanup());

/** Install and expect the refusal: code, nothing placed, plugin directory unchanged, a refusal audited. */
async function refused(code: string) {
  const before = snapshotDir(w.env.pluginDir);
  const r = await w.install();
  expect(r.result.ok, 'expected a refusal').toBe(false);
  if (r.result.ok) return;
  expect(r.result.error.code).toBe(code);
  expect(r.result.steps.find((s) => !s.ok)?.step).toMatch(/^index/);
  expect(r.placed).toBeUndefined();
  expect(snapshotDir(w.env.pluginDir)).toEqual(before);
  expect(w.env.auditLines().at(-1)).toMatchObject({ event: 'plugin.install.refused', code });
}

async function installs() {
  const r = await w.install();
  expect(r.result.ok ? 'ok' : `${r.result.error.code}: ${r.result.error.message}`).toBe('ok');
  expect(r.placed?.path).toMatch(/acme\.tool\.plugin$/);
}

/** Current metadata objects (raw signed) of the served repository. */
function current() {
  const s = w.sim.state();
  return { ts: s.timestamp, snap: s.snapshot, targets: s.targets, bins: s.bins };
}

/** Serve a forged snapshot (signed by the online key) and a timestamp pointing at it. */
function forgeSnapshot(mutate: (signed: JSONObject) => void, signer: MetadataSigner = w.sim.online): void {
  const c = current();
  const signed = structuredClone(c.snap.rawSigned) as JSONObject;
  signed.version = c.snap.signed.version + 1;
  mutate(signed);
  const bytes = w.sim.forge(`metadata/${signed.version}.snapshot.json`, signed, [signer]);
  forgeTimestamp({ version: signed.version as number, length: bytes.length, hashes: { sha256: sha256Hex(bytes) } });
}

function forgeTimestamp(snapshotMeta: JSONObject, version = current().ts.signed.version + 1, signer: MetadataSigner = w.sim.online): void {
  const signed = structuredClone(current().ts.rawSigned) as JSONObject;
  signed.version = version;
  signed.meta = { 'snapshot.json': snapshotMeta };
  w.sim.forge('metadata/timestamp.json', signed, [signer]);
}

/** The bin holding the plugin's target. */
function pluginBin(): string {
  for (const [name, bin] of current().bins) if (bin.signed.targets.has('plugins/acme.tool.json')) return name;
  throw new Error('no bin lists the plugin');
}

describe('repository v2: named TUF attacks against install (refused, nothing installed or trusted; honest variant passes)', () => {
  it('rollback of the timestamp: an older timestamp is refused', async () => {
    w = new V2World();
    w.publish({ forceTimestamp: true });
    await installs();
    const trusted = await w.storedVersion('timestamp');
    const honest = w.sim.files.get('metadata/timestamp.json')!;
    w.sim.files.set('metadata/timestamp.json', w.sim.history.get('metadata/timestamp.json')![0]!);
    await refused('REPO_ROLLBACK');
    expect(await w.storedVersion('timestamp')).toBe(trusted);
    expect((await w.tufjs()).ok).toBe(false);
    w.sim.files.set('metadata/timestamp.json', honest);
    await installs();
  });

  it('rollback of the snapshot: a timestamp listing an older snapshot is refused', async () => {
    w = new V2World();
    w.revocations = { releases: [{ plugin: 'acme.other', version: '9.9.9', reason: 'test', revoked_at: '2026-01-01T00:00:00Z' }] };
    w.publish();
    await installs();
    expect((await w.tufjs()).ok).toBe(true);
    const old = w.sim.history.get('metadata/timestamp.json')![0]!;
    const oldSnap = JSON.parse(new TextDecoder().decode(old)).signed.meta['snapshot.json'];
    const trustedSnapshot = await w.storedVersion('snapshot');
    const honestTs = w.sim.files.get('metadata/timestamp.json')!;
    forgeTimestamp(oldSnap);
    await refused('REPO_ROLLBACK');
    expect(await w.storedVersion('snapshot')).toBe(trustedSnapshot);
    expect((await w.tufjs()).ok).toBe(false);
    w.sim.files.set('metadata/timestamp.json', honestTs);
    w.publish({ forceTimestamp: true });
    await installs();
  });

  it('rollback of the targets role: a snapshot listing an older targets.json is refused', async () => {
    w = new V2World();
    w.revocations = { releases: [{ plugin: 'acme.other', version: '9.9.9', reason: 'test', revoked_at: '2026-01-01T00:00:00Z' }] };
    w.publish(); // targets.json moves to version 3 (revocations.json is a top-level target)
    await installs();
    expect((await w.tufjs()).ok).toBe(true);
    const honestTs = w.sim.files.get('metadata/timestamp.json')!;
    forgeSnapshot((s) => ((s.meta as JSONObject)['targets.json'] = { version: 2 }));
    await refused('REPO_ROLLBACK');
    expect((await w.tufjs()).ok).toBe(false);
    w.sim.files.set('metadata/timestamp.json', honestTs);
    // The recovered repository publishes past the forged timestamp version (an equal one is ignored by clients).
    w.publish({ forceTimestamp: true, refreshWithinMs: 365 * DAY });
    w.publish({ forceTimestamp: true });
    await installs();
  });

  it('rollback of a bin: a snapshot listing an older version of a bin is refused', async () => {
    w = new V2World();
    w.inst.addRelease({ plugin: 'acme.tool', version: '1.1.0' });
    w.publish(); // the plugin's bin moves to version 3
    await installs();
    expect((await w.tufjs()).ok).toBe(true);
    const bin = pluginBin();
    const honestTs = w.sim.files.get('metadata/timestamp.json')!;
    forgeSnapshot((s) => ((s.meta as JSONObject)[`${bin}.json`] = { version: 2 }));
    await refused('REPO_ROLLBACK');
    expect((await w.tufjs()).ok).toBe(false);
    w.sim.files.set('metadata/timestamp.json', honestTs);
    // The recovered repository publishes past the forged timestamp version (an equal one is ignored by clients).
    w.publish({ forceTimestamp: true, refreshWithinMs: 365 * DAY });
    w.publish({ forceTimestamp: true });
    await installs();
  });

  it('freeze: an expired timestamp is refused (and not stored)', async () => {
    w = new V2World({ now: Date.now() - 2 * DAY });
    await refused('REPO_EXPIRED');
    expect(await w.storedVersion('timestamp')).toBe(0);
    expect((await w.tufjs()).ok).toBe(false);
    w.sim.now = Date.now();
    w.publish({ forceTimestamp: true });
    await installs();
  });

  it('freeze: an expired bin is refused', async () => {
    w = new V2World();
    w.inst.addRelease({ plugin: 'acme.tool', version: '1.1.0' });
    w.publish({ expiry: { bins: -1 } });
    await refused('REPO_EXPIRED');
    expect((await w.tufjs()).ok).toBe(false);
    w.publish({ refreshWithinMs: 365 * DAY });
    await installs();
  });

  it('mix-and-match: a bin from another snapshot is refused', async () => {
    w = new V2World();
    await installs();
    const bin = pluginBin();
    const oldVersion = current().snap.signed.meta.get(`${bin}.json`)!.version;
    const oldBytes = w.sim.files.get(`metadata/${oldVersion}.${bin}.json`)!;
    w.inst.addRelease({ plugin: 'acme.tool', version: '1.1.0' });
    w.publish();
    const path = `metadata/${oldVersion + 1}.${bin}.json`;
    const honest = w.sim.files.get(path)!;
    w.sim.files.set(path, oldBytes);
    await refused('REPO_VERSION_MISMATCH');
    expect((await w.tufjs()).ok).toBe(false);
    w.sim.files.set(path, honest);
    await installs();
  });

  it('arbitrary target: a plugin target whose bytes differ from its hash is refused', async () => {
    w = new V2World();
    const [p, bytes] = [...w.sim.files].find(([k]) => /^targets\/plugins\/[0-9a-f]{64}\.acme\.tool\.json$/.test(k))!;
    const evil = Uint8Array.from(bytes);
    evil[evil.length - 3] = evil[evil.length - 3]! ^ 1;
    w.sim.files.set(p, evil);
    await refused('REPO_HASH_MISMATCH');
    expect((await w.tufjs()).ok).toBe(false);
    w.sim.files.set(p, bytes);
    await installs();
  });

  it('endless data: a target longer than its listed length is cut off at the length', async () => {
    w = new V2World();
    const [p, bytes] = [...w.sim.files].find(([k]) => /^targets\/plugins\/.*acme\.tool\.json$/.test(k))!;
    const longer = new Uint8Array(bytes.length + 1024 * 1024);
    longer.set(bytes);
    w.sim.files.set(p, longer);
    await refused('FETCH_TOO_LARGE');
    expect((await w.tufjs()).ok).toBe(false);
    w.sim.files.set(p, bytes);
    await installs();
  });

  it('endless data through a careless transport: the client re-checks the cap itself', async () => {
    w = new V2World();
    const [p, bytes] = [...w.sim.files].find(([k]) => /^targets\/plugins\/.*acme\.tool\.json$/.test(k))!;
    const longer = new Uint8Array(bytes.length + 10);
    longer.set(bytes);
    w.sim.files.set(p, longer);
    // A transport that ignores the cap (returns whatever it got).
    const t = w.sim.transport();
    w.sim.transport = () => ({ fetchMetadata: t.fetchMetadata, fetchTarget: async (q) => w.sim.files.get(`targets/${q}`) ?? Promise.reject(fetchError('FETCH_NOT_FOUND', q)) });
    await refused('FETCH_TOO_LARGE');
  });

  it('threshold with duplicated keys: one key listed under two keyids counts once (tuf-js 5 counts it twice)', async () => {
    w = new V2World();
    const a = w.sim.rootSigners[0]!;
    const alias: MetadataSigner = { keyid: 'a'.repeat(64), key: a.key, sign: (m) => a.sign(m) };
    const forgeRoot = (signers: MetadataSigner[], listed: MetadataSigner[]): Uint8Array => {
      const signed = rootSigned({ version: 2, expires: formatTufTime(Date.now() + 365 * DAY), rootKeys: [], rootThreshold: 2, online: w.sim.online.key, timestamp: w.sim.online.key });
      const keys = signed.keys as JSONObject;
      (signed.roles as JSONObject).root = { keyids: listed.map((s) => s.keyid), threshold: 2 };
      for (const s of listed) keys[s.keyid] = { keytype: s.key.keytype, scheme: s.key.scheme, keyval: { ...s.key.keyval } };
      return w.sim.forge('metadata/2.root.json', signed, signers);
    };
    forgeRoot([a, alias], [a, alias]);
    await refused('REPO_THRESHOLD');
    expect(await w.storedVersion('root')).toBe(1);
    // The peer: tuf-js accepts this root (GHSA-3633-5h82-39pq class) — the documented difference.
    expect(await w.tufjs()).toEqual({ ok: true });
    // Honest variant: two distinct keys.
    const b = signerOf('root-b');
    forgeRoot([a, b], [a, b]);
    await installs();
    expect(await w.storedVersion('root')).toBe(2);
  });

  it('root rotation: a valid chain of new roots is accepted', async () => {
    w = new V2World({ rootLabels: ['root-a', 'root-b'], threshold: 2 });
    await installs();
    w.sim.rotateRoot({ newRoot: ['root-c', 'root-d', 'root-e'], threshold: 2 });
    w.sim.rotateRoot({ newRoot: ['root-f'], threshold: 1 });
    await installs();
    expect(await w.storedVersion('root')).toBe(3);
    expect((await w.tufjs()).ok).toBe(true);
  });

  it('root rotation: a root signed only by the new keys is refused', async () => {
    w = new V2World({ rootLabels: ['root-a', 'root-b'], threshold: 2 });
    w.sim.rotateRoot({ newRoot: ['root-x'] });
    // Re-signed by the new key alone: root version 1's keys never signed it.
    const v2 = w.sim.parse('metadata/2.root.json', 'root');
    w.sim.forge('metadata/2.root.json', v2.rawSigned, [signerOf('root-x')]);
    await refused('REPO_THRESHOLD');
    expect(await w.storedVersion('root')).toBe(1);
    expect((await w.tufjs()).ok).toBe(false);
    w.sim.files.delete('metadata/2.root.json');
    w.sim.rootSigners = [signerOf('root-a'), signerOf('root-b')];
    w.sim.rotateRoot({ newRoot: ['root-x'] });
    await installs();
  });

  it('root rotation recovers from a fast-forward attack on the timestamp', async () => {
    w = new V2World();
    await installs();
    // An attacker with the online key fast-forwards the timestamp.
    const snap = current().ts.rawSigned.meta as JSONObject;
    const honestTs = w.sim.files.get('metadata/timestamp.json')!;
    forgeTimestamp(structuredClone(snap['snapshot.json'] as JSONObject), 1_000_000);
    await installs();
    expect(await w.storedVersion('timestamp')).toBe(1_000_000);
    w.sim.files.set('metadata/timestamp.json', honestTs); // the attacker's file was served, never the repository's
    // The repository, recovered, publishes honestly: the client is stuck on the forged version.
    w.publish({ forceTimestamp: true });
    await refused('REPO_ROLLBACK');
    // Root rotation of the online key: the client forgets the stored timestamp and snapshot (5.3.11).
    w.sim.rotateRoot({ newRoot: ['root-a'], online: 'online-2' });
    w.publish({ forceTimestamp: true });
    await installs();
    expect(await w.storedVersion('timestamp')).toBeLessThan(1_000_000);
  });

  it('a mirror that serves stale files: an older consistent set is refused', async () => {
    w = new V2World();
    const stale = new Map(w.sim.files);
    w.inst.addRelease({ plugin: 'acme.tool', version: '1.1.0' });
    w.publish();
    await installs();
    expect((await w.tufjs()).ok).toBe(true);
    const honest = new Map(w.sim.files);
    w.sim.files.clear();
    for (const [k, v] of stale) w.sim.files.set(k, v);
    await refused('REPO_ROLLBACK');
    expect((await w.tufjs()).ok).toBe(false);
    w.sim.files.clear();
    for (const [k, v] of honest) w.sim.files.set(k, v);
    await installs();
  });

  it('a mirror that serves stale files to a new host: expired metadata is refused', async () => {
    w = new V2World({ now: Date.now() - 3 * DAY });
    await refused('REPO_EXPIRED');
  });

  it('a mirror that serves tampered files: a modified snapshot is refused by its hash', async () => {
    w = new V2World();
    const v = current().snap.signed.version;
    const p = `metadata/${v}.snapshot.json`;
    const honest = w.sim.files.get(p)!;
    // Same length, one character of a signature changed: the timestamp's hash catches it first.
    const text = new TextDecoder().decode(honest);
    const at = text.indexOf('"sig":"') + 7;
    const tampered = new TextEncoder().encode(text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1));
    w.sim.files.set(p, tampered);
    await refused('REPO_HASH_MISMATCH');
    expect((await w.tufjs()).ok).toBe(false);
    w.sim.files.set(p, honest);
    await installs();
  });

  it('canonical bytes are what is signed: a re-serialised snapshot with a changed member is refused', async () => {
    w = new V2World();
    const v = current().snap.signed.version;
    const p = `metadata/${v}.snapshot.json`;
    const doc = JSON.parse(new TextDecoder().decode(w.sim.files.get(p)!));
    doc.signed.expires = formatTufTime(Date.now() + 900 * DAY);
    const bytes = canonicalBytes(doc);
    w.sim.files.set(p, bytes);
    // Point the timestamp at the new bytes with the real online key? No: the attacker has no key, so the hash fails first.
    await refused('REPO_HASH_MISMATCH');
  });
});

describe('repository v2: stored manifests are targets, read through TUF (DESIGN §4.5)', () => {
  const storedTarget = /^targets\/manifests\/acme\.tool\/[0-9a-f]{64}\.1\.0\.0\.json$/;

  /** A world whose release has a stored manifest, and whose manifest_url serves nothing. */
  function storedWorld(): V2World {
    w = new V2World({}, { storeManifest: true });
    w.inst.files.delete(w.inst.plugins[0]!.releases[0]!.manifest_url);
    return w;
  }

  it('honest: the manifest comes from the repository target, not manifest_url', async () => {
    storedWorld();
    const r = await w.install();
    expect(r.result.ok ? 'ok' : `${r.result.error.code}: ${r.result.error.message}`).toBe('ok');
    expect(r.result.steps.find((s) => s.step === 'manifest')?.detail).toContain('stored manifest manifests/acme.tool/1.0.0.json');
    expect(w.sim.requests.some((p) => storedTarget.test(p))).toBe(true);
    expect((await w.tufjs('manifests/acme.tool/1.0.0.json')).ok).toBe(true);
  });

  it('arbitrary target: a stored manifest whose bytes differ from its listed hash is refused at the manifest step', async () => {
    storedWorld();
    const [p, bytes] = [...w.sim.files].find(([k]) => storedTarget.test(k))!;
    const evil = Uint8Array.from(bytes);
    evil[evil.length - 2] = evil[evil.length - 2]! ^ 1;
    w.sim.files.set(p, evil);
    const before = snapshotDir(w.env.pluginDir);
    const r = await w.install();
    expect(r.result.ok).toBe(false);
    if (!r.result.ok) {
      expect(r.result.error.code).toBe('REPO_HASH_MISMATCH');
      expect(r.result.steps.find((s) => !s.ok)?.step).toBe('manifest');
    }
    expect(r.placed).toBeUndefined();
    expect(snapshotDir(w.env.pluginDir)).toEqual(before);
    expect((await w.tufjs('manifests/acme.tool/1.0.0.json')).ok).toBe(false);
    w.sim.files.set(p, bytes);
    await installs();
  });

  it("the signed loads_on decides selection as with index v1: the newest release the host's server version loads", async () => {
    storedWorld();
    const budget = { timeout_ms: 1000, stdout_bytes: 1024, stderr_bytes: 1024, host_calls: 4, http_response_bytes: 1048576 };
    // 1.1.0 declares interface budgets, which only integration-2026-09 knows.
    w.inst.addRelease({
      plugin: 'acme.tool',
      version: '1.1.0',
      store: true,
      manifest: (m) => {
        m.interfaces = [{ service: `${String(m.id)}/items`, methods: [{ name: 'list', effect: 'read', scopes: ['proxy:read'], budget }], backing: 'runtime' }];
      },
    });
    w.publish();
    const old = resolveServerVersion('alpha-0.2.2a41');
    if (!old.ok) throw new Error(old.message);
    const r = await w.install('acme.tool', { host: { serverRules: old.rules.version, serverLine: old.rules.line } });
    expect(r.result.ok ? 'ok' : `${r.result.error.code}: ${r.result.error.message}`).toBe('ok');
    if (r.result.ok) {
      expect(r.result.summary).toMatchObject({ version: '1.0.0', manifest: { source: 'stored' }, skipped: [{ version: '1.1.0' }] });
    }
  });
});
