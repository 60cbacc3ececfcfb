// Jobs as use cases: start the workflow for a new job, read and list jobs with owner isolation, wait a
// bounded window for a sync caller, cancel cooperatively, and recover after a local-mode restart (seed §8.6).
import { randomBytes } from 'node:crypto';
import { type Principal, canAccess, isAdmin } from '../auth/api-keys.ts';
import { ConflictError, InternalError, NotFoundError } from '../errors.ts';
import { finalizeRun } from './finalize-run.ts';
import type { JobDeps } from './job-deps.ts';
import { type JobRecord, type JobStatus, type RunOutcome, isFinal, pollUrl } from './job-model.ts';

export const newJobId = (): string => `job_${randomBytes(12).toString('hex')}`;

/** Step Functions execution names: ≤ 80 of [A-Za-z0-9-_], unique per state machine; the job id makes them so. */
export function executionNameOf(job: Pick<JobRecord, 'jobId' | 'runId' | 'kind'>): string {
  const label = (job.runId ?? job.kind).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80 - job.jobId.length - 1);
  return `${label}-${job.jobId}`;
}

/**
 * Stores a new job and starts its workflow execution.
 * 1. create the job row (queued)   2. start the execution named after the run and job
 * 3. if the start fails, the run is finalized as failed (never left queued) and the caller gets a 500.
 */
export async function launchJob(deps: JobDeps, job: JobRecord): Promise<JobRecord> {
  await deps.jobs.create(job);
  await startJob(deps, job);
  return job;
}

export async function startJob(deps: JobDeps, job: JobRecord): Promise<void> {
  try {
    await deps.workflow.start({
      jobId: job.jobId,
      executionName: job.executionName ?? executionNameOf(job),
      input: { job_id: job.jobId },
    });
    deps.logger.info('job_started', { job_id: job.jobId, run_id: job.runId, kind: job.kind, workflow: deps.workflow.kind });
  } catch (err) {
    deps.logger.error('job_start_error', {
      job_id: job.jobId,
      error: err instanceof Error ? err.name : 'unknown',
      message: err instanceof Error ? err.message : String(err),
    });
    await finalizeRun(deps, job.jobId, { code: 'internal_error', message: 'The batch workflow could not be started' }).catch(
      () => undefined,
    );
    throw new InternalError('The batch workflow could not be started', { job_id: job.jobId });
  }
}

/** A job the principal may see; another owner's job is indistinguishable from a missing one (404). */
export async function getOwnedJob(deps: Pick<JobDeps, 'jobs'>, principal: Principal, jobId: string): Promise<JobRecord> {
  const job = await deps.jobs.get(jobId);
  if (!job || !canAccess(principal, job.ownerKeyId)) throw new NotFoundError(`Job "${jobId}" not found`, { job_id: jobId });
  return job;
}

export async function listJobs(
  deps: Pick<JobDeps, 'jobs'>,
  principal: Principal,
  query: { status?: JobStatus; limit: number; cursor?: string },
): Promise<{ jobs: JobRecord[]; cursor?: string }> {
  return deps.jobs.list({ ...query, ...(isAdmin(principal) ? {} : { ownerKeyId: principal.keyId }) });
}

/**
 * Cooperative cancel (seed §12 P3 item 10).
 * 1. 404 for another owner's job, 409 for a finished one   2. set cancel_requested
 * 3. a queued job becomes canceled at once; a running one stops before its next item (ExtractItem checks)
 *    and FinalizeBatch writes the partial batch artifact.
 */
export async function cancelJob(
  deps: Pick<JobDeps, 'jobs' | 'clock' | 'logger'>,
  principal: Principal,
  jobId: string,
): Promise<JobRecord> {
  const job = await getOwnedJob(deps, principal, jobId);
  if (isFinal(job.status)) {
    throw new ConflictError(`Job "${jobId}" is already ${job.status}`, { job_id: jobId, status: job.status });
  }
  await deps.jobs.requestCancel(jobId);
  const now = deps.clock.now().toISOString();
  await deps.jobs.transition(jobId, ['queued'], 'canceled', { finishedAt: now, progress: { stage: 'canceled' } });
  deps.logger.info('job_cancel_requested', { job_id: jobId, key_id: principal.keyId });
  const after = (await deps.jobs.get(jobId))!;
  // A job that finished between the read and the request is reported as it is.
  return after;
}

