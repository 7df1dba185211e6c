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
import { createReadStream } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { encodeBase64, goDecodePublicKey } from '../../core/base64.js';
import { InputError, PolicyError, VerificationError } from '../../core/errors.js';
import { goQuote } from '../../core/go-quote.js';
import { validPluginID } from '../../core/rules.js';
import { DEFAULT_SERVER_LINE, SERVER_LINES, type ServerLine } from '../../core/server-line.js';
import { createSha256, keyId, publicKeyFromSeed, sha256Hex, signEd25519, verifyEd25519 } from '../../crypto/index.js';
import {
  MANIFEST_SCHEMA_V2,
  decodeManifest,
  manifestArtifactDigest,
  manifestSigningPayload,
  marshalManifestIndent,
  parseServerTrustPolicy,
  v1PayloadAmbiguity,
  validateManifest,
  verifyDecodedManifest,
  verifyManifest,
} from '../../domain/manifest/index.js';
import type { Manifest, TrustPolicy, VerifyManifestResult } from '../../domain/manifest/index.js';
import { describeFsError, readFileBounded, writeFileAtomic } from '../../io/files.js';
import { loadSeed } from '../../io/keys.js';
import { EXIT, err, oneLine, out } from '../run.js';

/** Largest manifest read (1 MiB: real manifests are a few KiB). */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Largest artifact hashed (1 GiB; streamed, never held in memory). v2 bundles are capped at 64 MiB by the server anyway. */
export const MAX_ARTIFACT_BYTES = 1024 * 1024 * 1024;
/** Largest server trust policy read (1 MiB). */
const MAX_TRUST_POLICY_BYTES = 1024 * 1024;

const HEX64_RE = /^[0-9a-fA-F]{64}$/;

/**
 * SHA-256 of a file, streamed, with a size cap.
 *
 * @param file - the artifact path.
 * @returns lowercase hex SHA-256.
 * @throws {InputError} `INPUT_UNREADABLE` if it cannot be read, `INPUT_INVALID` if larger than {@link MAX_ARTIFACT_BYTES}.
 * @example const hex = await hashArtifactFile('dist/demo.hello-1.0.0.tar.gz');
 */
export async function hashArtifactFile(file: string): Promise<string> {
  const h = createSha256();
  let size = 0;
  try {
    for await (const chunk of createReadStream(file)) {
      const bytes = chunk as Buffer;
      size += bytes.length;
      if (size > MAX_ARTIFACT_BYTES) throw new InputError('INPUT_INVALID', `${file}: larger than ${MAX_ARTIFACT_BYTES} bytes`);
      h.update(bytes);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('INPUT_UNREADABLE', `cannot read ${file}: ${describeFsError(e)}`);
  }
  return h.digestHex();
}

/**
 * Read and strictly decode a manifest file.
 *
 * @param file - the manifest path.
 * @param opts - `legacyComponentKey` to accept legacy-07 `component_key` (payload only).
 * @returns the manifest and the file bytes.
 * @throws {InputError} if unreadable; {@link VerificationError} `MANIFEST_DECODE` with the decoder's text.
 */
export async function readManifestFile(file: string, opts: { legacyComponentKey?: boolean } = {}): Promise<{ manifest: Manifest; bytes: Uint8Array }> {
  const bytes = await readFileBounded(file, MAX_MANIFEST_BYTES);
  const decoded = decodeManifest(bytes, opts.legacyComponentKey ? { legacyComponentKey: true } : {});
  if (!decoded.ok) throw new VerificationError('MANIFEST_DECODE', `${file}: ${decoded.message}`);
  return { manifest: decoded.manifest, bytes };
}

/** True when a v1 manifest has dependencies: its payload then differs between server lines (§B.1). */
function payloadDependsOnLine(m: Manifest): boolean {
  return m.schema !== MANIFEST_SCHEMA_V2 && m.dependencies.length > 0;
}

/** Turn a failed verdict into the CLI's error: Go's exact text, the stable code. */
function verdictError(r: Extract<VerifyManifestResult, { ok: false }>, prefix = ''): Error {
  const message = prefix + r.message;
  return r.code === 'MANIFEST_UNTRUSTED_PUBLISHER' ? new PolicyError(r.code, message) : new VerificationError(r.code, message);
}

const serverLineOption = {
  choices: SERVER_LINES,
  describe: `server line whose payload and validation rules apply (default ${DEFAULT_SERVER_LINE})`,
} as const;

// ---------------------------------------------------------------------------
// manifest payload
// ---------------------------------------------------------------------------

interface PayloadArgs {
  file: string;
  'server-line'?: ServerLine;
  'legacy-component-key': boolean;
}

const payloadCommand: CommandModule<object, PayloadArgs> = {
  command: 'payload <file>',
  describe: 'Write the exact signing-payload bytes of a manifest to stdout (no newline added)',
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'the manifest (read strictly)' })
      .option('server-line', serverLineOption)
      .option('legacy-component-key', {
        type: 'boolean',
        default: false,
        describe: 'accept ui.views[].component_key (legacy-07 manifests only; current servers reject it)',
      })
      .epilogue(
        'The payload is defined for any manifest that decodes; it is not validated (use `manifest check`). ' +
          'A v1 manifest with dependencies has a different payload on each server line (interop §B.1): ' +
          'without --server-line the integration payload is written and a warning is printed.',
      ) as unknown as Argv<PayloadArgs>,
  handler: async (args) => {
    const { manifest } = await readManifestFile(args.file, { legacyComponentKey: args['legacy-component-key'] });
    if (payloadDependsOnLine(manifest) && args['server-line'] === undefined) {
      err(`lattice-index: warning: ${args.file}: a v1 payload with dependencies differs per server line; writing the ${DEFAULT_SERVER_LINE} payload (pass --server-line)`);
    }
    const payload = manifestSigningPayload(manifest, { serverLine: args['server-line'] ?? DEFAULT_SERVER_LINE });
    await writeStdout(payload);
  },
};

