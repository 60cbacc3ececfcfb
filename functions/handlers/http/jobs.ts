// GET /v1/jobs/{job_id}, GET /v1/jobs?status=, POST /v1/jobs/{job_id}/cancel — owner isolation everywhere.
import { appDeps, jobDepsOf } from '../../adapters/container.ts';
import { type JobDeps } from '../../core/batch/job-deps.ts';
import { cancelJob, getOwnedJob, jobView, listJobs } from '../../core/batch/jobs.ts';
import { parseJobListQuery } from '../../http/batch-validators.ts';
import { type HttpDeps, httpHandler, ok } from '../../http/chain.ts';

type JobsHttpDeps = HttpDeps & JobDeps;

export const makeGetJobHandler = (getDeps: () => Promise<JobsHttpDeps>) =>
  httpHandler('jobs-get', getDeps, async (req, deps) => ok(jobView(await getOwnedJob(deps, req.principal!, req.params.job_id!))));

export const makeListJobsHandler = (getDeps: () => Promise<JobsHttpDeps>) =>
  httpHandler('jobs-list', getDeps, async (req, deps) => {
    const page = await listJobs(deps, req.principal!, parseJobListQuery(req.query));
    return ok({ jobs: page.jobs.map(jobView), next_cursor: page.cursor ?? null });
  });

export const makeCancelJobHandler = (getDeps: () => Promise<JobsHttpDeps>) =>
  httpHandler('jobs-cancel', getDeps, async (req, deps) => {
    const job = await cancelJob(deps, req.principal!, req.params.job_id!);
    // Canceled at once (it was queued) → 200; a running job stops before its next item → 202.
    return ok(jobView(job), job.status === 'canceled' ? 200 : 202);
  });

const deps = async (): Promise<JobsHttpDeps> => {
  const d = await appDeps();
  return { ...jobDepsOf(d), config: d.config };
};

export const getJobHandler = makeGetJobHandler(deps);
export const listJobsHandler = makeListJobsHandler(deps);
export const cancelJobHandler = makeCancelJobHandler(deps);
