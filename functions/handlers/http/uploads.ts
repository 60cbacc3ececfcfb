// Presigned uploads straight to R2: POST /v1/uploads, GET /v1/uploads/{upload_id},
// POST /v1/uploads/{upload_id}/files and POST /v1/uploads/{upload_id}/complete.
import { appDeps, jobDepsOf, uploadDepsOf } from '../../adapters/container.ts';
import { type CompleteDeps, completeUpload } from '../../core/uploads/complete.ts';
import { type UploadDeps, addUploadFiles, createUploadSession, getUploadSession } from '../../core/uploads/sessions.ts';
import { type HttpDeps, httpHandler, ok } from '../../http/chain.ts';
import { parseAddFiles, parseCompleteUpload, parseCreateUpload, parseUploadQuery } from '../../http/upload-validators.ts';

type UploadHttpDeps = HttpDeps & UploadDeps;
type CompleteHttpDeps = HttpDeps & CompleteDeps;

export const makeCreateUploadHandler = (getDeps: () => Promise<UploadHttpDeps>) =>
  httpHandler('uploads-create', getDeps, async (req, deps) =>
    ok(await createUploadSession(deps, req.principal!, parseCreateUpload(req.body)), 201),
  );

export const makeGetUploadHandler = (getDeps: () => Promise<UploadHttpDeps>) =>
  httpHandler('uploads-get', getDeps, async (req, deps) =>
    ok(await getUploadSession(deps, req.principal!, req.params.upload_id!, parseUploadQuery(req.query))),
  );

export const makeAddUploadFilesHandler = (getDeps: () => Promise<UploadHttpDeps>) =>
  httpHandler('uploads-add-files', getDeps, async (req, deps) =>
    ok(await addUploadFiles(deps, req.principal!, req.params.upload_id!, parseAddFiles(req.body)), 201),
  );

export const makeCompleteUploadHandler = (getDeps: () => Promise<CompleteHttpDeps>) =>
  httpHandler('uploads-complete', getDeps, async (req, deps) =>
    ok(await completeUpload(deps, req.principal!, req.params.upload_id!, parseCompleteUpload(req.body)), 202),
  );

const uploadDeps = async (): Promise<UploadHttpDeps> => {
  const d = await appDeps();
  return { ...uploadDepsOf(d), config: d.config };
};
const completeDeps = async (): Promise<CompleteHttpDeps> => {
  const d = await appDeps();
  return { ...jobDepsOf(d), uploads: d.uploads, config: d.config };
};

export const createUploadHandler = makeCreateUploadHandler(uploadDeps);
export const getUploadHandler = makeGetUploadHandler(uploadDeps);
export const addUploadFilesHandler = makeAddUploadFilesHandler(uploadDeps);
export const completeUploadHandler = makeCompleteUploadHandler(completeDeps);
