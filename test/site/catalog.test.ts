/**
 * The catalog model (site/src/lib/catalog.ts), the per-plugin JSON
 * (plugin-json.ts), the Atom feed (atom.ts) and the build settings
 * (settings.ts), on the repository's demo entries with test revocations.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyIndex, type VerifiedIndex } from '../../src/domain/index/verify.js';
import { buildCatalog, pluginVerification, type CatalogModel } from '../../site/src/lib/catalog.js';
import { pluginJson } from '../../site/src/lib/plugin-json.js';
import { FEED_ENTRY_LIMIT, nameUuid, releaseFeed, xmlText } from '../../site/src/lib/atom.js';
import { readSiteSettings } from '../../site/src/lib/settings.js';
import { verificationSummary } from '../../site/src/lib/verification.js';
import { demoIndexDocument, draftIndexBytes, REPO_ROOT, signedIndexBytes, testKey, type TestKey } from './fixtures.js';

const NOW = Date.now();
let key: TestKey;
let verified: VerifiedIndex;
let model: CatalogModel;
let draftModel: CatalogModel;

beforeAll(async () => {
  key = testKey();
  const bytes = signedIndexBytes(await demoIndexDocument(NOW, { expiresInDays: 30, revocations: true }), key, NOW);
  const r = verifyIndex(bytes, { keys: [{ publicKey: key.publicKey }], threshold: 1 }, { now: NOW, allowDraft: true });
  if (!r.ok) throw r.error;
  verified = r.verified;
  model = buildCatalog(verified);
  const d = verifyIndex(draftIndexBytes(await demoIndexDocument(NOW, { revocations: true })), { keys: [{ publicKey: key.publicKey }], threshold: 1 }, { now: NOW, allowDraft: true });
  if (!d.ok) throw d.error;
  draftModel = buildCatalog(d.verified);
});

describe('catalog model', () => {
  it('lists every plugin and publisher of the index in index order', () => {
    expect(model.plugins.map((p) => p.id)).toEqual(verified.index.plugins.map((p) => p.id));
    expect(model.publishers.map((p) => p.id)).toEqual(['demo']);
    expect(model.publisherById.get('demo')!.pluginIds).toEqual(verified.index.plugins.map((p) => p.id));
  });

  it('derives channel heads, capabilities and highest risk from the releases', () => {
    const hello = model.pluginById.get('demo.hello')!;
    expect(hello.heads.map((h) => [h.channel, h.release.version])).toEqual([
      ['stable', '1.0.0'],
      ['alpha', '1.1.0-alpha.1'],
    ]);
    expect(hello.capabilities).toEqual(['node:read', 'kv:read']);
    expect(hello.risk.tier).toBe('read');
    expect(model.pluginById.get('demo.counter')!.risk.words).toBe('Writes data — medium risk');
    expect(hello.heads[0]!.capabilities.map((c) => c.risk.words)).toEqual(['Read only — low risk', 'Read only — low risk']);
    expect(hello.releases.find((r) => r.version === '1.0.0')!.installCommand).toBe('lattice-index install demo.hello@1.0.0 --policy "$LATTICE_INSTALL_POLICY" --plugin-dir "$LATTICE_PLUGIN_DIR"');
  });

  it('marks revoked releases (by release and by artifact digest)', () => {
    const hello = model.pluginById.get('demo.hello')!;
    expect(hello.releases.find((r) => r.version === '1.1.0-alpha.1')!.revoked).toMatch(/^Release revoked on 2026-11-05T00:00:00Z: test: broken alpha build$/);
    expect(hello.releases.find((r) => r.version === '1.0.0')!.revoked).toBeUndefined();
    const counter = model.pluginById.get('demo.counter')!;
    expect(counter.releases[0]!.revoked).toMatch(/^Artifact digest revoked/);
  });

  it('calls a plugin verified only in a signed index with a current release not revoked', () => {
    expect(model.pluginById.get('demo.hello')!.verified).toBe(true); // stable head fine
    expect(model.pluginById.get('demo.counter')!.verified).toBe(false); // only head revoked
    expect(model.pluginById.get('demo.echo-worker')!.verified).toBe(true);
    expect(draftModel.plugins.every((p) => !p.verified)).toBe(true);
    expect(pluginVerification(true, true, [{ revoked: undefined }]).verified).toBe(false);
    expect(pluginVerification(true, false, []).verified).toBe(true);
  });

  it('records publisher key fingerprints; an unsigned draft was signed by nobody', () => {
    const demo = model.publisherById.get('demo')!;
    expect(demo.keyid).toMatch(/^[0-9a-f]{64}$/);
    expect(draftModel.publisherById.get('demo')!.signedIndex).toBe(false);
    expect(draftModel.publisherById.get('demo')!.signedIndexWords).toMatch(/^No — this index is an unsigned draft/);
  });

  it('attack: a signature that names the publisher but is made by another key does not make "signed this index" true', () => {
    // The test key signed the index as publisher "demo"; demo's own key is another one.
    expect(verified.signers).toEqual([expect.objectContaining({ publisher: 'demo', keyid: key.keyid })]);
    const demo = model.publisherById.get('demo')!;
    expect(demo.keyid).not.toBe(key.keyid);
    expect(demo.signedIndex).toBe(false);
    expect(demo.signedIndexWords).toContain(`made by key ${key.keyid}, which is not a key of this publisher`);
  });

  it('honest: the publisher\'s own key fingerprint among the signers makes "signed this index" true', () => {
    const demoKeyid = model.publisherById.get('demo')!.keyid;
    const honest = buildCatalog({ ...verified, signers: [{ ...verified.signers[0]!, keyid: demoKeyid }] });
    expect(honest.publisherById.get('demo')!.signedIndex).toBe(true);
    expect(honest.publisherById.get('demo')!.signedIndexWords).toBe(`Yes — key ${demoKeyid} of this publisher made a signature of the verified index.`);
  });

  it('feeds the facet model and the facet options with totals', () => {
    const hello = model.pluginById.get('demo.hello')!;
    expect(hello.faceted.values).toEqual({
      type: ['system'],
      risk: ['read'],
      cap: ['node:read', 'kv:read'],
      publisher: ['demo'],
      channel: ['stable', 'alpha'],
      verified: ['yes'],
    });
    expect(hello.faceted.text).toContain('hello (system demo)');
    expect(model.facetOptions.type.map((o) => [o.value, o.count])).toEqual([
      ['system', 1],
      ['worker', 1],
      ['wasm', 1],
    ]);
    expect(model.facetOptions.verified.map((o) => o.count)).toEqual([2, 1]);
    expect(model.facetOptions.risk.find((o) => o.value === 'host')!.count).toBe(0);
    expect(model.capabilityUse.get('kv:read')).toBe(3);
  });
});

describe('per-plugin JSON', () => {
  it('carries the exact index entry, its publisher and the revocations that concern it', () => {
    const summary = verificationSummary(verified, { keys: [key.publicKeyB64], threshold: 1 }, NOW);
    const doc = JSON.parse(pluginJson({ verified, summary, model }, 'demo.hello')) as Record<string, any>;
    expect(doc.plugin).toEqual(verified.index.plugins.find((p) => p.id === 'demo.hello'));
    expect(doc.publisher.id).toBe('demo');
    expect(doc.revocations.releases).toHaveLength(1);
    expect(doc.revocations.artifacts).toHaveLength(0);
    expect(doc.index).toMatchObject({ status: 'official', signed: true, generation: verified.generation, payload_sha256: verified.payloadSha256 });
    expect(doc.catalog.channels.alpha.revoked).toMatch(/Release revoked/);
    expect(() => pluginJson({ verified, summary, model }, 'no.such')).toThrow(TypeError);
  });

  it('keeps the demo description as signed Markdown source (machines render it themselves)', () => {
    const summary = verificationSummary(verified, { keys: [key.publicKeyB64], threshold: 1 }, NOW);
    const doc = JSON.parse(pluginJson({ verified, summary, model }, 'demo.hello')) as Record<string, any>;
    expect(doc.plugin.description_md).toMatch(/^A \*\*minimal system plugin\*\*/);
  });
});

