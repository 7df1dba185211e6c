/**
 * `lattice-index add --manifest FILE --artifact FILE --manifest-url URL --artifact-url URL [--channel stable|alpha] [--notes FILE]`
 * — create or update a publisher's plugin entry file from a **verified**
 * manifest.
 *
 * Steps (fail closed, nothing is written unless every step passes):
 * 0. read the release notes (`--notes`), if given: UTF-8 catalog Markdown that
 *    renders as written (src/domain/pr/markdown-rules.ts), stored as the
 *    release's `notes_md` — notes are immutable once published;
 * 1. strict-decode the manifest and find its publisher's file
 *    (`index/publishers/<publisher>.json`);
 * 2. verify the manifest as the server would (interop §C.5) with a one-entry
 *    trust policy: that publisher's current `public_key_ed25519`; the
 *    artifact's SHA-256 must equal the manifest digest; unsigned manifests
 *    are refused;
 * 3. build the release (digest, signature, capabilities, type from the
 *    manifest) and apply the publisher rules (src/domain/pr/add-release.ts);
 * 4. check the entry against the manifest, assemble it with the other entry
 *    files and the stored manifests (this one included) and validate the
 *    whole index exactly as `lattice-index build`, loadability matrix included;
 * 5. store the signed manifest — its exact bytes — at
 *    `index/manifests/<id>/<version>.json` (never overwriting different
 *    bytes: a stored manifest is immutable), then write the entry file
 *    atomically.
 *
 * Which server version verifies: the one named with `--server-line` /
 * `--server-version`; without either, the newest known version that accepts
 * the manifest (the `integration` alias first), so a release that only some
 * versions load can still be listed — its matrix says which (DESIGN §4.5).
 *
 * @module
 */
import path from 'node:path';
import { decodeCanonicalBase64, encodeBase64, goDecodeRawStdThenStd } from '../../core/base64.js';
import { InputError, PolicyError, VerificationError } from '../../core/errors.js';
import type { JSONObject } from '../../core/json/types.js';
import { RELEASE_CHANNELS } from '../../core/index/types.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import { INDEX_ID_RE, formatRFC3339UTC, isHttpsUrl, validPluginID } from '../../core/rules.js';
import { SERVER_VERSIONS, serverRules, type ServerRules } from '../../core/server-line.js';
import { storedManifestPath } from '../../core/index/stored-manifest.js';
import { sha256Hex } from '../../crypto/index.js';
import { assembleIndex, type EntryFile } from '../../domain/index/assemble.js';
import { checkReleaseAgainstManifest, decodeManifest, verifyDecodedManifest, type Manifest, type VerifyManifestResult } from '../../domain/manifest/index.js';
import type { ConsistencyPlugin, ConsistencyRelease } from '../../domain/manifest/index.js';
import { addRelease, type NewRelease } from '../../domain/pr/add-release.js';
import { prepareReleaseNotes } from '../../domain/pr/markdown-rules.js';
import { NOTES_MD_MAX_BYTES } from '../../core/limits.js';
import { checkOutputPath, readFileBounded, writeFileAtomic } from '../../io/files.js';
import { hashArtifactFile, readManifestFile } from '../inputs.js';
import { buildTime, loadIndexSources, MAX_ENTRY_BYTES } from '../../io/index-sources.js';
import { formatProblem } from '../index-check.js';
import { cliEnv, err, EXIT, out, outJSON, setExitCode } from '../run.js';
import { defineCommand } from '../spec.js';
import { SERVER_RULES_CONFLICT, SERVER_RULES_OPTIONS, serverRulesFromArgs, serverRulesGiven, type ServerRulesArgs } from '../server-version.js';
import { promises as fs } from 'node:fs';


interface AddArgs extends ServerRulesArgs {
  manifest: string;
  artifact: string;
  'manifest-url': string;
  'artifact-url': string;
  channel?: 'stable' | 'alpha';
  notes?: string;
  'index-dir': string;
  json: boolean;
}

