import { describe, expect, test } from 'vitest';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../functions/core/errors.ts';
import { checkInput, decodeBase64Image } from '../../functions/core/images/image.ts';
import { sniffDocumentType } from '../../functions/core/images/sniff.ts';
import { GIF, makeJpeg, makePng, makePngBomb, makeWebp } from '../support/images.ts';

const LIMITS = { maxImageBytes: 1_000_000, maxImagePixels: 10_000_000 };

describe('decodeBase64Image', () => {
  test('decodes plain base64 and data: URIs', () => {
    const png = makePng();
    expect(decodeBase64Image(png.toString('base64'), LIMITS.maxImageBytes).bytes.equals(png)).toBe(true);
    const uri = decodeBase64Image(`data:image/png;base64,${png.toString('base64')}`, LIMITS.maxImageBytes);
    expect(uri.bytes.equals(png)).toBe(true);
    expect(uri.dataUriMime).toBe('image/png');
  });

  test('tolerates line breaks inside the base64', () => {
    const png = makePng();
    const wrapped = png.toString('base64').replace(/(.{60})/g, '$1\n');
    expect(decodeBase64Image(wrapped, LIMITS.maxImageBytes).bytes.equals(png)).toBe(true);
  });

  test.each([['not base64!'], ['abc$def'], ['a'], ['']])('refuses invalid base64 %j', (text) => {
    expect(() => decodeBase64Image(text, LIMITS.maxImageBytes)).toThrow(ValidationError);
  });

  test('refuses more bytes than the limit before decoding', () => {
    const big = Buffer.alloc(2000).toString('base64');
    expect(() => decodeBase64Image(big, 1024)).toThrow(PayloadTooLargeError);
  });
});

describe('checkInput', () => {
  test('accepts every format the pipeline reads, sniffed from the bytes, and records size and sha256', () => {
    const png = makePng(20, 10);
    expect(checkInput(png, 'image/png', LIMITS)).toMatchObject({ mimeType: 'image/png', byteLength: png.length });
    expect(checkInput(makeJpeg(32, 16), 'image/jpg', LIMITS).mimeType).toBe('image/jpeg');
    expect(checkInput(makeWebp(10, 12), undefined, LIMITS).mimeType).toBe('image/webp');
    expect(checkInput(Buffer.from('%PDF-1.7\n'), 'application/pdf', LIMITS).mimeType).toBe('application/pdf');
    expect(checkInput(png, undefined, LIMITS).sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('refuses bytes that are not a document with 400', () => {
    expect(() => checkInput(Buffer.from('hello world, not an image'), 'image/png', LIMITS)).toThrow(ValidationError);
  });

  test('refuses a format we do not read with 415', () => {
    expect(() => checkInput(makePng(), 'image/gif', LIMITS)).toThrow(UnsupportedMediaTypeError);
    expect(() => checkInput(GIF, undefined, LIMITS)).toThrow(UnsupportedMediaTypeError);
  });

  test('refuses a declared mime type that contradicts the bytes', () => {
    expect(() => checkInput(makePng(), 'image/jpeg', LIMITS)).toThrow(/image\/jpeg but the bytes are image\/png/);
  });

  test('refuses more bytes than MAX_IMAGE_BYTES with 413', () => {
    expect(() => checkInput(makePng(40, 40, 1, true), undefined, { maxImageBytes: 1024 })).toThrow(PayloadTooLargeError);
  });

  test('sniffs formats from magic numbers only', () => {
    expect(sniffDocumentType(makePng())).toBe('image/png');
    expect(sniffDocumentType(Buffer.from('%PDF-1.7'))).toBe('application/pdf');
    expect(sniffDocumentType(Buffer.alloc(0))).toBeUndefined();
  });
});
