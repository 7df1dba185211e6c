/**
 * Host compatibility of a verified manifest — the manifest-level half of
 * DESIGN §5 step 7 ("runner"); the artifact-level half (bundle rules, wasm,
 * worker) is `runner.ts`.
 *
 * Checks, in order (every one is evaluated and reported; the first failure
 * decides the code):
 *
 * | check | rule | code |
 * |---|---|---|
 * | `runner` | the host has a runner for the plugin type (interop §D.8); a `wasm`/`worker` plugin also needs its sandbox backend. The server would otherwise arm the **noop** runner, which never executes: refused, never a fallback | `RUNNER_UNAVAILABLE` |
 * | `protocol` | v2 `runtime.protocol` is one the host speaks (interop §D.1); a v1 system plugin speaks `stdio-json-v1` | `RUNNER_INCOMPATIBLE` |
 * | `platform` | v2 `runtime.entrypoints` has the host's `<goos>/<goarch>` — the server's own refusal text (interop §D.2) | `RUNNER_INCOMPATIBLE` |
 * | `ui` | a sandboxed UI needs a dashboard whose bridge version equals `ui_runtime.bridge_version`; contributions (`ui`) need a dashboard | `RUNNER_INCOMPATIBLE` |
 * | `compatibility.server` | the host's server version lies in the range (grammar and order of interop §D.4) | `RUNNER_INCOMPATIBLE` |
 * | `compatibility.dashboard_host` | the host's dashboard version lies in the range (skipped when the host has no dashboard and the plugin no UI) | `RUNNER_INCOMPATIBLE` |
 * | `compatibility.runtime_protocol` | the selected protocol's number (`stdio-json-v2` → `2`) lies in the range | `RUNNER_INCOMPATIBLE` |
 * | `min_server` | the server version is at least `min_server` (a plain version), or lies in it (a range) | `RUNNER_INCOMPATIBLE` |
 * | `dependencies` | each required dependency is installed on the host and its version is in range — the server's own texts (interop §D.5); optional ones are ignored, as the server does | `RUNNER_INCOMPATIBLE` |
 *
 * The server never evaluates `compatibility.*` or `min_server` (interop
 * §D.3); a marketplace may, and this one does, with the server's own range
 * grammar. A value that is not a range in that grammar is refused (fail
 * closed): nobody can say what it would allow.
 *
 * Pure and synchronous, browser-safe.
 *
 * @module
 */
import { goQuote } from '../../core/go-quote.js';
import { compareVersions, invalidVersionTerm, versionInRange } from '../../core/version-range.js';
import { goTrimSpace } from '../../core/rules.js';
import { MANIFEST_SCHEMA_V2, type Manifest } from '../manifest/model.js';
import type { HostProfile } from './policy.js';

/** One evaluated compatibility rule. */
export interface CompatibilityFinding {
  /** Rule name (see the module table). */
  readonly check: string;
  readonly ok: boolean;
  /** What the plugin asks and what the host offers. */
  readonly detail: string;
}

/** Result of {@link checkHostCompatibility}. */
export interface CompatibilityReport {
  readonly ok: boolean;
  /** Set when `ok` is false: the first failing rule's code. */
  readonly code?: 'RUNNER_UNAVAILABLE' | 'RUNNER_INCOMPATIBLE';
  /** Set when `ok` is false: the first failing rule's detail. */
  readonly message?: string;
  /** Every rule evaluated, in order. */
  readonly findings: readonly CompatibilityFinding[];
  /** The runtime protocol the host will use (`stdio-json-v1` for v1 system plugins; `''` for v1 sandboxed types). */
  readonly protocol: string;
  /** v2: the bundle path of the host platform's entrypoint, when declared. */
  readonly runtimeEntrypoint?: string;
  /** v2: `ui_runtime.entrypoint`, when a sandboxed UI is declared. */
  readonly uiEntrypoint?: string;
}

/** Plain version (the version half of a range term, interop §D.4). */
const PLAIN_VERSION_RE = /^[0-9]+(?:\.[0-9]+){0,2}(?:-[0-9A-Za-z.-]+)?$/;

