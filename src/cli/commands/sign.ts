/**
 * `lattice-index sign INDEX (--key FILE | --key-env VAR) --publisher ID [--official]`
 * — add or replace this key's signature on the index (several signers make a
 * threshold), refusing an index that does not validate, and write it
 * atomically after a self-check (see `src/domain/index/sign.ts` for the rules).
 *
 * `--publisher` must be listed in the index; the signing key need not be that
 * publisher's manifest key (index key and publisher key are separate roles).
 * Signatures of other keys that no longer verify after a status change are
 * dropped with a warning on stderr.
 *
 * The seed is zeroed after use and never printed.
 *
 * @module
 */
import { signIndex } from '../../domain/index/sign.js';
import { readStrictJSONFile, writeFileAtomic } from '../../io/files.js';
import { loadSeed } from '../../io/keys.js';
import { MAX_INDEX_BYTES } from '../index-check.js';
import { cliEnv, err, oneLine, out, outJSON } from '../run.js';
import { defineCommand } from '../spec.js';
import { SERVER_RULES_CONFLICT, SERVER_RULES_OPTIONS, serverRulesFromArgs, type ServerRulesArgs } from '../server-version.js';
import { parseTimeFlag, seedOptions } from '../inputs.js';

interface SignArgs extends ServerRulesArgs {
  index: string;
  key?: string;
  'key-env'?: string;
  publisher: string;
  official: boolean;
  now?: string;
  json: boolean;
}

export const signCommand = defineCommand<SignArgs>({
  name: 'sign',
  positionals: [
    { name: 'index', describe: 'the index file (e.g. index/plugins.json), rewritten atomically' },
  ],
  options: {
    ...seedOptions('the index signer'),
    publisher: { type: 'string', value: 'ID', required: true, describe: 'publisher id listed in the index, recorded in the signature entry' },
    official: { type: 'boolean', default: false, describe: 'set status official (needs generation and expires_at: build --expires-in DAYS)' },
    now: { type: 'string', value: 'RFC3339', describe: 'reference time (RFC 3339 UTC) for the self-check instead of the clock' },
    ...SERVER_RULES_OPTIONS,
    json: { type: 'boolean', default: false, describe: 'print the result as JSON' },
  },
  conflicts: [SERVER_RULES_CONFLICT],
  run: async (args) => {
    const rules = serverRulesFromArgs(args);
    const now = parseTimeFlag('--now', args.now);
    const { value } = await readStrictJSONFile(args.index, MAX_INDEX_BYTES);
    const seed = await loadSeed(args.key, args['key-env'], ['--key', '--key-env'], cliEnv());
    let result;
    try {
      result = signIndex(value, seed, { publisher: args.publisher, official: args.official, now, serverVersion: rules.version });
    } finally {
      seed.fill(0);
    }
    for (const d of result.dropped) {
      err(`lattice-index: warning: dropped the signature of ${d.keyid ? `keyid ${d.keyid}` : 'an unnamed key'} (publisher ${d.publisher}): ${oneLine(d.reason ?? '')}`);
    }
    await writeFileAtomic(args.index, result.bytes);
    const v = result.verified;
    const total = v.index.signatures.length;
    if (args.json) {
      outJSON({
        ok: true,
        file: args.index,
        status: v.status,
        generation: v.generation ?? null,
        expires_at: v.expiresAt ?? null,
        payload_sha256: v.payloadSha256,
        keyid: result.keyid,
        public_key_ed25519: result.publicKey,
        publisher: args.publisher,
        replaced: result.replaced,
        signatures: total,
        kept: result.kept,
        dropped: result.dropped,
      });
      return;
    }
    out(`${args.index}: signed by keyid ${result.keyid} (publisher ${args.publisher})${result.replaced ? ', replacing its earlier signature' : ''}`);
    out(`status: ${v.status}, generation: ${v.generation ?? 'none'}, expires_at: ${v.expiresAt ?? 'none'}, signatures: ${total}`);
    out(`payload_sha256: ${v.payloadSha256}`);
  },
});
