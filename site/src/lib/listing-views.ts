/**
 * Markup of the browsing pages: the filter panel (links to facet landing
 * pages, rendered ONCE per build and shared by every listing page), sort
 * links and the pagination bar. Built with the escaping {@link html} template.
 *
 * @module
 */
import { flat, html, type SafeHtml } from './html.js';
import type { CatalogModel } from './catalog.js';
import {
  LANDING_FACETS,
  PAGE_SIZE,
  SORTS,
  SORT_LABELS,
  facetValueLabel,
  listingPath,
  listingPlan,
  pageWindow,
  searchPath,
  type LandingFacet,
  type ListingPage,
  type ListingScope,
  type SortName,
} from './listing.js';
import { publishersPath } from './paths.js';
import { pluginCards } from './views.js';
import { encodeState } from './url-state.js';
import { EMPTY_STATE } from './facets.js';

/** Legends of the facets, as the filter panels and the search page name them. */
export const FACET_LEGENDS: Readonly<Record<string, string>> = {
  type: 'Type',
  risk: 'Highest risk',
  cap: 'Capability',
  publisher: 'Publisher',
  channel: 'Channel',
  verified: 'Index status',
};

/**
 * Words for a `verified` facet value. Deliberately not the word "Verified":
 * a facet option is a filter, not a trust claim about what the visitor sees.
 */
export const VERIFIED_OPTION_LABELS: Readonly<Record<string, string>> = { yes: 'Signed index, not revoked', no: 'Unsigned or revoked' };

function optionLabel(facet: string, value: string, label: string): string {
  return facet === 'verified' ? (VERIFIED_OPTION_LABELS[value] ?? label) : label;
}

const PANELS = new WeakMap<CatalogModel, Map<string, SafeHtml>>();

/**
 * The browse panel: per landing facet, links to its landing pages with plugin
 * counts. Values without plugins are not links. Memoised per model and base:
 * every listing page shares one markup (rendered once per build).
 */
export function facetLinkGroups(model: CatalogModel, base: string): SafeHtml {
  let byBase = PANELS.get(model);
  if (!byBase) PANELS.set(model, (byBase = new Map()));
  let markup = byBase.get(base);
  if (markup === undefined) {
    const plan = listingPlan(model);
    markup = flat(html`${LANDING_FACETS.map((f: LandingFacet) => {
      const options = plan.panel[f];
      const more =
        f === 'publisher' && plan.valueCount.publisher > options.length
          ? html`<li><a href="${publishersPath(base)}">All ${plan.valueCount.publisher} publishers</a></li>`
          : '';
      // The index-status facet filters on a trust claim: withdrawn with the claims when the browser check fails.
      const claim = f === 'verified' ? 'facet' : undefined;
      return html`<section class="facet-links" aria-labelledby="facet-${f}" ${claim ? html`data-trust-claim="${claim}"` : ''}><h3 id="facet-${f}">${FACET_LEGENDS[f]}</h3><ul>${options.map(
        (o) => html`<li><a href="${listingPath(base, { kind: 'facet', facet: f, value: o.value })}">${optionLabel(f, o.value, o.label)}</a> <span class="count">${o.count}<span class="visually-hidden"> plugins</span></span></li>`,
      )}${more}</ul></section>`;
    })}`);
    byBase.set(base, markup);
  }
  return markup;
}

/** A search box that goes to the search page (a real page: GET /search/?q=…). */
export function searchBox(base: string, id: string): SafeHtml {
  return html`<form class="search-field" method="get" action="${searchPath(base)}" role="search" aria-label="Catalog search"><label for="${id}">Search plugins</label><div class="search-row"><input id="${id}" name="q" type="search" autocomplete="off" spellcheck="false" maxlength="200" /><button type="submit">Search</button></div></form>`;
}

/** Sort links of the whole-catalog listing; the current order is marked. */
export function sortLinks(base: string, current: SortName | undefined): SafeHtml {
  return html`<nav class="sort-links" aria-label="Sort"><span>Sort:</span> <ul>${SORTS.map((s) =>
    s === current
      ? html`<li><a href="${listingPath(base, { kind: 'all', sort: s })}" aria-current="page">${SORT_LABELS[s]}</a></li>`
      : html`<li><a href="${listingPath(base, { kind: 'all', sort: s })}">${SORT_LABELS[s]}</a></li>`,
  )}</ul></nav>`;
}

/** Pagination bar: previous, a bounded window of page numbers, next. Empty for a single page. */
export function paginationNav(base: string, page: Pick<ListingPage, 'scope' | 'page' | 'pages'>): SafeHtml {
  return pageLinks((n) => listingPath(base, page.scope as ListingScope, n), page.page, page.pages);
}

