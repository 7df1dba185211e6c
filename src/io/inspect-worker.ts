/**
 * The bundle inspector of DESIGN §5 step 5 in a `worker_threads` Worker
 * (./inspect-worker-entry.ts): gunzip, tar walk and bundle rules run off the
 * main thread, which only reads the socket, hashes, spools and copies each
 * network chunk once into a pooled 1 MiB batch. A full batch is
 * **transferred** to the worker (no copy by `postMessage`) and comes back,
 * transferred again, once the gunzip has consumed it; so a 64 MiB download
 * touches a handful of batch buffers, not 64 fresh ones.
 *
 * - Back pressure: at most `maxQueuedBytes` (default 4 MiB) sent and not yet
 *   taken by the inspector; then `push` returns a promise that resolves when
 *   half of it was taken.
 * - The verdict is the worker's `checkBundleRulesWith` result, judged by the
 *   pipeline only after the digest matched (step 7). A worker that fails —
 *   an exception, its memory limit (`resourceLimits`), an exit before its
 *   verdict, a malformed message, an entry file that cannot start — resolves
 *   the result with `BUNDLE_INSPECTOR_FAILED`: fail closed, never a pass.
 * - The worker is terminated on every path: after its verdict, on failure,
 *   and on `abort()` (download failed, digest mismatch, any refusal).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { BundleRulesResult } from '../domain/bundle/inspect.js';
import { INSPECT_QUEUE_BYTES, type InspectorFailure, type StreamInspector, type StreamInspectorFactory, type StreamInspectorOptions } from '../domain/install/stream-inspector.js';

/** Options of {@link workerInspector}. */
export interface WorkerInspectorOptions {
  /** Size of one pooled batch (default 1 MiB: the gunzip's input batch, so batches pass to zlib uncopied). */
  batchBytes?: number;
  /** Bytes sent and not yet taken before `push` asks the producer to wait (default 4 MiB). */
  maxQueuedBytes?: number;
  /** The worker's entry module (default the built `inspect-worker-entry.js`; tests inject a failing one). */
  entry?: URL;
  /** The worker's V8 limits (default: 64 MiB old generation; the inspector keeps a bounded inventory). */
  resourceLimits?: ResourceLimits;
  /** Test hook: every worker thread started (to see that each one ends). */
  onSpawn?: (worker: Worker) => void;
}

const DEFAULT_BATCH = 1024 * 1024;
const DEFAULT_LIMITS: ResourceLimits = Object.freeze({ maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 4 });
/** Returned batches kept for reuse (more come back only if the worker queued more). */
const POOL_MAX = 4;

type OutMessage = { t: 'taken'; n: number } | { t: 'free'; buf: ArrayBuffer } | { t: 'result'; result: BundleRulesResult };

let defaultEntryUrl: URL | undefined;

/**
 * The worker's entry file: beside this module (the build, `dist/io/`; the
 * bundled CLI gets its own copy beside its chunks, scripts/bundle-cli.mjs),
 * or — when this module runs from TypeScript sources (the test runner
 * transpiles them; a worker cannot) — the build's copy.
 */
function defaultEntry(): URL {
  if (defaultEntryUrl !== undefined) return defaultEntryUrl;
  let url = new URL('./inspect-worker-entry.js', import.meta.url);
  if (!existsSync(fileURLToPath(url)) && import.meta.url.endsWith('/src/io/inspect-worker.ts')) {
    const built = new URL('../../dist/io/inspect-worker-entry.js', import.meta.url);
    if (existsSync(fileURLToPath(built))) url = built;
  }
  defaultEntryUrl = url;
  return url;
}

/** {@link workerInspector}'s factory: also starts a worker ahead of time, and stops one never used. */
export interface WorkerInspectorFactory extends StreamInspectorFactory {
  /**
   * Start the next inspection's worker now (its thread start, ~40 ms on a
   * quiet machine, then overlaps the index and manifest steps). Idempotent.
   */
  prewarm(): void;
  /** Terminate a prewarmed worker no inspection took (call on every path once the install is over). */
  close(): void;
}

/** A worker started (perhaps ahead of time), with what happened to it before an inspection took it. */
interface Spawned {
  worker: Worker | undefined;
  /** Why it cannot serve (did not start, failed or exited while waiting). */
  failure: string | undefined;
  detach(): void;
}

