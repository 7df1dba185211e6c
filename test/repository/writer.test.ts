/**
 * The repository writer: only what changed is re-signed, versions only grow,
 * bins grow with the catalog without dropping a role a client trusts, the
 * refresh re-signs what nears expiry, root rotation needs both thresholds —
 * checked through the project's client after every step.
 */
import { describe, expect, it } from 'vitest';
import { VerificationError } from '../../src/core/errors.js';
import { memoryMetadataStore } from '../../src/io/repository-transport.js';
import { binBitsFor, rotateRoot, writeRepository } from '../../src/domain/repository/writer.js';
import { DAY, signerOf, SimRepo } from './sim.js';

const UTF8 = new TextEncoder();

function plugins(sim: SimRepo, n: number, from = 0): void {
  for (let i = from; i < from + n; i++) sim.content.set(`plugins/p.n${i}.json`, UTF8.encode(`{"n":${i}}`));
}

async function refreshOk(sim: SimRepo, store = memoryMetadataStore(), path = 'plugins/p.n0.json') {
  const { client } = await sim.client({ store });
  const t = await client.findTarget(path);
  expect(t.ok ? 'ok' : `${t.error.code}: ${t.error.message}`).toBe('ok');
  if (t.ok && t.value) {
    const b = await client.fetchTarget(path, t.value.info);
    expect(b.ok).toBe(true);
  }
  return { client, store };
}

describe('repository writer', () => {
  it('init writes root 1 and an empty signed repository (timestamp, snapshot, targets, 16 bins) a client accepts', async () => {
    const sim = new SimRepo({ rootLabels: ['r1', 'r2', 'r3'], threshold: 2 });
    expect([...sim.files.keys()].filter((k) => k.startsWith('metadata/')).length).toBe(20);
    const { client } = await sim.client();
    const r = await client.refresh();
    expect(r.ok && r.value).toMatchObject({ rootVersion: 1, timestampVersion: 1, snapshotVersion: 1, targetsVersion: 1 });
  });

  it('a one-plugin change re-signs the timestamp, the snapshot and one bin, and writes one target; targets.json stays', async () => {
    const sim = new SimRepo();
    plugins(sim, 300);
    sim.content.set('revocations.json', UTF8.encode('{}'));
    sim.publish();
    const store = memoryMetadataStore();
    await refreshOk(sim, store);
    const before = new Set(sim.files.keys());
    sim.content.set('plugins/p.n7.json', UTF8.encode('{"n":7,"changed":true}'));
    const plan = sim.publish();
    const added = [...sim.files.keys()].filter((k) => !before.has(k) || k === 'metadata/timestamp.json');
    expect(plan.binsWritten.length).toBe(1);
    const bin = plan.binsWritten[0]!;
    const binVersion = sim.state().snapshot.signed.meta.get(`${bin}.json`)!.version;
    expect(plan.metadata.map((f) => f.path)).toEqual([`metadata/${binVersion}.${bin}.json`, `metadata/${plan.versions.snapshot}.snapshot.json`, 'metadata/timestamp.json']);
    expect(plan.metadata.map((f) => f.path).some((p) => p.endsWith('.targets.json'))).toBe(false);
    expect(added.length).toBeLessThanOrEqual(6);
    expect(added.filter((k) => k.startsWith('targets/'))).toHaveLength(1);
    await refreshOk(sim, store, 'plugins/p.n7.json');
  });

  it('nothing changed: nothing is written', () => {
    const sim = new SimRepo();
    plugins(sim, 10);
    sim.publish();
    const plan = sim.publish();
    expect(plan.changed).toBe(false);
    expect(plan.metadata).toEqual([]);
  });

  it('bins grow with the catalog; retired bin names stay listed so a client that trusted them accepts the new snapshot', async () => {
    const sim = new SimRepo();
    plugins(sim, 100);
    sim.publish();
    expect(sim.state().targets.signed.delegations!.succinct!.bitLength).toBe(4);
    const store = memoryMetadataStore();
    // The client has loaded a bin of the 16-bin layout.
    await refreshOk(sim, store);
    plugins(sim, 2100, 100);
    const plan = sim.publish();
    expect(plan.bins).toBe(32);
    const s = sim.state();
    expect(s.targets.signed.delegations!.succinct!.bitLength).toBe(5);
    // 16 retired + 32 current, every version above the trusted one.
    expect(s.snapshot.signed.meta.size).toBe(1 + 32 + 16);
    await refreshOk(sim, store, 'plugins/p.n2000.json');
  });

  it('binBitsFor keeps about 128 targets per bin, 16 to 65536 bins', () => {
    expect([0, 1, 2048, 2049, 10_400, 104_000, 10_000_000].map(binBitsFor)).toEqual([4, 4, 4, 5, 7, 10, 16]);
  });

  it('refresh: always a new timestamp; bins, targets and snapshot only when they expire within the margin', async () => {
    const sim = new SimRepo();
    plugins(sim, 20);
    sim.publish();
    const ts = sim.state().timestamp.signed.version;
    const quiet = sim.publish(sim.content, { forceTimestamp: true, refreshWithinMs: 10 * DAY });
    expect(quiet.metadata.map((f) => f.path)).toEqual(['metadata/timestamp.json']);
    expect(quiet.versions.timestamp).toBe(ts + 1);
    // 25 days later the 30-day roles are within the margin: all re-signed, content unchanged.
    const later = sim.publish(sim.content, { now: sim.now + 25 * DAY, forceTimestamp: true, refreshWithinMs: 10 * DAY });
    expect(later.binsWritten.length).toBe(16);
    expect(later.metadata.some((f) => f.path.endsWith('.targets.json'))).toBe(true);
    await refreshOk(sim);
  });

  it('refuses a signer that is not the root online key', () => {
    const sim = new SimRepo();
    const s = sim.state();
    expect(() => writeRepository({ root: s.root, previous: s, targets: new Map(), signers: { online: signerOf('stranger') }, now: Date.now() })).toThrow(VerificationError);
  });

  it('root rotation needs a threshold of the old keys and a valid new threshold', () => {
    const sim = new SimRepo({ rootLabels: ['r1', 'r2'], threshold: 2 });
    const current = sim.state().root;
    const call = (old: string[], neu: string[], t: number) => () => rotateRoot({ current, oldSigners: old.map(signerOf), newSigners: neu.map(signerOf), newThreshold: t, now: Date.now() });
    expect(call(['r1'], ['n1'], 1)).toThrow(/threshold is 2/);
    expect(call(['r1', 'r2'], ['n1'], 2)).toThrow(/new root threshold/);
    expect(call(['r1', 'r2'], ['n1'], 1)()).toMatchObject({ path: 'metadata/2.root.json' });
  });
});
