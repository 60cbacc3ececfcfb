// Issue 9 #1: a glob that makes a backtracking regex run for minutes is matched in linear time, so the
// request answers and the API (same process in local mode) keeps serving /health meanwhile.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { TINY_JPEG, makePng } from '../support/images.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { putDataFiles } from '../support/batch.ts';

let s: TestStack;
let client: string;

beforeAll(async () => {
  s = await startTestStack();
  ({ apiKey: client } = await s.newKey('client'));
  await putDataFiles(s, {
    'dos/receipt_0001.png': makePng(16, 8, 1),
    'dos/receipt_0002_long_name.jpg': TINY_JPEG,
    'dos/sub/receipt_0003_even_longer_name.png': makePng(16, 8, 2),
  });
});
afterAll(async () => s.close());

// Twelve `{*,*}` then a letter no key ends with: a regex backtracks through 2^12 ways of splitting each
// name per position (over a minute on the old matcher with three keys).
const PATHOLOGICAL = `${'{*,*}'.repeat(12)}Q`;

test('a pathological glob answers (no match) while /health keeps answering', async () => {
  const batch = s.call('POST', '/v1/batch_extract_async', {
    key: client,
    json: { task_id: 'receipt_fields_v1', images_dir: 'dos', glob: PATHOLOGICAL },
  });
  const started = Date.now();
  const health = await s.call('GET', '/health');
  const healthMs = Date.now() - started;
  const res = await batch;
  expect(health.status).toBe(200);
  // A generous bound (the sub-second target is in bench/glob.ts): the old matcher blocked for minutes.
  expect(healthMs).toBeLessThan(15_000);
  expect(res.status).toBe(404);
  expect(res.body.error.code).toBe('not_found');
});

test('ordinary globs still select the same images', async () => {
  const res = await s.call('POST', '/v1/batch_extract_async', {
    key: client,
    json: { task_id: 'receipt_fields_v1', images_dir: 'dos', glob: '{*,sub/*}_000{1,3}*.png' },
  });
  expect(res.status).toBe(202);
});
