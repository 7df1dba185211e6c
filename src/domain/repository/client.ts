/**
 * The TUF client workflow (specification 1.0.x §5) for repository v2: update
 * the root chain, the timestamp, the snapshot and the targets roles, walk the
 * delegations to one target and download it — on injected interfaces, so
 * the same code runs over HTTPS (`install --repo`), over files (`repo verify
 * DIR`), over an offline bundle with no network at all (`install --from`),
 * and behind the tuf-conformance CLI:
 *
 * - {@link RepositoryTransport} fetches `metadata/<name>` and
 *   `targets/<path>` under a byte cap, throwing coded `FETCH_*` errors
 *   (`FETCH_NOT_FOUND` for a file that is not there);
 * - {@link TrustedMetadataStore} keeps the trusted metadata between runs
 *   under non-versioned names (`root`, `timestamp`, `snapshot`, `targets`,
 *   `<role>`), which is the client's rollback state.
 *
 * The checks themselves are the {@link TrustedMetadataSet}'s. This module
 * adds what the specification asks of the driver:
 *
 * - 5.3.2–5.3.3: fetch `N+1.root.json`, `N+2.root.json`, … until the
 *   repository has none (`FETCH_NOT_FOUND`), at most
 *   `maxRootRotations`; persist each (5.3.8);
 * - 5.3.11: when the new root rotated the timestamp or snapshot keys, delete
 *   the stored timestamp and snapshot — the recovery from a fast-forward
 *   attack (their versions would otherwise block the honest ones forever);
 * - 5.4, 5.5, 5.6: a stored timestamp, snapshot or targets role is loaded
 *   first; a stored one that no longer verifies is ignored and fetched again,
 *   but a stored one that verified stays the reference for rollback checks;
 * - consistent snapshots: `<version>.snapshot.json`, `<version>.<role>.json`,
 *   targets at `<dir>/<sha256>.<name>`;
 * - byte caps: the length the parent role lists, else the configured maximum
 *   (endless-data attack); a target always at exactly its listed length;
 * - 5.6.7: preorder depth-first walk of the delegations (terminating
 *   delegations stop it), at most `maxDelegations` roles.
 *
 * Every operation records `{ step, ok, detail }` (DESIGN §5) and returns a
 * result; hostile data never throws. Errors of the store (a full disk) are
 * not verdicts and are thrown.
 *
 * Pure: no `node:` imports.
 *
 * @module
 */
import { LatticeIndexError, PolicyError, VerificationError } from '../../core/errors.js';
import {
  REPO_MAX_DELEGATIONS,
  REPO_MAX_ROOT_ROTATIONS,
  REPO_ROOT_MAX_BYTES,
  REPO_SNAPSHOT_MAX_BYTES,
  REPO_TARGETS_MAX_BYTES,
  REPO_TIMESTAMP_MAX_BYTES,
} from '../../core/limits.js';
import { rolesForTarget } from './delegation.js';
import type { SignatureVerifier } from './keys.js';
import type { Metadata, RoleKeys, TargetInfo } from './model.js';
import { checkLengthAndHashes, TrustedMetadataSet, type UpdateResult } from './trusted-set.js';

/** Fetches repository files. Throws coded errors (`FETCH_NOT_FOUND` when a file is not there). */
export interface RepositoryTransport {
  /**
   * A metadata file.
   * @param name - `2.root.json`, `timestamp.json`, `7.snapshot.json`, `3.bins-0a.json`.
   * @param maxBytes - the cap, enforced while receiving.
   */
  fetchMetadata(name: string, maxBytes: number): Promise<Uint8Array>;
  /**
   * A target file.
   * @param path - relative to the targets base, hash-prefixed under consistent snapshots.
   * @param maxBytes - the cap (the target's listed length).
   */
  fetchTarget(path: string, maxBytes: number): Promise<Uint8Array>;
}

