/**
 * Loads the Ed25519 edge-case vectors of `vectors/ed25519/` together with
 * the verdict Go's crypto/ed25519.Verify gives on each
 * (`go-crypto-ed25519-verdicts.json`, see vectors/README.md). Shared by the
 * pure and the node:crypto verifier tests so both run the identical corpus.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS } from '../vectors.js';

export interface Ed25519Case {
  /** Where the case comes from, e.g. `cctv#17`, `wycheproof tcId 151`, `speccheck #4`. */
  readonly label: string;
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
  /** Go's crypto/ed25519.Verify verdict. */
  readonly go: boolean;
}

const DIR = join(VECTORS, 'ed25519');
const readJSON = (name: string): unknown => JSON.parse(readFileSync(join(DIR, name), 'utf8'));
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

interface GoVerdicts {
  cctv: boolean[];
  speccheck: boolean[];
  wycheproof: Record<string, boolean>;
}
const verdicts = readJSON('go-crypto-ed25519-verdicts.json') as GoVerdicts;

function goVerdict(v: boolean | undefined, label: string): boolean {
  if (typeof v !== 'boolean') throw new Error(`no Go verdict for ${label}`);
  return v;
}

/** C2SP/CCTV ed25519vectors.json @ 1e3d2860 — 914 cases; `msg` is UTF-8 text; verdicts indexed by `number`. */
export function cctvCases(): Ed25519Case[] {
  const raw = readJSON('cctv-ed25519vectors.json') as { number: number; key: string; sig: string; msg: string }[];
  return raw.map((c) => {
    const label = `cctv#${c.number}`;
    return {
      label,
      publicKey: hex(c.key),
      message: new TextEncoder().encode(c.msg),
      signature: hex(c.sig),
      go: goVerdict(verdicts.cctv[c.number], label),
    };
  });
}

/** C2SP/wycheproof testvectors_v1/ed25519_test.json @ dac1dd47 — 151 cases; verdicts keyed by tcId. */
export function wycheproofCases(): (Ed25519Case & { wycheproof: string })[] {
  const raw = readJSON('wycheproof-ed25519_test.json') as {
    testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string; result: string }[] }[];
  };
  const out: (Ed25519Case & { wycheproof: string })[] = [];
  for (const group of raw.testGroups) {
    for (const t of group.tests) {
      const label = `wycheproof tcId ${t.tcId}`;
      out.push({
        label,
        publicKey: hex(group.publicKey.pk),
        message: hex(t.msg),
        signature: hex(t.sig),
        go: goVerdict(verdicts.wycheproof[String(t.tcId)], label),
        wycheproof: t.result,
      });
    }
  }
  return out;
}

/** novifinancial/ed25519-speccheck cases.json @ 65519336 — 12 cases; verdicts by position. */
export function speccheckCases(): Ed25519Case[] {
  const raw = readJSON('speccheck-cases.json') as { message: string; pub_key: string; signature: string }[];
  return raw.map((c, i) => {
    const label = `speccheck #${i}`;
    return {
      label,
      publicKey: hex(c.pub_key),
      message: hex(c.message),
      signature: hex(c.signature),
      go: goVerdict(verdicts.speccheck[i], label),
    };
  });
}

/** Every case of the three sources (1077). */
export function allCases(): Ed25519Case[] {
  return [...cctvCases(), ...wycheproofCases(), ...speccheckCases()];
}

/** The verdict counts of the Go file itself, to prove no case was skipped. */
export const GO_VERDICT_COUNTS = {
  cctv: verdicts.cctv.length,
  wycheproof: Object.keys(verdicts.wycheproof).length,
  speccheck: verdicts.speccheck.length,
};
