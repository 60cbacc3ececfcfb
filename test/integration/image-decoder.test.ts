// The real decoder (sharp, libheif, PDFium) behind the normalisation step, on generated and committed documents.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, test } from 'vitest';
import { LibraryDocumentDecoder } from '../../functions/adapters/images/decoder.ts';
import { DEFAULT_PIXEL_BUDGET } from '../../functions/core/images/budget.ts';
import { checkInput } from '../../functions/core/images/image.ts';
import { type NormaliseRequest, normaliseDocument } from '../../functions/core/images/normalise.ts';
import { EncryptedDocumentError, PayloadTooLargeError, TooManyPagesError, ValidationError } from '../../functions/core/errors.ts';
import { makeMultiPageTiff, makePhotoJpeg } from '../support/documents.ts';
import { makePngBomb } from '../support/images.ts';
import { makePdf, manyPagePdf } from '../support/pdf.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'documents');
const decoder = new LibraryDocumentDecoder();
const REQUEST: NormaliseRequest = {
  budget: DEFAULT_PIXEL_BUDGET,
  context: { maxModelLen: 4096, maxTokens: 1024, minPageTokens: 640, maxDocumentPages: 8 },
  promptText: readFileSync(join(import.meta.dirname, '..', '..', 'prompts', 'receipt_fields_v1.md'), 'utf8'),
  limits: { maxImagePixels: 50_000_000 },
};

/** The pipeline as the extract paths run it: the cheap checks, then normalisation. */
const normalise = (bytes: Buffer) =>
  normaliseDocument(decoder, checkInput(bytes, undefined, { maxImageBytes: 25_000_000 }), REQUEST);

/** Mean luminance (0–255) of a horizontal band of the image, from `from` to `to` as fractions of its height. */
async function bandLuminance(jpeg: Buffer, from: number, to: number): Promise<number> {
  const { data, info } = await sharp(jpeg).greyscale().raw().toBuffer({ resolveWithObject: true });
  const start = Math.floor(info.height * from) * info.width;
  const end = Math.floor(info.height * to) * info.width;
  let sum = 0;
  for (let i = start; i < end; i++) sum += data[i]!;
  return sum / (end - start);
}

let photo: Buffer;
let rotatedPhoto: Buffer;

beforeAll(async () => {
  photo = await makePhotoJpeg({ width: 4000, height: 3000 });
  rotatedPhoto = await makePhotoJpeg({ width: 3000, height: 4000, orientation: 6, gps: true });
});

