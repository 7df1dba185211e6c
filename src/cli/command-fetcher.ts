/**
 * The HTTPS fetcher of the reading commands, on its own so that a command
 * that needs no repository code (`install --index`) does not load it
 * (CLI start: bench/cli-start.bench.mjs, bench/install.bench.mjs).
 * @module
 */
import { DEFAULT_INSTALL_LIMITS, type InstallLimits } from '../domain/install/policy.js';
import type { InstallFetcher } from '../domain/install/transport.js';
import { createHttpsFetcher, fetcherOptionsFromLimits } from '../io/fetch.js';
import { readFileBounded } from '../io/files.js';
import type { TransportArgs } from './repository-inputs.js';
import { err } from './run.js';

/**
 * The HTTPS fetcher for a reading command.
 *
 * @param args - `--ca`, `--allow-address`, the hidden test flag.
 * @param limits - timeouts and address rules (default: the install defaults).
 * @param caPem - CA certificates already read (policy `ca_file`).
 * @returns the fetcher.
 */
export async function commandFetcher(args: Partial<TransportArgs>, limits: InstallLimits = DEFAULT_INSTALL_LIMITS, caPem?: string): Promise<InstallFetcher> {
  const ca = args.ca !== undefined ? new TextDecoder().decode(await readFileBounded(args.ca, 1024 * 1024, 'CA file')) : caPem;
  const allow = [...(limits.allowAddresses ?? []), ...(args['allow-address'] ?? [])];
  if (args['test-loopback-http']) err('lattice-index: TEST MODE: plain HTTP to loopback addresses is allowed (--test-loopback-http); never use this in production');
  return createHttpsFetcher(
    fetcherOptionsFromLimits(limits, {
      ...(ca !== undefined ? { ca } : {}),
      ...(allow.length > 0 ? { allowAddresses: allow } : {}),
      allowLoopbackHttp: args['test-loopback-http'] === true,
    }),
  );
}

