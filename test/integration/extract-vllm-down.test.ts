// The vllm backend unreachable (nothing listens at VLLM_BASE_URL): 503 for the client, artifact kept, /ready says why.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { makePng } from '../support/images.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';

let s: TestStack;

beforeAll(async () => {
  s = await startTestStack({ VLLM_BASE_URL: 'http://127.0.0.1:9/v1', VLLM_API_KEY: 'k', VLLM_MAX_RETRIES: '1' });
});
afterAll(async () => s.close());

test('extract answers 503 backend_unavailable and still saves the artifact', async () => {
  const { apiKey } = await s.newKey('client');
  const res = await s.call('POST', '/v1/extract', {
    key: apiKey,
    json: { task_id: 'receipt_fields_v1', image_base64: makePng().toString('base64'), request_id: 'down-1' },
  });
  expect(res.status).toBe(503);
  expect(res.body.error.code).toBe('backend_unavailable');
  const artifact = await s.deps.store.getJson<any>(res.body.error.details.artifact_rel);
  expect(artifact).toMatchObject({ request_id: 'down-1', schema_valid: false, error: { code: 'backend_unavailable' } });
  expect(artifact.error_history).toHaveLength(2);
  expect((await s.deps.index.get('extract', 'down-1'))?.status).toBe('error');
});

test('/ready is 503 and names the model backend as the failing dependency', async () => {
  const res = await s.call('GET', '/ready');
  expect(res.status).toBe(503);
  expect(res.body.checks.model_vllm.ok).toBe(false);
  expect(res.body.checks.bucket.ok).toBe(true);
});
