/**
 * Writing repository v2 (DESIGN §4.4): the signed metadata of a TUF
 * repository with consistent snapshots and succinct hash bins — pure
 * functions from the current state and the wanted targets to the files to
 * write. The IO around them (reading the repository folder, writing
 * atomically, timestamp last) is `src/io/repository-dir.ts`.
 *
 * Layout, as served by any static host:
 *
 * ```
 * metadata/1.root.json … N.root.json        the root chain (offline keys)
 * metadata/timestamp.json                   the only mutable file
 * metadata/<v>.snapshot.json  <v>.targets.json  <v>.<bin>.json
 * targets/<dir>/<sha256>.<name>             every target, content-addressed
 * ```
 *
 * Roles: root (offline keys, threshold); targets, snapshot and timestamp
 * with the online key (optionally a separate timestamp key). The top-level
 * targets role lists `revocations.json` and delegates every other target to
 * `2^bit_length` succinct hash bins (TAP 15) signed by the online key.
 *
 * Rules this module keeps (each tested):
 * - **Only what changed is re-signed**: a bin whose targets did not change
 *   keeps its version and file; the top-level targets only when its own
 *   content changed; the snapshot and timestamp only when something below
 *   them did. Nothing changed → nothing is written.
 * - **Versions only grow**, and every role name a snapshot ever listed stays
 *   listed (client workflow 5.5.5 refuses a snapshot that drops one): when
 *   the catalog outgrows its bin count, the new bins are added and the
 *   retired ones stay in the snapshot at their last version.
 * - **Bin count from catalog size**: `bit_length` is the smallest that
 *   keeps about {@link TARGETS_PER_BIN} targets per bin (at least 16 bins),
 *   so both the snapshot (one short line per bin) and one bin stay small:
 *   about 30 KiB each at 100k plugins. It never shrinks.
 * - Expiry: timestamp 1 day, snapshot / targets / bins 30 days, root 365
 *   days by default ({@link DEFAULT_EXPIRY_DAYS}); {@link refreshRepository}
 *   re-signs what expires within the margin, the timestamp always.
 *
 * @module
 */
import { VerificationError } from '../../core/errors.js';
import type { JSONObject } from '../../core/json/types.js';
import { sha256Hex } from '../../crypto/index.js';
import { binForTarget, binName } from './delegation.js';
import { signMetadata, tufKeyId, type MetadataSigner } from './keys.js';
import { formatTufTime, metadataFileBytes, parseMetadata, SPEC_VERSION, type Metadata, type TufKey } from './model.js';

/** Name prefix of the hash bins. */
export const BIN_PREFIX = 'bins';
/** About this many targets per bin before the bin count doubles. */
export const TARGETS_PER_BIN = 128;
/** Fewest bins (2^4). */
export const MIN_BIN_BITS = 4;
/** Most bins (2^16). */
export const MAX_BIN_BITS = 16;
/** Target paths the top-level targets role lists itself (everything else is in a bin). */
export const TOP_LEVEL_TARGETS: readonly string[] = Object.freeze(['revocations.json']);

const DAY_MS = 86_400_000;

/** Lifetimes in days. */
export interface ExpiryDays {
  root: number;
  targets: number;
  snapshot: number;
  timestamp: number;
  /** Delegated bins. */
  bins: number;
}

/** Timestamp 1 day, snapshot / targets / bins 30 days, root 365 days (issue 13). */
export const DEFAULT_EXPIRY_DAYS: ExpiryDays = Object.freeze({ root: 365, targets: 30, snapshot: 30, timestamp: 1, bins: 30 });

/**
 * The `bit_length` for a number of delegated targets.
 *
 * @param targets - targets in bins.
 * @returns 4 … 16.
 * @example
 * ```ts
 * binBitsFor(100_000); // 10 → 1024 bins
 * ```
 */
export function binBitsFor(targets: number): number {
  const bits = Math.ceil(Math.log2(Math.max(1, targets) / TARGETS_PER_BIN));
  return Math.min(MAX_BIN_BITS, Math.max(MIN_BIN_BITS, bits));
}

