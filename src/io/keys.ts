/**
 * Signing keys on disk and in the environment (DESIGN §6 "Keys on disk").
 *
 * A key is its 32-byte Ed25519 seed (RFC 8032 "private key"), stored raw:
 * - in a file created with mode 0600, exclusively (never overwriting), via an
 *   atomic write ({@link writeSeedFile}); reading refuses a file that group or
 *   others can access, like OpenSSH does ({@link readSeedFile});
 * - or, for CI secrets, in an environment variable as canonical padded
 *   base64 ({@link readSeedEnv}).
 *
 * Secret hygiene: a seed is never printed, logged or put in an error message
 * or error `detail`. Errors name the file or the variable, never its value.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { InputError } from '../core/errors.js';
import { decodeCanonicalBase64 } from '../core/base64.js';
import { openInputFile, readInto, writeFileAtomic } from './files.js';

/** Length of an Ed25519 seed in bytes. */
export const SEED_LENGTH = 32;

/** A valid environment variable name (POSIX portable). */
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A fresh random seed from the operating system's CSPRNG.
 *
 * @returns 32 random bytes.
 * @example
 * ```ts
 * const seed = generateSeed();
 * ```
 */
export function generateSeed(): Uint8Array {
  return new Uint8Array(randomBytes(SEED_LENGTH));
}

/**
 * Write a seed to a new key file: mode 0600, refusing to overwrite anything
 * (exclusive create), atomic (temp file + fsync + link).
 *
 * @param file - path of the new key file.
 * @param seed - the 32-byte seed.
 * @throws {InputError} `KEY_FILE_EXISTS` if the file exists, `KEY_INVALID` if
 *   the seed is not 32 bytes, `INPUT_UNREADABLE` if the directory cannot be written.
 * @example
 * ```ts
 * await writeSeedFile('ci.seed', generateSeed());
 * ```
 */
export async function writeSeedFile(file: string, seed: Uint8Array): Promise<void> {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_LENGTH) {
    throw new InputError('KEY_INVALID', `a seed must be ${SEED_LENGTH} bytes`);
  }
  try {
    await writeFileAtomic(file, seed, { mode: 0o600, exclusive: true });
  } catch (e) {
    if (e instanceof InputError && e.code === 'OUTPUT_EXISTS') throw new InputError('KEY_FILE_EXISTS', `refusing to overwrite existing key file ${file}`);
    throw e;
  }
}

/**
 * Read a key file: exactly 32 raw bytes, a regular file, not accessible by
 * group or others (on POSIX systems).
 *
 * @param file - path of the key file.
 * @returns the 32-byte seed (the caller should `fill(0)` it after use).
 * @throws {InputError} `INPUT_UNREADABLE` if it cannot be read; `KEY_INVALID`
 *   if it is not exactly 32 bytes or its mode lets group/others read it.
 * @example
 * ```ts
 * const seed = await readSeedFile('ci.seed');
 * try { sign(seed) } finally { seed.fill(0) }
 * ```
 */
export async function readSeedFile(file: string): Promise<Uint8Array> {
  const { handle } = await openInputFile(file, 'key file');
  try {
    const st = await handle.stat();
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new InputError('KEY_INVALID', `key file ${file} is accessible by group or others (mode ${mode}); run: chmod 600 ${file}`);
    }
    if (st.size !== SEED_LENGTH) {
      throw new InputError('KEY_INVALID', `key file ${file} must hold exactly ${SEED_LENGTH} bytes (a raw Ed25519 seed), found ${st.size} bytes`);
    }
    const buf = new Uint8Array(SEED_LENGTH + 1);
    const off = await readInto(handle, buf);
    if (off !== SEED_LENGTH) {
      buf.fill(0);
      throw new InputError('KEY_INVALID', `key file ${file} must hold exactly ${SEED_LENGTH} bytes (a raw Ed25519 seed)`);
    }
    const seed = buf.slice(0, SEED_LENGTH);
    buf.fill(0);
    return seed;
  } finally {
    await handle.close();
  }
}

/**
 * Read a seed from an environment variable holding its canonical padded
 * base64 (44 characters). Surrounding spaces and line breaks (as secret
 * stores add) are ignored; nothing else is tolerated.
 *
 * @param name - the variable's name.
 * @param env - the environment (default `process.env`).
 * @returns the 32-byte seed.
 * @throws {InputError} `INPUT_INVALID` for a name that is not a variable
 *   name; `KEY_INVALID` if it is unset, empty, or not canonical base64 of 32
 *   bytes. Messages name the variable, never its value.
 * @example
 * ```ts
 * const seed = readSeedEnv('LATTICE_INDEX_SEED');
 * ```
 */
export function readSeedEnv(name: string, env: NodeJS.ProcessEnv = process.env): Uint8Array {
  if (!ENV_NAME_RE.test(name)) {
    throw new InputError('INPUT_INVALID', `expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*), found ${JSON.stringify(name.slice(0, 64))}`);
  }
  const raw = env[name];
  if (raw === undefined || raw === '') throw new InputError('KEY_INVALID', `environment variable ${name} is not set or empty`);
  const seed = decodeCanonicalBase64(raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, ''), SEED_LENGTH);
  if (seed === null) {
    throw new InputError('KEY_INVALID', `environment variable ${name} must hold canonical padded base64 of a ${SEED_LENGTH}-byte seed`);
  }
  return seed;
}

/**
 * The seed named by a command's key options: exactly one of a key file or an
 * environment variable.
 *
 * @param file - the `--key` (or `--old-key`) file, if given.
 * @param envName - the `--key-env` (or `--old-key-env`) variable, if given.
 * @param flags - the option names, for the message when neither or both are given.
 * @param env - the environment `envName` is read from (default `process.env`).
 * @returns the 32-byte seed.
 * @throws {InputError} as {@link readSeedFile} / {@link readSeedEnv}, or
 *   `INPUT_INVALID` when neither or both are given.
 * @example
 * ```ts
 * const seed = await loadSeed(args.key, args['key-env'], ['--key', '--key-env']);
 * ```
 */
export async function loadSeed(file: string | undefined, envName: string | undefined, flags: [string, string], env: NodeJS.ProcessEnv = process.env): Promise<Uint8Array> {
  if ((file === undefined) === (envName === undefined)) {
    throw new InputError('INPUT_INVALID', `expected exactly one of ${flags[0]} FILE or ${flags[1]} VAR`);
  }
  return file !== undefined ? readSeedFile(file) : readSeedEnv(envName!, env);
}
