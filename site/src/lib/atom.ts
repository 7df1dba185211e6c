/**
 * The Atom feed of releases (RFC 4287), newest first.
 *
 * Entry ids are `urn:uuid:` name-based UUIDs (RFC 9562 version 8) derived from
 * SHA-256 of the plugin id and version, so an entry keeps its id wherever the
 * catalog is hosted. Every text goes through {@link xmlText}, which escapes
 * markup and drops characters XML 1.0 cannot carry: index text is publisher
 * input and must not be able to break the document. A release's notes
 * (`notes_md`) are the entry's `<content type="html">`: rendered by the
 * catalog's Markdown renderer (src/core/markdown.ts: no raw HTML, https links
 * only), then escaped once more as XML text, as RFC 4287 §3.1.1.2 requires.
 * The summary also says what changed in the capabilities against the release
 * before (plugin-details.ts capabilityDiff), as the plugin page does.
 *
 * @module
 */
import { sha256Hex } from '../../../src/crypto/index.js';
import { NOTES_MD_MAX_BYTES } from '../../../src/core/limits.js';
import { renderMarkdown } from '../../../src/core/markdown.js';
import { capabilityDiff, previousRelease } from './plugin-details.js';
import type { CatalogModel, PluginView, ReleaseView } from './catalog.js';

/** Most entries the feed carries (the newest releases). */
export const FEED_ENTRY_LIMIT = 500;

/** Options of {@link releaseFeed}. */
export interface FeedOptions {
  /** Absolute URL of the site root, ending in `/` (e.g. `https://plugins.example/`). */
  readonly siteUrl: string;
  /** Path of the feed below the site root, e.g. `feed.atom`. */
  readonly feedPath: string;
  /** The index `generated_at`, used when a release has no `published_at`. */
  readonly generatedAt: string;
  /** Feed title. */
  readonly title?: string;
  /** Entry limit (default {@link FEED_ENTRY_LIMIT}). */
  readonly limit?: number;
}

// XML 1.0 §2.2 Char production, minus what cannot appear at all.
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Escape text for XML element content or a double-quoted attribute.
 * @example xmlText('a < b & "c"') // 'a &lt; b &amp; &quot;c&quot;'
 */
export function xmlText(s: string): string {
  return s
    .replace(NOT_XML_CHAR, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * A stable `urn:uuid:` for a name (RFC 9562 §5.8, version 8, from SHA-256).
 * @example nameUuid('demo.hello@1.0.0') // 'urn:uuid:xxxxxxxx-xxxx-8xxx-[89ab]xxx-xxxxxxxxxxxx'
 */
export function nameUuid(name: string): string {
  const h = sha256Hex(new TextEncoder().encode(`lattice-plugin-index-feed\u0000${name}`)).slice(0, 32).split('');
  h[12] = '8'; // version 8
  h[16] = '89ab'[parseInt(h[16]!, 16) & 3]!; // variant 10xx
  const s = h.join('');
  return `urn:uuid:${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/**
 * Render the release feed.
 * @param model - the catalog model.
 * @param opts - site URL, feed path and index time.
 * @returns the Atom document as a string (UTF-8 when written).
 * @throws TypeError when `opts.siteUrl` is not an absolute http(s) URL ending in `/` (a caller bug).
 */
export function releaseFeed(model: CatalogModel, opts: FeedOptions): string {
  if (!/^https?:\/\/[^/]+\/(?:.*\/)?$/.test(opts.siteUrl)) throw new TypeError(`siteUrl must be an absolute URL ending in /, found ${opts.siteUrl}`);
  const site = opts.siteUrl;
  // Sort light records first (time parsed once), then render only the kept entries.
  const all: { plugin: PluginView; release: ReleaseView; updated: string; time: number }[] = [];
  for (const plugin of model.plugins) {
    for (const release of plugin.releases) {
      const updated = release.publishedAt ?? opts.generatedAt;
      all.push({ plugin, release, updated, time: Date.parse(updated) });
    }
  }
  all.sort((a, b) => {
    if (a.time !== b.time) return b.time - a.time;
    if (a.plugin.id !== b.plugin.id) return a.plugin.id < b.plugin.id ? -1 : 1;
    return a.release.version < b.release.version ? -1 : a.release.version > b.release.version ? 1 : 0;
  });
  const entries = all.slice(0, opts.limit ?? FEED_ENTRY_LIMIT).map(({ plugin: p, release: r, updated }) => {
    const notesMd = p.entry.releases.find((x) => x.version === r.version)?.notes_md;
    const notes = notesMd !== undefined ? renderMarkdown(notesMd, { maxBytes: NOTES_MD_MAX_BYTES, sectionLevel: 1 }).html : '';
    const page = `${site}plugins/${encodeURIComponent(p.id)}/`;
    const risk = r.capabilities.length > 0 ? `; capabilities ${r.capabilities.join(', ')}` : '';
    const revoked = r.revoked === undefined ? '' : ` REVOKED — ${r.revoked}`;
    const summary = p.summary.replace(/[.\s]+$/, '');
    // What changed against the release before it (the plugin page's history says the same).
    const changed = capabilityDiff(r.version, previousRelease(r, p.releases), r.capabilities).sentences.join(' ');
    const text = `${p.name} ${r.version} on the ${r.channel} channel${summary ? `: ${summary}` : ''}${risk}; artifact SHA-256 ${r.artifactSha256}. ${changed}${revoked}`;
    const xml = [
      '  <entry>',
      `    <id>${nameUuid(`${p.id}@${r.version}`)}</id>`,
      `    <title>${xmlText(`${p.name} ${r.version}${r.channel === 'alpha' ? ' (alpha)' : ''}${r.revoked ? ' — revoked' : ''}`)}</title>`,
      `    <updated>${xmlText(updated)}</updated>`,
      ...(r.publishedAt ? [`    <published>${xmlText(r.publishedAt)}</published>`] : []),
      `    <link rel="alternate" type="text/html" href="${xmlText(page)}"/>`,
      `    <author><name>${xmlText(p.publisherName)}</name></author>`,
      `    <category term="${xmlText(r.channel)}" label="${xmlText(`${r.channel} channel`)}"/>`,
      `    <summary type="text">${xmlText(text)}</summary>`,
      ...(notes !== '' ? [`    <content type="html">${xmlText(notes)}</content>`] : []),
      '  </entry>',
    ].join('\n');
    return { updated, xml };
  });
  const kept = entries;
  const updated = kept[0]?.updated ?? opts.generatedAt;
  const title = opts.title ?? 'Lattice plugin releases';
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${nameUuid(`feed ${site}`)}</id>`,
    `  <title>${xmlText(title)}</title>`,
    `  <subtitle>${xmlText(`The ${kept.length} newest plugin releases in the ${model.signed ? 'signed' : 'unsigned draft'} index.`)}</subtitle>`,
    `  <updated>${xmlText(updated)}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlText(site + opts.feedPath)}"/>`,
    `  <link rel="alternate" type="text/html" href="${xmlText(site)}"/>`,
    '  <author><name>Lattice plugin index</name></author>',
    '  <generator>lattice-plugin-index catalog</generator>',
    ...kept.map((e) => e.xml),
    '</feed>',
    '',
  ].join('\n');
}
