// Creating jobs from API requests (seed §8.3–8.6): extract_async, uploads, server-side batches over the data
// root, and reruns of a run's persisted inputs. Each checks everything it can before anything is stored,
// reserves the run_id (409 on reuse), stages what Step Functions cannot carry in R2, and starts the workflow.
import { dayOf, inputsPrefixRel, isValidId, stagingPrefixRel } from '../artifact-keys.ts';
import { type Principal, canAccess } from '../auth/api-keys.ts';
import { dataPrefix, dataRootPath, compileGlob, normaliseExts } from './data-root.ts';
import { ConflictError, NotFoundError, PayloadTooLargeError, TooManyFilesError, ValidationError } from '../errors.ts';
import { type ExtractRequest, type ExtractRequestDeps, inputFromRequest } from '../extract/extract-request.ts';
import { LISTING_BUDGET, listDataImages, persistedInputs } from './prepare-batch.ts';
import { type BatchInput, type GroundTruthRef, type JobRecord } from './job-model.ts';
import type { JobDeps } from './job-deps.ts';
import { launchJob, newJobId } from './jobs.ts';
import { checkConcurrency, checkRunId, claimRun, groundTruthFromPath, newJob, newRunId, requireDebugRun } from './new-job.ts';

export interface UploadPart {
  filename: string;
  /** The part's declared content type; generic types are treated as unknown and the bytes sniffed. */
  mimeType: string;
  bytes: Buffer;
}

export interface UploadBatchRequest {
  fields: Record<string, string>;
  files: UploadPart[];
  gt?: UploadPart;
}

export interface DirBatchRequest {
  task_id: string;
  images_dir: string;
  glob?: string;
  exts?: string[];
  limit?: number | null;
  concurrency?: number;
  run_id?: string | null;
  gt_path?: string;
  gt_image_key?: string;
}

export interface RerunBatchRequest {
  run_id: string;
  task_id: string;
  concurrency?: number;
  max_days?: number | null;
  batch_date?: string | null;
  new_run_id?: string | null;
  gt_path?: string;
  gt_image_key?: string;
}

/**
 * POST /v1/extract_async: the sync contract as a one-item job.
 * 1. check task, request_id (unused) and the image exactly as the sync endpoint does
 * 2. stage the image bytes in R2 (staging/<job_id>/), since Step Functions carries no images — unless they
 *    came through an upload session: then the job reads the uploaded object
 * 3. create the job and start the workflow; the job's result is the sync endpoint's response
 */
export async function createExtractJob(
  deps: JobDeps & Pick<ExtractRequestDeps, 'images' | 'limits' | 'debugMode' | 'uploadedFiles'>,
  principal: Principal,
  body: ExtractRequest,
  fallbackRequestId: string,
): Promise<JobRecord> {
  const task = deps.tasks.get(body.task_id);
  const requestId = body.request_id ?? fallbackRequestId;
  if (!isValidId(requestId)) {
    throw new ValidationError('request_id must be 1-128 characters of letters, digits, "_", ".", ":" or "-"', {
      request_id: requestId,
    });
  }
  // Only the cheap checks here (size, format): the pages are made by the job, like every batch item's.
  const { input: image, imageBase64Len, inputRef: uploadedRef } = await inputFromRequest(deps, principal, body);
  if (!deps.settings.allowOverwrite && (await deps.index.get('extract', requestId))) {
    throw new ConflictError(`request_id "${requestId}" was already used`, { request_id: requestId });
  }
  const now = deps.clock.now();
  const jobId = newJobId();
  const stagingPrefix = stagingPrefixRel(jobId);
  // An uploaded file is already in the bucket: the job reads it where it is.
  const inputRef = uploadedRef ?? `${stagingPrefix}input`;
  if (!uploadedRef) await deps.store.putBytes(inputRef, image.bytes, image.mimeType, { overwrite: true });
  const job = newJob(deps, principal, {
    jobId,
    kind: 'extract',
    taskId: task.id,
    concurrency: 1,
    source: { type: 'extract' },
    now,
    stagingPrefix,
    extract: { requestId, inputRef, mimeType: image.mimeType, imageBase64Len: imageBase64Len ?? null },
  });
  job.progress.total = 1;
  return launchJob(deps, job);
}

/**
 * POST /v1/batch_extract_upload(_async): a multipart upload as a run.
 * 1. check fields, file count and bytes (413 before anything is staged), GT only in debug mode
 * 2. reserve the run_id (409 on reuse)
 * 3. stage each file in R2 — under inputs/<day>/<run_id>/ when persist_inputs (rerunnable), else under
 *    staging/<run_id>/ (deleted when the run ends) — keeping upload order; only {file, input_ref, mime_type} travels
 * 4. create the job and start the workflow
 */
