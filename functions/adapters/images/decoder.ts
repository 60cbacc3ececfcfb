// The DocumentDecoder of the product: sharp (libvips) for JPEG, PNG, WebP and TIFF and for every resize
// and encode; libheif (heic-decode, WASM) for HEIC/HEIF; PDFium (@hyzyla/pdfium, WASM) for PDF pages.
// The libraries load on first use, so functions that never see a HEIC or a PDF never pay for them.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Sharp } from 'sharp';
import { ValidationError } from '../../core/errors.ts';
import type { Size } from '../../core/images/budget.ts';
import type { DocumentDecoder, PageEncoding, ProbedDocument } from '../../core/images/normalise.ts';
import type { DocumentMimeType } from '../../core/images/sniff.ts';
import { heicDecoder } from './heic.ts';
import { pdfDecoder } from './pdf.ts';

// Not named `require`: the Lambda bundle's banner defines that name at the top level.
const resolver = createRequire(import.meta.url);
type SharpModule = (typeof import('sharp'))['default'];
let sharpModule: Promise<SharpModule> | undefined;
let loadedSharp: SharpModule | undefined;

/** sharp itself, loaded once (its native binding is the costly part). */
export function loadSharp(): Promise<SharpModule> {
  sharpModule ??= import('sharp').then((m) => {
    loadedSharp = m.default;
    return loadedSharp;
  });
  return sharpModule;
}

/** The version of an installed package, read from its package.json next to its entry point. */
export function packageVersion(name: string, entry: string = name): string {
  let dir = dirname(resolver.resolve(entry));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version) return pkg.version;
    } catch {
      // not this folder
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

/** Encodes a page that is already upright and at its final size: sRGB, no alpha, no metadata. */
export function encodePage(image: Sharp, encoding: PageEncoding): Promise<Buffer> {
  const flat = image.flatten({ background: '#ffffff' }).toColourspace('srgb');
  // sharp writes no EXIF, XMP or ICC unless asked (keepMetadata/withMetadata): nothing is asked here.
  return encoding.format === 'jpeg'
    ? flat.jpeg({ quality: encoding.quality, chromaSubsampling: '4:2:0', mozjpeg: false }).toBuffer()
    : flat.png({ compressionLevel: 9, adaptiveFiltering: false }).toBuffer();
}

/** Resizes decoded pixels to exactly `size` (sides are multiples of 32, so the aspect may move a little). */
export function resizeTo(image: Sharp, size: Size): Sharp {
  return image.resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' });
}

function corrupt(mime: DocumentMimeType, err: unknown): ValidationError {
  const reason = err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : String(err);
  return new ValidationError(`The ${mime} file is truncated or corrupt`, { detected: mime, reason });
}

/** JPEG, PNG, WebP and TIFF through libvips: headers first, pixels only in render. */
const rasterDecoder = {
  async probe(bytes: Buffer, mime: DocumentMimeType, opts: { maxPages: number }): Promise<ProbedDocument> {
    const sharp = await loadSharp();
    try {
      const first = await sharp(bytes, { limitInputPixels: false }).metadata();
      const pageCount = mime === 'image/tiff' ? (first.pages ?? 1) : 1;
      const pages = [];
      for (let page = 0; page < Math.min(pageCount, opts.maxPages); page++) {
        const meta = page === 0 ? first : await sharp(bytes, { page, limitInputPixels: false }).metadata();
        const turned = (meta.orientation ?? 1) >= 5;
        pages.push(turned ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height });
      }
      return { pageCount, pages };
    } catch (err) {
      throw corrupt(mime, err);
    }
  },

  async render(
    bytes: Buffer,
    mime: DocumentMimeType,
    sizes: readonly Size[],
    opts: { encoding: PageEncoding; maxInputPixels: number },
  ): Promise<Buffer[]> {
    const sharp = await loadSharp();
    const out: Buffer[] = [];
    for (const [page, size] of sizes.entries()) {
      try {
        // failOn 'warning' (sharp's default) refuses truncated data instead of sending a grey half-page.
        const image = sharp(bytes, { page, limitInputPixels: opts.maxInputPixels, failOn: 'warning' }).autoOrient();
        out.push(await encodePage(resizeTo(image, size), opts.encoding));
      } catch (err) {
        throw corrupt(mime, err);
      }
    }
    return out;
  },
};

export class LibraryDocumentDecoder implements DocumentDecoder {
  private readonly packages = {
    sharp: packageVersion('sharp'),
    'heic-decode': packageVersion('heic-decode'),
    'libheif-js': packageVersion('libheif-js'),
    '@hyzyla/pdfium': packageVersion('@hyzyla/pdfium', '@hyzyla/pdfium/pdfium.wasm'),
  };

  /** Package versions, and libvips' once sharp is loaded (it is by the time a page was rendered). */
  get versions(): Record<string, string> {
    return {
      ...this.packages,
      libvips: loadedSharp?.versions.vips ?? 'not loaded',
      platform: `${process.platform}-${process.arch}`,
    };
  }

  probe(bytes: Buffer, mime: DocumentMimeType, opts: { maxPages: number }): Promise<ProbedDocument> {
    if (mime === 'application/pdf') return pdfDecoder.probe(bytes, opts);
    if (mime === 'image/heic' || mime === 'image/heif') return heicDecoder.probe(bytes);
    return rasterDecoder.probe(bytes, mime, opts);
  }

  render(
    bytes: Buffer,
    mime: DocumentMimeType,
    sizes: readonly Size[],
    opts: { encoding: PageEncoding; maxInputPixels: number },
  ): Promise<Buffer[]> {
    if (mime === 'application/pdf') return pdfDecoder.render(bytes, sizes, opts.encoding);
    if (mime === 'image/heic' || mime === 'image/heif') return heicDecoder.render(bytes, sizes[0]!, opts);
    return rasterDecoder.render(bytes, mime, sizes, opts);
  }
}
