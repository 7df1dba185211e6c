/**
 * Readers of the inputs several commands share — each one place, so the
 * same bad file gets the same code (and exit code) in every command.
 *
 * @module
 */
import path from 'node:path';
import { InputError, VerificationError } from '../core/errors.js';
import { LOCAL_ARTIFACT_MAX_BYTES, MANIFEST_MAX_BYTES } from '../core/limits.js';
import { isRFC3339UTC } from '../core/rules.js';
import { sha256Hex } from '../crypto/index.js';
import { decodeManifest, type Manifest } from '../domain/manifest/index.js';
import { MAX_INSTALL_POLICY_BYTES, parseInstallPolicy, type InstallPolicy } from '../domain/install/policy.js';
import type { InstallStep } from '../domain/install/pipeline.js';
import { readFileBounded } from '../io/files.js';
import { sha256File } from '../io/hash-file.js';
import { err, oneLine } from './run.js';
import type { OptionSpec } from './spec.js';

/**
 * The two ways every signing command takes its Ed25519 seed: a key file
 * (mode 0600) or an environment variable holding it as canonical base64 (CI
 * secrets). Exactly one must be given (`loadSeed` in src/io/keys.ts checks).
 *
 * @param whose - whose seed, for the help text (`the index`, `the publisher`).
 */
export function seedOptions(whose: string): { key: OptionSpec; 'key-env': OptionSpec } {
  return {
    key: { type: 'string', value: 'FILE', describe: `key file holding ${whose}'s 32-byte seed (mode 0600)` },
    'key-env': { type: 'string', value: 'VAR', describe: `environment variable holding ${whose}'s seed as canonical base64 (for CI secrets)` },
  };
}

/**
 * Parse an RFC 3339 UTC command-line time (`--now`, `--at`), or return the clock.
 *
 * @param flag - the option name, for the message.
 * @param value - the option value, if given.
 * @returns ms since the epoch.
 * @throws {InputError} `INPUT_INVALID` for a value that is not RFC 3339 UTC.
 */
export function parseTimeFlag(flag: string, value: string | undefined): number {
  if (value === undefined) return Date.now();
  if (!isRFC3339UTC(value)) {
    throw new InputError('INPUT_INVALID', `${flag} must be an RFC 3339 UTC timestamp like 2026-08-01T12:00:00Z, found ${JSON.stringify(value)}`);
  }
  return Date.parse(value);
}

/**
 * Read and strictly decode a manifest file.
 *
 * @param file - the manifest path.
 * @param opts - `legacyComponentKey` to accept legacy-07 `component_key` (payload only);
 *   `serverVersion`: whose decoder (default the `integration` alias).
 * @returns the manifest and the file bytes.
 * @throws {InputError} if unreadable or not strict JSON (the parser's code);
 *   {@link VerificationError} `MANIFEST_DECODE` with the decoder's text when it is JSON the server would not decode.
 */
export async function readManifestFile(file: string, opts: { legacyComponentKey?: boolean; serverVersion?: string } = {}): Promise<{ manifest: Manifest; bytes: Uint8Array }> {
  const bytes = await readFileBounded(file, MANIFEST_MAX_BYTES, 'manifest');
  const decoded = decodeManifest(bytes, {
    ...(opts.legacyComponentKey ? { legacyComponentKey: true } : {}),
    ...(opts.serverVersion !== undefined ? { serverVersion: opts.serverVersion } : {}),
  });
  if (!decoded.ok) {
    if (decoded.notJSON !== undefined) throw new InputError(decoded.notJSON, `${file}: ${decoded.message}`);
    throw new VerificationError('MANIFEST_DECODE', `${file}: ${decoded.message}`);
  }
  return { manifest: decoded.manifest, bytes };
}

/**
 * SHA-256 of a local artifact (bundle or binary), streamed, capped at
 * {@link LOCAL_ARTIFACT_MAX_BYTES}.
 *
 * @param file - the artifact path.
 * @returns lowercase hex.
 */
export async function hashArtifactFile(file: string): Promise<string> {
  return (await sha256File(file, LOCAL_ARTIFACT_MAX_BYTES, 'artifact')).sha256;
}

/**
 * Read and parse the install policy file, printing every problem after the
 * first to stderr (the first is the error's message).
 *
 * @param file - the policy path.
 * @returns the policy and its directory.
 * @throws {InputError} unreadable or not strict JSON; the policy's `INSTALL_POLICY_INVALID`.
 */
export async function loadInstallPolicy(file: string): Promise<{ policy: InstallPolicy; policyDir: string; policySha256: string }> {
  const bytes = await readFileBounded(file, MAX_INSTALL_POLICY_BYTES, 'install policy');
  const r = parseInstallPolicy(bytes);
  if (!r.ok) {
    if (r.notJSON !== undefined) throw new InputError(r.notJSON, `${file}: ${r.error.message}`);
    for (const p of r.problems.slice(1)) err(`${file}: ${p.instancePath || '/'}: ${p.message}`);
    throw r.error;
  }
  return { policy: r.policy, policyDir: path.dirname(path.resolve(file)), policySha256: sha256Hex(bytes) };
}

/**
 * Print the pipeline's steps, one line each (sub-steps only when they failed).
 *
 * @param steps - the recorded steps.
 * @param write - where to print.
 */
export function printSteps(steps: readonly InstallStep[], write: (line: string) => void): void {
  for (const s of steps) {
    if (s.step.includes('.') && s.ok) continue;
    write(`${s.ok ? 'ok  ' : 'FAIL'} ${s.step}: ${oneLine(s.detail)}`);
  }
}
