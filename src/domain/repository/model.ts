/**
 * TUF metadata (specification 1.0.x) as plain data: the four top-level roles
 * and delegated targets roles, read strictly from bytes and written as
 * canonical JSON.
 *
 * ## Why not `@tufjs/models` here
 *
 * tuf-js's model classes build every `meta` and `targets` map with
 * `reduce((acc, …) => ({ ...acc, [k]: v }))`, both when reading
 * (`fromJSON`) and when writing (`toJSON`), which copies the whole map for
 * every entry: quadratic in the number of entries. Measured on Node 20 with
 * `@tufjs/models` 4.1.1: a snapshot listing 1024 bins takes 80–120 ms to read
 * and as long again to serialise, 2048 bins ~450 ms each way, 4096 bins
 * ~2.5 s each way — while a repository of 100k plugins needs about 1024
 * bins, and the client's whole verification budget is 100 ms. This module
 * keeps the **raw** parsed `signed` object (so signatures are verified over
 * exactly what was signed, unknown fields included, as python-tuf and tuf-js
 * do) and reads a typed view of it in linear time. The test suite parses
 * every file the project writes with `@tufjs/models` too and verifies its
 * signatures with tuf-js's own `verifyDelegate`, so the two models agree.
 *
 * ## Strictness
 *
 * - Bytes are parsed with the project's strict JSON parser (duplicate keys,
 *   invalid UTF-8, lone surrogates, non-integer numbers are errors): TUF's
 *   canonical JSON has no floats, and a file two parsers read differently
 *   is refused.
 * - `_type` must be the expected role type; `spec_version` must be
 *   `1.<minor>[.<patch>]` (spec §"spec_version": a client rejects another
 *   major version); `version` an integer ≥ 1; `expires` exactly
 *   `YYYY-MM-DDTHH:MM:SSZ` (python-tuf's format — `@tufjs/models` accepts
 *   any string, and `new Date("junk")` makes `isExpired` return false:
 *   fail-open, refused here).
 * - signatures: an array of `{keyid, sig}`; a keyid appearing twice is an
 *   error (spec: "The keyid MUST be unique in the signatures array").
 * - Unknown members are kept (they are covered by the signature) and
 *   ignored, as the specification asks of clients.
 *
 * Failures are {@link VerificationError}s coded `REPO_METADATA_INVALID`
 * with the JSON pointer of the first problem.
 *
 * Pure and synchronous; no `node:` imports.
 *
 * @module
 */
import { canonicalize as olpcCanonicalize } from '@tufjs/canonical-json';
import { VerificationError } from '../../core/errors.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import type { JSONObject, JSONValue } from '../../core/json/types.js';
import { describeJSONValue } from '../../core/describe.js';
import { isRFC3339UTC } from '../../core/rules.js';

/** The specification version this project writes. */
export const SPEC_VERSION = '1.0.31';

/** The four top-level roles. */
export const TOP_LEVEL_ROLES = Object.freeze(['root', 'timestamp', 'snapshot', 'targets'] as const);
/** A top-level role name. */
export type TopLevelRole = (typeof TOP_LEVEL_ROLES)[number];

/** A public key as TUF writes it (`keyval.public` is hex for ed25519, PEM for rsa/ecdsa). */
export interface TufKey {
  readonly keytype: string;
  readonly scheme: string;
  readonly keyval: Readonly<Record<string, string>>;
}

/** Keys and threshold of a role. */
export interface RoleKeys {
  readonly keyids: readonly string[];
  readonly threshold: number;
}

/** A version (and optionally length and hashes) of a metadata file, as timestamp and snapshot list it. */
export interface MetaFileInfo {
  readonly version: number;
  readonly length?: number;
  readonly hashes?: Readonly<Record<string, string>>;
}

/** A target as a targets role lists it. */
export interface TargetInfo {
  readonly length: number;
  readonly hashes: Readonly<Record<string, string>>;
  /** The `custom` member, if any (opaque here). */
  readonly custom?: JSONValue;
}

/** A classic delegated role (`delegations.roles[]`). */
export interface DelegatedRole extends RoleKeys {
  readonly name: string;
  readonly terminating: boolean;
  readonly paths?: readonly string[];
  readonly pathHashPrefixes?: readonly string[];
}

/** Succinct hash-bin delegation (TAP 15, `delegations.succinct_roles`). */
export interface SuccinctRoles extends RoleKeys {
  readonly bitLength: number;
  readonly namePrefix: string;
}

/** `delegations` of a targets role: exactly one of `roles` and `succinct`. */
export interface Delegations {
  readonly keys: Readonly<Record<string, TufKey>>;
  readonly roles?: readonly DelegatedRole[];
  readonly succinct?: SuccinctRoles;
}

