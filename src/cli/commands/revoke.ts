/**
 * `lattice-index revoke (--release ID@VERSION | --artifact SHA256 | --key B64 --publisher ID) --reason TEXT`
 * — add a revocation to `index/revocations.json` (DESIGN §4.1): read
 * strictly and validated, deduplicated (revoking twice is a no-op that says
 * so), written atomically. The next `build` + `sign` publishes it.
 *
 * Here `--key` is the revoked **public** key (canonical base64), not a key file.
 *
 * @module
 */
import path from 'node:path';
import { InputError, VerificationError } from '../../core/errors.js';
import { ENTRY_MAX_BYTES, REVOCATIONS_MAX_BYTES } from '../../core/limits.js';
import { decodeCanonicalBase64 } from '../../core/base64.js';
import type { RevocationList } from '../../core/index/types.js';
import { formatRFC3339UTC, hasControl, SHA256_HEX_ANY_CASE_RE, validIndexID, validIndexVersion } from '../../core/rules.js';
import { addRevocation, validateRevocationList, type NewRevocation } from '../../domain/index/revocation.js';
import { checkOutputPath, readStrictJSONFile, writeFileAtomic } from '../../io/files.js';
import { err, out, outJSON } from '../run.js';
import { defineCommand } from '../spec.js';
import { parseTimeFlag } from '../inputs.js';

interface RevokeArgs {
  release?: string;
  artifact?: string;
  key?: string;
  publisher?: string;
  reason: string;
  file: string;
  'index-dir'?: string;
  force: boolean;
  at?: string;
  json: boolean;
}

/** Longest accepted reason. */
const MAX_REASON_LENGTH = 1000;

export const revokeCommand = defineCommand<RevokeArgs>({
  name: 'revoke',
  options: {
    release: { type: 'string', value: 'ID@VERSION', describe: 'revoke one release: PLUGIN_ID@VERSION' },
    artifact: { type: 'string', value: 'SHA256', describe: 'revoke an artifact SHA-256 (64 hex digits)' },
    key: { type: 'string', value: 'B64', describe: 'revoke a publisher public key (canonical base64); needs --publisher' },
    publisher: { type: 'string', value: 'ID', describe: 'the publisher of the revoked --key' },
    reason: { type: 'string', value: 'TEXT', required: true, describe: 'why (shown to operators)' },
    file: { type: 'string', value: 'FILE', default: 'index/revocations.json', describe: 'the revocations file' },
    'index-dir': { type: 'string', value: 'DIR', describe: 'where the plugin entries are, to check that --release exists (default: the folder of --file)' },
    force: { type: 'boolean', describe: 'revoke a --release the index does not list yet (with a warning)' },
    at: { type: 'string', value: 'RFC3339', describe: 'revocation time (RFC 3339 UTC; default now)' },
    json: { type: 'boolean', default: false, describe: 'print the result as JSON' },
  },
  run: async (args) => {
    const revocation = parseRevocation(args);
    const reason = args.reason.trim();
    if (reason === '' || reason.length > MAX_REASON_LENGTH || hasControl(reason)) {
      throw new InputError('INPUT_INVALID', `--reason must be 1–${MAX_REASON_LENGTH} characters on one line`);
    }
    const at = formatRFC3339UTC(parseTimeFlag('--at', args.at));
    if (args.force && revocation.kind !== 'release') throw new InputError('INPUT_INVALID', '--force applies to --release only');
    const list = await readRevocations(args.file);
    if (revocation.kind === 'release') {
      // A release must exist: a typo (demo.hello@v1) would otherwise revoke nothing, silently.
      const indexDir = args['index-dir'] ?? path.dirname(args.file);
      const known = await releaseListed(indexDir, revocation.plugin, revocation.version);
      if (!known) {
        if (!args.force) {
          throw new VerificationError('REVOKE_TARGET_UNKNOWN', `${path.join(indexDir, 'plugins', `${revocation.plugin}.json`)} lists no release ${revocation.version} of ${revocation.plugin}; check the id and version, or give --force to revoke a release not yet published`);
        }
        err(`lattice-index: warning: ${revocation.plugin}@${revocation.version} is not listed in ${indexDir}; revoking it anyway (--force)`);
      }
    }
    const r = addRevocation(list, revocation, reason, at);
    const problems = validateRevocationList(r.list);
    if (problems.length > 0) throw new VerificationError('INDEX_INVALID', `the revocation would be invalid: ${problems[0]!.instancePath}: ${problems[0]!.message}`);
    if (r.added) await writeFileAtomic(args.file, JSON.stringify(r.list, null, 2) + '\n');
    if (args.json) {
      outJSON({ ok: true, file: args.file, added: r.added, kind: revocation.kind, entry: r.entry });
      return;
    }
    out(`${args.file}: ${r.added ? 'revoked' : 'already revoked'} ${describeRevocation(revocation)} (revoked_at ${r.entry.revoked_at})`);
  },
});

