/**
 * The operator's install policy, `lattice.plugin.install-policy.v1`
 * (DESIGN §4.3; the document is fixed in `docs/INSTALL-POLICY.md` and
 * `schemas/install-policy.schema.json`).
 *
 * A file the operator owns. It says which index keys are trusted, which
 * publishers are trusted and how far (highest risk tier, channels, plugin
 * types), which capabilities may ever be granted, what the host can run, how
 * large and slow downloads may be, and where the rollback state and the audit
 * log live.
 *
 * Parsing is **strict** (unknown members, wrong types, duplicates, bad keys
 * are errors) and **collects every problem** with its JSON pointer in the
 * ajv shape `{ instancePath, keyword, message }`, then reports once, as
 * sigstore-js validators do. The `index` member's trust part is parsed by
 * `indexTrustFromPolicy` (src/domain/index/trust.ts) — the one reader of
 * index trust — and `index.allow_draft` here.
 *
 * Fail-closed defaults (what an absent member means):
 * - a publisher is trusted **only** when it has its own entry with at least
 *   one key; `"*"` sets limits, never trust;
 * - limits missing from a publisher entry come from `"*"`, and from the
 *   built-in {@link DEFAULT_PUBLISHER_LIMITS} (write risk at most, stable
 *   channel only, every type) when `"*"` does not give them — community
 *   host-risk plugins and alpha releases stay off unless switched on;
 * - `allow_draft` false: a draft or example index is refused, and even when
 *   it is set an install never uses an index the threshold did not sign;
 * - capability `deny` empty, `limits` the values of {@link DEFAULT_INSTALL_LIMITS};
 *   private, loopback and link-local addresses refused.
 *
 * Pure and synchronous, browser-safe.
 *
 * @module
 */
import { BUNDLE_MAX_BYTES, INDEX_MAX_BYTES, MANIFEST_MAX_BYTES, POLICY_MAX_BYTES } from '../../core/limits.js';
import { InputError, type ErrorCode } from '../../core/errors.js';
import { decodeCanonicalBase64, encodeBase64 } from '../../core/base64.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import { hasControl, isHttpsUrl, isRFC3339UTC, isV2Version, validPluginID } from '../../core/rules.js';
import {
  RISK_TIERS,
  SERVER_LINES,
  allKnownCapabilities,
  describeKnownServerVersions,
  isServerLine,
  newestServerVersion,
  resolveServerVersion,
  serverRules,
  type RiskTier,
  type ServerLine,
  type ServerRules,
  type ServerVersionId,
} from '../../core/server-line.js';
import { PLUGIN_TYPES, RELEASE_CHANNELS, type PluginType, type ReleaseChannel } from '../../core/index/types.js';
import { keyId } from '../../crypto/index.js';
import { indexTrustFromPolicy, type IndexTrust } from '../index/trust.js';
import type { TrustPolicy } from '../manifest/trust-policy.js';
import { describeJSONValue } from '../../core/describe.js';
const describeJSONValue60 = (v: unknown): string => describeJSONValue(v, 60);

/** The only `schema` value. */
export const INSTALL_POLICY_SCHEMA = 'lattice.plugin.install-policy.v1';

/** Largest policy file read (1 MiB). */
export const MAX_INSTALL_POLICY_BYTES = POLICY_MAX_BYTES;

/** The publisher-map key that sets default limits (never trust). */
export const DEFAULT_PUBLISHER_KEY = '*';

/** Plugin types in the order messages name them. */
export const POLICY_PLUGIN_TYPES: readonly PluginType[] = PLUGIN_TYPES;
/** Sandbox backends a host may offer (the non-system types run only inside one). */
export const SANDBOX_BACKENDS: readonly SandboxBackend[] = Object.freeze(['wasm', 'worker']);
/** Release channels in the order messages name them. */
export const POLICY_CHANNELS: readonly ReleaseChannel[] = RELEASE_CHANNELS;

/** A sandbox backend: the isolation a `wasm` or `worker` plugin runs in. */
export type SandboxBackend = 'wasm' | 'worker';

/** How far the operator trusts a publisher (DESIGN §4.3 "per-publisher limits"). */
export interface PublisherLimits {
  /** Highest capability risk tier a release may carry. */
  readonly maxRisk: RiskTier;
  /** Channels a release may come from. */
  readonly channels: readonly ReleaseChannel[];
  /** Plugin types a release may have. */
  readonly types: readonly PluginType[];
}

/**
 * Built-in limits, used for every limit neither a publisher entry nor `"*"`
 * sets: at most write risk (community host-risk off), stable only (alpha
 * off), every type (the host profile decides what can run).
 */
export const DEFAULT_PUBLISHER_LIMITS: PublisherLimits = Object.freeze({
  maxRisk: 'write',
  channels: Object.freeze(['stable']) as readonly ReleaseChannel[],
  types: POLICY_PLUGIN_TYPES,
});

/** One operator-trusted publisher key with its optional validity window. */
export interface PublisherKey {
  /** The raw 32-byte Ed25519 key. */
  readonly publicKey: Uint8Array;
  /** Canonical padded base64 of the key. */
  readonly base64: string;
  /** Lowercase hex SHA-256 of the key (DESIGN §4.1 keyid). */
  readonly keyid: string;
  /** Start of the window, ms since the epoch (inclusive); absent = always. */
  readonly validFrom?: number;
  /** End of the window, ms since the epoch (exclusive); absent = forever. */
  readonly validUntil?: number;
}

/** A publisher entry of the policy, with its limits resolved. */
export interface PublisherPolicy {
  readonly id: string;
  /** Keys in the order written; empty = listed but not trusted. */
  readonly keys: readonly PublisherKey[];
  /** Effective limits (own values, then `"*"`, then built-in). */
  readonly limits: PublisherLimits;
}

/** What the host (the Lattice server this installs for) offers (DESIGN §4.3 "host profile"). */
export interface HostProfile {
  /** The server's release version in the range grammar, compared with `compatibility.server` / `min_server` (interop §D.4). */
  readonly serverVersion: string;
  /**
   * The known server version whose plugin rules apply (DESIGN §4.5,
   * docs/SERVER-VERSIONS.md): from `server_build`, else the operator's
   * `server_rules` mapping, else the newest version of `server_line`.
   */
  readonly serverRules: ServerVersionId;
  /** The branch (server line) of {@link serverRules}. */
  readonly serverLine: ServerLine;
  /** The exact build the operator named (`server_build`, e.g. `alpha-0.2.2a41`), when named. */
  readonly serverBuild?: string;
  /** `<goos>/<goarch>` the server runs on (interop §D.2). */
  readonly platform: string;
  /** Plugin types the host has a runner for (interop §D.8). */
  readonly runners: readonly PluginType[];
  /** Sandbox backends present; a `wasm`/`worker` plugin needs its own. */
  readonly sandboxes: readonly SandboxBackend[];
  /** `runtime.protocol` values the host speaks (interop §D.1). */
  readonly runtimeProtocols: readonly string[];
  /** `ui_runtime.bridge_version` the dashboard offers; absent = no sandboxed UI. */
  readonly dashboardBridgeVersion?: string;
  /** Dashboard host version for `compatibility.dashboard_host`; absent = no dashboard. */
  readonly dashboardHostVersion?: string;
  /** Plugins installed on the host: id → version (dependencies, interop §D.5). */
  readonly installedPlugins: ReadonlyMap<string, string>;
  /** Host functions a wasm module may import, as `module.name`. */
  readonly wasmHostFunctions: readonly string[];
}

