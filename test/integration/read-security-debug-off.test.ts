// With DEBUG_MODE=0 the debug and eval routes do not exist for anyone: every key gets the same 404 a missing
// route gets (no key still 401, as API Gateway's authorizer answers first); the other read routes still work.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BatchArtifact } from '../../functions/core/batch/batch-artifact.ts';
import { makePng } from '../support/images.ts';
import { putDataFiles } from '../support/batch.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { png, revokedKey, uploadRun } from '../support/runs.ts';

let s: TestStack;
const keys: Record<string, string | undefined> = {};
let evalId: string;
let evalRel: string;

beforeAll(async () => {
  s = await startTestStack({ DEBUG_MODE: '0', SYNC_WAIT_S: '20' });
  keys.owner = (await s.newKey('client', { scopes: ['extract:run', 'debug:run', 'debug:read_raw'] })).apiKey;
  keys.other = (await s.newKey('client')).apiKey;
  keys.debugger = (await s.newKey('debugger')).apiKey;
  keys.admin = (await s.newKey('admin')).apiKey;
  keys.revoked = await revokedKey(s);
  keys.nokey = undefined;
  const ex = await s.call('POST', '/v1/extract', {
    key: keys.owner,
    json: { task_id: 'receipt_fields_v1', image_base64: makePng(16, 8, 5).toString('base64'), request_id: 'off-x' },
  });
  expect(ex.status).toBe(200);
  await uploadRun(s, keys.owner!, 'off-run', [png('p.png', 9)]);
  // An eval that exists (made through the core, as FinalizeBatch would): still invisible without debug mode.
  await putDataFiles(s, { 'gt/off.json': Buffer.from(JSON.stringify([{ file: 'p.png', total: '1' }])) });
  const entry = (await s.deps.index.get('batch', 'off-run'))!;
  const batch = (await s.deps.store.getJson<BatchArtifact>(entry.rel))!;
  const out = await s.deps.evaluator!.evaluate({
    runId: 'off-run',
    ownerKeyId: entry.ownerKeyId,
    batch,
    gtRel: 'data/gt/off.json',
    gtImageKey: 'file',
  });
  evalId = out.evalId;
  evalRel = out.artifactRel;
});
afterAll(async () => s.close());

const DEBUG_ROUTES: Array<[string, () => string, unknown?]> = [
  ['GET', () => '/v1/debug/artifacts'],
  ['GET', () => '/v1/debug/artifacts/off-x'],
  ['GET', () => '/v1/debug/artifacts/off-x/raw'],
  ['GET', () => '/v1/debug/artifacts/backup.tar.gz'],
  ['GET', () => `/v1/evals/${evalId}`],
  ['POST', () => '/v1/runs/off-run/eval', { gt_path: 'gt/off.json' }],
];

describe.each(DEBUG_ROUTES)('%s %s with DEBUG_MODE=0', (method, path, json) => {
  test.each(['owner', 'other', 'debugger', 'admin'])('is 404 for %s, as a route that does not exist', async (who) => {
    const res = await s.call(method, path(), { key: keys[who]!, ...(json ? { json } : {}) });
    expect(res.status).toBe(404);
    expect(res.body.error).toEqual({ code: 'not_found', message: `No route for ${method} ${path().split('?')[0]}` });
  });

  test.each(['nokey', 'revoked'])('is 401 for %s', async (who) => {
    const res = await s.call(method, path(), { ...(keys[who] ? { key: keys[who] } : {}), ...(json ? { json } : {}) });
    expect(res.status).toBe(401);
  });
});

describe('other read routes with DEBUG_MODE=0', () => {
  test('an eval ref is a 404 even for an admin', async () => {
    for (const who of ['owner', 'admin']) {
      expect((await s.call('GET', `/v1/artifacts?ref=${encodeURIComponent(evalRel)}`, { key: keys[who]! })).status).toBe(404);
    }
  });

  test('runs and drill-down work, raw text still only for debug:read_raw', async () => {
    expect((await s.call('GET', '/v1/runs/off-run', { key: keys.owner! })).status).toBe(200);
    expect((await s.call('GET', '/v1/extracts/off-x', { key: keys.owner! })).body.raw_model_text).toEqual(expect.any(String));
    expect((await s.call('GET', '/v1/extracts/off-x', { key: keys.admin! })).body.raw_model_text).toEqual(expect.any(String));
    expect((await s.call('GET', '/v1/extracts/off-x', { key: keys.other! })).status).toBe(404);
  });

  test('path traversal in ids is a 404', async () => {
    for (const path of [
      '/v1/runs/..%2Foff-run',
      '/v1/runs/off-run%2F..%2F..%2Fkeys/items',
      '/v1/extracts/..',
      '/v1/extracts/off-x%00',
    ]) {
      const res = await s.call('GET', path, { key: keys.admin! });
      expect(res.status, path).toBe(404);
    }
  });
});
