// Upload sessions with in-memory ports: names, declared files, creating, adding files and reading a
// session page by page — what is refused, what is stored, and what is signed.
import { describe, expect, test } from 'vitest';
import type { Principal } from '../../functions/core/auth/api-keys.ts';
import type { AppError } from '../../functions/core/errors.ts';
import { DOCUMENT_MIME_TYPES } from '../../functions/core/images/sniff.ts';
import { normaliseUploadName } from '../../functions/core/uploads/names.ts';
import {
  type UploadDeps,
  addUploadFiles,
  createUploadSession,
  decodeFilesCursor,
  encodeFilesCursor,
  getUploadSession,
} from '../../functions/core/uploads/sessions.ts';
import { FakePresigner, ListingBucket, MemoryUploadSessionStore, movableClock, recordingLogger } from './upload-fakes.ts';

const alice: Principal = { keyId: 'alice', role: 'client', scopes: ['extract:run'] };
const bob: Principal = { keyId: 'bob', role: 'client', scopes: ['extract:run'] };
const admin: Principal = { keyId: 'root', role: 'admin', scopes: ['admin', 'extract:run'] };

function prepare(settings: Partial<UploadDeps['settings']> = {}) {
  const clock = movableClock();
  const logger = recordingLogger();
  const deps = {
    uploads: new MemoryUploadSessionStore(),
    presigner: new FakePresigner(),
    store: new ListingBucket(),
    clock,
    logger,
    settings: { maxSessionFiles: 10_000, maxInputFileBytes: 25_000_000, sessionTtlS: 86_400, presignTtlS: 900, ...settings },
  };
  return { deps, clock, logger };
}

const file = (name: string, size = 1000, mime = 'image/jpeg') => ({ name, mime_type: mime, size_bytes: size });
const files = (n: number, prefix = 'f') =>
  Array.from({ length: n }, (_, i) => file(`${prefix}${String(i).padStart(5, '0')}.jpg`));

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a refusal');
}

describe('upload names', () => {
  test('relative paths with slashes are kept, empty and "." segments dropped, Unicode in NFC', () => {
    expect(normaliseUploadName('2026/11/receipt.jpg')).toEqual({ ok: true, name: '2026/11/receipt.jpg' });
    expect(normaliseUploadName('a//./b.png')).toEqual({ ok: true, name: 'a/b.png' });
    expect(normaliseUploadName('cafe\u0301.jpg')).toEqual({ ok: true, name: 'caf\u00e9.jpg' });
  });

  test.each([
    ['../etc/passwd', '".." is not allowed'],
    ['a/../../b.jpg', '".." is not allowed'],
    ['/abs.jpg', 'absolute paths'],
    ['dir\\file.jpg', 'backslashes'],
    ['bad\u0000name.jpg', 'control characters'],
    ['tab\tname.jpg', 'control characters'],
    ['folder/', 'not "/"'],
    ['', 'a name is required'],
    ['./', 'not "/"'],
    [`${'x'.repeat(509)}.jpg`, 'longer than 512 characters'],
    [`${'я'.repeat(460)}.jpg`, 'longer than 900 UTF-8 bytes'],
  ])('%j is refused (%s)', (name, reason) => {
    const checked = normaliseUploadName(name);
    expect(checked.ok).toBe(false);
    expect(checked.ok ? '' : checked.reason).toContain(reason);
  });
});