export const addCommand = defineCommand<AddArgs>({
  name: 'add',
  options: {
    manifest: { type: 'string', value: 'FILE', required: true, describe: 'the signed manifest file' },
    artifact: { type: 'string', value: 'FILE', required: true, describe: 'the artifact file (v2: the .tar.gz bundle)' },
    'manifest-url': { type: 'string', value: 'URL', required: true, describe: 'HTTPS URL the manifest is published at' },
    'artifact-url': { type: 'string', value: 'URL', required: true, describe: 'HTTPS URL the artifact is published at' },
    channel: { type: 'string', choices: RELEASE_CHANNELS, describe: 'release channel (default: alpha for an -alpha prerelease, else stable)' },
    notes: { type: 'string', value: 'FILE', describe: `release notes: a UTF-8 Markdown file (at most ${NOTES_MD_MAX_BYTES} bytes) stored as the release's notes_md` },
    'index-dir': { type: 'string', value: 'DIR', default: 'index', describe: 'directory holding the entry files' },
    ...SERVER_RULES_OPTIONS,
    json: { type: 'boolean', default: false, describe: 'print the result as JSON' },
  },
  conflicts: [SERVER_RULES_CONFLICT],
  run: async (args) => {
    // The versions to verify with: the one named, else every known version, the default alias first.
    const named = serverRulesGiven(args) ? serverRulesFromArgs(args) : undefined;
    const candidates: ServerRules[] = named !== undefined ? [named] : addOrder();
    const indexDir = args['index-dir'];
    for (const flag of ['manifest-url', 'artifact-url'] as const) {
      if (!isHttpsUrl(args[flag])) {
        throw new InputError('INPUT_INVALID', `--${flag} must be an https:// URL without userinfo, query or fragment, found ${JSON.stringify(args[flag])}`);
      }
    }
    const now = buildTime(cliEnv());
    // 0. The release notes: understood before anything else happens.
    const notes = args.notes !== undefined ? await readReleaseNotes(args.notes) : undefined;

    // 1. Decode the manifest and find its publisher.
    const { manifest: first, bytes: manifestBytes } = await readManifestFile(args.manifest, { serverVersion: candidates[0]!.version });
    let m: Manifest = first;
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
    const artifactSha256 = await hashArtifactFile(args.artifact);
    const trust = { trustedPublishers: new Map([[m.publisher, key]]), allowUnsignedHostRisk: false };
    let verdict: VerifyManifestResult | undefined;
    let verifiedOn: ServerRules | undefined;
    for (const rules of candidates) {
      const d = decodeManifest(manifestBytes, { serverVersion: rules.version });
      const v: VerifyManifestResult = d.ok ? verifyDecodedManifest(d.manifest, { sha256Hex: artifactSha256 }, trust, { serverVersion: rules.version }) : { ok: false, code: 'MANIFEST_DECODE', message: d.message };
      verdict ??= v; // the first (named or default) version's answer is the one reported
      if (v.ok && v.signed) {
        verdict = v;
        verifiedOn = rules;
        m = v.manifest;
        break;
      }
      if (v.ok && !v.signed) verdict = v;
    }
    if (verifiedOn === undefined) {
      const v = verdict!;
      if (!v.ok) {
        const where = named !== undefined ? `on ${named.version}` : `on ${candidates[0]!.version}; no known server version (${SERVER_VERSIONS.join(', ')}) accepts it`;
        throw new VerificationError(v.code, `${args.manifest}: ${v.message} (${where})`);
      }
      throw new VerificationError('MANIFEST_SIGNATURE_REQUIRED', `${args.manifest}: the manifest is not signed; the index lists signed manifests only`);
    }
    const sig = goDecodeRawStdThenStd(m.signature_ed25519);
    if (!sig.ok || sig.bytes.length !== 64) throw new VerificationError('MANIFEST_SIGNATURE_INVALID', `${args.manifest}: signature_ed25519 does not decode to 64 bytes`);

    // 3. The release and the publisher rules.
    if (!validPluginID(m.id) || !INDEX_ID_RE.test(m.id)) throw new VerificationError('MANIFEST_INVALID', `${args.manifest}: plugin id ${JSON.stringify(m.id)} is not a valid index id`);
    const pluginFile = path.join(indexDir, 'plugins', `${m.id}.json`);
    const current = await readEntry(pluginFile);
    await checkOutputPath(pluginFile);
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
      ...(notes !== undefined ? { notes } : {}),
    };
    const added = addRelease(current?.value, input);
    if (!added.ok) throw new PolicyError('PR_RULE', `${pluginFile}: ${added.message} [${added.rule}]`);

    // 4. The entry describes exactly this manifest, and the whole index still validates.
    const mismatch = checkReleaseAgainstManifest(added.plugin as unknown as ConsistencyPlugin, added.release as unknown as ConsistencyRelease, m, { releaseIndex: 0 });
    if (mismatch.length > 0) throw new VerificationError('MANIFEST_INDEX_MISMATCH', `${pluginFile}: ${mismatch[0]!.message}`);
    const text = JSON.stringify(added.plugin, null, 2) + '\n';
    const { sources, problems: readProblems } = await loadIndexSources(indexDir);
    // The stored manifest (DESIGN §2): exact bytes, immutable once stored.
    const storedKey = storedManifestPath(m.id, m.version);
    const storedFile = path.join(indexDir, ...storedKey.split('/'));
    const existing = sources.manifests?.get(storedKey);
    if (existing !== undefined && !bytesEqual(existing.bytes, manifestBytes)) {
      throw new InputError('OUTPUT_EXISTS', `${storedFile} already holds a different manifest for ${m.id} ${m.version}; a stored manifest is immutable (publish a new version)`);
    }
    await checkOutputPath(storedFile);
    const manifests = new Map(sources.manifests ?? []);
    manifests.set(storedKey, { path: path.relative(process.cwd(), path.resolve(storedFile)).split(path.sep).join('/'), bytes: manifestBytes });
    const shown = path.relative(process.cwd(), path.resolve(pluginFile)).split(path.sep).join('/');
    const entry: EntryFile = { path: shown, text, value: added.plugin };
    const others = sources.plugins.filter((f) => path.resolve(f.path) !== path.resolve(pluginFile));
    const result = assembleIndex({ ...sources, plugins: [...others, entry], manifests }, { now, serverVersion: verifiedOn.version });
    const problems = [...readProblems, ...result.problems];
    if (problems.length > 0) {
      const message = `add refused: ${problems.length} problem(s); ${pluginFile} was not written`;
      if (args.json) outJSON({ ok: false, code: 'INDEX_INVALID', message, exit: EXIT.INVALID, problems });
      else for (const p of problems) err(formatProblem(p.file, p));
      err(`lattice-index: ${message} [INDEX_INVALID]`);
      setExitCode(EXIT.INVALID);
      return;
    }

    // 5. Store the manifest, then write the entry (atomically each); undo the new manifest if the entry cannot be written.
    if (existing === undefined) await writeFileAtomic(storedFile, manifestBytes, { exclusive: true });
    try {
      await writeFileAtomic(pluginFile, text);
    } catch (e) {
      if (existing === undefined) await fs.rm(storedFile, { force: true }).catch(() => {});
      throw e;
    }
    const matrix = result.loadability.find((r) => r.plugin === m.id && r.version === m.version);
    const summary = {
      ok: true,
      file: pluginFile,
      created: added.created,
      plugin: m.id,
      version: m.version,
      channel: added.release.channel,
      artifact_sha256: input.artifactSha256,
      manifest_sha256: input.manifestSha256,
      stored_manifest: storedFile,
      verified_on: verifiedOn.version,
      loads_on: matrix?.loads_on ?? [],
      verdicts: matrix?.verdicts ?? [],
    };
    if (args.json) outJSON(summary);
    else {
      out(`${pluginFile}: ${added.created ? 'created' : 'updated'} — ${m.id} ${m.version} on ${String(added.release.channel)} (verified with ${m.publisher}'s key on ${verifiedOn.version}); manifest stored at ${storedFile}`);
      for (const v of summary.verdicts) out(`  ${v.version}: ${v.loads ? 'loads' : `does not load: ${v.error}`}`);
    }
  },
});

