/**
 * What this host could install from a verified index, and why not the rest
 * (`lattice-index candidates`). Each plugin is judged per channel with the
 * index-only checks of the install pipeline (`preflightCandidate`: select,
 * publisher, capability rules on the index's list, runner availability).
 * Selection is the one `install ID` makes (DESIGN §4.5): the newest release
 * of the channel, never newer than its head, that the policy allows and that
 * the signed `loads_on` does not rule out for the host's server version — so the
 * same index gives different candidates on different server versions; the
 * entry lists the releases passed over and why.
 * A candidate still has its manifest, artifact and full compatibility
 * verified at install time; the entry says so.
 *
 * Pure, browser-safe.
 *
 * @module
 */
import type { PolicyError, VerificationError, ErrorCode } from '../../core/errors.js';
import { serverRules } from '../../core/server-line.js';
import { RELEASE_CHANNELS, type ReleaseChannel } from '../../core/index/types.js';
import type { VerifiedIndex } from '../index/verify.js';
import { preflightCandidate } from './pipeline.js';
import type { HostProfile, InstallPolicy } from './policy.js';

/** One plugin × channel of the index, judged for this host. */
export interface CandidateEntry {
  readonly plugin: string;
  readonly name: string;
  readonly type: string;
  readonly publisher: string;
  readonly channel: ReleaseChannel;
  /** The release `install` would pick (the channel's head when nothing is installable). */
  readonly version: string;
  /** The channel's head (`channels[channel]`). */
  readonly head: string;
  /** Newer releases of the channel passed over, and why. */
  readonly skipped: readonly { readonly version: string; readonly reason: string }[];
  /** The known server version whose rules judged it. */
  readonly serverVersion: string;
  /** What the signed index says about loading the picked release on that version (`null`: not evaluated). */
  readonly loads: boolean | null;
  /** True when every index-only check passes. */
  readonly installable: boolean;
  /** For alpha: installing needs `--channel alpha`. */
  readonly needsOptIn: boolean;
  /** The first failing check's code (when not installable). */
  readonly code?: ErrorCode;
  /** Why not, or what remains to be checked. */
  readonly reason: string;
}

/**
 * Judge every plugin and channel of a verified index.
 *
 * @param verified - an index that passed `verifyIndex` with the policy's keys.
 * @param policy - the install policy.
 * @param now - reference time (publisher key windows).
 * @param host - overrides of the policy's host profile.
 * @returns entries sorted by plugin id, stable before alpha.
 * @example
 * ```ts
 * for (const c of listCandidates(verified, policy, Date.now())) console.log(c.plugin, c.installable, c.reason);
 * ```
 */
export function listCandidates(verified: VerifiedIndex, policy: InstallPolicy, now: number, host?: Partial<HostProfile>): CandidateEntry[] {
  const out: CandidateEntry[] = [];
  const serverVersion = serverRules({ ...policy.host, ...(host ?? {}) }.serverRules).version;
  const plugins = [...verified.index.plugins].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const p of plugins) {
    for (const channel of RELEASE_CHANNELS) {
      const version = p.channels[channel];
      if (version === undefined) continue;
      const r = preflightCandidate(verified, policy, p.id, channel, now, host);
      const base = { plugin: p.id, name: p.name, type: p.type, publisher: p.publisher, channel, head: version, needsOptIn: channel === 'alpha', skipped: r.skipped, serverVersion };
      if (r.ok) {
        const loads = r.loads === undefined ? 'no loadability matrix for it in the index' : `the signed index says it loads on ${serverVersion}`;
        out.push({
          ...base,
          version: r.version,
          loads: r.loads ?? null,
          installable: true,
          reason: `index checks pass${channel === 'alpha' ? '; install with --channel alpha' : ''}; ${loads}; manifest, artifact and compatibility are verified at install`,
        });
      } else {
        const e: VerificationError | PolicyError = r.error;
        out.push({ ...base, version, loads: null, installable: false, code: e.code, reason: e.message });
      }
    }
  }
  return out;
}
