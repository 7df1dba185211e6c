/**
 * Build settings of the catalog, read from the environment once per build:
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `LATTICE_INDEX_FILE` | the built index to publish | `index/plugins.json` |
 * | `LATTICE_INDEX_KEYS` | trusted index keys, comma-separated canonical base64 | none (only an unsigned draft builds) |
 * | `LATTICE_INDEX_THRESHOLD` | distinct trusted keys that must sign | `1` |
 * | `LATTICE_SITE_URL` | absolute URL the site is served from (feed links) | `http://127.0.0.1:4321/` |
 *
 * Node-only (the build reads it; the browser gets the verified result).
 * A malformed setting stops the build (fail closed): a typo in a key must not
 * quietly publish an unverified catalog.
 *
 * @module
 */
import path from 'node:path';
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
}

/** The environment variables {@link readSiteSettings} reads. */
export const SETTINGS_VARIABLES = Object.freeze(['LATTICE_INDEX_FILE', 'LATTICE_INDEX_KEYS', 'LATTICE_INDEX_THRESHOLD', 'LATTICE_SITE_URL'] as const);

/** Default site URL: where `npm start` serves the catalog. */
export const DEFAULT_SITE_URL = 'http://127.0.0.1:4321/';

/**
 * Read and check the settings.
 * @param env - the environment (normally `process.env`).
 * @param repoRoot - absolute path of the repository; relative paths resolve against it.
 * @returns the settings.
 * @throws {InputError} `INPUT_INVALID` for a key that is not canonical base64 of
 *   32 bytes, a key given twice, a threshold outside 1 … number of keys, or a
 *   site URL that is not absolute http(s).
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
  return Object.freeze({ indexFile, trustedKeys: Object.freeze(trustedKeys), threshold, siteUrl: href });
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}
