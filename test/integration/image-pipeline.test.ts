// The image pipeline end to end over HTTP: the local stack on the vllm backend against the fake vLLM,
// which measures every image it receives as vLLM serving Qwen3-VL would and refuses a prompt over its
// --max-model-len (4096, the seed's) with vLLM's own 400. What the model saw is asserted on the fake's
// side, what was kept in the bucket and the artifact.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type FakeVllm, type ReceivedCall, startFakeVllm } from '../support/fake-vllm.ts';
import { makePhotoJpeg } from '../support/documents.ts';
import { pollJob, postMultipart, putDataFiles } from '../support/batch.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { manyPagePdf } from '../support/pdf.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'documents');
const HEIC = readFileSync(join(FIXTURES, 'receipt-iphone.heic'));
const INVOICE = readFileSync(join(FIXTURES, 'invoice.pdf'));
const ENCRYPTED = readFileSync(join(FIXTURES, 'invoice-encrypted.pdf'));
const CONTEXT = 4096;
const MAX_TOKENS = 1024;

let s: TestStack;
let fake: FakeVllm;
let key: string;
let photo: Buffer;
let rotated: Buffer;

beforeAll(async () => {
  fake = await startFakeVllm({ maxModelLen: CONTEXT });
  s = await startTestStack({
    VLLM_BASE_URL: fake.url,
    VLLM_API_KEY: 'test-vllm-key',
    VLLM_MAX_MODEL_LEN: String(CONTEXT),
    VLLM_MAX_TOKENS: String(MAX_TOKENS),
    // A 12 MP phone JPEG is 3–4 MB: over the 3 MiB default, within what a deployment may allow (4.4 MB).
    MAX_IMAGE_BYTES: '4300000',
  });
  ({ apiKey: key } = await s.newKey('client'));
  [photo, rotated] = await Promise.all([
    makePhotoJpeg({ width: 4000, height: 3000 }),
    makePhotoJpeg({ width: 3000, height: 4000, orientation: 6, gps: true }),
  ]);
}, 60_000);
afterAll(async () => {
  await s.close();
  await fake.close();
});
beforeEach(() => fake.reset());

const extract = (bytes: Buffer, requestId: string, taskId = 'receipt_fields_v1', mimeType?: string) =>
  s.call('POST', '/v1/extract', {
    key,
    json: {
      task_id: taskId,
      image_base64: bytes.toString('base64'),
      request_id: requestId,
      ...(mimeType ? { mime_type: mimeType } : {}),
    },
  });

/** The model's whole request as the fake counted it, against its context. */
function withinContext(call: ReceivedCall): void {
  expect(call.problems).toEqual([]);
  expect(call.vision!.promptTokens + call.vision!.maxTokens).toBeLessThanOrEqual(CONTEXT);
}

