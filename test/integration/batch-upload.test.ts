// Batch uploads end to end on the local stack (mock model): multipart in, the ASL run by the local
// interpreter, job polled to the end, then the bucket and the tables looked into.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GIF, TINY_JPEG, makePng } from '../support/images.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { multipart, pollJob, postMultipart } from '../support/batch.ts';

let s: TestStack;
let client: string;
let clientId: string;
let other: string;

beforeAll(async () => {
  s = await startTestStack({
    SYNC_WAIT_S: '10',
    JOBS_PROGRESS_MIN_SECONDS: '0',
    JOBS_PROGRESS_EVERY_N: '1',
    LOCAL_WORKFLOW_RETRY_MS: '5',
    MAX_UPLOAD_FILES: '5',
    MAX_UPLOAD_BYTES: '20000',
  });
  ({ apiKey: client, keyId: clientId } = await s.newKey('client'));
  ({ apiKey: other } = await s.newKey('client'));
});
afterAll(async () => s.close());

const files = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: 'files',
    filename: `receipt_${i}.png`,
    type: 'image/png',
    bytes: makePng(16, 8, i),
  }));

describe('POST /v1/batch_extract_upload_async', () => {
  test('an upload runs to succeeded with a batch artifact, item rows and extract artifacts in the bucket', async () => {
    const res = await postMultipart(s, '/v1/batch_extract_upload_async', client, [
      { name: 'task_id', value: 'receipt_fields_v1' },
      { name: 'concurrency', value: '2' },
      { name: 'run_id', value: 'up-run-1' },
      ...files(3),
    ]);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ run_id: 'up-run-1', poll_url: `/v1/jobs/${res.body.job_id}` });

    const job = await pollJob(s, client, res.body.job_id);
    expect(job).toMatchObject({
      status: 'succeeded',
      kind: 'batch_upload',
      progress: { stage: 'succeeded', total: 3, done: 3, ok: 3, err: 0 },
      result: { run_id: 'up-run-1', summary: { total: 3, ok: 3, err: 0 } },
      error: null,
    });
    expect(job.progress.current).toMatch(/^receipt_\d\.png$/);

    const batch = await s.deps.store.getJson<any>(job.result.artifact_rel);
    expect(batch).toMatchObject({ kind: 'batch', run_id: 'up-run-1', owner_key_id: clientId, status: 'succeeded' });
    expect(batch.source).toEqual({ type: 'upload', persist_inputs: false, files: 3 });
    expect(batch.items.map((i: any) => i.file)).toEqual(['receipt_0.png', 'receipt_1.png', 'receipt_2.png']);
    for (const item of batch.items) {
      expect(item).toMatchObject({ status: 'ok', schema_valid: true, error: null, request_id: `up-run-1_00000${item.seq}` });
      expect(item.parsed).toHaveProperty('total');
      const extract = await s.deps.store.getJson<any>(item.artifact_rel);
      expect(extract).toMatchObject({ request_id: item.request_id, run_id: 'up-run-1', input: { file: item.file } });
    }
    expect((await s.deps.index.get('batch', 'up-run-1'))?.status).toBe('ok');
    const rows = await s.deps.runItems.page('up-run-1', { status: 'ok', limit: 10 });
    expect(rows.items.map((r) => r.seq)).toEqual([0, 1, 2]);
    // Not persisted: the staged uploads are gone once the run ends.
    expect((await s.deps.store.list('staging/up-run-1/', { limit: 10 })).objects).toEqual([]);
  });

  test('with persist_inputs=true the inputs stay under inputs/<day>/<run_id>/', async () => {
    const res = await postMultipart(s, '/v1/batch_extract_upload_async', client, [
      { name: 'task_id', value: 'receipt_fields_v1' },
      { name: 'persist_inputs', value: 'true' },
      { name: 'run_id', value: 'up-persist' },
      ...files(2),
    ]);
    const job = await pollJob(s, client, res.body.job_id);
    expect(job.status).toBe('succeeded');
    const batch = await s.deps.store.getJson<any>(job.result.artifact_rel);
    for (const item of batch.items) {
      expect(item.input_ref).toMatch(/^inputs\/\d{4}-\d{2}-\d{2}\/up-persist\/00000\d_receipt_\d\.png$/);
      expect(await s.deps.store.getBytes(item.input_ref)).toBeDefined();
    }
  });

  test('a file that is not an image fails alone; the run completes with an artifact for it', async () => {
    const res = await postMultipart(s, '/v1/batch_extract_upload_async', client, [
      { name: 'task_id', value: 'receipt_fields_v1' },
      { name: 'run_id', value: 'up-mixed' },
      { name: 'files', filename: 'good.png', type: 'image/png', bytes: makePng(16, 8, 7) },
      { name: 'files', filename: 'notes.txt', type: 'text/plain', bytes: Buffer.from('not an image') },
      { name: 'files', filename: 'anim.gif', type: 'image/gif', bytes: GIF },
      { name: 'files', filename: 'photo.jpg', bytes: TINY_JPEG },
    ]);
    const job = await pollJob(s, client, res.body.job_id);
    expect(job).toMatchObject({ status: 'succeeded', progress: { total: 4, done: 4, ok: 2, err: 2 } });
    const batch = await s.deps.store.getJson<any>(job.result.artifact_rel);
    expect(batch.items.map((i: any) => [i.file, i.status, i.error?.code ?? null])).toEqual([
      ['good.png', 'ok', null],
      ['notes.txt', 'error', 'invalid_input'],
      ['anim.gif', 'error', 'invalid_input'],
      ['photo.jpg', 'ok', null],
    ]);
    const bad = await s.deps.store.getJson<any>(batch.items[1].artifact_rel);
    expect(bad).toMatchObject({ request_id: 'up-mixed_000001', error: { code: 'invalid_input' }, input: { file: 'notes.txt' } });
    expect((await s.deps.runItems.page('up-mixed', { status: 'error', limit: 10 })).items.map((i) => i.file)).toEqual([
      'notes.txt',
      'anim.gif',
    ]);
  });
});

