/**
 * pr-check and stored manifests (DESIGN §4.5, §7; src/domain/pr/stored-manifests.ts):
 * attacks by name — a stored manifest that differs from the signed one, one
 * signed by another key, a change to an already-stored manifest — each next
 * to the honest variant that passes; and the loadability matrix of new
 * releases in the report (a release that loads nowhere needs review).
 */
import { describe, expect, it } from 'vitest';
import { formatLoadabilityLines, formatReportJSON, formatSummaryMarkdown } from '../../src/domain/pr/report.js';
import { checkPullRequest, type PullRequestReport } from '../../src/domain/pr/rules.js';
import { LOADS_ON, publicKeyB64, releaseFor, signedManifest, type SignedManifestFixture, type Variant } from '../fixtures/stored-manifests.js';

const DEC = new TextDecoder();
const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';

/** A plugin entry file for acme.tool with the given releases (newest first). */
function pluginFile(releases: Array<{ version: string; f: SignedManifestFixture }>): string {
  return json({
    id: 'acme.tool', name: 'Tool', publisher: 'acme', type: 'system', summary: 'A tool.', latest: releases[0]!.version,
    channels: { stable: releases[0]!.version }, capabilities: releases[0]!.f.capabilities,
    releases: releases.map((r) => releaseFor('acme.tool', r.version, 'stable', r.f)),
  });
}

const V1 = signedManifest('acme.tool', '1.0.0', 'plain', 'acme');
const BASE = new Map<string, string>([
  ['index/publishers/acme.json', json({ id: 'acme', name: 'Acme', public_key_ed25519: publicKeyB64('acme') })],
  ['index/plugins/acme.tool.json', pluginFile([{ version: '1.0.0', f: V1 }])],
  ['index/manifests/acme.tool/1.0.0.json', DEC.decode(V1.bytes)],
]);

/** The head of a PR adding acme.tool 1.1.0 (its manifest stored unless `store` is false). */
function addRelease(f: SignedManifestFixture, opts: { store?: string | false } = {}): Map<string, string> {
  const head = new Map(BASE);
  head.set('index/plugins/acme.tool.json', pluginFile([{ version: '1.1.0', f }, { version: '1.0.0', f: V1 }]));
  if (opts.store !== false) head.set('index/manifests/acme.tool/1.1.0.json', opts.store ?? DEC.decode(f.bytes));
  return head;
}

function check(head: Map<string, string>): PullRequestReport {
  return checkPullRequest({ base: BASE, head, changedPaths: [...new Set([...head.keys(), ...BASE.keys()])].filter((p) => head.get(p) !== BASE.get(p)) });
}
const rules = (r: PullRequestReport): string[] => r.findings.map((f) => f.rule);

describe('honest pull requests pass and show the matrix', () => {
  it.each<Variant>(['plain', 'worker-deploy', 'http-bytes', 'v2-protocol', 'v1-deps'])('a new release with its signed manifest stored (%s)', (variant) => {
    const r = check(addRelease(signedManifest('acme.tool', '1.1.0', variant, 'acme')));
    expect(r.findings).toEqual([]);
    expect(r.status).toBe('ok');
    expect(r.publishers).toEqual(['acme']);
    expect(r.loadability).toEqual([
      expect.objectContaining({ plugin: 'acme.tool', version: '1.1.0', file: 'index/plugins/acme.tool.json', stored: true, loads_on: [...LOADS_ON[variant]] }),
    ]);
  });

  it('a new release without a stored manifest is valid (real upstream entries) and shown as not evaluated', () => {
    const r = check(addRelease(signedManifest('acme.tool', '1.1.0', 'plain', 'acme'), { store: false }));
    expect(r.status).toBe('ok');
    expect(r.loadability).toEqual([{ plugin: 'acme.tool', version: '1.1.0', file: 'index/plugins/acme.tool.json', stored: false, loads_on: null, verdicts: [] }]);
    expect(formatLoadabilityLines(r)).toEqual(['loads on: acme.tool@1.1.0: not evaluated (no stored manifest)']);
  });

  it('the summary, the JSON report and the plain lines carry the matrix with the server texts', () => {
    const r = check(addRelease(signedManifest('acme.tool', '1.1.0', 'worker-deploy', 'acme')));
    const md = formatSummaryMarkdown(r, { base: 'a'.repeat(40), head: 'b'.repeat(40) });
    expect(md).toContain('### Loads on (new releases)');
    expect(md).toContain('| <code>acme.tool@1.1.0</code> | ✅ loads | ✅ loads | ❌ interface &quot;acme.tool/items&quot; method &quot;list&quot; invalid scope &quot;worker:deploy&quot; |'.replace(/&quot;/g, '"'));
    expect(JSON.parse(formatReportJSON(r, { base: 'a', head: 'b', mergeBase: 'c' })).loadability[0].loads_on).toEqual(['main-141e9ca', 'alpha-0.2.2a41']);
    expect(formatLoadabilityLines(r)).toEqual([
      'loads on: acme.tool@1.1.0: main-141e9ca yes, alpha-0.2.2a41 yes, integration-2026-09 no (interface "acme.tool/items" method "list" invalid scope "worker:deploy")',
    ]);
  });
});

