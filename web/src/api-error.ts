// The API's error shape ({error: {code, message, details?}, request_id}) as an exception; no DOM needed.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Seconds, from Retry-After (429, 503 while a GPU starts). */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
