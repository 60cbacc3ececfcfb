// The batch workflow's task use cases, one per ASL Task state (statemachines/batch-extract.asl.json):
// PrepareBatch → ExtractItem (per item) | RecordItemFailure → FinalizeBatch, and FailBatch on the failure path.
// Every item is accounted for exactly once: a pending row is settled by one conditional update, and only
// the update that settles it adds to the job's counters; FinalizeBatch recomputes the counts from the rows.
import { createHash } from 'node:crypto';
import { STAGING_PREFIX, batchRel, dayOf, extractRel } from './artifact-keys.ts';
import { type BatchArtifact, type BatchStatus, buildBatchArtifact } from './batch.ts';
import { dataPrefix, globToRegExp, selectsImage } from './data-root.ts';
import { AppError, BackendUnavailableError, ConflictError, NotFoundError } from './errors.ts';
import {
  type ExtractArtifact,
  type ExtractDeps,
  type ExtractErrorCode,
  type ExtractInput,
  type ExtractOutcome,
  extractDocument,
} from './extract.ts';
import { extractResponseOf } from './extract-request.ts';
import { type InspectedImage, inspectImage, sniffImageType } from './image.ts';
import {
  type BatchInput,
  type ItemError,
  type JobError,
  type JobRecord,
  type RunItem,
  type RunItemResult,
  type RunItemStatus,
  isFinal,
  itemRequestId,
} from './job-model.ts';
import type { JobDeps } from './jobs.ts';
import type { TaskDefinition } from './task-catalog.ts';

/** ExtractItem also needs the extract use case's dependencies (the same model client and GPU guard). */
export interface BatchDeps extends JobDeps {
  extract: ExtractDeps;
}

export interface PrepareBatchResult {
  run_id: string;
  /** Item numbers only: the per-item data stays in the run's item rows (256 KB state limit). */
  items: number[];
  concurrency: number;
}

/** What ExtractItem and RecordItemFailure return; tiny, and discarded by the ASL (ResultPath null). */
export interface ItemTaskResult {
  seq: number;
  status: RunItemStatus | 'skipped';
}

export interface RunFailure {
  code: string;
  message: string;
}

/** Extract errors that make an extract_async job `failed` (as the sync endpoint answers 503/504 for them). */
const FAILING_EXTRACT_CODES = new Set([
  'backend_unavailable',
  'inference_timeout',
  'input_missing',
  'invalid_input',
  'internal_error',
]);

async function mustGetJob(deps: JobDeps, jobId: string): Promise<JobRecord> {
  const job = await deps.jobs.get(jobId);
  if (!job) throw new NotFoundError(`Job "${jobId}" not found`, { job_id: jobId });
  return job;
}

const emptyPrepare = (job: JobRecord): PrepareBatchResult => ({ run_id: job.runId ?? job.jobId, items: [], concurrency: 1 });

/**
 * PrepareBatch.
 * 1. queued → running (a job canceled while queued gets no items)
 * 2. resolve the inputs: the upload's staged files, the images under `images_dir`, or the source run's persisted inputs
 * 3. write one pending item row per input (idempotent on retry)
 * 4. progress: stage extracting, total = number of items; return the item numbers for the Map
 */
export async function prepareBatch(deps: JobDeps, input: { jobId: string }): Promise<PrepareBatchResult> {
  let job = await mustGetJob(deps, input.jobId);
  const now = deps.clock.now().toISOString();
  if (job.status === 'queued') {
    const moved = await deps.jobs.transition(job.jobId, ['queued'], 'running', {
      startedAt: now,
      progress: { stage: 'loading_inputs' },
    });
    job = moved ? { ...job, status: 'running', startedAt: now } : await mustGetJob(deps, input.jobId);
  }
  if (job.status !== 'running' || job.cancelRequested) return emptyPrepare(job);

  if (job.kind === 'extract') {
    await deps.jobs.update(job.jobId, { progress: { stage: 'extracting', total: 1 } });
    return { run_id: job.jobId, items: [0], concurrency: 1 };
  }

  const runId = job.runId!;
  const inputs = await resolveInputs(deps, job);
  const rows: RunItem[] = inputs.map((inp, seq) => ({
    runId,
    seq,
    ownerKeyId: job.ownerKeyId,
    file: inp.file,
    requestId: itemRequestId(runId, seq),
    inputRef: inp.input_ref,
    mimeType: inp.mime_type,
    status: 'pending',
    artifactRel: null,
    schemaValid: null,
    error: null,
    createdAt: now,
  }));
  await deps.runItems.putPending(rows);
  await deps.jobs.update(job.jobId, { progress: { stage: 'extracting', total: rows.length } });
  deps.logger.info('batch_prepared', { job_id: job.jobId, run_id: runId, items: rows.length, source: job.source.type });
  return { run_id: runId, items: rows.map((r) => r.seq), concurrency: job.concurrency };
}

