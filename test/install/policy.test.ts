/**
 * The install policy: strict parser (every problem with its pointer), the
 * JSON Schema (ajv strict) agreeing with the parser on a shared corpus,
 * fail-closed defaults, capability patterns, publisher limits and key
 * windows, and the export as the server's trust policy (interop §C.1).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import {
  DEFAULT_INSTALL_LIMITS,
  DEFAULT_PUBLISHER_LIMITS,
  capabilityDecision,
  matchCapabilityPattern,
  parseInstallPolicy,
  publisherKeysAt,
  serverTrustPolicyFrom,
  starterInstallPolicy,
  trustedPublisher,
  validateInstallPolicy,
} from '../../src/domain/install/policy.js';
import { parseServerTrustPolicy, serializeServerTrustPolicy } from '../../src/domain/manifest/trust-policy.js';
import { keyB64, policyDoc, policyFrom } from './harness.js';

const SCHEMAS = fileURLToPath(new URL('../../schemas/', import.meta.url));
const ajv = new Ajv2020({ allErrors: true, strict: true });
for (const f of ['publisher', 'plugin', 'revocations', 'plugin-index', 'install-policy']) {
  ajv.addSchema(JSON.parse(readFileSync(`${SCHEMAS}${f}.schema.json`, 'utf8')));
}
const schemaValidate = ajv.getSchema('https://schemas.latticenet.dev/plugin-index/v1/install-policy.schema.json')!;

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
type Doc = Record<string, any>;

/** Invalid policies: [name, mutation, pointer the parser must report, also refused by the schema]. */
const INVALID: [string, (d: Doc) => void, string, boolean][] = [
  ['wrong schema', (d) => (d.schema = 'lattice.plugin.install-policy.v2'), '/schema', true],
  ['neither index nor repository', (d) => delete d.index, '', true],
  ['repository pinning both a file and a SHA-256', (d) => (d.repository = { root: 'root.json', root_sha256: 'a'.repeat(64) }), '/repository', true],
  ['repository pinning nothing (no trust on first use)', (d) => (d.repository = { metadata_dir: 'tuf' }), '/repository', true],
  ['repository root_sha256 not lowercase hex', (d) => (d.repository = { root_sha256: 'A'.repeat(64) }), '/repository/root_sha256', true],
  ['repository url not https', (d) => (d.repository = { root: 'r.json', url: 'http://example.org/repository' }), '/repository/url', true],
  ['unknown repository member', (d) => (d.repository = { root: 'r.json', tofu: true }), '/repository/tofu', true],
  ['allow_addresses with a host name', (d) => (d.limits.allow_addresses = ['mirror.example.org']), '/limits/allow_addresses/0', true],
  ['allow_addresses with an impossible IPv4', (d) => (d.limits.allow_addresses = ['999.1.1.1']), '/limits/allow_addresses/0', false],
  ['allow_addresses listing one twice', (d) => (d.limits.allow_addresses = ['127.0.0.1', '127.0.0.1']), '/limits/allow_addresses/1', true],
  ['unknown top-level member', (d) => (d.extra = 1), '/extra', true],
  ['missing host', (d) => delete d.host, '', true],
  ['missing state_file', (d) => delete d.state_file, '', true],
  ['unknown index member', (d) => (d.index.keys = []), '/index/keys', true],
  ['allow_draft not a boolean', (d) => (d.index.allow_draft = 'no'), '/index/allow_draft', true],
  ['non-canonical index key', (d) => (d.index.trusted_keys[0].public_key_ed25519 = 'AAAA'), '/index/trusted_keys/0/public_key_ed25519', true],
  ['threshold above the keys', (d) => (d.index.threshold = 2), '/index/threshold', false],
  ['no trusted index keys', (d) => (d.index.trusted_keys = []), '/index/trusted_keys', true],
  ['publisher id breaks the id rule', (d) => (d.publishers.Acme = { keys: [] }), '/publishers/Acme', true],
  ['publisher without keys member', (d) => (d.publishers.acme = { max_risk: 'read' }), '/publishers/acme', true],
  ['unknown publisher member', (d) => (d.publishers.acme.trust = true), '/publishers/acme/trust', true],
  ['"*" with keys', (d) => (d.publishers['*'].keys = []), '/publishers/*/keys', true],
  ['bad max_risk', (d) => (d.publishers.acme.max_risk = 'admin'), '/publishers/acme/max_risk', true],
  ['empty channels', (d) => (d.publishers.acme.channels = []), '/publishers/acme/channels', true],
  ['duplicate type', (d) => (d.publishers['*'].types = ['system', 'system']), '/publishers/*/types/1', true],
  ['bad publisher key', (d) => (d.publishers.acme.keys[0].public_key_ed25519 = keyB64('x').replace('=', 'A')), '/publishers/acme/keys/0/public_key_ed25519', true],
  ['same key twice for a publisher', (d) => d.publishers.acme.keys.push({ public_key_ed25519: keyB64('publisher-acme') }), '/publishers/acme/keys/1/public_key_ed25519', false],
  ['key window not RFC 3339', (d) => (d.publishers.acme.keys[0].valid_from = '2026-07-01'), '/publishers/acme/keys/0/valid_from', true],
  ['key window reversed', (d) => Object.assign(d.publishers.acme.keys[0], { valid_from: '2026-08-01T00:00:00Z', valid_until: '2026-07-01T00:00:00Z' }), '/publishers/acme/keys/0/valid_until', false],
  ['capabilities without allow', (d) => (d.capabilities = { deny: [] }), '/capabilities', true],
  ['malformed pattern', (d) => (d.capabilities.deny = ['secret*']), '/capabilities/deny/0', true],
  ['pattern matching no capability', (d) => (d.capabilities.deny = ['secrets:*']), '/capabilities/deny/0', false],
  ['unknown capability name', (d) => (d.capabilities.allow = ['kv:delete']), '/capabilities/allow/0', false],
  ['bad server version', (d) => (d.host.server_version = 'v0.2.2'), '/host/server_version', true],
  ['bad server line', (d) => (d.host.server_line = 'beta'), '/host/server_line', true],
  ['bad platform', (d) => (d.host.platform = 'Linux/AMD64'), '/host/platform', true],
  ['unknown runner', (d) => (d.host.runners = ['system', 'docker']), '/host/runners/1', true],
  ['unknown sandbox', (d) => (d.host.sandboxes = ['system']), '/host/sandboxes/0', true],
  ['protocol the line does not speak', (d) => Object.assign(d.host, { server_line: 'main' }), '/host/runtime_protocols/1', false],
  ['no runtime protocol', (d) => (d.host.runtime_protocols = []), '/host/runtime_protocols', true],
  ['bad installed plugin version', (d) => (d.host.installed_plugins = { 'acme.base': '1..0' }), '/host/installed_plugins/acme.base', true],
  ['bad wasm host function', (d) => (d.host.wasm_host_functions = ['kv_get']), '/host/wasm_host_functions/0', true],
  ['limit not an integer', (d) => (d.limits.max_redirects = 1.5), '/limits/max_redirects', true],
  ['limit above its bound', (d) => (d.limits.max_redirects = 11), '/limits/max_redirects', true],
  ['unknown limit', (d) => (d.limits.max_time = 1), '/limits/max_time', true],
  ['blank state_file', (d) => (d.state_file = '  '), '/state_file', true],
  ['control character in audit_log', (d) => (d.audit_log = 'a\nb'), '/audit_log', true],
];

