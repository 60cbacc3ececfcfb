// What the OpenAPI document says about each route of functions/routes.ts: summary, parameters, bodies and
// the statuses it answers. Keyed by route id; a route with no entry here fails the suite (test/unit/openapi.test.ts).
// Statuses every route shares are added by document.ts: 401 (a key is needed), 403 (a scope is needed),
// 404 (path parameters or DEBUG_MODE-only), 400 (a JSON or multipart body), and `default` for the rest.

/** A response schema under schemas/api/responses/ (file name without .schema.json). */
export type ResponseSchema =
  | 'health'
  | 'ready'
  | 'me'
  | 'extract'
  | 'job-accepted'
  | 'batch-finished'
  | 'job'
  | 'jobs-list'
  | 'runs-list'
  | 'run-items'
  | 'extract-artifact'
  | 'extract-pages'
  | 'batch-artifact'
  | 'eval-artifact'
  | 'artifact'
  | 'eval-summary'
  | 'debug-artifacts-list'
  | 'debug-raw'
  | 'debug-backup'
  | 'upload-session'
  | 'upload-session-page'
  | 'upload-completed'
  | 'error';

/** A request schema under schemas/api/ (file name without .schema.json). */
export type RequestSchema =
  | 'extract-request'
  | 'batch-dir-request'
  | 'batch-rerun-request'
  | 'run-eval-request'
  | 'upload-create-request'
  | 'upload-files-request'
  | 'upload-complete-request';

export interface QueryParameterDoc {
  name: string;
  description: string;
  schema: Record<string, unknown>;
  required?: boolean;
}

export interface ResponseDoc {
  description: string;
  /** JSON body schema; `error` for the one error body. */
  schema?: ResponseSchema;
  /** Non-JSON bodies: media type → schema. */
  content?: Record<string, Record<string, unknown>>;
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
}

export interface RouteDoc {
  summary: string;
  description?: string;
  tag: 'system' | 'extract' | 'uploads' | 'batches' | 'jobs' | 'runs' | 'evaluation' | 'debug' | 'docs';
  query?: QueryParameterDoc[];
  /** JSON body schema, or the multipart form of the upload routes. */
  requestBody?: RequestSchema | 'upload-form';
  /** The statuses this route answers besides the shared ones (see the header comment). */
  responses: Record<number, ResponseDoc>;
}

