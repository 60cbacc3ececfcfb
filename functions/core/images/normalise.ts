// One normalisation step in front of the model: the bytes a client sent become the pages the model sees,
// upright, metadata-free, sized for the task's budget and the model's context, the same bytes every time.
import { createHash } from 'node:crypto';
import { PayloadTooLargeError, ValidationError } from '../errors.ts';
import {
  type ContextBudget,
  type DocumentPlan,
  type PixelBudget,
  type Size,
  assertPageCount,
  planDocument,
  visualTokens,
} from './budget.ts';
import type { CheckedInput } from './image.ts';
import type { DocumentMimeType } from './sniff.ts';

/** PDF pages are vector: they are rendered at the budget's size, but never finer than this. */
export const PDF_MAX_DPI = 300;
/** The largest page PDF allows (14,400 units = 200 inches); anything bigger is not a receipt or an invoice. */
export const PDF_MAX_PAGE_POINTS = 14_400;

/** How the sent pages are encoded (chosen by measurement: bench/README.md "Page encoding"). */
export type PageEncoding = { format: 'jpeg'; quality: number } | { format: 'png' };
export const SENT_PAGE_ENCODING: PageEncoding = { format: 'jpeg', quality: 85 };

/** One page of a document as its header describes it, before any pixel is decoded. */
export interface ProbedPage {
  /** Upright width: pixels for raster pages (after EXIF orientation or HEIF irot), points (1/72 in) for PDF. */
  width: number;
  height: number;
}

export interface ProbedDocument {
  /** Every page the file has (a TIFF's directories, a PDF's pages; 1 for other images). */
  pageCount: number;
  /** The first min(pageCount, maxPages) pages. */
  pages: ProbedPage[];
}

/** Decoding and encoding behind the pipeline (sharp, libheif, PDFium in the product). */
export interface DocumentDecoder {
  /** Library versions that decide the bytes sent (recorded in the artifact). */
  readonly versions: Record<string, string>;
  /**
   * Reads the file's structure without decoding pixels. Throws ValidationError for a corrupt file and
   * EncryptedDocumentError for a password-protected PDF.
   */
  probe(bytes: Buffer, mime: DocumentMimeType, opts: { maxPages: number }): Promise<ProbedDocument>;
  /**
   * Decodes the first `sizes.length` pages, upright, and encodes each at exactly its size with no
   * metadata. `maxInputPixels` bounds what a raster decoder accepts (a second line behind the probe).
   */
  render(
    bytes: Buffer,
    mime: DocumentMimeType,
    sizes: readonly Size[],
    opts: { encoding: PageEncoding; maxInputPixels: number },
  ): Promise<Buffer[]>;
}

export interface NormaliseLimits {
  /** Pixels of one raster page before decoding (MAX_IMAGE_PIXELS): the decompression-bomb guard. */
  maxImagePixels: number;
}

export interface NormaliseRequest {
  budget: PixelBudget;
  context: ContextBudget;
  /** The prompt text sent with the pages (its estimate takes part in the context budget). */
  promptText: string;
  limits: NormaliseLimits;
}

/** `input.original` of the artifact. */
export interface OriginalInput {
  mime_type: DocumentMimeType;
  byte_length: number;
  sha256: string;
  /** First page: pixels (upright), or points for a PDF. */
  width: number;
  height: number;
  pages: number;
}

/** One page as sent to the model. */
export interface SentPage {
  /** 1-based page number. */
  page: number;
  mimeType: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  bytes: Buffer;
  byteLength: number;
  visualTokens: number;
  sha256: string;
}

export interface NormalisedDocument {
  original: OriginalInput;
  pages: SentPage[];
  /** The task's budget and the model's context it was planned with. */
  budget: PixelBudget;
  context: ContextBudget;
  plan: DocumentPlan;
  encoding: PageEncoding;
  decoder: Record<string, string>;
}

/**
 * Turns checked input (functions/core/images/image.ts checkInput: byte limit and sniffed format) into the
 * pages the model sees.
 * 1. the structure probed without decoding: page count (413 too_many_pages), per-page pixels of raster
 *    pages (413 before decoding a bomb), page size of PDF pages (200 inches at most)
 * 2. the plan: every page sized in multiples of 32 px within the task's budget and the model's context
 * 3. decode, orient, strip metadata, resize and encode each page; hash what is sent
 */
export async function normaliseDocument(
  decoder: DocumentDecoder,
  input: CheckedInput,
  request: NormaliseRequest,
): Promise<NormalisedDocument> {
  const { limits, context } = request;
  const { bytes, mimeType: mime } = input;
  const probed = await decoder.probe(bytes, mime, { maxPages: context.maxDocumentPages });
  if (probed.pageCount < 1 || probed.pages.length < 1) throw new ValidationError('The document has no pages', { detected: mime });
  assertPageCount(probed.pageCount, context);
  const plan = planDocument(sourceSizes(mime, probed, limits), request.budget, context, request.promptText);
  const encoding = SENT_PAGE_ENCODING;
  const encoded = await decoder.render(bytes, mime, plan.pages, { encoding, maxInputPixels: limits.maxImagePixels });
  const pages = encoded.map((page, i): SentPage => ({
    page: i + 1,
    mimeType: encoding.format === 'jpeg' ? 'image/jpeg' : 'image/png',
    width: plan.pages[i]!.width,
    height: plan.pages[i]!.height,
    bytes: page,
    byteLength: page.length,
    visualTokens: visualTokens(plan.pages[i]!),
    sha256: sha256(page),
  }));
  const first = probed.pages[0]!;
  return {
    original: {
      mime_type: mime,
      byte_length: input.byteLength,
      sha256: input.sha256,
      width: first.width,
      height: first.height,
      pages: probed.pageCount,
    },
    pages,
    budget: request.budget,
    context,
    plan,
    encoding,
    decoder: decoder.versions,
  };
}

/** Pixel size each page would have at full resolution, refusing bombs and absurd PDF pages before decoding. */
function sourceSizes(mime: DocumentMimeType, probed: ProbedDocument, limits: NormaliseLimits): Size[] {
  return probed.pages.map((p, i) => {
    if (!(p.width > 0 && p.height > 0)) {
      throw new ValidationError('A page has no pixels', { page: i + 1, width: p.width, height: p.height });
    }
    if (mime === 'application/pdf') {
      if (Math.max(p.width, p.height) > PDF_MAX_PAGE_POINTS) {
        throw new PayloadTooLargeError(
          `Page ${i + 1} is ${(p.width / 72).toFixed(0)}x${(p.height / 72).toFixed(0)} inches, over the 200-inch limit`,
          { page: i + 1, width_pt: p.width, height_pt: p.height, max_page_points: PDF_MAX_PAGE_POINTS },
        );
      }
      return { width: (p.width * PDF_MAX_DPI) / 72, height: (p.height * PDF_MAX_DPI) / 72 };
    }
    if (p.width * p.height > limits.maxImagePixels) {
      throw new PayloadTooLargeError(
        `Page ${i + 1} is ${p.width}x${p.height} pixels, over the limit of ${limits.maxImagePixels}`,
        { page: i + 1, width: p.width, height: p.height, max_image_pixels: limits.maxImagePixels },
      );
    }
    return { width: p.width, height: p.height };
  });
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