describe('POST /v1/uploads: creating a session', () => {
  test('each file gets its input_ref under staging/<upload_id>/ and a PUT URL signed for its type and length', async () => {
    const { deps } = prepare();

    const view = await createUploadSession(deps, alice, { files: [file('b.jpg', 1234), file('a/c.png', 99, 'image/png')] });

    expect(view.upload_id).toMatch(/^upl_[0-9a-f]{24}$/);
    expect(view).toMatchObject({ status: 'open', persist_inputs: false, file_count: 2, expires_at: '2026-11-24T10:00:00.000Z' });
    expect(view.files.map((f) => [f.name, f.input_ref, f.method])).toEqual([
      ['b.jpg', `staging/${view.upload_id}/b.jpg`, 'PUT'],
      ['a/c.png', `staging/${view.upload_id}/a/c.png`, 'PUT'],
    ]);
    expect(view.files[0]!.headers).toEqual({ 'Content-Type': 'image/jpeg', 'Content-Length': '1234' });
    expect(deps.presigner.signed).toEqual([
      { rel: `staging/${view.upload_id}/b.jpg`, contentType: 'image/jpeg', contentLength: 1234, ttlS: 900 },
      { rel: `staging/${view.upload_id}/a/c.png`, contentType: 'image/png', contentLength: 99, ttlS: 900 },
    ]);
    expect(await deps.uploads.listFiles(view.upload_id)).toHaveLength(2);
  });

  test('with persist_inputs the objects go straight to inputs/<day>/upload_<upload_id>/ (the ref is final)', async () => {
    const { deps } = prepare();

    const view = await createUploadSession(deps, alice, { files: [file('x.jpg')], persist_inputs: true });

    expect(view.files[0]!.input_ref).toBe(`inputs/2026-11-23/upload_${view.upload_id}/x.jpg`);
    expect((await deps.uploads.get(view.upload_id))?.objectPrefix).toBe(`inputs/2026-11-23/upload_${view.upload_id}/`);
  });

  test('a URL never outlives its session: its TTL is S3_PRESIGN_TTL_S or what is left of the session', async () => {
    const { deps } = prepare({ sessionTtlS: 60, presignTtlS: 900 });

    await createUploadSession(deps, alice, { files: [file('x.jpg')] });

    expect(deps.presigner.signed[0]!.ttlS).toBe(60);
  });

  test('jpg spellings are normalised: the URL is signed for image/jpeg, the type the client must send', async () => {
    const { deps } = prepare();

    const view = await createUploadSession(deps, alice, { files: [file('x.jpg', 10, 'IMAGE/JPG')] });

    expect(view.files[0]).toMatchObject({ mime_type: 'image/jpeg', headers: { 'Content-Type': 'image/jpeg' } });
  });

  test('no files is a 400 and more than 1,000 in one call a 413 too_many_files', async () => {
    const { deps } = prepare();

    expect(await refusal(createUploadSession(deps, alice, { files: [] }))).toMatchObject({ statusCode: 400 });
    expect(await refusal(createUploadSession(deps, alice, { files: files(1001) }))).toMatchObject({
      statusCode: 413,
      code: 'too_many_files',
    });
    expect(deps.uploads.sessions.size).toBe(0);
  });

  test('duplicate names after normalisation are a 400 naming both files', async () => {
    const { deps } = prepare();

    const err = await refusal(createUploadSession(deps, alice, { files: [file('a/b.jpg'), file('x.jpg'), file('a//./b.jpg')] }));

    expect(err).toMatchObject({ statusCode: 400, code: 'validation_error' });
    expect(err.message).toContain('files[2] "a//./b.jpg" has the same name as files[0] ("a/b.jpg")');
    expect(err.details).toMatchObject({ problem_count: 1, problems: [{ index: 2, problem: 'duplicate_name' }] });
  });

  test.each([0, -5, 1.5, '100'])('size_bytes %j is a 400 naming the file', async (size) => {
    const { deps } = prepare();

    const err = await refusal(createUploadSession(deps, alice, { files: [file('ok.jpg'), file('bad.jpg', size as number)] }));

    expect(err).toMatchObject({ statusCode: 400 });
    expect(err.message).toBe('files[1] "bad.jpg": size_bytes must be an integer greater than 0');
  });

  test('a file over MAX_INPUT_FILE_BYTES is a 413 payload_too_large naming it', async () => {
    const { deps } = prepare({ maxInputFileBytes: 5000 });

    const err = await refusal(createUploadSession(deps, alice, { files: [file('small.jpg', 5000), file('huge.jpg', 5001)] }));

    expect(err).toMatchObject({ statusCode: 413, code: 'payload_too_large', details: { max_input_file_bytes: 5000 } });
    expect(err.message).toContain('"huge.jpg" is 5001 bytes, over the limit of 5000');
  });

  test('a type the image pipeline does not read is a 415 naming the file', async () => {
    const { deps } = prepare();

    const err = await refusal(createUploadSession(deps, alice, { files: [file('a.gif', 10, 'image/gif')] }));

    expect(err).toMatchObject({ statusCode: 415, code: 'unsupported_media_type' });
    expect(err.message).toContain('files[0] "a.gif": mime_type "image/gif" is not accepted');
    expect(err.details?.accepted).toEqual(DOCUMENT_MIME_TYPES);
  });

  test('every type the image pipeline reads may be declared: PDFs, TIFFs and HEIC photos too', async () => {
    const { deps } = prepare();
    const types = ['application/pdf', 'image/tiff', 'image/tif', 'image/heic', 'image/heif', 'image/webp'];

    const view = await createUploadSession(deps, alice, { files: types.map((t, i) => file(`doc${i}`, 100, t)) });

    expect(view.files.map((f) => f.mime_type)).toEqual([
      'application/pdf',
      'image/tiff',
      'image/tiff',
      'image/heic',
      'image/heif',
      'image/webp',
    ]);
  });

  test('bad names of every kind in one call: one 400 naming the first three and listing at most twenty', async () => {
    const { deps } = prepare();
    const bad = Array.from({ length: 30 }, (_, i) => file(`../evil${i}.jpg`));

    const err = await refusal(createUploadSession(deps, alice, { files: [...bad, file('huge.jpg', 1e12)] }));

    expect(err.statusCode).toBe(400);
    expect(err.message).toMatch(/\(and 28 more\)$/);
    expect(err.details).toMatchObject({ problem_count: 31 });
    expect((err.details!.problems as unknown[]).length).toBe(20);
    expect(deps.presigner.signed).toEqual([]);
  });

  test('more files than MAX_BATCH_ITEMS is a 413 too_many_files', async () => {
    const { deps } = prepare({ maxSessionFiles: 2 });

    expect(await refusal(createUploadSession(deps, alice, { files: files(3) }))).toMatchObject({ code: 'too_many_files' });
  });

  test('upload URLs never reach the logs', async () => {
    const { deps, logger } = prepare();

    const view = await createUploadSession(deps, alice, { files: files(3) });
    await getUploadSession(deps, alice, view.upload_id, {});

    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logger.lines.join('\n')).not.toMatch(/X-Amz-Signature|https:\/\//);
  });
});

