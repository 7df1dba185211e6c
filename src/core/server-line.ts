/**
 * Server rules by version: the Lattice server's plugin rules as data, one
 * definition per known server version (DESIGN §4.5, docs/SERVER-VERSIONS.md).
 *
 * A **server version** is a build of the server whose plugin rules we know
 * exactly: `main-141e9ca`, `alpha-0.2.2a41` (integration `4dfbf5d`) and
 * `integration-2026-09` (derived: see its file). Each is one JSON file in
 * `server-versions/` with its source ref and date; `server-versions/registry.ts`
 * lists them. This module is the only reader of those files: the index
 * validator, the manifest decoder, validator and payload writer, the install
 * verifier, the JSON Schemas (by a drift test) and the catalog all ask here.
 *
 * Names. A version is named by its id, its tag, its commit, or a tag/commit
 * its file records as having identical plugin code (`same_rules_as`). The two
 * **branch aliases** `main` and `integration` (the server lines of interop §0)
 * name the newest known version of their branch — the end of the branch's
 * `follows` chain — so they move when a newer version is added. Nothing else
 * resolves: an unknown name is `SERVER_VERSION_UNKNOWN` (fail closed), never
 * "the closest" version.
 *
 * Every file is re-checked when this module loads (members, risk tiers,
 * scope and protocol shapes, budget fields the code implements, unique names,
 * one `follows` chain per branch, a meaning for every capability): a typo in
 * our own data throws at import instead of silently weakening a check.
 *
 * @module
 */
import { CAPABILITY_MEANING_DATA, SERVER_VERSION_DATA } from './server-versions/registry.js';

/** A branch of the Lattice server (interop §0); also an alias of its newest known version. */
export type ServerLine = 'main' | 'integration';
/** Risk tier of a capability (interop §C.3). */
export type RiskTier = 'read' | 'write' | 'host';
/** The id of a known server version (`main-141e9ca`, `alpha-0.2.2a41`, …). */
export type ServerVersionId = string;

/** The branches, in the order their versions are listed. */
export const SERVER_LINES: readonly ServerLine[] = Object.freeze(['main', 'integration']);
/**
 * The rules assumed when a caller names none: the `integration` alias — the
 * newest known integration code, the line the released server follows
 * (interop §0 recommends integration as the reference).
 */
export const DEFAULT_SERVER_LINE: ServerLine = 'integration';
/** Risk tiers from least to most dangerous. */
export const RISK_TIERS: readonly RiskTier[] = Object.freeze(['read', 'write', 'host']);

/**
 * The invoke-budget fields the decoder, validator and payload writer
 * implement, in Go struct order (interop §A.3.10; lattice-server-2026-09.md
 * item 1). A version's data selects from these; a field outside this list
 * needs code (docs/SERVER-VERSIONS.md).
 */
export const IMPLEMENTED_BUDGET_FIELDS: readonly string[] = Object.freeze([
  'timeout_ms',
  'stdout_bytes',
  'stderr_bytes',
  'host_calls',
  'http_response_bytes',
]);
/** The budget fields every version has and requires (Go: "invoke budget requires …"). */
export const REQUIRED_BUDGET_FIELDS: readonly string[] = Object.freeze(['timeout_ms', 'stdout_bytes', 'stderr_bytes', 'host_calls']);
/**
 * The top-level manifest fields the decoder and payload writer implement, in
 * Go struct order (interop §A.2). A version's data selects from these.
 */
export const IMPLEMENTED_MANIFEST_FIELDS: readonly string[] = Object.freeze([
  'schema', 'id', 'name', 'type', 'capabilities', 'version', 'entrypoint', 'publisher', 'digest_sha256',
  'signature_ed25519', 'bundle', 'runtime', 'ui_runtime', 'compatibility', 'min_server', 'host_access', 'ui',
  'interfaces', 'dependencies',
]);