/** Write bytes to stdout and wait until they are handed to the OS. */
function writeStdout(bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(bytes, (e) => (e ? reject(e) : resolve()));
  });
}

// ---------------------------------------------------------------------------
// manifest verify
// ---------------------------------------------------------------------------

interface VerifyArgs {
  file: string;
  key?: string;
  publisher?: string;
  'trust-policy'?: string;
  artifact?: string;
  'server-line'?: ServerLine;
  json: boolean;
}

const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify <file>',
  describe: "Verify a manifest as the server does (VerifyManifest): validation, artifact digest, publisher signature",
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'the manifest (read strictly)' })
      .option('key', { type: 'string', describe: 'the publisher public key (base64, read as the server reads trust-policy keys)' })
      .option('publisher', { type: 'string', describe: 'publisher id the --key belongs to (default: the manifest publisher)' })
      .option('trust-policy', { type: 'string', describe: 'a server trust policy file (trusted_publishers) instead of --key' })
      .option('artifact', { type: 'string', describe: 'the artifact (v2: the .tar.gz bundle); without it the digest is not checked' })
      .option('server-line', serverLineOption)
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
      .conflicts('key', 'trust-policy')
      .conflicts('publisher', 'trust-policy')
      .epilogue('Exit 0 verified; 1 with the server\'s exact error text and a stable code; 2 usage or unreadable input.') as unknown as Argv<VerifyArgs>,
  handler: async (args) => {
    const line = args['server-line'] ?? DEFAULT_SERVER_LINE;
    const { manifest, bytes } = await readManifestFile(args.file);
    const trust = await loadTrust(args, manifest.publisher);
    let verdict: VerifyManifestResult;
    if (args.artifact !== undefined) {
      verdict = verifyManifest(bytes, { sha256Hex: await hashArtifactFile(args.artifact) }, trust, { serverLine: line });
    } else {
      // No artifact: stand in the manifest's own digest, so the digest check
      // passes and everything else (validation, publisher, signature) runs.
      // A malformed digest still fails with the server's text, since its
      // format is checked before it is compared.
      const digest = manifestArtifactDigest(manifest);
      const standIn = HEX64_RE.test(digest) ? digest.toLowerCase() : '0'.repeat(64);
      verdict = verifyDecodedManifest(manifest, { sha256Hex: standIn }, trust, { serverLine: line });
    }
    if (!verdict.ok) {
      if (args.json) {
        out(JSON.stringify({ ok: false, file: args.file, code: verdict.code, error: verdict.message, digest_checked: args.artifact !== undefined }, null, 2));
        process.exitCode = EXIT.INVALID;
        return;
      }
      throw verdictError(verdict);
    }
    const digestNote = args.artifact !== undefined ? 'digest checked against the artifact' : 'digest not checked: no --artifact';
    if (args.json) {
      out(JSON.stringify({
        ok: true,
        file: args.file,
        id: verdict.manifest.id,
        version: verdict.manifest.version,
        schema: verdict.manifest.schema || 'legacy',
        signed: verdict.signed,
        publisher: verdict.publisher ?? null,
        payload_sha256: verdict.payloadSha256,
        digest_checked: args.artifact !== undefined,
        server_line: line,
      }, null, 2));
      return;
    }
    const who = verdict.signed ? `signed by ${verdict.publisher}` : 'unsigned (accepted: no publisher, no host-risk capability)';
    out(`${args.file}: ok id=${verdict.manifest.id} version=${verdict.manifest.version} ${who}`);
    out(`payload_sha256: ${verdict.payloadSha256}`);
    out(digestNote);
  },
};

