/**
 * The IO of the repository v2 client (`src/domain/repository/client.ts`):
 *
 * - {@link httpRepositoryTransport}: `metadata/<name>` and `targets/<path>`
 *   over the project's capped HTTPS fetcher (`src/io/fetch.ts`: HTTPS only,
 *   address rules after DNS, redirects, timeouts, byte caps while
 *   streaming);
 * - {@link dirRepositoryTransport}: the same files from a local folder
 *   (`repo verify DIR`, tests) with the same caps and `FETCH_NOT_FOUND`;
 * - {@link dirMetadataStore} / {@link memoryMetadataStore}: the client's
 *   trusted metadata between runs (`<name>.json`, written atomically).
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError, LatticeIndexError, VerificationError } from '../core/errors.js';
import type { RepositoryTransport, TargetCache, TrustedMetadataStore } from '../domain/repository/client.js';
import { fetchError, type InstallFetcher } from '../domain/install/transport.js';
import { fetchBytes } from './fetch.js';
import { readFileBoundedSync, writeFileAtomic } from './files.js';

/** Join a base URL and a relative path with exactly one `/`. */
export function joinUrl(base: string, rel: string): string {
  return `${base.replace(/\/+$/, '')}/${rel.replace(/^\/+/, '')}`;
}

/** Where a repository's metadata and targets are served. */
export interface RepositoryUrls {
  /** The folder holding `1.root.json`, `timestamp.json`, … */
  metadataUrl: string;
  /** The folder holding the targets. */
  targetsUrl: string;
}

/**
 * The URLs of a repository v2 served at `repoUrl` (`<repo>/metadata/`, `<repo>/targets/`).
 *
 * @param repoUrl - the repository's base URL.
 * @returns both URLs.
 */
export function repositoryUrls(repoUrl: string): RepositoryUrls {
  return { metadataUrl: joinUrl(repoUrl, 'metadata'), targetsUrl: joinUrl(repoUrl, 'targets') };
}

/**
 * A transport over an {@link InstallFetcher}.
 *
 * @param fetcher - the capped fetcher (HTTPS rules live there).
 * @param urls - metadata and targets base URLs.
 * @returns the transport.
 */
export function httpRepositoryTransport(fetcher: InstallFetcher, urls: RepositoryUrls): RepositoryTransport {
  return {
    fetchMetadata: (name, maxBytes) => fetchBytes(fetcher, joinUrl(urls.metadataUrl, name), { maxBytes, purpose: 'metadata' }),
    fetchTarget: (p, maxBytes) => fetchBytes(fetcher, joinUrl(urls.targetsUrl, p), { maxBytes, purpose: 'target' }),
  };
}

/** Read a file below `root`, refusing paths that leave it; caps as fetch errors. */
function readBelow(root: string, rel: string, maxBytes: number, purpose: string): Uint8Array {
  const abs = path.resolve(root, rel);
  if (!abs.startsWith(path.resolve(root) + path.sep)) throw fetchError('FETCH_URL_REFUSED', `${purpose} path ${JSON.stringify(rel)} leaves the repository folder`);
  try {
    return readFileBoundedSync(abs, maxBytes, purpose);
  } catch (e) {
    if (e instanceof InputError && e.code === 'INPUT_NOT_FOUND') throw fetchError('FETCH_NOT_FOUND', `${purpose} ${rel} is not in ${root}`);
    if (e instanceof InputError && e.code === 'JSON_TOO_LARGE') throw fetchError('FETCH_TOO_LARGE', `${purpose} ${rel} exceeds the cap of ${maxBytes} bytes`);
    if (e instanceof LatticeIndexError) throw new VerificationError('FETCH_FAILED', e.message);
    throw e;
  }
}

/**
 * A transport over a local repository folder (`metadata/`, `targets/`).
 *
 * @param dir - the repository folder.
 * @returns the transport.
 */
export function dirRepositoryTransport(dir: string): RepositoryTransport {
  return {
    fetchMetadata: async (name, maxBytes) => readBelow(path.join(dir, 'metadata'), name, maxBytes, 'metadata'),
    fetchTarget: async (p, maxBytes) => readBelow(path.join(dir, 'targets'), p, maxBytes, 'target'),
  };
}

/** Largest stored metadata file read back (the client's own caps are below it). */
const STORE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The trusted metadata store in a folder: `<dir>/<name>.json`, written atomically.
 *
 * @param dir - the folder (created on first write).
 * @returns the store.
 */
export function dirMetadataStore(dir: string): TrustedMetadataStore {
  const file = (name: string): string => {
    if (!/^[A-Za-z0-9._%~-]+$/.test(name)) throw new TypeError(`metadata store: bad name ${JSON.stringify(name)}`);
    return path.join(dir, `${name}.json`);
  };
  return {
    async read(name) {
      try {
        return readFileBoundedSync(file(name), STORE_MAX_BYTES, 'trusted metadata');
      } catch (e) {
        if (e instanceof InputError && e.code === 'INPUT_NOT_FOUND') return undefined;
        if (e instanceof InputError) throw new VerificationError('REPO_STATE_INVALID', e.message);
        throw e;
      }
    },
    async write(name, bytes) {
      await writeFileAtomic(file(name), bytes, { mode: 0o644 });
    },
    async remove(name) {
      await fs.rm(file(name), { force: true });
    },
  };
}

/**
 * A store in memory (an auditor's or exporter's run that starts from a root file).
 *
 * @param initial - name → bytes to start with.
 * @returns the store and its map.
 */
export function memoryMetadataStore(initial: Iterable<[string, Uint8Array]> = []): TrustedMetadataStore & { readonly files: Map<string, Uint8Array> } {
  const files = new Map(initial);
  return {
    files,
    async read(name) {
      return files.get(name);
    },
    async write(name, bytes) {
      files.set(name, Uint8Array.from(bytes));
    },
    async remove(name) {
      files.delete(name);
    },
  };
}

/**
 * Verified targets kept in `<dir>/targets/<quoted path>` (the client checks
 * a cached copy's hashes against the trusted metadata before using it).
 *
 * @param dir - the trusted metadata folder.
 * @returns the cache.
 */
export function dirTargetCache(dir: string): TargetCache {
  const file = (p: string): string => path.join(dir, 'targets', encodeURIComponent(p));
  return {
    async read(p) {
      try {
        return readFileBoundedSync(file(p), STORE_MAX_BYTES, 'cached target');
      } catch (e) {
        if (e instanceof InputError) return undefined; // absent or unreadable: fetch it again
        throw e;
      }
    },
    async write(p, bytes) {
      await writeFileAtomic(file(p), bytes, { mode: 0o644 });
    },
  };
}
