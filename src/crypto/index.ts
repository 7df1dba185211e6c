/**
 * The crypto layer (DESIGN §3 layer 2, §6): Ed25519 with Go's verification
 * verdict, and SHA-256. Browser-safe: no `node:` import anywhere below this
 * entry point. Node-only fast paths live in `./node.js`.
 *
 * @module
 */
export {
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SEED_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  publicKeyFromSeed,
  signEd25519,
  verifyEd25519,
} from './ed25519.js';
export {
  SHA256_LENGTH,
  createSha256,
  createSha256Pure,
  keyId,
  sha256,
  sha256Hex,
  sha256StreamEngine,
} from './sha256.js';
export type { Sha256Stream } from './sha256.js';
