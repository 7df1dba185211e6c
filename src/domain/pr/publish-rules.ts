/**
 * Pull-request rules about what a publisher asserts (DESIGN §7; issue "fail
 * closed at every edge"): when a release was published, where its files
 * live, and how much room an entry may take. Pure, like ./rules.ts, which
 * calls them for every touched entry file.
 *
 * - **Publish time is attested, not claimed** (`PR_PUBLISHED_AT`): a release's
 *   `published_at` decides which publisher key verifiers accept for it (a key
 *   is valid inside its window, FORMAT.md "Publish time"). A new release must
 *   carry one within a day of the head commit's time, so a pull request cannot
 *   backdate a release into a rotated-out key's window. The merged pull
 *   request and the index signature over it are the attestation.
 * - **URLs name public hosts** (`PR_URL_HOST`): no IP literal, no
 *   `localhost`, no single-label name, no special-use name (RFC 6761, 6762,
 *   7686, 8375, 9476 and ICANN's `.internal`) — an operator's installer would
 *   refuse them after DNS anyway, or worse, reach into its own network. The
 *   repository config may also list the only hosts release files may come
 *   from (`PR_URL_HOST_NOT_ALLOWED`).
 * - **Size budgets** (`PR_ENTRY_TOO_LARGE`, `PR_TOO_MANY_RELEASES`,
 *   `PR_TOO_MANY_PLUGINS`, `PR_INDEX_TOO_LARGE`): one entry file, the
 *   releases of one plugin, the plugins of one publisher, and the whole
 *   assembled index, so no pull request (or series of them) pushes the signed
 *   index past the cap every operator's installer applies.
 *
 * @module
 */
import { INDEX_MAX_BYTES } from '../../core/limits.js';
import type { JSONObject, JSONValue } from '../../core/json/types.js';
import { isRFC3339UTC } from '../../core/rules.js';

/** The repository config file, read from the pull request's **base** (a pull request cannot loosen its own rules). */
export const REPOSITORY_CONFIG_PATH = 'lattice-index.config.json';
/** Its schema. */
export const REPOSITORY_CONFIG_SCHEMA = 'lattice.plugin.index-config.v1';

/** How far a new release's `published_at` may be from the head commit's time. */
export const PUBLISHED_AT_TOLERANCE_MS = 24 * 3600 * 1000;

/**
 * Budgets, from measured sizes with headroom: the largest real entry
 * (latticenet.sub-store, 11 releases) is 8.4 KB, about 770 bytes per release;
 * the real index has 4 plugins from 1 publisher. The whole index stays at half
 * the 64 MiB cap verifiers apply, so growth is noticed long before installs
 * break.
 */
export const DEFAULT_BUDGETS = Object.freeze({
  /** One entry file (~30× the largest real one: room for ~300 releases). */
  entryBytes: 256 * 1024,
  /** Releases listed by one plugin (18× the most real). */
  releasesPerPlugin: 200,
  /** Plugins of one publisher. */
  pluginsPerPublisher: 500,
  /** The assembled index (half of {@link INDEX_MAX_BYTES}). */
  indexBytes: INDEX_MAX_BYTES / 2,
});

/** The repository config (all members optional). */
export interface RepositoryConfig {
  /** Hosts release `manifest_url` / `artifact_url` may name: exact, or `*.example.org` for any subdomain. Empty: any public host. */
  readonly artifactHosts: readonly string[];
  readonly budgets: typeof DEFAULT_BUDGETS;
}

/** The config when there is no file. */
export const DEFAULT_REPOSITORY_CONFIG: RepositoryConfig = Object.freeze({ artifactHosts: Object.freeze([]), budgets: DEFAULT_BUDGETS });

const HOST_PATTERN_RE = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/**
 * Check a parsed repository config.
 *
 * @param value - the strictly parsed file.
 * @returns the config, or the first problem as text.
 */
