/**
 * Repository v2 as the install pipeline's step 1 (DESIGN §5 "index"): the
 * TUF refresh from the policy's **pinned** root, then the plugin's target
 * (`plugins/<id>.json`, carrying its publisher's entry and revocations),
 * read into the same verified data index v1 yields, so steps 2–8 run
 * unchanged.
 *
 * - {@link openPinnedClient}: the client's trusted root is the one stored in
 *   its metadata folder, which must have started from the policy's pin (a
 *   marker records the pin's SHA-256); on first use the pin is the root file
 *   the policy names, or `1.root.json` fetched and checked against the
 *   pinned SHA-256 — never trust on first use (`REPO_ROOT_PIN`).
 * - {@link repositoryIndexSource}: the {@link InstallIndexSource}; a
 *   release's stored manifest (`stored_manifest`, DESIGN §4.5) is read as
 *   the target of that path through the same client (its bin, then the
 *   target's length and hashes) — a path no trusted role lists, or one the
 *   source cannot serve (`FETCH_NOT_FOUND`: an offline bundle made without
 *   it), falls back to `manifest_url`; any other failure is the manifest
 *   step's verdict. Either way the bytes must equal the signed
 *   `manifest_sha256`.
 * - {@link loadRepositoryPlugins}: every plugin target (for `candidates`).
 *
 * Pure: IO through the injected transport and store.
 *
 * @module
 */
import { PolicyError, VerificationError } from '../../core/errors.js';
import { REPO_ENTRY_TARGET_MAX_BYTES, REPO_ROOT_MAX_BYTES } from '../../core/limits.js';
import { validIndexVersion, validPluginID } from '../../core/rules.js';
import { sha256Hex } from '../../crypto/index.js';
import type { InstallIndexLoad, InstallIndexSource, InstallStep } from '../install/pipeline.js';
import type { FetchPurpose } from '../install/transport.js';
import type { VerifiedIndex } from '../index/verify.js';
import type { ServerLine } from '../../core/server-line.js';
import { RepositoryClient, type ClientResult, type RepositoryClientOptions, type TrustedMetadataStore, type RepositoryTransport } from './client.js';
import { binName } from './delegation.js';
import { parsePluginTarget, pluginTargetPath, verifiedIndexFromTargets, type PluginTarget } from './lattice.js';

/** Is `p` a stored manifest's target path, `manifests/<plugin id>/<version>.json` (the validator's rule)? */
function isStoredManifestTarget(p: string): boolean {
  const m = /^manifests\/([^/]+)\/([^/]+)\.json$/.exec(p);
  return m !== null && validPluginID(m[1]!) && validIndexVersion(m[2]!);
}

/** The store entry recording which pin a metadata folder started from. */
export const PIN_MARKER = 'lattice-root-pin';

/** How the policy pins the initial root. */
export type RootPin = { kind: 'file'; bytes: Uint8Array; label: string } | { kind: 'sha256'; sha256: string };

/**
 * Open a client whose trust starts from a pinned root (module comment).
 *
 * @param o - transport, store, clock, verifier, and the pin.
 * @returns the client, or `REPO_ROOT_PIN` / the root's own error.
 * @throws what the store throws (IO).
 */
export async function openPinnedClient(
  o: Omit<RepositoryClientOptions, 'initialRoot'> & { pin: RootPin },
): Promise<ClientResult<RepositoryClient>> {
  const stored = await o.store.read('root');
  const marker = await o.store.read(PIN_MARKER);
  let initial: Uint8Array | undefined;
  let pinSha: string;
  if (o.pin.kind === 'file') {
    pinSha = sha256Hex(o.pin.bytes);
    initial = o.pin.bytes;
  } else {
    pinSha = o.pin.sha256;
  }
  if (stored !== undefined) {
    const recorded = marker === undefined ? undefined : new TextDecoder().decode(marker).trim();
    if (recorded !== pinSha) {
      return {
        ok: false,
        error: new PolicyError('REPO_ROOT_PIN', `the trusted metadata was ${recorded === undefined ? 'not started by this tool' : `started from the root with SHA-256 ${recorded}`}; the policy pins ${pinSha}. Use a new metadata folder for another repository.`),
      };
    }
  } else {
    if (initial === undefined) {
      try {
        initial = await o.transport.fetchMetadata('1.root.json', REPO_ROOT_MAX_BYTES);
      } catch (e) {
        if (e instanceof VerificationError || e instanceof PolicyError) return { ok: false, error: e };
        throw e;
      }
      const got = sha256Hex(initial);
      if (got !== pinSha) return { ok: false, error: new PolicyError('REPO_ROOT_PIN', `the repository's 1.root.json has SHA-256 ${got}; the policy pins ${pinSha}`) };
    }
    // The pin marker is written only with the root it describes.
    const opened = await RepositoryClient.open({ ...o, initialRoot: initial });
    if (opened.ok) await o.store.write(PIN_MARKER, new TextEncoder().encode(pinSha));
    return opened;
  }
  return RepositoryClient.open({ ...o });
}

/** Options of {@link repositoryIndexSource}. */
export interface RepositoryIndexSourceOptions {
  /** How records name the repository (its URL, or the bundle file). */
  label: string;
  /** Opens the client (pinned root, store, transport, clock). */
  open: () => Promise<ClientResult<RepositoryClient>>;
  /** Manifest and artifact the source carries itself (an offline bundle). */
  content?: (url: string, purpose: FetchPurpose) => Uint8Array | undefined;
}

