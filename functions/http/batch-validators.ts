// Request-body validators of the batch and job endpoints, compiled once per container from schemas/api.
import { Ajv } from 'ajv';
import batchDirSchema from '../../schemas/api/batch-dir-request.schema.json' with { type: 'json' };
import batchRerunSchema from '../../schemas/api/batch-rerun-request.schema.json' with { type: 'json' };
import type { DirBatchRequest, RerunBatchRequest } from '../core/batch/batch-create.ts';
import { ValidationError } from '../core/errors.ts';
import { JOB_STATUSES, type JobStatus } from '../core/batch/job-model.ts';

const ajv = new Ajv({ allErrors: true, strict: false });

export const validateDirBatchRequest = ajv.compile<DirBatchRequest>(batchDirSchema);
export const validateRerunBatchRequest = ajv.compile<RerunBatchRequest>(batchRerunSchema);

/**
 * The seed's two spellings of a rerun body: `{run_id: <source>, new_run_id?}` (seed 000, canonical) and
 * `{source_run_id: <source>, run_id?: <new>}` (seed 001's README). The second is mapped onto the first
 * before validation, so clients written against either document work.
 */
export function canonicalRerunBody(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !('source_run_id' in body)) return body;
  const { source_run_id, run_id, new_run_id, ...rest } = body as Record<string, unknown>;
  if (new_run_id !== undefined && run_id !== undefined) {
    throw new ValidationError('With source_run_id, give the new run id as run_id or new_run_id, not both');
  }
  return { ...rest, run_id: source_run_id, ...((run_id ?? new_run_id) ? { new_run_id: run_id ?? new_run_id } : {}) };
}

/** `?status=&limit=&cursor=` of GET /v1/jobs. */
export function parseJobListQuery(query: Record<string, string>): { status?: JobStatus; limit: number; cursor?: string } {
  const status = query.status;
  if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) {
    throw new ValidationError(`status must be one of ${JOB_STATUSES.join(', ')}`, { status });
  }
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    throw new ValidationError('limit must be an integer from 1 to 200', { limit: query.limit });
  return { ...(status ? { status: status as JobStatus } : {}), limit, ...(query.cursor ? { cursor: query.cursor } : {}) };
}
