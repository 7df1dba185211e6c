/**
 * The catalog's repeated markup — plugin cards, release and compatibility
 * rows, capability items, a publisher's plugin rows — built with the
 * escaping {@link html} template (see html.ts for why these are not Astro
 * expressions). Page structure stays in the .astro views.
 *
 * @module
 */
import { flat, html, type SafeHtml } from './html.js';
import { typeLabel, type ChannelHead, type PluginView } from './catalog.js';
import { capabilitiesPath, capabilityAnchor, catalogPath, feedPath, indexJsonPath, pluginJsonPath, pluginPath, publisherPath, repositoryTimestampPath } from './paths.js';
import type { CapabilityPresentation, RiskPresentation } from './risk.js';
import { loadsOnWords, type LoadsOnMatrix } from './loads-on.js';
import { byRiskThenName, type CapabilityDiff, type ReleaseHistoryEntry, type TimeView } from './plugin-details.js';
import { RISK_TIERS } from '../../../src/core/server-line.js';
import type { VerificationSummary } from './verification.js';

/** A risk tier as a badge: words always, colour as a second channel. */
export function riskBadge(risk: RiskPresentation): SafeHtml {
  return html`<span class="risk ${risk.className}">${risk.words}</span>`;
}

/**
 * One trust claim in precise words (site/src/lib/trust.ts), as the
 * TrustClaim component renders it: `data-trust-claim` marks it for the page's
 * browser check (site/src/scripts/verify-index.ts), which confirms it
 * (`data-claim-state="browser"`) or withdraws it under the banner.
 * @param positive - positive claims are styled as such, negative ones are not.
 * @param block - a `div` instead of an inline `span`.
 */
export function trustClaim(words: string, positive = true, block = false): SafeHtml {
  const cls = `trust-claim ${positive ? 'verified-yes' : 'verified-no'}`;
  return block
    ? html`<div class="${cls}" data-trust-claim="true" data-claim-state="build">${words}</div>`
    : html`<span class="${cls}" data-trust-claim="true" data-claim-state="build">${words}</span>`;
}

/** A plugin's short trust claim (the plugin page states it in full); withdrawn by the page's browser check on failure. */
function verifiedBadge(p: PluginView): SafeHtml {
  return p.verified
    ? html`<span class="verified-yes" data-trust-claim data-claim-state="build" title="${p.verification}">Listed in the signed index</span>`
    : html`<span class="verified-no" data-trust-claim data-claim-state="build" title="${p.verification}">Not verified</span>`;
}

/** Each plugin's card, per base path: a plugin appears on about ten listing pages (three sorts, its facets), its card is built once. */
const CARDS = new WeakMap<PluginView, Map<string, SafeHtml>>();

/** One catalog card (memoized: the view model is immutable for the build). */
function pluginCard(p: PluginView, base: string): SafeHtml {
  let byBase = CARDS.get(p);
  if (byBase === undefined) CARDS.set(p, (byBase = new Map()));
  let card = byBase.get(base);
  if (card === undefined) {
    card = flat(html`<li class="card" data-id="${p.id}"><h3><a href="${pluginPath(base, p.id)}">${p.name}</a></h3><p><code>${p.id}</code> · ${typeLabel(p.type)} plugin by <a href="${publisherPath(base, p.publisherId)}">${p.publisherName}</a></p>${p.summary ? html`<p>${p.summary}</p>` : ''}<ul class="meta"><li>${riskBadge(p.risk)}</li>${p.heads.map((h) => html`<li>${h.channel} <code>${h.release.version}</code></li>`)}<li>${verifiedBadge(p)}</li></ul></li>`);
    byBase.set(base, card);
  }
  return card;
}

/**
 * Catalog cards. Only the plugin id rides along as data: search and facets
 * run on the Pagefind index (search-records.ts), so the cards of the static
 * listing pages carry no per-facet attributes.
 */
export function pluginCards(plugins: readonly PluginView[], base: string): SafeHtml {
  return html`${plugins.map((p) => pluginCard(p, base))}`;
}

