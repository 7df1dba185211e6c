/**
 * `lattice-index manifest <payload|verify|sign|check>` — the publisher's
 * manifest tools, modelled on the server's own tools (interop §C.7):
 *
 * - `payload FILE` — the exact signing-payload bytes (§B.1/§B.2) on stdout;
 * - `verify FILE (--key B64 | --trust-policy FILE)` — the server's
 *   `VerifyManifest` (§C.5) with Go's error text;
 * - `sign FILE --key FILE …` — `cmd/pluginsign`: digest from the artifact,
 *   Ed25519 signature, self-verification, the `MarshalIndent` form (§B.5);
 * - `check FILE…` — `cmd/lattice-plugin-manifest-check`: decode + validate,
 *   one line per file.
 *
 * Every manifest is read with the strict decoder (`decodeManifest`), which
 * is stricter than the server's (and much stricter than pluginsign's lenient
 * `json.Unmarshal`): unknown, duplicate and case-variant keys, invalid UTF-8,
 * lone surrogates and trailing data are errors, so any manifest these tools
 * accept produces the same payload in Go (interop §B.6, §I.2).
 *
 * Seeds are zeroed after use and never printed.
 *
 * @module
 */
import path from 'node:path';
import { decodeCanonicalBase64, encodeBase64, goDecodePublicKey } from '../../core/base64.js';
import { InputError, PolicyError, VerificationError } from '../../core/errors.js';
import { goQuote } from '../../core/go-quote.js';
import { ENTRY_MAX_BYTES, MANIFEST_MAX_BYTES, POLICY_MAX_BYTES } from '../../core/limits.js';
import { validPluginID } from '../../core/rules.js';
import { keyId, sha256Hex } from '../../crypto/index.js';
import {
  MANIFEST_SCHEMA_V2,
  decodeManifest,
  manifestArtifactDigest,
  manifestProblemPointer,
  manifestSigningPayload,
  manifestTemplate,
  marshalManifestIndent,
  parseServerTrustPolicy,
  signManifest,
  validateManifest,
  verifyDecodedManifest,
  verifyManifest,
} from '../../domain/manifest/index.js';
import { PLUGIN_TYPES } from '../../domain/manifest/index.js';
import type { Manifest, PluginType, SignedManifest, TrustPolicy, VerifyManifestResult } from '../../domain/manifest/index.js';
import { checkOutputPath, readFileBounded, readStrictJSONFile, writeFileAtomic } from '../../io/files.js';
import { loadSeed } from '../../io/keys.js';
import { hashArtifactFile, readManifestFile, seedOptions } from '../inputs.js';
import { cliEnv, err, EXIT, exitCodeFor, oneLine, out, outJSON, setExitCode, writeStdout } from '../run.js';
import { defineCommand, type CommandGroupSpec } from '../spec.js';
import { SERVER_RULES_CONFLICT, SERVER_RULES_OPTIONS, serverRulesFromArgs, serverRulesGiven, type ServerRulesArgs } from '../server-version.js';

const HEX64_RE = /^[0-9a-fA-F]{64}$/;

/** True when a v1 manifest has dependencies: its payload then differs between server lines (§B.1). */
function payloadDependsOnLine(m: Manifest): boolean {
  return m.schema !== MANIFEST_SCHEMA_V2 && m.dependencies.length > 0;
}

/** Turn a failed verdict into the CLI's error: Go's exact text, the stable code. */
function verdictError(r: Extract<VerifyManifestResult, { ok: false }>, prefix = ''): Error {
  const message = prefix + r.message;
  return r.code === 'MANIFEST_UNTRUSTED_PUBLISHER' ? new PolicyError(r.code, message) : new VerificationError(r.code, message);
}


// ---------------------------------------------------------------------------
// manifest payload
// ---------------------------------------------------------------------------

interface PayloadArgs extends ServerRulesArgs {
  file: string;
  'legacy-component-key': boolean;
}

const payloadCommand = defineCommand<PayloadArgs>({
  name: 'manifest payload',
  describe: 'Write the exact signing-payload bytes of a manifest to stdout (no newline added)',
  positionals: [
    { name: 'file', describe: 'the manifest (read strictly)' },
  ],
  options: {
    ...SERVER_RULES_OPTIONS,
    'legacy-component-key': {
        type: 'boolean',
        default: false,
        describe: 'accept ui.views[].component_key (legacy-07 manifests only; current servers reject it)',
      },
  },
  epilog: 'The payload is defined for any manifest that decodes; it is not validated (use `manifest check`). ' +
          'A v1 manifest with dependencies has a different payload on main and on integration (interop §B.1): ' +
          'without --server-line/--server-version the payload of the integration alias is written and a warning is printed.',
  run: async (args) => {
    const rules = serverRulesFromArgs(args);
    const { manifest } = await readManifestFile(args.file, { legacyComponentKey: args['legacy-component-key'], serverVersion: rules.version });
    if (payloadDependsOnLine(manifest) && !serverRulesGiven(args)) {
      err(`lattice-index: warning: ${args.file}: a v1 payload with dependencies differs per server line (main vs integration); writing the ${rules.version} payload (pass --server-line or --server-version)`);
    }
    const payload = manifestSigningPayload(manifest, { serverVersion: rules.version });
    await writeStdout(payload);
  },
});