/** The trust policy from `--trust-policy FILE` or `--key B64` (+ `--publisher`). */
async function loadTrust(args: VerifyArgs, manifestPublisher: string): Promise<TrustPolicy> {
  if (args['trust-policy'] !== undefined) {
    const r = parseServerTrustPolicy(await readFileBounded(args['trust-policy'], MAX_TRUST_POLICY_BYTES));
    if (!r.ok) throw new InputError('INPUT_INVALID', `${args['trust-policy']}: ${r.message}`);
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

interface SignArgs {
  file: string;
  key?: string;
  'key-env'?: string;
  artifact?: string;
  'update-digest': boolean;
  write: boolean;
  'server-line'?: ServerLine;
}

const signCommand: CommandModule<object, SignArgs> = {
  command: 'sign <file>',
  describe: "Sign a manifest with a publisher seed (like the server's cmd/pluginsign) and print or --write the signed manifest",
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'the manifest (read strictly, unlike pluginsign\'s lenient read)' })
      .option('key', { type: 'string', describe: 'key file holding the 32-byte publisher seed (mode 0600)' })
      .option('key-env', { type: 'string', describe: 'environment variable holding the seed as canonical base64 (for CI secrets)' })
      .option('artifact', { type: 'string', describe: 'the artifact (v2: the .tar.gz bundle): its SHA-256 fills or checks the digest' })
      .option('update-digest', { type: 'boolean', default: false, describe: 'replace a digest that differs from the artifact\'s' })
      .option('write', { type: 'boolean', default: false, describe: 'write the signed manifest atomically over FILE instead of stdout' })
      .option('server-line', {
        ...serverLineOption,
        describe: `server line whose payload and validation rules apply (default ${DEFAULT_SERVER_LINE}; required for v1 manifests with dependencies)`,
      })
      .epilogue(
        'Steps (interop §C.7 pluginsign): strict decode (pluginsign reads leniently; we refuse unknown, duplicate or ' +
          'case-variant keys); with --artifact the digest (v2 bundle.digest_sha256, v1 digest_sha256) is filled when ' +
          'empty, replaced only with --update-digest, otherwise a mismatch fails; the manifest must pass the server\'s ' +
          'validation; the signing payload is signed, the signature self-verified and written as padded base64; the ' +
          'output is Go\'s MarshalIndent form plus a newline; finally the output bytes are verified like the server ' +
          'does (against the artifact when given). The public key, digest, signature and payload length go to stderr; ' +
          'the seed is never printed.',
      ) as unknown as Argv<SignArgs>,
  handler: async (args) => {
    if (args['update-digest'] && args.artifact === undefined) {
      throw new InputError('INPUT_INVALID', '--update-digest needs --artifact FILE');
    }
    const { manifest: m } = await readManifestFile(args.file);
    const line = args['server-line'] ?? DEFAULT_SERVER_LINE;

    // A v1 payload with dependencies differs per server line (§B.1, §I.4):
    // refuse to guess which one the signature is for.
    if (payloadDependsOnLine(m) && args['server-line'] === undefined) {
      throw new InputError(
        'INPUT_INVALID',
        `${args.file}: a v1 manifest with dependencies has a different signing payload on each server line; pass --server-line main or --server-line integration`,
      );
    }

    // pluginsign step 2: the digest from the artifact.
    let artifactSha256: string | undefined;
    let digestAction: 'kept' | 'filled' | 'replaced' | undefined;
    if (args.artifact !== undefined) {
      artifactSha256 = await hashArtifactFile(args.artifact);
      digestAction = applyArtifactDigest(m, artifactSha256, args['update-digest'], args.file);
    }
    const digest = manifestArtifactDigest(m);
    if (digest === '') {
      throw new VerificationError('MANIFEST_INVALID', `${args.file}: manifest signature requires an artifact digest (pass --artifact FILE)`);
    }

    // Refuse to sign what the server would not load (fail closed; pluginsign finds out only after writing).
    const invalid = validateManifest(m, { serverLine: line });
    if (invalid !== null) throw new VerificationError('MANIFEST_INVALID', `${args.file}: ${invalid}`);
    const ambiguous = v1PayloadAmbiguity(m);
    if (ambiguous !== null) {
      throw new VerificationError('MANIFEST_INVALID', `${args.file}: manifest v1 field ${ambiguous} contains a newline (ambiguous signing payload)`);
    }
    if (m.publisher === '') throw new VerificationError('MANIFEST_SIGNATURE_REQUIRED', `${args.file}: manifest signature requires publisher`);
    if (!HEX64_RE.test(digest)) throw new VerificationError('MANIFEST_INVALID', `${args.file}: invalid digest_sha256 ${goQuote(digest)}`);

    // pluginsign step 3: sign the payload, self-verify, padded std base64.
    const payload = manifestSigningPayload(m, { serverLine: line });
    const seed = await loadSeed(args.key, args['key-env'], ['--key', '--key-env']);
    let publicKey: Uint8Array;
    let signature: Uint8Array;
    try {
      publicKey = publicKeyFromSeed(seed);
      signature = signEd25519(seed, payload);
    } finally {
      seed.fill(0);
    }
    if (!verifyEd25519(publicKey, payload, signature)) {
      throw new VerificationError('MANIFEST_SIGNATURE_INVALID', 'self-verification of the new signature failed');
    }
    m.signature_ed25519 = encodeBase64(signature);

    // pluginsign step 4: MarshalIndent + "\n".
    const text = marshalManifestIndent(m);
    const outBytes = new TextEncoder().encode(text);

    // pluginsign step 6 (done before anything is emitted): the output verifies as the server would.
    const trust: TrustPolicy = { trustedPublishers: new Map([[m.publisher, publicKey]]), allowUnsignedHostRisk: false };
    const check = (bytes: Uint8Array): void => {
      const r = verifyManifest(bytes, { sha256Hex: artifactSha256 ?? digest.toLowerCase() }, trust, { serverLine: line });
      if (!r.ok) throw verdictError(r, `${args.file}: the signed manifest does not verify: `);
    };
    check(outBytes);

    if (args.write) {
      await writeFileAtomic(args.file, outBytes);
      const written = await readFileBounded(args.file, MAX_MANIFEST_BYTES);
      if (Buffer.compare(Buffer.from(written), Buffer.from(outBytes)) !== 0) {
        throw new VerificationError('MANIFEST_SIGNATURE_INVALID', `${args.file}: the file changed after it was written`);
      }
      check(written);
    } else {
      await writeStdout(outBytes);
    }

    // pluginsign step 5: the facts, on stderr (stdout may be the manifest).
    err(`public_key_ed25519: ${encodeBase64(publicKey)}`);
    err(`keyid: ${keyId(publicKey)}`);
    const digestNote = { kept: 'matches --artifact', filled: 'filled from --artifact', replaced: 'replaced from --artifact' };
    err(`digest_sha256: ${digest} (${digestAction !== undefined ? digestNote[digestAction] : 'artifact not checked: no --artifact'})`);
    err(`signature_ed25519: ${m.signature_ed25519}`);
    err(`payload: ${payload.length} bytes, sha256 ${sha256Hex(payload)} (server line ${line})`);
    if (args.write) err(`${args.file}: signed and written`);
  },
};

