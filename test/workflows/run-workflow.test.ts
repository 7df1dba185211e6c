/**
 * The workflows' steps, run in order in temporary clones with
 * scripts/run-workflow.mjs — the same npm scripts GitHub Actions would call.
 *
 * - pr.yml on three pull requests: a clean change passes; a change that only
 *   needs maintainer review passes with a warning (pr-check exit 3 is not a
 *   failure); a hand-edited index/plugins.json fails the job.
 * - sign.yml on main: the signed index that lands in the (temporary) origin
 *   verifies with `lattice-index verify --key <pub>`; the daily run with
 *   nothing to do commits nothing; 25 days later it re-signs a new generation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { publicKeyFromSeed } from '../../src/crypto/index.js';
import { runCli } from '../cli/helpers.js';
import { git, ROOT, runWorkflow, snapshotRepo } from './helpers.js';

let snap: ReturnType<typeof snapshotRepo>;
beforeAll(() => {
  snap = snapshotRepo();
});
afterAll(() => snap?.cleanup());

async function branch(name: string, edit: (repo: string) => void | Promise<void>): Promise<void> {
  git(snap.repo, 'checkout', '-q', '-b', name, 'main');
  await edit(snap.repo);
  git(snap.repo, 'add', '-A');
  git(snap.repo, 'commit', '-q', '-m', name);
  git(snap.repo, 'checkout', '-q', 'main');
}

function editJSON(file: string, fn: (v: any) => void): void {
  const v = JSON.parse(readFileSync(file, 'utf8'));
  fn(v);
  writeFileSync(file, JSON.stringify(v, null, 2) + '\n');
}

const pluginFile = (repo: string) => path.join(repo, 'index/plugins/demo.hello.json');

describe('pr.yml and sign.yml, step by step (independent runs overlap)', () => {
  beforeAll(async () => {
    await branch('pr-clean', (repo) => editJSON(pluginFile(repo), (p) => (p.summary = 'A clearer summary.')));
    await branch('pr-review', async (repo) => {
      writeFileSync(path.join(repo, 'index/publishers/newco.json'), JSON.stringify({
        id: 'newco', name: 'NewCo', public_key_ed25519: Buffer.alloc(32, 7).toString('base64'),
      }, null, 2) + '\n');
      // a new publisher changes the generated CODEOWNERS too
      const r = await runCli(['codeowners', '--index-dir', path.join(repo, 'index'), '--out', path.join(repo, '.github/CODEOWNERS')]);
      if (r.status !== 0) throw new Error(r.stderr);
    });
    await branch('pr-bad', (repo) => {
      const f = path.join(repo, 'index/plugins.json');
      writeFileSync(f, readFileSync(f, 'utf8').replace('"status": "draft"', '"status": "example"'));
    });
  });

  const runPR = (ref: string) =>
    // The "check" job (index and publisher rules); the "test" job is npm test itself.
    runWorkflow(['.github/workflows/pr.yml', '--job', 'check', '--repo', snap.repo, '--ref', ref, '--github', 'base_ref=main', '--link-node-modules', ROOT]);

  it.concurrent('a clean pull request passes every step', { timeout: 300_000 }, async () => {
    const r = await runPR('pr-clean');
    expect(r.stderr).not.toMatch(/run-workflow: /);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('skipped (the temporary clone is the checkout)');
    expect(r.stdout).toContain('npm run build && node dist/cli/main.js build --out');
    expect(r.stdout).toMatch(/\.github\/CODEOWNERS: up to date/);
    expect(r.stdout).toMatch(/pr-check: ok — 1 index file\(s\) changed \(publisher: demo\)/);
    expect(r.stdout).toContain('run-workflow: all steps passed');
  });

  it.concurrent('a pull request that needs maintainer review passes with a warning', { timeout: 300_000 }, async () => {
    const r = await runPR('pr-review');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^::warning file=index\/publishers\/newco\.json,line=2,col=3,title=PR_NEW_PUBLISHER::/m);
    expect(r.stdout).toMatch(/^::warning file=\.github\/CODEOWNERS,line=1,title=PR_OUTSIDE_INDEX::/m);
    expect(r.stdout).toMatch(/^::warning title=Needs maintainer review::/m);
    expect(r.stdout).toContain('run-workflow: all steps passed');
  });

  it.concurrent('a hand-edited index/plugins.json fails the job', { timeout: 300_000 }, async () => {
    const r = await runPR('pr-bad');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^::error file=index\/plugins\.json,line=\d+,title=PR_GENERATED_INDEX_EDITED::/m);
    expect(r.stdout).toMatch(/✘ step 4: Validate the index and check the publisher rules — exit 1/);
    expect(r.stdout).toContain('run-workflow: a step failed');
  });

  const seed = randomBytes(32);
  const pub = Buffer.from(publicKeyFromSeed(seed)).toString('base64');
  const onlineSeed = randomBytes(32);
  const env = { LATTICE_INDEX_SEED: seed.toString('base64'), LATTICE_REPO_ONLINE_SEED: onlineSeed.toString('base64') };
  let rootPin = 'f'.repeat(64); // no repository v2 in the snapshot: its step skips
  const signArgs = (repo: string, work: string, extra: string[] = []) => [
    '.github/workflows/sign.yml', '--repo', repo, '--ref', 'main', '--work-dir', work,
    '--secret', 'LATTICE_INDEX_SEED', '--var', 'LATTICE_INDEX_PUBLISHER=demo', '--var', `LATTICE_INDEX_PUBLIC_KEY=${pub}`,
    '--secret', 'LATTICE_REPO_ONLINE_SEED', '--var', `LATTICE_REPO_ROOT_SHA256=${rootPin}`,
    '--link-node-modules', ROOT, ...extra,
  ];
  const originIndex = (work: string) => git(path.join(work, 'origin.git'), 'show', 'main:index/plugins.json');
  const originLog = (work: string) => git(path.join(work, 'origin.git'), 'log', '--format=%s', 'main').trim().split('\n');

  it.concurrent('signs, verifies, commits and pushes; a run with nothing to do commits nothing; a run near expiry re-signs', { timeout: 600_000 }, async () => {
    const before = JSON.parse(readFileSync(path.join(snap.repo, 'index/plugins.json'), 'utf8'));

    // 1. push to main: a new generation, signed, verified, committed to origin.
    const w1 = mkdtempSync(path.join(snap.dir, 'sign1-'));
    const r1 = await runWorkflow(signArgs(snap.repo, w1), env);
    expect(r1.stderr).not.toMatch(/run-workflow: /);
    expect(r1.status).toBe(0);
    expect(r1.stdout).not.toContain(env.LATTICE_INDEX_SEED);
    const signed1 = originIndex(w1);
    const idx1 = JSON.parse(signed1);
    expect(idx1.status).toBe('official');
    expect(idx1.generation).toBe((before.generation ?? 0) + 1);
    expect(idx1.signatures).toHaveLength(1);
    expect(originLog(w1)[0]).toBe(`index: sign generation ${idx1.generation}`);
    const f1 = path.join(w1, 'signed.json');
    writeFileSync(f1, signed1);
    const v = await runCli(['verify', f1, '--key', pub]);
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
    // …and not with another key.
    const other = Buffer.from(publicKeyFromSeed(randomBytes(32))).toString('base64');
    expect((await runCli(['verify', f1, '--key', other])).status).toBe(1);

    // 2. the daily run, nothing changed: no commit; 3. the daily run 25 days later
    // (expires_at within 10 days): a new generation. Both start from run 1's origin.
    const later = Math.floor(Date.parse(idx1.expires_at) / 1000) - 5 * 86_400;
    const w2 = mkdtempSync(path.join(snap.dir, 'sign2-'));
    const w3 = mkdtempSync(path.join(snap.dir, 'sign3-'));
    const [r2, r3] = await Promise.all([
      runWorkflow(signArgs(path.join(w1, 'origin.git'), w2), env),
      runWorkflow(signArgs(path.join(w1, 'origin.git'), w3, ['--env', `SOURCE_DATE_EPOCH=${later}`]), env),
    ]);
    expect(r2.status).toBe(0);
    expect(r2.stdout).toContain('ci-sign: no refresh needed');
    expect(r2.stdout).toContain('index/plugins.json is unchanged; nothing to commit.');
    expect(originLog(w2)).toEqual(originLog(w1));
    expect(originIndex(w2)).toBe(signed1);

    expect(r3.status).toBe(0);
    expect(r3.stdout).toMatch(/is within 10 days: new generation/);
    const idx3 = JSON.parse(originIndex(w3));
    expect(idx3.generation).toBe(idx1.generation + 1);
    expect(Date.parse(idx3.expires_at)).toBeGreaterThan(Date.parse(idx1.expires_at));
    expect(originLog(w3)[0]).toBe(`index: sign generation ${idx3.generation}`);
    expect(originLog(w3).slice(1)).toEqual(originLog(w1));
  });

  it('publishes repository v2 next to v1 once the root exists (made offline, never in CI), and a later scheduled run refreshes the timestamp', { timeout: 600_000 }, async () => {
    // The offline root ceremony, in a clone: root keys here, only the online key's seed goes to "CI".
    const clone = mkdtempSync(path.join(snap.dir, 'v2-clone-'));
    git(clone, 'clone', '-q', snap.repo, 'repo');
    const repo = path.join(clone, 'repo');
    const keys = path.join(clone, 'keys');
    mkdirSync(keys);
    writeFileSync(path.join(keys, 'root.seed'), randomBytes(32), { mode: 0o600 });
    writeFileSync(path.join(keys, 'online.seed'), onlineSeed, { mode: 0o600 });
    const init = await runCli(['repo', 'init', '--repo', path.join(repo, 'repository'), '--root-key', path.join(keys, 'root.seed'), '--root-threshold', '1', '--online-key', path.join(keys, 'online.seed'), '--json']);
    expect(init.status, init.stderr).toBe(0);
    rootPin = JSON.parse(init.stdout).root.sha256;
    git(repo, 'add', 'repository');
    git(repo, 'commit', '-q', '-m', 'repository: root 1 (offline ceremony)');

    const w1 = mkdtempSync(path.join(snap.dir, 'v2-sign1-'));
    const r1 = await runWorkflow(signArgs(repo, w1), env);
    expect(r1.stderr).not.toMatch(/run-workflow: /);
    expect(r1.status).toBe(0);
    expect(r1.stdout).not.toContain(env.LATTICE_REPO_ONLINE_SEED);
    expect(r1.stdout).toMatch(/verified — root 1/);
    const origin = path.join(w1, 'origin.git');
    expect(git(origin, 'log', '--format=%s', 'main').split('\n')[0]).toMatch(/^repository: snapshot 2$/);
    // The published metadata (targets are rebuilt, not committed) verifies once the deploy wrote the targets.
    const check = mkdtempSync(path.join(snap.dir, 'v2-check-'));
    git(check, 'clone', '-q', origin, 'repo');
    expect(existsSync(path.join(check, 'repo/repository/targets'))).toBe(false);
    const t = await runCli(['repo', 'publish', '--repo', path.join(check, 'repo/repository'), '--index-dir', path.join(check, 'repo/index'), '--targets-only']);
    expect(t.status, t.stderr).toBe(0);
    const v = await runCli(['repo', 'verify', '--repo', path.join(check, 'repo/repository'), '--root', path.join(repo, 'repository/metadata/1.root.json'), '--json']);
    expect(JSON.parse(v.stdout).lattice.plugins).toBe(3);

    // 20 hours later (timestamp valid one day): the scheduled run re-signs the timestamp only.
    const later = Math.floor(Date.now() / 1000) + 20 * 3600;
    const w2 = mkdtempSync(path.join(snap.dir, 'v2-sign2-'));
    const r2 = await runWorkflow(signArgs(origin, w2, ['--env', `SOURCE_DATE_EPOCH=${later}`]), env);
    expect(r2.status).toBe(0);
    expect(r2.stdout).toMatch(/lattice-index repo refresh/);
    const changed = git(path.join(w2, 'origin.git'), 'show', '--name-only', '--format=', 'main').trim().split('\n');
    expect(changed).toEqual(['repository/metadata/timestamp.json']);
  });

  it('refuses to run without the secret (fails closed before any step)', async () => {
    const w = mkdtempSync(path.join(snap.dir, 'sign-nosecret-'));
    const r = await runWorkflow(signArgs(snap.repo, w), {});
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--secret LATTICE_INDEX_SEED: LATTICE_INDEX_SEED is not set/);
    expect(existsSync(path.join(w, 'workspace', 'dist'))).toBe(false);
  });
});
