/**
 * The README's worked server-side example (examples/server-side.mjs) runs:
 * it imports the package by its own name (the built dist/, through the
 * exports map) and installs a plugin from the install test repository.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InstallEnv, InstallRepo, NOW, policyDoc } from '../install/harness.js';
import { ROOT } from './helpers.js';

describe('examples/server-side.mjs (README "Library")', () => {
  let env: InstallEnv;
  afterEach(() => env?.cleanup());

  it('verifies the index and installs one plugin with the library alone', async () => {
    env = new InstallEnv();
    const repo = new InstallRepo('https://plugins.example');
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0' });
    const index = repo.publish();
    repo.files.set('https://plugins.example/plugins.json', index);
    const policyFile = path.join(env.policyDir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(policyDoc()));
    const { installVerified } = await import(path.join(ROOT, 'examples/server-side.mjs'));
    const r = await installVerified({ indexUrl: 'https://plugins.example/plugins.json', policyFile, pluginId: 'acme.hello', pluginDir: env.pluginDir, fetcher: repo.fetcher(), now: NOW });
    expect(r.version).toBe('1.0.0');
    expect(r.steps.map((s: { step: string }) => s.step)).toEqual(expect.arrayContaining(['index', 'select', 'publisher', 'manifest', 'artifact', 'capabilities', 'runner', 'decision']));
    expect(existsSync(path.join(env.pluginDir, 'acme.hello.plugin', 'artifact'))).toBe(true);
    expect(readFileSync(path.join(env.policyDir, 'audit.log'), 'utf8')).toContain('"plugin.install"');
  });

  it('refuses with the pipeline\'s code and leaves the plugin directory as it was', async () => {
    env = new InstallEnv();
    const repo = new InstallRepo('https://plugins.example');
    repo.addRelease({ plugin: 'acme.hello', version: '1.0.0', signer: 'publisher-mallory' });
    repo.files.set('https://plugins.example/plugins.json', repo.publish());
    const policyFile = path.join(env.policyDir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(policyDoc()));
    const { installVerified } = await import(path.join(ROOT, 'examples/server-side.mjs'));
    await expect(installVerified({ indexUrl: 'https://plugins.example/plugins.json', policyFile, pluginId: 'acme.hello', pluginDir: env.pluginDir, fetcher: repo.fetcher(), now: NOW })).rejects.toMatchObject({ code: 'MANIFEST_SIGNATURE_INVALID' });
    expect(existsSync(path.join(env.pluginDir, 'acme.hello.plugin'))).toBe(false);
  });
});
