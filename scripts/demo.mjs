// `npm run demo` — the whole install flow on one machine, end to end:
//
//  1. makes a throw-away index key and publisher key (seed files, mode 0600,
//     in a temporary directory — never printed);
//  2. packs the demo plugins of examples/demo-plugins/ into deterministic
//     tar+gzip bundles, writes their v2 manifests and signs them with the
//     publisher key (manifestSigningPayload + Ed25519, MarshalIndent form);
//  3. builds the index for them, with URLs on the local server, and signs it
//     as official with the index key;
//  4. serves everything on 127.0.0.1 — plain HTTP, because a local demo has
//     no TLS certificate: the CLI is run with its explicit TEST-ONLY flag
//     --test-loopback-http, which allows plain HTTP to loopback only;
//  5. writes an install policy (`policy init` defaults, plus the demo
//     publisher and a wasm sandbox), lists the candidates, and installs one
//     plugin into a temporary plugin directory with --yes, printing the
//     approval summary.
//
// `node scripts/demo.mjs [--keep] [--plugin ID]` (after `npm run build`).
// The same flow is the end-to-end test test/install/demo-e2e.test.ts.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = pathToFileURL(path.join(ROOT, 'dist') + '/').href;
const EXAMPLES = path.join(ROOT, 'examples/demo-plugins');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const UTF8 = new TextEncoder();

/** Platforms the system demo bundle carries an entrypoint for. */
const SYSTEM_PLATFORMS = ['linux/amd64', 'linux/arm64', 'darwin/amd64', 'darwin/arm64'];

async function lib() {
  const [crypto, base64, bundle, manifest, sign, rules, policy, keys, platform] = await Promise.all([
    import(`${DIST}crypto/index.js`),
    import(`${DIST}core/base64.js`),
    import(`${DIST}io/bundle.js`),
    import(`${DIST}domain/manifest/index.js`),
    import(`${DIST}domain/index/sign.js`),
    import(`${DIST}core/rules.js`),
    import(`${DIST}domain/install/policy.js`),
    import(`${DIST}io/keys.js`),
    import(`${DIST}io/platform.js`),
  ]);
  return { ...crypto, ...base64, ...bundle, ...manifest, ...sign, ...rules, ...policy, ...keys, ...platform };
}

/** Bundle entries and runtime entrypoints of one demo plugin. */
async function demoBundle(dir, meta) {
  if (meta.type === 'system') {
    const script = readFileSync(path.join(dir, 'plugin.sh'));
    const entries = [];
    const entrypoints = {};
    for (const p of SYSTEM_PLATFORMS) {
      const file = `bin/${p.replace('/', '-')}/plugin`;
      entries.push({ path: file, content: new Uint8Array(script) });
      entrypoints[p] = file;
    }
    return { entries, entrypoints };
  }
  const file = meta.type === 'wasm' ? 'bin/wasm/plugin.wasm' : 'bin/worker/worker.js';
  const content =
    meta.type === 'wasm'
      ? (await import(pathToFileURL(path.join(dir, 'module.mjs')).href)).MODULE
      : new Uint8Array(readFileSync(path.join(dir, 'worker.js')));
  return { entries: [{ path: file, content }], entrypoints: Object.fromEntries(SYSTEM_PLATFORMS.map((p) => [p, file])) };
}

