/**
 * The catalog model: everything the pages render, derived once from a
 * verified index. Pages stay thin views over these plain objects.
 *
 * @module
 */
import { decodeCanonicalBase64 } from '../../../src/core/base64.js';
import {
  PLUGIN_TYPES,
  RELEASE_CHANNELS,
  type IndexPlugin,
  type IndexPublisher,
  type IndexRelease,
  type IndexStatus,
  type PluginType,
  type ReleaseChannel,
} from '../../../src/core/index/types.js';
import { DEFAULT_SERVER_LINE, RISK_TIERS } from '../../../src/core/server-line.js';
import { keyId } from '../../../src/crypto/index.js';
import { loadability, type LineCompatibility } from './compatibility.js';
import { FACETS, searchText, type FacetName, type FacetedEntry } from './facets.js';
import { installCommand } from './install-command.js';
import { keyRevocation, releaseRevocation } from './revocation.js';
import type { VerifiedIndex } from '../../../src/domain/index/verify.js';
import { capabilityPresentation, highestRiskPresentation, riskPresentation, type CapabilityPresentation, type RiskPresentation } from './risk.js';

/** A publisher as the catalog shows it. */
export interface PublisherView {
  readonly id: string;
  readonly name: string;
  readonly homepage: string | undefined;
  /** Current key, canonical base64. */
  readonly publicKey: string;
  /** Lowercase hex SHA-256 of the current key (the key fingerprint, FORMAT.md "Index signatures"). */
  readonly keyid: string;
  /** The revocation of the current key, as a sentence, if any. */
  readonly keyRevoked: string | undefined;
  /** Earlier keys, oldest first. */
  readonly keyHistory: readonly { publicKey: string; keyid: string; validFrom: string; validUntil: string; revoked: string | undefined }[];
  /**
   * True only when one of this publisher's keys (current or earlier) made a
   * counted signature of the verified index — matched by key fingerprint, never
   * by the publisher name a signature entry claims.
   */
  readonly signedIndex: boolean;
  /** What is true about this publisher and the index signatures, as one sentence. */
  readonly signedIndexWords: string;
  /** Ids of this publisher's plugins, in index order. */
  readonly pluginIds: readonly string[];
}

/** One release row of a plugin page. */
export interface ReleaseView {
  readonly version: string;
  readonly channel: ReleaseChannel;
  /** Channels whose pointer selects this release (`stable`, `alpha`). */
  readonly heads: readonly ReleaseChannel[];
  readonly publishedAt: string | undefined;
  readonly artifactSha256: string;
  readonly manifestSha256: string | undefined;
  readonly manifestUrl: string;
  readonly artifactUrl: string;
  /** The release's capabilities (the plugin's default list when the release has none, interop §E.4). */
  readonly capabilities: readonly string[];
  /** Why the release is revoked, or `undefined`. */
  readonly revoked: string | undefined;
  /** The pinned install command. */
  readonly installCommand: string;
  /** "Loadable on server line" per line. */
  readonly compatibility: readonly LineCompatibility[];
}

/** A channel head: the release a client resolves for that channel. */
export interface ChannelHead {
  readonly channel: ReleaseChannel;
  readonly release: ReleaseView;
  /** Its capabilities presented with tier words, colour class and meaning. */
  readonly capabilities: readonly CapabilityPresentation[];
}

/** Everything a plugin page and a catalog card need. */
export interface PluginView {
  readonly id: string;
  readonly name: string;
  readonly summary: string;
  readonly type: PluginType;
  readonly publisherId: string;
  readonly publisherName: string;
  readonly homepage: string | undefined;
  readonly repository: string | undefined;
  readonly license: string | undefined;
  readonly tags: readonly string[];
  /** Stable first, then alpha. */
  readonly heads: readonly ChannelHead[];
  /** Union of the heads' capabilities, first-seen order. */
  readonly capabilities: readonly string[];
  /** Highest tier among {@link capabilities} on the default line. */
  readonly risk: RiskPresentation;
  /** See {@link pluginVerification}. */
  readonly verified: boolean;
  /** One sentence explaining {@link verified}. */
  readonly verification: string;
  /** Every release, in index order. */
  readonly releases: readonly ReleaseView[];
  /** The facet model's view of this plugin. */
  readonly faceted: FacetedEntry;
  /** The original index entry (for the per-plugin JSON). */
  readonly entry: IndexPlugin;
}

/** A facet option with its label and total count. */
export interface FacetOption {
  readonly value: string;
  readonly label: string;
  readonly count: number;
}

/** The whole catalog. */
export interface CatalogModel {
  readonly status: IndexStatus;
  /** True when the index signature was verified against configured keys. */
  readonly signed: boolean;
  readonly plugins: readonly PluginView[];
  readonly pluginById: ReadonlyMap<string, PluginView>;
  readonly publishers: readonly PublisherView[];
  readonly publisherById: ReadonlyMap<string, PublisherView>;
  /** Options of every facet in display order, with total counts. */
  readonly facetOptions: { readonly [F in FacetName]: readonly FacetOption[] };
  /** Capability → number of plugins whose heads use it. */
  readonly capabilityUse: ReadonlyMap<string, number>;
}

