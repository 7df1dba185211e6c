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
import { InputError, LatticeIndexError, VerificationError } from '../../core/errors.js';
import { goQuote } from '../../core/go-quote.js';
import { inspectBundle, TRAILING_INSPECT_CAP, type BundleInspection, type InspectBundleOptions } from '../../io/bundle.js';
import { MANIFEST_SCHEMA_V2 } from '../../domain/manifest/index.js';
import { packBundleDirectory } from '../../io/bundle-dir.js';
import { checkOutputPath, describeFsError, openInputFile, writeFileAtomic } from '../../io/files.js';
import { err, EXIT, out, outJSON } from '../run.js';
import { defineCommand, type CommandGroupSpec } from '../spec.js';
import { hashArtifactFile, readManifestFile } from '../inputs.js';

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

const inspectCommand = defineCommand<InspectArgs>({
  name: 'bundle inspect',
  describe: "List a .tar.gz bundle's entries and SHA-256s, applying the server's archive rules (ExtractBundleV2)",
  positionals: [
    { name: 'file', describe: 'the bundle (.tar.gz)' },
  ],
  options: {
    platform: {
        type: 'string',
        value: 'OS/ARCH',
        describe:
          'server platform <goos>/<goarch>: its runtime entrypoint must be a file of the bundle ' +
          '(from --manifest; without it, the convention bin/<goos>-<goarch>/plugin). Default with --manifest: linux/amd64',
      },
    manifest: {
        type: 'string',
        value: 'FILE',
        describe: 'the manifest: take the runtime and ui entrypoints from it and compare bundle.digest_sha256 with the bundle',
      },
    json: { type: 'boolean', default: false, describe: 'print the result as JSON' },
  },
  epilog: 'Exit 0 the server would accept the archive; 1 with the server\'s message for the first broken rule; 2 usage or unreadable input.',
  run: async (args) => {
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
      outJSON({
        ok: true,
        file: args.file,
        digest_sha256: result.digestSha256Hex,
        compressed_bytes: result.compressedBytes,
        expanded_bytes: result.expandedBytes,
        files: result.files,
        runtime_entrypoint: opts.runtimeEntrypoint ?? null,
        ui_entrypoint: opts.uiEntrypoint ?? null,
        entries: result.entries.map((e) => ({ path: e.path, type: e.type, size: e.size, mode: `0${e.mode.toString(8)}`, sha256: e.sha256Hex })),
        stricter_than_server: {
          setid_entries: result.stricter.setIdEntries.map((e) => ({ path: e.path, mode: `0${e.mode.toString(8)}` })),
          case_collisions: result.stricter.caseCollisions,
          trailing_bytes: result.stricter.trailingBytes,
          trailing_non_zero_bytes: result.stricter.trailingNonZeroBytes,
          install_refuses: stricterNotes(result).length > 0,
        },
      });
      return;
    }
    out(`${args.file}: ok, ${result.entries.length} entries (${result.files} files, ${result.expandedBytes} bytes expanded, ${result.compressedBytes} compressed)`);
    out(`digest_sha256: ${result.digestSha256Hex}`);
    if (opts.runtimeEntrypoint !== undefined) out(`runtime entrypoint: ${opts.runtimeEntrypoint} (present)`);
    if (opts.uiEntrypoint !== undefined) out(`ui entrypoint: ${opts.uiEntrypoint} (present)`);
    for (const e of result.entries) {
      out(e.type === 'file' ? `file ${String(e.size).padStart(10)} ${e.sha256Hex} ${e.path}` : `dir  ${'-'.padStart(10)} ${'-'.padEnd(64)} ${e.path}/`);
    }
    // The server accepts these (exit 0, parity); `install` refuses them by default.
    for (const note of stricterNotes(result)) err(`lattice-index: note: ${note} — the server accepts this, but install refuses it by default (stricter than the server; policy "archive")`);
  },
});