describe('photos through POST /v1/extract', () => {
  test('a 12 MP photo of 3–4 MB is sent within the pixel budget and fits the 4096-token context', async () => {
    expect(photo.length).toBeGreaterThan(3_000_000);
    const res = await extract(photo, 'ip-photo', 'receipt_fields_v1', 'image/jpeg');
    expect(res.status).toBe(200);
    expect(res.body.schema_ok).toBe(true);
    expect(fake.calls).toHaveLength(1);
    const [image] = fake.calls[0]!.vision!.images;
    expect(image!.width * image!.height).toBeLessThanOrEqual(1_310_720);
    expect([image!.width % 32, image!.height % 32]).toEqual([0, 0]);
    expect(image!.visualTokens).toBeLessThanOrEqual(1280);
    withinContext(fake.calls[0]!);

    const artifact = await s.deps.store.getJson<any>(res.body.artifact_rel);
    expect(artifact.artifact_version).toBe(2);
    expect(artifact.input.original).toMatchObject({ mime_type: 'image/jpeg', width: 4000, height: 3000, pages: 1 });
    expect(artifact.input.sent).toEqual([
      expect.objectContaining({ page: 1, width: image!.width, height: image!.height, visual_tokens: image!.visualTokens }),
    ]);
    // The model's own count is kept next to ours, and ours is the conservative one.
    expect(artifact.usage.prompt_tokens).toBe(fake.calls[0]!.vision!.promptTokens);
    expect(artifact.token_estimate.prompt_tokens).toBeGreaterThanOrEqual(artifact.usage.prompt_tokens);
    expect(artifact.attempts).toEqual([expect.objectContaining({ attempt: 1, purpose: 'extract', outcome: 'ok' })]);
  });

  test('a photo with EXIF orientation 6 and GPS arrives upright, with no EXIF at all', async () => {
    expect((await sharp(rotated).metadata()).orientation).toBe(6);
    const res = await extract(rotated, 'ip-rotated');
    expect(res.status).toBe(200);
    const [image] = fake.calls[0]!.vision!.images;
    expect(image!.height).toBeGreaterThan(image!.width);
    expect(image).toMatchObject({ exif: false, otherMetadata: false });
    expect(image!.orientation).toBeUndefined();
    // The dark band printed across the top of the upright photo is at the top of what the model got.
    const url = fake.calls[0]!.body.messages[0]!.content as Array<{ image_url?: { url: string } }>;
    const sent = Buffer.from(url.find((p) => p.image_url)!.image_url!.url.split(',')[1]!, 'base64');
    const top = await sharp(sent).extract({ left: 0, top: 0, width: image!.width, height: 32 }).greyscale().raw().toBuffer();
    expect(top.reduce((sum, v) => sum + v, 0) / top.length).toBeLessThan(60);
  });

  test('the same photo gives the same bytes sent, request after request', async () => {
    await extract(rotated, 'ip-same-1');
    await extract(rotated, 'ip-same-2');
    const urls = fake.calls.map((c) => JSON.stringify(c.body.messages));
    expect(urls[0]).toBe(urls[1]);
  });
});

describe('documents through POST /v1/extract', () => {
  test('a 2-page PDF invoice is one model call with two images in order, within the context', async () => {
    const res = await extract(INVOICE, 'ip-invoice', 'invoice_fields_v1');
    expect(res.status).toBe(200);
    expect(res.body.schema_ok).toBe(true);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.vision!.images).toHaveLength(2);
    withinContext(fake.calls[0]!);
    const artifact = await s.deps.store.getJson<any>(res.body.artifact_rel);
    expect(artifact.input.original).toMatchObject({ mime_type: 'application/pdf', pages: 2 });
    expect(artifact.input.sent.map((p: any) => p.page)).toEqual([1, 2]);
    expect(artifact.input.pipeline.decoder).toHaveProperty('@hyzyla/pdfium');
  });

  test('an iPhone HEIC gives a result, upright', async () => {
    const res = await extract(HEIC, 'ip-heic', 'receipt_fields_v1', 'image/heic');
    expect(res.status).toBe(200);
    const [image] = fake.calls[0]!.vision!.images;
    expect(image).toMatchObject({ mime: 'image/jpeg', width: 768, height: 1024, exif: false });
    withinContext(fake.calls[0]!);
  });

  test('an encrypted PDF is 422 encrypted_document, and the model is not called', async () => {
    const res = await extract(ENCRYPTED, 'ip-encrypted');
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('encrypted_document');
    expect(fake.calls).toHaveLength(0);
  });

  test('a corrupt PDF is 400 validation_error', async () => {
    const corrupt = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(3000, 0x41)]);
    const res = await extract(corrupt, 'ip-corrupt');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    expect(fake.calls).toHaveLength(0);
  });

  test('a 20-page PDF is 413 too_many_pages with the count', async () => {
    const res = await extract(manyPagePdf(20), 'ip-20-pages');
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'too_many_pages', details: { pages: 20, max_document_pages: 8 } });
    expect(fake.calls).toHaveLength(0);
  });

  test("the model's context-length refusal is 422 with the numbers, not retried, not a 503", async () => {
    fake.maxModelLen = 2000;
    const res = await extract(INVOICE, 'ip-too-long', 'invoice_fields_v1');
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('context_length_exceeded');
    expect(res.body.error.details).toMatchObject({ max_model_len: CONTEXT, pages: 2 });
    expect(res.body.error.details.estimated_tokens).toBeGreaterThan(2000);
    expect(res.body.error.details.backend_message).toMatch(/maximum context length is 2000 tokens/);
    expect(fake.calls).toHaveLength(1);
    const artifact = await s.deps.store.getJson<any>(res.body.error.details.artifact_rel);
    expect(artifact.error.code).toBe('context_length_exceeded');
    expect(artifact.attempts).toEqual([expect.objectContaining({ outcome: 'context_length', upstream_status: 400 })]);
  });
});

