/**
 * The install command the catalog shows, pinned to `id@version`.
 *
 * Pinning names the exact release the page describes, so copying the command
 * never resolves a different (newer, or substituted) release later. An alpha
 * release also names its channel: the install pipeline selects `alpha` only on
 * an explicit request (DESIGN §5 step 2, interop §E.4).
 *
 * @module
 */
import type { ReleaseChannel } from '../../../src/core/index/types.js';

/**
 * The command line tool operators run: the `lattice-index` binary of this
 * project, installed as the README's "Get the CLI" says — never through
 * `npx lattice-index`, which would fetch whatever an unknown party published
 * under that unclaimed npm name.
 */
export const INSTALL_TOOL = 'lattice-index install';

// Characters a POSIX shell passes through unquoted. Index ids and versions are
// already limited to these by the validator; anything else gets quoted anyway.
const SHELL_SAFE = /^[A-Za-z0-9._+:@=/-]+$/;

/**
 * Quote one argument for a POSIX shell.
 * @example shellQuote("a b") // "'a b'"
 */
export function shellQuote(arg: string): string {
  return SHELL_SAFE.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The pinned install command for one release, runnable as copied: it names
 * this catalog's signed index, and takes the operator's install policy and the
 * server's plugin directory from `$LATTICE_INSTALL_POLICY` and
 * `$LATTICE_PLUGIN_DIR` (the server's own variable name, interop §D.7), which
 * the catalog cannot know.
 * @param pluginId - the plugin id.
 * @param version - the release version.
 * @param channel - the release's channel; `alpha` adds `--channel alpha`.
 * @param indexUrl - absolute URL of the signed `plugins.json` (omitted: no `--index`).
 * @returns one shell line.
 * @example installCommand('demo.hello', '1.0.0', 'stable', 'https://x.example/plugins.json')
 * // 'lattice-index install demo.hello@1.0.0 --index https://x.example/plugins.json --policy "$LATTICE_INSTALL_POLICY" --plugin-dir "$LATTICE_PLUGIN_DIR"'
 */
export function installCommand(pluginId: string, version: string, channel: ReleaseChannel, indexUrl?: string): string {
  const parts = [INSTALL_TOOL, shellQuote(`${pluginId}@${version}`)];
  if (channel === 'alpha') parts.push('--channel', 'alpha');
  if (indexUrl !== undefined) parts.push('--index', shellQuote(indexUrl));
  parts.push('--policy', '"$LATTICE_INSTALL_POLICY"', '--plugin-dir', '"$LATTICE_PLUGIN_DIR"');
  return parts.join(' ');
}