/** A publisher's plugins as table rows. */
export function publisherPluginRows(plugins: readonly PluginView[], base: string): SafeHtml {
  return html`${plugins.map(
    (x) =>
      html`<tr><th scope="row"><a href="${pluginPath(base, x.id)}">${x.name}</a> <code>${x.id}</code></th><td>${typeLabel(x.type)}</td><td>${riskBadge(x.risk)}</td><td>${x.heads.map((h, i) => html`${i > 0 ? ', ' : ''}${h.channel} <code>${h.release.version}</code>`)}</td><td>${verifiedBadge(x)}</td></tr>`,
  )}`;
}

/** One channel head's capabilities, high risk first: name (linked to the reference), tier badge, meaning. */
export function capabilityItems(head: ChannelHead, base: string): SafeHtml {
  return html`${[...head.capabilities].sort(byRiskThenName).map(
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

/** A capability in a diff or a callout: name linked to the reference, tier words in its colour. */
function capabilityRef(c: CapabilityPresentation, base: string): SafeHtml {
  return html`<a class="cap-name" href="${capabilitiesPath(base)}#${capabilityAnchor(c.name)}"><code>${c.name}</code></a> — <span class="risk ${c.risk.className}">${c.risk.short.toLowerCase()}, ${c.risk.level}</span>`;
}

/** A {@link TimeView} as `<time>`: words, with the date in the title; the browser refreshes the words. */
export function timeElement(t: TimeView): SafeHtml {
  return html`<time datetime="${t.iso}" title="${t.iso}" data-relative-time>${t.words}</time> <span class="muted">(${t.date})</span>`;
}

/** The capability diff of one release as list items ("1.1.0 adds kv:write — writes data, medium risk"). */
export function capabilityDiffItems(version: string, d: CapabilityDiff, base: string): SafeHtml {
  if (d.since === undefined) {
    return html`<li>${version} is the first release; it asks for ${d.added.length === 0 ? 'no capability' : d.added.map((c, i) => html`${i > 0 ? '; ' : ''}${capabilityRef(c, base)}`)}.</li>`;
  }
  const items: SafeHtml[] = [];
  for (const c of d.added) items.push(html`<li>${version} adds ${capabilityRef(c, base)}</li>`);
  for (const c of d.removed) items.push(html`<li>${version} no longer asks for <code>${c.name}</code></li>`);
  if (d.riskChange !== undefined) {
    const { from, to } = d.riskChange;
    const rises = RISK_TIERS.indexOf(to.tier) > RISK_TIERS.indexOf(from.tier);
    items.push(html`<li>The highest risk ${rises ? 'rises' : 'falls'} from <span class="risk ${from.className}">${from.words}</span> to <span class="risk ${to.className}">${to.words}</span></li>`);
  }
  if (items.length === 0) items.push(html`<li>The same capabilities as ${d.since}</li>`);
  return html`${items}`;
}

/** The loadability of one release in words (DESIGN §4.5). */
function loadsOnSentence(cells: ReleaseHistoryEntry['loadsOn']): SafeHtml {
  if (cells.length === 0) return html`not evaluated (the index carries no loadability matrix)`;
  if (cells.every((c) => c.state === 'not-evaluated')) return html`not evaluated (the index keeps no signed manifest of this release)`;
  const loads = cells.filter((c) => c.state === 'loads');
  const not = cells.filter((c) => c.state === 'does-not-load');
  return html`${loads.length > 0 ? html`<span class="ok">loads on</span> ${loads.map((c, i) => html`${i > 0 ? ', ' : ''}<code>${c.version}</code>`)}` : ''}${loads.length > 0 && not.length > 0 ? '; ' : ''}${not.length > 0 ? html`<span class="bad">does not load on</span> ${not.map((c, i) => html`${i > 0 ? ', ' : ''}<code>${c.version}</code>`)}` : ''}`;
}

/**
 * The release history of a plugin page: one section per release, newest
 * version first — version and channel, publish time in words and as `<time>`,
 * what changed in its capabilities, where it loads, the release notes, and
 * its digests and files.
 */
export function releaseHistory(entries: readonly ReleaseHistoryEntry[], base: string): SafeHtml {
  return html`${entries.map((e) => {
    const r = e.release;
    return html`<section class="release" id="v${r.version}" aria-labelledby="v${r.version}-title"><h3 id="v${r.version}-title"><code>${r.version}</code> <span class="muted">${r.channel}${r.heads.length > 0 ? html` · current ${r.heads.join(', ')}` : ''}</span></h3>${r.revoked ? html`<p class="bad">${r.revoked}</p>` : ''}<p>Published ${e.published ? timeElement(e.published) : 'at a time the index does not record'}.</p><ul class="diff" aria-label="${`What changed in ${r.version}`}">${capabilityDiffItems(r.version, e.diff, base)}</ul><p>Server versions: ${loadsOnSentence(e.loadsOn)}.</p>${e.notes ? html`<div class="notes"><h4>Release notes</h4>${e.notes}</div>` : ''}<dl class="facts digests"><dt>Artifact SHA-256</dt><dd><code class="digest">${r.artifactSha256}</code></dd>${r.manifestSha256 ? html`<dt>Manifest SHA-256</dt><dd><code class="digest">${r.manifestSha256}</code></dd>` : ''}<dt>Files</dt><dd><a href="${r.manifestUrl}" rel="noopener noreferrer">manifest<span class="visually-hidden"> of ${r.version}</span></a>, <a href="${r.artifactUrl}" rel="noopener noreferrer">artifact<span class="visually-hidden"> of ${r.version}</span></a></dd></dl></section>`;
  })}`;
}

/** Capability items in the given order (the plugin page lists high risk first). */
export function capabilityListItems(capabilities: readonly CapabilityPresentation[], base: string): SafeHtml {
  return html`${capabilities.map(
    (c) =>
      html`<li><a class="cap-name" href="${capabilitiesPath(base)}#${capabilityAnchor(c.name)}"><code>${c.name}</code></a> ${riskBadge(c.risk)}<div>${c.meaning}</div></li>`,
  )}`;
}

/** One entry of the site's main navigation. */
export interface NavEntry {
  readonly id: string;
  readonly href: string;
  readonly label: string;
}

/**
 * The main navigation's items: the page's own entry is `aria-current="page"`,
 * the entry of its section `aria-current="true"`.
 */
export function siteNavItems(nav: readonly NavEntry[], pathname: string, section: string | undefined): SafeHtml {
  return html`${nav.map((n) => {
    const current = pathname === n.href ? 'page' : section === n.id ? 'true' : undefined;
    return current ? html`<li><a href="${n.href}" aria-current="${current}">${n.label}</a></li>` : html`<li><a href="${n.href}">${n.label}</a></li>`;
  })}`;
}

/**
 * Data for machines (issue 14 item 5), in every page's footer: the signed
 * index v1, a plugin page's own JSON, the Atom feed and the repository v2
 * (TUF metadata and targets, deployed under /repository/ by scripts/ci-repo.mjs deploy).
 * @param pluginId - a plugin page names its own JSON.
 * @param repository - this site serves the repository v2 (the build pinned its root).
 */
export function forMachines(base: string, pluginId: string | undefined, repository: boolean): SafeHtml {
  return html`<ul class="for-machines" aria-label="Data for machines"> <li><a href="${indexJsonPath(base)}">Signed index (plugins.json)</a></li> ${
    pluginId ? html`<li><a href="${pluginJsonPath(base, pluginId)}">${`This plugin as JSON (api/plugins/${pluginId}.json)`}</a></li>` : ''
  } <li><a href="${feedPath(base)}">Releases feed (Atom)</a></li> ${
    repository ? html`<li><a href="${repositoryTimestampPath(base)}">Repository v2 (TUF metadata; targets under repository/targets/)</a></li>` : ''
  } </ul>`;
}

/**
 * The footer of every page: the index claim with when the build checked it,
 * the note on the browser check, the data for machines and the link to what
 * is checked.
 * @param indexClaim - trust.ts indexClaimWords of the summary.
 * @param signed - the index met the trusted-key threshold (styles the claim).
 */
export function footerHtml(indexClaim: string, summary: VerificationSummary, signed: boolean, base: string, pluginId: string | undefined, repository: boolean): SafeHtml {
  const words = `${indexClaim}; checked when this catalog was built (${summary.checkedAt})${summary.expiresAt ? `; expires ${summary.expiresAt}` : ''}.`;
  return html`<p> ${trustClaim(words, signed)} <span class="browser-check" data-browser-check-note>Checked again in your browser when this page loads (needs JavaScript).</span> </p> ${forMachines(base, pluginId, repository)} <p><a href="${catalogPath(base)}#index-signature">What is checked, and how</a></p>`;
}
