import { describe, expect, test } from 'vitest';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../functions/core/errors.ts';
import { decodeBase64Image, inspectImage, sniffImageType } from '../../functions/core/images/image.ts';
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

describe('inspectImage', () => {
  test('accepts PNG, JPEG and WebP and reads their dimensions', () => {
    expect(inspectImage(makePng(20, 10), 'image/png', LIMITS)).toMatchObject({ mimeType: 'image/png', width: 20, height: 10 });
    expect(inspectImage(makeJpeg(32, 16), 'image/jpeg', LIMITS)).toMatchObject({ mimeType: 'image/jpeg', width: 32, height: 16 });
    expect(inspectImage(makeWebp(10, 12), undefined, LIMITS)).toMatchObject({ mimeType: 'image/webp', width: 10, height: 12 });
  });

  test('treats image/jpg as image/jpeg and records size and sha256', () => {
    const img = inspectImage(makeJpeg(), 'image/jpg', LIMITS);
    expect(img.mimeType).toBe('image/jpeg');
    expect(img.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(img.byteLength).toBe(makeJpeg().length);
  });

  test('refuses bytes that are not an image with 400', () => {
    expect(() => inspectImage(Buffer.from('hello world, not an image'), 'image/png', LIMITS)).toThrow(ValidationError);
  });

  test('refuses a mime type we do not accept with 415', () => {
    expect(() => inspectImage(makePng(), 'image/gif', LIMITS)).toThrow(UnsupportedMediaTypeError);
    expect(() => inspectImage(GIF, undefined, LIMITS)).toThrow(UnsupportedMediaTypeError);
  });

  test('refuses a declared mime type that contradicts the bytes', () => {
    expect(() => inspectImage(makePng(), 'image/jpeg', LIMITS)).toThrow(/image\/jpeg but the image bytes are image\/png/);
  });

  test('refuses truncated PNG, JPEG and WebP files', () => {
    const png = makePng(40, 40);
    expect(() => inspectImage(png.subarray(0, png.length - 20), 'image/png', LIMITS)).toThrow(/truncated/);
    const jpeg = makeJpeg();
    expect(() => inspectImage(jpeg.subarray(0, jpeg.length - 2), 'image/jpeg', LIMITS)).toThrow(/truncated/);
    const webp = makeWebp();
    expect(() => inspectImage(webp.subarray(0, webp.length - 3), 'image/webp', LIMITS)).toThrow(/truncated/);
  });

  test('refuses a decompression bomb (huge canvas in a small file) with 413', () => {
    const bomb = makePngBomb(100_000, 100_000);
    expect(bomb.length).toBeLessThan(2000);
    expect(() => inspectImage(bomb, 'image/png', LIMITS)).toThrow(PayloadTooLargeError);
  });

  test('sniffs formats from magic numbers only', () => {
    expect(sniffImageType(makePng())).toBe('image/png');
    expect(sniffImageType(Buffer.from('%PDF-1.7'))).toBe('application/pdf');
    expect(sniffImageType(Buffer.alloc(0))).toBeUndefined();
  });
});
