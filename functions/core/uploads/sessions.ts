// Upload sessions as use cases: create one with its first files, add files to an open one, and read one
// page by page with fresh URLs for what is still to upload. The bytes never pass through a function: each
// file gets a presigned PUT straight to the bucket.
import type { Principal } from '../auth/api-keys.ts';
import { ConflictError, TooManyFilesError, ValidationError } from '../errors.ts';
import type { ArtifactStore, Clock, Logger } from '../ports.ts';
import { type DeclaredFile, checkDeclaredFiles, existingNamesError } from './declarations.ts';
import { normaliseUploadName } from './names.ts';
import type { PresignedUpload, UploadPresigner, UploadSessionStore } from './ports.ts';
import { arrivalOf, listArrived } from './uploaded-objects.ts';
import {
  ADD_LEASE_S,
  MAX_FILES_PER_CALL,
  MAX_NAME_BYTES_PER_CALL,
  type UploadFile,
  type UploadSession,
  type UploadSettings,
  fileRel,
  isExpired,
  newUploadId,
  ownedLiveSession,
  readSession,
  uploadPrefixRel,
  urlTtlS,
} from './upload-model.ts';

export interface UploadDeps {
  uploads: UploadSessionStore;
  presigner: UploadPresigner;
  store: Pick<ArtifactStore, 'list'>;
  clock: Clock;
  logger: Logger;
  settings: UploadSettings;
}

export interface CreateUploadRequest {
  files: DeclaredFile[];
  persist_inputs?: boolean;
}

export interface AddFilesRequest {
  files: DeclaredFile[];
}

/** A file as the API shows it; `upload_url`, `method` and `headers` only while it can still be uploaded. */
export interface UploadFileView {
  name: string;
  mime_type: string;
  size_bytes: number;
  input_ref: string;
  status?: 'pending' | 'uploaded';
  /** A pending file whose object has another size than declared: upload it again. */
  uploaded_bytes?: number;
  upload_url?: string;
  method?: 'PUT';
  headers?: Record<string, string>;
}

export interface UploadSessionView {
  upload_id: string;
  status: UploadSession['status'];
  persist_inputs: boolean;
  created_at: string;
  expires_at: string;
  file_count: number;
  files: UploadFileView[];
  /** GET only: the next page's cursor, null on the last page. */
  cursor?: string | null;
  job_id?: string | null;
  run_id?: string | null;
}

/**
 * POST /v1/uploads.
 * 1. check the declared files (1–1,000, names, types, sizes; all problems in one 4xx)
 * 2. sign one PUT URL per file, for its type and length, valid S3_PRESIGN_TTL_S (never past the session)
 * 3. store the file rows, then the session row (a session is visible only with all its first files)
 * 4. 201: upload_id, expires_at and per file its final input_ref and upload URL
 */
export async function createUploadSession(
  deps: UploadDeps,
  principal: Principal,
  body: CreateUploadRequest,
): Promise<UploadSessionView> {
  const now = deps.clock.now();
  const files = checkDeclaredFiles(body.files, {
    maxInputFileBytes: deps.settings.maxInputFileBytes,
    addedAt: now.toISOString(),
  });
  if (files.length > deps.settings.maxSessionFiles) throw tooManyForSession(deps, files.length);
  const uploadId = newUploadId();
  const persistInputs = body.persist_inputs === true;
  const session: UploadSession = {
    uploadId,
    ownerKeyId: principal.keyId,
    persistInputs,
    objectPrefix: uploadPrefixRel(uploadId, persistInputs, now),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + deps.settings.sessionTtlS * 1000).toISOString(),
    fileCount: files.length,
    status: 'open',
    version: 0,
  };
  const views = await signFiles(deps, session, files, now);
  await deps.uploads.create(session, files);
  deps.logger.info('upload_created', {
    upload_id: uploadId,
    key_id: principal.keyId,
    files: files.length,
    persist_inputs: persistInputs,
  });
  return { ...sessionHead(session), files: views };
}

