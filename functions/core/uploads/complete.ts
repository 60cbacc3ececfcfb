// Completing an upload session: every declared file checked in the bucket, then one batch run over them,
// executed by the same workflow as every batch. The file list stays in the session's rows; the job row
// only names the session.
import { createHash } from 'node:crypto';
import type { Principal } from '../auth/api-keys.ts';
import { checkConcurrency, checkRunId, claimRun, groundTruthFromPath, newJob, newRunId } from '../batch/new-job.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import type { GroundTruthRef, JobRecord } from '../batch/job-model.ts';
import { pollUrl } from '../batch/job-model.ts';
import type { JobDeps } from '../batch/job-deps.ts';
import { launchJob, newJobId } from '../batch/jobs.ts';
import type { UploadSessionStore } from './ports.ts';
import { quoteName } from './names.ts';
import { type ArrivalState, arrivalOf, listArrived } from './uploaded-objects.ts';
import { type UploadCompletion, type UploadFile, type UploadSession, ownedLiveSession, readSession } from './upload-model.ts';

export interface CompleteUploadRequest {
  task_id: string;
  run_id?: string | null;
  concurrency?: number;
  gt_path?: string;
  gt_image_key?: string;
}

export type CompleteDeps = JobDeps & { uploads: UploadSessionStore };

export interface CompleteUploadResult {
  job_id: string;
  poll_url: string;
  run_id: string;
}

const LISTED_PROBLEMS = 20;

/**
 * POST /v1/uploads/{upload_id}/complete.
 * 1. the caller's unexpired session (404 / 410)
 * 2. already completed: the same body answers with the same job (started now if a crash left it
 *    unstarted); another body is a 409
 * 3. task, run_id, concurrency and ground truth checked as for any batch; no add-files call in flight (409)
 * 4. one object listing per 1,000 files: every file present, of its declared size, arrived before the
 *    session's end — otherwise a 400 naming each, nothing started, the session still completable
 * 5. reserve the run_id (409 on reuse), then open → completed with the job's id (a concurrent complete
 *    loses here and answers as a replay)
 * 6. create the job — source `upload_session`, staged objects deleted when the run ends unless persisted —
 *    and start the workflow
 */
export async function completeUpload(
  deps: CompleteDeps,
  principal: Principal,
  uploadId: string,
  body: CompleteUploadRequest,
): Promise<CompleteUploadResult> {
  const now = deps.clock.now();
  const session = ownedLiveSession(await readSession(deps.uploads, uploadId), principal, uploadId, now);
  const bodyHash = completeBodyHash(body);
  if (session.status === 'completed') return replay(deps, principal, session, body, bodyHash);

  const task = deps.tasks.get(body.task_id);
  const runId = body.run_id ? checkRunId('run_id', body.run_id) : newRunId(now);
  const concurrency = checkConcurrency(deps, body.concurrency);
  const gt = await groundTruthFromPath(deps, principal, body);
  if (session.addLeaseUntil && Date.parse(session.addLeaseUntil) > now.getTime()) throw addInFlight(uploadId);

  const files = await deps.uploads.listFiles(uploadId);
  await assertAllArrived(deps, session, files);

  const day = await claimRun(deps, principal, runId, task.id, now);
  const completion: UploadCompletion = { jobId: newJobId(), runId, taskId: task.id, bodyHash, completedAt: now.toISOString() };
  const marked = await deps.uploads.markCompleted(uploadId, completion, { version: session.version, now: now.toISOString() });
  if (!marked) {
    await deps.index.release('batch', runId);
    const again = ownedLiveSession(await readSession(deps.uploads, uploadId), principal, uploadId, deps.clock.now());
    if (again.status === 'completed') return replay(deps, principal, again, body, bodyHash);
    throw addInFlight(uploadId);
  }
  const job = sessionJob(deps, principal, { ...session, status: 'completed', completion }, files.length, {
    concurrency,
    day,
    gt,
    now,
  });
  await launchOnce(deps, job);
  deps.logger.info('upload_completed', {
    upload_id: uploadId,
    key_id: principal.keyId,
    job_id: job.jobId,
    run_id: runId,
    files: files.length,
  });
  return resultOf(completion);
}

