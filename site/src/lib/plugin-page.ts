/**
 * The body of a plugin page (`/plugins/<id>/`), as one {@link html} string:
 * summary, the high-risk capabilities called out first, the facts (last
 * updated, verification, license, source …), the long description, pinned
 * install commands, the publisher and its trust, capabilities with tier words,
 * colour and meaning, compatibility per server line and per server version,
 * and the release history (site/src/lib/plugin-details.ts).
 *
 * One string rather than an Astro template: the page is built once per
 * plugin (10k–20k times), and Astro's renderer pays per template expression
 * (a buffered renderer, its chunks and promises for each) — at 10k plugins
 * that was most of the page's cost beyond a bare page. The markup is the same
 * the template produced; the escaping rules are those of html.ts.
 *
 * @module
 */
import { html, type SafeHtml } from './html.js';
import { typeLabel, type PluginView, type PublisherView } from './catalog.js';
import { runnerNote } from './compatibility.js';
import { pluginJsonPath, publisherPath } from './paths.js';
import { capabilityItems, capabilityListItems, compatibilityRows, loadsOnRows, releaseHistory, timeElement, trustClaim } from './views.js';
import type { LoadsOnMatrix } from './loads-on.js';
import type { PluginDetails } from './plugin-details.js';

/** What the plugin page shows beside the plugin's own view. */
export interface PluginPageInput {
  readonly plugin: PluginView;
  readonly publisher: PublisherView | undefined;
  readonly details: PluginDetails;
  readonly matrix: LoadsOnMatrix;
  /** The plugin's trust claim in words (site/src/lib/trust.ts pluginClaimWords). */
  readonly claim: string;
  readonly base: string;
}

const channelWord = (c: string): string => (c === 'stable' ? 'Stable' : 'Alpha');

