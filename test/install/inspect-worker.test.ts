/**
 * The bundle inspector in a worker thread (src/io/inspect-worker.ts), as
 * `runInstall` uses it: the same verdicts as the inspector on the main
 * thread; decisions still only after the digest matched; a worker that
 * fails is a fail-closed refusal (`BUNDLE_INSPECTOR_FAILED`); and every
 * worker it starts ends, on every path.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { runInstall, type RunInstallOptions } from '../../src/io/install.js';
import { nodeBundleCodec } from '../../src/io/bundle.js';
import { workerInspector, type WorkerInspectorOptions } from '../../src/io/inspect-worker.js';
import { inThreadInspector, type StreamInspectorFactory } from '../../src/domain/install/stream-inspector.js';
import { InstallEnv, InstallRepo, bombBundle, bundleBins, escapingBundle, breaksAfter, expectInstallRefused, installAcme, policyDoc, policyFrom, snapshotDir } from './harness.js';
import { dir, file, gz, tar, tgz } from '../bundle/raw-tar.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lattice-inspect-worker-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** A worker entry module with this body (what a broken or crashing worker does). */
function entry(name: string, body: string): URL {
  const f = path.join(tmp, `${name}.mjs`);
  writeFileSync(f, `import { parentPort } from 'node:worker_threads';\n${body}\n`);
  return pathToFileURL(f);
}

let env: InstallEnv;
let before: string[];
beforeEach(() => {
  env = new InstallEnv();
  before = snapshotDir(env.pluginDir);
});
afterEach(() => env.cleanup());

/** A worker inspector that records every thread it starts, and a check that each one has ended. */
function tracked(options: WorkerInspectorOptions = {}) {
  const exits: Promise<number>[] = [];
  const inspector = workerInspector({ ...options, onSpawn: (w: Worker) => exits.push(new Promise((resolve) => w.once('exit', resolve))) });
  return {
    inspector,
    spawned: () => exits.length,
    /** Resolves once every started worker has exited (a leaked worker makes the test time out). */
    allEnded: () => Promise.all(exits),
  };
}

const install = (repo: InstallRepo, index: Uint8Array, extra: Partial<RunInstallOptions> = {}) => installAcme(env, repo, index, extra);

const refusal = (p: ReturnType<typeof install>, code: string, step: string) => expectInstallRefused(env, before, p, code, step);

const bins = bundleBins;
const escaping = escapingBundle;
const bomb = bombBundle;
/** About 3 MiB compressed (base64 of random bytes): several 1 MiB batches. */
const good = (bytes = 3 * 1024 * 1024) => tgz([dir('bin/'), ...bins(), file('data/blob', randomBytes(bytes).toString('base64'))]);
const trailing = () => {
  const t = tar([...bins()], true);
  const withTail = new Uint8Array(t.length + 1024);
  withTail.set(t);
  withTail[t.length + 10] = 1;
  return gz(withTail);
};

async function verdict(factory: StreamInspectorFactory, bytes: Uint8Array, chunk: number) {
  const ins = factory({ runtimeEntrypoint: 'bin/linux-amd64/plugin' });
  for (let off = 0; off < bytes.length; off += chunk) {
    const wait = ins.push(bytes.slice(off, off + chunk));
    if (wait) await wait;
  }
  ins.end();
  return ins.result;
}

describe('the worker inspector gives the verdict of the inspector on the main thread', () => {
  const cases: [string, () => Uint8Array][] = [
    ['a good bundle (3 MiB, several batches)', good],
    ['a ../ entry', escaping],
    ['a gzip bomb', bomb],
    ['data after the end-of-archive marker', trailing],
    ['not gzip at all', () => new TextEncoder().encode('<html>not a bundle</html>')],
  ];
  for (const [name, bytes] of cases) {
    it(`${name}: equal verdicts, with small and large chunks and with back pressure`, async () => {
      const b = bytes();
      const want = await verdict(inThreadInspector(nodeBundleCodec), b, 4096);
      for (const [chunk, opts] of [
        [1000, {}],
        [300_000, {}],
        [5000, { batchBytes: 8192, maxQueuedBytes: 1 }],
      ] as const) {
        const t = tracked(opts);
        expect(await verdict(t.inspector, b, chunk)).toEqual(want);
        await t.allEnded();
        expect(t.spawned()).toBe(1);
      }
    });
  }
});