// ---------------------------------------------------------------------------
// manifest verify
// ---------------------------------------------------------------------------

interface VerifyArgs extends ServerRulesArgs {
  file: string;
  key?: string;
  publisher?: string;
  'trust-policy'?: string;
  artifact?: string;
  json: boolean;
}

const verifyCommand = defineCommand<VerifyArgs>({
  name: 'manifest verify',
  describe: "Verify a manifest as the server does (VerifyManifest): validation, artifact digest, publisher signature",
  positionals: [
    { name: 'file', describe: 'the manifest (read strictly)' },
  ],
  options: {
    key: { type: 'string', value: 'B64', describe: 'the publisher public key (base64, read as the server reads trust-policy keys)' },
    publisher: { type: 'string', value: 'ID', describe: 'publisher id the --key belongs to (default: the manifest publisher)' },
    'trust-policy': { type: 'string', value: 'FILE', describe: 'a server trust policy file (trusted_publishers) instead of --key' },
    artifact: { type: 'string', value: 'FILE', describe: 'the artifact (v2: the .tar.gz bundle); without it the digest is not checked' },
    ...SERVER_RULES_OPTIONS,
    json: { type: 'boolean', default: false, describe: 'print the result as JSON' },
  },
  conflicts: [['key', 'trust-policy'], ['publisher', 'trust-policy'], SERVER_RULES_CONFLICT],
  epilog: 'Exit 0 verified; 1 with the server\'s exact error text and a stable code; 2 usage or unreadable input.',
  run: async (args) => {
    const rules = serverRulesFromArgs(args);
    const line = rules.version;
    const { manifest, bytes } = await readManifestFile(args.file, { serverVersion: line });
    const trust = await loadTrust(args, manifest.publisher);
    let verdict: VerifyManifestResult;
    if (args.artifact !== undefined) {
      verdict = verifyManifest(bytes, { sha256Hex: await hashArtifactFile(args.artifact) }, trust, { serverVersion: line });
    } else {
      // No artifact: stand in the manifest's own digest, so the digest check
      // passes and everything else (validation, publisher, signature) runs.
      // A malformed digest still fails with the server's text, since its
      // format is checked before it is compared.
      const digest = manifestArtifactDigest(manifest);
      const standIn = HEX64_RE.test(digest) ? digest.toLowerCase() : '0'.repeat(64);
      verdict = verifyDecodedManifest(manifest, { sha256Hex: standIn }, trust, { serverVersion: line });
    }
    if (!verdict.ok) {
      if (args.json) outJSON({ ok: false, file: args.file, code: verdict.code, message: verdict.message, exit: exitCodeFor(verdict.code), digest_checked: args.artifact !== undefined });
      throw verdictError(verdict);
    }
    const digestNote = args.artifact !== undefined ? 'digest checked against the artifact' : 'digest not checked: no --artifact';
    if (args.json) {
      outJSON({
        ok: true,
        file: args.file,
        id: verdict.manifest.id,
        version: verdict.manifest.version,
        schema: verdict.manifest.schema || 'legacy',
        signed: verdict.signed,
        publisher: verdict.publisher ?? null,
        payload_sha256: verdict.payloadSha256,
        digest_checked: args.artifact !== undefined,
        server_line: rules.line,
        server_version: rules.version,
      });
      return;
    }
    const who = verdict.signed ? `signed by ${verdict.publisher}` : 'unsigned (accepted: no publisher, no host-risk capability)';
    out(`${args.file}: ok id=${verdict.manifest.id} version=${verdict.manifest.version} ${who}`);
    out(`payload_sha256: ${verdict.payloadSha256}`);
    out(digestNote);
  },
});

