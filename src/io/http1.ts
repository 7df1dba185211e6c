/**
 * HTTP/1.1 for the fetcher (`./fetch.ts`): one `GET` per connection
 * (`Connection: close`), the response read straight into large slabs.
 *
 * Why not `node:http`: measured on loopback, Node's HTTP client spends more
 * CPU than the whole rest of a 64 MiB install — its parser copies every body
 * chunk into a fresh 64 KiB buffer and each one travels through a Readable
 * stream. Here the socket reads (`onread`) into 1 MiB slabs, the body is a
 * view of them (no copy), reads that arrive while the consumer is busy are
 * handed over as one larger chunk, and a slab is read into again only once
 * the consumer has released every piece of it (`release`; a consumer that
 * never releases gets fresh slabs).
 *
 * The response parser is strict and fails closed (RFC 9112), with its own
 * messages (the fetcher reports them as `FETCH_FAILED`):
 *
 * | rule | |
 * |---|---|
 * | status line `HTTP/1.1` or `HTTP/1.0`, a three-digit status | else refused |
 * | head (status line and fields) at most 64 KiB and 128 fields; every line ends in CRLF; no bare CR or LF, no NUL, no obs-fold | else refused |
 * | field names are tokens; no whitespace before the colon | else refused |
 * | `Transfer-Encoding` only `chunked`, only in HTTP/1.1, never together with `Content-Length` | else refused |
 * | `Content-Length` decimal digits (at most 15); repeated only with the same value | else refused |
 * | interim `1xx` responses are skipped (at most 8); `101` is refused (no upgrade was asked for) | |
 * | chunk size lines hex (at most 15 digits), at most 1 KiB with extensions; chunk data ends in CRLF; trailers at most 16 KiB | else refused |
 * | a body delimited by Content-Length or chunked framing ends exactly there: bytes after it are refused; an early close is a truncated body | |
 * | without framing the body runs to the close of the connection (then only the digest or signature over it can tell it is whole — which the install pipeline always checks) | |
 *
 * @module
 */
import type { Socket } from 'node:net';

/** A malformed or truncated response (the fetcher maps it to `FETCH_FAILED`). */
export class Http1Error extends Error {
  override readonly name = 'Http1Error';
}

/** A parsed response head. Field names are lower case; repeated fields are joined with `, `. */
export interface ResponseHead {
  readonly status: number;
  readonly version: '1.0' | '1.1';
  readonly headers: ReadonlyMap<string, string>;
}

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_FIELDS = 128;
const MAX_INTERIM = 8;
const MAX_CHUNK_LINE = 1024;
const MAX_TRAILER_BYTES = 16 * 1024;
const CR = 0x0d;
const LF = 0x0a;

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: [\t\x20-\x7e\x80-\xff]*)?$/;
const FIELD_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[\t ]*([\t\x20-\x7e\x80-\xff]*?)[\t ]*$/;
const CHUNK_LINE = /^([0-9A-Fa-f]{1,15})(?:[\t ]*;[\t\x20-\x7e\x80-\xff]*)?$/;

type Mode = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailer' | 'close' | 'done';

/** Latin-1 text of bytes (a head is at most 64 KiB). */
function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

/** Index of CRLFCRLF in `b` at or after `from`, or -1. */
function headEnd(b: Uint8Array, from: number): number {
  for (let i = Math.max(0, from); i + 3 < b.length; i++) {
    if (b[i] === CR && b[i + 1] === LF && b[i + 2] === CR && b[i + 3] === LF) return i;
  }
  return -1;
}

/** Parse a head's text (without the final empty line). */
function parseHead(text: string): ResponseHead {
  if (/[\0]/.test(text)) throw new Http1Error('the response head contains a NUL byte');
  const lines = text.split('\r\n');
  for (const l of lines) if (l.includes('\r') || l.includes('\n')) throw new Http1Error('the response head has a bare CR or LF (lines must end in CRLF)');
  const m = STATUS_LINE.exec(lines[0]!);
  if (!m) throw new Http1Error(`malformed status line ${JSON.stringify(lines[0]!.slice(0, 80))} (expected "HTTP/1.1 <3-digit status> <reason>")`);
  if (lines.length - 1 > MAX_FIELDS) throw new Http1Error(`the response head has ${lines.length - 1} fields, more than ${MAX_FIELDS}`);
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith(' ') || line.startsWith('\t')) throw new Http1Error('the response head folds a field over lines (obs-fold is refused)');
    const f = FIELD_LINE.exec(line);
    if (!f) throw new Http1Error(`malformed header field ${JSON.stringify(line.slice(0, 80))}`);
    const name = f[1]!.toLowerCase();
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? f[2]! : `${prev}, ${f[2]!}`);
  }
  return { status: Number(m[2]), version: m[1] === '1' ? '1.1' : '1.0', headers };
}

