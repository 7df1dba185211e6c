/**
 * `lattice-index bundle <inspect|pack>` — v2 plugin bundles (`tar+gzip`,
 * interop §D.6):
 *
 * - `inspect FILE` — the server's archive rules (`ExtractBundleV2`) without
 *   extracting: lists the entries with their SHA-256, or exits 1 with the
 *   server's exact message for the first rule the bundle breaks;
 * - `pack DIR --out FILE` — the deterministic packer of the official
 *   `tools/pluginpack` (sorted entries, explicit directories, uid/gid 0,
 *   mtime 0, modes 0700/0600, gzip level 9); symlinks and special files in
 *   DIR are refused, never followed.
 *
 * @module
 */
import { createReadStream, promises as fs } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { InputError, LatticeIndexError, VerificationError } from '../../core/errors.js';
import { goQuote } from '../../core/go-quote.js';
import { inspectBundle, type BundleInspection, type InspectBundleOptions } from '../../domain/bundle/index.js';
import { MANIFEST_SCHEMA_V2 } from '../../domain/manifest/index.js';
import { packBundleDirectory } from '../../io/bundle-dir.js';
import { describeFsError, writeFileAtomic } from '../../io/files.js';
import { EXIT, out } from '../run.js';
import { hashArtifactFile, readManifestFile } from './manifest.js';

/** A runtime platform key (§D.2): `<goos>/<goarch>`. */
const PLATFORM_RE = /^[a-z0-9]+\/[a-z0-9][a-z0-9_]*$/;

// ---------------------------------------------------------------------------
// bundle inspect
// ---------------------------------------------------------------------------

interface InspectArgs {
  file: string;
  platform?: string;
  manifest?: string;
  json: boolean;
}

