// JSON bodies go through @middy/http-json-body-parser: malformed JSON is our 400 validation_error, a wrong
// Content-Type our 415, and what the client sent is never echoed back nor written to the logs.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makePng } from '../support/images.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';

let s: TestStack;
let client: string;

beforeAll(async () => {
  s = await startTestStack({ LOG_LEVEL: 'INFO' });
  ({ apiKey: client } = await s.newKey('client'));
});
afterAll(async () => s.close());

/** Runs fn while capturing everything the process writes to stdout and stderr (the logs). */
async function captureOutput(fn: () => Promise<unknown>): Promise<string> {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const tap =
    (original: typeof out) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      chunks.push(String(chunk));
      return original(chunk as string, ...(rest as []));
    };
  process.stdout.write = tap(out) as typeof process.stdout.write;
  process.stderr.write = tap(err) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return chunks.join('');
}

const post = (body: string, headers: Record<string, string>) => s.call('POST', '/v1/extract', { key: client, body, headers });

describe('JSON request bodies', () => {
  test('malformed JSON is a 400 validation_error that neither echoes nor logs the body', async () => {
    const secret = 'SECRET-MARKER-7f3a';
    let res: Awaited<ReturnType<typeof post>> | undefined;
    const logs = await captureOutput(async () => {
      res = await post(`{"task_id": "receipt_fields_v1", "note": ${secret}}`, { 'content-type': 'application/json' });
    });
    expect(res!.status).toBe(400);
    expect(res!.body.error.code).toBe('validation_error');
    expect(res!.body.error.message).toBe('The request body is not valid JSON');
    expect(res!.body.error.details).toBeUndefined();
    expect(JSON.stringify(res!.body)).not.toContain(secret);
    expect(logs).toContain('request_error');
    expect(logs).not.toContain(secret);
    for (const line of logs.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  });

  test('a __proto__ key is refused as a 400', async () => {
    const res = await post('{"__proto__": {"polluted": true}, "task_id": "receipt_fields_v1"}', {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a form-encoded body (curl -d without a Content-Type) is a 415 that says what to send', async () => {
    const res = await post('task_id=receipt_fields_v1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
    expect(res.body.error.message).toContain('Content-Type: application/json');
    expect(JSON.stringify(res.body)).not.toContain('task_id=');
  });

  test('an empty body is a 400 asking for a JSON object', async () => {
    const res = await post('', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('empty');
  });

  test('the Content-Type header is recognised in any letter case, with a charset', async () => {
    const body = JSON.stringify({
      task_id: 'receipt_fields_v1',
      image_base64: makePng().toString('base64'),
      mime_type: 'image/png',
    });
    const res = await post(body, { 'CONTENT-TYPE': 'Application/JSON; charset=utf-8' });
    expect(res.status).toBe(200);
    expect(res.body.schema_ok).toBe(true);
  });
});
