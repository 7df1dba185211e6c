/**
 * The signing commands through the BUILT CLI (`node dist/cli/main.js`), in
 * temporary directories: exit codes, one-line errors, files written
 * atomically with the right modes — and no seed ever on stdout or stderr.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeBase64 } from '../../src/core/base64.js';
import { CLI, ROOT, copyIndex, runCli, tempDir } from '../cli/helpers.js';

/** Build dist/ when it is missing or older than any source file (`npm test` builds first anyway). */
function ensureBuilt(): void {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
    }, 0);
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newest(path.join(ROOT, 'src'))) return;
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
}

/** Everything any command printed, checked for secrets at the end. */
const transcript: string[] = [];
let tmp: { dir: string; cleanup: () => void };

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await runCli(args, { cwd: tmp.dir, env });
  transcript.push(r.stdout, r.stderr);
  return r;
}
const file = (name: string) => path.join(tmp.dir, name);
const seedBytes = (name: string) => new Uint8Array(readFileSync(file(name)));
const json = (s: string) => JSON.parse(s) as Record<string, unknown>;

/** keygen → { file, public key, keyid } */
async function keygen(name: string): Promise<{ pub: string; keyid: string }> {
  const r = await cli(['keygen', '--out', name, '--json']);
  expect(r.status).toBe(0);
  const out = json(r.stdout);
  return { pub: out.public_key_ed25519 as string, keyid: out.keyid as string };
}

beforeAll(() => {
  ensureBuilt();
  tmp = tempDir('lattice-signing-cli-');
  copyIndex(tmp.dir);
}, 300_000);
afterAll(() => tmp?.cleanup());

describe('keygen', () => {
  it('writes a 32-byte seed with mode 0600, prints public key and keyid, refuses to overwrite', async () => {
    const r = await cli(['keygen', '--out', 'a.seed']);
    expect(r.status).toBe(0);
    expect(statSync(file('a.seed')).mode & 0o777).toBe(0o600);
    expect(statSync(file('a.seed')).size).toBe(32);
    expect(r.stdout).toMatch(/^public_key_ed25519: [A-Za-z0-9+/]{43}=$/m);
    expect(r.stdout).toMatch(/^keyid: [0-9a-f]{64}$/m);
    const again = await cli(['keygen', '--out', 'a.seed']);
    expect(again.status).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain('[KEY_FILE_EXISTS]');
  });
});