/**
 * POST /v1/uploads/{upload_id}/files.
 * 1. the caller's open, unexpired session (404 / 410 / 409 when completed)
 * 2. check the declared files as at creation
 * 3. hold the session (one add at a time; complete waits) and reserve room under MAX_BATCH_ITEMS (413)
 * 4. under that hold, write the rows unless a name exists (400 naming it, nothing written), then sign
 */
export async function addUploadFiles(
  deps: UploadDeps,
  principal: Principal,
  uploadId: string,
  body: AddFilesRequest,
): Promise<UploadSessionView> {
  const now = deps.clock.now();
  const session = ownedLiveSession(await readSession(deps.uploads, uploadId), principal, uploadId, now);
  if (session.status !== 'open') throw completedError(session);
  const files = checkDeclaredFiles(body.files, {
    maxInputFileBytes: deps.settings.maxInputFileBytes,
    addedAt: now.toISOString(),
  });
  if (session.fileCount + files.length > deps.settings.maxSessionFiles)
    throw tooManyForSession(deps, session.fileCount + files.length);

  const leaseUntil = new Date(now.getTime() + ADD_LEASE_S * 1000).toISOString();
  const begun = await deps.uploads.beginAdd(uploadId, {
    count: files.length,
    maxFiles: deps.settings.maxSessionFiles,
    now: now.toISOString(),
    leaseUntil,
  });
  if (begun === 'busy') {
    throw new ConflictError('Files are being added to this upload by another call: retry when it has finished', {
      upload_id: uploadId,
    });
  }
  if (begun === 'full') throw tooManyForSession(deps, session.fileCount + files.length);
  if (begun === 'closed') {
    // Completed or expired between the read and now: say which.
    const again = ownedLiveSession(await readSession(deps.uploads, uploadId), principal, uploadId, deps.clock.now());
    throw completedError(again);
  }
  let written = false;
  try {
    const { existing } = await deps.uploads.putNewFiles(session, files);
    if (existing.length > 0) throw existingNamesError(existing);
    written = true;
  } finally {
    await deps.uploads.endAdd(uploadId, { leaseUntil, release: written ? 0 : files.length });
  }
  const views = await signFiles(deps, session, files, deps.clock.now());
  deps.logger.info('upload_files_added', { upload_id: uploadId, key_id: principal.keyId, files: files.length });
  return { ...sessionHead({ ...session, fileCount: session.fileCount + files.length }), files: views };
}

/**
 * GET /v1/uploads/{upload_id}?cursor=&limit=.
 * 1. the caller's unexpired session (404 / 410)
 * 2. one page of files in name order (≤ limit, names ≤ MAX_NAME_BYTES_PER_CALL), and one object listing
 *    over the same names
 * 3. each file `uploaded` (present, declared size) or `pending`; pending ones of an open session get a
 *    fresh URL. A completed session's files are all `uploaded` (complete checked them; a run may since have
 *    deleted the staged objects), with no listing
 */