describe('POST /v1/uploads/{upload_id}/files: adding files', () => {
  test('adds files to an open session with their own URLs', async () => {
    const { deps } = prepare();
    const { upload_id } = await createUploadSession(deps, alice, { files: [file('a.jpg')] });

    const added = await addUploadFiles(deps, alice, upload_id, { files: [file('b.jpg'), file('c.jpg')] });

    expect(added.file_count).toBe(3);
    expect(added.files.map((f) => f.name)).toEqual(['b.jpg', 'c.jpg']);
    expect(added.files.every((f) => f.upload_url)).toBe(true);
    expect((await deps.uploads.listFiles(upload_id)).map((f) => f.name)).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
    expect(await deps.uploads.get(upload_id)).toMatchObject({ fileCount: 3, version: 1 });
    expect((await deps.uploads.get(upload_id))?.addLeaseUntil).toBeUndefined();
  });

  test('a name the session already has is a 400 naming it, and nothing of the call is added', async () => {
    const { deps } = prepare();
    const { upload_id } = await createUploadSession(deps, alice, { files: [file('a.jpg')] });

    const err = await refusal(addUploadFiles(deps, alice, upload_id, { files: [file('new.jpg'), file('./a.jpg')] }));

    expect(err).toMatchObject({ statusCode: 400, message: '"a.jpg" is already in this upload' });
    expect((await deps.uploads.listFiles(upload_id)).map((f) => f.name)).toEqual(['a.jpg']);
  });

  test('a refused add gives back its lease and the room it reserved', async () => {
    const { deps } = prepare();
    const { upload_id } = await createUploadSession(deps, alice, { files: [file('a.jpg')] });

    await refusal(addUploadFiles(deps, alice, upload_id, { files: [file('b.jpg'), file('a.jpg')] }));

    expect(await deps.uploads.get(upload_id)).toMatchObject({ fileCount: 1, version: 1 });
    expect((await deps.uploads.get(upload_id))?.addLeaseUntil).toBeUndefined();
    expect((await addUploadFiles(deps, alice, upload_id, { files: [file('b.jpg')] })).file_count).toBe(2);
  });

  test('while another add holds the session the call is a 409; once its lease has run out adds go on', async () => {
    const { deps, clock } = prepare();
    const { upload_id } = await createUploadSession(deps, alice, { files: [file('a.jpg')] });
    deps.uploads.sessions.get(upload_id)!.addLeaseUntil = new Date(clock.now().getTime() + 60_000).toISOString();

    expect(await refusal(addUploadFiles(deps, alice, upload_id, { files: [file('b.jpg')] }))).toMatchObject({ statusCode: 409 });
    clock.advance(61_000);
    expect((await addUploadFiles(deps, alice, upload_id, { files: [file('b.jpg')] })).file_count).toBe(2);
  });

  test('beyond MAX_BATCH_ITEMS in the session is a 413 too_many_files', async () => {
    const { deps } = prepare({ maxSessionFiles: 3 });
    const { upload_id } = await createUploadSession(deps, alice, { files: files(2) });

    const err = await refusal(addUploadFiles(deps, alice, upload_id, { files: files(2, 'g') }));

    expect(err).toMatchObject({ statusCode: 413, code: 'too_many_files', details: { max_files: 3 } });
  });

  test('a completed session takes no more files (409)', async () => {
    const { deps } = prepare();
    const { upload_id } = await createUploadSession(deps, alice, { files: [file('a.jpg')] });
    deps.uploads.sessions.get(upload_id)!.status = 'completed';

    expect(await refusal(addUploadFiles(deps, alice, upload_id, { files: [file('b.jpg')] }))).toMatchObject({ statusCode: 409 });
  });

  test('an expired session is a 410 upload_expired (checked on read: dynalite has no TTL)', async () => {
    const { deps, clock } = prepare({ sessionTtlS: 60 });
    const { upload_id } = await createUploadSession(deps, alice, { files: [file('a.jpg')] });
    clock.advance(60_000);

    const err = await refusal(addUploadFiles(deps, alice, upload_id, { files: [file('b.jpg')] }));

    expect(err).toMatchObject({ statusCode: 410, code: 'upload_expired', details: { upload_id } });
  });

  test("another owner's session is a 404, for an admin too", async () => {
    const { deps } = prepare();
    const { upload_id } = await createUploadSession(deps, alice, { files: [file('a.jpg')] });

    for (const who of [bob, admin]) {
      expect(await refusal(addUploadFiles(deps, who, upload_id, { files: [file('b.jpg')] }))).toMatchObject({ statusCode: 404 });
      expect(await refusal(getUploadSession(deps, who, upload_id, {}))).toMatchObject({ statusCode: 404 });
    }
  });
});

