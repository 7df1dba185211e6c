/**
 * The index document `lattice.plugin.index.v1` as TypeScript types.
 *
 * These describe an index that {@link validateIndex} accepted — the upstream
 * format (interop §E.2) plus this project's additions (DESIGN §4.1,
 * docs/FORMAT.md): `generation`, `expires_at`, `revocations`, publisher
 * `key_history`, release `published_at` / `manifest_sha256` / `stored_manifest`
 * / `loads_on`, the index's `server_versions`, plugin catalog metadata,
 * signature `keyid`. No other member exists: unknown members are
 * rejected everywhere.
 *
 * The same shapes are published as JSON Schemas under `schemas/`.
 *
 * @module
 */

/** The only `schema` value (interop §E.2 rule 1). */
export const INDEX_SCHEMA = 'lattice.plugin.index.v1';

/** Index status (interop §E.2 rule 3). Only `official` may be installed from. */
export type IndexStatus = 'draft' | 'official' | 'example';
/** Every {@link IndexStatus}, in the order upstream's message names them. */
export const INDEX_STATUSES: readonly IndexStatus[] = Object.freeze(['draft', 'official', 'example']);

/** Plugin type (interop §E.2 rule 13, §C.4). */
export type PluginType = 'system' | 'worker' | 'wasm';
/** Every {@link PluginType}. */
export const PLUGIN_TYPES: readonly PluginType[] = Object.freeze(['system', 'worker', 'wasm']);

/** Release channel (interop §E.2 rules 16 and 24, §E.4). */
export type ReleaseChannel = 'stable' | 'alpha';
/** Every {@link ReleaseChannel}; `stable` is what clients resolve by default. */
export const RELEASE_CHANNELS: readonly ReleaseChannel[] = Object.freeze(['stable', 'alpha']);

/**
 * One retired publisher key and the window in which it signed (FORMAT.md
 * "Publisher"). Entries are oldest first; windows do not overlap.
 */
export interface KeyHistoryEntry {
  /** The retired key: canonical padded base64 of 32 bytes. */
  public_key_ed25519: string;
  /** RFC 3339 UTC; start of the window (inclusive). */
  valid_from: string;
  /** RFC 3339 UTC; end of the window, after `valid_from`; also the rotation time. */
  valid_until: string;
  /**
   * The retired key's signature (canonical padded base64 of 64 bytes) over the
   * rotation statement that hands over to the next key. Verified by the
   * domain layer, not by the validator.
   */
  rotation_signature_ed25519: string;
}

/** A publisher entry (interop §E.2 rules 6–8, FORMAT.md "Publisher"). */
export interface IndexPublisher {
  /** Upstream id regex and the server's `validPluginID`; unique in the index. */
  id: string;
  /** Non-blank display name. */
  name: string;
  /** The current key: canonical padded base64 of 32 bytes. */
  public_key_ed25519: string;
  /** Earlier keys with their validity windows, oldest first. */
  key_history?: KeyHistoryEntry[];
  /** HTTPS URL of the publisher. */
  homepage?: string;
  /** GitHub users or teams who review this publisher's entry files (CODEOWNERS). */
  github_owners?: string[];
}

/** Channel → version; at least one of the two. */
export interface PluginChannels {
  /** Never a prerelease (no `-`). */
  stable?: string;
  /** Always an `-alpha` prerelease. */
  alpha?: string;
}

/** One release of a plugin (interop §E.2 rules 22–30, FORMAT.md "Release"). */
export interface IndexRelease {
  /** Upstream version regex and the server's v2 version rule; unique in the plugin. */
  version: string;
  /** The channel this release belongs to. */
  channel: ReleaseChannel;
  /** Capabilities of this release; required when the plugin has more than one channel. */
  capabilities?: string[];
  /** HTTPS URL of the signed manifest. */
  manifest_url: string;
  /** HTTPS URL of the artifact (v2: the `.tar.gz` bundle; v1: the executable). */
  artifact_url: string;
  /** Lowercase hex SHA-256 of the artifact bytes. */
  artifact_sha256: string;
  /** The manifest's Ed25519 signature: canonical padded base64 of 64 bytes. */
  signature_ed25519: string;
  /** RFC 3339 UTC publish time; judged against the signing key's window. */
  published_at?: string;
  /** Lowercase hex SHA-256 of the manifest file bytes. */
  manifest_sha256?: string;
  /**
   * `manifests/<plugin id>/<version>.json`: the publisher-signed manifest is
   * kept beside the index, at this path relative to the index document, with
   * the bytes whose SHA-256 is `manifest_sha256` (required with it). Set by `build`.
   */
  stored_manifest?: string;
  /**
   * The server versions (ids of the index's `server_versions`, in that order)
   * that decode and validate the stored manifest as the server would — the
   * loadability matrix, computed by `build`. Not a promise that the plugin
   * runs: the server also checks trust, the artifact digest and the runtime
   * (docs/SERVER-VERSIONS.md).
   */
  loads_on?: string[];
  /**
   * What changed in this release, as Markdown (docs/FORMAT.md "Catalog
   * Markdown"): at most `NOTES_MD_MAX_BYTES` UTF-8 bytes; immutable once
   * published, like every other release member.
   */
  notes_md?: string;
}

