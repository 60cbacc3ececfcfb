// The read routes' security matrix (DEBUG_MODE=1): every route × {owner, other client, debugger, admin,
// no key, revoked key} → the expected status, and no response body carrying another owner's data.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makePng } from '../support/images.ts';
import { putDataFiles } from '../support/batch.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { png, revokedKey, uploadRun } from '../support/runs.ts';

type Who = 'owner' | 'other' | 'debugger' | 'admin' | 'nokey' | 'revoked';
const WHO: Who[] = ['owner', 'other', 'debugger', 'admin', 'nokey', 'revoked'];

let s: TestStack;
const keys: Partial<Record<Who, string>> = {};
let ownerId: string;
let secret: { raw: string; merchant: string; extractRel: string; batchRel: string; evalId: string; evalRel: string };

beforeAll(async () => {
  s = await startTestStack({ DEBUG_MODE: '1', SYNC_WAIT_S: '20' });
  // The owner may run evals (debug:run) but not read raw model text.
  let k = await s.newKey('client', { scopes: ['extract:run', 'debug:run'] });
  keys.owner = k.apiKey;
  ownerId = k.keyId;
  keys.other = (await s.newKey('client')).apiKey;
  keys.debugger = (await s.newKey('debugger')).apiKey;
  keys.admin = (await s.newKey('admin')).apiKey;
  keys.revoked = await revokedKey(s);
  // The debugger has artifacts of its own, so its listings are not empty by accident.
  await s.call('POST', '/v1/extract', {
    key: keys.debugger,
    json: { task_id: 'receipt_fields_v1', image_base64: makePng(16, 8, 77).toString('base64'), request_id: 'sec-dbg' },
  });

  const ex = await s.call('POST', '/v1/extract', {
    key: keys.owner,
    json: { task_id: 'receipt_fields_v1', image_base64: makePng(16, 8, 66).toString('base64'), request_id: 'sec-x' },
  });
  expect(ex.status).toBe(200);
  await putDataFiles(s, { 'gt/sec.json': Buffer.from(JSON.stringify([{ file: 'p.png', total: '1.00' }])) });
  await uploadRun(s, keys.owner!, 'sec-run', [png('p.png', 55)]);
  const ev = await s.call('POST', '/v1/runs/sec-run/eval', { key: keys.owner, json: { gt_path: 'gt/sec.json' } });
  expect(ev.status).toBe(201);
  const stored = await s.deps.store.getJson<any>(ex.body.artifact_rel);
  secret = {
    raw: stored.raw_model_text,
    merchant: stored.parsed.merchant_name,
    extractRel: ex.body.artifact_rel,
    batchRel: (await s.deps.index.get('batch', 'sec-run'))!.rel,
    evalId: ev.body.eval_id,
    evalRel: ev.body.artifact_rel,
  };
});
afterAll(async () => s.close());

async function as(who: Who, method: string, path: string, json?: unknown) {
  return s.call(method, path, {
    ...(keys[who] ? { key: keys[who] } : {}),
    ...(json !== undefined ? { json } : {}),
    // backup.tar.gz answers JSON only when asked; otherwise it redirects to the archive.
    headers: { accept: 'application/json' },
  });
}

/** Statuses per caller: owner, other client, debugger, admin, no key, revoked key. */
type Row = [
  method: string,
  label: string,
  path: () => string,
  statuses: [number, number, number, number, number, number],
  body?: unknown,
];