/**
 * pluginsign's digest rule (§C.7 step 2): fill an empty digest; keep an equal
 * one (hex case-insensitively, as the server compares); replace a different
 * one only when asked; otherwise fail.
 */
function applyArtifactDigest(m: Manifest, sha: string, update: boolean, file: string): 'kept' | 'filled' | 'replaced' {
  const isV2 = m.schema === MANIFEST_SCHEMA_V2;
  if (isV2 && m.bundle === null) {
    throw new VerificationError('MANIFEST_INVALID', `${file}: manifest v2 bundle is required`);
  }
  const current = isV2 ? m.bundle!.digest_sha256 : m.digest_sha256;
  if (current !== '' && current.toLowerCase() === sha) return 'kept';
  if (current !== '' && !update) {
    throw new VerificationError(
      'MANIFEST_DIGEST_MISMATCH',
      `${file}: digest mismatch: the manifest has ${current}, the artifact is ${sha} (pass --update-digest to replace it)`,
    );
  }
  if (isV2) m.bundle = { ...m.bundle!, digest_sha256: sha };
  else m.digest_sha256 = sha;
  return current === '' ? 'filled' : 'replaced';
}

// ---------------------------------------------------------------------------
// manifest check
// ---------------------------------------------------------------------------

interface CheckArgs {
  files: string[];
  'server-line'?: ServerLine;
}

