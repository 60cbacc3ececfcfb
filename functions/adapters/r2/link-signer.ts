// LinkSigner on R2's S3 API: presigned GET URLs for objects addressed by artifact_rel (S3_PREFIX added here).
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { fullKey } from '../../core/artifact-keys.ts';
import type { LinkSigner } from '../../core/ports.ts';

export class R2LinkSigner implements LinkSigner {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  async presignGet(rel: string, opts: { ttlS: number; filename?: string }): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: fullKey(this.prefix, rel),
      ...(opts.filename
        ? { ResponseContentDisposition: `attachment; filename="${opts.filename.replace(/["\\\r\n]/g, '_')}"` }
        : {}),
    });
    return getSignedUrl(this.s3, command, { expiresIn: opts.ttlS });
  }
}
