/**
 * The worker thread of {@link workerInspector} (./inspect-worker.ts): runs
 * `checkBundleRulesWith` with Node's zlib on the artifact's bytes, which the
 * main thread sends in pooled 1 MiB batches (transferred, not copied).
 *
 * Protocol (all messages are plain objects):
 * - in: `{ t: 'start', runtimeEntrypoint?, uiEntrypoint?, late? }` first (the
 *   worker may be started before the manifest is known), then
 *   `{ t: 'chunk', buf: ArrayBuffer, len }` (transferred), `{ t: 'end' }`;
 *   with `late`, `{ t: 'declare', runtimeEntrypoint?, uiEntrypoint? }` at any
 *   point (awaited only at the last rule, §D.6 step 5);
 * - out: `{ t: 'taken', n }` when the inspector took a batch (back pressure),
 *   `{ t: 'free', buf }` when the gunzip consumed a whole batch (the buffer
 *   goes back to the main thread's pool), `{ t: 'result', result }` once.
 *
 * Any exception here ends the thread with an error; the main thread turns
 * that into `BUNDLE_INSPECTOR_FAILED` (fail closed).
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BundleCodec, GunzipStream } from '../domain/bundle/codec.js';
import { checkBundleRulesWith } from '../domain/bundle/inspect.js';
import { nodeBundleCodec } from './bundle.js';

interface WorkerOptions {
  batchBytes: number;
}

type InMessage =
  | { t: 'start'; runtimeEntrypoint?: string; uiEntrypoint?: string; late?: boolean }
  | { t: 'declare'; runtimeEntrypoint?: string; uiEntrypoint?: string }
  | { t: 'chunk'; buf: ArrayBuffer; len: number }
  | { t: 'end' };

const port = parentPort;
if (port === null) throw new Error('inspect-worker-entry: not a worker thread');
const opts = workerData as WorkerOptions;

const queue: Uint8Array[] = [];
/** The batches the main thread sent (only those go back; the inspector's own gathering buffers stay). */
const pooled = new WeakSet<ArrayBufferLike>();
let ended = false;
let waiter: ((r: IteratorResult<Uint8Array>) => void) | undefined;

let start!: (m: Extract<InMessage, { t: 'start' }>) => void;
const started = new Promise<Extract<InMessage, { t: 'start' }>>((resolve) => (start = resolve));
let declare!: (m: Extract<InMessage, { t: 'declare' }>) => void;
const declared = new Promise<Extract<InMessage, { t: 'declare' }>>((resolve) => (declare = resolve));

port.on('message', (m: InMessage) => {
  if (m.t === 'start') {
    start(m);
  } else if (m.t === 'declare') {
    declare(m);
  } else if (m.t === 'chunk') {
    const chunk = new Uint8Array(m.buf, 0, m.len);
    pooled.add(m.buf);
    if (waiter !== undefined) {
      const w = waiter;
      waiter = undefined;
      port.postMessage({ t: 'taken', n: chunk.length });
      w({ done: false, value: chunk });
    } else queue.push(chunk);
  } else if (m.t === 'end') {
    ended = true;
    if (waiter !== undefined && queue.length === 0) {
      const w = waiter;
      waiter = undefined;
      w({ done: true, value: undefined });
    }
  }
});

const source: AsyncIterable<Uint8Array> = {
  [Symbol.asyncIterator]: () => ({
    next(): Promise<IteratorResult<Uint8Array>> {
      const c = queue.shift();
      if (c !== undefined) {
        port.postMessage({ t: 'taken', n: c.length });
        return Promise.resolve({ done: false, value: c });
      }
      if (ended) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => (waiter = resolve));
    },
    return(): Promise<IteratorResult<Uint8Array>> {
      // The inspector stopped reading (a compressed-size failure): later batches are acknowledged unread.
      queue.length = 0;
      return Promise.resolve({ done: true, value: undefined });
    },
  }),
};

/** A whole pooled batch the gunzip has consumed goes back to the main thread (transferred). */
function giveBack(chunk: Uint8Array): void {
  if (chunk.byteOffset !== 0 || chunk.byteLength !== opts.batchBytes || !pooled.has(chunk.buffer)) return;
  const buf = chunk.buffer as ArrayBuffer;
  pooled.delete(buf);
  port!.postMessage({ t: 'free', buf }, [buf]);
}

// Node's zlib, with the write callback also returning the batch to the pool.
const codec: BundleCodec = {
  gzip: nodeBundleCodec.gzip,
  gunzip(): GunzipStream {
    const g = nodeBundleCodec.gunzip();
    const write = g.write.bind(g);
    g.write = (chunk: Uint8Array, consumed?: (error?: Error | null) => void): boolean =>
      write(chunk, (error?: Error | null) => {
        consumed?.(error);
        if (error == null) giveBack(chunk);
      });
    return g;
  },
};

const entrypoints = await started;
const result = await checkBundleRulesWith(codec, source, {
  ...(entrypoints.runtimeEntrypoint !== undefined ? { runtimeEntrypoint: entrypoints.runtimeEntrypoint } : {}),
  ...(entrypoints.uiEntrypoint !== undefined ? { uiEntrypoint: entrypoints.uiEntrypoint } : {}),
  ...(entrypoints.late === true
    ? {
        declaredEntrypoints: declared.then((d) => ({
          ...(d.runtimeEntrypoint !== undefined ? { runtimeEntrypoint: d.runtimeEntrypoint } : {}),
          ...(d.uiEntrypoint !== undefined ? { uiEntrypoint: d.uiEntrypoint } : {}),
        })),
      }
    : {}),
});
port.postMessage({ t: 'result', result });
port.close();