/** A target as the writer lists it. */
export interface TargetEntry {
  readonly length: number;
  readonly sha256: string;
}

/**
 * The entry of a target file's bytes.
 *
 * @param bytes - the target file.
 * @param hash - the SHA-256 implementation (default the portable one; Node callers pass OpenSSL's).
 * @returns length and SHA-256.
 */
export function targetEntry(bytes: Uint8Array, hash: (b: Uint8Array) => string = sha256Hex): TargetEntry {
  return { length: bytes.length, sha256: hash(bytes) };
}

/**
 * Where a target file is stored: `targets/<dir>/<sha256>.<name>`.
 *
 * @param path - the target path.
 * @param sha256 - its hash.
 * @returns the file path relative to the repository folder.
 */
export function targetStoragePath(path: string, sha256: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? `targets/${sha256}.${path}` : `targets/${path.slice(0, slash + 1)}${sha256}.${path.slice(slash + 1)}`;
}

/** The repository's current signed state, as read from its folder. */
export interface RepositoryState {
  /** The newest root. */
  root: Metadata<'root'>;
  timestamp: Metadata<'timestamp'>;
  snapshot: Metadata<'snapshot'>;
  targets: Metadata<'targets'>;
  /** Bins read so far (all for a full publish, the touched ones otherwise), by role name. */
  bins: Map<string, Metadata<'targets'>>;
}

/** One file to write, relative to the repository folder. */
export interface RepositoryFile {
  path: string;
  bytes: Uint8Array;
}

/** Keys that sign the online roles. */
export interface OnlineSigners {
  /** Signs targets, snapshot and the bins (and the timestamp unless `timestamp` is given). */
  online: MetadataSigner;
  timestamp?: MetadataSigner;
}

/** What a write produced, in the order the files must be written (timestamp last). */
export interface WritePlan {
  /** Target files (content-addressed; skip the ones present). */
  targets: RepositoryFile[];
  /** Metadata files, timestamp last. */
  metadata: RepositoryFile[];
  /** Versions after the write. */
  versions: { root: number; timestamp: number; snapshot: number; targets: number };
  /** Bins re-signed. */
  binsWritten: string[];
  /** Bin count (2^bit_length). */
  bins: number;
  /** False when nothing changed (nothing to write). */
  changed: boolean;
}

function signedFile(path: string, signed: JSONObject, signers: readonly MetadataSigner[]): RepositoryFile {
  return { path, bytes: metadataFileBytes(signed, signMetadata(signed, signers)) };
}

function keyObject(key: TufKey): JSONObject {
  return { keytype: key.keytype, scheme: key.scheme, keyval: { ...key.keyval } };
}

/** Options of {@link initRepository}. */
export interface InitOptions {
  /** Root signers (the offline keys present at the ceremony). */
  rootSigners: readonly MetadataSigner[];
  rootThreshold: number;
  signers: OnlineSigners;
  now: number;
  expiry?: Partial<ExpiryDays>;
}

/**
 * A new repository: `1.root.json` and an empty signed repository (timestamp,
 * snapshot, top-level targets and 16 empty bins, all version 1).
 *
 * @param opts - keys, threshold, clock, lifetimes.
 * @returns the files to write.
 * @throws {VerificationError} `REPO_WRITE_REFUSED` for a threshold outside 1..root keys.
 */