/** Where a version's rules come from. */
export interface ServerVersionSource {
  /** `owner/name` of the server repository. */
  readonly repository: string;
  /** The branch the version is on. */
  readonly ref: string;
  /** The release tag, when the version has one. */
  readonly tag: string | null;
  /** The (short) commit, when the rules are those of one commit. */
  readonly commit: string | null;
  /** `YYYY-MM-DD` or `YYYY-MM`. */
  readonly date: string;
  /** Which documents and vectors the data was taken from. */
  readonly evidence: string;
}

/** A tag/commit with plugin code identical to a version's. */
export interface SameRulesAs {
  readonly tag: string | null;
  readonly commit: string | null;
  readonly date: string;
  readonly evidence: string;
}

/** Invoke-budget rules of a version (interop §D.10). */
export interface InvokeBudgetRules {
  /** Fields the decoder knows, in Go struct order; the four of {@link REQUIRED_BUDGET_FIELDS} first. */
  readonly fields: readonly string[];
  /** Field → host maximum (`<field> %d exceeds host maximum %d`). */
  readonly hostMaximum: Readonly<Record<string, number>>;
  /** Field → value used when a method declares no budget (or, for optional fields, none). */
  readonly defaults: Readonly<Record<string, number>>;
}

/** Everything that differs between server versions, as read-only lookups. */
export interface ServerRules {
  /** The version id. */
  readonly version: ServerVersionId;
  /** The branch (server line) the version is on. */
  readonly line: ServerLine;
  /** The version this one follows on its branch, or `null` for the first known. */
  readonly follows: ServerVersionId | null;
  readonly source: ServerVersionSource;
  readonly sameRulesAs: readonly SameRulesAs[];
  /** Set when the rules are derived (not read from one commit): what they are derived from. */
  readonly derivation: string | null;
  /** Capability → risk tier (interop §C.3). Iterates in sorted name order. */
  readonly capabilities: ReadonlyMap<string, RiskTier>;
  /** The only capabilities a `worker` plugin may declare (§C.4). */
  readonly workerCapabilities: ReadonlySet<string>;
  /** Host-risk capabilities that non-system plugins may still declare (§A.4 step 7). */
  readonly hostRiskExemptForNonSystem: ReadonlySet<string>;
  /** RBAC `KnownScopes` (§A.5). */
  readonly knownScopes: ReadonlySet<string>;
  /** Accepted `runtime.protocol` values, in the order the server's error names them (§A.4.1 step 8). */
  readonly runtimeProtocols: readonly string[];
  /** Whether the v1 signing payload appends the dependencies line (§B.1). */
  readonly v1PayloadIncludesDependencies: boolean;
  readonly invokeBudget: InvokeBudgetRules;
  /** Top-level manifest fields the server's decoder knows, in struct order. */
  readonly manifestFields: readonly string[];
  /** Every name that resolves to exactly these rules (id, tag, commit, same-rules tags and commits). */
  readonly names: readonly string[];
}

/** The rules of one server line — kept as a name for existing callers; a line is an alias of a version. */
export type ServerLineProfile = ServerRules;

/** Result of {@link resolveServerVersion}: hostile or mistyped names never throw. */
export type ResolveServerVersionResult =
  | { ok: true; rules: ServerRules; /** Set when the name was a branch alias. */ alias?: ServerLine }
  | { ok: false; code: 'SERVER_VERSION_UNKNOWN'; message: string };

// ---- import-time checks of the data files (fail closed on a typo) ------------

const VERSION_ID_RE = /^[a-z0-9][a-z0-9.-]{0,63}$/;
const TAG_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const COMMIT_RE = /^[0-9a-f]{7,40}$/;
const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/;
const SCOPE_RE = /^[a-z][a-z0-9]*:[a-z][a-z0-9]*$/;
const CAPABILITY_RE = /^[a-z][a-z0-9]*:[a-z][a-z0-9-]*$/;
const PROTOCOL_RE = /^stdio-json-v[1-9][0-9]*$/;
const DATA_MEMBERS = [
  '$comment', 'id', 'branch', 'follows', 'source', 'same_rules_as', 'derivation', 'capabilities', 'worker_capabilities',
  'host_risk_exempt_for_non_system', 'known_scopes', 'runtime_protocols', 'v1_payload_includes_dependencies',
  'invoke_budget', 'manifest_fields',
];
const SOURCE_MEMBERS = ['repository', 'ref', 'tag', 'commit', 'date', 'evidence'];
const SAME_MEMBERS = ['tag', 'commit', 'date', 'evidence'];
const BUDGET_MEMBERS = ['fields', 'host_maximum', 'default'];

