/**
 * Build-time and browser-side verification of the catalog (site/src/lib/
 * verification.ts, load-index.ts): the same verifyIndex decides both, an
 * index that fails stops the build with its code, and the browser re-check
 * refuses a served file that differs from the one the build verified.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CatalogBuildError, loadSiteIndex } from '../../site/src/lib/load-index.js';
import { readSiteSettings } from '../../site/src/lib/settings.js';
import {
  parseVerificationSummary,
  verificationSummary,
  verifyCatalogIndex,
  verifyServedIndex,
  type VerificationSummary,
} from '../../site/src/lib/verification.js';
import { demoIndexDocument, draftIndexBytes, REPO_ROOT, signedIndexBytes, tamper, testKey, type TestKey } from './fixtures.js';

const NOW = Date.now();
let key: TestKey;
let signed: Uint8Array;
let draft: Uint8Array;
let dir: string;

beforeAll(async () => {
  key = testKey();
  signed = signedIndexBytes(await demoIndexDocument(NOW, { expiresInDays: 30, revocations: true }), key, NOW);
  draft = draftIndexBytes(await demoIndexDocument(NOW));
  dir = mkdtempSync(path.join(tmpdir(), 'lattice-site-verify-'));
});

function fileWith(name: string, bytes: Uint8Array): string {
  const f = path.join(dir, name);
  writeFileSync(f, bytes);
  return f;
}

function settingsFor(file: string, keys: string[]) {
  return readSiteSettings({ LATTICE_INDEX_FILE: file, LATTICE_INDEX_KEYS: keys.join(',') }, REPO_ROOT);
}

describe('build-time verification (loadSiteIndex)', () => {
  it('accepts the official index signed by the configured key and records what it checked', () => {
    const site = loadSiteIndex(settingsFor(fileWith('ok.json', signed), [key.publicKeyB64]), NOW);
    expect(site.verified.signed).toBe(true);
    expect(site.summary.signers).toEqual([{ keyid: key.keyid, publisher: 'demo' }]);
    expect(site.summary.status).toBe('official');
    expect(site.summary.generation).toBe(site.verified.index.generation);
    expect(site.summary.expiresAt).toBe(site.verified.index.expires_at);
    expect(Buffer.from(site.bytes).equals(Buffer.from(signed))).toBe(true);
    expect(site.model.signed).toBe(true);
  });

  it('stops with INDEX_SIGNATURE_INVALID when the signed bytes were altered', () => {
    const settings = settingsFor(fileWith('tampered.json', tamper(signed)), [key.publicKeyB64]);
    expect(() => loadSiteIndex(settings, NOW)).toThrow(CatalogBuildError);
    try {
      loadSiteIndex(settings, NOW);
    } catch (e) {
      expect((e as CatalogBuildError).code).toBe('INDEX_SIGNATURE_INVALID');
      expect((e as Error).message).toContain('INDEX_SIGNATURE_INVALID');
    }
  });

  it('stops with INDEX_UNTRUSTED_KEY when another key is configured', () => {
    const other = testKey();
    const settings = settingsFor(fileWith('ok2.json', signed), [other.publicKeyB64]);
    expect(() => loadSiteIndex(settings, NOW)).toThrow(expect.objectContaining({ code: 'INDEX_UNTRUSTED_KEY' }));
  });

  it('refuses an official index when no trusted key is configured (fail closed)', () => {
    const settings = settingsFor(fileWith('ok3.json', signed), []);
    const r = (() => {
      try {
        loadSiteIndex(settings, NOW);
        return undefined;
      } catch (e) {
        return e as CatalogBuildError;
      }
    })();
    expect(r).toBeInstanceOf(CatalogBuildError);
    // The signature entry names its keyid, which no configured key has.
    expect(r!.code).toBe('INDEX_UNTRUSTED_KEY');
  });

  it('stops with INDEX_EXPIRED once the index has expired', () => {
    const settings = settingsFor(fileWith('ok4.json', signed), [key.publicKeyB64]);
    const later = NOW + 31 * 86_400_000;
    expect(() => loadSiteIndex(settings, later)).toThrow(expect.objectContaining({ code: 'INDEX_EXPIRED' }));
  });

  it('stops with INDEX_INVALID / JSON codes for an invalid or unreadable file', () => {
    const invalid = fileWith('invalid.json', new TextEncoder().encode('{"schema":"lattice.plugin.index.v1"}'));
    expect(() => loadSiteIndex(settingsFor(invalid, []), NOW)).toThrow(expect.objectContaining({ code: 'INDEX_INVALID' }));
    const dup = fileWith('dup.json', new TextEncoder().encode('{"a":1,"a":2}'));
    expect(() => loadSiteIndex(settingsFor(dup, []), NOW)).toThrow(expect.objectContaining({ code: 'JSON_DUPLICATE_KEY' }));
    expect(() => loadSiteIndex(settingsFor(path.join(dir, 'missing.json'), []), NOW)).toThrow(
      expect.objectContaining({ code: 'INPUT_UNREADABLE' }),
    );
  });

  it('builds an unsigned draft with or without configured keys, marked unsigned', () => {
    for (const keys of [[], [key.publicKeyB64]]) {
      const site = loadSiteIndex(settingsFor(fileWith('draft.json', draft), keys), NOW);
      expect(site.verified.signed).toBe(false);
      expect(site.summary.status).toBe('draft');
      expect(site.summary.signers).toEqual([]);
      expect(site.model.signed).toBe(false);
    }
  });
});

describe('browser re-verification (verifyServedIndex)', () => {
  let build: VerificationSummary;
  beforeAll(() => {
    const r = verifyCatalogIndex(signed, { keys: [key.publicKeyB64], threshold: 1 }, NOW, true);
    if (!r.ok) throw new Error(r.message);
    build = verificationSummary(r.verified, { keys: [key.publicKeyB64], threshold: 1 }, NOW);
  });

  it('verifies the served bytes and reports keyid, generation and expiry', () => {
    const v = verifyServedIndex(signed, build, NOW);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.signed).toBe(true);
    expect(v.signers.map((s) => s.keyid)).toEqual([key.keyid]);
    expect(v.generation).toBe(build.generation);
    expect(v.expiresAt).toBe(build.expiresAt);
  });

  it('fails on tampered bytes with the verifier code', () => {
    const v = verifyServedIndex(tamper(signed), build, NOW);
    expect(v).toMatchObject({ ok: false, code: 'INDEX_SIGNATURE_INVALID' });
  });

  it('fails when a different, validly signed index is served (INDEX_CHANGED)', async () => {
    // Same key, next generation: genuine signatures, but not what the build verified.
    const doc = await demoIndexDocument(NOW, { expiresInDays: 30 });
    doc.generation = 7;
    const other = signedIndexBytes(doc, key, NOW);
    expect(verifyServedIndex(other, build, NOW)).toMatchObject({ ok: false, code: 'INDEX_CHANGED' });
  });

  it('refuses an unsigned draft swapped in for a signed build', () => {
    expect(verifyServedIndex(draft, build, NOW)).toMatchObject({ ok: false });
  });

  it('fails with INDEX_EXPIRED on a browser clock past the expiry', () => {
    expect(verifyServedIndex(signed, build, NOW + 40 * 86_400_000)).toMatchObject({ ok: false, code: 'INDEX_EXPIRED' });
  });

  it('round-trips the embedded summary and rejects malformed ones', () => {
    expect(parseVerificationSummary(JSON.stringify(build))).toEqual(build);
    expect(parseVerificationSummary('not json')).toBeNull();
    expect(parseVerificationSummary('{"status":"official"}')).toBeNull();
    expect(parseVerificationSummary(JSON.stringify({ ...build, trustedKeys: [1] }))).toBeNull();
  });

  it('a summary with a malformed key fails closed instead of throwing', () => {
    const bad = { ...build, trustedKeys: ['not base64'] };
    expect(verifyServedIndex(signed, bad, NOW)).toMatchObject({ ok: false });
  });
});

describe('browser bundle of the verifier', () => {
  it('bundles the client scripts for the browser without any node: module', async () => {
    const { build } = await import('esbuild');
    // platform 'browser': an import of node:* anywhere in the graph fails the build.
    const r = await build({
      entryPoints: [path.join(REPO_ROOT, 'site/src/scripts/verify-index.ts'), path.join(REPO_ROOT, 'site/src/scripts/catalog-search.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      outdir: '/tmp/unused',
      logLevel: 'silent',
      define: { 'import.meta.env.BASE_URL': '"/"' },
    });
    expect(r.errors).toEqual([]);
    for (const f of r.outputFiles) expect(f.text).not.toMatch(/from\s*["']node:|require\(["']node:/);
  });
});