/**
 * The response parser: feed it the bytes as they arrive, take the body as
 * views of what was fed.
 */
export class ResponseParser {
  /** The final response's head, once parsed. */
  head: ResponseHead | undefined;
  private mode: Mode = 'head';
  /** Bytes of an unfinished head, chunk-size line or trailer line (grown by doubling: a peer sending one byte per read costs linear time, not quadratic). */
  private readonly pending = new Accumulator();
  private remaining = 0;
  private interim = 0;
  private crlfSeen = 0;
  private trailerBytes = 0;

  /** The body has ended as its framing says (or, unframed, at the close). */
  get done(): boolean {
    return this.mode === 'done';
  }

  /**
   * Feed received bytes.
   * @param data - the bytes (views of it are pushed to `out`; it must not change afterwards).
   * @param out - receives the body's pieces, in order.
   * @throws {@link Http1Error} for a malformed response.
   */
  feed(data: Uint8Array, out: Uint8Array[]): void {
    let d = data;
    while (d.length > 0) {
      switch (this.mode) {
        case 'head':
          d = this.feedHead(d);
          break;
        case 'length':
          d = this.takeBody(d, out);
          if (this.remaining === 0) this.mode = 'done';
          break;
        case 'close':
          out.push(d);
          d = d.subarray(d.length);
          break;
        case 'chunk-size':
          d = this.feedLine(d, MAX_CHUNK_LINE, 'chunk size line', (line) => {
            const m = CHUNK_LINE.exec(line);
            if (!m) throw new Http1Error(`malformed chunk size line ${JSON.stringify(line.slice(0, 40))}`);
            this.remaining = parseInt(m[1]!, 16);
            this.mode = this.remaining === 0 ? 'trailer' : 'chunk-data';
          });
          break;
        case 'chunk-data':
          d = this.takeBody(d, out);
          if (this.remaining === 0) {
            this.mode = 'chunk-end';
            this.crlfSeen = 0;
          }
          break;
        case 'chunk-end': {
          const want = this.crlfSeen === 0 ? CR : LF;
          if (d[0] !== want) throw new Http1Error('chunk data does not end in CRLF');
          d = d.subarray(1);
          if (++this.crlfSeen === 2) this.mode = 'chunk-size';
          break;
        }
        case 'trailer':
          d = this.feedLine(d, MAX_TRAILER_BYTES, 'trailer', (line) => {
            this.trailerBytes += line.length + 2;
            if (this.trailerBytes > MAX_TRAILER_BYTES) throw new Http1Error(`the trailer section is over ${MAX_TRAILER_BYTES} bytes`);
            if (line === '') this.mode = 'done';
            else if (!FIELD_LINE.test(line)) throw new Http1Error(`malformed trailer field ${JSON.stringify(line.slice(0, 80))}`);
          });
          break;
        case 'done':
          throw new Http1Error(`the server sent ${d.length} byte(s) after the end of the response`);
      }
    }
  }

  /**
   * Count `n` bytes the caller received as body bytes of a Content-Length
   * body — only when they all belong to it (the common read, which then
   * needs no views at all). Anything else (`false`: a head, chunked framing,
   * bytes past the end) goes through {@link feed}, whose rules are the same.
   */
  takeLengthBody(n: number): boolean {
    if (this.mode !== 'length' || n > this.remaining) return false;
    this.remaining -= n;
    if (this.remaining === 0) this.mode = 'done';
    return true;
  }

