import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { VllmModelClient } from '../../functions/adapters/model/vllm.ts';
import { loadTaskCatalog } from '../../functions/adapters/task-files.ts';
import { ModelCallError } from '../../functions/core/ports.ts';
import { type FakeVllm, startFakeVllm } from '../support/fake-vllm.ts';
import { makePng } from '../support/images.ts';
import { quietLogger } from './fakes.ts';

const task = loadTaskCatalog().get('receipt_fields_v1');
let fake: FakeVllm;

function client(overrides: { readTimeoutS?: number; apiKey?: string; baseUrl?: string } = {}) {
  return new VllmModelClient(
    {
      backend: 'vllm',
      baseUrl: overrides.baseUrl ?? fake.url,
      apiKey: overrides.apiKey ?? 'test-vllm-key',
      model: 'Qwen/Qwen3-VL-8B-Instruct',
      readTimeoutS: overrides.readTimeoutS ?? 5,
      maxRetries: 0,
      retryBaseMs: 1,
      maxTokens: 512,
      maxInflight: 4,
      maxModelLen: 4096,
    },
    quietLogger,
  );
}

const request = { task, pages: [{ bytes: makePng(), mimeType: 'image/png' }], requestId: 'r1' };

beforeAll(async () => {
  fake = await startFakeVllm();
});
afterAll(async () => fake.close());
beforeEach(() => {
  fake.reset();
  fake.latencyMs = 0;
});

describe('VllmModelClient against a protocol-faithful fake', () => {
  test('sends the bearer key, model, image as data: URI, json_schema response_format and temperature 0', async () => {
    const answer = await client().complete(request);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.problems).toEqual([]);
    const body = fake.calls[0]!.body;
    expect(body.response_format?.json_schema?.name).toBe('receipt_fields_v1');
    expect(body.response_format?.json_schema?.schema).toEqual(task.schema);
    expect(body.max_tokens).toBe(512);
    expect(JSON.parse(answer.text)).toHaveProperty('total');
    // The model's own count (the fake measures the image and text as vLLM does), passed through as is.
    expect(answer.usage?.prompt_tokens).toBe(fake.calls[0]!.vision!.promptTokens);
    expect(answer.usage?.total_tokens).toBeGreaterThan(answer.usage!.prompt_tokens!);
  });

  test('the pages of a document go in one call, in order, each after its label', async () => {
    const pages = [
      { bytes: makePng(64, 64, 1), mimeType: 'image/png' },
      { bytes: makePng(64, 64, 2), mimeType: 'image/png' },
    ];
    await client().complete({ task, pages, requestId: 'r2' });
    expect(fake.calls).toHaveLength(1);
    const content = fake.calls[0]!.body.messages[0]!.content as Array<{
      type: string;
      text?: string;
      image_url?: { url: string };
    }>;
    expect(content.map((p) => p.type)).toEqual(['text', 'image_url', 'text', 'image_url', 'text']);
    expect([content[0]!.text, content[2]!.text]).toEqual(['Page 1 of 2:', 'Page 2 of 2:']);
    expect(content[1]!.image_url!.url).toBe(`data:image/png;base64,${pages[0]!.bytes.toString('base64')}`);
    expect(content[3]!.image_url!.url).toBe(`data:image/png;base64,${pages[1]!.bytes.toString('base64')}`);
    expect(content[4]!.text).toBe(task.prompt);
    expect(fake.calls[0]!.vision!.images).toHaveLength(2);
  });

  test("vLLM's context-length 400 is a context_length failure, never retried, with vLLM's own words", async () => {
    fake.maxModelLen = 600;
    const err = (await client()
      .complete(request)
      .catch((e: unknown) => e)) as ModelCallError;
    expect(err).toBeInstanceOf(ModelCallError);
    expect(err.kind).toBe('context_length');
    expect(err.retryable).toBe(false);
    expect(err.upstreamStatus).toBe(400);
    expect(err.message).toMatch(/maximum context length is 600 tokens/);
  });

  test('the OpenAI-style error body of newer vLLM servers is read the same way', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.",
            type: 'BadRequestError',
            param: null,
            code: 400,
          },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const err = (await client({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` })
        .complete(request)
        .catch((e: unknown) => e)) as ModelCallError;
      expect(err.kind).toBe('context_length');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a wrong API key is a rejected call (not retryable)', async () => {
    const err = await client({ apiKey: 'wrong' })
      .complete(request)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelCallError);
    expect((err as ModelCallError).kind).toBe('rejected');
    expect((err as ModelCallError).retryable).toBe(false);
  });

  test.each([
    [429, 'throttled'],
    [500, 'unavailable'],
    [503, 'unavailable'],
    [400, 'rejected'],
  ])('HTTP %i maps to %s', async (status, kind) => {
    fake.behaviour = { kind: 'status', status };
    const err = (await client()
      .complete(request)
      .catch((e: unknown) => e)) as ModelCallError;
    expect(err.kind).toBe(kind);
    expect(err.upstreamStatus).toBe(status);
  });

  test('an unreachable server is unavailable and retryable', async () => {
    const err = (await client({ baseUrl: 'http://127.0.0.1:9/v1' })
      .complete(request)
      .catch((e: unknown) => e)) as ModelCallError;
    expect(err.kind).toBe('unavailable');
    expect(err.retryable).toBe(true);
  });

  test('a slow server past VLLM_READ_TIMEOUT_S is a timeout', async () => {
    fake.behaviour = { kind: 'hang' };
    const err = (await client({ readTimeoutS: 0.3 })
      .complete(request)
      .catch((e: unknown) => e)) as ModelCallError;
    expect(err.kind).toBe('timeout');
  });

  test('ping lists models with the key', async () => {
    await expect(client().ping()).resolves.toBeUndefined();
    await expect(client({ apiKey: 'nope' }).ping()).rejects.toBeInstanceOf(ModelCallError);
  });
});
