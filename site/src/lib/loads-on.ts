/**
 * The loadability matrix of a plugin's releases, as the signed index states
 * it (DESIGN §4.5, docs/SERVER-VERSIONS.md): for every server version the
 * index was built for (`server_versions`), whether each release's stored
 * manifest decodes and validates as that version of the server would
 * (`loads_on`). A release without a stored manifest was not evaluated.
 *
 * Pure; the plugin page renders it with `loadsOnRows` (views.ts).
 *
 * @module
 */
import type { IndexRelease } from '../../../src/core/index/types.js';
import { resolveServerVersion } from '../../../src/core/server-line.js';

/** One cell: a release on a server version. */
export type LoadsOnState = 'loads' | 'does-not-load' | 'not-evaluated';

/** One server version column. */
export interface LoadsOnColumn {
  /** The version id as the index names it. */
  readonly version: string;
  /** What the toolkit knows about it (`integration, tag alpha-0.2.2a41, 4dfbf5d, 2026-08-22`), or that it does not know it. */
  readonly note: string;
}

/** One release row. */
export interface LoadsOnRow {
  readonly version: string;
  readonly channel: string;
  /** Whether the index keeps the release's signed manifest. */
  readonly stored: boolean;
  /** One cell per column, in column order. */
  readonly cells: readonly LoadsOnState[];
}

/** The matrix of one plugin. */
export interface LoadsOnMatrix {
  /** The index's server versions; empty when the index has no matrix. */
  readonly columns: readonly LoadsOnColumn[];
  readonly rows: readonly LoadsOnRow[];
}

/**
 * Build the matrix of a plugin's releases.
 *
 * @param serverVersions - the index's `server_versions` (absent: no matrix).
 * @param releases - the plugin's releases, in index order.
 * @returns columns and one row per release.
 * @example loadsOnMatrix(['main-141e9ca'], [{ version: '1.0.0', channel: 'stable', loads_on: [], … }]).rows[0].cells // ['does-not-load']
 */
export function loadsOnMatrix(serverVersions: readonly string[] | undefined, releases: readonly IndexRelease[]): LoadsOnMatrix {
  const versions = serverVersions ?? [];
  const columns = versions.map((version) => ({ version, note: versionNote(version) }));
  const rows = releases.map((r) => {
    const evaluated = r.loads_on !== undefined && versions.length > 0;
    return Object.freeze({
      version: r.version,
      channel: r.channel,
      stored: r.stored_manifest !== undefined,
      cells: Object.freeze(versions.map((v): LoadsOnState => (!evaluated ? 'not-evaluated' : r.loads_on!.includes(v) ? 'loads' : 'does-not-load'))),
    });
  });
  return Object.freeze({ columns: Object.freeze(columns), rows: Object.freeze(rows) });
}

/** The words of a cell (never colour alone). */
export function loadsOnWords(state: LoadsOnState): string {
  return state === 'loads' ? 'Loads' : state === 'does-not-load' ? 'Does not load' : 'Not evaluated';
}

function versionNote(version: string): string {
  const r = resolveServerVersion(version);
  if (!r.ok) return 'a version this catalog does not know';
  const s = r.rules.source;
  const ref = [s.tag !== null ? `tag ${s.tag}` : undefined, s.commit ?? undefined, s.date].filter((x) => x !== undefined).join(', ');
  return `${r.rules.line}${ref ? `, ${ref}` : ''}${r.rules.derivation !== null ? ', derived rules' : ''}`;
}