export async function createUploadBatch(deps: JobDeps, principal: Principal, req: UploadBatchRequest): Promise<JobRecord> {
  const f = req.fields;
  if (!f.task_id) throw new ValidationError('task_id is required');
  const task = deps.tasks.get(f.task_id);
  const persist = parseBoolField('persist_inputs', f.persist_inputs);
  const concurrency = checkConcurrency(deps, parseIntField('concurrency', f.concurrency));
  const now = deps.clock.now();
  const runId = f.run_id ? checkRunId('run_id', f.run_id) : newRunId(now);
  if (req.files.length === 0) throw new ValidationError('No files were uploaded: send one or more "files" parts');
  if (req.files.length > deps.settings.maxUploadFiles) {
    throw new TooManyFilesError(`At most ${deps.settings.maxUploadFiles} files per upload`, {
      max_files: deps.settings.maxUploadFiles,
    });
  }
  const total = req.files.reduce((n, p) => n + p.bytes.length, 0) + (req.gt?.bytes.length ?? 0);
  if (total > deps.settings.maxUploadBytes) {
    throw new PayloadTooLargeError(`The uploaded files exceed ${deps.settings.maxUploadBytes} bytes`, {
      max_upload_bytes: deps.settings.maxUploadBytes,
    });
  }
  if (req.gt || f.gt_image_key) {
    requireDebugRun(deps, principal, 'A ground-truth file (gt)');
    if (!req.gt) throw new ValidationError('gt_image_key needs a "gt" file part');
    try {
      JSON.parse(req.gt.bytes.toString('utf8'));
    } catch {
      throw new ValidationError('The "gt" part is not valid JSON');
    }
  }

  const day = await claimRun(deps, principal, runId, task.id, now);
  const stagingPrefix = stagingPrefixRel(runId);
  const base = persist ? inputsPrefixRel(day, runId) : stagingPrefix;
  const inputs: BatchInput[] = req.files.map((p, seq) => ({
    file: p.filename,
    input_ref: `${base}${String(seq).padStart(6, '0')}_${safeObjectName(p.filename)}`,
    mime_type: declaredImageType(p.mimeType),
  }));
  const gt: GroundTruthRef | undefined = req.gt
    ? { gtRel: `${stagingPrefix}gt.json`, gtImageKey: f.gt_image_key || 'file' }
    : undefined;
  try {
    await mapLimit(req.files, 8, (p, i) =>
      deps.store.putBytes(inputs[i]!.input_ref, p.bytes, inputs[i]!.mime_type ?? 'application/octet-stream', { overwrite: true }),
    );
    if (req.gt && gt) await deps.store.putBytes(gt.gtRel, req.gt.bytes, 'application/json', { overwrite: true });
  } catch (err) {
    await Promise.allSettled([...inputs.map((i) => deps.store.delete(i.input_ref)), deps.index.release('batch', runId)]);
    throw err;
  }
  const job = newJob(deps, principal, {
    kind: 'batch_upload',
    taskId: task.id,
    concurrency,
    source: { type: 'upload', persist_inputs: persist, files: inputs.length },
    now,
    runId,
    runDay: day,
    inputs,
    stagingPrefix,
    ...(gt ? { gt } : {}),
  });
  job.progress.total = inputs.length;
  return launchJob(deps, job);
}

/**
 * POST /v1/batch_extract(_async), /v1/jobs/batch_extract_dir: a run over images already in R2 under the data root.
 * 1. `images_dir` / `gt_path` must stay under the data root (no "..", no absolute paths, no backslashes)
 * 2. at least one image must match `glob` and `exts` (404 otherwise); the full listing is PrepareBatch's job
 * 3. reserve the run_id, create the job, start the workflow
 */
export async function createDirBatch(deps: JobDeps, principal: Principal, body: DirBatchRequest): Promise<JobRecord> {
  const task = deps.tasks.get(body.task_id);
  const imagesDir = dataRootPath('images_dir', body.images_dir, deps.settings.dataRoot);
  const glob = body.glob ?? '**/*';
  compileGlob(glob);
  const exts = normaliseExts(body.exts);
  const limit = body.limit ?? null;
  if (limit !== null && (!Number.isInteger(limit) || limit < 1 || limit > deps.settings.maxItems)) {
    throw new ValidationError(`limit must be an integer from 1 to ${deps.settings.maxItems}`, { limit });
  }
  const concurrency = checkConcurrency(deps, body.concurrency);
  const now = deps.clock.now();
  const runId = body.run_id ? checkRunId('run_id', body.run_id) : newRunId(now);
  const gt = await groundTruthFromPath(deps, principal, body);
  const source = { type: 'dir' as const, images_dir: imagesDir, glob, exts, limit };
  if (!(await hasAnyImage(deps, source))) {
    throw new NotFoundError(
      `No images under images_dir "${body.images_dir}" (bucket prefix ${dataPrefix(deps.settings.dataRoot, imagesDir)}) ` +
        `match glob "${glob}" and exts ${exts.join(',')}; see what is there with "npx ocrlty data ls ${imagesDir}"`,
      {
        images_dir: body.images_dir,
        data_root: deps.settings.dataRoot,
      },
    );
  }
  const day = await claimRun(deps, principal, runId, task.id, now);
  return launchJob(
    deps,
    newJob(deps, principal, {
      kind: 'batch_dir',
      taskId: task.id,
      concurrency,
      source,
      now,
      runId,
      runDay: day,
      ...(gt ? { gt } : {}),
    }),
  );
}

