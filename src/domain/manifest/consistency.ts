/**
 * Index ↔ manifest consistency (interop §I.7, §G; DESIGN §5 step 4).
 *
 * The upstream index validator never compares an index entry with the
 * manifest it points at (§E.3). The server never sees the index. So nothing
 * ties them together unless the toolchain does: this module checks that a
 * release entry describes exactly the signed manifest it names.
 *
 * Decisions:
 * - **Capabilities are compared as sets.** The index is a discovery document
 *   and the v1 payload sorts capabilities, so order carries no meaning for
 *   what a plugin may do; v2 order is covered by the manifest signature
 *   itself. A duplicate on either side is reported (the server rejects
 *   duplicates in manifests, the index validator in lists).
 * - **Signatures are compared as decoded bytes**: the index holds canonical
 *   padded base64, a manifest may hold raw or padded base64 with `\r\n`
 *   (Go's rules, §B.7). Undecodable or non-64-byte values never match.
 * - **Digests**: the manifest digest (v2 `bundle.digest_sha256`, v1
 *   `digest_sha256`) is compared case-insensitively, but the index value must
 *   be lowercase (§E.2 rule 29).
 *
 * @module
 */
import { goDecodeRawStdThenStd } from '../../core/base64.js';
import type { ErrorCode } from '../../core/errors.js';
import type { IndexPlugin, IndexRelease } from '../../core/index/types.js';
import { goQuote } from './go-json.js';
import { manifestArtifactDigest } from './model.js';
import type { Manifest } from './model.js';

/** One disagreement between an index entry and its manifest (ajv-style shape). */
export interface ConsistencyProblem {
  /** RFC 6901 pointer into the index, relative to `opts.basePath` (the plugin entry). */
  instancePath: string;
  code: Extract<ErrorCode, 'MANIFEST_INDEX_MISMATCH'>;
  /** What the index says and what the manifest says. */
  message: string;
}

/** The index fields this check reads (structurally compatible with the index types). */
export type ConsistencyPlugin = Pick<IndexPlugin, 'id' | 'publisher' | 'type' | 'capabilities'>;
/** The release fields this check reads. */
export type ConsistencyRelease = Pick<IndexRelease, 'version' | 'capabilities' | 'artifact_sha256' | 'signature_ed25519'>;

/** Options for {@link checkReleaseAgainstManifest}. */
export interface ConsistencyOptions {
  /** Pointer of the plugin entry in the index, e.g. `/plugins/3`. Default `''`. */
  basePath?: string;
  /** Index of the release within `plugin.releases`, for pointers. Default: omitted (`/releases/-`). */
  releaseIndex?: number;
}

const LOWER_SHA256_RE = /^[a-f0-9]{64}$/;

function decodeSignature(s: string): Uint8Array | null {
  if (typeof s !== 'string' || s === '') return null;
  const r = goDecodeRawStdThenStd(s);
  return r.ok && r.bytes.length === 64 ? r.bytes : null;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function duplicates(list: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const x of list) (seen.has(x) ? dup : seen).add(x);
  return [...dup];
}

/**
 * Check that an index release entry describes the given (already verified)
 * manifest: plugin id, publisher, type, release version, capabilities (the
 * release's own list, or the plugin default), artifact digest and signature.
 *
 * @param plugin - the index plugin entry.
 * @param release - the release entry within it.
 * @param manifest - the decoded manifest fetched from `release.manifest_url`.
 * @param opts - pointers for the problems.
 * @returns every disagreement (empty when consistent). Never throws for hostile data.
 * @example
 * const problems = checkReleaseAgainstManifest(plugin, release, manifest, { basePath: '/plugins/0', releaseIndex: 2 });
 * if (problems.length) throw new VerificationError('MANIFEST_INDEX_MISMATCH', problems[0].message);
 */
export function checkReleaseAgainstManifest(
  plugin: ConsistencyPlugin,
  release: ConsistencyRelease,
  manifest: Manifest,
  opts: ConsistencyOptions = {},
): ConsistencyProblem[] {
  const base = opts.basePath ?? '';
  const rel = `${base}/releases/${opts.releaseIndex ?? '-'}`;
  const problems: ConsistencyProblem[] = [];
  const add = (instancePath: string, message: string): void => {
    problems.push({ instancePath, code: 'MANIFEST_INDEX_MISMATCH', message });
  };

  if (plugin.id !== manifest.id) add(`${base}/id`, `index plugin id ${goQuote(plugin.id)} but manifest id ${goQuote(manifest.id)}`);
  if (plugin.publisher !== manifest.publisher) {
    add(`${base}/publisher`, `index publisher ${goQuote(plugin.publisher)} but manifest publisher ${goQuote(manifest.publisher)}`);
  }
  if (plugin.type !== manifest.type) add(`${base}/type`, `index type ${goQuote(plugin.type)} but manifest type ${goQuote(manifest.type)}`);
  if (release.version !== manifest.version) {
    add(`${rel}/version`, `index release version ${goQuote(release.version)} but manifest version ${goQuote(manifest.version)}`);
  }

  // Capabilities: the release's own list, else the plugin default (§E.4), compared as sets.
  const indexCaps = release.capabilities ?? plugin.capabilities;
  const capsPath = release.capabilities !== undefined ? `${rel}/capabilities` : `${base}/capabilities`;
  const manifestCaps = manifest.capabilities ?? [];
  const indexSet = new Set(indexCaps);
  const manifestSet = new Set(manifestCaps);
  const missing = [...manifestSet].filter((c) => !indexSet.has(c));
  const extra = [...indexSet].filter((c) => !manifestSet.has(c));
  if (missing.length > 0 || extra.length > 0) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`manifest declares ${missing.map(goQuote).join(', ')} which the index does not list`);
    if (extra.length > 0) parts.push(`index lists ${extra.map(goQuote).join(', ')} which the manifest does not declare`);
    add(capsPath, `capabilities differ: ${parts.join('; ')}`);
  }
  for (const d of duplicates(indexCaps)) add(capsPath, `index lists capability ${goQuote(d)} more than once`);
  for (const d of duplicates(manifestCaps)) add(capsPath, `manifest declares capability ${goQuote(d)} more than once`);

  // Artifact digest (§I.7: lowercase in the index, equal to the manifest digest).
  const digest = manifestArtifactDigest(manifest);
  if (!LOWER_SHA256_RE.test(release.artifact_sha256)) {
    add(`${rel}/artifact_sha256`, `index artifact_sha256 ${goQuote(release.artifact_sha256)} is not lowercase hex SHA-256`);
  } else if (release.artifact_sha256 !== digest.toLowerCase()) {
    add(`${rel}/artifact_sha256`, `index artifact_sha256 ${release.artifact_sha256} but manifest digest ${goQuote(digest)}`);
  }

  // Signature: decoded bytes must be identical (§G: index signatures are the manifest signatures).
  const indexSig = decodeSignature(release.signature_ed25519);
  const manifestSig = decodeSignature(manifest.signature_ed25519);
  if (manifestSig === null) {
    add(`${rel}/signature_ed25519`, 'manifest has no decodable 64-byte signature_ed25519 to compare with the index');
  } else if (indexSig === null) {
    add(`${rel}/signature_ed25519`, 'index signature_ed25519 is not a decodable 64-byte signature');
  } else if (!bytesEqual(indexSig, manifestSig)) {
    add(`${rel}/signature_ed25519`, 'index signature_ed25519 differs from the manifest signature_ed25519');
  }
  return problems;
}
