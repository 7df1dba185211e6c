/**
 * PR_MARKDOWN (src/domain/pr/markdown-rules.ts through checkPullRequest):
 * new catalog Markdown renders as written; release notes are immutable like
 * every release member. Each attack next to its honest variant.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkPullRequest } from '../../src/domain/pr/rules.js';
import { checkEntryMarkdown } from '../../src/domain/pr/markdown-rules.js';
import type { JSONObject } from '../../src/core/json/types.js';
import { annotations, json, lineOf, plugin, publisher, ScenarioRepo } from './helpers.js';

const FILE = 'index/plugins/acme.tool.json';
const REV = { releases: [], artifacts: [], keys: [] };

function base(entry = plugin('acme.tool', 'acme', [{ version: '1.0.0', channel: 'stable' }])): Map<string, string> {
  return new Map([
    ['index/publishers/acme.json', json(publisher('acme'))],
    [FILE, json(entry)],
    ['index/revocations.json', json(REV)],
  ]);
}

/** The head with the plugin entry changed by `edit`. */
function withEntry(b: Map<string, string>, edit: (e: Record<string, unknown>) => void): { head: Map<string, string>; text: string } {
  const e = JSON.parse(b.get(FILE)!) as Record<string, unknown>;
  edit(e);
  const text = json(e);
  return { head: new Map([...b, [FILE, text]]), text };
}

const releases = (e: Record<string, unknown>) => e.releases as Record<string, unknown>[];

describe('PR_MARKDOWN', () => {
  it('an honest description with headings, lists, code and an https link passes', () => {
    const b = base();
    const { head } = withEntry(b, (e) => (e.description_md = '## Setup\n\n- run `tool init`\n- read the [guide](https://acme.example/guide#start)\n'));
    const r = checkPullRequest({ base: b, head });
    expect(r.findings).toEqual([]);
    expect(r.status).toBe('ok');
  });

  it('attack: raw HTML in a description fails, on the line of description_md, with the renderer code', () => {
    const b = base();
    const { head, text } = withEntry(b, (e) => (e.description_md = 'Nice plugin.\n\n<img src=x onerror=alert(1)>'));
    const r = checkPullRequest({ base: b, head });
    expect(r.status).toBe('failed');
    expect(r.findings.map((f) => [f.rule, f.problemCode, f.pointer, f.line])).toEqual([['PR_MARKDOWN', 'MARKDOWN_RAW_HTML', '/description_md', lineOf(text, '"description_md"')]]);
    expect(r.findings[0]!.message).toContain('description_md line 3: raw HTML');
  });

  it('attack: a javascript: link and an image in new release notes fail; honest notes pass', () => {
    const b = base();
    const bad = withEntry(b, (e) => {
      e.latest = '1.1.0';
      (e.channels as Record<string, string>).stable = '1.1.0';
      const r0 = structuredClone(releases(e)[0]!);
      r0.version = '1.1.0';
      r0.notes_md = 'Fixes [the bug](javascript:alert(document.domain)).\n\n![pixel](https://tracker.example/p.gif)';
      e.releases = [r0, ...releases(e)];
    });
    const r = checkPullRequest({ base: b, head: bad.head });
    expect(r.findings.filter((f) => f.rule === 'PR_MARKDOWN').map((f) => [f.problemCode, f.pointer])).toEqual([
      ['MARKDOWN_LINK_REFUSED', '/releases/0/notes_md'],
      ['MARKDOWN_IMAGE_REFUSED', '/releases/0/notes_md'],
    ]);
    const good = withEntry(b, (e) => {
      e.latest = '1.1.0';
      (e.channels as Record<string, string>).stable = '1.1.0';
      const r0 = structuredClone(releases(e)[0]!);
      r0.version = '1.1.0';
      r0.notes_md = 'Fixes [the bug](https://acme.example/issues/7).';
      e.releases = [r0, ...releases(e)];
    });
    expect(checkPullRequest({ base: b, head: good.head }).findings.filter((f) => f.rule === 'PR_MARKDOWN')).toEqual([]);
  });

  it('attack: rewriting the notes of a published release is PR_RELEASE_MODIFIED (notes are immutable)', () => {
    const published = plugin('acme.tool', 'acme', [{ version: '1.0.0', channel: 'stable' }]);
    releases(published)[0]!.notes_md = 'First release.';
    const b = base(published);
    const changed = withEntry(b, (e) => (releases(e)[0]!.notes_md = 'First release. Also: nothing to see here.'));
    const r = checkPullRequest({ base: b, head: changed.head });
    expect(r.findings.map((f) => [f.rule, f.pointer])).toEqual([['PR_RELEASE_MODIFIED', '/releases/0/notes_md']]);
    const added = withEntry(base(), (e) => (releases(e)[0]!.notes_md = 'Notes added after publication.'));
    expect(checkPullRequest({ base: base(), head: added.head }).findings.map((f) => f.rule)).toEqual(['PR_RELEASE_MODIFIED']);
    // Honest variant: the same text unchanged passes.
    expect(checkPullRequest({ base: b, head: new Map(b) }).findings).toEqual([]);
  });

  it('text over the cap is the validator problem only (not reported twice)', () => {
    const b = base();
    const { head } = withEntry(b, (e) => (e.description_md = '<b>'.repeat(6000)));
    const r = checkPullRequest({ base: b, head });
    expect(r.findings.map((f) => [f.rule, f.problemCode])).toEqual([['PR_ENTRY_INVALID', 'PLUGIN_DESCRIPTION_INVALID']]);
  });

  it('text already in the base is not judged again', () => {
    const entry = plugin('acme.tool', 'acme', [{ version: '1.0.0', channel: 'stable' }]) as JSONObject;
    entry.description_md = 'Old <b>text</b>.';
    expect(checkEntryMarkdown(entry, entry)).toEqual([]);
    expect(checkEntryMarkdown(entry, undefined).map((f) => f.problemCode)).toEqual(['MARKDOWN_RAW_HTML']);
  });
});

describe('pr-check CLI: PR_MARKDOWN as a GitHub annotation on the line to fix', () => {
  let repo: ScenarioRepo | undefined;
  afterEach(() => repo?.cleanup());

  it('attack: a description with an event-handler tag fails (exit 1) with the annotation on description_md; the honest edit passes (exit 0)', async () => {
    repo = new ScenarioRepo();
    const text = repo.edit(FILE, (p) => (p.description_md = 'Fast.\n\n<svg onload=alert(1)>'));
    repo.head();
    const r = await repo.check();
    expect(r.status).toBe(1);
    const a = annotations(r.stdout).filter((x) => x.title === 'PR_MARKDOWN (MARKDOWN_RAW_HTML)');
    expect(a).toEqual([expect.objectContaining({ kind: 'error', file: FILE, line: lineOf(text, '"description_md"') })]);
    expect(a[0]!.message).toContain('[MARKDOWN_RAW_HTML]');
    repo.edit(FILE, (p) => (p.description_md = 'Fast. See the [docs](https://acme.example/docs).'));
    repo.head();
    const ok = await repo.checkJSON();
    expect(ok.report.findings).toEqual([]);
    expect(ok.status).toBe(0);
  });
});
