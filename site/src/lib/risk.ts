/**
 * How the catalog presents capability risk: the tier in words as well as
 * colour, and each capability's plain-language meaning.
 *
 * The facts — which tier a capability has on which server line, and what it
 * means — come from `src/core/server-line.ts` (interop §C.3), the project's one
 * source for them; this module only chooses the words and CSS class names.
 *
 * @module
 */
import {
  DEFAULT_SERVER_LINE,
  RISK_TIERS,
  SERVER_LINES,
  capabilityMeaning,
  capabilityRisk,
  highestRisk,
  serverLineProfile,
  type RiskTier,
  type ServerLine,
} from '../../../src/core/server-line.js';

/** A risk tier as people read it: words first, colour as a second channel. */
export interface RiskPresentation {
  /** The tier from the capability table. */
  readonly tier: RiskTier;
  /** Short words for badges, e.g. `Host access`. */
  readonly short: string;
  /** The level alone, e.g. `high risk`. */
  readonly level: string;
  /** The full label, e.g. `Host access — high risk`. Never colour alone. */
  readonly words: string;
  /** CSS class carrying the tier colour (`risk-read`, `risk-write`, `risk-host`). */
  readonly className: string;
}

const TIER_WORDS: Readonly<Record<RiskTier, { short: string; level: string }>> = Object.freeze({
  read: { short: 'Read only', level: 'low risk' },
  write: { short: 'Writes data', level: 'medium risk' },
  host: { short: 'Host access', level: 'high risk' },
});

/**
 * Words and colour class of a risk tier.
 * @param tier - a tier from the capability table.
 * @returns the presentation; `words` is what screen readers and print read.
 * @throws TypeError for a value that is not a tier (a caller bug).
 * @example riskPresentation('host').words // 'Host access — high risk'
 */
export function riskPresentation(tier: RiskTier): RiskPresentation {
  const w = TIER_WORDS[tier];
  if (!RISK_TIERS.includes(tier) || w === undefined) throw new TypeError(`unknown risk tier ${String(tier)}`);
  return Object.freeze({ tier, short: w.short, level: w.level, words: `${w.short} — ${w.level}`, className: `risk-${tier}` });
}

/** One capability as the catalog shows it. */
export interface CapabilityPresentation {
  /** The capability name, e.g. `task:run`. */
  readonly name: string;
  /** Whether the chosen server line knows the capability. */
  readonly known: boolean;
  /** Risk on the chosen line; an unknown capability counts as host risk (fail closed). */
  readonly risk: RiskPresentation;
  /** Plain-language meaning (from `capability-meanings.json`). */
  readonly meaning: string;
  /** Server lines whose table lists the capability. */
  readonly lines: readonly ServerLine[];
}

/** Meaning shown for a capability no server line knows. */
export const UNKNOWN_CAPABILITY_MEANING =
  'Not a capability any Lattice server line knows; treated as the highest risk.';

/**
 * Present one capability for a server line.
 * @param name - capability name from an index entry (hostile text is fine: it is only looked up).
 * @param line - the line whose table decides the tier (default `integration`).
 * @returns name, tier in words and colour, meaning and the lines that know it.
 * @example capabilityPresentation('kv:read').risk.words // 'Read only — low risk'
 */
export function capabilityPresentation(name: string, line: ServerLine = DEFAULT_SERVER_LINE): CapabilityPresentation {
  // Presentations are frozen, so one object per (line, name) is shared by every
  // release that asks (a catalog of 10k plugins asks ~50k times).
  const key = `${line}\u0000${name}`;
  let p = PRESENTATIONS.get(key);
  if (p === undefined) {
    p = presentCapability(name, line);
    if (PRESENTATIONS.size < MAX_CACHED) PRESENTATIONS.set(key, p);
  }
  return p;
}

const PRESENTATIONS = new Map<string, CapabilityPresentation>();
// Known capabilities are few; the cap only bounds what unknown names can add.
const MAX_CACHED = 4096;

function presentCapability(name: string, line: ServerLine): CapabilityPresentation {
  const tier = capabilityRisk(name, line);
  const lines = SERVER_LINES.filter((l) => capabilityRisk(name, l) !== undefined);
  return Object.freeze({
    name,
    known: tier !== undefined,
    risk: riskPresentation(tier ?? 'host'),
    meaning: capabilityMeaning(name) ?? UNKNOWN_CAPABILITY_MEANING,
    lines: Object.freeze(lines),
  });
}

/**
 * The highest tier among capabilities, presented (unknown names count as host).
 * @example highestRiskPresentation(['kv:read', 'task:run']).short // 'Host access'
 */
export function highestRiskPresentation(capabilities: Iterable<string>, line: ServerLine = DEFAULT_SERVER_LINE): RiskPresentation {
  return riskPresentation(highestRisk(capabilities, line));
}

/**
 * Every capability any server line knows, most dangerous tier first, then by
 * name — the order of the capability reference page.
 * @returns capabilities presented for `line`; ones unknown to `line` are included
 *   with `known: false` and their tier from the line that knows them.
 */
export function capabilityReference(line: ServerLine = DEFAULT_SERVER_LINE): CapabilityPresentation[] {
  const names = new Set<string>();
  for (const l of SERVER_LINES) for (const n of serverLineProfile(l).capabilities.keys()) names.add(n);
  const out: CapabilityPresentation[] = [];
  for (const name of names) {
    const p = capabilityPresentation(name, line);
    if (p.known) out.push(p);
    else {
      // Known on another line only (e.g. wireguard:* on integration): show that line's tier.
      const other = p.lines[0]!;
      out.push(Object.freeze({ ...p, risk: riskPresentation(capabilityRisk(name, other)!) }));
    }
  }
  return out.sort(
    (a, b) => RISK_TIERS.indexOf(b.risk.tier) - RISK_TIERS.indexOf(a.risk.tier) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}
