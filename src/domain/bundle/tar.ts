/**
 * A bounded, streaming tar reader with Go `archive/tar` semantics, and a
 * deterministic tar writer with Go `tar.Writer` output (interop §D.6).
 *
 * **Reader.** The Lattice server reads bundles with Go's `archive/tar`
 * (§D.6 step 4), so what counts as "an entry", its name, type and size must
 * be decided exactly as Go decides them — otherwise an attacker picks the
 * spelling the two readers disagree on. {@link TarReader.next} is a port of
 * Go's `Reader.next`/`readHeader` (Go 1.26, `archive/tar/reader.go`):
 *
 * - header checksum (unsigned or signed sum), magic → V7 / USTAR / GNU / STAR;
 *   any unparsable numeric field invalidates the header (Go's sticky
 *   `parser.err`), GNU atime/ctime excepted;
 * - USTAR/STAR `prefix` joined to the name; GNU's pre-Go-1.8 prefix fallback;
 * - PAX `x` records (`path`, `linkpath`, `size`, `uid`, `gid`, times, …)
 *   merged into the next header with Go's record grammar and validity rules;
 *   a later `x` replaces an earlier one;
 * - a PAX `g` (global) header is **returned as an entry** of type `'g'`, as
 *   Go returns it — the server then refuses it by type;
 * - GNU `L`/`K` long names, cut at the first NUL, override PAX names;
 * - type `'\0'` becomes `'5'` if the name ends in `/`, else `'0'`;
 * - header-only types (`1`–`6`) have no data, whatever their size field says;
 * - end of archive: two zero blocks; or a clean EOF at a header boundary, or
 *   during the padding after a data section (Go's `tryReadFull`); a zero
 *   block followed by a non-zero block is an error;
 * - special records (`x`, `g`, `L`, `K`) larger than 1 MiB are an error
 *   (Go's `maxSpecialFileSize`).
 *
 * Not ported: GNU sparse files. A PAX-sparse entry (records
 * `GNU.sparse.*`, which Go expands into a regular file) is refused with our
 * own error — fail closed; the official packer never writes one. An
 * old-style sparse header (type `'S'`) is returned as such, and the server
 * refuses that type anyway.
 *
 * Bounded: the reader pulls bytes on demand and never holds more than one
 * header block, one special record (≤ 1 MiB) and the current source chunk.
 * Total metadata (`x`/`g`/`L`/`K` blocks and content) is capped by
 * `maxMetadataBytes`, because Go's reader would loop over any number of them.
 *
 * **Writer.** {@link writeTar} emits what Go's `tar.Writer` emits for
 * `Header{Name, Mode, Size, Typeflag, ModTime: Unix(0,0)}` with zero
 * uid/gid and empty user/group names: USTAR (with the `prefix` split for long
 * ASCII names), PAX with a single `path` record only when USTAR cannot hold
 * the name, 512-byte padding, and two zero blocks at the end.
 *
 * @module
 */
import type { ByteString } from './entry-path.js';
import { byteStringToBytes, bytesToByteString, goPathClean } from './entry-path.js';

/** Size of a tar block. */
export const BLOCK_SIZE = 512;
/** Go's `maxSpecialFileSize`: largest PAX or GNU long-name record. */
export const MAX_SPECIAL_FILE_SIZE = 1 << 20;

/** Tar type flags (byte values). */
export const TYPE = Object.freeze({
  REG: 0x30, // '0'
  REGA: 0x00, // '\0'
  LINK: 0x31, // '1'
  SYMLINK: 0x32, // '2'
  CHAR: 0x33, // '3'
  BLOCK: 0x34, // '4'
  DIR: 0x35, // '5'
  FIFO: 0x36, // '6'
  CONT: 0x37, // '7'
  XHEADER: 0x78, // 'x'
  XGLOBAL: 0x67, // 'g'
  GNU_LONGNAME: 0x4c, // 'L'
  GNU_LONGLINK: 0x4b, // 'K'
  GNU_SPARSE: 0x53, // 'S'
});

