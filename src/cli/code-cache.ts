/**
 * The bin's loader: compile the bundled CLI (`dist/cli/lattice-index.cjs`,
 * one CommonJS file, every command module initialised lazily) with a V8
 * code cache, so a start does not re-parse and re-compile what the last run
 * of the same command already compiled. Node 20 has no
 * `module.enableCompileCache`; `vm.Script` with `cachedData` is the stable
 * way (measured in `npm run bench`: bench/cli-start.bench.mjs).
 *
 * The cache is an optimisation that is never trusted:
 * - one file per command word and bundle: its name carries the bundle's
 *   identity (the SHA-256 of its bytes, computed by the build, and the
 *   file's size and modification time, so an edit in place counts as
 *   another bundle), the Node version and the architecture: a rebuilt or
 *   upgraded CLI never even opens an old file;
 * - each file carries the CRC-32 and length of its payload, checked before
 *   V8 sees it (release V8 does not verify code-cache checksums): a
 *   truncated or corrupt file is ignored. That is against accidents; a
 *   deliberate writer is kept out by the directory's ownership (below) —
 *   no `node:crypto` here, whose loading alone costs more than the check;
 *   V8 itself rejects data from another V8 version, other flags or a source
 *   of another length (`script.cachedDataRejected`; it compares no more of
 *   the source, hence the identity in the name), and a rejected file is
 *   rewritten;
 * - it lives only where nobody but this user can write: `$XDG_CACHE_HOME`
 *   (absolute) or `$HOME/.cache`, under `lattice-index/v8/`, a directory
 *   created 0700 and used only if it is a real directory owned by this user
 *   and not writable by group or others; files 0600, opened without
 *   following symlinks and used only if owned by this user; never the
 *   (possibly read-only, possibly shared) install directory;
 * - written atomically (a unique temporary file, then rename) after the
 *   command ends (not after a usage error, exit 2); any failure to read or
 *   write just means no cache;
 * - `LATTICE_CODE_CACHE=off` turns it off (any other value is a usage
 *   error, exit 2).
 *
 * @module
 */
