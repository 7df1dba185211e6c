/**
 * The escaping template (site/src/lib/html.ts) and the views built with it
 * (views.ts): publisher-controlled text never becomes markup.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml, html, SafeHtml } from '../../site/src/lib/html.js';
import { compatibilityRows, pluginCards, publisherPluginRows, releaseHistory } from '../../site/src/lib/views.js';
import { markdownHtml } from '../../site/src/lib/html.js';
import { pluginDetails } from '../../site/src/lib/plugin-details.js';
import { buildCatalog, type CatalogModel } from '../../site/src/lib/catalog.js';
import { verifyIndex } from '../../src/domain/index/verify.js';
import { demoIndexDocument, draftIndexBytes, testKey } from './fixtures.js';

describe('html template', () => {
  it('escapes every interpolation', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(html`<p title="${'"><script>'}">${'<b>'}</p>`.toString()).toBe('<p title="&quot;&gt;&lt;script&gt;">&lt;b&gt;</p>');
  });

  it('nests markup without escaping it twice, joins arrays, drops empty values', () => {
    const inner = html`<b>${'a&b'}</b>`;
    expect(html`<p>${inner}${[html`<i>1</i>`, '<2>', 3]}${null}${undefined}${false}</p>`.toString()).toBe('<p><b>a&amp;b</b><i>1</i>&lt;2&gt;3</p>');
  });

  it('markdownHtml is the one path from publisher Markdown to markup, through the renderer', () => {
    expect(markdownHtml('**a** <script>x</script>', 4096, 2).toString()).toBe('<p><strong>a</strong> &lt;script&gt;x&lt;/script&gt;</p>');
    expect(html`<div>${markdownHtml('# T', 4096, 2)}</div>`.toString()).toBe('<div><h3>T</h3></div>');
    // Text the validator refuses (here: over the cap) renders nothing.
    expect(markdownHtml('x'.repeat(11), 10, 2).toString()).toBe('');
  });

  it('cannot be forged: SafeHtml is only made by the template', () => {
    expect(() => new SafeHtml('<script>', Symbol('SafeHtml'))).toThrow(TypeError);
    // A look-alike object is escaped like any string.
    const fake = { toString: () => '<script>' } as unknown as string;
    expect(html`${fake}`.toString()).toBe('&lt;script&gt;');
  });
});

describe('views escape index text', () => {
  let model: CatalogModel;
  beforeAll(async () => {
    const doc = await demoIndexDocument(Date.now());
    const plugins = doc.plugins as { name: string; summary: string }[];
    plugins[0]!.name = '<img src=x onerror=alert(1)>';
    plugins[0]!.summary = '"><script>alert(2)</script>';
    const key = testKey();
    const r = verifyIndex(draftIndexBytes(doc), { keys: [{ publicKey: key.publicKey }], threshold: 1 }, { now: Date.now(), allowDraft: true });
    if (!r.ok) throw r.error;
    model = buildCatalog(r.verified);
  });

  it('renders hostile names and summaries as text in cards and rows', () => {
    for (const out of [pluginCards(model.plugins, '/').toString(), publisherPluginRows(model.plugins, '/').toString()]) {
      expect(out).not.toMatch(/<img|<script/);
      expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
    expect(pluginCards(model.plugins, '/').toString()).toContain('&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
  });

  it('renders one card, one compatibility row per head and one history section per release', () => {
    const cards = pluginCards(model.plugins, '/').toString();
    expect(cards.match(/<li class="card"/g)).toHaveLength(model.plugins.length);
    const hello = model.pluginById.get('demo.hello')!;
    expect(compatibilityRows(hello).toString().match(/<tr>/g)).toHaveLength(hello.heads.length);
    expect(releaseHistory(pluginDetails(hello, undefined, Date.now()).history, '/').toString().match(/<section class="release" id=/g)).toHaveLength(hello.releases.length);
    expect(cards).toContain('<li>stable <code>');
    expect(cards).toContain('<li>alpha <code>');
    // Built once per plugin and base: the same markup again, another base gives other links.
    expect(pluginCards(model.plugins, '/').toString()).toBe(cards);
    expect(pluginCards(model.plugins, '/catalog/').toString()).toContain('href="/catalog/plugins/demo.hello/"');
  });
});
