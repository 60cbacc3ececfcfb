// The extract use case shared by POST /v1/extract and the ExtractItem task of the batch workflow.
import { dayOf, extractRel } from '../artifact-keys.ts';
import { ConflictError } from '../errors.ts';
import type { InspectedImage } from '../images/image.ts';
import type { ErrorHistoryEntry } from './model-failure.ts';
import { parseModelJson } from './model-output.ts';
import {
  type ArtifactIndex,
  type ArtifactStore,
  type Clock,
  type Logger,
  ModelCallError,
  type ModelClient,
  type TokenUsage,
} from '../ports.ts';
import { type SchemaIssue, type TaskDefinition, validateOutput } from './task-catalog.ts';

export interface ExtractDeps {
  model: ModelClient;
  store: ArtifactStore;
  index: ArtifactIndex;
  clock: Clock;
  logger: Logger;
  settings: { allowOverwrite: boolean; maxRetries: number; retryBaseMs: number };
}

export interface ExtractInput {
  task: TaskDefinition;
  image: InspectedImage;
  requestId: string;
  ownerKeyId: string;
  runId?: string;
  /** Where the input bytes are kept in R2 (batch inputs), if anywhere. */
  inputRef?: string;
  /** The caller's file name (batch items) or URL (debug image_url). */
  file?: string;
  imageRef?: string;
  /** Length of the base64 text the client sent, when it sent base64 (the text itself is never kept). */
  imageBase64Len?: number;
}

export type ExtractErrorCode =
  | 'backend_unavailable'
  | 'inference_timeout'
  | 'invalid_model_output'
  // Batch items that never reached the model still get an artifact (functions/core/batch/extract-item.ts):
  | 'invalid_input'
  | 'input_missing'
  | 'internal_error';

export interface ExtractArtifact {
  kind: 'extract';
  artifact_version: 1;
  request_id: string;
  run_id: string | null;
  task_id: string;
  prompt: { id: string; hash: string };
  model: { backend: string; name: string };
  input: {
    mime_type: string;
    byte_length: number;
    sha256: string;
    width: number;
    height: number;
    image_base64_len: number | null;
    input_ref: string | null;
    image_ref: string | null;
    file: string | null;
  };
  raw_model_text: string | null;
  parsed: unknown;
  schema_valid: boolean;
  schema_errors: SchemaIssue[];
  error: { code: ExtractErrorCode; message: string } | null;
  error_history: ErrorHistoryEntry[];
  timings_ms: { inference: number; parse: number; total: number };
  usage: TokenUsage | null;
  owner_key_id: string;
  created_at: string;
}

export interface ExtractOutcome {
  artifact: ExtractArtifact;
  artifactRel: string;
}

/**
 * Extracts fields from one image and keeps an artifact of it, whatever happens.
 * 1. reserve the request_id in the artifact index (409 if reused and overwrite is off)
 * 2. call the model, retrying transient failures with exponential backoff
 * 3. parse the answer and validate it against the task schema
 * 4. write the extract artifact to R2 (on success and on every failure) and settle the index row
 * The model's failure is reported in the outcome, not thrown: callers decide what it means for them.
 */
