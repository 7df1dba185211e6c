/**
 * scripts/serve-static.mjs: 127.0.0.1 only, content types, directory
 * index + trailing-slash redirect, the site's 404 page, and path traversal
 * refused in every spelling.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ESM script without type declarations
import { contentTypeFor, resolveRequest, serveStatic } from '../../scripts/serve-static.mjs';

let root: string;
let outside: string;
let server: { url: string; server: import('node:http').Server; close: () => Promise<void> };

beforeAll(async () => {
  const base = mkdtempSync(path.join(tmpdir(), 'lattice-serve-'));
  root = path.join(base, 'dist');
  outside = path.join(base, 'secret.txt');
  mkdirSync(path.join(root, 'plugins/demo.hello'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<h1>home</h1>');
  writeFileSync(path.join(root, '404.html'), '<h1>Page not found</h1>');
  writeFileSync(path.join(root, 'plugins.json'), '{"schema":"x"}\n');
  writeFileSync(path.join(root, 'feed.atom'), '<feed/>');
  writeFileSync(path.join(root, 'plugins/demo.hello/index.html'), '<h1>hello</h1>');
  writeFileSync(path.join(root, '.env'), 'SECRET=1');
  writeFileSync(outside, 'outside the root');
  symlinkSync(outside, path.join(root, 'link.txt'));
  server = await serveStatic({ root, port: 0 });
});
afterAll(async () => {
  await server?.close();
});

/** A raw request (no client-side path normalisation). */
function get(target: string, method = 'GET'): Promise<{ status: number; type: string | undefined; location: string | undefined; body: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: Number(port), path: target, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], location: res.headers.location, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve-static', () => {
  it('listens on 127.0.0.1 only', () => {
    const addr = server.server.address();
    expect(typeof addr === 'object' && addr?.address).toBe('127.0.0.1');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('serves files with their content types', async () => {
    expect(await get('/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<h1>home</h1>' });
    expect(await get('/plugins.json')).toMatchObject({ status: 200, type: 'application/json', body: '{"schema":"x"}\n' });
    expect(await get('/feed.atom')).toMatchObject({ status: 200, type: 'application/atom+xml; charset=utf-8' });
    expect(await get('/plugins/demo.hello/?q=1')).toMatchObject({ status: 200, body: '<h1>hello</h1>' });
    expect(contentTypeFor('a.CSS')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('a.bin')).toBe('application/octet-stream');
  });

  it('redirects a directory without its slash, keeping the query', async () => {
    expect(await get('/plugins/demo.hello?x=1')).toMatchObject({ status: 301, location: '/plugins/demo.hello/?x=1' });
  });

  it('answers unknown paths and dot-files with the 404 page', async () => {
    expect(await get('/nope')).toMatchObject({ status: 404, type: 'text/html; charset=utf-8', body: '<h1>Page not found</h1>' });
    expect(await get('/.env')).toMatchObject({ status: 404 });
  });

  it('refuses path traversal in every spelling', async () => {
    for (const target of ['/../secret.txt', '/%2e%2e/secret.txt', '/plugins/%2E%2E/%2E%2E/secret.txt', '/..%2fsecret.txt', '/a%5c..%5csecret.txt', '/%00', '//etc/passwd', '/./index.html']) {
      const r = await get(target);
      expect(r.status, target).toBe(400);
      expect(r.body).not.toContain('outside the root');
    }
    // A symlink pointing out of the root is refused too.
    expect((await get('/link.txt')).status).toBe(400);
    expect(resolveRequest(root, 'no-slash')).toEqual({ ok: false, status: 400 });
    expect(resolveRequest(root, '/%E0%A4%A')).toEqual({ ok: false, status: 400 });
  });

  it('allows GET and HEAD only', async () => {
    expect(await get('/plugins.json', 'HEAD')).toMatchObject({ status: 200, body: '' });
    expect((await get('/plugins.json', 'POST')).status).toBe(405);
  });
});

describe('npm start (scripts/start.mjs)', () => {
  it('takes its port before anything is built: a busy port fails within seconds, naming the port and the way out', async () => {
    const { spawnSync } = await import('node:child_process');
    const blocker = await serveStatic({ root, port: 0 });
    try {
      const port = new URL(blocker.url).port;
      const started = Date.now();
      const r = spawnSync(process.execPath, [path.join(__dirname, '../../scripts/start.mjs'), '--port', port], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status).toBe(1);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
      expect(r.stderr).toContain('--port N or LATTICE_SITE_PORT');
      expect(r.stdout).not.toContain('lattice-index build'); // no build step ran
    } finally {
      await blocker.close();
    }
  });
});
