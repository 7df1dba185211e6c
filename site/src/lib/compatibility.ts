/**
 * "Loadable on server line": whether a release's type and capabilities pass
 * the capability and type rules of each Lattice server line.
 *
 * The tables come from `src/core/server-line.ts`; the rules are the server's
 * (interop §C.3 capability table, §C.4 type rules, applied by ValidateManifest
 * §A.4 step 7). The signed manifest stays authoritative at install time: the
 * index carries no runtime protocol or compatibility ranges, so this is a
 * preview from the index entry, not the install verdict.
 *
 * @module
 */
import { capabilityTypeProblem, SERVER_LINES, serverLineProfile, type ServerLine } from '../../../src/core/server-line.js';
import type { PluginType } from '../../../src/core/index/types.js';

/** The verdict for one server line. */
export interface LineCompatibility {
  /** The server line. */
  readonly line: ServerLine;
  /** True when every capability is known on the line and allowed for the type. */
  readonly loadable: boolean;
  /** Why not, one sentence per offending capability; empty when loadable. */
  readonly reasons: readonly string[];
}

/**
 * Check one type + capability list against one server line.
 * @param type - the plugin type (`system`, `wasm`, `worker`).
 * @param capabilities - the release's capability list (hostile text is fine).
 * @param line - the server line.
 * @returns the verdict with reasons.
 * @example loadableOn('worker', ['kv:read', 'http:egress'], 'integration').loadable // false
 */
export function loadableOn(type: PluginType, capabilities: readonly string[], line: ServerLine): LineCompatibility {
  const profile = serverLineProfile(line);
  const reasons: string[] = [];
  for (const cap of capabilities) {
    // The server's rule, in its order (core capabilityTypeProblem, interop §C.3/§C.4).
    const problem = capabilityTypeProblem(profile, type, cap);
    if (problem === 'unknown') reasons.push(`${cap} is not a capability of the ${line} line`);
    else if (problem === 'requires-system') reasons.push(`${cap} has host risk and only system plugins may declare it`);
    else if (problem === 'not-for-worker') reasons.push(`worker plugins may only use ${[...profile.workerCapabilities].join(', ')}; ${cap} is not allowed`);
  }
  return Object.freeze({ line, loadable: reasons.length === 0, reasons: Object.freeze(reasons) });
}

/**
 * {@link loadableOn} for every server line, oldest rules first.
 * @example loadability('system', ['wireguard:read']).map((c) => c.loadable) // [false, true]
 */
export function loadability(type: PluginType, capabilities: readonly string[]): readonly LineCompatibility[] {
  // Verdicts are frozen; releases with the same type and capability list share
  // one (most releases of a large index repeat a handful of combinations).
  const key = `${type}\u0000${capabilities.join('\u0000')}`;
  let v = VERDICTS.get(key);
  if (v === undefined) {
    v = Object.freeze(SERVER_LINES.map((line) => loadableOn(type, capabilities, line)));
    if (VERDICTS.size < MAX_CACHED) VERDICTS.set(key, v);
  }
  return v;
}

const VERDICTS = new Map<string, readonly LineCompatibility[]>();
const MAX_CACHED = 65536;

/**
 * What runs a plugin of this type on today's servers (interop §D.8): only
 * `system` has a runner (the system runner, when the server sets
 * `-plugin-runtime-dir`); other types load with the no-op runner.
 * @returns one sentence for the plugin page.
 */
export function runnerNote(type: PluginType): string {
  return type === 'system'
    ? 'Runs in the server’s system runner, which the server enables with -plugin-runtime-dir.'
    : `Current servers load ${type} plugins with the no-op runner: the plugin is armed but its artifact is not executed.`;
}
