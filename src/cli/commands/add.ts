/**
 * `lattice-index add --manifest FILE --artifact FILE --manifest-url URL --artifact-url URL [--channel stable|alpha]`
 * — create or update a publisher's plugin entry file from a **verified**
 * manifest.
 *
 * Steps (fail closed, nothing is written unless every step passes):
 * 1. strict-decode the manifest and find its publisher's file
 *    (`index/publishers/<publisher>.json`);
 * 2. verify the manifest as the server would (interop §C.5) with a one-entry
 *    trust policy: that publisher's current `public_key_ed25519`; the
 *    artifact's SHA-256 must equal the manifest digest; unsigned manifests
 *    are refused;
 * 3. build the release (digest, signature, capabilities, type from the
 *    manifest) and apply the publisher rules (src/domain/pr/add-release.ts);
 * 4. check the entry against the manifest, assemble it with the other entry
 *    files and validate the whole index exactly as `lattice-index build`;
 * 5. write the entry file atomically.
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { decodeCanonicalBase64, encodeBase64, goDecodeRawStdThenStd } from '../../core/base64.js';
import { InputError, PolicyError, VerificationError } from '../../core/errors.js';
import type { JSONObject } from '../../core/json/types.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import { INDEX_ID_RE, formatRFC3339UTC, isHttpsUrl, validPluginID } from '../../core/rules.js';
import { SERVER_LINES, type ServerLine } from '../../core/server-line.js';
import { createSha256, sha256Hex } from '../../crypto/index.js';
import { assembleIndex, type EntryFile } from '../../domain/index/assemble.js';
import { checkReleaseAgainstManifest, decodeManifest, verifyDecodedManifest } from '../../domain/manifest/index.js';
import type { ConsistencyPlugin, ConsistencyRelease } from '../../domain/manifest/index.js';
import { addRelease, type NewRelease } from '../../domain/pr/add-release.js';
import { describeFsError, readFileBounded, writeFileAtomic } from '../../io/files.js';
import { buildTime, loadIndexSources, MAX_ENTRY_BYTES } from '../../io/index-sources.js';
import { formatProblem } from '../index-check.js';
import { EXIT, err, out } from '../run.js';

/** Largest manifest read (1 MiB: real manifests are a few KiB). */
const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Largest artifact hashed (1 GiB; streamed, never held in memory). */
const MAX_ARTIFACT_BYTES = 1024 * 1024 * 1024;

interface AddArgs {
  manifest: string;
  artifact: string;
  'manifest-url': string;
  'artifact-url': string;
  channel?: 'stable' | 'alpha';
  'index-dir': string;
  'server-line': ServerLine;
  json: boolean;
}