/** Size, time and address limits of fetching (DESIGN §5 "Fetching"). */
export interface InstallLimits {
  readonly maxIndexBytes: number;
  readonly maxManifestBytes: number;
  readonly maxArtifactBytes: number;
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
  /** Deadline of one whole fetch (connect, redirects, headers, body), ms: a trickling server cannot hold an install. */
  readonly fetchDeadlineMs: number;
  /** Slowest average transfer rate accepted once {@link minRateGraceMs} has passed, bytes/s (0: no floor). */
  readonly minBytesPerSecond: number;
  /** Time before the rate floor applies, ms (connection set-up and slow starts). */
  readonly minRateGraceMs: number;
  readonly maxRedirects: number;
  readonly allowPrivateAddresses: boolean;
  /** Longest wait for another run's plugin-directory lock, ms (0: fail at once). */
  readonly lockWaitMs: number;
  /** IP literals allowed although private, loopback or link-local (e.g. a mirror on this host). */
  readonly allowAddresses?: readonly string[];
  /** A PEM file of extra CA certificates to trust (path as written; relative = to the policy file's directory). */
  readonly caFile?: string;
}

/**
 * Archive rules the install policy applies on top of the server's bundle
 * rules ("stricter than the server"): the server accepts these bundles, but
 * each is a hazard on some host. All default to refusing.
 */
export interface ArchiveRules {
  /** Refuse entries with setuid, setgid or sticky mode bits (`BUNDLE_SETID_MODE`). */
  readonly refuseSetIdModes: boolean;
  /** Refuse paths that collide when case-folded, a hazard on macOS and Windows hosts (`BUNDLE_CASE_COLLISION`). */
  readonly refuseCaseCollisions: boolean;
  /** Refuse non-zero data (or more than 1 MiB) after the tar end-of-archive marker (`BUNDLE_TRAILING_DATA`). */
  readonly refuseTrailingData: boolean;
}

/** The defaults of `archive`: every stricter rule on. */
export const DEFAULT_ARCHIVE_RULES: ArchiveRules = Object.freeze({ refuseSetIdModes: true, refuseCaseCollisions: true, refuseTrailingData: true });

/**
 * Repository v2 (DESIGN §4.4): where the client's trusted root comes from
 * and where its trusted metadata lives. The initial root is **pinned** — a
 * file, or the SHA-256 of the repository's `1.root.json` — never trusted on
 * first use.
 */
export interface RepositoryPolicy {
  /** The repository's base URL (used when `--repo` is not given). */
  readonly url?: string;
  /** The pinned initial root file (as written; relative = to the policy file's directory). */
  readonly rootFile?: string;
  /** The SHA-256 (lowercase hex) of the repository's `1.root.json`. */
  readonly rootSha256?: string;
  /** The trusted metadata folder (as written; relative = to the policy file's directory). */
  readonly metadataDir: string;
}

/** Default `repository.metadata_dir`. */
export const DEFAULT_REPOSITORY_METADATA_DIR = 'repository-metadata';

/** The defaults of every `limits` member. */
export const DEFAULT_INSTALL_LIMITS: InstallLimits = Object.freeze({
  maxIndexBytes: INDEX_MAX_BYTES,
  maxManifestBytes: MANIFEST_MAX_BYTES,
  maxArtifactBytes: BUNDLE_MAX_BYTES,
  connectTimeoutMs: 10_000,
  readTimeoutMs: 30_000,
  // 64 MiB at the 1 KiB/s floor would take 18 hours; the deadline bounds it. 15 minutes
  // fetch 64 MiB at 75 KiB/s; slower links raise it in the policy.
  fetchDeadlineMs: 900_000,
  minBytesPerSecond: 1024,
  minRateGraceMs: 20_000,
  maxRedirects: 3,
  allowPrivateAddresses: false,
  lockWaitMs: 30_000,
});

/** Inclusive bounds of the numeric limits (a policy outside them is a mistake). */
const LIMIT_BOUNDS = Object.freeze({
  max_index_bytes: [1, 1024 * 1024 * 1024],
  max_manifest_bytes: [1, 16 * 1024 * 1024],
  max_artifact_bytes: [1, 1024 * 1024 * 1024],
  connect_timeout_ms: [1, 600_000],
  read_timeout_ms: [1, 600_000],
  fetch_deadline_ms: [1, 86_400_000],
  min_bytes_per_second: [0, 1024 * 1024 * 1024],
  min_rate_grace_ms: [0, 3_600_000],
  max_redirects: [0, 10],
  lock_wait_ms: [0, 3_600_000],
} as const);

/** A parsed, checked install policy. */
export interface InstallPolicy {
  readonly schema: typeof INSTALL_POLICY_SCHEMA;
  /** Trusted index keys, threshold, and whether a signed draft is acceptable (index v1; absent in a repository-only policy). */
  readonly index?: { readonly trust: IndexTrust; readonly allowDraft: boolean };
  /** Repository v2: the pinned root and the trusted metadata folder. */
  readonly repository?: RepositoryPolicy;
  /** Named publisher entries (trusted when they have keys). */
  readonly publishers: ReadonlyMap<string, PublisherPolicy>;
  /** Limits for trusted publishers without their own (`"*"` merged over the built-in). */
  readonly defaultLimits: PublisherLimits;
  /** Capability patterns: allowed iff some `allow` matches and no `deny` does. */
  readonly capabilities: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  readonly host: HostProfile;
  readonly limits: InstallLimits;
  /** Archive rules stricter than the server's (all on by default). */
  readonly archive: ArchiveRules;
  /** Path of the rollback state file, as written (relative = to the policy file's directory). */
  readonly stateFile: string;
  /** Path of the audit log, as written (relative = to the policy file's directory). */
  readonly auditLog: string;
}

/** One problem of a policy, in ajv's error shape. */
export interface InstallPolicyProblem {
  /** RFC 6901 pointer of the offending value (`''` = the document). */
  instancePath: string;
  /** The rule broken: a JSON Schema keyword where one fits, else a policy rule name. */
  keyword: string;
  /** What was expected and what was found. */
  message: string;
}

/** Result of {@link parseInstallPolicy}: a bad policy never throws. */
export type InstallPolicyParseResult =
  | { ok: true; policy: InstallPolicy }
  | {
      ok: false;
      error: InputError;
      problems: InstallPolicyProblem[];
      /** Set when the bytes are not strict JSON at all: the parser's code (callers report unreadable input, not a bad policy). */
      notJSON?: ErrorCode;
    };

// ---- grammar -----------------------------------------------------------------

