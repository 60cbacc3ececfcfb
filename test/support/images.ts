// Small test images made in code: real PNGs, a real tiny JPEG, header-only JPEG and WebP files (they sniff
// right but do not decode), and broken variants.
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A real RGB PNG of the given size; `seed` varies the pixels so different images hash differently. */
export function makePng(width = 16, height = 8, seed = 0, noise = false): Buffer {
  const rows: Buffer[] = [];
  let state = (seed * 2654435761 + 1) >>> 0;
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width * 3; x++) {
      // With noise the pixels barely compress, like a photo; without, a small gradient.
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      row[1 + x] = noise ? state >>> 24 : (x * 7 + y * 3 + seed * 31) % 256;
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PNG header claiming a huge canvas with almost no data: the decompression-bomb shape. */
export function makePngBomb(width = 100_000, height = 100_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A real 32×16 baseline JPEG (a gradient, made once with sharp at quality 80), small enough to keep
 * inline: decodable, unlike makeJpeg's header-only file.
 */
export const TINY_JPEG = Buffer.from(
  '/9j/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAQACADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAAAgMB/8QAJBAAAgICAQQBBQAAAAAAAAAAAQIDBAURABIUISJBEzEyQlH/xAAWAQEBAQAAAAAAAAAAAAAAAAACAQP/xAAgEQAABQQDAQAAAAAAAAAAAAAAITFB8AECEXGBobHR/9oADAMBAAIRAxEAPwDUxihUgo4sKvrPVggoj4HSRLaot9vyPSU/nj9uA2EyqEw2YsqI17iu3cV79ars+yJFOqTMeldeGJO18trXGmMUKkFHFhV9Z6sEFEfA6SJbVFvt+R6Sn88ftwGwmVQmGzFlRGvcV27ivfrVdn2RIp1SZj0rrwxJ2vlta5KLO4ymFSmIaefXwMedsaxljsy4nuC1iCRpbGOnssBt4o4ZleFRtgAAQBtfKjlmx725DJ2Ujmy5swJDTWaZ5gvt9e1ScMAzMT7J870xXfIvO2NYyx2ZcT3BaxBI0tjHT2WA28UcMyvCo2wAAIA2vlRyzY97chk7KRzZc2YEhprNM8wX2+vapOGAZmJ9k+d6YrvjuI974jIM7mkmh//Z',
  'base64',
);

/** A header-only JPEG (SOI, SOF0 with dimensions, EOI): sniffs as JPEG, does not decode. */
export function makeJpeg(width = 32, height = 16): Buffer {
  const sof = Buffer.from([
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
    0x03,
    0x01,
    0x22,
    0x00,
    0x02,
    0x11,
    0x01,
    0x03,
    0x11,
    0x01,
  ]);
  const app0 = Buffer.from([
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
  ]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]);
}

/** A minimal lossless WebP (VP8L) header with the given dimensions. */
export function makeWebp(width = 10, height = 10): Buffer {
  const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
  const vp8l = Buffer.alloc(5 + 8);
  vp8l[0] = 0x2f;
  vp8l.writeUInt32LE(bits >>> 0, 1);
  const data = Buffer.concat([Buffer.from('VP8L', 'latin1'), u32(vp8l.length), vp8l]);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), u32(4 + data.length), Buffer.from('WEBP', 'latin1'), data]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

export const GIF = Buffer.from('R0lGODlhAQABAAAAACw=', 'base64');

/**
 * A real baseline JPEG the size of a phone photo (jpeg-js encoder): a gradient with noise, so it barely
 * compresses. 1600×1200 at quality 97 is about 3.0 MB; 1700×1300 about 3.4 MB.
 */
export function makePhotoJpeg(width = 1600, height = 1200, quality = 97, seed = 1): Buffer {
  const data = Buffer.alloc(width * height * 4);
  let state = (seed * 2654435761 + 1) >>> 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const n = (state >>> 24) & 63;
      data[i] = ((x * 255) / width + n) & 255;
      data[i + 1] = ((y * 255) / height + n) & 255;
      data[i + 2] = (128 + n) & 255;
      data[i + 3] = 255;
    }
  }
  return Buffer.from(jpeg.encode({ data, width, height }, quality).data);
}
