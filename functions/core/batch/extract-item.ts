// ExtractItem (one per item, in the ASL Map) and RecordItemFailure (its catch after the retries). Every item
// is accounted for exactly once: a pending row is settled by one conditional update, and only the update
// that settles it adds to the job's counters.
import { createHash } from 'node:crypto';
import { dayOf, extractRel } from '../artifact-keys.ts';
import { AppError, BackendUnavailableError, ConflictError, NotFoundError } from '../errors.ts';
import {
  type ExtractArtifact,
  type ExtractDeps,
  type ExtractErrorCode,
  type ExtractInput,
  type ExtractOutcome,
  extractDocument,
} from '../extract/extract-document.ts';
import { extractResponseOf } from '../extract/extract-request.ts';
import type { TaskDefinition } from '../extract/task-catalog.ts';
import { NOT_COMPUTED, inputRecord } from '../extract/extract-artifact.ts';
import { checkInput } from '../images/image.ts';
import type { NormalisedDocument } from '../images/normalise.ts';
import { normaliseForTask } from '../images/pipeline.ts';
import { sniffDocumentType } from '../images/sniff.ts';
import { type ItemError, type JobRecord, type RunItem, type RunItemResult, type RunItemStatus, isFinal } from './job-model.ts';
import type { JobDeps } from './job-deps.ts';
import { FAILING_EXTRACT_CODES, codeOfWorkflowError, errorResult, messageOfCause } from './workflow-common.ts';

/** ExtractItem also needs the extract use case's dependencies (the same model client and GPU guard). */
export interface BatchDeps extends JobDeps {
  extract: ExtractDeps;
}

/** What ExtractItem and RecordItemFailure return; tiny, and discarded by the ASL (ResultPath null). */
export interface ItemTaskResult {
  seq: number;
  status: RunItemStatus | 'skipped';
}

/**
 * ExtractItem: one item through the shared extract use case.
 * 1. an item already settled (a retried task) is left alone; a cancel settles it as canceled
 * 2. read the input and normalise it into pages (a document that cannot be read → the item is an error
 *    with an artifact, the run goes on)
 * 3. extractDocument — a retry of this item may reuse its own claim on the request_id
 * 4. backend still down after the core's retries → throw BackendUnavailableError for the ASL Retry
 * 5. settle the item row; only the update that settles it counts it in the job's progress
 */
export async function extractItem(deps: BatchDeps, input: { jobId: string; seq: number }): Promise<ItemTaskResult> {
  const job = await deps.jobs.get(input.jobId, { lean: true });
  if (!job) throw new NotFoundError(`Job "${input.jobId}" not found`, { job_id: input.jobId });
  if (job.kind === 'extract') return extractJobImage(deps, job);
  // After a cancel the item is skipped without a write: FinalizeBatch settles every pending item as
  // canceled and recomputes the counts (no hot-key counter write per skipped item).
  if (job.cancelRequested || isFinal(job.status)) return { seq: input.seq, status: 'skipped' };
  const item = await deps.runItems.get(job.runId!, input.seq);
  if (!item) throw new NotFoundError(`Run "${job.runId}" has no item ${input.seq}`);
  if (item.status !== 'pending') return { seq: item.seq, status: item.status };
  const task = deps.tasks.get(job.taskId);
  const bytes = await deps.store.getBytes(item.inputRef);
  if (!bytes) {
    return failItemWithArtifact(deps, job, item, task, {
      code: 'input_missing',
      message: `The input ${item.inputRef} no longer exists`,
    });
  }
  let document: NormalisedDocument;
  const normaliseStarted = Date.now();
  try {
    document = await normaliseForTask(
      deps.extract.pages,
      checkInput(bytes, item.mimeType ?? undefined, deps.settings.imageLimits),
      task,
    );
  } catch (err) {
    if (!(err instanceof AppError) || !err.expose) throw err;
    return failItemWithArtifact(deps, job, item, task, inputError(err), bytes);
  }

  let outcome: ExtractOutcome;
  try {
    outcome = await extractWithOwnClaim(deps, job, {
      task,
      document,
      normaliseMs: Date.now() - normaliseStarted,
      requestId: item.requestId,
      ownerKeyId: job.ownerKeyId,
      runId: job.runId!,
      inputRef: item.inputRef,
      file: item.file,
    });
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    // The request_id was taken by something else than this run: nothing of ours to overwrite.
    await settleItem(deps, job, item, {
      ...errorResult(deps, { code: 'conflict', message: err.message }),
      artifactRel: null,
    });
    return { seq: item.seq, status: 'error' };
  }
  const error = outcome.artifact.error;
  if (error?.code === 'backend_unavailable') {
    throw new BackendUnavailableError(error.message, { request_id: item.requestId, artifact_rel: outcome.artifactRel });
  }
  const result = resultOf(deps, outcome);
  await settleItem(deps, job, item, result);
  return { seq: item.seq, status: result.status };
}

