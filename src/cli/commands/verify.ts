/**
 * `lattice-index verify INDEX (--policy FILE | --key B64 …)` — verify a signed
 * index with the operator's trusted keys (DESIGN §5 step 1): strict parse,
 * validate, threshold of distinct trusted keys, official, not expired, no
 * rollback against `--state`, key rotation statements. Prints one line per
 * fact (or `--json`), including the revoked releases, artifacts and keys.
 *
 * Exit 0 verified; 1 verification or policy failure (one line
 * `lattice-index: <message> [CODE]`); 2 usage error or unreadable input.
 * The state file is written atomically and only after success, and only
 * from an index that met the threshold.
 *
 * @module
 */
import type { Argv, CommandModule } from 'yargs';
import { InputError, type ErrorCode } from '../../core/errors.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import type { JSONValue } from '../../core/json/types.js';
import { isRFC3339UTC } from '../../core/rules.js';
import { SERVER_LINES, type ServerLine } from '../../core/server-line.js';
import { nextIndexState } from '../../domain/index/state.js';
import { indexTrustFromKeys, indexTrustFromPolicy, type IndexTrust } from '../../domain/index/trust.js';
import { verifyIndex, type VerifiedIndex } from '../../domain/index/verify.js';
import { readFileBounded } from '../../io/files.js';
import { readIndexStateFile, writeIndexStateFile } from '../../io/index-state.js';
import { MAX_INDEX_BYTES } from '../index-check.js';
import { oneLine, out } from '../run.js';

interface VerifyArgs {
  index: string;
  policy?: string;
  /** One value, or an array when repeated (yargs collects repeats). */
  key?: string | string[];
  threshold?: number;
  state?: string;
  now?: string;
  'allow-draft': boolean;
  'server-line': ServerLine;
  json: boolean;
}

/** Largest install policy read (1 MiB). */
const MAX_POLICY_BYTES = 1024 * 1024;

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
 * Read and strictly parse a JSON file.
 *
 * @param file - the path.
 * @param maxBytes - byte cap.
 * @param code - the code of the error when it is not strict JSON.
 * @returns the parsed value.
 * @throws {InputError} `INPUT_UNREADABLE`, `JSON_TOO_LARGE`, or `code`.
 */
