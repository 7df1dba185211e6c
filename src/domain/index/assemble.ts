/**
 * Assemble the index from its entry files — pure and deterministic.
 *
 * One file per publisher and per plugin keeps PRs small and conflict-free;
 * this module joins them into `index/plugins.json` in a stable order
 * (publishers and plugins sorted by id), maps every validation problem back to
 * the entry file and member that caused it, and decides the generation:
 * unchanged content keeps the previous generation, timestamps and signatures
 * (a rebuild is a no-op); changed content gets the next generation.
 *
 * @module
 */
import { canonicalize } from '../../core/jcs.js';
import type { JSONValue } from '../../core/json/types.js';
import { createPointerLocator, type TextPosition } from '../../core/json/locate.js';
import { validateIndex } from '../../core/index/validate.js';
import { formatRFC3339UTC, isRFC3339UTC } from '../../core/rules.js';
import type { ServerLine } from '../../core/server-line.js';
import { applyStoredManifests, type LoadabilityReportRelease, type StoredManifests } from './stored-manifests.js';

/** One parsed entry file. */
export interface EntryFile {
  /** Path as shown to the publisher (relative to the repository root). */
  path: string;
  /** The file's text, for locating problems. */
  text: string;
  /** The strictly parsed value. */
  value: JSONValue;
}

/** The entry files of a repository. */
export interface IndexSources {
  publishers: EntryFile[];
  plugins: EntryFile[];
  revocations?: EntryFile;
  /** Stored manifests (`index/manifests/<id>/<version>.json`), keyed by `manifests/<id>/<version>.json`. */
  manifests?: StoredManifests;
}

/** A problem located in a file. */
export interface EntryProblem {
  file: string;
  line?: number;
  column?: number;
  instancePath: string;
  code: string;
  message: string;
}

/** Options of {@link assembleIndex}. */
export interface AssembleOptions {
  /** "Now" in milliseconds since the epoch (from SOURCE_DATE_EPOCH when set). */
  now: number;
  /** The previously built index (parsed `index/plugins.json`), if any. */
  previous?: unknown;
  /** Set `expires_at` this many days after `generated_at`. */
  expiresInDays?: number;
  /** Force a new generation even when the content did not change (scheduled re-signing). */
  refresh?: boolean;
  /** Server line whose capability table applies. */
  serverLine?: ServerLine;
  /** Any known server version name; the same as `serverLine` with that name. */
  serverVersion?: string;
  /** Path shown for problems in generated top-level members. */
  outputPath?: string;
  /**
   * Compute the loadability matrix (`loads_on`, `server_versions`) of the
   * releases whose manifest is stored (default true; DESIGN §4.5).
   */
  matrix?: boolean;
  /** The server versions of the matrix (default every known version). */
  serverVersions?: readonly string[];
}

/** Result of {@link assembleIndex}. */
export interface AssembleResult {
  index: Record<string, unknown>;
  /** Problems, each located in the entry file that caused it. Empty = valid. */
  problems: EntryProblem[];
  /** False when the previous index is reused unchanged. */
  changed: boolean;
  /**
   * Per release with a stored manifest: every server version's verdict with
   * the server's exact error text — the report beside the index, never signed.
   */
  loadability: LoadabilityReportRelease[];
}

/** The index members that describe the publication rather than the content. */
const PUBLICATION_MEMBERS = ['generated_at', 'generation', 'expires_at', 'status', 'signatures'];

const DAY_MS = 86_400_000;

/**
 * Join entry files into an index and validate it.
 * @returns the index, located problems, and whether it differs from `previous`.
 * @throws TypeError for a caller bug (non-finite `now`, negative `expiresInDays`).
 */
