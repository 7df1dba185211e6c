/**
 * Verify a whole repository as an auditor or a mirror does (`repo verify`,
 * `mirror`): the client workflow for the top-level roles, then **every**
 * delegated role and **every** target, each through the same
 * {@link RepositoryClient} checks an install uses, plus what a client that
 * looks up one path would not notice:
 *
 * - a role listing a target it is not delegated (a bin holding a path whose
 *   hash falls in another bin, a path outside a role's patterns) —
 *   `REPO_METADATA_INVALID`: no client would ever find it there;
 * - the Lattice targets (when the repository has `revocations.json`): each
 *   plugin target is valid (`parsePluginTarget`), carries exactly its
 *   publisher's entry as `publishers/<id>.json` holds it and exactly the
 *   revocations that apply to it; each release's `stored_manifest` is a
 *   target whose SHA-256 is the release's `manifest_sha256`, and every
 *   `manifests/` target is named by a release; each publisher target and the
 *   revocation list are valid — `REPO_TARGET_INVALID` otherwise. (`loads_on`
 *   is the publisher's build claim; it is not recomputed here, and every
 *   install decodes and validates the manifest for its own server version.)
 *
 * Pure: the client does the IO through its injected transport.
 *
 * @module
 */
import { VerificationError, type PolicyError } from '../../core/errors.js';
import { canonicalizeToBytes } from '../../core/jcs.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import type { IndexPublisher, RevocationList } from '../../core/index/types.js';
import { validateIndex } from '../../core/index/validate.js';
import type { ServerLine } from '../../core/server-line.js';
import { validatePublisherEntry } from '../index/rotation.js';
import type { RepositoryClient } from './client.js';
import { binName, binNumber as binNumberOf, isBinName, pathMatches } from './delegation.js';
import { parsePluginTarget, REVOCATIONS_TARGET, revocationsForPlugin, type PluginTarget } from './lattice.js';
import type { Delegations, TargetInfo } from './model.js';

/** What an audit established. */
export interface AuditReport {
  rootVersion: number;
  timestampVersion: number;
  snapshotVersion: number;
  targetsVersion: number;
  /** Earliest expiry of the top-level metadata. */
  expires: string;
  /** Targets roles verified (top-level and delegated). */
  roles: number;
  /** Targets downloaded and verified. */
  targets: number;
  /** Their bytes. */
  bytes: number;
  /** Lattice semantics checked: plugin and publisher targets. */
  lattice?: { plugins: number; publishers: number; revocations: number };
}

/** Options of {@link auditRepository}. */
export interface AuditOptions {
  /** Called for every target after its bytes verified (a mirror stores them here). */
  onTarget?: (path: string, info: TargetInfo, bytes: Uint8Array) => void | Promise<void>;
  /** Check the Lattice targets too (default true when `revocations.json` is a target). */
  lattice?: boolean;
  serverLine?: ServerLine;
  /** Targets fetched at once (default 8). */
  concurrency?: number;
}

type Fail = VerificationError | PolicyError;

/**
 * Walk and verify the whole repository.
 *
 * @param client - an opened client (its initial root is the auditor's pin).
 * @param opts - callback, Lattice checks, concurrency.
 * @returns the report, or the first coded failure.
 */
export async function auditRepository(client: RepositoryClient, opts: AuditOptions = {}): Promise<{ ok: true; report: AuditReport } | { ok: false; error: Fail }> {
  const refreshed = await client.refresh();
  if (!refreshed.ok) return refreshed;
  const s = refreshed.value;
  const roles: { name: string; delegator: string }[] = [{ name: 'targets', delegator: 'root' }];
  const seenRoles = new Set<string>(['targets']);
  const targets = new Map<string, { info: TargetInfo; role: string }>();
  for (let i = 0; i < roles.length; i++) {
    const { name, delegator } = roles[i]!;
    const r = await client.role(name, delegator);
    if (!r.ok) return r;
    const md = r.value.signed;
    // A delegated role may list only what its delegator delegates to it.
    if (name !== 'targets') {
      const parent = client.trusted.targets(delegator)!.signed.delegations!;
      for (const p of md.targets.keys()) {
        if (!delegates(parent, name, p)) {
          return { ok: false, error: new VerificationError('REPO_METADATA_INVALID', `${name} lists ${p}, which ${delegator} does not delegate to it`) };
        }
      }
    }
    for (const [p, info] of md.targets) if (!targets.has(p)) targets.set(p, { info, role: name });
    const d = md.delegations;
    if (d?.succinct) {
      for (let n = 0; n < 2 ** d.succinct.bitLength; n++) {
        const bin = binName(d.succinct, n);
        if (!seenRoles.has(bin)) {
          seenRoles.add(bin);
          roles.push({ name: bin, delegator: name });
        }
      }
    }
    for (const role of d?.roles ?? []) {
      if (!seenRoles.has(role.name)) {
        seenRoles.add(role.name);
        roles.push({ name: role.name, delegator: name });
      }
    }
  }

  // Every target, verified by length and hashes.
  const lattice = opts.lattice ?? targets.has(REVOCATIONS_TARGET);
  const keep = new Map<string, Uint8Array>();
  let bytes = 0;
  const list = [...targets];
  let next = 0;
  let failure: Fail | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < list.length) {
      const [p, { info }] = list[next++]!;
      const r = await client.fetchTarget(p, info);
      if (!r.ok) {
        failure ??= r.error;
        return;
      }
      bytes += r.value.length;
      if (lattice && (p === REVOCATIONS_TARGET || p.startsWith('plugins/') || p.startsWith('publishers/'))) keep.set(p, r.value);
      await opts.onTarget?.(p, info, r.value);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
  if (failure !== undefined) return { ok: false, error: failure };

  const report: AuditReport = {
    rootVersion: s.rootVersion,
    timestampVersion: s.timestampVersion,
    snapshotVersion: s.snapshotVersion,
    targetsVersion: s.targetsVersion,
    expires: s.expires,
    roles: roles.length,
    targets: targets.size,
    bytes,
  };
  if (lattice) {
    // Stored manifests by their listed SHA-256 (each was fetched and checked against it above).
    const manifestHashes = new Map<string, string | undefined>();
    for (const [p, { info }] of targets) if (p.startsWith('manifests/')) manifestHashes.set(p, info.hashes.sha256);
    const r = checkLatticeTargets(keep, manifestHashes, opts.serverLine);
    if (!r.ok) return r;
    report.lattice = r.counts;
  }
  return { ok: true, report };
}

