/**
 * The deterministic bundle packer of interop §D.6 ("the official
 * deterministic packer", `tools/pluginpack`), over bytes.
 *
 * Layout, as the official packer writes it:
 * - entries sorted by path (byte order of the path without its trailing
 *   `/`, which puts every directory before its contents);
 * - every directory written explicitly, name ending in `/` — the parents of
 *   every file and any empty directory the caller lists;
 * - uid/gid 0, mtime the Unix epoch, empty user and group names;
 * - mode 0700 for directories and for files `bin/**\/plugin` (the runtime
 *   entry convention `bin/<os>-<arch>/plugin`, §D.2), 0600 for other files;
 * - regular files and directories only (the caller cannot even express a link);
 * - USTAR headers, PAX only when a name does not fit USTAR — byte for byte
 *   what Go's `tar.Writer` produces for these headers;
 * - gzip at level 9 (`BestCompression`), header mtime 0, XFL 2 and OS byte
 *   255 — the header Go's `gzip.Writer` writes.
 *
 * The tar stream ({@link packBundleTar}) is reproducible everywhere. The
 * deflate stream comes from the zlib bundled with Node, not Go's
 * `compress/flate`, so the `.tar.gz` bytes differ from the Go packer's and
 * may differ between zlib builds (§D.6: "a JS packer will not produce the
 * same `.tar.gz` bytes"); the digest is over whatever bytes are shipped.
 *
 * Every input is checked against the same rules `inspectBundle` enforces, so
 * a packed bundle always passes inspection under the same limits.
 *
 * @module
 */
import type { BundleCodec } from './codec.js';
import { InputError } from '../../core/errors.js';
import {
  type ByteString,
  normalizeEntryName,
  quoteByteString,
  textToByteString,
} from './entry-path.js';
import { type BundleLimits, resolveBundleLimits } from './limits.js';
import { TYPE, type TarWriteEntry, writeTar } from './tar.js';

/** One input of the packer: a file with its content, or an (empty) directory. */
export type BundleSourceEntry =
  | {
      /** Clean relative path, `/`-separated, no trailing `/` (e.g. `bin/linux-amd64/plugin`). */
      readonly path: string;
      readonly content: Uint8Array;
    }
  | {
      /** Clean relative path of a directory, no trailing `/`. */
      readonly path: string;
      readonly type: 'dir';
    };

/** Options of the packer. */
export interface PackBundleOptions {
  /** Limits the bundle must satisfy; defaults are the server's. */
  readonly limits?: Partial<BundleLimits>;
}

/** gzip header bytes 8–9 as Go's `gzip.Writer` writes them at `BestCompression`. */
const GZIP_XFL_BEST = 2;
const GZIP_OS_UNKNOWN = 255;

/**
 * Packs entries into the deterministic, uncompressed tar stream.
 *
 * @param codec - the gzip codec (`src/io/bundle.ts` `packBundleEntries` binds Node's zlib)
 * @param entries - files and directories, in any order
 * @param opts - limits
 * @returns the tar bytes; identical for identical input (order-independent)
 * @throws {InputError} `BUNDLE_INVALID` if a path breaks a §D.6 rule (the
 *   server's message), `BUNDLE_TOO_LARGE` if a count or size limit is exceeded
 * @throws {TypeError} if an entry is malformed (caller bug)
 * @example
 * ```ts
 * const tar = packBundleTar([{ path: 'bin/linux-amd64/plugin', content: exe }]);
 * ```
 */
