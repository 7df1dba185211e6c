/**
 * Rollback state: the last index generation a client accepted and the digest
 * of its signing payload (DESIGN §4.1 `generation`, §5 step 1 — TUF client
 * workflow "rollback attack" check).
 *
 * The state document (`lattice.plugin.index-state.v1`) is strict JSON:
 *
 * ```json
 * { "schema": "lattice.plugin.index-state.v1", "generation": 7,
 *   "payload_sha256": "<64 lowercase hex>", "verified_at": "<RFC 3339 UTC>" }
 * ```
 *
 * Rules of {@link checkRollback}: an index whose generation is lower than the
 * stored one is a rollback (`INDEX_ROLLBACK`); an equal generation must carry
 * the identical signed content (same payload digest) — otherwise two
 * different indexes were signed under one generation, or a signed index was
 * altered and re-signed without a bump (`INDEX_GENERATION_REUSED`); a higher
 * generation is accepted.
 *
 * Only a **signed** index (threshold met) may move the state forward
 * ({@link nextIndexState}): storing the generation of an unsigned draft would
 * let anyone who can serve one pin a huge generation and freeze the client.
 *
 * This module is pure (parse/serialize/compare); reading and atomically
 * writing the file is `src/io/index-state.ts`.
 *
 * @module
 */
import { VerificationError } from '../../core/errors.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import { SHA256_HEX_RE, formatRFC3339UTC, isRFC3339UTC } from '../../core/rules.js';

/** The `schema` value of a state document. */
export const INDEX_STATE_SCHEMA = 'lattice.plugin.index-state.v1';

/** Largest state document accepted (bytes). */
export const MAX_INDEX_STATE_BYTES = 4096;

/** What a client remembers between runs (the contract of `verifyIndex`). */
export interface IndexState {
  /** The highest generation accepted so far (integer ≥ 1). */
  generation: number;
  /** Lowercase hex SHA-256 of that index's signing payload. */
  payloadSha256: string;
}

/** A parsed state document. */
export interface IndexStateDocument {
  state: IndexState;
  /** RFC 3339 UTC time of the verification that stored it. */
  verifiedAt: string;
}

/** Result of {@link parseIndexState}: malformed data never throws. */
export type IndexStateParseResult = { ok: true; document: IndexStateDocument } | { ok: false; error: VerificationError };

/**
 * Parse a state document strictly: strict JSON, exactly the four members,
 * `generation` a safe integer ≥ 1, `payload_sha256` 64 lowercase hex,
 * `verified_at` RFC 3339 UTC.
 *
 * @param bytes - the file content.
 * @returns the document, or a {@link VerificationError} coded
 *   `INDEX_STATE_INVALID` (a damaged state file fails closed: the caller must
 *   not silently start over, which would reopen rollback).
 * @example
 * ```ts
 * const r = parseIndexState(bytes);
 * if (!r.ok) throw r.error;
 * ```
 */
export function parseIndexState(bytes: Uint8Array): IndexStateParseResult {
  const fail = (message: string): IndexStateParseResult => ({
    ok: false,
    error: new VerificationError('INDEX_STATE_INVALID', `rollback state is malformed: ${message}`),
  });
  const parsed = parseJSONStrict(bytes, { maxBytes: MAX_INDEX_STATE_BYTES, maxDepth: 2 });
  if (!parsed.ok) return fail(`${parsed.error.message} (line ${parsed.error.line}, column ${parsed.error.column})`);
  const v = parsed.value;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail('expected a JSON object');
  for (const k of Object.keys(v)) {
    if (k !== 'schema' && k !== 'generation' && k !== 'payload_sha256' && k !== 'verified_at') return fail(`unknown member ${JSON.stringify(k)}`);
  }
  if (v.schema !== INDEX_STATE_SCHEMA) return fail(`schema must be ${INDEX_STATE_SCHEMA}`);
  const state = { generation: v.generation, payloadSha256: v.payload_sha256 };
  const problem = indexStateProblem(state);
  if (problem !== null) return fail(problem);
  if (!isRFC3339UTC(v.verified_at)) return fail('verified_at must be an RFC 3339 UTC timestamp');
  return { ok: true, document: { state: state as IndexState, verifiedAt: v.verified_at } };
}

