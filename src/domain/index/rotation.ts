/**
 * Publisher key history and key rotation (DESIGN §4.1, docs/FORMAT.md
 * "Publisher").
 *
 * A publisher lists its retired keys in `key_history`, oldest first, each
 * with the window in which it signed and a **rotation statement** signed by
 * that retired key handing over to the next key:
 *
 * ```
 * "LATTICE-PUBLISHER-KEY-ROTATION-V1\n" ||
 *   JCS({"next_key": <b64>, "previous_key": <b64>, "publisher": <id>, "rotated_at": <valid_until>})
 * ```
 *
 * "Next" is the following history entry's key, or the current
 * `public_key_ed25519` for the last entry. So the chain
 * `history[0] → history[1] → … → current` is unbroken only if every link is
 * signed by the key it retires: a new key is accepted only with a statement
 * from the previous one, and dropping, inserting or reordering an entry
 * breaks a signature.
 *
 * A release is judged by the key valid at its `published_at`
 * ({@link publisherKeyAt}): a release signed by a rotated-out key stays valid
 * if it was published inside that key's window. Releases without
 * `published_at` are judged by the current key only.
 *
 * Note what this proves and what it does not: the chain shows that each
 * retired key agreed to its successor. Whether the *first* key belongs to the
 * publisher is the operator's decision (their install policy's publisher
 * keys), never the index's.
 *
 * Pure and synchronous; {@link verifyPublisherKeyHistory} and the lookups are
 * browser-safe (used by `verifyIndex`).
 *
 * @module
 */
import { VerificationError, InputError } from '../../core/errors.js';
import { canonicalize } from '../../core/jcs.js';
import { decodeCanonicalBase64, encodeBase64 } from '../../core/base64.js';
import { formatRFC3339UTC, isRFC3339UTC } from '../../core/rules.js';
import { validateIndex } from '../../core/index/validate.js';
import type { IndexProblem } from '../../core/index/problems.js';
import type { IndexPublisher, IndexRelease, KeyHistoryEntry } from '../../core/index/types.js';
import type { ServerLine } from '../../core/server-line.js';
import { keyId, publicKeyFromSeed, signEd25519, verifyEd25519 } from '../../crypto/index.js';

/** Domain-separation prefix of a rotation statement (docs/FORMAT.md "Publisher"). */
export const KEY_ROTATION_PREFIX = 'LATTICE-PUBLISHER-KEY-ROTATION-V1\n';

/** The content of one rotation statement. Keys are canonical padded base64. */
export interface RotationStatement {
  /** Publisher id. */
  publisher: string;
  /** The retiring key (the signer of the statement). */
  previousKey: string;
  /** The key taking over. */
  nextKey: string;
  /** RFC 3339 UTC: the retiring key's `valid_until`. */
  rotatedAt: string;
}

/** Outcome of {@link verifyPublisherKeyHistory}: hostile data never throws. */
export type KeyHistoryResult = { ok: true } | { ok: false; error: VerificationError };

const UTF8 = new TextEncoder();

/**
 * The bytes a retiring key signs to hand over to the next key:
 * {@link KEY_ROTATION_PREFIX} ‖ RFC 8785 JCS of
 * `{next_key, previous_key, publisher, rotated_at}`.
 *
 * @param statement - the rotation statement.
 * @returns a fresh `Uint8Array`.
 * @throws {InputError} `JCS_UNREPRESENTABLE` if a member is not a well-formed
 *   string (a caller bug).
 * @example
 * ```ts
 * const payload = rotationStatementPayload({ publisher: 'acme', previousKey: oldB64, nextKey: newB64, rotatedAt: '2026-07-09T00:00:00Z' });
 * const sig = signEd25519(oldSeed, payload);
 * ```
 */
export function rotationStatementPayload(statement: RotationStatement): Uint8Array {
  for (const [name, v] of Object.entries(statement)) {
    if (typeof v !== 'string') throw new TypeError(`rotationStatementPayload: ${name} must be a string`);
  }
  const body = canonicalize({
    next_key: statement.nextKey,
    previous_key: statement.previousKey,
    publisher: statement.publisher,
    rotated_at: statement.rotatedAt,
  });
  return UTF8.encode(KEY_ROTATION_PREFIX + body);
}

