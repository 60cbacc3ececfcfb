// Upload session answers stay far under Lambda's 6 MB response whatever the names: the worst accepted call
// measured with the real presigner (offline), a call over the name budget refused, a GET page cut by it.
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import { R2UploadPresigner } from '../../functions/adapters/r2/upload-presigner.ts';
import type { Principal } from '../../functions/core/auth/api-keys.ts';
import type { AppError } from '../../functions/core/errors.ts';
import { addUploadFiles, createUploadSession, getUploadSession } from '../../functions/core/uploads/sessions.ts';
import { MAX_NAME_BYTES_PER_CALL } from '../../functions/core/uploads/upload-model.ts';
import { quietLogger } from './fakes.ts';
import { FakePresigner, ListingBucket, MemoryUploadSessionStore, movableClock } from './upload-fakes.ts';

const alice: Principal = { keyId: 'alice', role: 'client', scopes: ['extract:run'] };
/** Lambda's response cap is 6 MB; the product keeps its answers under MAX_RESPONSE_BYTES (5 MB). */
const LAMBDA_RESPONSE_CAP = 6 * 1024 * 1024;

function prepare(presigner = new FakePresigner() as FakePresigner | R2UploadPresigner) {
  return {
    uploads: new MemoryUploadSessionStore(),
    presigner,
    store: new ListingBucket(),
    clock: movableClock(),
    logger: quietLogger,
    settings: { maxSessionFiles: 10_000, maxInputFileBytes: 25_000_000, sessionTtlS: 86_400, presignTtlS: 900 },
  };
}
const r2 = () =>
  new R2UploadPresigner(
    new S3Client({
      region: 'auto',
      endpoint: 'https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    }),
    'ocrlty-production-bucket',
    'prod/a-longer-stage-prefix',
  );

/** `n` names of about `bytes` UTF-8 bytes each, in Cyrillic (2 bytes a character, 6 once URL-encoded). */
const cyrillic = (n: number, bytes: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `${'чек'.repeat(Math.floor((bytes - 12) / 6))}/${String(i).padStart(5, '0')}.jpg`,
    mime_type: 'image/jpeg',
    size_bytes: 25_000_000,
  }));

describe('answers of upload sessions stay small', () => {
  test('the largest call accepted (1,000 files, names up to the budget, all URL-encoded) answers well under 6 MB', async () => {
    const deps = prepare(r2());
    const files = cyrillic(1000, Math.floor(MAX_NAME_BYTES_PER_CALL / 1000));

    const view = await createUploadSession(deps, alice, { files });

    const bytes = Buffer.byteLength(JSON.stringify(view));
    expect(view.files).toHaveLength(1000);
    expect(bytes).toBeLessThan(LAMBDA_RESPONSE_CAP / 2);
  });

  test('names adding up past the budget are a 413 saying to send fewer files per call', async () => {
    const deps = prepare();

    const err = (await createUploadSession(deps, alice, { files: cyrillic(1000, 300) }).catch((e: unknown) => e)) as AppError;

    expect(err).toMatchObject({
      statusCode: 413,
      code: 'payload_too_large',
      details: { max_name_bytes_per_call: MAX_NAME_BYTES_PER_CALL },
    });
    expect(err.message).toMatch(/send fewer files per call$/);
  });

  test('a GET page stops where its names reach the budget and carries a cursor to the rest', async () => {
    const deps = prepare();
    const batch = (k: number) => cyrillic(250, 900).map((f) => ({ ...f, name: `${k}/${f.name}` }));
    const { upload_id } = await createUploadSession(deps, alice, { files: batch(0) });
    for (const k of [1, 2, 3]) await addUploadFiles(deps, alice, upload_id, { files: batch(k) });

    const pages = [await getUploadSession(deps, alice, upload_id, { limit: 1000 })];
    while (pages.at(-1)!.cursor)
      pages.push(await getUploadSession(deps, alice, upload_id, { limit: 1000, cursor: pages.at(-1)!.cursor! }));

    expect(pages.length).toBe(4);
    for (const page of pages) {
      expect(page.files.reduce((n, f) => n + Buffer.byteLength(f.name), 0)).toBeLessThanOrEqual(MAX_NAME_BYTES_PER_CALL);
    }
    expect(new Set(pages.flatMap((p) => p.files.map((f) => f.name))).size).toBe(1000);
  });
});