/** Everything inside `<main>` of a plugin page. */
export function pluginPageBody({ plugin: p, publisher, details, matrix, claim, base }: PluginPageInput): SafeHtml {
  // One capability list when every channel head asks for the same set.
  const sameCaps = p.heads.every((h) => h.release.capabilities.join('\n') === p.heads[0]?.release.capabilities.join('\n'));
  return html`<nav aria-label="Breadcrumb"><a href="${base}">Catalog</a> / <span aria-current="page">${p.name}</span></nav> <h1>${p.name}</h1> <p class="lead">${p.summary}</p> ${
    details.highRisk.length > 0
      ? html`<div class="callout high-risk" role="note" aria-labelledby="high-risk-title"> <p id="high-risk-title"><strong>High risk: this plugin asks for host access.</strong></p> <ul class="capability-list">${capabilityListItems(details.highRisk, base)}</ul> </div>`
      : ''
  }<dl class="facts"> <dt>Last updated</dt><dd>${details.lastUpdated ? timeElement(details.lastUpdated) : 'not recorded in the index'}</dd> <dt>Plugin id</dt><dd><code>${p.id}</code></dd> <dt>Type</dt><dd>${typeLabel(p.type)} (${p.type})</dd> <dt>Highest risk</dt><dd><span class="risk ${p.risk.className}">${p.risk.words}</span></dd> <dt>Verification</dt><dd>${trustClaim(claim, p.verified)}</dd> <dt>License</dt><dd>${p.license ?? 'not stated by the publisher'}</dd> <dt>Source</dt><dd>${
    p.repository ? html`<a href="${p.repository}" rel="noopener noreferrer">${p.repository}</a>` : 'not stated by the publisher'
  }</dd> ${p.homepage ? html`<dt>Homepage</dt><dd><a href="${p.homepage}" rel="noopener noreferrer">${p.homepage}</a></dd>` : ''}${
    p.tags.length > 0 ? html`<dt>Tags</dt><dd>${p.tags.map((t) => html`<span class="tag">${t}</span>`)}</dd>` : ''
  } <dt>JSON</dt><dd><a href="${pluginJsonPath(base, p.id)}">${`api/plugins/${p.id}.json`}</a></dd> </dl> ${
    details.about ? html`<h2 id="about">About</h2> <div class="markdown">${details.about}</div>` : ''
  }<h2 id="install">Install</h2> <p>Each command is pinned to one exact release. Your install policy still decides whether the publisher is trusted and
    which capabilities you approve; the verifier checks the signed manifest and the artifact digest before anything is placed on disk.</p> <p class="note">The commands need the <code>lattice-index</code> tool: build it from the index repository and put it on
    your path as its README's “Get the CLI” explains. Do not run it through <code>npx</code>: that would fetch an unrelated
    package from npm.</p> ${p.heads.map(
      (h) =>
        html` <h3>${channelWord(h.channel)} — ${h.release.version}</h3> ${
          h.release.revoked
            ? html`<p class="bad"><strong>Do not install this release.</strong> ${h.release.revoked}</p>`
            : html`<div class="install" data-copy> <pre aria-label="${`install command for ${p.id} ${h.release.version}`}"><code data-copy-text>${h.release.installCommand}</code></pre> <button type="button" class="copy-button" data-copy-button hidden>Copy<span class="visually-hidden"> install command for ${p.id} ${h.release.version}</span></button> <span class="copy-status" role="status" data-copy-status></span> </div>`
        }`,
    )}<h2 id="publisher">Publisher</h2> ${
    publisher
      ? html`<dl class="facts"> <dt>Name</dt><dd><a href="${publisherPath(base, publisher.id)}">${publisher.name}</a> (<code>${publisher.id}</code>)</dd> <dt>Key fingerprint</dt><dd><code class="digest">${publisher.keyid}</code>${
          publisher.keyRevoked ? html`<span class="bad"> ${publisher.keyRevoked}</span>` : ''
        }</dd> <dt>Signed this index</dt><dd>${trustClaim(publisher.signedIndexWords, publisher.signedIndex)}</dd> <dt>Earlier keys</dt><dd>${
          publisher.keyHistory.length === 0 ? 'None' : `${publisher.keyHistory.length} (rotation statements verified with the index)`
        }</dd> <dt>Trust</dt><dd>The catalog cannot make a publisher trusted: add its key to your install policy only if you trust it.</dd> </dl>`
      : ''
  }<h2 id="capabilities">Capabilities</h2> ${
    sameCaps
      ? html`<ul class="capability-list">${capabilityListItems(details.capabilities, base)}</ul>`
      : p.heads.map(
          (h) => html` <h3>${channelWord(h.channel)} ${h.release.version} asks for</h3><ul class="capability-list">${capabilityItems(h, base)}</ul>`,
        )
  } <h2 id="compatibility">Compatibility</h2> <p>${runnerNote(p.type)} Loadable means the type and capabilities pass the server line's capability and type rules; the signed manifest decides at install time.</p> <div class="table-scroll"> <table> <caption class="visually-hidden">Loadable on server line</caption> <thead><tr><th scope="col">Release</th>${(
    p.heads[0]?.release.compatibility ?? []
  ).map((c) => html`<th scope="col">Loadable on ${c.line}</th>`)}</tr></thead> <tbody>${compatibilityRows(p)}</tbody></table> </div> <h2 id="loads-on">Loads on</h2> ${
    matrix.columns.length === 0
      ? html`<p>This index carries no loadability matrix: no release of it keeps its signed manifest in the index.</p>`
      : html`<p>From the signed index: whether each release's stored, publisher-signed manifest decodes and validates as each server version would.
        The server still checks your trust policy, the artifact digest and the runtime when it starts the plugin.</p> <div class="table-scroll"> <table> <caption class="visually-hidden">Loads on server version, per release</caption> <thead><tr><th scope="col">Release</th>${matrix.columns.map(
          (c) => html`<th scope="col"><code>${c.version}</code><div class="muted">${c.note}</div></th>`,
        )}</tr></thead> <tbody>${loadsOnRows(matrix)}</tbody></table> </div>`
  }<h2 id="history">Release history</h2> <p>Newest version first. Each release is compared with the release before it on its channel: what it adds or drops, and whether the highest risk changes.</p> <div class="history">${releaseHistory(details.history, base)}</div>`;
}
