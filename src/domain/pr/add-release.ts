/**
 * Build the new state of a plugin entry file when a publisher adds a release
 * (`lattice-index add`) — pure; the command verifies the manifest first and
 * validates the result against the whole index afterwards.
 *
 * It enforces the same publisher rules `pr-check` applies (DESIGN §7), so a
 * release added with this function passes the check:
 * - an existing plugin keeps its id, publisher and type;
 * - a published release is immutable: a version that already exists is refused;
 * - versions grow per channel ({@link growsChannel});
 * - the channel points at the new release, and `latest` follows `stable`;
 * - new releases are prepended (newest first, as the entry files are kept).
 *
 * @module
 */
import { isAlphaPrerelease } from '../../core/rules.js';
import type { JSONObject, JSONValue } from '../../core/json/types.js';
import type { PullRequestRule } from './rules.js';
import { growsChannel, highestInChannel } from './release-order.js';

/** What the new release is made of: taken from the verified manifest and the artifact. */
export interface NewRelease {
  /** Manifest `id`. */
  pluginId: string;
  /** Manifest `name` (used for a new plugin only). */
  name: string;
  /** Manifest `publisher`. */
  publisher: string;
  /** Manifest `type`. */
  type: string;
  /** Manifest `version`. */
  version: string;
  /** Manifest `capabilities` (in manifest order). */
  capabilities: readonly string[];
  /** `stable` or `alpha`; default: `alpha` for an `-alpha` prerelease, else `stable`. */
  channel?: string;
  manifestUrl: string;
  artifactUrl: string;
  /** Lowercase hex SHA-256 of the artifact bytes. */
  artifactSha256: string;
  /** Lowercase hex SHA-256 of the manifest file bytes. */
  manifestSha256: string;
  /** The manifest signature as canonical padded base64. */
  signature: string;
  /** RFC 3339 UTC. */
  publishedAt: string;
  /** Release notes (catalog Markdown, already checked), stored as `notes_md`. */
  notes?: string;
}

/** Result of {@link addRelease}. */
export type AddReleaseResult =
  | { ok: true; plugin: JSONObject; release: JSONObject; created: boolean }
  | { ok: false; rule: PullRequestRule; message: string };

/**
 * The channel a version goes to when none is given: `alpha` for an `-alpha`
 * prerelease (the only kind the alpha channel accepts), else `stable`.
 * @example defaultChannel('1.1.0-alpha.1') // 'alpha'
 */
export function defaultChannel(version: string): 'stable' | 'alpha' {
  return isAlphaPrerelease(version) ? 'alpha' : 'stable';
}

function isObject(v: unknown): v is JSONObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Add a release to a plugin entry (or create the entry).
 *
 * @param existing - the parsed current plugin entry, or `undefined` for a new plugin.
 * @param r - the new release, from a verified manifest.
 * @returns the new entry (a fresh object; `existing` is not modified) and the release,
 *   or the publisher rule the addition would break.
 * @example
 * const res = addRelease(current, { pluginId: 'acme.tool', version: '1.2.0', ... });
 * if (!res.ok) throw new PolicyError('PR_RULE', res.message);
 */
export function addRelease(existing: JSONObject | undefined, r: NewRelease): AddReleaseResult {
  const channel = r.channel ?? defaultChannel(r.version);
  const release: JSONObject = {
    version: r.version,
    channel,
    capabilities: [...r.capabilities],
    manifest_url: r.manifestUrl,
    artifact_url: r.artifactUrl,
    artifact_sha256: r.artifactSha256,
    signature_ed25519: r.signature,
    published_at: r.publishedAt,
    manifest_sha256: r.manifestSha256,
    ...(r.notes !== undefined ? { notes_md: r.notes } : {}),
  };

  if (existing === undefined) {
    const plugin: JSONObject = {
      id: r.pluginId,
      name: r.name,
      publisher: r.publisher,
      type: r.type,
      ...(channel === 'stable' ? { latest: r.version } : {}),
      channels: { [channel]: r.version },
      capabilities: [...r.capabilities],
      releases: [release],
    };
    return { ok: true, plugin, release, created: true };
  }

  const plugin = structuredClone(existing) as JSONObject;
  if (plugin.id !== r.pluginId) {
    return { ok: false, rule: 'PR_NAMESPACE', message: `the entry file holds plugin ${JSON.stringify(plugin.id)}, but the manifest is for ${r.pluginId}` };
  }
  if (plugin.publisher !== r.publisher) {
    return { ok: false, rule: 'PR_MULTIPLE_PUBLISHERS', message: `plugin ${r.pluginId} belongs to publisher ${JSON.stringify(plugin.publisher)}, but the manifest names publisher ${r.publisher}` };
  }
  if (plugin.type !== r.type) {
    return { ok: false, rule: 'PR_PLUGIN_TYPE_CHANGED', message: `plugin ${r.pluginId} is a ${JSON.stringify(plugin.type)} plugin, but the manifest says ${JSON.stringify(r.type)}; the type of a published plugin never changes` };
  }
  const releases: JSONValue[] = Array.isArray(plugin.releases) ? plugin.releases : [];
  if (releases.some((x) => isObject(x) && x.version === r.version)) {
    return { ok: false, rule: 'PR_RELEASE_MODIFIED', message: `plugin ${r.pluginId} already lists release ${r.version}; published releases are immutable — revoke it and publish a new version` };
  }
  const highest = highestInChannel(releases, channel);
  if (!growsChannel(r.version, highest)) {
    return { ok: false, rule: 'PR_VERSION_NOT_INCREASING', message: `release ${r.version} is not greater than ${highest}, the highest published ${channel} release of ${r.pluginId}; versions only grow per channel` };
  }
  // The plugin default capabilities describe releases without a list of their own;
  // change them only when no published release depends on them.
  const everyReleaseHasOwnList = releases.every((x) => isObject(x) && Array.isArray(x.capabilities));
  if (channel === 'stable' && everyReleaseHasOwnList) plugin.capabilities = [...r.capabilities];
  const channels = isObject(plugin.channels) ? plugin.channels : {};
  channels[channel] = r.version;
  plugin.channels = channels;
  if (channel === 'stable' && 'latest' in plugin) plugin.latest = r.version;
  plugin.releases = [release, ...releases];
  return { ok: true, plugin, release, created: false };
}