/** The client's trusted metadata between runs (non-versioned names: `root`, `timestamp`, `bins-0a`). */
export interface TrustedMetadataStore {
  /** The stored bytes, or undefined when there are none. Throws only for IO failures. */
  read(name: string): Promise<Uint8Array | undefined>;
  /** Store atomically. */
  write(name: string, bytes: Uint8Array): Promise<void>;
  /** Remove (no error when absent). */
  remove(name: string): Promise<void>;
}

/**
 * Verified targets kept between runs (by target path), so a warm run that
 * finds the same hashes fetches nothing but the timestamp. A cached copy is
 * used only after its length and hashes matched the trusted metadata again.
 */
export interface TargetCache {
  read(path: string): Promise<Uint8Array | undefined>;
  write(path: string, bytes: Uint8Array): Promise<void>;
}

/** Caps and bounds of one client. */
export interface RepositoryClientLimits {
  rootMaxBytes: number;
  timestampMaxBytes: number;
  snapshotMaxBytes: number;
  targetsMaxBytes: number;
  maxRootRotations: number;
  maxDelegations: number;
}

/** The defaults (python-tuf's and tuf-js's where they have one). */
export const DEFAULT_CLIENT_LIMITS: RepositoryClientLimits = Object.freeze({
  rootMaxBytes: REPO_ROOT_MAX_BYTES,
  timestampMaxBytes: REPO_TIMESTAMP_MAX_BYTES,
  snapshotMaxBytes: REPO_SNAPSHOT_MAX_BYTES,
  targetsMaxBytes: REPO_TARGETS_MAX_BYTES,
  maxRootRotations: REPO_MAX_ROOT_ROTATIONS,
  maxDelegations: REPO_MAX_DELEGATIONS,
});

/** Options of {@link RepositoryClient.open}. */
export interface RepositoryClientOptions {
  transport: RepositoryTransport;
  store: TrustedMetadataStore;
  /** The reference time for the whole run (5.1), ms since the epoch. */
  now: number;
  /** The initial root, used only when the store holds none (it is stored then). */
  initialRoot?: Uint8Array;
  /** Verifies non-Ed25519 keys (RSA, ECDSA). */
  verifier?: SignatureVerifier;
  limits?: Partial<RepositoryClientLimits>;
  /** Fetch targets as `<dir>/<hash>.<name>` under consistent snapshots (default true). */
  prefixTargetsWithHash?: boolean;
  /** Verified targets kept between runs. */
  targetCache?: TargetCache;
  /** Called once per fetch (for request counting in tests and benchmarks). */
  onFetch?: (kind: 'metadata' | 'target', name: string, bytes: number) => void;
}

/** One recorded step (DESIGN §5). */
export interface RepositoryStep {
  step: string;
  ok: boolean;
  detail: string;
}

/** Result of a client operation. */
export type ClientResult<T> = { ok: true; value: T } | { ok: false; error: VerificationError | PolicyError };

/** What a refresh established. */
export interface RefreshSummary {
  rootVersion: number;
  timestampVersion: number;
  snapshotVersion: number;
  targetsVersion: number;
  /** The earliest expiry among root, timestamp, snapshot and targets (RFC 3339). */
  expires: string;
  /** Root versions fetched in this run. */
  rootsFetched: number;
}

/** Internal control flow. */
class Stop extends Error {
  constructor(readonly error: VerificationError | PolicyError) {
    super(error.message);
  }
}

/**
 * A role name as a file name: python-tuf's `urllib.parse.quote(name, '')`
 * (everything but letters, digits and `_.-~` percent-encoded).
 *
 * @param role - the role name.
 * @returns the quoted name.
 */
