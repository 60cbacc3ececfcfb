// PDF pages through PDFium (@hyzyla/pdfium, WASM build, MIT/BSD licences): each page rendered straight
// at the size the budget gives it (never at a fixed DPI, so a huge page cannot become a huge bitmap).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { PDFiumDocument, PDFiumLibrary } from '@hyzyla/pdfium';
import { EncryptedDocumentError, ValidationError } from '../../core/errors.ts';
import type { Size } from '../../core/images/budget.ts';
import type { PageEncoding, ProbedDocument } from '../../core/images/normalise.ts';
import { encodePage, loadSharp } from './decoder.ts';

// Not named `require`: the Lambda bundle's banner defines that name at the top level.
const resolver = createRequire(import.meta.url);
let library: Promise<PDFiumLibrary> | undefined;

/** One PDFium instance per process; its WASM binary is read from the installed package. */
function pdfium(): Promise<PDFiumLibrary> {
  library ??= import('@hyzyla/pdfium').then(({ PDFiumLibrary: Library }) =>
    Library.init({ wasmBinary: readFileSync(resolver.resolve('@hyzyla/pdfium/pdfium.wasm')).buffer as ArrayBuffer }),
  );
  return library;
}

async function openDocument(bytes: Buffer): Promise<PDFiumDocument> {
  const lib = await pdfium();
  try {
    return await lib.loadDocument(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/password|security/i.test(message)) throw new EncryptedDocumentError();
    throw new ValidationError('The PDF is truncated or corrupt', { detected: 'application/pdf', reason: message.slice(0, 200) });
  }
}

export const pdfDecoder = {
  async probe(bytes: Buffer, opts: { maxPages: number }): Promise<ProbedDocument> {
    const doc = await openDocument(bytes);
    try {
      const pageCount = doc.getPageCount();
      const pages = [];
      for (let i = 0; i < Math.min(pageCount, opts.maxPages); i++) {
        // Points (1/72 in), after the page's /Rotate.
        const { originalWidth, originalHeight } = doc.getPage(i).getOriginalSize();
        pages.push({ width: originalWidth, height: originalHeight });
      }
      return { pageCount, pages };
    } finally {
      doc.destroy();
    }
  },

  async render(bytes: Buffer, sizes: readonly Size[], encoding: PageEncoding): Promise<Buffer[]> {
    const doc = await openDocument(bytes);
    const sharp = await loadSharp();
    try {
      const out: Buffer[] = [];
      for (const [i, size] of sizes.entries()) {
        // width/height are taken as the bitmap's size at scale 1; the page is drawn on white, RGBA.
        const rendered = await doc.getPage(i).render({ render: 'bitmap', width: size.width, height: size.height, scale: 1 });
        const raw = Buffer.from(rendered.data.buffer, rendered.data.byteOffset, rendered.data.byteLength);
        out.push(
          await encodePage(sharp(raw, { raw: { width: rendered.width, height: rendered.height, channels: 4 } }), encoding),
        );
      }
      return out;
    } finally {
      doc.destroy();
    }
  },
};
