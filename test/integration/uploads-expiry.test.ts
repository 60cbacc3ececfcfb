// Upload sessions past UPLOAD_SESSION_TTL_S on the local stack: s3rver refuses a PUT to an expired URL (URLs
// never outlive their session), and every route answers 410 upload_expired — dynalite has no TTL, so the
// expiry is decided on each read.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makePng } from '../support/images.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { complete, createSession, declare, putTo, uploadAll } from '../support/uploads.ts';

const TTL_S = 3;
let s: TestStack;
let client: string;

beforeAll(async () => {
  s = await startTestStack({ UPLOAD_SESSION_TTL_S: String(TTL_S), S3_PRESIGN_TTL_S: '900' });
  ({ apiKey: client } = await s.newKey('client'));
});
afterAll(async () => s.close());

describe('an expired upload session', () => {
  test('a PUT after expiry is refused by the bucket, and every route answers 410', async () => {
    const files = [
      { name: 'early.png', bytes: makePng(16, 8, 1) },
      { name: 'late.png', bytes: makePng(16, 8, 2) },
    ];
    const session = await createSession(s, client, files);
    expect(Number(new URL(session.files[0].upload_url).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(TTL_S);
    await uploadAll(session, [files[0]!]);
    await new Promise((r) => setTimeout(r, Date.parse(session.expires_at) - Date.now() + 1100));

    const late = await putTo(session.files[1], files[1]!.bytes);
    const id = session.upload_id;
    const answers = await Promise.all([
      s.call('GET', `/v1/uploads/${id}`, { key: client }),
      s.call('POST', `/v1/uploads/${id}/files`, {
        key: client,
        json: { files: declare([{ name: 'x.png', bytes: Buffer.alloc(3) }]) },
      }),
      complete(s, client, id, { task_id: 'receipt_fields_v1', run_id: 'exp-run' }),
      s.call('POST', '/v1/extract', { key: client, json: { task_id: 'receipt_fields_v1', upload_id: id, name: 'early.png' } }),
      s.call('POST', '/v1/extract_async', {
        key: client,
        json: { task_id: 'receipt_fields_v1', upload_id: id, name: 'early.png' },
      }),
    ]);

    expect(late.status).toBe(403);
    expect(await late.text()).toContain('expired');
    expect(await s.deps.store.getBytes(`staging/${id}/late.png`)).toBeUndefined();
    for (const res of answers) {
      expect(res.status).toBe(410);
      expect(res.body.error).toMatchObject({
        code: 'upload_expired',
        details: { upload_id: id, expires_at: session.expires_at },
      });
    }
    expect(await s.deps.index.get('batch', 'exp-run')).toBeUndefined();
    expect((await s.deps.uploads.get(id))?.status).toBe('open');
  });
});
