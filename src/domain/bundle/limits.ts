/**
 * Size and count limits of a Lattice v2 bundle (interop §D.6).
 *
 * The defaults are the server's: an index or installer that used looser
 * limits would accept bundles the server then refuses to load. Lower limits
 * are for tests and for operators who want to refuse sooner; the messages
 * print the configured value, so with the defaults they are the server's
 * exact text.
 *
 * @module
 */

/** Byte and count limits applied while a bundle is inspected. */
export interface BundleLimits {
  /** §D.6 step 1 `MaxCompressedBytes`: size of the `.tar.gz` file. Server: 64 MiB. */
  readonly maxCompressedBytes: number;
  /** §D.6 step 4 `MaxFiles`: tar entries, directories included. Server: 2048. */
  readonly maxFiles: number;
  /** §D.6 step 4: byte length of a normalised entry path. Server: 240. */
  readonly maxPathBytes: number;
  /** §D.6 step 4: `/`-separated parts of a normalised entry path. Server: 16. */
  readonly maxPathDepth: number;
  /** §D.6 step 4 `MaxFileBytes`: size of one file. Server: 32 MiB. */
  readonly maxFileBytes: number;
  /** §D.6 step 4 `MaxExpandedBytes`: running total of file sizes. Server: 256 MiB. */
  readonly maxExpandedBytes: number;
  /**
   * Not a server limit — ours. Total bytes of tar *metadata* records (PAX
   * `x` headers and GNU `L`/`K` long names: 512 per header block plus their
   * content). Go's `archive/tar` caps each such record at 1 MiB but not their
   * number, so the server would chew through any amount of them; an
   * inspector must be bounded, and a real bundle needs a few hundred bytes
   * per entry. Default 16 MiB (about 8 KiB for each of 2048 entries).
   */
  readonly maxMetadataBytes: number;
}

/** The Lattice server's limits (interop §D.6), plus our metadata bound. */
export const DEFAULT_BUNDLE_LIMITS: BundleLimits = Object.freeze({
  maxCompressedBytes: 64 * 1024 * 1024,
  maxFiles: 2048,
  maxPathBytes: 240,
  maxPathDepth: 16,
  maxFileBytes: 32 * 1024 * 1024,
  maxExpandedBytes: 256 * 1024 * 1024,
  maxMetadataBytes: 16 * 1024 * 1024,
});

/**
 * Completes a partial set of limits with the server defaults.
 *
 * @param partial - limits to override; omitted or `undefined` fields take the default
 * @returns a frozen, complete {@link BundleLimits}
 * @throws {TypeError} if a given limit is not a non-negative safe integer
 *   (a caller bug: limits come from code or a validated policy, never from a bundle)
 * @example resolveBundleLimits({ maxFileBytes: 1024 }).maxFiles // 2048
 */
export function resolveBundleLimits(partial: Partial<BundleLimits> = {}): BundleLimits {
  const out: Record<string, number> = { ...DEFAULT_BUNDLE_LIMITS };
  for (const key of Object.keys(DEFAULT_BUNDLE_LIMITS) as (keyof BundleLimits)[]) {
    const value = partial[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new TypeError(`bundle limit ${key} must be a non-negative safe integer, got ${String(value)}`);
    }
    out[key] = value;
  }
  return Object.freeze(out) as unknown as BundleLimits;
}
