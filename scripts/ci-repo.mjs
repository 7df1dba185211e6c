#!/usr/bin/env node
/**
 * Repository v2 in CI (docs/REPOSITORY.md), after `npm run build`:
 *
 * `node scripts/ci-repo.mjs publish` — the signing workflow (sign.yml), next
 * to the v1 index:
 * 1. skip (exit 0) while `repository/metadata/1.root.json` does not exist:
 *    the root is made offline by the root key holders (the ceremony in
 *    docs/REPOSITORY.md), never in CI;
 * 2. the committed `1.root.json` must have the SHA-256 the repository
 *    publishes as the variable LATTICE_REPO_ROOT_SHA256 (operators pin the
 *    same value);
 * 3. `lattice-index repo publish --online-key-env LATTICE_REPO_ONLINE_SEED`
 *    (the online key from a secret; only what changed is re-signed);
 * 4. when nothing changed and the timestamp expires within
 *    LATTICE_REPO_TIMESTAMP_REFRESH_HOURS (default 12), `repo refresh`
 *    (a new timestamp, and whatever else expires within 10 days) — the
 *    scheduled run's job;
 * 5. `lattice-index repo verify` from `1.root.json`: the whole repository,
 *    every target, as a client would see it.
 *
 * `node scripts/ci-repo.mjs deploy` — the Pages deploy: when the repository
 * is initialised, checks the committed `1.root.json` against
 * LATTICE_REPO_ROOT_SHA256 first (the pages pin it: a wrong root never
 * reaches a visitor), builds the catalog (`scripts/start.mjs --no-serve`)
 * with LATTICE_SITE_REPOSITORY_ROOT naming that root — plugin and publisher
 * pages then verify their targets through TUF in the browser — copies the
 * committed metadata into `site/dist/repository/`, writes the target files
 * from the entry files there (`repo publish --targets-only`: no key; it
 * refuses when the signed metadata does not list exactly those targets) and
 * verifies the result. Pages then serves v1 (`/plugins.json`) and v2
 * (`/repository/`). Without a repository it builds the v1 catalog only.
 *
 * Environment: LATTICE_REPO_ONLINE_SEED (secret, base64 seed),
 * LATTICE_REPO_ROOT_SHA256 (variable), optional
 * LATTICE_REPO_TIMESTAMP_REFRESH_HOURS, SOURCE_DATE_EPOCH, RUNNER_TEMP.
 * Exit status: 0 done or skipped; otherwise the failing command's status (2
 * for a missing setting).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli/main.js');

function fail(message, status = 2) {
  process.stderr.write(`ci-repo: ${message}\n`);
  process.exit(status);
}

function cli(args, { json = false } = {}) {
  process.stdout.write(`ci-repo: lattice-index ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [CLI, ...args], { stdio: ['ignore', json ? 'pipe' : 'inherit', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) fail(`lattice-index ${args.slice(0, 2).join(' ')} failed (exit ${r.status ?? r.signal})`, r.status || 1);
  if (json) {
    process.stdout.write(r.stdout);
    return JSON.parse(r.stdout);
  }
  return undefined;
}

function checkPin(repo) {
  const pin = process.env.LATTICE_REPO_ROOT_SHA256;
  if (!pin) fail('LATTICE_REPO_ROOT_SHA256 is not set (repository variable: the SHA-256 of repository/metadata/1.root.json that operators pin)');
  const got = createHash('sha256').update(readFileSync(path.join(repo, 'metadata/1.root.json'))).digest('hex');
  if (got !== pin) fail(`repository/metadata/1.root.json has SHA-256 ${got}; LATTICE_REPO_ROOT_SHA256 is ${pin}`, 1);
}

function publish() {
  const repo = path.join(ROOT, 'repository');
  if (!existsSync(path.join(repo, 'metadata/1.root.json'))) {
    process.stdout.write('ci-repo: repository v2 is not initialised (no repository/metadata/1.root.json): the root key holders create it offline (docs/REPOSITORY.md); skipping\n');
    return;
  }
  if (!process.env.LATTICE_REPO_ONLINE_SEED) fail('LATTICE_REPO_ONLINE_SEED is not set (repository secret with the base64 online key seed)');
  checkPin(repo);
  const hours = process.env.LATTICE_REPO_TIMESTAMP_REFRESH_HOURS ? Number(process.env.LATTICE_REPO_TIMESTAMP_REFRESH_HOURS) : 12;
  if (!(hours > 0 && hours < 24 * 30)) fail('LATTICE_REPO_TIMESTAMP_REFRESH_HOURS must be a number of hours');
  const cache = path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'lattice-repository-publish-cache.json');
  const key = ['--online-key-env', 'LATTICE_REPO_ONLINE_SEED'];
  const r = cli(['repo', 'publish', '--repo', 'repository', '--index-dir', 'index', ...key, '--cache', cache, '--json'], { json: true });
  if (!r.changed) {
    const ts = JSON.parse(readFileSync(path.join(repo, 'metadata/timestamp.json'), 'utf8'));
    const now = process.env.SOURCE_DATE_EPOCH ? Number(process.env.SOURCE_DATE_EPOCH) * 1000 : Date.now();
    const left = Date.parse(ts.signed.expires) - now;
    if (left <= hours * 3_600_000) cli(['repo', 'refresh', '--repo', 'repository', ...key, '--cache', cache]);
    else process.stdout.write(`ci-repo: timestamp expires ${ts.signed.expires}; no refresh needed\n`);
  }
  cli(['repo', 'verify', '--repo', 'repository', '--root', 'repository/metadata/1.root.json']);
}

function buildSite(env) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/start.mjs'), '--no-serve'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function deploy() {
  const repo = path.join(ROOT, 'repository');
  const root = path.join(repo, 'metadata/1.root.json');
  if (!existsSync(root)) {
    process.stdout.write('ci-repo: repository v2 is not initialised; the catalog deploys without /repository/\n');
    buildSite({});
    return;
  }
  checkPin(repo);
  buildSite({ LATTICE_SITE_REPOSITORY_ROOT: root });
  const out = path.join(ROOT, 'site/dist/repository');
  if (!existsSync(path.join(ROOT, 'site/dist'))) fail('site/dist is missing: the catalog build wrote nothing');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(path.join(repo, 'metadata'), path.join(out, 'metadata'), { recursive: true });
  cli(['repo', 'publish', '--repo', out, '--index-dir', 'index', '--targets-only']);
  cli(['repo', 'verify', '--repo', out, '--root', path.join(out, 'metadata/1.root.json')]);
}

const mode = process.argv[2];
if (!existsSync(CLI)) fail('dist/cli/main.js is missing: run `npm run build` first');
process.chdir(ROOT);
if (mode === 'publish') publish();
else if (mode === 'deploy') deploy();
else fail('usage: node scripts/ci-repo.mjs publish|deploy');
