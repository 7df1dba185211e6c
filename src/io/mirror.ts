/**
 * `lattice-index mirror`: an incremental, verified copy of a repository v2
 * into a folder any static host can serve. A mirror never signs anything:
 * it copies the repository's own files after verifying every one of them
 * with the client workflow (`auditRepository`), from a pinned root.
 *
 * - Immutable files (versioned metadata `N.*.json`, hash-named targets) that
 *   the mirror already holds are read from its folder — and verified again —
 *   instead of fetched: only new versions and new hashes travel.
 * - `timestamp.json` is always fetched.
 * - The mirror keeps its own trusted metadata in `<to>/.lattice-mirror/`
 *   (pinned to the first root it was given): an upstream that serves older
 *   metadata than the mirror already has is refused (`REPO_ROLLBACK`) and
 *   the mirror's files stay as they were.
 * - Writes go targets first, then versioned metadata, `timestamp.json` last,
 *   so a host serving the folder mid-copy never points at a missing file.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PolicyError, VerificationError } from '../core/errors.js';
import { REPO_ROOT_MAX_BYTES } from '../core/limits.js';
import { auditRepository, type AuditReport } from '../domain/repository/audit.js';
import { quoteRoleName, type RepositoryTransport } from '../domain/repository/client.js';
import { openPinnedClient } from '../domain/repository/install-source.js';
import { readFileBoundedSync, writeFileAtomic } from './files.js';
import { dirMetadataStore } from './repository-transport.js';
import { nodeTufVerifier } from './tuf-verifier.js';

/** Options of {@link mirrorRepository}. */
export interface MirrorOptions {
  /** The upstream transport. */
  upstream: RepositoryTransport;
  /** The mirror folder. */
  to: string;
  /** The pinned root (first run) — later runs check the folder started from it. */
  root: Uint8Array;
  now: number;
}

/** What a mirror run did. */
export interface MirrorReport {
  audit: AuditReport;
  /** Files fetched from upstream (new). */
  fetched: number;
  /** Files already in the mirror (reused after verification). */
  reused: number;
  /** Files written. */
  written: string[];
}

/**
 * Copy and verify (module comment).
 *
 * @param o - upstream, folder, pinned root, clock.
 * @returns the report, or the first coded failure (nothing written then).
 */
export async function mirrorRepository(o: MirrorOptions): Promise<{ ok: true; report: MirrorReport } | { ok: false; error: VerificationError | PolicyError }> {
  const fetched = new Map<string, Uint8Array>(); // 'metadata/x' | 'targets/x' → bytes
  let reused = 0;
  const local = (rel: string, max: number): Uint8Array | undefined => {
    const abs = path.join(o.to, rel);
    if (!existsSync(abs)) return undefined;
    try {
      return readFileBoundedSync(abs, max);
    } catch {
      return undefined; // unreadable local copy: fetch it again
    }
  };
  const transport: RepositoryTransport = {
    async fetchMetadata(name, max) {
      if (name !== 'timestamp.json') {
        const have = local(`metadata/${name}`, max);
        if (have !== undefined) {
          reused++;
          return have;
        }
      }
      const bytes = await o.upstream.fetchMetadata(name, max);
      fetched.set(`metadata/${name}`, bytes);
      return bytes;
    },
    async fetchTarget(p, max) {
      const have = local(`targets/${p}`, max);
      if (have !== undefined) {
        reused++;
        return have;
      }
      const bytes = await o.upstream.fetchTarget(p, max);
      fetched.set(`targets/${p}`, bytes);
      return bytes;
    },
  };
  const opened = await openPinnedClient({
    transport,
    store: dirMetadataStore(path.join(o.to, '.lattice-mirror')),
    now: o.now,
    verifier: nodeTufVerifier,
    pin: { kind: 'file', bytes: o.root, label: 'root' },
  });
  if (!opened.ok) return opened;
  const audit = await auditRepository(opened.value);
  if (!audit.ok) return audit;
  // The whole root chain from 1, so clients pinned to any version can follow it.
  for (let v = 1; v <= audit.report.rootVersion; v++) {
    const rel = `metadata/${v}.root.json`;
    if (fetched.has(rel) || existsSync(path.join(o.to, rel))) continue;
    if (v === rootVersionOf(o.root)) {
      fetched.set(rel, o.root);
      continue;
    }
    try {
      fetched.set(rel, await o.upstream.fetchMetadata(`${v}.root.json`, REPO_ROOT_MAX_BYTES));
    } catch (e) {
      if (e instanceof VerificationError || e instanceof PolicyError) return { ok: false, error: e };
      throw e;
    }
  }
  // Every file of the verified state is in the mirror: one the client took from its own store
  // (unchanged since the last run) but missing from the folder is written from the verified bytes.
  const set = opened.value.trusted;
  const ensure = (rel: string, bytes: Uint8Array): void => {
    if (!fetched.has(rel) && !existsSync(path.join(o.to, rel))) fetched.set(rel, bytes);
  };
  ensure(`metadata/${set.snapshot!.signed.version}.snapshot.json`, set.snapshot!.bytes);
  for (const [role, md] of set.targetsRoles()) ensure(`metadata/${md.signed.version}.${quoteRoleName(role)}.json`, md.bytes);
  ensure('metadata/timestamp.json', set.timestamp!.bytes);
  const order = (rel: string): number => (rel.startsWith('targets/') ? 0 : rel === 'metadata/timestamp.json' ? 3 : /\.snapshot\.json$/.test(rel) ? 2 : 1);
  const written: string[] = [];
  for (const rel of [...fetched.keys()].sort((a, b) => order(a) - order(b) || (a < b ? -1 : 1))) {
    await writeFileAtomic(path.join(o.to, rel), fetched.get(rel)!);
    written.push(rel);
  }
  return { ok: true, report: { audit: audit.report, fetched: fetched.size, reused, written } };
}

function rootVersionOf(bytes: Uint8Array): number {
  try {
    const v = (JSON.parse(new TextDecoder().decode(bytes)) as { signed?: { version?: unknown } }).signed?.version;
    return typeof v === 'number' ? v : 0;
  } catch {
    return 0;
  }
}
