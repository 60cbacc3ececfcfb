// Maps @middy/http-json-body-parser's errors to DESIGN.md §4 errors. The parser keeps what it was given
// (the whole body, or the Content-Type) in the error's `cause`: nothing of it is logged or sent back.
import { type AppError, UnsupportedMediaTypeError, ValidationError } from '../core/errors.ts';

const PARSER = '@middy/http-json-body-parser';

interface ParserError {
  statusCode?: number;
  message?: string;
  cause?: { package?: string; message?: string; data?: unknown };
}

/** Our error for an error thrown by http-json-body-parser; undefined for any other error. */
export function jsonBodyError(err: unknown): AppError | undefined {
  const e = err as ParserError | null | undefined;
  if (!e || typeof e !== 'object' || e.cause?.package !== PARSER) return undefined;
  if (e.statusCode === 415) {
    return new UnsupportedMediaTypeError(
      'Send the body as JSON with "Content-Type: application/json" (curl -d alone sends application/x-www-form-urlencoded)',
    );
  }
  if (e.message === 'Forbidden key in JSON body') {
    return new ValidationError('The request body uses a forbidden key ("__proto__" or "constructor.prototype")');
  }
  // Not even the parser's own message: V8 quotes the input around the syntax error.
  return new ValidationError('The request body is not valid JSON');
}
