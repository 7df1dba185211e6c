/**
 * Publisher pull-request rules (DESIGN §7) — pure: two snapshots of the
 * repository's `index/` directory in, located findings out.
 *
 * A snapshot is a map `repository path → file text` of the files below
 * `index/` at the merge base ("base") and at the pull request's head
 * ("head"). The git plumbing that produces them lives in `src/io/git.ts`; the
 * annotations and the Markdown summary in `./report.ts`.
 *
 * Rules (each finding names one stable code from {@link PR_RULES}):
 * - **one publisher per PR** — every touched entry (publisher file, plugin
 *   file, new revocation) is attributed to a publisher; more than one is an
 *   error on each touched place (`PR_MULTIPLE_PUBLISHERS`);
 * - **namespace** — a plugin id is `<publisher>.<name>` and does not fall into
 *   a more specific publisher's namespace (`PR_NAMESPACE`);
 * - **published releases are immutable** — a release of the base keeps every
 *   member, and its effective capabilities (the plugin default when it has no
 *   list of its own); removal, modification, deleting the plugin or changing
 *   its type are errors (change = revoke + new version);
 * - **versions grow per channel** — a new release is greater than every
 *   published release of its channel, and no channel moves backwards;
 * - **channels point at same-channel releases**;
 * - **every touched entry validates** — the head entries are assembled and
 *   validated as `lattice-index build` does; problems located in touched files,
 *   and problems the change introduces elsewhere, are reported;
 * - **stored manifests** (`index/manifests/<id>/<version>.json`,
 *   ./stored-manifests.ts) equal their signed entry and are immutable; a new
 *   one is signed by the publisher's key; every new release gets its
 *   loadability matrix, and one that loads on no known server version needs
 *   maintainer review;
 * - **`index/plugins.json` is written by the signing workflow only**;
 * - **catalog Markdown renders as written** (`PR_MARKDOWN`, ./markdown-rules.ts):
 *   new `description_md` / `notes_md` text has no raw HTML, refused link, image
 *   or over-deep nesting;
 * - **revocations are permanent**;
 * - **needs maintainer review** (severity `review`, not a failure): a new or
 *   removed publisher, a publisher key change, a change of a publisher's
 *   GitHub owners, a revoked digest that belongs to nobody, and any change
 *   outside the index entry files.
 *
 * Hostile input never throws: unparsable or oddly typed entries become
 * findings.
 *
 * @module
 */
import { canonicalize } from '../../core/jcs.js';
import { createPointerLocator, type TextPosition } from '../../core/json/locate.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import type { JSONObject, JSONParseResult, JSONValue } from '../../core/json/types.js';
import type { ServerLine } from '../../core/server-line.js';
import { compareVersions } from '../../core/version-range.js';
import { INDEX_MAX_BYTES } from '../../core/limits.js';
import { assembleIndex, serializeIndex, type EntryFile, type EntryProblem, type IndexSources } from '../index/assemble.js';
import { checkEntryBudget, checkEntryUrls, checkPublishedAt, DEFAULT_REPOSITORY_CONFIG, REPOSITORY_CONFIG_PATH, type RepositoryConfig } from './publish-rules.js';
import { GENERATED_INDEX_PATH, INDEX_DIR, classifyIndexPath, pluginFilePath } from './layout.js';
import { checkStoredManifests, type PullRequestLoadability } from './stored-manifests.js';
import type { StoredManifestFile } from '../index/stored-manifests.js';
import { growsChannel, highestInChannel } from './release-order.js';
import { checkEntryMarkdown } from './markdown-rules.js';