/** One entry as Go's `Reader.Next` returns it (the fields the bundle rules use). */
export interface TarHeader {
  /** Type flag byte, after Go's `'\0'` promotion. */
  readonly typeflag: number;
  /** Name as a byte string, after prefix, PAX and GNU long-name merging. */
  readonly name: ByteString;
  /** Link target as a byte string (informational). */
  readonly linkname: ByteString;
  /** Size in bytes (int64) after PAX merging; header-only types carry no data regardless. */
  readonly size: bigint;
  /** The header's mode field (permission bits plus setuid 0o4000, setgid 0o2000, sticky 0o1000). */
  readonly mode: bigint;
}

/** Why the tar stream could not be read. */
export type TarErrorKind =
  /** the stream ended inside a header or a data section (Go `io.ErrUnexpectedEOF`) */
  | 'truncated'
  /** a malformed header or record (Go `tar.ErrHeader`) */
  | 'header'
  /** a PAX / GNU long-name record above 1 MiB (Go `tar.ErrFieldTooLong`) */
  | 'field-too-long'
  /** a GNU sparse entry, which this reader does not expand */
  | 'sparse'
  /** metadata records beyond `maxMetadataBytes` (our bound) */
  | 'metadata-limit';

/**
 * The tar stream is not readable as Go reads it. Thrown by {@link TarReader}
 * only; `inspectBundle` turns it into a result value.
 */