/** What an install policy's archive rules would refuse in an accepted bundle, one line each. */
function stricterNotes(r: Extract<BundleInspection, { ok: true }>): string[] {
  const notes: string[] = [];
  for (const e of r.stricter.setIdEntries) notes.push(`${goQuote(e.path)} has mode 0${e.mode.toString(8)} (setuid, setgid or sticky) [BUNDLE_SETID_MODE]`);
  for (const [a, b] of r.stricter.caseCollisions) notes.push(`${goQuote(a)} and ${goQuote(b)} collide when case-folded [BUNDLE_CASE_COLLISION]`);
  if (r.stricter.trailingNonZeroBytes > 0 || r.stricter.trailingBytes > TRAILING_INSPECT_CAP) {
    notes.push(`${r.stricter.trailingNonZeroBytes > 0 ? `${r.stricter.trailingNonZeroBytes} non-zero byte(s)` : `more than ${TRAILING_INSPECT_CAP} bytes`} after the tar end-of-archive marker [BUNDLE_TRAILING_DATA]`);
  }
  return notes;
}

/** Inspect a bundle file, streamed (bounded by the compressed-size limit). */
async function inspectFile(file: string, opts: InspectBundleOptions): Promise<BundleInspection> {
  // §D.6 step 1: the artifact must be a regular file (openInputFile refuses anything else at once).
  const { handle } = await openInputFile(file, 'bundle');
  try {
    return await inspectBundle(handle.createReadStream({ autoClose: false }), opts);
  } catch (e) {
    if (e instanceof LatticeIndexError) throw e;
    throw new InputError('INPUT_UNREADABLE', `cannot read ${file}: ${describeFsError(e)}`);
  } finally {
    await handle.close().catch(() => {});
  }
}

/** Report a rule failure: JSON on stdout with --json, else the one-line error. */
function fail(args: InspectArgs, code: 'BUNDLE_INVALID' | 'BUNDLE_TOO_LARGE' | 'MANIFEST_DIGEST_MISMATCH', message: string): void {
  if (args.json) outJSON({ ok: false, file: args.file, code, message, exit: EXIT.INVALID });
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

const packCommand = defineCommand<PackArgs>({
  name: 'bundle pack',
  describe: 'Pack a directory into a deterministic .tar.gz bundle (sorted, uid/gid 0, mtime 0, modes 0700/0600)',
  positionals: [
    { name: 'dir', describe: 'bundle root, e.g. holding bin/linux-amd64/plugin and ui/index.html' },
  ],
  options: {
    out: { type: 'string', value: 'FILE', required: true, describe: 'the bundle file to write (atomically)' },
    force: { type: 'boolean', default: false, describe: 'replace an existing --out file' },
    json: { type: 'boolean', default: false, describe: 'print the result as JSON' },
  },
  epilog: 'Layout of the official packer (interop §D.6): entries sorted by path, directories written explicitly with a ' +
          'trailing /, uid/gid 0, mtime 0, mode 0700 for directories and bin/**/plugin, 0600 otherwise, gzip level 9 ' +
          'with header mtime 0. Only regular files and directories are packed: a symlink, device, FIFO or socket in DIR ' +
          'is refused. The tar stream is reproducible everywhere; the gzip bytes come from Node\'s zlib, so they differ ' +
          'from the Go packer\'s (the digest is over the bytes you ship).',
  run: async (args) => {
    if ((await checkOutputPath(args.out)) && !args.force) {
      throw new InputError('OUTPUT_EXISTS', `refusing to overwrite existing file ${args.out} (pass --force)`);
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
    await writeFileAtomic(args.out, bundle, { exclusive: !args.force });
    if (args.json) {
      outJSON({
        ok: true,
        file: args.out,
        sha256: inspected.digestSha256Hex,
        bytes: bundle.length,
        entries: inspected.entries.length,
        files: inspected.files,
        expanded_bytes: inspected.expandedBytes,
      });
      return;
    }
    out(`${args.out}: ${bundle.length} bytes, ${inspected.entries.length} entries (${inspected.files} files)`);
    out(`sha256: ${inspected.digestSha256Hex}`);
  },
});

// ---------------------------------------------------------------------------
// the group
// ---------------------------------------------------------------------------

/** `lattice-index bundle <inspect|pack>`. */
export const bundleCommand: CommandGroupSpec = {
  name: 'bundle',
  describe: '',
  subcommands: [inspectCommand, packCommand],
};
