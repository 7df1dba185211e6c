/**
 * Catalog Markdown (src/core/markdown.ts): what it renders, and the attacks it
 * must render harmless — each attack next to its honest variant, which must
 * still render.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MARKDOWN_MAX_NESTING, markdownPlainText, renderMarkdown, type MarkdownProblemCode } from '../../src/core/markdown.js';
import { DESCRIPTION_MD_MAX_BYTES, NOTES_MD_MAX_BYTES } from '../../src/core/limits.js';
import { isMarkdownLinkUrl, markdownTextProblem, utf8ByteLength } from '../../src/core/rules.js';

const md = (s: string, sectionLevel?: number) => renderMarkdown(s, { maxBytes: DESCRIPTION_MD_MAX_BYTES, ...(sectionLevel !== undefined ? { sectionLevel } : {}) });
const codes = (s: string): MarkdownProblemCode[] => md(s).problems.map((p) => p.code);

/** Every tag the renderer may write, and the only attributes it writes. */
const ALLOWED_TAGS = new Set(['h3', 'h4', 'h5', 'h6', 'p', 'em', 'strong', 'code', 'pre', 'ul', 'ol', 'li', 'blockquote', 'hr', 'a']);
/** Assert the HTML holds only allowed tags, and attributes only on `a` (an https href and the fixed rel). */
function assertOnlyOurMarkup(html: string): void {
  for (const m of html.matchAll(/<\/?([^\s>/]+)([^>]*)>/g)) {
    const [, tag, attrs] = m;
    expect(ALLOWED_TAGS.has(tag!), `tag <${tag}> in ${html}`).toBe(true);
    if (tag === 'a' && !m[0].startsWith('</')) {
      expect(attrs).toMatch(/^ href="https:\/\/[^"\s<>]+" rel="nofollow noopener ugc"$/);
    } else {
      expect(attrs, `attributes on <${tag}>`).toBe('');
    }
  }
  // No stray markup: every `<` starts one of our tags.
  expect(html.replace(/<\/?[a-z0-6]+(?: href="[^"]*" rel="[^"]*")?>/g, '')).not.toMatch(/[<>]/);
}

describe('renderMarkdown: what it renders', () => {
  it('headings sit below the section they are placed in', () => {
    expect(md('# A\n## B\n###### F').html).toBe('<h3>A</h3><h4>B</h4><h6>F</h6>');
    expect(md('# A', 3).html).toBe('<h4>A</h4>');
    // The top level used becomes one below the section: no gap in the outline.
    expect(md('## B\n### C').html).toBe('<h3>B</h3><h4>C</h4>');
    expect(md('```\n# not a heading\n```\n## B').html).toBe('<pre><code># not a heading\n</code></pre><h3>B</h3>');
    expect(md('# Closed ##').html).toBe('<h3>Closed</h3>');
    expect(md('#NoSpace').html).toBe('<p>#NoSpace</p>');
  });
  it('paragraphs, emphasis, strong, code spans, backslash escapes', () => {
    expect(md('a *b* **c** _d_ __e__ `f <g>` \\*h\\*').html).toBe('<p>a <em>b</em> <strong>c</strong> <em>d</em> <strong>e</strong> <code>f &lt;g&gt;</code> *h*</p>');
    expect(md('line one\nline two\n\nnext').html).toBe('<p>line one\nline two</p><p>next</p>');
    expect(md('snake_case_name').html).toBe('<p>snake_case_name</p>');
    expect(md('``a ` b``').html).toBe('<p><code>a ` b</code></p>');
  });
  it('lists (nested by indentation), block quotes, rules and fenced code', () => {
    expect(md('- a\n- b\n  - c\n- d').html).toBe('<ul><li>a</li><li>b<ul><li>c</li></ul></li><li>d</li></ul>');
    expect(md('1. a\n2. b').html).toBe('<ol><li>a</li><li>b</li></ol>');
    expect(md('Changes:\n- a\n\nafter').html).toBe('<p>Changes:</p><ul><li>a</li></ul><p>after</p>');
    expect(md('In\n2026. it grew').html).toBe('<p>In\n2026. it grew</p>');
    expect(md('> said\n> more').html).toBe('<blockquote><p>said\nmore</p></blockquote>');
    expect(md('---').html).toBe('<hr>');
    expect(md('```ts\nconst a = 1 < 2;\n```\nafter').html).toBe('<pre><code>const a = 1 &lt; 2;\n</code></pre><p>after</p>');
    expect(md('```\nunclosed *x*').html).toBe('<pre><code>unclosed *x*\n</code></pre>');
  });
  it('an https link renders with rel="nofollow noopener ugc", query and fragment kept (honest variant)', () => {
    const r = md('See [the **guide**](https://docs.example/g?x=1&y=2#setup).');
    expect(r.problems).toEqual([]);
    expect(r.html).toBe('<p>See <a href="https://docs.example/g?x=1&amp;y=2#setup" rel="nofollow noopener ugc">the <strong>guide</strong></a>.</p>');
  });
  it('plain text for summaries', () => {
    expect(markdownPlainText('# Hi\n\n**Bold** [x](https://a.example) <b>', 4096)).toBe('Hi Bold x &lt;b&gt;');
  });
  it('a caller bug (no byte cap) throws; hostile text never does', () => {
    expect(() => renderMarkdown('x', { maxBytes: 0 })).toThrow(TypeError);
    expect(() => renderMarkdown(42, { maxBytes: 10 })).not.toThrow();
    expect(renderMarkdown(42, { maxBytes: 10 }).problems[0]!.code).toBe('MARKDOWN_TEXT_INVALID');
  });
});

