// FailBatch (ASL failure path): the job becomes failed, with whatever items finished in a batch artifact.
import { appDeps, jobDepsOf } from '../../adapters/container.ts';
import { codeOfWorkflowError, messageOfCause } from '../../core/batch/workflow-common.ts';
import { finalizeRun } from '../../core/batch/finalize-run.ts';
import type { JobDeps } from '../../core/batch/job-deps.ts';
import { taskHandler } from './task-handler.ts';

export const makeFailBatchHandler = (getDeps: () => Promise<JobDeps>) =>
  taskHandler('FailBatch', getDeps, { needsSeq: false }, (p, deps) => {
    const error = p.error ?? 'States.TaskFailed';
    return finalizeRun(deps, p.job_id, { code: codeOfWorkflowError(error), message: messageOfCause(p.cause, error) });
  });

export const failBatchHandler = makeFailBatchHandler(async () => jobDepsOf(await appDeps()));
