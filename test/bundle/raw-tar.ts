/**
 * A low-level tar *builder* for tests: writes any header the format can
 * express — symlinks, hard links, devices, bad names, raw size fields, PAX
 * and GNU long-name records, broken checksums — so each bundle rule can be
 * hit with a hostile archive. Independent of `src/domain/bundle/tar.ts` on
 * purpose: the code under test must not build its own test input.
 *
 * Checked by hand against GNU tar 1.34 (`tar -tvvf`) and CPython `tarfile`
 * while it was written.
 */
import { gzipSync } from 'node:zlib';

const enc = new TextEncoder();

/** Bytes of a test name: strings are UTF-8, byte arrays are taken raw. */
export function nameBytes(name: string | Uint8Array): Uint8Array {
  return typeof name === 'string' ? enc.encode(name) : name;
}

export interface HeaderSpec {
  /** Name field (≤ 100 bytes; longer is cut). */
  name: string | Uint8Array;
  /** Type flag: one character, or a byte value. Default '0'. */
  type?: string | number;
  /** Size field value. Default: the data length. */
  size?: number;
  /** Raw 12-byte size field, overriding `size`. */
  sizeField?: Uint8Array;
  /** Raw 8-byte uid field. */
  uidField?: Uint8Array;
  mode?: number;
  linkname?: string;
  /** USTAR prefix field (≤ 155 bytes). */
  prefix?: string;
  /** Magic: USTAR (default), old GNU, or none (V7). */
  format?: 'ustar' | 'gnu' | 'v7';
  /** Store a wrong checksum. */
  badChecksum?: boolean;
}

function putBytes(blk: Uint8Array, off: number, len: number, b: Uint8Array): void {
  blk.set(b.subarray(0, len), off);
}

function putOctal(blk: Uint8Array, off: number, len: number, v: number): void {
  putBytes(blk, off, len, enc.encode(v.toString(8).padStart(len - 1, '0') + '\0'));
}

/** One 512-byte header block. */
export function headerBlock(spec: HeaderSpec, dataLength = 0): Uint8Array {
  const blk = new Uint8Array(512);
  putBytes(blk, 0, 100, nameBytes(spec.name));
  putOctal(blk, 100, 8, spec.mode ?? 0o644);
  if (spec.uidField) putBytes(blk, 108, 8, spec.uidField);
  else putOctal(blk, 108, 8, 0);
  putOctal(blk, 116, 8, 0);
  if (spec.sizeField) putBytes(blk, 124, 12, spec.sizeField);
  else putOctal(blk, 124, 12, spec.size ?? dataLength);
  putOctal(blk, 136, 12, 0);
  const type = spec.type ?? '0';
  blk[156] = typeof type === 'number' ? type : type.charCodeAt(0);
  if (spec.linkname) putBytes(blk, 157, 100, enc.encode(spec.linkname));
  const format = spec.format ?? 'ustar';
  if (format === 'ustar') {
    putBytes(blk, 257, 8, enc.encode('ustar\x0000'));
    if (spec.prefix) putBytes(blk, 345, 155, enc.encode(spec.prefix));
  } else if (format === 'gnu') {
    putBytes(blk, 257, 8, enc.encode('ustar  \x00'));
  }
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : blk[i]!;
  if (spec.badChecksum) sum += 1;
  putBytes(blk, 148, 8, enc.encode(sum.toString(8).padStart(6, '0') + '\0 '));
  return blk;
}

/** Data padded to whole blocks. */
export function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

/** A header plus its padded data. */
export function entry(spec: HeaderSpec & { data?: Uint8Array }): Uint8Array {
  const data = spec.data ?? new Uint8Array(0);
  return concat([headerBlock(spec, data.length), padded(data)]);
}

/** A file entry with UTF-8 text content. */
export function file(name: string | Uint8Array, text = '', extra: Partial<HeaderSpec> = {}): Uint8Array {
  return entry({ name, data: enc.encode(text), ...extra });
}

/** A directory entry (type '5'). */
export function dir(name: string | Uint8Array): Uint8Array {
  return entry({ name, type: '5', mode: 0o755 });
}

/** One PAX record `"<len> <key>=<value>\n"`. */
export function paxRecord(key: string, value: string | Uint8Array): Uint8Array {
  const body = concat([enc.encode(` ${key}=`), nameBytes(value), enc.encode('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return concat([enc.encode(String(len)), body]);
}

/** A PAX extended header (`x`, or `g` for global) carrying the given records. */
export function pax(records: [string, string | Uint8Array][], type: 'x' | 'g' = 'x', name = 'PaxHeaders.0/entry'): Uint8Array {
  return entry({ name, type, data: concat(records.map(([k, v]) => paxRecord(k, v))) });
}

/** A PAX header whose content is the given raw bytes. */
export function paxRaw(content: string, type: 'x' | 'g' = 'x'): Uint8Array {
  return entry({ name: 'PaxHeaders.0/entry', type, data: enc.encode(content) });
}

/** A GNU long name (`L`) or long link (`K`) record, NUL-terminated as GNU tar writes it. */
export function gnuLong(name: string | Uint8Array, type: 'L' | 'K' = 'L'): Uint8Array {
  const data = concat([nameBytes(name), new Uint8Array(1)]);
  return entry({ name: '././@LongLink', type, format: 'gnu', data });
}

/** The end-of-archive marker: two zero blocks. */
export const END = new Uint8Array(1024);

/** Concatenates parts; appends the end marker unless `end` is false. */
export function tar(parts: Uint8Array[], end = true): Uint8Array {
  return concat(end ? [...parts, END] : parts);
}

/** gzip (one member). */
export function gz(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes));
}

/** A gzipped tar of the parts, with the end marker. */
export function tgz(parts: Uint8Array[], end = true): Uint8Array {
  return gz(tar(parts, end));
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Splits bytes into an async iterable of chunks of `size` bytes. */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
