/**
 * The pull-request rule for catalog Markdown (`PR_MARKDOWN`; docs/FORMAT.md
 * "Catalog Markdown"): text a publisher adds or changes in `description_md`
 * or a new release's `notes_md` renders exactly as written — no raw HTML, no
 * link the catalog refuses, no image, no nesting past the renderer's caps.
 *
 * The catalog would still be safe without this rule (the renderer shows all
 * of it as text); the rule makes the publisher see it before a visitor sees
 * `<b>` on the page. Text that breaks the text rule itself (size, control
 * characters) is the validator's `PLUGIN_DESCRIPTION_INVALID` /
 * `RELEASE_NOTES_INVALID` and is not reported twice. Text already in the base
 * is not judged again. Pure, like ./rules.ts.
 *
 * @module
 */
import type { JSONObject } from '../../core/json/types.js';
import { DESCRIPTION_MD_MAX_BYTES, NOTES_MD_MAX_BYTES } from '../../core/limits.js';
import { renderMarkdown, type MarkdownProblemCode } from '../../core/markdown.js';

/** One `PR_MARKDOWN` finding, located by pointer in the entry file. */
export interface MarkdownFinding {
  rule: 'PR_MARKDOWN';
  pointer: string;
  /** The renderer's code (`MARKDOWN_RAW_HTML`, …). */
  problemCode: MarkdownProblemCode;
  message: string;
}

function isObject(v: unknown): v is JSONObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * `PR_MARKDOWN` for one plugin entry.
 *
 * @param entry - the plugin entry at the head.
 * @param baseEntry - the same entry at the base (`undefined` for a new plugin).
 * @returns one finding per renderer problem in new or changed Markdown text.
 * @example checkEntryMarkdown({ description_md: '<b>x</b>', … }, undefined)[0].problemCode // 'MARKDOWN_RAW_HTML'
 */
export function checkEntryMarkdown(entry: JSONObject, baseEntry: JSONObject | undefined): MarkdownFinding[] {
  const out: MarkdownFinding[] = [];
  const judge = (text: unknown, maxBytes: number, pointer: string, member: string): void => {
    const { problems } = renderMarkdown(text, { maxBytes });
    for (const p of problems) {
      if (p.code === 'MARKDOWN_TEXT_INVALID') continue; // the validator's problem
      out.push({ rule: 'PR_MARKDOWN', pointer, problemCode: p.code, message: `${member} ${p.message} [${p.code}]` });
    }
  };
  if (typeof entry.description_md === 'string' && entry.description_md !== baseEntry?.description_md) {
    judge(entry.description_md, DESCRIPTION_MD_MAX_BYTES, '/description_md', 'description_md');
  }
  const baseNotes = new Map<string, unknown>();
  for (const r of Array.isArray(baseEntry?.releases) ? baseEntry.releases : []) {
    if (isObject(r) && typeof r.version === 'string') baseNotes.set(r.version, r.notes_md);
  }
  const releases = Array.isArray(entry.releases) ? entry.releases : [];
  releases.forEach((r, i) => {
    if (!isObject(r) || typeof r.notes_md !== 'string') return;
    // A published release's notes are immutable (PR_RELEASE_MODIFIED); only new text is judged here.
    if (typeof r.version === 'string' && baseNotes.has(r.version) && baseNotes.get(r.version) === r.notes_md) return;
    judge(r.notes_md, NOTES_MD_MAX_BYTES, `/releases/${i}/notes_md`, `release ${typeof r.version === 'string' ? r.version : i} notes_md`);
  });
  return out;
}

/** Result of {@link prepareReleaseNotes}. */
export type ReleaseNotesResult =
  | { ok: true; notes: string }
  /** `text`: the text rule (size, blank, control characters); `markdown`: a renderer problem pr-check would report as `PR_MARKDOWN`. */
  | { ok: false; kind: 'text' | 'markdown'; message: string };

/**
 * Release notes as `lattice-index add --notes FILE` stores them in `notes_md`:
 * CRLF line ends become LF and trailing white space is dropped (editors add
 * them; neither changes what renders); then the text must pass the text rule
 * and render as written — the same judgement pr-check applies, so an added
 * release never fails `PR_MARKDOWN` afterwards. Notes are immutable once
 * published, so they are checked before the release exists.
 *
 * @param text - the decoded notes file.
 * @returns the text to store, or why it is refused.
 * @example prepareReleaseNotes('Adds **import**.\r\n') // { ok: true, notes: 'Adds **import**.' }
 */
export function prepareReleaseNotes(text: string): ReleaseNotesResult {
  const notes = text.replace(/\r\n/g, '\n').replace(/[ \t\n]+$/, '');
  const { problems } = renderMarkdown(notes, { maxBytes: NOTES_MD_MAX_BYTES });
  const first = problems[0];
  if (first === undefined) return { ok: true, notes };
  if (first.code === 'MARKDOWN_TEXT_INVALID') return { ok: false, kind: 'text', message: `${first.message.replace(/^the Markdown text/, 'the notes')} (at most ${NOTES_MD_MAX_BYTES} UTF-8 bytes, tab and line feed the only control characters)` };
  return { ok: false, kind: 'markdown', message: problems.map((p) => `${p.message} [${p.code}]`).join('; ') };
}
