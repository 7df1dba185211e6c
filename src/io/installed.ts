/**
 * The installed plugins as they are on disk, and the approval records of
 * the audit log (issue 15; judged by `src/domain/install/installed.ts`).
 *
 * Every `<dir>/<id>.plugin/` whose name is a valid plugin id is read:
 * `manifest.json` (bounded by the policy's manifest limit) and the SHA-256 of
 * the bytes of both files, the artifact read in 1 MiB pieces into one
 * reused buffer (never held in memory). Dot-names (stages, parked
 * installations, the keep directory) are not installations.
 *
 * @module
 */
import { closeSync, constants as fsConstants, fstatSync, lstatSync, openSync, promises as fs, readSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.js';
import { validPluginID } from '../core/rules.js';
import { createEd25519NodeVerifier, createSha256Node } from '../crypto/node.js';
import type { InstalledFiles } from '../domain/install/installed.js';
import { describeFsError, readFileBounded, readFileBoundedSync } from './files.js';
import { ARTIFACT_FILE, MANIFEST_FILE, PLUGIN_DIR_SUFFIX } from './placement.js';

/**
 * The Ed25519 verifier the io layer injects into the pure judge: OpenSSL
 * (Go's verdicts, tested on every vector), each key imported once.
 *
 * @returns a verifier.
 */
export function nodeEd25519Verifier(): (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean {
  return createEd25519NodeVerifier();
}

/** Largest audit log read (a log past it is refused, never read in part). */
export const MAX_AUDIT_LOG_BYTES = 256 * 1024 * 1024;

/** Options of {@link readInstalledPlugins}. */
export interface ReadInstalledOptions {
  maxManifestBytes: number;
  maxArtifactBytes: number;
  /** Only this id (e.g. `upgrade ID`). */
  only?: string;
}

/**
 * Read every installation in the plugin directory.
 *
 * @param pluginDir - the plugin directory.
 * @param opts - limits, filter.
 * @returns installations sorted by id; a missing file reads as `''` digest.
 * @throws {InputError} `INPUT_UNREADABLE` when the directory cannot be listed.
 * @example
 * ```ts
 * const installed = await readInstalledPlugins(dir, { maxManifestBytes: 1 << 20, maxArtifactBytes: 64 << 20 });
 * ```
 */
export async function readInstalledPlugins(pluginDir: string, opts: ReadInstalledOptions): Promise<InstalledFiles[]> {
  let names: string[];
  try {
    names = await fs.readdir(pluginDir);
  } catch (e) {
    throw new InputError('INPUT_UNREADABLE', `cannot list ${pluginDir}: ${describeFsError(e)}`);
  }
  const ids = names
    .filter((n) => n.endsWith(PLUGIN_DIR_SUFFIX))
    .map((n) => n.slice(0, -PLUGIN_DIR_SUFFIX.length))
    .filter((id) => validPluginID(id) && (opts.only === undefined || id === opts.only))
    .sort();
  // Synchronous reads into one reused buffer: over hundreds of files the
  // promise API's thread-pool round trips and per-chunk buffers cost more
  // than the hashing (measured in bench/installed.bench.mjs).
  const buf = Buffer.allocUnsafe(HASH_BUFFER);
  const out: InstalledFiles[] = [];
  for (const id of ids) {
    const dir = path.join(pluginDir, `${id}${PLUGIN_DIR_SUFFIX}`);
    try {
      if (!lstatSync(dir).isDirectory()) continue;
    } catch {
      continue; // gone meanwhile
    }
    out.push(readOneSync(dir, id, opts, buf));
  }
  return out;
}

const HASH_BUFFER = 1024 * 1024;

/**
 * Read one installation directory (`<dir>/<id>.plugin` or a kept release).
 *
 * @param dir - the directory holding `manifest.json` and `artifact`.
 * @param id - the plugin id.
 * @param opts - limits.
 * @returns the files' digests; `undefined` when `dir` is not a directory.
 */
export async function readInstallation(dir: string, id: string, opts: Pick<ReadInstalledOptions, 'maxManifestBytes' | 'maxArtifactBytes'>): Promise<InstalledFiles | undefined> {
  try {
    const st = await fs.lstat(dir);
    if (!st.isDirectory()) return undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError('INPUT_UNREADABLE', `cannot read ${dir}: ${describeFsError(e)}`);
  }
  return readOneSync(dir, id, opts, Buffer.allocUnsafe(HASH_BUFFER));
}

function readOneSync(dir: string, id: string, opts: Pick<ReadInstalledOptions, 'maxManifestBytes' | 'maxArtifactBytes'>, buf: Buffer): InstalledFiles {
  let manifestBytes: Uint8Array | undefined;
  try {
    manifestBytes = readFileBoundedSync(path.join(dir, MANIFEST_FILE), opts.maxManifestBytes, 'installed manifest');
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    manifestBytes = undefined; // missing, not a regular file, or over the limit: judged as modified
  }
  const artifact = hashRegularFileSync(path.join(dir, ARTIFACT_FILE), opts.maxArtifactBytes, buf);
  return {
    id,
    path: dir,
    manifestBytes,
    manifestSha256: manifestBytes === undefined ? '' : sha256HexNode(manifestBytes),
    artifactSha256: artifact?.sha256 ?? '',
    artifactBytes: artifact?.size ?? 0,
  };
}

/** SHA-256 of bytes in memory with OpenSSL (hundreds of manifests: the pure one-shot costs more than reading them). */
function sha256HexNode(bytes: Uint8Array): string {
  const h = createSha256Node();
  h.update(bytes);
  return h.digestHex();
}

/** SHA-256 of a regular file (never through a symlink, never past `maxBytes`), read into `buf`; `undefined` when it cannot be. */
function hashRegularFileSync(file: string, maxBytes: number, buf: Buffer): { sha256: string; size: number } | undefined {
  let fd: number;
  try {
    fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const h = createSha256Node();
    let size = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      size += n;
      if (size > maxBytes) return undefined;
      h.update(buf.subarray(0, n));
    }
    return { sha256: h.digestHex(), size };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The audit log, parsed. */
export interface AuditLogRead {
  /** The records, in log order. */
  records: unknown[];
  /** Lines that are not JSON objects (a torn or edited log), 1-based. */
  damagedLines: number[];
  /** False when there is no log yet. */
  exists: boolean;
}

/**
 * Read the audit log (JSON lines).
 *
 * @param file - the audit log path.
 * @returns the records and the damaged lines.
 * @throws {InputError} when the log is unreadable or larger than {@link MAX_AUDIT_LOG_BYTES}.
 */
export async function readAuditLog(file: string): Promise<AuditLogRead> {
  let bytes: Uint8Array;
  try {
    bytes = await readFileBounded(file, MAX_AUDIT_LOG_BYTES, 'audit log');
  } catch (e) {
    if (e instanceof InputError && e.code === 'INPUT_NOT_FOUND') return { records: [], damagedLines: [], exists: false };
    throw e;
  }
  const records: unknown[] = [];
  const damagedLines: number[] = [];
  const lines = new TextDecoder().decode(bytes).split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const v = JSON.parse(line) as unknown;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) damagedLines.push(i + 1);
      else records.push(v);
    } catch {
      damagedLines.push(i + 1);
    }
  });
  return { records, damagedLines, exists: true };
}

/**
 * The manifests of every installation (no artifact is read): for the
 * dependency check of `remove`.
 *
 * @param pluginDir - the plugin directory.
 * @param maxManifestBytes - the manifest cap.
 * @returns id → manifest bytes (`undefined`: missing or unreadable).
 */
export async function readInstalledManifests(pluginDir: string, maxManifestBytes: number): Promise<Map<string, Uint8Array | undefined>> {
  let names: string[];
  try {
    names = await fs.readdir(pluginDir);
  } catch (e) {
    throw new InputError('INPUT_UNREADABLE', `cannot list ${pluginDir}: ${describeFsError(e)}`);
  }
  const out = new Map<string, Uint8Array | undefined>();
  for (const n of names.sort()) {
    if (!n.endsWith(PLUGIN_DIR_SUFFIX)) continue;
    const id = n.slice(0, -PLUGIN_DIR_SUFFIX.length);
    if (!validPluginID(id)) continue;
    try {
      out.set(id, await readFileBounded(path.join(pluginDir, n, MANIFEST_FILE), maxManifestBytes, 'installed manifest'));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      out.set(id, undefined);
    }
  }
  return out;
}
