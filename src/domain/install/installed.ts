/**
 * The operator's installed plugins (issue 15): what is installed, what was
 * approved, and how it stands against the current verified index and the
 * install policy — and the capability diff between two releases that gates
 * an upgrade.
 *
 * Inputs come from the io layer (`src/io/installed.ts`): each
 * `<dir>/<id>.plugin/` with the SHA-256 of its `manifest.json` and
 * `artifact` bytes as they are on disk, and the approval records of the
 * audit log (the latest `plugin.install`, `plugin.upgrade` or
 * `plugin.rollback` placement of each id, cleared by `plugin.remove`).
 *
 * Statuses ({@link InstalledStatus}), worst first:
 * - `modified` — the manifest or artifact bytes differ from the approval
 *   record (or the artifact from the manifest's own digest);
 * - `unrecorded` — present, but no approval record names it: "present" is
 *   not "approved";
 * - `invalid` — the installed manifest does not decode, or names another id than its directory;
 * - `revoked` — the release, its artifact digest or its key is revoked by
 *   the index (with the reason);
 * - `untrusted` — the policy no longer trusts the publisher, or none of its
 *   keys verifies the installed manifest's signature;
 * - `not-in-index` — the index no longer lists the plugin or the release;
 * - `upgrade-available` — a newer release the policy allows (to which
 *   version, and whether its index entry already shows an escalation);
 * - `current`.
 * `current` and `upgrade-available` are fine for `audit`; the others are
 * problems.
 *
 * Pure, browser-safe: the signature verifier is injected (the io layer
 * passes the OpenSSL one of `src/crypto/node.ts`).
 *
 * @module
 */
import type { ReleaseChannel } from '../../core/index/types.js';
import { goDecodeRawStdThenStd } from '../../core/base64.js';
import { RISK_TIERS, type RiskTier, type ServerRules } from '../../core/server-line.js';
import { compareVersions } from '../../core/version-range.js';
import type { VerifiedIndex } from '../index/verify.js';
import { decodeManifest } from '../manifest/decode.js';
import { manifestArtifactDigest, type Manifest } from '../manifest/model.js';
import { manifestSigningPayload } from '../manifest/payload.js';
import { preflightCandidate, releaseRevocation } from './pipeline.js';
import { trustedPublisher, type HostProfile, type InstallPolicy } from './policy.js';

/** Events of the audit log that place a release (the approval records). */
export const PLACING_EVENTS = Object.freeze(['plugin.install', 'plugin.upgrade', 'plugin.rollback'] as const);
/** The event of a removal (clears the approval of its id). */
export const REMOVE_EVENT = 'plugin.remove';

/** One installed plugin as read from disk. */
export interface InstalledFiles {
  /** The plugin id (`<id>.plugin`). */
  readonly id: string;
  /** `<dir>/<id>.plugin`. */
  readonly path: string;
  /** `manifest.json` as on disk (`undefined`: missing or unreadable). */
  readonly manifestBytes: Uint8Array | undefined;
  /** SHA-256 of `manifest.json` (`''`: missing). */
  readonly manifestSha256: string;
  /** SHA-256 of `artifact` (`''`: missing). */
  readonly artifactSha256: string;
  readonly artifactBytes: number;
}

/** What an approval record of the audit log says was approved. */
export interface ApprovalRecord {
  readonly time: string;
  readonly event: string;
  readonly plugin: string;
  readonly version: string;
  readonly channel: string;
  readonly publisher?: string;
  readonly publisher_keyid?: string;
  readonly type?: string;
  readonly capabilities: readonly { readonly name: string; readonly risk: string }[];
  readonly artifact_sha256: string;
  readonly manifest_sha256: string;
  readonly index_generation?: number | null;
  readonly policy_sha256?: string;
  readonly approved_by?: string;
  readonly escalation_approved?: boolean;
}

/**
 * The approval standing for each installed id: the latest placing record
 * (`plugin.install`, `plugin.upgrade`, `plugin.rollback` with a placed
 * outcome), cleared by a later `plugin.remove`. Records that are not
 * well-formed placements are ignored (a refusal, a failed placement).
 *
 * @param records - the audit log's records, in log order.
 * @returns id → record.
 * @example
 * ```ts
 * const approvals = approvalsFromAudit(lines.map((l) => JSON.parse(l)));
 * ```
 */
