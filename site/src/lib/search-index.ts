/**
 * Writes the search index (site/src/lib/search-records.ts) with Pagefind's
 * Node API — its local binary, no network — into `<out>/pagefind/`, and the
 * did-you-mean term list into `<out>/search-terms.json`.
 *
 * Indexing starts as soon as the build has the verified model
 * (load-index.ts), so Pagefind works in its own process WHILE Astro renders
 * the pages; the `astro:build:done` hook (astro.config.mjs) only waits for it
 * and writes the files. Pagefind never parses the HTML pages.
 *
 * Node-only.
 *
 * @module
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CatalogModel } from './catalog.js';
import { SEARCH_TERMS_FILE, searchRecords, searchTerms } from './search-records.js';

/** Directory of the Pagefind bundle below the output root. */
export const PAGEFIND_DIR = 'pagefind';

/** A search index being built. */
export interface PendingSearchIndex {
  /** Wait for indexing, write the bundle and the term list; returns the number of records. */
  write(outDir: string): Promise<number>;
}

type Pagefind = typeof import('pagefind');

function failed(what: string, errors: readonly string[]): Error {
  return new Error(`catalog build: Pagefind ${what} failed: ${errors.join('; ')}`);
}

/** Start indexing `model` now; nothing is written until {@link PendingSearchIndex.write}. */
export function startSearchIndex(model: CatalogModel, base: string): PendingSearchIndex {
  const ready = (async () => {
    const pagefind: Pagefind = await import('pagefind');
    const created = await pagefind.createIndex({ forceLanguage: 'en' });
    const index = created.index;
    if (!index) throw failed('createIndex', created.errors);
    const records = searchRecords(model, base);
    const added = await Promise.all(records.map((r) => index.addCustomRecord({ ...r, meta: { ...r.meta }, filters: { ...r.filters }, sort: { ...r.sort } })));
    for (const a of added) if (a.errors.length > 0) throw failed('addCustomRecord', a.errors);
    return { pagefind, index, count: records.length };
  })();
  // Surfaced by write(); never an unhandled rejection while pages render.
  ready.catch(() => undefined);
  return {
    async write(outDir: string): Promise<number> {
      const { pagefind, index, count } = await ready;
      try {
        const written = await index.writeFiles({ outputPath: path.join(outDir, PAGEFIND_DIR) });
        if (written.errors.length > 0) throw failed('writeFiles', written.errors);
      } finally {
        await pagefind.close();
      }
      await writeFile(path.join(outDir, SEARCH_TERMS_FILE), JSON.stringify(searchTerms(model)));
      return count;
    },
  };
}
