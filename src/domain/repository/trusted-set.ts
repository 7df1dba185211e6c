/**
 * The TUF client's trusted metadata set (specification 1.0.x §5, "detailed
 * client workflow"): it takes **bytes**, never fetches, and holds the clock
 * fixed for one update (5.1). Every method checks one file against what is
 * already trusted and either adds it to the set or returns a coded error;
 * the comment on each check names its step of the client workflow.
 *
 * | step | check | code |
 * |---|---|---|
 * | 5.2 | the trusted root is signed by a threshold of its own root keys | `REPO_THRESHOLD` |
 * | 5.3.4 | a new root is signed by a threshold of the trusted root's keys | `REPO_THRESHOLD` |
 * | 5.3.5 | … and by a threshold of its own keys; its version is the trusted one + 1 | `REPO_THRESHOLD`, `REPO_ROLLBACK` |
 * | 5.3.10 | the final root has not expired | `REPO_EXPIRED` |
 * | 5.4.2 | timestamp signed by the root's timestamp keys | `REPO_THRESHOLD` |
 * | 5.4.3 | timestamp version and its snapshot version not lower than trusted | `REPO_ROLLBACK` |
 * | 5.4.4 | timestamp not expired | `REPO_EXPIRED` |
 * | 5.5.2 | snapshot length and hashes as the timestamp lists them | `REPO_HASH_MISMATCH` |
 * | 5.5.3 | snapshot signed by the root's snapshot keys | `REPO_THRESHOLD` |
 * | 5.5.4 | snapshot version equal to the timestamp's | `REPO_VERSION_MISMATCH` |
 * | 5.5.5 | every targets file of the trusted snapshot still listed, version not lower | `REPO_ROLLBACK` |
 * | 5.5.6 | snapshot not expired | `REPO_EXPIRED` |
 * | 5.6.2 | targets / delegated role length and hashes as the snapshot lists them | `REPO_HASH_MISMATCH` |
 * | 5.6.3 | signed by the delegating role's keys for it | `REPO_THRESHOLD` |
 * | 5.6.4 | version equal to the snapshot's | `REPO_VERSION_MISMATCH` |
 * | 5.6.5 | not expired | `REPO_EXPIRED` |
 *
 * As in python-tuf and tuf-js, a new timestamp whose version equals the
 * trusted one is not an error: the trusted one stays (`unchanged`), and a
 * snapshot or timestamp that fails its final check stays in the set for
 * rollback comparison of the next candidate, while the caller does not
 * persist it.
 *
 * Pure and synchronous; no `node:` imports.
 *
 * @module
 */
import { VerificationError } from '../../core/errors.js';
import { sha256Hex } from '../../crypto/index.js';
import { sha384, sha512 } from '@noble/hashes/sha2.js';
import { delegatedRoleKeys } from './delegation.js';
import { verifyThreshold, type SignatureVerifier } from './keys.js';
import { parseMetadata, toHexString, type MetaFileInfo, type Metadata, type RoleKeys, type TufKey } from './model.js';

/** Result of one update: hostile bytes never throw. */
export type UpdateResult<T> = { ok: true; value: T } | { ok: false; error: VerificationError };

/** Internal control flow. */
class Stop extends Error {
  constructor(readonly error: VerificationError) {
    super(error.message);
  }
}
const fail = (code: ConstructorParameters<typeof VerificationError>[0], message: string, detail?: unknown): never => {
  throw new Stop(new VerificationError(code, message, detail));
};
function run<T>(fn: () => T): UpdateResult<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof Stop) return { ok: false, error: e.error };
    throw e;
  }
}

/** Hash algorithms a length-and-hashes check accepts (anything else fails closed). */
const HASHES: Readonly<Record<string, (b: Uint8Array) => string>> = Object.freeze({
  sha256: (b: Uint8Array) => sha256Hex(b),
  sha384: (b: Uint8Array) => toHexString(sha384(b)),
  sha512: (b: Uint8Array) => toHexString(sha512(b)),
});

/**
 * Check bytes against a listed length and hashes (5.5.2, 5.6.2, 5.7.3).
 *
 * @param bytes - what was received.
 * @param expected - the length and hashes the parent role lists.
 * @param what - for messages.
 * @returns an error value, or null when they match.
 */
