/**
 * SHA-256 (FIPS 180-4): one-shot, hex, key ids and a streaming digest.
 *
 * The one-shot functions use `@noble/hashes` everywhere (DESIGN §6). The
 * streaming digest, used for artifacts that may be tens of megabytes, picks
 * Node's native OpenSSL hash when the runtime offers one and falls back to
 * noble otherwise; tests feed both the same random chunkings and require
 * identical digests.
 *
 * No `node:` import here: the Node hash is looked up at run time through
 * `process.getBuiltinModule` (Node ≥ 20.16, also Deno and Bun), so this
 * module loads unchanged in a browser, where that lookup is absent and the
 * noble path is used. `./node.js` offers the Node path explicitly.
 *
 * @module
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { InputError } from '../core/errors.js';
import { assertBytes, toHex } from './bytes.js';

/** Byte length of a SHA-256 digest. */
export const SHA256_LENGTH = 32;

/**
 * Re-checks a digest from a hash provider instead of trusting it (STYLE.md):
 * a provider returning anything but 32 bytes is a broken environment, so the
 * process should stop rather than compare a wrong-length digest.
 */
function assertDigest(digest: Uint8Array): Uint8Array {
  if (digest.length !== SHA256_LENGTH) {
    throw new Error(`sha256: provider returned ${digest.length} bytes, expected ${SHA256_LENGTH}`);
  }
  return digest;
}

/**
 * SHA-256 of `bytes` (pure, `@noble/hashes`).
 *
 * @param bytes - the data to hash
 * @returns the 32-byte digest
 * @throws {TypeError} if `bytes` is not a `Uint8Array`
 * @example
 * ```ts
 * sha256(new TextEncoder().encode('abc')); // ba7816bf…f20015ad as bytes
 * ```
 */
export function sha256(bytes: Uint8Array): Uint8Array {
  assertBytes(bytes, 'bytes');
  return assertDigest(nobleSha256(bytes));
}

/**
 * Lowercase hex SHA-256 of `bytes` — the form manifests and the index carry
 * (64 characters, `SHA256_HEX_RE`).
 *
 * @param bytes - the data to hash
 * @returns 64 lowercase hex characters
 * @throws {TypeError} if `bytes` is not a `Uint8Array`
 * @example
 * ```ts
 * sha256Hex(new Uint8Array()); // 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
 * ```
 */
export function sha256Hex(bytes: Uint8Array): string {
  return toHex(sha256(bytes));
}

/**
 * The key id of an Ed25519 public key: lowercase hex SHA-256 of the raw
 * 32-byte key (not of its base64 text), so two spellings of one key (padded
 * or raw base64, CR/LF) share one id.
 *
 * @param publicKey - the raw 32-byte Ed25519 public key
 * @returns 64 lowercase hex characters
 * @throws {TypeError} if `publicKey` is not a `Uint8Array`
 * @throws {InputError} `KEY_INVALID` if `publicKey` is not 32 bytes
 * @example
 * ```ts
 * const id = keyId(publicKeyFromSeed(seed)); // e.g. '3f1c…'
 * ```
 */
export function keyId(publicKey: Uint8Array): string {
  assertBytes(publicKey, 'publicKey');
  if (publicKey.length !== 32) {
    throw new InputError('KEY_INVALID', `Ed25519 public key must be 32 bytes, got ${publicKey.length}`);
  }
  return sha256Hex(publicKey);
}

/**
 * An incremental SHA-256: feed chunks with `update`, finish once with
 * `digestHex`. Using it after `digestHex` is a caller bug and throws.
 */
export interface Sha256Stream {
  /**
   * Hashes the next chunk. The chunk is consumed before `update` returns,
   * so the caller may reuse its buffer.
   * @throws {TypeError} if `chunk` is not a `Uint8Array`
   * @throws {Error} if the digest was already produced
   */
  update(chunk: Uint8Array): void;
  /**
   * Finishes and returns the lowercase hex digest of everything fed.
   * @throws {Error} if the digest was already produced
   */
  digestHex(): string;
}

/**
 * Wraps a hash engine into a {@link Sha256Stream} with one set of argument
 * and state checks, so the noble and Node paths behave identically on misuse
 * (the engines themselves differ: noble throws, Node may not).
 *
 * @param feed - consumes one chunk
 * @param finish - returns the raw digest; called at most once
 */
