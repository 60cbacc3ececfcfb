// FinalizeBatch and FailBatch, the batch workflow's last task: nothing is left pending, the counts are
// recomputed from the item rows (whatever the counters say), the batch artifact is written, the job ends.
import { batchRel } from '../artifact-keys.ts';
import { AppError } from '../errors.ts';
import type { ResponseWarning } from '../ports.ts';
import { type BatchArtifact, type BatchStatus, buildBatchArtifact } from './batch-artifact.ts';
import { type JobError, type JobRecord, type RunItemResult, type RunOutcome, isFinal, runOutcome } from './job-model.ts';
import type { JobDeps } from './job-deps.ts';
import { FAILING_EXTRACT_CODES, errorResult, mustGetJob } from './workflow-common.ts';

export interface RunFailure {
  code: string;
  message: string;
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
  const warnings: ResponseWarning[] = [];
  if (job.gt && status === 'succeeded') {
    const evaluated = await evaluateRun(deps, job, artifact);
    artifact.eval = evaluated.eval;
    warnings.push(...evaluated.warnings);
  }
  const rel = batchRel(job.runDay!, runId);
  await deps.store.putJson(rel, artifact, { overwrite: true });
  const s = artifact.summary;
  // The runs list reads this row only: the job's status, the outcome, the counts and the task go on it.
  const settleRow = (final: BatchStatus, outcome: RunOutcome) =>
    deps.index.complete('batch', runId, final === 'failed' ? 'error' : 'ok', {
      status: final,
      outcome,
      total: s.total,
      ok: s.ok,
      err: s.err,
      canceled: s.canceled,
      taskId: job.taskId,
    });
  await settleRow(status, artifact.outcome);
  await deleteStaging(deps, job);

  const result = {
    run_id: runId,
    task_id: job.taskId,
    status,
    outcome: artifact.outcome,
    artifact_rel: rel,
    summary: s,
    eval: artifact.eval,
    warnings,
  };
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
    const outcome = runOutcome(now.status as BatchStatus, s);
    await deps.jobs.update(jobId, {
      ...patch,
      result: { ...result, status: now.status, outcome },
      progress: { ...patch.progress, stage: now.status as BatchStatus },
    });
    if (now.status !== status) {
      // The artifact and the index row say what the job says.
      await deps.store.putJson(rel, { ...artifact, status: now.status, outcome }, { overwrite: true });
      await settleRow(now.status as BatchStatus, outcome);
    }
    status = now.status as BatchStatus;
  }
  deps.logger.info('batch_finalized', {
    job_id: jobId,
    run_id: runId,
    status,
    outcome: runOutcome(status, s),
    total: s.total,
    ok: s.ok,
    err: s.err,
    canceled: s.canceled,
  });
  return { status };
}

async function evaluateRun(
  deps: JobDeps,
  job: JobRecord,
  artifact: BatchArtifact,
): Promise<{ eval: Record<string, unknown>; warnings: ResponseWarning[] }> {
  if (!deps.evaluator) {
    return {
      eval: { error: { code: 'eval_unavailable', message: 'Evaluation is not available in this deployment' } },
      warnings: [],
    };
  }
  try {
    const out = await deps.evaluator.evaluate({
      runId: job.runId!,
      ownerKeyId: job.ownerKeyId,
      batch: artifact,
      gtRel: job.gt!.gtRel,
      gtImageKey: job.gt!.gtImageKey,
    });
    return {
      eval: { eval_id: out.evalId, artifact_rel: out.artifactRel, ...out.summary, warnings: out.warnings },
      warnings: out.warnings,
    };
  } catch (err) {
    deps.logger.warn('batch_eval_error', {
      job_id: job.jobId,
      run_id: job.runId,
      error: err instanceof Error ? err.name : 'unknown',
    });
    const code = err instanceof AppError ? err.code : 'internal_error';
    return {
      eval: { error: { code, message: err instanceof AppError && err.expose ? err.message : 'The evaluation failed' } },
      warnings: [],
    };
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

function canceledResult(deps: JobDeps): RunItemResult {
  return {
    status: 'canceled',
    artifactRel: null,
    schemaValid: null,
    error: { code: 'canceled', message: 'The job was canceled before this item' },
    finishedAt: deps.clock.now().toISOString(),
  };
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
