/**
 * DESIGN §3: the crypto layer must run unchanged in a browser. This bundles
 * src/crypto/index.ts for `platform: 'browser'` (a `node:` import anywhere in
 * its graph fails the build) and runs the bundle in a fresh V8 context that
 * has no `process`, no `Buffer` and no `require` — a browser-like realm.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/crypto/', import.meta.url));

async function browserBundle(): Promise<string> {
  const result = await build({
    entryPoints: [`${SRC}index.ts`],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'latticeCrypto',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

describe('browser safety of src/crypto/index.ts', () => {
  it('only node.ts imports a node: module', () => {
    const offenders = readdirSync(SRC)
      .filter((f) => f.endsWith('.ts') && f !== 'node.ts')
      .filter((f) => /from\s+['"]node:|import\(\s*['"]node:|require\(/.test(readFileSync(SRC + f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('bundles for the browser and signs, verifies and hashes in a realm without Node globals', async () => {
    const code = await browserBundle();
    const context = vm.createContext({});
    vm.runInContext(code, context);
    // RFC 8032 §7.1 TEST 2 and FIPS 180-2 B.1, computed entirely inside the
    // browser-like realm (its own Uint8Array, no process/Buffer).
    const out = vm.runInContext(
      `(() => {
        const c = latticeCrypto;
        const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
        const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
        const seed = hex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb');
        const msg = hex('72');
        const sig = c.signEd25519(seed, msg);
        const pk = c.publicKeyFromSeed(seed);
        const h = c.createSha256();
        h.update(Uint8Array.of(0x61, 0x62));
        h.update(Uint8Array.of(0x63));
        return {
          hasProcess: typeof process !== 'undefined',
          pk: toHex(pk),
          sig: toHex(sig),
          ok: c.verifyEd25519(pk, msg, sig),
          bad: c.verifyEd25519(pk, hex('73'), sig),
          engine: c.sha256StreamEngine(),
          stream: h.digestHex(),
          oneShot: c.sha256Hex(Uint8Array.of(0x61, 0x62, 0x63)),
        };
      })()`,
      context,
    );
    expect(out).toEqual({
      hasProcess: false,
      pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
      ok: true,
      bad: false,
      engine: '@noble/hashes',
      stream: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      oneShot: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
  });

  it('accepts byte arrays from another realm (cross-realm Uint8Array)', async () => {
    const code = await browserBundle();
    const context = vm.createContext({});
    vm.runInContext(code, context);
    const c = (context as { latticeCrypto: typeof import('../../src/crypto/index.js') }).latticeCrypto;
    // Main-realm arrays passed into the other realm's functions.
    const seed = new Uint8Array(Buffer.from('c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7', 'hex'));
    const msg = Uint8Array.of(0xaf, 0x82);
    const sig = c.signEd25519(seed, msg);
    expect(Buffer.from(sig).toString('hex')).toBe(
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
    );
    expect(c.verifyEd25519(c.publicKeyFromSeed(seed), msg, sig)).toBe(true);
  });
});
