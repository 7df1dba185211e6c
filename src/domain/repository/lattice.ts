/**
 * The Lattice side of repository v2: which targets the repository holds,
 * what their bytes are, and how an installer reads them back.
 *
 * | target path | bytes (RFC 8785 canonical JSON unless noted) |
 * |---|---|
 * | `plugins/<id>.json` | `{ schema: "lattice.plugin.repository-plugin.v1", plugin, publisher, revocations[, server_versions] }`: the plugin's entry as `build` puts it in an index (with `stored_manifest` and `loads_on` for releases whose manifest is stored), its publisher's entry, the revocations that apply to it, and — when a release has `loads_on` — the server versions the matrix was computed for |
 * | `publishers/<id>.json` | the publisher entry file's data |
 * | `revocations.json` | the revocation file's data (`{}` when there is none) |
 * | `manifests/<id>/<version>.json` | the stored signed manifest, byte for byte (when `index/manifests/` has it) |
 *
 * **Why a plugin's target carries its publisher and revocations.** An install
 * needs all three (DESIGN §5 steps 2–3: the release is not revoked, the
 * publisher's key history). As three targets they land in two different
 * bins (a bin is chosen by the SHA-256 of the path) and cost five more
 * requests; as one they cost one, so a cold install is root probe,
 * timestamp, snapshot, targets, one bin and one target — six requests at any
 * catalog size. `publishers/` and `revocations.json` stay as they are for
 * auditors, mirrors and the catalog. The price is paid at publish time: a
 * publisher entry change rewrites that publisher's plugin targets, a key
 * revocation every plugin target.
 *
 * Which revocations apply to a plugin (fail closed): every revoked release
 * of this plugin id; every revoked artifact digest equal to one of its
 * releases'; and **every** revoked key — the install pipeline checks the
 * operator's own keys for the publisher against the list, and those need
 * not be the keys the index names.
 *
 * **Stored manifests** (DESIGN §4.5) are targets of their own, and the
 * plugin's release names one with `stored_manifest` — the same path relative
 * to the plugin target's `manifests/` sibling as relative to an index v1
 * document — so an installer reads it through TUF (a bin and the target) and
 * checks it against the release's signed `manifest_sha256` as well.
 *
 * Pure; no `node:` imports.
 *
 * @module
 */
import { VerificationError } from '../../core/errors.js';
import { canonicalizeToBytes } from '../../core/jcs.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import type { JSONObject } from '../../core/json/types.js';
import { validateIndex } from '../../core/index/validate.js';
import type { IndexPlugin, IndexPublisher, PluginIndex, RevocationList } from '../../core/index/types.js';
import { formatRFC3339UTC } from '../../core/rules.js';
import type { ServerLine } from '../../core/server-line.js';
import { sha256Hex } from '../../crypto/index.js';
import { normalizeRevocations, type NormalizedRevocations } from '../index/revocation.js';
import { verifyPublisherKeyHistory } from '../index/rotation.js';
import type { VerifiedIndex } from '../index/verify.js';

/** `schema` of a plugin target. */
export const PLUGIN_TARGET_SCHEMA = 'lattice.plugin.repository-plugin.v1';
/** The revocation list's target path. */
export const REVOCATIONS_TARGET = 'revocations.json';

/** `plugins/<id>.json`. */
export function pluginTargetPath(id: string): string {
  return `plugins/${id}.json`;
}
/** `publishers/<id>.json`. */
export function publisherTargetPath(id: string): string {
  return `publishers/${id}.json`;
}
/** `manifests/<id>/<version>.json`. */
export function manifestTargetPath(id: string, version: string): string {
  return `manifests/${id}/${version}.json`;
}

/**
 * The revocations that apply to one plugin (module comment).
 *
 * @param plugin - the plugin entry.
 * @param revocations - the whole list.
 * @returns a list with only the applicable entries (empty lists left out).
 */
export function revocationsForPlugin(plugin: Pick<IndexPlugin, 'id' | 'releases'>, revocations: RevocationList | undefined): RevocationList {
  const all = normalizeRevocations(revocations);
  const digests = new Set(plugin.releases.map((r) => r.artifact_sha256.toLowerCase()));
  const releases = all.releases.filter((r) => r.plugin === plugin.id);
  const artifacts = all.artifacts.filter((a) => digests.has(a.sha256));
  const keys = all.keys;
  return {
    ...(releases.length ? { releases } : {}),
    ...(artifacts.length ? { artifacts } : {}),
    ...(keys.length ? { keys } : {}),
  };
}