export function initRepository(opts: InitOptions): WritePlan {
  const expiry = { ...DEFAULT_EXPIRY_DAYS, ...opts.expiry };
  const distinct = new Map(opts.rootSigners.map((s) => [s.keyid, s]));
  if (!Number.isSafeInteger(opts.rootThreshold) || opts.rootThreshold < 1 || opts.rootThreshold > distinct.size) {
    throw new VerificationError('REPO_WRITE_REFUSED', `the root threshold must be from 1 to the number of distinct root keys (${distinct.size}), found ${opts.rootThreshold}`);
  }
  const root = rootSigned({
    version: 1,
    expires: formatTufTime(opts.now + expiry.root * DAY_MS),
    rootKeys: [...distinct.values()].map((s) => s.key),
    rootThreshold: opts.rootThreshold,
    online: opts.signers.online.key,
    timestamp: (opts.signers.timestamp ?? opts.signers.online).key,
  });
  const rootFile = signedFile('metadata/1.root.json', root, [...distinct.values()]);
  const parsedRoot = parseMetadata(rootFile.bytes, 'root', '1.root.json');
  if (!parsedRoot.ok) throw parsedRoot.error;
  const plan = writeRepository({
    root: parsedRoot.metadata,
    previous: undefined,
    targets: new Map(),
    signers: opts.signers,
    now: opts.now,
    expiry,
  });
  return { ...plan, metadata: [rootFile, ...plan.metadata], changed: true };
}

/** The `signed` object of a root. */
export function rootSigned(o: {
  version: number;
  expires: string;
  rootKeys: readonly TufKey[];
  rootThreshold: number;
  online: TufKey;
  timestamp: TufKey;
}): JSONObject {
  const keys: JSONObject = {};
  const ids = (list: readonly TufKey[]): string[] => {
    const out: string[] = [];
    for (const k of list) {
      const id = tufKeyId(k);
      keys[id] = keyObject(k);
      if (!out.includes(id)) out.push(id);
    }
    return out;
  };
  const roles: JSONObject = {
    root: { keyids: ids(o.rootKeys), threshold: o.rootThreshold },
    targets: { keyids: ids([o.online]), threshold: 1 },
    snapshot: { keyids: ids([o.online]), threshold: 1 },
    timestamp: { keyids: ids([o.timestamp]), threshold: 1 },
  };
  return { _type: 'root', spec_version: SPEC_VERSION, version: o.version, expires: o.expires, keys, roles, consistent_snapshot: true };
}

/** Options of {@link writeRepository}. */
export interface WriteOptions {
  /** The newest root. */
  root: Metadata<'root'>;
  /** The current state (undefined for a new repository). */
  previous: Omit<RepositoryState, 'root'> | undefined;
  /**
   * The wanted targets: every target of the repository (a full write), or —
   * with `partial` — only the changed ones (`null` removes a target).
   */
  targets: ReadonlyMap<string, TargetEntry | null>;
  /** `targets` holds only changes; the bins they touch must be in `previous.bins`. */
  partial?: { totalTargets: number };
  signers: OnlineSigners;
  now: number;
  expiry?: Partial<ExpiryDays>;
  /** Re-sign roles expiring within this many ms even when unchanged (refresh). */
  refreshWithinMs?: number;
  /** Always write a new timestamp (refresh). */
  forceTimestamp?: boolean;
}

/**
 * Compute the signed metadata for the wanted targets (see the module comment).
 *
 * @param o - root, current state, targets, signers, clock.
 * @returns the plan.
 * @throws {VerificationError} `REPO_WRITE_REFUSED` when the signers are not the
 *   root's online keys, or a partial write lacks a bin it touches.
 */