describe('parseInstallPolicy', () => {
  it('accepts the test policy and the starter policy (and so does the schema)', () => {
    for (const doc of [policyDoc(), starterInstallPolicy({ indexKeys: [keyB64('index-ci')], serverVersion: '0.2.2', platform: 'linux/amd64', publishers: [{ id: 'acme', key: keyB64('publisher-acme') }] })]) {
      expect(validateInstallPolicy(clone(doc))).toEqual([]);
      expect(schemaValidate(clone(doc)), JSON.stringify(schemaValidate.errors)).toBe(true);
    }
  });

  it('a repository-only policy: root pinned, no index keys; allow_addresses and ca_file read', () => {
    const d = clone(policyDoc()) as Doc;
    delete d.index;
    d.repository = { root_sha256: 'ab'.repeat(32) };
    d.limits.allow_addresses = ['127.0.0.1', '::1'];
    d.limits.ca_file = 'ca.pem';
    const r = parseInstallPolicy({ value: d });
    expect(r.ok ? 'ok' : JSON.stringify(r.problems)).toBe('ok');
    if (!r.ok) return;
    expect(r.policy.index).toBeUndefined();
    expect(r.policy.repository).toEqual({ rootSha256: 'ab'.repeat(32), metadataDir: 'repository-metadata' });
    expect(r.policy.limits.allowAddresses).toEqual(['127.0.0.1', '::1']);
    expect(r.policy.limits.caFile).toBe('ca.pem');
    expect(schemaValidate(d)).toBe(true);
  });

  it.each(INVALID)('%s → reported at its pointer', (_name, mutate, pointer, schemaToo) => {
    const doc = clone(policyDoc());
    mutate(doc);
    const problems = validateInstallPolicy(doc);
    expect(problems.map((p) => p.instancePath)).toContain(pointer);
    for (const p of problems) expect(Object.keys(p).sort()).toEqual(['instancePath', 'keyword', 'message']);
    // The schema refuses it too, unless the rule is one a schema cannot express.
    expect(schemaValidate(doc)).toBe(!schemaToo);
  });

  it('collects every problem at once', () => {
    const doc = clone(policyDoc());
    doc.schema = 'x';
    doc.host.platform = 'nope';
    doc.limits.max_redirects = -1;
    doc.capabilities.deny = ['bad pattern'];
    const r = parseInstallPolicy(JSON.stringify(doc));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(InputError);
    expect(r.error.code).toBe('INSTALL_POLICY_INVALID');
    expect(r.problems.map((p) => p.instancePath).sort()).toEqual(['/capabilities/deny/0', '/host/platform', '/limits/max_redirects', '/schema']);
  });

  it('strict JSON: duplicate keys and trailing data are refused', () => {
    const text = JSON.stringify(policyDoc());
    const dup = text.replace('"state_file":"state.json"', '"state_file":"a","state_file":"b"');
    for (const bad of [dup, `${text} {}`, `\uFEFF${text}`]) {
      const r = parseInstallPolicy(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problems[0]!.keyword).toBe('json');
    }
  });

  it('fail-closed defaults: no limits member, no "*" entry', () => {
    const doc = clone(policyDoc());
    delete doc.limits;
    delete doc.publishers['*'];
    delete doc.publishers.acme.max_risk;
    delete doc.publishers.acme.channels;
    const p = policyFrom(doc);
    expect(p.limits).toEqual(DEFAULT_INSTALL_LIMITS);
    expect(p.limits.allowPrivateAddresses).toBe(false);
    expect(p.defaultLimits).toEqual(DEFAULT_PUBLISHER_LIMITS);
    expect(p.publishers.get('acme')!.limits).toMatchObject({ maxRisk: 'write', channels: ['stable'] });
    expect(p.index!.allowDraft).toBe(false);
  });

  it('a publisher entry inherits the limits it omits from "*"', () => {
    const doc = clone(policyDoc());
    doc.publishers['*'] = { max_risk: 'read', channels: ['stable', 'alpha'] };
    doc.publishers.acme = { keys: [{ public_key_ed25519: keyB64('publisher-acme') }], types: ['wasm'] };
    expect(policyFrom(doc).publishers.get('acme')!.limits).toEqual({ maxRisk: 'read', channels: ['stable', 'alpha'], types: ['wasm'] });
  });

  it('policy init refuses a key for "*" (the default entry) and a publisher given twice, instead of dropping a key', () => {
    const base = { indexKeys: [keyB64('index-ci')], serverVersion: '0.2.2', platform: 'linux/arm64' };
    expect(() => starterInstallPolicy({ ...base, publishers: [{ id: '*', key: keyB64('p') }] })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => starterInstallPolicy({ ...base, publishers: [{ id: 'acme', key: keyB64('a') }, { id: 'acme', key: keyB64('b') }] })).toThrow(/given twice/);
    const ok = policyFrom(starterInstallPolicy({ ...base, publishers: [{ id: 'acme', key: keyB64('a') }] }));
    expect(ok.publishers.get('acme')!.keys).toHaveLength(1);
  });

  it('policy init output keeps community host-risk, alpha and drafts off', () => {
    const doc = starterInstallPolicy({ indexKeys: [keyB64('index-ci')], serverVersion: '0.2.2', platform: 'linux/arm64' });
    const p = policyFrom(doc);
    expect(p.defaultLimits).toEqual({ maxRisk: 'write', channels: ['stable'], types: ['system', 'worker', 'wasm'] });
    expect(p.index!.allowDraft).toBe(false);
    expect(p.host.runners).toEqual(['system']);
    expect(p.host.sandboxes).toEqual([]);
    expect(capabilityDecision(p, 'secret:read').allowed).toBe(false);
    expect(p.publishers.size).toBe(0);
  });
});