export const addCommand: CommandModule<object, AddArgs> = {
  command: 'add',
  describe: "Add a release to a plugin entry file (index/plugins/<id>.json) from a manifest verified with its publisher's key",
  builder: (y: Argv) =>
    y
      .option('manifest', { type: 'string', demandOption: true, describe: 'the signed manifest file' })
      .option('artifact', { type: 'string', demandOption: true, describe: 'the artifact file (v2: the .tar.gz bundle)' })
      .option('manifest-url', { type: 'string', demandOption: true, describe: 'HTTPS URL the manifest is published at' })
      .option('artifact-url', { type: 'string', demandOption: true, describe: 'HTTPS URL the artifact is published at' })
      .option('channel', { choices: ['stable', 'alpha'] as const, describe: 'release channel (default: alpha for an -alpha prerelease, else stable)' })
      .option('index-dir', { type: 'string', default: 'index', describe: 'directory holding the entry files' })
      .option('server-line', { choices: SERVER_LINES, default: 'integration' as ServerLine, describe: 'server line whose rules apply' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' }) as unknown as Argv<AddArgs>,
  handler: async (args) => {
    const indexDir = args['index-dir'];
    for (const flag of ['manifest-url', 'artifact-url'] as const) {
      if (!isHttpsUrl(args[flag])) {
        throw new InputError('INPUT_INVALID', `--${flag} must be an https:// URL without userinfo, query or fragment, found ${JSON.stringify(args[flag])}`);
      }
    }
    let now: number;
    try {
      now = buildTime();
    } catch (e) {
      throw new InputError('INPUT_INVALID', (e as Error).message);
    }

    // 1. Decode the manifest and find its publisher.
    const manifestBytes = await readFileBounded(args.manifest, MAX_MANIFEST_BYTES);
    const decoded = decodeManifest(manifestBytes);
    if (!decoded.ok) throw new VerificationError('MANIFEST_DECODE', `${args.manifest}: ${decoded.message}`);
    const m = decoded.manifest;
    if (m.publisher === '') throw new VerificationError('MANIFEST_SIGNATURE_REQUIRED', `${args.manifest}: the manifest names no publisher; only signed manifests can be listed`);
    if (!validPluginID(m.publisher) || !INDEX_ID_RE.test(m.publisher)) {
      throw new VerificationError('MANIFEST_INVALID', `${args.manifest}: publisher ${JSON.stringify(m.publisher)} is not a valid publisher id`);
    }
    const publisherFile = path.join(indexDir, 'publishers', `${m.publisher}.json`);
    const publisher = await readEntry(publisherFile);
    if (publisher === undefined) {
      throw new InputError('INPUT_UNREADABLE', `publisher ${m.publisher} has no file ${publisherFile}; add the publisher first (see CONTRIBUTING.md)`);
    }
    const key = decodeCanonicalBase64(publisher.value.public_key_ed25519, 32);
    if (key === null) throw new InputError('INPUT_INVALID', `${publisherFile}: public_key_ed25519 is not canonical base64 of 32 bytes`);

    // 2. Verify as the server would, trusting exactly this publisher's current key.
    const artifactSha256 = await hashFile(args.artifact);
    const verdict = verifyDecodedManifest(m, { sha256Hex: artifactSha256 }, { trustedPublishers: new Map([[m.publisher, key]]), allowUnsignedHostRisk: false }, { serverLine: args['server-line'] });
    if (!verdict.ok) throw new VerificationError(verdict.code, `${args.manifest}: ${verdict.message}`);
    if (!verdict.signed) throw new VerificationError('MANIFEST_SIGNATURE_REQUIRED', `${args.manifest}: the manifest is not signed; the index lists signed manifests only`);
    const sig = goDecodeRawStdThenStd(m.signature_ed25519);
    if (!sig.ok || sig.bytes.length !== 64) throw new VerificationError('MANIFEST_SIGNATURE_INVALID', `${args.manifest}: signature_ed25519 does not decode to 64 bytes`);

    // 3. The release and the publisher rules.
    if (!validPluginID(m.id) || !INDEX_ID_RE.test(m.id)) throw new VerificationError('MANIFEST_INVALID', `${args.manifest}: plugin id ${JSON.stringify(m.id)} is not a valid index id`);
    const pluginFile = path.join(indexDir, 'plugins', `${m.id}.json`);
    const current = await readEntry(pluginFile);
    const input: NewRelease = {
      pluginId: m.id,
      name: m.name,
      publisher: m.publisher,
      type: m.type,
      version: m.version,
      capabilities: m.capabilities ?? [],
      ...(args.channel !== undefined ? { channel: args.channel } : {}),
      manifestUrl: args['manifest-url'],
      artifactUrl: args['artifact-url'],
      artifactSha256: artifactSha256.toLowerCase(),
      manifestSha256: sha256Hex(manifestBytes),
      signature: encodeBase64(sig.bytes),
      publishedAt: formatRFC3339UTC(now),
    };
    const added = addRelease(current?.value, input);
    if (!added.ok) throw new PolicyError('PR_RULE', `${pluginFile}: ${added.message} [${added.rule}]`);

    // 4. The entry describes exactly this manifest, and the whole index still validates.
    const mismatch = checkReleaseAgainstManifest(added.plugin as unknown as ConsistencyPlugin, added.release as unknown as ConsistencyRelease, m, { releaseIndex: 0 });
    if (mismatch.length > 0) throw new VerificationError('MANIFEST_INDEX_MISMATCH', `${pluginFile}: ${mismatch[0]!.message}`);
    const text = JSON.stringify(added.plugin, null, 2) + '\n';
    const { sources, problems: readProblems } = await loadIndexSources(indexDir);
    const shown = path.relative(process.cwd(), path.resolve(pluginFile)).split(path.sep).join('/');
    const entry: EntryFile = { path: shown, text, value: added.plugin };
    const others = sources.plugins.filter((f) => path.resolve(f.path) !== path.resolve(pluginFile));
    const result = assembleIndex({ ...sources, plugins: [...others, entry] }, { now, serverLine: args['server-line'] });
    const problems = [...readProblems, ...result.problems];
    if (problems.length > 0) {
      for (const p of problems) err(formatProblem(p.file, p));
      err(`lattice-index: add refused: ${problems.length} problem(s); ${pluginFile} was not written`);
      process.exitCode = EXIT.INVALID;
      return;
    }

    // 5. Write atomically.
    await writeFileAtomic(pluginFile, text);
    const summary = {
      ok: true,
      file: pluginFile,
      created: added.created,
      plugin: m.id,
      version: m.version,
      channel: added.release.channel,
      artifact_sha256: input.artifactSha256,
      manifest_sha256: input.manifestSha256,
    };
    if (args.json) out(JSON.stringify(summary, null, 2));
    else out(`${pluginFile}: ${added.created ? 'created' : 'updated'} — ${m.id} ${m.version} on ${String(added.release.channel)} (verified with ${m.publisher}'s key)`);
  },
};

/** Read and strictly parse an entry file; `undefined` when it does not exist. */
async function readEntry(file: string): Promise<{ value: JSONObject } | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFileBounded(file, MAX_ENTRY_BYTES);
  } catch (e) {
    if (e instanceof InputError && e.code === 'INPUT_UNREADABLE' && /no such file/.test(e.message)) return undefined;
    throw e;
  }
  const r = parseJSONStrict(bytes, { maxBytes: MAX_ENTRY_BYTES });
  if (!r.ok) throw new InputError('INPUT_INVALID', `${file}:${r.error.line}:${r.error.column}: not valid JSON: ${r.error.message}`);
  if (r.value === null || typeof r.value !== 'object' || Array.isArray(r.value)) throw new InputError('INPUT_INVALID', `${file}: expected a JSON object`);
  return { value: r.value };
}

/** SHA-256 of a file, streamed, with a size cap. */
async function hashFile(file: string): Promise<string> {
  const h = createSha256();
  let size = 0;
  try {
    for await (const chunk of createReadStream(file)) {
      size += (chunk as Buffer).length;
      if (size > MAX_ARTIFACT_BYTES) throw new InputError('INPUT_INVALID', `${file}: larger than ${MAX_ARTIFACT_BYTES} bytes`);
      h.update(chunk as Buffer);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('INPUT_UNREADABLE', `cannot read ${file}: ${describeFsError(e)}`);
  }
  return h.digestHex();
}
