// How long live polling waits after a failure: Retry-After when the API gives one, else doubling, capped.
import { ApiError } from './api-error.ts';

export const POLL_BASE_MS = 1000;
export const POLL_MAX_MS = 30_000;

/** The next wait after a failure: Retry-After when given, else twice the last wait, capped. */
export function nextDelayMs(lastMs: number, err: unknown): number {
  if (err instanceof ApiError && (err.status === 429 || err.status === 503)) {
    if (err.retryAfterS !== undefined) return Math.min(POLL_MAX_MS, err.retryAfterS * 1000);
    return Math.min(POLL_MAX_MS, Math.max(POLL_BASE_MS, lastMs) * 2);
  }
  return Math.min(POLL_MAX_MS, Math.max(POLL_BASE_MS, lastMs) * 2);
}
