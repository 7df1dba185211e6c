/**
 * The build's one read of the index: settings from the environment, the file's
 * bytes, `verifyIndex` (DESIGN §8: "the build verifies the index first and
 * refuses to publish an invalid one"), and the catalog model — computed once
 * per build process and shared by every page.
 *
 * Node-only (reads the file system). Pages import {@link siteIndex}.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { buildCatalog, type CatalogModel } from './catalog.js';
import { writePluginApi } from './plugin-api.js';
import { writePluginPages } from './plugin-pages.js';
import { writeListingPages } from './listing-pages.js';
import { startSearchIndex } from './search-index.js';
import { SETTINGS_VARIABLES, readSiteSettings, type SiteSettings } from './settings.js';
import { verificationSummary, verifyCatalogIndex, type VerificationSummary } from './verification.js';
import { checkStoredManifests } from './manifest-check.js';
import { TrustedMetadataSet } from '../../../src/domain/repository/trusted-set.js';
import { repositoryTargets } from '../../../src/domain/repository/lattice.js';
import { sha256Hex } from '../../../src/crypto/sha256.js';
import { createEd25519NodeVerifier } from '../../../src/crypto/node.js';
import type { VerifiedIndex } from '../../../src/domain/index/verify.js';

/** Everything the pages need about the published index. */
export interface SiteIndex {
  readonly settings: SiteSettings;
  /** The index file's bytes, published unchanged as `/plugins.json`. */
  readonly bytes: Uint8Array;
  readonly verified: VerifiedIndex;
  /** What was verified, rendered into the pages and re-checked by the browser. */
  readonly summary: VerificationSummary;
  readonly model: CatalogModel;
  /** The build's reference time (ms): verification, and the relative times on plugin pages. */
  readonly builtAt: number;
  /** `id@version` of the releases whose stored manifest signature the build checked. */
  readonly manifestChecked: ReadonlySet<string>;
  /**
   * Repository v2 as the pages verify it (when LATTICE_SITE_REPOSITORY_ROOT is
   * set): the pinned root's SHA-256, and the SHA-256 of the target bytes the
   * repository must serve for this index's content — a page carries the
   * digests of its own targets, the browser checks the TUF chain down to them.
   */
  readonly repository?: { readonly rootSha256: string; targetSha256(path: string): string | undefined };
}

/** Thrown when the index fails verification: the build stops with its code. */
export class CatalogBuildError extends Error {
  /** The stable error code from verifyIndex (e.g. `INDEX_SIGNATURE_INVALID`). */
  readonly code: string;
  constructor(code: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.name = 'CatalogBuildError';
  }
}

/**
 * Read, verify and model the index named by `settings`.
 * @param settings - from {@link readSiteSettings}.
 * @param now - the build's reference time (ms).
 * @returns the verified index and its model.
 * @throws {CatalogBuildError} with the verification code when the file is
 *   unreadable (`INPUT_UNREADABLE`) or fails verification (an expired, tampered,
 *   untrusted or invalid index never becomes a catalog), and when a stored
 *   manifest is missing (`INPUT_NOT_FOUND`), differs from its release
 *   (`MANIFEST_INDEX_MISMATCH`) or is not signed by its publisher
 *   (`MANIFEST_SIGNATURE_INVALID`).
 */
