// What the batch workflow's task use cases share: the job lookup, which extract errors fail an extract_async
// job, an item's error result, and the ASL's Error and Cause read back as an item error.
import { NotFoundError } from '../errors.ts';
import type { ItemError, JobRecord, RunItemResult } from './job-model.ts';
import type { JobDeps } from './job-deps.ts';

/** Extract errors that make an extract_async job `failed` (as the sync endpoint answers 503/504 for them). */
export const FAILING_EXTRACT_CODES = new Set([
  'backend_unavailable',
  'inference_timeout',
  'input_missing',
  'invalid_input',
  'internal_error',
  // The document itself cannot be read or does not fit (the sync endpoint answers 4xx for these).
  'context_length_exceeded',
  'too_many_pages',
  'encrypted_document',
]);

export async function mustGetJob(deps: JobDeps, jobId: string): Promise<JobRecord> {
  const job = await deps.jobs.get(jobId);
  if (!job) throw new NotFoundError(`Job "${jobId}" not found`, { job_id: jobId });
  return job;
}

export function errorResult(deps: JobDeps, error: ItemError): RunItemResult {
  return { status: 'error', artifactRel: null, schemaValid: false, error, finishedAt: deps.clock.now().toISOString() };
}

/** The ASL's Error (the thrown error's name, or a States.* error) as an item error code. */
export function codeOfWorkflowError(name: string): string {
  switch (name) {
    case 'BackendUnavailableError':
    case 'Lambda.TooManyRequestsException':
      return 'backend_unavailable';
    case 'InferenceTimeoutError':
      return 'inference_timeout';
    case 'States.Timeout':
      return 'task_timeout';
    case 'ValidationError':
      return 'validation_error';
    case 'NotFoundError':
      return 'not_found';
    case 'ConflictError':
      return 'conflict';
    default:
      return 'internal_error';
  }
}

/**
 * The ASL's Cause as a short message: Lambda puts a JSON document there (errorType, errorMessage, trace);
 * only the message is kept, never the trace.
 */
export function messageOfCause(cause: string | undefined, fallback: string): string {
  let message = cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // a plain message
  }
  message = message.trim() || fallback;
  return message.length > 500 ? `${message.slice(0, 497)}...` : message;
}
