/**
 * The loadability matrix of one manifest: the server-parity verdict on every
 * known server version (DESIGN §4.5, docs/SERVER-VERSIONS.md).
 *
 * Per version, what the server's loader does with the manifest file before
 * it looks at trust, the artifact or the runtime: `DecodeManifest` with that
 * version's decoder, then `ValidateManifest` with that version's rules
 * (interop §A.1, §A.4; lattice-server-2026-09.md) — with this project's
 * strict decoder, so a manifest we refuse to read loads nowhere (fail closed).
 * The signing payload of each version is computed too (it differs only for
 * v1 manifests with dependencies, §B.1).
 *
 * Signature: when the publisher's key is given and the versions that read
 * the manifest compute **different** payloads, the signature can cover only
 * one of them; the key decides which, and a version whose payload it does not
 * cover does not load the manifest (the server would say `invalid signature`).
 * When every version computes the same payload, the signature verdict is the
 * same everywhere and is not re-checked here: pr-check verified it when the
 * manifest was stored, and the installer verifies it again.
 *
 * Cost: one decode — with the version whose decoder knows the most fields —
 * reused for every version whose decoder knows every key the input uses (the
 * decoders differ only in which keys they know, so they then read the same
 * manifest); another decode only for a version that lacks a used key (to get
 * its exact error) or when the first decode fails. One validation per
 * version. Payloads only when asked (`payloads`), or when they can differ
 * (a v1 manifest with dependencies) and a key is given to decide.
 *
 * Pure and synchronous, browser-safe.
 *
 * @module
 */
import { allServerRules, serverRules, type ServerRules } from '../../core/server-line.js';
import { sha256Hex, verifyEd25519 } from '../../crypto/index.js';
import { goDecodeRawStdThenStd } from '../../core/base64.js';
import { decodeManifest, type DecodeManifestResult, type DecodedKeys } from './decode.js';
import { MANIFEST_SCHEMA_V2, type Manifest } from './model.js';
import { manifestSigningPayload, v1PayloadAmbiguity } from './payload.js';
import { validateManifest } from './validate.js';

/** The verdict of one server version on one manifest. */
export interface ServerVersionVerdict {
  /** The version id. */
  readonly version: string;
  /** True when the version decodes and validates the manifest (and, where checked, its signature covers the version's payload). */
  readonly loads: boolean;
  /** The decoder's text when decoding failed (Go's text where Go fails too). */
  readonly decodeError: string | null;
  /** The validator's text (the server's exact error) when validation failed. */
  readonly validateError: string | null;
  /** Set when the signature was checked and does not cover this version's payload: `invalid signature`. */
  readonly signatureError: string | null;
  /** Lowercase hex SHA-256 of the version's signing payload; `null` when it did not decode (or payloads were not asked for). */
  readonly payloadSha256: string | null;
}

/** Result of {@link manifestLoadability}. */
export interface LoadabilityMatrix {
  /** One verdict per version asked about, in the order asked. */
  readonly verdicts: readonly ServerVersionVerdict[];
  /** The versions that load the manifest, in the order asked. */
  readonly loadsOn: readonly string[];
  /** The manifest as decoded by the last version (in the order asked) that reads it — for consistency checks — if any does. */
  readonly manifest: Manifest | null;
  /** Whether a signature check decided between different payloads. */
  readonly signatureChecked: boolean;
}

/** Options of {@link manifestLoadability}. */
export interface LoadabilityOptions {
  /** The versions to judge (any known names), in the order wanted. Default: every known version, registry order. */
  versions?: readonly string[];
  /**
   * The publisher's raw 32-byte Ed25519 key. When given and the versions
   * compute different payloads, the signature decides which of them it
   * covers (see the module comment).
   */
  publicKey?: Uint8Array;
  /** Compute every version's payload SHA-256 (default true); without it `payloadSha256` is `null` unless payloads had to be compared. */
  payloads?: boolean;
}

const decoderKeys = new WeakMap<ServerRules, string>();

/** The decoder a version uses: versions with the same field lists decode alike (computed once per rules object). */
function decoderKey(r: ServerRules): string {
  let k = decoderKeys.get(r);
  if (k === undefined) {
    k = `${r.manifestFields.join(',')}|${r.invokeBudget.fields.join(',')}`;
    decoderKeys.set(r, k);
  }
  return k;
}

/** Whether a version's decoder knows every key a decode saw (then it reads the same manifest). */
function knowsAll(r: ServerRules, keys: DecodedKeys): boolean {
  for (const k of keys.manifest) if (!r.manifestFields.includes(k)) return false;
  for (const k of keys.budget) if (!r.invokeBudget.fields.includes(k)) return false;
  return true;
}

/** The versions' rules, the one whose decoder knows the most fields first. */
function byDecoderReach(list: readonly ServerRules[]): ServerRules[] {
  const reach = (r: ServerRules): number => r.manifestFields.length + r.invokeBudget.fields.length;
  return [...list].sort((a, b) => reach(b) - reach(a));
}

/**
 * Decode a stored manifest with the first known version that reads it (the
 * widest decoder first) — for checks that need the manifest but no matrix.
 *
 * @param manifestBytes - the file.
 * @returns the manifest and the version that read it, or the widest decoder's error.
 */
