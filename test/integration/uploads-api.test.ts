// Presigned uploads end to end on the local stack, driven like a client over HTTP: create a session, PUT
// each file to its URL with plain fetch (straight to s3rver, never through a function), complete, poll the
// job, read the run — then look in the bucket and the tables.
import { readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makePhotoJpeg } from '../support/documents.ts';
import { makePng } from '../support/images.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { pollJob } from '../support/batch.ts';
import { type LocalFile, complete, createSession, declare, putTo, uploadAll } from '../support/uploads.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'documents');
let s: TestStack;
let client: string;
let clientId: string;
let other: string;

beforeAll(async () => {
  s = await startTestStack({ JOBS_PROGRESS_MIN_SECONDS: '0', LOCAL_WORKFLOW_RETRY_MS: '5', MAX_INPUT_FILE_BYTES: '12000000' });
  ({ apiKey: client, keyId: clientId } = await s.newKey('client'));
  ({ apiKey: other } = await s.newKey('client'));
});
afterAll(async () => s.close());

const pngs = (n: number, prefix = 'r'): LocalFile[] =>
  Array.from({ length: n }, (_, i) => ({ name: `${prefix}/receipt_${i}.png`, bytes: makePng(16, 8, i) }));
const task = { task_id: 'receipt_fields_v1' };
const staged = async (prefix: string) => (await s.deps.store.list(prefix, { limit: 100 })).objects.map((o) => o.rel);