describe('capability patterns', () => {
  it('exact, domain:* and *', () => {
    expect(matchCapabilityPattern('*', 'kv:read')).toBe(true);
    expect(matchCapabilityPattern('secret:*', 'secret:write')).toBe(true);
    expect(matchCapabilityPattern('secret:*', 'secrets:write')).toBe(false);
    expect(matchCapabilityPattern('kv:read', 'kv:read')).toBe(true);
    expect(matchCapabilityPattern('kv:read', 'kv:write')).toBe(false);
  });
  it('deny wins; nothing allowed without an allow pattern', () => {
    const doc = clone(policyDoc());
    doc.capabilities = { allow: ['kv:*', 'secret:read'], deny: ['secret:*'] };
    const p = policyFrom(doc);
    expect(capabilityDecision(p, 'kv:write')).toEqual({ allowed: true, rule: 'allow "kv:*"' });
    expect(capabilityDecision(p, 'secret:read')).toEqual({ allowed: false, rule: 'deny "secret:*"' });
    expect(capabilityDecision(p, 'log:write').allowed).toBe(false);
  });
});

describe('publisher trust and key windows', () => {
  it('trust needs an own entry with keys; "*" never trusts', () => {
    const doc = clone(policyDoc());
    doc.publishers.quiet = { keys: [] };
    const p = policyFrom(doc);
    expect(trustedPublisher(p, 'acme')?.id).toBe('acme');
    expect(trustedPublisher(p, 'quiet')).toBeUndefined();
    expect(trustedPublisher(p, 'nobody')).toBeUndefined();
    expect(trustedPublisher(p, '*')).toBeUndefined();
  });

  it('windows: valid_from inclusive, valid_until exclusive', () => {
    const doc = clone(policyDoc());
    doc.publishers.acme.keys = [
      { public_key_ed25519: keyB64('old'), valid_until: '2026-06-01T00:00:00Z' },
      { public_key_ed25519: keyB64('new'), valid_from: '2026-06-01T00:00:00Z' },
    ];
    const entry = policyFrom(doc).publishers.get('acme')!;
    const at = (s: string) => publisherKeysAt(entry, Date.parse(s)).map((k) => k.base64);
    expect(at('2026-05-31T23:59:59Z')).toEqual([keyB64('old')]);
    expect(at('2026-06-01T00:00:00Z')).toEqual([keyB64('new')]);
  });
});