const ROWS: Row[] = [
  ['GET', '/v1/runs/sec-run', () => '/v1/runs/sec-run', [200, 404, 404, 200, 401, 401]],
  ['GET', '/v1/runs/sec-run/items', () => '/v1/runs/sec-run/items', [200, 404, 404, 200, 401, 401]],
  ['GET', '/v1/runs/sec-run/items?status=ok', () => '/v1/runs/sec-run/items?status=ok', [200, 404, 404, 200, 401, 401]],
  ['GET', '/v1/extracts/sec-x', () => '/v1/extracts/sec-x', [200, 404, 404, 200, 401, 401]],
  [
    'GET',
    '/v1/artifacts?ref=<extract ref>',
    () => `/v1/artifacts?ref=${encodeURIComponent(secret.extractRel)}`,
    [200, 404, 404, 200, 401, 401],
  ],
  [
    'GET',
    '/v1/artifacts?ref=<batch ref>',
    () => `/v1/artifacts?ref=${encodeURIComponent(secret.batchRel)}`,
    [200, 404, 404, 200, 401, 401],
  ],
  // Eval refs and routes need debug:run first (403 says nothing about existence), then ownership.
  [
    'GET',
    '/v1/artifacts?ref=<eval ref>',
    () => `/v1/artifacts?ref=${encodeURIComponent(secret.evalRel)}`,
    [200, 403, 404, 200, 401, 401],
  ],
  ['GET', '/v1/evals/<eval_id>', () => `/v1/evals/${secret.evalId}`, [200, 403, 404, 200, 401, 401]],
  ['POST', '/v1/runs/sec-run/eval', () => '/v1/runs/sec-run/eval', [201, 403, 404, 201, 401, 401], { gt_path: 'gt/sec.json' }],
  ['GET', '/v1/debug/artifacts/sec-x', () => '/v1/debug/artifacts/sec-x', [403, 403, 404, 200, 401, 401]],
  ['GET', '/v1/debug/artifacts/sec-x/raw', () => '/v1/debug/artifacts/sec-x/raw', [403, 403, 404, 200, 401, 401]],
  ['GET', '/v1/debug/artifacts', () => '/v1/debug/artifacts', [403, 403, 200, 200, 401, 401]],
  ['GET', '/v1/debug/artifacts?kind=batch', () => '/v1/debug/artifacts?kind=batch', [403, 403, 200, 200, 401, 401]],
  ['GET', '/v1/debug/artifacts?kind=eval', () => '/v1/debug/artifacts?kind=eval', [403, 403, 200, 200, 401, 401]],
  ['GET', '/v1/debug/artifacts/backup.tar.gz', () => '/v1/debug/artifacts/backup.tar.gz', [403, 403, 200, 200, 401, 401]],
  ['GET', '/v1/runs', () => '/v1/runs', [200, 200, 200, 200, 401, 401]],
];

const CODES: Record<number, string> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' };

describe.each(ROWS)('%s %s', (method, _label, path, statuses, body) => {
  test.each(WHO.map((who, i) => [who, statuses[i]!] as const))('as %s → %i', async (who, status) => {
    const res = await as(who, method, path(), body);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    const text = JSON.stringify(res.body);
    if (status >= 400) expect(res.body.error.code).toBe(CODES[status]);
    if (who !== 'owner' && who !== 'admin') {
      // Nothing of the owner's: not its key id, its model text, its fields or its refs.
      for (const leak of [ownerId, secret.raw, secret.merchant, secret.extractRel, secret.batchRel, secret.evalRel]) {
        expect(text).not.toContain(leak);
      }
    }
  });
});

describe('what each caller sees', () => {
  test('raw_model_text reaches only keys with debug:read_raw', async () => {
    expect((await as('owner', 'GET', '/v1/extracts/sec-x')).body.raw_model_text).toBeNull();
    expect((await as('admin', 'GET', '/v1/extracts/sec-x')).body.raw_model_text).toBe(secret.raw);
    expect((await as('admin', 'GET', '/v1/debug/artifacts/sec-x/raw')).body.raw_model_text).toBe(secret.raw);
  });

  test('run lists: the owner and an admin see the run, others do not', async () => {
    const ids = async (who: Who) => (await as(who, 'GET', '/v1/runs?limit=200')).body.runs.map((r: any) => r.run_id);
    expect(await ids('owner')).toEqual(['sec-run']);
    expect(await ids('other')).toEqual([]);
    expect(await ids('debugger')).toEqual([]);
    expect(await ids('admin')).toContain('sec-run');
  });

  test('debug listings and backups of a debugger hold only its own artifacts; an admin’s hold the owner’s too', async () => {
    const listed = (await as('debugger', 'GET', '/v1/debug/artifacts')).body.artifacts.map((a: any) => a.id);
    expect(listed).toEqual(['sec-dbg']);
    expect((await as('debugger', 'GET', '/v1/debug/artifacts/backup.tar.gz')).body.entries).toEqual([
      expect.stringMatching(/\/sec-dbg\.json$/),
    ]);
    const adminListed = (await as('admin', 'GET', '/v1/debug/artifacts?limit=1000')).body.artifacts.map((a: any) => a.id);
    expect(adminListed).toEqual(expect.arrayContaining(['sec-x', 'sec-dbg', 'sec-run_000000']));
  });
});