export class TarFormatError extends Error {
  readonly kind: TarErrorKind;
  constructor(kind: TarErrorKind, message: string) {
    super(message);
    this.kind = kind;
    this.name = 'TarFormatError';
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Pulls bytes from an async iterator of chunks, on demand. Holds at most one
 * chunk; hands out sub-views without copying where it can.
 */
export class ChunkReader {
  private chunk: Uint8Array = EMPTY;
  private off = 0;
  private done = false;
  private readonly iter: AsyncIterator<Uint8Array>;

  /** @param iter - the decompressed stream's chunks */
  constructor(iter: AsyncIterator<Uint8Array>) {
    this.iter = iter;
  }

  /** Ensures unread bytes are buffered; false at end of stream. */
  private async fill(): Promise<boolean> {
    while (this.off >= this.chunk.length) {
      if (this.done) return false;
      const r = await this.iter.next();
      if (r.done) {
        this.done = true;
        this.chunk = EMPTY;
        this.off = 0;
        return false;
      }
      this.chunk = r.value;
      this.off = 0;
    }
    return true;
  }

  /**
   * Reads up to `dst.length` bytes into `dst`; fewer only at end of stream.
   * @returns the number of bytes read
   */
  async readInto(dst: Uint8Array): Promise<number> {
    let n = 0;
    while (n < dst.length && (await this.fill())) {
      const take = Math.min(dst.length - n, this.chunk.length - this.off);
      dst.set(this.chunk.subarray(this.off, this.off + take), n);
      this.off += take;
      n += take;
    }
    return n;
  }

  /**
   * Consumes up to `n` bytes, passing each piece to `sink` (a view valid
   * only during the call); fewer only at end of stream.
   * @returns the number of bytes consumed
   */
  async consume(n: number, sink?: (piece: Uint8Array) => void): Promise<number> {
    let got = 0;
    while (got < n && (await this.fill())) {
      const take = Math.min(n - got, this.chunk.length - this.off);
      sink?.(this.chunk.subarray(this.off, this.off + take));
      this.off += take;
      got += take;
    }
    return got;
  }
}

/** Reader options. */
export interface TarReaderOptions {
  /** Bound on metadata blocks plus content (see the module notes). */
  readonly maxMetadataBytes: number;
}

/**
 * Go `archive/tar.Reader`, bounded (see the module notes). Call
 * {@link TarReader.next} for each entry; read a regular file's data with
 * {@link TarReader.readData} before the next call (unread data is skipped).
 */
export class TarReader {
  private readonly src: ChunkReader;
  private readonly maxMetadataBytes: number;
  /** Data bytes left in the current entry (Go `regFileReader.nb`). */
  private remaining = 0n;
  /** Padding after the current entry's data (Go `tr.pad`). */
  private pad = 0;
  private metadataBytes = 0;
  private readonly blk = new Uint8Array(BLOCK_SIZE);

  /**
   * @param src - the decompressed tar stream
   * @param options - bounds
   */
  constructor(src: ChunkReader, options: TarReaderOptions) {
    this.src = src;
    this.maxMetadataBytes = options.maxMetadataBytes;
  }

  /**
   * The next entry, or `null` at the end of the archive (Go `io.EOF`).
   * Bytes after the end-of-archive marker are never read (interop §D.6 step 6).
   *
   * @returns the header, or `null` at the end
   * @throws {TarFormatError} if the stream is not a tar archive Go would read
   */
  async next(): Promise<TarHeader | null> {
    let paxHdrs: Map<string, string> | null = null;
    let gnuLongName = '';
    let gnuLongLink = '';
    for (;;) {
      // Go: discard the remainder of the current entry and its padding.
      await this.skipRemaining();
      if (this.pad > 0) {
        const want = this.pad;
        this.pad = 0;
        // Go's tryReadFull: a short padding ends the archive cleanly (io.EOF).
        if ((await this.src.consume(want)) < want) return null;
      }

      const raw = await this.readHeader();
      if (raw === null) return null;
      this.handleRegularFile(raw.typeflag, raw.size);

      switch (raw.typeflag) {
        case TYPE.XHEADER:
        case TYPE.XGLOBAL: {
          paxHdrs = parsePAX(await this.readSpecialFile(raw.size));
          if (raw.typeflag === TYPE.XGLOBAL) {
            // Go returns the global header itself, with its own records merged
            // (mergePAX errors are ignored on this path).
            const merged = { ...raw };
            try {
              mergePAX(merged, paxHdrs);
            } catch {
              // ignored, as in Go
            }
            return { typeflag: TYPE.XGLOBAL, name: merged.name, linkname: merged.linkname, size: merged.size, mode: merged.mode };
          }
          continue; // meta header for the next entry
        }
        case TYPE.GNU_LONGNAME:
        case TYPE.GNU_LONGLINK: {
          const realname = parseString(await this.readSpecialFile(raw.size));
          if (raw.typeflag === TYPE.GNU_LONGNAME) gnuLongName = realname;
          else gnuLongLink = realname;
          continue;
        }
        default: {
          const hdr = { ...raw };
          mergePAX(hdr, paxHdrs);
          if (gnuLongName !== '') hdr.name = gnuLongName;
          if (gnuLongLink !== '') hdr.linkname = gnuLongLink;
          if (hdr.typeflag === TYPE.REGA) {
            // Legacy archives use a trailing slash for directories.
            hdr.typeflag = hdr.name.endsWith('/') ? TYPE.DIR : TYPE.REG;
          }
          // The extended headers may have changed the size.
          this.handleRegularFile(hdr.typeflag, hdr.size);
          if (hdr.typeflag === TYPE.GNU_SPARSE) {
            // Go parses the old GNU sparse map here and rejects a non-GNU
            // block; a valid one comes back as type 'S', which §D.6 refuses.
            if (raw.format !== 'gnu') throw headerError('sparse header in a non-GNU block');
          } else if (isPAXSparse(paxHdrs)) {
            throw new TarFormatError(
              'sparse',
              'bundle tar entry is a GNU sparse file, which this inspector does not expand',
            );
          }
          return { typeflag: hdr.typeflag, name: hdr.name, linkname: hdr.linkname, size: hdr.size, mode: hdr.mode };
        }
      }
    }
  }

  /**
   * Reads the current entry's data to its end, passing each piece to `sink`
   * (a view valid only during the call).
   *
   * @param sink - receives the data in order
   * @throws {TarFormatError} `truncated` if the stream ends first
   */
  async readData(sink: (piece: Uint8Array) => void): Promise<void> {
    while (this.remaining > 0n) {
      const want = this.remaining > 0x100000n ? 0x100000 : Number(this.remaining);
      const got = await this.src.consume(want, sink);
      this.remaining -= BigInt(got);
      if (got < want) throw truncated();
    }
  }

  private async skipRemaining(): Promise<void> {
    await this.readData(() => {});
  }

  /** Go `handleRegularFile`: data length and padding of the entry just read. */
  private handleRegularFile(typeflag: number, size: bigint): void {
    const nb = isHeaderOnlyType(typeflag) ? 0n : size;
    if (nb < 0n) throw headerError('negative size');
    this.remaining = nb;
    this.pad = Number((-nb) & BigInt(BLOCK_SIZE - 1));
  }

  /** Go `readSpecialFile` of the current entry, plus our metadata bound. */
  private async readSpecialFile(size: bigint): Promise<Uint8Array> {
    const cap = BigInt(MAX_SPECIAL_FILE_SIZE + 1);
    const want = Number(size < cap ? size : cap);
    this.metadataBytes += BLOCK_SIZE + want;
    if (this.metadataBytes > this.maxMetadataBytes) {
      throw new TarFormatError('metadata-limit', `bundle tar metadata exceeds limit ${this.maxMetadataBytes}`);
    }
    const buf = new Uint8Array(want);
    const got = await this.src.readInto(buf);
    this.remaining -= BigInt(got);
    if (got < want) throw truncated();
    if (want > MAX_SPECIAL_FILE_SIZE) {
      throw new TarFormatError('field-too-long', `bundle tar metadata record exceeds ${MAX_SPECIAL_FILE_SIZE} bytes`);
    }
    return buf;
  }

  /** Go `readHeader`: one header block, or `null` at the end of the archive. */
  private async readHeader(): Promise<RawHeader | null> {
    const blk = this.blk;
    // Header blocks count towards the metadata bound only for special records;
    // regular headers are bounded by the entry-count limit of the caller.
    const n = await this.src.readInto(blk);
    if (n === 0) return null; // EOF is okay here; exactly 0 bytes read
    if (n < BLOCK_SIZE) throw truncated();
    if (isZeroBlock(blk)) {
      const n2 = await this.src.readInto(blk);
      if (n2 === 0) return null; // EOF is okay here; exactly 1 block read
      if (n2 < BLOCK_SIZE) throw truncated();
      if (isZeroBlock(blk)) return null; // normal end: two zero blocks
      throw headerError('a zero block is followed by a non-zero block');
    }
    return parseHeaderBlock(blk);
  }
}

/** A header as read from one block, before PAX / GNU merging. */
interface RawHeader {
  typeflag: number;
  name: ByteString;
  linkname: ByteString;
  size: bigint;
  mode: bigint;
  format: 'v7' | 'ustar' | 'gnu' | 'star';
}

function truncated(): TarFormatError {
  return new TarFormatError('truncated', 'bundle tar stream is truncated (unexpected EOF)');
}

function headerError(detail: string): TarFormatError {
  return new TarFormatError('header', `bundle tar header is invalid: ${detail}`);
}

function isZeroBlock(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Go `isHeaderOnlyType`: link, symlink, char, block, dir, fifo carry no data. */
function isHeaderOnlyType(t: number): boolean {
  return t >= TYPE.LINK && t <= TYPE.FIFO;
}

// ---- header block layout (Go archive/tar/format.go) ------------------------
// V7: name 0..100, mode 100..108, uid 108..116, gid 116..124, size 124..136,
//     mtime 136..148, chksum 148..156, typeflag 156, linkname 157..257
// USTAR: magic 257..263, version 263..265, uname 265..297, gname 297..329,
//        devmajor 329..337, devminor 337..345, prefix 345..500
// GNU: atime 345..357, ctime 357..369 (no prefix)
// STAR: prefix 345..476, atime 476..488, ctime 488..500, trailer 508..512
const MAGIC_USTAR = 'ustar\x00';
const VERSION_USTAR = '00';
const MAGIC_GNU = 'ustar ';
const VERSION_GNU = ' \x00';
const TRAILER_STAR = 'tar\x00';

/** Go's `parser`: numeric/string field decoding with a sticky error flag. */
class FieldParser {
  err = false;

  /** Go `parseNumeric`: base-256 when the top bit is set, else octal. */
  numeric(b: Uint8Array): bigint {
    if (b.length > 0 && (b[0]! & 0x80) !== 0) {
      // Two's complement, big-endian; the first byte's top bit is the marker.
      const inv = (b[0]! & 0x40) !== 0 ? 0xff : 0x00;
      let x = 0n;
      for (let i = 0; i < b.length; i++) {
        let c = b[i]! ^ inv;
        if (i === 0) c &= 0x7f;
        if (x >> 56n > 0n) {
          this.err = true; // integer overflow
          return 0n;
        }
        x = (x << 8n) | BigInt(c);
      }
      if (x >> 63n > 0n) {
        this.err = true; // integer overflow
        return 0n;
      }
      return inv === 0xff ? -x - 1n : x; // Go: ^int64(x)
    }
    return this.octal(b);
  }

  /** Go `parseOctal`: trims spaces and NULs, cuts at a NUL, `ParseUint(s, 8, 64)`. */
  octal(b: Uint8Array): bigint {
    let start = 0;
    let end = b.length;
    while (start < end && (b[start] === 0x20 || b[start] === 0)) start++;
    while (end > start && (b[end - 1] === 0x20 || b[end - 1] === 0)) end--;
    if (start === end) return 0n;
    const s = parseString(b.subarray(start, end));
    if (!/^[0-7]+$/.test(s)) {
      this.err = true;
      return 0n;
    }
    const x = BigInt('0o' + s);
    if (x >> 64n > 0n) {
      this.err = true; // strconv.ErrRange
      return 0n;
    }
    // Go converts the uint64 to int64, wrapping values ≥ 2^63.
    return x >= 1n << 63n ? x - (1n << 64n) : x;
  }
}

/** Go `parseString`: bytes up to the first NUL. */
function parseString(b: Uint8Array): ByteString {
  const nul = b.indexOf(0);
  return bytesToByteString(nul >= 0 ? b.subarray(0, nul) : b);
}

function fieldText(blk: Uint8Array, from: number, to: number): string {
  return bytesToByteString(blk.subarray(from, to));
}

/** Go `block.computeChecksum`: unsigned and signed sums, chksum field as spaces. */
function computeChecksum(blk: Uint8Array): [bigint, bigint] {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : blk[i]!;
    unsigned += c;
    signed += c >= 0x80 ? c - 0x100 : c;
  }
  return [BigInt(unsigned), BigInt(signed)];
}

/** Go `block.getFormat`: checksum check, then the magic. `null` = FormatUnknown. */
function getFormat(blk: Uint8Array): RawHeader['format'] | null {
  const p = new FieldParser();
  const value = p.octal(blk.subarray(148, 156));
  const [chksum1, chksum2] = computeChecksum(blk);
  if (p.err || (value !== chksum1 && value !== chksum2)) return null;
  const magic = fieldText(blk, 257, 263);
  const version = fieldText(blk, 263, 265);
  const trailer = fieldText(blk, 508, 512);
  if (magic === MAGIC_USTAR && trailer === TRAILER_STAR) return 'star';
  if (magic === MAGIC_USTAR) return 'ustar';
  if (magic === MAGIC_GNU && version === VERSION_GNU) return 'gnu';
  return 'v7';
}

/** Go `readHeader` after the zero-block checks. */
function parseHeaderBlock(blk: Uint8Array): RawHeader {
  const format = getFormat(blk);
  if (format === null) throw headerError('checksum mismatch or unknown format');
  const p = new FieldParser();
  const typeflag = blk[156]!;
  let name = parseString(blk.subarray(0, 100));
  const linkname = parseString(blk.subarray(157, 257));
  const size = p.numeric(blk.subarray(124, 136));
  const mode = p.numeric(blk.subarray(100, 108));
  p.numeric(blk.subarray(108, 116)); // uid
  p.numeric(blk.subarray(116, 124)); // gid
  p.numeric(blk.subarray(136, 148)); // mtime
  if (format !== 'v7') {
    p.numeric(blk.subarray(329, 337)); // devmajor
    p.numeric(blk.subarray(337, 345)); // devminor
    let prefix = '';
    if (format === 'ustar') {
      prefix = parseString(blk.subarray(345, 500));
    } else if (format === 'star') {
      prefix = parseString(blk.subarray(345, 476));
      p.numeric(blk.subarray(476, 488)); // atime
      p.numeric(blk.subarray(488, 500)); // ctime
    } else {
      // GNU: atime/ctime are parsed skeptically with a separate parser; if
      // they do not parse and the USTAR prefix field looks like ASCII, Go
      // falls back to reading it as a prefix (archives from Go < 1.8).
      const p2 = new FieldParser();
      if (blk[345] !== 0) p2.numeric(blk.subarray(345, 357));
      if (blk[357] !== 0) p2.numeric(blk.subarray(357, 369));
      if (p2.err) {
        const s = parseString(blk.subarray(345, 500));
        if (isASCII(s)) prefix = s;
      }
    }
    if (prefix.length > 0) name = prefix + '/' + name;
  }
  if (p.err) throw headerError('a numeric field does not parse');
  return { typeflag, name, linkname, size, mode, format };
}

/** Go `isASCII`: an ASCII C-style string (no byte ≥ 0x80, no NUL). */
function isASCII(s: ByteString): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || c === 0) return false;
  }
  return true;
}

