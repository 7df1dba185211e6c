/**
 * Port of the server's `ValidateManifest` (interop §A.4 with §A.4.1–§A.4.4,
 * §A.5, §D.4, §D.10), for both server lines: the same checks, in the same
 * order, with the same error strings (Go `%q` via {@link goQuote}).
 *
 * Version differences come from the server version's rules
 * (`core/server-line.ts`): the capability table, `KnownScopes`, the accepted
 * runtime protocols and the invoke-budget fields and maxima.
 *
 * One documented deviation: Go walks `runtime.entrypoints` in random map
 * order, so with several bad entries the server may report any of them; this
 * port walks them in byte-wise sorted key order, so its report is stable.
 *
 * @module
 */
import { PLUGIN_TYPES } from '../../core/index/types.js';
import { capabilityTypeProblem, REQUIRED_BUDGET_FIELDS, rulesFromOptions, serverRules } from '../../core/server-line.js';
import type { ServerLine, ServerLineProfile, ServerRules } from '../../core/server-line.js';
import { goTrimSpace, hasControl, validPluginID } from '../../core/rules.js';
import { invalidVersionTerm } from '../../core/version-range.js';
import { goPathClean } from '../../core/go-path.js';

export { goPathClean };
import { compareUTF8, goQuote, utf8Length } from './go-json.js';
import { MANIFEST_SCHEMA_V2, effectiveMethods } from './model.js';
import type { InvokeBudgetSpec, Manifest } from './model.js';

/** Options for {@link validateManifest}. */
export interface ValidateManifestOptions {
  /** Server line (branch alias) whose rules apply. Default `integration` (§0). */
  serverLine?: ServerLine;
  /** Any known server version name (`alpha-0.2.2a41`, …); the same as `serverLine` with that name. */
  serverVersion?: string;
}

// ---- regexes and allowlists (§A.6; all ASCII and anchored, RE2 = JS here) ----
const V2_VERSION_RE = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/;
const RUNTIME_PLATFORM_RE = /^[a-z0-9]+\/[a-z0-9][a-z0-9_]*$/;
const SECTION_RE = /^[a-z0-9][a-z0-9_-]{0,48}$/;
const ROUTE_RE = /^[a-z0-9][a-z0-9/_-]{0,64}$/;
const KEY_RE = /^[a-z0-9][a-z0-9._-]{0,48}$/;
const METHOD_RE = /^[a-z][a-z0-9._-]{0,48}$/;
const SERVICE_SUFFIX_RE = /^[a-z0-9][a-z0-9._/-]{0,127}$/;
const SCOPE_SHAPE_RE = /^[a-z][a-z0-9]*:[a-z][a-z0-9]*$/;
const SHA256_ANY_CASE_RE = /^[0-9a-fA-F]{64}$/;

const V1_NAV_SECTIONS: ReadonlySet<string> = new Set(['plugins', 'proxy']);
const VIEW_KINDS: ReadonlySet<string> = new Set(['table', 'detail', 'form', 'kv', 'markdown', 'sandbox']);
const RENDER_HINTS: ReadonlySet<string> = new Set(['', 'copy-secret', 'bytes', 'relative-time', 'badge', 'code']);
const FORM_KINDS: ReadonlySet<string> = new Set(['text', 'int', 'select']);
const ICONS: ReadonlySet<string> = new Set([
  '', 'Radar', 'Boxes', 'Store', 'ServerCog', 'DoorOpen', 'Users', 'Link', 'Gauge', 'Blocks', 'Shield', 'Spline',
]);
const PLUGIN_TYPE_SET: ReadonlySet<string> = new Set(PLUGIN_TYPES);
const EFFECTS: ReadonlySet<string> = new Set(['read', 'write', 'plan']);
const CAP_HTTP_OPERATOR_TARGET = 'http:operator-target';
const CAP_RPC_CALL = 'rpc:call';