/**
 * Verify a publisher's key history: every entry's rotation statement is
 * signed by that entry's (retiring) key and names the next key in the chain
 * (the following entry's key, or the current key after the last entry), the
 * publisher's id and the entry's `valid_until`; windows are well formed and
 * in order. A publisher without `key_history` passes.
 *
 * The validator already checked the shapes; they are re-checked here so this
 * function fails closed on any input (STYLE.md: inputs are re-checked).
 *
 * @param publisher - a publisher entry of a validated index.
 * @returns `{ ok: true }`, or `{ ok: false, error }` with a
 *   {@link VerificationError} coded `KEY_ROTATION_INVALID` naming the entry.
 * @example
 * ```ts
 * const r = verifyPublisherKeyHistory(index.publishers[0]);
 * if (!r.ok) console.error(r.error.message);
 * ```
 */
export function verifyPublisherKeyHistory(publisher: IndexPublisher): KeyHistoryResult {
  const history: unknown = publisher?.key_history;
  if (history === undefined) return { ok: true };
  const id = publisher.id;
  const fail = (j: number | null, message: string): KeyHistoryResult => ({
    ok: false,
    error: new VerificationError(
      'KEY_ROTATION_INVALID',
      `publisher ${id}${j === null ? '' : ` key_history[${j}]`}: ${message}`,
      { publisher: id, entry: j },
    ),
  });
  if (!Array.isArray(history)) return fail(null, 'key_history must be an array');
  if (typeof id !== 'string') return fail(null, 'publisher id must be a string');
  if (decodeCanonicalBase64(publisher.public_key_ed25519, 32) === null) return fail(null, 'the current key is not canonical base64 of 32 bytes');
  let previousUntil: number | null = null;
  for (let j = 0; j < history.length; j++) {
    const e = history[j] as Partial<KeyHistoryEntry> | null;
    if (e === null || typeof e !== 'object') return fail(j, 'entry must be an object');
    const previousKey = decodeCanonicalBase64(e.public_key_ed25519, 32);
    if (previousKey === null) return fail(j, 'public_key_ed25519 is not canonical base64 of 32 bytes');
    const signature = decodeCanonicalBase64(e.rotation_signature_ed25519, 64);
    if (signature === null) return fail(j, 'the rotation statement signature is missing or not canonical base64 of 64 bytes');
    if (!isRFC3339UTC(e.valid_from) || !isRFC3339UTC(e.valid_until)) return fail(j, 'valid_from and valid_until must be RFC 3339 UTC timestamps');
    const from = Date.parse(e.valid_from);
    const until = Date.parse(e.valid_until);
    if (!(from < until)) return fail(j, `valid_until ${e.valid_until} must be after valid_from ${e.valid_from}`);
    if (previousUntil !== null && from < previousUntil) return fail(j, `valid_from ${e.valid_from} lies before the previous window ends`);
    previousUntil = until;
    const next = j + 1 < history.length ? (history[j + 1] as Partial<KeyHistoryEntry> | null)?.public_key_ed25519 : publisher.public_key_ed25519;
    if (typeof next !== 'string' || decodeCanonicalBase64(next, 32) === null) return fail(j, 'the next key in the chain is not canonical base64 of 32 bytes');
    if (next === e.public_key_ed25519) return fail(j, 'a key cannot rotate to itself');
    const payload = rotationStatementPayload({
      publisher: id,
      previousKey: e.public_key_ed25519 as string,
      nextKey: next,
      rotatedAt: e.valid_until,
    });
    // DESIGN §4.1: "a new key is accepted only with a rotation statement
    // signed by the previous key" — Go-compatible Ed25519 verdict (DESIGN §6).
    if (!verifyEd25519(previousKey, payload, signature)) {
      return fail(j, `the rotation statement to key ${keyId(decodeCanonicalBase64(next, 32)!).slice(0, 16)}… is not signed by the retiring key ${keyId(previousKey).slice(0, 16)}…`);
    }
  }
  return { ok: true };
}

/** Decoded keys by their text: `installed`/`audit` ask once per installed release, for a handful of publishers. */
const keyMemo = new Map<string, Uint8Array | null>();

/** `decodeCanonicalBase64(text, 32)`, memoised; each caller gets its own copy. */
function key32(text: string): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  let k = keyMemo.get(text);
  if (k === undefined) {
    if (keyMemo.size >= 4096) keyMemo.clear();
    k = decodeCanonicalBase64(text, 32);
    keyMemo.set(text, k);
  }
  return k === null ? undefined : k.slice();
}