// ---- PAX (Go archive/tar/strconv.go, reader.go) ----------------------------

/** Go `parsePAX`: records of one `x`/`g` header, in a map (later keys win). */
function parsePAX(buf: Uint8Array): Map<string, string> {
  let s = bytesToByteString(buf);
  const sparseMap: string[] = [];
  const hdrs = new Map<string, string>();
  while (s.length > 0) {
    const rec = parsePAXRecord(s);
    if (rec === null) throw headerError('malformed PAX record');
    s = rec.rest;
    if (rec.key === 'GNU.sparse.offset' || rec.key === 'GNU.sparse.numbytes') {
      // GNU sparse format 0.0: offsets and sizes must alternate.
      if (
        (sparseMap.length % 2 === 0 && rec.key !== 'GNU.sparse.offset') ||
        (sparseMap.length % 2 === 1 && rec.key !== 'GNU.sparse.numbytes') ||
        rec.value.includes(',')
      ) {
        throw headerError('malformed GNU sparse PAX records');
      }
      sparseMap.push(rec.value);
    } else {
      hdrs.set(rec.key, rec.value);
    }
  }
  if (sparseMap.length > 0) hdrs.set('GNU.sparse.map', sparseMap.join(','));
  return hdrs;
}

/** Go `parsePAXRecord`: `"%d %s=%s\n"` where the length counts the whole record. */
function parsePAXRecord(s: string): { key: string; value: string; rest: string } | null {
  const sp = s.indexOf(' ');
  if (sp < 0) return null;
  const nStr = s.slice(0, sp);
  const rest = s.slice(sp + 1);
  const parsed = goParseInt(nStr);
  if (parsed === null || parsed < 5n || parsed > BigInt(s.length)) return null;
  const n = Number(parsed) - (nStr.length + 1);
  if (n <= 0) return null;
  const rec = rest.slice(0, n - 1);
  if (rest.slice(n - 1, n) !== '\n') return null;
  const eq = rec.indexOf('=');
  if (eq < 0) return null;
  const key = rec.slice(0, eq);
  const value = rec.slice(eq + 1);
  if (!validPAXRecord(key, value)) return null;
  return { key, value, rest: rest.slice(n) };
}

