/**
 * The words of the catalog's trust claims — what exactly was verified, never
 * the one word "Verified" (issue 14 item 1). Every element showing one of
 * these carries `data-trust-claim`; when the browser check fails, the page
 * script withdraws them all ({@link WITHDRAWN_WORDS}) and shows the banner.
 *
 * Browser-safe: no `node:` imports.
 *
 * @module
 */
import type { PluginView } from './catalog.js';
import type { VerificationSummary } from './verification.js';

/** What a withdrawn claim says instead (no "verified" in it). */
export const WITHDRAWN_WORDS = 'Withdrawn — this page failed its check in your browser (see the warning at the top).';

/** The signing keys of the index, as fingerprints. */
function keyWords(summary: VerificationSummary): string {
  const keys = summary.signers.map((s) => s.keyid);
  if (keys.length === 0) return 'no trusted key';
  return `${keys.length > 1 ? 'keys' : 'key'} ${keys.join(', ')}`;
}

/**
 * The index claim: "Listed in the signed index, generation N, signed by key …".
 * @param summary - what the build verified.
 */
export function indexClaimWords(summary: VerificationSummary): string {
  if (!summary.signed) return `Not signed: listed in an unsigned ${summary.status} index (checked for validity only).`;
  return `Listed in the signed index, generation ${summary.generation ?? 'none'}, signed by ${keyWords(summary)}`;
}

/**
 * A plugin's claim, per plugin: the index claim, then what was checked of its
 * current releases' manifests, or why the catalog does not vouch for it.
 * @param p - the plugin.
 * @param summary - what the build verified.
 * @param manifestChecked - `id@version` of releases whose stored manifest signature the build checked.
 */
export function pluginClaimWords(p: PluginView, summary: VerificationSummary, manifestChecked: ReadonlySet<string>): string {
  if (!p.verified) return p.verification;
  const heads = p.heads.filter((h) => h.release.revoked === undefined);
  const checked = heads.filter((h) => manifestChecked.has(`${p.id}@${h.release.version}`)).map((h) => h.release.version);
  const unchecked = heads.filter((h) => !manifestChecked.has(`${p.id}@${h.release.version}`)).map((h) => h.release.version);
  const parts = [indexClaimWords(summary)];
  if (checked.length > 0) parts.push(`manifest signature of ${checked.join(', ')} checked at build`);
  if (unchecked.length > 0) parts.push(`manifest of ${unchecked.join(', ')} not stored in the index: checked by your installer, not by this catalog`);
  return `${parts.join('; ')}.`;
}

/**
 * The short claim of a catalog card or table row (the plugin page has the long one).
 * @param p - the plugin.
 * @param summary - what the build verified.
 */
export function shortClaimWords(p: PluginView, summary: VerificationSummary): string {
  if (!p.verified) return 'Not vouched for';
  return `Signed index, generation ${summary.generation ?? 'none'}`;
}
