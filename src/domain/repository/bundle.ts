/**
 * The offline bundle of repository v2 (`lattice-index export`, `install
 * --from`): one uncompressed tar file holding everything an air-gapped host
 * needs to install one plugin release with **no network** — and nothing it
 * has to trust on the bundle's word:
 *
 * ```
 * lattice-offline-bundle.json      what the bundle is for (plugin, version, URLs)
 * metadata/1.root.json … N.root.json, timestamp.json,
 *          <v>.snapshot.json, <v>.targets.json, <v>.<bin>.json
 * targets/plugins/<sha256>.<id>.json
 * content/manifest.json, content/artifact
 * ```
 *
 * The installer runs the same TUF client workflow over the bundle's files
 * (a {@link RepositoryTransport} on them) from its own pinned root and its
 * own stored trusted metadata — so a bundle older than what the host already
 * trusts is refused as a rollback, a tampered one fails its hashes or
 * signatures — and then the same install pipeline, whose manifest and
 * artifact come from `content/` by their URLs. The descriptor only says
 * which plugin the bundle is for; every byte is checked against the signed
 * metadata.
 *
 * Reading is strict: only regular files, only the names above, none twice,
 * each within its cap (`REPO_BUNDLE_INVALID` otherwise).
 *
 * @module
 */
import { VerificationError } from '../../core/errors.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import { isHttpsUrl, validIndexVersion, validPluginID } from '../../core/rules.js';
import { textToByteString } from '../bundle/entry-path.js';
import { ChunkReader, TarFormatError, TarReader, TYPE, writeTar } from '../bundle/tar.js';
import { fetchError } from '../install/transport.js';
import type { RepositoryTransport } from './client.js';

/** `schema` of the bundle descriptor. */
export const OFFLINE_BUNDLE_SCHEMA = 'lattice.plugin.offline-bundle.v1';
const DESCRIPTOR = 'lattice-offline-bundle.json';

/** What an offline bundle holds. */
export interface OfflineBundle {
  plugin: string;
  version: string;
  manifestUrl: string;
  artifactUrl: string;
  /** Metadata file name → bytes (`1.root.json`, `timestamp.json`, …). */
  metadata: Map<string, Uint8Array>;
  /** Target file path (hash-prefixed) → bytes. */
  targets: Map<string, Uint8Array>;
  manifest: Uint8Array;
  artifact: Uint8Array;
}

const METADATA_NAME = /^(?:[1-9][0-9]{0,8}\.root|timestamp|[1-9][0-9]{0,8}\.snapshot|[1-9][0-9]{0,8}\.[A-Za-z0-9._%~-]{1,200})\.json$/;
const TARGET_NAME = /^[a-z0-9][a-z0-9._/-]{0,400}$/;

/**
 * Write an offline bundle (deterministic: entries sorted, mode 0644, mtime 0).
 *
 * @param b - the bundle's parts.
 * @returns the tar bytes.
 */
export function packOfflineBundle(b: OfflineBundle): Uint8Array {
  const descriptor = new TextEncoder().encode(
    JSON.stringify({ schema: OFFLINE_BUNDLE_SCHEMA, plugin: b.plugin, version: b.version, manifest_url: b.manifestUrl, artifact_url: b.artifactUrl }, null, 2) + '\n',
  );
  const entries = [
    { name: DESCRIPTOR, data: descriptor },
    ...[...b.metadata].sort(([a], [c]) => (a < c ? -1 : 1)).map(([n, data]) => ({ name: `metadata/${n}`, data })),
    ...[...b.targets].sort(([a], [c]) => (a < c ? -1 : 1)).map(([n, data]) => ({ name: `targets/${n}`, data })),
    { name: 'content/manifest.json', data: b.manifest },
    { name: 'content/artifact', data: b.artifact },
  ];
  return writeTar(entries.map((e) => ({ name: textToByteString(e.name), typeflag: TYPE.REG, mode: 0o644, data: e.data })));
}

/** Caps of {@link readOfflineBundle}. */
export interface BundleCaps {
  maxArtifactBytes: number;
  maxManifestBytes: number;
}

/**
 * Read an offline bundle strictly.
 *
 * @param bytes - the bundle file.
 * @param caps - artifact and manifest caps (the install policy's limits).
 * @returns the bundle, or `REPO_BUNDLE_INVALID`.
 */
