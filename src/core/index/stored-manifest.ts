/**
 * Where a release's publisher-signed manifest is kept (DESIGN §2, §4.5;
 * docs/FORMAT.md "Stored manifests"): `index/manifests/<plugin-id>/<version>.json`
 * in the repository, named in the index release as `stored_manifest`, a path
 * relative to the index document (`manifests/<plugin-id>/<version>.json`).
 *
 * One place for the name: the validator, `build`, `add`, pr-check and the
 * installer all ask here.
 *
 * @module
 */

/** The directory of stored manifests, relative to the index document (and to `index/`). */
export const STORED_MANIFEST_DIR = 'manifests';

/** A server version id as the index records it in `server_versions` and `loads_on`. */
export const SERVER_VERSION_ID_RE = /^[a-z0-9][a-z0-9.-]{0,63}$/;

/**
 * The `stored_manifest` value of a release: `manifests/<plugin-id>/<version>.json`.
 * Plugin ids (`[a-z0-9.-]`, no `..`) and server versions (`[0-9A-Za-z.+-]`, no
 * `..`) never hold `/`, so the path has exactly three segments and never leaves the directory.
 *
 * @param pluginId - the plugin id.
 * @param version - the release version.
 * @returns the relative path.
 * @example storedManifestPath('demo.hello', '1.0.0') // 'manifests/demo.hello/1.0.0.json'
 */
export function storedManifestPath(pluginId: string, version: string): string {
  return `${STORED_MANIFEST_DIR}/${pluginId}/${version}.json`;
}
