/**
 * DESIGN §5 step 5, one pass: the artifact is hashed, spooled and inspected
 * (gunzip + tar rules) while it streams, and the verdicts keep their order —
 * the digest first (`ARTIFACT_DIGEST_MISMATCH` whatever the inspector saw),
 * the bundle rules only in step 7. Every attack is paired with its honest
 * variant (the same bytes published under their own digest) to show which
 * verdict the inspector alone would have given.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyError, VerificationError } from '../../src/core/errors.js';
import { runInstall, type RunInstallOptions } from '../../src/io/install.js';
import { nodeBundleCodec } from '../../src/io/bundle.js';
import { createChunkChannel } from '../../src/domain/install/chunk-channel.js';
import { verifyInstall } from '../../src/domain/install/pipeline.js';
import { createMemorySpool, fetchError, type ArtifactSpool, type InstallFetcher } from '../../src/domain/install/transport.js';
import { verifyEd25519Node } from '../../src/crypto/node.js';
import { InstallEnv, InstallRepo, NOW, SYSTEM_BIN, bombBundle, escapingBundle, breaksAfter, expectInstallRefused, installAcme, policyDoc, policyFrom, snapshotDir } from './harness.js';
import { workerInspector } from '../../src/io/inspect-worker.js';
import { file, tar } from '../bundle/raw-tar.js';

let env: InstallEnv;
let before: string[];
beforeEach(() => {
  env = new InstallEnv();
  before = snapshotDir(env.pluginDir);
});
afterEach(() => env.cleanup());

const install = (repo: InstallRepo, index: Uint8Array, extra: Partial<RunInstallOptions> = {}) => installAcme(env, repo, index, extra);

const expectRefusal = (p: ReturnType<typeof install>, code: string, step: string, cls: typeof VerificationError | typeof PolicyError = VerificationError) =>
  expectInstallRefused(env, before, p, code, step, cls);

const escaping = escapingBundle;
const bomb = bombBundle;

describe('digest first: ARTIFACT_DIGEST_MISMATCH wins over anything the inspector saw', () => {
  it('attack: a bundle breaking the archive rules, served for a good release → ARTIFACT_DIGEST_MISMATCH (artifact step), never BUNDLE_INVALID', async () => {
    const repo = new InstallRepo();
    const r = repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    repo.files.set(r.artifactUrl, escaping());
    await expectRefusal(install(repo, repo.publish()), 'ARTIFACT_DIGEST_MISMATCH', 'artifact');
  });

  it('honest variant: the same bundle published under its own digest → BUNDLE_INVALID in the runner step', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', artifact: escaping() });
    await expectRefusal(install(repo, repo.publish()), 'BUNDLE_INVALID', 'runner');
  });

  it('attack: a gzip bomb served for a good release → ARTIFACT_DIGEST_MISMATCH; the inspector stops at the header (bounded)', async () => {
    const repo = new InstallRepo();
    const r = repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    repo.files.set(r.artifactUrl, bomb());
    await expectRefusal(install(repo, repo.publish()), 'ARTIFACT_DIGEST_MISMATCH', 'artifact');
  });

  it('honest variant: the bomb under its own digest → BUNDLE_TOO_LARGE in the runner step', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', artifact: bomb() });
    await expectRefusal(install(repo, repo.publish()), 'BUNDLE_TOO_LARGE', 'runner');
  });

  it('attack: a flipped byte in the gzip stream of a good bundle → ARTIFACT_DIGEST_MISMATCH, not the gzip error the inspector hit', async () => {
    const repo = new InstallRepo();
    const r = repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const bad = Uint8Array.from(r.artifact);
    bad[20]! ^= 0xff; // inside the deflate data: the inspector fails on it
    repo.files.set(r.artifactUrl, bad);
    await expectRefusal(install(repo, repo.publish()), 'ARTIFACT_DIGEST_MISMATCH', 'artifact');
  });

  it('a download that breaks mid-stream → FETCH_FAILED (artifact step); the inspector is stopped, nothing placed', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const inner = repo.fetcher({ chunkSize: 64 });
    const fetcher = breaksAfter(inner, 3);
    await expectRefusal(install(repo, repo.publish(), { fetcher }), 'FETCH_FAILED', 'artifact');
  });
});

describe('one pass', () => {
  it('a v2 system bundle is read once: the spool is never replayed, and the runner step reports what the inspector found', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    let replays = 0;
    const spool = (): ArtifactSpool => {
      const s = createMemorySpool();
      return { ...s, write: s.write, finish: s.finish, discard: s.discard, read: () => (replays++, s.read()), get size() { return s.size; } };
    };
    const r = await verifyInstall({ indexBytes: repo.publish(), policy: policyFrom(policyDoc()), pluginId: 'acme.hello', fetcher: repo.fetcher({ chunkSize: 100 }), codec: nodeBundleCodec, now: NOW, spool });
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
    expect(replays).toBe(0);
    expect(r.steps.find((s) => s.step === 'runner')!.detail).toContain('bundle: 2 file(s)');
    if (r.ok) await r.candidate.artifact.discard();
  });

  it('a wasm bundle still reads its module after the pass (the spool is replayed for it)', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', type: 'wasm' });
    let replays = 0;
    const spool = (): ArtifactSpool => {
      const s = createMemorySpool();
      return { ...s, write: s.write, finish: s.finish, discard: s.discard, read: () => (replays++, s.read()), get size() { return s.size; } };
    };
    const r = await verifyInstall({ indexBytes: repo.publish(), policy: policyFrom(policyDoc()), pluginId: 'acme.hello', fetcher: repo.fetcher(), codec: nodeBundleCodec, now: NOW, spool });
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
    expect(replays).toBe(1);
  });

  it('timings: every step that ran and the artifact phases, in ms; runInstall adds its own phases and the total', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const report = await install(repo, repo.publish());
    expect(report.result.ok).toBe(true);
    const t = report.timings;
    for (const k of ['lock', 'index', 'manifest', 'artifact', 'artifact_download', 'artifact_hash', 'artifact_spool_wait', 'artifact_inspect_queue_wait', 'artifact_fsync', 'artifact_inspect_wait', 'runner', 'decision', 'placement', 'audit', 'total']) {
      expect(typeof t[k], k).toBe('number');
      expect(t[k]!, k).toBeGreaterThanOrEqual(0);
    }
    expect(t.total!).toBeGreaterThanOrEqual(t.artifact!);
  });

  it('timings of a refusal stop at the failing step', async () => {
    const repo = new InstallRepo();
    const r = repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    repo.files.set(r.artifactUrl, escaping());
    const report = await install(repo, repo.publish());
    expect(report.result.ok).toBe(false);
    expect(typeof report.timings.artifact).toBe('number');
    expect(report.timings.runner).toBeUndefined();
  });
});

describe('chunks go back to the fetcher (FetchedBody.release) only when nothing reads them any more', () => {
  /**
   * The repo's fetcher with a release that overwrites the chunk at once (what a
   * fetcher reading the next bytes into it would do); `early` overwrites every
   * chunk one macrotask after yielding it instead, released or not (the control:
   * a pipeline that let go too early would fail like that).
   */
  function poisoning(repo: InstallRepo, chunkSize: number, early = false) {
    const inner = repo.fetcher({ chunkSize });
    const released = new Set<Uint8Array>();
    let artifactChunks = 0;
    let twice = 0;
    const fetcher: InstallFetcher = {
      async fetch(url, req) {
        const res = await inner.fetch(url, req);
        if (req.purpose !== 'artifact') return res;
        return {
          ...res,
          body: (async function* () {
            for await (const c of res.body) {
              artifactChunks++;
              if (early) setImmediate(() => c.fill(0xee));
              yield c;
            }
          })(),
          release: (c: Uint8Array) => {
            if (released.has(c)) twice++;
            released.add(c);
            c.fill(0xee);
          },
        };
      },
    };
    return { fetcher, released, counts: () => ({ chunks: artifactChunks, twice }) };
  }
  const bigRelease = (repo: InstallRepo) =>
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', entries: [{ path: 'bin/linux-amd64/plugin', content: SYSTEM_BIN }, { path: 'bin/linux-arm64/plugin', content: SYSTEM_BIN }, { path: 'data/blob.bin', content: new Uint8Array(randomBytes(900 * 1024 + 17)) }] });

  for (const [size, what] of [
    [1000, 'small chunks (gathered into the inspector\'s own buffers)'],
    [300 * 1024, 'large chunks (passed to gunzip uncopied)'],
  ] as const) {
    it(`honest: ${what} overwritten as soon as they are released → installed, the artifact placed byte for byte, every chunk released once`, async () => {
      const repo = new InstallRepo();
      const r = bigRelease(repo);
      const p = poisoning(repo, size);
      const report = await install(repo, repo.publish(), { fetcher: p.fetcher });
      expect(report.result.ok, report.result.ok ? '' : report.result.error.message).toBe(true);
      expect(Buffer.from(readFileSync(path.join(env.pluginDir, 'acme.hello.plugin', 'artifact'))).equals(Buffer.from(r.artifact))).toBe(true);
      expect(p.counts()).toEqual({ chunks: Math.ceil(r.artifact.length / size), twice: 0 });
      expect(p.released.size).toBe(p.counts().chunks);
    });
  }

  it('honest: the same with the worker inspector (it copies each chunk before it lets go)', async () => {
    const repo = new InstallRepo();
    const r = bigRelease(repo);
    const p = poisoning(repo, 300 * 1024);
    const report = await install(repo, repo.publish(), { fetcher: p.fetcher, inspector: workerInspector() });
    expect(report.result.ok, report.result.ok ? '' : report.result.error.message).toBe(true);
    expect(Buffer.from(readFileSync(path.join(env.pluginDir, 'acme.hello.plugin', 'artifact'))).equals(Buffer.from(r.artifact))).toBe(true);
    expect(p.released.size).toBe(p.counts().chunks);
  });

  it('control: a fetcher that overwrites chunks without waiting for their release breaks the install (so the honest tests would see an early release)', async () => {
    const repo = new InstallRepo();
    bigRelease(repo);
    const p = poisoning(repo, 300 * 1024, true);
    const report = await install(repo, repo.publish(), { fetcher: p.fetcher });
    expect(report.result.ok).toBe(false);
    expect(snapshotDir(env.pluginDir)).toEqual(before);
  });

  it('a refused install (digest mismatch) releases no chunk the inspector may still read, and places nothing', async () => {
    const repo = new InstallRepo();
    const r = bigRelease(repo);
    const bad = Uint8Array.from(r.artifact);
    bad[bad.length >> 1]! ^= 1;
    repo.files.set(r.artifactUrl, bad);
    const p = poisoning(repo, 300 * 1024);
    await expectRefusal(install(repo, repo.publish(), { fetcher: p.fetcher }), 'ARTIFACT_DIGEST_MISMATCH', 'artifact');
    expect(p.counts().twice).toBe(0);
  });
});