/** A version as the server's range grammar writes one (interop §D.4 term). */
const HOST_VERSION_RE = /^[0-9]+(?:\.[0-9]+){0,2}(?:-[0-9A-Za-z.-]+)?$/;
/** `<goos>/<goarch>` (interop §D.2). */
const PLATFORM_RE = /^[a-z0-9]+\/[a-z0-9][a-z0-9_]*$/;
/** A wasm import as `module.name`: the module has no dot, so the split is unique. */
const WASM_FUNCTION_RE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}\.[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/;
/** Capability shape (`domain:action`). */
const CAPABILITY_RE = /^[a-z][a-z0-9]*:[a-z][a-z0-9-]*$/;
/** `domain:*` pattern. */
const CAPABILITY_PREFIX_RE = /^([a-z][a-z0-9]*):\*$/;
/** Dashboard bridge version (the server accepts `"1"`, interop §A.4.1 step 11). */
const BRIDGE_VERSION_RE = /^[0-9]{1,9}$/;
/** Longest path member. */
const MAX_PATH_LENGTH = 4096;

/** Every capability any known server version knows (pattern typos are refused against this). */
const KNOWN_CAPABILITIES: readonly string[] = allKnownCapabilities();
/** A server build name as an operator writes it: a tag, a commit or a version id. */
const SERVER_BUILD_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

/**
 * Whether a capability pattern matches a capability: `*` matches all,
 * `domain:*` every capability of that domain, anything else only itself.
 *
 * @param pattern - a pattern from the policy's `capabilities` member.
 * @param capability - a capability name.
 * @returns true on a match.
 * @example
 * ```ts
 * matchCapabilityPattern('secret:*', 'secret:read'); // true
 * matchCapabilityPattern('secret:*', 'secrets:read'); // false
 * ```
 */
export function matchCapabilityPattern(pattern: string, capability: string): boolean {
  if (pattern === '*') return true;
  const prefix = CAPABILITY_PREFIX_RE.exec(pattern);
  if (prefix) return capability.startsWith(`${prefix[1]}:`);
  return pattern === capability;
}

/**
 * Whether the policy's patterns allow a capability (deny wins over allow).
 *
 * @param policy - the parsed policy.
 * @param capability - the capability to check.
 * @returns `{ allowed, rule }` — `rule` names the deciding pattern (or says none matched).
 * @example
 * ```ts
 * capabilityDecision(policy, 'secret:read'); // { allowed: false, rule: 'deny "secret:*"' }
 * ```
 */
export function capabilityDecision(policy: Pick<InstallPolicy, 'capabilities'>, capability: string): { allowed: boolean; rule: string } {
  const deny = policy.capabilities.deny.find((p) => matchCapabilityPattern(p, capability));
  if (deny !== undefined) return { allowed: false, rule: `deny ${JSON.stringify(deny)}` };
  const allow = policy.capabilities.allow.find((p) => matchCapabilityPattern(p, capability));
  if (allow !== undefined) return { allowed: true, rule: `allow ${JSON.stringify(allow)}` };
  return { allowed: false, rule: 'no allow pattern matches' };
}

/**
 * The publisher entry the operator trusts, or `undefined` when the publisher
 * is not trusted (no entry, or an entry without keys). `"*"` never makes a
 * publisher trusted.
 *
 * @param policy - the parsed policy.
 * @param publisher - a publisher id.
 * @returns the entry with at least one key, or `undefined`.
 * @example
 * ```ts
 * if (!trustedPublisher(policy, 'acme')) throw new PolicyError('PUBLISHER_UNTRUSTED', '…');
 * ```
 */
export function trustedPublisher(policy: Pick<InstallPolicy, 'publishers'>, publisher: string): PublisherPolicy | undefined {
  const entry = policy.publishers.get(publisher);
  return entry !== undefined && entry.keys.length > 0 ? entry : undefined;
}

/**
 * The publisher keys valid at a time: the key's window contains `timeMs`
 * (`valid_from` inclusive, `valid_until` exclusive; an open end is unbounded).
 *
 * @param entry - a publisher entry.
 * @param timeMs - ms since the epoch.
 * @returns the keys, in policy order.
 * @example
 * ```ts
 * publisherKeysAt(entry, Date.parse(release.published_at ?? nowIso));
 * ```
 */
export function publisherKeysAt(entry: PublisherPolicy, timeMs: number): PublisherKey[] {
  return entry.keys.filter(
    (k) => (k.validFrom === undefined || timeMs >= k.validFrom) && (k.validUntil === undefined || timeMs < k.validUntil),
  );
}

/**
 * The server's trust policy (interop §C.1) for this install policy: every
 * trusted publisher with the key valid at `now` — the server holds one key
 * per publisher, so when several are valid the one listed **last** (the
 * newest, keys being listed oldest first) is exported. A trusted publisher
 * with no key valid at `now` is left out and reported in `skipped`.
 * `allow_unsigned_host_risk` is always false.
 *
 * @param policy - the parsed policy.
 * @param now - reference time, ms since the epoch.
 * @returns the trust policy (write it with `serializeServerTrustPolicy`) and
 *   the publishers left out, with the reason.
 * @example
 * ```ts
 * const { trust } = serverTrustPolicyFrom(policy, Date.now());
 * await writeFileAtomic('trust.json', serializeServerTrustPolicy(trust));
 * ```
 */
export function serverTrustPolicyFrom(
  policy: Pick<InstallPolicy, 'publishers'>,
  now: number,
): { trust: TrustPolicy; skipped: { publisher: string; reason: string }[] } {
  const trustedPublishers = new Map<string, Uint8Array>();
  const skipped: { publisher: string; reason: string }[] = [];
  for (const entry of [...policy.publishers.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    if (entry.keys.length === 0) {
      skipped.push({ publisher: entry.id, reason: 'no keys (listed but not trusted)' });
      continue;
    }
    const valid = publisherKeysAt(entry, now);
    const key = valid[valid.length - 1];
    if (key === undefined) {
      skipped.push({ publisher: entry.id, reason: 'no key is valid now (every key window is closed or not yet open)' });
      continue;
    }
    trustedPublishers.set(entry.id, Uint8Array.from(key.publicKey));
  }
  return { trust: { trustedPublishers, allowUnsignedHostRisk: false }, skipped };
}

// ---- parsing -----------------------------------------------------------------

/**
 * Parse and check an install policy. Every problem is collected.
 *
 * @param input - the file bytes or text, or an already strictly parsed JSON value.
 * @returns `{ ok: true, policy }`, or `{ ok: false, error, problems }` where
 *   `error` is an {@link InputError} coded `INSTALL_POLICY_INVALID` whose
 *   message names the first problem and the count.
 * @example
 * ```ts
 * const r = parseInstallPolicy(await readFileBounded('policy.json', MAX_INSTALL_POLICY_BYTES));
 * if (!r.ok) { for (const p of r.problems) console.error(p.instancePath, p.message); throw r.error; }
 * ```
 */
export function parseInstallPolicy(input: Uint8Array | string | { value: unknown }): InstallPolicyParseResult {
  let value: unknown;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const parsed = parseJSONStrict(input, { maxBytes: MAX_INSTALL_POLICY_BYTES, maxDepth: 16 });
    if (!parsed.ok) {
      const e = parsed.error;
      const problem: InstallPolicyProblem = {
        instancePath: e.pointer,
        keyword: 'json',
        message: `not strict JSON: ${e.message} (line ${e.line}, column ${e.column}) [${e.code}]`,
      };
      return { ...failed([problem]), notJSON: e.code };
    }
    value = parsed.value;
  } else if (input !== null && typeof input === 'object' && 'value' in input) {
    value = input.value;
  } else {
    throw new TypeError('parseInstallPolicy expects bytes, text, or { value }');
  }
  const c = new Collector();
  const policy = readPolicy(value, c);
  if (c.problems.length > 0 || policy === undefined) return failed(c.problems);
  return { ok: true, policy };
}

/**
 * Every problem of an install policy (empty when it is valid).
 *
 * @param value - a strictly parsed JSON value.
 * @returns the problems in document order.
 * @example
 * ```ts
 * validateInstallPolicy({ schema: 'lattice.plugin.install-policy.v1' }); // [{ instancePath: '', keyword: 'required', … }, …]
 * ```
 */
export function validateInstallPolicy(value: unknown): InstallPolicyProblem[] {
  const c = new Collector();
  readPolicy(value, c);
  return c.problems;
}

/**
 * Parse a policy and throw on any problem (for commands).
 *
 * @param input - file bytes or text.
 * @returns the policy.
 * @throws {InputError} `INSTALL_POLICY_INVALID` (its `detail` holds every problem).
 * @example
 * ```ts
 * const policy = assertInstallPolicy(bytes);
 * ```
 */
export function assertInstallPolicy(input: Uint8Array | string): InstallPolicy {
  const r = parseInstallPolicy(input);
  if (!r.ok) throw r.error;
  return r.policy;
}

function failed(problems: InstallPolicyProblem[]): { ok: false; error: InputError; problems: InstallPolicyProblem[] } {
  const first = problems[0] ?? { instancePath: '', keyword: 'type', message: 'invalid' };
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  const error = new InputError(
    'INSTALL_POLICY_INVALID',
    `install policy ${first.instancePath || '/'}: ${first.message}${more}`,
    problems,
  );
  return { ok: false, error, problems };
}

class Collector {
  readonly problems: InstallPolicyProblem[] = [];
  add(instancePath: string, keyword: string, message: string): void {
    this.problems.push({ instancePath, keyword, message });
  }
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}


function ptr(base: string, key: string | number): string {
  return `${base}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** Checks an object's member names; returns false (and records) when `v` is not an object. */
function objectWith(c: Collector, v: unknown, at: string, required: readonly string[], optional: readonly string[]): v is Obj {
  if (!isObject(v)) {
    c.add(at, 'type', `expected an object, found ${describeJSONValue60(v)}`);
    return false;
  }
  for (const k of required) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) c.add(at, 'required', `missing required member ${JSON.stringify(k)}`);
  }
  const known = new Set([...required, ...optional]);
  for (const k of Object.keys(v)) {
    if (!known.has(k)) c.add(ptr(at, k), 'additionalProperties', `unknown member ${JSON.stringify(k)} (expected ${[...known].join(', ')})`);
  }
  return true;
}

/** A non-empty array of unique strings each in `allowed`; undefined when invalid. */
function enumList<T extends string>(c: Collector, v: unknown, at: string, allowed: readonly T[], minItems = 1): T[] | undefined {
  if (!Array.isArray(v)) {
    c.add(at, 'type', `expected an array of ${allowed.join('/')}, found ${describeJSONValue60(v)}`);
    return undefined;
  }
  if (v.length < minItems) {
    c.add(at, 'minItems', `expected at least ${minItems} item(s)`);
    return undefined;
  }
  let ok = true;
  const seen = new Set<string>();
  v.forEach((x, i) => {
    if (typeof x !== 'string' || !(allowed as readonly string[]).includes(x)) {
      c.add(ptr(at, i), 'enum', `expected one of ${allowed.join(', ')}, found ${describeJSONValue60(x)}`);
      ok = false;
    } else if (seen.has(x)) {
      c.add(ptr(at, i), 'uniqueItems', `${JSON.stringify(x)} is listed twice`);
      ok = false;
    } else seen.add(x);
  });
  return ok ? (v as T[]) : undefined;
}

/** A non-blank string without control characters, at most `max` characters. */
function plainString(c: Collector, v: unknown, at: string, max: number): string | undefined {
  if (typeof v !== 'string' || v.trim() === '' || v.length > max || hasControl(v)) {
    c.add(at, 'pattern', `expected a non-blank string of at most ${max} characters without control characters, found ${describeJSONValue60(v)}`);
    return undefined;
  }
  return v;
}

function readPolicy(v: unknown, c: Collector): InstallPolicy | undefined {
  const TOP_REQUIRED = ['schema', 'publishers', 'capabilities', 'host', 'state_file', 'audit_log'] as const;
  if (!objectWith(c, v, '', TOP_REQUIRED, ['index', 'repository', 'limits', 'archive'])) return undefined;
  if (v.index === undefined && v.repository === undefined) {
    c.add('', 'required', 'expected "index" (trusted keys of index v1) or "repository" (the pinned root of repository v2), found neither');
  }
  if (v.schema !== INSTALL_POLICY_SCHEMA && v.schema !== undefined) {
    c.add('/schema', 'const', `expected ${JSON.stringify(INSTALL_POLICY_SCHEMA)}, found ${describeJSONValue60(v.schema)}`);
  }
  const index = v.index === undefined ? undefined : readIndex(v.index, c);
  const repository = v.repository === undefined ? undefined : readRepositoryPolicy(v.repository, c);
  // The host is read before capabilities and publishers: both depend on its server line.
  const host = v.host === undefined ? undefined : readHost(v.host, c);
  const publishers = v.publishers === undefined ? undefined : readPublishers(v.publishers, c);
  const capabilities = v.capabilities === undefined ? undefined : readCapabilities(v.capabilities, c);
  const limits = v.limits === undefined ? DEFAULT_INSTALL_LIMITS : readLimits(v.limits, c);
  const archive = v.archive === undefined ? DEFAULT_ARCHIVE_RULES : readArchive(v.archive, c);
  const stateFile = v.state_file === undefined ? undefined : plainString(c, v.state_file, '/state_file', MAX_PATH_LENGTH);
  const auditLog = v.audit_log === undefined ? undefined : plainString(c, v.audit_log, '/audit_log', MAX_PATH_LENGTH);
  if (
    c.problems.length > 0 ||
    (index === undefined && repository === undefined) ||
    host === undefined ||
    publishers === undefined ||
    capabilities === undefined ||
    limits === undefined ||
    archive === undefined ||
    stateFile === undefined ||
    auditLog === undefined
  ) {
    return undefined;
  }
  return {
    schema: INSTALL_POLICY_SCHEMA,
    ...(index !== undefined ? { index } : {}),
    ...(repository !== undefined ? { repository } : {}),
    publishers: publishers.named,
    defaultLimits: publishers.defaults,
    capabilities,
    host,
    limits,
    archive,
    stateFile,
    auditLog,
  };
}

/** `archive`: the stricter-than-the-server rules, each a boolean (default true). */
function readArchive(v: unknown, c: Collector): ArchiveRules | undefined {
  const keys = ['refuse_setid_modes', 'refuse_case_collisions', 'refuse_trailing_data'] as const;
  if (!objectWith(c, v, '/archive', [], keys)) return undefined;
  const before = c.problems.length;
  for (const k of keys) {
    if (v[k] !== undefined && typeof v[k] !== 'boolean') c.add(ptr('/archive', k), 'type', `expected a boolean, found ${describeJSONValue60(v[k])}`);
  }
  if (c.problems.length > before) return undefined;
  const d = DEFAULT_ARCHIVE_RULES;
  return Object.freeze({
    refuseSetIdModes: (v.refuse_setid_modes as boolean | undefined) ?? d.refuseSetIdModes,
    refuseCaseCollisions: (v.refuse_case_collisions as boolean | undefined) ?? d.refuseCaseCollisions,
    refuseTrailingData: (v.refuse_trailing_data as boolean | undefined) ?? d.refuseTrailingData,
  });
}

/** `repository`: the pinned root (file or SHA-256 of `1.root.json`), the metadata folder, an optional URL. */
function readRepositoryPolicy(v: unknown, c: Collector): RepositoryPolicy | undefined {
  const at = '/repository';
  if (!objectWith(c, v, at, [], ['url', 'root', 'root_sha256', 'metadata_dir'])) return undefined;
  const before = c.problems.length;
  if ((v.root === undefined) === (v.root_sha256 === undefined)) {
    c.add(at, 'oneOf', 'expected exactly one of "root" (a pinned root file) and "root_sha256" (the SHA-256 of 1.root.json); a root is never trusted on first use');
  }
  const rootFile = v.root === undefined ? undefined : plainString(c, v.root, ptr(at, 'root'), MAX_PATH_LENGTH);
  let rootSha256: string | undefined;
  if (v.root_sha256 !== undefined) {
    if (typeof v.root_sha256 === 'string' && /^[0-9a-f]{64}$/.test(v.root_sha256)) rootSha256 = v.root_sha256;
    else c.add(ptr(at, 'root_sha256'), 'pattern', `expected 64 lowercase hex characters, found ${describeJSONValue60(v.root_sha256)}`);
  }
  let url: string | undefined;
  if (v.url !== undefined) {
    if (isHttpsUrl(v.url)) url = v.url;
    else c.add(ptr(at, 'url'), 'format', `expected an https:// URL without userinfo, query or fragment, found ${describeJSONValue60(v.url)}`);
  }
  const metadataDir = v.metadata_dir === undefined ? DEFAULT_REPOSITORY_METADATA_DIR : plainString(c, v.metadata_dir, ptr(at, 'metadata_dir'), MAX_PATH_LENGTH);
  if (c.problems.length > before || metadataDir === undefined) return undefined;
  return Object.freeze({
    ...(url !== undefined ? { url } : {}),
    ...(rootFile !== undefined ? { rootFile } : {}),
    ...(rootSha256 !== undefined ? { rootSha256 } : {}),
    metadataDir,
  });
}