/**
 * Evaluate a verified manifest against the host profile.
 *
 * @param m - a manifest that passed server-parity validation.
 * @param host - the host profile from the install policy.
 * @returns every finding and, on failure, the first failing rule's code and detail.
 * @example
 * ```ts
 * const r = checkHostCompatibility(manifest, policy.host);
 * if (!r.ok) throw new PolicyError(r.code!, r.message!);
 * ```
 */
export function checkHostCompatibility(m: Manifest, host: HostProfile): CompatibilityReport {
  const findings: CompatibilityFinding[] = [];
  let failure: { code: 'RUNNER_UNAVAILABLE' | 'RUNNER_INCOMPATIBLE'; message: string } | undefined;
  const record = (check: string, ok: boolean, detail: string, code: 'RUNNER_UNAVAILABLE' | 'RUNNER_INCOMPATIBLE' = 'RUNNER_INCOMPATIBLE'): void => {
    findings.push({ check, ok, detail });
    if (!ok && failure === undefined) failure = { code, message: detail };
  };
  const v2 = m.schema === MANIFEST_SCHEMA_V2;
  const type = m.type;

  // ---- runner (interop §D.8): a runner for the type; sandboxed types need their backend.
  if (!(host.runners as readonly string[]).includes(type)) {
    record(
      'runner',
      false,
      `the host has no ${type} runner (it offers: ${host.runners.join(', ') || 'none'}); the server would arm the noop runner, which never executes — refused, never a fallback`,
      'RUNNER_UNAVAILABLE',
    );
  } else if (type !== 'system' && !(host.sandboxes as readonly string[]).includes(type)) {
    record(
      'runner',
      false,
      `the ${type} sandbox backend is unavailable on the host (sandboxes: ${host.sandboxes.join(', ') || 'none'}) — refused, never a fallback`,
      'RUNNER_UNAVAILABLE',
    );
  } else {
    record('runner', true, type === 'system' ? 'system runner present' : `${type} runner and sandbox present`);
  }

  // ---- protocol (interop §D.1).
  let protocol = '';
  if (v2 && m.runtime !== null) {
    protocol = m.runtime.protocol;
    record(
      'protocol',
      host.runtimeProtocols.includes(protocol),
      host.runtimeProtocols.includes(protocol)
        ? `runtime protocol ${protocol}`
        : `runtime protocol ${goQuote(protocol)} is not spoken by the host (it speaks ${host.runtimeProtocols.join(', ')})`,
    );
  } else if (type === 'system') {
    protocol = 'stdio-json-v1';
    const ok = host.runtimeProtocols.includes(protocol);
    record('protocol', ok, ok ? 'v1 system plugin: stdio-json-v1' : `a v1 system plugin speaks stdio-json-v1, which the host does not (it speaks ${host.runtimeProtocols.join(', ')})`);
  } else {
    record('protocol', true, `v1 ${type} plugin: no runtime protocol (sandbox ABI)`);
  }

  // ---- platform (interop §D.2): the server's own refusal text.
  let runtimeEntrypoint: string | undefined;
  if (v2) {
    runtimeEntrypoint = m.runtime?.entrypoints?.get(host.platform);
    record(
      'platform',
      runtimeEntrypoint !== undefined,
      runtimeEntrypoint !== undefined
        ? `entrypoint ${runtimeEntrypoint} for ${host.platform}`
        : `manifest has no runtime entrypoint for platform ${goQuote(host.platform)} (it has: ${[...(m.runtime?.entrypoints?.keys() ?? [])].sort().join(', ') || 'none'})`,
    );
  } else {
    record('platform', true, 'v1 artifact: the manifest declares no platform; the artifact itself is what runs');
  }

  // ---- ui: a sandboxed UI needs the dashboard bridge it was built for.
  let uiEntrypoint: string | undefined;
  const hasDashboard = host.dashboardHostVersion !== undefined;
  if (v2 && m.ui_runtime !== null) {
    uiEntrypoint = m.ui_runtime.entrypoint;
    const bridge = host.dashboardBridgeVersion;
    record(
      'ui',
      bridge !== undefined && bridge === m.ui_runtime.bridge_version,
      bridge === undefined
        ? `the plugin has a sandboxed UI (bridge ${goQuote(m.ui_runtime.bridge_version)}) but the host has no dashboard bridge`
        : bridge === m.ui_runtime.bridge_version
          ? `ui bridge version ${bridge}`
          : `ui bridge version ${goQuote(m.ui_runtime.bridge_version)} but the host's dashboard bridge is ${goQuote(bridge)}`,
    );
  } else if (m.ui !== null && !hasDashboard) {
    record('ui', false, 'the plugin contributes dashboard UI but the host has no dashboard');
  }

  // ---- compatibility.* and min_server (interop §D.3, evaluated with §D.4).
  if (v2 && m.compatibility !== null) {
    const c = m.compatibility;
    rangeCheck(record, 'compatibility.server', c.server, host.serverVersion, 'server version');
    if (hasDashboard) {
      rangeCheck(record, 'compatibility.dashboard_host', c.dashboard_host, host.dashboardHostVersion!, 'dashboard host version');
    } else if (m.ui_runtime === null && m.ui === null) {
      record('compatibility.dashboard_host', true, `not evaluated: the host has no dashboard and the plugin no UI (range ${goQuote(c.dashboard_host)})`);
    } else {
      record('compatibility.dashboard_host', false, `the plugin needs dashboard host ${goQuote(c.dashboard_host)} but the host has no dashboard`);
    }
    const protoNumber = /^stdio-json-v([0-9]+)$/.exec(protocol)?.[1];
    if (protoNumber === undefined) {
      record('compatibility.runtime_protocol', false, `runtime protocol ${goQuote(protocol)} has no version number to compare with ${goQuote(c.runtime_protocol)}`);
    } else {
      rangeCheck(record, 'compatibility.runtime_protocol', c.runtime_protocol, protoNumber, 'runtime protocol version');
    }
  }
  if (v2 && m.min_server !== '') {
    const min = goTrimSpace(m.min_server);
    if (PLAIN_VERSION_RE.test(min)) {
      const ok = compareVersions(host.serverVersion, min) >= 0;
      record('min_server', ok, ok ? `server ${host.serverVersion} ≥ ${min}` : `the plugin needs server ${min} or newer; the host runs ${host.serverVersion}`);
    } else {
      rangeCheck(record, 'min_server', m.min_server, host.serverVersion, 'server version');
    }
  }

  // ---- dependencies (interop §D.5): the loader's own texts.
  for (const d of m.dependencies) {
    if (d.optional) {
      findings.push({ check: 'dependencies', ok: true, detail: `optional dependency ${goQuote(d.id)} ignored (as the server does)` });
      continue;
    }
    const installed = host.installedPlugins.get(d.id);
    if (installed === undefined) {
      record('dependencies', false, `required dependency ${goQuote(d.id)} is not installed`);
    } else if (d.version !== '' && !versionInRange(installed, d.version)) {
      record('dependencies', false, `required dependency ${goQuote(d.id)} version ${installed} does not satisfy ${goQuote(d.version)}`);
    } else {
      record('dependencies', true, `${d.id} ${installed}${d.version ? ` satisfies ${d.version}` : ''}`);
    }
  }

  const f = failure as { code: 'RUNNER_UNAVAILABLE' | 'RUNNER_INCOMPATIBLE'; message: string } | undefined;
  return {
    ok: f === undefined,
    ...(f !== undefined ? { code: f.code, message: f.message } : {}),
    findings,
    protocol,
    ...(runtimeEntrypoint !== undefined ? { runtimeEntrypoint } : {}),
    ...(uiEntrypoint !== undefined ? { uiEntrypoint } : {}),
  };
}

/** A range rule: the grammar first (an invalid range is refused), then membership. */
function rangeCheck(
  record: (check: string, ok: boolean, detail: string) => void,
  check: string,
  range: string,
  version: string,
  what: string,
): void {
  const bad = invalidVersionTerm(range);
  if (bad !== undefined) {
    record(check, false, `${check} ${goQuote(range)} is not a version range in the server's grammar (invalid term ${goQuote(bad)}); refused`);
    return;
  }
  const ok = versionInRange(version, range);
  record(check, ok, ok ? `${what} ${version} satisfies ${goQuote(range)}` : `${what} ${version} does not satisfy ${check} ${goQuote(range)}`);
}
