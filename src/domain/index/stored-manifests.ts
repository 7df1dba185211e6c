/**
 * Stored manifests and the loadability matrix in `build` (DESIGN §2, §4.5;
 * docs/FORMAT.md "Stored manifests", docs/SERVER-VERSIONS.md).
 *
 * The publisher-signed manifest of a release is kept in the repository at
 * `index/manifests/<plugin-id>/<version>.json` (exact bytes). When the index
 * is assembled, every release whose manifest is stored gets
 * - `stored_manifest`: that path relative to the index document;
 * - `loads_on`: the known server versions that decode and validate the
 *   stored manifest as the server would ({@link manifestLoadability});
 * and the index gets `server_versions`, the versions the matrix was computed
 * for. The server's exact error text for each version that does not load a
 * manifest goes into the **report**, not into the signed index.
 *
 * Checks, each a located problem (build refuses, pr-check reports them):
 * | code | rule |
 * |---|---|
 * | `ENTRY_GENERATED_MEMBER` | an entry file sets `stored_manifest` or `loads_on` (build derives them) |
 * | `STORED_MANIFEST_SHA256_MISMATCH` | the entry's `manifest_sha256` is not the SHA-256 of the stored bytes |
 * | `STORED_MANIFEST_UNREADABLE` | no known server version decodes the stored manifest |
 * | `STORED_MANIFEST_MISMATCH` | the stored manifest differs from its entry (id, publisher, type, version, capabilities, digest, signature bytes) |
 * | `STORED_MANIFEST_ORPHAN` | a file below `manifests/` names no release of the index, or is not `manifests/<id>/<version>.json` |
 *
 * The publisher signature itself is verified by pr-check when the manifest
 * is stored (it is immutable afterwards and its SHA-256 is signed into the
 * index) and by every install; here it is checked only where it decides the
 * matrix — when versions compute different signing payloads (see
 * `manifest/loadability.ts`).
 *
 * Pure and deterministic.
 *
 * @module
 */
import { locatePointer } from '../../core/json/locate.js';
import type { JSONValue } from '../../core/json/types.js';
import { STORED_MANIFEST_DIR, storedManifestPath } from '../../core/index/stored-manifest.js';
import type { IndexPublisher } from '../../core/index/types.js';
import { SERVER_VERSIONS, serverRules } from '../../core/server-line.js';
import { createSha256 } from '../../crypto/index.js';
import { checkReleaseAgainstManifest, type ConsistencyPlugin, type ConsistencyRelease } from '../manifest/consistency.js';
import { decodeWithAnyVersion, manifestLoadability, verdictError } from '../manifest/loadability.js';
import type { Manifest } from '../manifest/model.js';
import type { EntryFile, EntryProblem } from './assemble.js';
import { publisherKeyForRelease } from './rotation.js';

/** The `schema` of the report `build --report` writes. */
export const LOADABILITY_REPORT_SCHEMA = 'lattice.plugin.loadability-report.v1';

/** One stored manifest file. */
export interface StoredManifestFile {
  /** Path shown to people (relative to the repository root). */
  path: string;
  /** The exact bytes. */
  bytes: Uint8Array;
}

/** Stored manifests keyed by their path relative to the index directory (`manifests/<id>/<version>.json`). */
export type StoredManifests = ReadonlyMap<string, StoredManifestFile>;

/** The verdict of one version on one stored manifest, as the report writes it. */
export interface LoadabilityReportVerdict {
  version: string;
  loads: boolean;
  /** The server's exact error text (decode, validation, or `invalid signature`); null when it loads. */
  error: string | null;
}

/** One release of the report. */
export interface LoadabilityReportRelease {
  plugin: string;
  version: string;
  channel: string;
  stored_manifest: string;
  manifest_sha256: string;
  loads_on: string[];
  verdicts: LoadabilityReportVerdict[];
}

/** Options of {@link applyStoredManifests}. */
export interface ApplyStoredManifestsOptions {
  /** Compute `loads_on` (default true). Without it only `stored_manifest` is set and checked. */
  matrix?: boolean;
  /** The versions to judge (default every known version, registry order). */
  serverVersions?: readonly string[];
}

/** Result of {@link applyStoredManifests}. */
export interface ApplyStoredManifestsResult {
  /** The plugin entries with `stored_manifest` / `loads_on` added (copies; the inputs are untouched). */
  plugins: JSONValue[];
  /** The index-level `server_versions`, when any release got a matrix. */
  serverVersions?: string[];
  problems: EntryProblem[];
  /** Per release with a stored manifest, every version's verdict (the report; not signed). */
  report: LoadabilityReportRelease[];
}

type Obj = Record<string, JSONValue>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Whether a path below the index directory is one a stored manifest may have. */
const STORED_PATH_RE = new RegExp(`^${STORED_MANIFEST_DIR}/[^/]+/[^/]+\\.json$`);

/**
 * Add `stored_manifest` and the loadability matrix to the plugin entries, and check the stored files.
 *
 * @param plugins - the plugin entry files (sorted as the index lists them).
 * @param publishers - the publisher entry files (for the key that decides payload-dependent signatures).
 * @param manifests - the stored manifests, keyed by `manifests/<id>/<version>.json`.
 * @param opts - matrix on/off, versions.
 * @returns the augmented plugin values, the index-level versions, located problems and the report.
 * @example
 * const r = applyStoredManifests(plugins, publishers, manifests, {});
 */
