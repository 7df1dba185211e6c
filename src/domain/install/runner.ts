/**
 * Artifact-level runner checks — the second half of DESIGN §5 step 7
 * ("runner"); the manifest-level half is `compat.ts`.
 *
 * 1. **Bundle rules** (v2): the server's archive rules of interop §D.6 via
 *    `inspectBundle` — entry types (no symlinks, hard links, devices),
 *    paths (no `../`, no absolute paths), counts, sizes, and the declared
 *    runtime and UI entrypoints present as files. Codes `BUNDLE_INVALID` /
 *    `BUNDLE_TOO_LARGE`, with the server's messages.
 * 2. **wasm** plugins must be sandboxable ({@link checkWasmModule}): the
 *    module compiles; it imports only functions, and only the host functions
 *    the host offers (`host.wasm_host_functions`, as `module.name`); it
 *    exports the runner's ABI ({@link WASM_ABI_EXPORTS}). The module is
 *    compiled, **never instantiated**: nothing of it runs here.
 * 3. **worker** templates ({@link checkWorkerTemplate}) must contain none of
 *    the blocked primitives `fetch(`, `require(`, `process.env`, `exec(`,
 *    `os.` — as literal text, and also when spelt with whitespace or
 *    comments between the parts (`fetch /* *\/ (`), optional chaining
 *    (`process?.env`), bracket access (`process["env"]`) or JavaScript
 *    identifier escapes (`f\u0065tch(`). This is a gate on the template's
 *    text, not a sandbox: code built at run time (`globalThis['fe'+'tch']`)
 *    is the sandbox's job. The literal `os.` rule is the seed's and matches
 *    inside longer words too (`photos.`): fail closed, rename the identifier.
 *
 * Where the bytes come from: for a v2 bundle, the wasm module is the file at
 * the host platform's runtime entrypoint; worker sources are that file plus
 * every `.js`/`.mjs`/`.cjs` file of the bundle. For a v1 manifest the artifact
 * itself is the module / the template.
 *
 * Hostile data returns a result value; only caller bugs throw.
 *
 * @module
 */
import { goQuote } from '../../core/go-quote.js';
import type { InspectorFailure } from './stream-inspector.js';
import { checkBundleRulesWith, TRAILING_INSPECT_CAP, type BundleRulesResult, type StricterFindings } from '../bundle/inspect.js';
import { drainedOrClosed, type BundleCodec } from '../bundle/codec.js';
import { resolveBundleLimits } from '../bundle/limits.js';
import { normalizeEntryName, byteStringToText } from '../bundle/entry-path.js';
import { ChunkReader, TarReader, TYPE } from '../bundle/tar.js';
import { MANIFEST_SCHEMA_V2, type Manifest } from '../manifest/model.js';
import type { ArchiveRules, HostProfile } from './policy.js';
import { concatBytes } from '../../core/bytes.js';

/** The ABI a wasm module exports for the Lattice wasm runner: name → kind. */
export const WASM_ABI_EXPORTS: Readonly<Record<string, 'function' | 'memory'>> = Object.freeze({
  /** Linear memory the host reads requests and replies from. */
  memory: 'memory',
  /** `(size: i32) -> i32`: reserve `size` bytes of memory for a request; returns the offset. */
  lattice_alloc: 'function',
  /** `(ptr: i32, len: i32) -> i64`: handle the JSON request at ptr/len; returns (reply ptr << 32 | len). */
  lattice_invoke: 'function',
});

/** The blocked worker primitives, as the seed names them. */
export const WORKER_BLOCKED_PRIMITIVES: readonly string[] = Object.freeze(['fetch(', 'require(', 'process.env', 'exec(', 'os.']);

/** Largest wasm module or worker source examined (the server's per-file cap, interop §D.6). */
export const MAX_RUNNER_SOURCE_BYTES = 32 * 1024 * 1024;

/** Result of one runner check. */
export type RunnerCheck =
  | { ok: true; detail: string }
  | { ok: false; code: 'RUNNER_INCOMPATIBLE' | 'BUNDLE_INVALID' | 'BUNDLE_TOO_LARGE' | 'BUNDLE_INSPECTOR_FAILED'; message: string };

/**
 * Check a wasm module (DESIGN §5 step 7, "compiles, imports only what the
 * host provides, exports the ABI"). Compiled with the asynchronous
 * `WebAssembly.compile` (browsers refuse synchronous compilation of large
 * modules on the main thread); never instantiated.
 *
 * @param bytes - the module.
 * @param hostFunctions - the host functions offered, as `module.name`.
 * @returns `{ ok: true, detail }` or `{ ok: false, code: 'RUNNER_INCOMPATIBLE', message }`.
 * @example
 * ```ts
 * const r = await checkWasmModule(bytes, ['lattice.kv_get']);
 * ```
 */
