// PrepareBatch (ASL Task): mark the job running, resolve the inputs, write the pending item rows.
import { appDeps, jobDepsOf } from '../../adapters/container.ts';
import { prepareBatch } from '../../core/batch/prepare-batch.ts';
import type { JobDeps } from '../../core/batch/job-deps.ts';
import { taskHandler } from './task-handler.ts';

export const makePrepareBatchHandler = (getDeps: () => Promise<JobDeps>) =>
  taskHandler('PrepareBatch', getDeps, { needsSeq: false }, (p, deps) => prepareBatch(deps, { jobId: p.job_id }));

export const prepareBatchHandler = makePrepareBatchHandler(async () => jobDepsOf(await appDeps()));
