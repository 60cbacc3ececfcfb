// multipart/form-data bodies on @fastify/busboy (maintained; not busboy 0.3/dicer, CVE-2022-24434 —
// DESIGN.md §8). Keeps file order and repeated `files` parts, and enforces the file-count and byte limits
// while parsing, so an oversized upload is refused (413) before anything is stored.
import { Busboy, type BusboyInstance } from '@fastify/busboy';
import { PayloadTooLargeError, TooManyFilesError, UnsupportedMediaTypeError, ValidationError } from '../core/errors.ts';

export interface MultipartFile {
  field: string;
  filename: string;
  mimeType: string;
  bytes: Buffer;
}

export interface MultipartBody {
  /** Text fields; a repeated field keeps its last value. */
  fields: Record<string, string>;
  /** File parts in the order they were sent. */
  files: MultipartFile[];
}

export interface MultipartLimits {
  /** Most file parts counted against `maxFiles` (other file fields, e.g. a GT file, are allowed once). */
  maxFiles: number;
  /** Most bytes across all file parts. */
  maxBytes: number;
  /** File fields counted as uploads. */
  fileFields: readonly string[];
  /** Other file fields accepted (at most once each). */
  extraFileFields?: readonly string[];
}

const BOUNDARY = /^multipart\/form-data\s*;(.*;)?\s*boundary=("[^"]{1,70}"|[^\s;]{1,70})\s*(;.*)?$/i;

/** Parses the body of a multipart route; 415 for another content type, 400 for a malformed body, 413 over a limit. */
export async function parseMultipart(
  raw: Buffer,
  contentType: string | undefined,
  limits: MultipartLimits,
): Promise<MultipartBody> {
  if (!contentType || !BOUNDARY.test(contentType.trim())) {
    throw new UnsupportedMediaTypeError('Send the body as multipart/form-data with a boundary', {
      content_type: contentType ?? null,
    });
  }
  const extra = limits.extraFileFields ?? [];
  return new Promise<MultipartBody>((resolve, reject) => {
    const fields: Record<string, string> = Object.create(null);
    const files: MultipartFile[] = [];
    let uploads = 0;
    let bytes = 0;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      reject(err);
    };

    let busboy: BusboyInstance;
    try {
      busboy = Busboy({
        headers: { 'content-type': contentType },
        limits: {
          // One more than allowed, so "too many" is seen as a file event rather than silently dropped.
          files: limits.maxFiles + extra.length + 1,
          fileSize: limits.maxBytes + 1,
          fields: 50,
          fieldSize: 64 * 1024,
          fieldNameSize: 100,
          parts: limits.maxFiles + extra.length + 51,
          headerPairs: 20,
        },
      });
    } catch (err) {
      throw new ValidationError('The multipart body cannot be parsed', {
        reason: err instanceof Error ? err.message : String(err),
      });
    }

    busboy.on('file', (field, stream, filename, _encoding, mimeType) => {
      const isUpload = limits.fileFields.includes(field);
      if (!isUpload && !extra.includes(field)) {
        stream.resume();
        return fail(new ValidationError(`Unexpected file part "${field}"`, { accepted: [...limits.fileFields, ...extra] }));
      }
      if (isUpload && ++uploads > limits.maxFiles) {
        stream.resume();
        return fail(new TooManyFilesError(`At most ${limits.maxFiles} files per upload`, { max_files: limits.maxFiles }));
      }
      if (!isUpload && files.some((f) => f.field === field)) {
        stream.resume();
        return fail(new ValidationError(`The "${field}" part may appear only once`));
      }
      const chunks: Buffer[] = [];
      // A part cut short errors on its own stream, not on busboy: unhandled, it would crash the process.
      stream.on('error', (err: unknown) =>
        fail(
          new ValidationError('The multipart body is malformed', { reason: err instanceof Error ? err.message : String(err) }),
        ),
      );
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > limits.maxBytes) {
          stream.resume();
          return fail(
            new PayloadTooLargeError(`The uploaded files exceed ${limits.maxBytes} bytes`, { max_upload_bytes: limits.maxBytes }),
          );
        }
        if (!failed) chunks.push(chunk);
      });
      stream.on('limit', () =>
        fail(
          new PayloadTooLargeError(`The uploaded files exceed ${limits.maxBytes} bytes`, { max_upload_bytes: limits.maxBytes }),
        ),
      );
      // Registered now, so the order of `files` is the order the parts were sent in.
      const entry: MultipartFile = { field, filename: baseName(filename), mimeType: mimeType || '', bytes: Buffer.alloc(0) };
      files.push(entry);
      stream.on('end', () => {
        entry.bytes = Buffer.concat(chunks);
      });
    });
    busboy.on('field', (field, value, _nameTruncated, valueTruncated) => {
      if (valueTruncated) return fail(new ValidationError(`Field "${field}" is too long`));
      if (limits.fileFields.includes(field) || extra.includes(field)) {
        return fail(new ValidationError(`"${field}" must be a file part (with a filename), not a text field`));
      }
      fields[field] = value;
    });
    busboy.on('filesLimit', () =>
      fail(new TooManyFilesError(`At most ${limits.maxFiles} files per upload`, { max_files: limits.maxFiles })),
    );
    busboy.on('partsLimit', () => fail(new ValidationError('Too many parts in the multipart body')));
    busboy.on('fieldsLimit', () => fail(new ValidationError('Too many fields in the multipart body')));
    busboy.on('error', (err: unknown) =>
      fail(new ValidationError('The multipart body is malformed', { reason: err instanceof Error ? err.message : String(err) })),
    );
    busboy.on('finish', () => {
      if (!failed) resolve({ fields: { ...fields }, files });
    });
    try {
      busboy.end(raw);
    } catch (err) {
      fail(new ValidationError('The multipart body is malformed', { reason: err instanceof Error ? err.message : String(err) }));
    }
  });
}

/** The file's own name, never a client path. */
function baseName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  return base.trim() === '' ? 'file' : base.slice(-200);
}
