/**
 * Catalog Markdown: a strict, small Markdown renderer for the text publishers
 * put in the index (`description_md`, `notes_md`; docs/FORMAT.md "Catalog
 * Markdown").
 *
 * Publisher text is hostile input shown on the catalog's origin, so the
 * renderer is built to be safe by construction rather than by sanitising
 * HTML afterwards:
 * - it never copies markup from the input: every character of the source
 *   reaches the output escaped (`&`, `<`, `>`, `"`, `'`), and the only tags
 *   in the output are the ones this module writes — `h3`–`h6`, `p`, `em`,
 *   `strong`, `code`, `pre`, `ul`, `ol`, `li`, `blockquote`, `hr`, `a`;
 * - raw HTML (`<script>`, `<img onerror=…>`, comments) is shown as text and
 *   reported (`MARKDOWN_RAW_HTML`);
 * - a link is written only for a target that passes the core link rule
 *   {@link isMarkdownLinkUrl} (HTTPS with a host; no `javascript:`, `data:`,
 *   relative or protocol-relative target), always with
 *   `rel="nofollow noopener ugc"`; any other target leaves the link text as
 *   plain text and is reported (`MARKDOWN_LINK_REFUSED`);
 * - images are never loaded (a third-party image would track every visitor):
 *   `![alt](url)` renders its alt text and is reported (`MARKDOWN_IMAGE_REFUSED`);
 * - work is linear in the input: emphasis is matched with a stack whose
 *   frames are each popped once, code spans and link brackets are found
 *   through precomputed "next position" tables, nesting is capped
 *   ({@link MARKDOWN_MAX_NESTING}, {@link MARKDOWN_MAX_LIST_DEPTH}); the
 *   input is capped by the caller's byte limit (src/core/limits.ts) before
 *   anything is parsed (`MARKDOWN_TOO_LARGE`).
 *
 * What it supports (a CommonMark subset, documented in FORMAT.md): ATX
 * headings, paragraphs, fenced code blocks, `-`/`*`/`+` and `1.` lists
 * (nested by indentation), `>` block quotes, thematic breaks, `*em*`/`_em_`,
 * `**strong**`/`__strong__`, `` `code` ``, `[text](https://…)`, backslash
 * escapes. Not supported (rendered as text): raw HTML, images, setext
 * headings, indented code, tables, reference links, autolinks, character
 * references (`&amp;` shows as typed).
 *
 * Pure and synchronous: core layer, runs in Node and in browsers.
 *
 * @module
 */
import { isMarkdownLinkUrl, markdownTextProblem } from './rules.js';

/** Every problem code the renderer reports, with its meaning. Codes are stable API (pr-check's `PR_MARKDOWN` carries them). */
export const MARKDOWN_PROBLEM_CODES = {
  /** The text breaks the text rule (not a string, blank, over the byte cap, a control character): nothing is rendered. */
  MARKDOWN_TEXT_INVALID: 'the Markdown text is not non-blank text within its byte limit without control characters but tab and line feed',
  /** Raw HTML (a tag, a comment, a declaration): shown as text, never as markup. */
  MARKDOWN_RAW_HTML: 'raw HTML is not rendered: it shows as text',
  /** A link whose target is not an HTTPS URL with a host: the link text shows as plain text. */
  MARKDOWN_LINK_REFUSED: 'a link target is not an https:// URL with a host',
  /** An image: the catalog never loads third-party images; the alt text shows instead. */
  MARKDOWN_IMAGE_REFUSED: 'images are not shown',
  /** Emphasis or lists nested deeper than the renderer follows: the extra markers show as text. */
  MARKDOWN_NESTING_TOO_DEEP: 'emphasis or lists are nested too deeply',
} as const;

/** A stable Markdown problem code. */
export type MarkdownProblemCode = keyof typeof MARKDOWN_PROBLEM_CODES;

/** One thing the renderer did not render as written. */
export interface MarkdownProblem {
  code: MarkdownProblemCode;
  /** 1-based line of the Markdown text. */
  line: number;
  /** What was found and what is expected. */
  message: string;
}