export async function checkWasmModule(bytes: Uint8Array, hostFunctions: readonly string[]): Promise<RunnerCheck> {
  const fail = (message: string): RunnerCheck => ({ ok: false, code: 'RUNNER_INCOMPATIBLE', message });
  if (bytes.length > MAX_RUNNER_SOURCE_BYTES) return fail(`wasm module is ${bytes.length} bytes, above ${MAX_RUNNER_SOURCE_BYTES}`);
  let mod: WebAssembly.Module;
  try {
    // A copy with its own ArrayBuffer: compile must not see a view into a larger pooled buffer.
    mod = await WebAssembly.compile(Uint8Array.from(bytes));
  } catch (e) {
    return fail(`wasm module does not compile: ${e instanceof Error ? e.message : String(e)}`);
  }
  const offered = new Set(hostFunctions);
  const imports = WebAssembly.Module.imports(mod);
  for (const imp of imports) {
    const name = `${imp.module}.${imp.name}`;
    if (imp.kind !== 'function') {
      return fail(`wasm module imports a ${imp.kind} ${goQuote(name)}; only host functions may be imported`);
    }
    // A module name with a dot could spell an offered "module.name" ambiguously: never offered.
    if (imp.module.includes('.') || !offered.has(name)) {
      return fail(`wasm module imports host function ${goQuote(name)} which the host does not offer (offered: ${[...offered].join(', ') || 'none'})`);
    }
  }
  const exports = new Map(WebAssembly.Module.exports(mod).map((e) => [e.name, e.kind]));
  for (const [name, kind] of Object.entries(WASM_ABI_EXPORTS)) {
    const got = exports.get(name);
    if (got !== kind) {
      return fail(
        got === undefined
          ? `wasm module does not export ${goQuote(name)} (${kind}) of the runner ABI`
          : `wasm module exports ${goQuote(name)} as a ${got}, the runner ABI needs a ${kind}`,
      );
    }
  }
  return { ok: true, detail: `wasm module compiles; imports ${imports.map((i) => `${i.module}.${i.name}`).join(', ') || 'nothing'}; exports the runner ABI` };
}

const WS = String.raw`(?:\s|/\*[\s\S]*?\*/|//[^\n]*(?:\n|$))*`;
/** Spellings of each blocked primitive beyond the literal text. */
const BLOCKED_PATTERNS: readonly { primitive: string; re: RegExp }[] = [
  { primitive: 'fetch(', re: new RegExp(String.raw`fetch${WS}(?:\?\.${WS})?\(`) },
  { primitive: 'require(', re: new RegExp(String.raw`require${WS}(?:\?\.${WS})?\(`) },
  { primitive: 'exec(', re: new RegExp(String.raw`exec${WS}(?:\?\.${WS})?\(`) },
  { primitive: 'process.env', re: new RegExp(String.raw`process${WS}(?:\?\.|\.)${WS}env\b|process${WS}(?:\?\.)?${WS}\[${WS}['"\x60]env['"\x60]${WS}\]`) },
  { primitive: 'os.', re: new RegExp(String.raw`\bos${WS}(?:\?\.|\.)|\bos${WS}(?:\?\.)?${WS}\[`) },
];

/**
 * Check a worker template's source text (DESIGN §5 step 7 and the seed list).
 *
 * @param bytes - the source file (must be UTF-8).
 * @param name - the file's name, for messages.
 * @returns `{ ok: true, detail }` or `{ ok: false, code: 'RUNNER_INCOMPATIBLE', message }` naming the primitive and its line.
 * @example
 * ```ts
 * checkWorkerTemplate(new TextEncoder().encode('fetch("x")'), 'worker.js'); // not ok: fetch(
 * ```
 */