export async function extractDocument(deps: ExtractDeps, input: ExtractInput): Promise<ExtractOutcome> {
  const started = deps.clock.now();
  const day = dayOf(started);
  const rel = extractRel(day, input.requestId);
  const overwrite = deps.settings.allowOverwrite;

  await deps.index.claim(
    {
      kind: 'extract',
      id: input.requestId,
      ownerKeyId: input.ownerKeyId,
      rel,
      day,
      createdAt: started.toISOString(),
      status: 'pending',
      taskId: input.task.id,
      ...(input.runId ? { runId: input.runId } : {}),
    },
    { overwrite },
  );

  const call = await callModelWithRetries(deps, input);
  const parseStarted = Date.now();
  let parsed: unknown = null;
  let schemaErrors: SchemaIssue[] = [];
  let error: ExtractArtifact['error'] = call.error;
  if (call.answer) {
    const result = parseModelJson(call.answer.text);
    if (result.ok) {
      parsed = result.value;
      schemaErrors = validateOutput(input.task, parsed);
    } else {
      error = { code: 'invalid_model_output', message: result.error };
      schemaErrors = [{ path: '/', message: result.error }];
    }
  }
  const parseMs = Date.now() - parseStarted;

  const artifact: ExtractArtifact = {
    kind: 'extract',
    artifact_version: 1,
    request_id: input.requestId,
    run_id: input.runId ?? null,
    task_id: input.task.id,
    prompt: { id: input.task.id, hash: input.task.promptHash },
    model: { backend: deps.model.backend, name: call.answer?.model ?? deps.model.model },
    input: {
      mime_type: input.image.mimeType,
      byte_length: input.image.byteLength,
      sha256: input.image.sha256,
      width: input.image.width,
      height: input.image.height,
      image_base64_len: input.imageBase64Len ?? null,
      input_ref: input.inputRef ?? null,
      image_ref: input.imageRef ?? null,
      file: input.file ?? null,
    },
    raw_model_text: call.answer?.text ?? null,
    parsed,
    schema_valid: call.answer !== undefined && error === null && schemaErrors.length === 0,
    schema_errors: schemaErrors,
    error,
    error_history: call.history,
    timings_ms: { inference: call.inferenceMs, parse: parseMs, total: deps.clock.now().getTime() - started.getTime() },
    usage: call.answer?.usage ?? null,
    owner_key_id: input.ownerKeyId,
    created_at: started.toISOString(),
  };

  // The artifact and the index status are written side by side; if the artifact cannot be written the
  // claim is given back, so the request_id can be used again and no index row points at nothing.
  const [written, completed] = await Promise.allSettled([
    deps.store.putJson(rel, artifact, { overwrite }),
    deps.index.complete('extract', input.requestId, artifact.error ? 'error' : 'ok'),
  ]);
  if (written.status === 'rejected') {
    await deps.index.release('extract', input.requestId).catch(() => undefined);
    const err: unknown = written.reason;
    if (err instanceof ConflictError) {
      throw new ConflictError(`request_id "${input.requestId}" was already used`, { request_id: input.requestId });
    }
    throw err;
  }
  if (completed.status === 'rejected') throw completed.reason;
  deps.logger.info('extract_done', {
    request_id: input.requestId,
    run_id: input.runId,
    task_id: input.task.id,
    schema_ok: artifact.schema_valid,
    error_code: artifact.error?.code,
    attempts: call.history.length + (call.answer ? 1 : 0),
    total_ms: artifact.timings_ms.total,
  });
  return { artifact, artifactRel: rel };
}

interface ModelCallResult {
  answer?: { text: string; model: string; usage?: TokenUsage };
  error: ExtractArtifact['error'];
  history: ErrorHistoryEntry[];
  inferenceMs: number;
}

async function callModelWithRetries(deps: ExtractDeps, input: ExtractInput): Promise<ModelCallResult> {
  const history: ErrorHistoryEntry[] = [];
  const started = Date.now();
  const maxAttempts = deps.settings.maxRetries + 1;
  for (let attempt = 1; ; attempt++) {
    const attemptStarted = Date.now();
    try {
      const answer = await deps.model.complete({
        task: input.task,
        image: { bytes: input.image.bytes, mimeType: input.image.mimeType },
        requestId: input.requestId,
      });
      return { answer, error: null, history, inferenceMs: Date.now() - started };
    } catch (err) {
      const failure =
        err instanceof ModelCallError ? err : new ModelCallError('unavailable', err instanceof Error ? err.message : String(err));
      history.push({
        attempt,
        at: new Date(attemptStarted).toISOString(),
        kind: failure.kind,
        message: failure.message,
        ...(failure.upstreamStatus !== undefined ? { upstream_status: failure.upstreamStatus } : {}),
        duration_ms: Date.now() - attemptStarted,
      });
      if (!failure.retryable || attempt >= maxAttempts) {
        const code: ExtractErrorCode = failure.kind === 'timeout' ? 'inference_timeout' : 'backend_unavailable';
        return { error: { code, message: failure.message }, history, inferenceMs: Date.now() - started };
      }
      await deps.clock.sleep(backoffMs(deps.settings.retryBaseMs, attempt));
    }
  }
}

/** Exponential backoff with full jitter: base·2^(n-1) scaled by a random factor in [0.5, 1). */
export function backoffMs(baseMs: number, attempt: number): number {
  return Math.round(baseMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
}