const limit = (max: number, fallback: number): QueryParameterDoc => ({
  name: 'limit',
  description: `Page size (default ${fallback}).`,
  schema: { type: 'integer', minimum: 1, maximum: max, default: fallback },
});
const cursor: QueryParameterDoc = {
  name: 'cursor',
  description: 'Opaque cursor from the previous page (`next_cursor`).',
  schema: { type: 'string', maxLength: 2048, pattern: '^[A-Za-z0-9_-]+$' },
};
const artifactKind: QueryParameterDoc = {
  name: 'kind',
  description: 'Artifact kind (default extract).',
  schema: { type: 'string', enum: ['extract', 'batch', 'eval'], default: 'extract' },
};
const day: QueryParameterDoc = {
  name: 'day',
  description: 'Only artifacts of this day (YYYY-MM-DD, UTC).',
  schema: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
};

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } } };
const e = (description: string): ResponseDoc => ({ description, schema: 'error' });
const accepted: ResponseDoc = { description: 'The job was created; poll `poll_url`.', schema: 'job-accepted' };
const syncBatch: Record<number, ResponseDoc> = {
  200: { description: 'The run finished within the wait (SYNC_WAIT_S): its summary.', schema: 'batch-finished' },
  202: { description: 'The run is still going: poll `poll_url`.', schema: 'job-accepted' },
};

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  health: { summary: 'Liveness', tag: 'system', responses: { 200: { description: 'Up.', schema: 'health' } } },
  ready: {
    summary: 'Readiness of every dependency (tables, bucket, model backend)',
    tag: 'system',
    responses: {
      200: { description: 'Every dependency answers.', schema: 'ready' },
      503: { description: 'A dependency does not answer: see `checks`.', schema: 'ready' },
    },
  },
  me: {
    summary: 'The calling key',
    tag: 'system',
    responses: { 200: { description: 'key_id, role and scopes.', schema: 'me' } },
  },
  extract: {
    summary: 'Extract fields from one image (sync)',
    description:
      'Runs the task on one image and answers with the fields. The artifact is written on success and on every failure.',
    tag: 'extract',
    requestBody: 'extract-request',
    responses: {
      200: { description: 'The result, valid against the task schema when `schema_ok`.', schema: 'extract' },
      404: e('With upload_id: no such upload session for this key, or no such file in it.'),
      409: e('The request_id was used before (conflict).'),
      410: e('With upload_id: the upload session expired (upload_expired).'),
      413: e('The image is too large (payload_too_large).'),
      415: e('Not a supported image type (unsupported_media_type).'),
      503: { description: 'The model backend is unavailable (backend_unavailable).', schema: 'error', headers: retryAfter },
      504: e('The model did not answer in time (inference_timeout).'),
    },
  },
  'extract-async': {
    summary: 'Extract fields from one image as a job',
    tag: 'extract',
    requestBody: 'extract-request',
    responses: {
      202: accepted,
      404: e('With upload_id: no such upload session for this key, or no such file in it.'),
      409: e('The request_id was used before (conflict).'),
      410: e('With upload_id: the upload session expired (upload_expired).'),
    },
  },
  'uploads-create': {
    summary: 'Start an upload session: a presigned PUT per file, straight to the bucket',
    description:
      'Declares 1 to 1,000 files; each gets an `upload_url` signed for its Content-Type and Content-Length. Every bad file is named in one answer.',
    tag: 'uploads',
    requestBody: 'upload-create-request',
    responses: {
      201: { description: 'The session, with an upload URL per file.', schema: 'upload-session' },
      413: e('More than 1,000 files, or a file over MAX_INPUT_FILE_BYTES (too_many_files / payload_too_large).'),
      415: e('A mime_type that is not accepted (unsupported_media_type).'),
    },
  },
  'uploads-get': {
    summary: 'An upload session: its files page by page, pending or uploaded',
    description: 'Pending files of an open session get a fresh upload URL: resume an interrupted upload from here.',
    tag: 'uploads',
    query: [limit(1000, 1000), { ...cursor, description: 'Opaque cursor from the previous page (`cursor`).' }],
    responses: {
      200: { description: 'The session and one page of its files.', schema: 'upload-session-page' },
      400: e('A limit or cursor that is not valid.'),
      410: e('The session expired (upload_expired).'),
    },
  },
  'uploads-add-files': {
    summary: 'Add files to an open upload session',
    tag: 'uploads',
    requestBody: 'upload-files-request',
    responses: {
      201: { description: 'The files added, each with its upload URL.', schema: 'upload-session' },
      409: e('The session is completed, or another call is adding files to it (conflict).'),
      410: e('The session expired (upload_expired).'),
      413: e('More than 1,000 files, past MAX_BATCH_ITEMS in the session, or a file too large.'),
    },
  },
  'uploads-complete': {
    summary: 'Complete an upload session into a batch run',
    description:
      'Every file is checked in the bucket (present, declared size, in time) before anything starts; the same body again answers with the same job.',
    tag: 'uploads',
    requestBody: 'upload-complete-request',
    responses: {
      202: { description: 'The run was started: poll `poll_url`.', schema: 'upload-completed' },
      409: e('Completed before with another body, a run_id used before, or files being added (conflict).'),
      410: e('The session expired (upload_expired).'),
    },
  },
  'batch-extract': {
    summary: 'Batch over a folder of the data root (sync wait)',
    tag: 'batches',
    requestBody: 'batch-dir-request',
    responses: { ...syncBatch, 404: e('images_dir or gt_path is not in the data root.') },
  },
  'batch-extract-async': {
    summary: 'Batch over a folder of the data root (async)',
    tag: 'batches',
    requestBody: 'batch-dir-request',
    responses: { 202: accepted },
  },
  'batch-extract-upload': {
    summary: 'Batch over uploaded files (multipart, sync wait)',
    tag: 'batches',
    requestBody: 'upload-form',
    responses: {
      ...syncBatch,
      413: e('Too many files or bytes (too_many_files / payload_too_large).'),
      415: e('Not a multipart/form-data body.'),
    },
  },
  'batch-extract-upload-async': {
    summary: 'Batch over uploaded files (multipart, async)',
    tag: 'batches',
    requestBody: 'upload-form',
    responses: {
      202: accepted,
      409: e('The run_id was used before.'),
      413: e('Too many files or bytes (too_many_files / payload_too_large).'),
      415: e('Not a multipart/form-data body.'),
    },
  },
  'batch-extract-rerun': {
    summary: "Rerun a run's persisted inputs (sync wait)",
    tag: 'batches',
    requestBody: 'batch-rerun-request',
    responses: {
      ...syncBatch,
      404: e('No such source run for this key.'),
      409: e('The new run_id was used before, or the source run has no persisted inputs.'),
    },
  },
  'batch-extract-rerun-async': {
    summary: "Rerun a run's persisted inputs (async)",
    tag: 'batches',
    requestBody: 'batch-rerun-request',
    responses: { 202: accepted, 404: e('No such source run for this key.') },
  },
  'jobs-batch-extract-dir': {
    summary: 'Create a folder batch job (low level)',
    tag: 'jobs',
    requestBody: 'batch-dir-request',
    responses: { 202: accepted },
  },
  'jobs-batch-extract-rerun': {
    summary: 'Create a rerun job (low level)',
    tag: 'jobs',
    requestBody: 'batch-rerun-request',
    responses: { 202: accepted, 404: e('No such source run for this key.') },
  },
  'jobs-get': {
    summary: 'A job: status, progress, result or error',
    tag: 'jobs',
    responses: { 200: { description: 'The job.', schema: 'job' } },
  },
  'jobs-list': {
    summary: 'Jobs, newest first (admin: all owners)',
    tag: 'jobs',
    query: [
      {
        name: 'status',
        description: 'Only jobs in this status.',
        schema: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'canceled'] },
      },
      limit(200, 50),
      cursor,
    ],
    responses: { 200: { description: 'A page of jobs.', schema: 'jobs-list' } },
  },
  'jobs-cancel': {
    summary: 'Cancel a job (cooperative)',
    description: 'A queued job is canceled at once (200); a running one stops before its next item (202).',
    tag: 'jobs',
    responses: {
      200: { description: 'Canceled.', schema: 'job' },
      202: { description: 'Cancel requested; the job stops before its next item.', schema: 'job' },
      409: e('The job already ended.'),
    },
  },
  'runs-list': {
    summary: 'Batch runs from the artifact index',
    tag: 'runs',
    query: [
      limit(200, 50),
      cursor,
      { name: 'sort', description: 'By creation time.', schema: { type: 'string', enum: ['asc', 'desc'], default: 'desc' } },
    ],
    responses: { 200: { description: 'A page of runs.', schema: 'runs-list' } },
  },
  'runs-get': {
    summary: 'The full batch artifact of a run',
    tag: 'runs',
    responses: {
      200: { description: 'The batch artifact.', schema: 'batch-artifact' },
      409: e('Admin: several owners have a run with this id; pass ?owner=.'),
    },
  },
  'runs-items': {
    summary: 'Items of a run, in order, with a status filter',
    tag: 'runs',
    query: [
      {
        name: 'status',
        description: 'Only items in this status.',
        schema: { type: 'string', enum: ['ok', 'error', 'canceled', 'pending'] },
      },
      limit(500, 100),
      cursor,
    ],
    responses: { 200: { description: 'A page of items.', schema: 'run-items' } },
  },
  'extracts-get': {
    summary: 'The extract artifact of a request',
    description: '`raw_model_text` is returned only to keys with debug:read_raw.',
    tag: 'runs',
    responses: {
      200: { description: 'The extract artifact.', schema: 'extract-artifact' },
      409: e('The request is still being processed, or (admin) several owners match; pass ?owner=.'),
    },
  },
  'extracts-pages': {
    summary: 'Short-lived links to the pages the model saw (previews)',
    description: 'Browsers cannot show HEIC, PDF or TIFF: these are the normalised pages as sent, as JPEG.',
    tag: 'runs',
    responses: { 200: { description: 'The pages, in order.', schema: 'extract-pages' } },
  },
  'artifacts-get': {
    summary: 'Any artifact by its artifact_rel',
    tag: 'runs',
    query: [
      { name: 'ref', description: 'The artifact_rel of an answer.', schema: { type: 'string', maxLength: 1024 }, required: true },
    ],
    responses: { 200: { description: 'The artifact.', schema: 'artifact' }, 404: e('No such artifact for this key.') },
  },
  'runs-eval': {
    summary: 'Evaluate a run against ground truth (DEBUG_MODE)',
    tag: 'evaluation',
    requestBody: 'run-eval-request',
    responses: { 201: { description: 'The evaluation summary.', schema: 'eval-summary' } },
  },
  'evals-get': {
    summary: 'An evaluation artifact (DEBUG_MODE)',
    tag: 'evaluation',
    responses: { 200: { description: 'The evaluation artifact.', schema: 'eval-artifact' } },
  },
  'debug-artifacts-list': {
    summary: 'List artifacts (DEBUG_MODE)',
    tag: 'debug',
    query: [artifactKind, day, limit(1000, 100), cursor],
    responses: { 200: { description: 'A page of artifacts.', schema: 'debug-artifacts-list' } },
  },
  'debug-artifacts-get': {
    summary: 'An extract artifact with its raw model text (DEBUG_MODE)',
    tag: 'debug',
    responses: { 200: { description: 'The extract artifact.', schema: 'extract-artifact' } },
  },
  'debug-artifacts-raw': {
    summary: 'The raw model text of a request (DEBUG_MODE)',
    tag: 'debug',
    responses: { 200: { description: 'The raw text.', schema: 'debug-raw' } },
  },
  'debug-artifacts-backup': {
    summary: 'A tar.gz of artifacts, as a short-lived link (DEBUG_MODE)',
    tag: 'debug',
    query: [
      artifactKind,
      day,
      { name: 'limit', description: 'At most this many objects.', schema: { type: 'integer', minimum: 1 } },
    ],
    responses: {
      200: { description: 'With `Accept: application/json`: where to download the archive.', schema: 'debug-backup' },
      302: {
        description: 'A redirect to the short-lived archive link (use `curl -L`); the body says so in plain text.',
        content: { 'text/plain': { type: 'string' } },
        headers: { Location: { description: 'The presigned archive URL.', schema: { type: 'string', format: 'uri' } } },
      },
    },
  },
  openapi: {
    summary: 'This document (OpenAPI 3.1)',
    tag: 'docs',
    responses: { 200: { description: 'The OpenAPI document.', content: { 'application/json': { type: 'object' } } } },
  },
  docs: {
    summary: 'The rendered API reference',
    tag: 'docs',
    responses: { 200: { description: 'An HTML page.', content: { 'text/html': { type: 'string' } } } },
  },
  'docs-asset': {
    summary: 'Static files of the API reference page',
    tag: 'docs',
    responses: {
      200: {
        description: 'A script or style sheet.',
        content: { 'application/javascript': { type: 'string' }, 'text/css': { type: 'string' } },
      },
    },
  },
};