function validPAXRecord(k: string, v: string): boolean {
  if (k === '' || k.includes('=')) return false;
  switch (k) {
    case 'path':
    case 'linkpath':
    case 'uname':
    case 'gname':
      return !v.includes('\x00');
    default:
      return !k.includes('\x00');
  }
}

/** Go `strconv.ParseInt(s, 10, 64)`: optional sign, decimal digits, int64 range. */
function goParseInt(s: string): bigint | null {
  if (!/^[+-]?[0-9]+$/.test(s)) return null;
  const x = BigInt(s);
  if (x < -(1n << 63n) || x >= 1n << 63n) return null;
  return x;
}

/** Go `parsePAXTime`: seconds, optionally `.` and sub-second digits. */
function validPAXTime(s: string): boolean {
  const dot = s.indexOf('.');
  const ss = dot < 0 ? s : s.slice(0, dot);
  const sn = dot < 0 ? '' : s.slice(dot + 1);
  if (goParseInt(ss) === null) return false;
  return /^[0-9]*$/.test(sn);
}

/** Go `mergePAX`: applies records to a header; any unparsable value is ErrHeader. */
function mergePAX(hdr: RawHeader, paxHdrs: Map<string, string> | null): void {
  if (paxHdrs === null) return;
  for (const [k, v] of paxHdrs) {
    if (v === '') continue; // keep the original USTAR value
    let ok = true;
    switch (k) {
      case 'path':
        hdr.name = v;
        break;
      case 'linkpath':
        hdr.linkname = v;
        break;
      case 'uid':
      case 'gid':
        ok = goParseInt(v) !== null;
        break;
      case 'atime':
      case 'mtime':
      case 'ctime':
        ok = validPAXTime(v);
        break;
      case 'size': {
        const n = goParseInt(v);
        if (n === null) ok = false;
        else hdr.size = n;
        break;
      }
      default:
        break; // uname, gname, SCHILY.xattr.* and unknown keys: no effect on the bundle rules
    }
    if (!ok) throw headerError(`PAX record ${JSON.stringify(k)} does not parse`);
  }
}