describe('late entrypoints (the inspection starts before the manifest is known): the same verdicts, in the thread and in the worker', () => {
  /** Push everything, end, and only then declare the entrypoint (as the installer may: a small artifact is all there before step 4 ends). */
  async function lateVerdict(factory: StreamInspectorFactory, bytes: Uint8Array, runtimeEntrypoint: string) {
    const ins = factory({ late: true });
    for (let off = 0; off < bytes.length; off += 4096) {
      const wait = ins.push(bytes.slice(off, off + 4096));
      if (wait) await wait;
    }
    ins.end();
    await new Promise((r) => setTimeout(r, 10)); // the walk reaches its last rule and waits there
    ins.declare({ runtimeEntrypoint });
    return ins.result;
  }
  for (const [name, entry] of [
    ['honest: the declared entrypoint is in the bundle', 'bin/linux-amd64/plugin'],
    ['attack: the declared entrypoint is missing → the same BUNDLE_INVALID as when it was known from the start', 'bin/missing'],
  ] as const) {
    it(name, async () => {
      const b = good(64 * 1024);
      const early = await (async () => {
        const ins = inThreadInspector(nodeBundleCodec)({ runtimeEntrypoint: entry });
        const w = ins.push(b);
        if (w) await w;
        ins.end();
        return ins.result;
      })();
      expect(early.ok).toBe(entry === 'bin/linux-amd64/plugin');
      expect(await lateVerdict(inThreadInspector(nodeBundleCodec), b, entry)).toEqual(early);
      const t = tracked();
      expect(await lateVerdict(t.inspector, b, entry)).toEqual(early);
      await t.allEnded();
    });
  }

  it('aborted before its entrypoints came (step 4 failed): the result rejects, in the thread and in the worker — nothing waits forever', async () => {
    const b = good(64 * 1024);
    for (const factory of [inThreadInspector(nodeBundleCodec), tracked().inspector]) {
      const ins = factory({ late: true });
      const w = ins.push(b);
      if (w) await w;
      ins.end();
      await new Promise((r) => setTimeout(r, 10));
      ins.abort();
      await expect(ins.result).rejects.toThrow(/stopped/);
    }
  });
});