export function assembleIndex(sources: IndexSources, opts: AssembleOptions): AssembleResult {
  if (!Number.isFinite(opts.now)) throw new TypeError('assembleIndex: now must be a finite number of milliseconds');
  if (opts.expiresInDays !== undefined && !(opts.expiresInDays > 0)) throw new TypeError('assembleIndex: expiresInDays must be positive');
  const output = opts.outputPath ?? 'index/plugins.json';
  const problems: EntryProblem[] = [];

  // Entry-file naming rule: <dir>/<id>.json, so a PR touching one plugin touches one file.
  const byId = (files: EntryFile[], kind: string): EntryFile[] => {
    for (const f of files) {
      const id = (f.value as { id?: unknown } | null)?.id;
      const base = f.path.replace(/^.*\//, '').replace(/\.json$/, '');
      if (typeof id === 'string' && id !== base) {
        problems.push({ file: f.path, ...locate(f, '/id'), instancePath: '/id', code: 'ENTRY_FILE_NAME',
          message: `${kind} file ${f.path} must be named after its id: expected ${id}.json, found ${base}.json` });
      }
    }
    return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  };
  const publishers = byId(sources.publishers, 'publisher');
  const plugins = byId(sources.plugins, 'plugin');

  // DESIGN §4.5: stored manifests and their loadability matrix.
  const stored = applyStoredManifests(plugins, publishers, sources.manifests ?? new Map(), {
    ...(opts.matrix !== undefined ? { matrix: opts.matrix } : {}),
    ...(opts.serverVersions !== undefined ? { serverVersions: opts.serverVersions } : {}),
  });
  problems.push(...stored.problems);

  const content: Record<string, unknown> = {
    schema: 'lattice.plugin.index.v1',
    ...(stored.serverVersions !== undefined ? { server_versions: stored.serverVersions } : {}),
    publishers: publishers.map((f) => f.value),
    plugins: stored.plugins,
  };
  if (sources.revocations) content.revocations = sources.revocations.value;

  const prev = opts.previous as Record<string, unknown> | undefined;
  const reuse = !opts.refresh && prev !== undefined && sameContent(prev, content) && sameExpiryRule(prev, opts.expiresInDays);
  let index: Record<string, unknown>;
  if (reuse) {
    index = prev;
  } else {
    const prevGeneration = typeof prev?.generation === 'number' && Number.isSafeInteger(prev.generation) ? prev.generation : 0;
    const generatedAt = formatRFC3339UTC(opts.now);
    index = {
      schema: content.schema,
      generated_at: generatedAt,
      status: 'draft',
      generation: prevGeneration + 1,
      ...(opts.expiresInDays !== undefined ? { expires_at: formatRFC3339UTC(Math.floor(opts.now / 1000) * 1000 + opts.expiresInDays * DAY_MS) } : {}),
      ...(content.server_versions !== undefined ? { server_versions: content.server_versions } : {}),
      publishers: content.publishers,
      plugins: content.plugins,
      ...(content.revocations !== undefined ? { revocations: content.revocations } : {}),
      signatures: [],
    };
  }

  const rulesOpts = { ...(opts.serverLine ? { serverLine: opts.serverLine } : {}), ...(opts.serverVersion ? { serverVersion: opts.serverVersion } : {}) };
  for (const p of validateIndex(index, rulesOpts)) {
    problems.push(placeProblem(p, publishers, plugins, sources.revocations, output));
  }
  return { index, problems, changed: !reuse, loadability: stored.report };
}

/** Serialise an index the way the repository stores it: 2-space JSON and a final newline. */
export function serializeIndex(index: unknown): string {
  return JSON.stringify(index, null, 2) + '\n';
}

function contentOf(index: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(index)) if (!PUBLICATION_MEMBERS.includes(k)) out[k] = v;
  return out;
}

function sameContent(prev: Record<string, unknown>, content: Record<string, unknown>): boolean {
  try {
    return canonicalize(contentOf(prev)) === canonicalize(content);
  } catch {
    return false; // an unrepresentable previous index is never reused
  }
}

function sameExpiryRule(prev: Record<string, unknown>, days: number | undefined): boolean {
  if (days === undefined) return prev.expires_at === undefined;
  if (!isRFC3339UTC(prev.expires_at) || !isRFC3339UTC(prev.generated_at)) return false;
  return Date.parse(prev.expires_at) - Date.parse(prev.generated_at) === days * DAY_MS;
}

/** One locator per entry text: many problems in one big file cost one scan of it. */
const locators = new WeakMap<EntryFile, ((pointer: string) => TextPosition | null) | null>();

function locate(f: EntryFile, pointer: string): { line?: number; column?: number } {
  let at = locators.get(f);
  if (at === undefined) {
    at = createPointerLocator(f.text);
    locators.set(f, at);
  }
  const pos = at?.(pointer) ?? null;
  return pos ? { line: pos.line, column: pos.column } : {};
}

/** Map an index-level problem to the entry file and member that caused it. */
function placeProblem(
  p: { instancePath: string; code: string; message: string },
  publishers: EntryFile[],
  plugins: EntryFile[],
  revocations: EntryFile | undefined,
  output: string,
): EntryProblem {
  const m = /^\/(publishers|plugins)\/(\d+)(\/.*)?$/.exec(p.instancePath);
  if (m) {
    const f = (m[1] === 'publishers' ? publishers : plugins)[Number(m[2])];
    if (f) return { file: f.path, ...locate(f, m[3] ?? ''), instancePath: m[3] ?? '', code: p.code, message: p.message };
  }
  const r = /^\/revocations(\/.*)?$/.exec(p.instancePath);
  if (r && revocations) {
    return { file: revocations.path, ...locate(revocations, r[1] ?? ''), instancePath: r[1] ?? '', code: p.code, message: p.message };
  }
  return { file: output, instancePath: p.instancePath, code: p.code, message: p.message };
}