describe('POST /v1/batch_extract_upload (sync)', () => {
  test('answers 200 with the run summary when the run ends within SYNC_WAIT_S', async () => {
    const res = await postMultipart(s, '/v1/batch_extract_upload', client, [
      { name: 'task_id', value: 'invoice_fields_v1' },
      { name: 'run_id', value: 'up-sync' },
      ...files(2),
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'succeeded',
      run_id: 'up-sync',
      task_id: 'invoice_fields_v1',
      summary: { total: 2, ok: 2, err: 0, canceled: 0 },
      artifact_rel: expect.stringMatching(/^batches\/\d{4}-\d{2}-\d{2}\/up-sync\.json$/),
    });
  });
});

describe('bad uploads', () => {
  test('an empty upload is 400', async () => {
    const res = await postMultipart(s, '/v1/batch_extract_upload_async', client, [
      { name: 'task_id', value: 'receipt_fields_v1' },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
  });

  test('too many files is 413 too_many_files and nothing is staged', async () => {
    const res = await postMultipart(s, '/v1/batch_extract_upload_async', client, [
      { name: 'task_id', value: 'receipt_fields_v1' },
      { name: 'run_id', value: 'up-too-many' },
      ...files(6),
    ]);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('too_many_files');
    expect(await s.deps.index.get('batch', 'up-too-many')).toBeUndefined();
    expect((await s.deps.store.list('staging/up-too-many/', { limit: 10 })).objects).toEqual([]);
  });

  test('too many bytes is 413 payload_too_large', async () => {
    const res = await postMultipart(s, '/v1/batch_extract_upload_async', client, [
      { name: 'task_id', value: 'receipt_fields_v1' },
      { name: 'run_id', value: 'up-too-big' },
      { name: 'files', filename: 'big.png', type: 'image/png', bytes: makePng(120, 60, 1, true) },
    ]);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(await s.deps.index.get('batch', 'up-too-big')).toBeUndefined();
  });

  test('a duplicate run_id is 409', async () => {
    const parts = [{ name: 'task_id', value: 'receipt_fields_v1' }, { name: 'run_id', value: 'up-dup' }, ...files(1)];
    const first = await postMultipart(s, '/v1/batch_extract_upload_async', client, parts);
    expect(first.status).toBe(202);
    const second = await postMultipart(s, '/v1/batch_extract_upload_async', client, parts);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('conflict');
    await pollJob(s, client, first.body.job_id);
  });

  test('the CVE-2022-24434 crafted part header gets a 4xx, and the stack keeps serving', async () => {
    const boundary = '----WebKitFormBoundaryoo6vortfDzBsDiro';
    const body = `--${boundary}\r\n Content-Disposition: form-data; name="bildbeschreibung"\r\n\r\n\r\n--${boundary}--`;
    const res = await s.call('POST', '/v1/batch_extract_upload', {
      key: client,
      body,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await s.call('GET', '/health')).status).toBe(200);
  });

  test('a JSON body on the multipart route is 415; a malformed multipart body is 400', async () => {
    const json = await s.call('POST', '/v1/batch_extract_upload_async', { key: client, json: { task_id: 'receipt_fields_v1' } });
    expect(json.status).toBe(415);
    const { contentType } = multipart([]);
    const broken = await s.call('POST', '/v1/batch_extract_upload_async', {
      key: client,
      body: Buffer.from('--nope\r\nContent-Disposition: form-data; name="files"; filename="a"\r\n\r\nabc'),
      headers: { 'content-type': contentType },
    });
    expect(broken.status).toBe(400);
  });

  test('a GT file is refused (403) outside debug mode', async () => {
    const res = await postMultipart(s, '/v1/batch_extract_upload_async', client, [
      { name: 'task_id', value: 'receipt_fields_v1' },
      ...files(1),
      { name: 'gt', filename: 'gt.json', type: 'application/json', bytes: Buffer.from('[]') },
    ]);
    expect(res.status).toBe(403);
  });

  test("another key's job is 404", async () => {
    const res = await postMultipart(s, '/v1/batch_extract_upload_async', client, [
      { name: 'task_id', value: 'receipt_fields_v1' },
      ...files(1),
    ]);
    const peek = await s.call('GET', `/v1/jobs/${res.body.job_id}`, { key: other });
    expect(peek.status).toBe(404);
    const cancel = await s.call('POST', `/v1/jobs/${res.body.job_id}/cancel`, { key: other });
    expect(cancel.status).toBe(404);
    await pollJob(s, client, res.body.job_id);
  });
});