/** Run the CLI asynchronously (the server lives in this process). */
function cli(args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (opts.echo) process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (opts.echo) process.stderr.write(d);
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Run the demo.
 * @param {{ keep?: boolean, echo?: boolean, plugin?: string }} opts
 * @returns {Promise<{ ok: boolean, install: {status:number,stdout:string,stderr:string}, candidates: {status:number,stdout:string,stderr:string}, pluginDir: string, installed: string[], audit: object[], work: string }>}
 */
export async function runDemo(opts = {}) {
  const L = await lib();
  const say = (line) => {
    if (opts.echo) console.log(line);
  };
  const work = mkdtempSync(path.join(os.tmpdir(), 'lattice-demo-'));
  const served = new Map();
  let requests = 0;
  const server = http.createServer((req, res) => {
    // Bounded: a demo needs a few dozen requests.
    if (++requests > 1000) return req.socket.destroy();
    const body = served.get(req.url ?? '');
    if (!body) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) }).end(Buffer.from(body));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `https://127.0.0.1:${server.address().port}`;
  try {
    // 1. Keys (seed files 0600; never printed).
    const keyDir = path.join(work, 'keys');
    mkdirSync(keyDir, { mode: 0o700 });
    const indexSeed = L.generateSeed();
    const publisherSeed = L.generateSeed();
    await L.writeSeedFile(path.join(keyDir, 'index.seed'), indexSeed);
    await L.writeSeedFile(path.join(keyDir, 'publisher.seed'), publisherSeed);
    const indexKey = L.encodeBase64(L.publicKeyFromSeed(indexSeed));
    const publisherKey = L.encodeBase64(L.publicKeyFromSeed(publisherSeed));
    say(`keys: index ${L.keyId(L.publicKeyFromSeed(indexSeed)).slice(0, 16)}…, publisher "example" ${L.keyId(L.publicKeyFromSeed(publisherSeed)).slice(0, 16)}…`);

    // 2. Bundles and signed manifests.
    const now = Date.now();
    const plugins = [];
    for (const name of readdirSync(EXAMPLES).sort()) {
      const dir = path.join(EXAMPLES, name);
      let meta;
      try {
        meta = JSON.parse(readFileSync(path.join(dir, 'plugin.json'), 'utf8'));
      } catch {
        continue; // README and other files
      }
      const { entries, entrypoints } = await demoBundle(dir, meta);
      const artifact = L.packBundleEntries(entries);
      const digest = L.sha256Hex(artifact);
      const json = {
        schema: 'lattice.plugin.manifest.v2',
        id: meta.id,
        name: meta.name,
        type: meta.type,
        capabilities: meta.capabilities,
        version: meta.version,
        publisher: 'example',
        bundle: { format: 'tar+gzip', digest_sha256: digest },
        runtime: { protocol: meta.protocol, entrypoints },
        compatibility: meta.compatibility,
      };
      const decoded = L.decodeManifest(JSON.stringify(json));
      if (!decoded.ok) throw new Error(`${name}: ${decoded.message}`);
      // The domain's signManifest: validated, signed, self-verified, MarshalIndent form.
      const signed = L.signManifest(decoded.manifest, publisherSeed, { name, artifactSha256: digest });
      const manifestBytes = signed.bytes;
      const prefix = `/${meta.id}/${meta.version}`;
      served.set(`${prefix}/manifest.json`, manifestBytes);
      served.set(`${prefix}/bundle.tar.gz`, artifact);
      plugins.push({
        id: meta.id,
        name: meta.name,
        publisher: 'example',
        type: meta.type,
        summary: meta.summary,
        latest: meta.version,
        channels: { stable: meta.version },
        capabilities: meta.capabilities,
        releases: [
          {
            version: meta.version,
            channel: 'stable',
            capabilities: meta.capabilities,
            manifest_url: `${base}${prefix}/manifest.json`,
            artifact_url: `${base}${prefix}/bundle.tar.gz`,
            artifact_sha256: digest,
            signature_ed25519: signed.manifest.signature_ed25519,
            published_at: L.formatRFC3339UTC(now),
            manifest_sha256: L.sha256Hex(manifestBytes),
          },
        ],
      });
      say(`packed ${meta.id} ${meta.version} (${meta.type}): ${artifact.length} bytes, sha256 ${digest.slice(0, 16)}…, manifest signed`);
    }

    // 3. The index, signed as official by the index key.
    const doc = {
      schema: 'lattice.plugin.index.v1',
      generated_at: L.formatRFC3339UTC(now),
      status: 'draft',
      generation: 1,
      expires_at: L.formatRFC3339UTC(now + 7 * 86_400_000),
      publishers: [{ id: 'example', name: 'Example Plugins', public_key_ed25519: publisherKey }],
      plugins,
      signatures: [],
    };
    const signed = L.signIndex(doc, indexSeed, { publisher: 'example', official: true, now });
    served.set('/plugins.json', signed.bytes);
    indexSeed.fill(0);
    publisherSeed.fill(0);
    say(`index: ${plugins.length} plugins, generation 1, signed (keyid ${signed.keyid.slice(0, 16)}…), served at ${base}/plugins.json`);
    say('NOTE: the demo server speaks plain HTTP on 127.0.0.1 (no TLS certificate); the CLI runs with its TEST-ONLY flag --test-loopback-http.');

    // 4. The operator's policy: `policy init` defaults, the demo publisher, a wasm sandbox.
    const policyDoc = L.starterInstallPolicy({
      indexKeys: [indexKey],
      publishers: [{ id: 'example', key: publisherKey }],
      serverVersion: '0.2.2',
      platform: L.goPlatform(),
      stateFile: path.join(work, 'index-state.json'),
      auditLog: path.join(work, 'install-audit.log'),
    });
    policyDoc.host.runners = ['system', 'wasm'];
    policyDoc.host.sandboxes = ['wasm'];
    policyDoc.host.wasm_host_functions = ['lattice.kv_get', 'lattice.log'];
    const policyFile = path.join(work, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(policyDoc, null, 2) + '\n', { mode: 0o600 });
    const pluginDir = path.join(work, 'plugins');
    mkdirSync(pluginDir, { mode: 0o700 });

    // 5. Candidates, then one install with --yes.
    say(`\n$ lattice-index candidates --index ${base}/plugins.json --policy policy.json --test-loopback-http`);
    const candidates = await cli(['candidates', '--index', `${base}/plugins.json`, '--policy', policyFile, '--test-loopback-http'], { echo: opts.echo });
    const plugin = opts.plugin ?? 'example.hello-system';
    say(`\n$ lattice-index install ${plugin} --index ${base}/plugins.json --policy policy.json --plugin-dir plugins --yes --test-loopback-http`);
    const install = await cli(
      ['install', plugin, '--index', `${base}/plugins.json`, '--policy', policyFile, '--plugin-dir', pluginDir, '--yes', '--test-loopback-http'],
      { echo: opts.echo },
    );
    const installed = [];
    const walk = (rel) => {
      for (const n of readdirSync(path.join(pluginDir, rel)).sort()) {
        const r = rel ? `${rel}/${n}` : n;
        installed.push(r);
        try {
          walk(r);
        } catch {
          /* a file */
        }
      }
    };
    walk('');
    let audit = [];
    try {
      audit = readFileSync(path.join(work, 'install-audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    } catch {
      /* none */
    }
    say(`\nplugin directory: ${installed.join(', ')}`);
    if (audit.length) say(`audit log: ${JSON.stringify(audit[audit.length - 1])}`);
    return { ok: install.status === 0 && candidates.status === 0, install, candidates, pluginDir, installed, audit, work };
  } finally {
    await new Promise((r) => server.close(r));
    server.closeAllConnections?.();
    if (!opts.keep) rmSync(work, { recursive: true, force: true });
    else say(`kept ${work}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const pluginAt = args.indexOf('--plugin');
  const r = await runDemo({ echo: true, keep: args.includes('--keep'), ...(pluginAt >= 0 ? { plugin: args[pluginAt + 1] } : {}) });
  console.log(r.ok ? '\ndemo: ok' : '\ndemo: FAILED');
  process.exitCode = r.ok ? 0 : 1;
}