/** What {@link buildCatalog} reads from a verified index. */
export type CatalogInput = Pick<VerifiedIndex, 'index' | 'signed' | 'signers' | 'revocations'>;

/** Options of {@link buildCatalog}. */
export interface CatalogOptions {
  /** Absolute URL of the published `plugins.json`, named by install commands. */
  indexUrl?: string;
}

const TYPE_LABELS: Readonly<Record<PluginType, string>> = { system: 'System', wasm: 'WebAssembly', worker: 'Worker' };
const CHANNEL_LABELS: Readonly<Record<ReleaseChannel, string>> = { stable: 'Stable', alpha: 'Alpha' };

/** Display label of a plugin type. */
export function typeLabel(type: PluginType): string {
  return TYPE_LABELS[type];
}

/**
 * Whether the catalog calls a plugin "verified", and why.
 *
 * Verified means: listed in an index whose signature the build checked against
 * configured keys (status `official`), with the publisher's current key not
 * revoked and at least one channel head not revoked. It does not make the
 * publisher trusted — that is the operator's install policy (DESIGN §1).
 */
export function pluginVerification(
  signed: boolean,
  publisherKeyRevoked: boolean,
  heads: readonly { revoked: string | undefined }[],
): { verified: boolean; reason: string } {
  if (!signed) return { verified: false, reason: 'Not verified: the index is an unsigned draft.' };
  if (publisherKeyRevoked) return { verified: false, reason: 'Not verified: the publisher’s current key is revoked.' };
  if (heads.length > 0 && heads.every((h) => h.revoked !== undefined)) {
    return { verified: false, reason: 'Not verified: every current release is revoked.' };
  }
  return { verified: true, reason: 'Verified: listed in the signed index; current releases are not revoked.' };
}

function keyIdOf(b64: string): string {
  const bytes = decodeCanonicalBase64(b64, 32);
  // The validator already required 32-byte canonical keys; fail loudly if not.
  if (bytes === null) throw new TypeError(`not a canonical 32-byte key: ${b64}`);
  return keyId(bytes);
}

function releaseView(plugin: IndexPlugin, release: IndexRelease, input: CatalogInput, publisher: IndexPublisher | undefined, opts: CatalogOptions): ReleaseView {
  const heads = RELEASE_CHANNELS.filter((c) => plugin.channels[c] === release.version);
  const capabilities = release.capabilities ?? plugin.capabilities;
  const revoked = releaseRevocation(input.revocations, publisher, plugin, release);
  return {
    version: release.version,
    channel: release.channel,
    heads,
    publishedAt: release.published_at,
    artifactSha256: release.artifact_sha256,
    manifestSha256: release.manifest_sha256,
    manifestUrl: release.manifest_url,
    artifactUrl: release.artifact_url,
    capabilities,
    revoked,
    installCommand: installCommand(plugin.id, release.version, release.channel, opts.indexUrl),
    compatibility: loadability(plugin.type, capabilities),
  };
}

/**
 * The sentence a publisher page shows for "Signed this index".
 * @param signed - the index met the trusted-key threshold.
 * @param signedWith - the fingerprint of this publisher's key that signed, if one did.
 * @param claimedBy - fingerprints of counted signatures that name this publisher but are not its keys.
 */
export function signedIndexWords(signed: boolean, signedWith: string | undefined, claimedBy: readonly string[]): string {
  if (!signed) return 'No — this index is an unsigned draft.';
  if (signedWith !== undefined) return `Yes — key ${signedWith} of this publisher made a signature of the verified index.`;
  if (claimedBy.length > 0) {
    return `No — a signature names this publisher, but it was made by key ${claimedBy.join(', ')}, which is not a key of this publisher.`;
  }
  return 'No — none of this publisher’s keys signed this index; it is listed in an index signed by other keys.';
}

/**
 * Derive the catalog from a verified index.
 * @param input - the verified index (`verifyIndex(...).verified`).
 * @returns the model every page renders; O(plugins + releases).
 * @example const model = buildCatalog(verifyIndex(bytes, trust, { now, allowDraft: true }).verified);
 */
