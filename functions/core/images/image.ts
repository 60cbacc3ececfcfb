// Decoding and checking an input image before anything is stored or sent to the model:
// strict base64, a supported format sniffed from the bytes, not truncated, and not a decompression bomb.
import { createHash } from 'node:crypto';
import { imageSize } from 'image-size';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors.ts';

export const ACCEPTED_MIME_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type ImageMimeType = (typeof ACCEPTED_MIME_TYPES)[number];

export interface ImageLimits {
  maxImageBytes: number;
  maxImagePixels: number;
}

export interface InspectedImage {
  bytes: Buffer;
  mimeType: ImageMimeType;
  width: number;
  height: number;
  byteLength: number;
  sha256: string;
}

/** The 413 for an image over MAX_IMAGE_BYTES (base64, fetched URL or decoded bytes alike). */
export function imageTooLarge(maxImageBytes: number, imageBytes?: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`Image is larger than ${maxImageBytes} bytes`, {
    max_image_bytes: maxImageBytes,
    ...(imageBytes !== undefined ? { image_bytes: imageBytes } : {}),
  });
}

const DATA_URI = /^data:([\w.+-]+\/[\w.+-]+)?(;[\w-]+=[\w.-]+)*;base64,/i;

/**
 * Decodes `image_base64` strictly (plain or as a `data:` URI): a stray character or misplaced padding
 * is a 400, not silently dropped bytes.
 */
export function decodeBase64Image(input: string, maxImageBytes: number): { bytes: Buffer; dataUriMime?: string } {
  let text = input;
  let dataUriMime: string | undefined;
  const uri = DATA_URI.exec(text);
  if (uri) {
    dataUriMime = uri[1]?.toLowerCase();
    text = text.slice(uri[0].length);
  }
  text = text.replace(/\s+/g, '');
  // Reject before decoding: base64 of N bytes is ceil(N/3)*4 characters.
  if (Math.floor((text.length * 3) / 4) - 2 > maxImageBytes) {
    throw imageTooLarge(maxImageBytes);
  }
  if (text.length === 0 || text.length % 4 === 1) throw new ValidationError('image_base64 is not valid base64');
  const bytes = Buffer.from(text, 'base64');
  // Node's decoder skips characters outside the alphabet and stops at "=", so any such character shows
  // up as missing bytes: a native O(n) check instead of a regex over megabytes of text.
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (bytes.length !== Math.floor((text.length * 3) / 4) - padding) {
    throw new ValidationError('image_base64 is not valid base64');
  }
  if (bytes.length > maxImageBytes) {
    throw imageTooLarge(maxImageBytes, bytes.length);
  }
  return dataUriMime ? { bytes, dataUriMime } : { bytes };
}

/** The format the bytes really are, from their magic numbers; undefined when unrecognised. */
export function sniffImageType(bytes: Uint8Array): string | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return 'image/png';
  }
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') {
    return 'image/webp';
  }
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.toString('latin1', 0, 6))) return 'image/gif';
  if (b.length >= 2 && b.toString('latin1', 0, 2) === 'BM') return 'image/bmp';
  if (b.length >= 4 && (b.toString('latin1', 0, 4) === 'II*\u0000' || b.toString('latin1', 0, 4) === 'MM\u0000*')) {
    return 'image/tiff';
  }
  if (b.length >= 5 && b.toString('latin1', 0, 5) === '%PDF-') return 'application/pdf';
  return undefined;
}

export function normaliseMimeType(mime: string): string {
  const m = mime.split(';')[0]?.trim().toLowerCase() ?? '';
  return m === 'image/jpg' || m === 'image/pjpeg' ? 'image/jpeg' : m;
}

export function isAcceptedMimeType(mime: string): mime is ImageMimeType {
  return (ACCEPTED_MIME_TYPES as readonly string[]).includes(mime);
}

/**
 * Checks decoded bytes: an accepted format that matches the declared mime type, complete (not cut
 * short), and with dimensions under the pixel limit (a small file can declare a huge canvas).
 */
export function inspectImage(bytes: Buffer, declaredMime: string | undefined, limits: ImageLimits): InspectedImage {
  if (bytes.length > limits.maxImageBytes) {
    throw imageTooLarge(limits.maxImageBytes, bytes.length);
  }
  const declared = declaredMime ? normaliseMimeType(declaredMime) : undefined;
  if (declared !== undefined && !isAcceptedMimeType(declared)) {
    throw new UnsupportedMediaTypeError(`mime_type "${declaredMime}" is not accepted`, { accepted: ACCEPTED_MIME_TYPES });
  }
  const sniffed = sniffImageType(bytes);
  if (sniffed === undefined) {
    throw new ValidationError('The image bytes are not a JPEG, PNG or WebP image', { accepted: ACCEPTED_MIME_TYPES });
  }
  if (!isAcceptedMimeType(sniffed)) {
    throw new UnsupportedMediaTypeError(`The image is ${sniffed}, which is not accepted`, {
      detected: sniffed,
      accepted: ACCEPTED_MIME_TYPES,
    });
  }
  if (declared !== undefined && declared !== sniffed) {
    throw new ValidationError(`mime_type is ${declared} but the image bytes are ${sniffed}`, {
      mime_type: declared,
      detected: sniffed,
    });
  }
  if (isTruncated(bytes, sniffed)) {
    throw new ValidationError('The image is truncated or corrupt', { detected: sniffed });
  }
  let width: number;
  let height: number;
  try {
    const size = imageSize(bytes);
    width = size.width;
    height = size.height;
  } catch {
    throw new ValidationError('The image header is corrupt: its dimensions cannot be read', { detected: sniffed });
  }
  if (!(width > 0 && height > 0)) {
    throw new ValidationError('The image has no pixels', { width, height });
  }
  if (width * height > limits.maxImagePixels) {
    throw new PayloadTooLargeError(`The image is ${width}x${height} pixels, over the limit of ${limits.maxImagePixels}`, {
      width,
      height,
      max_image_pixels: limits.maxImagePixels,
    });
  }
  return {
    bytes,
    mimeType: sniffed,
    width,
    height,
    byteLength: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

/** True when the file ends before its format's end marker (a cut-off upload or download). */
function isTruncated(bytes: Buffer, mime: ImageMimeType): boolean {
  switch (mime) {
    case 'image/jpeg': {
      // EOI marker; encoders may pad a few bytes after it, so look at the tail rather than the last two bytes.
      const tail = bytes.subarray(Math.max(0, bytes.length - 1024));
      return tail.lastIndexOf(Buffer.from([0xff, 0xd9])) < 0;
    }
    case 'image/png': {
      const tail = bytes.subarray(Math.max(0, bytes.length - 64));
      return tail.lastIndexOf(Buffer.from('IEND', 'latin1')) < 0;
    }
    case 'image/webp': {
      const declared = bytes.length >= 8 ? bytes.readUInt32LE(4) + 8 : Number.POSITIVE_INFINITY;
      return bytes.length < declared;
    }
  }
}