type RequiredBudget = Pick<InvokeBudgetSpec, 'timeout_ms' | 'stdout_bytes' | 'stderr_bytes' | 'host_calls'>;
function requiredBudgetValues(values: Readonly<Record<string, number>>): Readonly<RequiredBudget> {
  const out: Record<string, number> = {};
  for (const k of REQUIRED_BUDGET_FIELDS) out[k] = values[k]!;
  return Object.freeze(out as unknown as RequiredBudget);
}
/**
 * Host maxima of the four budget fields every known version has (§D.10),
 * for the default server version; a version's own table is
 * `serverRules(v).invokeBudget.hostMaximum` (docs/SERVER-VERSIONS.md).
 */
export const INVOKE_BUDGET_LIMITS: Readonly<RequiredBudget> = requiredBudgetValues(serverRules().invokeBudget.hostMaximum);
/** Budget applied when a method declares none (§D.10), for the default server version. */
export const DEFAULT_INVOKE_BUDGET: Readonly<InvokeBudgetSpec> = requiredBudgetValues(serverRules().invokeBudget.defaults);

/** Thrown internally to stop at the first failing check, like Go's early `return err`. */
class Invalid {
  constructor(readonly message: string) {}
}
function fail(message: string): never {
  throw new Invalid(message);
}

/**
 * The server's `ValidateManifest(m)` (§A.4), for a server line.
 *
 * @param m - a decoded manifest.
 * @param opts - `serverVersion` or `serverLine` (default the `integration` alias).
 * @returns `null` when the manifest is valid, else the server's exact error text.
 * @throws TypeError for an unknown server version (a caller bug).
 * @example validateManifest(m, { serverLine: 'main' }) // 'manifest v2 runtime protocol must be "stdio-json-v1"'
 */
export function validateManifest(m: Manifest, opts: ValidateManifestOptions = {}): string | null {
  const profile = rulesFromOptions(opts);
  try {
    validateCore(m, profile);
    validateManifestVersion(m, profile); // step 8 (ends with validateHostAccess)
    validateContributions(m, profile); // step 9
    validateDependencies(m); // step 10
    return null;
  } catch (e) {
    if (e instanceof Invalid) return e.message;
    throw e;
  }
}

/** §A.4 steps 1–7. */
function validateCore(m: Manifest, profile: ServerLineProfile): void {
  // step 1
  if (m.id === '' || m.name === '') fail('plugin id and name are required');
  // step 2
  if (!validPluginID(m.id)) fail(`invalid plugin id ${goQuote(m.id)}`);
  // step 3: TrimSpace, control runes, and 80 *bytes*
  if (goTrimSpace(m.name) === '' || hasControl(m.name) || utf8Length(m.name) > 80) {
    fail('plugin name must be printable and at most 80 characters');
  }
  // step 4
  if (m.publisher !== '' && !validPluginID(m.publisher)) fail(`invalid publisher ${goQuote(m.publisher)}`);
  // step 5
  if (!PLUGIN_TYPE_SET.has(m.type)) fail(`unsupported plugin type ${goQuote(m.type)}`);
  // step 6
  const caps = m.capabilities ?? [];
  if (caps.length === 0) fail('plugin must declare at least one capability');
  // step 7, in declared order, first failure wins
  const seen = new Set<string>();
  for (const cap of caps) {
    if (seen.has(cap)) fail(`capability ${goQuote(cap)} is duplicated`);
    seen.add(cap);
    const problem = capabilityTypeProblem(profile, m.type, cap);
    if (problem === 'unknown') fail(`capability ${goQuote(cap)} is not recognized`);
    if (problem === 'requires-system') fail(`capability ${goQuote(cap)} requires a system plugin`);
    if (problem === 'not-for-worker') fail(`capability ${goQuote(cap)} is not available to worker plugins`);
  }
}