export function quoteRoleName(role: string): string {
  return encodeURIComponent(role).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The URL path of a target relative to the targets base: `<dir>/<hash>.<name>`
 * under consistent snapshots (the first hash listed, as python-tuf and
 * tuf-js use), else the path itself.
 *
 * @param path - the target path.
 * @param info - its target info.
 * @param consistent - the root's `consistent_snapshot`.
 * @returns the path to fetch.
 */
export function targetFilePath(path: string, info: TargetInfo, consistent: boolean): string {
  if (!consistent) return path;
  const hash = Object.values(info.hashes)[0]!;
  const slash = path.lastIndexOf('/');
  return slash < 0 ? `${hash}.${path}` : `${path.slice(0, slash + 1)}${hash}.${path.slice(slash + 1)}`;
}

const sameRole = (a: RoleKeys, b: RoleKeys): boolean =>
  a.threshold === b.threshold && a.keyids.length === b.keyids.length && a.keyids.every((k, i) => k === b.keyids[i]);

/**
 * One run of the client workflow.
 *
 * @example
 * ```ts
 * const c = await RepositoryClient.open({ transport, store, now: Date.now(), initialRoot });
 * if (!c.ok) throw c.error;
 * const info = await c.value.findTarget('plugins/acme.tool.json');
 * ```
 */
export class RepositoryClient {
  readonly steps: RepositoryStep[] = [];
  private readonly opts: RepositoryClientOptions;
  private readonly limits: RepositoryClientLimits;
  private set: TrustedMetadataSet;
  private refreshed: RefreshSummary | undefined;

  private constructor(opts: RepositoryClientOptions, set: TrustedMetadataSet) {
    this.opts = opts;
    this.limits = { ...DEFAULT_CLIENT_LIMITS, ...opts.limits };
    this.set = set;
  }

  /**
   * Load the trusted root (5.2): the stored one, else `initialRoot` (which is stored).
   *
   * @param opts - transport, store, clock, initial root.
   * @returns the client, or `REPO_STATE_INVALID` (stored root damaged or missing
   *   without an initial root) / the root's own error.
   * @throws whatever the store throws (IO failure).
   */
  static async open(opts: RepositoryClientOptions): Promise<ClientResult<RepositoryClient>> {
    if (typeof opts?.now !== 'number' || !Number.isFinite(opts.now)) throw new TypeError('RepositoryClient: now must be a finite number');
    const stored = await opts.store.read('root');
    const bytes = stored ?? opts.initialRoot;
    if (bytes === undefined) {
      return { ok: false, error: new VerificationError('REPO_STATE_INVALID', 'no trusted root: the metadata store holds none and no initial root was given') };
    }
    const r = TrustedMetadataSet.create(bytes, { now: opts.now, ...(opts.verifier ? { verifier: opts.verifier } : {}) });
    if (!r.ok) {
      const error = stored !== undefined ? new VerificationError('REPO_STATE_INVALID', `the stored trusted root does not verify: ${r.error.message} [${r.error.code}]`) : r.error;
      return { ok: false, error };
    }
    if (stored === undefined) await opts.store.write('root', bytes);
    const client = new RepositoryClient(opts, r.value);
    client.steps.push({ step: 'index.root', ok: true, detail: `trusted root version ${r.value.root.signed.version} (${stored ? 'stored' : 'initial'})` });
    return { ok: true, value: client };
  }

  /** The trusted metadata so far. */
  get trusted(): TrustedMetadataSet {
    return this.set;
  }

  /** The last refresh's summary, if one ran. */
  get summary(): RefreshSummary | undefined {
    return this.refreshed;
  }

  private async guard<T>(step: string, fn: () => Promise<T>): Promise<ClientResult<T>> {
    try {
      return { ok: true, value: await fn() };
    } catch (e) {
      if (e instanceof Stop) {
        if (!(e instanceof Silent)) this.steps.push({ step, ok: false, detail: `${e.error.message} [${e.error.code}]` });
        return { ok: false, error: e.error };
      }
      throw e;
    }
  }

  private must<T>(r: UpdateResult<T>): T {
    if (!r.ok) throw new Stop(r.error);
    return r.value;
  }

  /** Fetch through the transport; a non-coded failure becomes `FETCH_FAILED`. */
  private async fetch(kind: 'metadata' | 'target', name: string, maxBytes: number): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      bytes = kind === 'metadata' ? await this.opts.transport.fetchMetadata(name, maxBytes) : await this.opts.transport.fetchTarget(name, maxBytes);
    } catch (e) {
      if (e instanceof VerificationError || e instanceof PolicyError) throw new Stop(e);
      if (e instanceof LatticeIndexError) throw new Stop(new VerificationError('FETCH_FAILED', e.message));
      throw new Stop(new VerificationError('FETCH_FAILED', `fetching ${name} failed: ${e instanceof Error ? e.message : String(e)}`));
    }
    if (!(bytes instanceof Uint8Array)) throw new Stop(new VerificationError('FETCH_FAILED', `fetching ${name} yielded no bytes`));
    // The transport's cap is re-checked, not trusted.
    if (bytes.length > maxBytes) throw new Stop(new VerificationError('FETCH_TOO_LARGE', `${name} is ${bytes.length} bytes, above the cap of ${maxBytes}`));
    this.opts.onFetch?.(kind, name, bytes.length);
    return bytes;
  }

  /**
   * Update root, timestamp, snapshot and top-level targets (5.3–5.6).
   *
   * @returns the versions now trusted, or the first coded failure.
   */
  async refresh(): Promise<ClientResult<RefreshSummary>> {
    if (this.refreshed) return { ok: true, value: this.refreshed };
    let step = 'index.root';
    return this.guard(step, async () => {
      const rootsFetched = await this.updateRoot();
      step = 'index.timestamp';
      await this.guardInner(step, () => this.updateTimestamp());
      step = 'index.snapshot';
      await this.guardInner(step, () => this.updateSnapshot());
      step = 'index.targets';
      const top = await this.guardInner(step, () => this.loadTargets('targets', 'root'));
      this.steps.push({ step: 'index.targets', ok: true, detail: `targets version ${top.signed.version}, ${top.signed.targets.size} target(s) listed, expires ${top.signed.expires}` });
      const root = this.set.root.signed;
      const ts = this.set.timestamp!.signed;
      const snap = this.set.snapshot!.signed;
      const targets = this.set.targets('targets')!.signed;
      const expires = [root, ts, snap, targets].reduce((a, s) => (s.expiresMs < a.expiresMs ? s : a)).expires;
      this.refreshed = {
        rootVersion: root.version,
        timestampVersion: ts.version,
        snapshotVersion: snap.version,
        targetsVersion: targets.version,
        expires,
        rootsFetched,
      };
      return this.refreshed;
    });
  }

  /** Run `fn`, recording a failure under `step` (and rethrowing it for the outer guard without a second record). */
  private async guardInner<T>(step: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof Stop) {
        if (!(e instanceof Silent)) this.steps.push({ step, ok: false, detail: `${e.error.message} [${e.error.code}]` });
        throw new Silent(e.error);
      }
      throw e;
    }
  }

  /** 5.3: the root chain. */
  private async updateRoot(): Promise<number> {
    const initial = this.set.root.signed;
    let fetched = 0;
    try {
      for (let i = 0; i < this.limits.maxRootRotations; i++) {
        const version = this.set.root.signed.version + 1;
        let bytes: Uint8Array;
        try {
          bytes = await this.fetch('metadata', `${version}.root.json`, this.limits.rootMaxBytes);
        } catch (e) {
          // 5.3.3: no newer root on the repository — the trusted one is the newest.
          if (e instanceof Stop && e.error.code === 'FETCH_NOT_FOUND') break;
          throw e;
        }
        this.must(this.set.updateRoot(bytes));
        fetched++;
        // 5.3.8: persist each new root as soon as it is trusted.
        await this.opts.store.write('root', bytes);
      }
    } catch (e) {
      if (e instanceof Stop) {
        this.steps.push({ step: 'index.root', ok: false, detail: `${e.error.message} [${e.error.code}]` });
        throw new Silent(e.error);
      }
      throw e;
    }
    const final = this.set.root.signed;
    if (fetched > 0) {
      // 5.3.11: keys of timestamp or snapshot rotated → forget the stored ones (fast-forward recovery).
      if (!sameRole(initial.roles.timestamp, final.roles.timestamp) || !sameRole(initial.roles.snapshot, final.roles.snapshot)) {
        await this.opts.store.remove('timestamp');
        await this.opts.store.remove('snapshot');
      }
    }
    this.steps.push({ step: 'index.root', ok: true, detail: `root version ${final.version}${fetched ? ` (${fetched} new)` : ''}, expires ${final.expires}` });
    return fetched;
  }

  /** 5.4: the timestamp (stored first, then the repository's). */
  private async updateTimestamp(): Promise<void> {
    const stored = await this.opts.store.read('timestamp');
    if (stored !== undefined) {
      // A stored timestamp that no longer verifies (rotated keys) is ignored.
      this.set.updateTimestamp(stored);
    }
    const bytes = await this.fetch('metadata', 'timestamp.json', this.limits.timestampMaxBytes);
    const r = this.must(this.set.updateTimestamp(bytes));
    // 5.4.5: persist (an equal version keeps the stored one).
    if (!r.unchanged) await this.opts.store.write('timestamp', bytes);
    const ts = this.set.timestamp!.signed;
    this.steps.push({ step: 'index.timestamp', ok: true, detail: `timestamp version ${ts.version}${r.unchanged ? ' (unchanged)' : ''}, snapshot version ${ts.snapshotMeta.version}, expires ${ts.expires}` });
  }

  /** 5.5: the snapshot (the stored one when it is the one the timestamp lists). */
  private async updateSnapshot(): Promise<void> {
    const stored = await this.opts.store.read('snapshot');
    if (stored !== undefined && this.set.updateSnapshot(stored, true).ok) {
      this.steps.push({ step: 'index.snapshot', ok: true, detail: `snapshot version ${this.set.snapshot!.signed.version} (stored, current)` });
      return;
    }
    const meta = this.set.timestamp!.signed.snapshotMeta;
    const consistent = this.set.root.signed.consistentSnapshot;
    const name = consistent ? `${meta.version}.snapshot.json` : 'snapshot.json';
    const bytes = await this.fetch('metadata', name, meta.length ?? this.limits.snapshotMaxBytes);
    this.must(this.set.updateSnapshot(bytes));
    await this.opts.store.write('snapshot', bytes);
    const s = this.set.snapshot!.signed;
    this.steps.push({ step: 'index.snapshot', ok: true, detail: `snapshot version ${s.version}, ${s.meta.size} role(s) listed, expires ${s.expires}` });
  }

  /** 5.6: one targets role (stored copy first when it is the listed version). */
  private async loadTargets(role: string, delegator: string): Promise<Metadata<'targets'>> {
    const have = this.set.targets(role);
    if (have !== undefined) return have;
    const stored = await this.opts.store.read(quoteRoleName(role));
    if (stored !== undefined) {
      const r = this.set.updateDelegatedTargets(stored, role, delegator);
      if (r.ok) return r.value;
    }
    const meta = this.set.snapshot!.signed.meta.get(`${role}.json`);
    if (meta === undefined) throw new Stop(new VerificationError('REPO_METADATA_INVALID', `the snapshot does not list ${role}.json`));
    const consistent = this.set.root.signed.consistentSnapshot;
    const name = consistent ? `${meta.version}.${quoteRoleName(role)}.json` : `${quoteRoleName(role)}.json`;
    const bytes = await this.fetch('metadata', name, meta.length ?? this.limits.targetsMaxBytes);
    const md = this.must(this.set.updateDelegatedTargets(bytes, role, delegator));
    await this.opts.store.write(quoteRoleName(role), bytes);
    return md;
  }

  /**
   * Load (and verify) one delegated targets role — for auditors and mirrors
   * that walk every role.
   *
   * @param role - the role name.
   * @param delegator - the trusted role delegating it.
   * @returns the role, or the coded failure.
   */
  async role(role: string, delegator: string): Promise<ClientResult<Metadata<'targets'>>> {
    const r = await this.refresh();
    if (!r.ok) return r;
    return this.guard(`index.${role === 'targets' ? 'targets' : 'delegation'}`, async () => this.loadTargets(role, delegator));
  }

  /**
   * 5.6.7: find a target by walking the delegations (refreshing first).
   *
   * @param path - the target path.
   * @returns its info and the role that lists it, or `undefined` when no
   *   trusted role lists it; or a coded failure.
   */
  async findTarget(path: string): Promise<ClientResult<{ info: TargetInfo; role: string } | undefined>> {
    const r = await this.refresh();
    if (!r.ok) return r;
    return this.guard('index.delegation', async () => {
      const stack: { role: string; parent: string }[] = [{ role: 'targets', parent: 'root' }];
      const visited = new Set<string>();
      while (stack.length > 0 && visited.size <= this.limits.maxDelegations) {
        const { role, parent } = stack.pop()!;
        if (visited.has(role)) continue; // 5.6.7.1: no cycles
        const md = await this.loadTargets(role, parent);
        const info = md.signed.targets.get(path);
        if (info !== undefined) {
          this.steps.push({ step: 'index.delegation', ok: true, detail: `${path} is listed by ${role} (version ${md.signed.version})` });
          return { info, role };
        }
        visited.add(role);
        const delegations = md.signed.delegations;
        if (delegations === undefined) continue;
        const children: { role: string; parent: string }[] = [];
        for (const child of rolesForTarget(delegations, path)) {
          children.push({ role: child.name, parent: role });
          // 5.6.7.2.1: a terminating delegation ends the search below it.
          if (child.terminating) {
            stack.length = 0;
            break;
          }
        }
        stack.push(...children.reverse());
      }
      this.steps.push({ step: 'index.delegation', ok: true, detail: `no trusted role lists ${path}` });
      return undefined;
    });
  }

  /**
   * 5.7: download a target and check its length and hashes.
   *
   * @param path - the target path.
   * @param info - its info from {@link findTarget}.
   * @param maxBytes - refuse a target listed larger than this (default: its length).
   * @returns the verified bytes, or `FETCH_*` / `REPO_HASH_MISMATCH`.
   */
  async fetchTarget(path: string, info: TargetInfo, maxBytes = info.length): Promise<ClientResult<Uint8Array>> {
    return this.guard('index.target', async () => {
      if (info.length > maxBytes) throw new Stop(new VerificationError('FETCH_TOO_LARGE', `${path} is listed with ${info.length} bytes, above the cap of ${maxBytes}`));
      const cached = await this.opts.targetCache?.read(path);
      if (cached !== undefined && checkLengthAndHashes(cached, info, path) === null) {
        this.steps.push({ step: 'index.target', ok: true, detail: `${path}: ${cached.length} bytes, sha256 ${info.hashes.sha256 ?? Object.values(info.hashes)[0]} (cached copy, hashes match)` });
        return cached;
      }
      const file = targetFilePath(path, info, this.set.root.signed.consistentSnapshot && this.opts.prefixTargetsWithHash !== false);
      // The cap is the listed length: a longer body is an endless-data attack.
      const bytes = await this.fetch('target', file, info.length);
      const e = checkLengthAndHashes(bytes, info, path);
      if (e) throw new Stop(e);
      await this.opts.targetCache?.write(path, bytes);
      this.steps.push({ step: 'index.target', ok: true, detail: `${path}: ${bytes.length} bytes, sha256 ${info.hashes.sha256 ?? Object.values(info.hashes)[0]}` });
      return bytes;
    });
  }
}

/** A failure already recorded as a step; the outer guard passes it on without recording it again. */
class Silent extends Stop {}
