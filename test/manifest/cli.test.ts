/**
 * `lattice-index manifest payload|verify|sign|check` and `check-entry`,
 * through the BUILT CLI (`npm test` builds first; or `npx tsc -p tsconfig.build.json`).
 *
 * Known answers: `vectors/lattice/` (real manifests from the LatticeNet plugin
 * repositories, with the payload bytes and verdicts the Go server computes:
 * see PROVENANCE.json and EXPECTED.json there).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64 } from '../../src/core/base64.js';
import { locatePointer } from '../../src/core/json/locate.js';
import { publicKeyFromSeed, sha256Hex, signEd25519 } from '../../src/crypto/index.js';
import {
  decodeManifest,
  manifestSigningPayload,
  marshalManifestIndent,
} from '../../src/domain/manifest/index.js';
import { CLI, ROOT, runCli, tempDir } from '../cli/helpers.js';
import { EXPECTED, LATTICE, SYNTHETIC, manifestBytes, payloadBytes, readJSON } from './helpers.js';

/** Run the CLI in-process, stdout as raw bytes (payloads are compared byte for byte). */
async function runCliBytes(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
  const r = await runCli(args, { env });
  return { status: r.status, stdout: r.stdoutBytes, stderr: r.stderr };
}

/** Map with bounded concurrency (each item spawns a node process). */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const manifestPath = (file: string): string => path.join(LATTICE, 'manifests', file);
const syntheticPath = (file: string): string => path.join(LATTICE, 'synthetic', file);

/** The current `latticenet` publisher key and the rotated-out one (vectors/lattice/index-keys.json). */
const INDEX_KEYS = readJSON<{ keys: { label: string; public_key_ed25519: string }[] }>('index-keys.json').keys;
const CURRENT_KEY = INDEX_KEYS.find((k) => k.label.startsWith('current'))!.public_key_ed25519;
const ROTATED_KEY = INDEX_KEYS.find((k) => k.label.startsWith('rotated-out'))!.public_key_ed25519;