/** Whether `delegations` lets `role` list `path`. */
function delegates(d: Delegations, role: string, path: string): boolean {
  if (d.succinct) return isBinName(d.succinct, role) && binName(d.succinct, binNumberOf(d.succinct.bitLength, path)) === role;
  const r = d.roles?.find((x) => x.name === role);
  if (r === undefined) return false;
  if (r.paths) return r.paths.some((pat) => pathMatches(path, pat));
  return true; // path_hash_prefixes: checked by the client's walk when it looks the path up
}


function checkLatticeTargets(files: ReadonlyMap<string, Uint8Array>, manifestHashes: ReadonlyMap<string, string | undefined>, serverLine?: ServerLine): { ok: true; counts: { plugins: number; publishers: number; revocations: number } } | { ok: false; error: VerificationError } {
  const bad = (message: string) => ({ ok: false as const, error: new VerificationError('REPO_TARGET_INVALID', message) });
  const revBytes = files.get(REVOCATIONS_TARGET);
  if (revBytes === undefined) return bad('the repository has no revocations.json target');
  const rev = parseJSONStrict(revBytes, { maxBytes: revBytes.length + 1 });
  if (!rev.ok) return bad(`revocations.json is not strict JSON: ${rev.error.message}`);
  const revProblems = validateIndex({ schema: 'lattice.plugin.index.v1', generated_at: '2000-01-01T00:00:00Z', status: 'draft', publishers: [], plugins: [], revocations: rev.value, signatures: [] });
  if (revProblems.length > 0) return bad(`revocations.json: ${revProblems[0]!.instancePath}: ${revProblems[0]!.message}`);
  const revocations = rev.value as RevocationList;
  const publishers = new Map<string, Uint8Array>();
  const namedManifests = new Set<string>();
  let plugins = 0;
  for (const [p, b] of files) {
    const m = /^publishers\/(.+)\.json$/.exec(p);
    if (!m) continue;
    const parsed = parseJSONStrict(b, { maxBytes: b.length + 1 });
    if (!parsed.ok) return bad(`${p} is not strict JSON: ${parsed.error.message}`);
    const problems = validatePublisherEntry(parsed.value, serverLine);
    if (problems.length > 0) return bad(`${p}: ${problems[0]!.instancePath || '/'}: ${problems[0]!.message}`);
    if ((parsed.value as unknown as IndexPublisher).id !== m[1]) return bad(`${p} holds publisher ${JSON.stringify((parsed.value as { id?: unknown }).id)}`);
    publishers.set(m[1]!, b);
  }
  for (const [p, b] of files) {
    const m = /^plugins\/(.+)\.json$/.exec(p);
    if (!m) continue;
    const r = parsePluginTarget(b, m[1]!, serverLine);
    if (!r.ok) return { ok: false, error: r.error };
    const t: PluginTarget = r.target;
    const pub = publishers.get(t.publisher.id);
    if (pub === undefined || !sameBytes(canonicalizeToBytes(t.publisher), pub)) return bad(`${p} carries a publisher entry that differs from publishers/${t.publisher.id}.json`);
    if (t.plugin.publisher !== t.publisher.id) return bad(`${p} names publisher ${t.plugin.publisher} but carries ${t.publisher.id}`);
    const want = canonicalizeToBytes(revocationsForPlugin(t.plugin, revocations));
    const got = canonicalizeToBytes(Object.fromEntries(Object.entries(t.revocations).filter(([, v]) => (v as unknown[]).length > 0)));
    if (!sameBytes(want, got)) return bad(`${p} carries revocations that differ from the ones revocations.json applies to it`);
    for (const rel of t.plugin.releases) {
      if (rel.stored_manifest === undefined) continue;
      if (!manifestHashes.has(rel.stored_manifest)) return bad(`${p}: release ${rel.version} names the stored manifest ${rel.stored_manifest}, which is not a target`);
      const sha = manifestHashes.get(rel.stored_manifest);
      if (sha !== rel.manifest_sha256) return bad(`${p}: release ${rel.version}: the target ${rel.stored_manifest} is listed with SHA-256 ${String(sha)}, the release's manifest_sha256 is ${String(rel.manifest_sha256)}`);
      namedManifests.add(rel.stored_manifest);
    }
    plugins++;
  }
  for (const p of manifestHashes.keys()) {
    if (!namedManifests.has(p)) return bad(`${p} is a stored manifest no release of the repository names`);
  }
  return { ok: true, counts: { plugins, publishers: publishers.size, revocations: (revocations.releases?.length ?? 0) + (revocations.artifacts?.length ?? 0) + (revocations.keys?.length ?? 0) } };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
