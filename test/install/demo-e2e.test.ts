/**
 * `npm run demo` as an end-to-end test: the same flow (scripts/demo.mjs) —
 * pack and sign the demo plugins, build and sign the index, serve it on
 * 127.0.0.1, list candidates and install one plugin with the built CLI.
 * Needs the build output (`npm test` builds first).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../scripts/demo.mjs';

const BUILT = existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)));

describe.skipIf(!BUILT)('npm run demo (end to end)', () => {
  it('installs the system demo plugin with the approval summary, and lists the candidates', async () => {
    const r = await runDemo();
    expect(r.install.status, r.install.stderr).toBe(0);
    expect(r.candidates.status, r.candidates.stderr).toBe(0);
    expect(r.ok).toBe(true);
    // The approval summary: publisher and trust, version and channel, capabilities with tiers and meanings, digests.
    const out = r.install.stdout;
    expect(out).toContain('Publisher   example (Example Plugins)');
    expect(out).toContain('Version     1.0.0 (channel stable)');
    expect(out).toMatch(/\[READ\] kv:read\n\s+Read values from the plugin key-value store\./);
    expect(out).toMatch(/\[WRITE\] log:write/);
    expect(out).toMatch(/Artifact {4}sha256 [0-9a-f]{64}/);
    expect(out).toContain('installed example.hello-system 1.0.0');
    expect(r.install.stderr).toContain('TEST MODE');
    // Placed atomically: exactly the loader layout, nothing else.
    expect(r.installed).toEqual(['example.hello-system.plugin', 'example.hello-system.plugin/artifact', 'example.hello-system.plugin/manifest.json']);
    expect(r.audit.at(-1)).toMatchObject({ event: 'plugin.install', plugin: 'example.hello-system', outcome: 'installed', approved_by: '--yes' });
    // Candidates: the worker has no runner on the demo host; the others pass the index checks.
    expect(r.candidates.stdout).toMatch(/yes example\.counter-wasm 1\.0\.0/);
    expect(r.candidates.stdout).toMatch(/no {2}example\.greeter-worker 1\.0\.0 .*\[RUNNER_UNAVAILABLE\]/);
  });

  it('the hand-assembled wasm demo plugin passes the sandbox checks and installs', async () => {
    const r = await runDemo({ plugin: 'example.counter-wasm' });
    expect(r.install.status, r.install.stderr).toBe(0);
    expect(r.install.stdout).toContain('wasm module compiles; imports lattice.kv_get; exports the runner ABI');
  });
});