export function checkLengthAndHashes(bytes: Uint8Array, expected: { length?: number; hashes?: Readonly<Record<string, string>> }, what: string): VerificationError | null {
  if (expected.length !== undefined && bytes.length !== expected.length) {
    return new VerificationError('REPO_HASH_MISMATCH', `${what} is ${bytes.length} bytes, expected ${expected.length}`, { expected: expected.length, found: bytes.length });
  }
  for (const [alg, want] of Object.entries(expected.hashes ?? {})) {
    const h = HASHES[alg];
    if (h === undefined) return new VerificationError('REPO_HASH_MISMATCH', `${what} is listed with an unsupported hash algorithm ${JSON.stringify(alg)} (sha256, sha384, sha512 are checked)`);
    const got = h(bytes);
    if (got !== want) return new VerificationError('REPO_HASH_MISMATCH', `${what} has ${alg} ${got}, expected ${want}`, { alg, expected: want, found: got });
  }
  return null;
}

/** Options of the trusted set. */
export interface TrustedSetOptions {
  /** The reference time, fixed for the whole update (5.1), ms since the epoch. */
  now: number;
  /** Verifies keys other than Ed25519 (RSA, ECDSA); default: Ed25519 only. */
  verifier?: SignatureVerifier;
}

/**
 * The trusted metadata of one client update.
 *
 * @example
 * ```ts
 * const r = TrustedMetadataSet.create(rootBytes, { now: Date.now() });
 * if (!r.ok) throw r.error;
 * const set = r.value;
 * const t = set.updateTimestamp(timestampBytes);
 * ```
 */
export class TrustedMetadataSet {
  readonly now: number;
  private readonly verifier: SignatureVerifier | undefined;
  private rootMd: Metadata<'root'>;
  private timestampMd: Metadata<'timestamp'> | undefined;
  private snapshotMd: Metadata<'snapshot'> | undefined;
  private readonly targetsMd = new Map<string, Metadata<'targets'>>();

  private constructor(root: Metadata<'root'>, opts: TrustedSetOptions) {
    this.rootMd = root;
    this.now = opts.now;
    this.verifier = opts.verifier;
  }

  /**
   * Load the trusted root (5.2): well-formed, signed by a threshold of its
   * own root keys. An expired trusted root is still loaded (5.3 may replace
   * it; 5.3.10 checks the final one).
   *
   * @param rootBytes - the locally trusted root.
   * @param opts - clock and verifier.
   * @returns the set, or an error value.
   */
  static create(rootBytes: Uint8Array, opts: TrustedSetOptions): UpdateResult<TrustedMetadataSet> {
    if (typeof opts?.now !== 'number' || !Number.isFinite(opts.now)) throw new TypeError('TrustedMetadataSet: now must be a finite number');
    return run(() => {
      const root = parseOrStop(rootBytes, 'root', 'trusted root.json');
      const set = new TrustedMetadataSet(root, opts);
      set.requireThreshold(root, root.signed.roles.root, root.signed.keys, 'trusted root.json');
      return set;
    });
  }

  get root(): Metadata<'root'> {
    return this.rootMd;
  }
  get timestamp(): Metadata<'timestamp'> | undefined {
    return this.timestampMd;
  }
  get snapshot(): Metadata<'snapshot'> | undefined {
    return this.snapshotMd;
  }
  /** A trusted targets role (`targets` or a delegated one). */
  targets(role = 'targets'): Metadata<'targets'> | undefined {
    return this.targetsMd.get(role);
  }

  /** Every trusted targets role so far, by name. */
  targetsRoles(): ReadonlyMap<string, Metadata<'targets'>> {
    return this.targetsMd;
  }

  private requireThreshold(md: Metadata, role: RoleKeys, keys: Readonly<Record<string, TufKey>>, name: string): string[] {
    const r = verifyThreshold(md, role, keys, name, this.verifier);
    if (!r.ok) throw new Stop(r.error);
    return r.result.signers;
  }

