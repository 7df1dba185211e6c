/**
 * An in-memory plugin repository for install tests, in the manner of
 * python-tuf's RepositorySimulator: it packs real bundles, signs real v2
 * manifests with a publisher key, builds and signs real index generations
 * with an index key, and serves everything as byte maps behind an injected
 * fetcher. Attack tests tamper with what is served.
 *
 * Keys are derived from labels (SHA-256 of a label) — test keys only.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeBase64 } from '../../src/core/base64.js';
import { formatRFC3339UTC } from '../../src/core/rules.js';
import type { IndexPlugin, IndexRelease, RevocationList } from '../../src/core/index/types.js';
import { publicKeyFromSeed, sha256, sha256Hex, signEd25519 } from '../../src/crypto/index.js';
import { packBundleEntries, type BundleSourceEntry } from '../../src/io/bundle.js';
import { signIndex } from '../../src/domain/index/sign.js';
import { decodeManifest, manifestLoadability, manifestSigningPayload, marshalManifestIndent } from '../../src/domain/manifest/index.js';
import { SERVER_VERSIONS } from '../../src/core/server-line.js';
import { parseInstallPolicy, type InstallPolicy } from '../../src/domain/install/policy.js';
import { fetchError, type FetchedBody, type FetchRequest, type InstallFetcher } from '../../src/domain/install/transport.js';
import { PolicyError, VerificationError } from '../../src/core/errors.js';
import { runInstall, type RunInstallOptions } from '../../src/io/install.js';
import { dir, file, gz, headerBlock, tar, tgz } from '../bundle/raw-tar.js';
import { expect } from 'vitest';

const UTF8 = new TextEncoder();
export const DAY = 86_400_000;
/** The repository's clock: 2026-08-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 7, 1);
/** The client's clock: one hour later. */
export const NOW = T0 + 3_600_000;

/** A deterministic test seed for a label. */
export function seedOf(label: string): Uint8Array {
  return sha256(UTF8.encode(`lattice-index install test seed: ${label}`));
}
/** Canonical base64 of a label's public key. */
export function keyB64(label: string): string {
  return encodeBase64(publicKeyFromSeed(seedOf(label)));
}

/** A small shell script standing in for a system plugin binary. */
export const SYSTEM_BIN = UTF8.encode('#!/bin/sh\nread -r line\necho \'{"ok":true,"message":"hello"}\'\n');

/** Options of {@link InstallRepo.addRelease}. */
export interface ReleaseSpec {
  plugin: string;
  version: string;
  type?: 'system' | 'wasm' | 'worker';
  channel?: 'stable' | 'alpha';
  capabilities?: string[];
  /** Bundle files (default: a system binary for linux/amd64 and linux/arm64). */
  entries?: BundleSourceEntry[];
  /** Raw artifact bytes instead of a packed bundle (hostile archives). */
  artifact?: Uint8Array;
  /** Change the manifest JSON before it is signed. */
  manifest?: (m: Record<string, unknown>) => void;
  /** Key label that signs the manifest (default `publisher-acme`). */
  signer?: string;
  publishedAt?: string;
  /** Put `manifest_sha256` in the index entry (default true). */
  pinManifest?: boolean;
  /** Keep the manifest in the index (`stored_manifest` + the loadability matrix, DESIGN §4.5; default false). */
  store?: boolean;
}

/** What {@link InstallRepo.addRelease} made. */
export interface BuiltRelease {
  manifestBytes: Uint8Array;
  artifact: Uint8Array;
  entry: IndexRelease;
  manifestUrl: string;
  artifactUrl: string;
}

/** Default v2 manifest JSON for a release (digest and signature filled in later). */
export function manifestJSON(spec: ReleaseSpec, digest: string, entrypoints: Record<string, string>): Record<string, unknown> {
  return {
    schema: 'lattice.plugin.manifest.v2',
    id: spec.plugin,
    name: `Plugin ${spec.plugin}`,
    type: spec.type ?? 'system',
    capabilities: spec.capabilities ?? ['kv:read', 'log:write'],
    version: spec.version,
    publisher: spec.plugin.split('.')[0],
    bundle: { format: 'tar+gzip', digest_sha256: digest },
    runtime: { protocol: 'stdio-json-v1', entrypoints },
    compatibility: { server: '>=0.2.1', dashboard_host: '>=1', runtime_protocol: '>=1' },
  };
}

