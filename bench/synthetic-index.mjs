/**
 * Deterministic synthetic plugin indexes for benchmarks.
 *
 * `syntheticIndex(nPlugins, seed)` returns a plain-data index that is VALID per
 * docs/FORMAT.md and the upstream rules of interop §E.2 (and the server rules
 * the project adds on top):
 * - top level: schema `lattice.plugin.index.v1`, status `draft`, generated_at
 *   `YYYY-MM-DDTHH:MM:SSZ`, `signatures: []` (a draft needs none, §E.2 rule 5);
 * - publishers: ids matching the index id regex and `validPluginID`
 *   (interop §A.4: only `[a-z0-9.-]`, no `..`), non-blank names, a canonical
 *   padded base64 32-byte `public_key_ed25519` (§E.2 rules 6–8);
 * - plugins: ids `<publisher>.<name>` (FORMAT.md namespace rule), type
 *   system/wasm/worker with capabilities legal for the type (interop §C.4:
 *   worker only kv:read/static:read/worker:route; wasm no host-risk capability
 *   except http:egress), `channels.stable` → a non-prerelease release and an
 *   optional `channels.alpha` → an `-alpha.N` release of the alpha channel,
 *   `latest` equal to `channels.stable` (§E.2 rules 9–21, 31–32);
 * - releases (2–3 per plugin): server v2 versions, explicit capabilities
 *   (required for multi-channel plugins, §E.2 rule 26), https manifest/artifact
 *   URLs without query or fragment, lowercase 64-hex `artifact_sha256`, a
 *   canonical padded base64 64-byte `signature_ed25519`, `published_at`
 *   RFC 3339 UTC (§E.2 rules 22–30, FORMAT.md "Release").
 * Keys and signatures are random bytes, not real Ed25519 material: the index
 * is structurally valid, not verifiable. wireguard:* (integration-only, §C.3)
 * is never used, so the index is valid on both server lines.
 *
 * @module
 */

/** mulberry32: small, fast, deterministic 32-bit PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Canonical padded standard base64 (browser-free of Buffer, same as core/base64). */
function base64(bytes) {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += B64[n >> 18] + B64[(n >> 12) & 63] + '==';
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + '=';
  }
  return out;
}

// Capability sets by type (interop §C.3/§C.4), without the integration-only wireguard:*.
const READ = ['audit:read', 'kv:read', 'monitor:read', 'netguard:read', 'netpolicy:read', 'node:read', 'static:read', 'task:read'];
const WRITE = ['kv:write', 'log:write', 'notify:send', 'worker:route'];
const HOST = [
  'http:egress', 'http:operator-target', 'ddns:admin', 'monitor:admin', 'netguard:admin', 'network:apply',
  'network:plan', 'netpolicy:admin', 'node:admin', 'static:write', 'subscription:serve', 'task:run',
  'tunnel:admin', 'rpc:call', 'rpc:expose', 'secret:read', 'secret:write',
];
const CAPS_BY_TYPE = {
  system: [...READ, ...WRITE, ...HOST],
  wasm: [...READ, ...WRITE, 'http:egress'],
  worker: ['kv:read', 'static:read', 'worker:route'],
};
const TYPES = ['system', 'system', 'wasm', 'worker'];

const WORDS = [
  'net', 'guard', 'vpn', 'core', 'proxy', 'route', 'dns', 'cache', 'metrics', 'audit', 'tunnel', 'mesh',
  'edge', 'flow', 'log', 'shield', 'relay', 'beacon', 'pulse', 'vault', 'sync', 'probe', 'gate', 'link',
];
const PUBLISHER_WORDS = ['lattice', 'acme', 'nordwind', 'bluefin', 'orbit', 'kestrel', 'tundra', 'quartz', 'ember', 'harbor'];
const SUMMARY_PARTS = [
  'Manages', 'Monitors', 'Exports', 'Routes', 'Audits', 'Caches', 'Schedules', 'Observes',
  'per-node', 'cluster-wide', 'tenant-scoped', 'on-demand', 'signed', 'sandboxed',
  'traffic profiles', 'DNS records', 'WireGuard peers', 'usage metrics', 'firewall rules', 'health probes',
  'with a dashboard page', 'for operators', 'across regions', 'with alerting', 'and audit trails',
];

