#!/usr/bin/env node
/**
 * The tuf-conformance client-under-test CLI protocol (CLIENT-CLI.md of
 * theupdateframework/tuf-conformance), on the SAME client workflow and
 * fetcher code as `lattice-index install --repo` (the built `dist/`):
 *
 *   tuf-conformance-client.mjs --metadata-dir DIR init ROOT
 *   tuf-conformance-client.mjs --metadata-dir DIR --metadata-url URL refresh
 *   tuf-conformance-client.mjs --metadata-dir DIR --metadata-url URL \
 *       --target-name NAME [--target-name NAME…] --target-base-url URL --target-dir DIR download
 *
 * - init copies ROOT to DIR/root.json (no checks, no requests).
 * - refresh runs the client workflow (root chain, timestamp, snapshot,
 *   targets); trusted metadata is kept in DIR under non-versioned names
 *   (root.json, timestamp.json, snapshot.json, targets.json, <role>.json).
 * - download refreshes, walks the delegations to each target, and stores it
 *   in the target directory under its URL-quoted path; a target already
 *   there with matching length and hashes is not downloaded again.
 * - Exit 0 on full success, 1 otherwise (one line on stderr says why).
 *
 * Transport: the project's capped fetcher (src/io/fetch.ts) with its rules —
 * byte caps while streaming, timeouts, redirects, address checks — except
 * that this entry point alone may speak plain http:// to 127.0.0.1, ::1 and
 * localhost, where the conformance suite's simulator listens. Keys: Ed25519
 * with Go's verdict, RSA and ECDSA through Node's crypto.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const DIST = new URL('../dist/', import.meta.url);
const load = (m) => import(new URL(m, DIST).href);

function fail(message) {
  process.stderr.write(`tuf-conformance-client: ${message}\n`);
  process.exit(1);
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      strict: true,
      options: {
        'metadata-dir': { type: 'string' },
        'metadata-url': { type: 'string' },
        'target-name': { type: 'string', multiple: true },
        'target-base-url': { type: 'string' },
        'target-dir': { type: 'string' },
      },
    });
  } catch (e) {
    fail(e.message);
  }
  const o = parsed.values;
  const [command, ...rest] = parsed.positionals;
  const dir = o['metadata-dir'];
  if (!dir) fail('--metadata-dir is required');
  if (command === 'init') {
    if (rest.length !== 1) fail('init takes one argument: the trusted root file');
    mkdirSync(dir, { recursive: true });
    copyFileSync(rest[0], path.join(dir, 'root.json'));
    return;
  }
  if (command !== 'refresh' && command !== 'download') fail(`unknown command ${JSON.stringify(command)}: expected init, refresh or download`);
  if (rest.length !== 0) fail(`${command} takes no arguments`);
  if (!o['metadata-url']) fail('--metadata-url is required');

  const [{ RepositoryClient, targetFilePath }, { createHttpsFetcher }, { httpRepositoryTransport, dirMetadataStore }, { nodeTufVerifier }, { DEFAULT_INSTALL_LIMITS }, { checkLengthAndHashes }] = await Promise.all([
    load('domain/repository/client.js'),
    load('io/fetch.js'),
    load('io/repository-transport.js'),
    load('io/tuf-verifier.js'),
    load('domain/install/policy.js'),
    load('domain/repository/trusted-set.js'),
  ]);
  const fetcher = createHttpsFetcher({
    connectTimeoutMs: DEFAULT_INSTALL_LIMITS.connectTimeoutMs,
    readTimeoutMs: DEFAULT_INSTALL_LIMITS.readTimeoutMs,
    maxRedirects: DEFAULT_INSTALL_LIMITS.maxRedirects,
    allowPrivateAddresses: false,
    // This entry point only: the conformance simulator on loopback, plain HTTP.
    allowLoopbackHttp: true,
    userAgent: 'lattice-index tuf-conformance-client',
  });
  const transport = httpRepositoryTransport(fetcher, { metadataUrl: o['metadata-url'], targetsUrl: o['target-base-url'] ?? o['metadata-url'] });
  const opened = await RepositoryClient.open({ transport, store: dirMetadataStore(dir), now: Date.now(), verifier: nodeTufVerifier });
  if (!opened.ok) fail(`${opened.error.message} [${opened.error.code}]`);
  const client = opened.value;
  const r = await client.refresh();
  if (!r.ok) fail(`${r.error.message} [${r.error.code}]`);
  if (command === 'refresh') return;

  const names = o['target-name'] ?? [];
  if (names.length === 0) fail('download needs at least one --target-name');
  if (!o['target-base-url'] || !o['target-dir']) fail('download needs --target-base-url and --target-dir');
  mkdirSync(o['target-dir'], { recursive: true });
  for (const name of names) {
    const found = await client.findTarget(name);
    if (!found.ok) fail(`${found.error.message} [${found.error.code}]`);
    if (found.value === undefined) fail(`no trusted role lists ${name} [REPO_TARGET_NOT_FOUND]`);
    const file = path.join(o['target-dir'], encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
    if (existsSync(file) && checkLengthAndHashes(readFileSync(file), found.value.info, name) === null) continue; // cached, hashes match
    const bytes = await client.fetchTarget(name, found.value.info);
    if (!bytes.ok) fail(`${bytes.error.message} [${bytes.error.code}]`);
    writeFileSync(file, bytes.value);
    void targetFilePath;
  }
}

main().catch((e) => fail(e instanceof Error ? e.message : String(e)));