export function approvalsFromAudit(records: readonly unknown[]): Map<string, ApprovalRecord> {
  const out = new Map<string, ApprovalRecord>();
  for (const r of records) {
    if (r === null || typeof r !== 'object') continue;
    const x = r as Record<string, unknown>;
    if (typeof x.plugin !== 'string') continue;
    if (x.event === REMOVE_EVENT && x.outcome === 'removed') {
      out.delete(x.plugin);
      continue;
    }
    if (!(PLACING_EVENTS as readonly unknown[]).includes(x.event)) continue;
    if (x.outcome !== 'installed' && x.outcome !== 'replaced' && x.outcome !== 'upgraded' && x.outcome !== 'rolled-back') continue;
    if (typeof x.version !== 'string' || typeof x.artifact_sha256 !== 'string' || typeof x.manifest_sha256 !== 'string' || !Array.isArray(x.capabilities)) continue;
    out.set(x.plugin, { channel: 'stable', ...(x as object) } as ApprovalRecord);
  }
  return out;
}

// ---- capability diff ----------------------------------------------------------

/** What a candidate release asks for beyond the installed one. */
export interface CapabilityDiff {
  /** Capabilities the installed release does not hold, with their tier. */
  readonly added: readonly { readonly name: string; readonly risk: RiskTier }[];
  /** Capabilities given up (never an escalation). */
  readonly removed: readonly string[];
  /** The highest tier rises (`null`: it does not). */
  readonly raisedRisk: { readonly from: RiskTier; readonly to: RiskTier } | null;
  /** New host access (`host_access.rpc`) as `service.method` (`service.*` for every method). */
  readonly hostAccessAdded: readonly string[];
  /** Another runtime protocol (`null`: same). */
  readonly runtime: { readonly from: string; readonly to: string } | null;
  /** Another plugin type (`null`: same). */
  readonly type: { readonly from: string; readonly to: string } | null;
  /** True when any of added, raisedRisk, hostAccessAdded, runtime, type. */
  readonly escalates: boolean;
}

/** The part of a manifest the diff reads (an index entry gives the first two). */
export interface CapabilityView {
  readonly type: string;
  readonly capabilities: readonly string[];
  readonly runtimeProtocol?: string;
  readonly hostAccess?: readonly string[];
}

/**
 * The parts of a manifest a capability diff compares.
 *
 * @param m - a decoded manifest.
 * @returns the view.
 */
export function manifestCapabilityView(m: Manifest): CapabilityView {
  // `service#method`: `#` is in neither alphabet (interop A.4.2), while both
  // allow dots, so `service.method` would be ambiguous ("a/b.c" + "d" and
  // "a/b" + "c.d" would read the same and hide a new grant).
  const hostAccess: string[] = [];
  for (const rpc of m.host_access?.rpc ?? []) {
    if (rpc.methods === null || rpc.methods.length === 0) hostAccess.push(hostAccessGrant(rpc.service, '*'));
    else for (const method of rpc.methods) hostAccess.push(hostAccessGrant(rpc.service, method));
  }
  return { type: m.type, capabilities: m.capabilities ?? [], runtimeProtocol: m.runtime?.protocol ?? '', hostAccess };
}

/** One host-access grant as the diff compares it: `service#method` (`service#*` for every method). */
function hostAccessGrant(service: string, method: string): string {
  return `${service}#${method}`;
}

function tierOf(rules: ServerRules, capability: string): RiskTier {
  return rules.capabilities.get(capability) ?? 'host'; // unknown: fail closed
}

function highest(rules: ServerRules, caps: readonly string[]): RiskTier {
  let max = 0;
  for (const c of caps) max = Math.max(max, RISK_TIERS.indexOf(tierOf(rules, c)));
  return RISK_TIERS[max]!;
}

