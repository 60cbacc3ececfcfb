// RecordItemFailure (ASL Catch target in the Map): the item becomes an error with an artifact; the run goes on.
import { appDeps, jobDepsOf } from '../../adapters/container.ts';
import { recordItemFailure } from '../../core/batch/extract-item.ts';
import type { JobDeps } from '../../core/batch/job-deps.ts';
import { taskHandler } from './task-handler.ts';

export const makeRecordItemFailureHandler = (getDeps: () => Promise<JobDeps>) =>
  taskHandler('RecordItemFailure', getDeps, { needsSeq: true }, (p, deps) =>
    recordItemFailure(deps, { jobId: p.job_id, seq: p.seq!, error: p.error ?? 'States.TaskFailed', cause: p.cause ?? '' }),
  );

export const recordItemFailureHandler = makeRecordItemFailureHandler(async () => jobDepsOf(await appDeps()));