describe('the pages the model saw', () => {
  test('GET /v1/extracts/{id}/pages links to the very bytes sent; another owner gets a 404', async () => {
    const res = await extract(INVOICE, 'ip-pages', 'invoice_fields_v1');
    expect(res.status).toBe(200);
    const pages = await s.call('GET', '/v1/extracts/ip-pages/pages', { key });
    expect(pages.status).toBe(200);
    expect(pages.body).toMatchObject({ request_id: 'ip-pages', expires_in_s: expect.any(Number) });
    expect(pages.body.pages).toHaveLength(2);
    const artifact = await s.deps.store.getJson<any>(res.body.artifact_rel);
    for (const [i, page] of (pages.body.pages as any[]).entries()) {
      const got = await fetch(page.url);
      expect(got.status).toBe(200);
      const bytes = Buffer.from(await got.arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(artifact.input.sent[i].sha256);
      expect(artifact.input.sent[i].preview_ref).toMatch(/^previews\/\d{4}-\d{2}-\d{2}\/ip-pages\/page-\d\.jpg$/);
    }
    const { apiKey: other } = await s.newKey('client');
    expect((await s.call('GET', '/v1/extracts/ip-pages/pages', { key: other })).status).toBe(404);
  });
});

describe('documents through batches', () => {
  test('a HEIC and a PDF in a multipart upload are one call each, both with results', async () => {
    const res = await postMultipart(s, '/v1/batch_extract_upload_async', key, [
      { name: 'task_id', value: 'invoice_fields_v1' },
      { name: 'run_id', value: 'ip-upload' },
      { name: 'files', filename: 'receipt.heic', type: 'image/heic', bytes: HEIC },
      { name: 'files', filename: 'invoice.pdf', type: 'application/pdf', bytes: INVOICE },
      { name: 'files', filename: 'locked.pdf', type: 'application/pdf', bytes: ENCRYPTED },
    ]);
    expect(res.status).toBe(202);
    const job = await pollJob(s, key, res.body.job_id);
    expect(job).toMatchObject({ status: 'succeeded', progress: { total: 3, ok: 2, err: 1 } });
    const batch = await s.deps.store.getJson<any>(job.result.artifact_rel);
    expect(batch.items.map((i: any) => [i.file, i.status, i.error?.code ?? null])).toEqual([
      ['receipt.heic', 'ok', null],
      ['invoice.pdf', 'ok', null],
      ['locked.pdf', 'error', 'encrypted_document'],
    ]);
    expect(fake.calls.map((c) => c.vision!.images.length).sort()).toEqual([1, 2]);
    for (const call of fake.calls) withinContext(call);
  });

  test('a server-side batch reads HEIC and PDF files by default', async () => {
    await putDataFiles(s, { 'docs/a-receipt.heic': HEIC, 'docs/b-invoice.pdf': INVOICE, 'docs/c-notes.txt': Buffer.from('x') });
    const res = await s.call('POST', '/v1/batch_extract_async', {
      key,
      json: { task_id: 'invoice_fields_v1', images_dir: 'docs', run_id: 'ip-dir' },
    });
    expect(res.status).toBe(202);
    const job = await pollJob(s, key, res.body.job_id);
    expect(job).toMatchObject({ status: 'succeeded', progress: { total: 2, ok: 2, err: 0 } });
    expect(fake.calls).toHaveLength(2);
    for (const call of fake.calls) withinContext(call);
  });
});