/**
 * Compare what `to` asks for with what `from` holds (issue 15 item 2): new
 * capabilities, a raised highest risk tier, new host access, another runtime
 * protocol or type. Runtime and host access are compared only when both
 * views carry them (an index entry does not).
 *
 * @param from - the installed release.
 * @param to - the candidate.
 * @param rules - the server version whose capability table gives the tiers.
 * @returns the diff.
 * @example
 * ```ts
 * const d = capabilityDiff(manifestCapabilityView(installed), manifestCapabilityView(candidate), serverRules('integration'));
 * if (d.escalates) console.log(formatCapabilityDiff(d));
 * ```
 */
export function capabilityDiff(from: CapabilityView, to: CapabilityView, rules: ServerRules): CapabilityDiff {
  const had = new Set(from.capabilities);
  const has = new Set(to.capabilities);
  const added = [...has].filter((c) => !had.has(c)).sort().map((name) => ({ name, risk: tierOf(rules, name) }));
  const removed = [...had].filter((c) => !has.has(c)).sort();
  const hf = highest(rules, from.capabilities);
  const ht = highest(rules, to.capabilities);
  const raisedRisk = RISK_TIERS.indexOf(ht) > RISK_TIERS.indexOf(hf) ? { from: hf, to: ht } : null;
  const hostAccessAdded = from.hostAccess !== undefined && to.hostAccess !== undefined
    ? to.hostAccess.filter((h) => !from.hostAccess!.includes(h) && !from.hostAccess!.includes(hostAccessGrant(h.slice(0, h.indexOf('#')), '*'))).sort()
    : [];
  const runtime = from.runtimeProtocol !== undefined && to.runtimeProtocol !== undefined && from.runtimeProtocol !== to.runtimeProtocol
    ? { from: from.runtimeProtocol, to: to.runtimeProtocol }
    : null;
  const type = from.type !== to.type ? { from: from.type, to: to.type } : null;
  const escalates = added.length > 0 || raisedRisk !== null || hostAccessAdded.length > 0 || runtime !== null || type !== null;
  return { added, removed, raisedRisk, hostAccessAdded, runtime, type, escalates };
}

/**
 * The diff as text lines (`+` asks for more, `-` gives up), no colour.
 *
 * @param d - the diff.
 * @param fromVersion - installed version.
 * @param toVersion - candidate version.
 * @returns lines joined with `\n`.
 */
export function formatCapabilityDiff(d: CapabilityDiff, fromVersion: string, toVersion: string): string {
  const lines = [`Changes from the installed ${fromVersion} to ${toVersion}${d.escalates ? ' — ESCALATION: it asks for more than you approved' : ' — no escalation'}`];
  for (const a of d.added) lines.push(`  + capability [${a.risk.toUpperCase()}] ${a.name}`);
  for (const r of d.removed) lines.push(`  - capability ${r}`);
  if (d.raisedRisk) lines.push(`  + highest risk ${d.raisedRisk.from.toUpperCase()} → ${d.raisedRisk.to.toUpperCase()}`);
  for (const h of d.hostAccessAdded) lines.push(`  + host access ${h}`);
  if (d.runtime) lines.push(`  ~ runtime ${d.runtime.from || 'none'} → ${d.runtime.to || 'none'}`);
  if (d.type) lines.push(`  ~ type ${d.type.from} → ${d.type.to}`);
  if (lines.length === 1) lines.push('  (same capabilities, risk, host access, runtime and type)');
  return lines.join('\n');
}

// ---- status ---------------------------------------------------------------------

/** Status of one installed plugin. */
export type InstalledStatus = 'current' | 'upgrade-available' | 'revoked' | 'untrusted' | 'not-in-index' | 'modified' | 'unrecorded' | 'invalid';

/** Statuses `audit` accepts. */
export const FINE_STATUSES: readonly InstalledStatus[] = Object.freeze(['current', 'upgrade-available']);

/** One finding about an installed plugin. */
export interface InstalledFinding {
  readonly status: InstalledStatus;
  readonly message: string;
}