export function writeRepository(o: WriteOptions): WritePlan {
  const expiry = { ...DEFAULT_EXPIRY_DAYS, ...o.expiry };
  const root = o.root.signed;
  const online = o.signers.online;
  const tsSigner = o.signers.timestamp ?? online;
  for (const [role, signer] of [['targets', online], ['snapshot', online], ['timestamp', tsSigner]] as const) {
    if (!root.roles[role].keyids.includes(signer.keyid) || root.roles[role].threshold !== 1) {
      throw new VerificationError(
        'REPO_WRITE_REFUSED',
        `key ${signer.keyid.slice(0, 16)}… is not the ${role} key of root version ${root.version} (threshold 1); root lists ${root.roles[role].keyids.map((k) => k.slice(0, 16) + '…').join(', ')}`,
      );
    }
  }
  const prev = o.previous;
  const refreshBefore = o.now + (o.refreshWithinMs ?? 0);
  const stale = (md: Metadata | undefined): boolean => md === undefined || (o.refreshWithinMs !== undefined && md.signed.expiresMs <= refreshBefore);

  // ---- which targets go where --------------------------------------------------
  const topTargets = new Map<string, TargetEntry>();
  const prevTop = prev?.targets.signed.targets;
  if (o.partial && prevTop) for (const [p, t] of prevTop) topTargets.set(p, { length: t.length, sha256: t.hashes.sha256 ?? '' });
  const binChanges = new Map<string, TargetEntry | null>();
  for (const [path, entry] of o.targets) {
    if (TOP_LEVEL_TARGETS.includes(path)) {
      if (entry === null) topTargets.delete(path);
      else topTargets.set(path, entry);
    } else binChanges.set(path, entry);
  }

  // Bin layout: never shrinks; a partial write keeps the current one unless the catalog outgrew it.
  const prevSuccinct = prev?.targets.signed.delegations?.succinct;
  const total = o.partial ? o.partial.totalTargets : [...binChanges.values()].filter((e) => e !== null).length;
  let bits = Math.max(binBitsFor(total), prevSuccinct?.namePrefix === BIN_PREFIX ? prevSuccinct.bitLength : MIN_BIN_BITS);
  if (o.partial && prevSuccinct && bits !== prevSuccinct.bitLength) {
    throw new VerificationError('REPO_WRITE_REFUSED', `the catalog outgrew ${2 ** prevSuccinct.bitLength} bins: publish in full to re-bin`);
  }
  bits = Math.min(bits, MAX_BIN_BITS);
  const succinct = { namePrefix: BIN_PREFIX, bitLength: bits };
  const rebinned = prevSuccinct === undefined || prevSuccinct.bitLength !== bits || prevSuccinct.namePrefix !== BIN_PREFIX;

  // The delegation keys: a new online key re-signs every bin.
  const delegKeys = prev?.targets.signed.delegations?.keys;
  const keyChanged = prevSuccinct === undefined || prevSuccinct.keyids.length !== 1 || prevSuccinct.keyids[0] !== online.keyid || delegKeys?.[online.keyid] === undefined;

  // ---- bins ----------------------------------------------------------------------
  const binTargets = new Map<string, Map<string, TargetEntry>>();
  const touched = new Set<string>();
  if (o.partial) {
    for (const [path, entry] of binChanges) {
      const bin = binForTarget(succinct, path);
      let map = binTargets.get(bin);
      if (map === undefined) {
        const current = prev?.bins.get(bin);
        if (current === undefined) throw new VerificationError('REPO_WRITE_REFUSED', `partial write touches ${bin}, which was not read`);
        map = new Map([...current.signed.targets].map(([p, t]) => [p, { length: t.length, sha256: t.hashes.sha256 ?? '' }]));
        binTargets.set(bin, map);
      }
      if (entry === null) map.delete(path);
      else map.set(path, entry);
      touched.add(bin);
    }
  } else {
    for (let n = 0; n < 2 ** bits; n++) binTargets.set(binName(succinct, n), new Map());
    for (const [path, entry] of binChanges) if (entry !== null) binTargets.get(binForTarget(succinct, path))!.set(path, entry);
  }

  const prevMeta = prev?.snapshot.signed.meta;
  const snapshotMeta = new Map<string, number>();
  if (prevMeta) for (const [name, m] of prevMeta) snapshotMeta.set(name, m.version);
  const metadata: RepositoryFile[] = [];
  const binsWritten: string[] = [];
  const binExpires = formatTufTime(o.now + expiry.bins * DAY_MS);
  // In a partial write, unchanged bins are not even looked at — except the ones read for a refresh.
  const binsToConsider = o.partial ? new Set([...touched, ...(o.refreshWithinMs !== undefined ? prev?.bins.keys() ?? [] : [])]) : new Set(binTargets.keys());
  for (const bin of binsToConsider) {
    const current = prev?.bins.get(bin);
    const wanted = binTargets.get(bin) ?? new Map([...(current?.signed.targets ?? new Map())].map(([p, t]) => [p, { length: t.length, sha256: t.hashes.sha256 ?? '' }]));
    const same = current !== undefined && !keyChanged && sameTargets(current.signed.targets, wanted) && !stale(current);
    if (same) continue;
    const version = (snapshotMeta.get(`${bin}.json`) ?? 0) + 1;
    const signed: JSONObject = { _type: 'targets', spec_version: SPEC_VERSION, version, expires: binExpires, targets: targetsObject(wanted) };
    metadata.push(signedFile(`metadata/${version}.${bin}.json`, signed, [online]));
    snapshotMeta.set(`${bin}.json`, version);
    binsWritten.push(bin);
  }
  // ---- top-level targets -----------------------------------------------------------
  const delegations: JSONObject = {
    keys: { [online.keyid]: keyObject(online.key) },
    succinct_roles: { keyids: [online.keyid], threshold: 1, bit_length: bits, name_prefix: BIN_PREFIX },
  };
  const prevTargets = prev?.targets;
  const topSame =
    prevTargets !== undefined &&
    !rebinned &&
    !keyChanged &&
    sameTargets(prevTargets.signed.targets, topTargets) &&
    !stale(prevTargets);
  let targetsVersion = prevTargets?.signed.version ?? 0;
  if (!topSame) {
    targetsVersion = Math.max(targetsVersion, snapshotMeta.get('targets.json') ?? 0) + 1;
    const signed: JSONObject = {
      _type: 'targets',
      spec_version: SPEC_VERSION,
      version: targetsVersion,
      expires: formatTufTime(o.now + expiry.targets * DAY_MS),
      targets: targetsObject(topTargets),
      delegations,
    };
    metadata.push(signedFile(`metadata/${targetsVersion}.targets.json`, signed, [online]));
    snapshotMeta.set('targets.json', targetsVersion);
  }

  // ---- snapshot ---------------------------------------------------------------------
  const snapshotChanged = metadata.length > 0 || prev === undefined || stale(prev.snapshot);
  let snapshotVersion = prev?.snapshot.signed.version ?? 0;
  let snapshotBytes: Uint8Array | undefined;
  if (snapshotChanged) {
    snapshotVersion++;
    const meta: JSONObject = {};
    for (const name of [...snapshotMeta.keys()].sort()) meta[name] = { version: snapshotMeta.get(name)! };
    const signed: JSONObject = { _type: 'snapshot', spec_version: SPEC_VERSION, version: snapshotVersion, expires: formatTufTime(o.now + expiry.snapshot * DAY_MS), meta };
    const file = signedFile(`metadata/${snapshotVersion}.snapshot.json`, signed, [online]);
    snapshotBytes = file.bytes;
    metadata.push(file);
  }

  // ---- timestamp (last) ----------------------------------------------------------------
  let timestampVersion = prev?.timestamp.signed.version ?? 0;
  const timestampChanged = snapshotChanged || o.forceTimestamp === true || stale(prev?.timestamp);
  if (timestampChanged) {
    timestampVersion++;
    const snapMeta: JSONObject = snapshotBytes
      ? { version: snapshotVersion, length: snapshotBytes.length, hashes: { sha256: sha256Hex(snapshotBytes) } }
      : { ...(prev!.timestamp.rawSigned.meta as JSONObject)['snapshot.json'] as JSONObject };
    const signed: JSONObject = {
      _type: 'timestamp',
      spec_version: SPEC_VERSION,
      version: timestampVersion,
      expires: formatTufTime(o.now + expiry.timestamp * DAY_MS),
      meta: { 'snapshot.json': snapMeta },
    };
    metadata.push(signedFile('metadata/timestamp.json', signed, [tsSigner]));
  }

  return {
    targets: [],
    metadata,
    versions: { root: root.version, timestamp: timestampVersion, snapshot: snapshotVersion, targets: targetsVersion },
    binsWritten,
    bins: 2 ** bits,
    changed: timestampChanged,
  };
}

