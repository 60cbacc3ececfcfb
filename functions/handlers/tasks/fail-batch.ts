// FailBatch (ASL failure path): the job becomes failed, with whatever items finished in a batch artifact.
import { appDeps, jobDepsOf } from '../../adapters/container.ts';
import { codeOfWorkflowError, finalizeRun, messageOfCause } from '../../core/batch-workflow.ts';
import type { JobDeps } from '../../core/jobs.ts';
import { taskHandler } from './task-handler.ts';

export const makeFailBatchHandler = (getDeps: () => Promise<JobDeps>) =>
  taskHandler('FailBatch', getDeps, { needsSeq: false }, (p, deps) => {
    const error = p.error ?? 'States.TaskFailed';
    return finalizeRun(deps, p.job_id, { code: codeOfWorkflowError(error), message: messageOfCause(p.cause, error) });
  });

export const failBatchHandler = makeFailBatchHandler(async () => jobDepsOf(await appDeps()));
