/**
 * Build settings of the catalog, read from the environment once per build:
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `LATTICE_INDEX_FILE` | the built index to publish | `index/plugins.json` |
 * | `LATTICE_INDEX_KEYS` | trusted index keys, comma-separated canonical base64 | none (only an unsigned draft builds) |
 * | `LATTICE_INDEX_THRESHOLD` | distinct trusted keys that must sign | `1` |
 * | `LATTICE_SITE_URL` | absolute URL the site is served from (feed links) | `http://127.0.0.1:4321/` |
 * | `LATTICE_SITE_REPOSITORY_ROOT` | the repository v2 root the site serves under `/repository/` (its `1.root.json`, the pinned one): plugin and publisher pages then verify their targets through TUF in the browser | none: every page verifies `/plugins.json` (v1) |
 *
 * Node-only (the build reads it; the browser gets the verified result).
 * A malformed setting stops the build (fail closed): a typo in a key must not
 * quietly publish an unverified catalog.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../../../src/crypto/sha256.js';
import { InputError } from '../../../src/core/errors.js';
import { decodeCanonicalBase64 } from '../../../src/core/base64.js';

/** The settings of one catalog build. */
export interface SiteSettings {
  /** Absolute path of the index file. */
  readonly indexFile: string;
  /** Trusted index keys (canonical base64, distinct, in the order given). */
  readonly trustedKeys: readonly string[];
  /** Distinct trusted keys that must sign; 1 … trustedKeys.length (1 when there are none). */
  readonly threshold: number;
  /** Absolute site URL ending in `/`. */
  readonly siteUrl: string;
  /** The pinned repository v2 root, when the site serves the repository. */
  readonly repositoryRoot?: { readonly file: string; readonly bytes: Uint8Array; readonly sha256: string };
}

/** The environment variables {@link readSiteSettings} reads. */
export const SETTINGS_VARIABLES = Object.freeze(['LATTICE_INDEX_FILE', 'LATTICE_INDEX_KEYS', 'LATTICE_INDEX_THRESHOLD', 'LATTICE_SITE_URL', 'LATTICE_SITE_REPOSITORY_ROOT'] as const);

/** Default site URL: where `npm start` serves the catalog. */
export const DEFAULT_SITE_URL = 'http://127.0.0.1:4321/';

/**
 * Read and check the settings.
 * @param env - the environment (normally `process.env`).
 * @param repoRoot - absolute path of the repository; relative paths resolve against it.
 * @returns the settings.
 * @throws {InputError} `INPUT_INVALID` for a key that is not canonical base64 of
 *   32 bytes, a key given twice, a threshold outside 1 … number of keys, or a
 *   site URL that is not absolute http(s); `INPUT_NOT_FOUND` / `INPUT_UNREADABLE`
 *   for a repository root file that cannot be read.
 * @example readSiteSettings({ LATTICE_INDEX_KEYS: 'AAAA…=' }, '/repo')
 */
export function readSiteSettings(env: Record<string, string | undefined>, repoRoot: string): SiteSettings {
  const file = nonEmpty(env.LATTICE_INDEX_FILE) ?? 'index/plugins.json';
  const indexFile = path.resolve(repoRoot, file);

  const trustedKeys: string[] = [];
  for (const raw of (nonEmpty(env.LATTICE_INDEX_KEYS) ?? '').split(',')) {
    const key = raw.trim();
    if (key === '') continue;
    if (decodeCanonicalBase64(key, 32) === null) {
      throw new InputError('INPUT_INVALID', `LATTICE_INDEX_KEYS: expected canonical padded base64 of a 32-byte Ed25519 public key, found ${JSON.stringify(key.slice(0, 60))}`);
    }
    if (trustedKeys.includes(key)) throw new InputError('INPUT_INVALID', `LATTICE_INDEX_KEYS: key ${key} is given twice`);
    trustedKeys.push(key);
  }

  let threshold = 1;
  const t = nonEmpty(env.LATTICE_INDEX_THRESHOLD);
  if (t !== undefined) {
    if (!/^[1-9][0-9]{0,5}$/.test(t)) throw new InputError('INPUT_INVALID', `LATTICE_INDEX_THRESHOLD: expected an integer of at least 1, found ${JSON.stringify(t)}`);
    threshold = Number(t);
    if (threshold > Math.max(1, trustedKeys.length)) {
      throw new InputError('INPUT_INVALID', `LATTICE_INDEX_THRESHOLD ${threshold} exceeds the ${trustedKeys.length} trusted key(s) in LATTICE_INDEX_KEYS`);
    }
  }

  const siteUrl = nonEmpty(env.LATTICE_SITE_URL) ?? DEFAULT_SITE_URL;
  let parsed: URL;
  try {
    parsed = new URL(siteUrl);
  } catch {
    throw new InputError('INPUT_INVALID', `LATTICE_SITE_URL: not an absolute URL: ${JSON.stringify(siteUrl)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new InputError('INPUT_INVALID', `LATTICE_SITE_URL: expected an http(s) URL, found ${JSON.stringify(siteUrl)}`);
  }
  if (parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '') {
    throw new InputError('INPUT_INVALID', `LATTICE_SITE_URL: must not carry credentials, a query or a fragment`);
  }
  const href = parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`;

  let repositoryRoot: SiteSettings['repositoryRoot'];
  const root = nonEmpty(env.LATTICE_SITE_REPOSITORY_ROOT);
  if (root !== undefined) {
    const file = path.resolve(repoRoot, root);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'INPUT_NOT_FOUND' : 'INPUT_UNREADABLE';
      throw new InputError(code, `LATTICE_SITE_REPOSITORY_ROOT: expected the repository's pinned 1.root.json, cannot read ${file}: ${(e as Error).message}`);
    }
    repositoryRoot = Object.freeze({ file, bytes, sha256: sha256Hex(bytes) });
  }
  return Object.freeze({ indexFile, trustedKeys: Object.freeze(trustedKeys), threshold, siteUrl: href, ...(repositoryRoot ? { repositoryRoot } : {}) });
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}