describe('renderMarkdown: attacks', () => {
  it('attack: a script tag is shown as text and reported (honest variant: the word script in code renders)', () => {
    const r = md('Hello <script>alert(document.cookie)</script>');
    expect(r.html).toBe('<p>Hello &lt;script&gt;alert(document.cookie)&lt;/script&gt;</p>');
    expect(r.problems.map((p) => p.code)).toEqual(['MARKDOWN_RAW_HTML']);
    expect(md('Runs no `script`.').problems).toEqual([]);
  });
  it('attack: event handlers and other tags never become markup', () => {
    for (const s of ['<img src=x onerror=alert(1)>', '<a href="javascript:alert(1)">x</a>', '<svg onload=alert(1)>', '<!-- x -->', '<iframe src=//evil.example>', '<p style="x">', '</p><script>', '<scr<script>ipt>']) {
      const r = md(s);
      assertOnlyOurMarkup(r.html);
      expect(r.html).not.toMatch(/<(?:img|svg|iframe|script|!--)/i);
      expect(r.problems.map((p) => p.code), s).toContain('MARKDOWN_RAW_HTML');
    }
    // Honest variant: a comparison is not HTML.
    expect(md('if a < b and c > d').problems).toEqual([]);
  });
  it('attack: an attribute break-out through a link target or label is escaped', () => {
    const r = md('[x](https://a.example/"onmouseover="alert(1)) [<b>y</b>](https://a.example/)');
    assertOnlyOurMarkup(r.html);
    expect(r.html).toContain('href="https://a.example/&quot;onmouseover=&quot;alert(1"');
  });
  it('attack: javascript:, data:, vbscript:, http:, relative and protocol-relative links are refused', () => {
    const targets = ['javascript:alert(1)', 'JavaScript:alert(1)', ' javascript:alert(1)', 'java%0ascript:alert(1)', '&#106;avascript:alert(1)',
      'data:text/html,<script>', 'vbscript:x', 'http://plain.example/', '//evil.example/x', '/plugins/x/', 'x.html', 'mailto:a@b.example',
      'https:evil.example', 'https:/evil.example', 'https://user:pw@evil.example/', 'HTTPS://A.EXAMPLE/'];
    for (const t of targets) {
      const r = md(`[click](${t})`);
      assertOnlyOurMarkup(r.html);
      expect(r.html, t).not.toContain('<a ');
      // Whitespace in a target means "not a link" at all; every other one is a refused link.
      if (!/\s/.test(t.trim())) expect(r.problems.map((p) => p.code), t).toContain('MARKDOWN_LINK_REFUSED');
    }
    expect(md('[click](https://ok.example/)').html).toContain('<a href="https://ok.example/"');
  });
  it('attack: an image would track visitors: its alt text is shown instead', () => {
    const r = md('![logo](https://tracker.example/p.gif)');
    expect(r.html).toBe('<p>logo</p>');
    expect(r.problems.map((p) => p.code)).toEqual(['MARKDOWN_IMAGE_REFUSED']);
  });
  it('attack: nested emphasis bombs render bounded and as text past the cap', () => {
    // Properly nested emphasis, one level deeper than followed: `*w0 **w1 *w2 … w2* w1** w0*`.
    const depth = MARKDOWN_MAX_NESTING + 1;
    const marks = Array.from({ length: depth }, (_, k) => (k % 2 ? '**' : '*'));
    const bomb = (ms: string[]) => ms.map((m, k) => `${m}w${k} `).join('') + [...ms].reverse().map((m) => `x${m}`).join(' ');
    const nested = bomb(marks);
    const r = md(nested);
    assertOnlyOurMarkup(r.html);
    expect(r.problems.map((p) => p.code)).toEqual(['MARKDOWN_NESTING_TOO_DEEP']);
    expect(r.html.match(/<(?:em|strong)>/g)?.length).toBeLessThanOrEqual(MARKDOWN_MAX_NESTING);
    // Honest variant: nesting within the cap renders every level.
    const within = marks.slice(0, MARKDOWN_MAX_NESTING);
    const ok = md(bomb(within));
    expect(ok.problems).toEqual([]);
    expect(ok.html.match(/<(?:em|strong)>/g)?.length).toBe(MARKDOWN_MAX_NESTING);
    // The classic quadratic inputs, at the full size cap: all unclosed or unbalanced.
    const cap = DESCRIPTION_MD_MAX_BYTES;
    for (const bomb of [
      '*a '.repeat(cap / 3), '**a'.repeat(cap / 3), '_a_ '.repeat(cap / 4), '*_'.repeat(cap / 2),
      '`'.repeat(cap), '` '.repeat(cap / 2), '[a'.repeat(cap / 2), '[a](b '.repeat(cap / 6), '[]('.repeat(cap / 3),
      '<a'.repeat(cap / 2), '- '.repeat(cap / 2), ('  '.repeat(20) + '- x\n').repeat(cap / 44), '#'.repeat(6) + ' '.repeat(cap - 7) + 'x',
    ]) {
      const out = md(bomb.slice(0, cap));
      assertOnlyOurMarkup(out.html);
    }
  });
  it('attack: text over the byte cap renders nothing (honest variant: exactly the cap renders)', () => {
    const exact = 'é'.repeat(NOTES_MD_MAX_BYTES / 2);
    expect(utf8ByteLength(exact)).toBe(NOTES_MD_MAX_BYTES);
    expect(renderMarkdown(exact, { maxBytes: NOTES_MD_MAX_BYTES }).html).toBe(`<p>${exact}</p>`);
    const over = renderMarkdown(exact + 'x', { maxBytes: NOTES_MD_MAX_BYTES });
    expect(over.html).toBe('');
    expect(over.problems.map((p) => p.code)).toEqual(['MARKDOWN_TEXT_INVALID']);
    expect(over.problems[0]!.message).toContain(`${NOTES_MD_MAX_BYTES + 1} bytes`);
    expect(renderMarkdown('x'.repeat(10 * DESCRIPTION_MD_MAX_BYTES), { maxBytes: DESCRIPTION_MD_MAX_BYTES }).html).toBe('');
  });
  it('attack: control characters (terminal escapes, NUL, CR) are refused before rendering', () => {
    for (const s of ['a\u001b[2Jb', 'a\u0000', 'a\r\nb', 'a\u007f']) expect(codes(s)).toEqual(['MARKDOWN_TEXT_INVALID']);
    expect(codes('a\tb\nc')).toEqual([]);
  });
  it('property: any text renders to our markup only, never throws', () => {
    const alphabet = fc.constantFrom('*', '_', '`', '[', ']', '(', ')', '!', '<', '>', '"', "'", '&', '#', '-', '1.', ' ', '\n', '\\', 'a', 'https://x.example/', 'javascript:', 'on', '=');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 200 }), (parts) => {
        const r = md(parts.join(''));
        assertOnlyOurMarkup(r.html);
      }),
      { numRuns: 400 },
    );
  });
  it('problems name the line they are on', () => {
    const r = md('ok\n\n- item\n- <b>bold</b>\n\n[x](ftp://a.example/f)');
    expect(r.problems.map((p) => [p.code, p.line])).toEqual([['MARKDOWN_RAW_HTML', 4], ['MARKDOWN_LINK_REFUSED', 6]]);
  });
});