type Data = Record<string, unknown>;

function isRecord(v: unknown): v is Data {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isRiskTier(v: unknown): v is RiskTier {
  return v === 'read' || v === 'write' || v === 'host';
}

/** A member check that throws with the file's name (data errors are our bugs). */
class DataChecker {
  constructor(readonly where: string) {}
  fail(message: string): never {
    throw new Error(`server-versions/${this.where}: ${message}`);
  }
  members(v: unknown, allowed: readonly string[], what: string): Data {
    if (!isRecord(v)) this.fail(`${what} must be an object`);
    for (const k of Object.keys(v)) if (!allowed.includes(k)) this.fail(`${what} has unknown member ${JSON.stringify(k)}`);
    for (const k of allowed) if (k !== '$comment' && !(k in v)) this.fail(`${what} lacks member ${JSON.stringify(k)}`);
    return v;
  }
  string(v: unknown, what: string, re?: RegExp): string {
    if (typeof v !== 'string' || v === '' || (re !== undefined && !re.test(v))) this.fail(`${what} is not a valid string: ${JSON.stringify(v)}`);
    return v;
  }
  nullable(v: unknown, what: string, re: RegExp): string | null {
    return v === null ? null : this.string(v, what, re);
  }
  strings(v: unknown, what: string, re: RegExp, minItems = 0): string[] {
    if (!Array.isArray(v) || v.length < minItems) this.fail(`${what} must be an array of at least ${minItems} string(s)`);
    const seen = new Set<string>();
    for (const s of v) {
      this.string(s, `${what} entry`, re);
      if (seen.has(s as string)) this.fail(`${what} lists ${JSON.stringify(s)} twice`);
      seen.add(s as string);
    }
    return v as string[];
  }
  positiveInts(v: unknown, keys: readonly string[], what: string): Record<string, number> {
    const o = this.members(v, keys, what);
    const out: Record<string, number> = {};
    for (const k of keys) {
      const n = o[k];
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) this.fail(`${what}.${k} must be a positive integer, found ${JSON.stringify(n)}`);
      out[k] = n;
    }
    return Object.freeze(out);
  }
}

/**
 * Build and check the rules of one version from its data file.
 *
 * @param data - the parsed JSON of a version file.
 * @param where - the file name, for error messages.
 * @returns the frozen rules (without `names` beyond the version's own).
 * @throws Error on any data problem (the data files are ours: a problem is a bug).
 */