describe('an upload session from create to run', () => {
  test('create → PUT to each URL → complete → poll → run details; staged objects are gone after the run', async () => {
    const files = pngs(3);
    const session = await createSession(s, client, files);
    expect(session.files.map((f: any) => [f.name, f.input_ref, f.method])).toEqual(
      files.map((f) => [f.name, `staging/${session.upload_id}/${f.name}`, 'PUT']),
    );
    expect(new URL(session.files[0].upload_url).origin).toBe(s.stack.env.S3_ENDPOINT_URL);

    await uploadAll(session, files);
    const view = await s.call('GET', `/v1/uploads/${session.upload_id}`, { key: client });
    expect(view.body.files.map((f: any) => f.status)).toEqual(['uploaded', 'uploaded', 'uploaded']);

    const res = await complete(s, client, session.upload_id, { ...task, run_id: 'pre-run-1', concurrency: 2 });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      job_id: expect.stringMatching(/^job_/),
      poll_url: `/v1/jobs/${res.body.job_id}`,
      run_id: 'pre-run-1',
    });

    const job = await pollJob(s, client, res.body.job_id);
    expect(job).toMatchObject({ status: 'succeeded', kind: 'batch_upload', progress: { total: 3, ok: 3, err: 0 } });
    const run = await s.call('GET', '/v1/runs/pre-run-1', { key: client });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({
      run_id: 'pre-run-1',
      owner_key_id: clientId,
      source: { type: 'upload_session', upload_id: session.upload_id, persist_inputs: false, files: 3 },
    });
    expect(run.body.items.map((i: any) => [i.file, i.status, i.input_ref])).toEqual(
      files.map((f) => [f.name, 'ok', `staging/${session.upload_id}/${f.name}`]),
    );

    expect(await staged(`staging/${session.upload_id}/`)).toEqual([]);
    expect(await s.deps.uploads.get(session.upload_id)).toMatchObject({
      status: 'completed',
      ownerKeyId: clientId,
      completion: { jobId: res.body.job_id, runId: 'pre-run-1' },
    });
    expect((await s.deps.runItems.listAll('pre-run-1')).map((r) => r.file)).toEqual(files.map((f) => f.name));
    expect((await s.deps.jobs.get(res.body.job_id))?.inputs).toBeUndefined();
  });

  test('with persist_inputs the objects land under inputs/<day>/upload_<id>/, stay after the run, and can be rerun', async () => {
    const files = pngs(2, 'keep');
    const session = await createSession(s, client, files, { persist_inputs: true });
    const day = new Date().toISOString().slice(0, 10);
    expect(session.files[0].input_ref).toBe(`inputs/${day}/upload_${session.upload_id}/keep/receipt_0.png`);
    await uploadAll(session, files);

    const res = await complete(s, client, session.upload_id, { ...task, run_id: 'pre-keep' });
    expect((await pollJob(s, client, res.body.job_id)).status).toBe('succeeded');

    expect(await staged(`inputs/${day}/upload_${session.upload_id}/`)).toEqual(session.files.map((f: any) => f.input_ref));
    const rerun = await s.call('POST', '/v1/batch_extract_rerun_async', {
      key: client,
      json: { run_id: 'pre-keep', task_id: 'invoice_fields_v1', new_run_id: 'pre-keep-again' },
    });
    expect(rerun.status).toBe(202);
    const again = await pollJob(s, client, rerun.body.job_id);
    expect(again).toMatchObject({ status: 'succeeded', progress: { total: 2, ok: 2 } });
  });

  test('a 9.6 MB phone photo, a 2-page PDF invoice and an iPhone HEIC go through one session: never in a request body', async () => {
    const files: LocalFile[] = [
      { name: 'phone/IMG_0001.jpg', bytes: await makePhotoJpeg({ width: 4800, height: 3600, quality: 98 }), mime: 'image/jpeg' },
      { name: 'mail/invoice.pdf', bytes: readFileSync(join(FIXTURES, 'invoice.pdf')), mime: 'application/pdf' },
      { name: 'phone/IMG_0002.heic', bytes: readFileSync(join(FIXTURES, 'receipt-iphone.heic')), mime: 'image/heic' },
    ];
    expect(files[0]!.bytes.length).toBeGreaterThan(9_000_000);
    const session = await createSession(s, client, files);
    await uploadAll(session, files);

    const res = await complete(s, client, session.upload_id, { ...task, run_id: 'pre-docs' });
    const job = await pollJob(s, client, res.body.job_id, undefined, 120_000);

    expect(job).toMatchObject({ status: 'succeeded', progress: { total: 3, ok: 3, err: 0 } });
    const byFile = new Map<string, any>();
    for (const item of await s.deps.runItems.listAll('pre-docs')) {
      byFile.set(item.file, await s.deps.store.getJson<any>(item.artifactRel!));
    }
    expect(byFile.get('phone/IMG_0001.jpg').input).toMatchObject({
      byte_length: files[0]!.bytes.length,
      original: { mime_type: 'image/jpeg', width: 4800, height: 3600, pages: 1 },
    });
    expect(byFile.get('mail/invoice.pdf').input.original).toMatchObject({ mime_type: 'application/pdf', pages: 2 });
    expect(byFile.get('mail/invoice.pdf').input.sent).toHaveLength(2);
    expect(byFile.get('phone/IMG_0002.heic').input.original).toMatchObject({ mime_type: 'image/heic' });
  });

  test('a file whose bytes are not an image becomes an invalid_input item; the run goes on', async () => {
    const files: LocalFile[] = [
      { name: 'good.png', bytes: makePng(16, 8, 9) },
      { name: 'fake.png', bytes: Buffer.from('plain text pretending to be a PNG') },
    ];
    const session = await createSession(s, client, files);
    await uploadAll(session, files);

    const res = await complete(s, client, session.upload_id, { ...task, run_id: 'pre-mixed' });
    const job = await pollJob(s, client, res.body.job_id);

    expect(job).toMatchObject({ status: 'succeeded', progress: { ok: 1, err: 1 } });
    const items = await s.call('GET', '/v1/runs/pre-mixed/items?status=error', { key: client });
    expect(items.body.items.map((i: any) => [i.file, i.error.code])).toEqual([['fake.png', 'invalid_input']]);
  });

  test('a browser can PUT from the UI origin, not from another: s3rver has the CORS rule local mode gives it', async () => {
    const files = pngs(1, 'cors');
    const session = await createSession(s, client, files);
    const preflight = (origin: string) =>
      fetch(session.files[0].upload_url, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' },
      });

    const ui = await preflight(new URL(s.url).origin);
    const foreign = await preflight('https://elsewhere.example');
    const put = await putTo(session.files[0], files[0]!.bytes, { Origin: new URL(s.url).origin });

    // s3rver answers a matched rule with "*" (R2 echoes the origin); a foreign origin matches no rule.
    expect(ui.status).toBe(200);
    expect(ui.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(ui.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(foreign.status).toBe(403);
    expect(put.status).toBe(200);
    expect(put.headers.get('access-control-allow-origin')).not.toBeNull();
  });
});

