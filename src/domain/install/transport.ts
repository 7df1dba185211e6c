/**
 * The two injected interfaces of the install pipeline (tuf-js style: the
 * trusted core never does IO itself):
 *
 * - {@link InstallFetcher} — fetches a URL as a stream of chunks. The real one
 *   (`src/io/fetch.ts`) enforces HTTPS, redirects, timeouts, address rules and
 *   the byte cap while streaming; tests inject an in-memory repository. The
 *   pipeline **re-checks** the byte cap on every chunk it receives, so a
 *   fetcher that forgets the cap still cannot push more than the limit
 *   through (a provider's output is re-checked, not trusted).
 * - {@link ArtifactSpool} — where the artifact's bytes go while they are
 *   hashed, so a 64 MiB bundle is never held in memory: the real one is a
 *   file in the placement staging directory (`src/io/placement.ts`); the
 *   default, {@link createMemorySpool}, keeps them in memory (tests, small
 *   artifacts).
 *
 * Fetch failures are thrown as coded errors (see {@link fetchError}).
 *
 * @module
 */
import { PolicyError, VerificationError, type ErrorCode } from '../../core/errors.js';

/** What is being fetched (for messages, progress and per-purpose caps; `metadata` and `target` are repository v2's). */
export type FetchPurpose = 'index' | 'manifest' | 'artifact' | 'metadata' | 'target';

/** Options of one fetch. */
export interface FetchRequest {
  /** Byte cap, enforced while streaming (a larger body fails `FETCH_TOO_LARGE`). */
  readonly maxBytes: number;
  readonly purpose: FetchPurpose;
  /** Called as bytes arrive (for a progress bar); `total` from Content-Length when known. */
  readonly onProgress?: (received: number, total: number | undefined) => void;
  /**
   * Stops the fetch: the connection is closed and the body (or the request)
   * fails. The installer stops step 5's download this way when step 4
   * fails. (The pipeline also stops reading at the next chunk, so a fetcher
   * that ignores it cannot keep a failed install going.)
   */
  readonly signal?: AbortSignal;
}

/** A response body being received. */
export interface FetchedBody {
  /**
   * The chunks, in order. Iterating it may throw a coded fetch error. A
   * chunk must not be changed after it was yielded — until the consumer
   * {@link release}s it: the installer hands it to the bundle inspector by
   * reference while it reads on (one pass).
   */
  readonly body: AsyncIterable<Uint8Array>;
  /**
   * Optional, both ways. The consumer may call it once per chunk (the chunk
   * exactly as yielded) when nothing reads that chunk any more; the fetcher
   * may then read later bytes into its memory. A chunk never released is
   * never reused. The installer releases an artifact chunk once it is hashed,
   * copied into the spool and consumed by the bundle inspector: reading into
   * warm memory instead of fresh pages is most of the difference between a
   * download at the speed of `curl` and one several times slower.
   */
  readonly release?: (chunk: Uint8Array) => void;
  /** Declared length, when the server sent one (already checked against the cap). */
  readonly contentLength?: number;
  /** The URL that finally answered (after redirects). */
  readonly finalUrl: string;
}

/**
 * Fetches URLs. Implementations throw (or make the body throw) a
 * {@link PolicyError} or {@link VerificationError} with a `FETCH_*` code.
 */
export interface InstallFetcher {
  /**
   * Start fetching `url`.
   * @param url - an HTTPS URL from a verified index.
   * @param request - cap and purpose.
   * @returns the body stream.
   */
  fetch(url: string, request: FetchRequest): Promise<FetchedBody>;
}

/** Where the artifact's bytes are kept between download and placement. */
export interface ArtifactSpool {
  /**
   * Append the next chunk. Without `consumed` the chunk may be reused by the
   * caller once this resolves. With `consumed` the spool may keep reading it
   * after that (a file spool writes a large chunk as it is, without a copy)
   * and calls `consumed` once it no longer does — never if the write failed.
   */
  write(chunk: Uint8Array, consumed?: () => void): Promise<void>;
  /** All bytes written: flush (and, for files, fsync). After this, {@link read} may be called. */
  finish(): Promise<void>;
  /** Replay the bytes from the start (may be called several times after {@link finish}). */
  read(): AsyncIterable<Uint8Array>;
  /** Drop everything (idempotent). */
  discard(): Promise<void>;
  /** Bytes written so far. */
  readonly size: number;
}

/** Creates the spool for one artifact. */
export type ArtifactSpoolFactory = () => ArtifactSpool | Promise<ArtifactSpool>;

/**
 * An in-memory spool (the default of `verifyInstall`). Chunks are copied, so
 * a fetcher may reuse its buffers.
 *
 * @returns a fresh spool.
 * @example
 * ```ts
 * const spool = createMemorySpool();
 * await spool.write(chunk); await spool.finish();
 * for await (const c of spool.read()) hash.update(c);
 * ```
 */
export function createMemorySpool(): ArtifactSpool {
  let chunks: Uint8Array[] = [];
  let size = 0;
  let finished = false;
  return {
    async write(chunk: Uint8Array, consumed?: () => void): Promise<void> {
      if (finished) throw new Error('memory spool: write after finish');
      chunks.push(Uint8Array.from(chunk));
      consumed?.(); // copied
      size += chunk.length;
    },
    async finish(): Promise<void> {
      finished = true;
    },
    read(): AsyncIterable<Uint8Array> {
      if (!finished) throw new Error('memory spool: read before finish');
      const snapshot = chunks;
      return (async function* () {
        for (const c of snapshot) yield c;
      })();
    },
    async discard(): Promise<void> {
      chunks = [];
      size = 0;
    },
    get size(): number {
      return size;
    },
  };
}

/** Codes a fetch may fail with. */
export type FetchErrorCode = Extract<
  ErrorCode,
  'FETCH_URL_REFUSED' | 'FETCH_ADDRESS_REFUSED' | 'FETCH_REDIRECT_REFUSED' | 'FETCH_TOO_LARGE' | 'FETCH_TIMEOUT' | 'FETCH_TOO_SLOW' | 'FETCH_NOT_FOUND' | 'FETCH_FAILED'
>;

/**
 * The error for a fetch failure, with the class fixed per code: refusals by
 * the fetch rules (URL, address, redirect) are {@link PolicyError}s — the
 * operator's transport policy says no; a body over its cap, a timeout, a
 * file the server does not have (`FETCH_NOT_FOUND`: HTTP 403, 404 or 410 —
 * kept apart from other failures because a TUF client reads "the next root
 * is not there" from it) or a failed transfer are {@link VerificationError}s
 * — the bytes could not be obtained as the index describes them.
 *
 * @param code - a `FETCH_*` code.
 * @param message - what was expected and found (never secret material).
 * @param detail - optional structured detail.
 * @returns the error (not thrown).
 * @example
 * ```ts
 * throw fetchError('FETCH_TOO_LARGE', `artifact exceeds ${max} bytes`);
 * ```
 */
export function fetchError(code: FetchErrorCode, message: string, detail?: unknown): PolicyError | VerificationError {
  switch (code) {
    case 'FETCH_URL_REFUSED':
    case 'FETCH_ADDRESS_REFUSED':
    case 'FETCH_REDIRECT_REFUSED':
      return new PolicyError(code, message, detail);
    default:
      return new VerificationError(code, message, detail);
  }
}
