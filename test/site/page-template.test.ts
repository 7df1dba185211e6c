/**
 * Pages written from a route's template page (site/src/lib/page-template.ts):
 * slots are filled with escaped text, a template that does not have exactly
 * the expected slots is refused, the first page must equal Astro's, and no
 * page is written outside the route's directory. (The catalog builds in
 * plugin-page.test.ts, browser.test.ts and scale.test.ts run the real routes
 * through it; the build itself fails if the first page differs.)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PAGE_SLOT, TEMPLATE_PAGE, compileTemplate, frameSlots, writeFromTemplate, type Slot } from '../../site/src/lib/page-template.js';

/** A template page like Base.astro renders it, with the frame's slots. */
const SHELL = `<!DOCTYPE html><html><head><title>${PAGE_SLOT.title} · Lattice plugin catalog</title><meta name="description" content="${PAGE_SLOT.description}"></head><body><main>${PAGE_SLOT.body}</main><footer>f</footer></body></html>`;

interface Item {
  readonly dir: string;
  readonly title: string;
  readonly description: string;
  readonly body: string;
}
const page = { title: (x: Item) => x.title, description: (x: Item) => x.description, body: (x: Item) => x.body };
/** What Astro renders for an item (the reference the writer must equal). */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (t: string): string => t.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
const astro = (x: Item): string =>
  `<!DOCTYPE html><html><head><title>${esc(x.title)} · Lattice plugin catalog</title>${x.description ? `<meta name="description" content="${esc(x.description)}">` : ''}</head><body><main>${x.body}</main><footer>f</footer></body></html>`;

describe('compileTemplate', () => {
  it('fills the frame slots: escaped title and description, the body as given, no description tag for an empty description', () => {
    const fill = compileTemplate(SHELL, frameSlots(SHELL, page), Object.values(PAGE_SLOT));
    const a = { dir: 'a', title: 'A & <b>', description: 'say "hi"', body: '<p>body</p>' };
    expect(fill(a)).toBe(astro(a));
    expect(fill(a)).toContain('<title>A &amp; &lt;b&gt; · Lattice');
    const b = { dir: 'b', title: 'B', description: '', body: '' };
    expect(fill(b)).toBe(astro(b));
    expect(fill(b)).not.toContain('<meta name="description"');
  });

  it('refuses a template whose slots are missing or repeated', () => {
    const tokens = Object.values(PAGE_SLOT);
    expect(() => compileTemplate(SHELL.replace(PAGE_SLOT.body, ''), frameSlots(SHELL, page), tokens)).toThrow(/0 slot\(s\) "latticeslotpagebody", expected 1/);
    const twice = SHELL.replace('<footer>', `<footer>${PAGE_SLOT.body}`);
    expect(() => compileTemplate(twice, frameSlots(twice, page), tokens)).toThrow(/2 slot\(s\)/);
    expect(() => frameSlots(SHELL.replace(/<meta[^>]*>/, ''), page)).toThrow(/no description slot/);
  });

  it('refuses a token left in the literal text and overlapping slots', () => {
    const extra = `${SHELL}<!-- latticeslotpluginid -->`;
    expect(() => compileTemplate(extra, frameSlots(extra, page), [...Object.values(PAGE_SLOT), 'latticeslotpluginid'])).toThrow(/left unfilled/);
    const slots: Slot<Item>[] = [
      { marker: 'abc', count: 1, fill: () => '' },
      { marker: 'bcd', count: 1, fill: () => '' },
    ];
    expect(() => compileTemplate('xabcdx', slots, [])).toThrow(/overlapping/);
    expect(compileTemplate('xabcbcdx', slots, [])({} as Item)).toBe('xx');
  });
});

describe('writeFromTemplate', () => {
  let out: string;
  const items: Item[] = [
    { dir: '', title: 'First', description: 'one', body: '<p>1</p>' },
    { dir: 'page/2', title: 'Second', description: 'two', body: '<p>2</p>' },
    { dir: 'type/wasm', title: 'Third', description: '', body: '<p>3</p>' },
  ];
  /** The route's output as Astro leaves it: the template page and the first page. */
  function rendered(first: string = astro(items[0]!)): string {
    const route = path.join(out, 'browse');
    mkdirSync(path.join(route, TEMPLATE_PAGE), { recursive: true });
    writeFileSync(path.join(route, TEMPLATE_PAGE, 'index.html'), SHELL);
    writeFileSync(path.join(route, 'index.html'), first);
    return route;
  }
  const options = (routeDir: string, list: readonly Item[] = items) => ({
    routeDir,
    items: list,
    dirOf: (x: Item) => x.dir,
    slots: (shell: string) => frameSlots(shell, page),
    tokens: Object.values(PAGE_SLOT),
    what: 'test',
  });

  beforeEach(() => {
    out = mkdtempSync(path.join(tmpdir(), 'lattice-page-template-'));
  });
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  it('writes every page but the first from the template and removes the template page', async () => {
    const route = rendered();
    expect(await writeFromTemplate(options(route))).toBe(3);
    for (const x of items) expect(readFileSync(path.join(route, x.dir, 'index.html'), 'utf8')).toBe(astro(x));
    expect(existsSync(path.join(route, TEMPLATE_PAGE))).toBe(false);
  });

  it('fails the build when the first page it would write is not the one Astro rendered', async () => {
    const route = rendered(astro(items[0]!).replace('<p>1</p>', '<p>one</p>'));
    await expect(writeFromTemplate(options(route))).rejects.toThrow(/differs from Astro's rendering/);
    expect(existsSync(path.join(route, 'page/2/index.html'))).toBe(false);
  });

  it('fails when the route rendered no template page', async () => {
    const route = path.join(out, 'browse');
    mkdirSync(route, { recursive: true });
    writeFileSync(path.join(route, 'index.html'), astro(items[0]!));
    await expect(writeFromTemplate(options(route))).rejects.toThrow(/ENOENT/);
  });

  it('attack: a page directory that leaves the route (../) is refused before anything is written; the honest path passes', async () => {
    const route = rendered();
    const escaping = [...items, { dir: '../../escaped', title: 'X', description: '', body: '' }];
    await expect(writeFromTemplate(options(route, escaping))).rejects.toThrow(/refusing to write a test page at "..\/..\/escaped"/);
    expect(existsSync(path.join(out, '..', 'escaped'))).toBe(false);
    expect(existsSync(path.join(route, 'page/2/index.html'))).toBe(false);
    // The template page is still there: nothing was touched.
    expect(existsSync(path.join(route, TEMPLATE_PAGE, 'index.html'))).toBe(true);
    expect(await writeFromTemplate(options(route))).toBe(3);
  });

  it('attack: a page that would overwrite the template page is refused', async () => {
    const route = rendered();
    await expect(writeFromTemplate(options(route, [...items, { dir: TEMPLATE_PAGE, title: 'X', description: '', body: '' }]))).rejects.toThrow(/refusing/);
  });
});