describe('export as the server trust policy (interop §C.1)', () => {
  it('one key per trusted publisher, the newest valid now; the server parser accepts the file', () => {
    const doc = clone(policyDoc());
    doc.publishers.acme.keys = [
      { public_key_ed25519: keyB64('old'), valid_until: '2026-06-01T00:00:00Z' },
      { public_key_ed25519: keyB64('mid') },
      { public_key_ed25519: keyB64('publisher-acme'), valid_from: '2026-07-01T00:00:00Z' },
    ];
    doc.publishers.quiet = { keys: [] };
    doc.publishers.future = { keys: [{ public_key_ed25519: keyB64('f'), valid_from: '2030-01-01T00:00:00Z' }] };
    const { trust, skipped } = serverTrustPolicyFrom(policyFrom(doc), Date.parse('2026-08-01T00:00:00Z'));
    expect([...trust.trustedPublishers.keys()]).toEqual(['acme']);
    expect(skipped.map((s) => s.publisher)).toEqual(['future', 'quiet']);
    const text = serializeServerTrustPolicy(trust);
    const parsed = parseServerTrustPolicy(text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.policy.allowUnsignedHostRisk).toBe(false);
    expect(Buffer.from(parsed.policy.trustedPublishers.get('acme')!).toString('base64')).toBe(keyB64('publisher-acme'));
  });
});
