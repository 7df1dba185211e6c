/**
 * Repository v2 around the install harness: real plugins (packed bundles,
 * signed manifests) from {@link InstallRepo}, published as a TUF repository
 * by the project's writer into a {@link SimRepo}, installed through the real
 * `runInstall` with the v2 index source — and, for the differential, read
 * by tuf-js's own Updater from the same bytes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Updater } from 'tuf-js';
import type { IndexPublisher, RevocationList } from '../../src/core/index/types.js';
import type { HostProfile } from '../../src/domain/install/policy.js';
import { repositoryIndexSource, openPinnedClient } from '../../src/domain/repository/install-source.js';
import { repositoryTargets } from '../../src/domain/repository/lattice.js';
import { runInstall, type RunInstallReport } from '../../src/io/install.js';
import { memoryMetadataStore } from '../../src/io/repository-transport.js';
import { InstallEnv, InstallRepo, keyB64, policyDoc, policyFrom } from '../install/harness.js';
import { SimRepo } from './sim.js';
import { SERVER_VERSIONS } from '../../src/core/server-line.js';

export const PUBLISHERS: IndexPublisher[] = [
  { id: 'acme', name: 'Acme Plugins', public_key_ed25519: keyB64('publisher-acme') },
  { id: 'evil', name: 'Evil Corp', public_key_ed25519: keyB64('publisher-evil') },
];

/** One test's world: the plugins, the TUF repository, the host. */
export class V2World {
  readonly inst = new InstallRepo('https://repo.test');
  readonly sim: SimRepo;
  readonly env = new InstallEnv();
  /** The host's trusted metadata (kept across installs). */
  readonly store = memoryMetadataStore();
  revocations: RevocationList = {};
  private tufjsDir: string | undefined;

  /**
   * @param opts - the simulated repository's options.
   * @param world - `storeManifest`: the release's manifest is stored (DESIGN §4.5), a target of its own.
   */
  constructor(opts: ConstructorParameters<typeof SimRepo>[0] = {}, world: { storeManifest?: boolean } = {}) {
    this.sim = new SimRepo(opts);
    this.inst.addRelease({ plugin: 'acme.tool', version: '1.0.0', ...(world.storeManifest ? { store: true } : {}) });
    this.publish();
  }

  /** Publish the current plugins as the repository's targets. */
  publish(opts: Parameters<SimRepo['publish']>[1] = {}) {
    const targets = repositoryTargets({
      publishers: PUBLISHERS,
      plugins: this.inst.plugins,
      revocations: this.revocations,
      manifests: this.inst.stored,
      ...(this.inst.stored.size > 0 ? { serverVersions: [...SERVER_VERSIONS] } : {}),
    });
    this.sim.content.clear();
    for (const [p, b] of targets) this.sim.content.set(p, b);
    return this.sim.publish(this.sim.content, opts);
  }

  /** The policy: repository-only, root pinned by file. */
  policy() {
    const doc = policyDoc();
    delete doc.index;
    writeFileSync(path.join(this.env.policyDir, 'root.json'), this.sim.history.get('metadata/1.root.json')![0]!);
    doc.repository = { root: 'root.json', metadata_dir: 'tuf' };
    return policyFrom(doc);
  }

  /** Install `pluginId` from the repository (approve: yes). */
  async install(pluginId = 'acme.tool', opts: { dryRun?: boolean; now?: number; host?: Partial<HostProfile> } = {}): Promise<RunInstallReport> {
    const files = this.sim.files;
    const index = repositoryIndexSource({
      label: 'https://repo.test/repository',
      open: () =>
        openPinnedClient({
          transport: this.sim.transport(files),
          store: this.store,
          now: opts.now ?? Date.now(),
          pin: { kind: 'file', bytes: this.sim.history.get('metadata/1.root.json')![0]!, label: 'root.json' },
        }),
    });
    return runInstall({
      policy: this.policy(),
      policyDir: this.env.policyDir,
      index,
      pluginId,
      pluginDir: this.env.pluginDir,
      fetcher: this.inst.fetcher(),
      now: opts.now ?? Date.now(),
      approve: () => true,
      approvedBy: 'test',
      ...(opts.dryRun ? { dryRun: true } : {}),
      ...(opts.host ? { host: opts.host } : {}),
    });
  }

  /** The stored trusted version of a role (0 when none). */
  async storedVersion(name: string): Promise<number> {
    const b = await this.store.read(name);
    if (b === undefined) return 0;
    return (JSON.parse(new TextDecoder().decode(b)) as { signed: { version: number } }).signed.version;
  }

  /** tuf-js's Updater over the same served bytes, with its own metadata folder (kept across calls). */
  async tufjs(target = 'plugins/acme.tool.json'): Promise<{ ok: true } | { ok: false; error: Error }> {
    if (this.tufjsDir === undefined) {
      this.tufjsDir = mkdtempSync(path.join(os.tmpdir(), 'tufjs-'));
      mkdirSync(path.join(this.tufjsDir, 'targets'));
      writeFileSync(path.join(this.tufjsDir, 'root.json'), this.sim.history.get('metadata/1.root.json')![0]!);
    }
    const u = new Updater({
      metadataDir: this.tufjsDir,
      metadataBaseUrl: 'https://sim.test/metadata',
      targetBaseUrl: 'https://sim.test/targets',
      targetDir: path.join(this.tufjsDir, 'targets'),
      fetcher: this.sim.tufJsFetcher(),
    });
    try {
      await u.refresh();
      const info = await u.getTargetInfo(target);
      if (!info) throw new Error(`tuf-js: no target ${target}`);
      await u.downloadTarget(info);
      return { ok: true };
    } catch (e) {
      return { ok: false, error: e as Error };
    }
  }

  cleanup(): void {
    this.env.cleanup();
    if (this.tufjsDir) rmSync(this.tufjsDir, { recursive: true, force: true });
  }
}