export function buildCatalog(input: CatalogInput, opts: CatalogOptions = {}): CatalogModel {
  const { index, signed } = input;
  const signerKeyids = new Set(input.signers.map((s) => s.keyid));
  const indexPublishers = new Map(index.publishers.map((p) => [p.id, p]));
  const pluginIdsByPublisher = new Map<string, string[]>();
  for (const p of index.plugins) {
    const list = pluginIdsByPublisher.get(p.publisher) ?? [];
    list.push(p.id);
    pluginIdsByPublisher.set(p.publisher, list);
  }

  const publishers: PublisherView[] = index.publishers.map((p: IndexPublisher) => {
    const keyids = [keyIdOf(p.public_key_ed25519), ...(p.key_history ?? []).map((h) => keyIdOf(h.public_key_ed25519))];
    const signedWith = keyids.find((k) => signerKeyids.has(k));
    const claimedBy = input.signers.filter((s) => s.publisher === p.id && !keyids.includes(s.keyid));
    return {
      id: p.id,
      name: p.name,
      homepage: p.homepage,
      publicKey: p.public_key_ed25519,
      keyid: keyIdOf(p.public_key_ed25519),
      keyRevoked: keyRevocation(input.revocations, p.public_key_ed25519),
      keyHistory: (p.key_history ?? []).map((h) => ({
        publicKey: h.public_key_ed25519,
        keyid: keyIdOf(h.public_key_ed25519),
        validFrom: h.valid_from,
        validUntil: h.valid_until,
        revoked: keyRevocation(input.revocations, h.public_key_ed25519),
      })),
      signedIndex: signedWith !== undefined,
      signedIndexWords: signedIndexWords(signed, signedWith, claimedBy.map((s) => s.keyid)),
      pluginIds: pluginIdsByPublisher.get(p.id) ?? [],
    };
  });
  const publisherById = new Map(publishers.map((p) => [p.id, p]));

  const capabilityUse = new Map<string, number>();
  const plugins: PluginView[] = index.plugins.map((plugin) => {
    const indexPublisher = indexPublishers.get(plugin.publisher);
    const releases = plugin.releases.map((r) => releaseView(plugin, r, input, indexPublisher, opts));
    const byVersion = new Map(releases.map((r) => [r.version, r]));
    const heads: ChannelHead[] = [];
    for (const channel of RELEASE_CHANNELS) {
      const v = plugin.channels[channel];
      const release = v === undefined ? undefined : byVersion.get(v);
      if (release !== undefined) {
        heads.push({ channel, release, capabilities: release.capabilities.map((c) => capabilityPresentation(c, DEFAULT_SERVER_LINE)) });
      }
    }
    const capabilities = [...new Set(heads.flatMap((h) => h.release.capabilities))];
    for (const c of capabilities) capabilityUse.set(c, (capabilityUse.get(c) ?? 0) + 1);
    const publisher = publisherById.get(plugin.publisher);
    const verification = pluginVerification(signed, publisher?.keyRevoked !== undefined, heads.map((h) => h.release));
    const risk = highestRiskPresentation(capabilities);
    const faceted: FacetedEntry = {
      text: searchText([plugin.id, plugin.name, plugin.summary, plugin.publisher, publisher?.name, ...(plugin.tags ?? []), ...capabilities]),
      values: {
        type: [plugin.type],
        risk: [risk.tier],
        cap: capabilities,
        publisher: [plugin.publisher],
        channel: heads.map((h) => h.channel),
        verified: [verification.verified ? 'yes' : 'no'],
      },
    };
    return {
      id: plugin.id,
      name: plugin.name,
      summary: plugin.summary ?? '',
      type: plugin.type,
      publisherId: plugin.publisher,
      publisherName: publisher?.name ?? plugin.publisher,
      homepage: plugin.homepage,
      repository: plugin.repository,
      license: plugin.license,
      tags: plugin.tags ?? [],
      heads,
      capabilities,
      risk,
      verified: verification.verified,
      verification: verification.reason,
      releases,
      faceted,
      entry: plugin,
    };
  });

  return {
    status: index.status,
    signed,
    plugins,
    pluginById: new Map(plugins.map((p) => [p.id, p])),
    publishers,
    publisherById,
    facetOptions: facetOptions(plugins, publishers),
    capabilityUse,
  };
}

function facetOptions(plugins: readonly PluginView[], publishers: readonly PublisherView[]): CatalogModel['facetOptions'] {
  const totals = {} as Record<FacetName, Map<string, number>>;
  for (const f of FACETS) totals[f] = new Map();
  for (const p of plugins) for (const f of FACETS) for (const v of new Set(p.faceted.values[f])) totals[f].set(v, (totals[f].get(v) ?? 0) + 1);
  const count = (f: FacetName, v: string): number => totals[f].get(v) ?? 0;
  const publisherName = new Map(publishers.map((p) => [p.id, p.name]));
  return {
    type: PLUGIN_TYPES.map((v) => ({ value: v, label: TYPE_LABELS[v], count: count('type', v) })),
    risk: RISK_TIERS.map((v) => ({ value: v, label: riskPresentation(v).words, count: count('risk', v) })),
    cap: [...totals.cap.keys()].sort().map((v) => ({ value: v, label: v, count: count('cap', v) })),
    publisher: [...totals.publisher.keys()].sort().map((v) => ({ value: v, label: publisherName.get(v) ?? v, count: count('publisher', v) })),
    channel: RELEASE_CHANNELS.map((v) => ({ value: v, label: CHANNEL_LABELS[v], count: count('channel', v) })),
    verified: [
      { value: 'yes', label: 'Listed in the signed index', count: count('verified', 'yes') },
      { value: 'no', label: 'Not verified', count: count('verified', 'no') },
    ],
  };
}
