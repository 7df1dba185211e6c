/**
 * `--server-line` / `--server-version` on the commands that judge manifests
 * and indexes (src/cli/server-version.ts): exact versions by id, tag or
 * commit; aliases; unknown names and both options together are usage errors
 * (exit 2) before anything is read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VECTORS } from '../vectors.js';
import { ROOT, runCli } from './helpers.js';

const DRIFT = join(VECTORS, 'lattice/drift');
const drift = (name: string): string => join(DRIFT, 'manifests', `${name}.manifest.json`);

describe('--server-version', () => {
  it('manifest check: the version decides, by id, tag or commit; aliases as before', async () => {
    const p01 = drift('p01-budget-http-response-bytes');
    for (const v of ['integration-2026-09', 'integration']) {
      const r = await runCli(['manifest', 'check', p01, ...(v === 'integration' ? ['--server-line', v] : ['--server-version', v])]);
      expect(r.status, r.stderr).toBe(0);
    }
    for (const v of ['alpha-0.2.2a41', '4dfbf5d', 'alpha-0.2.2a39', 'main-141e9ca']) {
      const r = await runCli(['manifest', 'check', p01, '--server-version', v]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('invalid: decode manifest: interface methods must be all strings or all typed objects: json: unknown field "http_response_bytes"');
    }
  });

  it('manifest payload: the v1 dependencies line per version (drift p12), byte for byte', async () => {
    const p12 = drift('p12-v1-dependencies');
    for (const [v, column] of [['main-141e9ca', 'main'], ['alpha-0.2.2a41', 'integration'], ['integration-2026-09', 'integration-2026-09']] as const) {
      const r = await runCli(['manifest', 'payload', p12, '--server-version', v]);
      expect(r.status, r.stderr).toBe(0);
      expect(Buffer.from(r.stdoutBytes).equals(readFileSync(join(DRIFT, 'payloads', `p12-v1-dependencies.${column}.payload`)))).toBe(true);
    }
  });

  it('manifest verify --json names the version and its line', async () => {
    const r = await runCli(['manifest', 'verify', join(VECTORS, 'lattice/manifests/netguard-0.1.0-alpha.14.manifest.json'), '--key', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', '--server-version', '4dfbf5d', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: 'MANIFEST_INVALID' });
    const ok = await runCli(['manifest', 'verify', drift('p00-base'), '--key', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', '--server-version', 'alpha-0.2.2a41', '--json']);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: false, code: 'MANIFEST_SIGNATURE_REQUIRED' });
  });

  it.each([
    ['validate', ['validate', 'index/plugins.json', '--json']],
    ['build', ['build', '--out', '/nonexistent-dir/x.json', '--json']],
    ['check-entry', ['check-entry', 'index/plugins/demo.hello.json', '--manifest', 'index/manifests/demo.hello/1.0.0.json', '--json']],
    ['pr-check', ['pr-check', '--base', 'HEAD', '--json']],
  ])('%s: an unknown version is SERVER_VERSION_UNKNOWN (exit 2), naming the known ones', async (_, args) => {
    const r = await runCli([...args, '--server-version', 'alpha-0.2.2a45'], { cwd: ROOT });
    expect(r.status).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: false, code: 'SERVER_VERSION_UNKNOWN', exit: 2 });
    expect(out.message).toContain('known: main-141e9ca (141e9ca), alpha-0.2.2a41');
  });

  it('manifest check / payload / verify / sign / init: an unknown version is exit 2 before any file is read', async () => {
    for (const args of [
      ['manifest', 'check', 'no-such-file.json'],
      ['manifest', 'payload', 'no-such-file.json'],
      ['manifest', 'verify', 'no-such-file.json', '--key', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='],
      ['manifest', 'sign', 'no-such-file.json', '--key', 'no-such-seed'],
      ['manifest', 'init', '--out', '/nonexistent-dir/m.json', '--id', 'acme.x', '--name', 'X'],
    ]) {
      const r = await runCli([...args, '--server-version', 'alpha-0.2.2a45'], { cwd: ROOT });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/\[SERVER_VERSION_UNKNOWN\]\n$/);
    }
  });

  it('--server-line and --server-version together are a usage error', async () => {
    const r = await runCli(['validate', 'index/plugins.json', '--server-line', 'main', '--server-version', 'main-141e9ca'], { cwd: ROOT });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--server-line and --server-version cannot be given together.*\[USAGE_ERROR\]/);
  });

  it('validate and check-entry accept the demo index and release on every known version', async () => {
    for (const v of ['main-141e9ca', 'alpha-0.2.2a41', 'integration-2026-09']) {
      expect((await runCli(['validate', 'index/plugins.json', '--server-version', v], { cwd: ROOT })).status).toBe(0);
      const e = await runCli(['check-entry', 'index/plugins/demo.hello.json', '--manifest', 'index/manifests/demo.hello/1.0.0.json', '--server-version', v], { cwd: ROOT });
      expect(e.status, e.stderr).toBe(0);
    }
  });
});
