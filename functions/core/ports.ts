// Ports: what the core needs from the outside world. Adapters in functions/adapters implement them;
// unit tests use in-memory fakes. Nothing here knows about Lambda, DynamoDB or S3.
import type { ApiKeyRecord } from './auth/api-keys.ts';
import type {
  JobError,
  JobProgress,
  JobRecord,
  JobStatus,
  RunItem,
  RunItemResult,
  RunItemStatus,
  RunOutcome,
} from './batch/job-model.ts';
import type { ModelFailureKind } from './extract/model-failure.ts';
import type { TaskDefinition } from './extract/task-catalog.ts';

export interface KeyStore {
  /** Stores a new key; ConflictError when the key_id already exists. */
  create(record: ApiKeyRecord): Promise<void>;
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  get(keyId: string): Promise<ApiKeyRecord | undefined>;
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; NotFoundError when it does not exist. */
  revoke(keyId: string, revokedAt: string): Promise<ApiKeyRecord>;
  /** Removes the record (undoing a create whose usage-plan registration failed); no error when absent. */
  delete(keyId: string): Promise<void>;
}

/**
 * Per-key quotas (docs/deploy.md "Per-key quotas"): the API Gateway API key that meters one of our keys,
 * in its role's usage plan. Implemented for the CLI only (infra/cli/usage-plans.ts).
 */
export interface UsageKeyRegistry {
  /** Creates the metering key and adds it to the role's plan; undoes its own partial work when it fails. */
  register(record: ApiKeyRecord): Promise<void>;
  /** Deletes the metering key; false when there was none. */
  unregister(keyId: string): Promise<boolean>;
}

export type ArtifactKind = 'extract' | 'batch' | 'eval';

/** Something the caller should know although the request succeeded (top-level `warnings` of an answer). */
export interface ResponseWarning {
  code: string;
  message: string;
}

/** One row of the artifact index: how to find an artifact in R2 without listing the bucket. */
export interface ArtifactIndexEntry {
  kind: ArtifactKind;
  id: string;
  ownerKeyId: string;
  /** Key without S3_PREFIX, e.g. `extracts/2026-11-23/<request_id>.json`. */
  rel: string;
  day: string;
  createdAt: string;
  status: 'pending' | 'ok' | 'error';
  taskId?: string;
  runId?: string;
  /** Batch rows, from finalize on: what a runs list shows without reading R2. */
  run?: RunIndexSummary;
}

/** A finished run as its index row carries it (DESIGN.md §17: outcome, counts, task). */
export interface RunIndexSummary {
  /** The job's final status. */
  status: 'succeeded' | 'failed' | 'canceled';
  outcome: RunOutcome;
  total: number;
  ok: number;
  err: number;
  canceled: number;
  taskId: string;
}

export interface ArtifactIndex {
  /** Reserves (kind, id) for a new artifact; ConflictError if taken and overwrite is off. */
  claim(entry: ArtifactIndexEntry, opts: { overwrite: boolean }): Promise<void>;
  /** Records the final status once the artifact is written (and, for a batch run, its summary). */
  complete(kind: ArtifactKind, id: string, status: 'ok' | 'error', run?: RunIndexSummary): Promise<void>;
  /** Gives back a claim whose artifact could not be written, so the id can be used again. */
  release(kind: ArtifactKind, id: string): Promise<void>;
  get(kind: ArtifactKind, id: string): Promise<ArtifactIndexEntry | undefined>;
}

/** One page of the artifact index: one kind, one owner's rows or every row (admins), by creation time. */
export interface ArtifactListQuery {
  kind: ArtifactKind;
  /** Only this owner's rows; undefined = every owner (admins). */
  ownerKeyId?: string;
  order: 'asc' | 'desc';
  limit: number;
  /** Opaque cursor from a previous page of the same query; a foreign or tampered one is a ValidationError. */
  cursor?: string;
}

/** Reading the artifact index in bulk (runs list, owner checks of listed objects) — the index, never R2. */
export interface ArtifactIndexListing {
  list(query: ArtifactListQuery): Promise<{ entries: ArtifactIndexEntry[]; cursor?: string }>;
  /** The rows of these ids (missing ones left out), in no particular order. */
  getMany(kind: ArtifactKind, ids: string[]): Promise<ArtifactIndexEntry[]>;
}

/** Short-lived links to objects in the bucket (presigned GET URLs). */
export interface LinkSigner {
  presignGet(rel: string, opts: { ttlS: number; filename?: string }): Promise<string>;
}

export interface ArchiveEntry {
  name: string;
  bytes: Buffer;
  mtime?: Date;
}

/** Packs files into one archive (tar.gz in the product). */
export interface ArchivePacker {
  readonly contentType: string;
  readonly extension: string;
  pack(entries: ArchiveEntry[]): Promise<Buffer>;
}

export interface StoredObject {
  rel: string;
  size: number;
  lastModified?: string;
}

