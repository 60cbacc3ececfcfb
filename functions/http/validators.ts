// Request-body validators, compiled once per container from schemas/api (STYLE.md: never per call).
import { Ajv, type ValidateFunction } from 'ajv';
import extractRequestSchema from '../../schemas/api/extract-request.schema.json' with { type: 'json' };
import { ValidationError } from '../core/errors.ts';
import type { ExtractRequest } from '../core/extract/extract-request.ts';
import { LISTED_PROBLEMS, boundedProblems, shownKey, unknownKeys } from './bounded-problems.ts';

const ajv = new Ajv({ allErrors: true, strict: false });

export const validateExtractRequest = ajv.compile<ExtractRequest>(extractRequestSchema);

/** Narrows `body` to T or throws a 400 listing the first problems and counting them all. */
export function parseBody<T>(validate: ValidateFunction<T>, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('The request body must be a JSON object');
  }
  // Unknown keys first, counted without Ajv: it would build one error object per key.
  const unknown = unknownKeys(validate.schema, body);
  if (unknown.count > 0) throwProblems(unknown.listed, unknown.count);
  if (validate(body)) return body;
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
  const problems = errors.slice(0, LISTED_PROBLEMS).map((e) => {
    const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'body';
    if (e.keyword === 'additionalProperties') {
      return `${where}: unknown field "${shownKey(String((e.params as { additionalProperty: string }).additionalProperty))}"`;
    }
    if (e.keyword === 'oneOf') return 'send exactly one of image_base64, image_url, or upload_id with name';
    return `${where}: ${e.message ?? e.keyword}`;
  });
  return throwProblems(problems, errors.length);
}

function throwProblems(listed: string[], count: number): never {
  const { message, details } = boundedProblems('Invalid request body: ', listed, count);
  throw new ValidationError(message, details);
}
