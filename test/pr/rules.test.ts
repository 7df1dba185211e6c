/**
 * The pure pull-request rules (src/domain/pr/rules.ts) on in-memory
 * snapshots, the report formatting (annotation escaping, summary), and the
 * CODEOWNERS generator.
 */
import { describe, expect, it } from 'vitest';
import { checkPullRequest, PR_RULES, RULE_SEVERITY } from '../../src/domain/pr/rules.js';
import { escapeAnnotationData, escapeAnnotationProperty, formatAnnotation, formatSummaryMarkdown, reportExitCode } from '../../src/domain/pr/report.js';
import { renderCodeowners } from '../../src/domain/pr/codeowners.js';
import { addRelease, defaultChannel } from '../../src/domain/pr/add-release.js';
import { classifyIndexPath } from '../../src/domain/pr/layout.js';
import { fakeBase64, fakeSha, json, lineOf, plugin, publisher } from './helpers.js';

const REV = { releases: [], artifacts: [], keys: [] };

function baseMap(): Map<string, string> {
  return new Map([
    ['index/publishers/acme.json', json(publisher('acme'))],
    ['index/publishers/demo.json', json(publisher('demo'))],
    ['index/plugins/acme.tool.json', json(plugin('acme.tool', 'acme', [{ version: '1.0.0', channel: 'stable' }]))],
    ['index/plugins/demo.hello.json', json(plugin('demo.hello', 'demo', [{ version: '2.0.0', channel: 'stable' }]))],
    ['index/revocations.json', json(REV)],
  ]);
}

describe('checkPullRequest (pure)', () => {
  it('every rule has a fixed severity and a meaning', () => {
    expect(Object.keys(RULE_SEVERITY).sort()).toEqual(Object.keys(PR_RULES).sort());
  });

  it('attributes a revoked artifact digest to the publisher whose release has it', () => {
    const base = baseMap();
    const head = new Map(base);
    head.set('index/revocations.json', json({ ...REV, artifacts: [{ sha256: fakeSha('demo.hello@2.0.0'), reason: 'bad build', revoked_at: '2026-11-01T00:00:00Z' }] }));
    const own = checkPullRequest({ base, head });
    expect(own.status).toBe('ok');
    expect(own.publishers).toEqual(['demo']);
    // …and together with an acme change, that is two publishers.
    head.set('index/plugins/acme.tool.json', base.get('index/plugins/acme.tool.json')!.replace('A test plugin.', 'Changed.'));
    const two = checkPullRequest({ base, head });
    expect(two.status).toBe('failed');
    expect(two.publishers).toEqual(['acme', 'demo']);
    const rev = two.findings.find((f) => f.rule === 'PR_MULTIPLE_PUBLISHERS' && f.file === 'index/revocations.json');
    expect(rev).toMatchObject({ pointer: '/artifacts/0', line: lineOf(head.get('index/revocations.json')!, '"sha256"') - 1 });
  });

  it('a revocation that concerns nobody needs review', () => {
    const base = baseMap();
    const head = new Map(base);
    head.set('index/revocations.json', json({ ...REV, artifacts: [{ sha256: fakeSha('unknown'), reason: 'x', revoked_at: '2026-11-01T00:00:00Z' }] }));
    const r = checkPullRequest({ base, head });
    expect(r.status).toBe('review');
    expect(r.findings.map((f) => [f.rule, f.severity, f.pointer])).toEqual([['PR_REVOCATION_UNATTRIBUTED', 'review', '/artifacts/0']]);
  });

  it('a change of github_owners needs review', () => {
    const base = baseMap();
    base.set('index/publishers/acme.json', json({ ...publisher('acme'), github_owners: ['@acme'] }));
    const head = new Map(base);
    const text = json({ ...publisher('acme'), github_owners: ['@acme', '@mallory'] });
    head.set('index/publishers/acme.json', text);
    const r = checkPullRequest({ base, head });
    // (The validator learns github_owners separately; only this rule's finding is asserted here.)
    expect(r.findings.filter((f) => f.rule === 'PR_PUBLISHER_OWNERS_CHANGED')).toEqual([
      expect.objectContaining({ severity: 'review', file: 'index/publishers/acme.json', line: lineOf(text, '"github_owners"') }),
    ]);
  });

  it('a new publisher may not take over plugins already living under its name', () => {
    const base = baseMap();
    base.set('index/plugins/acme.labs.json', json(plugin('acme.labs', 'acme', [{ version: '1.0.0', channel: 'stable' }])));
    base.set('index/plugins/acme.labs.x.json', json(plugin('acme.labs.x', 'acme', [{ version: '1.0.0', channel: 'stable' }])));
    const head = new Map(base);
    const text = json(publisher('acme.labs'));
    head.set('index/publishers/acme.labs.json', text);
    const r = checkPullRequest({ base, head });
    expect(r.status).toBe('failed');
    expect(r.findings.map((f) => [f.rule, f.file, f.line])).toEqual([
      ['PR_NAMESPACE', 'index/publishers/acme.labs.json', lineOf(text, '"id"')],
      ['PR_NEW_PUBLISHER', 'index/publishers/acme.labs.json', lineOf(text, '"id"')],
    ]);
  });

  it('unreadable head files (symlink, not UTF-8) are errors; base-only problems are not this PR\'s', () => {
    const base = baseMap();
    base.set('index/plugins/demo.broken.json', '{"id": 1}\n'); // already invalid before the PR
    const head = new Map(base);
    const r = checkPullRequest({ base, head, unreadable: new Map([['index/plugins/x.json', 'is not valid UTF-8']]) });
    expect(r.findings.map((f) => [f.rule, f.file])).toEqual([['PR_UNEXPECTED_FILE', 'index/plugins/x.json']]);
  });

  it('never throws on hostile entries', () => {
    const base = baseMap();
    for (const text of ['null', '[]', '"x"', '{"releases": 5, "channels": [], "publisher": {}}', '{"releases": [null, 1, {"version": {}}]}']) {
      const head = new Map(base);
      head.set('index/plugins/acme.tool.json', text);
      head.set('index/revocations.json', text);
      head.set('index/publishers/acme.json', text);
      expect(() => checkPullRequest({ base, head }), text).not.toThrow();
      expect(checkPullRequest({ base, head }).status).toBe('failed');
    }
  });
});