/** The trust policy from `--trust-policy FILE` or `--key B64` (+ `--publisher`). */
async function loadTrust(args: VerifyArgs, manifestPublisher: string): Promise<TrustPolicy> {
  if (args['trust-policy'] !== undefined) {
    const r = parseServerTrustPolicy(await readFileBounded(args['trust-policy'], POLICY_MAX_BYTES, 'trust policy'));
    if (!r.ok) throw new InputError(r.notJSON ?? r.code, `${args['trust-policy']}: ${r.message}`);
    return r.policy;
  }
  if (args.key === undefined) throw new InputError('INPUT_INVALID', 'expected --key B64 or --trust-policy FILE');
  // The server's trust-policy key rule (§B.7): TrimSpace, raw or padded std base64, 32 bytes.
  const key = goDecodePublicKey(args.key);
  if (!key.ok) throw new InputError('KEY_INVALID', `--key: ${key.error}`);
  // The trust is { publisher → key }: --publisher, else the manifest's own publisher.
  const publisher = args.publisher ?? manifestPublisher;
  if (args.publisher === undefined && publisher === '') return { trustedPublishers: new Map(), allowUnsignedHostRisk: false };
  if (args.publisher !== undefined && !validPluginID(publisher)) throw new InputError('INPUT_INVALID', `--publisher: invalid publisher ${goQuote(publisher)}`);
  return { trustedPublishers: new Map([[publisher, key.key]]), allowUnsignedHostRisk: false };
}

// ---------------------------------------------------------------------------
// manifest sign
// ---------------------------------------------------------------------------

interface SignArgs extends ServerRulesArgs {
  file: string;
  key?: string;
  'key-env'?: string;
  artifact?: string;
  'update-digest': boolean;
  write: boolean;
  'index-dir': string;
}

const signCommand = defineCommand<SignArgs>({
  name: 'manifest sign',
  describe: "Sign a manifest with a publisher seed (like the server's cmd/pluginsign) and print or --write the signed manifest",
  positionals: [
    { name: 'file', describe: 'the manifest (read strictly, unlike pluginsign\'s lenient read)' },
  ],
  options: {
    ...seedOptions('the publisher'),
    artifact: { type: 'string', value: 'FILE', describe: 'the artifact (v2: the .tar.gz bundle): its SHA-256 fills or checks the digest' },
    'update-digest': { type: 'boolean', default: false, describe: 'replace a digest that differs from the artifact\'s' },
    write: { type: 'boolean', default: false, describe: 'write the signed manifest atomically over FILE instead of stdout' },
    'index-dir': { type: 'string', value: 'DIR', default: 'index', describe: "where the publisher entries are: a warning when the key is not the publisher's current key there" },
    ...SERVER_RULES_OPTIONS,
  },
  conflicts: [SERVER_RULES_CONFLICT],
  epilog: 'Steps (interop §C.7 pluginsign): strict decode (pluginsign reads leniently; we refuse unknown, duplicate or ' +
          'case-variant keys); with --artifact the digest (v2 bundle.digest_sha256, v1 digest_sha256) is filled when ' +
          'empty, replaced only with --update-digest, otherwise a mismatch fails; the manifest must pass the server\'s ' +
          'validation; the signing payload is signed, the signature self-verified and written as padded base64; the ' +
          'output is Go\'s MarshalIndent form plus a newline; finally the output bytes are verified like the server ' +
          'does (against the artifact when given). The public key, digest, signature and payload length go to stderr; ' +
          'the seed is never printed.',
  run: async (args) => {
    if (args['update-digest'] && args.artifact === undefined) {
      throw new InputError('INPUT_INVALID', '--update-digest needs --artifact FILE');
    }
    const line = serverRulesFromArgs(args).version;
    const { manifest } = await readManifestFile(args.file, { serverVersion: line });
    // A v1 payload with dependencies differs per server version (§B.1, §I.4):
    // refuse to guess which one the signature is for.
    if (payloadDependsOnLine(manifest) && !serverRulesGiven(args)) {
      throw new InputError(
        'INPUT_INVALID',
        `${args.file}: a v1 manifest with dependencies has a different signing payload on main and on integration; pass --server-line main, --server-line integration or --server-version NAME`,
      );
    }
    if (args.write) await checkOutputPath(args.file);
    const artifactSha256 = args.artifact !== undefined ? await hashArtifactFile(args.artifact) : undefined;
    const seed = await loadSeed(args.key, args['key-env'], ['--key', '--key-env'], cliEnv());
    let signed: SignedManifest;
    try {
      signed = signManifest(manifest, seed, {
        serverVersion: line,
        name: args.file,
        updateDigest: args['update-digest'],
        ...(artifactSha256 !== undefined ? { artifactSha256 } : {}),
      });
    } finally {
      seed.fill(0);
    }

    if (args.write) {
      await writeFileAtomic(args.file, signed.bytes);
      const written = await readFileBounded(args.file, MANIFEST_MAX_BYTES);
      if (Buffer.compare(Buffer.from(written), Buffer.from(signed.bytes)) !== 0) {
        throw new VerificationError('MANIFEST_SIGNATURE_INVALID', `${args.file}: the file changed after it was written`);
      }
    } else {
      await writeStdout(signed.bytes);
    }

    // Inside this repository the publisher's current key is known: say so when another key signed.
    await warnIfNotPublisherKey(args['index-dir'], signed.manifest.publisher, signed.publicKey);

    // pluginsign step 5: the facts, on stderr (stdout may be the manifest).
    err(`public_key_ed25519: ${encodeBase64(signed.publicKey)}`);
    err(`keyid: ${keyId(signed.publicKey)}`);
    const digestNote = { kept: 'matches --artifact', filled: 'filled from --artifact', replaced: 'replaced from --artifact' };
    err(`digest_sha256: ${signed.digest} (${signed.digestAction !== undefined ? digestNote[signed.digestAction] : 'artifact not checked: no --artifact'})`);
    err(`signature_ed25519: ${signed.manifest.signature_ed25519}`);
    err(`payload: ${signed.payload.length} bytes, sha256 ${sha256Hex(signed.payload)} (server version ${line})`);
    if (args.write) err(`${args.file}: signed and written`);
  },
});

