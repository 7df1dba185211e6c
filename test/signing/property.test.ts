/**
 * Property tests: whatever verifies is exactly the content that was signed.
 *
 * 1. Any single-byte change to a signed index file fails verification. For
 *    the compact serialization this holds literally. For the pretty-printed
 *    file `sign` writes, the payload is canonical JSON (DESIGN §4.1), so a
 *    whitespace byte turned into another whitespace byte between tokens does
 *    not change the signed content; such a change may verify, and the
 *    property checked is then that the verified content is canonically
 *    identical to the signed one. Every other change must fail.
 * 2. Any JSON-level mutation — add, remove or change a member or array
 *    element at any path — fails verification, with one exception the
 *    format makes on purpose: signature entries are not covered by the
 *    payload (DESIGN §4.1 signs the index *without* `signatures`) and their
 *    `keyid` is optional (upstream entries are `{publisher, signature_ed25519}`),
 *    so removing the keyid hint leaves a signature that is tried against every
 *    trusted key and still verifies. The property allows exactly that, and
 *    then requires the verified content and signers to be unchanged.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalize } from '../../src/core/jcs.js';
import { verifyIndex } from '../../src/domain/index/verify.js';
import { RepositorySimulator, T0, DAY, trustOf } from './simulator.js';

const TRUST = trustOf(['index-ci']);
const NOW = T0 + DAY;
let pretty: Uint8Array;
let compact: Uint8Array;
let signedCanonical: string;
let signedContent: string;
let signerKeyids: string[];

beforeAll(() => {
  const repo = new RepositorySimulator(['index-ci']);
  pretty = repo.publish();
  const doc = JSON.parse(new TextDecoder().decode(pretty));
  compact = new TextEncoder().encode(JSON.stringify(doc));
  signedCanonical = canonicalize(doc);
  signedContent = canonicalize({ ...doc, signatures: [] });
  signerKeyids = (doc.signatures as { keyid: string }[]).map((x) => x.keyid);
  // Both forms verify unmodified (otherwise every property below is vacuous).
  expect(verifyIndex(pretty, TRUST, { now: NOW }).ok).toBe(true);
  expect(verifyIndex(compact, TRUST, { now: NOW }).ok).toBe(true);
});

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Flip one byte: position and a non-zero XOR mask. */
const byteChange = (len: () => number) =>
  fc.record({ pos: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }).map(({ pos, mask }) => ({ pos: pos % len(), mask }));