describe('a failing worker is a refusal, fail closed (BUNDLE_INSPECTOR_FAILED)', () => {
  const broken: [string, () => URL][] = [
    ['throws when it starts', () => entry('throws', "throw new Error('boom');")],
    ['exits before its verdict', () => entry('exits', "parentPort.on('message', (m) => { if (m.t === 'end') process.exit(3); });")],
    ['sends a malformed verdict', () => entry('lies', "parentPort.on('message', (m) => { if (m.t === 'end') parentPort.postMessage({ t: 'result', result: { ok: true } }); });")],
    ['cannot be loaded', () => pathToFileURL(path.join(tmp, 'missing.mjs'))],
  ];
  for (const [name, make] of broken) {
    it(`a worker that ${name}: the genuine bundle is refused in the runner step, nothing placed, the worker ended`, async () => {
      const repo = new InstallRepo();
      repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
      const t = tracked({ entry: make() });
      await refusal(install(repo, repo.publish(), { inspector: t.inspector }), 'BUNDLE_INSPECTOR_FAILED', 'runner');
      await t.allEnded();
    });
  }

  it('a worker over its memory limit → BUNDLE_INSPECTOR_FAILED (ERR_WORKER_OUT_OF_MEMORY)', async () => {
    const hog = entry('hog', "parentPort.on('message', (m) => { if (m.t === 'start') { const a = []; for (;;) a.push(new Array(1e5).fill(1.5)); } });");
    const t = tracked({ entry: hog, resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 } });
    const r = await verdict(t.inspector, good(), 65536);
    expect(r).toMatchObject({ ok: false, code: 'BUNDLE_INSPECTOR_FAILED' });
    expect((r as { message: string }).message).toContain('ERR_WORKER_OUT_OF_MEMORY');
    await t.allEnded();
  });

  it('honest variant: the real worker installs the same release', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const t = tracked();
    const report = await install(repo, repo.publish(), { inspector: t.inspector });
    expect(report.result.ok).toBe(true);
    expect(report.placed).toBeDefined();
    await t.allEnded();
    expect(t.spawned()).toBe(1); // the prewarmed worker did the inspection
  });

  it('attack: wrong bytes served while the worker fails → ARTIFACT_DIGEST_MISMATCH (the digest decides first)', async () => {
    const repo = new InstallRepo();
    const r = repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    repo.files.set(r.artifactUrl, escaping());
    const t = tracked({ entry: entry('throws2', "throw new Error('boom');") });
    await refusal(install(repo, repo.publish(), { inspector: t.inspector }), 'ARTIFACT_DIGEST_MISMATCH', 'artifact');
    await t.allEnded();
  });
});

describe('every worker ends, on every path', () => {
  it('attack: a hostile archive served for a good release → ARTIFACT_DIGEST_MISMATCH; the worker is terminated', async () => {
    const repo = new InstallRepo();
    const r = repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    repo.files.set(r.artifactUrl, bomb());
    const t = tracked();
    await refusal(install(repo, repo.publish(), { inspector: t.inspector }), 'ARTIFACT_DIGEST_MISMATCH', 'artifact');
    await t.allEnded();
    expect(t.spawned()).toBe(1);
  });

  it('honest variant: the hostile archive under its own digest → BUNDLE_TOO_LARGE from the worker; the worker ended', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', artifact: bomb() });
    const t = tracked();
    await refusal(install(repo, repo.publish(), { inspector: t.inspector }), 'BUNDLE_TOO_LARGE', 'runner');
    await t.allEnded();
  });

  it('a download that breaks mid-stream (abort) → FETCH_FAILED; the worker is terminated', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', artifact: good(400 * 1024) });
    const inner = repo.fetcher({ chunkSize: 16 * 1024 });
    const fetcher = breaksAfter(inner, 20);
    const t = tracked({ batchBytes: 16 * 1024 }); // several batches sent before the break
    await refusal(install(repo, repo.publish(), { fetcher, inspector: t.inspector }), 'FETCH_FAILED', 'artifact');
    await t.allEnded();
    expect(t.spawned()).toBe(1);
  });

  it('a refusal before the artifact (untrusted publisher): the prewarmed worker is closed unused', async () => {
    const repo = new InstallRepo();
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const t = tracked();
    const doc = policyDoc();
    delete doc.publishers.acme;
    const report = await install(repo, repo.publish(), { inspector: t.inspector, policy: policyFrom(doc) });
    expect(report.result.ok).toBe(false);
    if (!report.result.ok) expect(report.result.error.code).toBe('PUBLISHER_UNTRUSTED');
    await t.allEnded();
    expect(t.spawned()).toBe(1);
  });

  it('abort() while batches are queued: the result rejects and the worker ends', async () => {
    const t = tracked({ batchBytes: 4096, maxQueuedBytes: 1 });
    const ins = t.inspector({ runtimeEntrypoint: 'bin/linux-amd64/plugin' });
    const b = good();
    void ins.push(b.slice(0, 100_000));
    ins.abort();
    await expect(ins.result).rejects.toThrow(/stopped/);
    expect(ins.push(b.slice(100_000, 200_000))).toBeUndefined(); // dropped, never blocks
    await t.allEnded();
  });
});
