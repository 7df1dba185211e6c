/**
 * An in-memory index repository and client, in the manner of python-tuf's
 * RepositorySimulator: the repository builds and signs index generations
 * with real Ed25519 keys; the client verifies the bytes it is served with a
 * fixed clock and keeps the rollback state in memory, exactly as a server
 * would between runs. Attack scenarios tamper with the served bytes.
 *
 * The content is the real upstream draft index (`vectors/lattice/plugins.json`,
 * LatticeNet/lattice-plugin-index b8c2681) — read from the shared vectors,
 * never copied.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encodeBase64 } from '../../src/core/base64.js';
import { parseJSONStrict } from '../../src/core/json/strict.js';
import { formatRFC3339UTC } from '../../src/core/rules.js';
import { keyId, publicKeyFromSeed, sha256, signEd25519 } from '../../src/crypto/index.js';
import { indexSigningPayload } from '../../src/domain/index/payload.js';
import { signIndex } from '../../src/domain/index/sign.js';
import { nextIndexState, type IndexState } from '../../src/domain/index/state.js';
import type { IndexTrust } from '../../src/domain/index/trust.js';
import { verifyIndex, type VerifyIndexResult } from '../../src/domain/index/verify.js';
import { VECTORS } from '../vectors.js';

const UTF8 = new TextEncoder();
export const DAY = 86_400_000;
/** The simulated repository's epoch: 2026-08-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 7, 1);

/** A deterministic test seed for a label (SHA-256 of the label; never a real key). */
export function seedOf(label: string): Uint8Array {
  return sha256(UTF8.encode(`lattice-index test seed: ${label}`));
}
/** The raw public key of {@link seedOf}(label). */
export function publicKeyOf(label: string): Uint8Array {
  return publicKeyFromSeed(seedOf(label));
}
/** Canonical padded base64 of the public key of a label. */
export function publicKeyB64(label: string): string {
  return encodeBase64(publicKeyOf(label));
}
/** Trust in the given labels' keys with a threshold. */
export function trustOf(labels: string[], threshold = 1): IndexTrust {
  return { keys: labels.map((l) => ({ publicKey: publicKeyOf(l), label: l })), threshold };
}

/** The real upstream draft index as parsed JSON (a fresh copy per call). */
export function upstreamIndex(): Record<string, unknown> {
  const r = parseJSONStrict(readFileSync(path.join(VECTORS, 'lattice/plugins.json')));
  if (!r.ok) throw new Error('vectors/lattice/plugins.json does not parse');
  return r.value as Record<string, unknown>;
}

/** Deep copy of JSON data. */
export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Options of {@link RepositorySimulator.publish}. */
export interface PublishOptions {
  /** Labels of the index keys that sign (default the simulator's signers). */
  signers?: string[];
  /** Make the index official (default true). */
  official?: boolean;
  /** Generation to use (default: the next one). */
  generation?: number;
  /** Days until expiry (default 30). */
  expiresInDays?: number;
  /** Change the content before signing. */
  mutate?: (doc: Record<string, unknown>) => void;
}

/** The repository side: content plus index signing keys. */
export class RepositorySimulator {
  /** Current content: publishers, plugins, revocations (mutable by tests). */
  content: Record<string, unknown>;
  generation = 0;
  /** The repository's clock. */
  now = T0;
  constructor(
    /** Labels of the keys that sign by default. */
    public signers: string[] = ['index-ci'],
  ) {
    const u = upstreamIndex();
    this.content = { publishers: u.publishers, plugins: u.plugins };
  }

  /** The publisher id the index signature entries name (upstream's only publisher). */
  get publisher(): string {
    return ((this.content.publishers as { id: string }[])[0]!).id;
  }

  /** Build, sign and serialize the next generation. */
  publish(opts: PublishOptions = {}): Uint8Array {
    const generation = opts.generation ?? this.generation + 1;
    this.generation = Math.max(this.generation, generation);
    const doc: Record<string, unknown> = {
      schema: 'lattice.plugin.index.v1',
      generated_at: formatRFC3339UTC(this.now),
      status: 'draft',
      generation,
      expires_at: formatRFC3339UTC(this.now + (opts.expiresInDays ?? 30) * DAY),
      ...clone(this.content),
      signatures: [],
    };
    opts.mutate?.(doc);
    let value: unknown = doc;
    let bytes: Uint8Array | undefined;
    for (const label of opts.signers ?? this.signers) {
      const r = signIndex(value, seedOf(label), { publisher: this.publisher, official: opts.official ?? true, now: this.now });
      value = r.index;
      bytes = r.bytes;
    }
    return bytes ?? UTF8.encode(JSON.stringify(doc, null, 2) + '\n');
  }

  /**
   * Like {@link publish}, but signs the payload directly, without `signIndex`'s
   * validation and self-check — a compromised or buggy signer, whose output
   * the verifier must still judge on its own.
   */
  publishUnchecked(opts: PublishOptions = {}): Uint8Array {
    const generation = opts.generation ?? this.generation + 1;
    this.generation = Math.max(this.generation, generation);
    const doc: Record<string, unknown> = {
      schema: 'lattice.plugin.index.v1',
      generated_at: formatRFC3339UTC(this.now),
      status: opts.official === false ? 'draft' : 'official',
      generation,
      expires_at: formatRFC3339UTC(this.now + (opts.expiresInDays ?? 30) * DAY),
      ...clone(this.content),
      signatures: [],
    };
    opts.mutate?.(doc);
    const payload = indexSigningPayload(doc);
    doc.signatures = (opts.signers ?? this.signers).map((label) => ({
      publisher: this.publisher,
      keyid: keyId(publicKeyOf(label)),
      signature_ed25519: encodeBase64(signEd25519(seedOf(label), payload)),
    }));
    return UTF8.encode(JSON.stringify(doc, null, 2) + '\n');
  }
}

/** The client side: trusted keys, a fixed clock per update, rollback state in memory. */
export class SimulatedClient {
  state: IndexState | undefined;
  constructor(
    public trust: IndexTrust,
    public options: { allowDraft?: boolean } = {},
  ) {}

  /** Verify served bytes at `now`; on success the state moves forward (only from a signed index). */
  update(bytes: Uint8Array, now: number): VerifyIndexResult {
    const r = verifyIndex(bytes, this.trust, {
      now,
      ...(this.state ? { state: this.state } : {}),
      ...(this.options.allowDraft ? { allowDraft: true } : {}),
    });
    if (r.ok) this.state = nextIndexState(r.verified) ?? this.state;
    return r;
  }
}

/** Parse index bytes (for tampering). */
export function parseBytes(bytes: Uint8Array): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}
/** Serialize a tampered document the way the repository does. */
export function toBytes(doc: unknown): Uint8Array {
  return UTF8.encode(JSON.stringify(doc, null, 2) + '\n');
}
