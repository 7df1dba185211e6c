// Astro configuration of the catalog (DESIGN §8). Static output only; no
// integration, font or CDN that needs the network.
//
// The index, its trusted keys and the site URL come from the environment and
// are read by site/src/lib/settings.ts when the pages load the index; see that
// module for the variables. Only build locations are decided here:
//   LATTICE_SITE_OUT_DIR    output directory      (default site/dist)
//   LATTICE_SITE_CACHE_DIR  Astro/Vite cache      (default node_modules/.cache/lattice-site)
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { defineConfig } from 'astro/config';

// Astro's anonymous telemetry would phone home during builds; the catalog
// build must not touch the network.
process.env.ASTRO_TELEMETRY_DISABLED = '1';

const siteRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = path.resolve(siteRoot, '..');
const env = process.env;
// Relative LATTICE_INDEX_FILE paths resolve against the repository (site/src/lib/settings.ts).
env.LATTICE_SITE_REPO_ROOT = repoRoot;

function siteUrl() {
  const v = env.LATTICE_SITE_URL?.trim();
  return v ? v : 'http://127.0.0.1:4321/';
}

export default defineConfig({
  root: siteRoot,
  srcDir: path.join(siteRoot, 'src'),
  publicDir: path.join(siteRoot, 'public'),
  outDir: env.LATTICE_SITE_OUT_DIR ? path.resolve(env.LATTICE_SITE_OUT_DIR) : path.join(siteRoot, 'dist'),
  cacheDir: env.LATTICE_SITE_CACHE_DIR ? path.resolve(env.LATTICE_SITE_CACHE_DIR) : path.join(repoRoot, 'node_modules/.cache/lattice-site'),
  site: siteUrl(),
  output: 'static',
  integrations: [
    {
      // Local build steps, no network: the plugin and listing pages from
      // their routes' template pages (site/src/lib/plugin-pages.ts,
      // listing-pages.ts),
      // /api/plugins/<id>.json from the same verified index the pages
      // rendered (site/src/lib/plugin-api.ts), and
      // the Pagefind search index (site/src/lib/search-index.ts).
      name: 'lattice-plugin-api',
      // The pages' bundle registers the step when it loads the verified index
      // (site/src/lib/load-index.ts); importing the TypeScript here instead would
      // make Vite load the whole library a second time just for the config.
      hooks: {
        // The site's base path, for the search records' URLs, and the cache
        // directory, where the search index is staged while the pages render
        // (site/src/lib/load-index.ts, search-index.ts).
        // `astro build` renders the plugin and listing routes as template pages
        // (site/src/lib/page-template.ts); the dev server renders every page.
        'astro:config:setup': ({ command }) => {
          globalThis[Symbol.for('@latticenet/plugin-index/site-command')] = command;
        },
        'astro:config:done': ({ config }) => {
          globalThis[Symbol.for('@latticenet/plugin-index/site-base')] = config.base;
          globalThis[Symbol.for('@latticenet/plugin-index/site-staging')] = path.join(fileURLToPath(config.cacheDir), 'search-staging');
        },
        'astro:build:done': async ({ dir, logger }) => {
          const step = globalThis[Symbol.for('@latticenet/plugin-index/site-build')];
          if (typeof step?.writePluginApi !== 'function' || typeof step?.writePluginPages !== 'function' || typeof step?.writeListingPages !== 'function') {
            throw new Error('catalog build: the pages never loaded the verified index, so the plugin pages and /api/plugins/*.json cannot be written');
          }
          const out = fileURLToPath(dir);
          let t = performance.now();
          const [pages, listings] = await Promise.all([step.writePluginPages(out), step.writeListingPages(out)]);
          logger.info(`wrote ${pages} plugin page(s) and ${listings} listing page(s) from their routes' template pages in ${Math.round(performance.now() - t)} ms`);
          t = performance.now();
          const n = await step.writePluginApi(out);
          logger.info(`wrote ${n} per-plugin JSON file(s) in ${Math.round(performance.now() - t)} ms`);
          // The search index (site/src/lib/search-index.ts) has been built while the
          // pages rendered; wait for it, move pagefind/ into place, write search-terms.json.
          t = performance.now();
          const records = await step.searchIndex.write(out);
          logger.info(`wrote the search index of ${records} plugin(s) (waited ${Math.round(performance.now() - t)} ms)`);
        },
      },
    },
  ],
  trailingSlash: 'ignore',
  build: { format: 'directory', inlineStylesheets: 'never' },
  compressHTML: true,
  devToolbar: { enabled: false },
  prefetch: false,
  scopedStyleStrategy: 'class',
  vite: {
    // Keep Vite's dependency cache out of site/ (no nested node_modules).
    cacheDir: env.LATTICE_SITE_CACHE_DIR ? path.resolve(env.LATTICE_SITE_CACHE_DIR, 'vite') : path.join(repoRoot, 'node_modules/.cache/lattice-site/vite'),
    // The pages import the project's own src/ (outside the site root).
    server: { fs: { allow: [repoRoot] } },
    logLevel: 'warn',
    build: { chunkSizeWarningLimit: 2048 },
  },
});
