// POST /v1/extract_async: the /v1/extract body as a job (202 + job_id + poll_url); the job's result is the
// sync response.
import { appDeps, jobDepsOf, uploadedFilesOf } from '../../adapters/container.ts';
import { httpImageFetcher } from '../../adapters/image-fetcher.ts';
import { createExtractJob } from '../../core/batch/batch-create.ts';
import type { ExtractRequestDeps } from '../../core/extract/extract-request.ts';
import { type JobDeps } from '../../core/batch/job-deps.ts';
import { acceptedView } from '../../core/batch/jobs.ts';
import { type HttpDeps, httpHandler, ok } from '../../http/chain.ts';
import { parseBody, validateExtractRequest } from '../../http/validators.ts';

type ExtractAsyncDeps = HttpDeps & JobDeps & Pick<ExtractRequestDeps, 'images' | 'limits' | 'debugMode' | 'uploadedFiles'>;

export const makeExtractAsyncHandler = (getDeps: () => Promise<ExtractAsyncDeps>) =>
  httpHandler('extract-async', getDeps, async (req, deps) => {
    const body = parseBody(validateExtractRequest, req.body);
    return ok(acceptedView(await createExtractJob(deps, req.principal!, body, req.requestId)), 202);
  });

export const extractAsyncHandler = makeExtractAsyncHandler(async () => {
  const d = await appDeps();
  return {
    ...jobDepsOf(d),
    config: d.config,
    images: httpImageFetcher,
    limits: d.config.limits,
    debugMode: d.config.debugMode,
    uploadedFiles: uploadedFilesOf(d),
  };
});
