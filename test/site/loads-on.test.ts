/**
 * The catalog's loadability matrix (site/src/lib/loads-on.ts, views.ts
 * loadsOnRows): what the signed index says, per release and server version,
 * in words; "not evaluated" for releases without a stored manifest.
 */
import { describe, expect, it } from 'vitest';
import type { IndexRelease } from '../../src/core/index/types.js';
import { loadsOnMatrix, loadsOnWords } from '../../site/src/lib/loads-on.js';
import { loadsOnRows } from '../../site/src/lib/views.js';

const rel = (version: string, extra: Partial<IndexRelease> = {}): IndexRelease => ({
  version, channel: 'stable', manifest_url: 'https://x.example/m.json', artifact_url: 'https://x.example/a.tgz',
  artifact_sha256: 'a'.repeat(64), signature_ed25519: 'A'.repeat(86) + '==', ...extra,
});
const VERSIONS = ['main-141e9ca', 'alpha-0.2.2a41', 'integration-2026-09'];

describe('loadsOnMatrix', () => {
  it('one column per server version of the index, one row per release, three states', () => {
    const m = loadsOnMatrix(VERSIONS, [
      rel('1.1.0', { stored_manifest: 'manifests/a.b/1.1.0.json', manifest_sha256: 'b'.repeat(64), loads_on: ['main-141e9ca', 'alpha-0.2.2a41'] }),
      rel('1.0.0', { stored_manifest: 'manifests/a.b/1.0.0.json', manifest_sha256: 'c'.repeat(64), loads_on: [] }),
      rel('0.9.0'),
    ]);
    expect(m.columns.map((c) => c.version)).toEqual(VERSIONS);
    expect(m.columns.map((c) => c.note)).toEqual([
      'main, 141e9ca, 2026-08-13',
      'integration, tag alpha-0.2.2a41, 4dfbf5d, 2026-08-22',
      'integration, 2026-09, derived rules',
    ]);
    expect(m.rows.map((r) => [r.version, r.stored, r.cells])).toEqual([
      ['1.1.0', true, ['loads', 'loads', 'does-not-load']],
      ['1.0.0', true, ['does-not-load', 'does-not-load', 'does-not-load']],
      ['0.9.0', false, ['not-evaluated', 'not-evaluated', 'not-evaluated']],
    ]);
  });

  it('an index without server_versions has no columns; a version the catalog does not know is shown as such', () => {
    expect(loadsOnMatrix(undefined, [rel('1.0.0')]).columns).toEqual([]);
    expect(loadsOnMatrix(['integration-2027-01'], [rel('1.0.0', { stored_manifest: 'm', manifest_sha256: 'd'.repeat(64), loads_on: ['integration-2027-01'] })])).toMatchObject({
      columns: [{ version: 'integration-2027-01', note: 'a version this catalog does not know' }],
      rows: [{ cells: ['loads'] }],
    });
  });

  it('cells are words (never colour alone), escaped by the template', () => {
    expect(['loads', 'does-not-load', 'not-evaluated'].map((s) => loadsOnWords(s as 'loads'))).toEqual(['Loads', 'Does not load', 'Not evaluated']);
    const html = loadsOnRows(loadsOnMatrix(VERSIONS, [rel('1.0.0<script>', { stored_manifest: 'm', manifest_sha256: 'e'.repeat(64), loads_on: ['main-141e9ca'] })])).toString();
    expect(html).toBe('<tr><th scope="row"><code>1.0.0&lt;script&gt;</code> <span class="muted">stable</span></th><td><span class="ok">Loads</span></td><td><span class="bad">Does not load</span></td><td><span class="bad">Does not load</span></td></tr>');
  });
});