export async function getUploadSession(
  deps: UploadDeps,
  principal: Principal,
  uploadId: string,
  query: { cursor?: string; limit?: number },
): Promise<UploadSessionView> {
  const now = deps.clock.now();
  const session = ownedLiveSession(await readSession(deps.uploads, uploadId), principal, uploadId, now);
  const limit = query.limit ?? MAX_FILES_PER_CALL;
  const afterName = query.cursor === undefined ? undefined : decodeFilesCursor(query.cursor);
  const page = fitNameBudget(
    await deps.uploads.pageFiles(uploadId, { limit, ...(afterName !== undefined ? { afterName } : {}) }),
  );
  const last = page.files[page.files.length - 1];
  const open = session.status === 'open' && !isExpired(session, now);
  // A completed session had every file checked in the bucket; its staged objects may be gone since the run.
  const arrived =
    page.files.length === 0 || !open
      ? new Map()
      : await listArrived(deps.store, session, { ...(afterName !== undefined ? { afterName } : {}), throughName: last!.name });
  const pendingToSign: UploadFile[] = [];
  const views: UploadFileView[] = page.files.map((f) => {
    const arrival = open ? arrivalOf(f, arrived.get(f.name), session.expiresAt) : ({ state: 'uploaded' } as const);
    const view: UploadFileView = {
      ...fileHead(session, f),
      status: arrival.state === 'uploaded' ? 'uploaded' : 'pending',
      ...(arrival.state === 'size_mismatch' ? { uploaded_bytes: arrival.uploadedBytes } : {}),
    };
    if (view.status === 'pending' && open) pendingToSign.push(f);
    return view;
  });
  if (pendingToSign.length > 0) {
    const signed = new Map((await signFiles(deps, session, pendingToSign, now)).map((v) => [v.name, v]));
    for (const v of views) {
      const s = signed.get(v.name);
      if (s) Object.assign(v, { upload_url: s.upload_url, method: s.method, headers: s.headers });
    }
  }
  return {
    ...sessionHead(session),
    files: views,
    cursor: page.more && last ? encodeFilesCursor(last.name) : null,
    job_id: session.completion?.jobId ?? null,
    run_id: session.completion?.runId ?? null,
  };
}

/** A page cut where its names reach MAX_NAME_BYTES_PER_CALL (the rest follow on the next page). */
function fitNameBudget(page: { files: UploadFile[]; more: boolean }): { files: UploadFile[]; more: boolean } {
  let bytes = 0;
  for (let i = 0; i < page.files.length; i++) {
    bytes += Buffer.byteLength(page.files[i]!.name, 'utf8');
    if (bytes > MAX_NAME_BYTES_PER_CALL && i > 0) return { files: page.files.slice(0, i), more: true };
  }
  return page;
}

async function signFiles(deps: UploadDeps, session: UploadSession, files: UploadFile[], now: Date): Promise<UploadFileView[]> {
  const ttlS = urlTtlS(session, now, deps.settings.presignTtlS);
  return Promise.all(
    files.map(async (f) => {
      const signed: PresignedUpload = await deps.presigner.presignPut(fileRel(session, f.name), {
        contentType: f.mimeType,
        contentLength: f.sizeBytes,
        ttlS,
      });
      return { ...fileHead(session, f), upload_url: signed.url, method: signed.method, headers: signed.headers };
    }),
  );
}

function fileHead(session: UploadSession, f: UploadFile): UploadFileView {
  return { name: f.name, mime_type: f.mimeType, size_bytes: f.sizeBytes, input_ref: fileRel(session, f.name) };
}

function sessionHead(session: UploadSession): Omit<UploadSessionView, 'files'> {
  return {
    upload_id: session.uploadId,
    status: session.status,
    persist_inputs: session.persistInputs,
    created_at: session.createdAt,
    expires_at: session.expiresAt,
    file_count: session.fileCount,
  };
}

function completedError(session: UploadSession): ConflictError {
  return new ConflictError(`Upload "${session.uploadId}" is already completed`, {
    upload_id: session.uploadId,
    ...(session.completion ? { job_id: session.completion.jobId, run_id: session.completion.runId } : {}),
  });
}

function tooManyForSession(deps: UploadDeps, count: number): TooManyFilesError {
  return new TooManyFilesError(`An upload holds at most ${deps.settings.maxSessionFiles} files (MAX_BATCH_ITEMS)`, {
    max_files: deps.settings.maxSessionFiles,
    files: count,
  });
}

/** The GET cursor: the last name of the previous page, opaque to clients. */
export function encodeFilesCursor(name: string): string {
  return Buffer.from(name, 'utf8').toString('base64url');
}

export function decodeFilesCursor(cursor: string): string {
  const name = Buffer.from(cursor, 'base64url').toString('utf8');
  const checked = normaliseUploadName(name);
  if (cursor.length === 0 || !checked.ok || checked.name !== name || encodeFilesCursor(name) !== cursor) {
    throw new ValidationError('cursor is not valid', { cursor: cursor.slice(0, 100) });
  }
  return name;
}