/**
 * Sign a manifest JSON with a key label; returns the on-disk bytes (MarshalIndent form).
 * Signs whatever it is given, like a hostile publisher would: attack tests need
 * manifests that `signManifest` (the domain signer the CLI uses) refuses to sign.
 */
export function signManifestJSON(json: Record<string, unknown>, signer: string): Uint8Array {
  const decoded = decodeManifest(JSON.stringify(json));
  if (!decoded.ok) throw new Error(`test manifest does not decode: ${decoded.message}`);
  const m = decoded.manifest;
  m.signature_ed25519 = encodeBase64(signEd25519(seedOf(signer), manifestSigningPayload(m)));
  return UTF8.encode(marshalManifestIndent(m));
}

function defaultEntries(type: string): { entries: BundleSourceEntry[]; entrypoints: Record<string, string> } {
  if (type === 'wasm') {
    return {
      entries: [{ path: 'bin/wasm/plugin.wasm', content: wasmModule() }],
      entrypoints: { 'linux/amd64': 'bin/wasm/plugin.wasm', 'linux/arm64': 'bin/wasm/plugin.wasm' },
    };
  }
  if (type === 'worker') {
    return {
      entries: [{ path: 'bin/worker/worker.js', content: UTF8.encode(WORKER_OK) }],
      entrypoints: { 'linux/amd64': 'bin/worker/worker.js', 'linux/arm64': 'bin/worker/worker.js' },
    };
  }
  return {
    entries: [
      { path: 'bin/linux-amd64/plugin', content: SYSTEM_BIN },
      { path: 'bin/linux-arm64/plugin', content: SYSTEM_BIN },
    ],
    entrypoints: { 'linux/amd64': 'bin/linux-amd64/plugin', 'linux/arm64': 'bin/linux-arm64/plugin' },
  };
}

/** A worker template free of blocked primitives. */
export const WORKER_OK = 'export default {\n  async route(request, env) {\n    const v = await env.kv.get("greeting");\n    return new Response(v ?? "hello");\n  },\n};\n';

/** The in-memory repository. */
export class InstallRepo {
  /** URL → served bytes (tests may replace entries). */
  readonly files = new Map<string, Uint8Array>();
  readonly plugins: IndexPlugin[] = [];
  /** Stored manifests: `manifests/<id>/<version>.json` → bytes (what a stored-manifest reader serves). */
  readonly stored = new Map<string, Uint8Array>();
  revocations: RevocationList = {};
  generation = 0;
  now = T0;
  constructor(readonly base = 'https://repo.test') {}

  /** Pack, sign and serve one release; adds it to the plugin entry. */
  addRelease(spec: ReleaseSpec): BuiltRelease {
    const type = spec.type ?? 'system';
    const channel = spec.channel ?? 'stable';
    const d = defaultEntries(type);
    const artifact = spec.artifact ?? packBundleEntries(spec.entries ?? d.entries);
    const json = manifestJSON(spec, sha256Hex(artifact), d.entrypoints);
    spec.manifest?.(json);
    const manifestBytes = signManifestJSON(json, spec.signer ?? 'publisher-acme');
    const manifestUrl = `${this.base}/${spec.plugin}/${spec.version}/manifest.json`;
    const artifactUrl = `${this.base}/${spec.plugin}/${spec.version}/bundle.tar.gz`;
    this.files.set(manifestUrl, manifestBytes);
    this.files.set(artifactUrl, artifact);
    const decoded = decodeManifest(manifestBytes);
    if (!decoded.ok) throw new Error(decoded.message);
    const entry: IndexRelease = {
      version: spec.version,
      channel,
      capabilities: [...(json.capabilities as string[])],
      manifest_url: manifestUrl,
      artifact_url: artifactUrl,
      artifact_sha256: sha256Hex(artifact),
      signature_ed25519: decoded.manifest.signature_ed25519,
      ...(spec.publishedAt ? { published_at: spec.publishedAt } : {}),
      ...(spec.pinManifest === false ? {} : { manifest_sha256: sha256Hex(manifestBytes) }),
    };
    let plugin = this.plugins.find((p) => p.id === spec.plugin);
    if (!plugin) {
      plugin = {
        id: spec.plugin,
        name: `Plugin ${spec.plugin}`,
        publisher: spec.plugin.split('.')[0]!,
        type,
        summary: 'A test plugin.',
        channels: {},
        capabilities: [...(json.capabilities as string[])],
        releases: [],
      };
      this.plugins.push(plugin);
    }
    if (spec.store === true) {
      // What `build` adds (DESIGN §4.5): the stored path and the versions that load it.
      const storedPath = `manifests/${spec.plugin}/${spec.version}.json`;
      this.stored.set(storedPath, manifestBytes);
      entry.stored_manifest = storedPath;
      entry.loads_on = [...manifestLoadability(manifestBytes, { publicKey: publicKeyFromSeed(seedOf(spec.signer ?? 'publisher-acme')) }).loadsOn];
    }
    plugin.releases.push(entry);
    plugin.channels[channel] = spec.version;
    if (channel === 'stable') plugin.latest = spec.version;
    return { manifestBytes, artifact, entry, manifestUrl, artifactUrl };
  }

