/**
 * Signature verification of TUF keys on Node's crypto (OpenSSL): Ed25519
 * through `verifyEd25519Node` (Go's verdict, tested against every vector of
 * `vectors/ed25519/`), and the schemes beyond it:
 * `rsassa-pss-sha256`, `rsa-pkcs1v15-sha256` (RSA keys in PEM) and
 * `ecdsa-sha2-nistp256` / `ecdsa-sha2-nistp384` (EC keys in PEM, DER
 * signatures) — the schemes securesystemslib signs with and the
 * tuf-conformance suite uses by default.
 *
 * A key that does not import, a wrong curve for the scheme, or a malformed
 * signature is `false`; an unknown scheme is `undefined` (does not count).
 *
 * @module
 */
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ed25519Verifier, type SignatureVerifier } from '../domain/repository/keys.js';
import { verifyEd25519Node } from '../crypto/node.js';

const SCHEMES: Readonly<Record<string, { hash: string; kind: 'rsa-pss' | 'rsa-pkcs1' | 'ec'; curve?: string }>> = Object.freeze({
  'rsassa-pss-sha256': { hash: 'sha256', kind: 'rsa-pss' },
  'rsa-pkcs1v15-sha256': { hash: 'sha256', kind: 'rsa-pkcs1' },
  'ecdsa-sha2-nistp256': { hash: 'sha256', kind: 'ec', curve: 'prime256v1' },
  'ecdsa-sha2-nistp384': { hash: 'sha384', kind: 'ec', curve: 'secp384r1' },
});

const cache = new Map<string, KeyObject | null>();

function importKey(pem: string): KeyObject | null {
  let k = cache.get(pem);
  if (k !== undefined) return k;
  try {
    k = pem.startsWith('-----BEGIN PUBLIC KEY-----') ? createPublicKey(pem) : null;
  } catch {
    k = null;
  }
  if (cache.size > 1024) cache.clear();
  cache.set(pem, k);
  return k;
}

/**
 * Verifies RSA and ECDSA TUF keys with Node's crypto.
 *
 * @param key - the TUF key.
 * @param signature - signature bytes.
 * @param message - the canonical bytes.
 * @returns the verdict, or undefined for a scheme it does not know.
 */
export const nodeTufVerifier: SignatureVerifier = (key, signature, message) => {
  if (key.keytype === 'ed25519' && key.scheme === 'ed25519') {
    // Go's verdict on OpenSSL (src/crypto/node.ts, tested against every vector); a key that is not 64 hex is refused as the pure verifier refuses it.
    const pub = key.keyval.public;
    if (typeof pub !== 'string' || !/^[0-9a-fA-F]{64}$/.test(pub)) return ed25519Verifier(key, signature, message);
    return verifyEd25519Node(Buffer.from(pub, 'hex'), message, signature);
  }
  const scheme = SCHEMES[key.scheme];
  if (scheme === undefined) return undefined;
  const kt = key.keytype;
  if (scheme.kind === 'ec' ? kt !== 'ecdsa' && kt !== key.scheme : kt !== 'rsa') return false;
  const pem = key.keyval.public;
  const k = typeof pem === 'string' ? importKey(pem) : null;
  if (k === null) return false;
  if (scheme.kind === 'ec') {
    if (k.asymmetricKeyType !== 'ec' || k.asymmetricKeyDetails?.namedCurve !== scheme.curve) return false;
    return verify(scheme.hash, message, { key: k, dsaEncoding: 'der' }, signature);
  }
  if (k.asymmetricKeyType !== 'rsa') return false;
  if (scheme.kind === 'rsa-pss') {
    return verify(scheme.hash, message, { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
  }
  return verify(scheme.hash, message, { key: k, padding: constants.RSA_PKCS1_PADDING }, signature);
};