describe('manifest payload', () => {
  it('writes the Go payload bytes of every vector manifest, byte for byte (source: vectors/lattice/EXPECTED.json + payloads/)', async () => {
    // Every entry of EXPECTED.json: legacy-07 manifests need --legacy-component-key.
    const results = await mapLimit(EXPECTED, 4, async (e) => {
      const args = ['manifest', 'payload', manifestPath(e.file)];
      if (e.profile !== 'current') args.push('--legacy-component-key');
      return { e, r: await runCliBytes(args) };
    });
    expect(results).toHaveLength(40);
    for (const { e, r } of results) {
      expect(r.status, `${e.file}: ${r.stderr}`).toBe(0);
      expect(Buffer.compare(r.stdout, Buffer.from(payloadBytes(e))), e.file).toBe(0);
      expect(sha256Hex(r.stdout), e.file).toBe(e.go_payload_sha256);
    }
  }, 120_000);

  it('legacy-07 manifests do not decode without --legacy-component-key (exit 1, the server\'s text)', async () => {
    const e = EXPECTED.find((x) => x.profile === 'legacy-component_key')!;
    const r = await runCliBytes(['manifest', 'payload', manifestPath(e.file)]);
    expect(r.status).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toContain(`${e.go_integration.decode_error} [MANIFEST_DECODE]`);
  });

  it('a v1 manifest with dependencies: one payload per server line (source: synthetic/EXPECTED.json s12)', async () => {
    const s12 = SYNTHETIC.find((s) => s.file === 's12-v1-deps.json')!;
    expect(s12.expected_payload_main).not.toBe(s12.expected_payload_go1_22plus);
    const main = await runCliBytes(['manifest', 'payload', syntheticPath(s12.file), '--server-line', 'main']);
    const integration = await runCliBytes(['manifest', 'payload', syntheticPath(s12.file), '--server-line', 'integration']);
    expect(main.stdout.toString('utf8')).toBe(s12.expected_payload_main);
    expect(integration.stdout.toString('utf8')).toBe(s12.expected_payload_go1_22plus);
    expect(main.stderr).toBe('');
    // Without --server-line: the integration payload and a warning.
    const dflt = await runCliBytes(['manifest', 'payload', syntheticPath(s12.file)]);
    expect(dflt.status).toBe(0);
    expect(dflt.stdout.toString('utf8')).toBe(s12.expected_payload_go1_22plus);
    expect(dflt.stderr).toMatch(/warning: .*differs per server line/);
  });

  it('a file that is not one JSON text exits 2 with Go\'s decode error and the parser\'s code (source: synthetic d04)', async () => {
    const d04 = SYNTHETIC.find((s) => s.file === 'd04-trailing.json')!;
    const r = await runCliBytes(['manifest', 'payload', syntheticPath(d04.file)]);
    expect(r.status).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toBe(`lattice-index: ${syntheticPath(d04.file)}: ${d04.go_decode_error} [JSON_TRAILING_DATA]\n`);
  });

  it('JSON the decoder refuses exits 1 with Go\'s decode error', async () => {
    const t = tempDir('lattice-manifest-payload-');
    try {
      const f = path.join(t.dir, 'unknown-field.json');
      writeFileSync(f, '{"id":"x.y","name":"n","type":"system","bogus":1}');
      const r = await runCliBytes(['manifest', 'payload', f]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`lattice-index: ${f}: decode manifest: json: unknown field "bogus" [MANIFEST_DECODE]\n`);
    } finally {
      t.cleanup();
    }
  });

  it('a missing file exits 2', async () => {
    const r = await runCliBytes(['manifest', 'payload', path.join(LATTICE, 'no-such.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('[INPUT_NOT_FOUND]');
  });
});

describe('manifest check', () => {
  for (const line of ['main', 'integration'] as const) {
    it(`reports every vector manifest as the Go server does on ${line} (source: vectors/lattice/EXPECTED.json go_${line})`, async () => {
      const files = EXPECTED.map((e) => manifestPath(e.file));
      const r = await runCli(['manifest', 'check', ...files, '--server-line', line]);
      const okLines = r.stdout.split('\n').filter(Boolean);
      // A failure line may end in " [at <pointer>]" naming the offending field (the CLI's addition).
      const badLines = r.stderr.split('\n').filter(Boolean).map((l) => l.replace(/ \[at \/[^\]]*\]$/, ''));
      let failures = 0;
      for (const e of EXPECTED) {
        const go = line === 'main' ? e.go_main : e.go_integration;
        const error = go.decode_error ?? go.validate_error;
        const p = manifestPath(e.file);
        if (error === null) {
          const m = decodeManifest(manifestBytes(e.file));
          expect(m.ok).toBe(true);
          if (!m.ok) continue;
          const schema = m.manifest.schema || 'legacy';
          expect(okLines, e.file).toContain(`${p}: ok id=${e.plugin} version=${e.version} schema=${schema}`);
        } else {
          failures++;
          expect(badLines, e.file).toContain(`${p}: invalid: ${error}`);
        }
      }
      expect(okLines.length + badLines.length).toBe(EXPECTED.length);
      expect(failures).toBeGreaterThan(0);
      expect(r.status).toBe(1);
    });
  }

  it('exits 0 when every file is loadable, 2 for an unreadable file', async () => {
    const good = EXPECTED.filter((e) => e.go_integration.decode_error === null && e.go_integration.validate_error === null).slice(0, 3);
    const ok = await runCli(['manifest', 'check', ...good.map((e) => manifestPath(e.file))]);
    expect(ok.status).toBe(0);
    expect(ok.stderr).toBe('');
    expect(ok.stdout.split('\n').filter(Boolean)).toHaveLength(3);
    const missing = await runCli(['manifest', 'check', manifestPath(good[0]!.file), path.join(LATTICE, 'no-such.json')]);
    expect(missing.status).toBe(2);
    expect(missing.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(missing.stderr).toMatch(/no-such\.json: unreadable: /);
  });

  it('exits 2 without a file (usage)', async () => {
    expect((await runCli(['manifest', 'check'])).status).toBe(2);
    expect((await runCli(['manifest'])).status).toBe(2);
  });
});

describe('manifest verify on real signed manifests', () => {
  // Signed with the current latticenet key and loadable on integration (EXPECTED.json);
  // the artifacts are not in the vectors, so the digest is not checked.
  const signed = EXPECTED.filter(
    (e) =>
      e.signature_verifies &&
      e.key === 'plugins.json (current)' &&
      e.profile === 'current' &&
      e.go_integration.decode_error === null &&
      e.go_integration.validate_error === null,
  );

  it('verifies every one under the current key, and none under the rotated-out key (source: EXPECTED.json, index-keys.json)', async () => {
    expect(signed.length).toBeGreaterThanOrEqual(10);
    // Every qualifying vector under the current key; the rotated-out key on the
    // first three only (the verdict logic itself runs on all vectors in verify.test.ts;
    // here each run is a process).
    const results = await mapLimit(signed, 4, async (e) => ({
      e,
      good: await runCliBytes(['manifest', 'verify', manifestPath(e.file), '--key', CURRENT_KEY]),
      bad: signed.indexOf(e) < 3 ? await runCliBytes(['manifest', 'verify', manifestPath(e.file), '--key', ROTATED_KEY]) : undefined,
    }));
    for (const { e, good, bad } of results) {
      expect(good.status, `${e.file}: ${good.stderr}`).toBe(0);
      const text = good.stdout.toString('utf8');
      expect(text).toContain(`payload_sha256: ${e.payload_sha256}`);
      expect(text).toContain('digest not checked: no --artifact');
      if (bad === undefined) continue;
      expect(bad.status, e.file).toBe(1);
      expect(bad.stderr).toBe('lattice-index: invalid signature [MANIFEST_SIGNATURE_INVALID]\n');
    }
    expect(results.filter((x) => x.bad !== undefined)).toHaveLength(3);
  }, 120_000);

  it('names the server\'s error for an untrusted publisher and for a manifest the server rejects', async () => {
    const e = signed[0]!;
    const other = await runCliBytes(['manifest', 'verify', manifestPath(e.file), '--key', CURRENT_KEY, '--publisher', 'someone.else']);
    expect(other.status).toBe(1);
    expect(other.stderr).toBe('lattice-index: publisher "latticenet" is not trusted publisher [MANIFEST_UNTRUSTED_PUBLISHER]\n');
    const invalid = EXPECTED.find((x) => x.profile === 'current' && x.go_integration.validate_error !== null)!;
    const r = await runCliBytes(['manifest', 'verify', manifestPath(invalid.file), '--key', CURRENT_KEY]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`lattice-index: ${invalid.go_integration.validate_error} [MANIFEST_INVALID]\n`);
  });

  it('rejects a malformed --key with exit 2', async () => {
    const r = await runCliBytes(['manifest', 'verify', manifestPath(signed[0]!.file), '--key', 'not base64!']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('[KEY_INVALID]');
  });
});

describe('manifest sign', () => {
  let dir: string;
  let cleanup: () => void;
  let seed: Uint8Array;
  let seedFile: string;
  let publicKey: string;
  let artifact: string;
  let artifactSha: string;
  const secrets: string[] = [];
  const outputs: string[] = [];

  /** Run and remember every output, to check the seed never appears. */
  const run = async (args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof runCli> => {
    const r = await runCli(args, { env });
    outputs.push(r.stdout, r.stderr);
    return r;
  };

  /** A valid v2 manifest (from a real vector), republished under publisher `acme` with the given digest. */
  const writeV2 = (name: string, digest: string): string => {
    const src = JSON.parse(readFileSync(manifestPath('netguard-0.1.0-alpha.10.manifest.json'), 'utf8')) as Record<string, unknown>;
    delete src.signature_ed25519;
    src.publisher = 'acme';
    (src.bundle as Record<string, string>).digest_sha256 = digest;
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(src, null, 2));
    return file;
  };

  beforeAll(() => {
    ({ dir, cleanup } = tempDir('lattice-manifest-sign-'));
    seed = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
    seedFile = path.join(dir, 'publisher.seed');
    writeFileSync(seedFile, seed, { mode: 0o600 });
    chmodSync(seedFile, 0o600);
    publicKey = encodeBase64(publicKeyFromSeed(seed));
    secrets.push(encodeBase64(seed), Buffer.from(seed).toString('hex'), Buffer.from(seed).toString('base64url'));
    artifact = path.join(dir, 'bundle.tar.gz');
    const bytes = new Uint8Array(4096).map((_, i) => (i * 7) & 0xff);
    writeFileSync(artifact, bytes);
    artifactSha = sha256Hex(bytes);
  });
  afterAll(() => {
    // The seed is never printed, in any output of any test of this block.
    for (const o of outputs) for (const s of secrets) expect(o.includes(s)).toBe(false);
    cleanup();
  });

  it('round trip: sign --write fills the digest, writes the MarshalIndent form, verify accepts it', async () => {
    const file = writeV2('fill.json', '');
    const r = await run(['manifest', 'sign', file, '--key', seedFile, '--artifact', artifact, '--write']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`public_key_ed25519: ${publicKey}`);
    expect(r.stderr).toContain(`digest_sha256: ${artifactSha} (filled from --artifact)`);
    const text = readFileSync(file, 'utf8');
    const decoded = decodeManifest(text);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const m = decoded.manifest;
    expect(m.bundle?.digest_sha256).toBe(artifactSha);
    // The server's signing tools' on-disk form (§B.5): MarshalIndent + "\n", padded base64 signature.
    expect(text).toBe(marshalManifestIndent(m));
    expect(m.signature_ed25519).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    // The signature is Ed25519 over the payload (deterministic: recompute it independently).
    expect(m.signature_ed25519).toBe(encodeBase64(signEd25519(seed, manifestSigningPayload(m))));
    expect(r.stderr).toContain(`payload: ${manifestSigningPayload(m).length} bytes`);

    const v = await run(['manifest', 'verify', file, '--key', publicKey, '--artifact', artifact]);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toContain('signed by acme');
    expect(v.stdout).toContain('digest checked against the artifact');
    const noArtifact = await run(['manifest', 'verify', file, '--key', publicKey]);
    expect(noArtifact.status).toBe(0);
    expect(noArtifact.stdout).toContain('digest not checked: no --artifact');
    // Another artifact: the server's digest error.
    const other = path.join(dir, 'other.bin');
    writeFileSync(other, 'x');
    const bad = await run(['manifest', 'verify', file, '--key', publicKey, '--artifact', other]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(`lattice-index: digest mismatch: got ${sha256Hex(new TextEncoder().encode('x'))} [MANIFEST_DIGEST_MISMATCH]\n`);
    // Another key: invalid signature.
    const otherKey = encodeBase64(publicKeyFromSeed(new Uint8Array(32).fill(9)));
    const wrong = await run(['manifest', 'verify', file, '--key', otherKey, '--artifact', artifact]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toBe('lattice-index: invalid signature [MANIFEST_SIGNATURE_INVALID]\n');
  });

  it('without --write prints the signed manifest to stdout and leaves the file alone; --key-env works', async () => {
    const file = writeV2('stdout.json', artifactSha);
    const before = readFileSync(file, 'utf8');
    const r = await run(['manifest', 'sign', file, '--key-env', 'LATTICE_TEST_SEED', '--artifact', artifact], { LATTICE_TEST_SEED: encodeBase64(seed) });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(r.stderr).toContain('(matches --artifact)');
    const decoded = decodeManifest(r.stdout);
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(r.stdout).toBe(marshalManifestIndent(decoded.manifest));
    const signedFile = path.join(dir, 'stdout.signed.json');
    writeFileSync(signedFile, r.stdout);
    expect((await run(['manifest', 'verify', signedFile, '--key', publicKey, '--artifact', artifact])).status).toBe(0);
  });

  it('inside the repository, a key that is not the publisher\'s current key is signed with, but warned about', async () => {
    const idx = path.join(dir, 'idx');
    mkdirSync(path.join(idx, 'publishers'), { recursive: true });
    const file = writeV2('warn.json', artifactSha);
    // No publisher file there: nothing to compare, no warning.
    let r = await run(['manifest', 'sign', file, '--key', seedFile, '--artifact', artifact, '--index-dir', idx]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('warning');
    // The publisher's current key is another one: signed all the same, with a warning naming both keyids.
    writeFileSync(path.join(idx, 'publishers', 'acme.json'), JSON.stringify({ id: 'acme', name: 'Acme', public_key_ed25519: encodeBase64(publicKeyFromSeed(new Uint8Array(32).fill(9))) }));
    r = await run(['manifest', 'sign', file, '--key', seedFile, '--artifact', artifact, '--index-dir', idx]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: the signing key \(keyid [0-9a-f]{64}\) is not publisher acme's current key in .*acme\.json \(keyid [0-9a-f]{64}\): add and pr-check will refuse this manifest/);
    // The honest variant: the publisher's key is the signing key — no warning.
    writeFileSync(path.join(idx, 'publishers', 'acme.json'), JSON.stringify({ id: 'acme', name: 'Acme', public_key_ed25519: publicKey }));
    r = await run(['manifest', 'sign', file, '--key', seedFile, '--artifact', artifact, '--index-dir', idx]);
    expect(r.stderr).not.toContain('warning');
  });

  it('a different digest fails without --update-digest and is replaced with it', async () => {
    const file = writeV2('mismatch.json', 'ab'.repeat(32));
    const before = readFileSync(file, 'utf8');
    const r = await run(['manifest', 'sign', file, '--key', seedFile, '--artifact', artifact, '--write']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\[MANIFEST_DIGEST_MISMATCH\]\n$/);
    expect(r.stderr).toContain('--update-digest');
    expect(readFileSync(file, 'utf8')).toBe(before);

    const u = await run(['manifest', 'sign', file, '--key', seedFile, '--artifact', artifact, '--update-digest', '--write']);
    expect(u.status, u.stderr).toBe(0);
    expect(u.stderr).toContain(`digest_sha256: ${artifactSha} (replaced from --artifact)`);
    const m = decodeManifest(readFileSync(file));
    expect(m.ok && m.manifest.bundle?.digest_sha256).toBe(artifactSha);
    expect((await run(['manifest', 'verify', file, '--key', publicKey, '--artifact', artifact])).status).toBe(0);
  });

  it('an equal digest in upper case is kept (the server compares case-insensitively)', async () => {
    const file = writeV2('upper.json', artifactSha.toUpperCase());
    const r = await run(['manifest', 'sign', file, '--key', seedFile, '--artifact', artifact, '--write']);
    expect(r.status, r.stderr).toBe(0);
    const m = decodeManifest(readFileSync(file));
    expect(m.ok && m.manifest.bundle?.digest_sha256).toBe(artifactSha.toUpperCase());
    expect((await run(['manifest', 'verify', file, '--key', publicKey, '--artifact', artifact])).status).toBe(0);
  });

  it('refuses: no digest and no artifact, --update-digest without --artifact, an invalid manifest, no publisher, a readable key file', async () => {
    const empty = writeV2('empty.json', '');
    const r1 = await run(['manifest', 'sign', empty, '--key', seedFile]);
    expect(r1.status).toBe(1);
    expect(r1.stderr).toContain('[MANIFEST_INVALID]');
    expect((await run(['manifest', 'sign', empty, '--key', seedFile, '--update-digest'])).status).toBe(2);

    const invalid = writeV2('invalid.json', '');
    const j = JSON.parse(readFileSync(invalid, 'utf8')) as Record<string, unknown>;
    j.capabilities = ['no:such'];
    writeFileSync(invalid, JSON.stringify(j));
    const r2 = await run(['manifest', 'sign', invalid, '--key', seedFile, '--artifact', artifact, '--write']);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toContain('capability "no:such" is not recognized [MANIFEST_INVALID]');

    const nopub = writeV2('nopub.json', '');
    const k = JSON.parse(readFileSync(nopub, 'utf8')) as Record<string, unknown>;
    delete k.publisher;
    writeFileSync(nopub, JSON.stringify(k));
    const r3 = await run(['manifest', 'sign', nopub, '--key', seedFile, '--artifact', artifact]);
    expect(r3.status).toBe(1);
    expect(r3.stderr).toContain('[MANIFEST_SIGNATURE_REQUIRED]');

    const loose = path.join(dir, 'loose.seed');
    writeFileSync(loose, seed);
    chmodSync(loose, 0o644);
    const r4 = await run(['manifest', 'sign', writeV2('loose.json', ''), '--key', loose, '--artifact', artifact]);
    expect(r4.status).toBe(2);
    expect(r4.stderr).toContain('[KEY_INVALID]');

    // Unknown key: we read strictly, unlike pluginsign.
    const unknown = writeV2('unknown.json', '');
    writeFileSync(unknown, readFileSync(unknown, 'utf8').replace('{', '{"extra": 1,'));
    const r5 = await run(['manifest', 'sign', unknown, '--key', seedFile, '--artifact', artifact]);
    expect(r5.status).toBe(1);
    expect(r5.stderr).toContain('decode manifest: json: unknown field "extra" [MANIFEST_DECODE]');
  });

  it('a v1 manifest with dependencies needs an explicit --server-line, and the signature is for that line', async () => {
    const v1 = JSON.parse(readFileSync(syntheticPath('s12-v1-deps.json'), 'utf8')) as Record<string, unknown>;
    v1.publisher = 'acme';
    v1.id = 'acme.old-plugin';
    v1.digest_sha256 = '';
    // Dependency ids must be valid and not the plugin itself; keep s12's.
    const file = path.join(dir, 'v1deps.json');
    writeFileSync(file, JSON.stringify(v1));
    const refused = await run(['manifest', 'sign', file, '--key', seedFile, '--artifact', artifact]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('--server-line');

    const signed = await run(['manifest', 'sign', file, '--key', seedFile, '--artifact', artifact, '--server-line', 'main', '--write']);
    expect(signed.status, signed.stderr).toBe(0);
    expect((await run(['manifest', 'verify', file, '--key', publicKey, '--artifact', artifact, '--server-line', 'main'])).status).toBe(0);
    const onIntegration = await run(['manifest', 'verify', file, '--key', publicKey, '--artifact', artifact, '--server-line', 'integration']);
    expect(onIntegration.status).toBe(1);
    expect(onIntegration.stderr).toBe('lattice-index: invalid signature [MANIFEST_SIGNATURE_INVALID]\n');
  });
});

describe('check-entry', () => {
  let dir: string;
  let cleanup: () => void;
  let seedFile: string;
  let manifestFile: string;
  let artifact: string;
  let artifactSha: string;
  let signature: string;

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('lattice-check-entry-'));
    const seed = new Uint8Array(32).fill(42);
    seedFile = path.join(dir, 'k.seed');
    writeFileSync(seedFile, seed, { mode: 0o600 });
    chmodSync(seedFile, 0o600);
    artifact = path.join(dir, 'a.tar.gz');
    writeFileSync(artifact, 'bundle bytes');
    artifactSha = sha256Hex(new TextEncoder().encode('bundle bytes'));
    const src = JSON.parse(readFileSync(manifestPath('netguard-0.1.0-alpha.10.manifest.json'), 'utf8')) as Record<string, unknown>;
    delete src.signature_ed25519;
    src.id = 'acme.netguard';
    src.publisher = 'acme';
    // Interfaces are owned by the plugin id: rename them with it.
    const text = JSON.stringify(src).replaceAll('latticenet.netguard/', 'acme.netguard/');
    manifestFile = path.join(dir, 'manifest.json');
    writeFileSync(manifestFile, text);
    const r = await runCli(['manifest', 'sign', manifestFile, '--key', seedFile, '--artifact', artifact, '--update-digest', '--write']);
    expect(r.status, r.stderr).toBe(0);
    const m = decodeManifest(readFileSync(manifestFile));
    if (!m.ok) throw new Error(m.message);
    signature = m.manifest.signature_ed25519;
  });
  afterAll(() => cleanup());

  const entry = (overrides: Record<string, unknown> = {}): Record<string, unknown> => {
    const m = decodeManifest(readFileSync(manifestFile));
    if (!m.ok) throw new Error(m.message);
    return {
      id: 'acme.netguard',
      name: 'NetGuard',
      publisher: 'acme',
      type: 'system',
      channels: { alpha: m.manifest.version },
      capabilities: m.manifest.capabilities,
      releases: [
        {
          version: m.manifest.version,
          channel: 'alpha',
          capabilities: m.manifest.capabilities,
          manifest_url: 'https://example.org/m.json',
          artifact_url: 'https://example.org/a.tar.gz',
          artifact_sha256: artifactSha,
          signature_ed25519: signature,
          manifest_sha256: sha256Hex(readFileSync(manifestFile)),
          ...overrides,
        },
      ],
    };
  };
  const writeEntry = (name: string, value: Record<string, unknown>): { file: string; text: string } => {
    const file = path.join(dir, name);
    const text = JSON.stringify(value, null, 2) + '\n';
    writeFileSync(file, text);
    return { file, text };
  };

  it('a consistent entry passes, with and without --artifact', async () => {
    const { file } = writeEntry('ok.json', entry());
    const r = await runCli(['check-entry', file, '--manifest', manifestFile, '--artifact', artifact]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('matches');
    const n = await runCli(['check-entry', file, '--manifest', manifestFile]);
    expect(n.status).toBe(0);
    expect(n.stdout).toContain('artifact not checked');
  });

  it('locates each problem on the line of the entry that is wrong', async () => {
    const { file, text } = writeEntry('bad.json', entry({
      capabilities: ['node:read', 'task:run'],
      artifact_sha256: 'cd'.repeat(32),
      manifest_sha256: 'ef'.repeat(32),
    }));
    const r = await runCli(['check-entry', file, '--manifest', manifestFile, '--artifact', artifact]);
    expect(r.status).toBe(1);
    const lines = r.stderr.split('\n').filter(Boolean);
    const at = (pointer: string): string => {
      const pos = locatePointer(text, pointer)!;
      return `${file}:${pos.line}:${pos.column}: `;
    };
    const find = (code: string, pointer: string): string | undefined => lines.find((l) => l.endsWith(`[${code} at ${pointer}]`));
    const caps = find('MANIFEST_INDEX_MISMATCH', '/releases/0/capabilities');
    expect(caps).toBeDefined();
    expect(caps!.startsWith(at('/releases/0/capabilities'))).toBe(true);
    expect(caps).toContain('capabilities differ');
    // The digest in the index differs from the manifest's and from the artifact's.
    expect(find('MANIFEST_INDEX_MISMATCH', '/releases/0/artifact_sha256')!.startsWith(at('/releases/0/artifact_sha256'))).toBe(true);
    expect(find('ARTIFACT_DIGEST_MISMATCH', '/releases/0/artifact_sha256')!.startsWith(at('/releases/0/artifact_sha256'))).toBe(true);
    expect(find('MANIFEST_INDEX_MISMATCH', '/releases/0/manifest_sha256')!.startsWith(at('/releases/0/manifest_sha256'))).toBe(true);
    // The line numbers are real lines of the file, not all the same.
    const lineOf = (p: string) => locatePointer(text, p)!.line;
    expect(new Set([lineOf('/releases/0/capabilities'), lineOf('/releases/0/artifact_sha256'), lineOf('/releases/0/manifest_sha256')]).size).toBe(3);
    expect(lines.at(-1)).toBe('lattice-index: check-entry: 4 problem(s) [MANIFEST_INDEX_MISMATCH]');
  });

  it('a different signature, type or a missing release is reported', async () => {
    const otherSig = encodeBase64(new Uint8Array(64).fill(1));
    const base = entry({ signature_ed25519: otherSig });
    base.type = 'wasm';
    const { file } = writeEntry('sig.json', base);
    const r = await runCli(['check-entry', file, '--manifest', manifestFile]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[MANIFEST_INDEX_MISMATCH at /releases/0/signature_ed25519]');
    expect(r.stderr).toContain('[MANIFEST_INDEX_MISMATCH at /type]');
    const missing = await runCli(['check-entry', file, '--manifest', manifestFile, '--version', '9.9.9']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('the entry has no release "9.9.9" [MANIFEST_INDEX_MISMATCH at /releases]');
  });

  it('an entry that is not JSON exits 2, located', async () => {
    const file = path.join(dir, 'broken.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{\n  "id": "x",\n  "id": "y"\n}\n');
    const r = await runCli(['check-entry', file, '--manifest', manifestFile]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broken\.json:3:\d+: not strict JSON/);
  });
});
