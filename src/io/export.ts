/**
 * `lattice-index export ID[@VERSION] --repo URL --root FILE --out FILE`: the
 * offline bundle of one plugin release (`src/domain/repository/bundle.ts`).
 *
 * The exporter runs the client workflow from the given root, records every
 * metadata file it verified, adds the root chain from version 1, the
 * plugin's target, and the release's manifest and artifact — checked
 * against the index (`manifest_sha256`, `artifact_sha256`) before they go in.
 * A release with a stored manifest (DESIGN §4.5) takes it from the
 * repository's `manifests/<id>/<version>.json` target (verified by TUF, and
 * carried as a target with its bin, so the installer reads it the same way);
 * otherwise the manifest is fetched from `manifest_url`.
 * The bundle is verified again, from scratch, by whoever installs it.
 *
 * @module
 */
import { PolicyError, VerificationError } from '../core/errors.js';
import { BUNDLE_MAX_BYTES, MANIFEST_MAX_BYTES, REPO_ENTRY_TARGET_MAX_BYTES, REPO_ROOT_MAX_BYTES } from '../core/limits.js';
import type { IndexRelease, ReleaseChannel } from '../core/index/types.js';
import { sha256Hex } from '../crypto/index.js';
import type { InstallFetcher } from '../domain/install/transport.js';
import { packOfflineBundle } from '../domain/repository/bundle.js';
import { RepositoryClient, targetFilePath, type RepositoryTransport } from '../domain/repository/client.js';
import { parsePluginTarget, pluginTargetPath } from '../domain/repository/lattice.js';
import { parseMetadata } from '../domain/repository/model.js';
import { fetchBytes } from './fetch.js';
import { memoryMetadataStore } from './repository-transport.js';
import { nodeTufVerifier } from './tuf-verifier.js';

/** Options of {@link exportOfflineBundle}. */
export interface ExportOptions {
  transport: RepositoryTransport;
  /** Fetches the manifest and artifact URLs. */
  fetcher: InstallFetcher;
  root: Uint8Array;
  pluginId: string;
  version?: string;
  channel?: ReleaseChannel;
  now: number;
}

/** What was exported. */
export interface ExportReport {
  bytes: Uint8Array;
  plugin: string;
  version: string;
  files: number;
  artifactSha256: string;
}

type Fail = VerificationError | PolicyError;

/**
 * Build the offline bundle (module comment).
 *
 * @param o - transport, fetcher, root, plugin, clock.
 * @returns the bundle bytes, or the first coded failure.
 */
export async function exportOfflineBundle(o: ExportOptions): Promise<{ ok: true; report: ExportReport } | { ok: false; error: Fail }> {
  const metadata = new Map<string, Uint8Array>();
  const targets = new Map<string, Uint8Array>();
  const recording: RepositoryTransport = {
    async fetchMetadata(name, max) {
      const b = await o.transport.fetchMetadata(name, max);
      metadata.set(name, b);
      return b;
    },
    async fetchTarget(p, max) {
      const b = await o.transport.fetchTarget(p, max);
      targets.set(p, b);
      return b;
    },
  };
  const opened = await RepositoryClient.open({ transport: recording, store: memoryMetadataStore(), now: o.now, initialRoot: o.root, verifier: nodeTufVerifier });
  if (!opened.ok) return opened;
  const client = opened.value;
  const path = pluginTargetPath(o.pluginId);
  const found = await client.findTarget(path);
  if (!found.ok) return found;
  if (found.value === undefined) return { ok: false, error: new PolicyError('PLUGIN_NOT_FOUND', `the repository has no plugin ${JSON.stringify(o.pluginId)}`) };
  const tb = await client.fetchTarget(path, found.value.info, REPO_ENTRY_TARGET_MAX_BYTES);
  if (!tb.ok) return tb;
  const parsed = parsePluginTarget(tb.value, o.pluginId);
  if (!parsed.ok) return parsed;
  const plugin = parsed.target.plugin;
  let release: IndexRelease | undefined;
  if (o.version !== undefined) release = plugin.releases.find((r) => r.version === o.version);
  else {
    const v = plugin.channels[o.channel ?? 'stable'];
    release = v === undefined ? undefined : plugin.releases.find((r) => r.version === v);
  }
  if (release === undefined) {
    return { ok: false, error: new PolicyError('RELEASE_NOT_FOUND', `${o.pluginId} has no ${o.version !== undefined ? `release ${o.version}` : `${o.channel ?? 'stable'} release`}`) };
  }
  // A stored manifest is a target of the repository (DESIGN §4.5): read through TUF and carried as one.
  let manifest: Uint8Array | undefined;
  let storedKeep: string | undefined;
  if (release.stored_manifest !== undefined) {
    const sm = await client.findTarget(release.stored_manifest);
    if (!sm.ok) return sm;
    if (sm.value !== undefined) {
      const mb = await client.fetchTarget(release.stored_manifest, sm.value.info, MANIFEST_MAX_BYTES);
      if (!mb.ok) return mb;
      manifest = mb.value;
      storedKeep = targetFilePath(release.stored_manifest, sm.value.info, client.trusted.root.signed.consistentSnapshot);
    }
  }
  let artifact: Uint8Array;
  try {
    manifest ??= await fetchBytes(o.fetcher, release.manifest_url, { maxBytes: MANIFEST_MAX_BYTES, purpose: 'manifest' });
    artifact = await fetchBytes(o.fetcher, release.artifact_url, { maxBytes: BUNDLE_MAX_BYTES, purpose: 'artifact' });
  } catch (e) {
    if (e instanceof VerificationError || e instanceof PolicyError) return { ok: false, error: e };
    throw e;
  }
  if (release.manifest_sha256 !== undefined && sha256Hex(manifest) !== release.manifest_sha256) {
    return { ok: false, error: new VerificationError('MANIFEST_INDEX_MISMATCH', `manifest sha256 ${sha256Hex(manifest)} differs from the index's manifest_sha256 ${release.manifest_sha256}`) };
  }
  const artifactSha256 = sha256Hex(artifact);
  if (artifactSha256 !== release.artifact_sha256) {
    return { ok: false, error: new VerificationError('ARTIFACT_DIGEST_MISMATCH', `artifact sha256 ${artifactSha256} differs from the index digest ${release.artifact_sha256}`) };
  }
  // The root chain from version 1 (an installer pinned to any version can follow it).
  const start = parseMetadata(o.root, 'root', 'root file');
  if (!start.ok) return start;
  const v0 = start.metadata.signed.version;
  metadata.set(`${v0}.root.json`, o.root);
  for (let v = 1; v < v0; v++) {
    try {
      metadata.set(`${v}.root.json`, await o.transport.fetchMetadata(`${v}.root.json`, REPO_ROOT_MAX_BYTES));
    } catch (e) {
      if (e instanceof VerificationError || e instanceof PolicyError) return { ok: false, error: e };
      throw e;
    }
  }
  // Only the plugin's own target (and its stored manifest) go in (a lookup walked no other).
  const consistent = client.trusted.root.signed.consistentSnapshot;
  const keep = new Set([targetFilePath(path, found.value.info, consistent), ...(storedKeep !== undefined ? [storedKeep] : [])]);
  for (const k of [...targets.keys()]) if (!keep.has(k)) targets.delete(k);
  const bytes = packOfflineBundle({ plugin: o.pluginId, version: release.version, manifestUrl: release.manifest_url, artifactUrl: release.artifact_url, metadata, targets, manifest, artifact });
  return { ok: true, report: { bytes, plugin: o.pluginId, version: release.version, files: metadata.size + targets.size + 3, artifactSha256 } };
}