describe('Atom feed', () => {
  /** Minimal XML well-formedness: balanced tags, no raw '<' or bare '&' in text/attributes. */
  function wellFormed(xml: string): boolean {
    const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
    const stack: string[] = [];
    const re = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g;
    let last = 0;
    let m: RegExpExecArray | null;
    const textOk = (t: string) => !/[<>]/.test(t) && !/&(?!(?:amp|lt|gt|quot|apos);)/.test(t);
    while ((m = re.exec(body))) {
      if (!textOk(body.slice(last, m.index))) return false;
      if (m[3] && !textOk(m[3].replace(/="/g, '').replace(/"/g, ''))) return false;
      if (m[1]) {
        if (stack.pop() !== m[2]) return false;
      } else if (!m[4]) stack.push(m[2]!);
      last = re.lastIndex;
    }
    return stack.length === 0 && body.slice(last).trim() === '';
  }

  it('lists every release, newest first, with stable ids and absolute links', () => {
    // The checker itself rejects what it must.
    for (const broken of ['<a><b></a>', '<a>&</a>', '<a>x<y</a>', '<a b="<">x</a>', '<a>']) expect(wellFormed(broken), broken).toBe(false);
    const xml = releaseFeed(model, { siteUrl: 'https://plugins.example/', feedPath: 'feed.atom', generatedAt: verified.index.generated_at });
    expect(wellFormed(xml)).toBe(true);
    const entries = xml.match(/<entry>/g) ?? [];
    expect(entries).toHaveLength(verified.index.plugins.reduce((n, p) => n + p.releases.length, 0));
    expect(xml).toContain('<link rel="self" type="application/atom+xml" href="https://plugins.example/feed.atom"/>');
    expect(xml).toContain('href="https://plugins.example/plugins/demo.hello/"');
    expect(xml).toContain(`<id>${nameUuid('demo.hello@1.0.0')}</id>`);
    expect(xml).toContain('— revoked</title>');
    const updated = [...xml.matchAll(/<entry>[\s\S]*?<updated>([^<]+)<\/updated>/g)].map((m) => Date.parse(m[1]!));
    expect([...updated].sort((a, b) => b - a)).toEqual(updated);
  });

  it('carries hostile release notes as escaped, rendered HTML content and stays well-formed', () => {
    const hostile = {
      ...model,
      plugins: model.plugins.map((p) => ({
        ...p,
        entry: { ...p.entry, releases: p.entry.releases.map((r) => ({ ...r, notes_md: '</content><script>x</script> ]]> *ok* [a](javascript:x) \u0001' })) },
      })),
    };
    const xml = releaseFeed(hostile, { siteUrl: 'https://plugins.example/', feedPath: 'feed.atom', generatedAt: verified.index.generated_at });
    expect(wellFormed(xml)).toBe(true);
    // The control character breaks the text rule: nothing renders, so no content element.
    expect(xml).not.toContain('<content');
    const clean = { ...hostile, plugins: hostile.plugins.map((p) => ({ ...p, entry: { ...p.entry, releases: p.entry.releases.map((r) => ({ ...r, notes_md: r.notes_md.replace(' \u0001', '') })) } })) };
    const xml2 = releaseFeed(clean, { siteUrl: 'https://plugins.example/', feedPath: 'feed.atom', generatedAt: verified.index.generated_at });
    expect(wellFormed(xml2)).toBe(true);
    expect(xml2).toContain('<content type="html">&lt;p&gt;&amp;lt;/content&amp;gt;&amp;lt;script&amp;gt;x&amp;lt;/script&amp;gt; ]]&amp;gt; &lt;em&gt;ok&lt;/em&gt; a&lt;/p&gt;</content>');
  });

  it('escapes publisher text and drops characters XML cannot carry', () => {
    expect(xmlText(`<script>&"'\u0001\uFFFE ok`)).toBe('&lt;script&gt;&amp;&quot;&apos; ok');
    const hostile = { ...model, plugins: model.plugins.map((p) => ({ ...p, name: `</title><x a="1">&${p.name}\u0000` })) };
    const xml = releaseFeed(hostile, { siteUrl: 'https://plugins.example/', feedPath: 'feed.atom', generatedAt: verified.index.generated_at });
    expect(wellFormed(xml)).toBe(true);
    expect(xml).not.toContain('\u0000');
  });

  it('makes RFC 9562 version-8 UUIDs that are stable and distinct', () => {
    expect(nameUuid('a')).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(nameUuid('a')).toBe(nameUuid('a'));
    expect(nameUuid('a')).not.toBe(nameUuid('b'));
  });

  it('limits entries and refuses a relative site URL', () => {
    const xml = releaseFeed(model, { siteUrl: 'https://plugins.example/sub/', feedPath: 'feed.atom', generatedAt: verified.index.generated_at, limit: 2 });
    expect(xml.match(/<entry>/g)).toHaveLength(2);
    expect(FEED_ENTRY_LIMIT).toBeGreaterThan(0);
    expect(() => releaseFeed(model, { siteUrl: '/relative/', feedPath: 'feed.atom', generatedAt: 'x' })).toThrow(TypeError);
  });
});