/**
 * RecordItemFailure: the ASL caught ExtractItem's error after its retries. The item becomes an error
 * (with the artifact its last attempt wrote, or a new one saying what happened) and the run goes on.
 */
export async function recordItemFailure(
  deps: JobDeps,
  input: { jobId: string; seq: number; error: string; cause: string },
): Promise<ItemTaskResult> {
  const job = await deps.jobs.get(input.jobId);
  if (!job) return { seq: input.seq, status: 'skipped' };
  const failure: ItemError = { code: codeOfWorkflowError(input.error), message: messageOfCause(input.cause, input.error) };
  if (job.kind === 'extract') {
    const ex = job.extract!;
    const prior = await deps.index.get('extract', ex.requestId);
    const result = { request_id: ex.requestId, task_id: job.taskId, artifact_rel: prior?.rel ?? null, error: failure };
    if (await deps.jobs.setResultOnce(job.jobId, result, failure)) await countItem(deps, job, 'err', ex.requestId);
    return { seq: 0, status: 'error' };
  }
  const item = await deps.runItems.get(job.runId!, input.seq);
  if (!item || item.status !== 'pending') return { seq: input.seq, status: item?.status ?? 'skipped' };
  const prior = await deps.index.get('extract', item.requestId);
  if (prior && prior.runId === job.runId && prior.status !== 'pending') {
    const artifact = await deps.store.getJson<ExtractArtifact>(prior.rel);
    if (artifact) {
      await settleItem(deps, job, item, {
        ...errorResult(deps, failure),
        artifactRel: prior.rel,
        errorHistory: artifact.error_history,
        timingsMs: artifact.timings_ms,
      });
      return { seq: item.seq, status: 'error' };
    }
  }
  const task = deps.tasks.get(job.taskId);
  const bytes = (await deps.store.getBytes(item.inputRef).catch(() => undefined)) ?? undefined;
  return failItemWithArtifact(deps, job, item, task, failure, bytes);
}