export function wrapSha256Stream(feed: (chunk: Uint8Array) => void, finish: () => Uint8Array): Sha256Stream {
  let finished = false;
  const assertOpen = (): void => {
    if (finished) throw new Error('sha256: digest already produced; create a new stream');
  };
  return {
    update(chunk: Uint8Array): void {
      assertBytes(chunk, 'chunk');
      assertOpen();
      feed(chunk);
    },
    digestHex(): string {
      assertOpen();
      finished = true;
      return toHex(assertDigest(finish()));
    },
  };
}

/**
 * A streaming SHA-256 on `@noble/hashes` — the browser path, and the
 * reference the Node path is tested against.
 *
 * @returns a fresh stream
 * @example
 * ```ts
 * const h = createSha256Pure();
 * h.update(part1); h.update(part2);
 * h.digestHex();
 * ```
 */
export function createSha256Pure(): Sha256Stream {
  const h = nobleSha256.create();
  return wrapSha256Stream(
    (chunk) => h.update(chunk),
    () => h.digest(),
  );
}

/** The part of `node:crypto` the Node path needs (structural, no import). */
export interface NodeHashModule {
  createHash(algorithm: 'sha256'): { update(data: Uint8Array): unknown; digest(): Uint8Array };
}

/**
 * Wraps a `node:crypto`-shaped module's SHA-256 into a {@link Sha256Stream}.
 * Shared by the run-time selection below and by `./node.js`.
 *
 * @param nodeCrypto - `node:crypto` or a module with the same `createHash`
 * @returns a fresh stream
 */
export function createSha256With(nodeCrypto: NodeHashModule): Sha256Stream {
  const h = nodeCrypto.createHash('sha256');
  return wrapSha256Stream(
    (chunk) => {
      h.update(chunk);
    },
    // `digest()` returns a Buffer (a Uint8Array subclass); copy into a plain
    // Uint8Array so nothing downstream depends on Buffer behaviour.
    () => new Uint8Array(h.digest()),
  );
}

/**
 * `node:crypto` if the runtime exposes it without an import, else `null`.
 * Looked up once. `process.getBuiltinModule` is absent in browsers and in
 * Node < 20.16, so both fall back to noble.
 */
let nodeCryptoLookup: NodeHashModule | null | undefined;
function runtimeNodeCrypto(): NodeHashModule | null {
  if (nodeCryptoLookup !== undefined) return nodeCryptoLookup;
  nodeCryptoLookup = null;
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const mod = typeof proc?.getBuiltinModule === 'function' ? proc.getBuiltinModule('node:crypto') : undefined;
    if (mod !== null && typeof mod === 'object' && typeof (mod as NodeHashModule).createHash === 'function') {
      nodeCryptoLookup = mod as NodeHashModule;
    }
  } catch {
    // A runtime whose lookup throws simply has no fast path.
  }
  return nodeCryptoLookup;
}

/**
 * Which engine {@link createSha256} uses in this runtime.
 *
 * @returns `'node:crypto'` when Node's native hash is reachable, else
 *   `'@noble/hashes'`
 * @example
 * ```ts
 * console.log(`sha256 engine: ${sha256StreamEngine()}`);
 * ```
 */
export function sha256StreamEngine(): 'node:crypto' | '@noble/hashes' {
  return runtimeNodeCrypto() === null ? '@noble/hashes' : 'node:crypto';
}

/**
 * A streaming SHA-256 with the fastest engine the runtime has: Node's
 * OpenSSL hash when available (several times faster on large artifacts),
 * otherwise {@link createSha256Pure}. Both give identical digests (tested on
 * random chunkings, empty and multi-megabyte inputs).
 *
 * @returns a fresh stream
 * @example
 * ```ts
 * const h = createSha256();
 * for await (const chunk of stream) h.update(chunk);
 * if (h.digestHex() !== expectedHex) throw new VerificationError('ARTIFACT_DIGEST_MISMATCH', '…');
 * ```
 */
export function createSha256(): Sha256Stream {
  const nodeCrypto = runtimeNodeCrypto();
  return nodeCrypto === null ? createSha256Pure() : createSha256With(nodeCrypto);
}
