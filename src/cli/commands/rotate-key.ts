/**
 * `lattice-index rotate-key --publisher-file index/publishers/<id>.json
 *  (--old-key FILE | --old-key-env VAR) --new-public-key B64 [--at RFC3339]`
 * — rotate a publisher's key (DESIGN §4.1): the current key moves into
 * `key_history` with a rotation statement signed by it, the new key becomes
 * current, and the entry file is rewritten atomically after its chain
 * verifies. The old seed is zeroed after use and never printed.
 *
 * @module
 */
import { InputError } from '../../core/errors.js';
import { decodeCanonicalBase64 } from '../../core/base64.js';
import { keyId } from '../../crypto/index.js';
import { rotatePublisherKey } from '../../domain/index/rotation.js';
import { checkOutputPath, readStrictJSONFile, writeFileAtomic } from '../../io/files.js';
import { MAX_ENTRY_BYTES } from '../../io/index-sources.js';
import { loadSeed } from '../../io/keys.js';
import { cliEnv, out, outJSON } from '../run.js';
import { defineCommand } from '../spec.js';
import { parseTimeFlag } from '../inputs.js';

interface RotateKeyArgs {
  'publisher-file': string;
  'old-key'?: string;
  'old-key-env'?: string;
  'new-public-key': string;
  at?: string;
  'valid-from'?: string;
  json: boolean;
}

export const rotateKeyCommand = defineCommand<RotateKeyArgs>({
  name: 'rotate-key',
  options: {
    'publisher-file': { type: 'string', value: 'FILE', required: true, describe: 'the publisher entry file (index/publishers/<id>.json), rewritten atomically' },
    'old-key': { type: 'string', value: 'FILE', describe: 'key file with the seed of the current (retiring) key' },
    'old-key-env': { type: 'string', value: 'VAR', describe: 'environment variable with the retiring seed as base64' },
    'new-public-key': { type: 'string', value: 'B64', required: true, describe: 'the new public key (canonical base64 of 32 bytes)' },
    at: { type: 'string', value: 'RFC3339', describe: 'rotation time, RFC 3339 UTC (default now); ends the retiring key\'s window' },
    'valid-from': { type: 'string', value: 'RFC3339', describe: 'first rotation only: start of the retiring key\'s window (default 1970-01-01T00:00:00Z)' },
    json: { type: 'boolean', default: false, describe: 'print the result as JSON' },
  },
  run: async (args) => {
    const at = parseTimeFlag('--at', args.at);
    const validFrom = args['valid-from'] !== undefined ? parseTimeFlag('--valid-from', args['valid-from']) : undefined;
    const newKey = decodeCanonicalBase64(args['new-public-key'], 32);
    if (newKey === null) {
      throw new InputError('INPUT_INVALID', `--new-public-key must be canonical padded base64 of a 32-byte public key, found ${JSON.stringify(args['new-public-key'])}`);
    }
    const file = args['publisher-file'];
    const { value: entry } = await readStrictJSONFile(file, MAX_ENTRY_BYTES);
    await checkOutputPath(file);
    const seed = await loadSeed(args['old-key'], args['old-key-env'], ['--old-key', '--old-key-env'], cliEnv());
    let rotated;
    try {
      rotated = rotatePublisherKey(entry, seed, newKey, { at, ...(validFrom !== undefined ? { validFrom } : {}) });
    } finally {
      seed.fill(0);
    }
    await writeFileAtomic(file, JSON.stringify(rotated, null, 2) + '\n');
    const retired = rotated.key_history![rotated.key_history!.length - 1]!;
    const oldKeyid = keyId(decodeCanonicalBase64(retired.public_key_ed25519, 32)!);
    const newKeyid = keyId(newKey);
    if (args.json) {
      outJSON({ ok: true, file, publisher: rotated.id, previous_keyid: oldKeyid, keyid: newKeyid, rotated_at: retired.valid_until, key_history: rotated.key_history!.length });
      return;
    }
    out(`${file}: publisher ${rotated.id} rotated from keyid ${oldKeyid} to ${newKeyid} at ${retired.valid_until}`);
    out(`key_history: ${rotated.key_history!.length} retired key(s); rebuild and sign the index to publish`);
  },
});
