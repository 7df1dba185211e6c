// Bundle the `lattice-index` bin into two files, replacing the unbundled
// main.js tsc wrote:
// - dist/cli/lattice-index.cjs — the whole CLI (src/cli/start.ts) as one
//   CommonJS file. Every command module (and the Node built-ins it needs:
//   http, zlib, child_process, …) is initialised only when that command
//   runs: esbuild wraps what a dynamic import() reaches in a lazy init.
// - dist/cli/main.js — the bin (src/cli/main.ts): compiles the .cjs with a
//   V8 code cache (src/cli/code-cache.ts) and runs it.
// Why: Node 20 has no compile cache, and resolving, reading and compiling
// the ~100 small modules of a command (or even the ~25 chunks of a split
// ESM bundle) at every start cost more than many commands themselves
// (`npm run bench` measures the start: bench/cli-start.bench.mjs).
// The library entry points (dist/**/index.js) stay unbundled.
// Run by `npm run build` after tsc.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}dist/cli/chunks`, { recursive: true, force: true });
// `import.meta.url` in a CommonJS bundle: the bundle's own file URL (the
// loader passes its path as __filename), so a module that finds a file beside
// itself (a worker entry) finds it beside the bundle in dist/cli/.
const importMetaUrl = {
  define: { 'import.meta.url': '__latticeImportMetaUrl' },
  banner: { js: '"use strict";var __latticeImportMetaUrl=require("node:url").pathToFileURL(__filename).href;' },
};
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: process.env.LATTICE_BUNDLE_DEBUG ? false : true,
  sourcemap: 'linked',
  legalComments: 'linked',
  charset: 'utf8',
  allowOverwrite: true,
  logLevel: 'warning',
};
// Node built-ins a command may not need at all (the network for a local
// index, gzip, a prompt, a child process) cost ~15 ms to load. In the
// bundle each becomes an object of getters that loads the real module on
// first use, so `audit --index FILE` never loads the network stack; the
// names are the module's own, read here at build time.
const LAZY_BUILTINS = /^node:(http|https|tls|net|dns|zlib|readline|child_process)$/;
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: LAZY_BUILTINS }, (args) =>
      args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const names = Object.keys(createRequire(import.meta.url)(args.path)).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k));
      const lines = [`let m; const load = () => (m ??= require(${JSON.stringify(args.path)}));`];
      for (const k of names) lines.push(`Object.defineProperty(exports, ${JSON.stringify(k)}, { enumerable: true, get: () => load()[${JSON.stringify(k)}] });`);
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};
await build({
  ...common,
  plugins: [lazyBuiltins],
  entryPoints: [`${root}src/cli/start.ts`],
  outfile: `${root}dist/cli/lattice-index.cjs`,
  format: 'cjs',
  ...importMetaUrl,
  // ASCII only (everything else escaped): the loader reads it as latin1,
  // which costs a copy where UTF-8 decoding costs a pass.
  charset: 'ascii',
});
// The start bundle: the same entry without any command, for a command line
// that names none (`--version`, `--help`, nothing): a tenth of the bytes to
// read and compile. A command import there is a bug (main.ts picks this
// bundle only when no argument could be a command word) and says so.
const noCommands = {
  name: 'no-commands',
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\// }, (args) => (args.importer.endsWith(`src/cli/registry.ts`) ? { path: args.path, namespace: 'no-command' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'no-command' }, () => ({
      contents: "throw new Error('internal: dist/cli/lattice-index-start.cjs loads no command; main.js should have chosen dist/cli/lattice-index.cjs');",
      loader: 'js',
    }));
  },
};
await build({
  ...common,
  plugins: [lazyBuiltins, noCommands],
  entryPoints: [`${root}src/cli/start.ts`],
  outfile: `${root}dist/cli/lattice-index-start.cjs`,
  format: 'cjs',
  ...importMetaUrl,
  charset: 'ascii',
});

/** The bundle's bytes after making sure they are ASCII (the loader reads latin1); returns its SHA-256. */
function asciiBundle(file) {
  let bytes = readFileSync(file);
  if (bytes.some((b) => b > 0x7f)) {
    // Only comments keep non-ASCII text (the unminified LATTICE_BUNDLE_DEBUG
    // build): escape it there too.
    const text = bytes.toString('utf8').replace(/[^\x00-\x7f]/gu, (c) => c.split('').map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''));
    writeFileSync(file, text);
    bytes = readFileSync(file);
  }
  if (bytes.some((b) => b > 0x7f)) throw new Error(`${file} is not ASCII`);
  return createHash('sha256').update(bytes).digest('hex');
}

await build({
  ...common,
  entryPoints: [`${root}src/cli/main.ts`],
  outfile: `${root}dist/cli/main.js`,
  format: 'esm',
  // The bundle's identity, part of its code-cache key.
  define: {
    __LATTICE_BUNDLE_SHA256__: JSON.stringify(asciiBundle(`${root}dist/cli/lattice-index.cjs`)),
    __LATTICE_START_BUNDLE_SHA256__: JSON.stringify(asciiBundle(`${root}dist/cli/lattice-index-start.cjs`)),
  },
});

// The install's bundle-inspector worker thread (src/io/inspect-worker.ts, `workerInspector`, an option of
// runInstall) starts `./inspect-worker-entry.js` beside the module that starts it: one self-contained ESM
// file (a worker loads one module, not ~15) in dist/io (the library) and dist/cli (beside the CLI bundle,
// whose import.meta.url is its own file).
for (const dir of ['io', 'cli']) {
  await build({
    ...common,
    entryPoints: [`${root}src/io/inspect-worker-entry.ts`],
    outfile: `${root}dist/${dir}/inspect-worker-entry.js`,
    format: 'esm',
  });
}
