/**
 * The build's check of stored manifests (DESIGN §4.5): for every release of
 * the verified index that names a `stored_manifest`, read the file, check
 * that its SHA-256 is the release's `manifest_sha256`, and verify its
 * publisher signature with the server's own `verifyManifest` against the
 * publisher's keys listed in the verified index. Only then may a page say
 * "manifest signature checked at build" for that release; a stored manifest
 * that is missing, different or badly signed refuses the build.
 *
 * Node-only (reads the file system).
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeCanonicalBase64 } from '../../../src/core/base64.js';
import { sha256Hex } from '../../../src/crypto/sha256.js';
import { verifyManifest } from '../../../src/domain/manifest/verify.js';
import type { VerifiedIndex } from '../../../src/domain/index/verify.js';

/** A coded refusal of the build. */
export interface ManifestCheckFailure {
  readonly code: 'INPUT_NOT_FOUND' | 'INPUT_UNREADABLE' | 'MANIFEST_INDEX_MISMATCH' | 'MANIFEST_SIGNATURE_INVALID';
  readonly message: string;
}

/**
 * Check every stored manifest the index names.
 * @param verified - the verified index.
 * @param dirs - directories a `stored_manifest` path is relative to, tried in order
 *   (the index file's folder, then the repository's `index/`).
 * @returns `id@version` of the releases checked, or the first failure.
 */
export function checkStoredManifests(
  verified: Pick<VerifiedIndex, 'index'>,
  dirs: readonly string[],
): { ok: true; checked: ReadonlySet<string> } | { ok: false; failure: ManifestCheckFailure } {
  const checked = new Set<string>();
  const publishers = new Map(verified.index.publishers.map((p) => [p.id, p]));
  for (const plugin of verified.index.plugins) {
    for (const release of plugin.releases) {
      const stored = release.stored_manifest;
      if (stored === undefined) continue;
      const what = `${plugin.id}@${release.version}`;
      const file = dirs.map((d) => path.join(d, stored)).find((f) => existsSync(f));
      if (file === undefined) {
        return { ok: false, failure: { code: 'INPUT_NOT_FOUND', message: `${what}: the stored manifest ${stored} is in none of ${dirs.join(', ')}` } };
      }
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(readFileSync(file));
      } catch (e) {
        return { ok: false, failure: { code: 'INPUT_UNREADABLE', message: `${what}: cannot read ${file}: ${(e as Error).message}` } };
      }
      const digest = sha256Hex(bytes);
      if (digest !== release.manifest_sha256) {
        return {
          ok: false,
          failure: { code: 'MANIFEST_INDEX_MISMATCH', message: `${what}: ${file} has SHA-256 ${digest}, the release's manifest_sha256 is ${String(release.manifest_sha256)}` },
        };
      }
      const publisher = publishers.get(plugin.publisher);
      const keys = publisher === undefined ? [] : [publisher.public_key_ed25519, ...(publisher.key_history ?? []).map((h) => h.public_key_ed25519)];
      let last = 'the publisher has no key in the index';
      let good = false;
      for (const k of keys) {
        const key = decodeCanonicalBase64(k, 32);
        if (key === null) continue;
        const r = verifyManifest(bytes, { sha256Hex: release.artifact_sha256 }, { trustedPublishers: new Map([[plugin.publisher, key]]), allowUnsignedHostRisk: false });
        if (r.ok && r.signed) {
          good = true;
          break;
        }
        last = r.ok ? 'the manifest is not signed' : `${r.code}: ${r.message}`;
      }
      if (!good) {
        return {
          ok: false,
          failure: { code: 'MANIFEST_SIGNATURE_INVALID', message: `${what}: the stored manifest ${stored} does not verify with a key of publisher ${plugin.publisher} (${last})` },
        };
      }
      checked.add(what);
    }
  }
  return { ok: true, checked };
}
