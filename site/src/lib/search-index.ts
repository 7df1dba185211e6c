/**
 * Writes the search index (site/src/lib/search-records.ts) with Pagefind's
 * Node API — its local binary, no network — into `<out>/pagefind/`, the
 * did-you-mean term list into `<out>/search-terms.json`, the facet table
 * (search-facets.ts) into `<out>/search-facets.json` and the result cards
 * (search-cards.ts) into `<out>/search-cards/`.
 *
 * The whole index is built WHILE Astro renders the pages: as soon as the
 * build has the verified model (load-index.ts), Pagefind's own process adds
 * the records and then writes its files into a staging directory (in the
 * build's cache directory, so on the output's file system as a rule). The
 * `astro:build:done` hook (astro.config.mjs) only waits for that and moves
 * the finished directory into place — on a two-core machine the Pagefind
 * process runs on the core the renderer leaves idle, instead of after it.
 * Pagefind never parses the HTML pages.
 *
 * Node-only.
 *
 * @module
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { CatalogModel } from './catalog.js';
import { sortPlugins } from './listing.js';
import { pluginPath } from './paths.js';
import { SEARCH_TERMS_FILE, searchRecords, searchTerms } from './search-records.js';
import { SEARCH_FACETS_FILE, pagefindIndexTag, searchFacetsFile } from './search-facets.js';
import { SEARCH_CARDS_DIR, searchCardFiles } from './search-cards.js';

/** Directory of the Pagefind bundle below the output root. */
export const PAGEFIND_DIR = 'pagefind';

/** A search index being built. */
export interface PendingSearchIndex {
  /** Wait for the index, move the bundle into `outDir` and write the term list; returns the number of records. */
  write(outDir: string): Promise<number>;
}

type Pagefind = typeof import('pagefind');

function failed(what: string, errors: readonly string[]): Error {
  return new Error(`catalog build: Pagefind ${what} failed: ${errors.join('; ')}`);
}

/** Header of Pagefind's decompressed files. */
const PAGEFIND_MAGIC = 'pagefind_dcd';

/**
 * Each plugin's Pagefind page id (the id of its search result), in name
 * order: read back from the bundle's one fragment file (`maxFragments: 1`),
 * which maps page ids to the records (their URLs).
 */
async function pageIds(bundle: string, model: CatalogModel, base: string): Promise<string[]> {
  const dir = path.join(bundle, 'fragment');
  const files = await readdir(dir);
  if (files.length !== 1) throw new Error(`catalog build: expected one Pagefind fragment file in ${dir}, found ${files.length}`);
  const raw = gunzipSync(await readFile(path.join(dir, files[0]!)));
  if (raw.subarray(0, PAGEFIND_MAGIC.length).toString() !== PAGEFIND_MAGIC) throw new Error(`catalog build: expected a Pagefind fragment file in ${dir}, found another format`);
  const fragments = JSON.parse(raw.subarray(PAGEFIND_MAGIC.length).toString()) as Record<string, { url?: unknown }>;
  const byUrl = new Map<string, string>();
  for (const [id, f] of Object.entries(fragments)) if (typeof f?.url === 'string') byUrl.set(f.url, id);
  return sortPlugins(model.plugins, 'name').map((p) => {
    const id = byUrl.get(pluginPath(base, p.id));
    if (id === undefined) throw new Error(`catalog build: the Pagefind bundle has no page for ${pluginPath(base, p.id)}`);
    return id;
  });
}

/**
 * Start indexing `model` now and write the bundle into a fresh directory
 * below `stagingParent`; nothing reaches the output until {@link PendingSearchIndex.write}.
 */
export function startSearchIndex(model: CatalogModel, base: string, stagingParent: string): PendingSearchIndex {
  const ready = (async () => {
    await mkdir(stagingParent, { recursive: true });
    const staging = await mkdtemp(path.join(stagingParent, 'pagefind-'));
    const pagefind: Pagefind = await import('pagefind');
    try {
      // The search page never reads Pagefind's fragments (its cards come
      // from search-cards.ts): one fragment file instead of one per plugin
      // (20k files at 20k plugins) — with the records' lack of meta fields,
      // 40% less CPU in Pagefind's process at 20k.
      const created = await pagefind.createIndex({ forceLanguage: 'en', writePlayground: false, maxFragments: 1 });
      const index = created.index;
      if (!index) throw failed('createIndex', created.errors);
      const records = searchRecords(model, base);
      const added = await Promise.all(records.map((r) => index.addCustomRecord({ ...r })));
      for (const a of added) if (a.errors.length > 0) throw failed('addCustomRecord', a.errors);
      const bundle = path.join(staging, PAGEFIND_DIR);
      const written = await index.writeFiles({ outputPath: bundle });
      if (written.errors.length > 0) throw failed('writeFiles', written.errors);
      const entryFile = path.join(bundle, 'pagefind-entry.json');
      const tag = pagefindIndexTag(JSON.parse(await readFile(entryFile, 'utf8')));
      if (tag === undefined) throw new Error(`catalog build: expected languages with their hashes in ${entryFile}, found none`);
      return { staging, bundle, count: records.length, pages: await pageIds(bundle, model, base), tag };
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw e;
    } finally {
      await pagefind.close();
    }
  })();
  // Surfaced by write(); never an unhandled rejection while pages render.
  ready.catch(() => undefined);
  return {
    async write(outDir: string): Promise<number> {
      const { staging, bundle, count, pages, tag } = await ready;
      const target = path.join(outDir, PAGEFIND_DIR);
      try {
        await rm(target, { recursive: true, force: true });
        try {
          await rename(bundle, target);
        } catch (e) {
          // Another file system (EXDEV): copy instead of moving.
          if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
          await cp(bundle, target, { recursive: true });
        }
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
      await writeFile(path.join(outDir, SEARCH_TERMS_FILE), JSON.stringify(searchTerms(model)));
      await writeFile(path.join(outDir, SEARCH_FACETS_FILE), JSON.stringify(searchFacetsFile(model, pages, tag)));
      await mkdir(path.join(outDir, SEARCH_CARDS_DIR), { recursive: true });
      await Promise.all([...searchCardFiles(model, tag)].map(([file, cards]) => writeFile(path.join(outDir, file), JSON.stringify(cards))));
      return count;
    },
  };
}
