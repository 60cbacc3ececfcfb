// Request-body validators, compiled once per container from schemas/api (STYLE.md: never per call).
import { Ajv, type ValidateFunction } from 'ajv';
import extractRequestSchema from '../../schemas/api/extract-request.schema.json' with { type: 'json' };
import { ValidationError } from '../core/errors.ts';
import type { ExtractRequest } from '../core/extract/extract-request.ts';

const ajv = new Ajv({ allErrors: true, strict: false });

export const validateExtractRequest = ajv.compile<ExtractRequest>(extractRequestSchema);

/** Narrows `body` to T or throws a 400 listing every problem. */
export function parseBody<T>(validate: ValidateFunction<T>, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('The request body must be a JSON object');
  }
  if (validate(body)) return body;
  const problems = (validate.errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'body';
      if (e.keyword === 'additionalProperties') {
        return `${where}: unknown field "${String((e.params as { additionalProperty: string }).additionalProperty)}"`;
      }
      if (e.keyword === 'oneOf') return 'send exactly one of image_base64, image_url, or upload_id with name';
      return `${where}: ${e.message ?? e.keyword}`;
    });
  throw new ValidationError(`Invalid request body: ${problems.join('; ')}`, { problems });
}