export function decodeWithAnyVersion(manifestBytes: Uint8Array): { ok: true; manifest: Manifest; version: string } | { ok: false; message: string } {
  let first: string | undefined;
  const tried = new Set<string>();
  for (const r of byDecoderReach(allServerRules())) {
    if (tried.has(decoderKey(r))) continue;
    tried.add(decoderKey(r));
    const d = decodeManifest(manifestBytes, { serverVersion: r.version });
    if (d.ok) return { ok: true, manifest: d.manifest, version: r.version };
    first ??= d.message;
  }
  return { ok: false, message: first ?? 'no known server version' };
}

/**
 * The server-parity verdict of every known server version on a manifest file.
 *
 * @param manifestBytes - the manifest file, exactly as stored.
 * @param opts - which versions, and the publisher key for payload-dependent signatures.
 * @returns per-version verdicts and the versions that load it. Hostile bytes never throw.
 * @throws TypeError for an unknown version name or a key that is not 32 bytes (caller bugs).
 * @example
 * const m = manifestLoadability(bytes);
 * m.loadsOn // ['alpha-0.2.2a41', 'integration-2026-09']
 */
export function manifestLoadability(manifestBytes: Uint8Array, opts: LoadabilityOptions = {}): LoadabilityMatrix {
  const rulesList = opts.versions === undefined ? allServerRules() : opts.versions.map((v) => serverRules(v));
  if (opts.publicKey !== undefined && (!(opts.publicKey instanceof Uint8Array) || opts.publicKey.length !== 32)) {
    throw new TypeError('manifestLoadability: publicKey must be a 32-byte Uint8Array');
  }
  const decoded = new Map<string, DecodeManifestResult>();
  // The widest decoder first: its success answers for every version that knows the keys it saw.
  const primary = byDecoderReach(rulesList)[0];
  const first = primary !== undefined ? decodeManifest(manifestBytes, { serverVersion: primary.version }) : undefined;
  if (primary !== undefined) decoded.set(decoderKey(primary), first!);
  const decodeFor = (rules: ServerRules): DecodeManifestResult => {
    const key = decoderKey(rules);
    let d = decoded.get(key);
    if (d === undefined) {
      d = first !== undefined && first.ok && knowsAll(rules, first.keys) ? first : decodeManifest(manifestBytes, { serverVersion: rules.version });
      decoded.set(key, d);
    }
    return d;
  };
  const wantPayloads = opts.payloads !== false;
  const payloads = new Map<boolean, { bytes: Uint8Array; sha: string }>();
  const rows: Array<{ rules: ServerRules; decodeError: string | null; validateError: string | null; payload: { bytes: Uint8Array; sha: string } | null }> = [];
  let manifest: Manifest | null = null;
  for (const rules of rulesList) {
    const d = decodeFor(rules);
    if (!d.ok) {
      rows.push({ rules, decodeError: d.message, validateError: null, payload: null });
      continue;
    }
    const m = d.manifest;
    manifest = m;
    // The payload depends on the version only through the v1 dependencies rule (§B.1).
    const flag = m.schema !== MANIFEST_SCHEMA_V2 && m.dependencies.length > 0 && rules.v1PayloadIncludesDependencies;
    let payload = payloads.get(flag) ?? null;
    if (payload === null && (wantPayloads || (opts.publicKey !== undefined && m.schema !== MANIFEST_SCHEMA_V2 && m.dependencies.length > 0))) {
      const bytes = manifestSigningPayload(m, { serverVersion: rules.version });
      payload = { bytes, sha: sha256Hex(bytes) };
      payloads.set(flag, payload);
    }
    let validateError = validateManifest(m, { serverVersion: rules.version });
    // Our addition (verify.ts): an ambiguous v1 payload is never accepted (§B.1).
    if (validateError === null) {
      const ambiguous = v1PayloadAmbiguity(m);
      if (ambiguous !== null) validateError = `manifest v1 field ${ambiguous} contains a newline (ambiguous signing payload)`;
    }
    rows.push({ rules, decodeError: null, validateError, payload });
  }

  // Several distinct payloads among the readable versions: the signature covers at most one.
  const readable = rows.filter((r) => r.payload !== null);
  const distinct = new Set(readable.map((r) => r.payload!.sha));
  const signatureChecked = opts.publicKey !== undefined && distinct.size > 1 && manifest !== null;
  const covered = new Map<string, boolean>();
  if (signatureChecked) {
    const sig = goDecodeRawStdThenStd(manifest!.signature_ed25519);
    for (const r of readable) {
      const sha = r.payload!.sha;
      if (!covered.has(sha)) covered.set(sha, sig.ok && sig.bytes.length === 64 && verifyEd25519(opts.publicKey!, r.payload!.bytes, sig.bytes));
    }
  }

  const verdicts: ServerVersionVerdict[] = rows.map((r) => {
    const signatureError = signatureChecked && r.payload !== null && covered.get(r.payload.sha) === false ? 'invalid signature' : null;
    return Object.freeze({
      version: r.rules.version,
      loads: r.decodeError === null && r.validateError === null && signatureError === null,
      decodeError: r.decodeError,
      validateError: r.validateError,
      signatureError,
      payloadSha256: r.payload?.sha ?? null,
    });
  });
  return Object.freeze({
    verdicts: Object.freeze(verdicts),
    loadsOn: Object.freeze(verdicts.filter((v) => v.loads).map((v) => v.version)),
    manifest,
    signatureChecked,
  });
}

/**
 * The server's error for a version that does not load a manifest, as one line
 * (decode error, else validation error, else the signature error).
 * @returns the text, or `null` when the version loads it.
 */
export function verdictError(v: ServerVersionVerdict): string | null {
  return v.decodeError ?? v.validateError ?? v.signatureError;
}
