// The batch artifact (DESIGN.md §5): the product object of a run, built from its item rows at finalize.
import type { ErrorHistoryEntry } from '../extract/model-failure.ts';
import {
  type BatchSource,
  type ItemError,
  type JobError,
  type JobRecord,
  type RunItem,
  type RunItemStatus,
  type RunOutcome,
  runOutcome,
} from './job-model.ts';
import type { SchemaIssue } from '../extract/task-catalog.ts';
import type { ResponseWarning } from '../ports.ts';

export type BatchStatus = 'succeeded' | 'failed' | 'canceled';

export interface BatchArtifactItem {
  seq: number;
  file: string;
  /** The file's name again, under the key eval matches ground truth on by default (seed §8.8). */
  image: string;
  request_id: string;
  input_ref: string;
  artifact_rel: string | null;
  status: Exclude<RunItemStatus, 'pending'>;
  parsed: unknown;
  schema_valid: boolean;
  schema_errors: SchemaIssue[];
  error: ItemError | null;
  error_history: ErrorHistoryEntry[];
  timings_ms: Record<string, number> | null;
}

export interface BatchSummary {
  total: number;
  ok: number;
  err: number;
  canceled: number;
  schema_valid: number;
  timings_ms: { wall: number; extract_avg: number | null; extract_max: number | null };
}

export interface BatchArtifact {
  kind: 'batch';
  artifact_version: 1;
  run_id: string;
  job_id: string;
  task_id: string;
  owner_key_id: string;
  status: BatchStatus;
  /** How the run went (all ok, partial, all failed, canceled), next to the job's `status`. */
  outcome: RunOutcome;
  source: BatchSource;
  created_at: string;
  finished_at: string;
  summary: BatchSummary;
  /** The eval summary when the run was evaluated against ground truth (debug mode). */
  eval: Record<string, unknown> | null;
  error: JobError | null;
  items: BatchArtifactItem[];
}

/** Evaluates a finished run against ground truth; implemented over functions/core/eval/evaluate.ts. */
export interface BatchEvaluator {
  evaluate(input: {
    runId: string;
    ownerKeyId: string;
    batch: BatchArtifact;
    gtRel: string;
    gtImageKey: string;
  }): Promise<{ evalId: string; artifactRel: string; summary: Record<string, unknown>; warnings: ResponseWarning[] }>;
}

/** The batch artifact of a finished run; every item is settled by now (no `pending`). */
export function buildBatchArtifact(
  job: JobRecord,
  items: RunItem[],
  outcome: { status: BatchStatus; finishedAt: string; error: JobError | null; eval: Record<string, unknown> | null },
): BatchArtifact {
  const artifactItems = items.map(toArtifactItem);
  const summary = summarise(artifactItems, job, outcome.finishedAt);
  return {
    kind: 'batch',
    artifact_version: 1,
    run_id: job.runId!,
    job_id: job.jobId,
    task_id: job.taskId,
    owner_key_id: job.ownerKeyId,
    status: outcome.status,
    outcome: runOutcome(outcome.status, summary),
    source: job.source,
    created_at: job.createdAt,
    finished_at: outcome.finishedAt,
    summary,
    eval: outcome.eval,
    error: outcome.error,
    items: artifactItems,
  };
}

function toArtifactItem(i: RunItem): BatchArtifactItem {
  return {
    seq: i.seq,
    file: i.file,
    image: i.file,
    request_id: i.requestId,
    input_ref: i.inputRef,
    artifact_rel: i.artifactRel,
    status: i.status === 'pending' ? 'error' : i.status,
    parsed: i.parsed ?? null,
    schema_valid: i.schemaValid === true,
    schema_errors: i.schemaErrors ?? [],
    error: i.status === 'pending' ? { code: 'not_processed', message: 'The item was not processed' } : i.error,
    error_history: i.errorHistory ?? [],
    timings_ms: i.timingsMs ?? null,
  };
}

export function summarise(
  items: BatchArtifactItem[],
  job: Pick<JobRecord, 'createdAt' | 'startedAt'>,
  finishedAt: string,
): BatchSummary {
  const totals = items.map((i) => i.timings_ms?.total).filter((t): t is number => typeof t === 'number');
  const started = Date.parse(job.startedAt ?? job.createdAt);
  return {
    total: items.length,
    ok: items.filter((i) => i.status === 'ok').length,
    err: items.filter((i) => i.status === 'error').length,
    canceled: items.filter((i) => i.status === 'canceled').length,
    schema_valid: items.filter((i) => i.schema_valid).length,
    timings_ms: {
      wall: Math.max(0, Date.parse(finishedAt) - started),
      extract_avg: totals.length > 0 ? Math.round(totals.reduce((a, b) => a + b, 0) / totals.length) : null,
      extract_max: totals.length > 0 ? totals.reduce((a, b) => Math.max(a, b), 0) : null,
    },
  };
}