/** Members every role has. */
export interface CommonSigned {
  readonly type: string;
  readonly specVersion: string;
  readonly version: number;
  /** As written (`YYYY-MM-DDTHH:MM:SSZ`). */
  readonly expires: string;
  /** `expires` in ms since the epoch. */
  readonly expiresMs: number;
}

export interface RootSigned extends CommonSigned {
  readonly type: 'root';
  readonly keys: Readonly<Record<string, TufKey>>;
  readonly roles: Readonly<Record<TopLevelRole, RoleKeys>>;
  readonly consistentSnapshot: boolean;
}

export interface TimestampSigned extends CommonSigned {
  readonly type: 'timestamp';
  readonly snapshotMeta: MetaFileInfo;
}

export interface SnapshotSigned extends CommonSigned {
  readonly type: 'snapshot';
  /** `<role>.json` → version (length, hashes). */
  readonly meta: ReadonlyMap<string, MetaFileInfo>;
}

export interface TargetsSigned extends CommonSigned {
  readonly type: 'targets';
  readonly targets: ReadonlyMap<string, TargetInfo>;
  readonly delegations?: Delegations;
}

/** The typed view of a role's `signed` member, by role type. */
export interface SignedByType {
  root: RootSigned;
  timestamp: TimestampSigned;
  snapshot: SnapshotSigned;
  targets: TargetsSigned;
}

/** One entry of `signatures`. */
export interface TufSignature {
  readonly keyid: string;
  readonly sig: string;
}

/** A metadata file as read: the typed view, the raw signed object, the signatures and the file bytes. */
export interface Metadata<T extends keyof SignedByType = keyof SignedByType> {
  readonly signed: SignedByType[T];
  /** The `signed` member exactly as parsed (what signatures cover, in canonical form). */
  readonly rawSigned: JSONObject;
  readonly signatures: readonly TufSignature[];
  /** The file exactly as read. */
  readonly bytes: Uint8Array;
}

/** Result of {@link parseMetadata}: hostile bytes never throw. */
export type ParseMetadataResult<T extends keyof SignedByType> = { ok: true; metadata: Metadata<T> } | { ok: false; error: VerificationError };

// ---- reading -----------------------------------------------------------------

/** Internal: the first problem. */
class Invalid extends Error {
  constructor(
    readonly pointer: string,
    readonly problem: string,
  ) {
    super(problem);
  }
}

