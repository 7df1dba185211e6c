/**
 * Shared loaders for the Lattice manifest vectors (`vectors/lattice/`).
 * Source: PROVENANCE.json there (real manifests from the LatticeNet plugin
 * repositories; payloads and verdicts computed with the server's own code).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS } from '../vectors.js';
import { goDecodePublicKey } from '../../src/core/base64.js';

export const LATTICE = join(VECTORS, 'lattice');

export interface GoLineResult {
  decode_error: string | null;
  validate_error: string | null;
}

/** One entry of `vectors/lattice/EXPECTED.json`. */
export interface ExpectedManifest {
  file: string;
  plugin: string;
  version: string;
  schema: 'v1' | 'v2';
  profile: 'current' | 'legacy-component_key';
  payload_sha256: string;
  signature_verifies: boolean;
  reason: string | null;
  key: string | null;
  go_payload_sha256: string;
  go_main: GoLineResult;
  go_integration: GoLineResult;
}

/** One entry of `vectors/lattice/synthetic/EXPECTED.json`. */
export interface ExpectedSynthetic {
  file: string;
  note: string;
  go_decode_error: string | null;
  go_validate_error_integration: string | null;
  expected_payload_go1_22plus: string | null;
  expected_payload_main: string | null;
  raw_go1_19_payload_b64: string | null;
}

export function readJSON<T>(...parts: string[]): T {
  return JSON.parse(readFileSync(join(LATTICE, ...parts), 'utf8')) as T;
}

export const EXPECTED: ExpectedManifest[] = readJSON('EXPECTED.json');
export const SYNTHETIC: ExpectedSynthetic[] = readJSON('synthetic', 'EXPECTED.json');

export function manifestBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(LATTICE, 'manifests', file)));
}

/** The Go payload of a vector; legacy-07 manifests have `<name>.legacy07.payload`. */
export function payloadBytes(e: Pick<ExpectedManifest, 'file' | 'profile'>): Uint8Array {
  const suffix = e.profile === 'current' ? '.payload' : '.legacy07.payload';
  return new Uint8Array(readFileSync(join(LATTICE, 'payloads', e.file.replace(/\.manifest\.json$/, suffix))));
}

export function syntheticBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(LATTICE, 'synthetic', file)));
}

interface IndexKeys {
  keys: { publisher: string; label: string; public_key_ed25519: string }[];
}

/** The latticenet key history: label → raw key (`vectors/lattice/index-keys.json`). */
export const KEYS: { label: string; key: Uint8Array }[] = readJSON<IndexKeys>('index-keys.json').keys.map((k) => {
  const r = goDecodePublicKey(k.public_key_ed25519);
  if (!r.ok) throw new Error(`bad key in index-keys.json: ${k.label}`);
  return { label: k.label, key: r.key };
});

/** EXPECTED.json names keys "plugins.json (current)" or "rotated-out (…)"; map to the raw key. */
export function keyFor(label: string): Uint8Array {
  const wanted = label.startsWith('plugins.json') ? 'current' : label.split(' ')[0]!;
  const k = KEYS.find((x) => x.label.startsWith(wanted));
  if (!k) throw new Error(`no key for ${label}`);
  return k.key;
}

export const CURRENT_KEY = keyFor('plugins.json (current)');
export const ROTATED_KEY = keyFor('rotated-out');

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

export const manifestFiles = (): string[] => readdirSync(join(LATTICE, 'manifests')).sort();