async function resolveInputs(deps: JobDeps, job: JobRecord): Promise<BatchInput[]> {
  const source = job.source;
  switch (source.type) {
    case 'upload':
      return job.inputs ?? [];
    case 'dir': {
      const { inputs, truncated } = await listDataImages(
        deps,
        source,
        Math.min(source.limit ?? deps.settings.maxItems, deps.settings.maxItems),
      );
      if (truncated && source.limit === null) {
        deps.logger.warn('batch_inputs_truncated', { job_id: job.jobId, max_items: deps.settings.maxItems });
        await deps.jobs.update(job.jobId, { source: { ...source, truncated: true } });
      }
      return inputs;
    }
    case 'rerun': {
      const inputs = await persistedInputs(deps, source.run_id);
      if (inputs.length === 0)
        throw new ConflictError(`Run "${source.run_id}" has no persisted inputs`, { run_id: source.run_id });
      return inputs.slice(0, deps.settings.maxItems);
    }
    case 'extract':
      return [];
  }
}

/** Images under `images_dir` (relative to the data root) that match `glob` and `exts`, in key order. */
export async function listDataImages(
  deps: Pick<JobDeps, 'store' | 'settings'>,
  source: { images_dir: string; glob: string; exts: string[] },
  max: number,
): Promise<{ inputs: BatchInput[]; truncated: boolean }> {
  const prefix = dataPrefix(deps.settings.dataRoot, source.images_dir);
  const glob = globToRegExp(source.glob);
  const inputs: BatchInput[] = [];
  let cursor: string | undefined;
  // A small first page when few images are wanted (the existence check at job creation wants one).
  const pageSize = Math.min(1000, Math.max(100, max));
  do {
    const page = await deps.store.list(prefix, { limit: pageSize, ...(cursor ? { cursor } : {}) });
    for (const o of page.objects) {
      const rel = o.rel.slice(prefix.length);
      if (!selectsImage(rel, glob, source.exts)) continue;
      if (inputs.length >= max) return { inputs, truncated: true };
      inputs.push({ file: rel, input_ref: o.rel, mime_type: null });
    }
    cursor = page.cursor;
  } while (cursor);
  return { inputs, truncated: false };
}

/** A run's inputs that still exist after it: persisted uploads and data-root files (staged uploads are deleted). */
export async function persistedInputs(deps: Pick<JobDeps, 'runItems'>, runId: string): Promise<BatchInput[]> {
  const items = await deps.runItems.listAll(runId, { inputsOnly: true });
  return items
    .filter((i) => !i.inputRef.startsWith(STAGING_PREFIX))
    .map((i) => ({ file: i.file, input_ref: i.inputRef, mime_type: i.mimeType }));
}

/**
 * ExtractItem: one item through the shared extract use case.
 * 1. an item already settled (a retried task) is left alone; a cancel settles it as canceled
 * 2. read and check the input (not an image → the item is an error with an artifact, the run goes on)
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
  let image: InspectedImage;
  try {
    image = inspectImage(bytes, item.mimeType ?? undefined, deps.settings.imageLimits);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return failItemWithArtifact(deps, job, item, task, { code: 'invalid_input', message: err.message }, bytes);
  }

  let outcome: ExtractOutcome;
  try {
    outcome = await extractWithOwnClaim(deps, job, {
      task,
      image,
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

/**
 * FinalizeBatch (no failure) and FailBatch (with one).
 * 1. items still pending are settled: canceled after a cancel, errors otherwise — nothing is left open
 * 2. the counts are recomputed from the item rows (whatever the counters say)
 * 3. eval against ground truth when asked (debug mode); the batch artifact (partial when canceled or failed)
 *    is written and the run's index row settled; staged uploads are deleted
 * 4. the job moves to its final status with the run summary as its result
 */
