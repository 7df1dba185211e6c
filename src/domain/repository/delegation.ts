/**
 * Which delegated roles may sign for a target path (client workflow 5.6.7.2):
 * classic delegations by `paths` patterns or `path_hash_prefixes`, and
 * succinct hash bins (TAP 15).
 *
 * - `paths`: a target matches a pattern when both have the same number of
 *   `/`-separated parts and every part matches as a shell pattern
 *   (`*`, `?`, `[seq]`, `[!seq]`) — python-tuf's `fnmatch` per part; `*`
 *   never crosses a `/`.
 * - `path_hash_prefixes`: the hex SHA-256 of the target path starts with one
 *   of the prefixes.
 * - succinct roles: the bin is the first `bit_length` bits of the SHA-256 of
 *   the target path, named `<name_prefix>-<hex>` zero-padded to the width of
 *   the last bin's number; every bin is terminating.
 *
 * Pure; no `node:` imports.
 *
 * @module
 */
import { sha256, sha256Hex } from '../../crypto/index.js';
import type { Delegations, SuccinctRoles } from './model.js';

/**
 * The number of hex digits of a bin name's suffix for `bitLength` bits.
 *
 * @param bitLength - 1..32.
 * @returns the suffix width.
 */
export function binSuffixLength(bitLength: number): number {
  return (2 ** bitLength - 1).toString(16).length;
}

/**
 * The bin name of a bin number.
 *
 * @param succinct - prefix and bit length.
 * @param n - 0 .. 2^bitLength − 1.
 * @returns `<prefix>-<hex>`.
 */
export function binName(succinct: Pick<SuccinctRoles, 'namePrefix' | 'bitLength'>, n: number): string {
  return `${succinct.namePrefix}-${n.toString(16).padStart(binSuffixLength(succinct.bitLength), '0')}`;
}

/**
 * The bin responsible for a target path (TAP 15 `get_role_for_target`).
 *
 * @param succinct - prefix and bit length.
 * @param targetPath - the target path.
 * @returns the bin's role name.
 * @example
 * ```ts
 * binForTarget({ namePrefix: 'bins', bitLength: 8 }, 'plugins/acme.tool.json'); // 'bins-3f' (say)
 * ```
 */
export function binForTarget(succinct: Pick<SuccinctRoles, 'namePrefix' | 'bitLength'>, targetPath: string): string {
  return binName(succinct, binNumber(succinct.bitLength, targetPath));
}

/**
 * The bin number of a target path: the first `bitLength` bits of its SHA-256.
 *
 * @param bitLength - 1..32.
 * @param targetPath - the path.
 * @returns the number.
 */
export function binNumber(bitLength: number, targetPath: string): number {
  const h = sha256(new TextEncoder().encode(targetPath));
  const first = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
  return bitLength === 32 ? first : first >>> (32 - bitLength);
}

/**
 * Whether a role name is one of the bins (TAP 15 `is_delegated_role`).
 *
 * @param succinct - prefix and bit length.
 * @param roleName - a role name.
 * @returns true for `<prefix>-<hex>` of the right width and range.
 */
export function isBinName(succinct: Pick<SuccinctRoles, 'namePrefix' | 'bitLength'>, roleName: string): boolean {
  const prefix = `${succinct.namePrefix}-`;
  if (!roleName.startsWith(prefix)) return false;
  const suffix = roleName.slice(prefix.length);
  if (suffix.length !== binSuffixLength(succinct.bitLength) || !/^[0-9a-f]+$/.test(suffix)) return false;
  return parseInt(suffix, 16) < 2 ** succinct.bitLength;
}

/** Translate one shell pattern part (fnmatch) to a RegExp source. */
function fnmatchSource(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/\^/g, '\\^')}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return out;
}

/**
 * Whether a target path matches a `paths` pattern of a delegation.
 *
 * @param targetPath - the path.
 * @param pattern - the pattern.
 * @returns true on a match.
 * @example
 * ```ts
 * pathMatches('plugins/a.json', 'plugins/*.json'); // true
 * pathMatches('plugins/x/a.json', 'plugins/*.json'); // false
 * ```
 */
export function pathMatches(targetPath: string, pattern: string): boolean {
  const t = targetPath.split('/');
  const p = pattern.split('/');
  if (t.length !== p.length) return false;
  for (let i = 0; i < t.length; i++) {
    if (!new RegExp(`^${fnmatchSource(p[i]!)}$`, 's').test(t[i]!)) return false;
  }
  return true;
}

/** A role that may sign for a target, in delegation order. */
export interface RoleForTarget {
  readonly name: string;
  readonly terminating: boolean;
}

/**
 * The delegated roles of `delegations` responsible for `targetPath`, in order.
 *
 * @param delegations - a targets role's delegations.
 * @param targetPath - the path.
 * @returns the roles (one bin for succinct delegations).
 */
export function rolesForTarget(delegations: Delegations, targetPath: string): RoleForTarget[] {
  if (delegations.succinct !== undefined) return [{ name: binForTarget(delegations.succinct, targetPath), terminating: true }];
  const out: RoleForTarget[] = [];
  let pathHash: string | undefined;
  for (const role of delegations.roles ?? []) {
    let match = false;
    if (role.paths !== undefined) match = role.paths.some((p) => pathMatches(targetPath, p));
    else if (role.pathHashPrefixes !== undefined) {
      pathHash ??= sha256Hex(new TextEncoder().encode(targetPath));
      match = role.pathHashPrefixes.some((p) => pathHash!.startsWith(p));
    }
    if (match) out.push({ name: role.name, terminating: role.terminating });
  }
  return out;
}

/**
 * The keys and threshold with which `delegations` lets `roleName` sign, or
 * undefined when it does not delegate to that name.
 *
 * @param delegations - a targets role's delegations.
 * @param roleName - the delegated role.
 * @returns keyids and threshold.
 */
export function delegatedRoleKeys(delegations: Delegations, roleName: string): { keyids: readonly string[]; threshold: number } | undefined {
  if (delegations.succinct !== undefined) return isBinName(delegations.succinct, roleName) ? delegations.succinct : undefined;
  return delegations.roles?.find((r) => r.name === roleName);
}
