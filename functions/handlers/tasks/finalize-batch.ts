// FinalizeBatch (ASL Task): counts recomputed, batch artifact written, staging deleted, final status set.
import { appDeps, jobDepsOf } from '../../adapters/container.ts';
import { finalizeRun } from '../../core/batch/finalize-run.ts';
import type { JobDeps } from '../../core/batch/job-deps.ts';
import { taskHandler } from './task-handler.ts';

export const makeFinalizeBatchHandler = (getDeps: () => Promise<JobDeps>) =>
  taskHandler('FinalizeBatch', getDeps, { needsSeq: false }, (p, deps) => finalizeRun(deps, p.job_id));

export const finalizeBatchHandler = makeFinalizeBatchHandler(async () => jobDepsOf(await appDeps()));