describe('GET /v1/uploads/{upload_id}: the files page by page', () => {
  test('each file is uploaded or pending; only pending files get a fresh URL, a wrong size counts as pending', async () => {
    const { deps } = prepare();
    const { upload_id } = await createUploadSession(deps, alice, {
      files: [file('a.jpg', 10), file('b.jpg', 20), file('c.jpg', 30)],
    });
    deps.store.arrive(`staging/${upload_id}/a.jpg`, 10);
    deps.store.arrive(`staging/${upload_id}/b.jpg`, 21);
    deps.presigner.signed.length = 0;

    const view = await getUploadSession(deps, alice, upload_id, {});

    expect(view.files.map((f) => [f.name, f.status, f.uploaded_bytes, Boolean(f.upload_url)])).toEqual([
      ['a.jpg', 'uploaded', undefined, false],
      ['b.jpg', 'pending', 21, true],
      ['c.jpg', 'pending', undefined, true],
    ]);
    expect(deps.presigner.signed.map((s) => s.rel)).toEqual([`staging/${upload_id}/b.jpg`, `staging/${upload_id}/c.jpg`]);
    expect(view.cursor).toBeNull();
  });

  test('pages follow the cursor in name order, each with one object listing over its names', async () => {
    const { deps } = prepare();
    const { upload_id } = await createUploadSession(deps, alice, { files: files(5) });
    for (let i = 0; i < 5; i++) deps.store.arrive(`staging/${upload_id}/f${String(i).padStart(5, '0')}.jpg`, 1000);
    deps.store.listCalls = 0;

    const first = await getUploadSession(deps, alice, upload_id, { limit: 2 });
    const second = await getUploadSession(deps, alice, upload_id, { limit: 2, cursor: first.cursor! });
    const third = await getUploadSession(deps, alice, upload_id, { limit: 2, cursor: second.cursor! });

    expect([first, second, third].map((p) => p.files.map((f) => f.name))).toEqual([
      ['f00000.jpg', 'f00001.jpg'],
      ['f00002.jpg', 'f00003.jpg'],
      ['f00004.jpg'],
    ]);
    expect(third.cursor).toBeNull();
    expect([first, second, third].flatMap((p) => p.files).every((f) => f.status === 'uploaded')).toBe(true);
    expect(deps.store.listCalls).toBe(3);
  });

  test('a completed session shows its job, its files as uploaded (its run may have deleted them) and signs nothing', async () => {
    const { deps } = prepare();
    const { upload_id } = await createUploadSession(deps, alice, { files: [file('a.jpg')] });
    Object.assign(deps.uploads.sessions.get(upload_id)!, {
      status: 'completed',
      completion: { jobId: 'job_1', runId: 'run_1', taskId: 't', bodyHash: 'h', completedAt: '' },
    });
    deps.presigner.signed.length = 0;

    const view = await getUploadSession(deps, alice, upload_id, {});

    expect(view).toMatchObject({ status: 'completed', job_id: 'job_1', run_id: 'run_1' });
    expect(view.files[0]).toMatchObject({ status: 'uploaded' });
    expect(view.files[0]!.upload_url).toBeUndefined();
    expect(deps.presigner.signed).toEqual([]);
  });

  test('an expired session is a 410', async () => {
    const { deps, clock } = prepare({ sessionTtlS: 10 });
    const { upload_id } = await createUploadSession(deps, alice, { files: [file('a.jpg')] });
    clock.advance(10_000);

    expect(await refusal(getUploadSession(deps, alice, upload_id, {}))).toMatchObject({
      statusCode: 410,
      code: 'upload_expired',
    });
  });

  test('a cursor is opaque: a name encodes and decodes, anything else is a 400', () => {
    expect(decodeFilesCursor(encodeFilesCursor('dir/ä.jpg'))).toBe('dir/ä.jpg');
    for (const bad of ['', '!!!', encodeFilesCursor('../x'), `${encodeFilesCursor('a.jpg')}=`]) {
      expect(() => decodeFilesCursor(bad)).toThrow(/cursor is not valid/);
    }
  });
});