/**
 * Warn when `publicKey` is not the current key of `publisher` in
 * `<indexDir>/publishers/<publisher>.json` — `add` and `pr-check` would refuse
 * the manifest. Silent when there is no such file (outside the repository).
 */
async function warnIfNotPublisherKey(indexDir: string, publisher: string, publicKey: Uint8Array): Promise<void> {
  if (!validPluginID(publisher)) return;
  const file = path.join(indexDir, 'publishers', `${publisher}.json`);
  let current: unknown;
  try {
    current = ((await readStrictJSONFile(file, ENTRY_MAX_BYTES)).value as { public_key_ed25519?: unknown } | null)?.public_key_ed25519;
  } catch (e) {
    if (e instanceof InputError && e.code === 'INPUT_NOT_FOUND') return;
    err(`lattice-index: warning: cannot check the signing key against ${file}: ${oneLine((e as Error).message)}`);
    return;
  }
  const key = typeof current === 'string' ? decodeCanonicalBase64(current, 32) : null;
  if (key !== null && Buffer.compare(Buffer.from(key), Buffer.from(publicKey)) === 0) return;
  err(
    `lattice-index: warning: the signing key (keyid ${keyId(publicKey)}) is not publisher ${publisher}'s current key in ${file}` +
      `${key !== null ? ` (keyid ${keyId(key)})` : ''}: add and pr-check will refuse this manifest`,
  );
}

// ---------------------------------------------------------------------------
// manifest check
// ---------------------------------------------------------------------------

interface CheckArgs extends ServerRulesArgs {
  files: string[];
}

const checkCommand = defineCommand<CheckArgs>({
  name: 'manifest check',
  describe: 'Would the server load these manifests? (like lattice-plugin-manifest-check: decode + validate, no trust)',
  positionals: [
    { name: 'files', variadic: true, describe: 'manifest files' },
  ],
  options: {
    ...SERVER_RULES_OPTIONS,
  },
  conflicts: [SERVER_RULES_CONFLICT],
  epilog: 'stdout per success: "<path>: ok id=<id> version=<version> schema=<schema or legacy>"; ' +
          'stderr per failure: "<path>: invalid: <server error>", with " [at <pointer>]" when a field is known. No trust, digest or signature is checked. ' +
          'Exit 0 all ok; 1 any invalid; 2 usage error or an unreadable file.',
  run: async (args) => {
    const line = serverRulesFromArgs(args).version;
    let invalid = false;
    let unreadable = false;
    for (const file of args.files) {
      let bytes: Uint8Array;
      try {
        bytes = await readFileBounded(file, MANIFEST_MAX_BYTES);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        err(`${file}: unreadable: ${oneLine(e.message)} [${e.code}]`);
        unreadable = true;
        continue;
      }
      // §C.7: DecodeManifest + ValidateManifest, nothing else.
      const decoded = decodeManifest(bytes, { serverVersion: line });
      if (!decoded.ok && decoded.notJSON !== undefined) {
        // Not strict JSON text: unreadable input (exit 2), as in every command.
        err(`${file}: unreadable: ${oneLine(decoded.message)} [${decoded.notJSON}]`);
        unreadable = true;
        continue;
      }
      const problem = decoded.ok ? validateManifest(decoded.manifest, { serverVersion: line }) : decoded.message;
      if (!decoded.ok || problem !== null) {
        const at = decoded.ok ? manifestProblemPointer(decoded.manifest, problem!) : undefined;
        err(`${file}: invalid: ${oneLine(problem ?? '')}${at !== undefined ? ` [at ${at}]` : ''}`);
        invalid = true;
        continue;
      }
      const m = decoded.manifest;
      out(`${file}: ok id=${m.id} version=${m.version} schema=${m.schema || 'legacy'}`);
    }
    setExitCode(unreadable ? EXIT.USAGE : invalid ? EXIT.INVALID : EXIT.OK);
  },
});

