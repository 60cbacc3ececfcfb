// Ports of the upload sessions: where sessions and their file rows are kept, and who signs upload URLs.
// Adapters: functions/adapters/dynamo/upload-sessions.ts and functions/adapters/r2/upload-presigner.ts.
import type { UploadCompletion, UploadFile, UploadSession } from './upload-model.ts';

/** How an add-files call got on with the session. */
export type BeginAddOutcome = 'ok' | 'closed' | 'busy' | 'full';

/**
 * Upload sessions and their files (one row per file, in name order). No transactions (dynalite has none):
 * a session is written after its first files, so it is visible only whole; later adds and complete are
 * serialised by conditional updates of the session row (a lease and a version).
 */
export interface UploadSessionStore {
  /** Writes the file rows, then the session row; ConflictError if the upload_id exists. */
  create(session: UploadSession, files: UploadFile[]): Promise<void>;
  get(uploadId: string): Promise<UploadSession | undefined>;
  /**
   * Registers an add-files call, atomically: the session is open, unexpired at `now`, held by no other
   * add (lease), and has room for `count` more files under `maxFiles`. Reserves the room, bumps the
   * version and takes the lease until `leaseUntil`. Anything else: why not, nothing changed.
   */
  beginAdd(
    uploadId: string,
    opts: { count: number; maxFiles: number; now: string; leaseUntil: string },
  ): Promise<BeginAddOutcome>;
  /**
   * Called under the add lease (no other call writes this session's rows meanwhile): writes the rows
   * unless some names exist already — then it writes nothing and returns those names.
   */
  putNewFiles(session: UploadSession, files: UploadFile[]): Promise<{ existing: string[] }>;
  /** Ends an add-files call: gives its lease back and, if it wrote nothing, its reserved room. */
  endAdd(uploadId: string, opts: { leaseUntil: string; release: number }): Promise<void>;
  /** A page of files in name order, strictly after `afterName`. */
  pageFiles(uploadId: string, opts: { limit: number; afterName?: string }): Promise<{ files: UploadFile[]; more: boolean }>;
  /** One declared file by its (normalised) name. */
  getFile(uploadId: string, name: string): Promise<UploadFile | undefined>;
  /** Every file of the session in name order. */
  listFiles(uploadId: string): Promise<UploadFile[]>;
  /**
   * open → completed, atomically, when no add began since the session was read at `version` and no add
   * holds a lease at `now`; false otherwise (nothing changed).
   */
  markCompleted(uploadId: string, completion: UploadCompletion, opts: { version: number; now: string }): Promise<boolean>;
}

/** A presigned PUT: the URL, and the headers the client must send with the file's bytes. */
export interface PresignedUpload {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
}

/** Signs upload URLs to the bucket (S3 presigned PUT on R2). */
export interface UploadPresigner {
  /** A PUT URL for the object at `rel`, signed for exactly this content type and length, valid `ttlS`. */
  presignPut(rel: string, opts: { contentType: string; contentLength: number; ttlS: number }): Promise<PresignedUpload>;
}
