/**
 * URLs of the catalog's pages and files, below the site's base path
 * (`import.meta.env.BASE_URL`, `/` unless Astro's `base` is set). One place,
 * so pages, the feed and the client scripts agree.
 *
 * @module
 */

/** Join the base path and a path below it. */
function under(base: string, rest: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}${rest}`;
}

/** The catalog (home) page. */
export const catalogPath = (base: string): string => under(base, '');
/** A plugin page. */
export const pluginPath = (base: string, id: string): string => under(base, `plugins/${encodeURIComponent(id)}/`);
/** A publisher page. */
export const publisherPath = (base: string, id: string): string => under(base, `publishers/${encodeURIComponent(id)}/`);
/** Page `n` of the publisher list (`/publishers/`, `/publishers/page/2/`, …). */
export const publishersPath = (base: string, n = 1): string => under(base, n <= 1 ? 'publishers/' : `publishers/page/${n}/`);
/** The capability reference; `#cap-…` anchors name each capability. */
export const capabilitiesPath = (base: string): string => under(base, 'capabilities/');
/** Anchor id of a capability on the reference page. */
export const capabilityAnchor = (name: string): string => `cap-${name.replace(/[^a-z0-9-]/gi, '-')}`;
/** Page `n` of the revocations list (`/revocations/`, `/revocations/page/2/`, …). */
export const revocationsPath = (base: string, n = 1): string => under(base, n <= 1 ? 'revocations/' : `revocations/page/${n}/`);
/** The signed index, byte-identical to the file the build verified. */
export const indexJsonPath = (base: string): string => under(base, 'plugins.json');
/** Per-plugin JSON. */
export const pluginJsonPath = (base: string, id: string): string => under(base, `api/plugins/${encodeURIComponent(id)}.json`);
/** The Atom feed of releases. */
export const FEED_FILE = 'feed.atom';
export const feedPath = (base: string): string => under(base, FEED_FILE);
/** Facets with static landing pages (site/src/lib/listing.ts LANDING_FACETS). */
const LANDING_FACETS: ReadonlySet<string> = new Set(['type', 'risk', 'publisher', 'channel', 'verified']);
/**
 * The catalog filtered by one facet value: its static landing page
 * (`/browse/publisher/demo/`, works without JavaScript) when the facet has
 * them, else the search page (`/search/?cap=kv%3Aread`).
 */
export const facetLink = (base: string, facet: string, value: string): string =>
  LANDING_FACETS.has(facet)
    ? under(base, `browse/${facet}/${encodeURIComponent(value)}/`)
    : under(base, `search/?${new URLSearchParams([[facet, value]]).toString()}`);
/** The repository v2 (TUF) under the site: `metadata/` and `targets/` below it. */
export const repositoryPath = (base: string): string => under(base, 'repository/');
/** The repository's timestamp role, where a TUF client starts after the pinned root. */
export const repositoryTimestampPath = (base: string): string => under(base, 'repository/metadata/timestamp.json');