describe('createChunkChannel', () => {
  const bytes = (n: number, v = 1) => new Uint8Array(n).fill(v);

  it('delivers chunks in order, by reference, then ends', async () => {
    const ch = createChunkChannel(100);
    const a = bytes(3, 1);
    const b = bytes(2, 2);
    expect(ch.push(a)).toBeUndefined();
    expect(ch.push(b)).toBeUndefined();
    ch.end();
    const got: Uint8Array[] = [];
    for await (const c of ch) got.push(c);
    expect(got).toEqual([a, b]);
    expect(got[0]).toBe(a);
  });

  it('back pressure: over the bound push returns a promise that resolves once half is taken', async () => {
    const ch = createChunkChannel(10);
    expect(ch.push(bytes(6))).toBeUndefined();
    const wait = ch.push(bytes(6));
    expect(wait).toBeInstanceOf(Promise);
    let released = false;
    void wait!.then(() => (released = true));
    const it = ch[Symbol.asyncIterator]();
    await it.next(); // 6 left: above the low-water mark of 5
    await Promise.resolve();
    expect(released).toBe(false);
    await it.next(); // 0 left
    await wait;
    expect(released).toBe(true);
    expect(ch.queuedBytes).toBe(0);
  });

  it('a consumer that stops early: later pushes are dropped and never block', async () => {
    const ch = createChunkChannel(4);
    const it = ch[Symbol.asyncIterator]();
    const wait = ch.push(bytes(8));
    await it.return!();
    await wait; // released by the stop
    expect(ch.push(bytes(100))).toBeUndefined();
    expect(ch.queuedBytes).toBe(0);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('fail: the consumer waiting for a chunk rejects with the error; a queue is dropped', async () => {
    const ch = createChunkChannel(100);
    const it = ch[Symbol.asyncIterator]();
    const pending = it.next();
    ch.fail(new Error('download stopped'));
    await expect(pending).rejects.toThrow('download stopped');
    expect(() => ch.push(bytes(1))).toThrow('push after end');
  });

  it('one consumer only', () => {
    const ch = createChunkChannel(1);
    ch[Symbol.asyncIterator]();
    expect(() => ch[Symbol.asyncIterator]()).toThrow('one consumer only');
  });
});

describe("the Ed25519 verifier: runInstall checks the index and manifest signatures with OpenSSL's Go-exact verifier by default; an injected one is the only one asked", () => {
  it('honest: the default (OpenSSL) installs; an injected verifier is asked for exactly the index and the manifest signature', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const index = repo.publish();
    const plain = await install(repo, index);
    expect(plain.result.ok).toBe(true);
    env.cleanup();
    env = new InstallEnv();
    const calls: number[] = [];
    const counting = (pk: Uint8Array, msg: Uint8Array, sig: Uint8Array) => {
      calls.push(msg.length);
      return verifyEd25519Node(pk, msg, sig);
    };
    const r = await install(repo, index, { verifyEd25519: counting });
    expect(r.result.ok).toBe(true);
    expect(calls.length).toBe(2); // one index signature, one manifest signature (not verified twice)
  });

  it('attack: a verifier that rejects everything refuses at the index step (the injected verifier is used, not bypassed)', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const r = await install(repo, repo.publish(), { verifyEd25519: () => false });
    expect(r.result.ok).toBe(false);
    if (!r.result.ok) expect(r.result.steps.at(-1)).toMatchObject({ step: 'index', ok: false });
    expect(snapshotDir(env.pluginDir)).toEqual(before);
  });

  it('attack: a verifier that rejects only the manifest payload → MANIFEST_SIGNATURE_INVALID at the manifest step, directory unchanged', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const index = repo.publish();
    let seen = 0;
    // The first verification is the index's; refuse the second (the manifest's).
    const second = (pk: Uint8Array, msg: Uint8Array, sig: Uint8Array) => ++seen === 1 && verifyEd25519Node(pk, msg, sig);
    await expectRefusal(install(repo, index, { verifyEd25519: second }), 'MANIFEST_SIGNATURE_INVALID', 'manifest');
  });
});