/**
 * The publisher key that was valid at `timeMs` (DESIGN §4.1: "judge by
 * publish time, not by now"):
 * - `timeMs` undefined (a release without `published_at`) → the current key;
 * - inside a history window `[valid_from, valid_until)` → that retired key;
 * - at or after the last window's `valid_until` (or any time when there is no
 *   history) → the current key;
 * - before the first window or in a gap between windows → `undefined` (no
 *   key was valid; the release must be refused).
 *
 * Call it on publishers of an index that passed `verifyIndex` (whose key
 * histories were verified); it does not re-verify the chain.
 *
 * @param publisher - a publisher of a verified index.
 * @param timeMs - milliseconds since the epoch, or `undefined`.
 * @returns the raw 32-byte key, or `undefined` when no key was valid then.
 * @example
 * ```ts
 * const key = publisherKeyAt(publisher, Date.parse(release.published_at));
 * if (!key) throw new VerificationError('MANIFEST_SIGNATURE_INVALID', 'no publisher key was valid at the publish time');
 * ```
 */
export function publisherKeyAt(publisher: IndexPublisher, timeMs: number | undefined): Uint8Array | undefined {
  const current = key32(publisher.public_key_ed25519);
  if (timeMs === undefined) return current;
  if (!Number.isFinite(timeMs)) return undefined;
  const history = publisher.key_history ?? [];
  if (history.length === 0) return current;
  for (const e of history) {
    if (!isRFC3339UTC(e.valid_from) || !isRFC3339UTC(e.valid_until)) return undefined;
    const from = Date.parse(e.valid_from);
    const until = Date.parse(e.valid_until);
    if (timeMs >= from && timeMs < until) return key32(e.public_key_ed25519);
  }
  const last = history[history.length - 1]!;
  return timeMs >= Date.parse(last.valid_until) ? current : undefined;
}

/**
 * The publisher key a release must be signed with: the key valid at its
 * `published_at`, or the current key when it has none ({@link publisherKeyAt}).
 *
 * @param publisher - the release's publisher, from a verified index.
 * @param release - the release.
 * @returns the raw 32-byte key, or `undefined` when no key was valid at the publish time.
 * @example
 * ```ts
 * const key = publisherKeyForRelease(publisher, release);
 * ```
 */
export function publisherKeyForRelease(publisher: IndexPublisher, release: Pick<IndexRelease, 'published_at'>): Uint8Array | undefined {
  const at = release.published_at;
  if (at === undefined) return publisherKeyAt(publisher, undefined);
  return isRFC3339UTC(at) ? publisherKeyAt(publisher, Date.parse(at)) : undefined;
}

/** Options of {@link rotatePublisherKey}. */
export interface RotatePublisherKeyOptions {
  /** The rotation time in ms since the epoch (whole seconds are kept). */
  at: number;
  /**
   * Start of the retiring key's window when the publisher has no history yet
   * (default: 1970-01-01T00:00:00Z — the key was the publisher's only key
   * since the beginning). Refused when a history exists: the window then
   * starts where the previous one ended.
   */
  validFrom?: number;
  /** Server line for validating the publisher entry. */
  serverLine?: ServerLine;
}

/**
 * Rotate a publisher's key: the current key moves into `key_history` with a
 * rotation statement signed by it (the old seed), and `newPublicKey` becomes
 * the current key. The result is validated and its chain verified before it
 * is returned; the input is not modified.
 *
 * @param publisher - a publisher entry (the content of `index/publishers/<id>.json`).
 * @param oldSeed - the 32-byte seed of the publisher's **current** key.
 * @param newPublicKey - the raw 32-byte new public key.
 * @param opts - rotation time and first window start.
 * @returns the updated publisher entry (member order kept; `key_history`
 *   inserted after `public_key_ed25519` when new).
 * @throws {VerificationError} `INDEX_INVALID` if the entry does not validate,
 *   `KEY_ROTATION_INVALID` if its existing history does not verify.
 * @throws {InputError} `KEY_INVALID` if the old seed is not the current key or
 *   the new key equals a current or retired key; `INPUT_INVALID` for a
 *   rotation time not after the window start.
 * @example
 * ```ts
 * const rotated = rotatePublisherKey(entry, oldSeed, newPublicKey, { at: Date.now() });
 * ```
 */
