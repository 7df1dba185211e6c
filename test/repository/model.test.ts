/**
 * The TUF metadata model, keys and thresholds: strict reading (every
 * refusal coded), signatures over the raw signed object, thresholds counted
 * per distinct key, RSA/ECDSA through the Node verifier, bins and path
 * patterns — and agreement with tuf-js's own model on every file the writer
 * produces.
 */
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Metadata as TufMetadata, MetadataKind } from '@tufjs/models';
import { SuccinctRoles } from '@tufjs/models/dist/role.js';
import { canonicalize as tufCanonicalize } from '@tufjs/canonical-json';
import type { JSONObject } from '../../src/core/json/types.js';
import { binForTarget, pathMatches, rolesForTarget } from '../../src/domain/repository/delegation.js';
import { signMetadata, tufKeyId, verifyThreshold, type MetadataSigner } from '../../src/domain/repository/keys.js';
import { canonicalBytes, formatTufTime, metadataFileBytes, parseMetadata, toHexString, type TufKey } from '../../src/domain/repository/model.js';
import { nodeTufVerifier } from '../../src/io/tuf-verifier.js';
import { DAY, signerOf, SimRepo } from './sim.js';

const UTF8 = new TextEncoder();

function timestampDoc(signer: MetadataSigner, mutate: (signed: JSONObject) => void = () => {}): Uint8Array {
  const signed: JSONObject = { _type: 'timestamp', spec_version: '1.0.31', version: 3, expires: formatTufTime(Date.now() + DAY), meta: { 'snapshot.json': { version: 2 } } };
  mutate(signed);
  return metadataFileBytes(signed, signMetadata(signed, [signer]));
}

describe('parseMetadata: strict, every refusal coded', () => {
  const s = signerOf('online');
  const cases: [string, () => Uint8Array][] = [
    ['a duplicate JSON member', () => UTF8.encode(new TextDecoder().decode(timestampDoc(s)).replace('"version":3', '"version":3,"version":4'))],
    ['a float version', () => UTF8.encode(new TextDecoder().decode(timestampDoc(s)).replace('"version":3', '"version":3.5'))],
    ['version 0', () => timestampDoc(s, (x) => (x.version = 0))],
    ['expires with a fraction', () => timestampDoc(s, (x) => (x.expires = '2030-01-01T00:00:00.5Z'))],
    ['expires that is no date (tuf-js reads it as never expiring)', () => timestampDoc(s, (x) => (x.expires = 'junk'))],
    ['spec_version 2.0.0', () => timestampDoc(s, (x) => (x.spec_version = '2.0.0'))],
    ['another _type', () => timestampDoc(s, (x) => (x._type = 'snapshot'))],
    ['a timestamp listing more than snapshot.json', () => timestampDoc(s, (x) => ((x.meta as JSONObject)['targets.json'] = { version: 1 }))],
    ['a negative length', () => timestampDoc(s, (x) => ((x.meta as JSONObject)['snapshot.json'] = { version: 2, length: -1 }))],
    ['upper-case hex hashes', () => timestampDoc(s, (x) => ((x.meta as JSONObject)['snapshot.json'] = { version: 2, hashes: { sha256: 'AB' } }))],
    [
      'one keyid signing twice',
      () => {
        const signed: JSONObject = { _type: 'timestamp', spec_version: '1.0.31', version: 3, expires: formatTufTime(Date.now() + DAY), meta: { 'snapshot.json': { version: 2 } } };
        const sig = signMetadata(signed, [s])[0]!;
        return metadataFileBytes(signed, [sig, sig]);
      },
    ],
  ];
  for (const [name, make] of cases) {
    it(`refuses ${name}`, () => {
      const r = parseMetadata(make(), 'timestamp');
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('REPO_METADATA_INVALID');
    });
  }
  it('shows why: tuf-js accepts an expires that is no date and never calls it expired', () => {
    const doc = JSON.parse(new TextDecoder().decode(timestampDoc(s, (x) => (x.expires = 'junk'))));
    const md = TufMetadata.fromJSON(MetadataKind.Timestamp, doc);
    expect(md.signed.isExpired(new Date())).toBe(false);
  });
  it('refuses delegations with both roles and succinct_roles, or a delegated role named like a top-level role', () => {
    const mk = (delegations: JSONObject) => {
      const signed: JSONObject = { _type: 'targets', spec_version: '1.0.31', version: 1, expires: formatTufTime(Date.now() + DAY), targets: {}, delegations };
      return metadataFileBytes(signed, signMetadata(signed, [s]));
    };
    const role = { name: 'x', keyids: [], threshold: 1, terminating: true, paths: ['*'] };
    expect(parseMetadata(mk({ keys: {}, roles: [role], succinct_roles: { keyids: [], threshold: 1, bit_length: 4, name_prefix: 'b' } }), 'targets').ok).toBe(false);
    expect(parseMetadata(mk({ keys: {}, roles: [{ ...role, name: 'root' }] }), 'targets').ok).toBe(false);
    const { paths: _paths, ...noPaths } = role;
    expect(parseMetadata(mk({ keys: {}, roles: [noPaths] }), 'targets').ok).toBe(false);
    expect(parseMetadata(mk({ keys: {}, succinct_roles: { keyids: [], threshold: 1, bit_length: 33, name_prefix: 'b' } }), 'targets').ok).toBe(false);
    expect(parseMetadata(mk({ keys: {}, roles: [role] }), 'targets').ok).toBe(true);
  });
});

