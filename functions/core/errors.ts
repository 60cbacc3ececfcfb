// The error taxonomy of DESIGN.md §4: every failure a client can see is one of these classes.
// `name` is set explicitly because minifiers rename classes and ASL `ErrorEquals` matches on it.

export type ErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'validation_error'
  | 'conflict'
  | 'payload_too_large'
  | 'too_many_files'
  | 'too_many_pages'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'backend_unavailable'
  | 'inference_timeout'
  | 'internal_error'
  | 'context_length_exceeded'
  | 'encrypted_document'
  | 'upload_expired';

/** Base of every error the API reports on purpose; anything else becomes a generic 500. */
export class AppError extends Error {
  readonly statusCode: number;
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  /** Client errors are shown to the client; server errors only by code. */
  get expose(): boolean {
    return this.statusCode < 500;
  }

  constructor(statusCode: number, code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.statusCode = statusCode;
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Missing, unknown or revoked API key', details?: Record<string, unknown>) {
    super(401, 'unauthorized', message, details);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(403, 'forbidden', message, details);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found', details?: Record<string, unknown>) {
    super(404, 'not_found', message, details);
    this.name = 'NotFoundError';
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(400, 'validation_error', message, details);
    this.name = 'ValidationError';
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(409, 'conflict', message, details);
    this.name = 'ConflictError';
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(413, 'payload_too_large', message, details);
    this.name = 'PayloadTooLargeError';
  }
}

export class TooManyFilesError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(413, 'too_many_files', message, details);
    this.name = 'TooManyFilesError';
  }
}

/** A document with more pages than MAX_DOCUMENT_PAGES, or than fit the model's context readably. */
export class TooManyPagesError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(413, 'too_many_pages', message, details);
    this.name = 'TooManyPagesError';
  }
}

/** The prompt and pages do not fit the model's context (our estimate, or the model's own refusal). */
export class ContextLengthExceededError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(422, 'context_length_exceeded', message, details);
    this.name = 'ContextLengthExceededError';
  }
}

/** A password-protected PDF: we cannot read it, and asking for its password is not our business. */
export class EncryptedDocumentError extends AppError {
  constructor(message = 'The PDF is encrypted (password protected)', details?: Record<string, unknown>) {
    super(422, 'encrypted_document', message, details);
    this.name = 'EncryptedDocumentError';
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(415, 'unsupported_media_type', message, details);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** An upload session past its UPLOAD_SESSION_TTL_S: nothing more can be added, fetched or completed. */
export class UploadExpiredError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(410, 'upload_expired', message, details);
    this.name = 'UploadExpiredError';
  }
}

export class RateLimitedError extends AppError {
  constructor(message = 'Too many requests', details?: Record<string, unknown>) {
    super(429, 'rate_limited', message, details);
    this.name = 'RateLimitedError';
  }
}

/** The model backend could not be reached or kept failing; retryable by callers and by ASL Retry. */
export class BackendUnavailableError extends AppError {
  constructor(message = 'The model backend is unavailable', details?: Record<string, unknown>) {
    super(503, 'backend_unavailable', message, details);
    this.name = 'BackendUnavailableError';
  }
}

export class InferenceTimeoutError extends AppError {
  constructor(message = 'The model did not answer in time', details?: Record<string, unknown>) {
    super(504, 'inference_timeout', message, details);
    this.name = 'InferenceTimeoutError';
  }
}

export class InternalError extends AppError {
  constructor(message = 'Internal error', details?: Record<string, unknown>) {
    super(500, 'internal_error', message, details);
    this.name = 'InternalError';
  }
}

/** The error body of DESIGN.md §4. Server errors never carry their message or details to clients. */
export function errorBody(err: AppError, requestId: string): Record<string, unknown> {
  const error: Record<string, unknown> = {
    code: err.code,
    message: err.expose ? err.message : publicServerMessage(err),
  };
  if (err.details !== undefined && (err.expose || err.code !== 'internal_error')) error.details = err.details;
  return { error, request_id: requestId };
}

function publicServerMessage(err: AppError): string {
  return err.code === 'internal_error' ? 'Internal error' : err.message;
}
