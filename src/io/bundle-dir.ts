/**
 * Packs a directory tree into a deterministic v2 bundle (interop §D.6, the
 * official packer's rules): the filesystem half of `packBundleEntries`.
 *
 * Only regular files and directories are packed. A symbolic link anywhere
 * below the root, a device, FIFO or socket is refused — never followed or
 * skipped — because silently leaving out or dereferencing a link would ship
 * something other than what the publisher sees. Files are opened with
 * `O_NOFOLLOW` and re-checked on the open handle, so a file swapped for a
 * link between the walk and the read is refused too. The root directory
 * itself may be reached through a link (it is the caller's choice of
 * directory, not content).
 *
 * Bounded: entry count, file sizes and the running total are checked during
 * the walk, against the same limits the bundle must satisfy, before any file
 * is read.
 *
 * @module
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import { InputError } from '../core/errors.js';
import { goQuote, goQuoteBytes } from '../core/go-quote.js';
import { resolveBundleLimits } from '../domain/bundle/limits.js';
import type { BundleSourceEntry, PackBundleOptions } from '../domain/bundle/pack.js';
import { packBundleEntries } from './bundle.js';
import { readInto } from './files.js';

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const SLASH = Buffer.from('/');

/**
 * Walks `dir` and returns its files and directories as packer entries
 * (paths relative to `dir`, `/`-separated).
 *
 * @param dir - the bundle root
 * @param opts - limits (defaults: the server's)
 * @returns entries in walk order (the packer sorts them)
 * @throws {InputError} `BUNDLE_INVALID` for a symlink, special file or
 *   non-UTF-8 name below `dir`, or if `dir` is not a directory;
 *   `BUNDLE_TOO_LARGE` if a count or size limit is exceeded
 * @throws the underlying filesystem error if a path cannot be read
 * @example
 * ```ts
 * const entries = await readBundleDirectory('dist/bundle');
 * ```
 */
export async function readBundleDirectory(dir: string, opts: PackBundleOptions = {}): Promise<BundleSourceEntry[]> {
  const limits = resolveBundleLimits(opts.limits);
  const rootStat = await fs.stat(dir);
  if (!rootStat.isDirectory()) throw new InputError('BUNDLE_INVALID', `bundle source ${goQuote(dir)} is not a directory`);

  const out: BundleSourceEntry[] = [];
  let expanded = 0;
  const countOne = (): void => {
    if (out.length + 1 > limits.maxFiles) {
      throw new InputError('BUNDLE_TOO_LARGE', `bundle file count exceeds limit ${limits.maxFiles}`);
    }
  };

  const walk = async (abs: Buffer, rel: string): Promise<void> => {
    const names = (await fs.readdir(abs, { encoding: 'buffer' })).sort(Buffer.compare);
    for (const nameBytes of names) {
      let name: string;
      try {
        name = STRICT_UTF8.decode(nameBytes);
      } catch {
        throw new InputError('BUNDLE_INVALID', `bundle source name ${goQuoteBytes(nameBytes)} is not UTF-8`);
      }
      const childAbs = Buffer.concat([abs, SLASH, nameBytes]);
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const st = await fs.lstat(childAbs);
      if (st.isSymbolicLink()) {
        throw new InputError(
          'BUNDLE_INVALID',
          `bundle source ${goQuote(childRel)} is a symlink; only regular files and directories are allowed`,
        );
      }
      if (st.isDirectory()) {
        countOne();
        out.push({ path: childRel, type: 'dir' });
        await walk(childAbs, childRel);
      } else if (st.isFile()) {
        countOne();
        const content = await readRegularFile(childAbs, childRel, limits.maxFileBytes);
        expanded += content.length;
        if (expanded > limits.maxExpandedBytes) {
          throw new InputError('BUNDLE_TOO_LARGE', `bundle expanded size exceeds limit ${limits.maxExpandedBytes}`);
        }
        out.push({ path: childRel, content });
      } else {
        throw new InputError(
          'BUNDLE_INVALID',
          `bundle source ${goQuote(childRel)} is not a regular file or directory`,
        );
      }
    }
  };
  await walk(Buffer.from(dir), '');
  return out;
}

/**
 * Packs `dir` into a `.tar.gz` bundle with the deterministic layout of
 * `packBundleEntries` (sorted, explicit directories, uid/gid 0, mtime 0,
 * modes 0700/0600, gzip level 9).
 *
 * @param dir - the bundle root (e.g. holding `bin/linux-amd64/plugin` and `ui/index.html`)
 * @param opts - limits (defaults: the server's)
 * @returns the compressed bundle
 * @throws {InputError} as {@link readBundleDirectory} and `packBundleEntries`
 * @example
 * ```ts
 * const bundle = await packBundleDirectory('dist/bundle');
 * await writeFileAtomic('dist/artifact', bundle);
 * ```
 */
export async function packBundleDirectory(dir: string, opts: PackBundleOptions = {}): Promise<Uint8Array> {
  return packBundleEntries(await readBundleDirectory(dir, opts), opts);
}

/**
 * Reads a regular file without following links (`O_NOFOLLOW`; `O_NONBLOCK`
 * so a FIFO swapped in after the walk cannot block the open), at most `maxBytes`.
 */
async function readRegularFile(abs: Buffer, rel: string, maxBytes: number): Promise<Uint8Array> {
  const handle = await fs.open(abs, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (!st.isFile()) {
      throw new InputError('BUNDLE_INVALID', `bundle source ${goQuote(rel)} is not a regular file or directory`);
    }
    if (st.size > maxBytes) {
      throw new InputError('BUNDLE_TOO_LARGE', `bundle file size ${st.size} exceeds limit ${maxBytes} for ${goQuote(rel)}`);
    }
    // One byte more than allowed, so a file that grows during the read is caught.
    const buf = new Uint8Array(st.size + 1);
    const off = await readInto(handle, buf);
    if (off > st.size) throw new InputError('BUNDLE_INVALID', `bundle source ${goQuote(rel)} changed while it was read`);
    return buf.slice(0, off);
  } finally {
    await handle.close();
  }
}
