// POST /v1/extract as a use case: turn the client's body into a checked image, extract, and map a
// model failure onto the API's error taxonomy (after its artifact is safely written).
import { assertId } from '../artifact-keys.ts';
import { type Principal, hasScope } from '../auth/api-keys.ts';
import { BackendUnavailableError, ContextLengthExceededError, ForbiddenError, InferenceTimeoutError } from '../errors.ts';
import { type ExtractDeps, type ExtractOutcome, extractDocument } from './extract-document.ts';
import { type CheckedInput, type ImageLimits, checkInput, decodeBase64Image } from '../images/image.ts';
import { normaliseForTask } from '../images/pipeline.ts';
import type { TaskCatalog, TaskDefinition } from './task-catalog.ts';
import type { UploadedFileSource } from '../uploads/uploaded-file.ts';

/** Fetches an image by URL for debug runs, refusing private and loopback addresses. */
export interface ImageFetcher {
  fetch(url: string, maxBytes: number): Promise<{ bytes: Buffer; contentType?: string }>;
}

export interface ExtractRequestDeps extends ExtractDeps {
  tasks: TaskCatalog;
  images: ImageFetcher;
  limits: ImageLimits;
  debugMode: boolean;
  /** A file of the caller's upload session instead of base64 (presigned uploads); absent when not wired in. */
  uploadedFiles?: UploadedFileSource;
}

export interface ExtractRequest {
  task_id: string;
  image_base64?: string;
  image_url?: string;
  mime_type?: string;
  request_id?: string;
  /** With `name`: a file uploaded through POST /v1/uploads, for inputs bigger than a request carries. */
  upload_id?: string;
  name?: string;
}

export interface ExtractResponse {
  request_id: string;
  task_id: string;
  result: unknown;
  schema_ok: boolean;
  schema_errors: ExtractOutcome['artifact']['schema_errors'];
  error: ExtractOutcome['artifact']['error'];
  timings_ms: ExtractOutcome['artifact']['timings_ms'];
  model: string;
  prompt_hash: string;
  artifact_rel: string;
}

/**
 * Steps: check task and request_id → decode and check the input (base64, a file of an upload session, or a
 * URL in debug mode) →
 * normalise it into the pages the model sees (4xx for documents it cannot read) → extract → 422 when the
 * model refused the pages as too long, 503/504 when it failed (the artifact is already written), else the result.
 */
export async function extractFromRequest(
  deps: ExtractRequestDeps,
  principal: Principal,
  body: ExtractRequest,
  fallbackRequestId: string,
): Promise<ExtractResponse> {
  const task = deps.tasks.get(body.task_id);
  const requestId = body.request_id ?? fallbackRequestId;
  assertId('request_id', requestId);
  const { input, imageBase64Len, imageRef, inputRef, file } = await inputFromRequest(deps, principal, body);
  const normaliseStarted = Date.now();
  const document = await normaliseForTask(deps.pages, input, task);

  const outcome = await extractDocument(deps, {
    task,
    document,
    normaliseMs: Date.now() - normaliseStarted,
    requestId,
    ownerKeyId: principal.keyId,
    ...(imageBase64Len !== undefined ? { imageBase64Len } : {}),
    ...(imageRef ? { imageRef } : {}),
    ...(inputRef ? { inputRef } : {}),
    ...(file ? { file } : {}),
  });
  const { artifact, artifactRel } = outcome;
  const where = { request_id: requestId, artifact_rel: artifactRel, error_history: artifact.error_history };
  if (artifact.error?.code === 'backend_unavailable') throw new BackendUnavailableError(artifact.error.message, where);
  if (artifact.error?.code === 'inference_timeout') throw new InferenceTimeoutError(artifact.error.message, where);
  if (artifact.error?.code === 'context_length_exceeded') throw contextLengthError(outcome);
  return extractResponseOf(task, outcome);
}

/** 422 context_length_exceeded with the numbers: our estimate, the model's limit, the pages, its own words. */
export function contextLengthError(outcome: ExtractOutcome): ContextLengthExceededError {
  const { artifact, artifactRel } = outcome;
  return new ContextLengthExceededError('The model refused the document as longer than its context', {
    request_id: artifact.request_id,
    artifact_rel: artifactRel,
    estimated_tokens: (artifact.token_estimate?.prompt_tokens ?? 0) + (artifact.token_estimate?.max_tokens ?? 0),
    max_model_len: artifact.token_estimate?.max_model_len ?? null,
    pages: artifact.input.sent.length,
    backend_message: artifact.error?.message.slice(0, 500) ?? null,
  });
}

/**
 * The checked input of an extract request: base64 (plain or data: URI), a file of the caller's upload
 * session (up to MAX_INPUT_FILE_BYTES, read where the upload put it), or a URL in debug mode only.
 */
export async function inputFromRequest(
  deps: Pick<ExtractRequestDeps, 'images' | 'limits' | 'debugMode' | 'uploadedFiles'>,
  principal: Principal,
  body: ExtractRequest,
): Promise<{ input: CheckedInput; imageBase64Len?: number; imageRef?: string; inputRef?: string; file?: string }> {
  if (body.upload_id !== undefined) {
    if (!deps.uploadedFiles) throw new ForbiddenError('upload_id is not accepted by this deployment');
    const uploaded = await deps.uploadedFiles.read(principal, body.upload_id, body.name ?? '');
    const input = checkInput(uploaded.bytes, body.mime_type ?? uploaded.mimeType, { maxImageBytes: deps.uploadedFiles.maxBytes });
    return { input, inputRef: uploaded.inputRef, file: uploaded.file };
  }
  if (body.image_base64 !== undefined) {
    const decoded = decodeBase64Image(body.image_base64, deps.limits.maxImageBytes);
    const input = checkInput(decoded.bytes, body.mime_type ?? decoded.dataUriMime, deps.limits);
    return { input, imageBase64Len: body.image_base64.length };
  }
  if (!deps.debugMode || !hasScope(principal, 'debug:run')) {
    throw new ForbiddenError('image_url is accepted only when DEBUG_MODE=1 and the key has the "debug:run" scope');
  }
  const url = body.image_url as string;
  const fetched = await deps.images.fetch(url, deps.limits.maxImageBytes);
  return { input: checkInput(fetched.bytes, body.mime_type ?? undefined, deps.limits), imageRef: url };
}

/** The response body of an extract (sync, or the result of an extract_async job). */
export function extractResponseOf(task: TaskDefinition, outcome: ExtractOutcome): ExtractResponse {
  const { artifact, artifactRel } = outcome;
  return {
    request_id: artifact.request_id,
    task_id: task.id,
    result: artifact.parsed,
    schema_ok: artifact.schema_valid,
    schema_errors: artifact.schema_errors,
    error: artifact.error,
    timings_ms: artifact.timings_ms,
    model: artifact.model.name,
    prompt_hash: task.promptHash,
    artifact_rel: artifactRel,
  };
}
