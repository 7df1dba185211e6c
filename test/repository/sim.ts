/**
 * An in-memory repository v2 for tests, in the manner of python-tuf's
 * RepositorySimulator: the project's own writer signs real metadata into a
 * byte map (`metadata/…`, `targets/…`), attack tests replace what is served,
 * and both the project's client and tuf-js's Updater read the same map.
 *
 * Keys come from labels (SHA-256 of the label) — test keys only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import type { Fetcher } from 'tuf-js';
import type { JSONObject } from '../../src/core/json/types.js';
import { sha256 } from '../../src/crypto/index.js';
import { fetchError } from '../../src/domain/install/transport.js';
import { RepositoryClient, type RepositoryTransport } from '../../src/domain/repository/client.js';
import { ed25519Signer, signMetadata, type MetadataSigner } from '../../src/domain/repository/keys.js';
import { metadataFileBytes, parseMetadata, type Metadata } from '../../src/domain/repository/model.js';
import {
  initRepository,
  rotateRoot,
  targetEntry,
  targetStoragePath,
  writeRepository,
  type ExpiryDays,
  type RepositoryState,
  type TargetEntry,
  type WritePlan,
} from '../../src/domain/repository/writer.js';
import { memoryMetadataStore } from '../../src/io/repository-transport.js';

export const DAY = 86_400_000;
const UTF8 = new TextEncoder();

/** A signer for a label. */
export function signerOf(label: string): MetadataSigner {
  return ed25519Signer(sha256(UTF8.encode(`lattice-index repository test key: ${label}`)));
}

/** The in-memory repository. */
export class SimRepo {
  /** Served files: `metadata/<name>`, `targets/<path>`. */
  readonly files = new Map<string, Uint8Array>();
  /** Every version ever written, by path (for replaying old files). */
  readonly history = new Map<string, Uint8Array[]>();
  /** The target contents by target path. */
  readonly content = new Map<string, Uint8Array>();
  rootSigners: MetadataSigner[];
  online: MetadataSigner;
  timestampSigner: MetadataSigner | undefined;
  now: number;
  expiry: Partial<ExpiryDays> = {};
  requests: string[] = [];

  constructor(opts: { rootLabels?: string[]; threshold?: number; online?: string; timestamp?: string; now?: number } = {}) {
    this.rootSigners = (opts.rootLabels ?? ['root-a']).map(signerOf);
    this.online = signerOf(opts.online ?? 'online');
    this.timestampSigner = opts.timestamp ? signerOf(opts.timestamp) : undefined;
    this.now = opts.now ?? Date.now();
    const plan = initRepository({
      rootSigners: this.rootSigners,
      rootThreshold: opts.threshold ?? this.rootSigners.length,
      signers: this.signers(),
      now: this.now,
    });
    this.apply(plan);
  }

  signers() {
    return { online: this.online, ...(this.timestampSigner ? { timestamp: this.timestampSigner } : {}) };
  }

  apply(plan: WritePlan): void {
    for (const f of plan.metadata) this.put(f.path, f.bytes);
  }

  put(p: string, bytes: Uint8Array): void {
    this.files.set(p, bytes);
    const h = this.history.get(p) ?? [];
    h.push(bytes);
    this.history.set(p, h);
  }

  /** The newest root version. */
  rootVersion(): number {
    let n = 0;
    for (const k of this.files.keys()) {
      const m = /^metadata\/(\d+)\.root\.json$/.exec(k);
      if (m) n = Math.max(n, Number(m[1]));
    }
    return n;
  }

  parse<T extends 'root' | 'timestamp' | 'snapshot' | 'targets'>(p: string, type: T): Metadata<T> {
    const r = parseMetadata(this.files.get(p)!, type, p);
    if (!r.ok) throw r.error;
    return r.metadata;
  }

  /** The current state with every bin. */
  state(): RepositoryState {
    const root = this.parse(`metadata/${this.rootVersion()}.root.json`, 'root');
    const timestamp = this.parse('metadata/timestamp.json', 'timestamp');
    const snapshot = this.parse(`metadata/${timestamp.signed.snapshotMeta.version}.snapshot.json`, 'snapshot');
    const targets = this.parse(`metadata/${snapshot.signed.meta.get('targets.json')!.version}.targets.json`, 'targets');
    const bins = new Map<string, Metadata<'targets'>>();
    for (const [name, m] of snapshot.signed.meta) {
      if (name === 'targets.json') continue;
      const role = name.slice(0, -'.json'.length);
      const p = `metadata/${m.version}.${role}.json`;
      if (this.files.has(p)) bins.set(role, this.parse(p, 'targets'));
    }
    return { root, timestamp, snapshot, targets, bins };
  }

