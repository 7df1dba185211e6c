/**
 * Server lines and their capability, scope and protocol tables.
 *
 * The Lattice server has two lines whose plugin rules differ (interop §0):
 * `main` and `integration` (the released server). The tables are data, one
 * JSON file per line under `server-lines/`, and this module is the only reader
 * of those files: the index validator, the manifest validator, the install
 * verifier, the JSON Schemas (by a drift test) and the catalog all ask here.
 *
 * @module
 */
import mainLine from './server-lines/main.json' with { type: 'json' };
import integrationLine from './server-lines/integration.json' with { type: 'json' };
import meanings from './server-lines/capability-meanings.json' with { type: 'json' };

/** A Lattice server line. */
export type ServerLine = 'main' | 'integration';
/** Risk tier of a capability (interop §C.3). */
export type RiskTier = 'read' | 'write' | 'host';

/** Every server line, oldest rules first. */
export const SERVER_LINES: readonly ServerLine[] = Object.freeze(['main', 'integration']);
/**
 * The line assumed when a caller names none: `integration`, the code the
 * released server runs and the reference the interop document recommends (§0).
 */
export const DEFAULT_SERVER_LINE: ServerLine = 'integration';
/** Risk tiers from least to most dangerous. */
export const RISK_TIERS: readonly RiskTier[] = Object.freeze(['read', 'write', 'host']);

/** Everything that differs between server lines, as read-only lookups. */
export interface ServerLineProfile {
  readonly line: ServerLine;
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
}

interface ServerLineData {
  line: string;
  capabilities: Record<string, string>;
  worker_capabilities: string[];
  host_risk_exempt_for_non_system: string[];
  known_scopes: string[];
  runtime_protocols: string[];
  v1_payload_includes_dependencies: boolean;
}

function isRiskTier(v: string): v is RiskTier {
  return v === 'read' || v === 'write' || v === 'host';
}

function buildProfile(data: ServerLineData, line: ServerLine): ServerLineProfile {
  // The data files are ours, but a typo in them would silently weaken every
  // check, so they are re-checked when loaded (fail closed at import time).
  if (data.line !== line) throw new Error(`server-lines/${line}.json names line ${data.line}`);
  const capabilities = new Map<string, RiskTier>();
  for (const name of Object.keys(data.capabilities).sort()) {
    const tier = data.capabilities[name]!;
    if (!isRiskTier(tier)) throw new Error(`server-lines/${line}.json: capability ${name} has unknown risk ${tier}`);
    capabilities.set(name, tier);
  }
  for (const c of [...data.worker_capabilities, ...data.host_risk_exempt_for_non_system]) {
    if (!capabilities.has(c)) throw new Error(`server-lines/${line}.json: ${c} is not in the capability table`);
  }
  return Object.freeze({
    line,
    capabilities,
    workerCapabilities: new Set(data.worker_capabilities),
    hostRiskExemptForNonSystem: new Set(data.host_risk_exempt_for_non_system),
    knownScopes: new Set(data.known_scopes),
    runtimeProtocols: Object.freeze([...data.runtime_protocols]),
    v1PayloadIncludesDependencies: data.v1_payload_includes_dependencies,
  });
}

const PROFILES: Readonly<Record<ServerLine, ServerLineProfile>> = Object.freeze({
  main: buildProfile(mainLine as ServerLineData, 'main'),
  integration: buildProfile(integrationLine as ServerLineData, 'integration'),
});

/** True if `v` names a server line. */
export function isServerLine(v: unknown): v is ServerLine {
  return v === 'main' || v === 'integration';
}

/**
 * The tables of one server line.
 * @param line - `main` or `integration` (default {@link DEFAULT_SERVER_LINE}).
 * @returns a frozen profile shared by all callers.
 * @throws TypeError if `line` is not a server line (a caller bug).
 * @example serverLineProfile('main').capabilities.get('task:run') // 'host'
 */
export function serverLineProfile(line: ServerLine = DEFAULT_SERVER_LINE): ServerLineProfile {
  if (!isServerLine(line)) throw new TypeError(`unknown server line ${String(line)}; expected main or integration`);
  return PROFILES[line];
}

const MEANINGS: ReadonlyMap<string, string> = new Map(
  Object.entries(meanings as Record<string, string>).filter(([k]) => !k.startsWith('$')),
);

/**
 * Plain-language meaning of a capability, for approval prompts and the catalog.
 * @returns the sentence, or `undefined` for a capability no server line knows.
 */
export function capabilityMeaning(capability: string): string | undefined {
  return MEANINGS.get(capability);
}

/**
 * Risk tier of a capability on a line.
 * @returns the tier, or `undefined` when the line does not know the capability.
 */
export function capabilityRisk(capability: string, line: ServerLine = DEFAULT_SERVER_LINE): RiskTier | undefined {
  return serverLineProfile(line).capabilities.get(capability);
}

/**
 * Highest risk tier among `capabilities` (unknown ones count as `host`: fail closed).
 * @returns `read` for an empty list.
 */
export function highestRisk(capabilities: Iterable<string>, line: ServerLine = DEFAULT_SERVER_LINE): RiskTier {
  const table = serverLineProfile(line).capabilities;
  let max = 0;
  for (const c of capabilities) {
    const tier = table.get(c) ?? 'host';
    max = Math.max(max, RISK_TIERS.indexOf(tier));
  }
  return RISK_TIERS[max]!;
}
