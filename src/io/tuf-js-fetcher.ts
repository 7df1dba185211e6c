/**
 * tuf-js's `Fetcher` on the project's capped HTTPS fetcher, so tuf-js's own
 * `Updater` runs with the same transport rules as `install` (HTTPS only,
 * address checks after DNS, redirects, timeouts, byte caps while
 * streaming). tuf-js passes the cap (`maxLength`) of every download; it is
 * handed to the fetcher as its byte cap. A 403/404/410 (`FETCH_NOT_FOUND`)
 * becomes tuf-js's `DownloadHTTPError`, which its Updater reads as "no newer
 * root"; every other failure is passed on as the coded error.
 *
 * The project's own client is `src/domain/repository/client.ts`; this
 * adapter lets the test suite run tuf-js over the same fetcher against the
 * same repositories (the peer), and lets a library user choose tuf-js.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Fetcher } from 'tuf-js';
// tuf-js's Updater recognises "not found" only by this class, which its index does not export.
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { LatticeIndexError } from '../core/errors.js';
import type { InstallFetcher } from '../domain/install/transport.js';
import { fetchBytes } from './fetch.js';

/**
 * A tuf-js `Fetcher` on an {@link InstallFetcher}.
 *
 * @param fetcher - the capped fetcher.
 * @returns the tuf-js fetcher.
 * @example
 * ```ts
 * new Updater({ metadataDir, metadataBaseUrl, fetcher: createTufJsFetcher(createHttpsFetcher(options)) });
 * ```
 */
export function createTufJsFetcher(fetcher: InstallFetcher): Fetcher {
  const download = async (url: string, maxLength: number): Promise<Buffer> => {
    try {
      return Buffer.from(await fetchBytes(fetcher, url, { maxBytes: maxLength, purpose: url.includes('/targets/') ? 'target' : 'metadata' }));
    } catch (e) {
      if (e instanceof LatticeIndexError && e.code === 'FETCH_NOT_FOUND') {
        const status = (e.detail as { status?: number } | undefined)?.status ?? 404;
        throw new DownloadHTTPError(e.message, status);
      }
      throw e;
    }
  };
  return {
    downloadBytes: download,
    async downloadFile<T>(url: string, maxLength: number, handler: (file: string) => Promise<T>): Promise<T> {
      const bytes = await download(url, maxLength);
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lattice-tufjs-'));
      try {
        const file = path.join(dir, 'download');
        await fs.writeFile(file, bytes, { mode: 0o600 });
        return await handler(file);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    },
  };
}