describe('report formatting', () => {
  it('escapes data and properties as the Actions toolkit does', () => {
    expect(escapeAnnotationData('100%\r\nnext')).toBe('100%25%0D%0Anext');
    expect(escapeAnnotationProperty('a,b:c%\n')).toBe('a%2Cb%3Ac%25%0A');
  });

  it('formats errors and review items', () => {
    expect(formatAnnotation({ severity: 'error', rule: 'PR_ENTRY_INVALID', problemCode: 'RELEASE_SHA256_INVALID', file: 'index/plugins/a,b.json', line: 7, column: 5, message: 'bad\nsha' }))
      .toBe('::error file=index/plugins/a%2Cb.json,line=7,col=5,title=PR_ENTRY_INVALID (RELEASE_SHA256_INVALID)::bad%0Asha');
    expect(formatAnnotation({ severity: 'review', rule: 'PR_NEW_PUBLISHER', file: 'x', line: 1, message: 'm' })).toBe('::warning file=x,line=1,title=PR_NEW_PUBLISHER::m');
  });

  it('the summary escapes table cells and maps status to exit codes', () => {
    const report = { status: 'failed' as const, publishers: ['acme'], touched: [{ file: 'index/plugins/a.json', change: 'modified' as const, publishers: ['acme'] }],
      findings: [{ severity: 'error' as const, rule: 'PR_RELEASE_MODIFIED' as const, file: 'index/plugins/a.json', line: 3, message: 'a | b <script>' }] };
    const md = formatSummaryMarkdown(report, { base: 'a'.repeat(40), head: 'b'.repeat(40) });
    expect(md).toContain('a \\| b &lt;script&gt;');
    expect(md).not.toContain('<script>');
    expect(reportExitCode(report)).toBe(1);
    expect(reportExitCode({ ...report, status: 'review' })).toBe(3);
    expect(reportExitCode({ ...report, status: 'ok', findings: [] })).toBe(0);
  });
});