/** Whether `s` is an IPv4 or IPv6 address literal (no zone id, no brackets). */
export function isIpLiteral(s: unknown): s is string {
  if (typeof s !== 'string' || s.length === 0 || s.length > 45) return false;
  if (/^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/.test(s)) return true;
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(':')) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** `index`: trust via `indexTrustFromPolicy`, plus `allow_draft` (ours). */
function readIndex(v: unknown, c: Collector): InstallPolicy['index'] | undefined {
  if (!isObject(v)) {
    c.add('/index', 'type', `expected an object, found ${describeJSONValue60(v)}`);
    return undefined;
  }
  let allowDraft = false;
  let ok = true;
  if (v.allow_draft !== undefined) {
    if (typeof v.allow_draft !== 'boolean') {
      c.add('/index/allow_draft', 'type', `expected a boolean, found ${describeJSONValue60(v.allow_draft)}`);
      ok = false;
    } else allowDraft = v.allow_draft;
  }
  // The trust members are read by the one index-trust reader (domain/index/trust.ts).
  const trustPart: Obj = {};
  for (const k of Object.keys(v)) if (k !== 'allow_draft') trustPart[k] = v[k];
  let trust: IndexTrust | undefined;
  try {
    trust = indexTrustFromPolicy({ index: trustPart });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    // Its message is `install policy <pointer>: <message>`.
    const m = /^install policy (\S*): ([\s\S]*)$/.exec(e.message);
    c.add(m ? m[1]! : '/index', 'trust', m ? m[2]! : e.message);
    ok = false;
  }
  return ok && trust !== undefined ? { trust, allowDraft } : undefined;
}

