// Runs for a UI on the local stack: runs listed from the artifact index both ways with cursors, the full
// batch artifact, and server-side pagination of a run's items with a status filter.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { allPages, png, textFile, uploadRun } from '../support/runs.ts';

let s: TestStack;
let owner: string;
let ownerId: string;
let other: string;
let admin: string;

beforeAll(async () => {
  s = await startTestStack({ SYNC_WAIT_S: '20', LOCAL_WORKFLOW_RETRY_MS: '5' });
  ({ apiKey: owner, keyId: ownerId } = await s.newKey('client'));
  ({ apiKey: other } = await s.newKey('client'));
  ({ apiKey: admin } = await s.newKey('admin'));
  // Three runs of the owner (one with failures), one of another client; created one after the other.
  await uploadRun(s, owner, 'runs-a', [png('a0.png', 1), png('a1.png', 2)]);
  await uploadRun(s, owner, 'runs-b', [
    png('b0.png', 3),
    textFile('b1.txt'),
    png('b2.png', 4),
    textFile('b3.txt'),
    png('b4.png', 5),
  ]);
  await uploadRun(s, owner, 'runs-c', [png('c0.png', 6)]);
  await uploadRun(s, other, 'runs-other', [png('o0.png', 7)]);
});
afterAll(async () => s.close());

describe('GET /v1/runs', () => {
  test('pages through the owner runs newest first with no duplicate or missing run', async () => {
    const { rows, pages } = await allPages(s, owner, '/v1/runs?limit=2', 'runs');
    expect(rows.map((r) => r.run_id)).toEqual(['runs-c', 'runs-b', 'runs-a']);
    expect(pages).toBe(2);
    expect(rows[0]).toMatchObject({
      run_id: 'runs-c',
      task_id: 'receipt_fields_v1',
      status: 'succeeded',
      outcome: 'succeeded',
      counts: { total: 1, ok: 1, err: 0, canceled: 0 },
      owner_key_id: ownerId,
      artifact_rel: expect.stringMatching(/^batches\/\d{4}-\d{2}-\d{2}\/runs-c\.json$/),
    });
  });

  test('pages oldest first with sort=asc, one run per page', async () => {
    const { rows, pages } = await allPages(s, owner, '/v1/runs?limit=1&sort=asc', 'runs');
    expect(rows.map((r) => r.run_id)).toEqual(['runs-a', 'runs-b', 'runs-c']);
    expect(pages).toBe(3);
  });

  test('the last page has no cursor', async () => {
    const res = await s.call('GET', '/v1/runs?limit=3', { key: owner });
    expect(res.body.runs).toHaveLength(3);
    expect(res.body.next_cursor).toBeNull();
  });

  test('another client sees only its own run; an admin sees every run', async () => {
    expect((await allPages(s, other, '/v1/runs', 'runs')).rows.map((r) => r.run_id)).toEqual(['runs-other']);
    const all = (await allPages(s, admin, '/v1/runs?sort=asc&limit=3', 'runs')).rows.map((r) => r.run_id);
    expect(all).toEqual(['runs-a', 'runs-b', 'runs-c', 'runs-other']);
  });

  test('a tampered cursor, or one of another listing, is a 400', async () => {
    const first = await s.call('GET', '/v1/runs?limit=1', { key: owner });
    const cursor = first.body.next_cursor as string;
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const forged = Buffer.from(
      JSON.stringify({ ...decoded, gsi1pk: decoded.gsi1pk.replace(ownerId, 'someone') }),
      'utf8',
    ).toString('base64url');
    for (const bad of [forged, 'not-base64-json', Buffer.from('[]').toString('base64url')]) {
      const res = await s.call('GET', `/v1/runs?cursor=${bad}`, { key: owner });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_error');
    }
    // The owner's cursor is not a cursor of another client's listing.
    expect((await s.call('GET', `/v1/runs?cursor=${cursor}`, { key: other })).status).toBe(400);
  });

  test('bad limit and sort values are 400', async () => {
    for (const q of ['limit=0', 'limit=201', 'limit=abc', 'sort=up', 'order=asc']) {
      expect((await s.call('GET', `/v1/runs?${q}`, { key: owner })).status).toBe(400);
    }
  });
});