/**
 * Serialize a state document (2-space JSON and a final newline).
 *
 * @param state - the state to store.
 * @param verifiedAtMs - when the index was verified (ms since the epoch).
 * @returns the file text.
 * @throws {TypeError} if `state` is malformed (a caller bug).
 * @example
 * ```ts
 * await writeFileAtomic(file, serializeIndexState(next, now));
 * ```
 */
export function serializeIndexState(state: IndexState, verifiedAtMs: number): string {
  const problem = indexStateProblem(state);
  if (problem !== null) throw new TypeError(`serializeIndexState: ${problem}`);
  const doc = {
    schema: INDEX_STATE_SCHEMA,
    generation: state.generation,
    payload_sha256: state.payloadSha256,
    verified_at: formatRFC3339UTC(verifiedAtMs),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/**
 * What is wrong with a state value, or `null` when it is well formed.
 *
 * @param state - any value given as state.
 * @returns a one-line description of the first problem, or `null`.
 * @example
 * ```ts
 * indexStateProblem({ generation: 0, payloadSha256: 'x' }); // 'generation must be …'
 * ```
 */
export function indexStateProblem(state: unknown): string | null {
  if (state === null || typeof state !== 'object') return 'expected { generation, payloadSha256 }';
  const { generation, payloadSha256 } = state as Partial<IndexState>;
  if (typeof generation !== 'number' || !Number.isSafeInteger(generation) || generation < 1) {
    return `generation must be an integer from 1 to 9007199254740991, found ${String(generation)}`;
  }
  if (typeof payloadSha256 !== 'string' || !SHA256_HEX_RE.test(payloadSha256)) {
    return 'payload_sha256 must be 64 lowercase hex digits';
  }
  return null;
}

/**
 * The rollback check of DESIGN §5 step 1 ("generation not lower than the
 * stored one; equal generation must have an identical payload digest").
 *
 * @param generation - the candidate index's generation (`undefined` when it has none).
 * @param payloadSha256 - the candidate's signing-payload digest.
 * @param state - the stored state (any value: a malformed one fails closed).
 * @returns `null` when the candidate may be accepted, else a
 *   {@link VerificationError} coded `INDEX_STATE_INVALID`, `INDEX_ROLLBACK` or
 *   `INDEX_GENERATION_REUSED`.
 * @example
 * ```ts
 * const e = checkRollback(7, digest, { generation: 8, payloadSha256: other }); // INDEX_ROLLBACK
 * ```
 */
export function checkRollback(generation: number | undefined, payloadSha256: string, state: unknown): VerificationError | null {
  const problem = indexStateProblem(state);
  if (problem !== null) return new VerificationError('INDEX_STATE_INVALID', `rollback state is malformed: ${problem}`);
  const stored = state as IndexState;
  if (generation === undefined) {
    return new VerificationError(
      'INDEX_ROLLBACK',
      `index has no generation, but generation ${stored.generation} was accepted before`,
      { stored: stored.generation },
    );
  }
  if (generation < stored.generation) {
    return new VerificationError(
      'INDEX_ROLLBACK',
      `index generation ${generation} is lower than the stored generation ${stored.generation} (rollback)`,
      { generation, stored: stored.generation },
    );
  }
  if (generation === stored.generation && payloadSha256 !== stored.payloadSha256) {
    return new VerificationError(
      'INDEX_GENERATION_REUSED',
      `index generation ${generation} equals the stored generation but its signed content differs (payload sha256 ${payloadSha256}, stored ${stored.payloadSha256})`,
      { generation, payloadSha256, stored: stored.payloadSha256 },
    );
  }
  return null;
}

/**
 * The state to store after a successful verification, or `undefined` when
 * the state must not move: the index was accepted unsigned (a draft under
 * `allowDraft`, below the threshold) or has no generation.
 *
 * @param verified - the verified index (`signed`, `generation`, `payloadSha256`).
 * @returns the new state, or `undefined`.
 * @example
 * ```ts
 * const next = nextIndexState(result.verified);
 * if (next) await writeIndexStateFile(file, next, now);
 * ```
 */
export function nextIndexState(verified: { signed: boolean; generation: number | undefined; payloadSha256: string }): IndexState | undefined {
  if (!verified.signed || verified.generation === undefined) return undefined;
  return { generation: verified.generation, payloadSha256: verified.payloadSha256 };
}