/** §A.4.1 `validateManifestVersion`. */
function validateManifestVersion(m: Manifest, profile: ServerLineProfile): void {
  if (m.schema === '') {
    // v1: the v2-only fields are forbidden (§A.2); `{}` counts as present.
    if (
      m.bundle !== null ||
      m.runtime !== null ||
      m.ui_runtime !== null ||
      m.compatibility !== null ||
      m.min_server !== '' ||
      m.host_access !== null
    ) {
      fail('bundle, runtime, ui_runtime, compatibility, min_server and host_access require manifest schema v2');
    }
    return;
  }
  if (m.schema !== MANIFEST_SCHEMA_V2) fail(`unsupported manifest schema ${goQuote(m.schema)}`);
  // v2 steps 1–15
  if (m.entrypoint !== '') fail('manifest v2 rejects legacy entrypoint');
  if (m.digest_sha256 !== '') fail('manifest v2 rejects legacy digest_sha256');
  if (!V2_VERSION_RE.test(m.version) || m.version.includes('..')) fail(`manifest v2 invalid version ${goQuote(m.version)}`);
  if (m.bundle === null) fail('manifest v2 bundle is required');
  if (m.bundle.format !== 'tar+gzip') fail('manifest v2 bundle format must be "tar+gzip"');
  if (!SHA256_ANY_CASE_RE.test(m.bundle.digest_sha256)) {
    fail(`manifest v2 bundle digest: invalid sha256 digest ${goQuote(m.bundle.digest_sha256)}`);
  }
  if (m.runtime === null) fail('manifest v2 runtime is required');
  // step 8: per line (main: v1 only; integration: v1 or v2)
  if (!profile.runtimeProtocols.includes(m.runtime.protocol)) {
    fail(`manifest v2 runtime protocol must be ${profile.runtimeProtocols.map(goQuote).join(' or ')}`);
  }
  const entrypoints = m.runtime.entrypoints;
  if (entrypoints === null || entrypoints.size === 0) fail('manifest v2 requires at least one platform entrypoint');
  // step 10: Go's map order is random; we walk sorted keys so the report is stable.
  for (const platform of [...entrypoints.keys()].sort(compareUTF8)) {
    const entry = entrypoints.get(platform)!;
    if (!RUNTIME_PLATFORM_RE.test(platform)) fail(`manifest v2 invalid runtime platform ${goQuote(platform)}`);
    if (!safeBundlePath(entry) || !entry.startsWith('bin/')) fail(`manifest v2 invalid runtime entrypoint ${goQuote(entry)}`);
  }
  // step 11
  const ui = m.ui_runtime;
  if (ui !== null) {
    if (ui.mode !== 'sandbox') fail('manifest v2 ui runtime mode must be "sandbox"');
    if (!safeBundlePath(ui.entrypoint) || !ui.entrypoint.startsWith('ui/')) {
      fail(`manifest v2 invalid ui entrypoint ${goQuote(ui.entrypoint)}`);
    }
    if (goPathExt(ui.entrypoint) !== '.html') fail('manifest v2 ui entrypoint must be an .html document');
    if (ui.bridge_version !== '1') fail('manifest v2 ui bridge version must be "1"');
  }
  // steps 12–14
  const c = m.compatibility;
  if (c === null) fail('manifest v2 compatibility is required');
  if (!boundedContractValue(c.server) || !boundedContractValue(c.dashboard_host) || !boundedContractValue(c.runtime_protocol)) {
    fail('manifest v2 compatibility fields must be printable non-empty values');
  }
  if (m.min_server !== '' && !boundedContractValue(m.min_server)) {
    fail('manifest v2 min_server must be a printable non-empty value');
  }
  // step 15
  validateHostAccess(m);
}

/** §A.4.2 `validateHostAccess` (v2 only). */
function validateHostAccess(m: Manifest): void {
  const h = m.host_access;
  if (h === null) return;
  const caps = m.capabilities ?? [];
  if (h.rpc.length > 0 && !caps.includes(CAP_RPC_CALL)) fail('manifest v2 host_access.rpc requires rpc:call capability');
  const seenServices = new Set<string>();
  for (const dep of h.rpc) {
    const q = goQuote(dep.service);
    const slash = dep.service.indexOf('/'); // strings.Cut at the first "/"
    const owner = slash < 0 ? '' : dep.service.slice(0, slash);
    const suffix = slash < 0 ? '' : dep.service.slice(slash + 1);
    if (slash < 0 || !validPluginID(owner) || !SERVICE_SUFFIX_RE.test(suffix)) {
      fail(`manifest v2 invalid host_access rpc service ${q}`);
    }
    if (owner === m.id) fail(`manifest v2 host_access rpc service ${q} is owned by the caller`);
    if (seenServices.has(dep.service)) fail(`manifest v2 duplicate host_access rpc service ${q}`);
    seenServices.add(dep.service);
    const methods = dep.methods ?? [];
    if (methods.length === 0) fail(`manifest v2 host_access rpc service ${q} requires methods`);
    const seenMethods = new Set<string>();
    for (const method of methods) {
      if (!METHOD_RE.test(method)) fail(`manifest v2 host_access rpc service ${q} has invalid method ${goQuote(method)}`);
      if (seenMethods.has(method)) fail(`manifest v2 host_access rpc service ${q} has duplicate method ${goQuote(method)}`);
      seenMethods.add(method);
    }
  }
}