export function parseRepositoryConfig(value: JSONValue): { ok: true; config: RepositoryConfig } | { ok: false; message: string } {
  const fail = (message: string) => ({ ok: false as const, message });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('expected a JSON object');
  for (const k of Object.keys(value)) if (!['schema', 'artifact_hosts', 'budgets'].includes(k)) return fail(`unknown member ${JSON.stringify(k)} (expected schema, artifact_hosts, budgets)`);
  if (value.schema !== REPOSITORY_CONFIG_SCHEMA) return fail(`schema must be ${JSON.stringify(REPOSITORY_CONFIG_SCHEMA)}`);
  const hosts: string[] = [];
  if (value.artifact_hosts !== undefined) {
    if (!Array.isArray(value.artifact_hosts)) return fail('artifact_hosts must be an array of host names');
    for (const h of value.artifact_hosts) {
      if (typeof h !== 'string' || !HOST_PATTERN_RE.test(h) || hostProblem(h.replace(/^\*\./, '')) !== null) return fail(`artifact_hosts: expected a public host name or *.domain, found ${JSON.stringify(h)}`);
      hosts.push(h);
    }
  }
  const budgets: Record<string, number> = { ...DEFAULT_BUDGETS };
  if (value.budgets !== undefined) {
    const b = value.budgets;
    if (b === null || typeof b !== 'object' || Array.isArray(b)) return fail('budgets must be an object');
    const names: Record<string, keyof typeof DEFAULT_BUDGETS> = { entry_bytes: 'entryBytes', releases_per_plugin: 'releasesPerPlugin', plugins_per_publisher: 'pluginsPerPublisher', index_bytes: 'indexBytes' };
    for (const [k, v] of Object.entries(b)) {
      const name = names[k];
      if (name === undefined) return fail(`budgets: unknown member ${JSON.stringify(k)} (expected ${Object.keys(names).join(', ')})`);
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) return fail(`budgets.${k} must be a positive integer`);
      if (name === 'indexBytes' && v > INDEX_MAX_BYTES) return fail(`budgets.index_bytes must be at most ${INDEX_MAX_BYTES}, the cap verifiers apply`);
      budgets[name] = v;
    }
  }
  return { ok: true, config: { artifactHosts: hosts, budgets: budgets as unknown as typeof DEFAULT_BUDGETS } };
}

/** Top-level or second-level names reserved for special use (never a public artifact host). */
const SPECIAL_USE_SUFFIXES = ['localhost', 'local', 'test', 'example', 'invalid', 'onion', 'home.arpa', 'internal', 'alt'];

/**
 * Why a URL host is not a public host name, or `null` when it is one.
 *
 * @param host - a URL's host (lowercase; IPv6 in brackets).
 */
export function hostProblem(host: string): string | null {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h.startsWith('[') || /^[0-9.]+$/.test(h) || /^0x/i.test(h)) return 'an IP literal, not a host name';
  if (!h.includes('.')) return h === 'localhost' ? 'localhost' : 'a single-label name (no public DNS name)';
  for (const s of SPECIAL_USE_SUFFIXES) if (h === s || h.endsWith(`.${s}`)) return `a special-use name (.${s})`;
  return null;
}

/** Whether `host` matches one of the allowlist patterns. */
function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase();
  return patterns.some((p) => (p.startsWith('*.') ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p));
}

/** A finding of these rules, located by pointer in the entry file. */
export interface PublishFinding {
  rule: 'PR_PUBLISHED_AT' | 'PR_URL_HOST' | 'PR_URL_HOST_NOT_ALLOWED' | 'PR_ENTRY_TOO_LARGE' | 'PR_TOO_MANY_RELEASES' | 'PR_TOO_MANY_PLUGINS' | 'PR_INDEX_TOO_LARGE';
  pointer: string | undefined;
  message: string;
}

/** Every `https://…` string member of an entry, with its pointer (entries are small: a full walk). */
function urlsOf(v: JSONValue, pointer = ''): { pointer: string; url: string }[] {
  if (typeof v === 'string') return /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? [{ pointer, url: v }] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => urlsOf(x, `${pointer}/${i}`));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => urlsOf(x, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  return [];
}

/**
 * The URL rules for one entry (publisher or plugin file): every URL names a
 * public host; release files come from an allowed host when the config lists some.
 *
 * @param entry - the entry's head value.
 * @param baseEntry - its base value (URLs already published are not judged again).
 * @param config - the repository config.
 */