async function hasAnyImage(deps: JobDeps, source: { images_dir: string; glob: string; exts: string[] }): Promise<boolean> {
  const { inputs, exhausted } = await listDataImages(deps, source, 1);
  if (inputs.length === 0 && exhausted) {
    throw new ValidationError(
      `No image matching glob and exts among the first ${LISTING_BUDGET.maxScannedKeys} files (or ${LISTING_BUDGET.maxMs / 1000} s of listing) ` +
        `under images_dir "${source.images_dir}": point images_dir at a narrower folder`,
      { images_dir: source.images_dir, max_scanned_keys: LISTING_BUDGET.maxScannedKeys },
    );
  }
  return inputs.length > 0;
}

/**
 * POST /v1/batch_extract_rerun(_async), /v1/jobs/batch_extract_rerun: a source run's inputs again, with
 * another task or settings.
 * 1. the source run must exist and be the caller's (404), be finished (409), fall on `batch_date` and
 *    within `max_days` when given (404)
 * 2. it must have persisted inputs — uploads without persist_inputs=true cannot be rerun (409, says why)
 * 3. reserve new_run_id (409 on reuse), create the job, start the workflow
 */
export async function createRerunBatch(deps: JobDeps, principal: Principal, body: RerunBatchRequest): Promise<JobRecord> {
  const task = deps.tasks.get(body.task_id);
  const sourceRunId = checkRunId('run_id', body.run_id);
  const concurrency = checkConcurrency(deps, body.concurrency);
  const now = deps.clock.now();
  const batchDate = body.batch_date ?? null;
  const maxDays = body.max_days ?? null;
  if (batchDate !== null && !/^\d{4}-\d{2}-\d{2}$/.test(batchDate)) {
    throw new ValidationError('batch_date must be a date like 2026-11-23', { batch_date: batchDate });
  }
  if (maxDays !== null && (!Number.isInteger(maxDays) || maxDays < 1 || maxDays > 3650)) {
    throw new ValidationError('max_days must be an integer from 1 to 3650', { max_days: maxDays });
  }
  const src = await deps.index.get('batch', sourceRunId);
  const unknown = () =>
    new NotFoundError(`Source run "${sourceRunId}" not found`, {
      run_id: sourceRunId,
      ...(batchDate ? { batch_date: batchDate } : {}),
      ...(maxDays ? { max_days: maxDays } : {}),
    });
  if (!src || !canAccess(principal, src.ownerKeyId)) throw unknown();
  if (batchDate !== null && src.day !== batchDate) throw unknown();
  if (maxDays !== null && Date.parse(`${src.day}T00:00:00Z`) < Date.parse(`${dayOf(now)}T00:00:00Z`) - maxDays * 86_400_000) {
    throw unknown();
  }
  if (src.status === 'pending') {
    throw new ConflictError(`Source run "${sourceRunId}" has not finished yet`, { run_id: sourceRunId });
  }
  const inputs = await persistedInputs(deps, sourceRunId);
  if (inputs.length === 0) {
    throw new ConflictError(
      `Source run "${sourceRunId}" has no persisted inputs to rerun: upload with persist_inputs=true to make a run rerunnable`,
      { run_id: sourceRunId },
    );
  }
  const runId = body.new_run_id ? checkRunId('new_run_id', body.new_run_id) : newRunId(now);
  const gt = await groundTruthFromPath(deps, principal, body);
  const day = await claimRun(deps, principal, runId, task.id, now);
  const job = newJob(deps, principal, {
    kind: 'batch_rerun',
    taskId: task.id,
    concurrency,
    source: { type: 'rerun', run_id: sourceRunId, batch_date: batchDate, max_days: maxDays },
    now,
    runId,
    runDay: day,
    ...(gt ? { gt } : {}),
  });
  job.progress.total = Math.min(inputs.length, deps.settings.maxItems);
  return launchJob(deps, job);
}

function parseBoolField(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ValidationError(`${name} must be true or false`, { [name]: value });
}

function parseIntField(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value.trim());
  if (!Number.isInteger(n)) throw new ValidationError(`${name} must be an integer`, { [name]: value });
  return n;
}

/** A declared part type that says something; generic ones mean "look at the bytes". */
function declaredImageType(mime: string): string | null {
  const m = mime.split(';')[0]!.trim().toLowerCase();
  return m === '' || m === 'application/octet-stream' || m === 'text/plain' ? null : m;
}

/** The file name as a safe object-key segment (the original name is kept as the item's `file`). */
function safeObjectName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return (cleaned || 'file').slice(-100);
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