/** §A.5 `scopeAllowedInManifest`: the shape regex and RBAC `KnownScopes` of the line. */
function scopeAllowed(s: string, profile: ServerLineProfile): boolean {
  return SCOPE_SHAPE_RE.test(s) && (s === '*' || profile.knownScopes.has(s) || s.endsWith(':*'));
}

/** §A.4.3 `validateContributions` (interfaces, then UI). */
function validateContributions(m: Manifest, profile: ServerLineProfile): void {
  const v2 = m.schema === MANIFEST_SCHEMA_V2;
  const caps = m.capabilities ?? [];
  const hasOT = caps.includes(CAP_HTTP_OPERATOR_TARGET);
  // service → method → effective scopes ("declared" even when the scopes are empty)
  const contracts = new Map<string, Map<string, readonly string[]>>();
  let usesOT = false;
  for (const c of m.interfaces ?? []) {
    const svc = goQuote(c.service);
    if (c.service === '') fail('interface service is required'); // 1
    if (!serviceOwnedByPlugin(m.id, c.service)) fail(`interface service ${svc} must be under plugin id ${goQuote(m.id)}`); // 2
    if (v2 && contracts.has(c.service)) fail(`interface service ${svc} is duplicated`); // 3
    const methods = effectiveMethods(c); // 4
    if (methods.length === 0) fail(`interface ${svc} must declare at least one method`);
    if (v2 && !c.typed) fail(`interface ${svc} manifest v2 requires typed method objects`); // 5
    if (m.schema === '' && c.typed) fail(`interface ${svc} typed method objects require manifest schema v2`); // 6
    if (c.backing !== '' && c.backing !== 'runtime' && c.backing !== 'core') {
      fail(`interface ${svc} has invalid backing ${goQuote(c.backing)} (want "runtime" or "core")`); // 7
    }
    if (c.backing !== '' && !v2) fail(`interface ${svc} backing requires manifest schema v2`); // 8
    if (v2 && c.backing === '') fail(`interface ${svc} must declare backing ("runtime" or "core")`); // 9
    if (c.backing === 'core' && m.type !== 'system') fail(`interface ${svc} backing "core" requires a system plugin`); // 10
    for (const s of c.scopes) if (!scopeAllowed(s, profile)) fail(`interface ${svc} invalid scope ${goQuote(s)}`); // 11
    let declared = contracts.get(c.service);
    if (declared === undefined) {
      declared = new Map();
      contracts.set(c.service, declared); // v1 repeats merge here
    }
    const seenMethods = new Set<string>();
    for (const method of methods) {
      // 12
      const mq = goQuote(method.name);
      if (!METHOD_RE.test(method.name)) fail(`interface ${svc} invalid method ${mq}`);
      if (seenMethods.has(method.name)) fail(`interface ${svc} duplicate method ${mq}`);
      seenMethods.add(method.name);
      let effective: readonly string[] = c.scopes;
      if (v2) {
        if (!EFFECTS.has(method.effect)) fail(`interface ${svc} method ${mq} has invalid effect ${goQuote(method.effect)}`);
        for (const s of method.scopes) {
          if (!scopeAllowed(s, profile)) fail(`interface ${svc} method ${mq} invalid scope ${goQuote(s)}`);
        }
        if ((method.effect === 'write' || method.effect === 'plan') && method.scopes.length === 0) {
          fail(`interface ${svc} method ${mq} effect ${goQuote(method.effect)} requires method scopes`);
        }
        if (method.scopes.length > 0) effective = method.scopes;
        if (effective.length === 0) fail(`interface ${svc} method ${mq} must declare scopes or inherit scoped interface`);
        if (method.operator_target_fields.length > 4) {
          fail(`interface ${svc} method ${mq} declares too many operator target fields`);
        }
        const seenFields = new Set<string>();
        for (const field of method.operator_target_fields) {
          if (!KEY_RE.test(field)) fail(`interface ${svc} method ${mq} has invalid operator target field ${goQuote(field)}`);
          if (seenFields.has(field)) fail(`interface ${svc} method ${mq} has duplicate operator target field ${goQuote(field)}`);
          seenFields.add(field);
          usesOT = true;
        }
        if (method.operator_target_fields.length > 0 && !hasOT) {
          fail(`interface ${svc} method ${mq} operator target fields require http:operator-target capability`);
        }
        if (method.budget !== null) {
          const err = validateInvokeBudget(method.budget, profile);
          if (err !== null) fail(`interface ${svc} method ${mq} budget: ${err}`);
        }
      }
      declared.set(method.name, effective);
    }
  }
  // 13
  if (v2 && hasOT && !usesOT) {
    fail('manifest v2 capability http:operator-target requires a method-bound operator target field');
  }
  const ui = m.ui;
  if (ui === null) return;
  for (const n of ui.nav) {
    const sectionOK = v2 ? n.section === 'extensions' : V1_NAV_SECTIONS.has(n.section) || SECTION_RE.test(n.section);
    if (!sectionOK) fail(`nav section ${goQuote(n.section)} is not allowed`);
    if (n.title === '' || !ROUTE_RE.test(n.route)) fail(`nav entry needs a title and a valid route (got route ${goQuote(n.route)})`);
    if (!ICONS.has(n.icon)) fail(`nav icon ${goQuote(n.icon)} is not allowed`);
    for (const s of n.scopes) if (!scopeAllowed(s, profile)) fail(`nav scope ${goQuote(s)} invalid`);
  }
  for (const v of ui.views) {
    const route = goQuote(v.route);
    if (!ROUTE_RE.test(v.route) || v.title === '') fail(`view needs a title and a valid route (got ${route})`);
    if (!VIEW_KINDS.has(v.kind)) fail(`view kind ${goQuote(v.kind)} is not allowed`);
    if (v.kind === 'sandbox' && m.ui_runtime === null) fail(`view ${route} sandbox kind requires ui_runtime`);
    if (m.schema === '' && v.kind === 'sandbox') fail(`view ${route} sandbox kind requires manifest schema v2`);
    if (v.kind === 'sandbox' && (v.source !== null || v.columns.length > 0 || v.actions.length > 0)) {
      fail(`view ${route} sandbox kind cannot declare dashboard-rendered source, columns, or actions`);
    }
    if (v.source !== null && contracts.get(v.source.interface)?.has(v.source.method) !== true) {
      fail(`view ${route} source ${v.source.interface}/${v.source.method} is not declared in interfaces`);
    }
    for (const col of v.columns) {
      if (!KEY_RE.test(col.key) || !RENDER_HINTS.has(col.render)) {
        fail(`view ${route} invalid column (key ${goQuote(col.key)} render ${goQuote(col.render)})`);
      }
    }
    for (const a of v.actions) {
      if (a.label === '' || a.interface === '' || a.method === '') fail(`view ${route} action needs label/interface/method`);
      const scopes = contracts.get(a.interface)?.get(a.method);
      if (scopes === undefined) fail(`view ${route} action ${a.interface}/${a.method} is not declared in interfaces`);
      if (scopes.length === 0 && a.scopes.length === 0) {
        fail(`view ${route} action ${a.interface}/${a.method} must declare scopes or inherit scoped interface`);
      }
      for (const s of a.scopes) if (!scopeAllowed(s, profile)) fail(`view ${route} action scope ${goQuote(s)} invalid`);
      for (const f of a.form) {
        if (!KEY_RE.test(f.key) || !FORM_KINDS.has(f.kind)) {
          fail(`view ${route} action form invalid field (key ${goQuote(f.key)} kind ${goQuote(f.kind)})`);
        }
      }
    }
  }
}