/** Go `readGNUSparsePAXHeaders`: would Go treat the entry as a PAX-format sparse file? */
function isPAXSparse(paxHdrs: Map<string, string> | null): boolean {
  if (paxHdrs === null) return false;
  const major = paxHdrs.get('GNU.sparse.major') ?? '';
  const minor = paxHdrs.get('GNU.sparse.minor') ?? '';
  if (major === '0' && (minor === '0' || minor === '1')) return true;
  if (major === '1' && minor === '0') return true;
  if (major !== '' || minor !== '') return false; // unknown version: a plain file to Go
  return (paxHdrs.get('GNU.sparse.map') ?? '') !== '';
}

// ---- writer -----------------------------------------------------------------

/** One entry for {@link writeTar}. */
export interface TarWriteEntry {
  /** Full name as a byte string; directories end in `/`. */
  readonly name: ByteString;
  /** `'0'` regular file or `'5'` directory. */
  readonly typeflag: typeof TYPE.REG | typeof TYPE.DIR;
  /** Permission bits, e.g. `0o600`. */
  readonly mode: number;
  /** File data (ignored for directories). */
  readonly data?: Uint8Array;
}

/**
 * Serialises entries as Go's `tar.Writer` does for headers with only
 * name, mode, size, type and `ModTime = Unix(0, 0)` set (uid/gid 0, empty
 * user and group names, no device numbers), followed by `Close()`.
 *
 * Deterministic: the output depends only on the entries, in the given order.
 *
 * @param entries - entries in archive order; names must be valid for the bundle rules (the caller checks)
 * @returns the tar bytes
 * @throws {RangeError} if a name cannot be encoded (contains NUL) or a record is too large (caller bug)
 * @example writeTar([{ name: 'bin/', typeflag: TYPE.DIR, mode: 0o700 }])
 */
