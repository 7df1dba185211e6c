/**
 * `lattice-index check-entry PLUGIN_FILE --manifest FILE [--artifact FILE] [--version V]`
 * — does an index entry describe exactly this signed manifest (and artifact)?
 * Interop §I.7; DESIGN §5 steps 4–5.
 *
 * The upstream index validator never compares an entry with its manifest
 * (§E.3), and the server never sees the index, so this is where they are
 * tied together. For the release whose version equals the manifest's (or
 * `--version`):
 *
 * - `checkReleaseAgainstManifest`: plugin id, publisher, type, version,
 *   capabilities (release list or plugin default, as sets), artifact digest
 *   (lowercase in the index) and signature (same decoded bytes);
 * - `manifest_sha256`, when the release carries one, equals the SHA-256 of
 *   the manifest file bytes;
 * - the manifest passes the server's validation on `--server-line` / `--server-version`;
 * - with `--artifact`: its SHA-256 equals the release `artifact_sha256` and
 *   the manifest digest.
 *
 * The signature itself is not verified here (that needs the publisher's key:
 * `lattice-index manifest verify`, or `add`, which does both).
 *
 * Problems print as `file:line:col: message [CODE at /pointer]`, located in
 * the entry file (or, for the manifest's own fields, in the manifest).
 * Exit 0 consistent; 1 any problem; 2 usage or unreadable input.
 *
 * @module
 */
import { InputError, VerificationError } from '../../core/errors.js';
import { goQuote } from '../../core/go-quote.js';
import { locatePointer } from '../../core/json/locate.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import type { JSONObject, JSONValue } from '../../core/json/types.js';
import { sha256Hex } from '../../crypto/index.js';
import {
  MANIFEST_SCHEMA_V2,
  checkReleaseAgainstManifest,
  manifestArtifactDigest,
  validateManifest,
} from '../../domain/manifest/index.js';
import type { ConsistencyPlugin, ConsistencyRelease } from '../../domain/manifest/index.js';
import { readFileBounded } from '../../io/files.js';
import { MAX_ENTRY_BYTES } from '../../io/index-sources.js';
import { formatProblem, type LocatedProblem } from '../index-check.js';
import { EXIT, err, out, outJSON, setExitCode } from '../run.js';
import { defineCommand } from '../spec.js';
import { hashArtifactFile, readManifestFile } from '../inputs.js';
import { SERVER_RULES_CONFLICT, SERVER_RULES_OPTIONS, serverRulesFromArgs, type ServerRulesArgs } from '../server-version.js';

interface CheckEntryArgs extends ServerRulesArgs {
  plugin: string;
  manifest: string;
  artifact?: string;
  version?: string;
  json: boolean;
}

/** A problem and the file it is located in. */
interface FileProblem extends LocatedProblem {
  file: string;
}

