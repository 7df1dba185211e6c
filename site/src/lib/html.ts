/**
 * A tagged template for the catalog's most repeated markup (one card per
 * plugin on the catalog page, release and capability rows on plugin pages),
 * rendered as one string per list instead of thousands of Astro expressions —
 * at 10k plugins the per-expression cost of the renderer dominated the build.
 *
 * Safe by construction, like Astro's own templates: every interpolated value
 * is HTML-escaped unless it is itself the result of {@link html}; arrays are
 * joined; `null`, `undefined` and `false` render nothing. There is no way to
 * inject an unescaped string: the only other source of {@link SafeHtml} is
 * {@link markdownHtml}, whose renderer writes its own tags and escapes every
 * character of the publisher's text. Attribute values must be double-quoted in the
 * template (escaping covers `"` and `'`). URLs placed in `href` come from the
 * verified index, whose validator admits only `https:` URLs, or from
 * site/src/lib/paths.ts.
 *
 * @module
 */

import { renderMarkdown } from '../../../src/core/markdown.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escape text for HTML element content and quoted attribute values.
 * @example escapeHtml('<a href="x">') // '&lt;a href=&quot;x&quot;&gt;'
 */
export function escapeHtml(text: string): string {
  // Most text has nothing to escape: test first, and return it as it is.
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPE_ALL, (c) => ESCAPES[c]!) : text;
}
const NEEDS_ESCAPE = /[&<>"']/;
const ESCAPE_ALL = /[&<>"']/g;

/** Markup produced by {@link html}: the only value interpolated without escaping. */
export class SafeHtml {
  readonly #markup: string;
  /** @internal Only {@link html} creates instances. */
  constructor(markup: string, token: symbol) {
    if (token !== TOKEN) throw new TypeError('SafeHtml is created by the html`` template only');
    this.#markup = markup;
  }
  /** The markup. */
  toString(): string {
    return this.#markup;
  }
}
const TOKEN = Symbol('SafeHtml');

/** What may be interpolated. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.toString();
  if (value === null || value === undefined || value === false || value === true) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * Build markup; interpolations are escaped (see the module comment).
 * @example html`<li class="x">${name}</li>`
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out, TOKEN);
}

/**
 * The same markup, stored as one flat string: for markup built once and
 * copied into many pages (a plugin's card, the filter panel). {@link html}
 * appends piece by piece, which V8 keeps as a tree of string pieces; every
 * page that copies such a string walks the whole tree again (at 10k plugins,
 * ~90k card copies cost more than the rest of the listing pages). Reading a
 * character makes V8 flatten the tree in place, once.
 */
export function flat(markup: SafeHtml): SafeHtml {
  const text = markup.toString();
  text.charCodeAt(0);
  return markup;
}

/**
 * Catalog Markdown from the index (`description_md`, `notes_md`) as markup:
 * the one way publisher Markdown becomes {@link SafeHtml}. The renderer
 * (src/core/markdown.ts) writes its own tags only and escapes every
 * character of the text, so the result needs no further escaping; text that
 * breaks the text rule (the validator already refused it) renders nothing.
 * @param source - the Markdown text.
 * @param maxBytes - the member's cap (src/core/limits.ts).
 * @param sectionLevel - the heading level of the section it sits in.
 * @example markdownHtml('**Hi**', 4096, 2).toString() // '<p><strong>Hi</strong></p>'
 */
export function markdownHtml(source: string, maxBytes: number, sectionLevel: number): SafeHtml {
  return new SafeHtml(renderMarkdown(source, { maxBytes, sectionLevel }).html, TOKEN);
}
