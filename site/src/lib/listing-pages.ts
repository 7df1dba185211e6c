/**
 * Writes the static listing pages (`/browse/…`, site/src/lib/listing.ts) at
 * the end of the build from the listing route's template page
 * (page-template.ts): about 2,000 pages at 10k plugins that differ only in
 * their title, description and body (listing-views.ts listingPageBody, the
 * same function the route renders). The route renders the template page and
 * the first listing page (`/browse/`), which the page written here must
 * equal byte for byte.
 *
 * Node-only.
 *
 * @module
 */
import path from 'node:path';
import { listingPlan, type ListingPage } from './listing.js';
import { listingPageBody, listingPageHead } from './listing-views.js';
import { PAGE_SLOT, frameSlots, writeFromTemplate } from './page-template.js';
import type { SiteIndex } from './load-index.js';

/** Listing page paths: a-z 0-9 . - and `/` only (facet values are ids and fixed words; see listingRest). */
const SAFE_PATH = /^[a-z0-9.-]+(?:\/[a-z0-9.-]+)*$/;

/**
 * Write every listing page but the first (Astro's) from the template page.
 * @returns the number of listing pages.
 * @throws Error for a missing or malformed template page or a first page that
 *   differs from Astro's; TypeError for a page path with other characters.
 */
export function writeListingPages(outDir: string, site: SiteIndex, base: string): Promise<number> {
  const model = site.model;
  return writeFromTemplate<ListingPage>({
    routeDir: path.join(outDir, 'browse'),
    items: listingPlan(model).pages,
    dirOf: (page) => {
      if (page.path !== undefined && (!SAFE_PATH.test(page.path) || page.path.split('/').includes('..'))) {
        throw new TypeError(`refusing to write a listing page at ${JSON.stringify(page.path)}`);
      }
      return page.path ?? '';
    },
    what: 'listing',
    tokens: Object.values(PAGE_SLOT),
    slots: (shell) =>
      frameSlots<ListingPage>(shell, {
        title: (page) => listingPageHead(model, page).title,
        description: (page) => listingPageHead(model, page).description,
        body: (page) => listingPageBody(model, page, base).toString(),
      }),
  });
}
