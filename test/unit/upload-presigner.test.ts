// The R2 upload presigner with the real SDK signer (no network): what each URL is signed for. s3rver does
// not check signed headers, so this is where "R2 refuses another type or length" is shown.
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import { R2UploadPresigner } from '../../functions/adapters/r2/upload-presigner.ts';

const s3 = new S3Client({
  region: 'auto',
  endpoint: 'https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const presigner = new R2UploadPresigner(s3, 'ocrlty', 'prod');

describe('R2UploadPresigner', () => {
  test('each URL signs content-length, content-type and host, for the key under S3_PREFIX, valid the TTL asked', async () => {
    const signed = await presigner.presignPut('staging/upl_1/dir/a b.jpg', {
      contentType: 'image/jpeg',
      contentLength: 1234,
      ttlS: 600,
    });

    const url = new URL(signed.url);
    expect(url.pathname).toBe('/ocrlty/prod/staging/upl_1/dir/a%20b.jpg');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('600');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(signed).toMatchObject({ method: 'PUT', headers: { 'Content-Type': 'image/jpeg', 'Content-Length': '1234' } });
  });

  test('another type or length gives another signature (R2 checks it against what the client sends)', async () => {
    const sig = async (contentType: string, contentLength: number) =>
      new URL(
        (await presigner.presignPut('staging/upl_1/a.jpg', { contentType, contentLength, ttlS: 600 })).url,
      ).searchParams.get('X-Amz-Signature');

    const base = await sig('image/jpeg', 1234);

    expect(await sig('image/png', 1234)).not.toBe(base);
    expect(await sig('image/jpeg', 1235)).not.toBe(base);
  });
});