/** A plugin entry (interop §E.2 rules 9–21 and 31–32, FORMAT.md "Plugin"). */
export interface IndexPlugin {
  /** `<publisher>.<name>`; upstream id regex and `validPluginID`; unique. */
  id: string;
  /** Non-blank display name. */
  name: string;
  /** Id of a listed publisher. */
  publisher: string;
  /** Runner type. */
  type: PluginType;
  /** One-line description (not validated upstream beyond being a string here). */
  summary?: string;
  /** Legacy alias; equals `channels.stable` when present. */
  latest?: string;
  /** Channel → version of a release of that channel. */
  channels: PluginChannels;
  /** Default capability list (non-empty, known, unique). */
  capabilities: string[];
  /** At least one release. */
  releases: IndexRelease[];
  /** HTTPS URL of the plugin's home page. */
  homepage?: string;
  /** HTTPS URL of the source repository. */
  repository?: string;
  /** SPDX-like license expression, ≤ 64 characters. */
  license?: string;
  /** ≤ 16 unique lowercase tags. */
  tags?: string[];
  /**
   * The long description, as Markdown (docs/FORMAT.md "Catalog Markdown"):
   * at most `DESCRIPTION_MD_MAX_BYTES` UTF-8 bytes; the catalog renders it
   * with src/core/markdown.ts (no raw HTML, HTTPS links only).
   */
  description_md?: string;
}

/** A top-level index signature (DESIGN §4.1, FORMAT.md "Index signatures"). */
export interface IndexSignature {
  /** Id of a listed publisher (upstream rule 33). */
  publisher: string;
  /** Lowercase hex SHA-256 of the raw 32-byte public key that signed. */
  keyid?: string;
  /** Canonical padded base64 of 64 bytes. */
  signature_ed25519: string;
}

/** A revoked release: one (plugin, version). */
export interface RevokedRelease {
  plugin: string;
  version: string;
  /** Non-blank reason shown to operators. */
  reason: string;
  /** RFC 3339 UTC. */
  revoked_at: string;
}

/** A revoked artifact digest: any release whose artifact has it is refused. */
export interface RevokedArtifact {
  /** Lowercase hex SHA-256. */
  sha256: string;
  reason: string;
  revoked_at: string;
}

/** A revoked publisher key. */
export interface RevokedKey {
  publisher: string;
  /** Canonical padded base64 of 32 bytes. */
  public_key_ed25519: string;
  reason: string;
  revoked_at: string;
}

/** The revocation list (FORMAT.md "Revocations"); all three lists optional. */
export interface RevocationList {
  releases?: RevokedRelease[];
  artifacts?: RevokedArtifact[];
  keys?: RevokedKey[];
}

/** A whole index document as {@link validateIndex} accepts it. */
export interface PluginIndex {
  schema: typeof INDEX_SCHEMA;
  /** RFC 3339 UTC. */
  generated_at: string;
  status: IndexStatus;
  /** Integer ≥ 1, strictly increasing per signed publication; required when official. */
  generation?: number;
  /** RFC 3339 UTC after `generated_at`; required when official. */
  expires_at?: string;
  /** The server versions every release's `loads_on` was computed for (DESIGN §4.5); set by `build`. */
  server_versions?: string[];
  publishers: IndexPublisher[];
  plugins: IndexPlugin[];
  revocations?: RevocationList;
  /** At least one when official. */
  signatures: IndexSignature[];
}