export function rotatePublisherKey(
  publisher: unknown,
  oldSeed: Uint8Array,
  newPublicKey: Uint8Array,
  opts: RotatePublisherKeyOptions,
): IndexPublisher {
  const problems = validatePublisherEntry(publisher, opts.serverLine);
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new VerificationError('INDEX_INVALID', `publisher entry is invalid: ${first.instancePath || '/'}: ${first.message}`, problems);
  }
  const p = publisher as IndexPublisher;
  const existing = verifyPublisherKeyHistory(p);
  if (!existing.ok) throw existing.error;
  if (!(newPublicKey instanceof Uint8Array) || newPublicKey.length !== 32) {
    throw new InputError('KEY_INVALID', 'the new public key must be 32 bytes');
  }
  const oldPublic = encodeBase64(publicKeyFromSeed(oldSeed));
  if (oldPublic !== p.public_key_ed25519) {
    throw new InputError(
      'KEY_INVALID',
      `the old key (keyid ${keyId(decodeCanonicalBase64(oldPublic, 32)!)}) is not publisher ${p.id}'s current key (keyid ${keyId(decodeCanonicalBase64(p.public_key_ed25519, 32)!)})`,
    );
  }
  const nextKey = encodeBase64(newPublicKey);
  const history = p.key_history ?? [];
  if (nextKey === p.public_key_ed25519 || history.some((e) => e.public_key_ed25519 === nextKey)) {
    throw new InputError('KEY_INVALID', `the new key ${nextKey} is already publisher ${p.id}'s current or a retired key`);
  }
  if (!Number.isFinite(opts.at)) throw new TypeError('rotatePublisherKey: at must be a finite number');
  let validFrom: string;
  if (history.length > 0) {
    if (opts.validFrom !== undefined) throw new InputError('INPUT_INVALID', 'the window start is only chosen for the first rotation; later windows start where the previous one ended');
    validFrom = history[history.length - 1]!.valid_until;
  } else {
    validFrom = formatRFC3339UTC(opts.validFrom ?? 0);
  }
  const rotatedAt = formatRFC3339UTC(opts.at);
  if (!(Date.parse(rotatedAt) > Date.parse(validFrom))) {
    throw new InputError('INPUT_INVALID', `the rotation time ${rotatedAt} must be after the retiring key's window start ${validFrom}`);
  }
  const payload = rotationStatementPayload({ publisher: p.id, previousKey: p.public_key_ed25519, nextKey, rotatedAt });
  const entry: KeyHistoryEntry = {
    public_key_ed25519: p.public_key_ed25519,
    valid_from: validFrom,
    valid_until: rotatedAt,
    rotation_signature_ed25519: encodeBase64(signEd25519(oldSeed, payload)),
  };
  // Keep the entry file's member order; add key_history after the key.
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(p)) {
    if (k === 'key_history') continue;
    out[k] = k === 'public_key_ed25519' ? nextKey : (p as unknown as Record<string, unknown>)[k];
    if (k === 'public_key_ed25519') out.key_history = [...history, entry];
  }
  const rotated = out as unknown as IndexPublisher;
  // Self-check before handing the entry back: it validates and its chain verifies.
  const after = validatePublisherEntry(rotated, opts.serverLine);
  if (after.length > 0) throw new Error(`rotatePublisherKey produced an invalid entry: ${after[0]!.message}`);
  const chain = verifyPublisherKeyHistory(rotated);
  if (!chain.ok) throw new Error(`rotatePublisherKey produced a broken chain: ${chain.error.message}`);
  return rotated;
}

/**
 * Validate one publisher entry (an `index/publishers/<id>.json` file) with
 * the index validator's publisher rules — the one source of truth for them —
 * by placing it in an otherwise empty draft index. Problem paths are relative
 * to the entry (`/key_history/0/valid_from`).
 *
 * @param value - the parsed entry file.
 * @param serverLine - server line (does not affect publisher rules today).
 * @returns every problem; empty when the entry is valid.
 * @example
 * ```ts
 * const problems = validatePublisherEntry(parseJSONStrict(bytes).value);
 * ```
 */
export function validatePublisherEntry(value: unknown, serverLine?: ServerLine): IndexProblem[] {
  const wrapper = {
    schema: 'lattice.plugin.index.v1',
    generated_at: '2000-01-01T00:00:00Z',
    status: 'draft',
    publishers: [value],
    plugins: [],
    signatures: [],
  };
  return validateIndex(wrapper, serverLine ? { serverLine } : {}).map((p) => ({
    ...p,
    instancePath: p.instancePath.startsWith('/publishers/0') ? p.instancePath.slice('/publishers/0'.length) : p.instancePath,
  }));
}
