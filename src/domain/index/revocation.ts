/**
 * Revocations (DESIGN §4.1, docs/FORMAT.md "Revocations"): revoked releases
 * (plugin + version), revoked artifact digests and revoked publisher keys,
 * each with a reason and a time. The list lives in `index/revocations.json`
 * and, once built, inside the signed index — so it is only trusted after the
 * index signature verified.
 *
 * Semantics (fail closed):
 * - a revoked **release** refuses exactly that plugin id and version;
 * - a revoked **artifact** digest refuses every release whose artifact has
 *   that SHA-256, whatever plugin or version names it;
 * - a revoked **key** refuses everything signed by that key, whatever the
 *   publish time: a compromised key can backdate `published_at`, so
 *   `revoked_at` is informational and never opens a window. Keys match by
 *   their bytes; the entry's `publisher` is informational too. A revoked key
 *   also stops counting as an **index** signer (`verifyIndex`).
 *
 * {@link revocationStatus} is what the install pipeline asks (DESIGN §5 step
 * 2, "not revoked (release, artifact digest, key)"); {@link addRevocation}
 * is what `lattice-index revoke` does.
 *
 * Pure, synchronous, browser-safe.
 *
 * @module
 */
import { validateIndex } from '../../core/index/validate.js';
import type { IndexProblem } from '../../core/index/problems.js';
import type { RevocationList, RevokedArtifact, RevokedKey, RevokedRelease } from '../../core/index/types.js';
import { encodeBase64 } from '../../core/base64.js';

/** A revocation list with all three lists present. */
export interface NormalizedRevocations {
  releases: RevokedRelease[];
  artifacts: RevokedArtifact[];
  keys: RevokedKey[];
}

/** One revocation that applies to a query. */
export type RevocationMatch =
  | { kind: 'release'; entry: RevokedRelease }
  | { kind: 'artifact'; entry: RevokedArtifact }
  | { kind: 'key'; entry: RevokedKey };

/** What {@link revocationStatus} checks. */
export interface RevocationQuery {
  /** Plugin id. */
  plugin: string;
  /** Release version. */
  version: string;
  /** The release's artifact SHA-256 (hex; compared lowercase). */
  artifactSha256: string;
  /** The publisher key that signed the release's manifest (raw 32 bytes). */
  signingKey?: Uint8Array;
}

/** Result of {@link revocationStatus}: every revocation that applies. */
export interface RevocationStatus {
  revoked: boolean;
  matches: RevocationMatch[];
}

/** A new revocation for {@link addRevocation}. */
export type NewRevocation =
  | { kind: 'release'; plugin: string; version: string }
  | { kind: 'artifact'; sha256: string }
  | { kind: 'key'; publisher: string; publicKey: string };

/**
 * The revocation list with all three lists present (absent lists are empty).
 * The entries are shared, not copied.
 *
 * @param list - a validated revocation list, or `undefined`.
 * @returns `{ releases, artifacts, keys }`.
 * @example
 * ```ts
 * normalizeRevocations(index.revocations).keys.length;
 * ```
 */
export function normalizeRevocations(list: RevocationList | undefined): NormalizedRevocations {
  return { releases: list?.releases ?? [], artifacts: list?.artifacts ?? [], keys: list?.keys ?? [] };
}

/**
 * Which revocations apply to one release of a verified index (DESIGN §5
 * step 2): the release itself (plugin + version), its artifact digest, and —
 * when given — the publisher key that signed it.
 *
 * @param verified - a verified index (only its `revocations` are read).
 * @param query - the release to check.
 * @returns `{ revoked, matches }` listing every applicable revocation in the
 *   order releases, artifacts, keys.
 * @example
 * ```ts
 * const r = revocationStatus(verified, { plugin: 'acme.x', version: '1.0.0', artifactSha256 });
 * if (r.revoked) throw new PolicyError('RELEASE_REVOKED', r.matches[0].entry.reason);
 * ```
 */
export function revocationStatus(verified: { revocations: RevocationList }, query: RevocationQuery): RevocationStatus {
  const list = normalizeRevocations(verified.revocations);
  const matches: RevocationMatch[] = [];
  for (const entry of list.releases) {
    if (entry.plugin === query.plugin && entry.version === query.version) matches.push({ kind: 'release', entry });
  }
  const digest = typeof query.artifactSha256 === 'string' ? query.artifactSha256.toLowerCase() : '';
  for (const entry of list.artifacts) {
    if (entry.sha256 === digest) matches.push({ kind: 'artifact', entry });
  }
  if (query.signingKey !== undefined) {
    const key = revokedKeyEntry(list, query.signingKey);
    if (key) matches.push({ kind: 'key', entry: key });
  }
  return { revoked: matches.length > 0, matches };
}

