#!/usr/bin/env node
/**
 * `npm run ci:sign` — what the signing workflow (.github/workflows/sign.yml)
 * runs on main, after `npm run build`:
 *
 * 1. decide whether the index needs a fresh generation although its content
 *    did not change: the published `expires_at` is within REFRESH_BEFORE_DAYS
 *    (default 10) of now — the scheduled run re-signs well before verifiers
 *    would reject the index as expired (freeze protection, DESIGN §4.1);
 * 2. `lattice-index build --expires-in EXPIRES_IN_DAYS [--refresh]` — a new
 *    draft generation when the entries changed (or on refresh), otherwise
 *    the published index is kept as it is;
 * 3. `lattice-index sign index/plugins.json --key-env LATTICE_INDEX_SEED
 *    --publisher $LATTICE_INDEX_PUBLISHER --official` — the seed comes from a
 *    repository secret and is never printed; signing an unchanged index
 *    reproduces the same bytes (Ed25519 is deterministic), so nothing is
 *    committed then;
 * 4. `lattice-index verify index/plugins.json --key $LATTICE_INDEX_PUBLIC_KEY`
 *    — the signed file must verify under the public key the repository
 *    publishes (a repository variable), so a wrong or stale secret fails here
 *    instead of on every operator's server.
 *
 * Environment: LATTICE_INDEX_SEED (secret, base64 seed), LATTICE_INDEX_PUBLISHER,
 * LATTICE_INDEX_PUBLIC_KEY (repository variables), optional
 * LATTICE_INDEX_EXPIRES_IN_DAYS (30), LATTICE_INDEX_REFRESH_BEFORE_DAYS (10),
 * SOURCE_DATE_EPOCH (reference time, seconds).
 *
 * Exit status: 0 when the index is signed and verifies; otherwise the failing
 * command's status (or 2 for a missing setting).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DAY_MS = 86_400_000;

/**
 * Does the published index need a new generation even though its entries did
 * not change? True when it is official and its `expires_at` is at most
 * `refreshBeforeDays` days after `nowMs` (or unreadable). A draft or missing
 * index needs no refresh: the build starts a new generation anyway when the
 * expiry rule or the content differs.
 *
 * @param {unknown} index - the parsed index/plugins.json, or undefined.
 * @param {number} nowMs - reference time.
 * @param {number} refreshBeforeDays - the margin.
 * @returns {boolean}
 */
export function refreshDue(index, nowMs, refreshBeforeDays) {
  if (index === null || typeof index !== 'object' || Array.isArray(index)) return false;
  if (index.status !== 'official') return false;
  const expires = typeof index.expires_at === 'string' ? Date.parse(index.expires_at) : NaN;
  if (!Number.isFinite(expires)) return true;
  return expires - nowMs <= refreshBeforeDays * DAY_MS;
}

function positiveDays(name, fallback) {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d{1,4}$/.test(v) || Number(v) === 0) fail(`${name} must be a whole number of days, found ${JSON.stringify(v)}`);
  return Number(v);
}

function fail(message, status = 2) {
  process.stderr.write(`ci-sign: ${message}\n`);
  process.exit(status);
}

function run(cli, args) {
  process.stdout.write(`ci-sign: lattice-index ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (r.status !== 0) fail(`lattice-index ${args[0]} failed (exit ${r.status ?? r.signal})`, r.status || 1);
}

function main() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  process.chdir(root);
  const cli = path.join(root, 'dist/cli/main.js');
  if (!existsSync(cli)) fail('dist/cli/main.js is missing: run `npm run build` first');
  const publisher = process.env.LATTICE_INDEX_PUBLISHER;
  const publicKey = process.env.LATTICE_INDEX_PUBLIC_KEY;
  if (!process.env.LATTICE_INDEX_SEED) fail('LATTICE_INDEX_SEED is not set (repository secret with the base64 signing seed)');
  if (!publisher) fail('LATTICE_INDEX_PUBLISHER is not set (repository variable: the publisher id recorded in the signature)');
  if (!publicKey) fail('LATTICE_INDEX_PUBLIC_KEY is not set (repository variable: the index public key operators trust)');
  const expiresIn = positiveDays('LATTICE_INDEX_EXPIRES_IN_DAYS', 30);
  const refreshBefore = positiveDays('LATTICE_INDEX_REFRESH_BEFORE_DAYS', 10);
  if (refreshBefore >= expiresIn) fail('LATTICE_INDEX_REFRESH_BEFORE_DAYS must be smaller than LATTICE_INDEX_EXPIRES_IN_DAYS');
  const sde = process.env.SOURCE_DATE_EPOCH;
  const now = sde ? Number(sde) * 1000 : Date.now();

  const file = 'index/plugins.json';
  let previous;
  if (existsSync(file)) {
    try {
      previous = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      previous = undefined; // the build reports an unreadable previous index itself
    }
  }
  const refresh = refreshDue(previous, now, refreshBefore);
  process.stdout.write(`ci-sign: ${refresh ? `expires_at ${previous.expires_at} is within ${refreshBefore} days: new generation` : 'no refresh needed'}\n`);
  run(cli, ['build', '--expires-in', String(expiresIn), ...(refresh ? ['--refresh'] : [])]);
  run(cli, ['sign', file, '--key-env', 'LATTICE_INDEX_SEED', '--publisher', publisher, '--official']);
  run(cli, ['verify', file, '--key', publicKey]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
