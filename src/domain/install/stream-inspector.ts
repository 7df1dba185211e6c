/**
 * The bundle inspector of DESIGN §5 step 5 as the pipeline sees it: fed the
 * artifact's chunks while they arrive, it yields the verdict of
 * `checkBundleRulesWith` (the server's archive rules and the stricter
 * findings). The pipeline judges that verdict only in step 7, after the
 * digest matched; on every other path it calls {@link StreamInspector.abort}.
 *
 * Two implementations:
 * - {@link inThreadInspector} (here, the default of `verifyInstall`): the
 *   inspector runs on the caller's thread, fed through a bounded
 *   {@link createChunkChannel} (the gunzip itself runs in the codec's threads).
 * - `workerInspector` (`src/io/inspect-worker.ts`, used by `runInstall`): the
 *   inspector runs in a `worker_threads` Worker, so the main thread only
 *   reads the socket, hashes and spools.
 *
 * @module
 */
import type { BundleCodec } from '../bundle/codec.js';
import { checkBundleRulesWith, type BundleRulesResult, type DeclaredEntrypoints } from '../bundle/inspect.js';
import { createChunkChannel } from './chunk-channel.js';

/** What the inspector is told about the bundle (from the manifest and the host, step 7's compatibility check). */
export interface StreamInspectorOptions {
  readonly runtimeEntrypoint?: string;
  readonly uiEntrypoint?: string;
  /**
   * The entrypoints come later, by {@link StreamInspector.declare}: the
   * inspection starts with the download, before the manifest is known, and
   * waits for them only at its last rule (§D.6 step 5).
   */
  readonly late?: boolean;
}

/** One inspection of one artifact stream. */
export interface StreamInspector {
  /**
   * Feed a chunk; the caller must not modify it until `consumed` is called
   * (it may be read later), and never when `consumed` is not called (the
   * inspection stopped with the chunk still held). A promise means back
   * pressure: await it before the next push.
   */
  push(chunk: Uint8Array, consumed?: () => void): Promise<void> | undefined;
  /** No more chunks. */
  end(): void;
  /** Stop now, whatever the state; idempotent; `result` then settles (its value is not used). */
  abort(): void;
  /** The declared entrypoints of an inspector started `late` (once; ignored otherwise). */
  declare(entrypoints: DeclaredEntrypoints): void;
  /**
   * The verdict. An inspector that fails itself (a crashed worker) resolves
   * with `BUNDLE_INSPECTOR_FAILED` — fail closed — rather than rejecting; it
   * rejects only when the stream was aborted or failed.
   */
  readonly result: Promise<BundleRulesResult | InspectorFailure>;
}

/** The inspector itself failed (not the bundle): judged in step 7 like a bundle rule, fail closed. */
export interface InspectorFailure {
  readonly ok: false;
  readonly code: 'BUNDLE_INSPECTOR_FAILED';
  readonly message: string;
}

/** Starts one inspection. */
export type StreamInspectorFactory = (opts: StreamInspectorOptions) => StreamInspector;

/** The promise of late entrypoints, settled once by `declare` or `abort` (undefined unless `opts.late`). */
function lateEntrypoints(opts: StreamInspectorOptions): { promise: Promise<DeclaredEntrypoints>; resolve: (e: DeclaredEntrypoints) => void; reject: (e: Error) => void } | undefined {
  if (opts.late !== true) return undefined;
  let resolve!: (e: DeclaredEntrypoints) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<DeclaredEntrypoints>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // an abort before the last rule: observed through the result
  return { promise, resolve, reject };
}

/** Bytes the download may run ahead of the bundle inspector before it waits. */
export const INSPECT_QUEUE_BYTES = 2 * 1024 * 1024;

/**
 * The inspector on the caller's thread, fed through a bounded chunk channel.
 * Chunks are passed by reference: the caller must not modify a chunk after
 * pushing it, until the inspector reports it consumed (`push`'s callback).
 *
 * @param codec - the gzip codec.
 * @returns the factory.
 * @example
 * ```ts
 * const ins = inThreadInspector(nodeBundleCodec)({ runtimeEntrypoint: 'bin/linux-amd64/plugin' });
 * ```
 */
export function inThreadInspector(codec: BundleCodec): StreamInspectorFactory {
  return (opts) => {
    const channel = createChunkChannel(INSPECT_QUEUE_BYTES);
    const late = lateEntrypoints(opts);
    // The callbacks of the chunks the inspection still holds (chunks are distinct views).
    const holders = new Map<Uint8Array, () => void>();
    const result = checkBundleRulesWith(codec, channel, {
      ...(opts.runtimeEntrypoint !== undefined ? { runtimeEntrypoint: opts.runtimeEntrypoint } : {}),
      ...(opts.uiEntrypoint !== undefined ? { uiEntrypoint: opts.uiEntrypoint } : {}),
      ...(late !== undefined ? { declaredEntrypoints: late.promise } : {}),
      consumed: (chunk) => {
        const done = holders.get(chunk);
        if (done === undefined) return;
        holders.delete(chunk);
        done();
      },
    });
    result.catch(() => {}); // observed by the caller, or dropped after abort
    return {
      push: (chunk, consumed) => {
        // The same chunk pushed twice is never reported consumed (its first consumption is not its last).
        if (holders.has(chunk)) holders.set(chunk, () => {});
        else if (consumed !== undefined) holders.set(chunk, consumed);
        return channel.push(chunk);
      },
      end: () => channel.end(),
      abort: () => {
        const stopped = new Error('the bundle inspection was stopped');
        late?.reject(stopped);
        channel.fail(stopped);
      },
      declare: (e) => late?.resolve(e),
      result,
    };
  };
}