/** Every pull-request rule code with its one-line meaning. Codes are stable API. */
export const PR_RULES = {
  PR_MULTIPLE_PUBLISHERS: 'a pull request changes the entries of one publisher only',
  PR_NAMESPACE: "a plugin id lies in its publisher's namespace <publisher>.<name>, and in no more specific publisher's",
  PR_RELEASE_MODIFIED: 'a published release is immutable: a change means revoke + new version',
  PR_RELEASE_REMOVED: 'a published release stays listed: revoke it instead of deleting it',
  PR_PLUGIN_REMOVED: 'a published plugin stays listed: revoke its releases instead of deleting it',
  PR_PLUGIN_TYPE_CHANGED: 'the type of a published plugin never changes (its signed manifests name it)',
  PR_VERSION_NOT_INCREASING: 'a new release is greater than every published release of its channel',
  PR_CHANNEL_BACKWARDS: 'a channel never moves to a lower version',
  PR_CHANNEL_RELEASE_MISMATCH: 'a channel points at a release of that same channel',
  PR_ENTRY_INVALID: 'every touched entry validates, and the change breaks no other entry',
  PR_GENERATED_INDEX_EDITED: 'only the signing workflow changes index/plugins.json',
  PR_UNEXPECTED_FILE: 'files below index/ are regular JSON entry files in the documented layout',
  PR_REVOCATION_REMOVED: 'revocations are permanent',
  PR_REVOCATION_UNATTRIBUTED: 'a revoked artifact digest or plugin that belongs to no listed publisher needs maintainer review',
  PR_NEW_PUBLISHER: 'a new publisher needs maintainer review',
  PR_PUBLISHER_REMOVED: 'removing a publisher needs maintainer review',
  PR_PUBLISHER_KEY_CHANGED: 'a publisher key change needs maintainer review',
  PR_PUBLISHER_OWNERS_CHANGED: "a change of a publisher's GitHub owners needs maintainer review",
  PR_OUTSIDE_INDEX: 'a change outside the index entry files needs maintainer review',
  PR_PUBLISHED_AT: "a new release's published_at lies within a day of the head commit (publish time is attested, not claimed)",
  PR_URL_HOST: 'every URL in an entry names a public host: no IP literal, localhost, single-label or special-use name',
  PR_URL_HOST_NOT_ALLOWED: 'release files come from a host the repository config allows',
  PR_ENTRY_TOO_LARGE: 'one entry file stays within its byte budget',
  PR_TOO_MANY_RELEASES: 'one plugin lists at most the budgeted number of releases',
  PR_TOO_MANY_PLUGINS: 'one publisher has at most the budgeted number of plugins',
  PR_INDEX_TOO_LARGE: 'the assembled index stays within its byte budget (below the cap verifiers apply)',
  PR_STORED_MANIFEST_INVALID: 'a stored manifest is the exact signed manifest of a listed release: equal to its entry (manifest_sha256, id, version, publisher, type, capabilities, digest, signature) and readable by a known server version',
  PR_STORED_MANIFEST_SIGNATURE: "a new stored manifest is signed by its publisher's key over the signing payload of a known server version",
  PR_STORED_MANIFEST_CHANGED: 'a stored manifest is immutable: never changed or removed',
  PR_RELEASE_LOADS_NOWHERE: 'a new release whose stored manifest loads on no known server version needs maintainer review',
  PR_MARKDOWN: 'new catalog Markdown (description_md, notes_md) renders as written: no raw HTML, only https links, no images, nesting within the caps',
} as const;

/** A stable pull-request rule code. */
export type PullRequestRule = keyof typeof PR_RULES;

/** `error` fails the check; `review` asks a maintainer to look (its own exit code, not a failure). */
export type FindingSeverity = 'error' | 'review';

/** Severity of each rule: fixed, so a rule code alone says whether it blocks. */
export const RULE_SEVERITY: Readonly<Record<PullRequestRule, FindingSeverity>> = Object.freeze({
  PR_MULTIPLE_PUBLISHERS: 'error',
  PR_NAMESPACE: 'error',
  PR_RELEASE_MODIFIED: 'error',
  PR_RELEASE_REMOVED: 'error',
  PR_PLUGIN_REMOVED: 'error',
  PR_PLUGIN_TYPE_CHANGED: 'error',
  PR_VERSION_NOT_INCREASING: 'error',
  PR_CHANNEL_BACKWARDS: 'error',
  PR_CHANNEL_RELEASE_MISMATCH: 'error',
  PR_ENTRY_INVALID: 'error',
  PR_GENERATED_INDEX_EDITED: 'error',
  PR_UNEXPECTED_FILE: 'error',
  PR_REVOCATION_REMOVED: 'error',
  PR_REVOCATION_UNATTRIBUTED: 'review',
  PR_NEW_PUBLISHER: 'review',
  PR_PUBLISHER_REMOVED: 'review',
  PR_PUBLISHER_KEY_CHANGED: 'review',
  PR_PUBLISHER_OWNERS_CHANGED: 'review',
  PR_OUTSIDE_INDEX: 'review',
  PR_PUBLISHED_AT: 'error',
  PR_URL_HOST: 'error',
  PR_URL_HOST_NOT_ALLOWED: 'error',
  PR_ENTRY_TOO_LARGE: 'error',
  PR_TOO_MANY_RELEASES: 'error',
  PR_TOO_MANY_PLUGINS: 'error',
  PR_INDEX_TOO_LARGE: 'error',
  PR_STORED_MANIFEST_INVALID: 'error',
  PR_STORED_MANIFEST_SIGNATURE: 'error',
  PR_STORED_MANIFEST_CHANGED: 'error',
  PR_RELEASE_LOADS_NOWHERE: 'review',
  PR_MARKDOWN: 'error',
});

/** One finding, located on the line a reviewer should look at. */
export interface PullRequestFinding {
  severity: FindingSeverity;
  rule: PullRequestRule;
  /** Repository-relative path. */
  file: string;
  /** 1-based line (1 for file-level findings and deleted files). */
  line: number;
  /** 1-based column, when known. */
  column?: number;
  /** RFC 6901 pointer inside the file, when the finding is about a member. */
  pointer?: string;
  /** For `PR_ENTRY_INVALID`: the validator's or JSON parser's code (e.g. `RELEASE_SHA256_INVALID`); for `PR_MARKDOWN`: the renderer's (e.g. `MARKDOWN_RAW_HTML`). */
  problemCode?: string;
  /** What was expected and what was found. */
  message: string;
}