  /** Publish the given targets (target path → bytes) in full. */
  publish(targets: Map<string, Uint8Array> = this.content, opts: { now?: number; expiry?: Partial<ExpiryDays>; refreshWithinMs?: number; forceTimestamp?: boolean } = {}): WritePlan {
    const wanted = new Map<string, TargetEntry>();
    for (const [p, b] of targets) {
      const e = targetEntry(b);
      wanted.set(p, e);
      this.put(targetStoragePath(p, e.sha256), b);
    }
    const state = this.state();
    const plan = writeRepository({
      root: state.root,
      previous: state,
      targets: wanted,
      signers: this.signers(),
      now: opts.now ?? this.now,
      expiry: { ...this.expiry, ...opts.expiry },
      ...(opts.refreshWithinMs !== undefined ? { refreshWithinMs: opts.refreshWithinMs } : {}),
      ...(opts.forceTimestamp ? { forceTimestamp: true } : {}),
    });
    this.apply(plan);
    return plan;
  }

  /** Set one target and publish. */
  setTarget(p: string, bytes: Uint8Array | string, opts: Parameters<SimRepo['publish']>[1] = {}): WritePlan {
    this.content.set(p, typeof bytes === 'string' ? UTF8.encode(bytes) : bytes);
    return this.publish(this.content, opts);
  }

  /** Rotate the root (new root keys, optionally a new online key). */
  rotateRoot(o: { newRoot: string[]; threshold?: number; oldSigners?: MetadataSigner[]; online?: string; timestamp?: string; now?: number }): void {
    const newSigners = o.newRoot.map(signerOf);
    const online = o.online ? signerOf(o.online) : undefined;
    const ts = o.timestamp ? signerOf(o.timestamp) : undefined;
    const file = rotateRoot({
      current: this.state().root,
      oldSigners: o.oldSigners ?? this.rootSigners,
      newSigners,
      newThreshold: o.threshold ?? newSigners.length,
      ...(online ? { online: online.key } : {}),
      ...(ts ? { timestamp: ts.key } : online ? { timestamp: online.key } : {}),
      now: o.now ?? this.now,
    });
    this.put(file.path, file.bytes);
    this.rootSigners = newSigners;
    if (online) this.online = online;
    if (ts) this.timestampSigner = ts;
    else if (online) this.timestampSigner = undefined;
  }

  /** Re-sign an arbitrary `signed` object with signers and serve it at `p`. */
  forge(p: string, signed: JSONObject, signers: readonly MetadataSigner[]): Uint8Array {
    const bytes = metadataFileBytes(signed, signMetadata(signed, signers));
    this.put(p, bytes);
    return bytes;
  }

  /** A transport over {@link files}, logging requests. */
  transport(files: Map<string, Uint8Array> = this.files): RepositoryTransport {
    const get = (p: string, maxBytes: number): Uint8Array => {
      this.requests.push(p);
      const b = files.get(p);
      if (b === undefined) throw fetchError('FETCH_NOT_FOUND', `${p}: HTTP 404`);
      if (b.length > maxBytes) throw fetchError('FETCH_TOO_LARGE', `${p}: ${b.length} bytes > cap ${maxBytes}`);
      return b;
    };
    return {
      fetchMetadata: async (name, max) => get(`metadata/${name}`, max),
      fetchTarget: async (p, max) => get(`targets/${p}`, max),
    };
  }

  /** A tuf-js Fetcher over {@link files} (URLs `https://sim.test/metadata/…` and `…/targets/…`). */
  tufJsFetcher(files: Map<string, Uint8Array> = this.files): Fetcher {
    const get = (url: string, maxLength: number): Buffer => {
      const p = url.replace(/^https:\/\/sim\.test\//, '');
      const b = files.get(p);
      if (b === undefined) throw new DownloadHTTPError('not found', 404);
      if (b.length > maxLength) throw new Error(`Max length reached: ${p}`);
      return Buffer.from(b);
    };
    return {
      downloadBytes: async (url, max) => get(url, max),
      downloadFile: async (url, max, handler) => {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'sim-tufjs-'));
        try {
          const f = path.join(dir, 'file');
          writeFileSync(f, get(url, max));
          return await handler(f);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  }

  /** A client of this repository starting from root version `rootVersion` (default 1). */
  async client(opts: { store?: ReturnType<typeof memoryMetadataStore>; now?: number; rootVersion?: number; files?: Map<string, Uint8Array> } = {}) {
    const store = opts.store ?? memoryMetadataStore();
    const r = await RepositoryClient.open({
      transport: this.transport(opts.files),
      store,
      now: opts.now ?? Date.now(),
      initialRoot: this.history.get(`metadata/${opts.rootVersion ?? 1}.root.json`)![0]!,
    });
    if (!r.ok) throw r.error;
    return { client: r.value, store };
  }
}
