// POST /v1/extract with INFERENCE_BACKEND=vllm against the fake vLLM server: what is sent, and how model
// failures reach the client (503, 504, 200 with schema_ok false) with an artifact saved each time.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type FakeVllm, startFakeVllm } from '../support/fake-vllm.ts';
import { makePng } from '../support/images.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';

let s: TestStack;
let fake: FakeVllm;
let key: string;

beforeAll(async () => {
  fake = await startFakeVllm();
  s = await startTestStack({
    VLLM_BASE_URL: fake.url,
    VLLM_API_KEY: 'test-vllm-key',
    VLLM_READ_TIMEOUT_S: '1',
    VLLM_MAX_RETRIES: '2',
  });
  ({ apiKey: key } = await s.newKey('client'));
});
afterAll(async () => {
  await s.close();
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  fake.latencyMs = 0;
});

const extract = (requestId: string) =>
  s.call('POST', '/v1/extract', {
    key,
    json: {
      task_id: 'receipt_fields_v1',
      image_base64: makePng(10, 10, 3).toString('base64'),
      mime_type: 'image/png',
      request_id: requestId,
    },
  });

describe('POST /v1/extract on the vllm backend', () => {
  test('calls vLLM over the OpenAI protocol and returns schema-valid fields', async () => {
    const res = await extract('v-ok');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ schema_ok: true, model: 'Qwen/Qwen3-VL-8B-Instruct' });
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.problems).toEqual([]);
    const artifact = await s.deps.store.getJson<any>(res.body.artifact_rel);
    const prompt = fake.calls[0]!.vision!.promptTokens;
    expect(artifact.usage).toEqual({
      prompt_tokens: prompt,
      completion_tokens: expect.any(Number),
      total_tokens: expect.any(Number),
    });
    expect(artifact.usage.total_tokens).toBe(prompt + artifact.usage.completion_tokens);
    expect(artifact.model.backend).toBe('vllm');
  });

  test('/ready reports the vllm backend reachable', async () => {
    const res = await s.call('GET', '/ready');
    expect(res.body.checks.model_vllm.ok).toBe(true);
  });

  test('a transient 503 is retried and the history is kept in the artifact', async () => {
    fake.behaviour = { kind: 'status', status: 503, times: 1 };
    const res = await extract('v-retry');
    expect(res.status).toBe(200);
    expect(res.body.schema_ok).toBe(true);
    const artifact = await s.deps.store.getJson<any>(res.body.artifact_rel);
    expect(artifact.error_history).toHaveLength(1);
    expect(artifact.error_history[0]).toMatchObject({ attempt: 1, kind: 'unavailable', upstream_status: 503 });
  });

  test('a backend that keeps failing is 503 backend_unavailable, with the artifact saved', async () => {
    fake.behaviour = { kind: 'status', status: 502 };
    const res = await extract('v-down');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('backend_unavailable');
    expect(fake.calls).toHaveLength(3);
    const artifact = await s.deps.store.getJson<any>(res.body.error.details.artifact_rel);
    expect(artifact.error.code).toBe('backend_unavailable');
    expect(artifact.error_history).toHaveLength(3);
  });

  test('a backend too slow to answer is 504 inference_timeout, with the artifact saved', async () => {
    fake.behaviour = { kind: 'hang' };
    const res = await extract('v-slow');
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('inference_timeout');
    const artifact = await s.deps.store.getJson<any>(res.body.error.details.artifact_rel);
    expect(artifact.error.code).toBe('inference_timeout');
  });

  test('garbage output is 200 with schema_ok false, the errors, and the raw text in the artifact', async () => {
    fake.behaviour = { kind: 'garbage', text: '<think>hmm</think> The receipt is blurry, sorry.' };
    const res = await extract('v-garbage');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ schema_ok: false, result: null });
    expect(res.body.schema_errors.length).toBeGreaterThan(0);
    const artifact = await s.deps.store.getJson<any>(res.body.artifact_rel);
    expect(artifact.raw_model_text).toContain('blurry');
  });

  test('an answer in code fences that breaks the schema is 200 with schema errors', async () => {
    fake.behaviour = { kind: 'ok', content: () => '```json\n{"merchant_name": 5}\n```' };
    const res = await extract('v-schema');
    expect(res.status).toBe(200);
    expect(res.body.schema_ok).toBe(false);
    expect(res.body.result).toEqual({ merchant_name: 5 });
    expect(res.body.schema_errors.some((e: any) => e.path === '/merchant_name')).toBe(true);
  });
});
