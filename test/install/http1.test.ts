/**
 * The fetcher's HTTP/1.1 (src/io/http1.ts): the strict response parser on
 * its own — every honest response fed whole, split at every byte and byte by
 * byte gives the same head and body; every hostile one is refused with a
 * message naming what is wrong — and then the same responses from a raw TCP
 * server on 127.0.0.1 through the real fetcher (`FETCH_FAILED`), plus back
 * pressure on a slow consumer and a comparison with Node's own HTTP client
 * on the bodies it accepts.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http1Error, Http1Exchange, ResponseParser, type ResponseHead } from '../../src/io/http1.js';
import { createHttpsFetcher, fetchAndHash } from '../../src/io/fetch.js';

const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const text = (parts: Uint8Array[]): string => Buffer.concat(parts).toString('latin1');

/** Feed `bytes` in the pieces `cuts` makes; then the close. */
function parse(bytes: Uint8Array, cuts: number[] = [], close = true): { head: ResponseHead | undefined; body: string; done: boolean } {
  const p = new ResponseParser();
  const out: Uint8Array[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    // Each piece is its own copy, as a socket read would be.
    p.feed(Uint8Array.from(bytes.subarray(at, c)), out);
    at = c;
  }
  if (close) p.finish();
  return { head: p.head, body: text(out), done: p.done };
}

function refusal(bytes: Uint8Array, close = true): string {
  try {
    parse(bytes, [], close);
  } catch (e) {
    expect(e).toBeInstanceOf(Http1Error);
    return (e as Error).message;
  }
  return 'accepted';
}