/** A file map: repository path (`index/…`, `/`-separated) → UTF-8 text. */
export type FileMap = ReadonlyMap<string, string>;

/** Input of {@link checkPullRequest}. */
export interface PullRequestInput {
  /** Files below `index/` at the merge base. */
  base: FileMap;
  /** Files below `index/` at the head. */
  head: FileMap;
  /** Every path the pull request changes (also outside `index/`); index paths are also derived from the maps. */
  changedPaths?: readonly string[];
  /** Head paths below `index/` that are not readable entry files (symlink, submodule, too large, not UTF-8) → reason. */
  unreadable?: ReadonlyMap<string, string>;
  /** Server line whose capability table the validator uses (default: the validator's default). */
  serverLine?: ServerLine;
  /** The head commit's committer time, ms: new releases' `published_at` must lie within a day of it. */
  headCommitTime?: number;
  /** The repository config, from the base (default {@link DEFAULT_REPOSITORY_CONFIG}). */
  config?: RepositoryConfig;
  /** Any known server version name; the same as `serverLine` with that name. */
  serverVersion?: string;
}

/** How a touched file changed. */
export type FileChange = 'added' | 'modified' | 'deleted';

/** A touched index file and the publishers it was attributed to. */
export interface TouchedFile {
  file: string;
  change: FileChange;
  publishers: string[];
}

/** Result of {@link checkPullRequest}. */
export interface PullRequestReport {
  /** `failed` when any error, else `review` when any review finding, else `ok`. */
  status: 'ok' | 'review' | 'failed';
  /** The publishers whose entries the pull request touches, sorted. */
  publishers: string[];
  /** Touched files below `index/`, sorted by path. */
  touched: TouchedFile[];
  /** Every finding, sorted by file, line and rule. */
  findings: PullRequestFinding[];
  /** The loadability matrix of every new release (DESIGN §4.5), sorted by file (always set by {@link checkPullRequest}). */
  loadability?: PullRequestLoadability[];
}

/** Validator codes that a pull-request rule reports more specifically at the same place. */
const COVERED_BY: Readonly<Record<string, PullRequestRule>> = {
  PLUGIN_NAMESPACE: 'PR_NAMESPACE',
  PLUGIN_CHANNEL_RELEASE_MISSING: 'PR_CHANNEL_RELEASE_MISMATCH',
  PLUGIN_CHANNEL_RELEASE_MISMATCH: 'PR_CHANNEL_RELEASE_MISMATCH',
};

const REVOCATION_LISTS = ['releases', 'artifacts', 'keys'] as const;

type Parsed = JSONParseResult;

/** One side (base or head) with lazily parsed entries. */
class Snapshot {
  private readonly cache = new Map<string, Parsed>();
  constructor(readonly files: FileMap) {}
  text(path: string): string | undefined {
    return this.files.get(path);
  }
  parse(path: string): Parsed | undefined {
    const text = this.files.get(path);
    if (text === undefined) return undefined;
    let r = this.cache.get(path);
    if (!r) {
      r = parseJSONStrict(text);
      this.cache.set(path, r);
    }
    return r;
  }
  /** The parsed value when it is a JSON object, else undefined. */
  object(path: string): JSONObject | undefined {
    const r = this.parse(path);
    return r && r.ok && isObject(r.value) ? r.value : undefined;
  }
  /** Ids of the publisher files (their file names). */
  publisherIds(): string[] {
    const ids: string[] = [];
    for (const p of this.files.keys()) {
      const k = classifyIndexPath(p);
      if (k.kind === 'publisher') ids.push(k.id);
    }
    return ids;
  }
}