const describe = (v: unknown): string => describeJSONValue(v, 60);
const ptr = (base: string, key: string | number): string => `${base}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;

function isObj(v: unknown): v is JSONObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
function obj(v: unknown, at: string): JSONObject {
  if (!isObj(v)) throw new Invalid(at, `expected an object, found ${describe(v)}`);
  return v;
}
function str(v: unknown, at: string): string {
  if (typeof v !== 'string') throw new Invalid(at, `expected a string, found ${describe(v)}`);
  return v;
}
function bool(v: unknown, at: string): boolean {
  if (typeof v !== 'boolean') throw new Invalid(at, `expected a boolean, found ${describe(v)}`);
  return v;
}
function int(v: unknown, at: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new Invalid(at, `expected an integer from ${min} to ${max}, found ${describe(v)}`);
  }
  return v;
}
function strList(v: unknown, at: string, unique: boolean): string[] {
  if (!Array.isArray(v)) throw new Invalid(at, `expected an array of strings, found ${describe(v)}`);
  const seen = new Set<string>();
  v.forEach((x, i) => {
    if (typeof x !== 'string') throw new Invalid(ptr(at, i), `expected a string, found ${describe(x)}`);
    if (unique && seen.has(x)) throw new Invalid(ptr(at, i), `${JSON.stringify(x)} is listed twice`);
    seen.add(x);
  });
  return v as string[];
}
/** Members that must be present. */
function need(o: JSONObject, at: string, ...names: string[]): void {
  for (const n of names) if (!Object.prototype.hasOwnProperty.call(o, n)) throw new Invalid(at, `missing required member ${JSON.stringify(n)}`);
}

/**
 * Whether `s` is a TUF `expires` value: `YYYY-MM-DDTHH:MM:SSZ`, a real
 * calendar time (python-tuf's `%Y-%m-%dT%H:%M:%SZ`).
 *
 * @param s - the value.
 * @returns true when it is exactly that form.
 * @example
 * ```ts
 * isTufTime('2030-01-01T00:00:00Z'); // true
 * isTufTime('2030-01-01T00:00:00.5Z'); // false
 * ```
 */
export function isTufTime(s: unknown): s is string {
  return typeof s === 'string' && s.length === 20 && isRFC3339UTC(s);
}

/**
 * Format ms since the epoch as a TUF `expires` value (whole seconds, `Z`).
 *
 * @param ms - the time.
 * @returns `YYYY-MM-DDTHH:MM:SSZ`.
 * @example
 * ```ts
 * formatTufTime(0); // '1970-01-01T00:00:00Z'
 * ```
 */
export function formatTufTime(ms: number): string {
  if (!Number.isFinite(ms)) throw new TypeError('formatTufTime: ms must be finite');
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function readKey(v: unknown, at: string): TufKey {
  const o = obj(v, at);
  need(o, at, 'keytype', 'scheme', 'keyval');
  const keyval = obj(o.keyval, ptr(at, 'keyval'));
  for (const [k, x] of Object.entries(keyval)) str(x, ptr(ptr(at, 'keyval'), k));
  return { keytype: str(o.keytype, ptr(at, 'keytype')), scheme: str(o.scheme, ptr(at, 'scheme')), keyval: keyval as Record<string, string> };
}

function readKeys(v: unknown, at: string): Record<string, TufKey> {
  const o = obj(v, at);
  const out: Record<string, TufKey> = {};
  for (const [keyid, k] of Object.entries(o)) out[keyid] = readKey(k, ptr(at, keyid));
  return out;
}

function readRoleKeys(v: unknown, at: string): RoleKeys {
  const o = obj(v, at);
  need(o, at, 'keyids', 'threshold');
  return { keyids: strList(o.keyids, ptr(at, 'keyids'), true), threshold: int(o.threshold, ptr(at, 'threshold'), 1) };
}

function readHashes(v: unknown, at: string): Record<string, string> {
  const o = obj(v, at);
  const keys = Object.keys(o);
  if (keys.length === 0) throw new Invalid(at, 'expected at least one hash');
  for (const k of keys) {
    const h = str(o[k], ptr(at, k));
    if (!/^[0-9a-f]+$/.test(h)) throw new Invalid(ptr(at, k), `expected a lowercase hex digest, found ${describe(h)}`);
  }
  return o as Record<string, string>;
}

function readMetaFile(v: unknown, at: string): MetaFileInfo {
  const o = obj(v, at);
  need(o, at, 'version');
  const version = int(o.version, ptr(at, 'version'), 1);
  const length = o.length === undefined ? undefined : int(o.length, ptr(at, 'length'), 0);
  const hashes = o.hashes === undefined ? undefined : readHashes(o.hashes, ptr(at, 'hashes'));
  return { version, ...(length !== undefined ? { length } : {}), ...(hashes !== undefined ? { hashes } : {}) };
}

function readTargetInfo(v: unknown, at: string): TargetInfo {
  const o = obj(v, at);
  need(o, at, 'length', 'hashes');
  return {
    length: int(o.length, ptr(at, 'length'), 0),
    hashes: readHashes(o.hashes, ptr(at, 'hashes')),
    ...(o.custom !== undefined ? { custom: o.custom } : {}),
  };
}

function readDelegations(v: unknown, at: string): Delegations {
  const o = obj(v, at);
  need(o, at, 'keys');
  const keys = readKeys(o.keys, ptr(at, 'keys'));
  const hasRoles = o.roles !== undefined;
  const hasSuccinct = o.succinct_roles !== undefined;
  if (hasRoles === hasSuccinct) throw new Invalid(at, 'expected exactly one of "roles" and "succinct_roles"');
  if (hasSuccinct) {
    const s = obj(o.succinct_roles, ptr(at, 'succinct_roles'));
    const sat = ptr(at, 'succinct_roles');
    need(s, sat, 'keyids', 'threshold', 'bit_length', 'name_prefix');
    const rk = readRoleKeys(s, sat);
    return { keys, succinct: { ...rk, bitLength: int(s.bit_length, ptr(sat, 'bit_length'), 1, 32), namePrefix: str(s.name_prefix, ptr(sat, 'name_prefix')) } };
  }
  if (!Array.isArray(o.roles)) throw new Invalid(ptr(at, 'roles'), `expected an array, found ${describe(o.roles)}`);
  const names = new Set<string>();
  const roles = o.roles.map((r, i): DelegatedRole => {
    const rat = ptr(ptr(at, 'roles'), i);
    const ro = obj(r, rat);
    need(ro, rat, 'name', 'keyids', 'threshold', 'terminating');
    const name = str(ro.name, ptr(rat, 'name'));
    if ((TOP_LEVEL_ROLES as readonly string[]).includes(name)) throw new Invalid(ptr(rat, 'name'), `a delegated role cannot be named ${JSON.stringify(name)} (a top-level role)`);
    if (names.has(name)) throw new Invalid(ptr(rat, 'name'), `role ${JSON.stringify(name)} is delegated twice`);
    names.add(name);
    const hasPaths = ro.paths !== undefined;
    const hasPrefixes = ro.path_hash_prefixes !== undefined;
    if (hasPaths === hasPrefixes) throw new Invalid(rat, 'expected exactly one of "paths" and "path_hash_prefixes"');
    return {
      name,
      ...readRoleKeys(ro, rat),
      terminating: bool(ro.terminating, ptr(rat, 'terminating')),
      ...(hasPaths ? { paths: strList(ro.paths, ptr(rat, 'paths'), false) } : {}),
      ...(hasPrefixes ? { pathHashPrefixes: strList(ro.path_hash_prefixes, ptr(rat, 'path_hash_prefixes'), false) } : {}),
    };
  });
  return { keys, roles };
}

function readCommon(s: JSONObject, type: string): CommonSigned {
  const at = '/signed';
  need(s, at, '_type', 'spec_version', 'version', 'expires');
  if (s._type !== type) throw new Invalid(ptr(at, '_type'), `expected ${JSON.stringify(type)}, found ${describe(s._type)}`);
  const specVersion = str(s.spec_version, ptr(at, 'spec_version'));
  // Spec: a client rejects metadata of another major version.
  if (!/^1\.[0-9]{1,4}(?:\.[0-9]{1,4})?$/.test(specVersion)) {
    throw new Invalid(ptr(at, 'spec_version'), `expected a 1.x specification version, found ${describe(specVersion)}`);
  }
  const version = int(s.version, ptr(at, 'version'), 1);
  if (!isTufTime(s.expires)) throw new Invalid(ptr(at, 'expires'), `expected YYYY-MM-DDTHH:MM:SSZ, found ${describe(s.expires)}`);
  return { type, specVersion, version, expires: s.expires, expiresMs: Date.parse(s.expires) };
}

function readSigned(type: keyof SignedByType, s: JSONObject): SignedByType[keyof SignedByType] {
  const common = readCommon(s, type);
  const at = '/signed';
  switch (type) {
    case 'root': {
      need(s, at, 'keys', 'roles', 'consistent_snapshot');
      const roles = obj(s.roles, ptr(at, 'roles'));
      const out = {} as Record<TopLevelRole, RoleKeys>;
      for (const r of TOP_LEVEL_ROLES) {
        if (!Object.prototype.hasOwnProperty.call(roles, r)) throw new Invalid(ptr(at, 'roles'), `missing top-level role ${JSON.stringify(r)}`);
        out[r] = readRoleKeys(roles[r], ptr(ptr(at, 'roles'), r));
      }
      return {
        ...common,
        type: 'root',
        keys: readKeys(s.keys, ptr(at, 'keys')),
        roles: out,
        consistentSnapshot: bool(s.consistent_snapshot, ptr(at, 'consistent_snapshot')),
      };
    }
    case 'timestamp': {
      need(s, at, 'meta');
      const meta = obj(s.meta, ptr(at, 'meta'));
      const names = Object.keys(meta);
      if (names.length !== 1 || names[0] !== 'snapshot.json') {
        throw new Invalid(ptr(at, 'meta'), `expected exactly one member "snapshot.json", found ${JSON.stringify(names)}`);
      }
      return { ...common, type: 'timestamp', snapshotMeta: readMetaFile(meta['snapshot.json'], ptr(ptr(at, 'meta'), 'snapshot.json')) };
    }
    case 'snapshot': {
      need(s, at, 'meta');
      const meta = obj(s.meta, ptr(at, 'meta'));
      const out = new Map<string, MetaFileInfo>();
      for (const [name, m] of Object.entries(meta)) out.set(name, readMetaFile(m, ptr(ptr(at, 'meta'), name)));
      return { ...common, type: 'snapshot', meta: out };
    }
    case 'targets': {
      need(s, at, 'targets');
      const t = obj(s.targets, ptr(at, 'targets'));
      const targets = new Map<string, TargetInfo>();
      for (const [path, info] of Object.entries(t)) targets.set(path, readTargetInfo(info, ptr(ptr(at, 'targets'), path)));
      return {
        ...common,
        type: 'targets',
        targets,
        ...(s.delegations !== undefined ? { delegations: readDelegations(s.delegations, ptr(at, 'delegations')) } : {}),
      };
    }
  }
}

/**
 * Read a metadata file of the expected role type.
 *
 * @param bytes - the file exactly as fetched or read.
 * @param type - `root`, `timestamp`, `snapshot` or `targets` (a delegated role is `targets`).
 * @param label - how messages name the file (e.g. `3.snapshot.json`).
 * @returns the metadata, or `REPO_METADATA_INVALID` (a `JSON_*` code when the bytes are not strict JSON).
 * @example
 * ```ts
 * const r = parseMetadata(bytes, 'timestamp', 'timestamp.json');
 * if (!r.ok) throw r.error;
 * r.metadata.signed.snapshotMeta.version;
 * ```
 */
export function parseMetadata<T extends keyof SignedByType>(bytes: Uint8Array, type: T, label: string = `${type}.json`): ParseMetadataResult<T> {
  const parsed = parseJSONStrict(bytes, { maxBytes: Math.max(bytes.length, 1), integersOnly: true, maxDepth: 32, maxMembers: 10_000_000, maxStringLength: 1 << 20 });
  if (!parsed.ok) {
    const e = parsed.error;
    return { ok: false, error: new VerificationError('REPO_METADATA_INVALID', `${label} is not strict JSON: ${e.message} (line ${e.line}, column ${e.column}) [${e.code}]`, { pointer: e.pointer, json: e.code }) };
  }
  try {
    const doc = obj(parsed.value, '');
    need(doc, '', 'signed', 'signatures');
    const rawSigned = obj(doc.signed, '/signed');
    if (!Array.isArray(doc.signatures)) throw new Invalid('/signatures', `expected an array, found ${describe(doc.signatures)}`);
    const seen = new Set<string>();
    const signatures = doc.signatures.map((s, i): TufSignature => {
      const at = ptr('/signatures', i);
      const o = obj(s, at);
      need(o, at, 'keyid', 'sig');
      const keyid = str(o.keyid, ptr(at, 'keyid'));
      // Spec: "The keyid MUST be unique in the signatures array".
      if (seen.has(keyid)) throw new Invalid(ptr(at, 'keyid'), `keyid ${keyid} signs twice; a keyid must be unique in the signatures array`);
      seen.add(keyid);
      return { keyid, sig: str(o.sig, ptr(at, 'sig')) };
    });
    const signed = readSigned(type, rawSigned) as SignedByType[T];
    return { ok: true, metadata: { signed, rawSigned, signatures, bytes } };
  } catch (e) {
    if (!(e instanceof Invalid)) throw e;
    return { ok: false, error: new VerificationError('REPO_METADATA_INVALID', `${label}: ${e.pointer || '/'}: ${e.problem}`, { pointer: e.pointer }) };
  }
}

// ---- writing -------------------------------------------------------------------

const utf8 = new TextEncoder();

/**
 * TUF's canonical JSON (the OLPC dialect securesystemslib and tuf-js sign:
 * keys sorted, no whitespace, only `"` and `\` escaped, integers only) as
 * UTF-8 bytes — what a signature covers.
 *
 * @param value - a JSON value (the `signed` object).
 * @returns the canonical bytes.
 * @throws {TypeError} for a value canonical JSON cannot hold (a float, `undefined`).
 * @example
 * ```ts
 * canonicalBytes({ b: 1, a: 'x' }); // bytes of '{"a":"x","b":1}'
 * ```
 */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8.encode(olpcCanonicalize(value));
}