/** Exactly one of --release, --artifact, --key (+ --publisher), checked. */
function parseRevocation(args: RevokeArgs): NewRevocation {
  const given = [args.release, args.artifact, args.key].filter((v) => v !== undefined).length;
  if (given !== 1) throw new InputError('INPUT_INVALID', 'expected exactly one of --release ID@VERSION, --artifact SHA256 or --key B64 --publisher ID');
  if (args.publisher !== undefined && args.key === undefined) throw new InputError('INPUT_INVALID', '--publisher belongs to --key');
  if (args.release !== undefined) {
    const at = args.release.indexOf('@');
    const plugin = at < 0 ? '' : args.release.slice(0, at);
    const version = at < 0 ? '' : args.release.slice(at + 1);
    if (!validIndexID(plugin) || !validIndexVersion(version)) {
      throw new InputError('INPUT_INVALID', `--release must be PLUGIN_ID@VERSION with a valid plugin id and version, found ${JSON.stringify(args.release)}`);
    }
    return { kind: 'release', plugin, version };
  }
  if (args.artifact !== undefined) {
    if (!SHA256_HEX_ANY_CASE_RE.test(args.artifact)) {
      throw new InputError('INPUT_INVALID', `--artifact must be a SHA-256 of 64 hex digits, found ${JSON.stringify(args.artifact)}`);
    }
    return { kind: 'artifact', sha256: args.artifact.toLowerCase() };
  }
  const key = args.key!;
  if (decodeCanonicalBase64(key, 32) === null) {
    throw new InputError('INPUT_INVALID', `--key must be a public key in canonical padded base64 of 32 bytes, found ${JSON.stringify(key)}`);
  }
  if (args.publisher === undefined || !validIndexID(args.publisher)) {
    throw new InputError('INPUT_INVALID', `--key needs --publisher ID with a valid publisher id, found ${JSON.stringify(args.publisher ?? null)}`);
  }
  return { kind: 'key', publisher: args.publisher, publicKey: key };
}

/** Whether `indexDir/plugins/<plugin>.json` lists `version` (a missing entry file lists nothing). */
async function releaseListed(indexDir: string, plugin: string, version: string): Promise<boolean> {
  let value: unknown;
  try {
    ({ value } = await readStrictJSONFile(path.join(indexDir, 'plugins', `${plugin}.json`), ENTRY_MAX_BYTES));
  } catch (e) {
    if (e instanceof InputError && e.code === 'INPUT_NOT_FOUND') return false;
    throw e;
  }
  const releases = (value as { releases?: unknown } | null)?.releases;
  return Array.isArray(releases) && releases.some((r) => (r as { version?: unknown } | null)?.version === version);
}

/** The revocations file, strictly parsed and validated; missing = empty. */
async function readRevocations(file: string): Promise<RevocationList> {
  let value: unknown;
  try {
    ({ value } = await readStrictJSONFile(file, REVOCATIONS_MAX_BYTES));
  } catch (e) {
    // Only a missing file is an empty list; an unreadable one stops the command.
    if (e instanceof InputError && e.code === 'INPUT_NOT_FOUND') return { releases: [], artifacts: [], keys: [] };
    throw e;
  }
  await checkOutputPath(file);
  const problems = validateRevocationList(value);
  if (problems.length > 0) {
    const p = problems[0]!;
    throw new VerificationError('INDEX_INVALID', `${file}: ${p.instancePath || '/'}: ${p.message} [${p.code}]`);
  }
  return value as RevocationList;
}

function describeRevocation(r: NewRevocation): string {
  switch (r.kind) {
    case 'release':
      return `release ${r.plugin}@${r.version}`;
    case 'artifact':
      return `artifact ${r.sha256}`;
    case 'key':
      return `key ${r.publicKey} of publisher ${r.publisher}`;
  }
}
