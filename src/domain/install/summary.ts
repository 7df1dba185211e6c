/**
 * The approval summary: what a person reads before saying yes (DESIGN §5
 * step 6 and 8) — as data ({@link ApprovalSummary}, also the `--json`
 * output) and as text ({@link formatApprovalSummary}).
 *
 * It names the publisher and why it is trusted, the version and channel,
 * every capability with its risk tier **in words** and its plain-language
 * meaning (from the one capability table, `core/server-versions`), the artifact
 * and manifest digests, the index the decision rests on, and the host
 * compatibility findings.
 *
 * Pure, browser-safe.
 *
 * @module
 */
import type { RiskTier } from '../../core/server-line.js';
import type { CompatibilityFinding } from './compat.js';

/** One capability as the operator sees it. */
export interface SummaryCapability {
  readonly name: string;
  readonly risk: RiskTier;
  /** Plain-language meaning. */
  readonly meaning: string;
  /** The policy pattern that allows it. */
  readonly allowedBy: string;
}

/** Everything shown before the operator approves. */
export interface ApprovalSummary {
  readonly plugin: { readonly id: string; readonly name: string; readonly type: string; readonly summary?: string };
  readonly version: string;
  readonly channel: string;
  readonly publisher: {
    readonly id: string;
    /** Display name from the index (informational). */
    readonly name: string;
    /** Keyid of the operator-trusted key that verified the manifest. */
    readonly keyid: string;
    /** Where the limits come from: the publisher's own entry or `"*"`. */
    readonly limits: { readonly maxRisk: RiskTier; readonly channels: readonly string[]; readonly types: readonly string[] };
  };
  readonly capabilities: readonly SummaryCapability[];
  /** The highest tier among the capabilities. */
  readonly highestRisk: RiskTier;
  readonly artifact: { readonly url: string; readonly sha256: string; readonly bytes: number };
  readonly manifest: {
    readonly url: string;
    readonly sha256: string;
    readonly schema: 'v1' | 'v2';
    readonly payloadSha256: string;
    /** Where the bytes came from: the index's stored manifest (DESIGN §4.5) or `manifest_url`. */
    readonly source?: 'stored' | 'url';
  };
  /** The server rules the install was judged with, and what the signed index says about this release (DESIGN §4.5). */
  readonly server?: {
    /** The known server version whose rules applied. */
    readonly rules: string;
    /** The build the policy names (`host.server_build`), when it names one. */
    readonly build?: string;
    /** The release's `loads_on` from the signed index; `null` when the index has no matrix for it. */
    readonly loadsOn: readonly string[] | null;
  };
  /** Newer releases of the channel passed over when none was pinned, and why. */
  readonly skipped?: readonly { readonly version: string; readonly reason: string }[];
  readonly index: {
    /** `official`, or `draft`/`example` — a draft is never presented as official. */
    readonly status: string;
    readonly generation: number | undefined;
    readonly expiresAt: string | undefined;
    readonly payloadSha256: string;
    readonly signers: readonly { readonly keyid: string; readonly label?: string }[];
  };
  readonly compatibility: {
    readonly platform: string;
    readonly protocol: string;
    readonly entrypoint?: string;
    readonly findings: readonly CompatibilityFinding[];
    readonly checks: readonly string[];
  };
}

const RISK_WORDS: Readonly<Record<RiskTier, string>> = Object.freeze({
  read: 'READ  — can look, cannot change anything',
  write: 'WRITE — can change plugin-owned data and send notifications',
  host: 'HOST  — can act on the server, the network or secrets',
});

/**
 * The summary as plain text (no colour, so risk is never shown by colour alone).
 *
 * @param s - the summary.
 * @returns lines joined with `\n`, no trailing newline.
 * @example
 * ```ts
 * process.stdout.write(formatApprovalSummary(result.summary) + '\n');
 * ```
 */
export function formatApprovalSummary(s: ApprovalSummary): string {
  const lines: string[] = [];
  lines.push(`Plugin      ${s.plugin.id} — ${s.plugin.name} (${s.plugin.type})`);
  if (s.plugin.summary) lines.push(`            ${s.plugin.summary}`);
  lines.push(`Version     ${s.version} (channel ${s.channel})`);
  for (const k of s.skipped ?? []) lines.push(`            skipped ${k.version}: ${k.reason}`);
  lines.push(`Publisher   ${s.publisher.id} (${s.publisher.name})`);
  lines.push(`            trusted by your policy: manifest signed by key ${s.publisher.keyid.slice(0, 16)}…`);
  lines.push(
    `            limits: risk up to ${s.publisher.limits.maxRisk}, channels ${s.publisher.limits.channels.join('/')}, types ${s.publisher.limits.types.join('/')}`,
  );
  lines.push(`Capabilities (highest risk: ${s.highestRisk.toUpperCase()})`);
  for (const c of s.capabilities) {
    lines.push(`  [${c.risk.toUpperCase()}] ${c.name}`);
    lines.push(`         ${c.meaning}`);
  }
  lines.push('Risk tiers');
  for (const tier of new Set(s.capabilities.map((c) => c.risk))) lines.push(`  ${RISK_WORDS[tier]}`);
  lines.push(`Artifact    sha256 ${s.artifact.sha256} (${s.artifact.bytes} bytes)`);
  lines.push(`            ${s.artifact.url}`);
  lines.push(`Manifest    ${s.manifest.schema}, sha256 ${s.manifest.sha256}${s.manifest.source === 'stored' ? ' (stored in the index)' : ''}`);
  if (s.server !== undefined) {
    const loads = s.server.loadsOn === null ? 'the index has no loadability matrix for it' : `the signed index says it loads on ${s.server.loadsOn.join(', ') || 'no known version'}`;
    lines.push(`Server      rules of ${s.server.rules}${s.server.build !== undefined && s.server.build !== s.server.rules ? ` (build ${s.server.build})` : ''}; ${loads}`);
  }
  if (s.index.status !== 'official') {
    lines.push(`Index       ${s.index.status.toUpperCase()} — NOT an official index: accepted only because your policy sets index.allow_draft`);
    lines.push(`            generation ${s.index.generation ?? 'none'}, expires ${s.index.expiresAt ?? 'never'}, signed by ${s.index.signers.map((x) => x.label ?? x.keyid.slice(0, 16)).join(', ') || 'nobody'}`);
  } else {
    lines.push(`Index       official, generation ${s.index.generation ?? 'none'}, expires ${s.index.expiresAt ?? 'never'}, signed by ${s.index.signers.map((x) => x.label ?? x.keyid.slice(0, 16)).join(', ') || 'nobody'}`);
  }
  lines.push(`Host        ${s.compatibility.platform}, protocol ${s.compatibility.protocol || 'none'}${s.compatibility.entrypoint ? `, entrypoint ${s.compatibility.entrypoint}` : ''}`);
  for (const f of s.compatibility.findings) lines.push(`  ${f.ok ? 'ok  ' : 'FAIL'} ${f.check}: ${f.detail}`);
  for (const c of s.compatibility.checks) lines.push(`  ok   ${c}`);
  return lines.join('\n');
}
