/**
 * What a plugin page shows beyond the catalog card — the facts people decide
 * from: the long description, when the plugin was last updated (in words and
 * as a timestamp), the capabilities with the high-risk ones first, and per
 * release what changed: the capability diff against the release before it
 * ("1.1.0 adds `kv:write` — writes data, medium risk"), where it loads (the
 * loadability matrix of DESIGN §4.5) and the publisher's release notes.
 *
 * Pure: the page passes the plugin, the index's server versions and "now";
 * the markup is in views.ts and plugins/[id].astro. Capability meanings and
 * tiers come from the one capability table (src/core/server-line.ts via
 * risk.ts); Markdown is rendered by src/core/markdown.ts (via html.ts).
 *
 * @module
 */
import { DESCRIPTION_MD_MAX_BYTES, NOTES_MD_MAX_BYTES } from '../../../src/core/limits.js';
import { RISK_TIERS } from '../../../src/core/server-line.js';
import { compareVersions } from '../../../src/core/version-range.js';
import type { ReleaseChannel } from '../../../src/core/index/types.js';
import type { PluginView, ReleaseView } from './catalog.js';
import { markdownHtml, type SafeHtml } from './html.js';
import { loadsOnMatrix, type LoadsOnState } from './loads-on.js';
import { relativeTimeWords } from './time-words.js';
import { capabilityPresentation, highestRiskPresentation, type CapabilityPresentation, type RiskPresentation } from './risk.js';

/** A point in time as the page shows it: the RFC 3339 value for `<time datetime>` and words relative to now. */
export interface TimeView {
  /** RFC 3339 UTC, as the index states it. */
  readonly iso: string;
  /** The calendar date, e.g. `2026-11-01`. */
  readonly date: string;
  /** e.g. `3 days ago`, `today`, `in 2 days` (a clock ahead of the reader's). */
  readonly words: string;
}

/** What changed in the capabilities from one release to the next. */
export interface CapabilityDiff {
  /** The release compared with (`undefined`: the first release). */
  readonly since: string | undefined;
  /** Capabilities the release asks for that the one before did not, most dangerous first. */
  readonly added: readonly CapabilityPresentation[];
  /** Capabilities the release no longer asks for, most dangerous first. */
  readonly removed: readonly CapabilityPresentation[];
  /** The highest tier before and after, when it changed. */
  readonly riskChange: { readonly from: RiskPresentation; readonly to: RiskPresentation } | undefined;
  /** The same, as sentences (plain text; each names the version). */
  readonly sentences: readonly string[];
}

/** One release in the history. */
export interface ReleaseHistoryEntry {
  readonly release: ReleaseView;
  readonly published: TimeView | undefined;
  readonly diff: CapabilityDiff;
  /** One cell per server version of the index (empty when the index has no matrix). */
  readonly loadsOn: readonly { readonly version: string; readonly state: LoadsOnState }[];
  /** The rendered `notes_md`, when the release has notes. */
  readonly notes: SafeHtml | undefined;
}

export { relativeTimeWords };

/** Everything the plugin page adds to the {@link PluginView}. */
export interface PluginDetails {
  /** The rendered `description_md`, when the plugin has one. */
  readonly about: SafeHtml | undefined;
  /** The newest `published_at` of any release (`undefined`: no release records one). */
  readonly lastUpdated: TimeView | undefined;
  /** The current releases' capabilities, high risk first, then by name. */
  readonly capabilities: readonly CapabilityPresentation[];
  /** Host-tier (high-risk) capabilities of the current releases, called out before anything else. */
  readonly highRisk: readonly CapabilityPresentation[];
  /** Every release, newest version first. */
  readonly history: readonly ReleaseHistoryEntry[];
}

/** A timestamp from the (verified) index as a {@link TimeView}. */
export function timeView(iso: string, nowMs: number): TimeView {
  return { iso, date: iso.slice(0, 10), words: relativeTimeWords(Date.parse(iso), nowMs) };
}