/** The report on one installed plugin. */
export interface InstalledReport {
  readonly id: string;
  readonly path: string;
  readonly version: string;
  readonly channel: string;
  readonly publisher: string;
  readonly type: string;
  /** The publisher key id of the approval record (when recorded). */
  readonly keyid?: string;
  readonly capabilities: readonly { readonly name: string; readonly risk: RiskTier }[];
  /** From the approval record. */
  readonly installedAt?: string;
  readonly approvedBy?: string;
  readonly artifactSha256: string;
  readonly manifestSha256: string;
  /** The worst status (the first of {@link findings}). */
  readonly status: InstalledStatus;
  /** Every finding, worst first (`current` alone when all is well). */
  readonly findings: readonly InstalledFinding[];
  /** When `upgrade-available`: the version and the index-level diff (full diff at upgrade). */
  readonly upgrade?: { readonly version: string; readonly escalates: boolean; readonly diff: CapabilityDiff };
  /** The plugins this one requires (manifest dependencies, not optional). */
  readonly requires: readonly string[];
}

const ORDER: readonly InstalledStatus[] = ['modified', 'unrecorded', 'invalid', 'revoked', 'untrusted', 'not-in-index', 'upgrade-available', 'current'];

/** Inputs of {@link judgeInstalled}. */
export interface JudgeInstalledInput {
  readonly files: InstalledFiles;
  readonly approval: ApprovalRecord | undefined;
  /** The verified index; `undefined` when the source does not list the plugin at all (repository v2 `PLUGIN_NOT_FOUND`). */
  readonly verified: VerifiedIndex | undefined;
  readonly policy: InstallPolicy;
  readonly rules: ServerRules;
  readonly now: number;
  readonly host?: Partial<HostProfile>;
  /** Ed25519 verify (Go's verdicts): the OpenSSL verifier on Node. */
  readonly verifyEd25519: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
}

/**
 * Judge one installed plugin (see the module comment).
 *
 * @param input - files, approval record, verified index, policy, rules, clock, verifier.
 * @returns the report.
 * @example
 * ```ts
 * const r = judgeInstalled({ files, approval, verified, policy, rules, now: Date.now(), verifyEd25519: verifyEd25519Node });
 * ```
 */
