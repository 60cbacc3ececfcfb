// The domain of jobs and batch runs: job records, their progress, run items. Plain types and small pure
// helpers; storage is behind JobStore / RunItemStore (ports.ts).
import type { ErrorHistoryEntry } from '../extract/model-failure.ts';
import type { SchemaIssue } from '../extract/task-catalog.ts';

/** Statuses only move forward: queued → running → succeeded | failed | canceled (queued may also be canceled). */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

export const JOB_STAGES = ['loading_inputs', 'extracting', 'finalizing', 'succeeded', 'failed', 'canceled'] as const;
export type JobStage = (typeof JOB_STAGES)[number];

export type JobKind = 'extract' | 'batch_upload' | 'batch_dir' | 'batch_rerun';

/**
 * How a finished run went, next to its job's status (which says whether the workflow ran): every item
 * ok → succeeded; some → partial; none → failed (the job still `succeeded`: the workflow ran); a failed or
 * canceled job → failed or canceled.
 */
export type RunOutcome = 'succeeded' | 'partial' | 'failed' | 'canceled';

export function runOutcome(status: 'succeeded' | 'failed' | 'canceled', counts: { total: number; ok: number }): RunOutcome {
  if (status !== 'succeeded') return status;
  if (counts.ok === counts.total) return 'succeeded';
  return counts.ok === 0 ? 'failed' : 'partial';
}

export function isFinal(status: JobStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** One input of a batch: only this travels (never the bytes), seed §8.6.2. */
export interface BatchInput {
  file: string;
  input_ref: string;
  mime_type: string | null;
}

/** Where a run's inputs come from; kept in the job and in the batch artifact. */
export type BatchSource =
  | { type: 'upload'; persist_inputs: boolean; files: number }
  /** Presigned uploads: the file list stays in the session's rows (10,000 inputs would overflow a job row). */
  | { type: 'upload_session'; upload_id: string; persist_inputs: boolean; files: number }
  | { type: 'dir'; images_dir: string; glob: string; exts: string[]; limit: number | null; truncated?: boolean }
  | { type: 'rerun'; run_id: string; batch_date: string | null; max_days: number | null }
  | { type: 'extract' };

export interface GroundTruthRef {
  /** GT JSON in R2, relative to S3_PREFIX (under DATA_ROOT, or staged from an upload). */
  gtRel: string;
  gtImageKey: string;
}

/** The staged single image of an extract_async job. */
export interface ExtractJobInput {
  requestId: string;
  inputRef: string;
  mimeType: string;
  imageBase64Len: number | null;
}

export interface JobError {
  code: string;
  message: string;
}

export interface JobProgress {
  stage: JobStage;
  total: number;
  done: number;
  ok: number;
  err: number;
  /** The item most recently finished (throttled by JOBS_PROGRESS_EVERY_N / JOBS_PROGRESS_MIN_SECONDS). */
  current: string | null;
}

export interface JobRecord {
  jobId: string;
  kind: JobKind;
  ownerKeyId: string;
  status: JobStatus;
  progress: JobProgress;
  /** When `progress.current` was last written (its throttle). */
  currentAt?: string;
  /** Items skipped because of a cooperative cancel. */
  canceledItems: number;
  cancelRequested: boolean;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  taskId: string;
  concurrency: number;
  /** Batch jobs: the run and the UTC day its artifact is filed under. */
  runId?: string;
  runDay?: string;
  source: BatchSource;
  /** Upload jobs: the staged or persisted inputs, in upload order. */
  inputs?: BatchInput[];
  /** R2 prefix (relative) deleted when the run ends. */
  stagingPrefix?: string;
  gt?: GroundTruthRef;
  extract?: ExtractJobInput;
  executionName?: string;
  result?: Record<string, unknown>;
  error?: JobError;
  /** Set once the batch artifact is written (FinalizeBatch ran). */
  artifactRel?: string;
}

export type RunItemStatus = 'pending' | 'ok' | 'error' | 'canceled';

/** Item error codes beyond the extract artifact's own (backend_unavailable, inference_timeout, invalid_model_output). */
export type ItemErrorCode =
  | 'backend_unavailable'
  | 'inference_timeout'
  | 'invalid_model_output'
  | 'invalid_input'
  | 'input_missing'
  | 'conflict'
  | 'canceled'
  | 'not_processed'
  | 'internal_error';

export interface ItemError {
  code: ItemErrorCode | string;
  message: string;
}

/** What settles a pending item. */
export interface RunItemResult {
  status: Exclude<RunItemStatus, 'pending'>;
  artifactRel: string | null;
  schemaValid: boolean | null;
  error: ItemError | null;
  parsed?: unknown;
  schemaErrors?: SchemaIssue[];
  errorHistory?: ErrorHistoryEntry[];
  timingsMs?: Record<string, number>;
  finishedAt: string;
}

/** One row per item of a run (pk run#<run_id>, sk item#<seq>): progress accounting and paginated listing. */
export interface RunItem extends Omit<RunItemResult, 'status' | 'finishedAt'> {
  runId: string;
  seq: number;
  ownerKeyId: string;
  file: string;
  requestId: string;
  inputRef: string;
  mimeType: string | null;
  status: RunItemStatus;
  createdAt: string;
  finishedAt?: string;
}

/** `<run_id>_<seq, 6 digits>`: the request_id of a run's item; run ids are capped so this stays a valid id. */
export function itemRequestId(runId: string, seq: number): string {
  return `${runId}_${String(seq).padStart(6, '0')}`;
}

export const pollUrl = (jobId: string): string => `/v1/jobs/${encodeURIComponent(jobId)}`;

export function emptyProgress(stage: JobStage = 'loading_inputs'): JobProgress {
  return { stage, total: 0, done: 0, ok: 0, err: 0, current: null };
}
