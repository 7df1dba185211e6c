/**
 * The running machine's platform in the server's notation `<goos>/<goarch>`
 * (interop §D.2: the server picks `runtime.GOOS + "/" + runtime.GOARCH`).
 *
 * @module
 */

const GOOS: Readonly<Record<string, string>> = Object.freeze({
  linux: 'linux',
  darwin: 'darwin',
  win32: 'windows',
  freebsd: 'freebsd',
  openbsd: 'openbsd',
  netbsd: 'netbsd',
  sunos: 'solaris',
  aix: 'aix',
});

const GOARCH: Readonly<Record<string, string>> = Object.freeze({
  x64: 'amd64',
  arm64: 'arm64',
  ia32: '386',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
});

/**
 * This machine as `<goos>/<goarch>`.
 *
 * @param platform - Node's `process.platform` (default: this process).
 * @param arch - Node's `process.arch` (default: this process).
 * @returns e.g. `linux/amd64`; unknown names pass through lower-cased.
 * @example
 * ```ts
 * goPlatform('linux', 'x64'); // 'linux/amd64'
 * ```
 */
export function goPlatform(platform: string = process.platform, arch: string = process.arch): string {
  return `${GOOS[platform] ?? platform.toLowerCase()}/${GOARCH[arch] ?? arch.toLowerCase()}`;
}