function buildRules(data: unknown, where: string): ServerRules {
  const c: DataChecker = new DataChecker(where);
  const d = c.members(data, DATA_MEMBERS, 'the file');
  const version = c.string(d.id, 'id', VERSION_ID_RE);
  if (version === 'main' || version === 'integration') c.fail('a version id cannot be a branch alias');
  const line = d.branch;
  if (line !== 'main' && line !== 'integration') c.fail(`branch must be main or integration, found ${JSON.stringify(line)}`);
  const follows = c.nullable(d.follows, 'follows', VERSION_ID_RE);

  const s = c.members(d.source, SOURCE_MEMBERS, 'source');
  const source: ServerVersionSource = Object.freeze({
    repository: c.string(s.repository, 'source.repository', /^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/),
    ref: c.string(s.ref, 'source.ref', TAG_RE),
    tag: c.nullable(s.tag, 'source.tag', TAG_RE),
    commit: c.nullable(s.commit, 'source.commit', COMMIT_RE),
    date: c.string(s.date, 'source.date', DATE_RE),
    evidence: c.string(s.evidence, 'source.evidence'),
  });
  if (!Array.isArray(d.same_rules_as)) c.fail('same_rules_as must be an array');
  const sameRulesAs = (d.same_rules_as as unknown[]).map((e, i) => {
    const o = c.members(e, SAME_MEMBERS, `same_rules_as[${i}]`);
    const same: SameRulesAs = Object.freeze({
      tag: c.nullable(o.tag, `same_rules_as[${i}].tag`, TAG_RE),
      commit: c.nullable(o.commit, `same_rules_as[${i}].commit`, COMMIT_RE),
      date: c.string(o.date, `same_rules_as[${i}].date`, DATE_RE),
      evidence: c.string(o.evidence, `same_rules_as[${i}].evidence`),
    });
    if (same.tag === null && same.commit === null) c.fail(`same_rules_as[${i}] names neither a tag nor a commit`);
    return same;
  });
  const derivation = d.derivation === null ? null : c.string(d.derivation, 'derivation');
  if (source.commit === null && derivation === null) c.fail('a version without a commit must say what its rules are derived from (derivation)');

  if (!isRecord(d.capabilities)) c.fail('capabilities must be an object');
  const capabilities = new Map<string, RiskTier>();
  for (const name of Object.keys(d.capabilities).sort()) {
    c.string(name, 'capability name', CAPABILITY_RE);
    const tier = d.capabilities[name];
    if (!isRiskTier(tier)) c.fail(`capability ${name} has unknown risk ${JSON.stringify(tier)}`);
    capabilities.set(name, tier);
  }
  if (capabilities.size === 0) c.fail('the capability table is empty');
  const workerCapabilities = c.strings(d.worker_capabilities, 'worker_capabilities', CAPABILITY_RE);
  const exempt = c.strings(d.host_risk_exempt_for_non_system, 'host_risk_exempt_for_non_system', CAPABILITY_RE);
  for (const cap of [...workerCapabilities, ...exempt]) {
    if (!capabilities.has(cap)) c.fail(`${cap} is not in the capability table`);
  }
  for (const cap of exempt) if (capabilities.get(cap) !== 'host') c.fail(`${cap} is exempt from host risk but is not host risk`);
  const knownScopes = c.strings(d.known_scopes, 'known_scopes', SCOPE_RE, 1);
  const runtimeProtocols = c.strings(d.runtime_protocols, 'runtime_protocols', PROTOCOL_RE, 1);
  if (typeof d.v1_payload_includes_dependencies !== 'boolean') c.fail('v1_payload_includes_dependencies must be a boolean');

  const b = c.members(d.invoke_budget, BUDGET_MEMBERS, 'invoke_budget');
  const fields = c.strings(b.fields, 'invoke_budget.fields', /^[a-z_]+$/);
  // The four required fields first, in order; then optional fields the code implements, in struct order.
  if (REQUIRED_BUDGET_FIELDS.some((f, i) => fields[i] !== f)) c.fail(`invoke_budget.fields must start with ${REQUIRED_BUDGET_FIELDS.join(', ')}`);
  let last = -1;
  for (const f of fields) {
    const at = IMPLEMENTED_BUDGET_FIELDS.indexOf(f);
    if (at < 0) c.fail(`invoke_budget field ${f} is not implemented by the decoder: a new budget field needs code (docs/SERVER-VERSIONS.md)`);
    if (at <= last) c.fail('invoke_budget.fields are not in Go struct order');
    last = at;
  }
  const invokeBudget: InvokeBudgetRules = Object.freeze({
    fields: Object.freeze([...fields]),
    hostMaximum: c.positiveInts(b.host_maximum, fields, 'invoke_budget.host_maximum'),
    defaults: c.positiveInts(b.default, fields, 'invoke_budget.default'),
  });
  for (const f of fields) {
    if (invokeBudget.defaults[f]! > invokeBudget.hostMaximum[f]!) c.fail(`invoke_budget.default.${f} exceeds its host maximum`);
  }
  const manifestFields = c.strings(d.manifest_fields, 'manifest_fields', /^[a-z_0-9]+$/, 1);
  last = -1;
  for (const f of manifestFields) {
    const at = IMPLEMENTED_MANIFEST_FIELDS.indexOf(f);
    if (at < 0) c.fail(`manifest field ${f} is not implemented by the decoder: a new manifest field needs code (docs/SERVER-VERSIONS.md)`);
    if (at <= last) c.fail('manifest_fields are not in Go struct order');
    last = at;
  }
  const names = [version];
  if (source.tag !== null) names.push(source.tag);
  if (source.commit !== null) names.push(source.commit);
  for (const same of sameRulesAs) {
    if (same.tag !== null) names.push(same.tag);
    if (same.commit !== null) names.push(same.commit);
  }
  return Object.freeze({
    version,
    line,
    follows,
    source,
    sameRulesAs: Object.freeze(sameRulesAs),
    derivation,
    capabilities,
    workerCapabilities: new Set(workerCapabilities),
    hostRiskExemptForNonSystem: new Set(exempt),
    knownScopes: new Set(knownScopes),
    runtimeProtocols: Object.freeze([...runtimeProtocols]),
    v1PayloadIncludesDependencies: d.v1_payload_includes_dependencies,
    invokeBudget,
    manifestFields: Object.freeze([...manifestFields]),
    names: Object.freeze([...new Set(names)]),
  });
}

