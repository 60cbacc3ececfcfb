// The R2 upload presigner with the real SDK signer (no network): what each URL is signed for. s3rver does
// not check signed headers, so this is where "R2 refuses another type or length" is shown.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, test } from 'vitest';
import { R2UploadPresigner } from '../../functions/adapters/r2/upload-presigner.ts';

const clientFor = (forcePathStyle: boolean) =>
  new S3Client({
    region: 'auto',
    endpoint: 'https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com',
    forcePathStyle,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
const s3 = clientFor(true);
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

  test.each([
    ['path style (local s3rver, forcePathStyle)', true],
    ['virtual-hosted (R2 in the cloud)', false],
  ])('URLs are byte-identical to getSignedUrl for the same request, keys of any shape: %s', async (_style, forcePathStyle) => {
    const client = clientFor(forcePathStyle);
    const ours = new R2UploadPresigner(client, 'ocrlty', 'prod');
    const signingDate = new Date('2026-11-23T10:00:00Z');
    for (const rel of ['staging/upl_1/a.jpg', "dir/sub dir/ä ü+%20!'()*~.png", 'x/日本語/レシート.webp', 'a//b/./c.jpg']) {
      const reference = await getSignedUrl(
        client,
        new PutObjectCommand({ Bucket: 'ocrlty', Key: `prod/${rel}`, ContentType: 'image/png', ContentLength: 77 }),
        { expiresIn: 300, signableHeaders: new Set(['content-type', 'content-length']), signingDate },
      );

      const signed = await ours.presignPut(rel, { contentType: 'image/png', contentLength: 77, ttlS: 300, signingDate });

      expect(signed.url, rel).toBe(reference);
      expect(new URL(signed.url).hostname.startsWith('ocrlty.'), rel).toBe(!forcePathStyle);
    }
  });
});
