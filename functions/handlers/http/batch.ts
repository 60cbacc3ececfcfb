// Batch endpoints: uploads (multipart), server-side batches over the data root and reruns, each as a sync
// variant (waits up to SYNC_WAIT_S, then 200 with the run summary or 202) and an async one (202 at once),
// plus the low-level job-creation routes of seed §8.6.1.
import { appDeps, jobDepsOf } from '../../adapters/container.ts';
import { createDirBatch, createRerunBatch, createUploadBatch } from '../../core/batch/batch-create.ts';
import { isFinal, type JobRecord } from '../../core/batch/job-model.ts';
import { type JobDeps } from '../../core/batch/job-deps.ts';
import { acceptedView, finishedView, waitForJob } from '../../core/batch/jobs.ts';
import { canonicalRerunBody, validateDirBatchRequest, validateRerunBatchRequest } from '../../http/batch-validators.ts';
import { type HttpDeps, type HttpRequest, type HttpResponse, httpHandler, ok } from '../../http/chain.ts';
import { parseMultipart } from '../../http/multipart.ts';
import { parseBody } from '../../http/validators.ts';

export type BatchHttpDeps = HttpDeps & JobDeps;
type Mode = 'sync' | 'async';
type Create = (req: HttpRequest, deps: BatchHttpDeps) => Promise<JobRecord>;

async function respond(deps: BatchHttpDeps, job: JobRecord, mode: Mode): Promise<HttpResponse> {
  if (mode === 'async') return ok(acceptedView(job), 202);
  const after = await waitForJob(deps, job.jobId, deps.settings.syncWaitS, deps.settings.syncPollMs);
  return isFinal(after.status) ? ok(finishedView(after)) : ok(acceptedView(after), 202);
}

const route = (routeId: string, mode: Mode, create: Create) => (getDeps: () => Promise<BatchHttpDeps>) =>
  httpHandler(routeId, getDeps, async (req, deps) => respond(deps, await create(req, deps), mode));

const fromDir: Create = (req, deps) => createDirBatch(deps, req.principal!, parseBody(validateDirBatchRequest, req.body));
const fromRerun: Create = (req, deps) =>
  createRerunBatch(deps, req.principal!, parseBody(validateRerunBatchRequest, canonicalRerunBody(req.body)));
const fromUpload: Create = async (req, deps) => {
  const body = await parseMultipart(req.rawBody, req.headers['content-type'], {
    maxFiles: deps.settings.maxUploadFiles,
    maxBytes: deps.settings.maxUploadBytes,
    fileFields: ['files', 'files[]'],
    extraFileFields: ['gt'],
  });
  const gt = body.files.find((f) => f.field === 'gt');
  return createUploadBatch(deps, req.principal!, {
    fields: body.fields,
    files: body.files.filter((f) => f.field !== 'gt'),
    ...(gt ? { gt } : {}),
  });
};

export const makeBatchExtractHandler = route('batch-extract', 'sync', fromDir);
export const makeBatchExtractAsyncHandler = route('batch-extract-async', 'async', fromDir);
export const makeJobsBatchExtractDirHandler = route('jobs-batch-extract-dir', 'async', fromDir);
export const makeBatchExtractUploadHandler = route('batch-extract-upload', 'sync', fromUpload);
export const makeBatchExtractUploadAsyncHandler = route('batch-extract-upload-async', 'async', fromUpload);
export const makeBatchExtractRerunHandler = route('batch-extract-rerun', 'sync', fromRerun);
export const makeBatchExtractRerunAsyncHandler = route('batch-extract-rerun-async', 'async', fromRerun);
export const makeJobsBatchExtractRerunHandler = route('jobs-batch-extract-rerun', 'async', fromRerun);

const deps = async (): Promise<BatchHttpDeps> => {
  const d = await appDeps();
  return { ...jobDepsOf(d), config: d.config };
};

export const batchExtractHandler = makeBatchExtractHandler(deps);
export const batchExtractAsyncHandler = makeBatchExtractAsyncHandler(deps);
export const jobsBatchExtractDirHandler = makeJobsBatchExtractDirHandler(deps);
export const batchExtractUploadHandler = makeBatchExtractUploadHandler(deps);
export const batchExtractUploadAsyncHandler = makeBatchExtractUploadAsyncHandler(deps);
export const batchExtractRerunHandler = makeBatchExtractRerunHandler(deps);
export const batchExtractRerunAsyncHandler = makeBatchExtractRerunAsyncHandler(deps);
export const jobsBatchExtractRerunHandler = makeJobsBatchExtractRerunHandler(deps);