export function loadSiteIndex(settings: SiteSettings, now: number, repoRootDir: string = repoRoot()): SiteIndex {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(settings.indexFile));
  } catch (e) {
    throw new CatalogBuildError('INPUT_UNREADABLE', `catalog build refused: cannot read the index ${settings.indexFile}: ${(e as Error).message}`, e);
  }
  const trust = { keys: settings.trustedKeys, threshold: settings.threshold };
  // OpenSSL's Ed25519 (the installer's default too): Go's verdict on every vector
  // (src/crypto/node.ts), without hashing the whole index in JavaScript.
  const r = verifyCatalogIndex(bytes, trust, now, true, createEd25519NodeVerifier());
  if (!r.ok) {
    throw new CatalogBuildError(r.code, `catalog build refused: ${settings.indexFile} failed verification: ${r.code}: ${r.message}`, r.error);
  }
  // Stored manifests: next to the index file, else in the repository's entry folder.
  const manifests = checkStoredManifests(r.verified, [path.dirname(settings.indexFile), path.join(repoRootDir, 'index')]);
  if (!manifests.ok) {
    throw new CatalogBuildError(manifests.failure.code, `catalog build refused: ${manifests.failure.code}: ${manifests.failure.message}`);
  }
  let repository: SiteIndex['repository'];
  if (settings.repositoryRoot !== undefined) {
    const root = TrustedMetadataSet.create(settings.repositoryRoot.bytes, { now });
    if (!root.ok) {
      throw new CatalogBuildError(root.error.code, `catalog build refused: LATTICE_SITE_REPOSITORY_ROOT ${settings.repositoryRoot.file} is not a valid root: ${root.error.message}`, root.error);
    }
    const index = r.verified.index;
    let digests: Map<string, string> | undefined;
    repository = {
      rootSha256: settings.repositoryRoot.sha256,
      targetSha256(p: string): string | undefined {
        // The same function the repository's publish uses, on the same content (computed once, on first use).
        digests ??= new Map(
          [
            ...repositoryTargets({
              publishers: index.publishers,
              plugins: index.plugins,
              ...(index.revocations ? { revocations: index.revocations } : {}),
              ...(index.server_versions !== undefined ? { serverVersions: index.server_versions } : {}),
            }),
          ].map(([k, b]) => [k, sha256Hex(b)]),
        );
        return digests.get(p);
      },
    };
  }
  return {
    settings,
    bytes,
    builtAt: now,
    ...(repository ? { repository } : {}),
    manifestChecked: manifests.checked,
    verified: r.verified,
    summary: verificationSummary(r.verified, trust, now),
    model: buildCatalog(r.verified, { indexUrl: new URL('plugins.json', settings.siteUrl).href }),
  };
}

// Found once by walking up; astro.config.mjs also records it in the environment.
const FOUND_REPO_ROOT = findRepoRoot();
function repoRoot(): string {
  return process.env.LATTICE_SITE_REPO_ROOT ?? FOUND_REPO_ROOT;
}
// The cache lives on globalThis, keyed by the settings, so the index is read
// and verified once per build process even if this module is instantiated
// twice. BUILD_STEP is how astro.config.mjs's `astro:build:done` hook reaches
// the verified index of this build to write /api/plugins/<id>.json.
const CACHE = Symbol.for('@latticenet/plugin-index/site-index');
const BUILD_STEP = Symbol.for('@latticenet/plugin-index/site-build');
const SITE_BASE = Symbol.for('@latticenet/plugin-index/site-base');
const SITE_STAGING = Symbol.for('@latticenet/plugin-index/site-staging');
type Cache = { key: string; value: SiteIndex };
const store = globalThis as unknown as Record<symbol, unknown>;

/**
 * The index of this build, loaded on first use from `process.env` settings.
 * @throws {CatalogBuildError} see {@link loadSiteIndex}; {@link InputError} for bad settings.
 */
export function siteIndex(): SiteIndex {
  // Every page asks; the raw variables are the cache key (parsed only on a miss).
  const root = repoRoot();
  const key = [root, ...SETTINGS_VARIABLES.map((v) => process.env[v] ?? '')].join('\u0000');
  const cached = store[CACHE] as Cache | undefined;
  if (cached !== undefined && cached.key === key) return cached.value;
  const value = loadSiteIndex(readSiteSettings(process.env, root), Date.now());
  store[CACHE] = { key, value } satisfies Cache;
  const base = (store[SITE_BASE] as string | undefined) ?? '/';
  store[BUILD_STEP] = {
    writePluginApi: (outDir: string) => writePluginApi(outDir, value),
    // The plugin pages, from the one template page the route rendered (plugin-pages.ts).
    writePluginPages: (outDir: string) => writePluginPages(outDir, value, base),
    // The listing pages, from the listing route's template page (listing-pages.ts).
    writeListingPages: (outDir: string) => writeListingPages(outDir, value, base),
    // Started now: Pagefind indexes and writes in its own process while Astro renders the pages.
    // The base path and the staging directory come from astro.config.mjs (its astro:config:done hook).
    searchIndex: startSearchIndex(
      value.model,
      base,
      (store[SITE_STAGING] as string | undefined) ?? path.join(tmpdir(), 'lattice-site-search-staging'),
    ),
  };
  return value;
}

// The bundled module runs from a build chunk, so walk up to the directory
// holding package.json + index/ rather than trusting a fixed relative path.
function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 12; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === '@latticenet/plugin-index') return dir;
    } catch {
      // keep walking
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return process.cwd();
}
