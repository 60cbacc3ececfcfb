// Local mode's bucket CORS: s3rver has no rules unless given some, and a browser upload to a presigned
// URL (the UI) is a cross-origin PUT. The rule is the one `npm run r2:setup` writes to R2.
import { PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { browserCorsRule } from '../r2-cors.ts';

/** The gateway's origin under both loopback names a browser may use. */
export function originsOf(url: string): string[] {
  const u = new URL(url);
  const other = u.hostname === '127.0.0.1' ? 'localhost' : u.hostname === 'localhost' ? '127.0.0.1' : undefined;
  return [u.origin, ...(other ? [`${u.protocol}//${other}${u.port ? `:${u.port}` : ''}`] : [])];
}

export async function applyLocalUploadCors(endpoint: string, bucket: string, origins: readonly string[]): Promise<void> {
  const s3 = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    const unique = origins.includes('*') ? ['*'] : [...new Set(origins)];
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: { CORSRules: [browserCorsRule('ocrlty-local-browser', unique)] },
      }),
    );
  } finally {
    s3.destroy();
  }
}
