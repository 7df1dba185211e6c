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
import { InputError } from '../../core/errors.js';
import { POLICY_MAX_BYTES } from '../../core/limits.js';
import { nextIndexState } from '../../domain/index/state.js';
import { indexTrustFromKeys, indexTrustFromPolicy, type IndexTrust } from '../../domain/index/trust.js';
import { verifyIndex, type VerifiedIndex } from '../../domain/index/verify.js';
import { checkOutputPath, readFileBounded, readStrictJSONFile } from '../../io/files.js';
import { readIndexStateFile, writeIndexStateFile } from '../../io/index-state.js';
import { MAX_INDEX_BYTES } from '../index-check.js';
import { exitCodeFor, oneLine, out, outJSON } from '../run.js';
import { parseTimeFlag } from '../inputs.js';
import { defineCommand } from '../spec.js';
import { SERVER_RULES_CONFLICT, SERVER_RULES_OPTIONS, serverRulesFromArgs, type ServerRulesArgs } from '../server-version.js';

interface VerifyArgs extends ServerRulesArgs {
  index: string;
  policy?: string;
  /** Every `--key` given. */
  key: string[];
  threshold?: number;
  state?: string;
  now?: string;
  'allow-draft': boolean;
  json: boolean;
}

export const verifyCommand = defineCommand<VerifyArgs>({
  name: 'verify',
  positionals: [
    { name: 'index', describe: 'the index file (e.g. index/plugins.json)' },
  ],
  options: {
    policy: { type: 'string', value: 'FILE', describe: 'install policy file; its "index" member holds trusted_keys and threshold' },
    key: { type: 'string', value: 'B64', multiple: true, describe: 'a trusted index public key (canonical base64)' },
    threshold: { type: 'number', describe: 'distinct trusted keys that must sign (with --key; default 1)' },
    state: { type: 'string', value: 'FILE', describe: 'rollback state file: read, checked, updated atomically after success' },
    now: { type: 'string', value: 'RFC3339', describe: 'reference time (RFC 3339 UTC) instead of the clock' },
    'allow-draft': { type: 'boolean', default: false, describe: 'accept a draft/example index, even unsigned (never updates --state then)' },
    ...SERVER_RULES_OPTIONS,
    json: { type: 'boolean', default: false, describe: 'print the result as JSON' },
  },
  conflicts: [SERVER_RULES_CONFLICT],
  run: async (args) => {
    const rules = serverRulesFromArgs(args);
    const now = parseTimeFlag('--now', args.now);
    const trust = await loadTrust(args);
    if (args.state !== undefined) await checkOutputPath(args.state);
    const state = args.state !== undefined ? await readIndexStateFile(args.state) : undefined;
    const bytes = await readFileBounded(args.index, MAX_INDEX_BYTES);
    const result = verifyIndex(bytes, trust, {
      now,
      ...(state !== undefined ? { state } : {}),
      allowDraft: args['allow-draft'],
      serverVersion: rules.version,
      maxBytes: MAX_INDEX_BYTES,
    });
    if (!result.ok) {
      if (args.json) {
        outJSON({ ok: false, file: args.index, code: result.error.code, error: result.error.name, message: result.error.message, exit: exitCodeFor(result.error.code), steps: result.steps });
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
      outJSON({ ok: true, file: args.index, ...summary(v, trust), state: stateNote, steps: result.steps });
      return;
    }
    printSummary(args.index, v, trust, stateNote);
  },
});

/** The trusted keys from --policy or --key (exactly one), checked strictly. */
async function loadTrust(args: VerifyArgs): Promise<IndexTrust> {
  const keys = args.key;
  if ((args.policy === undefined) === (keys.length === 0)) {
    throw new InputError('INPUT_INVALID', 'expected exactly one of --policy FILE or --key B64 (repeatable)');
  }
  if (args.policy !== undefined) {
    if (args.threshold !== undefined) throw new InputError('INPUT_INVALID', '--threshold applies to --key; with --policy the threshold comes from the policy');
    return indexTrustFromPolicy((await readStrictJSONFile(args.policy, POLICY_MAX_BYTES)).value);
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