export async function finalizeRun(deps: JobDeps, jobId: string, failure?: RunFailure): Promise<{ status: string }> {
  const job = await deps.jobs.get(jobId);
  if (!job) {
    deps.logger.warn('finalize_missing_job', { job_id: jobId });
    return { status: 'missing' };
  }
  if (job.kind === 'extract') return finalizeExtractJob(deps, job, failure);
  if (job.artifactRel && isFinal(job.status)) return { status: job.status };
  if (job.status === 'running') await deps.jobs.update(jobId, { progress: { stage: 'finalizing' } });

  const runId = job.runId!;
  const canceled = job.cancelRequested || job.status === 'canceled';
  let status: BatchStatus = failure ? 'failed' : canceled ? 'canceled' : 'succeeded';
  if (job.status === 'failed') status = 'failed';
  const finishedAt = deps.clock.now().toISOString();

  const items = await deps.runItems.listAll(runId);
  const pending = [...items.entries()].filter(([, item]) => item.status === 'pending');
  await mapLimit(pending, 16, async ([i, item]) => {
    const result: RunItemResult =
      status === 'canceled'
        ? canceledResult(deps)
        : errorResult(deps, {
            code: 'not_processed',
            message: failure ? `The run ended before this item (${failure.code})` : 'The run ended before this item',
          });
    if (await deps.runItems.settle(runId, item.seq, result)) items[i] = { ...item, ...result };
    else items[i] = (await deps.runItems.get(runId, item.seq)) ?? item;
  });

  const error: JobError | null = failure ?? (status === 'failed' ? (job.error ?? null) : null);
  const artifact = buildBatchArtifact(job, items, { status, finishedAt, error, eval: null });
  if (job.gt && status === 'succeeded') artifact.eval = await evaluateRun(deps, job, artifact);
  const rel = batchRel(job.runDay!, runId);
  await deps.store.putJson(rel, artifact, { overwrite: true });
  await deps.index.complete('batch', runId, status === 'failed' ? 'error' : 'ok');
  await deleteStaging(deps, job);

  const s = artifact.summary;
  const result = { run_id: runId, task_id: job.taskId, status, artifact_rel: rel, summary: s, eval: artifact.eval };
  const patch = {
    finishedAt,
    result,
    artifactRel: rel,
    canceledItems: s.canceled,
    progress: { stage: status, total: s.total, done: s.ok + s.err + s.canceled, ok: s.ok, err: s.err },
    ...(error ? { error } : {}),
  } as const;
  if (!(await deps.jobs.transition(jobId, ['queued', 'running'], status, patch))) {
    // Already final (canceled while queued, or failed by a restart): keep that status, add the artifact.
    const now = await mustGetJob(deps, jobId);
    await deps.jobs.update(jobId, {
      ...patch,
      result: { ...result, status: now.status },
      progress: { ...patch.progress, stage: now.status as BatchStatus },
    });
    status = now.status as BatchStatus;
  }
  deps.logger.info('batch_finalized', {
    job_id: jobId,
    run_id: runId,
    status,
    total: s.total,
    ok: s.ok,
    err: s.err,
    canceled: s.canceled,
  });
  return { status };
}

async function evaluateRun(deps: JobDeps, job: JobRecord, artifact: BatchArtifact): Promise<Record<string, unknown>> {
  if (!deps.evaluator) return { error: { code: 'eval_unavailable', message: 'Evaluation is not available in this deployment' } };
  try {
    const out = await deps.evaluator.evaluate({
      runId: job.runId!,
      ownerKeyId: job.ownerKeyId,
      batch: artifact,
      gtRel: job.gt!.gtRel,
      gtImageKey: job.gt!.gtImageKey,
    });
    return { eval_id: out.evalId, artifact_rel: out.artifactRel, ...out.summary };
  } catch (err) {
    deps.logger.warn('batch_eval_error', {
      job_id: job.jobId,
      run_id: job.runId,
      error: err instanceof Error ? err.name : 'unknown',
    });
    const code = err instanceof AppError ? err.code : 'internal_error';
    return { error: { code, message: err instanceof AppError && err.expose ? err.message : 'The evaluation failed' } };
  }
}

