// Request validators of the upload session routes, compiled once per container from schemas/api.
import { Ajv } from 'ajv';
import completeSchema from '../../schemas/api/upload-complete-request.schema.json' with { type: 'json' };
import createSchema from '../../schemas/api/upload-create-request.schema.json' with { type: 'json' };
import fileSchema from '../../schemas/api/upload-file.schema.json' with { type: 'json' };
import filesSchema from '../../schemas/api/upload-files-request.schema.json' with { type: 'json' };
import { TooManyFilesError, ValidationError } from '../core/errors.ts';
import type { CompleteUploadRequest } from '../core/uploads/complete.ts';
import { MAX_FILES_PER_CALL } from '../core/uploads/upload-model.ts';
import type { AddFilesRequest, CreateUploadRequest } from '../core/uploads/sessions.ts';
import { parseBody } from './validators.ts';

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(fileSchema);

const validateCreate = ajv.compile<CreateUploadRequest>(createSchema);
const validateFiles = ajv.compile<AddFilesRequest>(filesSchema);
const validateComplete = ajv.compile<CompleteUploadRequest>(completeSchema);

/** Counted before the schema, so 100,000 files are one 413 rather than a 400 listing each of them. */
function checkFileCount(body: unknown): void {
  const files = (body as { files?: unknown } | null)?.files;
  if (Array.isArray(files) && files.length > MAX_FILES_PER_CALL) {
    throw new TooManyFilesError(
      `At most ${MAX_FILES_PER_CALL} files per call: add more with POST /v1/uploads/{upload_id}/files`,
      {
        max_files_per_call: MAX_FILES_PER_CALL,
        files: files.length,
      },
    );
  }
}

export function parseCreateUpload(body: unknown): CreateUploadRequest {
  checkFileCount(body);
  return parseBody(validateCreate, body);
}

export function parseAddFiles(body: unknown): AddFilesRequest {
  checkFileCount(body);
  return parseBody(validateFiles, body);
}

export function parseCompleteUpload(body: unknown): CompleteUploadRequest {
  return parseBody(validateComplete, body);
}

/** `?cursor=&limit=` of GET /v1/uploads/{upload_id}. */
export function parseUploadQuery(query: Record<string, string>): { cursor?: string; limit: number } {
  const unknown = Object.keys(query).filter((k) => k !== 'cursor' && k !== 'limit');
  if (unknown.length > 0)
    throw new ValidationError(`Unknown query parameter: ${unknown.join(', ')}`, { allowed: ['cursor', 'limit'] });
  const limit = query.limit === undefined ? MAX_FILES_PER_CALL : Number(query.limit);
  if (!/^\d+$/.test(query.limit ?? '1') || !Number.isInteger(limit) || limit < 1 || limit > MAX_FILES_PER_CALL) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_FILES_PER_CALL}`, { limit: query.limit });
  }
  if (query.cursor !== undefined && query.cursor.length > 2048) throw new ValidationError('cursor is not valid');
  return { limit, ...(query.cursor ? { cursor: query.cursor } : {}) };
}