/** Options of {@link renderMarkdown}. */
export interface MarkdownOptions {
  /**
   * The byte cap of the member being rendered (`DESCRIPTION_MD_MAX_BYTES`,
   * `NOTES_MD_MAX_BYTES` from src/core/limits.ts). Required: there is no
   * default size, so no caller renders unbounded text by omission.
   */
  maxBytes: number;
  /**
   * The heading level of the section the text is placed in (default 2):
   * the text's top heading level (`#`, or `##` if it has no `#`) renders one
   * level below it and the others keep their distance, so publisher headings
   * never compete with the page's own outline or leave a gap in it; levels
   * past 6 render as `h6`.
   */
  sectionLevel?: number;
}

/** What {@link renderMarkdown} returns: always HTML safe to insert, and what was not rendered as written. */
export interface MarkdownResult {
  /** The rendered HTML (empty when the text breaks the text rule). */
  html: string;
  /** Problems in source order; empty when everything rendered as written. */
  problems: MarkdownProblem[];
}

/** Deepest emphasis nesting followed (`***` runs and the like beyond it show as text). */
export const MARKDOWN_MAX_NESTING = 8;
/** Deepest list nesting followed. */
export const MARKDOWN_MAX_LIST_DEPTH = 4;

/**
 * Render catalog Markdown to HTML.
 *
 * Hostile text never throws: it yields problems (and text shown as text).
 * Only a caller bug throws.
 *
 * @param source - the Markdown text from the index (any value: non-strings are a problem).
 * @param options - the byte cap of the member, and the section level.
 * @returns the HTML and the problems.
 * @throws TypeError when `options.maxBytes` is not a positive integer (a caller bug).
 * @example
 * renderMarkdown('Adds **kv:write**. See [docs](https://x.example/d).', { maxBytes: 4096 }).html
 * // '<p>Adds <strong>kv:write</strong>. See <a href="https://x.example/d" rel="nofollow noopener ugc">docs</a>.</p>'
 */
export function renderMarkdown(source: unknown, options: MarkdownOptions): MarkdownResult {
  if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes <= 0) throw new TypeError(`maxBytes must be a positive integer, found ${String(options.maxBytes)}`);
  const textProblem = markdownTextProblem(source, options.maxBytes);
  if (textProblem !== null) {
    return { html: '', problems: [{ code: 'MARKDOWN_TEXT_INVALID', line: 1, message: `the Markdown text ${textProblem}` }] };
  }
  const r = new Renderer(options.sectionLevel ?? 2);
  r.blocks((source as string).split('\n'));
  return { html: r.out.join(''), problems: r.problems };
}

/**
 * The plain text of catalog Markdown: what {@link renderMarkdown} shows, without
 * markup (for feed summaries, meta descriptions and search). Escaped for HTML.
 * @example markdownPlainText('**Hi** [x](https://a.example)', 4096) // 'Hi x'
 */
