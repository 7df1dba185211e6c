/**
 * A test HTTP server on 127.0.0.1 only: serves byte maps by path, with
 * per-path overrides (stall, redirect, endless body). Bounded: it answers at
 * most `maxRequests` requests and tracks its sockets so `close()` ends
 * everything, stalled responses included.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface TestServer {
  readonly port: number;
  /** `https://127.0.0.1:<port>` — spoken as plain HTTP under the fetcher's test option. */
  readonly base: string;
  readonly files: Map<string, Uint8Array>;
  readonly routes: Map<string, Handler>;
  /** Paths requested, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

/**
 * Start a server.
 * @param maxRequests - the bound on requests answered (later ones are reset).
 */
export async function startTestServer(maxRequests = 500): Promise<TestServer> {
  const files = new Map<string, Uint8Array>();
  const routes = new Map<string, Handler>();
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const p = req.url ?? '/';
    requests.push(p);
    if (requests.length > maxRequests) {
      req.socket.destroy();
      return;
    }
    const route = routes.get(p);
    if (route) return route(req, res);
    const body = files.get(p);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
    res.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    base: `https://127.0.0.1:${port}`,
    files,
    routes,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A raw TCP server on 127.0.0.1 that accepts and never answers (for connect/TLS timeouts). */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Handlers for hostile behaviour. */
export const hostile = {
  /** Headers, then a few bytes, then silence. */
  stallBody: (): Handler => (_req, res) => {
    res.writeHead(200, { 'content-length': '1000000' });
    res.write('partial');
  },
  /**
   * Slow retrieval: headers, then `bytes` body bytes one at a time, one every
   * `everyMs` — each gap far inside any read timeout, so only a deadline or a
   * rate floor can stop it. Stops writing when the client goes away.
   */
  trickle: (bytes: Uint8Array, everyMs: number): Handler => (_req, res) => {
    res.writeHead(200, { 'content-length': String(bytes.length) });
    let i = 0;
    const timer = setInterval(() => {
      if (res.destroyed || i >= bytes.length) {
        clearInterval(timer);
        if (!res.destroyed) res.end();
        return;
      }
      res.write(Buffer.from(bytes.subarray(i, i + 1)));
      i++;
    }, everyMs);
    res.on('close', () => clearInterval(timer));
  },
  /** Accept the request and never send headers. */
  stallHeaders: (): Handler => () => {},
  redirect: (location: string, status = 302): Handler => (_req, res) => {
    res.writeHead(status, { location }).end();
  },
  /** A chunked body of `total` bytes without Content-Length. */
  chunked: (total: number): Handler => (_req, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  },
  gzip: (): Handler => (_req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': '4' }).end('abcd');
  },
  status: (code: number): Handler => (_req, res) => {
    res.writeHead(code).end();
  },
};

/** Serve every file below `dir` under the URL path `prefix`, as a static host would. */
export function serveDir(server: TestServer, dir: string, prefix: string): void {
  const walk = (rel: string): void => {
    for (const n of readdirSync(path.join(dir, rel))) {
      const r = rel ? `${rel}/${n}` : n;
      if (statSync(path.join(dir, r)).isDirectory()) walk(r);
      else server.files.set(`${prefix}/${r}`, readFileSync(path.join(dir, r)));
    }
  };
  walk('');
}