describe('core rules behind the renderer', () => {
  it('isMarkdownLinkUrl: https with a host; query and fragment allowed', () => {
    for (const u of ['https://a.example', 'https://a.example/p?q=1#f', 'https://a.example:8443/x']) expect(isMarkdownLinkUrl(u)).toBe(true);
    for (const u of ['http://a.example', 'javascript:alert(1)', 'https:///a', 'https://u@a.example/', 'https://a.example/ x', 'https://a.example\\@b', '//a.example', 'https://' + 'a'.repeat(2050), 42]) {
      expect(isMarkdownLinkUrl(u)).toBe(false);
    }
  });
  it('markdownTextProblem: non-blank, byte cap in UTF-8, tab and LF the only controls', () => {
    expect(markdownTextProblem('# x\n\tx', 10)).toBeNull();
    expect(markdownTextProblem(' \n', 10)).toBe('is empty or blank');
    expect(markdownTextProblem('ééééé', 9)).toBe('is 10 bytes of UTF-8, over the limit of 9');
    expect(markdownTextProblem('a\nb\rc', 10)).toBe('contains control character U+000D on line 2');
    expect(markdownTextProblem(null, 10)).toBe('is not a string');
  });
  it('utf8ByteLength agrees with TextEncoder, lone surrogates included', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => utf8ByteLength(s) === new TextEncoder().encode(s).length));
    expect(utf8ByteLength('\ud800')).toBe(3);
  });
});