const HONEST: Record<string, { raw: string; body: string; status?: number; close?: boolean }> = {
  'Content-Length': { raw: 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-A: b\r\n\r\nhello world', body: 'hello world', close: false },
  'Content-Length repeated with one value': { raw: 'HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc', body: 'abc', close: false },
  'chunked with an extension and a trailer': {
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=v\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n',
    body: 'hello 0123456789',
    close: false,
  },
  'close-delimited (no framing)': { raw: 'HTTP/1.0 200 OK\r\nServer: old\r\n\r\nuntil the end', body: 'until the end' },
  'interim 100 and 103 before the final response': { raw: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', body: 'ok', close: false },
  'no reason phrase; empty field value; tabs around a value': { raw: 'HTTP/1.1 200\r\nX-Empty:\r\nX-Tab:\t v \t\r\nContent-Length: 1\r\n\r\nz', body: 'z', close: false },
  '204 has no body': { raw: 'HTTP/1.1 204 No Content\r\n\r\n', body: '', status: 204, close: false },
  'a redirect with a body': { raw: 'HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 4\r\n\r\nmove', body: 'move', status: 302, close: false },
};

describe('http1 response parser: honest responses, fed in every way', () => {
  for (const [name, c] of Object.entries(HONEST)) {
    it(name, () => {
      const bytes = enc(c.raw);
      const whole = parse(bytes, [], c.close ?? true);
      expect(whole.body).toBe(c.body);
      expect(whole.done).toBe(true);
      expect(whole.head?.status).toBe(c.status ?? 200);
      // Split at every byte boundary, and byte by byte: the same result.
      for (let i = 1; i < bytes.length; i++) expect(parse(bytes, [i], c.close ?? true)).toEqual(whole);
      expect(parse(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1), c.close ?? true)).toEqual(whole);
    });
  }

  it('field names are lower case; repeated fields are joined', () => {
    const { head } = parse(enc('HTTP/1.1 200 OK\r\nX-Rep: a\r\nx-rep: b\r\nContent-Length: 0\r\n\r\n'), [], false);
    expect(head?.headers.get('x-rep')).toBe('a, b');
    expect(head?.version).toBe('1.1');
  });

  it('a framed body is done at its last byte, before any close', () => {
    expect(parse(enc('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), [], false).done).toBe(true);
    expect(parse(enc('HTTP/1.1 200 OK\r\n\r\nunframed'), [], false).done).toBe(false);
  });
});

const HOSTILE: Record<string, { raw: string; says: RegExp; close?: boolean }> = {
  'HTTP/2 status line': { raw: 'HTTP/2 200 OK\r\n\r\n', says: /malformed status line/ },
  'two-digit status': { raw: 'HTTP/1.1 20 OK\r\n\r\n', says: /malformed status line/ },
  'not HTTP at all (ICY)': { raw: 'ICY 200 OK\r\n\r\n', says: /malformed status line/ },
  'bare LF line endings': { raw: 'HTTP/1.1 200 OK\nContent-Length: 1\n\nx\r\n\r\n', says: /bare CR or LF/ },
  'bare CR inside a field': { raw: 'HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n', says: /bare CR or LF/ },
  'NUL in the head': { raw: 'HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n', says: /NUL/ },
  'obs-fold': { raw: 'HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n', says: /obs-fold/ },
  'whitespace before the colon': { raw: 'HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx', says: /malformed header field/ },
  'field without a colon': { raw: 'HTTP/1.1 200 OK\r\nnonsense\r\n\r\n', says: /malformed header field/ },
  'Transfer-Encoding and Content-Length together (smuggling shape)': { raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n', says: /both Transfer-Encoding and Content-Length/ },
  'Transfer-Encoding gzip, chunked': { raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', says: /not supported/ },
  'Transfer-Encoding in HTTP/1.0': { raw: 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', says: /HTTP\/1\.0 response with Transfer-Encoding/ },
  'Content-Length not a number': { raw: 'HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n', says: /malformed Content-Length/ },
  'Content-Length negative': { raw: 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', says: /malformed Content-Length/ },
  'Content-Length repeated with two values': { raw: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', says: /malformed Content-Length/ },
  'Content-Length of 16 digits': { raw: 'HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000\r\n\r\n', says: /malformed Content-Length/ },
  'head over 64 KiB': { raw: `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`, says: /head is over 65536 bytes/ },
  'endless head without an end': { raw: `HTTP/1.1 200 OK\r\n${'X-A: b\r\n'.repeat(9000)}`, says: /head is over 65536 bytes/ },
  'more than 128 fields': { raw: `HTTP/1.1 200 OK\r\n${'X-A: b\r\n'.repeat(129)}\r\n`, says: /more than 128/ },
  '101 Switching Protocols': { raw: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n', says: /switched protocols/ },
  'nine interim responses': { raw: 'HTTP/1.1 100 Continue\r\n\r\n'.repeat(9), says: /more than 8 interim/ },
  'chunk size not hex': { raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', says: /malformed chunk size line/ },
  'chunk size of 16 hex digits': { raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n', says: /malformed chunk size line/ },
  'chunk size line with a bare LF': { raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n', says: /does not end in CRLF/ },
  'chunk data longer than its size': { raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n', says: /chunk data does not end in CRLF/ },
  'chunk size line over 1 KiB': { raw: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;${'x'.repeat(2000)}`, says: /chunk size line is over 1024/ },
  'trailers over 16 KiB': { raw: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${`X-T: ${'a'.repeat(1000)}\r\n`.repeat(20)}\r\n`, says: /trailer section is over/ },
  'bytes after a Content-Length body': { raw: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n', says: /after the end of the response/ },
  'bytes after the last chunk': { raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nextra', says: /after the end of the response/ },
  'Content-Length body cut short by the close': { raw: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort', says: /closed 5 byte\(s\) before the end of the body/ },
  'chunked body cut short by the close': { raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', says: /closed inside the chunked body/ },
  'close inside the head': { raw: 'HTTP/1.1 200 OK\r\nContent-Le', says: /closed inside the response head/ },
  'close before anything': { raw: '', says: /closed before a response/ },
};

describe('http1 response parser: hostile responses are refused, saying what is wrong', () => {
  for (const [name, c] of Object.entries(HOSTILE)) {
    it(name, () => {
      expect(refusal(enc(c.raw), c.close ?? true)).toMatch(c.says);
    });
  }
});

// ---- over real sockets, through the fetcher ------------------------------------------------------

/** A raw TCP server on 127.0.0.1 that answers each request with the bytes a route gives (bounded). */
let raw: { port: number; routes: Map<string, (s: Socket) => void>; close(): Promise<void> };
beforeAll(async () => {
  const routes = new Map<string, (s: Socket) => void>();
  const sockets = new Set<Socket>();
  let requests = 0;
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let head = '';
    s.on('data', (d) => {
      if (head.includes('\r\n\r\n')) return;
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      if (++requests > 200) return s.destroy();
      const route = routes.get(/^GET (\S+) HTTP\/1\.1\r\n/.exec(head)?.[1] ?? '');
      if (route) route(s);
      else s.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  raw = {
    port: (server.address() as AddressInfo).port,
    routes,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
});
afterAll(async () => {
  await raw.close();
});

const fetcher = () => createHttpsFetcher({ connectTimeoutMs: 1000, readTimeoutMs: 1000, maxRedirects: 1, allowPrivateAddresses: false, allowLoopbackHttp: true });
const url = (p: string) => `https://127.0.0.1:${raw.port}${p}`;
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { code: (e as { code?: string }).code ?? 'none', message: (e as Error).message };
  }
  return { code: 'resolved', message: '' };
}

describe('http1 exchange: body reads kept in place (no view per read) give the body exactly, in order', () => {
  /** Deliver `bytes` through the exchange's `onread` in reads of `readSize` (as a socket does), taking pieces every `takeEvery` reads. */
  async function deliver(bytes: Uint8Array, readSize: number, takeEvery: number): Promise<{ pieces: Uint8Array[]; copies: Uint8Array[]; error?: string }> {
    const ex = new Http1Exchange();
    const onread = ex.onread as unknown as { buffer: () => Uint8Array; callback: (n: number, buf: Uint8Array) => boolean };
    const pieces: Uint8Array[] = [];
    const copies: Uint8Array[] = []; // each piece copied when taken: what the consumer saw then
    // One read outstanding at a time (a read that did not resolve yet still gets the next piece).
    let pending: Promise<Uint8Array | undefined> | undefined;
    const takeAll = async (): Promise<void> => {
      for (;;) {
        pending ??= ex.read();
        const next = await Promise.race([pending, new Promise<'none'>((r) => setImmediate(() => r('none')))]);
        if (next === 'none') return;
        pending = undefined;
        if (next === undefined) return;
        pieces.push(next);
        copies.push(Uint8Array.from(next));
      }
    };
    try {
      for (let off = 0, i = 0; off < bytes.length; i++) {
        const buf = onread.buffer();
        const n = Math.min(readSize, buf.length, bytes.length - off);
        buf.set(bytes.subarray(off, off + n));
        off += n;
        if (!onread.callback(n, buf)) break;
        if (i % takeEvery === 0) await takeAll();
      }
      await takeAll();
      expect(await (pending ?? ex.read())).toBeUndefined();
    } catch (e) {
      return { pieces, copies, error: (e as Error).message };
    }
    return { pieces, copies };
  }
  const body = new Uint8Array(3 * 1024 * 1024 + 12_345).map((_, i) => (i * 7 + (i >> 11)) & 0xff);
  const response = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1'), body]);

  for (const [readSize, takeEvery] of [[16_384, 1], [16_384, 7], [65_536, 3], [1_000_000, 1], [777, 50]] as const) {
    it(`reads of ${readSize} bytes, pieces taken every ${takeEvery} read(s): the body whole, pieces unchanged after later reads`, async () => {
      const r = await deliver(response, readSize, takeEvery);
      expect(r.error).toBeUndefined();
      expect(Buffer.concat(r.pieces).equals(Buffer.from(body))).toBe(true);
      // No piece was written into after it was handed out (none released: every read went to fresh memory).
      r.pieces.forEach((p, i) => expect(Buffer.from(p).equals(Buffer.from(r.copies[i]!)), `piece ${i}`).toBe(true));
    });
  }

  it('attack: bytes after the declared body in the same read as its last bytes are refused; the honest response ends cleanly', async () => {
    const r = await deliver(Buffer.concat([response, Buffer.from('EXTRA', 'latin1')]), 16_384, 1);
    expect(r.error).toMatch(/after the end of the response/);
    const honest = await deliver(response, 16_384, 1);
    expect(honest.error).toBeUndefined();
  });
});

describe('http1 over real sockets, through the fetcher', () => {
  for (const [name, c] of Object.entries(HONEST)) {
    if ((c.status ?? 200) !== 200) continue;
    it(`honest: ${name} — the digest of the body`, async () => {
      raw.routes.set('/honest', (s) => s.end(c.raw, 'latin1'));
      const r = await fetchAndHash(fetcher(), url('/honest'), { maxBytes: 1 << 20, purpose: 'artifact' });
      expect(r).toEqual({ bytes: c.body.length, sha256Hex: sha(c.body) });
    });
  }

  for (const [name, c] of Object.entries(HOSTILE)) {
    if (c.raw === '') continue;
    it(`hostile: ${name} — FETCH_FAILED`, async () => {
      raw.routes.set('/hostile', (s) => s.end(c.raw, 'latin1'));
      const f = await failure(fetchAndHash(fetcher(), url('/hostile'), { maxBytes: 1 << 20, purpose: 'artifact' }));
      expect(f.code).toBe('FETCH_FAILED');
      expect(f.message).toMatch(c.says);
    });
  }

  it('hostile: a response split into one-byte writes is parsed the same (honest), and a head trickled past 64 KiB is refused', async () => {
    const honest = HONEST['chunked with an extension and a trailer']!;
    raw.routes.set('/bytewise', (s) => {
      const b = Buffer.from(honest.raw, 'latin1');
      let i = 0;
      const next = (): void => {
        if (i >= b.length) return void s.end();
        s.write(b.subarray(i, ++i), next);
      };
      next();
    });
    const r = await fetchAndHash(fetcher(), url('/bytewise'), { maxBytes: 1 << 20, purpose: 'artifact' });
    expect(r.sha256Hex).toBe(sha(honest.body));
    raw.routes.set('/long-head', (s) => {
      s.write('HTTP/1.1 200 OK\r\n');
      for (let i = 0; i < 100; i++) s.write(`X-Pad-${i}: ${'p'.repeat(1000)}\r\n`);
    });
    const f = await failure(fetchAndHash(fetcher(), url('/long-head'), { maxBytes: 1 << 20, purpose: 'artifact' }));
    expect(f).toMatchObject({ code: 'FETCH_FAILED' });
    expect(f.message).toMatch(/head is over 65536 bytes/);
  });

  it('back pressure: a 24 MiB body to a consumer that waits on every chunk arrives whole (reading pauses and resumes)', async () => {
    const body = Buffer.alloc(24 << 20);
    for (let i = 0; i < body.length; i += 4096) body.writeUInt32BE(i, i);
    raw.routes.set('/big', (s) => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
      s.end(body);
    });
    let chunks = 0;
    const r = await fetchAndHash(fetcher(), url('/big'), { maxBytes: 32 << 20, purpose: 'artifact' }, async () => {
      chunks++;
      if (chunks % 4 === 0) await new Promise((res) => setTimeout(res, 5));
    });
    expect(r).toEqual({ bytes: body.length, sha256Hex: sha(body) });
  });

  describe('released pieces (FetchedBody.release): slabs are read into again only when every piece of them came back', () => {
    const MIB = 1 << 20;
    const body = Buffer.alloc(24 * MIB);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32BE((i * 2654435761) >>> 0, i);
    const serve = (): void =>
      void raw.routes.set('/slabs', (s) => {
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
        s.end(body);
      });
    /** Read the body; `keep(i)` says which pieces are held (never released); the others are released after hashing. */
    async function read(keep: (i: number) => boolean, release = true) {
      serve();
      const res = await fetcher().fetch(url('/slabs'), { maxBytes: 32 * MIB, purpose: 'artifact' });
      const hash = createHash('sha256');
      const memories = new Set<ArrayBufferLike>();
      const held: { chunk: Uint8Array; at: number }[] = [];
      let at = 0;
      let i = 0;
      for await (const c of res.body) {
        hash.update(c);
        memories.add(c.buffer);
        if (keep(i)) held.push({ chunk: c, at });
        else if (release) res.release!(c);
        at += c.length;
        // Let reads arrive one by one now and then (pieces of one slab handed out apart).
        if (++i % 3 === 0) await new Promise((r) => setImmediate(r));
      }
      return { sha256Hex: hash.digest('hex'), bytes: at, memories: memories.size, held, pieces: i };
    }

    it('honest: every piece released → the body arrives whole and the reads reuse a few slabs (not one per MiB)', async () => {
      const r = await read(() => false);
      expect(r).toMatchObject({ sha256Hex: sha(body), bytes: body.length });
      expect(r.memories).toBeLessThan(20); // 24 without reuse (the read-ahead alone may hold 9)
    });

    it('attack on the reuse: pieces held (never released) keep their bytes while the rest of the body is read into reused slabs', async () => {
      const r = await read((i) => i % 5 === 0);
      expect(r.sha256Hex).toBe(sha(body));
      expect(r.held.length).toBeGreaterThan(2);
      for (const h of r.held) expect(Buffer.from(h.chunk).equals(body.subarray(h.at, h.at + h.chunk.length))).toBe(true);
      expect(r.memories).toBeLessThan(r.pieces);
    });

    it('a consumer that never releases gets a fresh slab for every MiB, and every piece keeps its bytes', async () => {
      serve();
      const res = await fetcher().fetch(url('/slabs'), { maxBytes: 32 * MIB, purpose: 'artifact' });
      const pieces: Uint8Array[] = [];
      for await (const c of res.body) pieces.push(c);
      expect(Buffer.concat(pieces).equals(body)).toBe(true);
      expect(new Set(pieces.map((p) => p.buffer)).size).toBeGreaterThanOrEqual(24);
    });

    it('attack: a piece released twice, or a view of one released — the pieces still held keep their bytes', async () => {
      serve();
      const res = await fetcher().fetch(url('/slabs'), { maxBytes: 32 * MIB, purpose: 'artifact' });
      const held: { chunk: Uint8Array; at: number }[] = [];
      let at = 0;
      let i = 0;
      for await (const c of res.body) {
        // Every other piece: released twice, or as a view; the piece after it is held.
        if (i % 2 === 0) {
          res.release!(c);
          if (i % 4 === 0) res.release!(c);
          else res.release!(c.subarray(0, c.length));
        } else held.push({ chunk: c, at });
        at += c.length;
        if (++i % 3 === 0) await new Promise((r) => setImmediate(r));
      }
      for (const h of held) expect(Buffer.from(h.chunk).equals(body.subarray(h.at, h.at + h.chunk.length))).toBe(true);
    });
  });

  it("agrees with Node's own HTTP client on what a Node server sends (Content-Length and chunked)", async () => {
    const payload = Buffer.from('x'.repeat(100_000) + 'end');
    const server = http.createServer((req, res) => {
      if (req.url === '/chunked') {
        res.writeHead(200);
        res.write(payload.subarray(0, 50_000));
        res.end(payload.subarray(50_000));
      } else res.writeHead(200, { 'content-length': String(payload.length) }).end(payload);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      for (const p of ['/cl', '/chunked']) {
        const ours = await fetchAndHash(fetcher(), `https://127.0.0.1:${port}${p}`, { maxBytes: 1 << 20, purpose: 'artifact' });
        const theirs = await new Promise<string>((resolve, reject) => {
          http.get(`http://127.0.0.1:${port}${p}`, (res) => {
            const h = createHash('sha256');
            res.on('data', (d: Buffer) => h.update(d));
            res.on('end', () => resolve(h.digest('hex')));
            res.on('error', reject);
          });
        });
        expect(ours.sha256Hex).toBe(theirs);
      }
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('the fetch signal (the installer stops step 5 when step 4 fails)', () => {
  it('stopping mid-body: the body fails FETCH_FAILED "stopped" and the server sees the connection close; the honest variant reads it all', async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((r) => (closed = r));
    raw.routes.set('/slow', (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n');
      s.write(Buffer.alloc(1000));
      s.on('close', () => closed());
    });
    const controller = new AbortController();
    const res = await fetcher().fetch(url('/slow'), { maxBytes: 1 << 20, purpose: 'artifact', signal: controller.signal });
    const it = res.body[Symbol.asyncIterator]();
    expect((await it.next()).value?.length).toBe(1000);
    controller.abort();
    const f = await failure(it.next());
    expect(f.code).toBe('FETCH_FAILED');
    expect(f.message).toMatch(/the fetch was stopped/);
    await serverSawClose;
    // Honest variant: the same fetch without a stop reads the whole body.
    raw.routes.set('/whole', (s) => s.end(`HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc`));
    const whole = await fetchAndHash(fetcher(), url('/whole'), { maxBytes: 1 << 20, purpose: 'artifact', signal: new AbortController().signal });
    expect(whole).toEqual({ bytes: 3, sha256Hex: sha('abc') });
  });

  it('stopped before the response: the fetch rejects at once (FETCH_FAILED), also when stopped before it began', async () => {
    raw.routes.set('/never', () => {});
    const controller = new AbortController();
    const p = fetcher().fetch(url('/never'), { maxBytes: 1 << 20, purpose: 'artifact', signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(await failure(p)).toMatchObject({ code: 'FETCH_FAILED' });
    const pre = new AbortController();
    pre.abort();
    expect(await failure(fetcher().fetch(url('/whole'), { maxBytes: 1 << 20, purpose: 'artifact', signal: pre.signal }))).toMatchObject({ code: 'FETCH_FAILED' });
  });
});

describe('the request', () => {
  it('attack: a user agent with a line break (header injection) is refused before a byte is sent; the honest one is sent', async () => {
    const seen: string[] = [];
    raw.routes.set('/ua', (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    const server = net.createServer((s) => {
      s.on('data', (d) => seen.push(d.toString('latin1')));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const evil = createHttpsFetcher({ connectTimeoutMs: 1000, readTimeoutMs: 300, maxRedirects: 0, allowPrivateAddresses: false, allowLoopbackHttp: true, userAgent: 'x\r\nX-Injected: 1' });
      const f = await failure(evil.fetch(`https://127.0.0.1:${port}/ua`, { maxBytes: 100, purpose: 'artifact' }));
      expect(f.code).toBe('FETCH_FAILED');
      expect(f.message).toMatch(/not a valid HTTP field/);
      await new Promise((r) => setTimeout(r, 20));
      expect(seen.join('')).toBe('');
      // Honest variant: a plain user agent is sent as it is.
      const honest = createHttpsFetcher({ connectTimeoutMs: 1000, readTimeoutMs: 1000, maxRedirects: 0, allowPrivateAddresses: false, allowLoopbackHttp: true, userAgent: 'lattice-index/test' });
      expect(await fetchAndHash(honest, url('/ua'), { maxBytes: 100, purpose: 'artifact' })).toEqual({ bytes: 2, sha256Hex: sha('ok') });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
