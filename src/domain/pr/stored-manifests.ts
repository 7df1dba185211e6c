/**
 * Pull-request rules for stored manifests and the loadability matrix of new
 * releases (DESIGN §4.5, §7; docs/SERVER-VERSIONS.md) — pure, used by
 * `checkPullRequest` (./rules.ts).
 *
 * A stored manifest (`index/manifests/<id>/<version>.json`) is the exact
 * bytes of the publisher-signed manifest of a listed release. On top of what
 * `build` checks for every stored manifest (equal to its entry:
 * `manifest_sha256`, id, version, publisher, type, capabilities, digest,
 * signature bytes; readable by a known server version — reported by
 * rules.ts as `PR_STORED_MANIFEST_INVALID`), a pull request must:
 * - **not change or remove** a stored manifest of the base
 *   (`PR_STORED_MANIFEST_CHANGED`): it is immutable, like its release;
 * - carry a manifest **signed by the publisher's key** — the key the base
 *   (else the head) publisher entry names for the release's publish time —
 *   over the signing payload of at least one known server version that
 *   reads it (`PR_STORED_MANIFEST_SIGNATURE`);
 * - and a new release whose manifest loads on **no** known server version
 *   needs a maintainer's review (`PR_RELEASE_LOADS_NOWHERE`).
 *
 * Every new release gets a row in the report's matrix: the verdict of each
 * known version with the server's error text, or "not evaluated" when its
 * manifest is not stored.
 *
 * @module
 */
import { goDecodeRawStdThenStd } from '../../core/base64.js';
import type { JSONObject, JSONValue } from '../../core/json/types.js';
import type { IndexPublisher } from '../../core/index/types.js';
import { SERVER_VERSIONS } from '../../core/server-line.js';
import { verifyEd25519 } from '../../crypto/index.js';
import { publisherKeyForRelease } from '../index/rotation.js';
import { decodeManifest } from '../manifest/decode.js';
import { manifestLoadability, verdictError } from '../manifest/loadability.js';
import { manifestSigningPayload } from '../manifest/payload.js';
import { classifyIndexPath, pluginFilePath, publisherFilePath, storedManifestFilePath } from './layout.js';

/** One new release's row of the matrix in the pull-request report. */
export interface PullRequestLoadability {
  plugin: string;
  version: string;
  /** The plugin entry file. */
  file: string;
  /** Whether the release's manifest is stored (else the matrix is not evaluated). */
  stored: boolean;
  /** The versions that load the stored manifest; `null` when not evaluated. */
  loads_on: string[] | null;
  /** Every known version's verdict (empty when not evaluated). */
  verdicts: Array<{ version: string; loads: boolean; error: string | null }>;
}

/** What a side of the pull request offers this module. */
export interface SnapshotView {
  text(path: string): string | undefined;
  object(path: string): JSONObject | undefined;
}

/** A finding in the shape rules.ts records. */
export interface StoredManifestFinding {
  rule: 'PR_STORED_MANIFEST_CHANGED' | 'PR_STORED_MANIFEST_SIGNATURE' | 'PR_RELEASE_LOADS_NOWHERE';
  file: string;
  /** Pointer inside the file (`undefined` = file level). */
  pointer?: string;
  /** Which side the pointer is located in. */
  side: 'base' | 'head';
  message: string;
}

const isObj = (v: unknown): v is JSONObject => v !== null && typeof v === 'object' && !Array.isArray(v);
const utf8 = new TextEncoder();

/**
 * Check the touched stored manifests and compute the matrix of the new releases.
 *
 * @param touched - touched paths below `index/` with how they changed.
 * @param base - the merge base.
 * @param head - the pull request's head.
 * @returns findings, the publisher each touched manifest belongs to, and the matrix rows.
 */