describe('attacks', () => {
  it('a stored manifest that differs from the signed one is refused (PR_STORED_MANIFEST_INVALID)', () => {
    const f = signedManifest('acme.tool', '1.1.0', 'plain', 'acme');
    // The entry names f (digest, signature); the stored file is another, validly signed manifest.
    const other = signedManifest('acme.tool', '1.1.0', 'worker-deploy', 'acme');
    const r = check(addRelease(f, { store: DEC.decode(other.bytes) }));
    expect(r.status).toBe('failed');
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'PR_STORED_MANIFEST_INVALID', problemCode: 'STORED_MANIFEST_SHA256_MISMATCH', file: 'index/plugins/acme.tool.json' }));
    // One changed byte is enough.
    const tampered = DEC.decode(f.bytes).replace('"Plugin acme.tool"', '"Plugin acme.toot"');
    expect(rules(check(addRelease(f, { store: tampered })))).toContain('PR_STORED_MANIFEST_INVALID');
  });

  it('a stored manifest whose content differs from its entry is refused even when manifest_sha256 matches it', () => {
    const f = signedManifest('acme.tool', '1.1.0', 'plain', 'acme');
    const other = signedManifest('acme.tool', '1.1.0', 'worker-deploy', 'acme');
    const head = addRelease(f, { store: DEC.decode(other.bytes) });
    const entry = JSON.parse(head.get('index/plugins/acme.tool.json')!);
    entry.releases[0].manifest_sha256 = other.sha256; // digest right, signature bytes still f's
    head.set('index/plugins/acme.tool.json', json(entry));
    const r = check(head);
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'PR_STORED_MANIFEST_INVALID', problemCode: 'STORED_MANIFEST_MISMATCH' }));
  });

  it('a stored manifest signed by another key is refused (PR_STORED_MANIFEST_SIGNATURE); the honest one is not', () => {
    const forged = signedManifest('acme.tool', '1.1.0', 'plain', 'mallory');
    const r = check(addRelease(forged));
    expect(r.status).toBe('failed');
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'PR_STORED_MANIFEST_SIGNATURE', file: 'index/manifests/acme.tool/1.1.0.json' }));
    expect(rules(check(addRelease(signedManifest('acme.tool', '1.1.0', 'plain', 'acme'))))).not.toContain('PR_STORED_MANIFEST_SIGNATURE');
  });

  it('the key comes from the base: a PR that also swaps the publisher key cannot bless its own forgery', () => {
    const forged = signedManifest('acme.tool', '1.1.0', 'plain', 'mallory');
    const head = addRelease(forged);
    head.set('index/publishers/acme.json', json({ id: 'acme', name: 'Acme', public_key_ed25519: publicKeyB64('mallory') }));
    const r = check(head);
    expect(rules(r)).toContain('PR_STORED_MANIFEST_SIGNATURE');
    expect(rules(r)).toContain('PR_PUBLISHER_KEY_CHANGED');
  });

  it('changing an already-stored manifest is refused (PR_STORED_MANIFEST_CHANGED), even to another valid signature of the same release', () => {
    const head = new Map(BASE);
    const resigned = signedManifest('acme.tool', '1.0.0', 'worker-deploy', 'acme');
    head.set('index/manifests/acme.tool/1.0.0.json', DEC.decode(resigned.bytes));
    const r = check(head);
    expect(r.status).toBe('failed');
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'PR_STORED_MANIFEST_CHANGED', file: 'index/manifests/acme.tool/1.0.0.json' }));
    expect(r.publishers).toEqual(['acme']);
  });

  it('removing a stored manifest is refused (PR_STORED_MANIFEST_CHANGED)', () => {
    const head = new Map(BASE);
    head.delete('index/manifests/acme.tool/1.0.0.json');
    expect(rules(check(head))).toEqual(['PR_STORED_MANIFEST_CHANGED']);
  });

  it('a stored manifest for no listed release is refused (orphan)', () => {
    const head = new Map(BASE);
    head.set('index/manifests/acme.tool/2.0.0.json', DEC.decode(signedManifest('acme.tool', '2.0.0', 'plain', 'acme').bytes));
    expect(check(head).findings).toContainEqual(expect.objectContaining({ rule: 'PR_STORED_MANIFEST_INVALID', problemCode: 'STORED_MANIFEST_ORPHAN' }));
  });

  it('an entry may not claim its own matrix (loads_on is build output)', () => {
    const f = signedManifest('acme.tool', '1.1.0', 'plain', 'acme');
    const head = addRelease(f);
    const entry = JSON.parse(head.get('index/plugins/acme.tool.json')!);
    entry.releases[0].loads_on = ['main-141e9ca', 'alpha-0.2.2a41', 'integration-2026-09'];
    head.set('index/plugins/acme.tool.json', json(entry));
    expect(check(head).findings).toContainEqual(expect.objectContaining({ rule: 'PR_ENTRY_INVALID', problemCode: 'ENTRY_GENERATED_MEMBER' }));
  });

  it('stored manifests are attributed to their plugin\'s publisher: one publisher per PR still holds', () => {
    const head = addRelease(signedManifest('acme.tool', '1.1.0', 'plain', 'acme'));
    head.set('index/publishers/zeta.json', json({ id: 'zeta', name: 'Zeta', public_key_ed25519: publicKeyB64('zeta') }));
    expect(rules(check(head))).toContain('PR_MULTIPLE_PUBLISHERS');
  });
});

describe('needs maintainer review', () => {
  it('a new release that loads on no known server version (PR_RELEASE_LOADS_NOWHERE), with every version\'s text', () => {
    const r = check(addRelease(signedManifest('acme.tool', '1.1.0', 'nowhere', 'acme')));
    expect(r.status).toBe('review');
    expect(rules(r)).toEqual(['PR_RELEASE_LOADS_NOWHERE']);
    expect(r.findings[0]!.message).toContain('integration-2026-09: interface "acme.tool/items" method "list" invalid scope "worker:deploy"');
    expect(r.loadability![0]!.loads_on).toEqual([]);
  });
});