const inspectCommand: CommandModule<object, InspectArgs> = {
  command: 'inspect <file>',
  describe: "List a .tar.gz bundle's entries and SHA-256s, applying the server's archive rules (ExtractBundleV2)",
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'the bundle (.tar.gz)' })
      .option('platform', {
        type: 'string',
        describe:
          'server platform <goos>/<goarch>: its runtime entrypoint must be a file of the bundle ' +
          '(from --manifest; without it, the convention bin/<goos>-<goarch>/plugin). Default with --manifest: linux/amd64',
      })
      .option('manifest', {
        type: 'string',
        describe: 'the manifest: take the runtime and ui entrypoints from it and compare bundle.digest_sha256 with the bundle',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
      .epilogue('Exit 0 the server would accept the archive; 1 with the server\'s message for the first broken rule; 2 usage or unreadable input.') as unknown as Argv<InspectArgs>,
  handler: async (args) => {
    if (args.platform !== undefined && !PLATFORM_RE.test(args.platform)) {
      throw new InputError('INPUT_INVALID', `--platform must look like linux/amd64 (<goos>/<goarch>), found ${goQuote(args.platform)}`);
    }
    const opts: { -readonly [K in keyof InspectBundleOptions]: InspectBundleOptions[K] } = {};
    let manifestDigest: string | undefined;
    if (args.manifest !== undefined) {
      const { manifest: m } = await readManifestFile(args.manifest);
      if (m.schema !== MANIFEST_SCHEMA_V2 || m.runtime === null) {
        throw new VerificationError('MANIFEST_INVALID', `${args.manifest}: not a v2 manifest with a runtime; only v2 manifests have bundles`);
      }
      const platform = args.platform ?? 'linux/amd64';
      const entry = m.runtime.entrypoints?.get(platform);
      // §D.6 step 3 (server message, §D.2).
      if (entry === undefined) throw new VerificationError('BUNDLE_INVALID', `manifest has no runtime entrypoint for platform ${goQuote(platform)}`);
      opts.runtimeEntrypoint = entry;
      if (m.ui_runtime !== null) opts.uiEntrypoint = m.ui_runtime.entrypoint;
      manifestDigest = m.bundle?.digest_sha256;
    } else if (args.platform !== undefined) {
      // The packer's layout convention (§D.2): bin/<goos>-<goarch>/plugin.
      opts.runtimeEntrypoint = `bin/${args.platform.replace('/', '-')}/plugin`;
    }

    if (manifestDigest !== undefined) {
      // §D.6 step 2: the server compares the digest before it opens the archive (§C.5 step 3 text).
      const got = await hashArtifactFile(args.file);
      if (manifestDigest.toLowerCase() !== got) return fail(args, 'MANIFEST_DIGEST_MISMATCH', `digest mismatch: got ${got}`);
    }
    const result = await inspectFile(args.file, opts);
    if (!result.ok) return fail(args, result.code, result.message);

    if (args.json) {
      out(JSON.stringify({
        ok: true,
        file: args.file,
        digest_sha256: result.digestSha256Hex,
        compressed_bytes: result.compressedBytes,
        expanded_bytes: result.expandedBytes,
        files: result.files,
        runtime_entrypoint: opts.runtimeEntrypoint ?? null,
        ui_entrypoint: opts.uiEntrypoint ?? null,
        entries: result.entries.map((e) => ({ path: e.path, type: e.type, size: e.size, sha256: e.sha256Hex })),
      }, null, 2));
      return;
    }
    out(`${args.file}: ok, ${result.entries.length} entries (${result.files} files, ${result.expandedBytes} bytes expanded, ${result.compressedBytes} compressed)`);
    out(`digest_sha256: ${result.digestSha256Hex}`);
    if (opts.runtimeEntrypoint !== undefined) out(`runtime entrypoint: ${opts.runtimeEntrypoint} (present)`);
    if (opts.uiEntrypoint !== undefined) out(`ui entrypoint: ${opts.uiEntrypoint} (present)`);
    for (const e of result.entries) {
      out(e.type === 'file' ? `file ${String(e.size).padStart(10)} ${e.sha256Hex} ${e.path}` : `dir  ${'-'.padStart(10)} ${'-'.padEnd(64)} ${e.path}/`);
    }
  },
};

/** Inspect a bundle file, streamed (bounded by the compressed-size limit). */
async function inspectFile(file: string, opts: InspectBundleOptions): Promise<BundleInspection> {
  try {
    const st = await fs.stat(file);
    // §D.6 step 1: the artifact must be a regular file.
    if (!st.isFile()) throw new InputError('INPUT_UNREADABLE', `cannot read ${file}: expected a regular file`);
    return await inspectBundle(createReadStream(file), opts);
  } catch (e) {
    if (e instanceof LatticeIndexError) throw e;
    throw new InputError('INPUT_UNREADABLE', `cannot read ${file}: ${describeFsError(e)}`);
  }
}

/** Report a rule failure: JSON on stdout with --json, else the one-line error. */
function fail(args: InspectArgs, code: 'BUNDLE_INVALID' | 'BUNDLE_TOO_LARGE' | 'MANIFEST_DIGEST_MISMATCH', message: string): void {
  if (args.json) {
    out(JSON.stringify({ ok: false, file: args.file, code, error: message }, null, 2));
    process.exitCode = EXIT.INVALID;
    return;
  }
  throw new VerificationError(code, message);
}

// ---------------------------------------------------------------------------
// bundle pack
// ---------------------------------------------------------------------------

interface PackArgs {
  dir: string;
  out: string;
  force: boolean;
  json: boolean;
}

const packCommand: CommandModule<object, PackArgs> = {
  command: 'pack <dir>',
  describe: 'Pack a directory into a deterministic .tar.gz bundle (sorted, uid/gid 0, mtime 0, modes 0700/0600)',
  builder: (y: Argv) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'bundle root, e.g. holding bin/linux-amd64/plugin and ui/index.html' })
      .option('out', { type: 'string', demandOption: true, describe: 'the bundle file to write (atomically)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace an existing --out file' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
      .epilogue(
        'Layout of the official packer (interop §D.6): entries sorted by path, directories written explicitly with a ' +
          'trailing /, uid/gid 0, mtime 0, mode 0700 for directories and bin/**/plugin, 0600 otherwise, gzip level 9 ' +
          'with header mtime 0. Only regular files and directories are packed: a symlink, device, FIFO or socket in DIR ' +
          'is refused. The tar stream is reproducible everywhere; the gzip bytes come from Node\'s zlib, so they differ ' +
          'from the Go packer\'s (the digest is over the bytes you ship).',
      ) as unknown as Argv<PackArgs>,
  handler: async (args) => {
    if (!args.force && (await exists(args.out))) {
      throw new InputError('INPUT_INVALID', `refusing to overwrite existing file ${args.out} (pass --force)`);
    }
    let bundle: Uint8Array;
    try {
      bundle = await packBundleDirectory(args.dir);
    } catch (e) {
      if (e instanceof LatticeIndexError) throw e;
      throw new InputError('INPUT_UNREADABLE', `cannot read bundle source ${args.dir}: ${describeFsError(e)}`);
    }
    // The packer guarantees this; check it anyway before anything is written.
    const inspected = await inspectBundle(bundle);
    if (!inspected.ok) throw new VerificationError(inspected.code, `packed bundle fails inspection: ${inspected.message}`);
    try {
      await writeFileAtomic(args.out, bundle, { exclusive: !args.force });
    } catch (e) {
      if (e instanceof InputError && e.code === 'KEY_FILE_EXISTS') {
        throw new InputError('INPUT_INVALID', `refusing to overwrite existing file ${args.out} (pass --force)`);
      }
      throw e;
    }
    if (args.json) {
      out(JSON.stringify({
        ok: true,
        file: args.out,
        sha256: inspected.digestSha256Hex,
        bytes: bundle.length,
        entries: inspected.entries.length,
        files: inspected.files,
        expanded_bytes: inspected.expandedBytes,
      }, null, 2));
      return;
    }
    out(`${args.out}: ${bundle.length} bytes, ${inspected.entries.length} entries (${inspected.files} files)`);
    out(`sha256: ${inspected.digestSha256Hex}`);
  },
};

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// the group
// ---------------------------------------------------------------------------

/** `lattice-index bundle <inspect|pack>`. */
export const bundleCommand: CommandModule<object, object> = {
  command: 'bundle <command>',
  describe: 'Lattice v2 plugin bundles (.tar.gz): inspect with the server\'s rules, pack deterministically',
  builder: (y: Argv) =>
    y.command(inspectCommand).command(packCommand).demandCommand(1, 'expected a bundle subcommand: inspect or pack'),
  handler: () => {},
};
