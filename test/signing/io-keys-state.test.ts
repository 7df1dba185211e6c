/**
 * Key files and environment seeds (DESIGN §6 "Keys on disk"), and the state
 * file on disk. Secret hygiene: no error message or detail carries a seed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError, VerificationError } from '../../src/core/errors.js';
import { encodeBase64 } from '../../src/core/base64.js';
import { generateSeed, loadSeed, readSeedEnv, readSeedFile, writeSeedFile } from '../../src/io/keys.js';
import { readIndexStateFile, writeIndexStateFile } from '../../src/io/index-state.js';
import { seedOf } from './simulator.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lattice-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Run `f`, expecting it to throw; returns the error. */
async function caught(f: () => unknown): Promise<Error & { code?: string; detail?: unknown }> {
  try {
    await f();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected an error');
}

/** Nothing derived from the seed appears in the error. */
function expectNoSecret(e: Error & { detail?: unknown }, seed: Uint8Array): void {
  const all = `${e.message}\n${e.stack ?? ''}\n${JSON.stringify(e.detail ?? null)}`;
  for (const form of [encodeBase64(seed), Buffer.from(seed).toString('hex'), encodeBase64(seed).slice(0, 20)]) {
    expect(all).not.toContain(form);
  }
}

describe('key files', () => {
  it('writeSeedFile creates a 32-byte file with mode 0600 and refuses to overwrite (KEY_FILE_EXISTS)', async () => {
    const file = path.join(dir, 'k.seed');
    const seed = generateSeed();
    await writeSeedFile(file, seed);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new Uint8Array(readFileSync(file))).toEqual(seed);
    const e = await caught(() => writeSeedFile(file, generateSeed()));
    expect(e).toBeInstanceOf(InputError);
    expect(e.code).toBe('KEY_FILE_EXISTS');
    expect(new Uint8Array(readFileSync(file))).toEqual(seed); // untouched
    expect(await readSeedFile(file)).toEqual(seed);
  });

  it('generateSeed gives fresh 32-byte seeds', () => {
    const a = generateSeed();
    expect(a).toHaveLength(32);
    expect(a).not.toEqual(generateSeed());
  });

  it('readSeedFile refuses a file group/others can read, of the wrong size, or missing', async () => {
    const seed = seedOf('file');
    const open = path.join(dir, 'open.seed');
    writeFileSync(open, seed, { mode: 0o644 });
    chmodSync(open, 0o644);
    let e = await caught(() => readSeedFile(open));
    expect(e.code).toBe('KEY_INVALID');
    expect(e.message).toContain('chmod 600');
    expectNoSecret(e, seed);

    const long = path.join(dir, 'long.seed');
    writeFileSync(long, Buffer.concat([Buffer.from(seed), Buffer.from('\n')]), { mode: 0o600 });
    e = await caught(() => readSeedFile(long));
    expect(e.code).toBe('KEY_INVALID');
    expectNoSecret(e, seed);

    const b64 = path.join(dir, 'b64.seed');
    writeFileSync(b64, encodeBase64(seed), { mode: 0o600 });
    e = await caught(() => readSeedFile(b64));
    expect(e.code).toBe('KEY_INVALID');
    expectNoSecret(e, seed);

    e = await caught(() => readSeedFile(path.join(dir, 'missing.seed')));
    expect(e.code).toBe('INPUT_NOT_FOUND');
  });

  it('loadSeed wants exactly one of the two sources', async () => {
    await expect(loadSeed(undefined, undefined, ['--key', '--key-env'])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(loadSeed('a', 'B', ['--key', '--key-env'])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

describe('environment seeds', () => {
  const seed = seedOf('env');
  it('reads canonical base64 of 32 bytes, tolerating surrounding line breaks', () => {
    expect(readSeedEnv('S', { S: encodeBase64(seed) })).toEqual(seed);
    expect(readSeedEnv('S', { S: `${encodeBase64(seed)}\n` })).toEqual(seed);
  });
  it.each([
    ['unset', {}],
    ['empty', { S: '' }],
    ['unpadded', { S: encodeBase64(seed).replace(/=+$/, '') }],
    ['hex', { S: Buffer.from(seed).toString('hex') }],
    ['31 bytes', { S: encodeBase64(seed.subarray(0, 31)) }],
    ['64 bytes', { S: encodeBase64(new Uint8Array([...seed, ...seed])) }],
  ] as [string, NodeJS.ProcessEnv][])('refuses %s (KEY_INVALID) naming the variable, never the value', async (_n, env) => {
    const e = await caught(() => readSeedEnv('S', env));
    expect(e).toBeInstanceOf(InputError);
    expect(e.code).toBe('KEY_INVALID');
    expect(e.message).toContain('environment variable S');
    expectNoSecret(e, seed);
    if (env.S) expect(e.message).not.toContain(env.S.trim().slice(0, 12));
  });
  it('refuses a name that is not a variable name (INPUT_INVALID)', async () => {
    expect((await caught(() => readSeedEnv('A-B', {}))).code).toBe('INPUT_INVALID');
  });
});

describe('state file', () => {
  it('missing → undefined; written atomically; read back', async () => {
    const file = path.join(dir, 'state.json');
    expect(await readIndexStateFile(file)).toBeUndefined();
    await writeIndexStateFile(file, { generation: 4, payloadSha256: 'c'.repeat(64) }, Date.UTC(2026, 0, 1));
    expect(await readIndexStateFile(file)).toEqual({ generation: 4, payloadSha256: 'c'.repeat(64) });
  });
  it('malformed → VerificationError INDEX_STATE_INVALID; not JSON or not a file → the input codes (fail closed either way)', async () => {
    const file = path.join(dir, 'state.json');
    writeFileSync(file, '{"schema":"lattice.plugin.index-state.v1"}');
    let e = await caught(() => readIndexStateFile(file));
    expect(e).toBeInstanceOf(VerificationError);
    expect(e.code).toBe('INDEX_STATE_INVALID');
    writeFileSync(file, '{"schema":');
    e = await caught(() => readIndexStateFile(file));
    expect(e.code).toBe('JSON_SYNTAX');
    e = await caught(() => readIndexStateFile(dir)); // a directory
    expect(e.code).toBe('INPUT_UNREADABLE');
  });
});
