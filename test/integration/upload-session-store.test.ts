// The DynamoDB upload session store against dynalite: rows in name order, the add lease and the room it
// reserves, completing only when nothing was added meanwhile, and paging past DynamoDB's 1 MB query pages.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeDynamoClient } from '../../functions/adapters/dynamo/client.ts';
import { DynamoUploadSessionStore } from '../../functions/adapters/dynamo/upload-sessions.ts';
import type { UploadFile, UploadSession } from '../../functions/core/uploads/upload-model.ts';
import { TABLES } from '../../functions/tables.ts';
import { type Emulator, createTables, startDynalite } from '../../infra/local/emulators.ts';

let dir: string;
let dynalite: Emulator;
let store: DynamoUploadSessionStore;
let db: ReturnType<typeof makeDynamoClient>;
let n = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ocrlty-uploads-'));
  dynalite = await startDynalite(dir);
  await createTables(dynalite.endpoint, TABLES, {
    KEYS_TABLE: 'keys',
    JOBS_TABLE: 'jobs',
    ARTIFACTS_TABLE: 'artifacts',
    UPLOADS_TABLE: 'uploads',
  });
  db = makeDynamoClient({
    region: 'us-east-1',
    endpointUrl: dynalite.endpoint,
    keysTable: '',
    jobsTable: '',
    artifactsTable: '',
    uploadsTable: '',
  });
  store = new DynamoUploadSessionStore(db, 'uploads');
});
afterAll(async () => {
  db.destroy();
  await dynalite.close();
  rmSync(dir, { recursive: true, force: true });
});

const session = (over: Partial<UploadSession> = {}): UploadSession => {
  const uploadId = `upl_${String(++n).padStart(24, '0')}`;
  return {
    uploadId,
    ownerKeyId: 'alice',
    persistInputs: false,
    objectPrefix: `staging/${uploadId}/`,
    createdAt: '2026-11-23T10:00:00.000Z',
    expiresAt: '2026-11-24T10:00:00.000Z',
    fileCount: 0,
    status: 'open',
    version: 0,
    ...over,
  };
};
const row = (name: string, size = 10): UploadFile => ({
  name,
  mimeType: 'image/png',
  sizeBytes: size,
  addedAt: '2026-11-23T10:00:00.000Z',
});
const NOW = '2026-11-23T10:00:05.000Z';
const LEASE = '2026-11-23T10:01:05.000Z';