export function applyStoredManifests(
  plugins: readonly EntryFile[],
  publishers: readonly EntryFile[],
  manifests: StoredManifests,
  opts: ApplyStoredManifestsOptions = {},
): ApplyStoredManifestsResult {
  const matrix = opts.matrix !== false;
  const versions = opts.serverVersions ?? SERVER_VERSIONS;
  const problems: EntryProblem[] = [];
  const report: LoadabilityReportRelease[] = [];
  const used = new Set<string>();
  const publisherById = new Map<string, IndexPublisher>();
  for (const f of publishers) {
    if (isObj(f.value) && typeof f.value.id === 'string') publisherById.set(f.value.id, f.value as unknown as IndexPublisher);
  }
  const problem = (f: EntryFile, pointer: string, code: string, message: string): void => {
    const pos = locatePointer(f.text, pointer);
    problems.push({ file: f.path, ...(pos ? { line: pos.line, column: pos.column } : {}), instancePath: pointer, code, message });
  };

  let anyMatrix = false;
  const out: JSONValue[] = plugins.map((f) => {
    const plugin = f.value;
    if (!isObj(plugin) || !Array.isArray(plugin.releases)) return plugin;
    const id = plugin.id;
    let changed = false;
    const releases = plugin.releases.map((release, j) => {
      if (!isObj(release)) return release;
      for (const member of ['stored_manifest', 'loads_on'] as const) {
        if (member in release) {
          problem(f, `/releases/${j}/${member}`, 'ENTRY_GENERATED_MEMBER',
            `${member} is set by \`lattice-index build\` from index/${STORED_MANIFEST_DIR}/; remove it from the entry file (store the signed manifest with \`lattice-index add\`)`);
        }
      }
      if (typeof id !== 'string' || typeof release.version !== 'string') return release;
      const key = storedManifestPath(id, release.version);
      const stored = manifests.get(key);
      if (stored === undefined) return release;
      used.add(key);
      changed = true;
      // The streaming digest takes Node's native hash when the runtime has one (tested equal to noble's).
      const hash = createSha256();
      hash.update(stored.bytes);
      const sha = hash.digestHex();
      const declared = release.manifest_sha256;
      if (typeof declared === 'string' && declared !== sha) {
        problem(f, `/releases/${j}/manifest_sha256`, 'STORED_MANIFEST_SHA256_MISMATCH',
          `release ${release.version} manifest_sha256 is ${declared}, but ${stored.path} has SHA-256 ${sha}; a stored manifest is the exact bytes of the signed manifest`);
      }
      const publisher = typeof plugin.publisher === 'string' ? publisherById.get(plugin.publisher) : undefined;
      let key32: Uint8Array | undefined;
      try {
        key32 = publisher !== undefined ? publisherKeyForRelease(publisher, release as { published_at?: string }) : undefined;
      } catch {
        key32 = undefined; // a malformed publisher entry: the validator reports it
      }
      // Without the matrix: the stored manifest must still be readable and equal to its entry.
      const m = matrix
        ? manifestLoadability(stored.bytes, { versions, payloads: false, ...(key32 !== undefined && key32.length === 32 ? { publicKey: key32 } : {}) })
        : undefined;
      let decoded: Manifest | null;
      let unreadable: string | undefined;
      if (m !== undefined) {
        decoded = m.manifest;
        const last = m.verdicts[m.verdicts.length - 1];
        unreadable = last !== undefined ? (verdictError(last) ?? undefined) : 'no version asked';
      } else {
        const any = decodeWithAnyVersion(stored.bytes);
        decoded = any.ok ? any.manifest : null;
        unreadable = any.ok ? undefined : any.message;
      }
      if (decoded === null) {
        problem(f, `/releases/${j}`, 'STORED_MANIFEST_UNREADABLE',
          `${stored.path} decodes on no known server version (${unreadable ?? 'no version asked'}); it cannot be checked against release ${release.version}`);
      } else {
        const consistency = checkReleaseAgainstManifest(plugin as unknown as ConsistencyPlugin, release as unknown as ConsistencyRelease, decoded, { releaseIndex: j });
        for (const c of consistency) problem(f, c.instancePath, 'STORED_MANIFEST_MISMATCH', `${stored.path}: ${c.message}`);
      }
      const next: Obj = { ...release, stored_manifest: key };
      if (m !== undefined) {
        next.loads_on = [...m.loadsOn];
        anyMatrix = true;
        report.push({
          plugin: id,
          version: release.version,
          channel: typeof release.channel === 'string' ? release.channel : '',
          stored_manifest: key,
          manifest_sha256: sha,
          loads_on: [...m.loadsOn],
          verdicts: m.verdicts.map((v) => ({ version: v.version, loads: v.loads, error: verdictError(v) })),
        });
      }
      return next;
    });
    return changed ? { ...plugin, releases } : plugin;
  });

  for (const [key, file] of [...manifests].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (used.has(key)) continue;
    problems.push({
      file: file.path,
      instancePath: '',
      code: 'STORED_MANIFEST_ORPHAN',
      message: STORED_PATH_RE.test(key)
        ? `${file.path} names no release of the index: a stored manifest is ${STORED_MANIFEST_DIR}/<plugin id>/<version>.json of a listed release`
        : `${file.path} is not in the layout ${STORED_MANIFEST_DIR}/<plugin id>/<version>.json`,
    });
  }
  return { plugins: out, ...(anyMatrix ? { serverVersions: versions.map((v) => serverRules(v).version) } : {}), problems, report };
}