  /**
   * 5.3.4–5.3.7: a new root version from the repository.
   *
   * @param bytes - `<trusted version + 1>.root.json`.
   * @returns the new root, or an error value.
   */
  updateRoot(bytes: Uint8Array): UpdateResult<Metadata<'root'>> {
    return run(() => {
      if (this.timestampMd !== undefined) throw new TypeError('updateRoot after the timestamp was loaded (a caller bug)');
      const expected = this.rootMd.signed.version + 1;
      const label = `${expected}.root.json`;
      const next = parseOrStop(bytes, 'root', label);
      // 5.3.4: signed by a threshold of the trusted root's root keys.
      this.requireThreshold(next, this.rootMd.signed.roles.root, this.rootMd.signed.keys, `${label} (by the trusted root's keys)`);
      // 5.3.5: version is exactly the trusted one + 1.
      if (next.signed.version !== expected) {
        fail('REPO_ROLLBACK', `${label} has version ${next.signed.version}, expected ${expected}`, { expected, found: next.signed.version });
      }
      // 5.3.5: signed by a threshold of its own root keys.
      this.requireThreshold(next, next.signed.roles.root, next.signed.keys, `${label} (by its own keys)`);
      this.rootMd = next;
      return next;
    });
  }

  /**
   * 5.4.2–5.4.4: a timestamp. Before the first one, 5.3.10: the final root
   * must not have expired.
   *
   * @param bytes - `timestamp.json`.
   * @returns `{ unchanged: true }` when its version equals the trusted one
   *   (the trusted one stays), else the new timestamp; or an error value.
   */
  updateTimestamp(bytes: Uint8Array): UpdateResult<{ unchanged: boolean; metadata: Metadata<'timestamp'> }> {
    return run(() => {
      if (this.snapshotMd !== undefined) throw new TypeError('updateTimestamp after the snapshot was loaded (a caller bug)');
      // 5.3.10: freeze of the root.
      if (!(this.rootMd.signed.expiresMs > this.now)) {
        fail('REPO_EXPIRED', `root.json version ${this.rootMd.signed.version} expired at ${this.rootMd.signed.expires}`);
      }
      const next = parseOrStop(bytes, 'timestamp', 'timestamp.json');
      // 5.4.2: signed by the root's timestamp keys.
      this.requireThreshold(next, this.rootMd.signed.roles.timestamp, this.rootMd.signed.keys, 'timestamp.json');
      const trusted = this.timestampMd;
      if (trusted !== undefined) {
        // 5.4.3.1: timestamp rollback.
        if (next.signed.version < trusted.signed.version) {
          fail('REPO_ROLLBACK', `timestamp.json version ${next.signed.version} is lower than the trusted version ${trusted.signed.version}`);
        }
        if (next.signed.version === trusted.signed.version) return { unchanged: true, metadata: trusted };
        // 5.4.3.2: snapshot rollback as seen by the timestamp.
        if (next.signed.snapshotMeta.version < trusted.signed.snapshotMeta.version) {
          fail('REPO_ROLLBACK', `timestamp.json lists snapshot version ${next.signed.snapshotMeta.version}, lower than the trusted ${trusted.signed.snapshotMeta.version}`);
        }
      }
      this.timestampMd = next;
      // 5.4.4: freeze.
      this.checkTimestampFresh();
      return { unchanged: false, metadata: next };
    });
  }

  private checkTimestampFresh(): void {
    const ts = this.timestampMd!;
    if (!(ts.signed.expiresMs > this.now)) fail('REPO_EXPIRED', `timestamp.json version ${ts.signed.version} expired at ${ts.signed.expires}`);
  }

  /**
   * 5.5.2–5.5.6: a snapshot.
   *
   * @param bytes - `<v>.snapshot.json`, or the locally stored snapshot.
   * @param trusted - true for the locally stored copy (its hashes were checked when it was stored).
   * @returns the snapshot, or an error value.
   */
  updateSnapshot(bytes: Uint8Array, trusted = false): UpdateResult<Metadata<'snapshot'>> {
    return run(() => {
      const ts = this.timestampMd;
      if (ts === undefined) throw new TypeError('updateSnapshot before a timestamp (a caller bug)');
      if (this.targetsMd.size > 0) throw new TypeError('updateSnapshot after targets (a caller bug)');
      this.checkTimestampFresh();
      const meta = ts.signed.snapshotMeta;
      const label = `${meta.version}.snapshot.json`;
      // 5.5.2: length and hashes as the timestamp lists them.
      if (!trusted) {
        const e = checkLengthAndHashes(bytes, meta, label);
        if (e) throw new Stop(e);
      }
      const next = parseOrStop(bytes, 'snapshot', label);
      // 5.5.3: signed by the root's snapshot keys.
      this.requireThreshold(next, this.rootMd.signed.roles.snapshot, this.rootMd.signed.keys, label);
      // 5.5.5: no targets file dropped or rolled back.
      const old = this.snapshotMd;
      if (old !== undefined) {
        for (const [name, info] of old.signed.meta) {
          const now = next.signed.meta.get(name);
          if (now === undefined) fail('REPO_ROLLBACK', `${label} no longer lists ${name} (the trusted snapshot lists version ${info.version})`);
          if (now!.version < info.version) fail('REPO_ROLLBACK', `${label} lists ${name} version ${now!.version}, lower than the trusted ${info.version}`);
        }
      }
      this.snapshotMd = next;
      this.checkSnapshotFinal();
      return next;
    });
  }

