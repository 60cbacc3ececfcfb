import { describe, expect, test } from 'vitest';
import { DEFAULT_PIXEL_BUDGET, type Size } from '../../functions/core/images/budget.ts';
import {
  type DocumentDecoder,
  type NormaliseRequest,
  type ProbedDocument,
  normaliseDocument,
} from '../../functions/core/images/normalise.ts';
import { checkInput } from '../../functions/core/images/image.ts';
import { documentType, sniffDocumentType } from '../../functions/core/images/sniff.ts';
import {
  PayloadTooLargeError,
  TooManyPagesError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../functions/core/errors.ts';
import { GIF, makePng } from '../support/images.ts';

/** A decoder that reports a given structure and "renders" each page as its size in text. */
class FakeDecoder implements DocumentDecoder {
  readonly versions = { fake: '1' };
  rendered: Size[][] = [];
  constructor(private readonly probed: ProbedDocument) {}
  async probe(): Promise<ProbedDocument> {
    return this.probed;
  }
  async render(_bytes: Buffer, _mime: string, sizes: readonly Size[]): Promise<Buffer[]> {
    this.rendered.push([...sizes]);
    return sizes.map((s) => Buffer.from(`${s.width}x${s.height}`));
  }
}

const REQUEST: NormaliseRequest = {
  budget: DEFAULT_PIXEL_BUDGET,
  context: { maxModelLen: 4096, maxTokens: 1024, minPageTokens: 640, maxDocumentPages: 8 },
  promptText: 'Return the receipt as JSON.',
  limits: { maxImagePixels: 50_000_000 },
};
const checked = (bytes: Buffer) => checkInput(bytes, undefined, { maxImageBytes: 1_000_000 });
const PDF = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
const HEIC = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1')]);

describe('sniffing', () => {
  test.each([
    ['image/png', makePng()],
    ['application/pdf', PDF],
    ['image/heic', HEIC],
    ['image/heif', Buffer.concat([Buffer.from([0, 0, 0, 20]), Buffer.from('ftypmif1\0\0\0\0mif1', 'latin1')])],
    ['image/avif', Buffer.concat([Buffer.from([0, 0, 0, 20]), Buffer.from('ftypavif\0\0\0\0mif1', 'latin1')])],
    ['image/tiff', Buffer.from('II*\u0000\u0008\u0000\u0000\u0000', 'latin1')],
    ['image/gif', GIF],
  ])('recognises %s from its bytes', (mime, bytes) => {
    expect(sniffDocumentType(bytes)).toBe(mime);
  });

  test('the declared type must agree with the bytes, HEIC and HEIF being one family', () => {
    expect(documentType(HEIC, 'image/heif')).toBe('image/heic');
    expect(documentType(PDF, 'application/octet-stream')).toBe('application/pdf');
    expect(() => documentType(PDF, 'image/jpeg')).toThrow(/image\/jpeg but the bytes are application\/pdf/);
  });

  test('recognised formats that are not read are 415, unknown bytes 400', () => {
    expect(() => documentType(GIF, undefined)).toThrow(UnsupportedMediaTypeError);
    expect(() => documentType(makePng(), 'image/gif')).toThrow(UnsupportedMediaTypeError);
    expect(() => documentType(Buffer.from('hello, not a document'), undefined)).toThrow(ValidationError);
  });
});

describe('normaliseDocument', () => {
  test('sends every page at its planned size and records what was sent', async () => {
    const decoder = new FakeDecoder({
      pageCount: 2,
      pages: [
        { width: 595, height: 842 },
        { width: 595, height: 842 },
      ],
    });
    const doc = await normaliseDocument(decoder, checked(PDF), REQUEST);
    expect(doc.original).toMatchObject({
      mime_type: 'application/pdf',
      pages: 2,
      width: 595,
      height: 842,
      byte_length: PDF.length,
    });
    expect(doc.pages.map((p) => p.page)).toEqual([1, 2]);
    for (const p of doc.pages) {
      expect(p.bytes.toString()).toBe(`${p.width}x${p.height}`);
      expect(p.visualTokens).toBe((p.width / 32) * (p.height / 32));
      expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(doc.plan.totalTokensEstimate).toBeLessThanOrEqual(4096);
    expect(doc.decoder).toEqual({ fake: '1' });
  });

  test('a raster page over MAX_IMAGE_PIXELS is refused before any pixel is decoded', async () => {
    const decoder = new FakeDecoder({ pageCount: 1, pages: [{ width: 100_000, height: 100_000 }] });
    await expect(normaliseDocument(decoder, checked(makePng()), REQUEST)).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(decoder.rendered).toEqual([]);
  });

  test('a PDF page over 200 inches is refused; one of 200 inches is rendered at the budget', async () => {
    const huge = new FakeDecoder({ pageCount: 1, pages: [{ width: 14_500, height: 14_500 }] });
    await expect(normaliseDocument(huge, checked(PDF), REQUEST)).rejects.toBeInstanceOf(PayloadTooLargeError);
    const big = new FakeDecoder({ pageCount: 1, pages: [{ width: 14_400, height: 14_400 }] });
    const doc = await normaliseDocument(big, checked(PDF), REQUEST);
    expect(doc.pages[0]!.width * doc.pages[0]!.height).toBeLessThanOrEqual(DEFAULT_PIXEL_BUDGET.maxPixels);
  });

  test('a 20-page document is too_many_pages before any page is rendered', async () => {
    const decoder = new FakeDecoder({ pageCount: 20, pages: Array(8).fill({ width: 595, height: 842 }) });
    const err = await normaliseDocument(decoder, checked(PDF), REQUEST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TooManyPagesError);
    expect((err as TooManyPagesError).details).toEqual({ pages: 20, max_document_pages: 8 });
    expect(decoder.rendered).toEqual([]);
  });

  test('more bytes than the limit are a 413 before sniffing', () => {
    expect(() => checkInput(Buffer.alloc(2000), undefined, { maxImageBytes: 1024 })).toThrow(PayloadTooLargeError);
  });

  test('a small page is rendered at min_pixels, not at its own tiny size', async () => {
    const decoder = new FakeDecoder({ pageCount: 1, pages: [{ width: 64, height: 48 }] });
    const doc = await normaliseDocument(decoder, checked(makePng()), REQUEST);
    expect(doc.pages[0]!.width * doc.pages[0]!.height).toBeGreaterThanOrEqual(DEFAULT_PIXEL_BUDGET.minPixels);
  });
});
