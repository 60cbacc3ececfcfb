// POST /v1/extract and the auth edge of the local stack, driven over HTTP like a client (mock backend),
// then checked inside the bucket and the artifact index table.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { GIF, TINY_JPEG, makePng, makePngBomb } from '../support/images.ts';

let s: TestStack;
let client: string;
let clientId: string;
let other: string;
let noScope: string;

beforeAll(async () => {
  s = await startTestStack({ MAX_IMAGE_BYTES: '200000' });
  ({ apiKey: client, keyId: clientId } = await s.newKey('client'));
  ({ apiKey: other } = await s.newKey('client'));
  ({ apiKey: noScope } = await s.newKey('client', { scopes: [] }));
});
afterAll(async () => s.close());

const png = makePng(24, 12, 1);
const body = (extra: Record<string, unknown> = {}) => ({
  task_id: 'receipt_fields_v1',
  image_base64: png.toString('base64'),
  mime_type: 'image/png',
  ...extra,
});

describe('health, readiness and identity', () => {
  test('GET /health needs no key', async () => {
    const res = await s.call('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });

  test('GET /ready reports each dependency', async () => {
    const res = await s.call('GET', '/ready');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.checks).sort()).toEqual(['artifacts_table', 'bucket', 'jobs_table', 'keys_table', 'model_mock']);
    expect(Object.values(res.body.checks).every((c: any) => c.ok)).toBe(true);
  });

  test('GET /v1/me answers with the key id, role and scopes, via Bearer or X-API-Key', async () => {
    const bearer = await s.call('GET', '/v1/me', { key: client });
    expect(bearer.body).toEqual({ key_id: clientId, role: 'client', scopes: ['extract:run'] });
    const header = await s.call('GET', '/v1/me', { headers: { 'X-API-Key': client } });
    expect(header.body.key_id).toBe(clientId);
  });

  test('the X-Request-ID a client sends comes back on the response', async () => {
    const res = await s.call('GET', '/v1/me', { key: client, headers: { 'X-Request-ID': 'trace-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
  });

  test('missing, wrong and revoked keys get 401 in the error shape', async () => {
    const { apiKey, keyId } = await s.newKey('client');
    await s.deps.keys.revoke(keyId, new Date().toISOString());
    for (const opts of [{}, { key: 'ocr_not-a-real-key' }, { key: apiKey }]) {
      const res = await s.call('POST', '/v1/extract', { ...opts, json: body() });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
      expect(typeof res.body.request_id).toBe('string');
    }
  });

  test('a key without extract:run gets 403', async () => {
    const res = await s.call('POST', '/v1/extract', { key: noScope, json: body() });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'forbidden', details: { required_scope: 'extract:run' } });
  });

  test('an unknown route is 404 not_found', async () => {
    const res = await s.call('GET', '/v1/nope', { key: client });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('POST /v1/extract', () => {
  test('extracts a receipt, writes the artifact to the bucket and indexes it', async () => {
    const res = await s.call('POST', '/v1/extract', { key: client, json: body({ request_id: 'rcpt-0001' }) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ request_id: 'rcpt-0001', task_id: 'receipt_fields_v1', schema_ok: true, schema_errors: [] });
    expect(res.body.artifact_rel).toMatch(/^extracts\/\d{4}-\d{2}-\d{2}\/rcpt-0001\.json$/);
    expect(typeof res.body.result.total).toBe('number');
    expect(res.body.timings_ms.total).toBeGreaterThanOrEqual(0);

    const artifact = await s.deps.store.getJson<any>(res.body.artifact_rel);
    expect(artifact).toMatchObject({
      request_id: 'rcpt-0001',
      owner_key_id: clientId,
      schema_valid: true,
      task_id: 'receipt_fields_v1',
    });
    expect(artifact.input).toMatchObject({
      mime_type: 'image/png',
      byte_length: png.length,
      image_base64_len: png.toString('base64').length,
    });
    expect(artifact.prompt.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(artifact)).not.toContain(png.toString('base64'));

    const row = await s.deps.dynamo.send(
      new GetCommand({ TableName: s.deps.config.dynamo.artifactsTable, Key: { pk: 'extract#rcpt-0001', sk: 'artifact' } }),
    );
    expect(row.Item).toMatchObject({ owner_key_id: clientId, rel: res.body.artifact_rel, status: 'ok' });
  });

  test('the mock model is deterministic: the same image gives the same fields', async () => {
    const a = await s.call('POST', '/v1/extract', { key: client, json: body() });
    const b = await s.call('POST', '/v1/extract', { key: client, json: body() });
    expect(a.body.request_id).not.toBe(b.body.request_id);
    expect(a.body.result).toEqual(b.body.result);
  });

  test('invoice_fields_v1 returns invoice fields', async () => {
    const res = await s.call('POST', '/v1/extract', { key: client, json: body({ task_id: 'invoice_fields_v1' }) });
    expect(res.status).toBe(200);
    expect(res.body.result).toHaveProperty('invoice_number');
  });

  test('JPEG input sent as a data: URI without mime_type is accepted', async () => {
    const jpeg = TINY_JPEG;
    const res = await s.call('POST', '/v1/extract', {
      key: client,
      json: { task_id: 'receipt_fields_v1', image_base64: `data:image/jpeg;base64,${jpeg.toString('base64')}` },
    });
    expect(res.status).toBe(200);
  });

  test('X-Request-ID names the extraction when the body has no request_id', async () => {
    const res = await s.call('POST', '/v1/extract', { key: client, json: body(), headers: { 'X-Request-ID': 'hdr-req-77' } });
    expect(res.body.request_id).toBe('hdr-req-77');
    expect(res.headers.get('x-request-id')).toBe('hdr-req-77');
  });

  test('a reused request_id is 409 and the first artifact is untouched', async () => {
    const first = await s.call('POST', '/v1/extract', { key: client, json: body({ request_id: 'dup-1' }) });
    const before = await s.deps.store.getJson<any>(first.body.artifact_rel);
    const again = await s.call('POST', '/v1/extract', {
      key: other,
      json: { ...body({ request_id: 'dup-1' }), image_base64: makePng(8, 8, 9).toString('base64') },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
    expect(await s.deps.store.getJson<any>(first.body.artifact_rel)).toEqual(before);
  });
});

describe('bad input gets a clear 4xx and leaves nothing behind', () => {
  const cases: Array<[string, { json?: unknown; body?: string; headers?: Record<string, string> }, number, string]> = [
    ['malformed JSON', { body: '{"task_id": ', headers: { 'content-type': 'application/json' } }, 400, 'validation_error'],
    ['a JSON array', { json: [1, 2] }, 400, 'validation_error'],
    ['missing task_id', { json: { image_base64: png.toString('base64') } }, 400, 'validation_error'],
    ['unknown task_id', { json: body({ task_id: 'passport_v9' }) }, 400, 'validation_error'],
    ['an unknown field', { json: body({ colour: 'red' }) }, 400, 'validation_error'],
    ['no image', { json: { task_id: 'receipt_fields_v1' } }, 400, 'validation_error'],
    ['invalid base64', { json: body({ image_base64: 'this is not base64!!' }) }, 400, 'validation_error'],
    [
      'bytes that are not an image',
      { json: body({ image_base64: Buffer.from('plain text, no image here').toString('base64') }) },
      400,
      'validation_error',
    ],
    [
      'a truncated image',
      { json: body({ image_base64: png.subarray(0, png.length - 16).toString('base64') }) },
      400,
      'validation_error',
    ],
    ['a mime type we do not accept', { json: body({ mime_type: 'image/gif' }) }, 415, 'unsupported_media_type'],
    ['a GIF', { json: body({ image_base64: GIF.toString('base64'), mime_type: undefined }) }, 415, 'unsupported_media_type'],
    ['mime type contradicting the bytes', { json: body({ mime_type: 'image/jpeg' }) }, 400, 'validation_error'],
    [
      'an image over the byte limit',
      { json: body({ image_base64: Buffer.alloc(300_000, 1).toString('base64') }) },
      413,
      'payload_too_large',
    ],
    ['a decompression bomb', { json: body({ image_base64: makePngBomb().toString('base64') }) }, 413, 'payload_too_large'],
    [
      'a request_id that could escape the key layout',
      { json: body({ request_id: '../../etc/passwd' }) },
      400,
      'validation_error',
    ],
    [
      'a non-JSON content type',
      { body: 'task_id=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      415,
      'unsupported_media_type',
    ],
  ];

  test.each(cases)('%s', async (_name, opts, status, code) => {
    const requestId = `bad-${Math.random().toString(36).slice(2)}`;
    const res = await s.call('POST', '/v1/extract', {
      key: client,
      ...opts,
      headers: { ...opts.headers, 'X-Request-ID': requestId },
    });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message.length).toBeGreaterThan(5);
    expect(res.body.request_id).toBe(requestId);
    // Nothing half-written: no index row and no artifact under that id.
    expect(await s.deps.index.get('extract', requestId)).toBeUndefined();
    const listing = await s.deps.store.list('extracts/', { limit: 1000 });
    expect(listing.objects.some((o) => o.rel.includes(requestId))).toBe(false);
  });

  test('image_url is refused without DEBUG_MODE', async () => {
    const { apiKey } = await s.newKey('debugger');
    const res = await s.call('POST', '/v1/extract', {
      key: apiKey,
      json: { task_id: 'receipt_fields_v1', image_url: 'https://example.com/r.png' },
    });
    expect(res.status).toBe(403);
  });
});
