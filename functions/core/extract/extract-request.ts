// POST /v1/extract as a use case: turn the client's body into a checked image, extract, and map a
// model failure onto the API's error taxonomy (after its artifact is safely written).
import { assertId } from '../artifact-keys.ts';
import { type Principal, hasScope } from '../auth/api-keys.ts';
import { BackendUnavailableError, ForbiddenError, InferenceTimeoutError } from '../errors.ts';
import { type ExtractDeps, type ExtractOutcome, extractDocument } from './extract-document.ts';
import { type ImageLimits, type InspectedImage, decodeBase64Image, inspectImage } from '../images/image.ts';
import type { TaskCatalog, TaskDefinition } from './task-catalog.ts';

/** Fetches an image by URL for debug runs, refusing private and loopback addresses. */
export interface ImageFetcher {
  fetch(url: string, maxBytes: number): Promise<{ bytes: Buffer; contentType?: string }>;
}

export interface ExtractRequestDeps extends ExtractDeps {
  tasks: TaskCatalog;
  images: ImageFetcher;
  limits: ImageLimits;
  debugMode: boolean;
}

export interface ExtractRequest {
  task_id: string;
  image_base64?: string;
  image_url?: string;
  mime_type?: string;
  request_id?: string;
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
 * Steps: check task and request_id → decode and inspect the image (base64, or a URL in debug mode)
 * → extract → 503/504 if the model failed (the artifact is already written), else the result.
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
  const { image, imageBase64Len, imageRef } = await imageFromRequest(deps, principal, body);

  const outcome = await extractDocument(deps, {
    task,
    image,
    requestId,
    ownerKeyId: principal.keyId,
    ...(imageBase64Len !== undefined ? { imageBase64Len } : {}),
    ...(imageRef ? { imageRef } : {}),
  });
  const { artifact, artifactRel } = outcome;
  const where = { request_id: requestId, artifact_rel: artifactRel, error_history: artifact.error_history };
  if (artifact.error?.code === 'backend_unavailable') throw new BackendUnavailableError(artifact.error.message, where);
  if (artifact.error?.code === 'inference_timeout') throw new InferenceTimeoutError(artifact.error.message, where);
  return extractResponseOf(task, outcome);
}

/** The checked image of an extract request: base64 (plain or data: URI), or a URL in debug mode only. */
export async function imageFromRequest(
  deps: Pick<ExtractRequestDeps, 'images' | 'limits' | 'debugMode'>,
  principal: Principal,
  body: ExtractRequest,
): Promise<{ image: InspectedImage; imageBase64Len?: number; imageRef?: string }> {
  if (body.image_base64 !== undefined) {
    const decoded = decodeBase64Image(body.image_base64, deps.limits.maxImageBytes);
    const image = inspectImage(decoded.bytes, body.mime_type ?? decoded.dataUriMime, deps.limits);
    return { image, imageBase64Len: body.image_base64.length };
  }
  if (!deps.debugMode || !hasScope(principal, 'debug:run')) {
    throw new ForbiddenError('image_url is accepted only when DEBUG_MODE=1 and the key has the "debug:run" scope');
  }
  const url = body.image_url as string;
  const fetched = await deps.images.fetch(url, deps.limits.maxImageBytes);
  return { image: inspectImage(fetched.bytes, body.mime_type ?? undefined, deps.limits), imageRef: url };
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