/** The registry: every version, names resolved, branch chains checked. */
interface Registry {
  readonly versions: readonly ServerRules[];
  readonly byName: ReadonlyMap<string, ServerRules>;
  readonly newest: Readonly<Record<ServerLine, ServerRules>>;
}

function buildRegistry(files: readonly unknown[]): Registry {
  const versions: ServerRules[] = [];
  const byName = new Map<string, ServerRules>();
  files.forEach((data, i) => {
    const id = isRecord(data) && typeof data.id === 'string' ? data.id : `#${i}`;
    const rules = buildRules(data, `${id}.json`);
    for (const name of rules.names) {
      if (byName.has(name)) throw new Error(`server-versions/${id}.json: the name ${name} already names ${byName.get(name)!.version}`);
      if (name === 'main' || name === 'integration') throw new Error(`server-versions/${id}.json: ${name} is a branch alias`);
      byName.set(name, rules);
    }
    // `follows` names an earlier version of the same branch: registry order is chronological per branch.
    if (rules.follows !== null) {
      const prev = versions.find((v) => v.version === rules.follows);
      if (prev === undefined) throw new Error(`server-versions/${id}.json: follows ${rules.follows}, which is not listed before it`);
      if (prev.line !== rules.line) throw new Error(`server-versions/${id}.json: follows ${rules.follows} on another branch`);
      if (versions.some((v) => v.follows === rules.follows)) throw new Error(`server-versions/${id}.json: ${rules.follows} is followed twice`);
    } else if (versions.some((v) => v.line === rules.line)) {
      throw new Error(`server-versions/${id}.json: a second version of ${rules.line} without follows`);
    }
    versions.push(rules);
  });
  const newest: Partial<Record<ServerLine, ServerRules>> = {};
  for (const line of SERVER_LINES) {
    const chain = versions.filter((v) => v.line === line);
    const end = chain.filter((v) => !chain.some((w) => w.follows === v.version));
    if (end.length !== 1) throw new Error(`server-versions: branch ${line} must have exactly one newest version, found ${end.length}`);
    newest[line] = end[0]!;
  }
  return { versions, byName, newest: newest as Record<ServerLine, ServerRules> };
}

const REGISTRY = buildRegistry(SERVER_VERSION_DATA);

const MEANINGS: ReadonlyMap<string, string> = (() => {
  if (!isRecord(CAPABILITY_MEANING_DATA)) throw new Error('server-versions/capability-meanings.json must be an object');
  const m = new Map<string, string>();
  for (const [k, v] of Object.entries(CAPABILITY_MEANING_DATA)) {
    if (k.startsWith('$')) continue;
    if (typeof v !== 'string' || v.trim() === '') throw new Error(`server-versions/capability-meanings.json: ${k} has no meaning`);
    m.set(k, v);
  }
  for (const rules of REGISTRY.versions) {
    for (const cap of rules.capabilities.keys()) {
      if (!m.has(cap)) throw new Error(`server-versions/capability-meanings.json: capability ${cap} of ${rules.version} has no plain-language meaning`);
    }
  }
  return m;
})();

// ---- public API -------------------------------------------------------------