/** Most dangerous tier first, then by name: the order capabilities are listed in. */
export function byRiskThenName(a: CapabilityPresentation, b: CapabilityPresentation): number {
  return RISK_TIERS.indexOf(b.risk.tier) - RISK_TIERS.indexOf(a.risk.tier) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * The capability diff of `next` against `previous` (the release before it).
 * @param version - the version of `next`, named in the sentences.
 * @param previous - the release before (`undefined`: `next` is the first release).
 * @param next - the release's capabilities.
 * @example capabilityDiff('1.1.0', { version: '1.0.0', capabilities: ['kv:read'] }, ['kv:read', 'kv:write']).sentences
 * // ['1.1.0 adds kv:write — writes data, medium risk.', 'The highest risk rises from read only (low risk) to writes data (medium risk).']
 */
export function capabilityDiff(version: string, previous: { version: string; capabilities: readonly string[] } | undefined, next: readonly string[]): CapabilityDiff {
  const present = (names: Iterable<string>) => [...names].map((c) => capabilityPresentation(c)).sort(byRiskThenName);
  if (previous === undefined) {
    const all = present(new Set(next));
    return {
      since: undefined,
      added: all,
      removed: [],
      riskChange: undefined,
      sentences: [`${version} is the first release; it asks for ${all.length === 0 ? 'no capability' : all.map(capabilityPhrase).join('; ')}.`],
    };
  }
  const before = new Set(previous.capabilities);
  const after = new Set(next);
  const added = present([...after].filter((c) => !before.has(c)));
  const removed = present([...before].filter((c) => !after.has(c)));
  const from = highestRiskPresentation(before);
  const to = highestRiskPresentation(after);
  const riskChange = from.tier !== to.tier ? { from, to } : undefined;
  const sentences: string[] = [];
  if (added.length > 0) sentences.push(`${version} adds ${added.map(capabilityPhrase).join('; ')}.`);
  if (removed.length > 0) sentences.push(`${version} no longer asks for ${removed.map((c) => c.name).join(', ')}.`);
  if (riskChange !== undefined) {
    const rises = RISK_TIERS.indexOf(to.tier) > RISK_TIERS.indexOf(from.tier);
    sentences.push(`The highest risk ${rises ? 'rises' : 'falls'} from ${from.short.toLowerCase()} (${from.level}) to ${to.short.toLowerCase()} (${to.level}).`);
  }
  if (sentences.length === 0) sentences.push(`${version} asks for the same capabilities as ${previous.version}.`);
  return { since: previous.version, added, removed, riskChange, sentences };
}

/** `kv:write — writes data, medium risk` */
function capabilityPhrase(c: CapabilityPresentation): string {
  return `${c.name} — ${c.risk.short.toLowerCase()}, ${c.risk.level}`;
}

/**
 * The release a release is compared with: the highest lower version of the
 * same channel, else the highest lower version of any channel (the first
 * alpha of a stable plugin is compared with the stable release before it).
 * @param r - the release.
 * @param releases - all releases of its plugin, in any order.
 * @returns the release before it, or `undefined` for the first release.
 */
export function previousRelease<R extends { version: string; channel: string }>(r: R, releases: readonly R[]): R | undefined {
  let sameChannel: R | undefined;
  let any: R | undefined;
  for (const x of releases) {
    if (compareVersions(x.version, r.version) >= 0) continue;
    if (any === undefined || compareVersions(x.version, any.version) > 0) any = x;
    if (x.channel === r.channel && (sameChannel === undefined || compareVersions(x.version, sameChannel.version) > 0)) sameChannel = x;
  }
  return sameChannel ?? any;
}

/**
 * Derive a plugin page's details.
 * @param p - the plugin from the catalog model.
 * @param serverVersions - the index's `server_versions` (the loadability matrix columns).
 * @param nowMs - "now" for the words (the build time; the browser refreshes them).
 * @returns the details; O(releases²) per plugin, releases are few (a budget caps them).
 */
export function pluginDetails(p: PluginView, serverVersions: readonly string[] | undefined, nowMs: number): PluginDetails {
  const entry = p.entry;
  const sorted = [...p.releases].sort((a, b) => compareVersions(b.version, a.version));
  const rawByVersion = new Map(entry.releases.map((r) => [r.version, r]));
  const matrix = loadsOnMatrix(serverVersions, sorted.map((r) => rawByVersion.get(r.version)!));
  const history = sorted.map((release, k): ReleaseHistoryEntry => {
    const previous = previousRelease(release, sorted);
    const raw = rawByVersion.get(release.version)!;
    return {
      release,
      published: release.publishedAt !== undefined ? timeView(release.publishedAt, nowMs) : undefined,
      diff: capabilityDiff(release.version, previous, release.capabilities),
      loadsOn: matrix.columns.map((c, i) => ({ version: c.version, state: matrix.rows[k]!.cells[i]! })),
      notes: raw.notes_md !== undefined ? markdownHtml(raw.notes_md, NOTES_MD_MAX_BYTES, 4) : undefined, // headings under the h4 "Release notes"
    };
  });
  let newest: string | undefined;
  for (const r of p.releases) if (r.publishedAt !== undefined && (newest === undefined || Date.parse(r.publishedAt) > Date.parse(newest))) newest = r.publishedAt;
  const capabilities = [...new Set(p.heads.flatMap((h) => h.release.capabilities))].map((c) => capabilityPresentation(c)).sort(byRiskThenName);
  return {
    about: entry.description_md !== undefined ? markdownHtml(entry.description_md, DESCRIPTION_MD_MAX_BYTES, 2) : undefined,
    lastUpdated: newest !== undefined ? timeView(newest, nowMs) : undefined,
    capabilities,
    highRisk: capabilities.filter((c) => c.risk.tier === 'host'),
    history,
  };
}

/** The channel label of a release in the history. */
export function channelLabel(channel: ReleaseChannel): string {
  return channel === 'stable' ? 'Stable' : 'Alpha';
}