describe('DynamoUploadSessionStore', () => {
  test('a created session reads back whole, its files in UTF-8 name order, each row with a TTL a day after the end', async () => {
    const s = session({ fileCount: 4 });
    await store.create(s, [row('b.png'), row('a/x.png'), row('\u00e9.png'), row('Z.png')]);

    expect(await store.get(s.uploadId)).toEqual(s);
    expect((await store.listFiles(s.uploadId)).map((f) => f.name)).toEqual(['Z.png', 'a/x.png', 'b.png', '\u00e9.png']);
    const out = await db.send(new GetCommand({ TableName: 'uploads', Key: { pk: `upload#${s.uploadId}`, sk: 'file#b.png' } }));
    expect(out.Item?.purge_at).toBe(Date.parse('2026-11-25T10:00:00.000Z') / 1000);
    await expect(store.create(s, [])).rejects.toMatchObject({ name: 'ConflictError' });
  });

  test('an add takes the lease and reserves room; a second add meanwhile is busy; ending gives the lease back', async () => {
    const s = session({ fileCount: 1 });
    await store.create(s, [row('a.png')]);

    expect(await store.beginAdd(s.uploadId, { count: 2, maxFiles: 10, now: NOW, leaseUntil: LEASE })).toBe('ok');
    expect(await store.beginAdd(s.uploadId, { count: 1, maxFiles: 10, now: NOW, leaseUntil: LEASE })).toBe('busy');
    expect(await store.putNewFiles(s, [row('b.png'), row('c.png')])).toEqual({ existing: [] });
    await store.endAdd(s.uploadId, { leaseUntil: LEASE, release: 0 });

    expect(await store.get(s.uploadId)).toMatchObject({ fileCount: 3, version: 1 });
    expect((await store.get(s.uploadId))?.addLeaseUntil).toBeUndefined();
    expect((await store.listFiles(s.uploadId)).map((f) => f.name)).toEqual(['a.png', 'b.png', 'c.png']);
  });

  test('names already there: nothing is written and ending the add releases the room', async () => {
    const s = session({ fileCount: 1 });
    await store.create(s, [row('a.png')]);
    await store.beginAdd(s.uploadId, { count: 2, maxFiles: 10, now: NOW, leaseUntil: LEASE });

    expect(await store.putNewFiles(s, [row('new.png'), row('a.png')])).toEqual({ existing: ['a.png'] });
    await store.endAdd(s.uploadId, { leaseUntil: LEASE, release: 2 });

    expect((await store.listFiles(s.uploadId)).map((f) => f.name)).toEqual(['a.png']);
    expect(await store.get(s.uploadId)).toMatchObject({ fileCount: 1 });
  });

  test('no room under the cap is "full"; a completed or expired session is "closed"; an expired lease is taken over', async () => {
    const full = session({ fileCount: 9 });
    const done = session({ status: 'completed' });
    const old = session({ expiresAt: '2026-11-23T10:00:00.000Z' });
    const stale = session({ addLeaseUntil: '2026-11-23T10:00:01.000Z' });
    for (const s of [full, done, old, stale]) await store.create(s, []);

    expect(await store.beginAdd(full.uploadId, { count: 2, maxFiles: 10, now: NOW, leaseUntil: LEASE })).toBe('full');
    expect(await store.beginAdd(done.uploadId, { count: 1, maxFiles: 10, now: NOW, leaseUntil: LEASE })).toBe('closed');
    expect(await store.beginAdd(old.uploadId, { count: 1, maxFiles: 10, now: NOW, leaseUntil: LEASE })).toBe('closed');
    expect(await store.beginAdd(stale.uploadId, { count: 1, maxFiles: 10, now: NOW, leaseUntil: LEASE })).toBe('ok');
  });

  test('complete succeeds once, only at the version it read and with no lease held', async () => {
    const s = session();
    await store.create(s, [row('a.png')]);
    const completion = { jobId: 'job_1', runId: 'run_1', taskId: 't', bodyHash: 'h', completedAt: NOW };
    await store.beginAdd(s.uploadId, { count: 1, maxFiles: 10, now: NOW, leaseUntil: LEASE });

    expect(await store.markCompleted(s.uploadId, completion, { version: 1, now: NOW })).toBe(false); // lease held
    await store.endAdd(s.uploadId, { leaseUntil: LEASE, release: 1 });
    expect(await store.markCompleted(s.uploadId, completion, { version: 0, now: NOW })).toBe(false); // an add since
    expect(await store.markCompleted(s.uploadId, completion, { version: 1, now: NOW })).toBe(true);
    expect(await store.markCompleted(s.uploadId, completion, { version: 1, now: NOW })).toBe(false);
    expect(await store.get(s.uploadId)).toMatchObject({ status: 'completed', completion });
  });

  test('pages of files cross DynamoDB 1 MB query pages without losing or repeating a file', async () => {
    const s = session();
    const long = (i: number) => `${'d'.repeat(800)}/${String(i).padStart(5, '0')}.png`;
    const all = Array.from({ length: 1500 }, (_, i) => row(long(i)));
    await store.create(s, all);

    const first = await store.pageFiles(s.uploadId, { limit: 1000 });
    const second = await store.pageFiles(s.uploadId, { limit: 1000, afterName: first.files.at(-1)!.name });

    expect(first.files).toHaveLength(1000);
    expect(first.more).toBe(true);
    expect(second).toMatchObject({ more: false });
    expect([...first.files, ...second.files].map((f) => f.name)).toEqual(all.map((f) => f.name));
  });
});
