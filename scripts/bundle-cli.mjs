// Bundle the `lattice-index` bin (src/cli/main.ts) into dist/cli/main.js
// plus one lazily loaded chunk per command (dist/cli/chunks/), replacing the
// unbundled main.js tsc wrote. Why: Node 20 has no compile cache, and
// resolving and reading the ~100 small modules of a command at every start
// cost more than the command itself (`npm run bench` measures the start).
// The library entry points (dist/**/index.js) stay unbundled.
// Run by `npm run build` after tsc.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}dist/cli/chunks`, { recursive: true, force: true });
await build({
  entryPoints: { main: `${root}src/cli/main.ts` },
  outdir: `${root}dist/cli`,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: process.env.LATTICE_BUNDLE_DEBUG ? false : true,
  sourcemap: 'linked',
  legalComments: 'linked',
  charset: 'utf8',
  allowOverwrite: true,
  logLevel: 'warning',
  // Bundled CommonJS dependencies (fast-glob) call require() for Node built-ins.
  banner: { js: "import { createRequire as __latticeCreateRequire } from 'node:module'; const require = __latticeCreateRequire(import.meta.url);" },
});

// The install's bundle-inspector worker thread (src/io/inspect-worker.ts starts `./inspect-worker-entry.js`
// beside the module that starts it): one self-contained file (a worker loads one module, not ~15)
// beside each place that module can be — dist/io (the library), dist/cli (main.js), dist/cli/chunks.
for (const dir of ['io', 'cli', 'cli/chunks']) {
  await build({
    entryPoints: [`${root}src/io/inspect-worker-entry.ts`],
    outfile: `${root}dist/${dir}/inspect-worker-entry.js`,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: process.env.LATTICE_BUNDLE_DEBUG ? false : true,
    sourcemap: 'linked',
    legalComments: 'linked',
    charset: 'utf8',
    allowOverwrite: true,
    logLevel: 'warning',
  });
}