describe('renderCodeowners', () => {
  it('is ordered general → specific: plugin files to their publisher\'s owners plus maintainers, publisher files (keys) to maintainers only', () => {
    const r = renderCodeowners([
      { id: 'acme.labs', github_owners: ['@labs-team'] },
      { id: 'acme', github_owners: ['@acme/release', '@LatticeNet/plugin-index-maintainers'] },
      { id: 'demo' },
    ]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const rules = r.text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/));
    expect(rules).toEqual([
      ['*', '@LatticeNet/plugin-index-maintainers'],
      ['/index/plugins.json', '@LatticeNet/plugin-index-maintainers'],
      ['/index/revocations.json', '@LatticeNet/plugin-index-maintainers'],
      ['/index/publishers/acme.json', '@LatticeNet/plugin-index-maintainers'],
      ['/index/plugins/acme.*.json', '@acme/release', '@LatticeNet/plugin-index-maintainers'],
      ['/index/manifests/acme.*/', '@acme/release', '@LatticeNet/plugin-index-maintainers'],
      ['/index/publishers/acme.labs.json', '@LatticeNet/plugin-index-maintainers'],
      ['/index/plugins/acme.labs.*.json', '@labs-team', '@LatticeNet/plugin-index-maintainers'],
      ['/index/manifests/acme.labs.*/', '@labs-team', '@LatticeNet/plugin-index-maintainers'],
      ['/index/publishers/demo.json', '@LatticeNet/plugin-index-maintainers'],
      ['/index/plugins/demo.*.json', '@LatticeNet/plugin-index-maintainers'],
      ['/index/manifests/demo.*/', '@LatticeNet/plugin-index-maintainers'],
    ]);
    // Deterministic: the input order does not matter.
    const again = renderCodeowners([{ id: 'demo' }, { id: 'acme', github_owners: ['@acme/release'] }, { id: 'acme.labs', github_owners: ['@labs-team'] }]);
    expect(again).toEqual(r);
  });

  it('rejects malformed owners, too many owners and duplicates', () => {
    const r = renderCodeowners([
      { id: 'a1', github_owners: ['acme'] },
      { id: 'a2', github_owners: ['@-bad'] },
      { id: 'a3', github_owners: Array.from({ length: 11 }, (_, i) => `@u${i}`) },
      { id: 'a4', github_owners: ['@x', '@X'] },
      { id: 'a5', github_owners: [] },
      { id: 'a6', github_owners: ['@org/team name'] },
    ]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => [p.publisher, p.instancePath])).toEqual([
      ['a1', '/github_owners/0'], ['a2', '/github_owners/0'], ['a3', '/github_owners'], ['a4', '/github_owners/1'], ['a5', '/github_owners'], ['a6', '/github_owners/0'],
    ]);
  });
});

describe('addRelease and the layout', () => {
  it('defaults the channel by the -alpha prerelease rule', () => {
    expect(defaultChannel('1.0.0')).toBe('stable');
    expect(defaultChannel('1.0.0-alpha.3')).toBe('alpha');
    expect(defaultChannel('1.0.0-rc.1')).toBe('stable'); // the validator then refuses a stable prerelease
  });

  it('keeps the plugin default capabilities when a published release relies on them', () => {
    const existing = JSON.parse(json(plugin('acme.tool', 'acme', [{ version: '1.0.0', channel: 'stable' }])));
    delete existing.releases[0].capabilities;
    const r = addRelease(existing, {
      pluginId: 'acme.tool', name: 'x', publisher: 'acme', type: 'system', version: '1.1.0', capabilities: ['node:read'],
      manifestUrl: 'https://e.org/m', artifactUrl: 'https://e.org/a', artifactSha256: fakeSha('a'), manifestSha256: fakeSha('m'),
      signature: fakeBase64('s', 64), publishedAt: '2026-01-01T00:00:00Z',
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.plugin.capabilities).toEqual(['kv:read']);
    expect(existing.releases).toHaveLength(1); // input untouched
  });

  it('classifies repository paths', () => {
    expect(classifyIndexPath('index/plugins.json')).toEqual({ kind: 'generated' });
    expect(classifyIndexPath('index/plugins/a.b.json')).toEqual({ kind: 'plugin', id: 'a.b' });
    expect(classifyIndexPath('index/publishers/a.json')).toEqual({ kind: 'publisher', id: 'a' });
    expect(classifyIndexPath('index/revocations.json')).toEqual({ kind: 'revocations' });
    expect(classifyIndexPath('index/plugins/sub/a.json')).toEqual({ kind: 'other' });
    expect(classifyIndexPath('index/plugins/.hidden.json')).toEqual({ kind: 'other' });
  });
});