export function checkStoredManifests(
  touched: ReadonlyArray<{ file: string; change: 'added' | 'modified' | 'deleted' }>,
  base: SnapshotView,
  head: SnapshotView,
): { findings: StoredManifestFinding[]; owners: Map<string, string>; loadability: PullRequestLoadability[] } {
  const findings: StoredManifestFinding[] = [];
  const owners = new Map<string, string>();
  for (const { file, change } of touched) {
    const kind = classifyIndexPath(file);
    if (kind.kind !== 'manifest') continue;
    const plugin = head.object(pluginFilePath(kind.pluginId)) ?? base.object(pluginFilePath(kind.pluginId));
    if (plugin !== undefined && typeof plugin.publisher === 'string') owners.set(file, plugin.publisher);
    if (change !== 'added') {
      findings.push({
        rule: 'PR_STORED_MANIFEST_CHANGED',
        file,
        side: change === 'deleted' ? 'base' : 'head',
        message: `${file} is ${change === 'deleted' ? 'removed' : 'changed'}; a stored manifest is the exact signed manifest of a published release and never changes — revoke the release and publish a new version`,
      });
      continue;
    }
    // Added: signed by the publisher's key (build parity is checked by rules.ts).
    const text = head.text(file);
    if (text === undefined || plugin === undefined || typeof plugin.publisher !== 'string') continue; // orphan: reported by the build check
    const release = releaseOf(plugin, kind.version);
    if (release === undefined) continue; // orphan: reported by the build check
    const publisher = base.object(publisherFilePath(plugin.publisher)) ?? head.object(publisherFilePath(plugin.publisher));
    const key = publisher !== undefined ? keyFor(publisher, release) : undefined;
    if (key === undefined) {
      findings.push({ rule: 'PR_STORED_MANIFEST_SIGNATURE', file, side: 'head', message: `${file}: publisher ${plugin.publisher} has no key valid at the release's publish time to verify it with` });
      continue;
    }
    if (!signedByKey(utf8.encode(text), key)) {
      findings.push({
        rule: 'PR_STORED_MANIFEST_SIGNATURE',
        file,
        side: 'head',
        message: `${file} is not signed by publisher ${plugin.publisher}'s key (${String(publisher!.public_key_ed25519)}) over the signing payload of any known server version (${SERVER_VERSIONS.join(', ')})`,
      });
    }
  }

  // The matrix of every new release (a release of a head plugin file that the base does not have).
  const loadability: PullRequestLoadability[] = [];
  const pluginFiles = new Set(touched.map((t) => t.file).filter((f) => classifyIndexPath(f).kind === 'plugin'));
  for (const t of touched) {
    const k = classifyIndexPath(t.file);
    if (k.kind === 'manifest') pluginFiles.add(pluginFilePath(k.pluginId));
  }
  for (const file of [...pluginFiles].sort()) {
    const h = head.object(file);
    if (h === undefined || typeof h.id !== 'string' || !Array.isArray(h.releases)) continue;
    const b = base.object(file);
    const published = new Set((b !== undefined && Array.isArray(b.releases) ? b.releases : []).filter(isObj).map((r) => r.version));
    h.releases.forEach((r, j) => {
      if (!isObj(r) || typeof r.version !== 'string' || published.has(r.version)) return;
      const path = storedManifestFilePath(h.id as string, r.version);
      const text = head.text(path);
      if (text === undefined) {
        loadability.push({ plugin: h.id as string, version: r.version, file, stored: false, loads_on: null, verdicts: [] });
        return;
      }
      const publisher = typeof h.publisher === 'string' ? (base.object(publisherFilePath(h.publisher)) ?? head.object(publisherFilePath(h.publisher))) : undefined;
      const key = publisher !== undefined ? keyFor(publisher, r) : undefined;
      const m = manifestLoadability(utf8.encode(text), key !== undefined ? { publicKey: key } : {});
      loadability.push({
        plugin: h.id as string,
        version: r.version,
        file,
        stored: true,
        loads_on: [...m.loadsOn],
        verdicts: m.verdicts.map((v) => ({ version: v.version, loads: v.loads, error: verdictError(v) })),
      });
      if (m.loadsOn.length === 0) {
        findings.push({
          rule: 'PR_RELEASE_LOADS_NOWHERE',
          file,
          pointer: `/releases/${j}`,
          side: 'head',
          message: `${h.id as string} ${r.version} loads on no known server version (${m.verdicts.map((v) => `${v.version}: ${verdictError(v)}`).join('; ')}); a maintainer decides whether to list it`,
        });
      }
    });
  }
  return { findings, owners, loadability };
}

function releaseOf(plugin: JSONObject, version: string): JSONObject | undefined {
  if (!Array.isArray(plugin.releases)) return undefined;
  return plugin.releases.find((r): r is JSONObject => isObj(r) && r.version === version);
}

/** The publisher key for a release's publish time, never throwing on a malformed entry. */
function keyFor(publisher: JSONObject, release: JSONValue): Uint8Array | undefined {
  try {
    const key = publisherKeyForRelease(publisher as unknown as IndexPublisher, (isObj(release) ? release : {}) as { published_at?: string });
    return key !== undefined && key.length === 32 ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the manifest's signature verifies under `key` over the signing
 * payload of some known server version that decodes it (the payload differs
 * between versions only for v1 manifests with dependencies, interop §B.1).
 */
function signedByKey(bytes: Uint8Array, key: Uint8Array): boolean {
  const payloads = new Set<string>();
  for (const version of SERVER_VERSIONS) {
    const d = decodeManifest(bytes, { serverVersion: version });
    if (!d.ok) continue;
    const sig = goDecodeRawStdThenStd(d.manifest.signature_ed25519);
    if (!sig.ok || sig.bytes.length !== 64) return false;
    const payload = manifestSigningPayload(d.manifest, { serverVersion: version });
    const id = new TextDecoder().decode(payload); // valid UTF-8 by construction
    if (payloads.has(id)) continue;
    payloads.add(id);
    if (verifyEd25519(key, payload, sig.bytes)) return true;
  }
  return false;
}
