// Ground truth with a batch (debug mode): a GT file uploaded with the images or a gt_path under the data
// root is staged, carried by the job, and FinalizeBatch evaluates the run; the summary lands in the batch
// artifact and the job result, the eval artifact in the bucket.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { makePng } from '../support/images.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { pollJob, postMultipart, putDataFiles } from '../support/batch.ts';

let s: TestStack;
let debuggerKey: string;
let client: string;

beforeAll(async () => {
  s = await startTestStack({ DEBUG_MODE: '1', SYNC_WAIT_S: '10', LOCAL_WORKFLOW_RETRY_MS: '5' });
  ({ apiKey: debuggerKey } = await s.newKey('debugger'));
  ({ apiKey: client } = await s.newKey('client'));
  await putDataFiles(s, {
    'evalset/images/r1.png': makePng(16, 8, 21),
    'evalset/images/r2.png': makePng(16, 8, 22),
    'evalset/gt.json': Buffer.from(
      JSON.stringify([
        { file: 'r1.png', fields: { currency: 'USD' } },
        { file: 'images/r2.png', fields: { currency: 'USD' } },
      ]),
    ),
  });
});
afterAll(async () => s.close());

test('an uploaded gt file is evaluated at finalize and the staged copy is removed', async () => {
  const gt = [
    { file: 'a.png', fields: { currency: 'USD' } },
    { file: 'b.png', fields: { currency: 'EUR' } },
  ];
  const res = await postMultipart(s, '/v1/batch_extract_upload', debuggerKey, [
    { name: 'task_id', value: 'receipt_fields_v1' },
    { name: 'run_id', value: 'eval-up' },
    { name: 'files', filename: 'a.png', type: 'image/png', bytes: makePng(16, 8, 31) },
    { name: 'files', filename: 'b.png', type: 'image/png', bytes: makePng(16, 8, 32) },
    { name: 'gt', filename: 'gt.json', type: 'application/json', bytes: Buffer.from(JSON.stringify(gt)) },
  ]);
  expect(res.status).toBe(200);
  expect(res.body.eval).toMatchObject({ gt_records: 2, matched: 2, eval_id: expect.stringMatching(/^eval_/) });
  const batch = await s.deps.store.getJson<any>(res.body.artifact_rel);
  expect(batch.eval).toEqual(res.body.eval);
  const evalArtifact = await s.deps.store.getJson<any>(res.body.eval.artifact_rel);
  expect(evalArtifact).toMatchObject({ kind: 'eval', run_id: 'eval-up', gt: { records: 2 } });
  expect((await s.deps.store.list('staging/eval-up/', { limit: 5 })).objects).toEqual([]);
});

test('gt_path under the data root works for a server-side batch; escaping it is 400', async () => {
  const res = await s.call('POST', '/v1/batch_extract', {
    key: debuggerKey,
    json: { task_id: 'receipt_fields_v1', images_dir: 'evalset/images', gt_path: 'evalset/gt.json', gt_image_key: 'file' },
  });
  expect(res.status).toBe(200);
  expect(res.body.eval).toMatchObject({ gt_records: 2, matched: 2 });
  const job = await pollJob(s, debuggerKey, res.body.job_id);
  expect(job.result.eval.eval_id).toBe(res.body.eval.eval_id);

  const escape = await s.call('POST', '/v1/batch_extract', {
    key: debuggerKey,
    json: { task_id: 'receipt_fields_v1', images_dir: 'evalset/images', gt_path: '../gt.json' },
  });
  expect(escape.status).toBe(400);
  const missing = await s.call('POST', '/v1/batch_extract', {
    key: debuggerKey,
    json: { task_id: 'receipt_fields_v1', images_dir: 'evalset/images', gt_path: 'evalset/none.json' },
  });
  expect(missing.status).toBe(404);
});

test('a key without debug:run gets 403 for gt even in debug mode', async () => {
  const res = await s.call('POST', '/v1/batch_extract', {
    key: client,
    json: { task_id: 'receipt_fields_v1', images_dir: 'evalset/images', gt_path: 'evalset/gt.json' },
  });
  expect(res.status).toBe(403);
});

test('a GT whose gt_image_key matches no record answers with a top-level gt_no_match warning', async () => {
  await putDataFiles(s, {
    'evalset/gt-by-image.json': Buffer.from(JSON.stringify([{ image: 'r1.png', fields: { currency: 'USD' } }])),
  });
  const res = await s.call('POST', '/v1/batch_extract', {
    key: debuggerKey,
    json: { task_id: 'receipt_fields_v1', images_dir: 'evalset/images', gt_path: 'evalset/gt-by-image.json' },
  });
  expect(res.status).toBe(200);
  expect(res.body.eval).toMatchObject({ gt_records: 0, matched: 0 });
  expect(res.body.warnings).toEqual([
    { code: 'gt_no_match', message: expect.stringContaining('No ground-truth record has "file" (gt_image_key)') },
  ]);
  expect(res.body.warnings[0].message).toContain('under "image"');
  const job = await pollJob(s, debuggerKey, res.body.job_id);
  expect(job.result.warnings).toEqual(res.body.warnings);

  // Evaluating the run again with the right key matches, and warns of nothing.
  const again = await s.call('POST', `/v1/runs/${res.body.run_id}/eval`, {
    key: debuggerKey,
    json: { gt_path: 'evalset/gt-by-image.json', gt_image_key: 'image' },
  });
  expect(again.status).toBe(201);
  expect(again.body).toMatchObject({ gt_records: 1, matched: 1, warnings: [] });
});

test('a GT whose names match none of the run’s files warns on POST /v1/runs/{run_id}/eval too', async () => {
  await putDataFiles(s, {
    'evalset/gt-other.json': Buffer.from(JSON.stringify([{ file: 'elsewhere/zzz.png', fields: { currency: 'USD' } }])),
  });
  const run = await s.call('POST', '/v1/batch_extract', {
    key: debuggerKey,
    json: { task_id: 'receipt_fields_v1', images_dir: 'evalset/images' },
  });
  expect(run.body.warnings).toEqual([]);
  const res = await s.call('POST', `/v1/runs/${run.body.run_id}/eval`, {
    key: debuggerKey,
    json: { gt_path: 'evalset/gt-other.json' },
  });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ gt_records: 1, matched: 0 });
  expect(res.body.warnings).toEqual([
    { code: 'gt_no_match', message: expect.stringContaining('None of the 1 ground-truth records') },
  ]);
  const evalArtifact = await s.deps.store.getJson<any>(res.body.artifact_rel);
  expect(evalArtifact.warnings).toEqual(res.body.warnings);
});
