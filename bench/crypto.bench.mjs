// Crypto layer benchmark (run after `npm run build`; imports the build output).
//
// 1. Ed25519: the Go-compatible `verifyEd25519` vs @noble/ed25519's own
//    `verify` on the same 256 valid signatures, in interleaved rounds of the
//    same process (alternating which goes first) so CPU noise hits both.
//    Goal: ratio >= 0.9 (the Go-compatible check must not be a slow path).
// 2. For reference: the optional node:crypto verifier, and SHA-256 streaming
//    throughput of the noble and node:crypto engines.
//
// Usage: `node bench/crypto.bench.mjs`, or `export default run` for a runner.
import { pathToFileURL } from 'node:url';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { publicKeyFromSeed, signEd25519, verifyEd25519, createSha256Pure } from '../dist/crypto/index.js';
import { createSha256Node, verifyEd25519Node } from '../dist/crypto/node.js';

const SIGNATURES = 256;
const ROUNDS = 6;

/** Deterministic key/message/signature triples (seed i = SHA-512(i)[0..32]). */
function makeCases() {
  const cases = [];
  for (let i = 0; i < SIGNATURES; i++) {
    const seed = sha512(Uint8Array.of(i & 0xff, i >> 8, 1)).slice(0, 32);
    const message = sha512(Uint8Array.of(i & 0xff, i >> 8, 2)).subarray(0, 16 + (i % 200));
    cases.push({ publicKey: publicKeyFromSeed(seed), message, signature: signEd25519(seed, message) });
  }
  return cases;
}

/** One pass over all cases; returns elapsed ms. Throws if any verdict is not `true`. */
function pass(cases, verifyFn) {
  const t0 = performance.now();
  for (const c of cases) {
    if (verifyFn(c) !== true) throw new Error('benchmark signature did not verify');
  }
  return performance.now() - t0;
}

function sha256Throughput(create, bytes, chunk) {
  const data = new Uint8Array(bytes).fill(0x61);
  const t0 = performance.now();
  const h = create();
  for (let off = 0; off < data.length; off += chunk) h.update(data.subarray(off, off + chunk));
  h.digestHex();
  return bytes / 1024 / 1024 / ((performance.now() - t0) / 1000);
}

export default async function run() {
  // noble's synchronous verify needs a SHA-512 provider (its documented setup).
  ed.hashes.sha512 ??= sha512;
  const cases = makeCases();
  const goCompatible = (c) => verifyEd25519(c.publicKey, c.message, c.signature);
  const noble = (c) => ed.verify(c.signature, c.message, c.publicKey);
  const node = (c) => verifyEd25519Node(c.publicKey, c.message, c.signature);

  // Warm-up (JIT, noble's base-point table) — also checks every signature.
  pass(cases, goCompatible);
  pass(cases, noble);
  pass(cases, node);

  let goMs = 0;
  let nobleMs = 0;
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      goMs += pass(cases, goCompatible);
      nobleMs += pass(cases, noble);
    } else {
      nobleMs += pass(cases, noble);
      goMs += pass(cases, goCompatible);
    }
  }
  const ops = SIGNATURES * ROUNDS;
  const goOps = ops / (goMs / 1000);
  const nobleOps = ops / (nobleMs / 1000);
  const ratio = goOps / nobleOps;
  console.log(
    `ed25519 verify: go-compatible ${goOps.toFixed(0)} ops/s, noble ${nobleOps.toFixed(0)} ops/s, ` +
      `ratio ${ratio.toFixed(2)} (goal >= 0.9)`,
  );

  const nodeMs = pass(cases, node) + pass(cases, node);
  const nodeOps = (2 * SIGNATURES) / (nodeMs / 1000);
  console.log(`ed25519 verify (optional node:crypto path): ${nodeOps.toFixed(0)} ops/s`);

  const MiB = 32 * 1024 * 1024;
  const pureMBs = sha256Throughput(createSha256Pure, MiB, 64 * 1024);
  const nodeMBs = sha256Throughput(createSha256Node, MiB, 64 * 1024);
  console.log(`sha256 stream (32 MiB, 64 KiB chunks): noble ${pureMBs.toFixed(0)} MiB/s, node:crypto ${nodeMBs.toFixed(0)} MiB/s`);

  return { goCompatibleOps: goOps, nobleOps, ratio, nodeOps, sha256PureMiBs: pureMBs, sha256NodeMiBs: nodeMBs };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