/** extract_async's single item: the result is the sync endpoint's response, stored on the job once. */
async function extractJobImage(deps: BatchDeps, job: JobRecord): Promise<ItemTaskResult> {
  const ex = job.extract!;
  if (job.result) return { seq: 0, status: 'skipped' };
  if (job.cancelRequested || isFinal(job.status)) return { seq: 0, status: 'canceled' };
  const task = deps.tasks.get(job.taskId);
  const bytes = await deps.store.getBytes(ex.inputRef);
  if (!bytes) {
    const error = { code: 'input_missing', message: 'The staged input of this job no longer exists' };
    if (await deps.jobs.setResultOnce(job.jobId, { request_id: ex.requestId, task_id: task.id, error }, error)) {
      await countItem(deps, job, 'err', ex.requestId);
    }
    return { seq: 0, status: 'error' };
  }
  let document: NormalisedDocument;
  const normaliseStarted = Date.now();
  try {
    document = await normaliseForTask(deps.extract.pages, checkInput(bytes, ex.mimeType, deps.settings.imageLimits), task);
  } catch (err) {
    if (!(err instanceof AppError) || !err.expose) throw err;
    // The job fails as the sync endpoint would answer: with the document's own 4xx code.
    const error = { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) };
    if (await deps.jobs.setResultOnce(job.jobId, { request_id: ex.requestId, task_id: task.id, error }, error)) {
      await countItem(deps, job, 'err', ex.requestId);
    }
    return { seq: 0, status: 'error' };
  }
  const outcome = await extractWithOwnClaim(deps, job, {
    task,
    document,
    normaliseMs: Date.now() - normaliseStarted,
    requestId: ex.requestId,
    ownerKeyId: job.ownerKeyId,
    ...(ex.imageBase64Len !== null ? { imageBase64Len: ex.imageBase64Len } : {}),
    // An uploaded file is read where the upload put it; the job's own staged copy is deleted at the end.
    ...(job.stagingPrefix && ex.inputRef.startsWith(job.stagingPrefix) ? {} : { inputRef: ex.inputRef }),
  });
  const error = outcome.artifact.error;
  if (error?.code === 'backend_unavailable') {
    throw new BackendUnavailableError(error.message, { request_id: ex.requestId, artifact_rel: outcome.artifactRel });
  }
  const failing = error && FAILING_EXTRACT_CODES.has(error.code) ? error : null;
  if (await deps.jobs.setResultOnce(job.jobId, { ...extractResponseOf(task, outcome) }, failing)) {
    await countItem(deps, job, error ? 'err' : 'ok', ex.requestId);
  }
  return { seq: 0, status: error ? 'error' : 'ok' };
}

/**
 * extractDocument for a workflow item. A retried task finds the request_id claimed by its own earlier
 * attempt (the claim comes before any model call, so the conflict costs nothing): only then is the call
 * repeated with overwrite, so a retry never hits its own 409 and another run's artifact is never replaced.
 */
async function extractWithOwnClaim(deps: BatchDeps, job: JobRecord, input: ExtractInput): Promise<ExtractOutcome> {
  try {
    return await extractDocument(deps.extract, input);
  } catch (err) {
    if (!(err instanceof ConflictError) || deps.extract.settings.allowOverwrite) throw err;
    const prior = await deps.index.get('extract', input.requestId);
    const ours =
      prior !== undefined &&
      prior.ownerKeyId === job.ownerKeyId &&
      (job.runId ? prior.runId === job.runId : prior.runId === undefined && prior.createdAt >= job.createdAt);
    if (!ours) throw err;
    return extractDocument({ ...deps.extract, settings: { ...deps.extract.settings, allowOverwrite: true } }, input);
  }
}

async function settleItem(deps: JobDeps, job: JobRecord, item: RunItem, result: RunItemResult): Promise<void> {
  if (!(await deps.runItems.settle(item.runId, item.seq, result))) return;
  await countItem(deps, job, result.status === 'ok' ? 'ok' : result.status === 'canceled' ? 'canceled' : 'err', item.file);
}

/**
 * Adds the item to the job's counters; `current` rides along in the same write only every N items or
 * every few seconds (judged from the job as this item read it: a throttle, not an exact count).
 */
async function countItem(deps: JobDeps, job: JobRecord, outcome: 'ok' | 'err' | 'canceled', current?: string): Promise<void> {
  const at = deps.clock.now();
  if (current === undefined) return deps.jobs.countItem(job.jobId, outcome, at.toISOString());
  const { progressEveryN, progressMinSeconds } = deps.settings;
  const due =
    job.currentAt === undefined ||
    (job.progress.done + 1) % progressEveryN === 0 ||
    job.progress.done + 1 >= job.progress.total ||
    at.getTime() - Date.parse(job.currentAt) >= progressMinSeconds * 1000;
  await deps.jobs.countItem(job.jobId, outcome, at.toISOString(), due ? current : undefined);
}