/** Polls the job until it is final or `waitS` has passed; the sync endpoints' bounded wait. */
export async function waitForJob(
  deps: Pick<JobDeps, 'jobs' | 'clock'>,
  jobId: string,
  waitS: number,
  pollMs: number,
): Promise<JobRecord> {
  const deadline = deps.clock.now().getTime() + waitS * 1000;
  for (;;) {
    const job = await deps.jobs.get(jobId);
    if (!job) throw new NotFoundError(`Job "${jobId}" not found`, { job_id: jobId });
    const remaining = deadline - deps.clock.now().getTime();
    if (isFinal(job.status) || remaining <= 0) return job;
    await deps.clock.sleep(Math.min(pollMs, remaining));
  }
}

/** GET /v1/jobs/{job_id}'s body. */
export function jobView(job: JobRecord): Record<string, unknown> {
  return {
    job_id: job.jobId,
    kind: job.kind,
    status: job.status,
    outcome: jobOutcome(job),
    progress: { ...job.progress, canceled: job.canceledItems },
    cancel_requested: job.cancelRequested,
    task_id: job.taskId,
    run_id: job.runId ?? null,
    request_id: job.extract?.requestId ?? null,
    concurrency: job.concurrency,
    created_at: job.createdAt,
    started_at: job.startedAt ?? null,
    finished_at: job.finishedAt ?? null,
    execution_name: job.executionName ?? null,
    poll_url: pollUrl(job.jobId),
    result: job.result ?? null,
    error: job.error ?? null,
  };
}

/** A final job's outcome: its run's (all ok, partial, all failed, canceled); a one-image job's is its status. */
export function jobOutcome(job: JobRecord): RunOutcome | null {
  if (!isFinal(job.status)) return null;
  const fromRun = job.result?.outcome;
  if (typeof fromRun === 'string') return fromRun as RunOutcome;
  return job.status as RunOutcome;
}

/** The 202 body of an async endpoint (or of a sync one whose job outlived the wait). */
export function acceptedView(job: JobRecord): Record<string, unknown> {
  return {
    job_id: job.jobId,
    poll_url: pollUrl(job.jobId),
    status: job.status,
    ...(job.runId ? { run_id: job.runId } : {}),
    ...(job.extract ? { request_id: job.extract.requestId } : {}),
  };
}

/** The 200 body of a sync batch endpoint: the run summary. */
export function finishedView(job: JobRecord): Record<string, unknown> {
  return {
    job_id: job.jobId,
    status: job.status,
    poll_url: pollUrl(job.jobId),
    ...(job.result ?? {}),
    ...(job.error ? { error: job.error } : {}),
  };
}

async function listAll(deps: Pick<JobDeps, 'jobs'>, status: JobStatus): Promise<JobRecord[]> {
  const all: JobRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.jobs.list({ status, limit: 100, ...(cursor ? { cursor } : {}) });
    all.push(...page.jobs);
    cursor = page.cursor;
  } while (cursor);
  return all;
}

/**
 * Local mode start-up (seed §8.6): the previous process's in-flight executions are gone.
 * 1. `running` jobs become `failed` with stale_after_restart (their partial batch artifact is written)
 * 2. `queued` jobs are started again
 * 3. jobs canceled while queued whose run was never finalized get their (empty) batch artifact
 */
export async function recoverJobsAfterRestart(
  deps: JobDeps,
): Promise<{ failed: string[]; restarted: string[]; finalized: string[] }> {
  const failed: string[] = [];
  const restarted: string[] = [];
  const finalized: string[] = [];
  for (const job of await listAll(deps, 'running')) {
    await finalizeRun(deps, job.jobId, {
      code: 'stale_after_restart',
      message: 'The local stack restarted while this job was running',
    });
    failed.push(job.jobId);
  }
  for (const job of await listAll(deps, 'queued')) {
    try {
      await startJob(deps, job);
      restarted.push(job.jobId);
    } catch {
      // startJob has already failed the job and logged why.
    }
  }
  for (const job of await listAll(deps, 'canceled')) {
    if (job.runId && !job.artifactRel) {
      await finalizeRun(deps, job.jobId);
      finalized.push(job.jobId);
    }
  }
  if (failed.length + restarted.length + finalized.length > 0) {
    deps.logger.info('jobs_recovered', { failed: failed.length, restarted: restarted.length, finalized: finalized.length });
  }
  return { failed, restarted, finalized };
}