  /**
   * The connection was closed by the peer.
   * @throws {@link Http1Error} when the response is incomplete.
   */
  finish(): void {
    if (this.mode === 'close') {
      this.mode = 'done';
      return;
    }
    if (this.mode === 'done') return;
    if (this.mode === 'head') throw new Http1Error(this.head === undefined && this.pending.length === 0 && this.interim === 0 ? 'the connection closed before a response' : 'the connection closed inside the response head');
    throw new Http1Error(this.mode === 'length' ? `the connection closed ${this.remaining} byte(s) before the end of the body` : 'the connection closed inside the chunked body');
  }

  /** Up to `remaining` body bytes of `d` go to `out`; returns what follows them. */
  private takeBody(d: Uint8Array, out: Uint8Array[]): Uint8Array {
    const take = Math.min(this.remaining, d.length);
    out.push(d.subarray(0, take));
    this.remaining -= take;
    return d.subarray(take);
  }

  /** Accumulate a head; returns what follows it. */
  private feedHead(d: Uint8Array): Uint8Array {
    const have = this.pending.length;
    // Where the head's CRLFCRLF ends, as an offset into `d` (it may start in the bytes already held).
    let endInD = -1;
    const at = (i: number): number | undefined => (i < have ? this.pending.byteAt(i) : d[i - have]);
    for (let i = Math.max(0, have - 3); i < have && endInD < 0; i++) {
      if (at(i) === CR && at(i + 1) === LF && at(i + 2) === CR && at(i + 3) === LF) endInD = i + 4 - have;
    }
    if (endInD < 0) {
      const i = headEnd(d, 0);
      if (i >= 0) endInD = i + 4;
    }
    if (endInD < 0) {
      if (have + d.length > MAX_HEAD_BYTES) throw new Http1Error(`the response head is over ${MAX_HEAD_BYTES} bytes`);
      this.pending.append(d);
      return d.subarray(d.length);
    }
    if (have + endInD - 4 > MAX_HEAD_BYTES) throw new Http1Error(`the response head is over ${MAX_HEAD_BYTES} bytes`);
    const headBytes = have === 0 ? d.subarray(0, endInD) : this.pending.append(d.subarray(0, endInD)).view();
    const head = parseHead(latin1(headBytes.subarray(0, headBytes.length - 4)));
    this.pending.reset();
    const rest = d.subarray(endInD);
    if (head.status < 200) {
      if (head.status === 101) throw new Http1Error('the server switched protocols (101), which was not asked for');
      if (++this.interim > MAX_INTERIM) throw new Http1Error(`more than ${MAX_INTERIM} interim (1xx) responses`);
      return rest;
    }
    this.head = head;
    this.mode = bodyMode(head, (n) => (this.remaining = n));
    return rest;
  }

  /** Accumulate one CRLF-terminated line (at most `max` bytes), then hand it to `take`; returns what follows. */
  private feedLine(d: Uint8Array, max: number, what: string, take: (line: string) => void): Uint8Array {
    const lf = d.indexOf(LF);
    if (lf < 0) {
      if (this.pending.length + d.length > max) throw new Http1Error(`a ${what} is over ${max} bytes`);
      this.pending.append(d);
      return d.subarray(d.length);
    }
    if (this.pending.length + lf + 1 > max + 2) throw new Http1Error(`a ${what} is over ${max} bytes`);
    const lineBytes = this.pending.length === 0 ? d.subarray(0, lf + 1) : this.pending.append(d.subarray(0, lf + 1)).view();
    if (lineBytes.length < 2 || lineBytes[lineBytes.length - 2] !== CR) throw new Http1Error(`a ${what} does not end in CRLF`);
    const line = latin1(lineBytes.subarray(0, lineBytes.length - 2));
    this.pending.reset();
    if (/[\0\r\n]/.test(line)) throw new Http1Error(`a ${what} contains a NUL, CR or LF`);
    take(line);
    return d.subarray(lf + 1);
  }
}

/** A byte buffer that grows by doubling. */
class Accumulator {
  private buf = new Uint8Array(256);
  length = 0;

