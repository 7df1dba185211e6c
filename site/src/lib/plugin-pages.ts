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
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { validPluginID } from '../../../src/core/rules.js';
import { pluginTargetPath } from '../../../src/domain/repository/lattice.js';
import type { PluginView } from './catalog.js';
import { escapeHtml } from './html.js';
import { loadsOnMatrix } from './loads-on.js';
import { pluginDetails } from './plugin-details.js';
import { pluginPageBody } from './plugin-page.js';
import { pluginClaimWords } from './trust.js';
import type { SiteIndex } from './load-index.js';

/**
 * The route parameter of the template page (`/plugins/_page-template/`): not a
 * valid plugin id (`_`), so it can never be a plugin's page; removed from the
 * output once the pages are written.
 */
export const TEMPLATE_PAGE_ID = '_page-template';

/** Slot tokens of the template page: lower-case letters only, so no escaping or encoding changes them. */
export const SLOT = Object.freeze({
  title: 'latticeslotpagetitle',
  description: 'latticeslotpagedescription',
  id: 'latticeslotpluginid',
  repositoryId: 'latticeslotrepositoryid',
  body: 'latticeslotpagebody',
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

/** Files written concurrently. */
const CONCURRENCY = 16;

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

type Filler = (p: PluginView) => string;

/** The template page split at its slots: literal text and fillers, alternating. */
function compile(shell: string, site: SiteIndex, base: string): (p: PluginView) => string {
  const slots: { marker: string; count: number; fill: Filler }[] = [];
  // The description is a whole <meta> tag: a plugin without a summary has none (Base.astro).
  const meta = shell.match(new RegExp(`<meta[^>]*${SLOT.description}[^>]*>`));
  if (!meta) throw new Error(`catalog build: the plugin page template has no description slot`);
  const [metaBefore, metaAfter] = meta[0].split(SLOT.description) as [string, string];
  slots.push({ marker: meta[0], count: 1, fill: (p) => (p.summary ? `${metaBefore}${escapeHtml(p.summary)}${metaAfter}` : '') });
  slots.push({ marker: SLOT.title, count: 1, fill: (p) => escapeHtml(p.name) });
  slots.push({ marker: SLOT.body, count: 1, fill: (p) => pluginPageHtml(site, p, base) });
  // Plugin ids are checked (validPluginID: a-z 0-9 . -), so they need no escaping or URL encoding.
  slots.push({ marker: SLOT.id, count: 2, fill: (p) => p.id });
  const repository = site.repository;
  if (repository) {
    slots.push({ marker: repositoryRecordJson(repository, [pluginTargetPath(SLOT.repositoryId)]), count: 1, fill: (p) => repositoryRecordJson(repository, [pluginTargetPath(p.id)]) });
  }
  const found: { at: number; end: number; fill: Filler }[] = [];
  for (const s of slots) {
    let n = 0;
    for (let at = shell.indexOf(s.marker); at !== -1; at = shell.indexOf(s.marker, at + s.marker.length)) {
      found.push({ at, end: at + s.marker.length, fill: s.fill });
      n++;
    }
    if (n !== s.count) throw new Error(`catalog build: the plugin page template has ${n} slot(s) ${JSON.stringify(s.marker)}, expected ${s.count}`);
  }
  found.sort((a, b) => a.at - b.at);
  const literals: string[] = [];
  let pos = 0;
  for (const f of found) {
    if (f.at < pos) throw new Error('catalog build: overlapping slots in the plugin page template');
    literals.push(shell.slice(pos, f.at));
    pos = f.end;
  }
  literals.push(shell.slice(pos));
  const rest = literals.join('\u0000');
  for (const token of Object.values(SLOT)) {
    if (rest.includes(token)) throw new Error(`catalog build: slot ${token} left unfilled in the plugin page template`);
  }
  const fillers = found.map((f) => f.fill);
  return (p) => {
    let out = literals[0]!;
    for (let i = 0; i < fillers.length; i++) out += fillers[i]!(p) + literals[i + 1]!;
    return out;
  };
}

/**
 * Write every plugin's page from the template page (see the module comment).
 * @param outDir - the build's output directory.
 * @param site - the verified index and model of this build.
 * @param base - the site's base path.
 * @returns the number of pages written (the one Astro rendered included).
 * @throws Error when the template page is missing or malformed, when the
 *   page written for the plugin Astro rendered differs from Astro's, and
 *   TypeError for a plugin id that is not a valid id.
 */
export async function writePluginPages(outDir: string, site: SiteIndex, base: string): Promise<number> {
  const plugins = site.model.plugins;
  for (const p of plugins) {
    if (!validPluginID(p.id)) throw new TypeError(`refusing to write a page for plugin id ${JSON.stringify(p.id)}`);
  }
  const dir = path.join(outDir, 'plugins');
  const templateDir = path.join(dir, TEMPLATE_PAGE_ID);
  let shell: string;
  try {
    shell = await readFile(path.join(templateDir, 'index.html'), 'utf8');
  } finally {
    await rm(templateDir, { recursive: true, force: true });
  }
  if (plugins.length === 0) return 0;
  const page = compile(shell, site, base);
  // The first plugin's page, as Astro rendered it through the route, must be what this module writes.
  const first = plugins[0]!;
  const firstFile = path.join(dir, first.id, 'index.html');
  const rendered = await readFile(firstFile, 'utf8');
  if (page(first) !== rendered) {
    throw new Error(`catalog build: the page written for ${first.id} from the template differs from Astro's rendering of ${path.relative(outDir, firstFile)}`);
  }
  let next = 1;
  const worker = async (): Promise<void> => {
    while (next < plugins.length) {
      const p = plugins[next++]!;
      const target = path.join(dir, p.id);
      await mkdir(target, { recursive: true });
      await writeFile(path.join(target, 'index.html'), page(p));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, plugins.length) }, worker));
  return plugins.length;
}
