// Checking input bytes before anything is stored or decoded: strict base64, the byte limit, and a
// format the pipeline reads, sniffed from the bytes.
import { createHash } from 'node:crypto';
import { PayloadTooLargeError, ValidationError } from '../errors.ts';
import { type DocumentMimeType, documentType } from './sniff.ts';

export interface ImageLimits {
  maxImageBytes: number;
  maxImagePixels: number;
}

/** Input bytes whose format is known (sniffed, and agreeing with what the client declared); not decoded yet. */
export interface CheckedInput {
  bytes: Buffer;
  mimeType: DocumentMimeType;
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

/**
 * The cheap checks that come before any decoding, on every path: the byte limit, and a format the
 * pipeline reads, sniffed from the bytes (415 for known formats we do not read, 400 for unknown bytes, 400
 * when the declared mime type disagrees). Decoding, page counts and pixel limits are functions/core/images/normalise.ts.
 */
export function checkInput(
  bytes: Buffer,
  declaredMime: string | undefined,
  limits: Pick<ImageLimits, 'maxImageBytes'>,
): CheckedInput {
  if (bytes.length > limits.maxImageBytes) throw imageTooLarge(limits.maxImageBytes, bytes.length);
  return {
    bytes,
    mimeType: documentType(bytes, declaredMime),
    byteLength: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
