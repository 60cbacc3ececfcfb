// Server-side batches over the data root, reruns of persisted inputs, extract_async and the jobs list,
// on the local stack with the mock model.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TINY_JPEG, makePng } from '../support/images.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { pollJob, postMultipart, putDataFiles } from '../support/batch.ts';

let s: TestStack;
let client: string;
let clientId: string;
let other: string;
let admin: string;

beforeAll(async () => {
  s = await startTestStack({ SYNC_WAIT_S: '10', LOCAL_WORKFLOW_RETRY_MS: '5', JOBS_PROGRESS_MIN_SECONDS: '0' });
  ({ apiKey: client, keyId: clientId } = await s.newKey('client'));
  ({ apiKey: other } = await s.newKey('client'));
  ({ apiKey: admin } = await s.newKey('admin'));
  await putDataFiles(s, {
    'smoke/images/a.png': makePng(16, 8, 1),
    'smoke/images/b.jpg': TINY_JPEG,
    'smoke/images/sub/c.png': makePng(16, 8, 2),
    'smoke/images/readme.txt': Buffer.from('not selected'),
    'smoke/images/d.webp.bak': Buffer.from('not selected either'),
    'other/x.png': makePng(16, 8, 3),
  });
});
afterAll(async () => s.close());

describe('POST /v1/batch_extract (server-side dir under the data root)', () => {
  test('sync: every image under images_dir matching glob and exts, in key order, 200 with the summary', async () => {
    const res = await s.call('POST', '/v1/batch_extract', {
      key: client,
      json: { task_id: 'receipt_fields_v1', images_dir: 'smoke/images', run_id: 'dir-1', concurrency: 2 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'succeeded', run_id: 'dir-1', summary: { total: 3, ok: 3, err: 0 } });
    const batch = await s.deps.store.getJson<any>(res.body.artifact_rel);
    expect(batch.source).toMatchObject({ type: 'dir', images_dir: 'smoke/images', glob: '**/*' });
    expect(batch.items.map((i: any) => [i.file, i.input_ref])).toEqual([
      ['a.png', 'data/smoke/images/a.png'],
      ['b.jpg', 'data/smoke/images/b.jpg'],
      ['sub/c.png', 'data/smoke/images/sub/c.png'],
    ]);
    // Data-root files belong to the operator: a run never deletes them.
    expect(await s.deps.store.getBytes('data/smoke/images/a.png')).toBeDefined();
  });

  test('glob, exts and limit narrow the selection', async () => {
    const res = await s.call('POST', '/v1/batch_extract', {
      key: client,
      json: { task_id: 'receipt_fields_v1', images_dir: 'smoke', glob: 'images/*', exts: ['.PNG'], limit: 5 },
    });
    expect(res.status).toBe(200);
    const batch = await s.deps.store.getJson<any>(res.body.artifact_rel);
    expect(batch.items.map((i: any) => i.file)).toEqual(['images/a.png']);
    const limited = await s.call('POST', '/v1/batch_extract', {
      key: client,
      json: { task_id: 'receipt_fields_v1', images_dir: 'smoke/images', limit: 2 },
    });
    expect(limited.body.summary.total).toBe(2);
  });

  test('async and the low-level jobs route answer 202 with job_id and poll_url', async () => {
    for (const path of ['/v1/batch_extract_async', '/v1/jobs/batch_extract_dir']) {
      const res = await s.call('POST', path, { key: client, json: { task_id: 'receipt_fields_v1', images_dir: 'other' } });
      expect(res.status).toBe(202);
      expect(res.body.poll_url).toBe(`/v1/jobs/${res.body.job_id}`);
      const job = await pollJob(s, client, res.body.job_id);
      expect(job).toMatchObject({ status: 'succeeded', kind: 'batch_dir', progress: { total: 1, ok: 1 } });
    }
  });

  test.each([
    ['../secrets', 'dots'],
    ['smoke/../../etc', 'nested dots'],
    ['/etc/passwd', 'absolute'],
    ['C:/data', 'drive letter'],
    ['smoke\\images', 'backslash'],
  ])('images_dir %s (%s) is 400 validation_error', async (imagesDir) => {
    const res = await s.call('POST', '/v1/batch_extract', {
      key: client,
      json: { task_id: 'receipt_fields_v1', images_dir: imagesDir },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
  });

  test('an images_dir with no matching images is 404; gt_path outside debug mode is 403', async () => {
    const none = await s.call('POST', '/v1/batch_extract', {
      key: client,
      json: { task_id: 'receipt_fields_v1', images_dir: 'nowhere' },
    });
    expect(none.status).toBe(404);
    const gt = await s.call('POST', '/v1/batch_extract', {
      key: client,
      json: { task_id: 'receipt_fields_v1', images_dir: 'smoke/images', gt_path: 'smoke/gt.json' },
    });
    expect(gt.status).toBe(403);
  });
});

describe('POST /v1/batch_extract_rerun', () => {
  test('a persisted upload reruns with another task into a new run', async () => {
    const up = await postMultipart(s, '/v1/batch_extract_upload', client, [
      { name: 'task_id', value: 'receipt_fields_v1' },
      { name: 'persist_inputs', value: 'true' },
      { name: 'run_id', value: 'src-persisted' },
      { name: 'files', filename: 'one.png', type: 'image/png', bytes: makePng(16, 8, 11) },
      { name: 'files', filename: 'two.png', type: 'image/png', bytes: makePng(16, 8, 12) },
    ]);
    expect(up.body.status).toBe('succeeded');

    const res = await s.call('POST', '/v1/batch_extract_rerun', {
      key: client,
      json: { run_id: 'src-persisted', task_id: 'invoice_fields_v1', concurrency: 2, max_days: 90, new_run_id: 'rerun-1' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'succeeded',
      run_id: 'rerun-1',
      task_id: 'invoice_fields_v1',
      summary: { total: 2, ok: 2 },
    });
    const batch = await s.deps.store.getJson<any>(res.body.artifact_rel);
    expect(batch.source).toEqual({ type: 'rerun', run_id: 'src-persisted', batch_date: null, max_days: 90 });
    const source = await s.deps.store.getJson<any>(up.body.artifact_rel);
    expect(batch.items.map((i: any) => [i.file, i.input_ref])).toEqual(source.items.map((i: any) => [i.file, i.input_ref]));
    expect(batch.items[0].parsed).toHaveProperty('invoice_number');
  });

  test("the seed README's spelling works too: source_run_id for the source, run_id for the new run", async () => {
    const res = await s.call('POST', '/v1/batch_extract_rerun', {
      key: client,
      json: { source_run_id: 'src-persisted', run_id: 'rerun-seed-style', task_id: 'receipt_fields_v1', concurrency: 2 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'succeeded', run_id: 'rerun-seed-style', summary: { total: 2, ok: 2 } });
    const batch = await s.deps.store.getJson<any>(res.body.artifact_rel);
    expect(batch.source).toMatchObject({ type: 'rerun', run_id: 'src-persisted' });
  });

  test('async rerun and the low-level jobs route, with batch_date', async () => {
    const day = (await s.deps.index.get('batch', 'src-persisted'))!.day;
    for (const path of ['/v1/batch_extract_rerun_async', '/v1/jobs/batch_extract_rerun']) {
      const res = await s.call('POST', path, {
        key: client,
        json: { run_id: 'src-persisted', task_id: 'receipt_fields_v1', batch_date: day },
      });
      expect(res.status).toBe(202);
      expect((await pollJob(s, client, res.body.job_id)).status).toBe('succeeded');
    }
  });

  test('a run without persisted inputs is 409 with a clear message', async () => {
    await postMultipart(s, '/v1/batch_extract_upload', client, [
      { name: 'task_id', value: 'receipt_fields_v1' },
      { name: 'run_id', value: 'src-staged' },
      { name: 'files', filename: 'one.png', type: 'image/png', bytes: makePng(16, 8, 13) },
    ]);
    const res = await s.call('POST', '/v1/batch_extract_rerun', {
      key: client,
      json: { run_id: 'src-staged', task_id: 'receipt_fields_v1' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('persist_inputs=true');
  });

  test("an unknown source run, another key's run, or the wrong batch_date is 404; a duplicate new_run_id is 409", async () => {
    const unknown = await s.call('POST', '/v1/batch_extract_rerun', {
      key: client,
      json: { run_id: 'no-such-run', task_id: 'receipt_fields_v1' },
    });
    expect(unknown.status).toBe(404);
    const foreign = await s.call('POST', '/v1/batch_extract_rerun', {
      key: other,
      json: { run_id: 'src-persisted', task_id: 'receipt_fields_v1' },
    });
    expect(foreign.status).toBe(404);
    const wrongDay = await s.call('POST', '/v1/batch_extract_rerun', {
      key: client,
      json: { run_id: 'src-persisted', task_id: 'receipt_fields_v1', batch_date: '2001-01-01' },
    });
    expect(wrongDay.status).toBe(404);
    const dup = await s.call('POST', '/v1/batch_extract_rerun', {
      key: client,
      json: { run_id: 'src-persisted', task_id: 'receipt_fields_v1', new_run_id: 'rerun-1' },
    });
    expect(dup.status).toBe(409);
  });

  test("an admin may rerun anyone's run", async () => {
    const res = await s.call('POST', '/v1/batch_extract_rerun', {
      key: admin,
      json: { run_id: 'src-persisted', task_id: 'receipt_fields_v1' },
    });
    expect(res.status).toBe(200);
    expect(res.body.summary.total).toBe(2);
  });
});

describe('POST /v1/extract_async', () => {
  test('the job result is the sync extract response', async () => {
    const res = await s.call('POST', '/v1/extract_async', {
      key: client,
      json: { task_id: 'receipt_fields_v1', image_base64: makePng(20, 10, 5).toString('base64'), request_id: 'async-1' },
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ request_id: 'async-1', poll_url: `/v1/jobs/${res.body.job_id}` });
    const job = await pollJob(s, client, res.body.job_id);
    expect(job).toMatchObject({
      status: 'succeeded',
      kind: 'extract',
      progress: { stage: 'succeeded', total: 1, done: 1, ok: 1 },
      result: { request_id: 'async-1', schema_ok: true, artifact_rel: expect.stringMatching(/async-1\.json$/) },
    });
    expect((await s.deps.store.getJson<any>(job.result.artifact_rel)).owner_key_id).toBe(clientId);
    expect((await s.deps.store.list(`staging/${job.job_id}/`, { limit: 5 })).objects).toEqual([]);
  });

  test('bad input is refused before any job: bad base64 400, a reused request_id 409', async () => {
    const bad = await s.call('POST', '/v1/extract_async', {
      key: client,
      json: { task_id: 'receipt_fields_v1', image_base64: '%%%' },
    });
    expect(bad.status).toBe(400);
    const reused = await s.call('POST', '/v1/extract_async', {
      key: client,
      json: { task_id: 'receipt_fields_v1', image_base64: makePng().toString('base64'), request_id: 'async-1' },
    });
    expect(reused.status).toBe(409);
  });
});

describe('GET /v1/jobs', () => {
  test("lists the caller's jobs newest first, filtered by status and paginated; admins see all", async () => {
    const mine = await s.call('GET', '/v1/jobs?status=succeeded&limit=2', { key: client });
    expect(mine.status).toBe(200);
    expect(mine.body.jobs).toHaveLength(2);
    expect(mine.body.jobs.every((j: any) => j.status === 'succeeded')).toBe(true);
    expect(mine.body.jobs[0].created_at >= mine.body.jobs[1].created_at).toBe(true);
    const next = await s.call('GET', `/v1/jobs?status=succeeded&limit=2&cursor=${mine.body.next_cursor}`, { key: client });
    expect(next.body.jobs[0].job_id).not.toBe(mine.body.jobs[1].job_id);

    const theirs = await s.call('GET', '/v1/jobs', { key: other });
    expect(theirs.body.jobs).toEqual([]);
    const all = await s.call('GET', '/v1/jobs?limit=200', { key: admin });
    expect(all.body.jobs.length).toBeGreaterThan(mine.body.jobs.length);

    expect((await s.call('GET', '/v1/jobs?status=bogus', { key: client })).status).toBe(400);
    expect((await s.call('GET', '/v1/jobs?cursor=garbage', { key: client })).status).toBe(400);
    // A cursor from another owner's listing is not accepted.
    expect((await s.call('GET', `/v1/jobs?cursor=${mine.body.next_cursor}`, { key: other })).status).toBe(400);
  });

  test('cancel of a finished job is 409', async () => {
    const [job] = (await s.call('GET', '/v1/jobs?status=succeeded&limit=1', { key: client })).body.jobs;
    const res = await s.call('POST', `/v1/jobs/${job.job_id}/cancel`, { key: client });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
  });
});