describe('signatures and thresholds', () => {
  const a = signerOf('a');
  const b = signerOf('b');
  const keys = Object.fromEntries([a, b].map((s) => [s.keyid, s.key]));

  it('covers unknown members of signed (kept, verified, and a change breaks the signature)', () => {
    const bytes = timestampDoc(a, (x) => (x['x-lattice-note'] = 'kept'));
    const md = parseMetadata(bytes, 'timestamp');
    expect(md.ok).toBe(true);
    if (!md.ok) return;
    expect(verifyThreshold(md.metadata, { keyids: [a.keyid], threshold: 1 }, keys, 'timestamp').ok).toBe(true);
    const changed = { ...md.metadata, rawSigned: { ...md.metadata.rawSigned, 'x-lattice-note': 'changed' } };
    const r = verifyThreshold(changed, { keyids: [a.keyid], threshold: 1 }, keys, 'timestamp');
    expect(r.ok ? 'ok' : r.error.code).toBe('REPO_THRESHOLD');
  });

  it('counts distinct keys: one key under two keyids counts once; two keys count twice', () => {
    const alias: MetadataSigner = { keyid: 'f'.repeat(64), key: a.key, sign: (m) => a.sign(m) };
    const signed: JSONObject = { _type: 'timestamp', spec_version: '1.0.31', version: 1, expires: formatTufTime(Date.now() + DAY), meta: { 'snapshot.json': { version: 1 } } };
    const dup = parseMetadata(metadataFileBytes(signed, signMetadata(signed, [a, alias])), 'timestamp');
    const two = parseMetadata(metadataFileBytes(signed, signMetadata(signed, [a, b])), 'timestamp');
    if (!dup.ok || !two.ok) throw new Error('test bug');
    const withAlias = { ...keys, [alias.keyid]: a.key };
    const r1 = verifyThreshold(dup.metadata, { keyids: [a.keyid, alias.keyid], threshold: 2 }, withAlias, 'timestamp');
    expect(r1.ok ? 'ok' : r1.error.code).toBe('REPO_THRESHOLD');
    expect(verifyThreshold(two.metadata, { keyids: [a.keyid, b.keyid], threshold: 2 }, keys, 'timestamp').ok).toBe(true);
    // A signature by a key the role does not list does not count.
    const r2 = verifyThreshold(two.metadata, { keyids: [a.keyid], threshold: 2 }, keys, 'timestamp');
    expect(r2.ok ? 'ok' : r2.error.code).toBe('REPO_THRESHOLD');
  });

  it('verifies RSA-PSS, RSA PKCS#1 v1.5 and ECDSA P-256/P-384 keys with the Node verifier, and refuses them without it', () => {
    const signed: JSONObject = { _type: 'timestamp', spec_version: '1.0.31', version: 1, expires: formatTufTime(Date.now() + DAY), meta: { 'snapshot.json': { version: 1 } } };
    const msg = canonicalBytes(signed);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const pem = (k: { publicKey: { export(o: object): string | Buffer } }) => k.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const variants: [TufKey, Uint8Array][] = [
      [{ keytype: 'rsa', scheme: 'rsassa-pss-sha256', keyval: { public: pem(rsa) } }, nodeSign('sha256', msg, { key: rsa.privateKey, padding: 6, saltLength: 32 })],
      [{ keytype: 'rsa', scheme: 'rsa-pkcs1v15-sha256', keyval: { public: pem(rsa) } }, nodeSign('sha256', msg, rsa.privateKey)],
      [{ keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp256', keyval: { public: pem(p256) } }, nodeSign('sha256', msg, p256.privateKey)],
      [{ keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp384', keyval: { public: pem(p384) } }, nodeSign('sha384', msg, p384.privateKey)],
    ];
    for (const [key, sig] of variants) {
      const keyid = tufKeyId(key);
      const md = { rawSigned: signed, signatures: [{ keyid, sig: toHexString(sig) }] };
      expect(verifyThreshold(md, { keyids: [keyid], threshold: 1 }, { [keyid]: key }, key.scheme, nodeTufVerifier).ok, key.scheme).toBe(true);
      expect(verifyThreshold(md, { keyids: [keyid], threshold: 1 }, { [keyid]: key }, key.scheme).ok, `${key.scheme} without a verifier`).toBe(false);
      const bad = { rawSigned: { ...signed, version: 2 }, signatures: md.signatures };
      expect(verifyThreshold(bad, { keyids: [keyid], threshold: 1 }, { [keyid]: key }, key.scheme, nodeTufVerifier).ok, `${key.scheme} other bytes`).toBe(false);
    }
    // A P-256 key presented under the P-384 scheme is refused.
    const [k256, s256] = variants[2]!;
    const wrong: TufKey = { ...k256, scheme: 'ecdsa-sha2-nistp384' };
    const id = tufKeyId(wrong);
    expect(verifyThreshold({ rawSigned: signed, signatures: [{ keyid: id, sig: toHexString(s256) }] }, { keyids: [id], threshold: 1 }, { [id]: wrong }, 'x', nodeTufVerifier).ok).toBe(false);
  });

  it('Ed25519 through the Node verifier (OpenSSL fast path) gives the pure verifier\'s verdicts', () => {
    const a = signerOf('fast');
    for (let i = 0; i < 50; i++) {
      const signed: JSONObject = { _type: 'timestamp', spec_version: '1.0.31', version: i + 1, expires: '2030-01-01T00:00:00Z', meta: { 'snapshot.json': { version: 1 } } };
      const sig = signMetadata(signed, [a])[0]!;
      const bad = i % 2 === 0 ? sig.sig : sig.sig.slice(0, 10) + (sig.sig[10] === '0' ? '1' : '0') + sig.sig.slice(11);
      const md = { rawSigned: signed, signatures: [{ keyid: a.keyid, sig: bad }] };
      const role = { keyids: [a.keyid], threshold: 1 };
      expect(verifyThreshold(md, role, { [a.keyid]: a.key }, 't', nodeTufVerifier).ok, `round ${i}`).toBe(verifyThreshold(md, role, { [a.keyid]: a.key }, 't').ok);
      expect(verifyThreshold(md, role, { [a.keyid]: a.key }, 't').ok).toBe(i % 2 === 0);
    }
  });

  it('signs the bytes tuf-js canonicalises', () => {
    const signed: JSONObject = { _type: 'timestamp', spec_version: '1.0.31', version: 1, expires: '2030-01-01T00:00:00Z', meta: { 'snapshot.json': { version: 1, hashes: { sha256: 'ab' } } }, 'ü"\\': 'x\ny' };
    expect(new TextDecoder().decode(canonicalBytes(signed))).toBe(tufCanonicalize(signed));
  });
});

describe('delegation: bins and path patterns', () => {
  it('picks the same bin as tuf-js SuccinctRoles for every bit length', () => {
    for (const bits of [1, 4, 7, 8, 10, 13, 16, 32]) {
      const theirs = new SuccinctRoles({ keyIDs: [], threshold: 1, bitLength: bits, namePrefix: 'bins' });
      for (let i = 0; i < 200; i++) {
        const p = `plugins/pub-${i}.plugin-${i * 7}.json`;
        expect(binForTarget({ namePrefix: 'bins', bitLength: bits }, p), `${bits} ${p}`).toBe(theirs.getRoleForTarget(p));
      }
    }
  });
  it('matches path patterns part by part (no * across a /)', () => {
    expect(pathMatches('plugins/a.json', 'plugins/*.json')).toBe(true);
    expect(pathMatches('plugins/x/a.json', 'plugins/*.json')).toBe(false);
    expect(pathMatches('plugins/a.json', 'plugins/?.json')).toBe(true);
    expect(pathMatches('plugins/ab.json', 'plugins/[ab]b.json')).toBe(true);
    expect(pathMatches('plugins/cb.json', 'plugins/[!ab]b.json')).toBe(true);
    expect(pathMatches('plugins/a.json', 'plugins/a?json')).toBe(true);
    expect(pathMatches('plugins/a+json', 'plugins/a.json')).toBe(false);
  });
  it('lists the roles for a target in order, with hash prefixes', () => {
    const roles = [
      { name: 'first', keyids: [], threshold: 1, terminating: false, paths: ['plugins/*'] },
      { name: 'all', keyids: [], threshold: 1, terminating: true, pathHashPrefixes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'] },
      { name: 'none', keyids: [], threshold: 1, terminating: false, paths: ['other/*'] },
    ];
    expect(rolesForTarget({ keys: {}, roles }, 'plugins/x.json')).toEqual([
      { name: 'first', terminating: false },
      { name: 'all', terminating: true },
    ]);
  });
});

describe('the writer agrees with tuf-js: every file parses with @tufjs/models and verifies with its verifyDelegate', () => {
  it('root, timestamp, snapshot, targets and every bin', () => {
    const sim = new SimRepo({ rootLabels: ['r1', 'r2'], threshold: 2 });
    for (let i = 0; i < 40; i++) sim.content.set(`plugins/p.n${i}.json`, UTF8.encode(`{"n":${i}}`));
    sim.content.set('revocations.json', UTF8.encode('{}'));
    sim.publish();
    sim.rotateRoot({ newRoot: ['r3'], online: 'online-2' });
    sim.publish();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const md = (p: string, kind: string): TufMetadata<any> => (TufMetadata.fromJSON as (k: string, d: unknown) => TufMetadata<any>)(kind, JSON.parse(new TextDecoder().decode(sim.files.get(p)!)));
    const root1 = md('metadata/1.root.json', 'root');
    root1.verifyDelegate('root', root1);
    const root2 = md('metadata/2.root.json', 'root');
    root1.verifyDelegate('root', root2);
    root2.verifyDelegate('root', root2);
    const s = sim.state();
    const ts = md('metadata/timestamp.json', 'timestamp');
    root2.verifyDelegate('timestamp', ts);
    const snap = md(`metadata/${s.snapshot.signed.version}.snapshot.json`, 'snapshot');
    root2.verifyDelegate('snapshot', snap);
    const targets = md(`metadata/${s.targets.signed.version}.targets.json`, 'targets');
    root2.verifyDelegate('targets', targets);
    let bins = 0;
    for (const [name, m] of s.snapshot.signed.meta) {
      if (name === 'targets.json') continue;
      const role = name.slice(0, -5);
      targets.verifyDelegate(role, md(`metadata/${m.version}.${role}.json`, 'targets'));
      bins++;
    }
    expect(bins).toBe(16);
  });
});
