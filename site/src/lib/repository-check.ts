/**
 * Repository v2 in the visitor's browser (issue 14 item 1): the library's own
 * TUF client ({@link openPinnedClient} / RepositoryClient, the code behind
 * `install --repo`) from the root pinned at build, down to the targets THIS
 * page shows — timestamp → snapshot → targets → the bin(s) → the target — and
 * a comparison of each target's verified SHA-256 with the digest the build
 * rendered the page from (`INDEX_CHANGED` when they differ). A plugin page
 * fetches kilobytes, whatever the catalog's size.
 *
 * The trusted metadata is the client's rollback state between visits: the
 * page script keeps it in localStorage and hands it in ({@link stored}); the
 * writes the client made come back ({@link RepositoryCheck.writes}) so that a
 * later visit refuses older metadata (`REPO_ROLLBACK`) — and a store begun
 * from another root is refused (`REPO_ROOT_PIN`).
 *
 * Browser-safe: no `node:` imports (tuf-js's updater is not; this is not it).
 *
 * @module
 */
import { VerificationError } from '../../../src/core/errors.js';
import { REPO_ENTRY_TARGET_MAX_BYTES } from '../../../src/core/limits.js';
import { sha256Hex } from '../../../src/crypto/sha256.js';
import type { TrustedMetadataStore, RepositoryTransport } from '../../../src/domain/repository/client.js';
import { openPinnedClient } from '../../../src/domain/repository/install-source.js';

/** What the build embedded for this page (`#lattice-repository`). */
export interface RepositoryPageData {
  /** SHA-256 of the pinned `1.root.json`. */
  readonly rootSha256: string;
  /** This page's targets and the digest the build expects for each (none: the catalog checks the chain, then the signed index). */
  readonly targets: readonly { readonly path: string; readonly sha256: string }[];
}

/** The verdict of a v2 check. */
export type RepositoryVerdict =
  | {
      readonly ok: true;
      readonly kind: 'v2';
      readonly headline: string;
      readonly rootVersion: number;
      readonly timestampVersion: number;
      readonly snapshotVersion: number;
      readonly expires: string;
      readonly targets: readonly { readonly path: string; readonly sha256: string; readonly role: string }[];
      /** Bytes fetched over the network in this check. */
      readonly bytesFetched: number;
    }
  | { readonly ok: false; readonly kind: 'v2'; readonly code: string; readonly headline: string; readonly message: string };

/** A v2 check's verdict and the store changes to keep (name → bytes, or null to remove). */
export interface RepositoryCheck {
  readonly verdict: RepositoryVerdict;
  readonly writes: ReadonlyMap<string, Uint8Array | null>;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Parse the embedded page data (hostile-tolerant: `null` when malformed).
 * @param text - the JSON text of `#lattice-repository`.
 */
export function parseRepositoryPageData(text: string): RepositoryPageData | null {
  try {
    const v = JSON.parse(text) as RepositoryPageData;
    if (v === null || typeof v !== 'object' || typeof v.rootSha256 !== 'string' || !HEX64.test(v.rootSha256)) return null;
    if (!Array.isArray(v.targets)) return null;
    if (!v.targets.every((t) => t !== null && typeof t === 'object' && typeof t.path === 'string' && typeof t.sha256 === 'string')) return null;
    return v;
  } catch {
    return null;
  }
}

/** Fetches one file: the bytes, or `null` when the server says it is not there (403/404/410). */
export type FetchBytes = (url: string, maxBytes: number) => Promise<Uint8Array | null>;

/**
 * Check this page's targets through the TUF chain.
 * @param o.repositoryUrl - absolute URL of the repository (ends in `/`; `metadata/` and `targets/` below it).
 * @param o.page - the embedded page data.
 * @param o.stored - the trusted metadata kept from earlier visits.
 * @param o.fetchBytes - the network.
 * @param o.now - the browser's clock (ms).
 * @returns the verdict and the store writes; never throws for hostile data.
 */
export async function checkRepositoryTargets(o: {
  repositoryUrl: string;
  page: RepositoryPageData;
  stored: ReadonlyMap<string, Uint8Array>;
  fetchBytes: FetchBytes;
  now: number;
}): Promise<RepositoryCheck> {
  const writes = new Map<string, Uint8Array | null>();
  const fail = (code: string, message: string): RepositoryCheck => ({ verdict: { ok: false, kind: 'v2', code, headline: 'Verification failed', message }, writes });
  let bytesFetched = 0;
  const get = async (url: string, maxBytes: number): Promise<Uint8Array> => {
    const b = await o.fetchBytes(url, maxBytes);
    if (b === null) throw new VerificationError('FETCH_NOT_FOUND', `${url}: not there`);
    if (b.length > maxBytes) throw new VerificationError('FETCH_TOO_LARGE', `${url} is ${b.length} bytes, above the cap of ${maxBytes}`);
    bytesFetched += b.length;
    return b;
  };
  const transport: RepositoryTransport = {
    fetchMetadata: (name, maxBytes) => get(`${o.repositoryUrl}metadata/${name}`, maxBytes),
    fetchTarget: (path, maxBytes) => get(`${o.repositoryUrl}targets/${path}`, maxBytes),
  };
  const store: TrustedMetadataStore = {
    read: async (name) => (writes.has(name) ? (writes.get(name) ?? undefined) : o.stored.get(name)),
    write: async (name, bytes) => void writes.set(name, bytes),
    remove: async (name) => void writes.set(name, null),
  };
  try {
    const opened = await openPinnedClient({ transport, store, now: o.now, pin: { kind: 'sha256', sha256: o.page.rootSha256 } });
    if (!opened.ok) return fail(opened.error.code, opened.error.message);
    const client = opened.value;
    const refreshed = await client.refresh();
    if (!refreshed.ok) return fail(refreshed.error.code, refreshed.error.message);
    const targets: { path: string; sha256: string; role: string }[] = [];
    for (const t of o.page.targets) {
      const found = await client.findTarget(t.path);
      if (!found.ok) return fail(found.error.code, found.error.message);
      if (found.value === undefined) return fail('REPO_TARGET_NOT_FOUND', `no role of the repository lists ${t.path}, which this page shows`);
      const bytes = await client.fetchTarget(t.path, found.value.info, REPO_ENTRY_TARGET_MAX_BYTES);
      if (!bytes.ok) return fail(bytes.error.code, bytes.error.message);
      const sha = sha256Hex(bytes.value);
      if (sha !== t.sha256) {
        return fail('INDEX_CHANGED', `the repository's ${t.path} (SHA-256 ${sha.slice(0, 16)}…, checked through the signed chain) is not what this page was built from (SHA-256 ${t.sha256.slice(0, 16) || 'none'}…)`);
      }
      targets.push({ path: t.path, sha256: sha, role: found.value.role });
    }
    const s = refreshed.value;
    return {
      verdict: {
        ok: true,
        kind: 'v2',
        headline: 'Repository v2 chain verified in your browser',
        rootVersion: s.rootVersion,
        timestampVersion: s.timestampVersion,
        snapshotVersion: s.snapshotVersion,
        expires: s.expires,
        targets,
        bytesFetched,
      },
      writes,
    };
  } catch (e) {
    // The store above never throws; anything else is a bug, reported, not a pass.
    return fail('FETCH_FAILED', `the repository check stopped: ${e instanceof Error ? e.message : String(e)}`);
  }
}