describe('build settings from the environment', () => {
  it('defaults to the committed index, no keys, threshold 1 and the local URL', () => {
    const s = readSiteSettings({}, REPO_ROOT);
    expect(s.indexFile).toBe(`${REPO_ROOT}index/plugins.json`);
    expect(s.trustedKeys).toEqual([]);
    expect(s.threshold).toBe(1);
    expect(s.siteUrl).toBe('http://127.0.0.1:4321/');
  });

  it('reads keys, threshold and site URL', () => {
    const other = testKey();
    const s = readSiteSettings(
      { LATTICE_INDEX_FILE: '/abs/x.json', LATTICE_INDEX_KEYS: ` ${key.publicKeyB64}, ${other.publicKeyB64} ,`, LATTICE_INDEX_THRESHOLD: '2', LATTICE_SITE_URL: 'https://p.example/sub' },
      REPO_ROOT,
    );
    expect(s).toMatchObject({ indexFile: '/abs/x.json', trustedKeys: [key.publicKeyB64, other.publicKeyB64], threshold: 2, siteUrl: 'https://p.example/sub/' });
  });

  it('refuses malformed settings with INPUT_INVALID (fail closed)', () => {
    const bad: Record<string, string>[] = [
      { LATTICE_INDEX_KEYS: 'not-a-key' },
      { LATTICE_INDEX_KEYS: 'AAAA' },
      { LATTICE_INDEX_KEYS: `${key.publicKeyB64},${key.publicKeyB64}` },
      { LATTICE_INDEX_KEYS: key.publicKeyB64, LATTICE_INDEX_THRESHOLD: '2' },
      { LATTICE_INDEX_THRESHOLD: '0' },
      { LATTICE_INDEX_THRESHOLD: '1.5' },
      { LATTICE_SITE_URL: 'ftp://x/' },
      { LATTICE_SITE_URL: 'https://u:p@x/' },
      { LATTICE_SITE_URL: 'nope' },
    ];
    for (const env of bad) expect(() => readSiteSettings(env, REPO_ROOT), JSON.stringify(env)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });
});
