// Evaluation against ground truth on the local stack (DEBUG_MODE=1): a GT file sent with an upload, and a
// finished run evaluated again with a GT file under the data root; metrics computed by hand from the mock's
// known outputs (the mock model is deterministic per image bytes).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LibraryDocumentDecoder } from '../../functions/adapters/images/decoder.ts';
import { MockModelClient } from '../../functions/adapters/model/mock.ts';
import { loadTaskCatalog } from '../../functions/adapters/task-files.ts';
import { checkInput } from '../../functions/core/images/image.ts';
import { normaliseForTask } from '../../functions/core/images/pipeline.ts';
import { makePng } from '../support/images.ts';
import { putDataFiles } from '../support/batch.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { uploadRun } from '../support/runs.ts';

let s: TestStack;
let evaluator: string;
let evaluatorId: string;
let client: string;
let other: string;
let admin: string;
let runResult: any;

const images = { 'a.png': makePng(16, 8, 101), 'b.png': makePng(16, 8, 102), 'd.png': makePng(16, 8, 104) };
const known: Record<string, any> = {};

/** The mock's answer for an image: what the run's items will hold as `parsed` (it reads the sent pages). */
async function mockOutput(bytes: Buffer): Promise<any> {
  const task = loadTaskCatalog().get('receipt_fields_v1');
  const pipeline = {
    decoder: new LibraryDocumentDecoder(),
    context: { maxModelLen: 4096, maxTokens: 1024, minPageTokens: 640, maxDocumentPages: 8 },
    maxImagePixels: 5e7,
  };
  const doc = await normaliseForTask(pipeline, checkInput(bytes, undefined, { maxImageBytes: 1e7 }), task);
  const answer = await new MockModelClient().complete({ task, pages: doc.pages, requestId: 'x' });
  return JSON.parse(answer.text);
}

const dmy = (iso: string) => iso.split('-').reverse().join('.');

/**
 * a.png: every field right in another format; b.png: total a cent off (within tolerance), date and merchant
 * wrong; c.txt: the item failed, so its total is missing; z.png: GT only; d.png: run only.
 */
function groundTruth(): Array<Record<string, unknown>> {
  const a = known['a.png'];
  const b = known['b.png'];
  return [
    {
      file: 'scans/a.png',
      fields: {
        total: String(a.total).replace('.', ','),
        date: dmy(a.date),
        currency: a.currency.toLowerCase(),
        merchant_name: a.merchant_name.toUpperCase(),
      },
    },
    {
      file: 'b.png',
      fields: { total: (b.total + 0.01).toFixed(2), date: '1999-01-01', currency: b.currency, merchant_name: 'Nowhere Shop' },
    },
    { file: 'c.txt', fields: { total: '1.00' } },
    { file: 'z.png', fields: { total: '5.00' } },
  ];
}

const EXPECTED_SUMMARY = {
  gt_records: 4,
  matched: 3,
  unmatched_gt: 1,
  unmatched_run: 1,
  exact_match_rate: 0.3333,
  field_accuracy: 0.6667, // 6 of 9 compared fields
  mismatches: 3,
  fields: {
    currency: { support: 2, accuracy: 1, coverage: 1 },
    date: { support: 2, accuracy: 0.5, coverage: 1 },
    merchant_name: { support: 2, accuracy: 0.5, coverage: 1 },
    total: { support: 3, accuracy: 0.6667, coverage: 0.6667 },
  },
};

beforeAll(async () => {
  s = await startTestStack({ DEBUG_MODE: '1', SYNC_WAIT_S: '20' });
  ({ apiKey: evaluator, keyId: evaluatorId } = await s.newKey('client', { scopes: ['extract:run', 'debug:run'] }));
  ({ apiKey: client } = await s.newKey('client'));
  ({ apiKey: other } = await s.newKey('debugger'));
  ({ apiKey: admin } = await s.newKey('admin'));
  for (const [name, bytes] of Object.entries(images)) known[name] = await mockOutput(bytes);
  // The hand-made GT relies on b's total and date differing from what it says.
  expect(known['b.png'].date).not.toBe('1999-01-01');
  const files = [
    { name: 'files', filename: 'a.png', type: 'image/png', bytes: images['a.png'] },
    { name: 'files', filename: 'b.png', type: 'image/png', bytes: images['b.png'] },
    { name: 'files', filename: 'c.txt', type: 'text/plain', bytes: Buffer.from('not an image') },
    { name: 'files', filename: 'd.png', type: 'image/png', bytes: images['d.png'] },
  ];
  const gt = { name: 'gt', filename: 'gt.json', type: 'application/json', bytes: Buffer.from(JSON.stringify(groundTruth())) };
  runResult = await uploadRun(s, evaluator, 'ev-run', files, [gt]);
});
afterAll(async () => s.close());

