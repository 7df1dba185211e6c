/**
 * A bounded, single-consumer queue of byte chunks: the download loop pushes
 * the artifact's chunks into it while the bundle inspector iterates it
 * (DESIGN §5 step 5, one pass: hash, spool and inspect at once).
 *
 * - {@link ChunkChannel.push} is synchronous and returns `undefined` while
 *   at most `maxQueuedBytes` wait; above that it returns a promise that
 *   resolves when the consumer has taken half of them (back pressure
 *   without a promise per chunk).
 * - The consumer may stop early (`return()` on its iterator, as `for await`
 *   does on `break`): later pushes are dropped and never block.
 * - {@link ChunkChannel.fail} ends the stream with an error the consumer's
 *   `next()` rejects with (the download failed: the inspector stops).
 *
 * Chunks are passed by reference, not copied: the producer must not modify
 * a chunk after pushing it (a fetcher rewrites a chunk only once it was
 * released; see `FetchedBody` in ./transport.ts).
 *
 * @module
 */

/** The producer's side of the channel; iterate it for the consumer's side. */
export interface ChunkChannel extends AsyncIterable<Uint8Array> {
  /** Queue a chunk; a promise when the queue is over its bound (await it before the next push). */
  push(chunk: Uint8Array): Promise<void> | undefined;
  /** No more chunks. */
  end(): void;
  /** End with an error (the consumer's `next()` rejects with it). */
  fail(error: Error): void;
  /** Bytes queued and not yet taken. */
  readonly queuedBytes: number;
}

/**
 * A new channel.
 *
 * @param maxQueuedBytes - above this many queued bytes, `push` asks the producer to wait.
 * @returns the channel.
 * @example
 * ```ts
 * const ch = createChunkChannel(8 << 20);
 * const consumer = inspect(ch);
 * for await (const c of body) await ch.push(c);
 * ch.end();
 * ```
 */
export function createChunkChannel(maxQueuedBytes: number): ChunkChannel {
  if (!Number.isSafeInteger(maxQueuedBytes) || maxQueuedBytes < 1) throw new TypeError('createChunkChannel: maxQueuedBytes must be a positive integer');
  const queue: Uint8Array[] = [];
  let head = 0;
  let queued = 0;
  let ended = false;
  let failure: Error | undefined;
  let closed = false; // the consumer stopped
  let iterated = false;
  let waiter: { resolve: (r: IteratorResult<Uint8Array>) => void; reject: (e: unknown) => void } | undefined;
  let space: (() => void) | undefined;
  let spacePromise: Promise<void> | undefined;

  // The producer, once waiting, resumes when half the bound is free (not after every chunk).
  const lowWater = Math.floor(maxQueuedBytes / 2);
  const releaseProducer = (): void => {
    if (space !== undefined && (closed || queued <= lowWater)) {
      const s = space;
      space = undefined;
      spacePromise = undefined;
      s();
    }
  };
  const take = (): Uint8Array => {
    const c = queue[head]!;
    queue[head++] = EMPTY;
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    queued -= c.length;
    releaseProducer();
    return c;
  };
  const wake = (): void => {
    if (waiter === undefined) return;
    const w = waiter;
    if (head < queue.length) {
      waiter = undefined;
      w.resolve({ done: false, value: take() });
    } else if (failure !== undefined) {
      waiter = undefined;
      w.reject(failure);
    } else if (ended) {
      waiter = undefined;
      w.resolve({ done: true, value: undefined });
    }
  };

  return {
    push(chunk: Uint8Array): Promise<void> | undefined {
      if (ended || failure !== undefined) throw new Error('chunk channel: push after end');
      if (closed || chunk.length === 0) return undefined;
      queue.push(chunk);
      queued += chunk.length;
      wake();
      if (queued <= maxQueuedBytes || closed) return undefined;
      spacePromise ??= new Promise<void>((resolve) => (space = resolve));
      return spacePromise;
    },
    end(): void {
      if (ended || failure !== undefined) return;
      ended = true;
      wake();
    },
    fail(error: Error): void {
      if (ended || failure !== undefined) return;
      failure = error;
      queue.length = 0;
      head = 0;
      queued = 0;
      releaseProducer();
      wake();
    },
    get queuedBytes(): number {
      return queued;
    },
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      if (iterated) throw new Error('chunk channel: one consumer only');
      iterated = true;
      return {
        next(): Promise<IteratorResult<Uint8Array>> {
          if (closed) return Promise.resolve({ done: true, value: undefined });
          if (head < queue.length) return Promise.resolve({ done: false, value: take() });
          if (failure !== undefined) return Promise.reject(failure);
          if (ended) return Promise.resolve({ done: true, value: undefined });
          return new Promise((resolve, reject) => (waiter = { resolve, reject }));
        },
        return(): Promise<IteratorResult<Uint8Array>> {
          closed = true;
          queue.length = 0;
          head = 0;
          queued = 0;
          releaseProducer();
          waiter?.resolve({ done: true, value: undefined });
          waiter = undefined;
          return Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  };
}

const EMPTY = new Uint8Array(0);