/**
 * The revocation entry of a key, matched by its bytes (canonical base64 is
 * unique per byte string, so text equality is key equality).
 *
 * @param list - the revocation list.
 * @param publicKey - raw 32-byte key, or its canonical padded base64.
 * @returns the first matching entry, or `undefined`.
 * @example
 * ```ts
 * if (revokedKeyEntry(list, signerKey)) { … }
 * ```
 */
export function revokedKeyEntry(list: RevocationList | undefined, publicKey: Uint8Array | string): RevokedKey | undefined {
  const b64 = typeof publicKey === 'string' ? publicKey : encodeBase64(publicKey);
  return (list?.keys ?? []).find((k) => k.public_key_ed25519 === b64);
}

/**
 * Add a revocation, keeping the list deduplicated: a release already revoked
 * (same plugin and version), an artifact already revoked (same digest) or a
 * key already revoked (same key bytes) is not added again, and the existing
 * entry is returned. The input is not modified; list order is kept and the
 * new entry appended.
 *
 * @param list - the current (validated) revocation list.
 * @param revocation - what to revoke.
 * @param reason - non-blank reason shown to operators.
 * @param revokedAt - RFC 3339 UTC time.
 * @returns the new list, whether an entry was added, and the entry that now
 *   covers the revocation.
 * @example
 * ```ts
 * const { list: next, added } = addRevocation(list, { kind: 'artifact', sha256 }, 'malware', '2026-08-01T00:00:00Z');
 * ```
 */
export function addRevocation(
  list: RevocationList,
  revocation: NewRevocation,
  reason: string,
  revokedAt: string,
): { list: RevocationList; added: boolean; entry: RevokedRelease | RevokedArtifact | RevokedKey } {
  const next: RevocationList = { ...list };
  switch (revocation.kind) {
    case 'release': {
      const existing = (list.releases ?? []).find((e) => e.plugin === revocation.plugin && e.version === revocation.version);
      if (existing) return { list, added: false, entry: existing };
      const entry: RevokedRelease = { plugin: revocation.plugin, version: revocation.version, reason, revoked_at: revokedAt };
      next.releases = [...(list.releases ?? []), entry];
      return { list: next, added: true, entry };
    }
    case 'artifact': {
      const sha256 = revocation.sha256.toLowerCase();
      const existing = (list.artifacts ?? []).find((e) => e.sha256 === sha256);
      if (existing) return { list, added: false, entry: existing };
      const entry: RevokedArtifact = { sha256, reason, revoked_at: revokedAt };
      next.artifacts = [...(list.artifacts ?? []), entry];
      return { list: next, added: true, entry };
    }
    case 'key': {
      const existing = revokedKeyEntry(list, revocation.publicKey);
      if (existing) return { list, added: false, entry: existing };
      const entry: RevokedKey = { publisher: revocation.publisher, public_key_ed25519: revocation.publicKey, reason, revoked_at: revokedAt };
      next.keys = [...(list.keys ?? []), entry];
      return { list: next, added: true, entry };
    }
  }
}

/**
 * Validate a revocation list (the content of `index/revocations.json`) with
 * the index validator's revocation rules — the one source of truth — by
 * placing it in an otherwise empty draft index. Problem paths are relative to
 * the list (`/keys/0/reason`).
 *
 * @param value - the parsed revocations file.
 * @returns every problem; empty when the list is valid.
 * @example
 * ```ts
 * const problems = validateRevocationList(parseJSONStrict(bytes).value);
 * ```
 */
export function validateRevocationList(value: unknown): IndexProblem[] {
  const wrapper = {
    schema: 'lattice.plugin.index.v1',
    generated_at: '2000-01-01T00:00:00Z',
    status: 'draft',
    publishers: [],
    plugins: [],
    revocations: value,
    signatures: [],
  };
  return validateIndex(wrapper).map((p) => ({
    ...p,
    instancePath: p.instancePath.startsWith('/revocations') ? p.instancePath.slice('/revocations'.length) : p.instancePath,
  }));
}
