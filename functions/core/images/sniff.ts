// What a file really is, from its first bytes (the declared mime type is only checked against it).
import { UnsupportedMediaTypeError, ValidationError } from '../errors.ts';

/** Formats the pipeline decodes. */
export const DOCUMENT_MIME_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/tiff',
  'image/heic',
  'image/heif',
  'application/pdf',
] as const;
export type DocumentMimeType = (typeof DOCUMENT_MIME_TYPES)[number];

/** Formats recognised but not read (a clear 415 instead of "not an image"). */
export type RecognisedMimeType = DocumentMimeType | 'image/gif' | 'image/bmp' | 'image/avif';

const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_BRANDS = new Set(['mif1', 'msf1', 'mif2']);

export function isDocumentMimeType(mime: string): mime is DocumentMimeType {
  return (DOCUMENT_MIME_TYPES as readonly string[]).includes(mime);
}

/** The format of the bytes from their magic numbers; undefined when unrecognised. */
export function sniffDocumentType(bytes: Uint8Array): RecognisedMimeType | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (start: number, end: number) => (b.length >= end ? b.toString('latin1', start, end) : '');
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'image/png';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (ascii(0, 4) === 'II*\u0000' || ascii(0, 4) === 'MM\u0000*') return 'image/tiff';
  // PDF readers accept the header anywhere in the first KiB; so do we.
  if (b.subarray(0, 1024).includes('%PDF-', 0, 'latin1')) return 'application/pdf';
  if (ascii(4, 8) === 'ftyp') return isoBrand(b);
  if (/^GIF8[79]a$/.test(ascii(0, 6))) return 'image/gif';
  if (ascii(0, 2) === 'BM') return 'image/bmp';
  return undefined;
}

/** HEIF family (ISO BMFF `ftyp` box): HEIC (HEVC), AVIF (AV1) or plain HEIF, by major then compatible brands. */
function isoBrand(b: Buffer): RecognisedMimeType | undefined {
  const boxSize = b.readUInt32BE(0);
  const end = Math.min(b.length, boxSize >= 16 ? boxSize : 16);
  const brands = [b.toString('latin1', 8, 12)];
  for (let i = 16; i + 4 <= end; i += 4) brands.push(b.toString('latin1', i, i + 4));
  const major = brands[0]!;
  if (HEIC_BRANDS.has(major)) return 'image/heic';
  if (AVIF_BRANDS.has(major)) return 'image/avif';
  if (HEIF_BRANDS.has(major) || brands.some((x) => HEIF_BRANDS.has(x))) {
    if (brands.some((x) => HEIC_BRANDS.has(x))) return 'image/heic';
    if (brands.some((x) => AVIF_BRANDS.has(x))) return 'image/avif';
    return 'image/heif';
  }
  return undefined;
}

/** `image/jpg` → `image/jpeg`, parameters and case dropped. */
export function normaliseDeclaredMime(mime: string): string {
  const m = mime.split(';')[0]?.trim().toLowerCase() ?? '';
  if (m === 'image/jpg' || m === 'image/pjpeg') return 'image/jpeg';
  if (m === 'image/tif') return 'image/tiff';
  if (m === 'image/heic-sequence') return 'image/heic';
  if (m === 'image/heif-sequence') return 'image/heif';
  return m;
}

/** Whether a declared type agrees with the sniffed one (HEIC and HEIF name one container). */
export function declaredMatches(declared: string, sniffed: RecognisedMimeType): boolean {
  const family = (m: string) => (m === 'image/heic' || m === 'image/heif' ? 'heif' : m);
  return family(declared) === family(sniffed);
}

/** The sniffed format, checked against the declared one; 415 for formats we recognise but do not read. */
export function documentType(bytes: Buffer, declaredMime: string | undefined): DocumentMimeType {
  const declared = declaredMime ? normaliseDeclaredMime(declaredMime) : undefined;
  const claimed = declared === undefined || declared === '' || declared === 'application/octet-stream' ? undefined : declared;
  if (claimed !== undefined && !isDocumentMimeType(claimed)) {
    throw new UnsupportedMediaTypeError(`mime_type "${declaredMime}" is not accepted`, { accepted: DOCUMENT_MIME_TYPES });
  }
  const sniffed = sniffDocumentType(bytes);
  if (sniffed === undefined) {
    throw new ValidationError('The bytes are not a JPEG, PNG, WebP, TIFF, HEIC/HEIF image or a PDF', {
      accepted: DOCUMENT_MIME_TYPES,
    });
  }
  if (!isDocumentMimeType(sniffed)) {
    throw new UnsupportedMediaTypeError(`The file is ${sniffed}, which is not accepted`, {
      detected: sniffed,
      accepted: DOCUMENT_MIME_TYPES,
    });
  }
  if (claimed !== undefined && !declaredMatches(claimed, sniffed)) {
    throw new ValidationError(`mime_type is ${claimed} but the bytes are ${sniffed}`, { mime_type: claimed, detected: sniffed });
  }
  return sniffed;
}
