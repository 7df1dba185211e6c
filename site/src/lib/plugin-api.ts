/**
 * Writes `/api/plugins/<id>.json` for every plugin at the end of the build
 * (the `astro:build:done` hook in astro.config.mjs, through the step
 * load-index.ts registers). One file write per
 * plugin instead of one Astro route per plugin: at 10k plugins the route
 * machinery cost as much as the plugin pages themselves.
 *
 * Node-only.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { validPluginID } from '../../../src/core/rules.js';
import { pluginJson } from './plugin-json.js';
import type { SiteIndex } from './load-index.js';

/** Directory of the per-plugin JSON below the output root. */
export const PLUGIN_API_DIR = 'api/plugins';

/**
 * Write the per-plugin JSON files.
 * @param outDir - the build's output directory.
 * @param site - the verified index and model of this build.
 * @returns the number of files written.
 * @throws TypeError for a plugin id that is not a valid id (cannot happen for a
 *   verified index; checked because the id becomes a file name).
 */
export async function writePluginApi(outDir: string, site: SiteIndex): Promise<number> {
  const dir = path.join(outDir, PLUGIN_API_DIR);
  await mkdir(dir, { recursive: true });
  const plugins = site.model.plugins;
  for (const p of plugins) {
    if (!validPluginID(p.id)) throw new TypeError(`refusing to write a file for plugin id ${JSON.stringify(p.id)}`);
  }
  // Synchronous writes: 10k small files, where the thread pool's hand-offs
  // (three per async writeFile) cost more CPU than the writes (page-template.ts).
  for (const p of plugins) writeFileSync(path.join(dir, `${p.id}.json`), pluginJson(site, p.id));
  return plugins.length;
}