export function checkWorkerTemplate(bytes: Uint8Array, name: string): RunnerCheck {
  const fail = (message: string): RunnerCheck => ({ ok: false, code: 'RUNNER_INCOMPATIBLE', message });
  if (bytes.length > MAX_RUNNER_SOURCE_BYTES) return fail(`worker source ${name} is ${bytes.length} bytes, above ${MAX_RUNNER_SOURCE_BYTES}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail(`worker source ${name} is not valid UTF-8`);
  }
  // Identifier escapes (`f\u0065tch`) name the same identifier: scan the unescaped text too.
  const unescaped = text.replace(/\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})/g, (_m, a: string | undefined, b: string | undefined) => {
    const cp = parseInt(a ?? b ?? '0', 16);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
  });
  for (const source of unescaped === text ? [text] : [text, unescaped]) {
    for (const p of WORKER_BLOCKED_PRIMITIVES) {
      const at = source.indexOf(p);
      if (at >= 0) return fail(`worker source ${name} uses blocked primitive ${goQuote(p)} at line ${lineOf(source, at)}`);
    }
    for (const { primitive, re } of BLOCKED_PATTERNS) {
      const m = re.exec(source);
      if (m) return fail(`worker source ${name} uses blocked primitive ${goQuote(primitive)} (spelt ${goQuote(m[0].slice(0, 40))}) at line ${lineOf(source, m.index)}`);
    }
  }
  return { ok: true, detail: `worker source ${name}: none of ${WORKER_BLOCKED_PRIMITIVES.join(' ')}` };
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Options of {@link checkArtifactRunnable}. */
export interface ArtifactRunnableOptions {
  /** The gzip codec for v2 bundles (`nodeBundleCodec` from src/io/bundle.ts on Node). */
  codec: BundleCodec;
  /** The host platform's runtime entrypoint (v2), from `checkHostCompatibility`. */
  runtimeEntrypoint?: string;
  /** The sandboxed UI entrypoint (v2), when declared. */
  uiEntrypoint?: string;
  /**
   * The bundle rules already checked on these bytes, with these entrypoints,
   * while they streamed in (the installer's single pass, DESIGN §5 step 5):
   * used instead of reading the artifact again for them. An inspector that
   * failed itself (`BUNDLE_INSPECTOR_FAILED`) is a refusal, fail closed.
   */
  inspection?: BundleRulesResult | InspectorFailure;
}

/**
 * Run the artifact-level checks on a verified artifact: bundle rules (v2),
 * then the wasm or worker checks for those types.
 *
 * @param m - the verified manifest.
 * @param artifact - replays the artifact bytes (called once per pass).
 * @param host - the host profile.
 * @param opts - the entrypoints chosen by `checkHostCompatibility`.
 * @returns the list of passed checks, or the first failure.
 * @throws whatever `artifact()`'s iterator throws (an IO failure, not a verdict).
 * @example
 * ```ts
 * const r = await checkArtifactRunnable(manifest, () => spool.read(), policy.host, { runtimeEntrypoint });
 * ```
 */
export async function checkArtifactRunnable(
  m: Manifest,
  artifact: () => AsyncIterable<Uint8Array>,
  host: HostProfile,
  opts: ArtifactRunnableOptions,
): Promise<{ ok: true; details: string[]; stricter?: StricterFindings } | Extract<RunnerCheck, { ok: false }>> {
  const details: string[] = [];
  let stricter: StricterFindings | undefined;
  const v2 = m.schema === MANIFEST_SCHEMA_V2;
  if (v2) {
    // interop §D.6: the server's archive rules, with its messages.
    const inspection =
      opts.inspection ??
      (await checkBundleRulesWith(opts.codec, artifact(), {
        ...(opts.runtimeEntrypoint !== undefined ? { runtimeEntrypoint: opts.runtimeEntrypoint } : {}),
        ...(opts.uiEntrypoint !== undefined ? { uiEntrypoint: opts.uiEntrypoint } : {}),
      }));
    if (!inspection.ok) return { ok: false, code: inspection.code, message: inspection.message };
    details.push(`bundle: ${inspection.files} file(s), ${inspection.expandedBytes} bytes expanded, entrypoints present`);
    stricter = inspection.stricter;
  }
  if (m.type === 'wasm') {
    let bytes: Uint8Array | undefined;
    if (v2) {
      if (opts.runtimeEntrypoint === undefined) return { ok: false, code: 'RUNNER_INCOMPATIBLE', message: 'wasm bundle has no entrypoint for the host platform' };
      const files = await readBundleFiles(opts.codec, artifact(), (p) => p === opts.runtimeEntrypoint);
      bytes = files.get(opts.runtimeEntrypoint);
    } else {
      bytes = await readAll(artifact());
    }
    if (bytes === undefined) return { ok: false, code: 'RUNNER_INCOMPATIBLE', message: 'wasm module not found in the artifact' };
    const r = await checkWasmModule(bytes, host.wasmHostFunctions);
    if (!r.ok) return r;
    details.push(r.detail);
  } else if (m.type === 'worker') {
    let sources: Map<string, Uint8Array>;
    if (v2) {
      const entry = opts.runtimeEntrypoint;
      sources = await readBundleFiles(opts.codec, artifact(), (p) => p === entry || /\.(?:m|c)?js$/.test(p));
      if (entry !== undefined && !sources.has(entry)) return { ok: false, code: 'RUNNER_INCOMPATIBLE', message: `worker entrypoint ${goQuote(entry)} not found in the bundle` };
    } else {
      sources = new Map([['artifact', await readAll(artifact())]]);
    }
    for (const [name, bytes] of sources) {
      const r = checkWorkerTemplate(bytes, name);
      if (!r.ok) return r;
    }
    details.push(`worker: ${sources.size} source file(s) free of blocked primitives`);
  }
  return { ok: true, details, ...(stricter !== undefined ? { stricter } : {}) };
}

/** All bytes of a stream, refusing more than {@link MAX_RUNNER_SOURCE_BYTES}. */
async function readAll(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let n = 0;
  for await (const c of source) {
    n += c.length;
    if (n > MAX_RUNNER_SOURCE_BYTES) return new Uint8Array(MAX_RUNNER_SOURCE_BYTES + 1); // refused by the checker's size rule
    chunks.push(Uint8Array.from(c));
  }
  return concatBytes(chunks, n);
}

/**
 * The contents of the regular files of a `.tar.gz` whose normalised path
 * `want` selects. Call only on a bundle `inspectBundle` accepted: its
 * limits bound the work, and any read error ends the listing (the missing
 * file is then reported by the caller).
 */
async function readBundleFiles(codec: BundleCodec, source: AsyncIterable<Uint8Array>, want: (path: string) => boolean): Promise<Map<string, Uint8Array>> {
  const limits = resolveBundleLimits();
  const out = new Map<string, Uint8Array>();
  const gunzip = codec.gunzip();
  gunzip.on('error', () => {});
  const pump = (async () => {
    try {
      for await (const chunk of source) {
        if (gunzip.destroyed) break;
        if (!gunzip.write(chunk)) await drainedOrClosed(gunzip);
      }
      if (!gunzip.destroyed) gunzip.end();
    } catch {
      gunzip.destroy();
    }
  })();
  const iter = gunzip[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  try {
    const tar = new TarReader(new ChunkReader(iter), limits);
    for (;;) {
      const hdr = await tar.next();
      if (hdr === null) break;
      if (hdr.typeflag !== TYPE.REG && hdr.typeflag !== TYPE.REGA) continue;
      const norm = normalizeEntryName(hdr.name, false, limits);
      if (!norm.ok) continue;
      const path = byteStringToText(norm.path);
      if (!want(path) || hdr.size > BigInt(MAX_RUNNER_SOURCE_BYTES)) continue;
      const parts: Uint8Array[] = [];
      await tar.readData((piece) => parts.push(Uint8Array.from(piece)));
      const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let off = 0;
      for (const p of parts) {
        bytes.set(p, off);
        off += p.length;
      }
      out.set(path, bytes);
    }
  } catch {
    // An accepted bundle reads cleanly; anything else leaves the file missing (reported by the caller).
  } finally {
    gunzip.destroy();
    await iter.return?.().catch(() => {});
    await pump;
  }
  return out;
}

/**
 * The install policy's archive rules, stricter than the server's (interop
 * §D.6 accepts these bundles): setuid/setgid/sticky bits, paths that collide
 * when case-folded, data after the end-of-archive marker.
 *
 * @param f - what the inspector found.
 * @param rules - the policy's `archive` rules.
 * @returns the first refusal, or the one-line note of what was checked.
 */
export function checkStricterArchiveRules(f: StricterFindings, rules: ArchiveRules): { ok: true; detail: string } | { ok: false; code: 'BUNDLE_SETID_MODE' | 'BUNDLE_CASE_COLLISION' | 'BUNDLE_TRAILING_DATA'; message: string } {
  const stricter = '(stricter than the server; archive rules of the install policy)';
  if (rules.refuseSetIdModes && f.setIdEntries.length > 0) {
    const e = f.setIdEntries[0]!;
    return { ok: false, code: 'BUNDLE_SETID_MODE', message: `bundle entry ${goQuote(e.path)} has mode 0${e.mode.toString(8)} with setuid, setgid or sticky bits ${stricter}` };
  }
  if (rules.refuseCaseCollisions && f.caseCollisions.length > 0) {
    const [a, b] = f.caseCollisions[0]!;
    return { ok: false, code: 'BUNDLE_CASE_COLLISION', message: `bundle paths ${goQuote(a)} and ${goQuote(b)} are one path on a case-insensitive filesystem ${stricter}` };
  }
  if (rules.refuseTrailingData && (f.trailingNonZeroBytes > 0 || f.trailingBytes > TRAILING_INSPECT_CAP)) {
    const what = f.trailingNonZeroBytes > 0 ? `${f.trailingNonZeroBytes} non-zero byte(s)` : `more than ${TRAILING_INSPECT_CAP} bytes`;
    return { ok: false, code: 'BUNDLE_TRAILING_DATA', message: `bundle has ${what} after the tar end-of-archive marker ${stricter}` };
  }
  const off = [rules.refuseSetIdModes ? '' : 'setid', rules.refuseCaseCollisions ? '' : 'case collisions', rules.refuseTrailingData ? '' : 'trailing data'].filter(Boolean);
  return { ok: true, detail: `archive: stricter than the server — no setuid/setgid/sticky bits, no case-colliding paths, nothing after the end-of-archive marker${off.length ? ` (allowed by policy: ${off.join(', ')})` : ''}` };
}