  append(d: Uint8Array): this {
    if (this.length + d.length > this.buf.length) {
      let size = this.buf.length;
      while (size < this.length + d.length) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    this.buf.set(d, this.length);
    this.length += d.length;
    return this;
  }

  byteAt(i: number): number | undefined {
    return i < this.length ? this.buf[i] : undefined;
  }

  /** The bytes held (a view, valid until the next append or reset). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
    if (this.buf.length > 4096) this.buf = new Uint8Array(256);
  }
}

/** How the body of a final response is delimited (RFC 9112 §6.3). */
function bodyMode(head: ResponseHead, setLength: (n: number) => void): Mode {
  if (head.status === 204 || head.status === 304) return 'done';
  const te = head.headers.get('transfer-encoding');
  const cl = head.headers.get('content-length');
  if (te !== undefined) {
    if (cl !== undefined) throw new Http1Error('the response has both Transfer-Encoding and Content-Length (refused: ambiguous framing)');
    if (head.version !== '1.1') throw new Http1Error('an HTTP/1.0 response with Transfer-Encoding (refused)');
    if (te.trim().toLowerCase() !== 'chunked') throw new Http1Error(`Transfer-Encoding ${JSON.stringify(te.slice(0, 80))} is not supported (expected chunked)`);
    return 'chunk-size';
  }
  if (cl !== undefined) {
    const values = cl.split(',').map((v) => v.trim());
    if (!values.every((v) => /^[0-9]{1,15}$/.test(v)) || new Set(values.map(Number)).size !== 1) {
      throw new Http1Error(`malformed Content-Length ${JSON.stringify(cl.slice(0, 80))}`);
    }
    const n = Number(values[0]);
    setLength(n);
    return n === 0 ? 'done' : 'length';
  }
  return 'close';
}

// ---- the connection ----------------------------------------------------------------------

/** Slab size for reads, and the least room a read gets before the next slab is taken. */
const SLAB_BYTES = 1024 * 1024;
const MIN_READ_ROOM = 64 * 1024;
/** Back pressure: reading pauses above this many queued body bytes and resumes below half of it. */
const MAX_QUEUED_BYTES = 2 * 1024 * 1024;
/** Released slabs one exchange keeps for its next reads; more are left to the garbage collector. */
const MAX_FREE_SLABS = 16;

/**
 * What became of one slab's body bytes: `placed` were handed out (as views),
 * `released` came back through {@link Http1Exchange.release}. A slab is read
 * into again only once it is `retired` (reads moved on to the next slab) and
 * every byte placed in it was released.
 */
interface SlabUse {
  readonly slab: Buffer;
  placed: number;
  released: number;
  retired: boolean;
  /** A release that was not of a piece handed out (a consumer's bug): never reused. */
  spoiled: boolean;
}

/** The `onread` option for `net.connect` / `tls.connect`. */
export interface OnRead {
  buffer: () => Uint8Array;
  callback: (bytes: number, buf: Uint8Array) => boolean;
}

/**
 * One `GET` exchange on one connection. Create it first, pass
 * {@link Http1Exchange.onread} to `net.connect`/`tls.connect`, hand it the
 * socket ({@link attach}), and {@link send} the request once the peer is
 * judged. Then await {@link response} and pull the body with {@link read}.
 */
export class Http1Exchange {
  private readonly parser = new ResponseParser();
  private socket: Socket | undefined;
  private slabUse: SlabUse = Http1Exchange.use(Buffer.allocUnsafeSlow(SLAB_BYTES));
  private used = 0;
  /** The use of each slab that may still hold handed-out bytes, by its memory. */
  private readonly uses = new Map<ArrayBufferLike, SlabUse>();
  private readonly free: Buffer[] = [];
  /** The pieces handed out and not yet released. */
  private readonly handedOut = new WeakSet<Uint8Array>();
  private readonly queue: Uint8Array[] = [];
  /**
   * The open piece: body bytes read into `openUse`'s slab at [openStart,
   * openEnd), queued after `queue` but not yet made a view (reads that
   * follow each other extend it; it becomes a view when it is taken or
   * something else is queued).
   */
  private openUse: SlabUse | undefined;
  private openStart = 0;
  private openEnd = 0;
  /** Body bytes queued (`queue` and the open piece). */
  private queued = 0;
  private paused = false;
  private wakeScheduled = false;
  private ended = false;
  private failure: Error | undefined;
  private headWaiter: { resolve: (h: ResponseHead) => void; reject: (e: Error) => void } | undefined;
  private bodyWaiter: { resolve: (c: Uint8Array | undefined) => void; reject: (e: Error) => void } | undefined;
  private readonly out: Uint8Array[] = [];

  /** Pass as the socket's `onread` option. */
  readonly onread: OnRead = {
    buffer: () => {
      if (SLAB_BYTES - this.used < MIN_READ_ROOM) this.nextSlab();
      const slab = this.slabUse.slab;
      return new Uint8Array(slab.buffer, slab.byteOffset + this.used, SLAB_BYTES - this.used);
    },
    callback: (bytes, buf) => {
      const at = this.used;
      this.used += bytes;
      if (this.failure !== undefined) return false;
      const slab = this.slabUse.slab;
      if (bytes > 0 && buf.buffer === slab.buffer && buf.byteOffset === slab.byteOffset + at && this.parser.takeLengthBody(bytes)) {
        // Body bytes in place (most reads): counted, and joined to the open piece without a view.
        this.enqueueRead(at, bytes);
      } else {
        try {
          this.parser.feed(buf.subarray(0, bytes), this.out);
        } catch (e) {
          this.fail(e as Error);
          return false;
        }
        for (const piece of this.out) this.enqueue(piece);
        this.out.length = 0;
      }
      if (this.parser.head !== undefined && this.headWaiter !== undefined) {
        const w = this.headWaiter;
        this.headWaiter = undefined;
        w.resolve(this.parser.head);
      }
      if (this.parser.done) {
        this.ended = true;
        this.socket?.destroy(); // everything is here; Connection: close
        this.wake();
        return false;
      }
      this.wakeSoon();
      if (this.queued > MAX_QUEUED_BYTES) {
        this.paused = true;
        return false;
      }
      return true;
    },
  };

  /**
   * Watch the socket: end of stream, errors, close.
   * @param socket - the connection made with {@link onread}.
   */
  attach(socket: Socket): void {
    this.socket = socket;
    socket.on('end', () => {
      if (this.ended || this.failure) return;
      try {
        this.parser.finish();
        this.ended = true;
        this.headWaiter?.resolve(this.parser.head!);
        this.headWaiter = undefined;
        this.wake();
      } catch (e) {
        this.fail(e as Error);
      }
    });
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => {
      if (!this.ended) this.fail(new Http1Error(this.parser.head === undefined ? 'the connection closed before a response' : 'the connection closed before the end of the body'));
    });
  }

  /**
   * Send the request.
   * @param hostHeader - the Host field.
   * @param path - the request target (an absolute path, already percent-encoded).
   * @param fields - further fields (name → value), checked for CR, LF and NUL.
   */
  send(hostHeader: string, path: string, fields: Record<string, string>): void {
    const all: Record<string, string> = { host: hostHeader, ...fields, connection: 'close' };
    let text = `GET ${path} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(all)) {
      if (/[\0\r\n]/.test(k + v) || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(k)) throw new TypeError(`request field ${JSON.stringify(k)} is not a valid HTTP field`);
      text += `${k}: ${v}\r\n`;
    }
    if (!/^\/[\x21-\x7e]*$/.test(path)) throw new TypeError(`request target ${JSON.stringify(path)} is not an absolute path of visible ASCII`);
    this.socket!.write(`${text}\r\n`, 'latin1');
  }

  /** The final response's head (interim 1xx responses skipped). */
  response(): Promise<ResponseHead> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.parser.head !== undefined) return Promise.resolve(this.parser.head);
    return new Promise((resolve, reject) => {
      this.headWaiter = { resolve, reject };
    });
  }

  /** Whether the body ended as its framing says. */
  get complete(): boolean {
    return this.ended && this.failure === undefined;
  }

  /**
   * The next piece of the body (a view of a slab, never rewritten until it
   * is {@link release}d), or `undefined` at its end.
   */
  read(): Promise<Uint8Array | undefined> {
    if (this.hasQueued()) return Promise.resolve(this.take());
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.bodyWaiter = { resolve, reject };
    });
  }

  /**
   * The consumer no longer reads `chunk` (a piece {@link read} returned, as
   * returned, released once): its memory may be read into again. Optional —
   * a piece never released keeps its slab from reuse, nothing else — and
   * worth it: a fresh slab's pages cost a page fault each on first touch,
   * which on the virtual machine this was measured on (Firecracker, 2 cores)
   * made a 64 MiB loopback read take 160–300 ms of system time against
   * ~25 ms into warm slabs.
   */
  release(chunk: Uint8Array): void {
    const use = this.uses.get(chunk.buffer);
    if (use === undefined) return;
    // Only a piece as handed out counts, once; anything else (a second release, a sub-view) is a
    // consumer's bug that could free bytes still read: its slab is never reused.
    if (!this.handedOut.delete(chunk)) use.spoiled = true;
    else use.released += chunk.length;
    this.recycle(use);
  }

  /** End the exchange (with an error for whoever waits). */
  destroy(error?: Error): void {
    if (error !== undefined) this.fail(error);
    else if (!this.ended) this.fail(new Http1Error('the exchange was ended'));
    this.socket?.destroy();
  }

  private static use(slab: Buffer): SlabUse {
    return { slab, placed: 0, released: 0, retired: false, spoiled: false };
  }

  /** Retire the current slab and read on into a released one, or a fresh one. */
  private nextSlab(): void {
    const old = this.slabUse;
    old.retired = true;
    this.recycle(old);
    this.slabUse = Http1Exchange.use(this.free.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES));
    this.used = 0;
  }

  /** A retired slab whose placed bytes all came back goes to the free list (or is dropped). */
  private recycle(use: SlabUse): void {
    if (!use.retired || use.released !== use.placed || use.spoiled) return;
    this.uses.delete(use.slab.buffer);
    if (this.free.length < MAX_FREE_SLABS) this.free.push(use.slab);
  }

  /** Body bytes in the current slab at `at`, just read (see {@link openUse}): reads that follow each other join one piece. */
  private enqueueRead(at: number, n: number): void {
    const use = this.slabUse;
    if (use.placed === 0) this.uses.set(use.slab.buffer, use);
    use.placed += n;
    if (this.openUse === use && this.openEnd === at) {
      this.openEnd += n;
    } else {
      this.closeOpen();
      this.openUse = use;
      this.openStart = at;
      this.openEnd = at + n;
    }
    this.queued += n;
  }

  /** The open piece becomes a view at the end of `queue`. */
  private closeOpen(): void {
    const use = this.openUse;
    if (use === undefined) return;
    this.openUse = undefined;
    this.queue.push(new Uint8Array(use.slab.buffer, use.slab.byteOffset + this.openStart, this.openEnd - this.openStart));
  }

  private hasQueued(): boolean {
    return this.queue.length > 0 || this.openUse !== undefined;
  }

  /** A body piece the parser cut (a view of what was just read): joined like a read kept in place. */
  private enqueue(piece: Uint8Array): void {
    if (piece.length === 0) return;
    const slab = this.slabUse.slab;
    if (piece.buffer === slab.buffer) {
      this.enqueueRead(piece.byteOffset - slab.byteOffset, piece.length);
      return;
    }
    // Not in our slab (a socket that read elsewhere): queued as it is, never counted for reuse.
    this.closeOpen();
    this.queue.push(piece);
    this.queued += piece.length;
  }

  private take(): Uint8Array {
    if (this.queue.length === 0) this.closeOpen();
    const c = this.queue.shift()!;
    this.queued -= c.length;
    this.handedOut.add(c);
    if (this.paused && this.queued <= MAX_QUEUED_BYTES / 2 && this.failure === undefined && !this.ended) {
      this.paused = false;
      this.socket?.resume();
    }
    return c;
  }

  /**
   * Wake the waiting reader once this turn of the event loop is over: the
   * reads that arrive together (one TLS read decrypts into several 16 KiB
   * records, each its own callback) join into one piece, so the consumer
   * pays its work per piece (promises, calls, queue entries) once per turn
   * instead of once per record. Nothing waits for more data than has come.
   */
  private wakeSoon(): void {
    if (this.wakeScheduled || this.bodyWaiter === undefined) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.bodyWaiter;
    if (w === undefined) return;
    if (this.hasQueued()) {
      this.bodyWaiter = undefined;
      w.resolve(this.take());
    } else if (this.ended) {
      this.bodyWaiter = undefined;
      w.resolve(undefined);
    }
  }

  private fail(e: Error): void {
    if (this.failure !== undefined || this.ended) return;
    this.failure = e;
    this.socket?.destroy();
    this.headWaiter?.reject(e);
    this.headWaiter = undefined;
    this.bodyWaiter?.reject(e);
    this.bodyWaiter = undefined;
  }
}