function resultOf(deps: JobDeps, outcome: ExtractOutcome): RunItemResult {
  const a = outcome.artifact;
  return {
    status: a.error ? 'error' : 'ok',
    artifactRel: outcome.artifactRel,
    schemaValid: a.schema_valid,
    error: a.error,
    parsed: a.parsed,
    schemaErrors: a.schema_errors,
    errorHistory: a.error_history,
    timingsMs: a.timings_ms,
    finishedAt: deps.clock.now().toISOString(),
  };
}

/**
 * An item that never got a model answer still gets an extract artifact (DESIGN.md §7: nothing is lost),
 * claimed like any other; then the item is settled as an error pointing at it.
 */
async function failItemWithArtifact(
  deps: JobDeps,
  job: JobRecord,
  item: RunItem,
  task: TaskDefinition,
  error: ItemError,
  bytes?: Buffer,
): Promise<ItemTaskResult> {
  const now = deps.clock.now();
  const day = dayOf(now);
  const rel = extractRel(day, item.requestId);
  const prior = await deps.index.get('extract', item.requestId);
  const ours = prior !== undefined && prior.runId === job.runId && prior.ownerKeyId === job.ownerKeyId;
  const overwrite = deps.settings.allowOverwrite || ours;
  const artifactRel = ours ? prior.rel : rel;
  try {
    await deps.index.claim(
      {
        kind: 'extract',
        id: item.requestId,
        ownerKeyId: job.ownerKeyId,
        rel: artifactRel,
        day: ours ? prior.day : day,
        createdAt: now.toISOString(),
        status: 'pending',
        taskId: task.id,
        runId: job.runId!,
      },
      { overwrite },
    );
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    await settleItem(deps, job, item, errorResult(deps, error));
    return { seq: item.seq, status: 'error' };
  }
  const artifact: ExtractArtifact = {
    kind: 'extract',
    artifact_version: 2,
    request_id: item.requestId,
    run_id: job.runId!,
    task_id: task.id,
    prompt: { id: task.id, hash: task.promptHash },
    model: { backend: 'none', name: 'none' },
    input: inputRecord(
      undefined,
      {
        mimeType: (bytes ? sniffDocumentType(bytes) : undefined) ?? item.mimeType ?? 'application/octet-stream',
        byteLength: bytes?.length ?? 0,
        sha256: bytes ? createHash('sha256').update(bytes).digest('hex') : '',
      },
      { inputRef: item.inputRef, file: item.file },
    ),
    raw_model_text: null,
    parsed: null,
    schema_valid: false,
    schema_errors: [],
    error: { code: asExtractErrorCode(error.code), message: error.message },
    error_history: [],
    attempts: [],
    timings_ms: { inference: 0, parse: 0, total: 0 },
    usage: null,
    token_estimate: null,
    ...NOT_COMPUTED,
    owner_key_id: job.ownerKeyId,
    created_at: now.toISOString(),
  };
  await deps.store.putJson(artifactRel, artifact, { overwrite: true });
  await deps.index.complete('extract', item.requestId, 'error');
  await settleItem(deps, job, item, { ...errorResult(deps, error), artifactRel });
  deps.logger.info('batch_item_failed', { job_id: job.jobId, run_id: job.runId, seq: item.seq, code: error.code });
  return { seq: item.seq, status: 'error' };
}

/** A document the pipeline refused, as an item error: its own code where the artifact knows it. */
function inputError(err: AppError): ItemError {
  const own = ['too_many_pages', 'encrypted_document', 'context_length_exceeded'];
  return { code: own.includes(err.code) ? err.code : 'invalid_input', message: err.message };
}

function asExtractErrorCode(code: string): ExtractErrorCode {
  const known: ExtractErrorCode[] = [
    'backend_unavailable',
    'inference_timeout',
    'invalid_model_output',
    'context_length_exceeded',
    'invalid_input',
    'too_many_pages',
    'encrypted_document',
    'input_missing',
    'internal_error',
  ];
  return (known as string[]).includes(code) ? (code as ExtractErrorCode) : 'internal_error';
}