function targetsObject(map: ReadonlyMap<string, TargetEntry>): JSONObject {
  const out: JSONObject = {};
  for (const path of [...map.keys()].sort()) {
    const t = map.get(path)!;
    out[path] = { hashes: { sha256: t.sha256 }, length: t.length };
  }
  return out;
}

function sameTargets(current: ReadonlyMap<string, { length: number; hashes: Readonly<Record<string, string>> }>, wanted: ReadonlyMap<string, TargetEntry>): boolean {
  if (current.size !== wanted.size) return false;
  for (const [path, w] of wanted) {
    const c = current.get(path);
    if (c === undefined || c.length !== w.length || c.hashes.sha256 !== w.sha256 || Object.keys(c.hashes).length !== 1) return false;
  }
  return true;
}

/** Options of {@link rotateRoot}. */
export interface RotateRootOptions {
  /** The newest root. */
  current: Metadata<'root'>;
  /** Signers among the current root keys (a threshold of them must be present). */
  oldSigners: readonly MetadataSigner[];
  /** The new root keys (all of them sign). */
  newSigners: readonly MetadataSigner[];
  newThreshold: number;
  /** A new online key (default: keep the current targets/snapshot key). */
  online?: TufKey;
  /** A new timestamp key (default: keep the current one, or the new online key when that is given). */
  timestamp?: TufKey;
  now: number;
  expiryDays?: number;
}