export function writeTar(entries: readonly TarWriteEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const push = (b: Uint8Array): void => {
    parts.push(b);
    total += b.length;
  };
  const pushPadded = (data: Uint8Array): void => {
    push(data);
    const pad = (BLOCK_SIZE - (data.length % BLOCK_SIZE)) % BLOCK_SIZE;
    if (pad > 0) push(new Uint8Array(pad));
  };
  for (const e of entries) {
    if (e.name.includes('\x00')) throw new RangeError('tar name contains NUL');
    const data = e.typeflag === TYPE.DIR ? EMPTY : (e.data ?? EMPTY);
    const split = splitUSTARPath(e.name);
    const fitsUSTAR = isASCII(e.name) && (e.name.length <= 100 || split !== null);
    if (fitsUSTAR) {
      // Go writeUSTARHeader.
      const blk = templateV7Plus(split ? split[1] : e.name, e.mode, data.length, e.typeflag);
      if (split) writeString(blk, 345, 155, split[0]);
      setFormatUSTAR(blk);
      push(blk);
    } else {
      // Go writePAXHeader with the single record path=<name>.
      const records = formatPAXRecord('path', e.name);
      const slash = e.name.lastIndexOf('/');
      const dir = e.name.slice(0, slash + 1);
      const file = e.name.slice(slash + 1);
      let xname = goPathJoin(dir, 'PaxHeaders.0', file);
      xname = toASCII(xname).slice(0, 100).replace(/\/+$/, '');
      const xblk = new Uint8Array(BLOCK_SIZE);
      xblk[156] = TYPE.XHEADER;
      writeString(xblk, 0, 100, xname);
      writeOctal(xblk, 100, 8, 0);
      writeOctal(xblk, 108, 8, 0);
      writeOctal(xblk, 116, 8, 0);
      writeOctal(xblk, 124, 12, records.length);
      writeOctal(xblk, 136, 12, 0);
      setFormatUSTAR(xblk);
      push(xblk);
      pushPadded(byteStringToBytes(records));
      const blk = templateV7Plus(toASCII(e.name), e.mode, data.length, e.typeflag);
      setFormatUSTAR(blk);
      push(blk);
    }
    if (data.length > 0) pushPadded(data);
  }
  push(new Uint8Array(2 * BLOCK_SIZE)); // Close(): two zero blocks
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Go `templateV7Plus` with zero uid/gid/devices, empty link/user/group names, mtime 0. */
function templateV7Plus(name: ByteString, mode: number, size: number, typeflag: number): Uint8Array {
  const blk = new Uint8Array(BLOCK_SIZE);
  blk[156] = typeflag;
  writeString(blk, 0, 100, name);
  writeOctal(blk, 100, 8, mode);
  writeOctal(blk, 108, 8, 0); // uid
  writeOctal(blk, 116, 8, 0); // gid
  writeOctal(blk, 124, 12, size);
  writeOctal(blk, 136, 12, 0); // mtime: the Unix epoch
  writeOctal(blk, 329, 8, 0); // devmajor
  writeOctal(blk, 337, 8, 0); // devminor
  return blk;
}

/** Go `block.setFormat(FormatUSTAR | FormatPAX)`: magic, version and checksum. */
function setFormatUSTAR(blk: Uint8Array): void {
  writeRaw(blk, 257, MAGIC_USTAR);
  writeRaw(blk, 263, VERSION_USTAR);
  const [chksum] = computeChecksum(blk);
  writeOctal(blk, 148, 7, Number(chksum)); // six digits and a NUL …
  blk[155] = 0x20; // … then a space
}

/** Go `formatter.formatString`, including its trailing-slash fix-up for truncated names. */
function writeString(blk: Uint8Array, off: number, len: number, s: ByteString): void {
  for (let i = 0; i < Math.min(len, s.length); i++) blk[off + i] = s.charCodeAt(i) & 0xff;
  if (s.length < len) blk[off + s.length] = 0;
  if (s.length > len && blk[off + len - 1] === 0x2f) {
    const n = s.slice(0, len - 1).replace(/\/+$/, '').length;
    blk[off + n] = 0;
  }
}

function writeRaw(blk: Uint8Array, off: number, s: string): void {
  for (let i = 0; i < s.length; i++) blk[off + i] = s.charCodeAt(i);
}

/** Go `formatter.formatOctal`: zero-padded octal leaving room for a NUL. */
function writeOctal(blk: Uint8Array, off: number, len: number, value: number): void {
  let s = value.toString(8);
  if (s.length > len - 1) throw new RangeError(`tar numeric field overflow: ${value}`);
  s = s.padStart(len - 1, '0');
  writeString(blk, off, len, s);
}

/** Go `splitUSTARPath`: `[prefix, suffix]` for a long ASCII name, or null. */
function splitUSTARPath(name: ByteString): [string, string] | null {
  let length = name.length;
  if (length <= 100 || !isASCII(name)) return null;
  if (length > 156) length = 156;
  else if (name[length - 1] === '/') length--;
  const i = name.slice(0, length).lastIndexOf('/');
  const nlen = name.length - i - 1;
  const plen = i;
  if (i <= 0 || nlen > 100 || nlen === 0 || plen > 155) return null;
  return [name.slice(0, i), name.slice(i + 1)];
}

/** Go `formatPAXRecord`. */
function formatPAXRecord(k: string, v: ByteString): ByteString {
  const padding = 3; // ' ', '=' and '\n'
  let size = k.length + v.length + padding;
  size += String(size).length;
  let record = `${size} ${k}=${v}\n`;
  if (record.length !== size) {
    size = record.length;
    record = `${size} ${k}=${v}\n`;
  }
  if (record.length > MAX_SPECIAL_FILE_SIZE) throw new RangeError('PAX record too large');
  return record;
}

/** Go `toASCII`: drops NUL and every rune ≥ 0x80 (invalid bytes decode to U+FFFD and are dropped too). */
function toASCII(s: ByteString): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80 && c !== 0) out += s[i];
  }
  return out;
}

/** Go `path.Join`: the non-empty elements joined by `/`, then `path.Clean`ed. */
function goPathJoin(...elems: string[]): string {
  const joined = elems.filter((e) => e !== '').join('/');
  return joined === '' ? '' : goPathClean(joined);
}