function readPublishers(v: unknown, c: Collector): { named: Map<string, PublisherPolicy>; defaults: PublisherLimits } | undefined {
  if (!isObject(v)) {
    c.add('/publishers', 'type', `expected an object of publisher id → entry, found ${describeJSONValue60(v)}`);
    return undefined;
  }
  const before = c.problems.length;
  // "*" first: named entries inherit from it.
  let defaults = DEFAULT_PUBLISHER_LIMITS;
  if (v[DEFAULT_PUBLISHER_KEY] !== undefined) {
    const at = ptr('/publishers', DEFAULT_PUBLISHER_KEY);
    const star = v[DEFAULT_PUBLISHER_KEY];
    if (objectWith(c, star, at, [], ['max_risk', 'channels', 'types'])) {
      defaults = readLimitsMembers(star, at, c, DEFAULT_PUBLISHER_LIMITS);
    }
  }
  const named = new Map<string, PublisherPolicy>();
  for (const id of Object.keys(v)) {
    if (id === DEFAULT_PUBLISHER_KEY) continue;
    const at = ptr('/publishers', id);
    if (!validPluginID(id)) {
      c.add(at, 'propertyNames', `publisher id ${JSON.stringify(id)} breaks the server's id rule (3–128 of [a-z0-9.-], no "..", alphanumeric ends)`);
      continue;
    }
    const e = v[id];
    if (!objectWith(c, e, at, ['keys'], ['max_risk', 'channels', 'types'])) continue;
    const keys = readPublisherKeys(e.keys, ptr(at, 'keys'), c);
    const limits = readLimitsMembers(e, at, c, defaults);
    if (keys !== undefined) named.set(id, { id, keys, limits });
  }
  return c.problems.length === before ? { named, defaults } : undefined;
}

function readLimitsMembers(e: Obj, at: string, c: Collector, inherit: PublisherLimits): PublisherLimits {
  let maxRisk = inherit.maxRisk;
  if (e.max_risk !== undefined) {
    if (typeof e.max_risk === 'string' && (RISK_TIERS as readonly string[]).includes(e.max_risk)) maxRisk = e.max_risk as RiskTier;
    else c.add(ptr(at, 'max_risk'), 'enum', `expected one of ${RISK_TIERS.join(', ')}, found ${describeJSONValue60(e.max_risk)}`);
  }
  const channels = e.channels === undefined ? inherit.channels : enumList(c, e.channels, ptr(at, 'channels'), POLICY_CHANNELS) ?? inherit.channels;
  const types = e.types === undefined ? inherit.types : enumList(c, e.types, ptr(at, 'types'), POLICY_PLUGIN_TYPES) ?? inherit.types;
  return Object.freeze({ maxRisk, channels: Object.freeze([...channels]), types: Object.freeze([...types]) });
}