  /** 5.5.4 and 5.5.6 for the trusted snapshot. */
  private checkSnapshotFinal(): void {
    const s = this.snapshotMd!;
    const want = this.timestampMd!.signed.snapshotMeta.version;
    // 5.5.6: freeze.
    if (!(s.signed.expiresMs > this.now)) fail('REPO_EXPIRED', `snapshot version ${s.signed.version} expired at ${s.signed.expires}`);
    // 5.5.4: the version the timestamp lists (mix-and-match).
    if (s.signed.version !== want) fail('REPO_VERSION_MISMATCH', `snapshot has version ${s.signed.version}, the timestamp lists ${want}`);
  }

  /**
   * 5.6.2–5.6.5: the top-level targets role or a delegated one.
   *
   * @param bytes - `<v>.<role>.json`, or the stored copy.
   * @param role - the role name (`targets` or a delegated role).
   * @param delegator - the trusted role that delegates it (`root` for `targets`).
   * @returns the role, or an error value.
   */
  updateDelegatedTargets(bytes: Uint8Array, role: string, delegator: string): UpdateResult<Metadata<'targets'>> {
    return run(() => {
      if (this.snapshotMd === undefined) throw new TypeError('updateDelegatedTargets before a snapshot (a caller bug)');
      this.checkTimestampFresh();
      this.checkSnapshotFinal();
      const meta: MetaFileInfo | undefined = this.snapshotMd.signed.meta.get(`${role}.json`);
      if (meta === undefined) fail('REPO_METADATA_INVALID', `the snapshot does not list ${role}.json`);
      const label = `${meta!.version}.${role}.json`;
      // 5.6.2: length and hashes as the snapshot lists them.
      const e = checkLengthAndHashes(bytes, meta!, label);
      if (e) throw new Stop(e);
      const next = parseOrStop(bytes, 'targets', label);
      // 5.6.3: signed by the delegating role's keys for this role.
      if (delegator === 'root') {
        if (role !== 'targets') throw new TypeError('only the top-level targets role is delegated by root');
        this.requireThreshold(next, this.rootMd.signed.roles.targets, this.rootMd.signed.keys, label);
      } else {
        const parent = this.targetsMd.get(delegator);
        if (parent === undefined) throw new TypeError(`delegator ${delegator} is not trusted yet (a caller bug)`);
        const delegations = parent.signed.delegations;
        const rk = delegations ? delegatedRoleKeys(delegations, role) : undefined;
        if (rk === undefined || delegations === undefined) fail('REPO_METADATA_INVALID', `${delegator} does not delegate to ${role}`);
        this.requireThreshold(next, rk!, delegations!.keys, label);
      }
      // 5.6.4: the version the snapshot lists (mix-and-match).
      if (next.signed.version !== meta!.version) {
        fail('REPO_VERSION_MISMATCH', `${role}.json has version ${next.signed.version}, the snapshot lists ${meta!.version}`);
      }
      // 5.6.5: freeze.
      if (!(next.signed.expiresMs > this.now)) fail('REPO_EXPIRED', `${role}.json version ${next.signed.version} expired at ${next.signed.expires}`);
      this.targetsMd.set(role, next);
      return next;
    });
  }
}

function parseOrStop<T extends 'root' | 'timestamp' | 'snapshot' | 'targets'>(bytes: Uint8Array, type: T, label: string): Metadata<T> {
  const r = parseMetadata(bytes, type, label);
  if (!r.ok) throw new Stop(r.error);
  return r.metadata;
}
