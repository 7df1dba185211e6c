/**
 * Static browsing: the paginated listing pages (`/browse/`, `/browse/page/N/`),
 * their sort variants (`/browse/sort/updated/…`, `/browse/sort/risk/…`) and the
 * per-facet landing pages (`/browse/type/wasm/`, `/browse/publisher/acme/page/2/`).
 * Every one is a real page, so browsing works without JavaScript, and every
 * page holds at most {@link PAGE_SIZE} cards and a bounded filter panel, so
 * nothing on a page grows with the catalog.
 *
 * Build cost: {@link listingPlan} sorts and groups the catalog ONCE per build
 * (memoised per model, O(plugins · log plugins)); a page then renders its own
 * slice and shares the one pre-rendered filter panel. No page looks at the
 * whole catalog.
 *
 * Pure and DOM-free (runs in Node and vitest).
 *
 * @module
 */
import { RISK_TIERS } from '../../../src/core/server-line.js';
import type { CatalogModel, FacetOption, PluginView, PublisherView } from './catalog.js';
import type { FacetName } from './facets.js';
import type { RevokedArtifact, RevokedKey, RevokedRelease } from '../../../src/core/index/types.js';
import type { NormalizedRevocations } from '../../../src/domain/index/revocation.js';

/** Cards per listing page. */
export const PAGE_SIZE = 48;
/** Rows per page of the publisher list (`/publishers/`, `/publishers/page/N/`). */
export const PUBLISHERS_PAGE_SIZE = 100;
/** Rows per page of the revocations list (`/revocations/`, `/revocations/page/N/`), all three tables together. */
export const REVOCATIONS_PAGE_SIZE = 100;
/** Most values a facet shows in a filter panel (the rest: "all publishers" / search). */
export const FACET_PANEL_LIMIT = 12;
/** Facets with static landing pages (cap is searched, and has /capabilities/). */
export const LANDING_FACETS = Object.freeze(['type', 'risk', 'publisher', 'channel', 'verified'] as const satisfies readonly FacetName[]);
export type LandingFacet = (typeof LANDING_FACETS)[number];

/** Sort orders of the listing. `name` is the default and has the shortest URLs. */
export const SORTS = Object.freeze(['name', 'updated', 'risk'] as const);
export type SortName = (typeof SORTS)[number];
/** Words for a sort order. */
export const SORT_LABELS: Readonly<Record<SortName, string>> = { name: 'Name', updated: 'Last updated', risk: 'Lowest risk first' };

/** Latest `published_at` of a plugin's releases (ISO string), or '' when none is recorded. */
export function lastUpdated(p: PluginView): string {
  let best = '';
  for (const r of p.releases) if (r.publishedAt !== undefined && r.publishedAt > best) best = r.publishedAt;
  return best;
}

const RISK_RANK = new Map<string, number>(RISK_TIERS.map((t, i) => [t, i]));
/** Rank of a plugin's highest risk tier (0 = lowest). */
export function riskRank(p: PluginView): number {
  return RISK_RANK.get(p.risk.tier) ?? RISK_TIERS.length;
}