// ---------------------------------------------------------------------------
// manifest init
// ---------------------------------------------------------------------------

interface InitArgs extends ServerRulesArgs {
  out: string;
  id: string;
  name: string;
  publisher?: string;
  type: PluginType;
  version: string;
  capability: string[];
  platform: string[];
}

const initCommand = defineCommand<InitArgs>({
  name: 'manifest init',
  describe: 'Write a starting v2 manifest that the server accepts once `manifest sign --artifact` fills its digest',
  options: {
    out: { type: 'string', value: 'FILE', required: true, describe: 'the manifest to create (never overwritten)' },
    id: { type: 'string', value: 'ID', required: true, describe: 'plugin id: <publisher>.<name>, e.g. acme.tool' },
    name: { type: 'string', value: 'TEXT', required: true, describe: 'display name (printable, at most 80 bytes)' },
    publisher: { type: 'string', value: 'ID', describe: 'publisher id (default: the id before its first dot)' },
    type: { type: 'string', choices: PLUGIN_TYPES, default: 'system', describe: 'plugin type' },
    version: { type: 'string', value: 'VERSION', default: '0.1.0', describe: 'release version' },
    capability: { type: 'string', value: 'CAP', multiple: true, describe: 'a capability the plugin needs, e.g. kv:read' },
    platform: { type: 'string', value: 'OS/ARCH', multiple: true, describe: 'a runtime platform (default: linux/amd64 and linux/arm64)' },
    ...SERVER_RULES_OPTIONS,
  },
  conflicts: [SERVER_RULES_CONFLICT],
  epilog:
    'Then: build the bundle (lattice-index bundle pack DIR --out BUNDLE), sign with ' +
    '`lattice-index manifest sign FILE --key SEED --artifact BUNDLE --write`, and add the release (CONTRIBUTING.md).',
  run: async (args) => {
    const rules = serverRulesFromArgs(args);
    const dot = args.id.indexOf('.');
    const publisher = args.publisher ?? (dot > 0 ? args.id.slice(0, dot) : '');
    if (!validPluginID(args.id) || dot <= 0) throw new InputError('INPUT_INVALID', `--id must be <publisher>.<name> (lowercase letters, digits, '.', '-'), found ${JSON.stringify(args.id)}`);
    if (!validPluginID(publisher)) throw new InputError('INPUT_INVALID', `--publisher must be a publisher id, found ${JSON.stringify(publisher)}`);
    const platforms = args.platform.length > 0 ? args.platform : ['linux/amd64', 'linux/arm64'];
    for (const p of platforms) if (!/^[a-z0-9]+\/[a-z0-9][a-z0-9_]*$/.test(p)) throw new InputError('INPUT_INVALID', `--platform must look like linux/amd64, found ${JSON.stringify(p)}`);
    await checkOutputPath(args.out);
    const m = manifestTemplate({ id: args.id, name: args.name, publisher, type: args.type, version: args.version, capabilities: args.capability, platforms });
    // The template must be one the server loads once its digest is filled in.
    const probe = { ...m, bundle: { ...m.bundle!, digest_sha256: '0'.repeat(64) } };
    const invalid = validateManifest(probe, { serverVersion: rules.version });
    if (invalid !== null) {
      const at = manifestProblemPointer(probe, invalid);
      throw new VerificationError('MANIFEST_INVALID', `the manifest would be invalid: ${invalid}${at !== undefined ? ` (at ${at})` : ''}`);
    }
    await writeFileAtomic(args.out, marshalManifestIndent(m), { exclusive: true });
    out(`${args.out}: written — ${m.id} ${m.version} (${m.type}); next: lattice-index manifest sign ${args.out} --key SEED --artifact BUNDLE --write`);
  },
});

// ---------------------------------------------------------------------------
// the group
// ---------------------------------------------------------------------------

/** `lattice-index manifest <payload|verify|sign|check>`. */
export const manifestCommand: CommandGroupSpec = {
  name: 'manifest',
  describe: '',
  subcommands: [initCommand, payloadCommand, verifyCommand, signCommand, checkCommand],
};
