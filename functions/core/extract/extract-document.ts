// The extract use case shared by POST /v1/extract and the ExtractItem task of the batch workflow.
import { dayOf, extractRel, previewRel } from '../artifact-keys.ts';
import { ConflictError } from '../errors.ts';
import type { NormalisedDocument } from '../images/normalise.ts';
import type { PagePipeline } from '../images/pipeline.ts';
import { type ExtractArtifact, type ExtractErrorCode, type ModelAttempt, NOT_COMPUTED, inputRecord } from './extract-artifact.ts';
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
  /** The normalisation step every caller runs before extractDocument (the decoder and the model's context). */
  pages: PagePipeline;
  store: ArtifactStore;
  index: ArtifactIndex;
  clock: Clock;
  logger: Logger;
  settings: { allowOverwrite: boolean; maxRetries: number; retryBaseMs: number };
}

export type { ExtractArtifact, ExtractErrorCode } from './extract-artifact.ts';

export interface ExtractInput {
  task: TaskDefinition;
  /** The pages the model sees (functions/core/images/pipeline.ts normaliseForTask): no other way in. */
  document: NormalisedDocument;
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
  /** How long the normalisation took (recorded in timings_ms). */
  normaliseMs?: number;
}

export interface ExtractOutcome {
  artifact: ExtractArtifact;
  artifactRel: string;
}

/**
 * Extracts fields from one document (its normalised pages) and keeps an artifact of it, whatever happens.
 * 1. reserve the request_id in the artifact index (409 if reused and overwrite is off)
 * 2. call the model with every page in one request, retrying transient failures with exponential
 *    backoff (never a context-length refusal); meanwhile keep the sent pages as previews
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

  const [call, previewRefs] = await Promise.all([callModelWithRetries(deps, input), storePreviews(deps, day, input)]);
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

  const { document: doc } = input;
  const artifact: ExtractArtifact = {
    kind: 'extract',
    artifact_version: 2,
    request_id: input.requestId,
    run_id: input.runId ?? null,
    task_id: input.task.id,
    prompt: { id: input.task.id, hash: input.task.promptHash },
    model: { backend: deps.model.backend, name: call.answer?.model ?? deps.model.model },
    input: inputRecord(
      doc,
      { mimeType: doc.original.mime_type, byteLength: doc.original.byte_length, sha256: doc.original.sha256 },
      input,
      previewRefs,
    ),
    raw_model_text: call.answer?.text ?? null,
    parsed,
    schema_valid: call.answer !== undefined && error === null && schemaErrors.length === 0,
    schema_errors: schemaErrors,
    error,
    error_history: call.history,
    attempts: call.attempts,
    timings_ms: {
      inference: call.inferenceMs,
      parse: parseMs,
      total: deps.clock.now().getTime() - started.getTime(),
      ...(input.normaliseMs !== undefined ? { normalise: input.normaliseMs } : {}),
    },
    usage: call.answer?.usage ?? null,
    token_estimate: {
      prompt_tokens: doc.plan.promptTokensEstimate,
      max_tokens: doc.context.maxTokens,
      max_model_len: doc.context.maxModelLen,
    },
    ...NOT_COMPUTED,
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
    attempts: call.attempts.length,
    pages: doc.pages.length,
    visual_tokens: doc.pages.reduce((sum, p) => sum + p.visualTokens, 0),
    prompt_tokens_estimate: doc.plan.promptTokensEstimate,
    prompt_tokens: artifact.usage?.prompt_tokens,
    total_ms: artifact.timings_ms.total,
  });
  return { artifact, artifactRel: rel };
}

interface ModelCallResult {
  answer?: { text: string; model: string; usage?: TokenUsage };
  error: ExtractArtifact['error'];
  history: ErrorHistoryEntry[];
  attempts: ModelAttempt[];
  inferenceMs: number;
}

/**
 * The sent pages as previews, the very bytes the model got (browsers cannot show HEIC, PDF or TIFF, and
 * inputs that are not persisted are deleted). The request_id is already ours, so a rewrite is a retry's.
 * A preview that cannot be written is logged and left out (preview_ref null): it never fails the extract.
 */
async function storePreviews(deps: ExtractDeps, day: string, input: ExtractInput): Promise<Array<string | null>> {
  return Promise.all(
    input.document.pages.map(async (page) => {
      const rel = previewRel(day, input.requestId, page.page, page.mimeType);
      try {
        await deps.store.putBytes(rel, page.bytes, page.mimeType, { overwrite: true });
        return rel;
      } catch (err) {
        deps.logger.warn('preview_write_failed', {
          request_id: input.requestId,
          page: page.page,
          error: err instanceof Error ? err.name : 'unknown',
        });
        return null;
      }
    }),
  );
}

async function callModelWithRetries(deps: ExtractDeps, input: ExtractInput): Promise<ModelCallResult> {
  const history: ErrorHistoryEntry[] = [];
  const attempts: ModelAttempt[] = [];
  const started = Date.now();
  const maxAttempts = deps.settings.maxRetries + 1;
  const pages = input.document.pages.map((p) => ({ bytes: p.bytes, mimeType: p.mimeType }));
  for (let attempt = 1; ; attempt++) {
    const attemptStarted = Date.now();
    const at = new Date(attemptStarted).toISOString();
    try {
      const answer = await deps.model.complete({ task: input.task, pages, requestId: input.requestId });
      attempts.push({
        attempt,
        purpose: 'extract',
        at,
        duration_ms: Date.now() - attemptStarted,
        outcome: 'ok',
        usage: answer.usage ?? null,
      });
      return { answer, error: null, history, attempts, inferenceMs: Date.now() - started };
    } catch (err) {
      const failure =
        err instanceof ModelCallError ? err : new ModelCallError('unavailable', err instanceof Error ? err.message : String(err));
      const upstream = failure.upstreamStatus !== undefined ? { upstream_status: failure.upstreamStatus } : {};
      const durationMs = Date.now() - attemptStarted;
      history.push({ attempt, at, kind: failure.kind, message: failure.message, ...upstream, duration_ms: durationMs });
      attempts.push({
        attempt,
        purpose: 'extract',
        at,
        duration_ms: durationMs,
        outcome: failure.kind,
        ...upstream,
        usage: null,
      });
      if (!failure.retryable || attempt >= maxAttempts) {
        return {
          error: { code: errorCodeOf(failure), message: failure.message },
          history,
          attempts,
          inferenceMs: Date.now() - started,
        };
      }
      await deps.clock.sleep(backoffMs(deps.settings.retryBaseMs, attempt));
    }
  }
}

function errorCodeOf(failure: ModelCallError): ExtractErrorCode {
  if (failure.kind === 'timeout') return 'inference_timeout';
  // The model's own "prompt too long": the client's document, not a backend outage (never retried).
  if (failure.kind === 'context_length') return 'context_length_exceeded';
  return 'backend_unavailable';
}

/** Exponential backoff with full jitter: base·2^(n-1) scaled by a random factor in [0.5, 1). */
export function backoffMs(baseMs: number, attempt: number): number {
  return Math.round(baseMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
}
