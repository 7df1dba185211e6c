/**
 * The per-plugin JSON (`/api/plugins/<id>.json`): the plugin's index entry
 * exactly as signed, its publisher entry, the revocations that concern it,
 * and the catalog's derived facts. Not signed on its own — `index` names the
 * signed index it was cut from, which is what a verifier must check.
 *
 * @module
 */
import type { VerificationSummary } from './verification.js';
import type { CatalogModel } from './catalog.js';
import type { VerifiedIndex } from '../../../src/domain/index/verify.js';

/** What {@link pluginJson} reads. */
export interface PluginJsonSource {
  readonly verified: Pick<VerifiedIndex, 'index' | 'revocations'>;
  readonly summary: VerificationSummary;
  readonly model: CatalogModel;
}

/**
 * Render one plugin's JSON document.
 * @param site - the verified index, its summary and model.
 * @param id - a plugin id present in the model.
 * @returns compact JSON with a final newline.
 * @throws TypeError when `id` is not in the index (a caller bug: pages come from the model).
 */
export function pluginJson(site: PluginJsonSource, id: string): string {
  const view = site.model.pluginById.get(id);
  if (view === undefined) throw new TypeError(`no plugin ${id} in the index`);
  const entry = view.entry;
  const publisher = site.verified.index.publishers.find((p) => p.id === entry.publisher);
  const digests = new Set(entry.releases.map((r) => r.artifact_sha256));
  const publisherKeys = new Set([publisher?.public_key_ed25519, ...(publisher?.key_history ?? []).map((h) => h.public_key_ed25519)]);
  const r = site.verified.revocations;
  const doc = {
    note: 'Convenience view of one plugin cut from the signed index named in "index"; verify that index, not this file.',
    index: {
      url: 'plugins.json',
      status: site.summary.status,
      signed: site.summary.signed,
      generation: site.summary.generation,
      generated_at: site.summary.generatedAt,
      expires_at: site.summary.expiresAt,
      payload_sha256: site.summary.payloadSha256,
    },
    plugin: entry,
    publisher: publisher ?? null,
    revocations: {
      releases: r.releases.filter((e) => e.plugin === entry.id),
      artifacts: r.artifacts.filter((e) => digests.has(e.sha256)),
      keys: r.keys.filter((e) => publisherKeys.has(e.public_key_ed25519)),
    },
    catalog: {
      highest_risk: view.risk.tier,
      verified: view.verified,
      channels: Object.fromEntries(
        view.heads.map((h) => [h.channel, { version: h.release.version, install: h.release.installCommand, revoked: h.release.revoked ?? null }]),
      ),
    },
  };
  return `${JSON.stringify(doc)}\n`;
}