function readPublisherKeys(v: unknown, at: string, c: Collector): PublisherKey[] | undefined {
  if (!Array.isArray(v)) {
    c.add(at, 'type', `expected an array of keys (empty = not trusted), found ${describeJSONValue60(v)}`);
    return undefined;
  }
  const keys: PublisherKey[] = [];
  const seen = new Set<string>();
  let ok = true;
  v.forEach((k, i) => {
    const kat = ptr(at, i);
    if (!objectWith(c, k, kat, ['public_key_ed25519'], ['valid_from', 'valid_until'])) {
      ok = false;
      return;
    }
    const publicKey = decodeCanonicalBase64(k.public_key_ed25519, 32);
    if (publicKey === null) {
      c.add(ptr(kat, 'public_key_ed25519'), 'pattern', `expected canonical padded base64 of a 32-byte Ed25519 key, found ${describeJSONValue60(k.public_key_ed25519)}`);
      ok = false;
      return;
    }
    const base64 = encodeBase64(publicKey);
    if (seen.has(base64)) {
      c.add(ptr(kat, 'public_key_ed25519'), 'uniqueItems', `key ${base64} is listed twice for this publisher`);
      ok = false;
      return;
    }
    seen.add(base64);
    let validFrom: number | undefined;
    let validUntil: number | undefined;
    for (const m of ['valid_from', 'valid_until'] as const) {
      if (k[m] === undefined) continue;
      if (!isRFC3339UTC(k[m])) {
        c.add(ptr(kat, m), 'format', `expected an RFC 3339 UTC timestamp, found ${describeJSONValue60(k[m])}`);
        ok = false;
      } else if (m === 'valid_from') validFrom = Date.parse(k[m]);
      else validUntil = Date.parse(k[m]);
    }
    if (validFrom !== undefined && validUntil !== undefined && !(validFrom < validUntil)) {
      c.add(ptr(kat, 'valid_until'), 'window', 'valid_until must be after valid_from');
      ok = false;
    }
    const key: PublisherKey = {
      publicKey,
      base64,
      keyid: keyId(publicKey),
      ...(validFrom !== undefined ? { validFrom } : {}),
      ...(validUntil !== undefined ? { validUntil } : {}),
    };
    keys.push(key);
  });
  return ok ? keys : undefined;
}

function readCapabilities(v: unknown, c: Collector): InstallPolicy['capabilities'] | undefined {
  if (!objectWith(c, v, '/capabilities', ['allow'], ['deny'])) return undefined;
  const before = c.problems.length;
  const allow = v.allow === undefined ? [] : readPatterns(v.allow, '/capabilities/allow', c);
  const deny = v.deny === undefined ? [] : readPatterns(v.deny, '/capabilities/deny', c);
  return c.problems.length === before ? { allow: Object.freeze(allow), deny: Object.freeze(deny) } : undefined;
}

function readPatterns(v: unknown, at: string, c: Collector): string[] {
  if (!Array.isArray(v)) {
    c.add(at, 'type', `expected an array of capability patterns, found ${describeJSONValue60(v)}`);
    return [];
  }
  const out: string[] = [];
  v.forEach((p, i) => {
    const pat = ptr(at, i);
    if (typeof p !== 'string' || !(p === '*' || CAPABILITY_PREFIX_RE.test(p) || CAPABILITY_RE.test(p))) {
      c.add(pat, 'pattern', `expected "*", "domain:*" or a capability name, found ${describeJSONValue60(p)}`);
      return;
    }
    if (out.includes(p)) {
      c.add(pat, 'uniqueItems', `${JSON.stringify(p)} is listed twice`);
      return;
    }
    // A pattern that matches no known capability is a typo that would silently
    // allow or deny nothing: refuse it (fail closed).
    if (!KNOWN_CAPABILITIES.some((k) => matchCapabilityPattern(p, k))) {
      c.add(pat, 'knownCapability', `${JSON.stringify(p)} matches no capability any known server version knows`);
      return;
    }
    out.push(p);
  });
  return out;
}

function readHost(v: unknown, c: Collector): HostProfile | undefined {
  const at = '/host';
  const REQUIRED = ['server_version', 'platform', 'runners', 'runtime_protocols'] as const;
  const OPTIONAL = [
    'server_line', 'server_build', 'server_rules', 'sandboxes', 'dashboard_bridge_version', 'dashboard_host_version',
    'installed_plugins', 'wasm_host_functions',
  ] as const;
  if (!objectWith(c, v, at, REQUIRED, OPTIONAL)) return undefined;
  const before = c.problems.length;
  const serverVersion = typeof v.server_version === 'string' && HOST_VERSION_RE.test(v.server_version) ? v.server_version : undefined;
  if (v.server_version !== undefined && serverVersion === undefined) {
    // A known build name here is a common mix-up: say where it goes (fail closed either way).
    const build = resolveServerVersion(v.server_version);
    const hint = build.ok
      ? `; ${JSON.stringify(v.server_version)} names the server version ${build.rules.version}, whose plugin rules belong in ${build.alias !== undefined ? 'server_line' : 'server_build'}`
      : '';
    c.add(ptr(at, 'server_version'), 'pattern', `expected the server's release version in the range grammar, like 0.2.2 or 0.2.2-alpha.39 (interop §D.4; compared with compatibility.server), found ${describeJSONValue60(v.server_version)}${hint}`);
  }
  const rules = readServerRules(v, at, c);
  const serverLine = rules?.line;
  const platform = typeof v.platform === 'string' && PLATFORM_RE.test(v.platform) ? v.platform : undefined;
  if (v.platform !== undefined && platform === undefined) {
    c.add(ptr(at, 'platform'), 'pattern', `expected <goos>/<goarch> like linux/amd64, found ${describeJSONValue60(v.platform)}`);
  }
  const runners = v.runners === undefined ? undefined : enumList(c, v.runners, ptr(at, 'runners'), POLICY_PLUGIN_TYPES, 0);
  const sandboxes = v.sandboxes === undefined ? [] : enumList(c, v.sandboxes, ptr(at, 'sandboxes'), SANDBOX_BACKENDS, 0);
  let runtimeProtocols: string[] | undefined;
  if (v.runtime_protocols !== undefined) {
    // Only protocols the host's server version speaks (interop §0, §D.1).
    const known = rules ? rules.runtimeProtocols : [...new Set(SERVER_LINES.flatMap((l) => serverRules(l).runtimeProtocols))];
    runtimeProtocols = enumList(c, v.runtime_protocols, ptr(at, 'runtime_protocols'), known, 1);
  }
  let dashboardBridgeVersion: string | undefined;
  if (v.dashboard_bridge_version !== undefined) {
    if (typeof v.dashboard_bridge_version === 'string' && BRIDGE_VERSION_RE.test(v.dashboard_bridge_version)) dashboardBridgeVersion = v.dashboard_bridge_version;
    else c.add(ptr(at, 'dashboard_bridge_version'), 'pattern', `expected a decimal version like "1", found ${describeJSONValue60(v.dashboard_bridge_version)}`);
  }
  let dashboardHostVersion: string | undefined;
  if (v.dashboard_host_version !== undefined) {
    if (typeof v.dashboard_host_version === 'string' && HOST_VERSION_RE.test(v.dashboard_host_version)) dashboardHostVersion = v.dashboard_host_version;
    else c.add(ptr(at, 'dashboard_host_version'), 'pattern', `expected a version like 1 or 1.2, found ${describeJSONValue60(v.dashboard_host_version)}`);
  }
  const installedPlugins = new Map<string, string>();
  if (v.installed_plugins !== undefined) {
    const ip = ptr(at, 'installed_plugins');
    if (!isObject(v.installed_plugins)) c.add(ip, 'type', `expected an object of plugin id → version, found ${describeJSONValue60(v.installed_plugins)}`);
    else {
      for (const [id, ver] of Object.entries(v.installed_plugins)) {
        if (!validPluginID(id)) c.add(ptr(ip, id), 'propertyNames', `plugin id ${JSON.stringify(id)} breaks the server's id rule`);
        else if (typeof ver !== 'string' || !isV2Version(ver)) c.add(ptr(ip, id), 'pattern', `expected a plugin version, found ${describeJSONValue60(ver)}`);
        else installedPlugins.set(id, ver);
      }
    }
  }
  const wasmHostFunctions: string[] = [];
  if (v.wasm_host_functions !== undefined) {
    const wp = ptr(at, 'wasm_host_functions');
    if (!Array.isArray(v.wasm_host_functions)) c.add(wp, 'type', `expected an array of "module.name" strings, found ${describeJSONValue60(v.wasm_host_functions)}`);
    else {
      v.wasm_host_functions.forEach((f, i) => {
        if (typeof f !== 'string' || !WASM_FUNCTION_RE.test(f)) c.add(ptr(wp, i), 'pattern', `expected "module.name" (module without dots), found ${describeJSONValue60(f)}`);
        else if (wasmHostFunctions.includes(f)) c.add(ptr(wp, i), 'uniqueItems', `${JSON.stringify(f)} is listed twice`);
        else wasmHostFunctions.push(f);
      });
    }
  }
  if (
    c.problems.length > before ||
    serverVersion === undefined ||
    rules === undefined ||
    serverLine === undefined ||
    platform === undefined ||
    runners === undefined ||
    sandboxes === undefined ||
    runtimeProtocols === undefined
  ) {
    return undefined;
  }
  return Object.freeze({
    serverVersion,
    serverRules: rules.version,
    serverLine,
    ...(typeof v.server_build === 'string' ? { serverBuild: v.server_build } : {}),
    platform,
    runners: Object.freeze([...runners]),
    sandboxes: Object.freeze([...sandboxes]),
    runtimeProtocols: Object.freeze([...runtimeProtocols]),
    ...(dashboardBridgeVersion !== undefined ? { dashboardBridgeVersion } : {}),
    ...(dashboardHostVersion !== undefined ? { dashboardHostVersion } : {}),
    installedPlugins,
    wasmHostFunctions: Object.freeze(wasmHostFunctions),
  });
}