/** A client's steps as install steps. */
function installSteps(client: RepositoryClient | undefined): InstallStep[] {
  return client ? client.steps.map((s) => ({ ...s })) : [];
}

/**
 * Step 1 from repository v2 (module comment).
 *
 * @param o - label, client opener, carried content.
 * @returns the install pipeline's index source.
 */
export function repositoryIndexSource(o: RepositoryIndexSourceOptions): InstallIndexSource {
  let client: RepositoryClient | undefined;
  return {
    label: o.label,
    ...(o.content ? { content: o.content } : {}),
    async storedManifest(relativePath, maxBytes): Promise<Uint8Array | undefined> {
      if (client === undefined || !isStoredManifestTarget(relativePath)) return undefined;
      const found = await client.findTarget(relativePath);
      if (!found.ok) {
        if (found.error.code === 'FETCH_NOT_FOUND') return undefined;
        throw found.error;
      }
      if (found.value === undefined) return undefined;
      const bytes = await client.fetchTarget(relativePath, found.value.info, maxBytes);
      if (!bytes.ok) {
        if (bytes.error.code === 'FETCH_NOT_FOUND') return undefined;
        throw bytes.error;
      }
      return bytes.value;
    },
    async load({ pluginId, host, now }): Promise<InstallIndexLoad> {
      const opened = await o.open();
      if (!opened.ok) return { ok: false, error: opened.error, steps: [{ step: 'index.root', ok: false, detail: `${opened.error.message} [${opened.error.code}]` }] };
      client = opened.value;
      const r = await loadPluginTarget(client, pluginId, host.serverLine);
      if (!r.ok) return { ok: false, error: r.error, steps: installSteps(client) };
      const s = client.summary!;
      const verified = verifiedIndexFromTargets([{ target: r.target, bytes: r.bytes }], { snapshotVersion: s.snapshotVersion, expires: s.expires, signers: r.signers, now });
      return { ok: true, verified, steps: installSteps(client) };
    },
  };
}

/** Read and check one plugin's target. */
async function loadPluginTarget(
  client: RepositoryClient,
  pluginId: string,
  serverLine: ServerLine,
): Promise<{ ok: true; target: PluginTarget; bytes: Uint8Array; signers: string[] } | { ok: false; error: VerificationError | PolicyError }> {
  const path = pluginTargetPath(pluginId);
  const found = await client.findTarget(path);
  if (!found.ok) return found;
  if (found.value === undefined) {
    const error = new PolicyError('PLUGIN_NOT_FOUND', `the repository has no plugin ${JSON.stringify(pluginId)} (no trusted role lists ${path})`);
    client.steps.push({ step: 'index.target', ok: false, detail: `${error.message} [${error.code}]` });
    return { ok: false, error };
  }
  const bytes = await client.fetchTarget(path, found.value.info, REPO_ENTRY_TARGET_MAX_BYTES);
  if (!bytes.ok) return bytes;
  const parsed = parsePluginTarget(bytes.value, pluginId, serverLine);
  if (!parsed.ok) {
    client.steps.push({ step: 'index.target', ok: false, detail: `${parsed.error.message} [${parsed.error.code}]` });
    return parsed;
  }
  return { ok: true, target: parsed.target, bytes: bytes.value, signers: roleSigners(client, found.value.role) };
}

/** The keyids the delegating role names for `role` (who signed what was read). */
function roleSigners(client: RepositoryClient, role: string): string[] {
  const set = client.trusted;
  if (role === 'targets') return [...set.root.signed.roles.targets.keyids];
  for (const name of ['targets']) {
    const d = set.targets(name)?.signed.delegations;
    if (d?.succinct) return [...d.succinct.keyids];
    const r = d?.roles?.find((x) => x.name === role);
    if (r) return [...r.keyids];
  }
  return [];
}

/**
 * Every plugin of the repository (walking every bin of the top-level
 * delegation), for `candidates --repo`.
 *
 * @param client - an opened client.
 * @param serverLine - whose capability table applies.
 * @param now - reference time.
 * @returns the verified index of all plugins, or the first coded failure.
 */
export async function loadRepositoryPlugins(client: RepositoryClient, serverLine: ServerLine, now: number): Promise<ClientResult<VerifiedIndex>> {
  const refreshed = await client.refresh();
  if (!refreshed.ok) return refreshed;
  const top = client.trusted.targets('targets')!.signed;
  const roles: string[] = [];
  if (top.delegations?.succinct) for (let n = 0; n < 2 ** top.delegations.succinct.bitLength; n++) roles.push(binName(top.delegations.succinct, n));
  for (const r of top.delegations?.roles ?? []) roles.push(r.name);
  const paths: string[] = [...top.targets.keys()].filter((p) => /^plugins\/.+\.json$/.test(p));
  for (const role of roles) {
    const md = await client.role(role, 'targets');
    if (!md.ok) return md;
    for (const p of md.value.signed.targets.keys()) if (/^plugins\/.+\.json$/.test(p)) paths.push(p);
  }
  const out: { target: PluginTarget; bytes: Uint8Array }[] = [];
  let signers: string[] = [];
  for (const p of paths.sort()) {
    const id = /^plugins\/(.+)\.json$/.exec(p)![1]!;
    const r = await loadPluginTarget(client, id, serverLine);
    if (!r.ok) return r;
    out.push({ target: r.target, bytes: r.bytes });
    signers = r.signers;
  }
  const s = client.summary!;
  return { ok: true, value: verifiedIndexFromTargets(out, { snapshotVersion: s.snapshotVersion, expires: s.expires, signers, now }) };
}

export type { RepositoryTransport, TrustedMetadataStore };