describe('GET /v1/runs/{run_id}', () => {
  test('answers the full batch artifact', async () => {
    const res = await s.call('GET', '/v1/runs/runs-b', { key: owner });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      kind: 'batch',
      run_id: 'runs-b',
      owner_key_id: ownerId,
      summary: { total: 5, ok: 3, err: 2 },
    });
    expect(res.body.items.map((i: any) => [i.file, i.status])).toEqual([
      ['b0.png', 'ok'],
      ['b1.txt', 'error'],
      ['b2.png', 'ok'],
      ['b3.txt', 'error'],
      ['b4.png', 'ok'],
    ]);
    for (const item of res.body.items) {
      for (const field of [
        'parsed',
        'schema_valid',
        'schema_errors',
        'error',
        'error_history',
        'file',
        'request_id',
        'input_ref',
        'artifact_rel',
      ]) {
        expect(item).toHaveProperty(field);
      }
    }
  });

  test('is a 404 for an unknown run', async () => {
    const res = await s.call('GET', '/v1/runs/no-such-run', { key: owner });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('GET /v1/runs/{run_id}/items', () => {
  test('pages every item in order', async () => {
    const { rows, pages } = await allPages(s, owner, '/v1/runs/runs-b/items?limit=2', 'items');
    expect(rows.map((i) => i.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(rows[0]).toMatchObject({
      file: 'b0.png',
      status: 'ok',
      request_id: 'runs-b_000000',
      schema_valid: true,
      error: null,
      error_history: [],
      schema_errors: [],
      artifact_rel: expect.stringMatching(/^extracts\//),
    });
    expect(rows[0].parsed).toHaveProperty('total');
  });

  test('filters by status on the server, page by page', async () => {
    const errors = await allPages(s, owner, '/v1/runs/runs-b/items?status=error&limit=1', 'items');
    expect(errors.rows.map((i) => [i.seq, i.file, i.error.code])).toEqual([
      [1, 'b1.txt', 'invalid_input'],
      [3, 'b3.txt', 'invalid_input'],
    ]);
    const oks = await allPages(s, owner, '/v1/runs/runs-b/items?status=ok&limit=2', 'items');
    expect(oks.rows.map((i) => i.seq)).toEqual([0, 2, 4]);
  });

  test('the page body says which run and filter it is', async () => {
    const res = await s.call('GET', '/v1/runs/runs-b/items?status=ok&limit=10', { key: owner });
    expect(res.body).toMatchObject({ run_id: 'runs-b', status: 'ok', next_cursor: null });
    expect(res.body.items).toHaveLength(3);
  });

  test('a page that ends exactly on the last item has no next_cursor (no empty last page)', async () => {
    const oks = await s.call('GET', '/v1/runs/runs-b/items?status=ok&limit=3', { key: owner });
    expect(oks.body.items).toHaveLength(3);
    expect(oks.body.next_cursor).toBeNull();
    const all = await s.call('GET', '/v1/runs/runs-b/items?limit=5', { key: owner });
    expect(all.body.items).toHaveLength(5);
    expect(all.body.next_cursor).toBeNull();
  });

  test('a cursor of another run or another filter is a 400', async () => {
    const page = await s.call('GET', '/v1/runs/runs-b/items?limit=1', { key: owner });
    const cursor = page.body.next_cursor;
    expect((await s.call('GET', `/v1/runs/runs-a/items?cursor=${cursor}`, { key: owner })).status).toBe(400);
    expect((await s.call('GET', `/v1/runs/runs-b/items?status=error&cursor=${cursor}`, { key: owner })).status).toBe(400);
  });

  test('an unknown status is a 400', async () => {
    expect((await s.call('GET', '/v1/runs/runs-b/items?status=broken', { key: owner })).status).toBe(400);
  });
});

describe('a run still in progress', () => {
  test('is listed as running; its artifact is a 409 until FinalizeBatch writes it; its items are readable', async () => {
    const { apiKey, keyId } = await s.newKey('client');
    // The index row PrepareBatch's job creation writes (claimRun), before any artifact exists.
    await s.deps.index.claim(
      {
        kind: 'batch',
        id: 'runs-pending',
        ownerKeyId: keyId,
        rel: 'batches/2026-11-23/runs-pending.json',
        day: '2026-11-23',
        createdAt: new Date().toISOString(),
        status: 'pending',
        taskId: 'receipt_fields_v1',
      },
      { overwrite: false },
    );
    const list = await s.call('GET', '/v1/runs', { key: apiKey });
    expect(list.body.runs).toEqual([expect.objectContaining({ run_id: 'runs-pending', status: 'running' })]);
    const run = await s.call('GET', '/v1/runs/runs-pending', { key: apiKey });
    expect(run.status).toBe(409);
    expect(run.body.error).toMatchObject({ code: 'conflict', details: { run_id: 'runs-pending', status: 'running' } });
    const items = await s.call('GET', '/v1/runs/runs-pending/items', { key: apiKey });
    expect(items.body).toEqual({ run_id: 'runs-pending', status: null, items: [], next_cursor: null });
    // Still invisible to anyone else.
    expect((await s.call('GET', '/v1/runs/runs-pending', { key: owner })).status).toBe(404);
  });
});