export function markdownPlainText(source: unknown, maxBytes: number): string {
  const { html } = renderMarkdown(source, { maxBytes });
  return html
    .replace(/<\/(?:p|h[1-6]|li|pre|blockquote)>/g, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

// ---------------------------------------------------------------------------

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const FENCE_RE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const HEADING_RE = /^ {0,3}(#{1,6})(?:[ \t]|$)/;
const HR_RE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const ITEM_RE = /^( *)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$/;
const QUOTE_RE = /^ {0,3}> ?(.*)$/;
// A tag, closing tag, comment, processing instruction or declaration (CommonMark §6.6's openers).
const RAW_HTML_RE = /<(?:[A-Za-z][A-Za-z0-9-]*(?=[\s/>])|[A-Za-z][A-Za-z0-9-]*$|\/[A-Za-z]|!--|![A-Za-z]|\?)/;
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const REL = 'nofollow noopener ugc';

interface OpenList {
  ordered: boolean;
  /** Column of the marker. */
  indent: number;
  /** Lines of the current item, rendered when the item ends. */
  item: string[];
  itemLine: number;
}

/** One rendering: the output, problems, and the block state. */
class Renderer {
  readonly out: string[] = [];
  readonly problems: MarkdownProblem[] = [];
  readonly #sectionLevel: number;
  #paragraph: string[] = [];
  #paragraphLine = 0;
  #quote: string[] = [];
  #quoteLine = 0;
  #lists: OpenList[] = [];
  #deepListReported = false;
  #afterBlank = false;
  #topLevel = 6;

  constructor(sectionLevel: number) {
    this.#sectionLevel = Math.min(Math.max(Math.trunc(sectionLevel), 1), 6);
  }

  blocks(lines: readonly string[]): void {
    // The text's top heading level becomes one below the section: a description
    // that starts at `##` still gets no gap in the page's outline.
    let inFence: string | undefined;
    for (const line of lines) {
      const fence = FENCE_RE.exec(line);
      if (fence) inFence = inFence === undefined ? fence[1]![0] : fence[1]![0] === inFence ? undefined : inFence;
      const h = inFence === undefined ? HEADING_RE.exec(line) : null;
      if (h) this.#topLevel = Math.min(this.#topLevel, h[1]!.length);
    }
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n]!;
      const lineNo = n + 1;
      if (line.trim() === '') {
        this.#closeParagraph();
        this.#closeQuote();
        // A blank line ends the current item's text; the list stays open for the next item.
        this.#flushItem();
        this.#afterBlank = true;
        continue;
      }
      const afterBlank = this.#afterBlank;
      this.#afterBlank = false;
      const fence = FENCE_RE.exec(line);
      if (fence && !(fence[1]![0] === '`' && fence[2]!.includes('`'))) {
        this.#closeAll();
        n = this.#fencedCode(lines, n, fence[1]!);
        continue;
      }
      const heading = HEADING_RE.exec(line);
      if (heading) {
        this.#closeAll();
        const level = Math.min(this.#sectionLevel + 1 + heading[1]!.length - this.#topLevel, 6);
        this.out.push(`<h${level}>${this.inline(headingText(line.slice(heading[0].length)), lineNo)}</h${level}>`);
        this.#afterBlank = false;
        continue;
      }
      if (HR_RE.test(line)) {
        this.#closeAll();
        this.out.push('<hr>');
        continue;
      }
      const quote = QUOTE_RE.exec(line);
      if (quote) {
        this.#closeParagraph();
        this.#closeLists();
        if (this.#quote.length === 0) this.#quoteLine = lineNo;
        this.#quote.push(quote[1]!);
        continue;
      }
      const item = ITEM_RE.exec(line);
      // A list interrupts a paragraph only with a bullet or `1.` (CommonMark §5.3), so "2026. was…" stays text.
      const interrupts = item !== null && (this.#paragraph.length === 0 || !/\d/.test(item[2]![0]!) || /^0*1[.)]$/.test(item[2]!));
      if (item && interrupts && (item[3] ?? '').trim() !== '') {
        this.#closeParagraph();
        this.#closeQuote();
        this.#listItem(item[1]!.length, /\d/.test(item[2]![0]!), item[3]!, lineNo);
        continue;
      }
      if (this.#lists.length > 0 && afterBlank && indentOf(line) < this.#lists[this.#lists.length - 1]!.indent + 2) {
        this.#closeLists(); // an unindented line after a blank line ends the list
      }
      if (this.#lists.length > 0) {
        // A continuation line of the current item (indented, or lazy right below it).
        const top = this.#lists[this.#lists.length - 1]!;
        if (top.item.length === 0) top.itemLine = lineNo;
        top.item.push(line.trim());
        continue;
      }
      if (this.#quote.length > 0) {
        this.#quote.push(line.trim()); // lazy continuation of the quote's paragraph
        continue;
      }
      if (this.#paragraph.length === 0) this.#paragraphLine = lineNo;
      this.#paragraph.push(line.trim());
    }
    this.#closeAll();
  }

  #fencedCode(lines: readonly string[], start: number, marker: string): number {
    const body: string[] = [];
    let n = start + 1;
    for (; n < lines.length; n++) {
      const l = lines[n]!;
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(l);
      if (close && close[1]![0] === marker[0] && close[1]!.length >= marker.length) break;
      body.push(l);
    }
    // An unclosed fence runs to the end of the text (CommonMark §4.5).
    this.out.push(`<pre><code>${esc(body.join('\n'))}${body.length > 0 ? '\n' : ''}</code></pre>`);
    return n;
  }

  #listItem(indent: number, ordered: boolean, text: string, lineNo: number): void {
    // Close lists indented deeper than this item; a sibling of another kind closes its list too.
    while (this.#lists.length > 0 && this.#lists[this.#lists.length - 1]!.indent > indent + 1) this.#closeList();
    let top = this.#lists[this.#lists.length - 1];
    if (top !== undefined && indent >= top.indent + 2) {
      // Nested: a new list inside the current item.
      if (this.#lists.length >= MARKDOWN_MAX_LIST_DEPTH) {
        if (!this.#deepListReported) {
          this.#deepListReported = true;
          this.problems.push({ code: 'MARKDOWN_NESTING_TOO_DEEP', line: lineNo, message: `line ${lineNo}: lists nest at most ${MARKDOWN_MAX_LIST_DEPTH} deep; deeper items join the item above` });
        }
        if (top.item.length === 0) top.itemLine = lineNo;
        top.item.push(text.trim());
        return;
      }
      this.#flushItem();
      top = undefined;
    } else if (top !== undefined && top.ordered !== ordered) {
      this.#closeList();
      top = this.#lists[this.#lists.length - 1];
    }
    if (top === undefined || indent >= top.indent + 2) {
      this.out.push(ordered ? '<ol>' : '<ul>');
      this.#lists.push({ ordered, indent, item: [text.trim()], itemLine: lineNo });
      this.out.push('<li>');
      return;
    }
    this.#flushItem();
    this.out.push('</li><li>');
    top.item = [text.trim()];
    top.itemLine = lineNo;
  }

  /** Render the pending text of the innermost item. */
  #flushItem(): void {
    const top = this.#lists[this.#lists.length - 1];
    if (top === undefined || top.item.length === 0) return;
    this.out.push(this.inline(top.item.join('\n'), top.itemLine));
    top.item = [];
  }

  #closeList(): void {
    this.#flushItem();
    const l = this.#lists.pop()!;
    this.out.push(l.ordered ? '</li></ol>' : '</li></ul>');
  }

  #closeLists(): void {
    while (this.#lists.length > 0) this.#closeList();
  }

  #closeParagraph(): void {
    if (this.#paragraph.length === 0) return;
    this.out.push(`<p>${this.inline(this.#paragraph.join('\n'), this.#paragraphLine)}</p>`);
    this.#paragraph = [];
  }

  #closeQuote(): void {
    if (this.#quote.length === 0) return;
    const text = this.#quote.map((l) => l.trim()).filter((l) => l !== '');
    this.out.push(`<blockquote>${text.length > 0 ? `<p>${this.inline(text.join('\n'), this.#quoteLine)}</p>` : ''}</blockquote>`);
    this.#quote = [];
  }

  #closeAll(): void {
    this.#closeParagraph();
    this.#closeQuote();
    this.#closeLists();
  }

  /**
   * Inline content of one block. `firstLine` is the block's first source line
   * (problems are located by counting line feeds before the offending offset).
   */
  inline(text: string, firstLine: number): string {
    const lineAt = (offset: number): number => {
      let n = firstLine;
      for (let k = text.indexOf('\n'); k >= 0 && k < offset; k = text.indexOf('\n', k + 1)) n++;
      return n;
    };
    const raw = RAW_HTML_RE.exec(text);
    if (raw !== null) {
      const at = lineAt(raw.index);
      const shown = text.slice(raw.index, raw.index + 24).split('\n')[0]!;
      this.problems.push({ code: 'MARKDOWN_RAW_HTML', line: at, message: `line ${at}: raw HTML ${JSON.stringify(shown)} is shown as text; catalog Markdown renders no HTML` });
    }
    return new InlineParser(text, this, lineAt).run();
  }
}

/** An emphasis frame: an opener waiting for its closer, and what was rendered since. */
interface Frame {
  /** `*`, `**`, `_`, `__`; the root frame has ''. */
  marker: string;
  parts: string[];
}

/**
 * Inline parsing of one block's text in one left-to-right pass.
 *
 * Emphasis uses a stack of frames: an opener pushes a frame; a closer pops
 * frames down to the nearest opener with the same marker (the popped,
 * unmatched ones fall back to text), so each frame is pushed and popped once
 * — linear, where naive backtracking is quadratic on `*a*a*a…` bombs. A
 * per-marker count of open frames makes the "is there an opener?" test O(1).
 */
class InlineParser {
  readonly #s: string;
  readonly #r: Renderer;
  readonly #lineAt: (offset: number) => number;
  readonly #stack: Frame[] = [{ marker: '', parts: [] }];
  readonly #open = new Map<string, number>();
  /** For each offset, the offset of the next `]` at or after it (or -1). */
  #nextClose: Int32Array | undefined;
  /** For each offset, the next `[` at or after it. */
  #nextOpen: Int32Array | undefined;
  /** For each offset, the next `)` at or after it. */
  #nextParen: Int32Array | undefined;
  /** Backtick runs: start offsets by run length, and a cursor per length. */
  #ticks: Map<number, { starts: number[]; cursor: number }> | undefined;
  #deepReported = false;
  /** Inside a link label: no nested links. */
  readonly #inLabel: boolean;

  constructor(s: string, r: Renderer, lineAt: (offset: number) => number, inLabel = false) {
    this.#s = s;
    this.#r = r;
    this.#lineAt = lineAt;
    this.#inLabel = inLabel;
  }

  run(): string {
    const s = this.#s;
    let text = '';
    const flush = (): void => {
      if (text !== '') this.#emit(esc(text));
      text = '';
    };
    let i = 0;
    while (i < s.length) {
      const c = s[i]!;
      if (c === '\\' && i + 1 < s.length && PUNCTUATION.includes(s[i + 1]!)) {
        text += s[i + 1];
        i += 2;
        continue;
      }
      if (c === '`') {
        const run = runLength(s, i, '`');
        const close = this.#closingTicks(i, run);
        if (close < 0) {
          text += s.slice(i, i + run);
          i += run;
          continue;
        }
        flush();
        let code = s.slice(i + run, close).replace(/\n/g, ' ');
        if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '') code = code.slice(1, -1);
        this.#emit(`<code>${esc(code)}</code>`);
        i = close + run;
        continue;
      }
      if (c === '*' || c === '_') {
        const run = runLength(s, i, c);
        const before = i > 0 ? s[i - 1]! : ' ';
        const after = i + run < s.length ? s[i + run]! : ' ';
        let canOpen = !/\s/.test(after);
        let canClose = !/\s/.test(before);
        if (c === '_') {
          // No intraword emphasis with underscores (snake_case stays text).
          canOpen &&= !/[\p{L}\p{N}]/u.test(before);
          canClose &&= !/[\p{L}\p{N}]/u.test(after);
        }
        if (run > 2 || (!canOpen && !canClose)) {
          text += s.slice(i, i + run);
          i += run;
          continue;
        }
        const marker = s.slice(i, i + run);
        flush();
        if (canClose && (this.#open.get(marker) ?? 0) > 0) this.#closeFrame(marker);
        else if (canOpen) this.#openFrame(marker, i);
        else this.#emit(esc(marker));
        i += run;
        continue;
      }
      if ((c === '[' || (c === '!' && s[i + 1] === '[')) && !this.#inLabel) {
        const image = c === '!';
        const link = this.#link(image ? i + 1 : i);
        if (link !== null) {
          flush();
          this.#emitLink(link, image, i);
          i = link.end;
          continue;
        }
      }
      text += c;
      i++;
    }
    flush();
    // Unclosed openers fall back to text, innermost first.
    while (this.#stack.length > 1) this.#dropFrame();
    return this.#stack[0]!.parts.join('');
  }

  #emit(htmlText: string): void {
    this.#stack[this.#stack.length - 1]!.parts.push(htmlText);
  }

  #openFrame(marker: string, offset: number): void {
    if (this.#stack.length > MARKDOWN_MAX_NESTING) {
      if (!this.#deepReported) {
        this.#deepReported = true;
        const line = this.#lineAt(offset);
        this.#r.problems.push({ code: 'MARKDOWN_NESTING_TOO_DEEP', line, message: `line ${line}: emphasis nests at most ${MARKDOWN_MAX_NESTING} deep; deeper markers show as text` });
      }
      this.#emit(esc(marker));
      return;
    }
    this.#stack.push({ marker, parts: [] });
    this.#open.set(marker, (this.#open.get(marker) ?? 0) + 1);
  }

  /** Close the nearest open frame with `marker` (one exists); frames above it fall back to text. */
  #closeFrame(marker: string): void {
    while (this.#stack[this.#stack.length - 1]!.marker !== marker) this.#dropFrame();
    const f = this.#stack.pop()!;
    this.#open.set(marker, this.#open.get(marker)! - 1);
    const tag = marker.length === 2 ? 'strong' : 'em';
    this.#emit(f.parts.length === 0 ? esc(marker + marker) : `<${tag}>${f.parts.join('')}</${tag}>`);
  }

  /** Pop the top frame without a closer: its marker is text again. */
  #dropFrame(): void {
    const f = this.#stack.pop()!;
    this.#open.set(f.marker, this.#open.get(f.marker)! - 1);
    this.#emit(esc(f.marker) + f.parts.join(''));
  }

  /** Offset of the backtick run closing the run of `len` at `from`, or -1. */
  #closingTicks(from: number, len: number): number {
    if (this.#ticks === undefined) {
      this.#ticks = new Map();
      const s = this.#s;
      for (let k = 0; k < s.length; ) {
        if (s[k] !== '`') {
          k++;
          continue;
        }
        const n = runLength(s, k, '`');
        let e = this.#ticks.get(n);
        if (e === undefined) this.#ticks.set(n, (e = { starts: [], cursor: 0 }));
        e.starts.push(k);
        k += n;
      }
    }
    const e = this.#ticks.get(len);
    if (e === undefined) return -1;
    // Openers are visited left to right, so the cursor only moves forward.
    while (e.cursor < e.starts.length && e.starts[e.cursor]! <= from) e.cursor++;
    return e.cursor < e.starts.length ? e.starts[e.cursor]! : -1;
  }

  /** `[label](target)` starting at the `[` at `at`: the label, the target and the end offset, or null. */
  #link(at: number): { label: string; target: string; end: number } | null {
    const s = this.#s;
    if (this.#nextClose === undefined) {
      this.#nextClose = new Int32Array(s.length + 1).fill(-1);
      this.#nextOpen = new Int32Array(s.length + 1).fill(-1);
      this.#nextParen = new Int32Array(s.length + 1).fill(-1);
      for (let k = s.length - 1; k >= 0; k--) {
        this.#nextClose[k] = s[k] === ']' ? k : this.#nextClose[k + 1]!;
        this.#nextOpen![k] = s[k] === '[' ? k : this.#nextOpen![k + 1]!;
        this.#nextParen![k] = s[k] === ')' ? k : this.#nextParen![k + 1]!;
      }
    }
    const close = this.#nextClose[at + 1]!;
    if (close < 0) return null;
    const open = this.#nextOpen![at + 1]!;
    if (open >= 0 && open < close) return null; // no brackets inside a label
    if (s[close + 1] !== '(') return null;
    const end = this.#nextParen![close + 2] ?? -1;
    if (end < 0) return null;
    const target = s.slice(close + 2, end).trim();
    if (/\s/.test(target)) return null; // titles and spaces in targets are not supported
    return { label: s.slice(at + 1, close), target, end: end + 1 };
  }

  #emitLink(link: { label: string; target: string }, image: boolean, offset: number): void {
    const label = new InlineParser(link.label, this.#r, (o) => this.#lineAt(offset + 1 + o), true).run();
    const line = this.#lineAt(offset);
    const shown = JSON.stringify(link.target.slice(0, 80));
    if (image) {
      this.#r.problems.push({ code: 'MARKDOWN_IMAGE_REFUSED', line, message: `line ${line}: image ${shown} is not shown (the catalog loads no third-party images); its alt text is shown instead` });
      this.#emit(label);
      return;
    }
    if (!isMarkdownLinkUrl(link.target)) {
      this.#r.problems.push({ code: 'MARKDOWN_LINK_REFUSED', line, message: `line ${line}: link target ${shown} is not an https:// URL with a host; the link text is shown without a link` });
      this.#emit(label);
      return;
    }
    this.#emit(`<a href="${esc(link.target)}" rel="${REL}">${label}</a>`);
  }
}

/** A heading's text: trimmed, without a closing sequence of `#` (CommonMark §4.2). Linear, no regex backtracking. */
function headingText(rest: string): string {
  let t = rest.trim();
  let k = t.length;
  while (k > 0 && t[k - 1] === '#') k--;
  if (k === 0) return '';
  if (k < t.length && (t[k - 1] === ' ' || t[k - 1] === '\t')) t = t.slice(0, k).trim();
  return t;
}

function indentOf(line: string): number {
  let n = 0;
  while (line[n] === ' ') n++;
  return n;
}

function runLength(s: string, at: number, c: string): number {
  let n = 0;
  while (s[at + n] === c) n++;
  return n;
}