import { closeSync, constants as fsConstants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { crc32 } from 'node:zlib';

/** First bytes of a cache file (format version 1). */
const MAGIC = Buffer.from('LTXCC\u0001\n\0', 'latin1');
/** Magic, then the checksum (8 bytes). */
const HEADER = MAGIC.length + 8;
/** Largest cache file read (a bigger one is ignored). */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

/** What happened to the code cache in one start (for tests and `--debug`). */
export type CodeCacheOutcome = 'used' | 'written' | 'off' | 'unavailable';

/** A `LATTICE_CODE_CACHE` value the loader does not know. */
export class CodeCacheSettingError extends Error {
  readonly code = 'USAGE_ERROR';
}

/**
 * The cache directory for `env`, or `undefined` when the cache is off or no
 * absolute base directory is known.
 *
 * @param env - the environment.
 * @returns `<base>/lattice-index/v8` or `undefined`.
 * @throws {CodeCacheSettingError} when `LATTICE_CODE_CACHE` is set to anything but `off`.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const setting = env.LATTICE_CODE_CACHE;
  if (setting !== undefined && setting !== '') {
    if (setting === 'off') return undefined;
    throw new CodeCacheSettingError(`LATTICE_CODE_CACHE must be "off" or unset, got ${JSON.stringify(setting.slice(0, 64))}`);
  }
  // XDG: a relative path is invalid and ignored.
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && path.isAbsolute(xdg)) return path.join(xdg, 'lattice-index', 'v8');
  const home = env.HOME;
  if (home !== undefined && path.isAbsolute(home)) return path.join(home, '.cache', 'lattice-index', 'v8');
  return undefined;
}

/** The command word a cache file is kept for: the first argument that is not an option, when it looks like a command word. */
export function cacheWord(argv: readonly string[]): string {
  const w = argv.find((a) => !a.startsWith('-'));
  return w !== undefined && /^[a-z][a-z0-9-]{0,31}$/.test(w) ? w : '_';
}

function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** Create (0700) and check the directory: a real directory of ours, not writable by others. */
function usableDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    const uid = currentUid();
    return st.isDirectory() && (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** The verified V8 payload of a cache file, or `undefined` (missing, not ours, corrupt). */
function readCache(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    const uid = currentUid();
    if (!st.isFile() || (uid !== undefined && st.uid !== uid) || st.size <= HEADER || st.size > MAX_CACHE_BYTES) return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) return undefined; // shrank meanwhile
      off += n;
    }
    if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const payload = buf.subarray(HEADER);
    return checksum(payload).equals(buf.subarray(MAGIC.length, HEADER)) ? payload : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The checksum of a payload: CRC-32 and the length (against truncation and
 * bit rot — not a MAC, see the module comment).
 *
 * @param bytes - the payload.
 * @returns 8 bytes.
 */
export function checksum(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt32LE(crc32(bytes), 0);
  out.writeUInt32LE(bytes.length >>> 0, 4);
  return out;
}

/** Write a cache file atomically (0600); drop this command's files of other bundles. Errors are ignored. */
function writeCache(dir: string, name: string, word: string, payload: Buffer): boolean {
  const file = path.join(dir, name);
  const tmp = path.join(dir, `.${name}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    writeFileSync(tmp, Buffer.concat([MAGIC, checksum(payload), payload]), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // never written
    }
    return false;
  }
  try {
    for (const other of readdirSync(dir)) {
      if (other !== name && other.endsWith(`-${word}.v8`) && !other.startsWith('.')) unlinkSync(path.join(dir, other));
    }
  } catch {
    // another process pruned first
  }
  return true;
}

/** The bundle's text (ASCII: the build escapes everything else) and identity. */
function readBundle(file: string): { source: string; size: number; mtimeNs: bigint } {
  const fd = openSync(file, fsConstants.O_RDONLY);
  try {
    const st = fstatSync(fd, { bigint: true });
    const buf = Buffer.allocUnsafe(Number(st.size));
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return { source: buf.toString('latin1', 0, off), size: Number(st.size), mtimeNs: st.mtimeNs };
  } finally {
    closeSync(fd);
  }
}

/** What {@link loadCliBundle} returns. */
export interface LoadedBundle {
  /** The bundle's `module.exports`. */
  readonly exports: unknown;
  /** What the cache did (`written` is settled when the process exits). */
  readonly outcome: () => CodeCacheOutcome;
}

/**
 * Compile and run the CommonJS bundle `file` like `require` would, with a
 * code cache for the command `cacheWord(argv)` (see the module comment).
 *
 * @param file - absolute path of the bundle.
 * @param argv - the command line (picks the cache file).
 * @param env - the environment (cache location, `LATTICE_CODE_CACHE`).
 * @param bundleId - the build's identity of the bundle (its SHA-256).
 * @returns the bundle's exports.
 * @throws {CodeCacheSettingError} for a bad `LATTICE_CODE_CACHE`, before anything is read.
 */
export function loadCliBundle(file: string, argv: readonly string[], env: NodeJS.ProcessEnv, bundleId = 'dev'): LoadedBundle {
  const dir = codeCacheDir(env);
  const { source, size, mtimeNs } = readBundle(file);
  let outcome: CodeCacheOutcome = dir === undefined ? 'off' : 'unavailable';
  let cachedData: Buffer | undefined;
  const word = cacheWord(argv);
  const name = `${bundleId.replace(/[^0-9a-z]/gi, '').slice(0, 32)}-${size.toString(36)}-${mtimeNs.toString(36)}-${process.version.replace(/[^0-9a-z.]/gi, '')}-${process.arch}-${word}.v8`;
  const cacheDir = dir !== undefined && usableDir(dir) ? dir : undefined;
  if (cacheDir !== undefined) cachedData = readCache(path.join(cacheDir, name));
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const importModuleDynamically = (vm as unknown as { constants?: { USE_MAIN_CONTEXT_DEFAULT_LOADER?: symbol } }).constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  const script = new vm.Script(wrapper, {
    filename: file,
    ...(cachedData !== undefined ? { cachedData } : {}),
    ...(importModuleDynamically !== undefined ? { importModuleDynamically } : {}),
  } as vm.ScriptOptions);
  if (cachedData !== undefined && !script.cachedDataRejected) outcome = 'used';
  else if (cacheDir !== undefined) {
    // After the command ran, the cache holds every function it compiled.
    // Not after a usage error (exit 2): a mistyped command word would leave
    // one file per typo, for a run that compiled next to nothing.
    process.once('exit', (code) => {
      if (code === 2) return;
      try {
        if (writeCache(cacheDir, name, word, script.createCachedData())) outcome = 'written';
      } catch {
        // no cache this time
      }
    });
  }
  const mod = { exports: {} as unknown };
  const fn = script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: { exports: unknown }, f: string, d: string) => void;
  fn.call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
  return { exports: mod.exports, outcome: () => outcome };
}
