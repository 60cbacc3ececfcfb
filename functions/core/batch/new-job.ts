// Building a new job (seed §8.3–8.6): checked run ids and concurrency, the debug-only gate, the queued job
// record, the run_id's claim in the artifact index and a ground-truth file under the data root.
import { randomBytes } from 'node:crypto';
import { batchRel, dayOf, isValidId } from '../artifact-keys.ts';
import { type Principal, hasScope } from '../auth/api-keys.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { dataFileRel, dataRootPath } from './data-root.ts';
import type { JobDeps } from './job-deps.ts';
import { type BatchSource, type GroundTruthRef, type JobKind, type JobRecord, emptyProgress } from './job-model.ts';
import { executionNameOf, newJobId } from './jobs.ts';

/** Run ids become part of item request ids (`<run_id>_<seq>`) and object keys, so they are a little shorter than ids. */
const RUN_ID_MAX = 100;

export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').slice(0, 15);
  return `run_${stamp}_${randomBytes(3).toString('hex')}`;
}

export function checkRunId(field: string, runId: string): string {
  if (!isValidId(runId) || runId.length > RUN_ID_MAX) {
    throw new ValidationError(`${field} must be 1-${RUN_ID_MAX} characters of letters, digits, "_", ".", ":" or "-"`, {
      [field]: runId,
    });
  }
  return runId;
}

export function checkConcurrency(deps: JobDeps, value: number | undefined): number {
  if (value === undefined) return Math.min(deps.settings.defaultConcurrency, deps.settings.maxConcurrency);
  if (!Number.isInteger(value) || value < 1 || value > deps.settings.maxConcurrency) {
    throw new ValidationError(`concurrency must be an integer from 1 to ${deps.settings.maxConcurrency}`, { concurrency: value });
  }
  return value;
}

export function requireDebugRun(deps: JobDeps, principal: Principal, what: string): void {
  if (!deps.settings.debugMode || !hasScope(principal, 'debug:run')) {
    throw new ForbiddenError(`${what} is accepted only when DEBUG_MODE=1 and the key has the "debug:run" scope`);
  }
}

export function newJob(
  deps: JobDeps,
  principal: Principal,
  fields: {
    kind: JobKind;
    taskId: string;
    concurrency: number;
    source: BatchSource;
    now: Date;
    jobId?: string;
  } & Partial<JobRecord>,
): JobRecord {
  const { kind, taskId, concurrency, source, now, jobId = newJobId(), ...rest } = fields;
  const job: JobRecord = {
    jobId,
    kind,
    ownerKeyId: principal.keyId,
    status: 'queued',
    progress: emptyProgress(),
    canceledItems: 0,
    cancelRequested: false,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    taskId,
    concurrency,
    source,
    ...rest,
  };
  job.executionName = executionNameOf(job);
  return job;
}

/** Reserves the run_id in the artifact index (its batch row): 409 when it was used before. */
export async function claimRun(deps: JobDeps, principal: Principal, runId: string, taskId: string, now: Date): Promise<string> {
  const day = dayOf(now);
  await deps.index.claim(
    {
      kind: 'batch',
      id: runId,
      ownerKeyId: principal.keyId,
      rel: batchRel(day, runId),
      day,
      createdAt: now.toISOString(),
      status: 'pending',
      taskId,
    },
    { overwrite: false },
  );
  return day;
}

/** A ground-truth file under the data root (JSON batch bodies, debug mode only). */
export async function groundTruthFromPath(
  deps: JobDeps,
  principal: Principal,
  body: { gt_path?: string; gt_image_key?: string },
): Promise<GroundTruthRef | undefined> {
  if (body.gt_path === undefined && body.gt_image_key === undefined) return undefined;
  requireDebugRun(deps, principal, 'gt_path');
  if (body.gt_path === undefined) throw new ValidationError('gt_image_key needs gt_path');
  const rel = dataRootPath('gt_path', body.gt_path, deps.settings.dataRoot);
  if (rel === '') throw new ValidationError('gt_path must name a file under the data root', { gt_path: body.gt_path });
  const gtRel = dataFileRel(deps.settings.dataRoot, rel);
  if ((await deps.store.getBytes(gtRel)) === undefined) {
    throw new NotFoundError(`gt_path "${body.gt_path}" was not found under the data root`, { gt_path: body.gt_path });
  }
  return { gtRel, gtImageKey: body.gt_image_key ?? 'file' };
}