/**
 * Build a deterministic, format-valid synthetic index.
 *
 * @param {number} nPlugins - number of plugins (publishers ≈ nPlugins / 25, at least 1).
 * @param {number} [seed=1] - PRNG seed; the same (nPlugins, seed) gives the same index.
 * @returns {object} a `lattice.plugin.index.v1` draft index as plain data.
 * @example
 * const index = syntheticIndex(1000, 42);
 */
export function syntheticIndex(nPlugins, seed = 1) {
  const rnd = prng(seed);
  const int = (n) => Math.floor(rnd() * n);
  const pick = (arr) => arr[int(arr.length)];
  const bytes = (n) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const hex = (n) => {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[int(16)];
    return s;
  };
  const subset = (all, min, max) => {
    const pool = [...all];
    const k = Math.min(pool.length, min + int(max - min + 1));
    const out = [];
    for (let i = 0; i < k; i++) out.push(pool.splice(int(pool.length), 1)[0]);
    return out;
  };
  const timestamp = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const base = Date.UTC(2026, 0, 1);

  const nPublishers = Math.max(1, Math.ceil(nPlugins / 25));
  const publishers = [];
  for (let p = 0; p < nPublishers; p++) {
    const word = pick(PUBLISHER_WORDS);
    publishers.push({
      id: `${word}-${p}`,
      name: `${word[0].toUpperCase()}${word.slice(1)} Labs ${p}`,
      public_key_ed25519: base64(bytes(32)),
    });
  }

  const plugins = [];
  for (let i = 0; i < nPlugins; i++) {
    const publisher = publishers[int(nPublishers)];
    const short = `${pick(WORDS)}-${pick(WORDS)}-${i}`;
    const id = `${publisher.id}.${short}`;
    const type = pick(TYPES);
    const legal = CAPS_BY_TYPE[type];
    const major = int(3);
    const minor = int(20);
    const stableVersions = [`${major}.${minor}.${1 + int(9)}`, `${major}.${minor + 1}.0`];
    if (rnd() < 0.3) stableVersions.unshift(`${major}.${minor}.0`);
    const hasAlpha = rnd() < 0.4;
    const releases = [];
    const addRelease = (version, channel) => {
      const dir = `https://github.com/${publisher.id}/lattice-plugin-${short}/releases/download/v${version}`;
      releases.push({
        version,
        channel,
        capabilities: subset(legal, 1, Math.min(4, legal.length)),
        manifest_url: `${dir}/manifest.json`,
        artifact_url: `${dir}/lattice-plugin-${short}-${version}.tar.gz`,
        artifact_sha256: hex(64),
        signature_ed25519: base64(bytes(64)),
        published_at: timestamp(base + (releases.length + 1) * 86_400_000 + int(86_400) * 1000),
      });
    };
    // Keep 2–3 releases: drop the oldest stable one when an alpha is added.
    if (hasAlpha && stableVersions.length === 3) stableVersions.shift();
    for (const v of stableVersions) addRelease(v, 'stable');
    const stable = stableVersions[stableVersions.length - 1];
    const channels = { stable };
    if (hasAlpha) {
      const alpha = `${major}.${minor + 2}.0-alpha.${1 + int(20)}`;
      addRelease(alpha, 'alpha');
      channels.alpha = alpha;
    }
    const plugin = {
      id,
      name: `${short.replace(/-\d+$/, '').replace(/-/g, ' ')} ${i}`,
      publisher: publisher.id,
      type,
      summary: `${pick(SUMMARY_PARTS.slice(0, 8))} ${pick(SUMMARY_PARTS.slice(8, 14))} ${pick(SUMMARY_PARTS.slice(14, 20))} ${pick(SUMMARY_PARTS.slice(20))}.`,
      latest: stable,
      channels,
      capabilities: [...releases[stableVersions.length - 1].capabilities],
      releases,
    };
    if (rnd() < 0.5) {
      plugin.homepage = `https://${publisher.id}.example.org/plugins/${short}`;
      plugin.repository = `https://github.com/${publisher.id}/lattice-plugin-${short}`;
      plugin.license = pick(['Apache-2.0', 'MIT', 'BSD-3-Clause', 'MPL-2.0']);
      plugin.tags = subset(WORDS, 1, 4);
    }
    plugins.push(plugin);
  }

  return {
    schema: 'lattice.plugin.index.v1',
    generated_at: timestamp(base + int(365) * 86_400_000),
    status: 'draft',
    publishers,
    plugins,
    signatures: [],
  };
}
