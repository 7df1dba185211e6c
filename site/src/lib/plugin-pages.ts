/**
 * Writes the plugin pages (`/plugins/<id>/index.html`) at the end of the
 * build (the `astro:build:done` hook in astro.config.mjs, through the step
 * load-index.ts registers), from ONE page Astro rendered: the plugin route's
 * template page, whose variable parts are slot tokens. Every plugin page is
 * that page with its slots filled: the title, the description, the body
 * (plugin-page.ts, the same function the route renders), the plugin's own
 * JSON link and, with a repository v2, the page's target record.
 *
 * Why: a route renders once per plugin, and Astro's per-page machinery
 * (request, render context, component instances, logging) cost more than the
 * page itself at 10k plugins — like the per-plugin JSON (plugin-api.ts).
 *
 * Checked on every build: Astro also renders the first plugin's page through
 * the route, and the page written here for that plugin must be byte for byte
 * the same, or the build fails (the template and this module drifted apart).
 *
 * Node-only.
 *
 * @module
 */
import path from 'node:path';
import { validPluginID } from '../../../src/core/rules.js';
import { pluginTargetPath } from '../../../src/domain/repository/lattice.js';
import type { PluginView } from './catalog.js';
import { PAGE_SLOT, frameSlots, writeFromTemplate } from './page-template.js';
import { loadsOnMatrix } from './loads-on.js';
import { pluginDetails } from './plugin-details.js';
import { pluginPageBody } from './plugin-page.js';
import { pluginClaimWords } from './trust.js';
import type { SiteIndex } from './load-index.js';

/** Slot tokens of the plugin page beyond the frame's ({@link PAGE_SLOT}). */
export const PLUGIN_SLOT = Object.freeze({
  id: 'latticeslotpluginid',
  repositoryId: 'latticeslotrepositoryid',
});

/**
 * A page's repository v2 record (embedded as `#lattice-repository`, Base.astro):
 * the pinned root's digest and the page's own targets with the digests the
 * build expects the repository to serve; the browser checks the TUF chain
 * down to them.
 */
export function repositoryRecordJson(repository: NonNullable<SiteIndex['repository']>, targets: readonly string[]): string {
  const record = { rootSha256: repository.rootSha256, targets: targets.map((p) => ({ path: p, sha256: repository.targetSha256(p) ?? '' })) };
  return JSON.stringify(record).replace(/</g, '\\u003c');
}

/** The body of a plugin's page, as the route renders it. */
export function pluginPageHtml(site: SiteIndex, p: PluginView, base: string): string {
  const index = site.verified.index;
  return pluginPageBody({
    plugin: p,
    publisher: site.model.publisherById.get(p.publisherId),
    details: pluginDetails(p, index.server_versions, site.builtAt),
    matrix: loadsOnMatrix(index.server_versions, p.entry.releases),
    claim: pluginClaimWords(p, site.summary, site.manifestChecked),
    base,
  }).toString();
}

/**
 * Write every plugin's page from the template page (see the module comment).
 * @param outDir - the build's output directory.
 * @param site - the verified index and model of this build.
 * @param base - the site's base path.
 * @returns the number of pages written (the one Astro rendered included).
 * @throws Error when the template page is missing or malformed or the page
 *   written for the plugin Astro rendered differs from Astro's; TypeError for
 *   a plugin id that is not a valid id.
 */
export function writePluginPages(outDir: string, site: SiteIndex, base: string): Promise<number> {
  const plugins = site.model.plugins;
  for (const p of plugins) {
    // Ids become directory names and fill slots unescaped: a-z 0-9 . - only (validPluginID).
    if (!validPluginID(p.id)) throw new TypeError(`refusing to write a page for plugin id ${JSON.stringify(p.id)}`);
  }
  const repository = site.repository;
  return writeFromTemplate<PluginView>({
    routeDir: path.join(outDir, 'plugins'),
    items: plugins,
    dirOf: (p) => p.id,
    what: 'plugin',
    tokens: [...Object.values(PAGE_SLOT), ...Object.values(PLUGIN_SLOT)],
    slots: (shell) => [
      ...frameSlots<PluginView>(shell, { title: (p) => p.name, description: (p) => p.summary, body: (p) => pluginPageHtml(site, p, base) }),
      { marker: PLUGIN_SLOT.id, count: 2, fill: (p) => p.id },
      ...(repository
        ? [{ marker: repositoryRecordJson(repository, [pluginTargetPath(PLUGIN_SLOT.repositoryId)]), count: 1, fill: (p: PluginView) => repositoryRecordJson(repository, [pluginTargetPath(p.id)]) }]
        : []),
    ],
  });
}
