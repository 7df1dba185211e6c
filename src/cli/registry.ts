/**
 * Every `lattice-index` command, in the order `--help` lists them, with the
 * one-line description `--help` shows. A command's module is imported only
 * when that command runs, so `lattice-index validate` does not pay for the
 * install pipeline, the bundle reader or the PR rules.
 *
 * A new command is one module in ./commands/ plus one entry here.
 *
 * @module
 */
import type { CommandGroupSpec, CommandSpec } from './spec.js';

/** A command as `--help` lists it, and how to load it. */
export interface CommandEntry {
  /** The command word. */
  name: string;
  /** One line for `--help`. */
  describe: string;
  /** Import the command module: a command, or a group of subcommands. */
  load: () => Promise<CommandSpec | CommandGroupSpec>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'validate', describe: 'Validate index files (default index/plugins.json) against the index format', load: async () => (await import('./commands/validate.js')).validateCommand },
  { name: 'build', describe: 'Assemble index/plugins.json from index/publishers/*.json, index/plugins/*.json and index/revocations.json', load: async () => (await import('./commands/build.js')).buildCommand },
  { name: 'keygen', describe: 'Create an Ed25519 signing key file (32-byte seed, mode 0600) and print its public key and keyid', load: async () => (await import('./commands/keygen.js')).keygenCommand },
  { name: 'sign', describe: "Sign an index with an Ed25519 seed (adds or replaces this key's signature); --official makes it installable", load: async () => (await import('./commands/sign.js')).signCommand },
  { name: 'verify', describe: 'Verify a signed index with trusted keys: threshold, official, expiry, rollback (--state), key rotations', load: async () => (await import('./commands/verify.js')).verifyCommand },
  { name: 'revoke', describe: 'Revoke a release (ID@VERSION), an artifact digest or a publisher key in index/revocations.json', load: async () => (await import('./commands/revoke.js')).revokeCommand },
  { name: 'rotate-key', describe: 'Rotate a publisher key: retire the current key into key_history with a rotation statement signed by it', load: async () => (await import('./commands/rotate-key.js')).rotateKeyCommand },
  { name: 'add', describe: "Add a release to a plugin entry file (index/plugins/<id>.json) from a manifest verified with its publisher's key", load: async () => (await import('./commands/add.js')).addCommand },
  { name: 'pr-check', describe: 'Check a pull request against the publisher rules (one publisher, namespace, immutable releases, growing versions, valid entries)', load: async () => (await import('./commands/pr-check.js')).prCheckCommand },
  { name: 'codeowners', describe: 'Generate .github/CODEOWNERS from the publisher files (--check: exit 1 when the committed file is stale)', load: async () => (await import('./commands/codeowners.js')).codeownersCommand },
  { name: 'manifest', describe: 'Publisher tools for Lattice plugin manifests: init, payload, verify, sign, check', load: async () => (await import('./commands/manifest.js')).manifestCommand },
  { name: 'bundle', describe: 'Plugin bundles (.tar.gz): inspect with the server\'s archive rules, pack deterministically', load: async () => (await import('./commands/bundle.js')).bundleCommand },
  { name: 'check-entry', describe: 'Check a plugin entry file against a manifest (and artifact): id, version, digests, signature, capabilities', load: async () => (await import('./commands/check-entry.js')).checkEntryCommand },
  { name: 'install', describe: 'Verify a plugin end to end (index, publisher, manifest, artifact, capabilities, runner) and place it after approval', load: async () => (await import('./commands/install.js')).installCommand },
  { name: 'installed', describe: 'List the installed plugins with their status against the verified index: current, upgrade available (escalates?), revoked, untrusted, not in index, modified on disk', load: async () => (await import('./commands/installed.js')).installedCommand },
  { name: 'upgrade', describe: 'Upgrade an installed plugin through the full pipeline; an escalation (new capabilities, higher risk, new host access) is shown as a diff and approved on its own', load: async () => (await import('./commands/upgrade.js')).upgradeCommand },
  { name: 'rollback', describe: 'Put back the previous release of a plugin that upgrade or a replacing install kept (one step, atomic, audited)', load: async () => (await import('./commands/remove.js')).rollbackCommand },
  { name: 'remove', describe: 'Remove an installed plugin atomically (refused while another installed plugin requires it, unless --force); audited', load: async () => (await import('./commands/remove.js')).removeCommand },
  { name: 'audit', describe: 'For cron: exit 0 only if every installed plugin is current or behind; one line per problem (revoked, untrusted, modified, unapproved, index expired or rolled back)', load: async () => (await import('./commands/installed.js')).auditCommand },
  { name: 'candidates', describe: 'List what this host could install from a verified index, and why not the rest', load: async () => (await import('./commands/candidates.js')).candidatesCommand },
  { name: 'repo', describe: 'Repository v2, the index as a TUF repository: init, publish, refresh, rotate-root, verify', load: async () => (await import('./commands/repo.js')).repoCommand },
  { name: 'mirror', describe: 'Copy a repository v2 into a folder, verifying every file; only new versions and hashes are fetched, nothing is re-signed', load: async () => (await import('./commands/mirror.js')).mirrorCommand },
  { name: 'export', describe: 'Write one offline bundle of a plugin release from repository v2 (root chain, metadata, target, manifest, artifact)', load: async () => (await import('./commands/export.js')).exportCommand },
  { name: 'policy', describe: 'Install policy: init, check, export-server-trust', load: async () => (await import('./commands/policy.js')).policyCommand },
];

/**
 * The command named `word`, if any.
 *
 * @param word - the first non-option argument.
 */
export function findCommand(word: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === word);
}
