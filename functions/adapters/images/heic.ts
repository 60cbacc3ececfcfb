// HEIC/HEIF through libheif (heic-decode → libheif-js, WASM). libheif applies the container's own
// rotation and mirroring (irot/imir) while decoding; HEIF says EXIF orientation must not be applied on
// top of that, and the decoded pixels carry no EXIF, so nothing here rotates again.
import { ValidationError } from '../../core/errors.ts';
import type { Size } from '../../core/images/budget.ts';
import type { PageEncoding, ProbedDocument } from '../../core/images/normalise.ts';
import { encodePage, loadSharp, resizeTo } from './decoder.ts';

type HeicDecode = typeof import('heic-decode').default;
let heicDecode: Promise<HeicDecode> | undefined;

/** heic-decode and its 2 MB WASM build, loaded on the first HEIC (not at cold start). */
function loadHeicDecode(): Promise<HeicDecode> {
  heicDecode ??= import('heic-decode').then((m) => m.default);
  return heicDecode;
}

function corrupt(err: unknown): ValidationError {
  const reason = err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : String(err);
  return new ValidationError('The HEIC/HEIF file is truncated or corrupt', { detected: 'image/heic', reason });
}

/** Opens the file's images without decoding them; the first top-level image is the page. */
async function open(bytes: Buffer) {
  const decode = await loadHeicDecode();
  try {
    const images = await decode.all({ buffer: bytes });
    if (images.length === 0) throw new Error('no image in the file');
    return images;
  } catch (err) {
    throw corrupt(err);
  }
}

export const heicDecoder = {
  async probe(bytes: Buffer): Promise<ProbedDocument> {
    const images = await open(bytes);
    try {
      const first = images[0]!;
      return { pageCount: 1, pages: [{ width: first.width, height: first.height }] };
    } finally {
      images.dispose();
    }
  },

  async render(bytes: Buffer, size: Size, opts: { encoding: PageEncoding; maxInputPixels: number }): Promise<Buffer[]> {
    const images = await open(bytes);
    try {
      const first = images[0]!;
      if (first.width * first.height > opts.maxInputPixels) {
        throw new ValidationError('The HEIC image is larger than the pixel limit', { width: first.width, height: first.height });
      }
      let decoded;
      try {
        decoded = await first.decode();
      } catch (err) {
        throw corrupt(err);
      }
      const sharp = await loadSharp();
      const raw = Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
      const image = sharp(raw, { raw: { width: decoded.width, height: decoded.height, channels: 4 } });
      return [await encodePage(resizeTo(image, size), opts.encoding)];
    } finally {
      images.dispose();
    }
  },
};