/** The R2 bucket, addressed by `artifact_rel` (the prefix is the adapter's business). */
export interface ArtifactStore {
  /** Writes JSON; ConflictError when the object exists and overwrite is off. */
  putJson(rel: string, body: unknown, opts: { overwrite: boolean }): Promise<void>;
  getJson<T = unknown>(rel: string): Promise<T | undefined>;
  putBytes(rel: string, bytes: Uint8Array, contentType: string, opts: { overwrite: boolean }): Promise<void>;
  getBytes(rel: string): Promise<Buffer | undefined>;
  delete(rel: string): Promise<void>;
  /** Keys under a prefix in key order; `startAfter` (a rel) resumes after that key instead of a cursor. */
  list(
    prefixRel: string,
    opts: { limit: number; cursor?: string; startAfter?: string },
  ): Promise<{ objects: StoredObject[]; cursor?: string }>;
}

export interface TokenUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

/** One page as the model receives it: already normalised (upright, sized, metadata-free). */
export interface ModelPage {
  bytes: Buffer;
  mimeType: string;
}

export interface ModelRequest {
  task: TaskDefinition;
  /** The document's pages in order, all sent in one request (functions/core/images/). */
  pages: ModelPage[];
  requestId: string;
}

export interface ModelAnswer {
  text: string;
  model: string;
  usage?: TokenUsage;
}

export class ModelCallError extends Error {
  constructor(
    readonly kind: ModelFailureKind,
    message: string,
    readonly upstreamStatus?: number,
  ) {
    super(message);
    this.name = 'ModelCallError';
  }

  get retryable(): boolean {
    return this.kind === 'unavailable' || this.kind === 'throttled';
  }
}

/** A vision model behind some protocol: one attempt per call, no retries (the core retries). */
export interface ModelClient {
  readonly backend: string;
  readonly model: string;
  complete(request: ModelRequest): Promise<ModelAnswer>;
  /** Cheap reachability probe for /ready. */
  ping(): Promise<void>;
}

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** Fields of a job that use cases set (status moves only through JobStore.transition). */
export type JobPatch = Partial<
  Pick<JobRecord, 'startedAt' | 'finishedAt' | 'result' | 'error' | 'artifactRel' | 'executionName' | 'runDay' | 'source'>
> & { progress?: Partial<Omit<JobProgress, 'current'>>; canceledItems?: number };

export interface JobListQuery {
  /** Only this owner's jobs; undefined = every job (admins). */
  ownerKeyId?: string;
  status?: JobStatus;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

/** Jobs (DESIGN.md §5): by id, by owner newest first, all for admins; counters by atomic updates. */
export interface JobStore {
  /** Stores a new job; ConflictError if the id exists. */
  create(job: JobRecord): Promise<void>;
  /** `lean` leaves out the bulky attributes (upload inputs, result): what a per-item cancel check needs. */
  get(jobId: string, opts?: { lean?: boolean }): Promise<JobRecord | undefined>;
  list(query: JobListQuery): Promise<{ jobs: JobRecord[]; cursor?: string }>;
  /** Moves the status forward to `to` when it is one of `from` (atomically); false when it was not. */
  transition(jobId: string, from: readonly JobStatus[], to: JobStatus, patch?: JobPatch): Promise<boolean>;
  /** Sets fields without touching the status. */
  update(jobId: string, patch: JobPatch): Promise<void>;
  /** Sets cancel_requested; the job as it is afterwards, undefined when it does not exist. */
  requestCancel(jobId: string): Promise<JobRecord | undefined>;
  /**
   * Adds one finished item to the counters (atomic ADD), and sets `progress.current` in the same write when
   * given (the caller throttles it: JOBS_PROGRESS_EVERY_N / JOBS_PROGRESS_MIN_SECONDS).
   */
  countItem(jobId: string, outcome: 'ok' | 'err' | 'canceled', at: string, current?: string): Promise<void>;
  /** Stores the result of a one-item (extract) job once; false when it already has one. */
  setResultOnce(jobId: string, result: Record<string, unknown>, error: JobError | null): Promise<boolean>;
}

/** The items of a run (pk run#<run_id>): pending rows written by PrepareBatch, settled once by ExtractItem. */
export interface RunItemStore {
  /** Writes pending rows (idempotent: a retried PrepareBatch writes the same rows again). */
  putPending(items: RunItem[]): Promise<void>;
  get(runId: string, seq: number): Promise<RunItem | undefined>;
  /** pending → final, atomically; false when the item was already settled (a retried task counts nothing). */
  settle(runId: string, seq: number, result: RunItemResult): Promise<boolean>;
  /** Every item of a run in seq order; `inputsOnly` reads just seq, file, input_ref, mime_type and status. */
  listAll(runId: string, opts?: { inputsOnly?: boolean }): Promise<RunItem[]>;
  /** One page of a run's items in seq order, optionally of one status. */
  page(
    runId: string,
    query: { status?: RunItemStatus; limit: number; cursor?: string },
  ): Promise<{ items: RunItem[]; cursor?: string }>;
}

/** Starts the batch workflow: Step Functions in the cloud, the same ASL in-process locally. */
export interface WorkflowStarter {
  readonly kind: 'stepfunctions' | 'local' | 'none';
  start(request: { jobId: string; executionName: string; input: { job_id: string } }): Promise<{ executionId: string }>;
}
