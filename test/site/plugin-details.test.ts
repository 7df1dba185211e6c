/**
 * Plugin page details (site/src/lib/plugin-details.ts, views.ts): the
 * capability diff between consecutive releases, high risk first, last updated
 * in words, loadability per release, rendered description and notes — on the
 * demo entries with releases added by the test.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyIndex } from '../../src/domain/index/verify.js';
import { buildCatalog, type CatalogModel } from '../../site/src/lib/catalog.js';
import { capabilityDiff, pluginDetails, relativeTimeWords, timeView } from '../../site/src/lib/plugin-details.js';
import { capabilityDiffItems, releaseHistory } from '../../site/src/lib/views.js';
import { releaseFeed } from '../../site/src/lib/atom.js';
import { demoIndexDocument, draftIndexBytes, testKey } from './fixtures.js';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const DAY = 86_400_000;
const SHA = (c: string) => c.repeat(64);
const SIG = 'A'.repeat(86) + '==';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

/** demo.hello with two more stable releases: 1.2.0 adds kv:write, 1.3.0 swaps it for task:run (host). */
function withReleases(doc: Doc): Doc {
  const hello = doc.plugins.find((p: Doc) => p.id === 'demo.hello');
  const rel = (version: string, capabilities: string[], published: string, notes?: string) => ({
    version, channel: 'stable', capabilities,
    manifest_url: `https://plugins.lattice.example/demo/demo.hello/${version}/manifest.json`,
    artifact_url: `https://plugins.lattice.example/demo/demo.hello/${version}/a.tar.gz`,
    artifact_sha256: SHA(version.at(-1)!), signature_ed25519: SIG, published_at: published,
    ...(notes !== undefined ? { notes_md: notes } : {}),
  });
  hello.releases = [
    rel('1.3.0', ['node:read', 'kv:read', 'task:run'], '2026-11-17T12:00:00Z', 'Runs the **greeting task**. See [docs](https://docs.example/t).\n\n<script>alert(1)</script>'),
    rel('1.2.0', ['node:read', 'kv:read', 'kv:write'], '2026-11-10T12:00:00Z'),
    ...hello.releases,
  ];
  hello.channels.stable = '1.3.0';
  hello.latest = '1.3.0';
  hello.description_md = '## Setup\n\nRun `hello`. <img src=x onerror=alert(1)> [bad](javascript:alert(1))';
  return doc;
}

let model: CatalogModel;
let serverVersions: string[] | undefined;
beforeAll(async () => {
  const doc = withReleases(await demoIndexDocument(NOW));
  const key = testKey();
  const r = verifyIndex(draftIndexBytes(doc), { keys: [{ publicKey: key.publicKey }], threshold: 1 }, { now: NOW, allowDraft: true });
  if (!r.ok) throw r.error;
  model = buildCatalog(r.verified);
  serverVersions = r.verified.index.server_versions;
});

describe('capabilityDiff', () => {
  it('names what a release adds, with its tier in words ("1.1.0 adds kv:write — writes data, medium risk")', () => {
    const d = capabilityDiff('1.1.0', { version: '1.0.0', capabilities: ['kv:read'] }, ['kv:read', 'kv:write']);
    expect(d.sentences).toEqual([
      '1.1.0 adds kv:write — writes data, medium risk.',
      'The highest risk rises from read only (low risk) to writes data (medium risk).',
    ]);
    expect(d.added.map((c) => c.name)).toEqual(['kv:write']);
    expect(d.removed).toEqual([]);
  });
  it('names what a release drops, and a falling risk', () => {
    const d = capabilityDiff('2.0.0', { version: '1.0.0', capabilities: ['kv:read', 'task:run'] }, ['kv:read']);
    expect(d.sentences).toEqual(['2.0.0 no longer asks for task:run.', 'The highest risk falls from host access (high risk) to read only (low risk).']);
  });
  it('lists added capabilities high risk first; no change says so; the first release lists all', () => {
    expect(capabilityDiff('1.1.0', { version: '1.0.0', capabilities: ['kv:read'] }, ['kv:read', 'log:write', 'task:run', 'audit:read']).added.map((c) => c.risk.tier)).toEqual(['host', 'write', 'read']);
    expect(capabilityDiff('1.0.1', { version: '1.0.0', capabilities: ['kv:read'] }, ['kv:read']).sentences).toEqual(['1.0.1 asks for the same capabilities as 1.0.0.']);
    expect(capabilityDiff('1.0.0', undefined, ['kv:read', 'task:run']).sentences).toEqual(['1.0.0 is the first release; it asks for task:run — host access, high risk; kv:read — read only, low risk.']);
  });
  it('renders as list items with the capability linked and the tier in words and colour', () => {
    const d = capabilityDiff('1.1.0', { version: '1.0.0', capabilities: ['kv:read'] }, ['kv:read', 'kv:write']);
    const markup = capabilityDiffItems('1.1.0', d, '/').toString();
    expect(markup).toContain('<li>1.1.0 adds <a class="cap-name" href="/capabilities/#');
    expect(markup).toContain('<code>kv:write</code></a> — <span class="risk risk-write">writes data, medium risk</span></li>');
  });
});