describe('completing: what is refused', () => {
  test('one file missing and one of another size: 400 naming each, nothing started; after re-uploading it completes', async () => {
    const files = pngs(3, 'partial');
    const session = await createSession(s, client, files);
    await uploadAll(session, [files[0]!]);
    // s3rver does not check signed headers (R2 does): a body of another length gets in, complete catches it.
    expect((await putTo(session.files[2], Buffer.concat([files[2]!.bytes, Buffer.from('x')]))).status).toBe(200);

    const res = await complete(s, client, session.upload_id, { ...task, run_id: 'pre-partial' });

    expect(res.status).toBe(400);
    expect(res.body.error.details.problems).toEqual([
      { name: 'partial/receipt_1.png', problem: 'missing', declared_bytes: files[1]!.bytes.length },
      {
        name: 'partial/receipt_2.png',
        problem: 'size_mismatch',
        declared_bytes: files[2]!.bytes.length,
        uploaded_bytes: files[2]!.bytes.length + 1,
      },
    ]);
    expect(await s.deps.index.get('batch', 'pre-partial')).toBeUndefined();
    expect((await s.deps.uploads.get(session.upload_id))?.status).toBe('open');
    const view = await s.call('GET', `/v1/uploads/${session.upload_id}`, { key: client });
    expect(view.body.files.map((f: any) => [f.status, f.uploaded_bytes ?? null, Boolean(f.upload_url)])).toEqual([
      ['uploaded', null, false],
      ['pending', null, true],
      ['pending', files[2]!.bytes.length + 1, true],
    ]);

    await uploadAll(view.body, [files[1]!, files[2]!]);
    const retry = await complete(s, client, session.upload_id, { ...task, run_id: 'pre-partial' });
    expect(retry.status).toBe(202);
    expect((await pollJob(s, client, retry.body.job_id)).status).toBe('succeeded');
  });

  test('an object that arrived after the session ended is refused as late (its arrival time moved past the end)', async () => {
    const files = pngs(1, 'late');
    const session = await createSession(s, client, files);
    await uploadAll(session, files);
    // With one clock this cannot happen on s3rver; R2's clock is another. s3rver reports a file's mtime as
    // LastModified, so the test moves that one object's arrival past the session's end.
    const key = session.files[0].input_ref as string;
    const parts = key.split('/');
    const path = join(s.stack.dataDir, 's3', s.deps.config.s3.bucket, ...parts.slice(0, -1), `${parts.at(-1)}._S3rver_object`);
    const after = new Date(Math.ceil(Date.parse(session.expires_at) / 1000) * 1000 + 60_000); // LastModified has whole seconds
    utimesSync(path, after, after);

    const res = await complete(s, client, session.upload_id, task);

    expect(res.status).toBe(400);
    expect(res.body.error.details.problems).toEqual([
      expect.objectContaining({ name: files[0]!.name, problem: 'late', arrived_at: after.toISOString() }),
    ]);
  });

  test('with no file uploaded: 400 listing them all', async () => {
    const session = await createSession(s, client, pngs(2, 'none'));

    const res = await complete(s, client, session.upload_id, task);

    expect(res.status).toBe(400);
    expect(res.body.error.details).toMatchObject({ files: 2, problem_count: 2 });
  });

  test('complete again with the same body gives the same 202; with another body a 409', async () => {
    const files = pngs(1, 'twice');
    const session = await createSession(s, client, files);
    await uploadAll(session, files);
    const first = await complete(s, client, session.upload_id, task);

    const again = await complete(s, client, session.upload_id, task);
    const changed = await complete(s, client, session.upload_id, { ...task, concurrency: 3 });

    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(changed.status).toBe(409);
    expect(changed.body.error).toMatchObject({ code: 'conflict', details: { job_id: first.body.job_id } });
    await pollJob(s, client, first.body.job_id);
    expect(
      (await s.call('GET', '/v1/jobs', { key: client })).body.jobs.filter((j: any) => j.run_id === first.body.run_id),
    ).toHaveLength(1);
  });

  test('a completed session takes no more files (409)', async () => {
    const files = pngs(1, 'closed');
    const session = await createSession(s, client, files);
    await uploadAll(session, files);
    const done = await complete(s, client, session.upload_id, task);

    const add = await s.call('POST', `/v1/uploads/${session.upload_id}/files`, {
      key: client,
      json: { files: declare(pngs(1, 'late')) },
    });

    expect(add.status).toBe(409);
    await pollJob(s, client, done.body.job_id);
  });
});

