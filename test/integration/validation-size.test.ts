// Issue 9 #5: a validation error must stay small whatever the request. A 5.7 MB body of unknown keys
// used to produce a 32 MB 400 (every key listed, in details and in the message).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type TestStack, startTestStack } from '../support/local-stack.ts';

let s: TestStack;
let client: string;

beforeAll(async () => {
  s = await startTestStack();
  ({ apiKey: client } = await s.newKey('client'));
});
afterAll(async () => s.close());

test('a multi-MB body of unknown keys answers a small 400: the first 20 problems and a count', async () => {
  const keys = 250_000;
  const body = `{"image_base64":"aGk=",${Array.from({ length: keys }, (_, i) => `"unknown_key_${i}":1`).join(',')}}`;
  expect(body.length).toBeGreaterThan(5_000_000);
  const res = await s.call('POST', '/v1/extract', { key: client, body, headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('validation_error');
  expect(JSON.stringify(res.body).length).toBeLessThan(4_000);
  expect(res.body.error.details.problem_count).toBe(keys);
  expect(res.body.error.details.problems).toHaveLength(20);
  expect(res.body.error.details.problems[0]).toBe('body: unknown field "unknown_key_0"');
  expect(res.body.error.message).toBe(
    'Invalid request body: body: unknown field "unknown_key_0"; body: unknown field "unknown_key_1"; ' +
      `body: unknown field "unknown_key_2" (and ${keys - 3} more)`,
  );
});

test('a body with one unknown key still names it', async () => {
  const res = await s.call('POST', '/v1/extract', { key: client, json: { image_base64: 'aGk=', colour: 'red' } });
  expect(res.status).toBe(400);
  expect(res.body.error.details).toEqual({ problems: ['body: unknown field "colour"'], problem_count: 1 });
});

test('unknown query parameters are capped the same way', async () => {
  const query = Array.from({ length: 500 }, (_, i) => `q${i}=1`).join('&');
  const res = await s.call('GET', `/v1/runs?${query}`, { key: client });
  expect(res.status).toBe(400);
  expect(res.body.error.details.problem_count).toBe(500);
  expect(res.body.error.details.problems).toHaveLength(20);
  expect(res.body.error.message).toBe('Unknown query parameters: q0; q1; q2 (and 497 more)');
});