describe('relativeTimeWords and timeView', () => {
  it('says today, yesterday, N days, months and years, and the future', () => {
    const t = Date.parse('2026-11-01T12:00:00Z');
    expect(relativeTimeWords(t, t + 3 * DAY)).toBe('3 days ago');
    expect(relativeTimeWords(t, t + 5 * 3600_000)).toBe('today');
    expect(relativeTimeWords(t, t + DAY)).toBe('yesterday');
    expect(relativeTimeWords(t, t + 45 * DAY)).toBe('1 month ago');
    expect(relativeTimeWords(t, t + 800 * DAY)).toBe('2 years ago');
    expect(relativeTimeWords(t + 2 * DAY, t)).toBe('in 2 days');
  });
  it('keeps the RFC 3339 value for <time datetime> and the date', () => {
    expect(timeView('2026-11-17T12:00:00Z', NOW)).toEqual({ iso: '2026-11-17T12:00:00Z', date: '2026-11-17', words: '3 days ago' });
  });
});

describe('pluginDetails', () => {
  it('history: newest version first, each compared with the release before it on its channel', () => {
    const d = pluginDetails(model.pluginById.get('demo.hello')!, serverVersions, NOW);
    expect(d.history.map((e) => [e.release.version, e.diff.since])).toEqual([
      ['1.3.0', '1.2.0'],
      ['1.2.0', '1.0.0'],
      ['1.1.0-alpha.1', '1.0.0'], // the first alpha is compared with the stable release below it
      ['1.0.0', undefined],
    ]);
    expect(d.history[0]!.diff.sentences).toEqual([
      '1.3.0 adds task:run — host access, high risk.',
      '1.3.0 no longer asks for kv:write.',
      'The highest risk rises from writes data (medium risk) to host access (high risk).',
    ]);
    expect(d.history[1]!.diff.sentences[0]).toBe('1.2.0 adds kv:write — writes data, medium risk.');
  });
  it('last updated is the newest published_at, in words and as a timestamp', () => {
    const d = pluginDetails(model.pluginById.get('demo.hello')!, serverVersions, NOW);
    expect(d.lastUpdated).toEqual({ iso: '2026-11-17T12:00:00Z', date: '2026-11-17', words: '3 days ago' });
    expect(d.history[1]!.published!.words).toBe('10 days ago');
  });
  it('high-risk capabilities are called out, and every list puts high risk first', () => {
    const d = pluginDetails(model.pluginById.get('demo.hello')!, serverVersions, NOW);
    expect(d.highRisk.map((c) => c.name)).toEqual(['task:run']);
    expect(d.capabilities.map((c) => c.risk.tier)).toEqual(['host', 'read', 'read']);
    // Honest variant: a read-only plugin has no callout.
    const worker = pluginDetails(model.pluginById.get('demo.echo-worker')!, serverVersions, NOW);
    expect(worker.highRisk).toEqual([]);
  });
  it('loadability per release: stored manifests by server version, new releases not evaluated', () => {
    const d = pluginDetails(model.pluginById.get('demo.hello')!, serverVersions, NOW);
    expect(serverVersions).toEqual(['main-141e9ca', 'alpha-0.2.2a41', 'integration-2026-09']);
    expect(d.history.find((e) => e.release.version === '1.0.0')!.loadsOn.map((c) => c.state)).toEqual(['loads', 'loads', 'loads']);
    expect(d.history[0]!.loadsOn.map((c) => c.state)).toEqual(['not-evaluated', 'not-evaluated', 'not-evaluated']);
  });
  it('attack: description and notes render as Markdown with raw HTML and javascript: links as text', () => {
    const d = pluginDetails(model.pluginById.get('demo.hello')!, serverVersions, NOW);
    expect(d.about!.toString()).toBe('<h3>Setup</h3><p>Run <code>hello</code>. &lt;img src=x onerror=alert(1)&gt; bad)</p>'); // the target ends at the first ')'
    const notes = d.history[0]!.notes!.toString();
    expect(notes).toBe('<p>Runs the <strong>greeting task</strong>. See <a href="https://docs.example/t" rel="nofollow noopener ugc">docs</a>.</p><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(d.history[1]!.notes).toBeUndefined();
    const page = releaseHistory(d.history, '/').toString();
    expect(page).not.toMatch(/<script|<img|javascript:/);
    expect(page).toContain('<time datetime="2026-11-17T12:00:00Z" title="2026-11-17T12:00:00Z" data-relative-time>3 days ago</time>');
    expect(page).toContain('id="v1.3.0"');
  });
  it('the Atom feed carries the rendered notes as escaped HTML content', () => {
    const xml = releaseFeed(model, { siteUrl: 'https://plugins.example/', feedPath: 'feed.atom', generatedAt: '2026-11-20T00:00:00Z' });
    const entry = xml.split('<entry>').find((e) => e.includes('Hello (system demo) 1.3.0'))!;
    expect(entry).toContain('<content type="html">&lt;p&gt;Runs the &lt;strong&gt;greeting task&lt;/strong&gt;. See &lt;a href=&quot;https://docs.example/t&quot; rel=&quot;nofollow noopener ugc&quot;&gt;docs&lt;/a&gt;.&lt;/p&gt;&lt;p&gt;&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;&lt;/p&gt;</content>');
    // The summary says what changed, as the page does.
    expect(entry).toContain('1.3.0 adds task:run — host access, high risk. 1.3.0 no longer asks for kv:write.');
    // A release without notes has no content element.
    expect(xml.split('<entry>').find((e) => e.includes('Hello (system demo) 1.2.0'))).not.toContain('<content');
  });
});