  /** Build and sign the next index generation. */
  publish(opts: { signers?: string[]; generation?: number; expiresInDays?: number; official?: boolean; mutate?: (doc: Record<string, unknown>) => void } = {}): Uint8Array {
    const generation = opts.generation ?? this.generation + 1;
    this.generation = Math.max(this.generation, generation);
    const doc: Record<string, unknown> = {
      schema: 'lattice.plugin.index.v1',
      generated_at: formatRFC3339UTC(this.now),
      status: 'draft',
      generation,
      expires_at: formatRFC3339UTC(this.now + (opts.expiresInDays ?? 30) * DAY),
      ...(this.stored.size > 0 ? { server_versions: [...SERVER_VERSIONS] } : {}),
      publishers: [
        { id: 'acme', name: 'Acme Plugins', public_key_ed25519: keyB64('publisher-acme') },
        { id: 'evil', name: 'Evil Corp', public_key_ed25519: keyB64('publisher-evil') },
      ],
      plugins: JSON.parse(JSON.stringify(this.plugins)) as unknown,
      ...(Object.keys(this.revocations).length ? { revocations: JSON.parse(JSON.stringify(this.revocations)) as unknown } : {}),
      signatures: [],
    };
    opts.mutate?.(doc);
    let value: unknown = doc;
    let bytes: Uint8Array = UTF8.encode(JSON.stringify(doc, null, 2) + '\n');
    for (const label of opts.signers ?? ['index-ci']) {
      const r = signIndex(value, seedOf(label), { publisher: 'acme', official: opts.official ?? true, now: this.now });
      value = r.index;
      bytes = r.bytes;
    }
    return bytes;
  }

  /**
   * A fetcher serving {@link files}. `ignoreCap` makes it a careless fetcher
   * that streams past the cap (the pipeline must still stop it).
   */
  /** A stored-manifest reader over {@link stored} (what `runInstall` builds from the index source). */
  storedReader(): ((relativePath: string, maxBytes: number) => Promise<Uint8Array | undefined>) & { requests: string[] } {
    const requests: string[] = [];
    const read = async (relativePath: string): Promise<Uint8Array | undefined> => {
      requests.push(relativePath);
      return this.stored.get(relativePath);
    };
    return Object.assign(read, { requests });
  }

  fetcher(opts: { ignoreCap?: boolean; chunkSize?: number } = {}): InstallFetcher & { requests: string[] } {
    const files = this.files;
    const requests: string[] = [];
    return {
      requests,
      async fetch(url: string, req: FetchRequest): Promise<FetchedBody> {
        requests.push(url);
        const bytes = files.get(url);
        if (bytes === undefined) throw fetchError('FETCH_FAILED', `${url}: HTTP 404`);
        if (!opts.ignoreCap && bytes.length > req.maxBytes) throw fetchError('FETCH_TOO_LARGE', `${url}: ${bytes.length} > ${req.maxBytes}`);
        const size = opts.chunkSize ?? 4096;
        return {
          finalUrl: url,
          ...(opts.ignoreCap ? {} : { contentLength: bytes.length }),
          body: (async function* () {
            for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
          })(),
        };
      },
    };
  }
}

