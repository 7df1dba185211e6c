/**
 * "Versions grow per channel" (DESIGN §7), in the Lattice server's version
 * order ({@link compareVersions}, interop §D.4). Shared by `pr-check` and
 * `lattice-index add`, so both refuse exactly the same releases.
 *
 * @module
 */
import { compareVersions } from '../../core/version-range.js';

/** The fields of a release these rules read; anything else may be hostile. */
interface ReleaseLike {
  version?: unknown;
  channel?: unknown;
}

/**
 * The highest version among a plugin's releases of one channel.
 *
 * @param releases - the plugin's `releases` value (non-arrays and malformed entries are skipped).
 * @param channel - `stable` or `alpha`.
 * @returns the highest version string, or `undefined` when the channel has no release.
 * @example highestInChannel([{ version: '1.2.0', channel: 'stable' }, { version: '1.10.0', channel: 'stable' }], 'stable') // '1.10.0'
 */
export function highestInChannel(releases: unknown, channel: string): string | undefined {
  if (!Array.isArray(releases)) return undefined;
  let best: string | undefined;
  for (const r of releases as ReleaseLike[]) {
    if (r === null || typeof r !== 'object' || r.channel !== channel || typeof r.version !== 'string') continue;
    if (best === undefined || compareVersions(r.version, best) > 0) best = r.version;
  }
  return best;
}

/**
 * May `version` be published on top of `highest`? Only when it is strictly
 * greater in the server's order — an equal version spelled differently
 * (`1.0` vs `1.0.0`) is refused, because the server could not tell them apart.
 *
 * @param version - the new release's version.
 * @param highest - the highest published version of the same channel, if any.
 * @returns true when the new version grows the channel.
 * @example growsChannel('1.2.0', '1.10.0') // false
 */
export function growsChannel(version: string, highest: string | undefined): boolean {
  return highest === undefined || compareVersions(version, highest) > 0;
}