/**
 * Root version N+1 with new root keys, signed by a threshold of the old root
 * keys **and** all of the new ones (client workflow 5.3.4 and 5.3.5 hold).
 *
 * @param o - the current root, the signers, the new threshold.
 * @returns the new root file.
 * @throws {VerificationError} `REPO_WRITE_REFUSED` when the old signers do not
 *   reach the current threshold, or the new threshold is outside 1..new keys.
 */
export function rotateRoot(o: RotateRootOptions): RepositoryFile {
  const cur = o.current.signed;
  const oldIds = new Set(o.oldSigners.map((s) => s.keyid).filter((id) => cur.roles.root.keyids.includes(id)));
  if (oldIds.size < cur.roles.root.threshold) {
    throw new VerificationError(
      'REPO_WRITE_REFUSED',
      `${oldIds.size} of the given old root keys are root keys of version ${cur.version}; its threshold is ${cur.roles.root.threshold}`,
    );
  }
  const newDistinct = new Map(o.newSigners.map((s) => [s.keyid, s]));
  if (!Number.isSafeInteger(o.newThreshold) || o.newThreshold < 1 || o.newThreshold > newDistinct.size) {
    throw new VerificationError('REPO_WRITE_REFUSED', `the new root threshold must be from 1 to the number of new root keys (${newDistinct.size}), found ${o.newThreshold}`);
  }
  const keyOf = (id: string): TufKey => cur.keys[id]!;
  const online = o.online ?? keyOf(cur.roles.targets.keyids[0]!);
  const timestamp = o.timestamp ?? (o.online ?? keyOf(cur.roles.timestamp.keyids[0]!));
  const version = cur.version + 1;
  const signed = rootSigned({
    version,
    expires: formatTufTime(o.now + (o.expiryDays ?? DEFAULT_EXPIRY_DAYS.root) * DAY_MS),
    rootKeys: [...newDistinct.values()].map((s) => s.key),
    rootThreshold: o.newThreshold,
    online,
    timestamp,
  });
  const signers = new Map<string, MetadataSigner>();
  for (const s of o.oldSigners) if (oldIds.has(s.keyid)) signers.set(s.keyid, s);
  for (const s of newDistinct.values()) signers.set(s.keyid, s);
  return signedFile(`metadata/${version}.root.json`, signed, [...signers.values()]);
}