/** The test policy document (fail-closed defaults plus a trusted `acme`). */
export function policyDoc(): Record<string, any> {
  return {
    schema: 'lattice.plugin.install-policy.v1',
    index: { trusted_keys: [{ public_key_ed25519: keyB64('index-ci'), label: 'ci' }], threshold: 1, allow_draft: false },
    publishers: {
      acme: { keys: [{ public_key_ed25519: keyB64('publisher-acme') }], max_risk: 'write', channels: ['stable'], types: ['system', 'wasm', 'worker'] },
      '*': { max_risk: 'write', channels: ['stable'], types: ['system', 'wasm', 'worker'] },
    },
    capabilities: { allow: ['*'], deny: ['secret:*'] },
    host: {
      server_version: '0.2.2',
      server_line: 'integration',
      platform: 'linux/amd64',
      runners: ['system', 'wasm', 'worker'],
      sandboxes: ['wasm', 'worker'],
      runtime_protocols: ['stdio-json-v1', 'stdio-json-v2'],
      dashboard_bridge_version: '1',
      dashboard_host_version: '1',
      installed_plugins: {},
      wasm_host_functions: ['lattice.kv_get', 'lattice.log'],
    },
    limits: { max_manifest_bytes: 65536, max_artifact_bytes: 1048576, connect_timeout_ms: 2000, read_timeout_ms: 2000, max_redirects: 2 },
    state_file: 'state.json',
    audit_log: 'audit.log',
  };
}

/** Parse a policy document (throws on problems: a test bug). */
export function policyFrom(doc: Record<string, unknown> = policyDoc()): InstallPolicy {
  const r = parseInstallPolicy({ value: JSON.parse(JSON.stringify(doc)) as unknown });
  if (!r.ok) throw new Error(`test policy invalid: ${JSON.stringify(r.problems)}`);
  return r.policy;
}

/** A temporary directory. */
export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Remove a directory tree. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Every entry under `dir` (relative path → type and content digest), sorted. */
export function snapshotDir(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(path.join(dir, r));
      if (st.isDirectory()) {
        out.push(`${r}/`);
        walk(r);
      } else if (st.isSymbolicLink()) out.push(`${r} -> symlink`);
      else out.push(`${r} ${createHash('sha256').update(readFileSync(path.join(dir, r))).digest('hex')} ${(st.mode & 0o777).toString(8)}`);
    }
  };
  walk('');
  return out;
}

/** A plugin directory with one plugin already installed (so "unchanged" means something). */
export function pluginDirWithExisting(): string {
  const dir = tempDir('lattice-plugins-');
  const existing = path.join(dir, 'acme.other.plugin');
  mkdirSync(existing);
  writeFileSync(path.join(existing, 'manifest.json'), '{"id":"acme.other"}\n');
  writeFileSync(path.join(existing, 'artifact'), 'old artifact\n');
  return dir;
}

/**
 * A minimal wasm module (hand-assembled bytes): imports the given host
 * functions (each `(i32, i32) -> i32`), defines and exports the runner ABI
 * (`memory`, `lattice_alloc`, `lattice_invoke`) unless told to leave parts out.
 */