export async function readOfflineBundle(bytes: Uint8Array, caps: BundleCaps): Promise<{ ok: true; bundle: OfflineBundle } | { ok: false; error: VerificationError }> {
  const bad = (m: string) => ({ ok: false as const, error: new VerificationError('REPO_BUNDLE_INVALID', `offline bundle: ${m}`) });
  const files = new Map<string, Uint8Array>();
  const reader = new TarReader(new ChunkReader((async function* () { yield bytes; })()[Symbol.asyncIterator]()), { maxMetadataBytes: 1 << 20 });
  try {
    for (;;) {
      const h = await reader.next();
      if (h === null) break;
      const name = h.name;
      if (h.typeflag !== TYPE.REG) return bad(`entry ${JSON.stringify(name)} is not a regular file`);
      if (files.has(name)) return bad(`entry ${JSON.stringify(name)} appears twice`);
      const cap =
        name === 'content/artifact' ? caps.maxArtifactBytes : name === 'content/manifest.json' ? caps.maxManifestBytes : name === DESCRIPTOR ? 64 * 1024 : 16 * 1024 * 1024;
      if (h.size > BigInt(cap)) return bad(`entry ${JSON.stringify(name)} is ${h.size} bytes, above its cap of ${cap}`);
      const buf = new Uint8Array(Number(h.size));
      let off = 0;
      await reader.readData((piece) => {
        buf.set(piece, off);
        off += piece.length;
      });
      const known =
        name === DESCRIPTOR ||
        name === 'content/manifest.json' ||
        name === 'content/artifact' ||
        (name.startsWith('metadata/') && METADATA_NAME.test(name.slice(9))) ||
        (name.startsWith('targets/') && TARGET_NAME.test(name.slice(8)) && !name.includes('..') && !name.includes('//'));
      if (!known) return bad(`unexpected entry ${JSON.stringify(name)}`);
      files.set(name, buf);
    }
  } catch (e) {
    if (e instanceof TarFormatError) return bad(`not a readable tar file: ${e.message}`);
    throw e;
  }
  const d = files.get(DESCRIPTOR);
  if (d === undefined) return bad(`no ${DESCRIPTOR}`);
  const parsed = parseJSONStrict(d, { maxBytes: d.length + 1 });
  if (!parsed.ok) return bad(`${DESCRIPTOR} is not strict JSON: ${parsed.error.message}`);
  const v = parsed.value as Record<string, unknown>;
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).sort().join(',') !== 'artifact_url,manifest_url,plugin,schema,version') {
    return bad(`${DESCRIPTOR} must hold exactly schema, plugin, version, manifest_url, artifact_url`);
  }
  if (v.schema !== OFFLINE_BUNDLE_SCHEMA) return bad(`${DESCRIPTOR} schema must be ${OFFLINE_BUNDLE_SCHEMA}`);
  if (typeof v.plugin !== 'string' || !validPluginID(v.plugin)) return bad('plugin is not a plugin id');
  if (typeof v.version !== 'string' || !validIndexVersion(v.version)) return bad('version is not a version');
  if (!isHttpsUrl(v.manifest_url) || !isHttpsUrl(v.artifact_url)) return bad('manifest_url and artifact_url must be https URLs');
  const manifest = files.get('content/manifest.json');
  const artifact = files.get('content/artifact');
  if (manifest === undefined || artifact === undefined) return bad('content/manifest.json and content/artifact are required');
  const metadata = new Map<string, Uint8Array>();
  const targets = new Map<string, Uint8Array>();
  for (const [n, b] of files) {
    if (n.startsWith('metadata/')) metadata.set(n.slice(9), b);
    else if (n.startsWith('targets/')) targets.set(n.slice(8), b);
  }
  if (!metadata.has('timestamp.json')) return bad('metadata/timestamp.json is required');
  return {
    ok: true,
    bundle: { plugin: v.plugin, version: v.version, manifestUrl: v.manifest_url as string, artifactUrl: v.artifact_url as string, metadata, targets, manifest, artifact },
  };
}

/**
 * The bundle's files as a repository transport (a file it lacks is
 * `FETCH_NOT_FOUND`, which ends the root chain like a 404).
 *
 * @param b - the bundle.
 * @returns the transport.
 */
export function offlineBundleTransport(b: OfflineBundle): RepositoryTransport {
  const get = (map: Map<string, Uint8Array>, name: string, max: number, what: string): Uint8Array => {
    const bytes = map.get(name);
    if (bytes === undefined) throw fetchError('FETCH_NOT_FOUND', `${what} ${name} is not in the offline bundle`);
    if (bytes.length > max) throw fetchError('FETCH_TOO_LARGE', `${what} ${name} in the offline bundle is ${bytes.length} bytes, above the cap of ${max}`);
    return bytes;
  };
  return {
    fetchMetadata: async (name, max) => get(b.metadata, name, max, 'metadata'),
    fetchTarget: async (p, max) => get(b.targets, p, max, 'target'),
  };
}