const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check <files..>',
  describe: 'Would the server load these manifests? (like lattice-plugin-manifest-check: decode + validate, no trust)',
  builder: (y: Argv) =>
    y
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'manifest files' })
      .option('server-line', serverLineOption)
      .epilogue(
        'stdout per success: "<path>: ok id=<id> version=<version> schema=<schema or legacy>"; ' +
          'stderr per failure: "<path>: invalid: <server error>". No trust, digest or signature is checked. ' +
          'Exit 0 all ok; 1 any invalid; 2 usage error or an unreadable file.',
      ) as unknown as Argv<CheckArgs>,
  handler: async (args) => {
    const line = args['server-line'] ?? DEFAULT_SERVER_LINE;
    let invalid = false;
    let unreadable = false;
    for (const file of args.files) {
      let bytes: Uint8Array;
      try {
        bytes = await readFileBounded(file, MAX_MANIFEST_BYTES);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        err(`${file}: unreadable: ${oneLine(e.message)}`);
        unreadable = true;
        continue;
      }
      // §C.7: DecodeManifest + ValidateManifest, nothing else.
      const decoded = decodeManifest(bytes);
      const problem = decoded.ok ? validateManifest(decoded.manifest, { serverLine: line }) : decoded.message;
      if (!decoded.ok || problem !== null) {
        err(`${file}: invalid: ${oneLine(problem ?? '')}`);
        invalid = true;
        continue;
      }
      const m = decoded.manifest;
      out(`${file}: ok id=${m.id} version=${m.version} schema=${m.schema || 'legacy'}`);
    }
    process.exitCode = unreadable ? EXIT.USAGE : invalid ? EXIT.INVALID : EXIT.OK;
  },
};

// ---------------------------------------------------------------------------
// the group
// ---------------------------------------------------------------------------

/** `lattice-index manifest <payload|verify|sign|check>`. */
export const manifestCommand: CommandModule<object, object> = {
  command: 'manifest <command>',
  describe: 'Publisher tools for Lattice plugin manifests: payload, verify, sign, check',
  builder: (y: Argv) =>
    y
      .command(payloadCommand)
      .command(verifyCommand)
      .command(signCommand)
      .command(checkCommand)
      .demandCommand(1, 'expected a manifest subcommand: payload, verify, sign or check'),
  handler: () => {},
};
