// The process-wide page decoder (sharp, libheif, PDFium), imported only by the functions that call the
// model (POST /v1/extract, ExtractItem): the image libraries stay out of every other bundle.
import type { DocumentDecoder } from '../../core/images/normalise.ts';
import { LibraryDocumentDecoder } from './decoder.ts';

let shared: DocumentDecoder | undefined;

export function sharedDecoder(): DocumentDecoder {
  shared ??= new LibraryDocumentDecoder();
  return shared;
}