describe('photos', () => {
  test('the 12 MP fixture is photo-sized: 3–4 MB of JPEG', async () => {
    expect(photo.length).toBeGreaterThan(3_000_000);
    expect(photo.length).toBeLessThan(4_000_000);
    expect(await sharp(photo).metadata()).toMatchObject({ width: 4000, height: 3000 });
  });

  test('a 12 MP photo is sent as one page within max_pixels, in multiples of 32', async () => {
    const doc = await normalise(photo);
    expect(doc.original).toMatchObject({ mime_type: 'image/jpeg', width: 4000, height: 3000, pages: 1 });
    expect(doc.pages).toHaveLength(1);
    const [page] = doc.pages;
    expect(page!.width * page!.height).toBeLessThanOrEqual(DEFAULT_PIXEL_BUDGET.maxPixels);
    expect([page!.width % 32, page!.height % 32]).toEqual([0, 0]);
    expect(page!.visualTokens).toBeLessThanOrEqual(1280);
    expect(await sharp(page!.bytes).metadata()).toMatchObject({ format: 'jpeg', width: page!.width, height: page!.height });
    expect(page!.byteLength).toBeLessThan(photo.length / 5);
  });

  test('a photo with EXIF orientation 6 and GPS arrives upright and with no metadata at all', async () => {
    const source = await sharp(rotatedPhoto).metadata();
    expect(source).toMatchObject({ width: 4000, height: 3000, orientation: 6 });
    expect(rotatedPhoto.includes('GPS', 0, 'latin1') || source.exif!.length > 100).toBe(true);

    const doc = await normalise(rotatedPhoto);
    const page = doc.pages[0]!;
    expect(doc.original).toMatchObject({ width: 3000, height: 4000 });
    expect(page.height).toBeGreaterThan(page.width);
    expect(await bandLuminance(page.bytes, 0, 0.05)).toBeLessThan(60);
    expect(await bandLuminance(page.bytes, 0.9, 1)).toBeGreaterThan(150);
    const sent = await sharp(page.bytes).metadata();
    expect(sent.exif).toBeUndefined();
    expect(sent.orientation).toBeUndefined();
    expect(sent.icc).toBeUndefined();
    expect(sent.xmp).toBeUndefined();
    expect(page.bytes.includes('Exif', 0, 'latin1')).toBe(false);
  });

  test('the same input gives the same bytes every time', async () => {
    const first = await normalise(rotatedPhoto);
    const second = await normalise(rotatedPhoto);
    expect(second.pages[0]!.sha256).toBe(first.pages[0]!.sha256);
  });

  test('a cut-off JPEG is a 400, not a half-grey page', async () => {
    const cut = photo.subarray(0, Math.floor(photo.length * 0.6));
    await expect(normalise(cut)).rejects.toBeInstanceOf(ValidationError);
  });

  test('a PNG declaring a 100,000 × 100,000 canvas is a 413 without being decoded', async () => {
    const started = performance.now();
    await expect(normalise(makePngBomb())).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test('a transparent PNG is flattened onto white', async () => {
    const png = await sharp({ create: { width: 400, height: 300, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const doc = await normalise(png);
    expect(await bandLuminance(doc.pages[0]!.bytes, 0, 1)).toBeGreaterThan(250);
  });
});

describe('multi-page documents', () => {
  test('a 2-page TIFF is one document of two pages in order', async () => {
    const doc = await normalise(await makeMultiPageTiff(2));
    expect(doc.original).toMatchObject({ mime_type: 'image/tiff', pages: 2 });
    expect(doc.pages).toHaveLength(2);
    expect(doc.pages[0]!.sha256).not.toBe(doc.pages[1]!.sha256);
    expect(doc.plan.totalTokensEstimate).toBeLessThanOrEqual(4096);
  });

  test('the 2-page invoice PDF is rendered into two pages of text that fit the context together', async () => {
    const doc = await normalise(readFileSync(join(FIXTURES, 'invoice.pdf')));
    expect(doc.original).toMatchObject({ mime_type: 'application/pdf', pages: 2, width: 595, height: 842 });
    expect(doc.pages).toHaveLength(2);
    for (const page of doc.pages) {
      expect(page.height).toBeGreaterThan(page.width);
      // Ink on white paper: the page is mostly white but not blank.
      const lum = await bandLuminance(page.bytes, 0, 0.4);
      expect(lum).toBeGreaterThan(200);
      expect(lum).toBeLessThan(254);
    }
    expect(doc.pages[0]!.sha256).not.toBe(doc.pages[1]!.sha256);
    expect(doc.plan.totalTokensEstimate).toBeLessThanOrEqual(4096);
  });

  test('a page with /Rotate 90 is rendered turned, as a viewer shows it', async () => {
    const pdf = makePdf([{ lines: ['Turned page', 'line'], rotate: 90 }]);
    const doc = await normalise(pdf);
    expect(doc.original).toMatchObject({ width: 842, height: 595 });
    expect(doc.pages[0]!.width).toBeGreaterThan(doc.pages[0]!.height);
  });

  test('a 20-page PDF is too_many_pages (413) with the count', async () => {
    const err = await normalise(manyPagePdf(20)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TooManyPagesError);
    expect((err as TooManyPagesError).details).toEqual({ pages: 20, max_document_pages: 8 });
  });

  test('a page of more than 200 × 200 inches is a 413; one of exactly 200 inches renders at the budget', async () => {
    await expect(normalise(makePdf([{ lines: ['huge'], width: 14_500, height: 14_500 }]))).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    const doc = await normalise(makePdf([{ lines: ['big'], width: 14_400, height: 14_400 }]));
    expect(doc.pages[0]!.width * doc.pages[0]!.height).toBeLessThanOrEqual(DEFAULT_PIXEL_BUDGET.maxPixels);
  });

  test('an encrypted PDF is encrypted_document (422)', async () => {
    const err = await normalise(readFileSync(join(FIXTURES, 'invoice-encrypted.pdf'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncryptedDocumentError);
    expect((err as EncryptedDocumentError).statusCode).toBe(422);
  });

  test('a corrupt PDF is a 400', async () => {
    const corrupt = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(4000, 0x5a)]);
    await expect(normalise(corrupt)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('HEIC', () => {
  test('an iPhone-style HEIC (irot and EXIF orientation 6) is turned once: upright, portrait', async () => {
    const doc = await normalise(readFileSync(join(FIXTURES, 'receipt-iphone.heic')));
    expect(doc.original).toMatchObject({ mime_type: 'image/heic', width: 768, height: 1024, pages: 1 });
    const page = doc.pages[0]!;
    expect(page).toMatchObject({ width: 768, height: 1024, mimeType: 'image/jpeg' });
    expect(await bandLuminance(page.bytes, 0, 0.05)).toBeLessThan(60);
    expect(await bandLuminance(page.bytes, 0.9, 1)).toBeGreaterThan(150);
    expect((await sharp(page.bytes).metadata()).exif).toBeUndefined();
  });

  test('a cut-off HEIC is a 400', async () => {
    const heic = readFileSync(join(FIXTURES, 'receipt-iphone.heic'));
    await expect(normalise(heic.subarray(0, 2000))).rejects.toBeInstanceOf(ValidationError);
  });
});

test('the decoder reports the library versions that decide the bytes', async () => {
  await normalise(
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#fff' } })
      .png()
      .toBuffer(),
  );
  expect(decoder.versions).toMatchObject({
    sharp: expect.stringMatching(/^\d+\.\d+/),
    libvips: expect.stringMatching(/^\d+\.\d+/),
  });
  expect(decoder.versions['@hyzyla/pdfium']).toMatch(/^\d+\.\d+/);
  expect(decoder.versions['libheif-js']).toMatch(/^\d+\.\d+/);
});
