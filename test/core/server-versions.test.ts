/**
 * Server rules as versioned data (src/core/server-versions/, src/core/server-line.ts;
 * docs/SERVER-VERSIONS.md): names and aliases, fail-closed resolution, and the
 * import-time checks of the data files (a typo throws, it never weakens a check).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  SERVER_VERSIONS,
  allServerRules,
  checkServerVersionData,
  checkServerVersionRegistry,
  describeKnownServerVersions,
  newestServerVersion,
  resolveServerVersion,
  rulesFromOptions,
  serverRules,
} from '../../src/core/server-line.js';
import { SERVER_VERSION_DATA } from '../../src/core/server-versions/registry.js';

const DIR = fileURLToPath(new URL('../../src/core/server-versions/', import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Data = any;
const file = (id: string): Data => JSON.parse(readFileSync(`${DIR}${id}.json`, 'utf8'));

describe('the known versions', () => {
  it('are main-141e9ca, alpha-0.2.2a41 and integration-2026-09, each with its source ref and date', () => {
    expect(SERVER_VERSIONS).toEqual(['main-141e9ca', 'alpha-0.2.2a41', 'integration-2026-09']);
    const [main, a41, n] = allServerRules();
    expect(main!.source).toMatchObject({ ref: 'main', tag: null, commit: '141e9ca', date: '2026-08-13' });
    expect(a41!.source).toMatchObject({ ref: 'integration', tag: 'alpha-0.2.2a41', commit: '4dfbf5d', date: '2026-08-22' });
    expect(n!.source).toMatchObject({ ref: 'integration', tag: null, commit: null, date: '2026-09' });
    // The 2026-09 rules are derived (lattice-server-2026-09.md), and the data says so.
    expect(n!.derivation).toMatch(/^alpha-0\.2\.2a41 plus exactly the changes lattice-server-2026-09\.md lists/);
    expect(main!.derivation).toBeNull();
    expect(a41!.derivation).toBeNull();
  });

  it('every JSON file of the directory is registered (a data file without its registry line fails here)', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json') && f !== 'capability-meanings.json').map((f) => f.replace(/\.json$/, ''));
    expect(files.sort()).toEqual([...SERVER_VERSIONS].sort());
    expect(SERVER_VERSION_DATA.map((d) => (d as { id: string }).id)).toEqual([...SERVER_VERSIONS]);
  });

  it('branch aliases name the newest known version of their branch', () => {
    expect(newestServerVersion('main').version).toBe('main-141e9ca');
    expect(newestServerVersion('integration').version).toBe('integration-2026-09');
    expect(resolveServerVersion('integration')).toMatchObject({ ok: true, alias: 'integration', rules: { version: 'integration-2026-09' } });
    expect(serverRules().version).toBe('integration-2026-09'); // the default
  });
});

describe('resolveServerVersion: exact names only, fail closed', () => {
  it.each([
    ['main-141e9ca', 'main-141e9ca'],
    ['141e9ca', 'main-141e9ca'],
    ['alpha-0.2.2a41', 'alpha-0.2.2a41'],
    ['4dfbf5d', 'alpha-0.2.2a41'],
    // lattice-server-2026-09.md: a39 is 0a32821 with plugin code identical to 4dfbf5d.
    ['alpha-0.2.2a39', 'alpha-0.2.2a41'],
    ['0a32821', 'alpha-0.2.2a41'],
    ['integration-2026-09', 'integration-2026-09'],
    ['main', 'main-141e9ca'],
  ])('%s → %s', (name, id) => {
    const r = resolveServerVersion(name);
    expect(r.ok && r.rules.version).toBe(id);
  });

  it.each([
    'alpha-0.2.2a45', 'alpha-0.2.2a40', 'Main', 'INTEGRATION', 'integration-2026-10', '4dfbf5', '4dfbf5d0000000000000000000000000000000000', ' main',
    '', 'main-141e9cA',
  ])('unknown %j → SERVER_VERSION_UNKNOWN naming the known versions', (name) => {
    const r = resolveServerVersion(name);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('SERVER_VERSION_UNKNOWN');
    expect(r.message).toContain('alpha-0.2.2a41');
  });

  it('non-strings never throw', () => {
    for (const v of [null, undefined, 41, {}, ['main']]) expect(resolveServerVersion(v).ok).toBe(false);
  });

  it('serverRules and rulesFromOptions throw TypeError for unknown names (caller bugs) and for two different names', () => {
    expect(() => serverRules('alpha-0.2.2a45')).toThrow(TypeError);
    expect(rulesFromOptions({ serverLine: 'integration', serverVersion: 'integration-2026-09' }).version).toBe('integration-2026-09');
    expect(() => rulesFromOptions({ serverLine: 'main', serverVersion: 'alpha-0.2.2a41' })).toThrow(TypeError);
    expect(rulesFromOptions(undefined).version).toBe('integration-2026-09');
  });

  it('describeKnownServerVersions lists every name and the aliases', () => {
    expect(describeKnownServerVersions()).toBe(
      'main-141e9ca (141e9ca), alpha-0.2.2a41 (4dfbf5d, alpha-0.2.2a39, 0a32821), integration-2026-09; aliases main → main-141e9ca, integration → integration-2026-09',
    );
  });
});

describe('the data files are re-checked (fail closed on a typo)', () => {
  const base = (): Data => file('integration-2026-09');
  it('each registered file passes', () => {
    for (const id of SERVER_VERSIONS) expect(checkServerVersionData(file(id)).version).toBe(id);
  });
  it.each<[string, (d: Data) => void, RegExp]>([
    ['an unknown member', (d) => (d.extra = 1), /unknown member "extra"/],
    ['a missing member', (d) => delete d.known_scopes, /lacks member "known_scopes"/],
    ['an unknown risk tier', (d) => (d.capabilities['kv:read'] = 'medium'), /kv:read has unknown risk/],
    ['a worker capability outside the table', (d) => d.worker_capabilities.push('fs:read'), /fs:read is not in the capability table/],
    ['an exempt capability that is not host risk', (d) => d.host_risk_exempt_for_non_system.push('kv:read'), /not host risk/],
    ['a malformed scope', (d) => d.known_scopes.push('Notify:admin'), /known_scopes entry/],
    ['a scope twice', (d) => d.known_scopes.push('kv:read'), /lists "kv:read" twice/],
    ['an unknown runtime protocol shape', (d) => d.runtime_protocols.push('grpc'), /runtime_protocols entry/],
    ['a budget field the code does not implement', (d) => { d.invoke_budget.fields.push('cpu_ms'); d.invoke_budget.host_maximum.cpu_ms = 1; d.invoke_budget.default.cpu_ms = 1; }, /cpu_ms is not implemented by the decoder: a new budget field needs code/],
    ['budget fields out of struct order', (d) => (d.invoke_budget.fields = ['timeout_ms', 'stdout_bytes', 'stderr_bytes', 'host_calls', 'http_response_bytes'].reverse()), /must start with/],
    ['a budget default above its maximum', (d) => (d.invoke_budget.default.http_response_bytes = 9_000_000), /default\.http_response_bytes exceeds/],
    ['a budget maximum that is not a positive integer', (d) => (d.invoke_budget.host_maximum.host_calls = 0), /host_maximum\.host_calls must be a positive integer/],
    ['a manifest field the code does not implement', (d) => d.manifest_fields.push('signatures'), /manifest field signatures is not implemented/],
    ['derived rules that do not say so', (d) => (d.derivation = null), /must say what its rules are derived from/],
    ['a branch that is not main or integration', (d) => (d.branch = 'release'), /branch must be main or integration/],
    ['an id that is a branch alias', (d) => (d.id = 'integration'), /cannot be a branch alias/],
    ['a malformed date', (d) => (d.source.date = '2026-9'), /source\.date/],
  ])('refuses %s', (_, mutate, message) => {
    const d = base();
    mutate(d);
    expect(() => checkServerVersionData(d)).toThrow(message);
  });

  it('the registry refuses a name used twice, a broken follows chain and two heads on one branch', () => {
    const [main, a41, n] = [file('main-141e9ca'), file('alpha-0.2.2a41'), file('integration-2026-09')];
    expect(checkServerVersionRegistry([main, a41, n])).toEqual({ versions: [...SERVER_VERSIONS], newest: { main: 'main-141e9ca', integration: 'integration-2026-09' } });
    const dupTag = structuredClone(n);
    dupTag.source.tag = 'alpha-0.2.2a39';
    expect(() => checkServerVersionRegistry([main, a41, dupTag])).toThrow(/alpha-0\.2\.2a39 already names alpha-0\.2\.2a41/);
    expect(() => checkServerVersionRegistry([main, n, a41])).toThrow(/follows alpha-0\.2\.2a41, which is not listed before it/);
    const second = structuredClone(n);
    second.follows = null;
    expect(() => checkServerVersionRegistry([main, a41, second])).toThrow(/a second version of integration without follows/);
    const fork = structuredClone(n);
    fork.id = 'integration-2026-09b';
    expect(() => checkServerVersionRegistry([main, a41, n, fork])).toThrow(/alpha-0\.2\.2a41 is followed twice/);
    const cross = structuredClone(n);
    cross.follows = 'main-141e9ca';
    expect(() => checkServerVersionRegistry([main, a41, cross])).toThrow(/on another branch/);
  });
});
