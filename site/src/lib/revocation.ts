/**
 * Revocation status of releases and keys, worded for the catalog.
 *
 * The rules are the domain layer's (`src/domain/index/revocation.ts`:
 * release, artifact digest, signing key — a revoked key refuses everything
 * it signed, whatever the publish time) and the signing key of a release is
 * the one valid at its publish time (`src/domain/index/rotation.ts`
 * `publisherKeyForRelease`, FORMAT.md "Publisher"). This module only turns
 * their answers into sentences.
 *
 * @module
 */
import type { IndexPlugin, IndexPublisher, IndexRelease, RevocationList, RevokedKey } from '../../../src/core/index/types.js';
import { revocationStatus, revokedKeyEntry, type RevocationMatch } from '../../../src/domain/index/revocation.js';
import { publisherKeyForRelease } from '../../../src/domain/index/rotation.js';

/**
 * One sentence naming why a revocation applies.
 * @example describeRevocation({ kind: 'artifact', entry }) // 'Artifact digest revoked on 2026-11-02T00:00:00Z: leaked build'
 */
export function describeRevocation(match: RevocationMatch): string {
  const what = match.kind === 'release' ? 'Release revoked' : match.kind === 'artifact' ? 'Artifact digest revoked' : 'Signing key revoked';
  return `${what} on ${match.entry.revoked_at}: ${match.entry.reason}`;
}

/**
 * Why a release must not be installed, or `undefined` when nothing applies.
 * @param revocations - the verified index's revocation list.
 * @param publisher - the plugin's publisher entry (`undefined` cannot happen in a valid index).
 * @param plugin - the plugin.
 * @param release - the release.
 * @returns the first applicable revocation as a sentence; also a sentence when
 *   no publisher key was valid at the release's publish time.
 */
export function releaseRevocation(
  revocations: RevocationList,
  publisher: IndexPublisher | undefined,
  plugin: IndexPlugin,
  release: IndexRelease,
): string | undefined {
  // The signing key matters only for key revocations and key-history gaps;
  // skip deriving it (a base64 decode per release) when neither can apply.
  const needsKey = publisher !== undefined && ((revocations.keys?.length ?? 0) > 0 || (publisher.key_history?.length ?? 0) > 0);
  const signingKey = needsKey ? publisherKeyForRelease(publisher, release) : undefined;
  const status = revocationStatus(
    { revocations },
    {
      plugin: plugin.id,
      version: release.version,
      artifactSha256: release.artifact_sha256,
      ...(signingKey !== undefined ? { signingKey } : {}),
    },
  );
  if (status.revoked) return describeRevocation(status.matches[0]!);
  if (needsKey && signingKey === undefined) {
    return 'No key of the publisher was valid at this release’s publish time.';
  }
  return undefined;
}

/**
 * The revocation of a publisher key as a sentence, or `undefined`.
 * @param revocations - the verified index's revocation list.
 * @param publicKey - canonical base64 of the key.
 */
export function keyRevocation(revocations: RevocationList, publicKey: string): string | undefined {
  const entry: RevokedKey | undefined = revokedKeyEntry(revocations, publicKey);
  return entry === undefined ? undefined : `Key revoked on ${entry.revoked_at}: ${entry.reason}`;
}