describe('eval with an upload’s GT file', () => {
  test('the run summary carries the metrics computed by hand', () => {
    expect(runResult.eval).toEqual({
      eval_id: expect.stringMatching(/^eval_/),
      artifact_rel: expect.stringMatching(/^evals\/\d{4}-\d{2}-\d{2}\/eval_.+\.json$/),
      ...EXPECTED_SUMMARY,
      warnings: [],
    });
    expect(runResult.warnings).toEqual([]);
  });

  test('the batch artifact and the job keep the eval summary', async () => {
    const run = await s.call('GET', '/v1/runs/ev-run', { key: evaluator });
    expect(run.body.eval).toEqual(runResult.eval);
    const job = await s.call('GET', `/v1/jobs/${runResult.job_id}`, { key: evaluator });
    expect(job.body.result.eval).toEqual(runResult.eval);
  });

  test('GET /v1/evals/{eval_id} gives the eval artifact with unmatched files and every mismatch', async () => {
    const res = await s.call('GET', `/v1/evals/${runResult.eval.eval_id}`, { key: evaluator });
    expect(res.status).toBe(200);
    const b = known['b.png'];
    expect(res.body).toMatchObject({
      kind: 'eval',
      eval_id: runResult.eval.eval_id,
      run_id: 'ev-run',
      owner_key_id: evaluatorId,
      gt: { image_key: 'file', records: 4 },
      metrics: { matched: 3, exact_match_rate: 0.3333, field_accuracy: 0.6667 },
      unmatched: { gt: ['z.png'], run: ['d.png'] },
    });
    expect(res.body.metrics.fields.total).toEqual({ support: 3, correct: 2, predicted: 2, accuracy: 0.6667, coverage: 0.6667 });
    expect(res.body.mismatches.map((m: any) => [m.file, m.field, m.reason, m.expected, m.predicted])).toEqual([
      ['b.png', 'date', 'different', '1999-01-01', b.date],
      ['b.png', 'merchant_name', 'different', 'Nowhere Shop', b.merchant_name],
      ['c.txt', 'total', 'item_error', '1.00', null],
    ]);
    expect(res.body.records.map((r: any) => [r.file, r.exact])).toEqual([
      ['a.png', true],
      ['b.png', false],
      ['c.txt', false],
    ]);
    const row = await s.deps.index.get('eval', runResult.eval.eval_id);
    expect(row).toMatchObject({
      kind: 'eval',
      ownerKeyId: evaluatorId,
      runId: 'ev-run',
      status: 'ok',
      rel: runResult.eval.artifact_rel,
    });
  });
});

describe('POST /v1/runs/{run_id}/eval', () => {
  test('evaluates a finished run again with a GT file under the data root, another image key and {records}', async () => {
    const records = groundTruth().map(({ file, fields }) => ({ image: file, ...(fields as object) }));
    await putDataFiles(s, { 'gt/ev-run.json': Buffer.from(JSON.stringify({ records })) });
    const res = await s.call('POST', '/v1/runs/ev-run/eval', {
      key: evaluator,
      json: { gt_path: 'gt/ev-run.json', gt_image_key: 'image' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({
      eval_id: expect.stringMatching(/^eval_/),
      run_id: 'ev-run',
      artifact_rel: expect.any(String),
      ...EXPECTED_SUMMARY,
      warnings: [],
    });
    expect(res.body.eval_id).not.toBe(runResult.eval.eval_id);
    const again = await s.call('GET', `/v1/evals/${res.body.eval_id}`, { key: evaluator });
    expect(again.body.gt).toMatchObject({ rel: 'data/gt/ev-run.json', image_key: 'image' });
    // The run's own artifact is not rewritten.
    expect((await s.call('GET', '/v1/runs/ev-run', { key: evaluator })).body.eval.eval_id).toBe(runResult.eval.eval_id);
  });

  test('an admin may evaluate any run', async () => {
    await putDataFiles(s, { 'gt/one.json': Buffer.from(JSON.stringify([{ file: 'a.png', total: known['a.png'].total }])) });
    const res = await s.call('POST', '/v1/runs/ev-run/eval', { key: admin, json: { gt_path: 'gt/one.json' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ matched: 1, exact_match_rate: 1, unmatched_run: 3 });
  });

  test('bad requests get their 4xx', async () => {
    await putDataFiles(s, { 'gt/broken.json': Buffer.from('{not json'), 'gt/shape.json': Buffer.from('{"items": []}') });
    const cases: Array<[string, unknown, number]> = [
      ['/v1/runs/ev-run/eval', { gt_path: '../outside.json' }, 400],
      ['/v1/runs/ev-run/eval', { gt_path: '/etc/passwd' }, 400],
      ['/v1/runs/ev-run/eval', { gt_path: 'gt/missing.json' }, 404],
      ['/v1/runs/ev-run/eval', { gt_path: 'gt/broken.json' }, 400],
      ['/v1/runs/ev-run/eval', { gt_path: 'gt/shape.json' }, 400],
      ['/v1/runs/ev-run/eval', { gt_path: 'gt/one.json', extra: 1 }, 400],
      ['/v1/runs/ev-run/eval', {}, 400],
      ['/v1/runs/no-such-run/eval', { gt_path: 'gt/one.json' }, 404],
    ];
    for (const [path, json, status] of cases) {
      const res = await s.call('POST', path, { key: evaluator, json });
      expect(res.status, `${JSON.stringify(json)} ${JSON.stringify(res.body)}`).toBe(status);
    }
  });

  test('another owner gets 404 and a key without debug:run gets 403', async () => {
    expect((await s.call('POST', '/v1/runs/ev-run/eval', { key: other, json: { gt_path: 'gt/one.json' } })).status).toBe(404);
    expect((await s.call('GET', `/v1/evals/${runResult.eval.eval_id}`, { key: other })).status).toBe(404);
    expect((await s.call('POST', '/v1/runs/ev-run/eval', { key: client, json: { gt_path: 'gt/one.json' } })).status).toBe(403);
    expect((await s.call('GET', `/v1/evals/${runResult.eval.eval_id}`, { key: client })).status).toBe(403);
  });
});