/**
 * A {@link StreamInspectorFactory} whose inspections each run in a fresh worker thread.
 *
 * @param options - batch size, queue bound, entry, limits.
 * @returns the factory (pass it as `verifyInstall({ inspector })`), with `prewarm` and `close`.
 * @example
 * ```ts
 * const inspector = workerInspector();
 * inspector.prewarm();
 * try {
 *   await verifyInstall({ ...opts, codec: nodeBundleCodec, inspector });
 * } finally {
 *   inspector.close();
 * }
 * ```
 */
export function workerInspector(options: WorkerInspectorOptions = {}): WorkerInspectorFactory {
  const batchBytes = options.batchBytes ?? DEFAULT_BATCH;
  const maxQueued = options.maxQueuedBytes ?? INSPECT_QUEUE_BYTES;
  if (!Number.isSafeInteger(batchBytes) || batchBytes < 1) throw new TypeError('workerInspector: batchBytes must be a positive integer');
  if (!Number.isSafeInteger(maxQueued) || maxQueued < 1) throw new TypeError('workerInspector: maxQueuedBytes must be a positive integer');
  const spawn = (): Spawned => {
    const s = spawnWorker(options.entry ?? defaultEntry(), batchBytes, options.resourceLimits ?? DEFAULT_LIMITS);
    if (s.worker !== undefined) options.onSpawn?.(s.worker);
    return s;
  };
  let spare: Spawned | undefined;
  const factory = ((opts: StreamInspectorOptions) => {
    let s = spare;
    spare = undefined;
    if (s === undefined || s.failure !== undefined) {
      if (s !== undefined) void s.worker?.terminate();
      s = spawn();
    }
    return startInspection(opts, s, batchBytes, maxQueued);
  }) as WorkerInspectorFactory;
  factory.prewarm = () => {
    spare ??= spawn();
  };
  factory.close = () => {
    const s = spare;
    spare = undefined;
    if (s !== undefined) {
      s.detach();
      void s.worker?.terminate();
    }
  };
  return factory;
}

function spawnWorker(entry: URL, batchBytes: number, resourceLimits: ResourceLimits): Spawned {
  const s: Spawned = { worker: undefined, failure: undefined, detach: () => {} };
  try {
    s.worker = new Worker(entry, {
      workerData: { batchBytes },
      resourceLimits,
      execArgv: [], // not the parent's flags (an --eval's --input-type, a test runner's loaders): plain built JS
      stdout: true, // the worker prints nothing; anything it did print is not ours to show
      stderr: true,
    });
  } catch (e) {
    s.failure = `its worker thread did not start: ${e instanceof Error ? e.message : String(e)}`;
    return s;
  }
  // Until an inspection takes it: remember a failure (an 'error' without a listener would be thrown).
  const onError = (e: unknown): void => void (s.failure ??= describeWorkerError(e));
  const onExit = (code: number): void => void (s.failure ??= `its worker thread exited with code ${code} before its verdict`);
  s.worker.on('error', onError);
  s.worker.on('exit', onExit);
  s.detach = () => {
    s.worker?.off('error', onError);
    s.worker?.off('exit', onExit);
    s.worker?.on('error', () => {}); // terminated or handed over: nothing more to learn here
  };
  return s;
}

function describeWorkerError(e: unknown): string {
  return `its worker thread threw: ${e instanceof Error ? `${(e as NodeJS.ErrnoException).code ?? e.name}: ${e.message}` : String(e)}`;
}