export function packBundleTar(entries: readonly BundleSourceEntry[], opts: PackBundleOptions = {}): Uint8Array {
  const limits = resolveBundleLimits(opts.limits);
  if (!Array.isArray(entries)) throw new TypeError('packBundle: entries must be an array');

  const files = new Map<ByteString, Uint8Array>();
  const dirs = new Set<ByteString>();
  const explicit = new Set<ByteString>();
  let expanded = 0;
  for (const e of entries) {
    if (e === null || typeof e !== 'object' || typeof e.path !== 'string') {
      throw new TypeError('packBundle: each entry needs a string path');
    }
    const isDir = 'type' in e && e.type === 'dir';
    if (!isDir && !(('content' in e) && e.content instanceof Uint8Array)) {
      throw new TypeError(`packBundle: entry ${JSON.stringify(e.path)} needs Uint8Array content or type 'dir'`);
    }
    // A lone surrogate has no UTF-8 form; encoding would silently change the name.
    if (LONE_SURROGATE.test(e.path)) {
      throw new InputError('BUNDLE_INVALID', `bundle invalid path ${JSON.stringify(e.path)}`);
    }
    // The caller gives clean paths; normalising as a file means a trailing '/' is refused.
    const norm = normalizeEntryName(textToByteString(e.path), false, limits);
    if (!norm.ok) throw new InputError('BUNDLE_INVALID', norm.message);
    const path = norm.path;
    if (explicit.has(path)) throw new InputError('BUNDLE_INVALID', `bundle contains duplicate path ${quoteByteString(path)}`);
    explicit.add(path);
    if (isDir) {
      dirs.add(path);
    } else {
      const content = (e as { content: Uint8Array }).content;
      if (content.length > limits.maxFileBytes) {
        throw new InputError(
          'BUNDLE_TOO_LARGE',
          `bundle file size ${content.length} exceeds limit ${limits.maxFileBytes} for ${quoteByteString(path)}`,
        );
      }
      expanded += content.length;
      if (expanded > limits.maxExpandedBytes) {
        throw new InputError('BUNDLE_TOO_LARGE', `bundle expanded size exceeds limit ${limits.maxExpandedBytes}`);
      }
      files.set(path, content);
    }
  }
  // Every parent directory is written explicitly; none may be a file.
  for (const path of explicit) {
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
      const parent = path.slice(0, i);
      if (files.has(parent)) {
        throw new InputError(
          'BUNDLE_INVALID',
          `bundle path ${quoteByteString(path)} has file parent ${quoteByteString(parent)}`,
        );
      }
      dirs.add(parent);
    }
  }
  if (files.size + dirs.size > limits.maxFiles) {
    throw new InputError('BUNDLE_TOO_LARGE', `bundle file count exceeds limit ${limits.maxFiles}`);
  }

  // Byte strings compare by code unit, i.e. by byte: Go's string order.
  const sorted = [...files.keys(), ...dirs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const tarEntries: TarWriteEntry[] = sorted.map((path) => {
    const content = files.get(path);
    if (content === undefined) return { name: path + '/', typeflag: TYPE.DIR, mode: 0o700 };
    return { name: path, typeflag: TYPE.REG, mode: isRuntimeBinaryPath(path) ? 0o700 : 0o600, data: content };
  });
  return writeTar(tarEntries);
}

/**
 * Packs entries into a `.tar.gz` bundle (see the module notes).
 *
 * @param entries - files and directories, in any order
 * @param opts - limits
 * @returns the compressed bundle; identical bytes for identical input with
 *   the same zlib build
 * @throws {InputError} `BUNDLE_INVALID` / `BUNDLE_TOO_LARGE` as {@link packBundleTar},
 *   and `BUNDLE_TOO_LARGE` if the compressed result exceeds `maxCompressedBytes`
 * @throws {TypeError} if an entry is malformed (caller bug)
 * @example
 * ```ts
 * const bundle = packBundleEntriesWith(nodeBundleCodec, [
 *   { path: 'bin/linux-amd64/plugin', content: exe },
 *   { path: 'ui/index.html', content: html },
 * ]);
 * const digest = sha256Hex(bundle); // the manifest's bundle.digest_sha256
 * ```
 */
export function packBundleEntriesWith(codec: BundleCodec, entries: readonly BundleSourceEntry[], opts: PackBundleOptions = {}): Uint8Array {
  const limits = resolveBundleLimits(opts.limits);
  const tar = packBundleTar(entries, opts);
  const gz = Uint8Array.from(codec.gzip(tar));
  // Node writes mtime 0 and no optional fields; pin XFL and OS to Go's values
  // so the header does not depend on the build platform (zlib's OS_CODE).
  gz[4] = gz[5] = gz[6] = gz[7] = 0;
  gz[8] = GZIP_XFL_BEST;
  gz[9] = GZIP_OS_UNKNOWN;
  if (gz.length > limits.maxCompressedBytes) {
    throw new InputError(
      'BUNDLE_TOO_LARGE',
      `bundle compressed size ${gz.length} exceeds limit ${limits.maxCompressedBytes}`,
    );
  }
  return gz;
}

/**
 * True for `bin/**\/plugin`: a file named `plugin` anywhere under `bin/`
 * (the official packer's 0700 rule, §D.6).
 * @param path - a normalised bundle path
 */
export function isRuntimeBinaryPath(path: string): boolean {
  return path.startsWith('bin/') && path.endsWith('/plugin');
}

// With the `u` flag a surrogate range matches only unpaired surrogates.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