export function checkEntryUrls(entry: JSONObject, baseEntry: JSONObject | undefined, config: RepositoryConfig): PublishFinding[] {
  const known = new Set(baseEntry ? urlsOf(baseEntry).map((u) => u.url) : []);
  const out: PublishFinding[] = [];
  for (const { pointer, url } of urlsOf(entry)) {
    if (known.has(url)) continue;
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      continue; // the validator reports malformed URLs
    }
    const problem = hostProblem(host);
    if (problem !== null) {
      out.push({ rule: 'PR_URL_HOST', pointer, message: `${url} names ${JSON.stringify(host)}, ${problem}: index URLs must name public hosts (an installer would refuse it, or reach into its own network)` });
      continue;
    }
    const isReleaseFile = /^\/releases\/\d+\/(?:manifest_url|artifact_url)$/.test(pointer);
    if (isReleaseFile && config.artifactHosts.length > 0 && !hostAllowed(host, config.artifactHosts)) {
      out.push({ rule: 'PR_URL_HOST_NOT_ALLOWED', pointer, message: `${url} is on ${host}; release files must come from ${config.artifactHosts.join(', ')} (${REPOSITORY_CONFIG_PATH})` });
    }
  }
  return out;
}

/**
 * The publish-time rule for the new releases of a plugin entry.
 *
 * @param entry - the head value.
 * @param baseVersions - versions already published (not judged again).
 * @param headCommitMs - the head commit's committer time.
 */
export function checkPublishedAt(entry: JSONObject, baseVersions: ReadonlySet<string>, headCommitMs: number): PublishFinding[] {
  const out: PublishFinding[] = [];
  const releases = Array.isArray(entry.releases) ? entry.releases : [];
  releases.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r) || typeof r.version !== 'string' || baseVersions.has(r.version)) return;
    const at = r.published_at;
    const when = new Date(headCommitMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (typeof at !== 'string' || !isRFC3339UTC(at)) {
      out.push({ rule: 'PR_PUBLISHED_AT', pointer: `/releases/${i}`, message: `new release ${r.version} has no published_at; it decides which publisher key verifiers accept — \`lattice-index add\` stamps it (expected within a day of the commit, ${when})` });
      return;
    }
    const delta = Date.parse(at) - headCommitMs;
    if (Math.abs(delta) > PUBLISHED_AT_TOLERANCE_MS) {
      out.push({
        rule: 'PR_PUBLISHED_AT',
        pointer: `/releases/${i}/published_at`,
        message: `new release ${r.version} claims published_at ${at}, ${Math.round(Math.abs(delta) / 3600000)} h ${delta < 0 ? 'before' : 'after'} the commit (${when}); it must be within a day of it — a backdated release could fall into a retired key's window`,
      });
    }
  });
  return out;
}

/**
 * The size budgets of one entry file.
 *
 * @param text - the entry file's text.
 * @param entry - its parsed value.
 * @param config - the repository config.
 */
export function checkEntryBudget(text: string, entry: JSONObject, config: RepositoryConfig): PublishFinding[] {
  const out: PublishFinding[] = [];
  const bytes = new TextEncoder().encode(text).length;
  const b = config.budgets;
  if (bytes > b.entryBytes) {
    out.push({ rule: 'PR_ENTRY_TOO_LARGE', pointer: undefined, message: `the entry file is ${bytes} bytes, over the budget of ${b.entryBytes} bytes per entry (${REPOSITORY_CONFIG_PATH} budgets.entry_bytes): keep catalog text short and long notes out of the index` });
  }
  if (Array.isArray(entry.releases) && entry.releases.length > b.releasesPerPlugin) {
    out.push({ rule: 'PR_TOO_MANY_RELEASES', pointer: '/releases', message: `${entry.releases.length} releases, over the budget of ${b.releasesPerPlugin} per plugin (budgets.releases_per_plugin in ${REPOSITORY_CONFIG_PATH}): published releases stay listed, so ask a maintainer to raise the budget` });
  }
  return out;
}