describe('step 5 starts beside step 4: the download runs while the manifest is checked, the verdicts keep their order', () => {
  /** The repo's fetcher, with the manifest held back until the artifact was asked for (or 2 s passed) and every request's signal kept. */
  function overlapping(repo: InstallRepo, artifactBody?: (signal: AbortSignal | undefined) => AsyncIterable<Uint8Array>) {
    const inner = repo.fetcher({ chunkSize: 512 });
    let artifactAsked!: () => void;
    const asked = new Promise<void>((r) => (artifactAsked = r));
    const log: string[] = [];
    const signals = new Map<string, AbortSignal | undefined>();
    const fetcher: InstallFetcher = {
      async fetch(url, req) {
        signals.set(req.purpose, req.signal);
        if (req.purpose === 'artifact') {
          log.push('artifact asked');
          artifactAsked();
          if (artifactBody) return { finalUrl: url, body: artifactBody(req.signal) };
          return inner.fetch(url, req);
        }
        const res = await inner.fetch(url, req);
        await Promise.race([asked, new Promise((r) => setTimeout(r, 2000))]);
        log.push(`${req.purpose} answered`);
        return res;
      },
    };
    return { fetcher, log, signals };
  }

  it('honest: the artifact is asked for before the manifest is answered, and the install passes every step in order', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const o = overlapping(repo);
    const r = await verifyInstall({ indexBytes: repo.publish(), policy: policyFrom(policyDoc()), pluginId: 'acme.hello', fetcher: o.fetcher, codec: nodeBundleCodec, now: NOW });
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
    expect(o.log).toEqual(['artifact asked', 'manifest answered']);
    expect(r.steps.map((s) => s.step)).toEqual(expect.arrayContaining(['manifest', 'artifact', 'runner']));
    expect(r.steps.findIndex((s) => s.step === 'manifest')).toBeLessThan(r.steps.findIndex((s) => s.step === 'artifact'));
    if (r.ok) await r.candidate.artifact.discard();
  });

  it('attack: a manifest refused in step 4 stops the download (its signal is aborted, an endless body is no longer read) and step 4 is the verdict', async () => {
    const repo = new InstallRepo();
    const rel = repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const index = repo.publish();
    repo.files.set(rel.manifestUrl, new TextEncoder().encode('{"not":"the manifest"}'));
    let read = 0;
    const o = overlapping(repo, (signal) =>
      (async function* () {
        // Endless, one chunk per tick, until the pipeline stops reading (a fetcher that ignores the signal).
        for (;;) {
          read++;
          yield new Uint8Array(1024);
          await new Promise((r) => setImmediate(r));
          if (read > 100_000) throw new Error('the download was never stopped');
        }
      })(),
    );
    const r = await verifyInstall({ indexBytes: index, policy: policyFrom(policyDoc()), pluginId: 'acme.hello', fetcher: o.fetcher, codec: nodeBundleCodec, now: NOW });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('MANIFEST_INDEX_MISMATCH');
      expect(r.steps.at(-1)).toMatchObject({ step: 'manifest', ok: false });
    }
    expect(o.signals.get('artifact')?.aborted).toBe(true);
    const after = read;
    await new Promise((res) => setTimeout(res, 20));
    expect(read).toBe(after); // nothing reads it any more
  });

  it('attack: a download that fails while step 4 runs is reported in step 5, after a passing step 4 (FETCH_FAILED at artifact)', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const o = overlapping(repo, () =>
      (async function* () {
        yield new Uint8Array(10);
        throw fetchError('FETCH_FAILED', 'connection reset by the test');
      })(),
    );
    const r = await verifyInstall({ indexBytes: repo.publish(), policy: policyFrom(policyDoc()), pluginId: 'acme.hello', fetcher: o.fetcher, codec: nodeBundleCodec, now: NOW });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('FETCH_FAILED');
      expect(r.steps.find((s) => s.step === 'manifest')).toMatchObject({ ok: true });
      expect(r.steps.at(-1)).toMatchObject({ step: 'artifact', ok: false });
    }
  });
});
