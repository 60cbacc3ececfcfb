// The domain of upload sessions (presigned uploads straight to R2): the session, its files, where their
// objects go, and the small pure rules every use case shares (expiry, ownership, URL lifetime).
import { randomBytes } from 'node:crypto';
import { STAGING_PREFIX, dayOf } from '../artifact-keys.ts';
import type { Principal } from '../auth/api-keys.ts';
import { NotFoundError, UploadExpiredError } from '../errors.ts';

/** Files declared in one call (create or add): keeps each response far under Lambda's 6 MB. */
export const MAX_FILES_PER_CALL = 1000;
/**
 * UTF-8 bytes of names in one call's answer (create, add, a GET page). A name appears three times in a file's
 * entry, once URL-encoded (up to 3× longer), so this keeps 1,000 entries near 2.5 MB at worst — far under
 * Lambda's 6 MB — whatever the names; with ordinary names it is never reached.
 */
export const MAX_NAME_BYTES_PER_CALL = 256 * 1024;
/**
 * How long an add-files call holds the session against a concurrent add or complete. Longer than any
 * route's Lambda timeout (29 s), so a lease left by a killed invocation always expires before anything
 * could still be writing under it.
 */
export const ADD_LEASE_S = 60;
/** Rows outlive the session's expiry by this much before the table's TTL removes them (a run may be reading). */
export const ROW_TTL_GRACE_S = 86_400;

export type UploadSessionStatus = 'open' | 'completed';

/** What complete recorded: the job it started and the body it was started with (a replay must match it). */
export interface UploadCompletion {
  jobId: string;
  runId: string;
  taskId: string;
  /** sha256 of the canonical complete body. */
  bodyHash: string;
  completedAt: string;
}

export interface UploadSession {
  uploadId: string;
  ownerKeyId: string;
  persistInputs: boolean;
  /** Relative prefix (under S3_PREFIX) every object of the session lands under, with a trailing slash. */
  objectPrefix: string;
  createdAt: string;
  /** After this the session answers 410 upload_expired (checked on every read: dynalite has no TTL). */
  expiresAt: string;
  /** Files declared so far, including those of an add-files call in flight (a reservation). */
  fileCount: number;
  status: UploadSessionStatus;
  /** Bumped by every add-files call: complete succeeds only if no add began after it read the session. */
  version: number;
  /** An add-files call in flight holds the session until then (ISO time). */
  addLeaseUntil?: string;
  completion?: UploadCompletion;
}

/** One declared file: a row of the session, in name order (the order of the object listing). */
export interface UploadFile {
  name: string;
  mimeType: string;
  sizeBytes: number;
  addedAt: string;
}

export interface UploadSettings {
  /** MAX_BATCH_ITEMS: files in one session (and so in its run). */
  maxSessionFiles: number;
  /** MAX_INPUT_FILE_BYTES: bytes of one file. */
  maxInputFileBytes: number;
  /** UPLOAD_SESSION_TTL_S. */
  sessionTtlS: number;
  /** S3_PRESIGN_TTL_S: life of one upload URL (never past the session's expiry). */
  presignTtlS: number;
}

export const newUploadId = (): string => `upl_${randomBytes(12).toString('hex')}`;

const UPLOAD_ID = /^upl_[0-9a-f]{24}$/;

export function isUploadId(id: string): boolean {
  return UPLOAD_ID.test(id);
}

/**
 * Where a session's objects go. Persisted: `inputs/<day>/upload_<upload_id>/` — the run's inputs for good,
 * so the input_ref given at creation is final and nothing is copied. Otherwise `staging/<upload_id>/`,
 * deleted when the run ends and expired by the bucket's staging lifecycle rule.
 */
export function uploadPrefixRel(uploadId: string, persistInputs: boolean, createdAt: Date): string {
  return persistInputs ? `inputs/${dayOf(createdAt)}/upload_${uploadId}/` : `${STAGING_PREFIX}${uploadId}/`;
}

export const fileRel = (session: Pick<UploadSession, 'objectPrefix'>, name: string): string => `${session.objectPrefix}${name}`;

export function isExpired(session: Pick<UploadSession, 'expiresAt'>, now: Date): boolean {
  return now.getTime() >= Date.parse(session.expiresAt);
}

/** Epoch seconds at which the table may delete the session's rows (DynamoDB TTL). */
export function rowTtlEpochS(session: Pick<UploadSession, 'expiresAt'>): number {
  return Math.ceil(Date.parse(session.expiresAt) / 1000) + ROW_TTL_GRACE_S;
}

/** Seconds an upload URL signed now stays valid: S3_PRESIGN_TTL_S, but never past the session's end. */
export function urlTtlS(session: Pick<UploadSession, 'expiresAt'>, now: Date, presignTtlS: number): number {
  const left = Math.floor((Date.parse(session.expiresAt) - now.getTime()) / 1000);
  return Math.max(1, Math.min(presignTtlS, left));
}

/** The session row, or nothing for an id that cannot be one (never sent to the table). */
export async function readSession(
  uploads: { get(uploadId: string): Promise<UploadSession | undefined> },
  uploadId: string,
): Promise<UploadSession | undefined> {
  return isUploadId(uploadId) ? uploads.get(uploadId) : undefined;
}

/**
 * The session as its owner may use it. Upload sessions are working state of one key: any other key, an
 * admin's included, gets the same 404 as for an id that never existed. An expired session is a 410.
 */
export function ownedLiveSession(
  session: UploadSession | undefined,
  principal: Principal,
  uploadId: string,
  now: Date,
): UploadSession {
  if (!session || session.ownerKeyId !== principal.keyId) {
    throw new NotFoundError(`Upload "${uploadId}" not found`, { upload_id: uploadId });
  }
  if (isExpired(session, now)) {
    throw new UploadExpiredError(`Upload "${uploadId}" expired at ${session.expiresAt}`, {
      upload_id: uploadId,
      expires_at: session.expiresAt,
    });
  }
  return session;
}