/** The versions `add` tries without --server-line/--server-version: the default alias first, then the rest newest first. */
function addOrder(): ServerRules[] {
  const first = serverRules();
  const rest = [...SERVER_VERSIONS].reverse().map((v) => serverRules(v)).filter((r) => r !== first);
  return [first, ...rest];
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Read `--notes FILE`: UTF-8 (no BOM), then {@link prepareReleaseNotes}. */
async function readReleaseNotes(file: string): Promise<string> {
  // Twice the cap: room for CRLF and trailing space that preparation drops; the text rule gives the exact size.
  const bytes = await readFileBounded(file, 2 * NOTES_MD_MAX_BYTES, 'notes file');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InputError('INPUT_INVALID', `notes file ${file}: expected UTF-8 text, found bytes that are not UTF-8`);
  }
  if (text.startsWith('\ufeff')) throw new InputError('INPUT_INVALID', `notes file ${file}: expected UTF-8 text without a byte order mark, found one`);
  const r = prepareReleaseNotes(text);
  if (!r.ok) {
    if (r.kind === 'text') throw new InputError('INPUT_INVALID', `notes file ${file}: ${r.message}`);
    throw new PolicyError('PR_RULE', `notes file ${file} would not render as written: ${r.message} [PR_MARKDOWN]`);
  }
  return r.notes;
}

/** Read and strictly parse an entry file; `undefined` when it does not exist. */
async function readEntry(file: string): Promise<{ value: JSONObject } | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFileBounded(file, MAX_ENTRY_BYTES);
  } catch (e) {
    if (e instanceof InputError && e.code === 'INPUT_NOT_FOUND') return undefined;
    throw e;
  }
  const r = parseJSONStrict(bytes, { maxBytes: MAX_ENTRY_BYTES });
  if (!r.ok) throw new InputError(r.error.code, `${file}:${r.error.line}:${r.error.column}: not strict JSON: ${r.error.message}`);
  if (r.value === null || typeof r.value !== 'object' || Array.isArray(r.value)) throw new VerificationError('INDEX_INVALID', `${file}: expected a JSON object`);
  return { value: r.value };
}