describe('sign → verify round trip', () => {
  let A: { pub: string; keyid: string };
  let B: { pub: string; keyid: string };
  beforeAll(async () => {
    A = await keygen('ci-a.seed');
    B = await keygen('ci-b.seed');
  });

  it('build a draft, sign it official, verify with --key and with --policy', async () => {
    expect((await cli(['build', '--expires-in', '30'])).status).toBe(0);
    const s = await cli(['sign', 'index/plugins.json', '--key', 'ci-a.seed', '--publisher', 'demo', '--official']);
    expect(s.status).toBe(0);
    expect(s.stdout).toContain(`signed by keyid ${A.keyid}`);
    const signed = json(readFileSync(file('index/plugins.json'), 'utf8'));
    expect(signed.status).toBe('official');
    expect(signed.signatures).toEqual([{ publisher: 'demo', keyid: A.keyid, signature_ed25519: expect.stringMatching(/^[A-Za-z0-9+/]{86}==$/) }]);

    const v = await cli(['verify', 'index/plugins.json', '--key', A.pub]);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^status: official$/m);
    expect(v.stdout).toContain(`signer: ${A.keyid} (publisher demo)`);
    expect(v.stderr).toBe('');

    writeFileSync(file('policy.json'), JSON.stringify({ schema: 'lattice.plugin.install-policy.v1', index: { trusted_keys: [{ public_key_ed25519: A.pub, label: 'ci' }], threshold: 1 } }));
    const p = await cli(['verify', 'index/plugins.json', '--policy', 'policy.json', '--json']);
    expect(p.status).toBe(0);
    const out = json(p.stdout);
    expect(out).toMatchObject({ ok: true, status: 'official', signed: true, signers: [{ keyid: A.keyid, publisher: 'demo', label: 'ci' }] });
    expect((out.steps as { step: string }[]).map((x) => x.step)).toContain('index.rollback');
  });

  it('a second signer via --key-env keeps the first signature; threshold 2 verifies', async () => {
    const env = { LATTICE_TEST_SEED: encodeBase64(seedBytes('ci-b.seed')) };
    const s = await cli(['sign', 'index/plugins.json', '--key-env', 'LATTICE_TEST_SEED', '--publisher', 'demo'], env);
    expect(s.status).toBe(0);
    expect(s.stderr).toBe('');
    const sigs = json(readFileSync(file('index/plugins.json'), 'utf8')).signatures as { keyid: string }[];
    expect(sigs.map((x) => x.keyid)).toEqual([A.keyid, B.keyid].sort());
    // Options before the positional: a repeated --key must not swallow INDEX.
    expect((await cli(['verify', '--key', A.pub, '--key', B.pub, '--threshold', '2', 'index/plugins.json'])).status).toBe(0);
  });

  it('verify failures: untrusted key, threshold, tampering, expiry — exit 1, one line with the code', async () => {
    const C = await keygen('ci-c.seed');
    const cases: [string[], string][] = [
      [['verify', 'index/plugins.json', '--key', C.pub], 'INDEX_UNTRUSTED_KEY'],
      // A signed, C did not: one of two distinct trusted keys.
      [['verify', 'index/plugins.json', '--key', A.pub, '--key', C.pub, '--threshold', '2'], 'INDEX_SIGNATURE_THRESHOLD'],
      [['verify', 'index/plugins.json', '--key', A.pub, '--now', '2099-01-01T00:00:00Z'], 'INDEX_EXPIRED'],
    ];
    for (const [args, code] of cases) {
      const r = await cli(args);
      expect(r.stderr).toContain(`[${code}]`);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^lattice-index: /);
    }
    const tampered = readFileSync(file('index/plugins.json'), 'utf8').replace('"Lattice Index Demo"', '"Lattice Index Demo!"');
    writeFileSync(file('tampered.json'), tampered);
    const t = await cli(['verify', 'tampered.json', '--key', A.pub, '--json']);
    expect(t.status).toBe(1);
    expect(json(t.stdout)).toMatchObject({ ok: false, code: 'INDEX_SIGNATURE_INVALID', error: 'VerificationError' });
    expect(t.stderr).toContain('[INDEX_SIGNATURE_INVALID]');
  });

  it('usage errors exit 2: no trust, both trust sources, threshold above the keys, --threshold with --policy, bad --now', async () => {
    for (const args of [
      ['verify', 'index/plugins.json'],
      ['verify', 'index/plugins.json', '--policy', 'policy.json', '--key', A.pub],
      ['verify', 'index/plugins.json', '--key', A.pub, '--threshold', '2'],
      ['verify', 'index/plugins.json', '--key', A.pub, '--key', A.pub],
      ['verify', 'index/plugins.json', '--policy', 'policy.json', '--threshold', '1'],
      ['verify', 'index/plugins.json', '--key', A.pub, '--now', 'tomorrow'],
      ['verify', 'index/plugins.json', '--key', 'not-a-key'],
      ['verify', 'missing.json', '--key', A.pub],
    ]) {
      const r = await cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('rollback state through the CLI', () => {
  it('--state is created, moves forward, refuses an older index and is not touched on failure', async () => {
    const A = await keygen('state-a.seed');
    const sign = async () => {
      expect((await cli(['build', '--expires-in', '30', '--refresh'])).status).toBe(0);
      expect((await cli(['sign', 'index/plugins.json', '--key', 'state-a.seed', '--publisher', 'demo', '--official'])).status).toBe(0);
      return readFileSync(file('index/plugins.json'));
    };
    const older = await sign();
    const olderGeneration = json(older.toString()).generation as number;
    expect((await cli(['verify', 'index/plugins.json', '--key', A.pub, '--state', 'state.json'])).stdout).toContain(`state: created at generation ${olderGeneration}`);
    await sign();
    const v = await cli(['verify', 'index/plugins.json', '--key', A.pub, '--state', 'state.json']);
    expect(v.stdout).toContain(`state: generation ${olderGeneration} → ${olderGeneration + 1}`);
    const stateBefore = readFileSync(file('state.json'), 'utf8');
    expect(json(stateBefore)).toMatchObject({ schema: 'lattice.plugin.index-state.v1', generation: olderGeneration + 1 });

    writeFileSync(file('older.json'), older);
    const r = await cli(['verify', 'older.json', '--key', A.pub, '--state', 'state.json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[INDEX_ROLLBACK]');
    expect(readFileSync(file('state.json'), 'utf8')).toBe(stateBefore);

    writeFileSync(file('bad-state.json'), '{"schema":"lattice.plugin.index-state.v1","generation":"1"}');
    const bad = await cli(['verify', 'index/plugins.json', '--key', A.pub, '--state', 'bad-state.json']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('[INDEX_STATE_INVALID]');
  });
});

describe('sign refusals', () => {
  it('official without expires_at, unlisted publisher, invalid index, bad key sources', async () => {
    await keygen('refuse.seed');
    expect((await cli(['build', '--refresh'])).status).toBe(0); // no --expires-in: no expires_at
    let r = await cli(['sign', 'index/plugins.json', '--key', 'refuse.seed', '--publisher', 'demo', '--official']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('build --expires-in');
    expect(r.stderr).toContain('[INPUT_INVALID]');

    r = await cli(['sign', 'index/plugins.json', '--key', 'refuse.seed', '--publisher', 'nobody']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('is not listed');

    writeFileSync(file('invalid.json'), JSON.stringify({ schema: 'lattice.plugin.index.v1', status: 'draft' }));
    r = await cli(['sign', 'invalid.json', '--key', 'refuse.seed', '--publisher', 'demo']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[INDEX_INVALID]');

    r = await cli(['sign', 'index/plugins.json', '--key-env', 'LATTICE_TEST_SEED', '--publisher', 'demo'], { LATTICE_TEST_SEED: 'bm90IGEgc2VlZA==' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('environment variable LATTICE_TEST_SEED');
    expect(r.stderr).not.toContain('bm90IGEgc2VlZA');

    chmodSync(file('refuse.seed'), 0o644);
    r = await cli(['sign', 'index/plugins.json', '--key', 'refuse.seed', '--publisher', 'demo']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('[KEY_INVALID]');
    chmodSync(file('refuse.seed'), 0o600);

    r = await cli(['sign', 'index/plugins.json', '--key', 'refuse.seed', '--key-env', 'X', '--publisher', 'demo']);
    expect(r.status).toBe(2);
  });

  it('making a co-signed draft official drops the stale signature with a warning', async () => {
    await keygen('draft-a.seed');
    await keygen('draft-b.seed');
    expect((await cli(['build', '--expires-in', '30', '--refresh'])).status).toBe(0);
    expect((await cli(['sign', 'index/plugins.json', '--key', 'draft-a.seed', '--publisher', 'demo'])).status).toBe(0);
    const r = await cli(['sign', 'index/plugins.json', '--key', 'draft-b.seed', '--publisher', 'demo', '--official']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^lattice-index: warning: dropped the signature of keyid [0-9a-f]{64}/);
    expect((json(readFileSync(file('index/plugins.json'), 'utf8')).signatures as unknown[]).length).toBe(1);
  });
});

describe('revoke', () => {
  it('adds, deduplicates and validates; verify lists the revoked items', async () => {
    const A = await keygen('rev-a.seed');
    let r = await cli(['revoke', '--release', 'demo.hello@1.0.0', '--reason', 'broken build', '--at', '2026-08-01T00:00:00Z']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('revoked release demo.hello@1.0.0');
    r = await cli(['revoke', '--release', 'demo.hello@1.0.0', '--reason', 'again']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('already revoked');
    expect((await cli(['revoke', '--artifact', 'AB'.repeat(32), '--reason', 'malware'])).status).toBe(0);
    expect((await cli(['revoke', '--key', A.pub, '--publisher', 'demo', '--reason', 'lost laptop'])).status).toBe(0);
    const list = json(readFileSync(file('index/revocations.json'), 'utf8'));
    expect((list.releases as unknown[]).length).toBe(1);
    expect((list.artifacts as { sha256: string }[])[0]!.sha256).toBe('ab'.repeat(32));

    for (const args of [
      ['revoke', '--reason', 'x'],
      ['revoke', '--release', 'demo.hello', '--reason', 'x'],
      ['revoke', '--artifact', 'abc', '--reason', 'x'],
      ['revoke', '--key', A.pub, '--reason', 'x'],
      ['revoke', '--release', 'demo.hello@1.0.0', '--artifact', 'ab'.repeat(32), '--reason', 'x'],
      ['revoke', '--release', 'demo.hello@1.0.0', '--reason', '   '],
    ]) {
      expect((await cli(args)).status, args.join(' ')).toBe(2);
    }

    // A release the index does not list is refused (a typo must not revoke nothing, silently)…
    const before = readFileSync(file('index/revocations.json'));
    for (const release of ['demo.hello@v1', 'demo.hello@9.9.9', 'demo.nope@1.0.0']) {
      r = await cli(['revoke', '--release', release, '--reason', 'typo or not yet published']);
      expect(r.status, release).toBe(1);
      expect(r.stderr, release).toContain('[REVOKE_TARGET_UNKNOWN]');
    }
    expect(readFileSync(file('index/revocations.json'))).toEqual(before);
    // … unless --force (a release not yet published), with a warning.
    r = await cli(['revoke', '--release', 'demo.hello@9.9.9', '--reason', 'pre-emptive', '--force']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('warning: demo.hello@9.9.9 is not listed');
    expect(((json(readFileSync(file('index/revocations.json'), 'utf8')).releases) as unknown[]).length).toBe(2);

    // Signing with the revoked key is refused; another key publishes the list.
    expect((await cli(['build', '--expires-in', '30'])).status).toBe(0);
    r = await cli(['sign', 'index/plugins.json', '--key', 'rev-a.seed', '--publisher', 'demo', '--official']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[KEY_REVOKED]');
    const B = await keygen('rev-b.seed');
    expect((await cli(['sign', 'index/plugins.json', '--key', 'rev-b.seed', '--publisher', 'demo', '--official'])).status).toBe(0);
    const v = await cli(['verify', 'index/plugins.json', '--key', B.pub]);
    expect(v.status).toBe(0);
    expect(v.stdout).toContain('revocations: 2 release(s), 1 artifact(s), 1 key(s)');
    expect(v.stdout).toContain('revoked release: demo.hello@1.0.0 at 2026-08-01T00:00:00Z: broken build');
    expect(v.stdout).toContain(`revoked key: ${A.pub} (publisher demo)`);
  });
});

describe('rotate-key', () => {
  it('rotates the demo publisher key with a statement signed by the old key; the index still builds, signs and verifies', async () => {
    const old = await keygen('pub-old.seed');
    const next = await keygen('pub-new.seed');
    const entryFile = file('index/publishers/demo.json');
    const entry = json(readFileSync(entryFile, 'utf8'));
    writeFileSync(entryFile, JSON.stringify({ ...entry, public_key_ed25519: old.pub }, null, 2) + '\n');

    let r = await cli(['rotate-key', '--publisher-file', 'index/publishers/demo.json', '--old-key', 'pub-new.seed', '--new-public-key', next.pub]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('[KEY_INVALID]');

    r = await cli(['rotate-key', '--publisher-file', 'index/publishers/demo.json', '--old-key', 'pub-old.seed', '--new-public-key', next.pub, '--at', '2026-09-01T00:00:00Z']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`rotated from keyid ${old.keyid} to ${next.keyid}`);
    const rotated = json(readFileSync(entryFile, 'utf8'));
    expect(rotated.public_key_ed25519).toBe(next.pub);
    expect(rotated.key_history).toEqual([
      { public_key_ed25519: old.pub, valid_from: '1970-01-01T00:00:00Z', valid_until: '2026-09-01T00:00:00Z', rotation_signature_ed25519: expect.any(String) },
    ]);

    const A = await keygen('rot-index.seed');
    expect((await cli(['build', '--expires-in', '30'])).status).toBe(0);
    expect((await cli(['sign', 'index/plugins.json', '--key', 'rot-index.seed', '--publisher', 'demo', '--official'])).status).toBe(0);
    const v = await cli(['verify', 'index/plugins.json', '--key', A.pub, '--json']);
    expect(v.status).toBe(0);
    expect((json(v.stdout).steps as { step: string; detail: string }[]).find((s) => s.step === 'index.key-history')!.detail).toMatch(/^1 rotation/);

    // The statement signed by the wrong key: build refuses nothing (shape is valid), verify refuses it.
    const forged = json(readFileSync(entryFile, 'utf8'));
    const history = forged.key_history as Record<string, string>[];
    history[0]!.valid_until = '2026-09-02T00:00:00Z'; // the statement no longer matches
    writeFileSync(entryFile, JSON.stringify(forged, null, 2) + '\n');
    expect((await cli(['build', '--expires-in', '30'])).status).toBe(0);
    const s = await cli(['sign', 'index/plugins.json', '--key', 'rot-index.seed', '--publisher', 'demo', '--official']);
    expect(s.status).toBe(1);
    expect(s.stderr).toContain('[KEY_ROTATION_INVALID]');
  });
});

describe('secret hygiene', () => {
  it('no command printed any seed (raw, hex or base64), including on failure', () => {
    const seeds = readdirSync(tmp.dir).filter((f) => f.endsWith('.seed')).map((f) => seedBytes(f));
    expect(seeds.length).toBeGreaterThan(10);
    const all = transcript.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    for (const seed of seeds) {
      const b64 = encodeBase64(seed);
      const hex = Buffer.from(seed).toString('hex');
      expect(all).not.toContain(b64);
      expect(all).not.toContain(b64.slice(0, 24));
      expect(all).not.toContain(hex.slice(0, 32));
      expect(all).not.toContain(Buffer.from(seed).toString('latin1'));
    }
  });
});
