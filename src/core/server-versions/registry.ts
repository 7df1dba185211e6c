/**
 * The known Lattice server versions, as data: one JSON file per version in
 * this directory, listed here in registry order (each branch oldest first).
 * `src/core/server-line.ts` is the only reader; it re-checks every file at
 * import and fails closed on a typo.
 *
 * Adding a version whose differences are only data (capabilities, risk
 * tiers, scopes, protocols, limits, the v1 payload rule, which known fields
 * exist) is: its JSON file, its line below, and tests — docs/SERVER-VERSIONS.md.
 *
 * @module
 */
import main141e9ca from './main-141e9ca.json' with { type: 'json' };
import alpha022a41 from './alpha-0.2.2a41.json' with { type: 'json' };
import integration202609 from './integration-2026-09.json' with { type: 'json' };
import capabilityMeanings from './capability-meanings.json' with { type: 'json' };

/** Every version file, in registry order. */
export const SERVER_VERSION_DATA: readonly unknown[] = [main141e9ca, alpha022a41, integration202609];

/** Capability → plain-language meaning (plus a `$comment`). */
export const CAPABILITY_MEANING_DATA: unknown = capabilityMeanings;