/** A pagination bar for any paged list: `href(n)` is the URL of page `n`; nothing when there is one page. */
export function pageLinks(href: (n: number) => string, current: number, pages: number): SafeHtml {
  if (pages <= 1) return html``;
  const prev = current > 1 ? html`<a href="${href(current - 1)}" rel="prev">Previous<span class="visually-hidden"> page</span></a>` : '';
  const next = current < pages ? html`<a href="${href(current + 1)}" rel="next">Next<span class="visually-hidden"> page</span></a>` : '';
  return html`<nav class="pagination" aria-label="Pages"><ul><li>${prev}</li>${pageWindow(current, pages).map((n) =>
    n === 0
      ? html`<li aria-hidden="true">…</li>`
      : n === current
        ? html`<li><a href="${href(n)}" aria-current="page"><span class="visually-hidden">Page </span>${n}</a></li>`
        : html`<li><a href="${href(n)}"><span class="visually-hidden">Page </span>${n}</a></li>`,
  )}<li>${next}</li></ul></nav>`;
}

/**
 * The side panel of the catalog and listing pages: the search box (GET
 * /search/, works without JavaScript) and the facet links behind a
 * disclosure (closed on phones; site/src/scripts/filters-disclosure.ts).
 * @param inputId - id of the search input (unique on the page).
 */
export function searchSide(model: CatalogModel, base: string, inputId: string): SafeHtml {
  return html`<div class="search-side"> ${searchBox(base, inputId)} <details class="filters" data-filters> <summary>Browse by type, risk, publisher…</summary> <div class="filters-body">${facetLinkGroups(model, base)}</div> </details> </div>`;
}

/** What a listing page is about, in words ("All plugins", "Type: WebAssembly"). */
function scopeWords(model: CatalogModel, scope: ListingScope): string {
  return scope.kind === 'all'
    ? 'All plugins'
    : `${FACET_LEGENDS[scope.facet]}: ${scope.facet === 'verified' ? (VERIFIED_OPTION_LABELS[scope.value] ?? scope.value) : facetValueLabel(model, scope.facet, scope.value)}`;
}

/** A listing page's title and description (the page frame's `<title>` and `<meta name="description">`). */
export function listingPageHead(model: CatalogModel, page: ListingPage): { title: string; description: string } {
  const words = scopeWords(model, page.scope);
  return {
    title: `${words}${page.pages > 1 ? ` — page ${page.page} of ${page.pages}` : ''}`,
    description: `${words}: plugins for the Lattice server from the signed plugin index.`,
  };
}

/**
 * The body of a static listing page (site/src/lib/listing.ts): breadcrumb,
 * heading, the side panel, sort links or the way back from a facet, the
 * result count, PAGE_SIZE cards and the pagination bar. One string: the
 * listing pages are written from a template page (listing-pages.ts).
 */
export function listingPageBody(model: CatalogModel, page: ListingPage, base: string): SafeHtml {
  const scope = page.scope;
  const words = scopeWords(model, scope);
  const all = listingPath(base, { kind: 'all', sort: 'name' });
  const first = (page.page - 1) * PAGE_SIZE + 1;
  const last = first + page.plugins.length - 1;
  const count = page.total === 0 ? 'No plugins.' : `${first}–${last} of ${page.total} plugin${page.total === 1 ? '' : 's'}`;
  return html`<nav aria-label="Breadcrumb"><a href="${base}">Catalog</a> / ${
    scope.kind === 'all' ? html`<span aria-current="page">Browse</span>` : html`<a href="${all}">Browse</a> / <span aria-current="page">${words}</span>`
  }</nav> <h1>${words}</h1> <div class="catalog"> ${searchSide(model, base, 'browse-q')} <section aria-labelledby="results-heading" id="results"> <h2 id="results-heading" class="visually-hidden">Plugins</h2> ${
    scope.kind === 'all'
      ? sortLinks(base, scope.sort)
      : html`<p><a href="${searchPath(base, encodeState({ ...EMPTY_STATE, [scope.facet]: [scope.value] }))}">Search within these, sort or combine filters</a> · <a href="${all}">Clear filter</a></p>`
  } <p class="result-count" data-result-count> ${count}${scope.kind === 'all' ? `, by ${SORT_LABELS[scope.sort].toLowerCase()}` : ', by name'} </p> <ul class="plugin-list" data-plugin-list>${pluginCards(page.plugins, base)}</ul> ${paginationNav(base, page)} </section> </div>`;
}
