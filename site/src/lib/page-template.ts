/**
 * Pages written from a template page: a route that renders thousands of
 * pages which differ only in a few places (the plugin pages, the listing
 * pages) renders ONE template page whose variable parts are slot tokens, and
 * the `astro:build:done` step writes every page by filling the slots
 * (plugin-pages.ts, listing-pages.ts). Astro's per-page machinery (request,
 * render context, component instances, logging) cost more than the pages
 * themselves at 10k plugins.
 *
 * Checked on every build: the route also renders its first real page, and
 * the page written from the template for the same item must be byte for byte
 * Astro's, or the build fails (the route and the writer drifted apart).
 *
 * Node-only.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { escapeHtml } from './html.js';

/** Route parameter of a template page: `_` is in no plugin id, facet value or page path, so it can never be a real page. */
export const TEMPLATE_PAGE = '_page-template';

/**
 * True in `astro build` (astro.config.mjs records the command): the routes
 * then render their template page and first page only. Not
 * `import.meta.env.DEV`, which follows NODE_ENV (a build run under a test
 * runner's NODE_ENV=test would render every page and leave no template).
 */
export function writesFromTemplates(): boolean {
  return (globalThis as Record<symbol, unknown>)[Symbol.for('@latticenet/plugin-index/site-command')] === 'build';
}

/** Slot tokens every template page has: lower-case letters only, so no escaping or encoding changes them. */
export const PAGE_SLOT = Object.freeze({
  title: 'latticeslotpagetitle',
  description: 'latticeslotpagedescription',
  body: 'latticeslotpagebody',
});

/** One slot: the exact text in the template page, how often it occurs, and what replaces it for an item. */
export interface Slot<T> {
  readonly marker: string;
  readonly count: number;
  readonly fill: (item: T) => string;
}

/** The frame's parts of an item's page (each computed once per page). */
export interface FramePage<T> {
  readonly title: (item: T) => string;
  readonly description: (item: T) => string;
  /** The body markup (already escaped: html.ts). */
  readonly body: (item: T) => string;
}

/**
 * The slots of the page frame (Base.astro): the `<title>` text, the
 * description `<meta>` tag (none when the description is empty, as
 * Base.astro does), and the body.
 * @throws Error when the template page has no description tag.
 */
export function frameSlots<T>(shell: string, page: FramePage<T>): Slot<T>[] {
  const meta = shell.match(new RegExp(`<meta[^>]*${PAGE_SLOT.description}[^>]*>`));
  if (!meta) throw new Error('catalog build: the template page has no description slot');
  const [before, after] = meta[0].split(PAGE_SLOT.description) as [string, string];
  return [
    { marker: PAGE_SLOT.title, count: 1, fill: (x) => escapeHtml(page.title(x)) },
    {
      marker: meta[0],
      count: 1,
      fill: (x) => {
        const d = page.description(x);
        return d ? `${before}${escapeHtml(d)}${after}` : '';
      },
    },
    { marker: PAGE_SLOT.body, count: 1, fill: page.body },
  ];
}

/**
 * Split a template page at its slots.
 * @param tokens - every slot token; none may be left in the literal text.
 * @returns the page of an item.
 * @throws Error when a slot occurs other than `count` times, slots overlap,
 *   or a token is left over.
 */
export function compileTemplate<T>(shell: string, slots: readonly Slot<T>[], tokens: readonly string[]): (item: T) => string {
  const found: { at: number; end: number; fill: (item: T) => string }[] = [];
  for (const s of slots) {
    let n = 0;
    for (let at = shell.indexOf(s.marker); at !== -1; at = shell.indexOf(s.marker, at + s.marker.length)) {
      found.push({ at, end: at + s.marker.length, fill: s.fill });
      n++;
    }
    if (n !== s.count) throw new Error(`catalog build: the template page has ${n} slot(s) ${JSON.stringify(s.marker)}, expected ${s.count}`);
  }
  found.sort((a, b) => a.at - b.at);
  const literals: string[] = [];
  let pos = 0;
  for (const f of found) {
    if (f.at < pos) throw new Error('catalog build: overlapping slots in the template page');
    literals.push(shell.slice(pos, f.at));
    pos = f.end;
  }
  literals.push(shell.slice(pos));
  for (const token of tokens) {
    if (literals.some((l) => l.includes(token))) throw new Error(`catalog build: slot ${token} left unfilled in the template page`);
  }
  const fills = found.map((f) => f.fill);
  return (item) => {
    let out = literals[0]!;
    for (let i = 0; i < fills.length; i++) out += fills[i]!(item) + literals[i + 1]!;
    return out;
  };
}

/** What {@link writeFromTemplate} writes. */
export interface TemplatePages<T> {
  /** The route's output directory (`<out>/plugins`, `<out>/browse`). */
  readonly routeDir: string;
  /** Every item, the one the route rendered first. */
  readonly items: readonly T[];
  /** Directory of an item's page below {@link routeDir} (checked to stay below it). */
  readonly dirOf: (item: T) => string;
  /** The slots, given the template page's text. */
  readonly slots: (shell: string) => readonly Slot<T>[];
  readonly tokens: readonly string[];
  /** What the error names. */
  readonly what: string;
}

/**
 * Read and remove the route's template page, check the first item's page
 * against Astro's rendering, write the others.
 * @returns the number of pages (the one Astro rendered included).
 * @throws Error for a missing or malformed template page, a first page that
 *   differs from Astro's, or a page directory outside the route's.
 */
export async function writeFromTemplate<T>(o: TemplatePages<T>): Promise<number> {
  const dirs = o.items.map((item) => {
    const rel = o.dirOf(item);
    const dir = path.resolve(o.routeDir, rel);
    const back = path.relative(o.routeDir, dir);
    if (back.startsWith('..') || path.isAbsolute(back) || rel.split('/').includes(TEMPLATE_PAGE)) {
      throw new TypeError(`refusing to write a ${o.what} page at ${JSON.stringify(rel)}`);
    }
    return dir;
  });
  const templateDir = path.join(o.routeDir, TEMPLATE_PAGE);
  let shell: string;
  try {
    shell = await readFile(path.join(templateDir, 'index.html'), 'utf8');
  } finally {
    await rm(templateDir, { recursive: true, force: true });
  }
  if (o.items.length === 0) return 0;
  const page = compileTemplate(shell, o.slots(shell), o.tokens);
  const firstFile = path.join(dirs[0]!, 'index.html');
  if (page(o.items[0]!) !== (await readFile(firstFile, 'utf8'))) {
    throw new Error(`catalog build: the ${o.what} page written from the template differs from Astro's rendering of ${firstFile}`);
  }
  // Synchronous writes: thousands of small files, where the thread pool's
  // hand-offs (three per async writeFile) cost more CPU than the writes.
  for (let i = 1; i < o.items.length; i++) {
    mkdirSync(dirs[i]!, { recursive: true });
    writeFileSync(path.join(dirs[i]!, 'index.html'), page(o.items[i]!));
  }
  return o.items.length;
}