/**
 * A whole metadata file as the repository writes it: compact JSON of
 * `{ signatures, signed }` with every object's members sorted —
 * deterministic (clients hash the file bytes, so two writers of the same
 * metadata produce the same file). Not the canonical form itself: OLPC
 * canonical JSON leaves control characters unescaped (a PEM key's line
 * breaks), which is not JSON; the canonical form is only what is signed.
 *
 * @param signed - the `signed` object.
 * @param signatures - the signatures, in the order they are written.
 * @returns the file bytes.
 */
export function metadataFileBytes(signed: JSONObject, signatures: readonly TufSignature[]): Uint8Array {
  return utf8.encode(JSON.stringify(sortedKeys({ signatures: signatures.map((s) => ({ keyid: s.keyid, sig: s.sig })), signed })));
}

function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>; // a "__proto__" member stays a member
  for (const k of Object.keys(v).sort()) out[k] = sortedKeys((v as Record<string, unknown>)[k]);
  return out;
}

/**
 * Lowercase hex of bytes.
 *
 * @param bytes - any bytes.
 * @returns hex text.
 */
export function toHexString(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return s;
}

/**
 * Bytes of lowercase or uppercase hex, or `null` when it is not hex of whole bytes.
 *
 * @param hex - the text.
 * @returns the bytes, or null.
 */
export function fromHexString(hex: string): Uint8Array | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