describe('single-byte changes', () => {
  it('every single-byte change to the compact signed index fails verification', () => {
    fc.assert(
      fc.property(byteChange(() => compact.length), ({ pos, mask }) => {
        const bytes = Uint8Array.from(compact);
        bytes[pos] = bytes[pos]! ^ mask;
        expect(verifyIndex(bytes, TRUST, { now: NOW }).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('every single-byte change to the pretty-printed signed file fails, unless it only swaps insignificant whitespace', () => {
    fc.assert(
      fc.property(byteChange(() => pretty.length), ({ pos, mask }) => {
        const bytes = Uint8Array.from(pretty);
        const before = bytes[pos]!;
        bytes[pos] = before ^ mask;
        const r = verifyIndex(bytes, TRUST, { now: NOW });
        if (r.ok) {
          // Only whitespace → whitespace can keep the signed content.
          expect(WS.has(before) && WS.has(bytes[pos]!)).toBe(true);
          expect(canonicalize(r.verified.index)).toBe(signedCanonical);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

// ---- JSON-level mutations -------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

/** Every path to a value in `v` (the root is []). */
function paths(v: Json, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

function at(v: Json, p: Path): Json {
  let cur: Json = v;
  for (const seg of p) cur = (cur as Record<string | number, Json>)[seg]!;
  return cur;
}

const jsonValue: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>;

type Mutation =
  | { kind: 'add'; pick: number; key: string; value: Json; index: number }
  | { kind: 'remove'; pick: number }
  | { kind: 'change'; pick: number; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), pick: fc.nat(), key: fc.string({ maxLength: 12 }), value: jsonValue, index: fc.nat() }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('change' as const), pick: fc.nat(), value: jsonValue }),
);

/**
 * Apply a mutation to a copy of `doc`; returns the mutated document and a
 * description, or null when the mutation would not change the document.
 */
function mutate(doc: Json, m: Mutation): { doc: Json; what: string } | null {
  const copy = structuredClone(doc);
  const all = paths(copy);
  if (m.kind === 'add') {
    const containers = all.filter((p) => {
      const v = at(copy, p);
      return v !== null && typeof v === 'object';
    });
    const p = containers[m.pick % containers.length]!;
    const target = at(copy, p);
    if (Array.isArray(target)) {
      target.splice(m.index % (target.length + 1), 0, m.value);
      return { doc: copy, what: `add element at ${JSON.stringify(p)}` };
    }
    const obj = target as Record<string, Json>;
    if (Object.prototype.hasOwnProperty.call(obj, m.key)) return null; // that is a change, not an add
    Object.defineProperty(obj, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    return { doc: copy, what: `add member ${JSON.stringify(m.key)} at ${JSON.stringify(p)}` };
  }
  const nonRoot = all.filter((p) => p.length > 0);
  const p = nonRoot[m.pick % nonRoot.length]!;
  const parent = at(copy, p.slice(0, -1));
  const last = p[p.length - 1]!;
  if (m.kind === 'remove') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete (parent as Record<string, Json>)[last as string];
    return { doc: copy, what: `remove ${JSON.stringify(p)}` };
  }
  const before = at(copy, p);
  if (canonicalize(before) === canonicalize(m.value)) return null; // not a change
  (parent as Record<string | number, Json>)[last] = m.value;
  return { doc: copy, what: `change ${JSON.stringify(p)}` };
}

describe('JSON-level mutations', () => {
  it('adding, removing or changing any member or element at a random path fails verification', () => {
    const doc = JSON.parse(new TextDecoder().decode(pretty)) as Json;
    let applied = 0;
    fc.assert(
      fc.property(mutation, (m) => {
        const r = mutate(doc, m);
        fc.pre(r !== null);
        applied++;
        const bytes = new TextEncoder().encode(JSON.stringify(r!.doc, null, 2));
        const v = verifyIndex(bytes, TRUST, { now: NOW });
        if (v.ok) {
          // The only accepted mutation: the optional, unsigned keyid hint removed.
          if (!/^remove \["signatures",\d+,"keyid"\]$/.test(r!.what)) {
            throw new Error(`mutation verified: ${r!.what}`);
          }
          expect(canonicalize({ ...v.verified.index, signatures: [] })).toBe(signedContent);
          expect(v.verified.signers.map((x) => x.keyid)).toEqual(signerKeyids);
        }
      }),
      { numRuns: 1500 },
    );
    expect(applied).toBeGreaterThan(1000);
  });

  it('each top-level member removed or changed fails, including status, generation, expires_at and signatures', () => {
    const doc = JSON.parse(new TextDecoder().decode(pretty)) as Record<string, Json>;
    for (const key of Object.keys(doc)) {
      const removed = { ...doc };
      delete removed[key];
      expect(verifyIndex(new TextEncoder().encode(JSON.stringify(removed)), TRUST, { now: NOW }).ok, `remove ${key}`).toBe(false);
    }
    const changes: Record<string, Json> = {
      status: 'draft',
      generation: (doc.generation as number) + 1,
      expires_at: '2099-01-01T00:00:00Z',
      generated_at: '2026-07-31T00:00:00Z',
      publishers: [],
      plugins: [],
      signatures: [],
      schema: 'lattice.plugin.index.v2',
    };
    for (const [key, value] of Object.entries(changes)) {
      const changed = { ...doc, [key]: value };
      expect(verifyIndex(new TextEncoder().encode(JSON.stringify(changed)), TRUST, { now: NOW, allowDraft: false }).ok, `change ${key}`).toBe(false);
    }
    // Adding a revocation list, or a member no verifier knows, fails too.
    const added = { ...doc, revocations: { releases: [] } };
    expect(verifyIndex(new TextEncoder().encode(JSON.stringify(added)), TRUST, { now: NOW }).ok).toBe(false);
    const unknown = { ...doc, mirror: 'https://example.org' };
    expect(verifyIndex(new TextEncoder().encode(JSON.stringify(unknown)), TRUST, { now: NOW }).ok).toBe(false);
  });

  it('signature entries: removing the keyid hint is accepted by design; any other change to an entry fails', () => {
    const doc = JSON.parse(new TextDecoder().decode(pretty)) as { signatures: Record<string, string>[] };
    const encode = (d: unknown) => new TextEncoder().encode(JSON.stringify(d));
    const entry = doc.signatures[0]!;
    const { keyid: _keyid, ...withoutKeyid } = entry;
    expect(verifyIndex(encode({ ...doc, signatures: [withoutKeyid] }), TRUST, { now: NOW }).ok).toBe(true);
    for (const changed of [
      { ...entry, keyid: 'f'.repeat(64) },
      { ...entry, publisher: 'someone-else' },
      { ...entry, signature_ed25519: entry.signature_ed25519!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) },
      { ...entry, note: 'x' },
      { publisher: entry.publisher, keyid: entry.keyid },
    ]) {
      expect(verifyIndex(encode({ ...doc, signatures: [changed] }), TRUST, { now: NOW }).ok, JSON.stringify(changed)).toBe(false);
    }
  });
});