/** The same body again → the same job; if the job was never created (a crash after step 5), create it now. */
async function replay(
  deps: CompleteDeps,
  principal: Principal,
  session: UploadSession,
  body: CompleteUploadRequest,
  bodyHash: string,
): Promise<CompleteUploadResult> {
  const completion = session.completion!;
  if (completion.bodyHash !== bodyHash) {
    throw new ConflictError(`Upload "${session.uploadId}" was already completed with another body`, {
      upload_id: session.uploadId,
      job_id: completion.jobId,
      run_id: completion.runId,
    });
  }
  if (await deps.jobs.get(completion.jobId, { lean: true })) return resultOf(completion);
  const now = deps.clock.now();
  const claimed = await deps.index.get('batch', completion.runId);
  const day = claimed?.day ?? (await claimRun(deps, principal, completion.runId, completion.taskId, now));
  const job = sessionJob(deps, principal, session, session.fileCount, {
    concurrency: checkConcurrency(deps, body.concurrency),
    day,
    gt: await groundTruthFromPath(deps, principal, body),
    now: new Date(completion.completedAt),
  });
  await launchOnce(deps, job);
  return resultOf(completion);
}

/** Creates and starts the job unless a concurrent complete of the same body already created it. */
async function launchOnce(deps: CompleteDeps, job: JobRecord): Promise<void> {
  try {
    await launchJob(deps, job);
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
  }
}

function sessionJob(
  deps: CompleteDeps,
  principal: Principal,
  session: UploadSession,
  files: number,
  opts: { concurrency: number; day: string; gt: GroundTruthRef | undefined; now: Date },
): JobRecord {
  const completion = session.completion!;
  const job = newJob(deps, principal, {
    jobId: completion.jobId,
    kind: 'batch_upload',
    taskId: completion.taskId,
    concurrency: opts.concurrency,
    source: { type: 'upload_session', upload_id: session.uploadId, persist_inputs: session.persistInputs, files },
    now: opts.now,
    runId: completion.runId,
    runDay: opts.day,
    // Persisted objects are the run's inputs for good; staged ones go when the run ends.
    ...(session.persistInputs ? {} : { stagingPrefix: session.objectPrefix }),
    ...(opts.gt ? { gt: opts.gt } : {}),
  });
  job.progress.total = files;
  return job;
}

/** Step 4: the listing against the rows; a 400 naming the first problems (and counting the rest). */
async function assertAllArrived(deps: CompleteDeps, session: UploadSession, files: UploadFile[]): Promise<void> {
  const arrived = await listArrived(deps.store, session);
  const problems: Array<{ name: string; arrival: Exclude<ArrivalState, { state: 'uploaded' }>; file: UploadFile }> = [];
  for (const file of files) {
    const arrival = arrivalOf(file, arrived.get(file.name), session.expiresAt);
    if (arrival.state !== 'uploaded') problems.push({ name: file.name, arrival, file });
  }
  if (problems.length === 0) return;
  const describe = (p: (typeof problems)[number]) =>
    p.arrival.state === 'missing'
      ? `${quoteName(p.name)} was not uploaded`
      : p.arrival.state === 'size_mismatch'
        ? `${quoteName(p.name)} has ${p.arrival.uploadedBytes} bytes, declared ${p.file.sizeBytes}`
        : `${quoteName(p.name)} arrived after the upload expired`;
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
  throw new ValidationError(
    `${problems.length} of ${files.length} files are not uploaded as declared: ${problems.slice(0, 3).map(describe).join('; ')}${more}. Upload them and complete again.`,
    {
      upload_id: session.uploadId,
      files: files.length,
      problem_count: problems.length,
      problems: problems.slice(0, LISTED_PROBLEMS).map((p) => ({
        name: p.name.slice(0, 120),
        problem: p.arrival.state,
        declared_bytes: p.file.sizeBytes,
        ...(p.arrival.state === 'size_mismatch' ? { uploaded_bytes: p.arrival.uploadedBytes } : {}),
        ...(p.arrival.state === 'late' ? { arrived_at: p.arrival.arrivedAt } : {}),
      })),
    },
  );
}

function addInFlight(uploadId: string): ConflictError {
  return new ConflictError('Files are being added to this upload: complete it when that call has finished', {
    upload_id: uploadId,
  });
}

const resultOf = (c: UploadCompletion): CompleteUploadResult => ({
  job_id: c.jobId,
  poll_url: pollUrl(c.jobId),
  run_id: c.runId,
});

/** The body as complete compares it on a replay: field order and absent-vs-null do not matter. */
export function completeBodyHash(body: CompleteUploadRequest): string {
  const canonical = {
    task_id: body.task_id,
    run_id: body.run_id ?? null,
    concurrency: body.concurrency ?? null,
    gt_path: body.gt_path ?? null,
    gt_image_key: body.gt_image_key ?? null,
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
