// UploadPresigner on R2's S3 API: presigned PUT URLs signed for the declared type and length, so R2 refuses
// any other body (s3rver does not check signed headers: complete checks sizes itself). Never logs a URL.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { fullKey } from '../../core/artifact-keys.ts';
import type { PresignedUpload, UploadPresigner } from '../../core/uploads/ports.ts';

/** Without this the presigner signs only `content-length;host` and any Content-Type would be accepted. */
const SIGNED_HEADERS = new Set(['content-type', 'content-length']);

export class R2UploadPresigner implements UploadPresigner {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  async presignPut(rel: string, opts: { contentType: string; contentLength: number; ttlS: number }): Promise<PresignedUpload> {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: fullKey(this.prefix, rel),
      ContentType: opts.contentType,
      ContentLength: opts.contentLength,
    });
    const url = await getSignedUrl(this.s3, command, { expiresIn: opts.ttlS, signableHeaders: SIGNED_HEADERS });
    return {
      url,
      method: 'PUT',
      // Browsers set Content-Length themselves (and refuse to be told); other clients must send it as is.
      headers: { 'Content-Type': opts.contentType, 'Content-Length': String(opts.contentLength) },
    };
  }
}
