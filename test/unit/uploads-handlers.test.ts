// The upload route handlers through makeHandler with in-memory ports and API Gateway events: thin (status
// codes and bodies of the use cases), and no presigned URL ever reaches a log line — on success or error.
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../functions/config.ts';
import { makeCreateUploadHandler, makeGetUploadHandler } from '../../functions/handlers/http/uploads.ts';
import { FakePresigner, ListingBucket, MemoryUploadSessionStore, movableClock, recordingLogger } from './upload-fakes.ts';

const config = loadConfig({ S3_BUCKET: 'b', API_KEY_PEPPER: 'p'.repeat(32), LOG_LEVEL: 'DEBUG' });

function prepare() {
  const logger = recordingLogger();
  const deps = {
    config,
    logger,
    uploads: new MemoryUploadSessionStore(),
    presigner: new FakePresigner(),
    store: new ListingBucket(),
    clock: movableClock(),
    settings: { maxSessionFiles: 100, maxInputFileBytes: 1000, sessionTtlS: 3600, presignTtlS: 900 },
  };
  return { deps, logger, getDeps: async () => deps };
}

function event(method: string, path: string, body?: unknown, params: Record<string, string> = {}): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    resource: path,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: params,
    stageVariables: null,
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { authorizer: { key_id: 'alice', role: 'client', scopes: 'extract:run' } } as never,
  };
}
const context = () => ({ awsRequestId: 'ctx' }) as Context;

describe('upload handlers', () => {
  test('POST /v1/uploads answers 201 with the URLs, and the logs never carry one', async () => {
    const { getDeps, logger } = prepare();
    const handler = makeCreateUploadHandler(getDeps);

    const res = await handler(
      event('POST', '/v1/uploads', { files: [{ name: 'a.jpg', mime_type: 'image/jpeg', size_bytes: 10 }] }),
      context(),
    );
    const body = JSON.parse(res.body);
    const get = await makeGetUploadHandler(getDeps)(
      event('GET', `/v1/uploads/${body.upload_id}`, undefined, { upload_id: body.upload_id }),
      context(),
    );

    expect(res.statusCode).toBe(201);
    expect(body.files[0].upload_url).toContain('X-Amz-Signature');
    expect(get.statusCode).toBe(200);
    expect(logger.lines.some((l) => l.includes('"event":"request_end"'))).toBe(true);
    expect(logger.lines.join('\n')).not.toMatch(/X-Amz-Signature|bucket\.example/);
  });

  test('a refused declaration is the error body of the taxonomy, naming the file, and nothing is logged of it', async () => {
    const { getDeps, logger } = prepare();

    const res = await makeCreateUploadHandler(getDeps)(
      event('POST', '/v1/uploads', { files: [{ name: 'huge.jpg', mime_type: 'image/jpeg', size_bytes: 5000 }] }),
      context(),
    );

    expect(res.statusCode).toBe(413);
    expect(JSON.parse(res.body).error).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringContaining('"huge.jpg"'),
    });
    expect(logger.lines.join('\n')).not.toContain('huge.jpg');
  });
});