async function finalizeExtractJob(deps: JobDeps, job: JobRecord, failure?: RunFailure): Promise<{ status: string }> {
  if (isFinal(job.status) && job.finishedAt && job.status !== 'canceled') return { status: job.status };
  let status: BatchStatus;
  let error: JobError | undefined;
  if (failure) {
    status = 'failed';
    error = failure;
  } else if (job.result) {
    const code = job.error?.code;
    status = code && FAILING_EXTRACT_CODES.has(code) ? 'failed' : 'succeeded';
    if (status === 'failed') error = job.error;
  } else if (job.cancelRequested) {
    status = 'canceled';
  } else {
    status = 'failed';
    error = { code: 'not_processed', message: 'The job ended without extracting its image' };
  }
  await deleteStaging(deps, job);
  const ok = status === 'succeeded' ? 1 : 0;
  await deps.jobs.transition(job.jobId, ['queued', 'running'], status, {
    finishedAt: deps.clock.now().toISOString(),
    progress: { stage: status, total: 1, done: job.result ? 1 : 0, ok, err: job.result ? 1 - ok : 0 },
    ...(error ? { error } : {}),
  });
  return { status };
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
  const image = inspectImage(bytes, ex.mimeType, deps.settings.imageLimits);
  const outcome = await extractWithOwnClaim(deps, job, {
    task,
    image,
    requestId: ex.requestId,
    ownerKeyId: job.ownerKeyId,
    ...(ex.imageBase64Len !== null ? { imageBase64Len: ex.imageBase64Len } : {}),
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

function errorResult(deps: JobDeps, error: ItemError): RunItemResult {
  return { status: 'error', artifactRel: null, schemaValid: false, error, finishedAt: deps.clock.now().toISOString() };
}

function canceledResult(deps: JobDeps): RunItemResult {
  return {
    status: 'canceled',
    artifactRel: null,
    schemaValid: null,
    error: { code: 'canceled', message: 'The job was canceled before this item' },
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
    artifact_version: 1,
    request_id: item.requestId,
    run_id: job.runId!,
    task_id: task.id,
    prompt: { id: task.id, hash: task.promptHash },
    model: { backend: 'none', name: 'none' },
    input: {
      mime_type: (bytes ? sniffImageType(bytes) : undefined) ?? item.mimeType ?? 'application/octet-stream',
      byte_length: bytes?.length ?? 0,
      sha256: bytes ? createHash('sha256').update(bytes).digest('hex') : '',
      width: 0,
      height: 0,
      image_base64_len: null,
      input_ref: item.inputRef,
      image_ref: null,
      file: item.file,
    },
    raw_model_text: null,
    parsed: null,
    schema_valid: false,
    schema_errors: [],
    error: { code: asExtractErrorCode(error.code), message: error.message },
    error_history: [],
    timings_ms: { inference: 0, parse: 0, total: 0 },
    usage: null,
    owner_key_id: job.ownerKeyId,
    created_at: now.toISOString(),
  };
  await deps.store.putJson(artifactRel, artifact, { overwrite: true });
  await deps.index.complete('extract', item.requestId, 'error');
  await settleItem(deps, job, item, { ...errorResult(deps, error), artifactRel });
  deps.logger.info('batch_item_failed', { job_id: job.jobId, run_id: job.runId, seq: item.seq, code: error.code });
  return { seq: item.seq, status: 'error' };
}

function asExtractErrorCode(code: string): ExtractErrorCode {
  const known: ExtractErrorCode[] = [
    'backend_unavailable',
    'inference_timeout',
    'invalid_model_output',
    'invalid_input',
    'input_missing',
    'internal_error',
  ];
  return (known as string[]).includes(code) ? (code as ExtractErrorCode) : 'internal_error';
}

/** The ASL's Error (the thrown error's name, or a States.* error) as an item error code. */
export function codeOfWorkflowError(name: string): string {
  switch (name) {
    case 'BackendUnavailableError':
    case 'Lambda.TooManyRequestsException':
      return 'backend_unavailable';
    case 'InferenceTimeoutError':
      return 'inference_timeout';
    case 'States.Timeout':
      return 'task_timeout';
    case 'ValidationError':
      return 'validation_error';
    case 'NotFoundError':
      return 'not_found';
    case 'ConflictError':
      return 'conflict';
    default:
      return 'internal_error';
  }
}

/**
 * The ASL's Cause as a short message: Lambda puts a JSON document there (errorType, errorMessage, trace);
 * only the message is kept, never the trace.
 */
export function messageOfCause(cause: string | undefined, fallback: string): string {
  let message = cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // a plain message
  }
  message = message.trim() || fallback;
  return message.length > 500 ? `${message.slice(0, 497)}...` : message;
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Deletes the run's staged uploads (best effort; the bucket's lifecycle rule on staging/ is the backstop). */
async function deleteStaging(deps: JobDeps, job: JobRecord): Promise<void> {
  if (!job.stagingPrefix) return;
  try {
    // Each page is deleted before the next listing, so listing from the start again reaches the rest.
    for (;;) {
      const page = await deps.store.list(job.stagingPrefix, { limit: 1000 });
      await Promise.all(page.objects.map((o) => deps.store.delete(o.rel)));
      if (!page.cursor || page.objects.length === 0) break;
    }
  } catch (err) {
    deps.logger.warn('staging_cleanup_error', { job_id: job.jobId, error: err instanceof Error ? err.name : 'unknown' });
  }
}