function isObject(v: unknown): v is JSONObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(v: JSONValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Canonical text of a value for equality; never throws. */
function canon(v: unknown): string {
  if (v === undefined) return '\u0000absent';
  try {
    return canonicalize(v);
  } catch {
    return JSON.stringify(v) ?? String(v);
  }
}

function escapeToken(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function jsonText(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/** A publisher claim: "this place of this file belongs to that publisher". */
interface Claim {
  publisher: string;
  file: string;
  pointer: string;
}

/**
 * Check a pull request: base and head snapshots of `index/` in, findings out.
 *
 * @param input - the two snapshots, the changed paths outside `index/`, unreadable head paths.
 * @returns the report; `status` decides the exit code (`failed` → 1, `review` → 3, `ok` → 0).
 * @example
 * const report = checkPullRequest({ base: new Map([['index/publishers/acme.json', baseText]]), head: new Map([...]) });
 * if (report.status === 'failed') for (const f of report.findings) console.log(f.file, f.line, f.rule);
 */
export function checkPullRequest(input: PullRequestInput): PullRequestReport {
  const base = new Snapshot(input.base);
  const head = new Snapshot(input.head);
  const unreadable = input.unreadable ?? new Map<string, string>();
  const findings: PullRequestFinding[] = [];
  const claims: Claim[] = [];
  const changeOf = new Map<string, FileChange>();

  // One locator per file and side: a file with thousands of findings is scanned once.
  const locators = new Map<string, ((pointer: string) => TextPosition | null) | null>();
  const at = (file: string, side: Snapshot, pointer: string | undefined): { line: number; column?: number } => {
    const text = side.text(file);
    if (text === undefined || pointer === undefined) return { line: 1 };
    const key = `${side === head ? 'h' : 'b'}\u0000${file}`;
    let locate = locators.get(key);
    if (locate === undefined) {
      locate = createPointerLocator(text);
      locators.set(key, locate);
    }
    const pos = locate?.(pointer) ?? null;
    return pos ? { line: pos.line, column: pos.column } : { line: 1 };
  };
  const add = (rule: PullRequestRule, file: string, pointer: string | undefined, message: string, side: Snapshot = head): void => {
    findings.push({
      severity: RULE_SEVERITY[rule],
      rule,
      file,
      ...at(file, side, pointer),
      ...(pointer !== undefined ? { pointer } : {}),
      message,
    });
  };
  const claim = (publisher: string | undefined, file: string, pointer: string): void => {
    if (publisher !== undefined && publisher !== '') claims.push({ publisher, file, pointer });
  };

  // --- Which index files changed: derived from the snapshots themselves. ---
  const indexPaths = new Set<string>([...input.base.keys(), ...input.head.keys(), ...unreadable.keys()]);
  const touched: string[] = [];
  for (const p of [...indexPaths].sort()) {
    const b = input.base.get(p);
    const h = input.head.get(p);
    if (unreadable.has(p)) {
      touched.push(p);
      changeOf.set(p, b === undefined ? 'added' : 'modified');
    } else if (b !== h) {
      touched.push(p);
      changeOf.set(p, b === undefined ? 'added' : h === undefined ? 'deleted' : 'modified');
    }
  }

  // --- Changes outside the index entry files: a maintainer's business. ---
  const outside = new Set<string>();
  for (const p of input.changedPaths ?? []) {
    if (!p.startsWith(INDEX_DIR + '/')) outside.add(p);
  }
  for (const p of [...outside].sort()) {
    add('PR_OUTSIDE_INDEX', p, undefined, `${p} is outside index/publishers, index/plugins, index/manifests and index/revocations.json: a maintainer reviews changes to code, workflows and documentation`);
  }

  const headPublisherIds = head.publisherIds();
  const basePublisherIds = base.publisherIds();
  const config = input.config ?? DEFAULT_REPOSITORY_CONFIG;

  for (const file of touched) {
    const change = changeOf.get(file)!;
    const kind = classifyIndexPath(file);
    const reason = unreadable.get(file);
    if (reason !== undefined) {
      add('PR_UNEXPECTED_FILE', file, undefined, `${file} ${reason}; entry files must be regular UTF-8 JSON files`);
      continue;
    }
    if (kind.kind === 'generated') {
      checkGeneratedIndex(file, base, head, findings);
      continue;
    }
    if (kind.kind === 'manifest') continue; // stored manifests: checkStoredManifests below
    if (kind.kind === 'other') {
      if (change !== 'deleted') {
        add('PR_UNEXPECTED_FILE', file, undefined, `${file} is not part of the index layout: expected index/publishers/<publisher>.json, index/plugins/<plugin>.json or index/revocations.json`);
      }
      continue;
    }
    // Touched entry files must parse; the validator pass below reports what they break.
    const parsed = head.parse(file);
    if (parsed && !parsed.ok) {
      const e = parsed.error;
      findings.push({
        severity: 'error', rule: 'PR_ENTRY_INVALID', file, line: e.line, column: e.column, pointer: e.pointer,
        problemCode: e.code, message: `${file} is not valid JSON: ${e.message}`,
      });
    }
    if (kind.kind === 'publisher' || kind.kind === 'plugin') {
      // What the publisher asserts: publish times, URL hosts, sizes (./publish-rules.ts).
      const h = change === 'deleted' ? undefined : head.object(file);
      if (h) {
        const b = base.object(file);
        const found = [...checkEntryUrls(h, b, config), ...checkEntryBudget(head.text(file)!, h, config)];
        if (kind.kind === 'plugin' && input.headCommitTime !== undefined) {
          const published = new Set((Array.isArray(b?.releases) ? b.releases : []).map((r) => (isObject(r) ? r.version : undefined)).filter((v): v is string => typeof v === 'string'));
          found.push(...checkPublishedAt(h, published, input.headCommitTime));
        }
        for (const f of found) add(f.rule, file, f.pointer, f.message);
        if (kind.kind === 'plugin') {
          for (const f of checkEntryMarkdown(h, b)) findings.push({ severity: RULE_SEVERITY[f.rule], rule: f.rule, file, ...at(file, head, f.pointer), pointer: f.pointer, problemCode: f.problemCode, message: f.message });
        }
      }
    }
    if (kind.kind === 'publisher') {
      checkPublisherFile(file, kind.id, change, base, head, add, claim);
    } else if (kind.kind === 'plugin') {
      checkPluginFile(file, change, base, head, add, claim, headPublisherIds);
    } else {
      checkRevocations(file, base, head, add, claim, [...new Set([...headPublisherIds, ...basePublisherIds])]);
    }
  }

  // --- Every touched entry validates (and nothing else breaks). ---
  const entryTouched = touched.filter((p) => {
    const k = classifyIndexPath(p).kind;
    return (k === 'publisher' || k === 'plugin' || k === 'revocations' || k === 'manifest') && !unreadable.has(p);
  });
  if (entryTouched.length > 0) {
    checkAggregateBudgets(base, head, entryTouched, config, add);
    const touchedSet = new Set(entryTouched);
    const headProblems = validateSnapshot(head, input);
    let baseKeys: Set<string> | undefined;
    const covered = new Set(findings.map((f) => `${f.rule}\u0000${f.file}\u0000${f.pointer ?? ''}`));
    for (const p of headProblems) {
      if (!touchedSet.has(p.file)) {
        baseKeys ??= new Set(validateSnapshot(base, input).map(problemKey));
        if (baseKeys.has(problemKey(p))) continue; // already broken before this PR
      }
      const cover = COVERED_BY[p.code];
      if (cover && covered.has(`${cover}\u0000${p.file}\u0000${p.instancePath}`)) continue;
      const rule: PullRequestRule = p.code.startsWith('STORED_MANIFEST_') ? 'PR_STORED_MANIFEST_INVALID' : 'PR_ENTRY_INVALID';
      findings.push({
        severity: 'error', rule, file: p.file, line: p.line ?? 1,
        ...(p.column !== undefined ? { column: p.column } : {}),
        pointer: p.instancePath, problemCode: p.code, message: p.message,
      });
    }
  }

  // --- Stored manifests: immutable, signed by the publisher; the matrix of new releases. ---
  const stored = checkStoredManifests(touched.map((file) => ({ file, change: changeOf.get(file)! })), base, head);
  for (const f of stored.findings) add(f.rule, f.file, f.pointer, f.message, f.side === 'base' ? base : head);
  for (const [file, publisher] of stored.owners) claim(publisher, file, '');

  // --- One publisher per pull request. ---
  const publishers = [...new Set(claims.map((c) => c.publisher))].sort();
  if (publishers.length > 1) {
    for (const c of claims) {
      add('PR_MULTIPLE_PUBLISHERS', c.file, c.pointer,
        `this pull request changes entries of ${publishers.length} publishers (${publishers.join(', ')}); this place belongs to ${c.publisher}. Open one pull request per publisher`,
        head.text(c.file) !== undefined ? head : base);
    }
  }

  const touchedFiles: TouchedFile[] = touched.map((file) => ({
    file,
    change: changeOf.get(file)!,
    publishers: [...new Set(claims.filter((c) => c.file === file).map((c) => c.publisher))].sort(),
  }));
  const unique = dedupe(findings);
  unique.sort((a, b) => cmp(a.file, b.file) || a.line - b.line || (a.column ?? 0) - (b.column ?? 0) || cmp(a.rule, b.rule) || cmp(a.message, b.message));
  const status = unique.some((f) => f.severity === 'error') ? 'failed' : unique.length > 0 ? 'review' : 'ok';
  return { status, publishers, touched: touchedFiles, findings: unique, loadability: stored.loadability };
}

type AddFn = (rule: PullRequestRule, file: string, pointer: string | undefined, message: string, side?: Snapshot) => void;
type ClaimFn = (publisher: string | undefined, file: string, pointer: string) => void;

/** `index/plugins.json`: written by the signing workflow only (DESIGN §7). */
function checkGeneratedIndex(file: string, base: Snapshot, head: Snapshot, findings: PullRequestFinding[]): void {
  const b = (base.text(file) ?? '').split('\n');
  const h = head.text(file);
  let line = 1;
  if (h !== undefined) {
    const hl = h.split('\n');
    while (line <= hl.length && hl[line - 1] === b[line - 1]) line++;
    if (line > hl.length) line = Math.max(1, hl.length);
  }
  findings.push({
    severity: 'error', rule: 'PR_GENERATED_INDEX_EDITED', file, line,
    message: `${file} is generated by \`lattice-index build\` and signed by the signing workflow on main; revert your change to it and edit index/publishers/ or index/plugins/ instead`,
  });
}

function checkPublisherFile(
  file: string, id: string, change: FileChange, base: Snapshot, head: Snapshot,
  add: AddFn, claim: ClaimFn,
): void {
  if (change === 'deleted') {
    claim(id, file, '');
    add('PR_PUBLISHER_REMOVED', file, undefined, `publisher ${id} is removed; a maintainer decides whether its plugins and keys go too`, base);
    return;
  }
  claim(id, file, '/id');
  const h = head.object(file);
  if (change === 'added') {
    add('PR_NEW_PUBLISHER', file, '/id', `new publisher ${id}: a maintainer checks who holds the key and the GitHub owners before it is listed`);
    // A new publisher may not take over plugins that already live under its name.
    for (const path of head.files.keys()) {
      const k = classifyIndexPath(path);
      if (k.kind !== 'plugin' || !k.id.startsWith(id + '.')) continue;
      const owner = str(head.object(path)?.publisher);
      if (owner !== undefined && owner !== id && id.startsWith(owner + '.')) {
        add('PR_NAMESPACE', file, '/id', `publisher id ${id} would take over the namespace of plugin ${k.id}, which belongs to publisher ${owner}`);
      }
    }
    return;
  }
  const b = base.object(file);
  if (!h || !b) return; // unparsable: reported as PR_ENTRY_INVALID / pre-existing
  if (canon(h.public_key_ed25519) !== canon(b.public_key_ed25519)) {
    add('PR_PUBLISHER_KEY_CHANGED', file, '/public_key_ed25519', `publisher ${id} changes its key from ${jsonText(b.public_key_ed25519)} to ${jsonText(h.public_key_ed25519)}: a maintainer checks the rotation statement (key_history) and who asked for it`);
  } else if (canon(h.key_history) !== canon(b.key_history)) {
    add('PR_PUBLISHER_KEY_CHANGED', file, h.key_history !== undefined ? '/key_history' : '/id', `publisher ${id} changes its key history: a maintainer checks the rotation statements`);
  }
  if (canon(h.github_owners) !== canon(b.github_owners)) {
    add('PR_PUBLISHER_OWNERS_CHANGED', file, h.github_owners !== undefined ? '/github_owners' : '/id',
      `publisher ${id} changes its GitHub owners from ${jsonText(b.github_owners ?? [])} to ${jsonText(h.github_owners ?? [])}: they approve this publisher's future pull requests; regenerate .github/CODEOWNERS (npm run codeowners)`);
  }
}

function checkPluginFile(
  file: string, change: FileChange, base: Snapshot, head: Snapshot,
  add: AddFn, claim: ClaimFn, headPublisherIds: readonly string[],
): void {
  const b = base.object(file);
  const h = head.object(file);
  if (change === 'deleted') {
    claim(str(b?.publisher), file, '');
    add('PR_PLUGIN_REMOVED', file, undefined, `plugin ${str(b?.id) ?? file} is deleted; published plugins stay listed — revoke their releases in index/revocations.json instead`, base);
    return;
  }
  if (!h) {
    if (b) claim(str(b.publisher), file, '/publisher');
    return; // not an object: the validator pass reports it
  }
  const id = str(h.id);
  const publisher = str(h.publisher);
  claim(publisher, file, '/publisher');
  if (b && str(b.publisher) !== publisher) claim(str(b.publisher), file, '/publisher');

  // Namespace: <publisher>.<name>, and no more specific publisher's namespace.
  if (id !== undefined && publisher !== undefined) {
    if (!(id.length > publisher.length + 1 && id.startsWith(publisher + '.'))) {
      add('PR_NAMESPACE', file, '/id', `plugin id ${id} is outside the namespace of its publisher ${publisher}: expected ${publisher}.<name>`);
    } else {
      const deeper = headPublisherIds.filter((q) => q !== publisher && q.startsWith(publisher + '.') && id.startsWith(q + '.')).sort((x, y) => y.length - x.length)[0];
      if (deeper !== undefined) {
        add('PR_NAMESPACE', file, '/id', `plugin id ${id} lies in the namespace of publisher ${deeper}, not of ${publisher}: choose a name outside ${deeper}.*`);
      }
    }
  }

  const headReleases = Array.isArray(h.releases) ? h.releases : [];
  // Channels point at releases of the same channel.
  if (isObject(h.channels)) {
    for (const [channel, v] of Object.entries(h.channels)) {
      if (typeof v !== 'string') continue; // the validator reports the type
      const target = headReleases.find((r) => isObject(r) && r.version === v);
      const targetChannel = isObject(target) ? target.channel : undefined;
      if (targetChannel !== channel) {
        add('PR_CHANNEL_RELEASE_MISMATCH', file, `/channels/${escapeToken(channel)}`,
          target === undefined
            ? `channel ${channel} points at version ${v}, which is not a release of ${id ?? 'this plugin'}`
            : `channel ${channel} points at version ${v}, a ${jsonText(targetChannel)} release; a channel selects a release of the same channel`);
      }
    }
  }

  if (!b) return; // a new plugin: nothing published yet

  // The type of a published plugin is fixed by its signed manifests.
  if (canon(h.type) !== canon(b.type)) {
    add('PR_PLUGIN_TYPE_CHANGED', file, '/type', `plugin ${id ?? file} changes type from ${jsonText(b.type)} to ${jsonText(h.type)}; its published manifests say ${jsonText(b.type)} — publish a new plugin id instead`);
  }

  // Published releases: immutable, never removed.
  const baseReleases = Array.isArray(b.releases) ? b.releases : [];
  const headByVersion = new Map<string, { release: JSONObject; index: number }>();
  headReleases.forEach((r, index) => {
    if (isObject(r) && typeof r.version === 'string' && !headByVersion.has(r.version)) headByVersion.set(r.version, { release: r, index });
  });
  const baseVersions = new Set<string>();
  for (const r of baseReleases) {
    if (!isObject(r) || typeof r.version !== 'string' || baseVersions.has(r.version)) continue;
    baseVersions.add(r.version);
    const match = headByVersion.get(r.version);
    if (!match) {
      add('PR_RELEASE_REMOVED', file, '/releases', `published release ${r.version} of ${id ?? file} is missing; releases stay listed — revoke it in index/revocations.json instead`);
      continue;
    }
    const effBase = { ...r, capabilities: r.capabilities ?? b.capabilities };
    const effHead = { ...match.release, capabilities: match.release.capabilities ?? h.capabilities };
    if (canon(effBase) === canon(effHead)) continue;
    const pointer = firstDifference(r, match.release, `/releases/${match.index}`) ?? '/capabilities';
    const member = pointer.startsWith('/releases/') ? pointer.split('/')[3] : undefined;
    add('PR_RELEASE_MODIFIED', file, pointer,
      member !== undefined
        ? `published release ${r.version} of ${id ?? file} changes ${member} from ${jsonText(r[member])} to ${jsonText(match.release[member])}; published releases are immutable — revoke ${r.version} and publish a new version`
        : `the plugin's default capabilities change, and published release ${r.version} has no capabilities of its own, so its capabilities would change; give it its own list or publish a new version`);
  }

  // New releases: greater than every published release of their channel.
  for (const [version, { release, index }] of headByVersion) {
    if (baseVersions.has(version)) continue;
    const channel = str(release.channel);
    if (channel === undefined) continue; // the validator reports it
    const highest = highestInChannel(baseReleases, channel);
    if (!growsChannel(version, highest)) {
      add('PR_VERSION_NOT_INCREASING', file, `/releases/${index}/version`,
        `new ${channel} release ${version} is not greater than ${highest}, the highest published ${channel} release of ${id ?? file}; versions only grow per channel`);
    }
  }

  // No channel moves backwards.
  if (isObject(h.channels) && isObject(b.channels)) {
    for (const [channel, v] of Object.entries(h.channels)) {
      const old = b.channels[channel];
      if (typeof v === 'string' && typeof old === 'string' && compareVersions(v, old) < 0) {
        add('PR_CHANNEL_BACKWARDS', file, `/channels/${escapeToken(channel)}`, `channel ${channel} moves back from ${old} to ${v}; revoke ${old} and publish a newer version instead`);
      }
    }
  }
}

/** The pointer of the first member that differs between two release objects (head order first). */
function firstDifference(b: JSONObject, h: JSONObject, prefix: string): string | undefined {
  const keys = [...Object.keys(h), ...Object.keys(b).filter((k) => !(k in h))];
  for (const k of keys) {
    if (canon(b[k]) !== canon(h[k])) return k in h ? `${prefix}/${escapeToken(k)}` : prefix;
  }
  return undefined;
}

function checkRevocations(file: string, base: Snapshot, head: Snapshot, add: AddFn, claim: ClaimFn, publisherIds: readonly string[]): void {
  const b = base.object(file) ?? {};
  const h = head.object(file);
  const headParsed = head.parse(file);
  if (headParsed && !headParsed.ok) return; // reported as PR_ENTRY_INVALID
  const hv = h ?? {};
  for (const list of REVOCATION_LISTS) {
    const baseList = Array.isArray(b[list]) ? b[list] : [];
    const headList = Array.isArray(hv[list]) ? hv[list] : [];
    const remaining = new Map<string, number>();
    for (const e of headList) remaining.set(canon(e), (remaining.get(canon(e)) ?? 0) + 1);
    // Revocations are permanent: every base entry is still there, unchanged.
    for (const e of baseList) {
      const k = canon(e);
      const n = remaining.get(k) ?? 0;
      if (n > 0) {
        remaining.set(k, n - 1);
        continue;
      }
      add('PR_REVOCATION_REMOVED', file, hv[list] !== undefined ? `/${list}` : undefined,
        `revocation ${jsonText(e)} is removed or changed; revocations are permanent — a maintainer undoes a mistaken one`, h ? head : base);
    }
    // New entries are attributed to the publisher they concern.
    const seen = new Map<string, number>();
    for (const e of baseList) seen.set(canon(e), (seen.get(canon(e)) ?? 0) + 1);
    headList.forEach((e, j) => {
      const k = canon(e);
      const n = seen.get(k) ?? 0;
      if (n > 0) {
        seen.set(k, n - 1);
        return;
      }
      const pointer = `/${list}/${j}`;
      const owners = revocationOwners(list, e, base, head, publisherIds);
      if (owners.length === 0) {
        add('PR_REVOCATION_UNATTRIBUTED', file, pointer, `new revocation ${jsonText(e)} concerns no listed publisher's plugin, release or key; a maintainer checks it`);
      }
      for (const o of owners) claim(o, file, pointer);
    });
  }
}

/** Which publishers a revocation entry concerns. */
function revocationOwners(list: (typeof REVOCATION_LISTS)[number], e: JSONValue, base: Snapshot, head: Snapshot, publisherIds: readonly string[]): string[] {
  if (!isObject(e)) return [];
  if (list === 'keys') {
    const p = str(e.publisher);
    return p !== undefined ? [p] : [];
  }
  if (list === 'releases') {
    const plugin = str(e.plugin);
    if (plugin === undefined) return [];
    const owner = str(head.object(pluginFilePath(plugin))?.publisher) ?? str(base.object(pluginFilePath(plugin))?.publisher);
    if (owner !== undefined) return [owner];
    const prefix = publisherIds.filter((p) => plugin.startsWith(p + '.')).sort((x, y) => y.length - x.length)[0];
    return prefix !== undefined ? [prefix] : [];
  }
  const sha = str(e.sha256);
  if (sha === undefined) return [];
  const owners = new Set<string>();
  for (const side of [head, base]) {
    for (const path of side.files.keys()) {
      if (classifyIndexPath(path).kind !== 'plugin') continue;
      const p = side.object(path);
      if (!p || !Array.isArray(p.releases)) continue;
      if (p.releases.some((r) => isObject(r) && r.artifact_sha256 === sha)) {
        const o = str(p.publisher);
        if (o !== undefined) owners.add(o);
      }
    }
  }
  return [...owners].sort();
}

/**
 * The budgets over many entries: plugins per publisher (for the publishers
 * whose plugin files this pull request touches) and the assembled index's size
 * (only when the pull request makes it grow past the budget).
 */
function checkAggregateBudgets(base: Snapshot, head: Snapshot, touched: readonly string[], config: RepositoryConfig, add: AddFn): void {
  const perPublisher = new Map<string, string[]>();
  for (const path of head.files.keys()) {
    if (classifyIndexPath(path).kind !== 'plugin') continue;
    const p = str(head.object(path)?.publisher);
    if (p !== undefined) perPublisher.set(p, [...(perPublisher.get(p) ?? []), path]);
  }
  for (const file of touched) {
    if (classifyIndexPath(file).kind !== 'plugin') continue;
    const p = str(head.object(file)?.publisher);
    const n = p === undefined ? 0 : (perPublisher.get(p)?.length ?? 0);
    if (n > config.budgets.pluginsPerPublisher) {
      add('PR_TOO_MANY_PLUGINS', file, '/publisher', `publisher ${p} would have ${n} plugins, over the budget of ${config.budgets.pluginsPerPublisher} (budgets.plugins_per_publisher in ${REPOSITORY_CONFIG_PATH})`);
    }
  }
  const headSize = assembledSize(head);
  if (headSize > config.budgets.indexBytes && headSize > assembledSize(base)) {
    add('PR_INDEX_TOO_LARGE', touched[0]!, undefined, `with this change the signed index would be ${headSize} bytes, over the budget of ${config.budgets.indexBytes} bytes (budgets.index_bytes; verifiers refuse more than ${INDEX_MAX_BYTES})`);
  }
}

/** Size of the index `lattice-index build` would write from a snapshot. */
function assembledSize(side: Snapshot): number {
  return new TextEncoder().encode(serializeIndex(assembleIndex(snapshotSources(side), { now: 0, outputPath: GENERATED_INDEX_PATH }).index)).length;
}

/** Assemble and validate a snapshot's entry files exactly as `lattice-index build` does. */
function validateSnapshot(side: Snapshot, rules: Pick<PullRequestInput, 'serverLine' | 'serverVersion'>): EntryProblem[] {
  return assembleIndex(snapshotSources(side), {
    now: 0,
    matrix: false, // validity only; the matrix of new releases is checkStoredManifests'
    outputPath: GENERATED_INDEX_PATH,
    ...(rules.serverLine ? { serverLine: rules.serverLine } : {}),
    ...(rules.serverVersion ? { serverVersion: rules.serverVersion } : {}),
  }).problems;
}

/** The entry files and stored manifests of a snapshot that parse, as `build` reads them. */
function snapshotSources(side: Snapshot): IndexSources {
  const sources: IndexSources = { publishers: [], plugins: [] };
  const manifests = new Map<string, StoredManifestFile>();
  for (const path of [...side.files.keys()].sort()) {
    const kind = classifyIndexPath(path).kind;
    if (kind === 'manifest') {
      // Exact bytes: snapshots hold strict UTF-8 text (BOM kept), so encoding gives the file back.
      manifests.set(path.slice(INDEX_DIR.length + 1), { path, bytes: new TextEncoder().encode(side.text(path)!) });
      continue;
    }
    if (kind !== 'publisher' && kind !== 'plugin' && kind !== 'revocations') continue;
    const r = side.parse(path);
    if (!r || !r.ok) continue; // parse failures are reported per touched file
    const entry: EntryFile = { path, text: side.text(path)!, value: r.value };
    if (kind === 'publisher') sources.publishers.push(entry);
    else if (kind === 'plugin') sources.plugins.push(entry);
    else sources.revocations = entry;
  }
  if (manifests.size > 0) sources.manifests = manifests;
  return sources;
}

function problemKey(p: EntryProblem): string {
  return `${p.file}\u0000${p.code}\u0000${p.instancePath}\u0000${p.message}`;
}

function dedupe(findings: PullRequestFinding[]): PullRequestFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.rule}\u0000${f.file}\u0000${f.line}\u0000${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
