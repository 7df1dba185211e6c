/**
 * Test indexes for the catalog: the repository's demo entries assembled by
 * the project's own builder, with a revocation list that exercises the
 * catalog (a revoked alpha release of demo.hello, a revoked artifact digest
 * of demo.counter), signed by a key made for the test run.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, symlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { assembleIndex, serializeIndex } from '../../src/domain/index/assemble.js';
import { signIndex } from '../../src/domain/index/sign.js';
import { loadIndexSources } from '../../src/io/index-sources.js';
import { encodeBase64 } from '../../src/core/base64.js';
import { keyId, publicKeyFromSeed } from '../../src/crypto/index.js';
import { verifyIndex } from '../../src/domain/index/verify.js';
import { buildCatalog, type CatalogModel } from '../../site/src/lib/catalog.js';
// @ts-expect-error — plain ESM script without type declarations
import { syntheticIndex } from '../../bench/synthetic-index.mjs';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SITE_ROOT = path.join(REPO_ROOT, 'site');
export const ASTRO_BIN = path.join(REPO_ROOT, 'node_modules/astro/astro.js');

/**
 * Revocations added to the demo entries (valid per docs/FORMAT.md): the alpha
 * release of demo.hello, and the artifact digest of demo.counter's current
 * release (read from the entry, so the fixture follows the demo files).
 */
export function testRevocations(doc: Record<string, unknown>): Record<string, unknown> {
  return {
    releases: [{ plugin: 'demo.hello', version: '1.1.0-alpha.1', reason: 'test: broken alpha build', revoked_at: '2026-11-05T00:00:00Z' }],
    artifacts: [{ sha256: demoRelease(doc, 'demo.counter').artifact_sha256, reason: 'test: artifact replaced upstream', revoked_at: '2026-11-06T00:00:00Z' }],
    keys: [],
  };
}

/** A release of a demo plugin (default: the stable channel's). */
export function demoRelease(doc: Record<string, unknown>, pluginId: string, version?: string): { version: string; artifact_sha256: string } {
  const plugins = doc.plugins as { id: string; channels: { stable?: string }; releases: { version: string; artifact_sha256: string }[] }[];
  const plugin = plugins.find((p) => p.id === pluginId);
  if (!plugin) throw new Error(`demo plugin ${pluginId} is missing from index/plugins/`);
  const want = version ?? plugin.channels.stable;
  const release = plugin.releases.find((r) => r.version === want);
  if (!release) throw new Error(`demo plugin ${pluginId} has no release ${want}`);
  return release;
}

/** The demo entries as an index document (draft, optional expiry and test revocations). */
export async function demoIndexDocument(now: number, opts: { expiresInDays?: number; revocations?: boolean } = {}): Promise<Record<string, unknown>> {
  const { sources, problems } = await loadIndexSources(path.join(REPO_ROOT, 'index'), REPO_ROOT);
  if (problems.length > 0) throw new Error(`demo entries do not load: ${JSON.stringify(problems)}`);
  const r = assembleIndex(sources, { now, ...(opts.expiresInDays !== undefined ? { expiresInDays: opts.expiresInDays } : {}) });
  if (r.problems.length > 0) throw new Error(`demo entries do not assemble: ${JSON.stringify(r.problems)}`);
  const doc = { ...r.index };
  if (opts.revocations) doc.revocations = testRevocations(doc);
  return doc;
}

/** A test signing key. */
export interface TestKey {
  seed: Uint8Array;
  publicKey: Uint8Array;
  publicKeyB64: string;
  keyid: string;
}

/** A fresh random key (never a fixed one: nothing may depend on its value). */
export function testKey(): TestKey {
  const seed = new Uint8Array(randomBytes(32));
  const publicKey = publicKeyFromSeed(seed);
  return { seed, publicKey, publicKeyB64: encodeBase64(publicKey), keyid: keyId(publicKey) };
}

/** Sign a document as the official index with `key` (publisher `demo`). */
export function signedIndexBytes(doc: Record<string, unknown>, key: TestKey, now: number): Uint8Array {
  return signIndex(doc, key.seed, { publisher: 'demo', official: true, now }).bytes;
}

/** A draft document's bytes, formatted as the repository stores it. */
export function draftIndexBytes(doc: Record<string, unknown>): Uint8Array {
  return new TextEncoder().encode(serializeIndex(doc));
}

/** Change one summary inside signed bytes (keeps the JSON valid, breaks the signature). */
export function tamper(bytes: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(bytes);
  const changed = text.replace('A minimal system plugin', 'A minimal SYSTEM plugin');
  if (changed === text) throw new Error('tamper: marker text not found');
  return new TextEncoder().encode(changed);
}

/** Result of one `astro build` of site/. */
export interface SiteBuild {
  code: number | null;
  output: string;
  outDir: string;
}

/**
 * Build the catalog with `astro build --root site` in a child process, the
 * way `npm start` does, into `outDir` (a temp dir) with its own cache.
 */
export function buildSite(opts: { indexFile: string; keys: string[]; outDir: string; cacheDir: string; siteUrl?: string; env?: Record<string, string> }): Promise<SiteBuild> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // vitest's own variables (NODE_ENV=test, VITEST*) must not leak into the Astro build.
    if (v !== undefined && k !== 'NODE_ENV' && !k.startsWith('VITEST')) env[k] = v;
  }
  Object.assign(env, {
    LATTICE_INDEX_FILE: opts.indexFile,
    LATTICE_INDEX_KEYS: opts.keys.join(','),
    LATTICE_SITE_OUT_DIR: opts.outDir,
    LATTICE_SITE_CACHE_DIR: opts.cacheDir,
    LATTICE_SITE_URL: opts.siteUrl ?? 'http://127.0.0.1:4321/',
    ASTRO_TELEMETRY_DISABLED: '1',
    ...opts.env,
  });
  return new Promise((resolve, reject) => {
    // cwd = the output's parent: Astro puts its intermediate server chunks in
    // <cwd>/.astro when outDir lies outside cwd, which parallel builds would
    // share. Those chunks import Astro's own dependencies at build time, so the
    // temp directory gets a node_modules link to the repository's.
    const work = path.dirname(opts.outDir);
    const link = path.join(work, 'node_modules');
    if (!existsSync(link)) symlinkSync(path.join(REPO_ROOT, 'node_modules'), link, 'dir');
    const child = spawn(process.execPath, [ASTRO_BIN, 'build', '--root', SITE_ROOT], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output, outDir: opts.outDir }));
  });
}

/** The catalog model of the bench's synthetic index of `n` plugins (a draft, checked as the build checks it). */
export function syntheticCatalog(n: number, seed: number): CatalogModel {
  const doc = syntheticIndex(n, seed) as Record<string, unknown>;
  const r = verifyIndex(new TextEncoder().encode(serializeIndex(doc)), { keys: [], threshold: 1 }, { now: Date.now(), allowDraft: true });
  if (!r.ok) throw r.error;
  return buildCatalog(r.verified);
}