function startInspection(opts: StreamInspectorOptions, spawned: Spawned, batchBytes: number, maxQueued: number): StreamInspector {
  let settle!: (r: BundleRulesResult | InspectorFailure) => void;
  let reject!: (e: Error) => void;
  const result = new Promise<BundleRulesResult | InspectorFailure>((res, rej) => {
    settle = res;
    reject = rej;
  });
  result.catch(() => {}); // observed by the caller, or dropped after abort

  let finished = false; // verdict given, failed or aborted: no more input is sent
  let declared = false; // the late entrypoints were sent
  const pool: ArrayBuffer[] = [];
  let current: Uint8Array | undefined;
  let used = 0;
  let outstanding = 0; // sent, not yet taken
  let space: (() => void) | undefined;
  let spacePromise: Promise<void> | undefined;
  const worker = spawned.worker;

  const releaseProducer = (): void => {
    if (space !== undefined && (finished || outstanding <= maxQueued / 2)) {
      const s = space;
      space = undefined;
      spacePromise = undefined;
      s();
    }
  };
  const finish = (): void => {
    finished = true;
    current = undefined;
    pool.length = 0;
    releaseProducer();
    void worker?.terminate();
  };
  const fail = (message: string): void => {
    if (finished) return;
    finish();
    settle({ ok: false, code: 'BUNDLE_INSPECTOR_FAILED', message: `the bundle inspector failed: ${message}` });
  };

  spawned.detach();
  if (spawned.failure !== undefined || worker === undefined) {
    fail(spawned.failure ?? 'its worker thread did not start');
  } else {
    worker.on('message', (m: OutMessage) => {
      if (finished) return;
      if (m === null || typeof m !== 'object') return fail('its worker sent a malformed message');
      if (m.t === 'taken' && Number.isSafeInteger(m.n)) {
        outstanding -= m.n;
        releaseProducer();
      } else if (m.t === 'free' && m.buf instanceof ArrayBuffer && m.buf.byteLength === batchBytes) {
        if (pool.length < POOL_MAX) pool.push(m.buf);
      } else if (m.t === 'result' && isRulesResult(m.result)) {
        finish();
        settle(m.result);
      } else {
        fail('its worker sent a malformed message');
      }
    });
    worker.on('error', (e: unknown) => fail(describeWorkerError(e)));
    worker.on('messageerror', () => fail('a message from its worker could not be read'));
    worker.on('exit', (code: number) => fail(`its worker thread exited with code ${code} before its verdict`));
    worker.postMessage({
      t: 'start',
      ...(opts.runtimeEntrypoint !== undefined ? { runtimeEntrypoint: opts.runtimeEntrypoint } : {}),
      ...(opts.uiEntrypoint !== undefined ? { uiEntrypoint: opts.uiEntrypoint } : {}),
      ...(opts.late === true ? { late: true } : {}),
    });
  }

  const send = (batch: Uint8Array, len: number): void => {
    outstanding += len;
    worker!.postMessage({ t: 'chunk', buf: batch.buffer, len }, [batch.buffer as ArrayBuffer]);
  };

  return {
    push(chunk: Uint8Array, consumed?: () => void): Promise<void> | undefined {
      if (finished) {
        consumed?.();
        return undefined; // the verdict is known (or failed): the download goes on to its digest
      }
      let off = 0;
      while (off < chunk.length) {
        current ??= new Uint8Array(pool.pop() ?? new ArrayBuffer(batchBytes));
        const n = Math.min(chunk.length - off, batchBytes - used);
        current.set(n === chunk.length ? chunk : chunk.subarray(off, off + n), used);
        used += n;
        off += n;
        if (used === batchBytes) {
          const full = current;
          current = undefined;
          used = 0;
          send(full, batchBytes);
        }
      }
      consumed?.(); // copied into the batches sent to the worker
      if (outstanding <= maxQueued) return undefined;
      spacePromise ??= new Promise<void>((resolve) => (space = resolve));
      return spacePromise;
    },
    end(): void {
      if (finished) return;
      if (current !== undefined && used > 0) send(current, used);
      current = undefined;
      used = 0;
      worker!.postMessage({ t: 'end' });
    },
    abort(): void {
      if (finished) return;
      finish();
      reject(new Error('the bundle inspection was stopped'));
    },
    declare(e): void {
      if (finished || opts.late !== true || declared) return;
      declared = true;
      worker!.postMessage({
        t: 'declare',
        ...(e.runtimeEntrypoint !== undefined ? { runtimeEntrypoint: e.runtimeEntrypoint } : {}),
        ...(e.uiEntrypoint !== undefined ? { uiEntrypoint: e.uiEntrypoint } : {}),
      });
    },
    result,
  };
}

/** The worker's verdict has the shape the pipeline judges (it is our own code, but a message is still checked). */
function isRulesResult(r: unknown): r is BundleRulesResult {
  if (r === null || typeof r !== 'object') return false;
  const o = r as Record<string, unknown>;
  if (o.ok === false) return (o.code === 'BUNDLE_INVALID' || o.code === 'BUNDLE_TOO_LARGE') && typeof o.message === 'string';
  if (o.ok !== true) return false;
  const s = o.stricter as Record<string, unknown> | null;
  return (
    typeof o.files === 'number' &&
    typeof o.expandedBytes === 'number' &&
    typeof o.compressedBytes === 'number' &&
    s !== null &&
    typeof s === 'object' &&
    Array.isArray(s.setIdEntries) &&
    Array.isArray(s.caseCollisions) &&
    typeof s.trailingBytes === 'number' &&
    typeof s.trailingNonZeroBytes === 'number'
  );
}