/**
 * Which known server version's rules apply to the host (DESIGN §4.5, docs/SERVER-VERSIONS.md):
 * - `server_build`: the exact build the host runs (id, tag or commit of a
 *   known version) — exactly those rules;
 * - `server_rules`: the operator's mapping, for a build this toolkit does not
 *   know (or, without `server_build`, simply the rules to apply): any known
 *   name, branch aliases included. It may not contradict a known build;
 * - `server_line`: the branch alias (the newest known version of the branch),
 *   as policies written before server versions existed say it. When given
 *   with the others it must be the resolved version's branch.
 * An unknown `server_build` without `server_rules` is refused (fail closed):
 * no rules are guessed.
 */
function readServerRules(v: Obj, at: string, c: Collector): ServerRules | undefined {
  const before = c.problems.length;
  let lineRules: ServerRules | undefined;
  if (v.server_line !== undefined) {
    if (isServerLine(v.server_line)) lineRules = newestServerVersion(v.server_line);
    else c.add(ptr(at, 'server_line'), 'enum', `expected one of ${SERVER_LINES.join(', ')}, found ${describeJSONValue60(v.server_line)}`);
  }
  let buildRules: ServerRules | undefined;
  let unknownBuild: string | undefined;
  if (v.server_build !== undefined) {
    const b = v.server_build;
    if (typeof b !== 'string' || !SERVER_BUILD_RE.test(b)) {
      c.add(ptr(at, 'server_build'), 'pattern', `expected a server build name like alpha-0.2.2a41 or a commit like 4dfbf5d, found ${describeJSONValue60(b)}`);
    } else if (isServerLine(b)) {
      c.add(ptr(at, 'server_build'), 'serverVersionKnown', `server_build names the exact build the host runs; ${b} is a branch alias (use server_line for it, or name the build)`);
    } else {
      const r = resolveServerVersion(b);
      if (r.ok) buildRules = r.rules;
      else unknownBuild = b;
    }
  }
  let mapped: ServerRules | undefined;
  if (v.server_rules !== undefined) {
    const r = resolveServerVersion(v.server_rules);
    if (r.ok) mapped = r.rules;
    else c.add(ptr(at, 'server_rules'), 'serverVersionKnown', `server_rules must name a known server version; ${r.message}`);
  }
  let rules: ServerRules | undefined;
  if (buildRules !== undefined) {
    if (mapped !== undefined && mapped !== buildRules) {
      c.add(ptr(at, 'server_rules'), 'serverVersionConsistent', `server_build ${String(v.server_build)} is the known version ${buildRules.version}, whose rules apply; server_rules names ${mapped.version} (a mapping is only for a build this toolkit does not know)`);
    }
    rules = buildRules;
  } else if (unknownBuild !== undefined) {
    if (mapped !== undefined) rules = mapped;
    else if (v.server_rules === undefined) {
      c.add(ptr(at, 'server_build'), 'serverVersionKnown', `server build ${JSON.stringify(unknownBuild)} is not a known server version (SERVER_VERSION_UNKNOWN; known: ${describeKnownServerVersions()}); no rules are guessed — if its plugin rules equal a known version's, name that version in server_rules`);
    }
  } else if (mapped !== undefined) {
    rules = mapped;
  } else if (v.server_build === undefined && v.server_rules === undefined) {
    if (lineRules !== undefined) rules = lineRules;
    else if (v.server_line === undefined) c.add(at, 'required', 'missing server_line, server_build or server_rules: the host names the server version whose plugin rules apply');
  }
  if (rules !== undefined && lineRules !== undefined && rules.line !== lineRules.line) {
    c.add(ptr(at, 'server_line'), 'serverVersionConsistent', `server_line ${lineRules.line} contradicts the server version ${rules.version}, which is on ${rules.line}`);
  }
  return c.problems.length > before ? undefined : rules;
}

function readLimits(v: unknown, c: Collector): InstallLimits | undefined {
  const at = '/limits';
  const numeric = Object.keys(LIMIT_BOUNDS) as (keyof typeof LIMIT_BOUNDS)[];
  if (!objectWith(c, v, at, [], [...numeric, 'allow_private_addresses', 'allow_addresses', 'ca_file'])) return undefined;
  const before = c.problems.length;
  const out: Record<string, number | boolean> = {};
  for (const k of numeric) {
    if (v[k] === undefined) continue;
    const [min, max] = LIMIT_BOUNDS[k];
    const n = v[k];
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) c.add(ptr(at, k), 'type', `expected an integer, found ${describeJSONValue60(n)}`);
    else if (n < min) c.add(ptr(at, k), 'minimum', `expected at least ${min}, found ${n}`);
    else if (n > max) c.add(ptr(at, k), 'maximum', `expected at most ${max}, found ${n}`);
    else out[k] = n;
  }
  if (v.allow_private_addresses !== undefined && typeof v.allow_private_addresses !== 'boolean') {
    c.add(ptr(at, 'allow_private_addresses'), 'type', `expected a boolean, found ${describeJSONValue60(v.allow_private_addresses)}`);
  }
  const allowAddresses: string[] = [];
  if (v.allow_addresses !== undefined) {
    const ap = ptr(at, 'allow_addresses');
    if (!Array.isArray(v.allow_addresses)) c.add(ap, 'type', `expected an array of IP address literals, found ${describeJSONValue60(v.allow_addresses)}`);
    else {
      v.allow_addresses.forEach((a, i) => {
        if (!isIpLiteral(a)) c.add(ptr(ap, i), 'format', `expected an IPv4 or IPv6 address literal, found ${describeJSONValue60(a)}`);
        else if (allowAddresses.includes(a)) c.add(ptr(ap, i), 'uniqueItems', `${JSON.stringify(a)} is listed twice`);
        else allowAddresses.push(a);
      });
    }
  }
  const caFile = v.ca_file === undefined ? undefined : plainString(c, v.ca_file, ptr(at, 'ca_file'), MAX_PATH_LENGTH);
  if (c.problems.length > before) return undefined;
  const d = DEFAULT_INSTALL_LIMITS;
  return Object.freeze({
    maxIndexBytes: (out.max_index_bytes as number | undefined) ?? d.maxIndexBytes,
    maxManifestBytes: (out.max_manifest_bytes as number | undefined) ?? d.maxManifestBytes,
    maxArtifactBytes: (out.max_artifact_bytes as number | undefined) ?? d.maxArtifactBytes,
    connectTimeoutMs: (out.connect_timeout_ms as number | undefined) ?? d.connectTimeoutMs,
    readTimeoutMs: (out.read_timeout_ms as number | undefined) ?? d.readTimeoutMs,
    fetchDeadlineMs: (out.fetch_deadline_ms as number | undefined) ?? d.fetchDeadlineMs,
    minBytesPerSecond: (out.min_bytes_per_second as number | undefined) ?? d.minBytesPerSecond,
    minRateGraceMs: (out.min_rate_grace_ms as number | undefined) ?? d.minRateGraceMs,
    maxRedirects: (out.max_redirects as number | undefined) ?? d.maxRedirects,
    allowPrivateAddresses: v.allow_private_addresses === true,
    lockWaitMs: (out.lock_wait_ms as number | undefined) ?? d.lockWaitMs,
    ...(allowAddresses.length > 0 ? { allowAddresses: Object.freeze(allowAddresses) } : {}),
    ...(caFile !== undefined ? { caFile } : {}),
  });
}