describe('sessions are their owner’s', () => {
  test("another key's upload_id is a 404 on every route, and an unknown or malformed one too", async () => {
    const session = await createSession(s, client, pngs(1, 'mine'));
    const id = session.upload_id;

    for (const [method, path, json] of [
      ['GET', `/v1/uploads/${id}`, undefined],
      ['POST', `/v1/uploads/${id}/files`, { files: declare(pngs(1, 'x')) }],
      ['POST', `/v1/uploads/${id}/complete`, task],
    ] as const) {
      const res = await s.call(method, path, { key: other, ...(json ? { json } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    for (const path of ['/v1/extract', '/v1/extract_async']) {
      const res = await s.call('POST', path, { key: other, json: { ...task, upload_id: id, name: 'mine/receipt_0.png' } });
      expect(res.status, path).toBe(404);
    }
    expect((await s.call('GET', '/v1/uploads/upl_000000000000000000000000', { key: client })).status).toBe(404);
    expect((await s.call('GET', '/v1/uploads/not-an-id', { key: client })).status).toBe(404);
  });

  test('the upload routes need extract:run', async () => {
    const { apiKey } = await s.newKey('client', { scopes: [] });

    const res = await s.call('POST', '/v1/uploads', { key: apiKey, json: { files: declare(pngs(1)) } });

    expect(res.status).toBe(403);
  });
});

describe('creating and adding: bad input is a clear 4xx and nothing is stored', () => {
  const post = (json: unknown) => s.call('POST', '/v1/uploads', { key: client, json });
  const one = (over: Record<string, unknown>) => ({
    files: [{ name: 'a.png', mime_type: 'image/png', size_bytes: 10, ...over }],
  });

  test.each([
    ['empty files', { files: [] }, 400, 'validation_error'],
    ['no files field', {}, 400, 'validation_error'],
    ['a path separator going up', one({ name: '../a.png' }), 400, 'validation_error'],
    ['an absolute path', one({ name: '/etc/a.png' }), 400, 'validation_error'],
    ['a backslash', one({ name: 'dir\\a.png' }), 400, 'validation_error'],
    ['a control character', one({ name: 'a\u0007.png' }), 400, 'validation_error'],
    ['size 0', one({ size_bytes: 0 }), 400, 'validation_error'],
    ['a negative size', one({ size_bytes: -1 }), 400, 'validation_error'],
    ['a non-integer size', one({ size_bytes: 10.5 }), 400, 'validation_error'],
    ['a size over MAX_INPUT_FILE_BYTES', one({ size_bytes: 12_000_001 }), 413, 'payload_too_large'],
    ['a type we do not accept', one({ mime_type: 'application/zip' }), 415, 'unsupported_media_type'],
    ['an unknown field', { ...one({}), callback_url: 'https://x' }, 400, 'validation_error'],
  ])('%s → %s %s', async (_what, body, status, code) => {
    const res = await post(body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  test('duplicate names after normalisation: 400 naming them', async () => {
    const res = await post({ files: [...declare(pngs(1, 'd')), { ...declare(pngs(1, 'd'))[0], name: 'd//./receipt_0.png' }] });

    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('"d//./receipt_0.png" has the same name as files[0] ("d/receipt_0.png")');
  });

  test('more than 1,000 files in one call: 413 too_many_files, a small error body', async () => {
    const files = Array.from({ length: 5000 }, (_, i) => ({ name: `../${i}`, mime_type: 'x', size_bytes: -1 }));

    const res = await post({ files });

    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('too_many_files');
    expect(JSON.stringify(res.body).length).toBeLessThan(2000);
  });

  test('adding files: 1,000 more come with their URLs; a name the session has is a 400 and adds nothing', async () => {
    const session = await createSession(s, client, pngs(1, 'grow'));
    const more = Array.from({ length: 1000 }, (_, i) => ({ name: `grow/more_${i}.png`, mime_type: 'image/png', size_bytes: 10 }));

    const added = await s.call('POST', `/v1/uploads/${session.upload_id}/files`, { key: client, json: { files: more } });
    const dup = await s.call('POST', `/v1/uploads/${session.upload_id}/files`, {
      key: client,
      json: { files: [{ name: 'grow/new.png', mime_type: 'image/png', size_bytes: 5 }, more[7]] },
    });

    expect(added.status).toBe(201);
    expect(added.body.file_count).toBe(1001);
    expect(added.body.files.filter((f: any) => f.upload_url)).toHaveLength(1000);
    expect(dup.status).toBe(400);
    expect(dup.body.error.message).toBe('"grow/more_7.png" is already in this upload');
    expect((await s.deps.uploads.listFiles(session.upload_id)).length).toBe(1001);
    const page = await s.call('GET', `/v1/uploads/${session.upload_id}?limit=600`, { key: client });
    const next = await s.call('GET', `/v1/uploads/${session.upload_id}?limit=600&cursor=${page.body.cursor}`, { key: client });
    expect([page.body.files.length, next.body.files.length, next.body.cursor]).toEqual([600, 401, null]);
  });

  test('adding a file over MAX_INPUT_FILE_BYTES is a 413; a cursor or limit that is not valid is a 400', async () => {
    const session = await createSession(s, client, pngs(1, 'bounds'));

    const big = await s.call('POST', `/v1/uploads/${session.upload_id}/files`, {
      key: client,
      json: { files: [{ name: 'bounds/huge.png', mime_type: 'image/png', size_bytes: 12_000_001 }] },
    });
    const badCursor = await s.call('GET', `/v1/uploads/${session.upload_id}?cursor=bm90LWEtbmFtZS8`, { key: client });
    const badLimit = await s.call('GET', `/v1/uploads/${session.upload_id}?limit=1001`, { key: client });

    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
    expect([badCursor.status, badLimit.status]).toEqual([400, 400]);
  });
});

describe('/v1/extract and /v1/extract_async with {upload_id, name}', () => {
  test('the sync extract reads the uploaded file where it is; the artifact points at it', async () => {
    const files = [{ name: 'one/big.png', bytes: makePng(1200, 1200, 5, true) }];
    expect(files[0]!.bytes.length).toBeGreaterThan(4_300_000);
    const session = await createSession(s, client, files, { persist_inputs: true });
    await uploadAll(session, files);

    const res = await s.call('POST', '/v1/extract', {
      key: client,
      json: { ...task, upload_id: session.upload_id, name: 'one/big.png' },
    });

    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const artifact = await s.deps.store.getJson<any>(res.body.artifact_rel);
    expect(artifact.input).toMatchObject({
      input_ref: session.files[0].input_ref,
      file: 'one/big.png',
      byte_length: files[0]!.bytes.length,
    });
  });

  test('extract_async runs a job over the uploaded file without copying it', async () => {
    const files = pngs(1, 'async');
    const session = await createSession(s, client, files);
    await uploadAll(session, files);

    const res = await s.call('POST', '/v1/extract_async', {
      key: client,
      json: { ...task, upload_id: session.upload_id, name: files[0]!.name },
    });
    const job = await pollJob(s, client, res.body.job_id);

    expect(job.status).toBe('succeeded');
    expect(job.result.error).toBeNull();
    expect(await staged(`staging/${res.body.job_id}/`)).toEqual([]);
  });

  test('a declared file not yet uploaded is a 400; a name the session lacks is a 404; upload_id without name is a 400', async () => {
    const session = await createSession(s, client, pngs(1, 'nope'));

    const pending = await s.call('POST', '/v1/extract', {
      key: client,
      json: { ...task, upload_id: session.upload_id, name: 'nope/receipt_0.png' },
    });
    const unknown = await s.call('POST', '/v1/extract', {
      key: client,
      json: { ...task, upload_id: session.upload_id, name: 'other.png' },
    });
    const half = await s.call('POST', '/v1/extract', { key: client, json: { ...task, upload_id: session.upload_id } });

    expect([pending.status, unknown.status, half.status]).toEqual([400, 404, 400]);
    expect(pending.body.error.message).toContain('was not uploaded');
  });
});