/** §A.4.4 `validateDependencies`. */
function validateDependencies(m: Manifest): void {
  const seen = new Set<string>();
  for (const d of m.dependencies) {
    const q = goQuote(d.id);
    if (!validPluginID(d.id)) fail(`dependency ${q} is not a valid plugin id`);
    if (d.id === m.id) fail('a plugin cannot depend on itself');
    if (seen.has(d.id)) fail(`dependency ${q} is duplicated`);
    seen.add(d.id);
    const term = invalidVersionTerm(d.version);
    if (term !== undefined) fail(`dependency ${q}: invalid version comparator ${goQuote(term)}`);
  }
}

/**
 * The server's `ValidateInvokeBudgetSpec` (§D.10; on integration-2026-09 also
 * `http_response_bytes`, lattice-server-2026-09.md item 1), for a version:
 * the sign checks in field order, then each field against its host maximum
 * in field order — Go's order and texts.
 *
 * One addition (fail closed): a non-zero `http_response_bytes` on a version
 * whose budget has no such field cannot come from that version's decoder
 * (the model was decoded under another version); it is refused with our own
 * text instead of being silently ignored.
 *
 * @param b - the budget.
 * @param rules - the server version's rules (default: the `integration` alias).
 * @returns `null`, or the error text (without the `interface … budget: ` prefix).
 * @example validateInvokeBudget({ timeout_ms: 60000, stdout_bytes: 1, stderr_bytes: 1, host_calls: 0 }) // 'timeout_ms 60000 exceeds host maximum 30000'
 */