/** Every known server version id, in registry order (each branch oldest first; `main` first). */
export const SERVER_VERSIONS: readonly ServerVersionId[] = Object.freeze(REGISTRY.versions.map((v) => v.version));

/** True if `v` is a branch alias (`main` or `integration`). */
export function isServerLine(v: unknown): v is ServerLine {
  return v === 'main' || v === 'integration';
}

/**
 * Resolve a server version name: a version id, tag or commit (also one its
 * file records as having identical plugin code), or a branch alias.
 *
 * @param name - what the operator or caller wrote.
 * @returns the rules, or `SERVER_VERSION_UNKNOWN` with the known names.
 * @example resolveServerVersion('alpha-0.2.2a41') // { ok: true, rules: { version: 'alpha-0.2.2a41', … } }
 * @example resolveServerVersion('integration').rules.version // 'integration-2026-09'
 */
export function resolveServerVersion(name: unknown): ResolveServerVersionResult {
  if (isServerLine(name)) return { ok: true, rules: REGISTRY.newest[name], alias: name };
  if (typeof name === 'string') {
    const rules = REGISTRY.byName.get(name);
    if (rules !== undefined) return { ok: true, rules };
  }
  const shown = typeof name === 'string' ? JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name) : `a ${name === null ? 'null' : typeof name}`;
  return {
    ok: false,
    code: 'SERVER_VERSION_UNKNOWN',
    message: `server version ${shown} is not known; known: ${describeKnownServerVersions()} — name one of them, or map your version to the known version with the same plugin rules`,
  };
}

/** True if `name` resolves to a known version (including a branch alias). */
export function isKnownServerVersion(name: unknown): boolean {
  return resolveServerVersion(name).ok;
}

/**
 * The rules of a known server version (by any name, including `main` and `integration`).
 *
 * @param name - a version id, tag, commit or branch alias (default {@link DEFAULT_SERVER_LINE}).
 * @returns the frozen rules shared by all callers.
 * @throws TypeError for an unknown name (a caller bug: resolve operator input with {@link resolveServerVersion}).
 * @example serverRules('main').capabilities.get('task:run') // 'host'
 */
export function serverRules(name: string = DEFAULT_SERVER_LINE): ServerRules {
  const r = resolveServerVersion(name);
  if (!r.ok) throw new TypeError(r.message);
  return r.rules;
}

/**
 * The rules of a server line or version — the name existing callers use.
 * @param line - `main`, `integration` (default) or any known version name.
 * @throws TypeError for an unknown name (a caller bug).
 */
export function serverLineProfile(line: string = DEFAULT_SERVER_LINE): ServerRules {
  return serverRules(line);
}

/**
 * The rules selected by the options of a library call: `serverVersion`
 * (any known name) or `serverLine` (a branch alias); the default when neither.
 *
 * @throws TypeError when a name is unknown, or when both are given and name different versions (caller bugs).
 */
export function rulesFromOptions(opts: { serverLine?: string | undefined; serverVersion?: string | undefined } | undefined): ServerRules {
  const byVersion = opts?.serverVersion !== undefined ? serverRules(opts.serverVersion) : undefined;
  const byLine = opts?.serverLine !== undefined ? serverRules(opts.serverLine) : undefined;
  if (byVersion !== undefined && byLine !== undefined && byVersion !== byLine) {
    throw new TypeError(`serverVersion ${opts!.serverVersion} (${byVersion.version}) and serverLine ${opts!.serverLine} (${byLine.version}) name different server versions`);
  }
  return byVersion ?? byLine ?? serverRules(DEFAULT_SERVER_LINE);
}

/** Every known version's rules, in registry order. */
export function allServerRules(): readonly ServerRules[] {
  return REGISTRY.versions;
}

/** The newest known version of a branch (what the alias names). */
export function newestServerVersion(line: ServerLine): ServerRules {
  if (!isServerLine(line)) throw new TypeError(`unknown server line ${String(line)}; expected main or integration`);
  return REGISTRY.newest[line];
}

/**
 * The known versions and their other names, for messages:
 * `main-141e9ca (141e9ca), alpha-0.2.2a41 (…), …; aliases main → …, integration → …`.
 */
