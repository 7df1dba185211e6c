/**
 * `lattice-index keygen --out FILE` — create an Ed25519 signing key: a random
 * 32-byte seed written to a new file with mode 0600 (never overwriting one),
 * then print the public key (canonical padded base64) and its keyid. The seed
 * itself is never printed; for CI, store the file's base64
 * (`base64 -w0 FILE`) as a secret and sign with `--key-env VAR`.
 *
 * @module
 */
import { encodeBase64 } from '../../core/base64.js';
import { keyId, publicKeyFromSeed } from '../../crypto/index.js';
import { generateSeed, writeSeedFile } from '../../io/keys.js';
import { out, outJSON } from '../run.js';
import { defineCommand } from '../spec.js';

interface KeygenArgs {
  out: string;
  json: boolean;
}

export const keygenCommand = defineCommand<KeygenArgs>({
  name: 'keygen',
  options: {
    out: { type: 'string', value: 'FILE', required: true, describe: 'the new key file (refuses to overwrite)' },
    json: { type: 'boolean', default: false, describe: 'print the result as JSON' },
  },
  run: async (args) => {
    const seed = generateSeed();
    let publicKey: Uint8Array;
    try {
      publicKey = publicKeyFromSeed(seed);
      await writeSeedFile(args.out, seed);
    } finally {
      seed.fill(0);
    }
    const b64 = encodeBase64(publicKey);
    const keyid = keyId(publicKey);
    if (args.json) {
      outJSON({ ok: true, file: args.out, public_key_ed25519: b64, keyid });
      return;
    }
    out(`${args.out}: new Ed25519 key (seed, mode 0600)`);
    out(`public_key_ed25519: ${b64}`);
    out(`keyid: ${keyid}`);
  },
});
