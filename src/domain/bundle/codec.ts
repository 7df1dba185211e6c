/**
 * The gzip codec the bundle code runs on, injected by the caller — the
 * domain layer imports no `node:` module. `src/io/bundle.ts` provides Node's
 * zlib ({@link BundleCodec} `nodeBundleCodec`) and the functions bound to it.
 *
 * The interface is the part of a Node `zlib.Gunzip` stream the inspector
 * uses: write with backpressure, end, destroy, and async iteration of the
 * decompressed chunks.
 *
 * @module
 */

/**
 * A streaming gunzip: written with compressed chunks, iterated (once) for
 * decompressed ones. A decompressed chunk is valid until the iterator's next
 * `next()` call: the stream may write later output into its memory (copy
 * what you keep).
 */
export interface GunzipStream extends AsyncIterable<Uint8Array> {
  /**
   * Write one compressed chunk; `false` asks the writer to wait for `drain`.
   * `consumed` is called once the stream no longer reads `chunk` (with an
   * error when it was dropped unread): the writer may then reuse its buffer.
   */
  write(chunk: Uint8Array, consumed?: (error?: Error | null) => void): boolean;
  /** No more input (optionally with a last chunk). */
  end(chunk?: Uint8Array): void;
  /** Stop now; iteration then fails with `error` when given. */
  destroy(error?: Error): void;
  readonly destroyed: boolean;
  on(event: 'error' | 'drain' | 'close', listener: (...args: unknown[]) => void): unknown;
  off(event: 'drain' | 'close', listener: (...args: unknown[]) => void): unknown;
}

/** Gzip for bundles: streaming decompression for reading, one-shot compression for packing. */
export interface BundleCodec {
  /** A fresh gunzip stream. */
  gunzip(): GunzipStream;
  /** Gzip `data` at the best compression level (the packer's level 9). */
  gzip(data: Uint8Array): Uint8Array;
}

/**
 * Resolves when `stream` can take more input, or has closed.
 *
 * @param stream - the gunzip stream.
 */
export function drainedOrClosed(stream: GunzipStream): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
