// Debian's nginx as a throwaway static host on 127.0.0.1, for the tests and the benchmarks:
// what an operator's static host really is (a real web server, real TLS), not a Node stand-in.
//
// `startNginx({ dir, www })` makes a throwaway CA and a certificate for 127.0.0.1 (valid two
// days, with the openssl CLI), writes a one-process nginx config under `dir`, starts nginx on a
// port it picks (HTTPS, and plain HTTP on a second port when asked), waits until it accepts a
// connection (bounded), and returns the base URLs, the CA's PEM path and `stop()`.
// nginx is installed by `scripts/setup-system.sh` (CI runs it).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const NGINX = '/usr/sbin/nginx';

/** Whether Debian's nginx is installed. */
export function haveNginx() {
  return existsSync(NGINX);
}

/** A port nobody listens on right now (127.0.0.1). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A throwaway CA and a server certificate for 127.0.0.1 under `pki`; returns the PEM paths. */
export function makeTestPki(pki) {
  mkdirSync(pki, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=lattice-index test CA'], pki);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], pki);
  writeFileSync(path.join(pki, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf'], pki);
  return { ca: path.join(pki, 'ca.pem'), cert: path.join(pki, 'server.pem'), key: path.join(pki, 'server.key') };
}

async function waitListening(port, child, errorLog) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline || child.exitCode !== null) {
      let log = '';
      try {
        log = readFileSync(errorLog, 'utf8');
      } catch {}
      throw new Error(`nginx did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Start nginx serving `www`.
 *
 * @param {{ dir: string, www: string, plainHttp?: boolean, locations?: string[] }} o - `dir` holds
 *   the config, PKI and logs; `plainHttp` adds a plain-HTTP listener; `locations` are extra lines
 *   inside the HTTPS server block.
 * @returns {Promise<{ base: string, plainBase?: string, port: number, ca: string, accessLog: string, stop: () => Promise<void> }>}
 */
export async function startNginx(o) {
  if (!haveNginx()) throw new Error(`nginx not found at ${NGINX}. Run \`bash scripts/setup-system.sh\` (installs Debian's nginx; CI runs it).`);
  const ng = path.join(o.dir, 'nginx');
  for (const d of [path.join(ng, 'logs'), path.join(ng, 'tmp')]) mkdirSync(d, { recursive: true });
  const pki = makeTestPki(path.join(o.dir, 'pki'));
  const port = await freePort();
  const plainPort = o.plainHttp ? await freePort() : undefined;
  const conf = path.join(ng, 'nginx.conf');
  const errorLog = path.join(ng, 'logs/error.log');
  writeFileSync(
    conf,
    [
      'daemon off;',
      'master_process off;', // one process, no user switch: it reads the caller's private folders
      'worker_processes 1;',
      `pid ${ng}/nginx.pid;`,
      `error_log ${errorLog} warn;`,
      'events { worker_connections 64; }',
      'http {',
      `  access_log ${ng}/logs/access.log;`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${ng}/tmp/${t};`),
      '  sendfile on;',
      '  default_type application/octet-stream;',
      '  types { application/json json; }',
      '  server {',
      `    listen 127.0.0.1:${port} ssl;`,
      `    ssl_certificate ${pki.cert};`,
      `    ssl_certificate_key ${pki.key};`,
      `    root ${o.www};`,
      ...(o.locations ?? []).map((l) => `    ${l}`),
      '  }',
      ...(plainPort !== undefined ? ['  server {', `    listen 127.0.0.1:${plainPort};`, `    root ${o.www};`, '  }'] : []),
      '}',
    ].join('\n'),
  );
  const child = spawn(NGINX, ['-p', ng, '-c', conf, '-e', errorLog], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.resume();
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await done;
  };
  try {
    await waitListening(port, child, errorLog);
    if (plainPort !== undefined) await waitListening(plainPort, child, errorLog);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    base: `https://127.0.0.1:${port}`,
    ...(plainPort !== undefined ? { plainBase: `http://127.0.0.1:${plainPort}` } : {}),
    port,
    ca: pki.ca,
    accessLog: path.join(ng, 'logs/access.log'),
    stop,
  };
}
