// The wrapper every workflow task handler runs through: the payload checked, one JSON log line per call,
// errors re-thrown with their `name` intact (ASL Retry/Catch match on it) and never with a stack to the state.
import type { Context } from 'aws-lambda';
import { AppError, ValidationError } from '../../core/errors.ts';
import type { Logger } from '../../core/ports.ts';

export interface TaskPayload {
  job_id: string;
  seq?: number;
  error?: string;
  cause?: string;
}

/** The Payload a Task state sends (`arn:aws:states:::lambda:invoke`), checked. */
export function parseTaskPayload(event: unknown, needsSeq: boolean): TaskPayload {
  const e = (event ?? {}) as Record<string, unknown>;
  if (typeof e.job_id !== 'string' || e.job_id === '') throw new ValidationError('The task payload has no job_id');
  if (needsSeq && !(Number.isInteger(e.seq) && (e.seq as number) >= 0)) throw new ValidationError('The task payload has no seq');
  return {
    job_id: e.job_id,
    ...(typeof e.seq === 'number' ? { seq: e.seq } : {}),
    ...(e.error !== undefined ? { error: String(e.error) } : {}),
    ...(e.cause !== undefined ? { cause: typeof e.cause === 'string' ? e.cause : JSON.stringify(e.cause) } : {}),
  };
}

export function taskHandler<D extends { logger: Logger }, R>(
  state: string,
  getDeps: () => Promise<D>,
  opts: { needsSeq: boolean },
  fn: (payload: TaskPayload, deps: D) => Promise<R>,
) {
  return async (event: unknown, _context?: Context): Promise<R> => {
    const deps = await getDeps();
    const started = Date.now();
    const payload = parseTaskPayload(event, opts.needsSeq);
    const where = { task: state, job_id: payload.job_id, ...(payload.seq !== undefined ? { seq: payload.seq } : {}) };
    deps.logger.debug('task_start', where);
    try {
      const result = await fn(payload, deps);
      deps.logger.debug('task_end', { ...where, ms: Date.now() - started });
      return result;
    } catch (err) {
      const level = err instanceof AppError && err.statusCode < 500 ? 'info' : err instanceof AppError ? 'warn' : 'error';
      deps.logger[level]('task_error', {
        ...where,
        error: err instanceof Error ? err.name : 'unknown',
        message: err instanceof Error ? err.message : String(err),
        ...(err instanceof AppError ? {} : { stack: err instanceof Error ? err.stack : undefined }),
        ms: Date.now() - started,
      });
      throw err;
    }
  };
}