// ---- a starting policy ---------------------------------------------------------

/** Options of {@link starterInstallPolicy}. */
export interface StarterPolicyOptions {
  /** Trusted index keys (canonical padded base64 of 32 bytes); at least one. */
  indexKeys: readonly string[];
  /** How many must sign (default 1). */
  threshold?: number;
  /** Trusted publishers: id → key (canonical padded base64). */
  publishers?: ReadonlyArray<{ id: string; key: string }>;
  /** The server's release version in the range grammar (`0.2.2`). */
  serverVersion: string;
  /** Server line (default `integration` when neither `serverBuild` nor `serverRules` is given). */
  serverLine?: ServerLine;
  /** The exact server build the host runs (`alpha-0.2.2a41`): written as `host.server_build`. */
  serverBuild?: string;
  /** The known version whose rules apply to an unknown build: written as `host.server_rules`. */
  serverRules?: string;
  /** `<goos>/<goarch>` of the host. */
  platform: string;
  /** Rollback state path (default `index-state.json`, next to the policy). */
  stateFile?: string;
  /** Audit log path (default `install-audit.log`, next to the policy). */
  auditLog?: string;
}

/**
 * A starting policy document with fail-closed defaults (`lattice-index policy
 * init`): the given index keys, threshold 1, drafts refused; the given
 * publishers trusted for stable, write-risk releases; `"*"` limited to write
 * risk and stable; every capability allowed except `secret:*`; a host with the
 * system runner only and no sandbox; default limits; no private addresses.
 * The result passes {@link parseInstallPolicy} (checked before returning).
 *
 * @param opts - keys, host version and platform.
 * @returns the JSON document (serialize with `JSON.stringify(doc, null, 2)`).
 * @throws {InputError} `INSTALL_POLICY_INVALID` when the options make an invalid policy (a bad key, version or platform).
 * @example
 * ```ts
 * const doc = starterInstallPolicy({ indexKeys: [b64], serverVersion: '0.2.2', platform: 'linux/amd64' });
 * ```
 */
export function starterInstallPolicy(opts: StarterPolicyOptions): Record<string, unknown> {
  const named = opts.serverBuild !== undefined || opts.serverRules !== undefined;
  const line = opts.serverLine ?? (named ? undefined : 'integration');
  // The protocols of the version the host profile will resolve to (the parse below re-checks everything).
  const resolved = [opts.serverBuild, opts.serverRules, line].map((n) => (n !== undefined ? resolveServerVersion(n) : undefined)).find((r) => r?.ok);
  const protocols = resolved !== undefined && resolved.ok ? [...resolved.rules.runtimeProtocols] : [];
  const publishers: Record<string, unknown> = {};
  for (const p of opts.publishers ?? []) {
    // '*' holds the default limits of unknown publishers and never keys; a repeated id would drop a key.
    if (p.id === DEFAULT_PUBLISHER_KEY) throw new InputError('INPUT_INVALID', `publisher "*" is the default for unknown publishers and cannot hold a key; name the publisher`);
    if (Object.prototype.hasOwnProperty.call(publishers, p.id)) throw new InputError('INPUT_INVALID', `publisher ${JSON.stringify(p.id)} is given twice; list each publisher once`);
    publishers[p.id] = { keys: [{ public_key_ed25519: p.key }], max_risk: 'write', channels: ['stable'], types: [...POLICY_PLUGIN_TYPES] };
  }
  publishers[DEFAULT_PUBLISHER_KEY] = { max_risk: 'write', channels: ['stable'], types: [...POLICY_PLUGIN_TYPES] };
  const doc: Record<string, unknown> = {
    schema: INSTALL_POLICY_SCHEMA,
    index: {
      trusted_keys: opts.indexKeys.map((k) => ({ public_key_ed25519: k })),
      threshold: opts.threshold ?? 1,
      allow_draft: false,
    },
    publishers,
    capabilities: { allow: ['*'], deny: ['secret:*'] },
    host: {
      server_version: opts.serverVersion,
      ...(line !== undefined ? { server_line: line } : {}),
      ...(opts.serverBuild !== undefined ? { server_build: opts.serverBuild } : {}),
      ...(opts.serverRules !== undefined ? { server_rules: opts.serverRules } : {}),
      platform: opts.platform,
      runners: ['system'],
      sandboxes: [],
      runtime_protocols: protocols,
      dashboard_bridge_version: '1',
      dashboard_host_version: '1',
      installed_plugins: {},
      wasm_host_functions: [],
    },
    limits: {
      max_index_bytes: DEFAULT_INSTALL_LIMITS.maxIndexBytes,
      max_manifest_bytes: DEFAULT_INSTALL_LIMITS.maxManifestBytes,
      max_artifact_bytes: DEFAULT_INSTALL_LIMITS.maxArtifactBytes,
      connect_timeout_ms: DEFAULT_INSTALL_LIMITS.connectTimeoutMs,
      read_timeout_ms: DEFAULT_INSTALL_LIMITS.readTimeoutMs,
      fetch_deadline_ms: DEFAULT_INSTALL_LIMITS.fetchDeadlineMs,
      min_bytes_per_second: DEFAULT_INSTALL_LIMITS.minBytesPerSecond,
      min_rate_grace_ms: DEFAULT_INSTALL_LIMITS.minRateGraceMs,
      max_redirects: DEFAULT_INSTALL_LIMITS.maxRedirects,
      allow_private_addresses: false,
      lock_wait_ms: DEFAULT_INSTALL_LIMITS.lockWaitMs,
    },
    archive: { refuse_setid_modes: true, refuse_case_collisions: true, refuse_trailing_data: true },
    state_file: opts.stateFile ?? 'index-state.json',
    audit_log: opts.auditLog ?? 'install-audit.log',
  };
  const r = parseInstallPolicy({ value: doc });
  if (!r.ok) throw r.error;
  return doc;
}