export function describeKnownServerVersions(): string {
  const list = REGISTRY.versions.map((v) => (v.names.length > 1 ? `${v.version} (${v.names.slice(1).join(', ')})` : v.version)).join(', ');
  return `${list}; aliases ${SERVER_LINES.map((l) => `${l} → ${REGISTRY.newest[l].version}`).join(', ')}`;
}

/** Every capability any known version knows, sorted. */
export function allKnownCapabilities(): string[] {
  const names = new Set<string>();
  for (const v of REGISTRY.versions) for (const n of v.capabilities.keys()) names.add(n);
  return [...names].sort();
}

/**
 * Check a version file's data the way the registry does, without adding it
 * (tests use it to show that a data-only version needs no code).
 *
 * @param data - a parsed version file.
 * @returns the rules it defines.
 * @throws Error for any data problem.
 */
export function checkServerVersionData(data: unknown): ServerRules {
  return buildRules(data, isRecord(data) && typeof data.id === 'string' ? `${data.id}.json` : 'data');
}

/**
 * Check a whole list of version files the way the registry does at import
 * (names unique, one `follows` chain per branch in registry order).
 *
 * @param files - parsed version files, in registry order.
 * @returns the version ids and the newest version of each branch.
 * @throws Error for any problem.
 */
export function checkServerVersionRegistry(files: readonly unknown[]): { versions: string[]; newest: Record<ServerLine, string> } {
  const r = buildRegistry(files);
  return { versions: r.versions.map((v) => v.version), newest: { main: r.newest.main.version, integration: r.newest.integration.version } };
}

/**
 * Plain-language meaning of a capability, for approval prompts and the catalog.
 * @returns the sentence, or `undefined` for a capability no known version has.
 */
export function capabilityMeaning(capability: string): string | undefined {
  return MEANINGS.get(capability);
}

/**
 * Risk tier of a capability on a server version.
 * @returns the tier, or `undefined` when the version does not know the capability.
 */
export function capabilityRisk(capability: string, line: string = DEFAULT_SERVER_LINE): RiskTier | undefined {
  return serverRules(line).capabilities.get(capability);
}

/**
 * Highest risk tier among `capabilities` (unknown ones count as `host`: fail closed).
 * @returns `read` for an empty list.
 */
export function highestRisk(capabilities: Iterable<string>, line: string = DEFAULT_SERVER_LINE): RiskTier {
  const table = serverRules(line).capabilities;
  let max = 0;
  for (const c of capabilities) {
    const tier = table.get(c) ?? 'host';
    max = Math.max(max, RISK_TIERS.indexOf(tier));
  }
  return RISK_TIERS[max]!;
}

/** Why a plugin type may not hold a capability under a server version's rules. */
export type CapabilityTypeProblem = 'unknown' | 'requires-system' | 'not-for-worker';

/**
 * The server's capability-versus-type rule (interop §C.3, §C.4; §A.4 step 7),
 * in the server's order: a capability its table does not list; a host-risk
 * capability outside a `system` plugin (but the version's exemptions, e.g.
 * `http:egress`); a `worker` capability outside the worker allowlist. The one
 * place this rule lives: the manifest and index validators, the install
 * pipeline and the catalog all ask here, each with its own wording.
 *
 * @param rules - the server version's rules.
 * @param type - the plugin type (`system`, `wasm`, `worker`; anything else is judged like a non-system type).
 * @param capability - the capability name.
 * @returns the problem, or `null` when the type may hold it.
 * @example capabilityTypeProblem(serverRules('main'), 'worker', 'http:egress') // 'not-for-worker'
 */
export function capabilityTypeProblem(rules: ServerRules, type: string, capability: string): CapabilityTypeProblem | null {
  const risk = rules.capabilities.get(capability);
  if (risk === undefined) return 'unknown';
  if (type !== 'system' && risk === 'host' && !rules.hostRiskExemptForNonSystem.has(capability)) return 'requires-system';
  if (type === 'worker' && !rules.workerCapabilities.has(capability)) return 'not-for-worker';
  return null;
}