/**
 * The bytes of a plugin's target.
 *
 * @param plugin - its entry (validated).
 * @param publisher - its publisher's entry (validated).
 * @param revocations - the whole revocation list.
 * @returns canonical JSON bytes.
 */
export function pluginTargetBytes(
  plugin: IndexPlugin,
  publisher: IndexPublisher,
  revocations: RevocationList | undefined,
  serverVersions?: readonly string[],
): Uint8Array {
  // server_versions only where a release has a matrix: the member is the matrix's header.
  const matrix = serverVersions !== undefined && plugin.releases.some((r) => r.loads_on !== undefined);
  return canonicalizeToBytes({
    schema: PLUGIN_TARGET_SCHEMA,
    plugin,
    publisher,
    revocations: revocationsForPlugin(plugin, revocations),
    ...(matrix ? { server_versions: [...serverVersions] } : {}),
  });
}

/** The data of the entry files, validated together (the index's content). */
export interface RepositoryContent {
  publishers: readonly IndexPublisher[];
  plugins: readonly IndexPlugin[];
  revocations?: RevocationList;
  /** `manifests/<id>/<version>.json` → file bytes. */
  manifests?: ReadonlyMap<string, Uint8Array>;
  /** The index's `server_versions` (the loadability matrix's versions), when `build` computed one. */
  serverVersions?: readonly string[];
}

/**
 * Every target of the repository for validated content.
 *
 * @param content - publishers, plugins, revocations, stored manifests.
 * @returns target path → bytes.
 * @throws {VerificationError} `REPO_TARGET_INVALID` when a plugin names a publisher that is not there (validate first).
 */
export function repositoryTargets(content: RepositoryContent): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const publishers = new Map(content.publishers.map((p) => [p.id, p]));
  for (const p of content.publishers) out.set(publisherTargetPath(p.id), canonicalizeToBytes(p));
  for (const plugin of content.plugins) {
    const pub = publishers.get(plugin.publisher);
    if (pub === undefined) throw new VerificationError('REPO_TARGET_INVALID', `plugin ${plugin.id} names publisher ${plugin.publisher}, which has no entry`);
    out.set(pluginTargetPath(plugin.id), pluginTargetBytes(plugin, pub, content.revocations, content.serverVersions));
  }
  out.set(REVOCATIONS_TARGET, canonicalizeToBytes(content.revocations ?? {}));
  for (const [path, bytes] of content.manifests ?? []) out.set(path, bytes);
  return out;
}

/** A plugin target, read and checked. */
export interface PluginTarget {
  plugin: IndexPlugin;
  publisher: IndexPublisher;
  revocations: NormalizedRevocations;
  /** The versions its releases' `loads_on` was computed for. */
  serverVersions?: string[];
}

/**
 * Read a plugin target (after TUF verified its bytes): strict JSON, the
 * schema, the plugin id asked for, every index rule on the plugin, its
 * publisher and the revocations (`validateIndex` on a one-plugin index), and
 * the publisher's key rotation statements.
 *
 * @param bytes - the target's bytes.
 * @param pluginId - the plugin asked for (the target path's id).
 * @param serverLine - whose capability table applies.
 * @returns the target, or `REPO_TARGET_INVALID` / `KEY_ROTATION_INVALID`.
 */
