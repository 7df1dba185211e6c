/**
 * The catalog's repeated markup — plugin cards, release and compatibility
 * rows, capability items, a publisher's plugin rows — built with the
 * escaping {@link html} template (see html.ts for why these are not Astro
 * expressions). Page structure stays in the .astro views.
 *
 * @module
 */
import { html, type SafeHtml } from './html.js';
import { typeLabel, type ChannelHead, type PluginView } from './catalog.js';
import { capabilitiesPath, capabilityAnchor, pluginPath, publisherPath } from './paths.js';
import type { RiskPresentation } from './risk.js';
import { loadsOnWords, type LoadsOnMatrix } from './loads-on.js';

/** A risk tier as a badge: words always, colour as a second channel. */
export function riskBadge(risk: RiskPresentation): SafeHtml {
  return html`<span class="risk ${risk.className}">${risk.words}</span>`;
}

/** A plugin's short trust claim (the plugin page states it in full); withdrawn by the page's browser check on failure. */
function verifiedBadge(p: PluginView): SafeHtml {
  return p.verified
    ? html`<span class="verified-yes" data-trust-claim data-claim-state="build" title="${p.verification}">Listed in the signed index</span>`
    : html`<span class="verified-no" data-trust-claim data-claim-state="build" title="${p.verification}">Not verified</span>`;
}

/**
 * Catalog cards. The data-* attributes feed the facet model in the browser
 * (site/src/scripts/catalog-search.ts).
 */
export function pluginCards(plugins: readonly PluginView[], base: string): SafeHtml {
  return html`${plugins.map((p) => {
    const v = p.faceted.values;
    return html`<li class="card" data-id="${p.id}" data-text="${p.faceted.text}" data-type="${v.type.join(' ')}" data-risk="${v.risk.join(' ')}" data-cap="${v.cap.join(' ')}" data-publisher="${v.publisher.join(' ')}" data-channel="${v.channel.join(' ')}" data-verified="${v.verified.join(' ')}"><h3><a href="${pluginPath(base, p.id)}">${p.name}</a></h3><p><code>${p.id}</code> · ${typeLabel(p.type)} plugin by <a href="${publisherPath(base, p.publisherId)}">${p.publisherName}</a></p>${p.summary ? html`<p>${p.summary}</p>` : ''}<ul class="meta"><li>${riskBadge(p.risk)}</li>${p.heads.map((h) => html`<li>${h.channel} <code>${h.release.version}</code></li>`)}<li>${verifiedBadge(p)}</li></ul></li>`;
  })}`;
}

/** A publisher's plugins as table rows. */
export function publisherPluginRows(plugins: readonly PluginView[], base: string): SafeHtml {
  return html`${plugins.map(
    (x) =>
      html`<tr><th scope="row"><a href="${pluginPath(base, x.id)}">${x.name}</a> <code>${x.id}</code></th><td>${typeLabel(x.type)}</td><td>${riskBadge(x.risk)}</td><td>${x.heads.map((h, i) => html`${i > 0 ? ', ' : ''}${h.channel} <code>${h.release.version}</code>`)}</td><td>${verifiedBadge(x)}</td></tr>`,
  )}`;
}

/** One channel head's capabilities: name (linked to the reference), tier badge, meaning. */
export function capabilityItems(head: ChannelHead, base: string): SafeHtml {
  return html`${head.capabilities.map(
    (c) =>
      html`<li><a class="cap-name" href="${capabilitiesPath(base)}#${capabilityAnchor(c.name)}"><code>${c.name}</code></a> ${riskBadge(c.risk)}<div>${c.meaning}</div></li>`,
  )}`;
}

/** "Loadable on server line" rows, one per channel head. */
export function compatibilityRows(p: PluginView): SafeHtml {
  return html`${p.heads.map(
    (h) =>
      html`<tr><th scope="row">${h.channel} <code>${h.release.version}</code></th>${h.release.compatibility.map((c) =>
        c.loadable ? html`<td><span class="ok">Yes</span></td>` : html`<td><span class="bad">No</span> ${c.reasons.join('; ')}</td>`,
      )}</tr>`,
  )}`;
}

/** Loadability matrix rows (DESIGN §4.5): one per release, one cell per server version, in words. */
export function loadsOnRows(m: LoadsOnMatrix): SafeHtml {
  return html`${m.rows.map(
    (r) =>
      html`<tr><th scope="row"><code>${r.version}</code> <span class="muted">${r.channel}</span></th>${r.cells.map((c) =>
        html`<td><span class="${c === 'loads' ? 'ok' : c === 'does-not-load' ? 'bad' : 'muted'}">${loadsOnWords(c)}</span></td>`,
      )}</tr>`,
  )}`;
}

/** Release history rows: version, channel, publish time, digests, files. */
export function releaseRows(p: PluginView): SafeHtml {
  return html`${p.releases.map(
    (r) =>
      html`<tr id="v${r.version}"><th scope="row"><code>${r.version}</code>${r.heads.length > 0 ? html`<div class="muted">current ${r.heads.join(', ')}</div>` : ''}${r.revoked ? html`<div class="bad">${r.revoked}</div>` : ''}</th><td>${r.channel}</td><td>${r.publishedAt ?? 'not recorded'}</td><td><div>Artifact SHA-256 <code class="digest">${r.artifactSha256}</code></div>${r.manifestSha256 ? html`<div>Manifest SHA-256 <code class="digest">${r.manifestSha256}</code></div>` : ''}</td><td><a href="${r.manifestUrl}" rel="noopener noreferrer">manifest<span class="visually-hidden"> of ${r.version}</span></a>, <a href="${r.artifactUrl}" rel="noopener noreferrer">artifact<span class="visually-hidden"> of ${r.version}</span></a></td></tr>`,
  )}`;
}
