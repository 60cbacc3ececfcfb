// The fake vLLM's vision side behaves like vLLM serving Qwen3-VL: it measures what it receives and
// refuses an over-long prompt with vLLM's own error body.
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type FakeVllm, startFakeVllm } from '../support/fake-vllm.ts';
import { processorSize } from '../support/fake-vllm-vision.ts';
import { makePhotoJpeg } from '../support/documents.ts';

let fake: FakeVllm;
beforeAll(async () => {
  fake = await startFakeVllm();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

async function chat(images: Buffer[], text: string, maxTokens = 1024) {
  const res = await fetch(`${fake.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer test-vllm-key', 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'Qwen/Qwen3-VL-8B-Instruct',
      temperature: 0,
      max_tokens: maxTokens,
      messages: [
        {
          role: 'user',
          content: [
            ...images.map((i) => ({ type: 'image_url', image_url: { url: `data:image/jpeg;base64,${i.toString('base64')}` } })),
            { type: 'text', text },
          ],
        },
      ],
      response_format: { type: 'json_schema', json_schema: { name: 'receipt_fields_v1', schema: { type: 'object' } } },
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const jpeg = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#eee' } })
    .jpeg()
    .toBuffer();

describe('fake vLLM vision', () => {
  test('counts one visual token per 32×32 px plus two markers, and text at about 4 characters a token', async () => {
    const res = await chat([await jpeg(1312, 960)], 'x'.repeat(400));
    expect(res.status).toBe(200);
    const vision = fake.calls[0]!.vision!;
    expect(vision.images).toEqual([expect.objectContaining({ width: 1312, height: 960, visualTokens: 41 * 30, exif: false })]);
    expect(vision.textTokens).toBe(100 + 5 + 3);
    expect(vision.promptTokens).toBe(vision.textTokens + 1230 + 2);
    expect(res.body.usage.prompt_tokens).toBe(vision.promptTokens);
  });

  test('resizes like the Qwen processor: sides rounded to 32, tiny images raised to its minimum', () => {
    expect(processorSize(1000, 700)).toEqual({ width: 992, height: 704 });
    const tiny = processorSize(10, 10);
    expect(tiny.width * tiny.height).toBeGreaterThanOrEqual(65_536);
  });

  test('a raw 12 MP photo is refused as over --max-model-len with vLLM’s 400 body', async () => {
    const res = await chat([await makePhotoJpeg({ width: 3000, height: 4000, orientation: 6 })], 'Read the receipt.');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      object: 'error',
      message: expect.stringMatching(
        /^This model's maximum context length is 4096 tokens\. However, you requested \d+ tokens \(\d+ in the messages, 1024 in the completion\)\./,
      ),
      type: 'BadRequestError',
      param: null,
      code: 400,
    });
    const vision = fake.calls[0]!.vision!;
    expect(vision.images[0]).toMatchObject({ width: 4000, height: 3000, exif: true, orientation: 6 });
    expect(vision.images[0]!.visualTokens).toBeGreaterThan(11_000);
  });

  test('the limit follows --max-model-len', async () => {
    fake.maxModelLen = 32_768;
    const res = await chat([await jpeg(4000, 3000)], 'Read the receipt.');
    expect(res.status).toBe(200);
  });
});
