#!/usr/bin/env node
// A small static file server for the built catalog (`npm start`, browser
// tests). Listens on 127.0.0.1 only. GET and HEAD; directories serve their
// index.html (a path without its trailing slash is redirected); unknown paths
// get the site's 404.html with status 404; any path that would leave the
// root — `..` segments, encoded or not, backslashes, NUL, dot-files, symlinks
// pointing outside — is refused.
//
// Usage: node scripts/serve-static.mjs [dir=site/dist] [--port 4321]
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Content types by file extension (lowercase, with dot). */
export const CONTENT_TYPES = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.atom': 'application/atom+xml; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
});

/**
 * Content type of a file name.
 * @param {string} file
 * @returns {string} the type; `application/octet-stream` for unknown extensions.
 */
export function contentTypeFor(file) {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Map a request target to a file below `root`, refusing anything that could
 * leave it. Pure (no file system access).
 * @param {string} root - absolute, resolved root directory.
 * @param {string} target - the request target (`req.url`).
 * @returns {{ ok: true, file: string, pathname: string } | { ok: false, status: number }}
 */
export function resolveRequest(root, target) {
  if (typeof target !== 'string' || !target.startsWith('/') || target.startsWith('//')) return { ok: false, status: 400 };
  const q = target.search(/[?#]/);
  const rawPath = q === -1 ? target : target.slice(0, q);
  let decoded;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { ok: false, status: 400 };
  }
  if (/[\u0000\\]/.test(decoded)) return { ok: false, status: 400 };
  const segments = decoded.split('/');
  for (const s of segments) {
    if (s === '..' || s === '.') return { ok: false, status: 400 };
    if (s.startsWith('.')) return { ok: false, status: 404 }; // no dot-files
  }
  const file = path.join(root, ...segments);
  if (file !== root && !file.startsWith(root + path.sep)) return { ok: false, status: 400 };
  return { ok: true, file, pathname: rawPath };
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/**
 * A request handler serving `root`.
 * @param {string} rootDir - directory to serve.
 * @param {{ notFoundPage?: string }} [opts] - file (relative to root) sent with 404s; default `404.html`.
 * @returns {(req: http.IncomingMessage, res: http.ServerResponse) => void}
 */
export function createStaticHandler(rootDir, opts = {}) {
  const rootPromise = realpath(path.resolve(rootDir));
  const notFoundPage = opts.notFoundPage ?? '404.html';

  async function send(req, res, status, file, st) {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentTypeFor(file), 'Content-Length': st.size });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  }

  async function plain(req, res, status, text, extra = {}) {
    const body = Buffer.from(`${text}\n`);
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length, ...extra });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  async function notFound(req, res, root) {
    const page = path.join(root, notFoundPage);
    try {
      const st = await stat(page);
      if (st.isFile()) return send(req, res, 404, page, st);
    } catch {
      // no 404 page in this root
    }
    return plain(req, res, 404, 'Not found');
  }

  /** Resolve symlinks and check the real file is still inside the root. */
  async function inside(root, file) {
    try {
      const real = await realpath(file);
      return real === root || real.startsWith(root + path.sep) ? real : null;
    } catch {
      return undefined; // does not exist
    }
  }

  return (req, res) => {
    (async () => {
      const root = await rootPromise;
      if (req.method !== 'GET' && req.method !== 'HEAD') return plain(req, res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
      const r = resolveRequest(root, req.url ?? '');
      if (!r.ok) return r.status === 404 ? notFound(req, res, root) : plain(req, res, r.status, 'Bad request');
      let real = await inside(root, r.file);
      if (real === null) return plain(req, res, 400, 'Bad request');
      if (real === undefined) return notFound(req, res, root);
      let st = await stat(real);
      if (st.isDirectory()) {
        if (!r.pathname.endsWith('/')) {
          const q = (req.url ?? '').slice(r.pathname.length);
          return plain(req, res, 301, 'Moved permanently', { Location: `${r.pathname}/${q}` });
        }
        real = await inside(root, path.join(real, 'index.html'));
        if (!real) return notFound(req, res, root);
        st = await stat(real);
      }
      if (!st.isFile()) return notFound(req, res, root);
      return send(req, res, 200, real, st);
    })().catch(() => {
      if (!res.headersSent) plain(req, res, 500, 'Internal error');
      else res.destroy();
    });
  };
}

/**
 * Serve a directory on 127.0.0.1.
 * @param {{ root: string, port?: number, handler?: Function }} opts - `port` 0 picks a free port.
 * @returns {Promise<{ server: http.Server, url: string, close: () => Promise<void> }>}
 */
export async function serveStatic({ root, port = 4321, handler }) {
  const server = http.createServer(handler ?? createStaticHandler(root));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const addr = server.address();
  const url = `http://127.0.0.1:${addr.port}/`;
  return {
    server,
    url,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  let port = 4321;
  const pi = args.indexOf('--port');
  if (pi !== -1) {
    port = Number(args[pi + 1]);
    args.splice(pi, 2);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      console.error('serve-static: --port must be an integer from 0 to 65535');
      process.exit(2);
    }
  }
  const root = path.resolve(args[0] ?? 'site/dist');
  try {
    const st = await stat(root);
    if (!st.isDirectory()) throw new Error('not a directory');
  } catch (e) {
    console.error(`serve-static: cannot serve ${root}: ${e.message}`);
    process.exit(2);
  }
  const { url } = await serveStatic({ root, port });
  const shown = path.relative(process.cwd(), root);
  console.log(`Serving ${shown === '' ? '.' : shown.startsWith('..') ? root : shown} on ${url}`);
}
