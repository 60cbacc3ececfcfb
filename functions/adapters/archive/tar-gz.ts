// ArchivePacker as a gzipped POSIX tar (ustar, with a PAX header for names over 100 bytes), written in
// memory with node:zlib: artifact names can reach ~150 bytes, and the format is small enough not to need a
// dependency in the Lambda bundle.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { ArchiveEntry, ArchivePacker } from '../../core/ports.ts';

const gzipAsync = promisify(gzip);
const BLOCK = 512;

export class TarGzPacker implements ArchivePacker {
  readonly contentType = 'application/gzip';
  readonly extension = 'tar.gz';

  async pack(entries: ArchiveEntry[]): Promise<Buffer> {
    return gzipAsync(tarOf(entries), { level: 6 });
  }
}

/** The uncompressed tar of the entries (regular files, mode 0644). */
export function tarOf(entries: ArchiveEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const mtime = Math.floor((e.mtime ?? new Date(0)).getTime() / 1000);
    const nameBytes = Buffer.from(e.name, 'utf8');
    const ascii = /^[\x20-\x7e]*$/.test(e.name);
    if (nameBytes.length > 100 || !ascii) {
      const pax = paxRecord('path', e.name);
      parts.push(header(`PaxHeader/${asciiTail(e.name, 80)}`, pax.length, mtime, 'x'), pad(pax));
    }
    parts.push(header(asciiTail(e.name, 100), e.bytes.length, mtime, '0'), pad(e.bytes));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** "<len> key=value\n", where len counts the whole record including its own digits. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body, 'utf8');
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return Buffer.from(`${len}${body}`, 'utf8');
}

/** A name that fits the ustar field: the last `max` bytes of its printable-ASCII form. */
function asciiTail(name: string, max: number): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  return ascii.length <= max ? ascii : ascii.slice(ascii.length - max);
}

function header(name: string, size: number, mtime: number, type: '0' | 'x'): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'ascii');
  octal(h, 100, 8, 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, mtime);
  h.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

function octal(h: Buffer, offset: number, width: number, value: number): void {
  h.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'ascii');
}

function pad(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest)]);
}