export const checkEntryCommand = defineCommand<CheckEntryArgs>({
  name: 'check-entry',
  positionals: [
    { name: 'plugin', describe: 'the plugin entry file (index/plugins/<id>.json)' },
  ],
  options: {
    manifest: { type: 'string', value: 'FILE', required: true, describe: 'the signed manifest the release names' },
    artifact: { type: 'string', value: 'FILE', describe: 'the artifact (v2: the .tar.gz bundle); its SHA-256 must equal the index and manifest digests' },
    version: { type: 'string', value: 'VERSION', describe: 'the release to check (default: the manifest version)' },
    ...SERVER_RULES_OPTIONS,
    json: { type: 'boolean', default: false, describe: 'print the result as JSON' },
  },
  conflicts: [SERVER_RULES_CONFLICT],
  epilog: 'Exit 0 consistent; 1 any problem (one line each: file:line:col: message [CODE at /pointer]); 2 usage or unreadable input.',
  run: async (args) => {
    const line = serverRulesFromArgs(args).version;
    const entryBytes = await readFileBounded(args.plugin, MAX_ENTRY_BYTES);
    const parsed = parseJSONStrict(entryBytes, { maxBytes: MAX_ENTRY_BYTES });
    if (!parsed.ok) {
      const e = parsed.error;
      throw new InputError(e.code, `${args.plugin}:${e.line}:${e.column}: not strict JSON: ${e.message}`);
    }
    const entryText = new TextDecoder().decode(entryBytes);
    const plugin = entryShape(parsed.value, args.plugin, entryText);
    const { manifest, bytes: manifestBytes } = await readManifestFile(args.manifest, { serverVersion: line });
    const manifestText = new TextDecoder().decode(manifestBytes);

    const problems: FileProblem[] = [];
    const inEntry = (p: { instancePath: string; code: string; message: string }): void => {
      problems.push({ ...p, file: args.plugin, ...(locatePointer(entryText, p.instancePath) ?? {}) });
    };
    const inManifest = (p: { instancePath: string; code: string; message: string }): void => {
      problems.push({ ...p, file: args.manifest, ...(locatePointer(manifestText, p.instancePath) ?? {}) });
    };

    // The manifest must be one the server loads (§A.4).
    const invalid = validateManifest(manifest, { serverVersion: line });
    if (invalid !== null) inManifest({ instancePath: '', code: 'MANIFEST_INVALID', message: invalid });

    // The release: same version as the manifest, unless --version names another.
    const version = args.version ?? manifest.version;
    const j = plugin.releases.findIndex((r) => r.version === version);
    const release = plugin.releases[j];
    let artifactSha256: string | undefined;
    if (release === undefined) {
      inEntry({ instancePath: '/releases', code: 'MANIFEST_INDEX_MISMATCH', message: `the entry has no release ${goQuote(version)}` });
    } else {
      // §I.7: id, publisher, type, version, capabilities, digest, signature.
      for (const p of checkReleaseAgainstManifest(plugin, release, manifest, { basePath: '', releaseIndex: j })) inEntry(p);

      // FORMAT.md: manifest_sha256 pins the exact manifest file.
      const manifestSha256 = sha256Hex(manifestBytes);
      if (release.manifest_sha256 !== undefined && release.manifest_sha256 !== manifestSha256) {
        inEntry({
          instancePath: `/releases/${j}/manifest_sha256`,
          code: 'MANIFEST_INDEX_MISMATCH',
          message: `index manifest_sha256 ${release.manifest_sha256} but the manifest file's sha256 is ${manifestSha256}`,
        });
      }

      // DESIGN §5 step 5: the artifact bytes equal both digests.
      if (args.artifact !== undefined) {
        artifactSha256 = await hashArtifactFile(args.artifact);
        if (release.artifact_sha256 !== artifactSha256) {
          inEntry({
            instancePath: `/releases/${j}/artifact_sha256`,
            code: 'ARTIFACT_DIGEST_MISMATCH',
            message: `index artifact_sha256 ${release.artifact_sha256} but the artifact's sha256 is ${artifactSha256}`,
          });
        }
        const digest = manifestArtifactDigest(manifest);
        if (digest.toLowerCase() !== artifactSha256) {
          const pointer = manifest.schema === MANIFEST_SCHEMA_V2 ? '/bundle/digest_sha256' : '/digest_sha256';
          inManifest({ instancePath: pointer, code: 'MANIFEST_DIGEST_MISMATCH', message: `digest mismatch: got ${artifactSha256}` });
        }
      }
    }

    if (args.json) {
      outJSON({
        ok: problems.length === 0,
        ...(problems.length > 0 ? { code: problems[0]!.code, message: `${problems.length} problem(s); first: ${formatProblem(problems[0]!.file, problems[0]!)}`, exit: EXIT.INVALID } : {}),
        file: args.plugin,
        manifest: args.manifest,
        version,
        release_index: j >= 0 ? j : null,
        artifact_checked: artifactSha256 !== undefined,
        problems,
      });
    } else if (problems.length === 0) {
      out(`${args.plugin}: release ${version} matches ${args.manifest}${artifactSha256 !== undefined ? ` and ${args.artifact}` : ' (artifact not checked: no --artifact)'}`);
    } else {
      for (const p of problems) err(formatProblem(p.file, p));
    }
    if (problems.length > 0) err(`lattice-index: check-entry: ${problems.length} problem(s) [${problems[0]!.code}]`);
    if (problems.length > 0) setExitCode(EXIT.INVALID);
  },
});

/** The entry as the consistency check reads it (plus `manifest_sha256`). */
interface EntryShape extends ConsistencyPlugin {
  releases: (ConsistencyRelease & { manifest_sha256?: string })[];
}

/**
 * Check the members the consistency check reads have the right JSON types
 * (the full entry rules are `lattice-index validate`/`build`'s job).
 * @throws {VerificationError} `INDEX_INVALID`, located in the file.
 */
function entryShape(v: JSONValue, file: string, text: string): EntryShape {
  const bad = (pointer: string, what: string): never => {
    const at = locatePointer(text, pointer);
    throw new VerificationError('INDEX_INVALID', `${file}${at ? `:${at.line}:${at.column}` : ''}: ${what} [at ${pointer || '/'}]`);
  };
  const isObj = (x: JSONValue | undefined): x is JSONObject => x !== null && typeof x === 'object' && !Array.isArray(x);
  const strings = (x: JSONValue | undefined): boolean => Array.isArray(x) && x.every((s) => typeof s === 'string');
  if (!isObj(v)) return bad('', 'expected a plugin entry object');
  for (const k of ['id', 'publisher', 'type'] as const) if (typeof v[k] !== 'string') bad(`/${k}`, `expected ${k} to be a string`);
  if (!strings(v.capabilities)) bad('/capabilities', 'expected capabilities to be an array of strings');
  if (!Array.isArray(v.releases)) return bad('/releases', 'expected releases to be an array');
  v.releases.forEach((r, i) => {
    if (!isObj(r)) return bad(`/releases/${i}`, 'expected a release object');
    for (const k of ['version', 'artifact_sha256', 'signature_ed25519'] as const) {
      if (typeof r[k] !== 'string') bad(`/releases/${i}/${k}`, `expected ${k} to be a string`);
    }
    if (r.capabilities !== undefined && !strings(r.capabilities)) bad(`/releases/${i}/capabilities`, 'expected capabilities to be an array of strings');
    if (r.manifest_sha256 !== undefined && typeof r.manifest_sha256 !== 'string') bad(`/releases/${i}/manifest_sha256`, 'expected manifest_sha256 to be a string');
    return undefined;
  });
  return v as unknown as EntryShape;
}