const byName = (a: PluginView, b: PluginView): number => {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

/**
 * The catalog in one sort order (a new array; ties broken by name then id, so
 * the order is total and stable across builds).
 */
export function sortPlugins(plugins: readonly PluginView[], sort: SortName): PluginView[] {
  if (sort === 'name') return [...plugins].sort(byName);
  if (sort === 'risk') {
    const rank = new Map(plugins.map((p) => [p, riskRank(p)]));
    return [...plugins].sort((a, b) => rank.get(a)! - rank.get(b)! || byName(a, b));
  }
  const updated = new Map(plugins.map((p) => [p, lastUpdated(p)]));
  return [...plugins].sort((a, b) => {
    const x = updated.get(a)!;
    const y = updated.get(b)!;
    return x > y ? -1 : x < y ? 1 : byName(a, b);
  });
}

/** Number of pages for `n` items (at least 1: an empty listing is one empty page). */
export function pageCount(n: number, size = PAGE_SIZE): number {
  return Math.max(1, Math.ceil(n / size));
}

/** Page numbers a pagination bar shows: first, last, and two either side of the current; `0` marks a gap. */
export function pageWindow(current: number, total: number): number[] {
  const out: number[] = [];
  for (let n = 1; n <= total; n++) {
    if (n === 1 || n === total || Math.abs(n - current) <= 2) out.push(n);
    else if (out[out.length - 1] !== 0) out.push(0);
  }
  return out;
}

/** Where a listing lives: the whole catalog in a sort order, or one facet value. */
export type ListingScope = { readonly kind: 'all'; readonly sort: SortName } | { readonly kind: 'facet'; readonly facet: LandingFacet; readonly value: string };

function under(base: string, rest: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}${rest}`;
}

/** The path (below the site root, no leading slash, trailing slash) of page `n` of a scope. */
export function listingRest(scope: ListingScope, n = 1): string {
  const head = scope.kind === 'all' ? (scope.sort === 'name' ? 'browse/' : `browse/sort/${scope.sort}/`) : `browse/${scope.facet}/${encodeURIComponent(scope.value)}/`;
  return n <= 1 ? head : `${head}page/${n}/`;
}

/** URL of page `n` of a listing. */
export function listingPath(base: string, scope: ListingScope, n = 1): string {
  return under(base, listingRest(scope, n));
}

/** The search page, optionally with a state query string (`?q=…&type=…`). */
export function searchPath(base: string, query = ''): string {
  return under(base, `search/${query}`);
}

/** One static listing page. */
export interface ListingPage {
  /** Astro rest parameter: `undefined` for `/browse/`, else e.g. `type/wasm/page/2`. */
  readonly path: string | undefined;
  readonly scope: ListingScope;
  /** 1-based page number. */
  readonly page: number;
  readonly pages: number;
  /** Plugins in the whole scope. */
  readonly total: number;
  /** This page's plugins. */
  readonly plugins: readonly PluginView[];
}

/** Every listing page of a catalog, and what the filter panels show. */
export interface ListingPlan {
  readonly pages: readonly ListingPage[];
  /** Per landing facet: its options with a count > 0 (the ones a link can go to), most plugins first after the first {@link FACET_PANEL_LIMIT}. */
  readonly panel: { readonly [F in LandingFacet]: readonly FacetOption[] };
  /** Per landing facet: how many values have plugins (the panel may show fewer). */
  readonly valueCount: { readonly [F in LandingFacet]: number };
}

const PLANS = new WeakMap<CatalogModel, ListingPlan>();

function paginate(scope: ListingScope, sorted: readonly PluginView[], out: ListingPage[]): void {
  const pages = pageCount(sorted.length);
  for (let n = 1; n <= pages; n++) {
    const rest = listingRest(scope, n).replace(/^browse\//, '').replace(/\/$/, '');
    out.push({ path: rest === '' ? undefined : rest, scope, page: n, pages, total: sorted.length, plugins: sorted.slice((n - 1) * PAGE_SIZE, n * PAGE_SIZE) });
  }
}

/** Options of a facet worth a link: count > 0; closed facets keep their order, open ones (publisher) go most-plugins first. */
function panelOptions(model: CatalogModel, facet: LandingFacet): FacetOption[] {
  const live = model.facetOptions[facet].filter((o) => o.count > 0);
  if (facet !== 'publisher') return live;
  return [...live].sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0)).slice(0, FACET_PANEL_LIMIT);
}

/**
 * Plan every listing page of a catalog (memoised per model).
 * @returns pages in a stable order: `/browse/` first.
 */
export function listingPlan(model: CatalogModel): ListingPlan {
  const cached = PLANS.get(model);
  if (cached) return cached;
  const pages: ListingPage[] = [];
  const byNameAll = sortPlugins(model.plugins, 'name');
  for (const sort of SORTS) paginate({ kind: 'all', sort }, sort === 'name' ? byNameAll : sortPlugins(model.plugins, sort), pages);
  // Facet landing pages, in name order: group the name-sorted list once.
  for (const facet of LANDING_FACETS) {
    const groups = new Map<string, PluginView[]>();
    for (const p of byNameAll) {
      for (const v of new Set(p.faceted.values[facet])) {
        const g = groups.get(v);
        if (g) g.push(p);
        else groups.set(v, [p]);
      }
    }
    for (const [value, list] of groups) paginate({ kind: 'facet', facet, value }, list, pages);
  }
  const panel = {} as Record<LandingFacet, FacetOption[]>;
  const valueCount = {} as Record<LandingFacet, number>;
  for (const f of LANDING_FACETS) {
    panel[f] = panelOptions(model, f);
    valueCount[f] = model.facetOptions[f].filter((o) => o.count > 0).length;
  }
  const plan = { pages, panel, valueCount };
  PLANS.set(model, plan);
  return plan;
}

/** One page of the publisher list. */
export interface PublisherListPage {
  /** 1-based page number. */
  readonly page: number;
  readonly pages: number;
  readonly total: number;
  readonly publishers: readonly PublisherView[];
}

/**
 * The publisher list in pages of {@link PUBLISHERS_PAGE_SIZE}, in the index's
 * order, so no page of `/publishers/` grows with the number of publishers.
 */
export function publisherListPages(model: CatalogModel): PublisherListPage[] {
  const all = model.publishers;
  const pages = pageCount(all.length, PUBLISHERS_PAGE_SIZE);
  const out: PublisherListPage[] = [];
  for (let n = 1; n <= pages; n++) {
    out.push({ page: n, pages, total: all.length, publishers: all.slice((n - 1) * PUBLISHERS_PAGE_SIZE, n * PUBLISHERS_PAGE_SIZE) });
  }
  return out;
}

/**
 * The plugins a publisher page lists: at most {@link PAGE_SIZE}, in the
 * index's order, so the page does not grow with the publisher's catalog (the
 * landing page `/browse/publisher/<id>/` pages through all of them).
 */
export function publisherPagePlugins(model: CatalogModel, publisher: PublisherView): { readonly shown: readonly PluginView[]; readonly total: number } {
  const shown = publisher.pluginIds.slice(0, PAGE_SIZE).map((id) => model.pluginById.get(id)).filter((p): p is PluginView => p !== undefined);
  return { shown, total: publisher.pluginIds.length };
}

const LABELS = new WeakMap<CatalogModel, Map<string, string>>();
/** The label of a facet value (publisher name, tier words …), or the value itself (one map per build). */
export function facetValueLabel(model: CatalogModel, facet: FacetName, value: string): string {
  let labels = LABELS.get(model);
  if (!labels) {
    labels = new Map();
    for (const [f, options] of Object.entries(model.facetOptions)) for (const o of options) labels.set(`${f}=${o.value}`, o.label);
    LABELS.set(model, labels);
  }
  return labels.get(`${facet}=${value}`) ?? value;
}

/** The three kinds of revocation, in the order the revocations pages list them. */
export const REVOCATION_KINDS = Object.freeze(['releases', 'artifacts', 'keys'] as const);
export type RevocationKind = (typeof REVOCATION_KINDS)[number];

/** One page of the revocations list. */
export interface RevocationsPage {
  /** 1-based page number. */
  readonly page: number;
  readonly pages: number;
  /** This page's rows of each table (empty when the table has none here). */
  readonly rows: { readonly releases: readonly RevokedRelease[]; readonly artifacts: readonly RevokedArtifact[]; readonly keys: readonly RevokedKey[] };
  /** Per table: how many entries in all, and the pages its rows are on (`[first, last]`, or undefined when it has none). */
  readonly tables: Readonly<Record<RevocationKind, { readonly total: number; readonly pages: readonly [number, number] | undefined }>>;
}

/**
 * The revocations list in pages of {@link REVOCATIONS_PAGE_SIZE} rows: the
 * releases, then the artifact digests, then the keys, each in the index's
 * order, cut into pages as one sequence — so no page of `/revocations/` grows
 * with the number of revocations. Always at least one page.
 */
export function revocationPages(r: NormalizedRevocations): RevocationsPage[] {
  const size = REVOCATIONS_PAGE_SIZE;
  const total = r.releases.length + r.artifacts.length + r.keys.length;
  const pages = pageCount(total, size);
  // Offset of each table in the one sequence.
  const start = { releases: 0, artifacts: r.releases.length, keys: r.releases.length + r.artifacts.length };
  const tables = {} as Record<RevocationKind, { total: number; pages: [number, number] | undefined }>;
  for (const k of REVOCATION_KINDS) {
    const n = r[k].length;
    tables[k] = { total: n, pages: n === 0 ? undefined : [Math.floor(start[k] / size) + 1, Math.floor((start[k] + n - 1) / size) + 1] };
  }
  const out: RevocationsPage[] = [];
  for (let page = 1; page <= pages; page++) {
    const lo = (page - 1) * size;
    const hi = lo + size;
    const slice = <T>(k: RevocationKind, list: readonly T[]): readonly T[] => list.slice(Math.max(0, lo - start[k]), Math.max(0, hi - start[k]));
    out.push({ page, pages, rows: { releases: slice('releases', r.releases), artifacts: slice('artifacts', r.artifacts), keys: slice('keys', r.keys) }, tables });
  }
  return out;
}