export async function readStrictJSONFile(file: string, maxBytes: number, code: ErrorCode = 'INPUT_INVALID'): Promise<JSONValue> {
  const bytes = await readFileBounded(file, maxBytes);
  const r = parseJSONStrict(bytes, { maxBytes });
  if (!r.ok) {
    throw new InputError(code, `${file}:${r.error.line}:${r.error.column}: not strict JSON: ${r.error.message} [${r.error.code}]`);
  }
  return r.value;
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify <index>',
  describe: 'Verify a signed index with trusted keys: threshold, official, expiry, rollback (--state), key rotations',
  builder: (y: Argv) =>
    y
      .positional('index', { type: 'string', demandOption: true, describe: 'the index file (e.g. index/plugins.json)' })
      .option('policy', { type: 'string', describe: 'install policy file; its "index" member holds trusted_keys and threshold' })
      .option('key', { type: 'string', describe: 'a trusted index public key (canonical base64); repeat for several' })
      .option('threshold', { type: 'number', describe: 'distinct trusted keys that must sign (with --key; default 1)' })
      .option('state', { type: 'string', describe: 'rollback state file: read, checked, updated atomically after success' })
      .option('now', { type: 'string', describe: 'reference time (RFC 3339 UTC) instead of the clock' })
      .option('allow-draft', { type: 'boolean', default: false, describe: 'accept a draft/example index, even unsigned (never updates --state then)' })
      .option('server-line', { choices: SERVER_LINES, default: 'integration' as ServerLine, describe: 'server line whose capability table applies' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' }) as unknown as Argv<VerifyArgs>,
  handler: async (args) => {
    const now = parseTimeFlag('--now', args.now);
    const trust = await loadTrust(args);
    const state = args.state !== undefined ? await readIndexStateFile(args.state) : undefined;
    const bytes = await readFileBounded(args.index, MAX_INDEX_BYTES);
    const result = verifyIndex(bytes, trust, {
      now,
      ...(state !== undefined ? { state } : {}),
      allowDraft: args['allow-draft'],
      serverLine: args['server-line'],
      maxBytes: MAX_INDEX_BYTES,
    });
    if (!result.ok) {
      if (args.json) {
        out(JSON.stringify({ ok: false, file: args.index, code: result.error.code, error: result.error.name, message: result.error.message, steps: result.steps }, null, 2));
      }
      throw result.error; // one line on stderr, exit 1 (run.ts)
    }
    const v = result.verified;
    // The state moves only after success, only forward, only from a signed index.
    let stateNote = 'not used';
    if (args.state !== undefined) {
      const next = nextIndexState(v);
      if (next === undefined) {
        stateNote = `not updated (${v.signed ? 'index has no generation' : 'unsigned index'})`;
      } else {
        await writeIndexStateFile(args.state, next, now);
        stateNote = state === undefined
          ? `created at generation ${next.generation}`
          : state.generation === next.generation
            ? `unchanged at generation ${next.generation}`
            : `generation ${state.generation} → ${next.generation}`;
      }
    }
    if (args.json) {
      out(JSON.stringify({ ok: true, file: args.index, ...summary(v, trust), state: stateNote, steps: result.steps }, null, 2));
      return;
    }
    printSummary(args.index, v, trust, stateNote);
  },
};

/** The trusted keys from --policy or --key (exactly one), checked strictly. */
async function loadTrust(args: VerifyArgs): Promise<IndexTrust> {
  // A plain repeatable option (not `array: true`, which would swallow the INDEX positional after it).
  const keys = args.key === undefined ? [] : Array.isArray(args.key) ? args.key : [args.key];
  if ((args.policy === undefined) === (keys.length === 0)) {
    throw new InputError('INPUT_INVALID', 'expected exactly one of --policy FILE or --key B64 (repeatable)');
  }
  if (args.policy !== undefined) {
    if (args.threshold !== undefined) throw new InputError('INPUT_INVALID', '--threshold applies to --key; with --policy the threshold comes from the policy');
    return indexTrustFromPolicy(await readStrictJSONFile(args.policy, MAX_POLICY_BYTES, 'INSTALL_POLICY_INVALID'));
  }
  const threshold = args.threshold ?? 1;
  return indexTrustFromKeys(keys, threshold);
}

function summary(v: VerifiedIndex, trust: IndexTrust) {
  return {
    status: v.status,
    generation: v.generation ?? null,
    expires_at: v.expiresAt ?? null,
    payload_sha256: v.payloadSha256,
    signed: v.signed,
    threshold: trust.threshold,
    signers: v.signers,
    revocations: v.revocations,
  };
}

function printSummary(file: string, v: VerifiedIndex, trust: IndexTrust, stateNote: string): void {
  out(`${file}: verified`);
  out(`status: ${v.status}`);
  out(`generation: ${v.generation ?? 'none'}`);
  out(`expires_at: ${v.expiresAt ?? 'none'}`);
  out(`payload_sha256: ${v.payloadSha256}`);
  out(`signed: ${v.signed ? `yes, ${v.signers.length} distinct trusted key(s), threshold ${trust.threshold}` : `NO — accepted as an unsigned ${v.status} (--allow-draft)`}`);
  for (const s of v.signers) out(`signer: ${s.keyid} (publisher ${s.publisher}${s.label ? `, ${s.label}` : ''})`);
  const r = v.revocations;
  out(`revocations: ${r.releases.length} release(s), ${r.artifacts.length} artifact(s), ${r.keys.length} key(s)`);
  for (const e of r.releases) out(`revoked release: ${e.plugin}@${e.version} at ${e.revoked_at}: ${oneLine(e.reason)}`);
  for (const e of r.artifacts) out(`revoked artifact: ${e.sha256} at ${e.revoked_at}: ${oneLine(e.reason)}`);
  for (const e of r.keys) out(`revoked key: ${e.public_key_ed25519} (publisher ${e.publisher}) at ${e.revoked_at}: ${oneLine(e.reason)}`);
  out(`state: ${stateNote}`);
}
