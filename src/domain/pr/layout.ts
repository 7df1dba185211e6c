/**
 * Where each kind of index entry lives in the repository (DESIGN §2,
 * docs/FORMAT.md "Repository entry files"), as repository-relative,
 * `/`-separated paths. One place for these names: pr-check, add and the
 * CODEOWNERS generator all use them.
 *
 * @module
 */

/** The directory holding the marketplace data. */
export const INDEX_DIR = 'index';
/** The generated, signed index: written by the signing workflow only. */
export const GENERATED_INDEX_PATH = 'index/plugins.json';
/** The revocation list. */
export const REVOCATIONS_PATH = 'index/revocations.json';
/** The stored, publisher-signed manifests: `index/manifests/<plugin-id>/<version>.json` (DESIGN §2). */
export const MANIFESTS_DIR = 'index/manifests';

/** What a path below `index/` is. */
export type IndexPathKind =
  | { kind: 'publisher'; id: string }
  | { kind: 'plugin'; id: string }
  | { kind: 'revocations' }
  | { kind: 'generated' }
  | { kind: 'manifest'; pluginId: string; version: string }
  | { kind: 'other' };

const PUBLISHER_FILE_RE = /^index\/publishers\/([^/]+)\.json$/;
const PLUGIN_FILE_RE = /^index\/plugins\/([^/]+)\.json$/;
const MANIFEST_FILE_RE = /^index\/manifests\/([^/]+)\/([^/]+)\.json$/;

/**
 * Classify a repository path. `id` is the file name without `.json`; whether
 * it is a valid id is the validator's business (ENTRY_FILE_NAME and the id rules).
 *
 * @param path - repository-relative path with `/` separators.
 * @returns the kind of entry (a stored manifest names its plugin id and version), `other` for anything the build does not read.
 * @example classifyIndexPath('index/plugins/demo.hello.json') // { kind: 'plugin', id: 'demo.hello' }
 */
export function classifyIndexPath(path: string): IndexPathKind {
  if (path === GENERATED_INDEX_PATH) return { kind: 'generated' };
  if (path === REVOCATIONS_PATH) return { kind: 'revocations' };
  let m = PUBLISHER_FILE_RE.exec(path);
  if (m && !m[1]!.startsWith('.')) return { kind: 'publisher', id: m[1]! };
  m = PLUGIN_FILE_RE.exec(path);
  if (m && !m[1]!.startsWith('.')) return { kind: 'plugin', id: m[1]! };
  m = MANIFEST_FILE_RE.exec(path);
  if (m && !m[1]!.startsWith('.') && !m[2]!.startsWith('.')) return { kind: 'manifest', pluginId: m[1]!, version: m[2]! };
  return { kind: 'other' };
}

/** `index/manifests/<id>/<version>.json`. */
export function storedManifestFilePath(id: string, version: string): string {
  return `${MANIFESTS_DIR}/${id}/${version}.json`;
}

/** `index/publishers/<id>.json`. */
export function publisherFilePath(id: string): string {
  return `index/publishers/${id}.json`;
}

/** `index/plugins/<id>.json`. */
export function pluginFilePath(id: string): string {
  return `index/plugins/${id}.json`;
}