export function validateInvokeBudget(b: InvokeBudgetSpec, rules: ServerRules = serverRules()): string | null {
  const fields = rules.invokeBudget.fields;
  const http = b.http_response_bytes ?? 0;
  const hasHttp = fields.includes('http_response_bytes');
  if (http !== 0 && !hasHttp) return `http_response_bytes is not a budget field on server version ${rules.version}`;
  if (b.timeout_ms <= 0) return 'timeout_ms must be positive';
  if (b.stdout_bytes <= 0) return 'stdout_bytes must be positive';
  if (b.stderr_bytes <= 0) return 'stderr_bytes must be positive';
  if (b.host_calls < 0) return 'host_calls must be non-negative';
  if (hasHttp && http < 0) return 'http_response_bytes must be non-negative';
  const max = rules.invokeBudget.hostMaximum;
  for (const key of fields) {
    const v = key === 'http_response_bytes' ? http : b[key as keyof RequiredBudget];
    if (v > max[key]!) return `${key} ${v} exceeds host maximum ${max[key]!}`;
  }
  return null;
}

/** Server `serviceOwnedByPlugin`: `<id>/<suffix>` with a valid suffix (§A.4.3 step 2). */
function serviceOwnedByPlugin(id: string, service: string): boolean {
  const prefix = id + '/';
  if (!service.startsWith(prefix)) return false;
  return SERVICE_SUFFIX_RE.test(service.slice(prefix.length));
}

/**
 * Server `boundedContractValue` (§A.4.1): TrimSpace, non-empty, ≤ 128 bytes, no control runes.
 */
export function boundedContractValue(v: string): boolean {
  const t = goTrimSpace(v);
  return t !== '' && utf8Length(t) <= 128 && !hasControl(t);
}

/**
 * Server `safeBundlePath` (§A.4.1): non-empty, no control rune, no `\`, not
 * absolute, and unchanged by POSIX `path.Clean`, not `.`/`..`, not under `../`.
 * @example safeBundlePath('bin/linux-amd64/plugin') // true
 * @example safeBundlePath('bin//plugin') // false
 */
export function safeBundlePath(p: string): boolean {
  if (p === '' || hasControl(p) || p.includes('\\') || p.startsWith('/')) return false;
  const c = goPathClean(p);
  return c === p && c !== '.' && c !== '..' && !c.startsWith('../');
}

/** Go `path.Ext`: from the last `.` of the final element, or `''`. */
function goPathExt(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== '/'; i--) {
    if (p[i] === '.') return p.slice(i);
  }
  return '';
}