export function judgeInstalled(input: JudgeInstalledInput): InstalledReport {
  const { files, approval, verified, policy, rules } = input;
  const findings: InstalledFinding[] = [];
  const add = (status: InstalledStatus, message: string): void => {
    findings.push({ status, message });
  };
  let manifest: Manifest | undefined;
  if (files.manifestBytes === undefined) add('modified', 'manifest.json is missing');
  else {
    const d = decodeManifest(files.manifestBytes, { serverVersion: rules.version });
    if (d.ok) manifest = d.manifest;
    else add('invalid', `manifest.json does not decode: ${d.message}`);
    if (manifest !== undefined && manifest.id !== files.id) {
      // The server loads by the manifest's id: a second directory with one id rejects both (interop §D.7).
      add('invalid', `the manifest names ${JSON.stringify(manifest.id)}, not ${JSON.stringify(files.id)} (its directory)`);
    }
  }
  if (files.artifactSha256 === '') add('modified', 'artifact is missing');
  if (approval === undefined) {
    add('unrecorded', 'no approval record in the audit log names this installation (present, not approved)');
  } else {
    if (files.manifestBytes !== undefined && approval.manifest_sha256 !== files.manifestSha256) {
      add('modified', `manifest.json sha256 ${files.manifestSha256} differs from the approved ${approval.manifest_sha256}`);
    }
    if (files.artifactSha256 !== '' && approval.artifact_sha256 !== files.artifactSha256) {
      add('modified', `artifact sha256 ${files.artifactSha256} differs from the approved ${approval.artifact_sha256}`);
    }
  }
  if (manifest !== undefined && files.artifactSha256 !== '') {
    const digest = manifestArtifactDigest(manifest).toLowerCase();
    if (digest !== '' && digest !== files.artifactSha256 && !findings.some((f) => f.message.startsWith('artifact sha256'))) {
      add('modified', `artifact sha256 ${files.artifactSha256} differs from the manifest's digest ${digest}`);
    }
  }
  const version = manifest?.version || approval?.version || '';
  const publisher = manifest?.publisher || approval?.publisher || '';
  const type = manifest?.type || approval?.type || '';
  const caps = manifest?.capabilities ?? approval?.capabilities.map((c) => c.name) ?? [];
  let channel = approval?.channel ?? 'stable';

  // The policy's trust in the publisher, and a key of it that verifies the installed manifest.
  if (manifest !== undefined) {
    const entry = trustedPublisher(policy, publisher);
    if (entry === undefined) add('untrusted', `the policy no longer trusts publisher ${JSON.stringify(publisher)}`);
    else if (!signatureVerifies(manifest, entry.keys.map((k) => k.publicKey), rules, input.verifyEd25519)) {
      add('untrusted', `no key the policy lists for ${publisher} verifies the installed manifest's signature`);
    }
  }

  let upgrade: InstalledReport['upgrade'];
  const plugin = verified?.index.plugins.find((p) => p.id === files.id);
  if (verified === undefined || plugin === undefined) add('not-in-index', `the index no longer lists ${files.id}`);
  else {
    const rel = plugin.releases.find((r) => r.version === version);
    if (rel === undefined) add('not-in-index', `the index no longer lists release ${files.id}@${version}`);
    else {
      if (approval === undefined) channel = rel.channel;
      const revoked = releaseRevocation(verified, plugin, rel, files.artifactSha256 || rel.artifact_sha256);
      if (revoked !== undefined) add('revoked', revoked.message);
    }
    // Selection never picks a release newer than the channel's head: at the head, nothing to judge.
    const head = plugin.channels[channel as ReleaseChannel];
    const behind = head !== undefined && version !== '' && compareVersions(head, version) > 0;
    const pre = behind ? preflightCandidate(verified, policy, files.id, channel as ReleaseChannel, input.now, input.host) : undefined;
    if (pre?.ok && compareVersions(pre.version, version) > 0) {
      const target = plugin.releases.find((r) => r.version === pre.version)!;
      const diff = capabilityDiff({ type, capabilities: caps }, { type: plugin.type, capabilities: target.capabilities ?? plugin.capabilities }, rules);
      upgrade = { version: pre.version, escalates: diff.escalates, diff };
      add('upgrade-available', `${pre.version} is available${diff.escalates ? ' and ESCALATES (' + escalationWords(diff) + ')' : ''}`);
    }
  }
  if (findings.length === 0) add('current', `${version} is the newest release the policy allows`);
  findings.sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status));
  const requires = (manifest?.dependencies ?? []).filter((d) => !d.optional).map((d) => d.id);
  return {
    id: files.id,
    path: files.path,
    version,
    channel,
    publisher,
    type,
    ...(approval?.publisher_keyid !== undefined ? { keyid: approval.publisher_keyid } : {}),
    capabilities: caps.map((name) => ({ name, risk: tierOf(rules, name) })),
    ...(approval !== undefined ? { installedAt: approval.time, ...(approval.approved_by !== undefined ? { approvedBy: approval.approved_by } : {}) } : {}),
    artifactSha256: files.artifactSha256,
    manifestSha256: files.manifestSha256,
    status: findings[0]!.status,
    findings,
    ...(upgrade !== undefined ? { upgrade } : {}),
    requires,
  };
}

/** Short words for what an escalation asks for. */
export function escalationWords(d: CapabilityDiff): string {
  const parts: string[] = [];
  if (d.added.length > 0) parts.push(`new ${d.added.map((a) => a.name).join(', ')}`);
  if (d.raisedRisk) parts.push(`risk ${d.raisedRisk.from} → ${d.raisedRisk.to}`);
  if (d.hostAccessAdded.length > 0) parts.push(`host access ${d.hostAccessAdded.join(', ')}`);
  if (d.runtime) parts.push(`runtime ${d.runtime.from} → ${d.runtime.to}`);
  if (d.type) parts.push(`type ${d.type.from} → ${d.type.to}`);
  return parts.join('; ');
}

/** Does some key verify the manifest's signature over its signing payload (the server's decoding, interop §B.7)? */
function signatureVerifies(m: Manifest, keys: readonly Uint8Array[], rules: ServerRules, verify: JudgeInstalledInput['verifyEd25519']): boolean {
  if (m.signature_ed25519 === '') return false;
  const sig = goDecodeRawStdThenStd(m.signature_ed25519);
  if (!sig.ok || sig.bytes.length !== 64) return false;
  const payload = manifestSigningPayload(m, { serverVersion: rules.version });
  return keys.some((k) => verify(k, payload, sig.bytes));
}