export function wasmModule(opts: { imports?: [string, string][]; omitExports?: string[]; importMemory?: boolean } = {}): Uint8Array {
  const imports = opts.imports ?? [['lattice', 'kv_get']];
  const omit = new Set(opts.omitExports ?? []);
  const bytes: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const name = (s: string): number[] => [s.length, ...UTF8.encode(s)];
  const section = (id: number, content: number[]): void => {
    bytes.push(id, ...leb(content.length), ...content);
  };
  // type 0: (i32) -> i32 ; type 1: (i32 i32) -> i64 ; type 2: (i32 i32) -> i32
  section(1, [3, 0x60, 1, 0x7f, 1, 0x7f, 0x60, 2, 0x7f, 0x7f, 1, 0x7e, 0x60, 2, 0x7f, 0x7f, 1, 0x7f]);
  const importEntries: number[] = [];
  for (const [m, f] of imports) importEntries.push(...name(m), ...name(f), 0x00, 2);
  let importCount = imports.length;
  if (opts.importMemory) {
    importEntries.push(...name('env'), ...name('memory'), 0x02, 0x00, 0x01);
    importCount++;
  }
  if (importCount > 0) section(2, [importCount, ...importEntries]);
  section(3, [2, 0, 1]); // two functions: alloc (type 0), invoke (type 1)
  if (!opts.importMemory) section(5, [1, 0x00, 0x01]); // one memory, min 1 page
  const fi = imports.length; // function index of alloc
  const exps: number[][] = [];
  if (!omit.has('memory') && !opts.importMemory) exps.push([...name('memory'), 0x02, 0]);
  if (!omit.has('lattice_alloc')) exps.push([...name('lattice_alloc'), 0x00, fi]);
  if (!omit.has('lattice_invoke')) exps.push([...name('lattice_invoke'), 0x00, fi + 1]);
  section(7, [exps.length, ...exps.flat()]);
  const alloc = [0x00, 0x41, 0x80, 0x08, 0x0b]; // i32.const 1024
  const invoke = imports.length > 0
    ? [0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x00, 0x1a, 0x42, 0x00, 0x0b] // call import 0, drop, i64.const 0
    : [0x00, 0x42, 0x00, 0x0b];
  section(10, [2, alloc.length, ...alloc, invoke.length, ...invoke]);
  return Uint8Array.from(bytes);
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** A plugin directory and a policy directory for one test, plus a runner for `runInstall`. */
export class InstallEnv {
  readonly pluginDir = pluginDirWithExisting();
  readonly policyDir = tempDir('lattice-policy-');

  /** Write index bytes to a file in the policy directory; returns its path. */
  indexFile(bytes: Uint8Array, name = 'plugins.json'): string {
    const p = path.join(this.policyDir, name);
    writeFileSync(p, bytes);
    return p;
  }

  /** Store a rollback state. */
  writeState(generation: number, payloadSha256 = 'a'.repeat(64)): void {
    writeFileSync(
      path.join(this.policyDir, 'state.json'),
      JSON.stringify({ schema: 'lattice.plugin.index-state.v1', generation, payload_sha256: payloadSha256, verified_at: '2026-07-01T00:00:00Z' }) + '\n',
    );
  }

  /** The audit log lines (parsed). */
  auditLines(): Record<string, unknown>[] {
    try {
      return readFileSync(path.join(this.policyDir, 'audit.log'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    } catch {
      return [];
    }
  }

  cleanup(): void {
    removeDir(this.pluginDir);
    removeDir(this.policyDir);
  }
}

/** `runInstall` of acme.hello from `index` (as a file) and `repo`, approved, at NOW, in `env`; `extra` overrides. */
export function installAcme(env: InstallEnv, repo: InstallRepo, index: Uint8Array, extra: Partial<RunInstallOptions> = {}): ReturnType<typeof runInstall> {
  return runInstall({
    policy: policyFrom(policyDoc()),
    policyDir: env.policyDir,
    indexSource: env.indexFile(index),
    pluginId: 'acme.hello',
    pluginDir: env.pluginDir,
    fetcher: repo.fetcher({ chunkSize: 1000 }),
    now: NOW,
    approve: () => true,
    approvedBy: 'test',
    ...extra,
  });
}

/** The install was refused with `code` (a `cls` error) at `step`, and the plugin dir is exactly as `before`. */
export async function expectInstallRefused(
  env: InstallEnv,
  before: string[],
  p: ReturnType<typeof runInstall>,
  code: string,
  step: string,
  cls: typeof VerificationError | typeof PolicyError = VerificationError,
): Promise<void> {
  const report = await p;
  expect(report.result.ok, 'expected a refusal').toBe(false);
  if (report.result.ok) return;
  expect(report.result.error).toBeInstanceOf(cls);
  expect(report.result.error.code).toBe(code);
  expect(report.result.steps.at(-1)).toMatchObject({ step, ok: false });
  expect(snapshotDir(env.pluginDir)).toEqual(before);
}

/** The two runner binaries of a system bundle. */
export const bundleBins = () => [file('bin/linux-amd64/plugin', '#!/bin/sh\n'), file('bin/linux-arm64/plugin', '#!/bin/sh\n')];
/** A bundle the inspector refuses (`../` path). */
export const escapingBundle = () => tgz([dir('bin/'), ...bundleBins(), file('../escape', 'x')]);
/** A gzip bomb: a header declaring 1 GiB, then 8 MiB of zeros (compresses to a few KiB). */
export const bombBundle = () => gz(tar([...bundleBins(), headerBlock({ name: 'data/huge', size: 1024 * 1024 * 1024 }), new Uint8Array(8 * 1024 * 1024)], false));

/** `inner`, except that an artifact body fails with FETCH_FAILED after `chunks` chunks (a connection reset mid-download). */
export function breaksAfter(inner: InstallFetcher, chunks: number): InstallFetcher {
  return {
    async fetch(url: string, req: FetchRequest): Promise<FetchedBody> {
      const res = await inner.fetch(url, req);
      if (req.purpose !== 'artifact') return res;
      return {
        ...res,
        body: (async function* () {
          let n = 0;
          for await (const c of res.body) {
            if (++n > chunks) throw fetchError('FETCH_FAILED', `connection reset after ${chunks} chunks`);
            yield c;
          }
        })(),
      };
    },
  };
}