export function parsePluginTarget(bytes: Uint8Array, pluginId: string, serverLine?: ServerLine): { ok: true; target: PluginTarget } | { ok: false; error: VerificationError } {
  const bad = (message: string, detail?: unknown) => ({ ok: false as const, error: new VerificationError('REPO_TARGET_INVALID', `plugins/${pluginId}.json: ${message}`, detail) });
  const parsed = parseJSONStrict(bytes, { maxBytes: Math.max(1, bytes.length) });
  if (!parsed.ok) return bad(`not strict JSON: ${parsed.error.message} [${parsed.error.code}]`);
  const doc = parsed.value as JSONObject;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return bad('expected an object');
  const names = Object.keys(doc).sort().join(',');
  if (names !== 'plugin,publisher,revocations,schema' && names !== 'plugin,publisher,revocations,schema,server_versions') {
    return bad(`expected exactly the members plugin, publisher, revocations, schema (and server_versions with a loadability matrix); found ${Object.keys(doc).join(', ')}`);
  }
  if (doc.schema !== PLUGIN_TARGET_SCHEMA) return bad(`schema must be ${PLUGIN_TARGET_SCHEMA}`);
  const mini = {
    schema: 'lattice.plugin.index.v1',
    generated_at: '2000-01-01T00:00:00Z',
    status: 'draft',
    publishers: [doc.publisher],
    plugins: [doc.plugin],
    revocations: doc.revocations,
    ...(doc.server_versions !== undefined ? { server_versions: doc.server_versions } : {}),
    signatures: [],
  };
  const problems = validateIndex(mini, serverLine ? { serverLine } : {});
  if (problems.length > 0) {
    const p = problems[0]!;
    return bad(`${p.instancePath || '/'}: ${p.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, problems);
  }
  const plugin = doc.plugin as unknown as IndexPlugin;
  const publisher = doc.publisher as unknown as IndexPublisher;
  if (plugin.id !== pluginId) return bad(`holds plugin ${JSON.stringify(plugin.id)}, expected ${JSON.stringify(pluginId)}`);
  const history = verifyPublisherKeyHistory(publisher);
  if (!history.ok) return { ok: false, error: history.error };
  return {
    ok: true,
    target: {
      plugin,
      publisher,
      revocations: normalizeRevocations(doc.revocations as RevocationList),
      ...(doc.server_versions !== undefined ? { serverVersions: [...(doc.server_versions as string[])] } : {}),
    },
  };
}

/** What a repository client established, for {@link verifiedIndexFromTargets}. */
export interface RepositoryEvidence {
  /** Snapshot version (plays the index generation's part). */
  snapshotVersion: number;
  /** Earliest expiry of the metadata chain. */
  expires: string;
  /** Keyids that signed the role listing the target. */
  signers: readonly string[];
  now: number;
}

/**
 * The install pipeline's view of verified repository targets: an `official`
 * one-publisher index holding the plugins read, their revocations, the
 * snapshot version as generation, and the repository's signers.
 *
 * @param targets - plugin targets of one publisher, or of several (candidates).
 * @param evidence - what TUF verified.
 * @returns a {@link VerifiedIndex}.
 */
export function verifiedIndexFromTargets(targets: readonly { target: PluginTarget; bytes: Uint8Array }[], evidence: RepositoryEvidence): VerifiedIndex {
  const publishers = new Map<string, IndexPublisher>();
  const revocations: NormalizedRevocations = { releases: [], artifacts: [], keys: [] };
  const seen = new Set<string>();
  // The matrix's versions: those every target with a matrix evaluated (one publish computes one list;
  // a version some target did not evaluate is "not evaluated" — the manifest step decides alone).
  let serverVersions: string[] | undefined;
  for (const { target } of targets) {
    if (target.serverVersions !== undefined) {
      serverVersions = serverVersions === undefined ? [...target.serverVersions] : serverVersions.filter((v) => target.serverVersions!.includes(v));
    }
    publishers.set(target.publisher.id, target.publisher);
    for (const kind of ['releases', 'artifacts', 'keys'] as const) {
      for (const e of target.revocations[kind]) {
        const k = `${kind}:${JSON.stringify(e)}`;
        if (seen.has(k)) continue;
        seen.add(k);
        (revocations[kind] as unknown[]).push(e);
      }
    }
  }
  const index: PluginIndex = {
    schema: 'lattice.plugin.index.v1',
    generated_at: formatRFC3339UTC(evidence.now),
    status: 'official',
    generation: evidence.snapshotVersion,
    expires_at: evidence.expires,
    publishers: [...publishers.values()],
    plugins: targets.map((t) => t.target.plugin),
    revocations,
    ...(serverVersions !== undefined ? { server_versions: serverVersions } : {}),
    signatures: [],
  };
  return {
    index,
    status: 'official',
    generation: evidence.snapshotVersion,
    expiresAt: evidence.expires,
    payloadSha256: sha256Hex(targets.length === 1 ? targets[0]!.bytes : canonicalizeToBytes(targets.map((t) => sha256Hex(t.bytes)))),
    signed: true,
    signers: evidence.signers.map((keyid) => ({ keyid, publisher: 'repository' })),
    revocations,
  };
}
