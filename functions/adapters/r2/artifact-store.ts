// ArtifactStore on the S3 API of Cloudflare R2 (s3rver locally). Keys are S3_PREFIX + artifact_rel.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Config } from '../../config.ts';
import { fullKey } from '../../core/artifact-keys.ts';
import { ConflictError } from '../../core/errors.ts';
import type { ArtifactStore, Logger, StoredObject } from '../../core/ports.ts';

export function makeS3Client(config: Config['s3']): S3Client {
  return new S3Client({
    region: config.region,
    ...(config.endpointUrl ? { endpoint: config.endpointUrl } : {}),
    forcePathStyle: config.forcePathStyle,
    // R2's own token, never the Lambda role's AWS_ACCESS_KEY_ID (DESIGN.md §6).
    ...(config.accessKeyId && config.secretAccessKey
      ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
      : {}),
    // The SDK's default checksum framing corrupts streamed bodies on s3rver and has troubled R2 (DESIGN.md §8).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 4,
  });
}

export class R2ArtifactStore implements ArtifactStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  private key(rel: string): string {
    return fullKey(this.prefix, rel);
  }

  async putJson(rel: string, body: unknown, opts: { overwrite: boolean }): Promise<void> {
    await this.putBytes(rel, Buffer.from(JSON.stringify(body, null, 2), 'utf8'), 'application/json', opts);
  }

  async putBytes(rel: string, bytes: Uint8Array, contentType: string, opts: { overwrite: boolean }): Promise<void> {
    const started = Date.now();
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(rel),
          Body: bytes,
          ContentType: contentType,
          ContentLength: bytes.byteLength,
          // R2 and S3 honour this; s3rver ignores it, so the artifact index claim is the real guard.
          ...(opts.overwrite ? {} : { IfNoneMatch: '*' }),
        }),
      );
    } catch (err) {
      if (isStatus(err, 412) || (err instanceof Error && err.name === 'PreconditionFailed')) {
        throw new ConflictError(`artifact ${rel} already exists`, { artifact_rel: rel });
      }
      this.logger.error('s3_put_error', { artifact_rel: rel, error: err instanceof Error ? err.name : String(err) });
      throw err;
    }
    this.logger.info('s3_put', { artifact_rel: rel, bytes: bytes.byteLength, ms: Date.now() - started });
  }

  async getJson<T = unknown>(rel: string): Promise<T | undefined> {
    const bytes = await this.getBytes(rel);
    return bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as T);
  }

  async getBytes(rel: string): Promise<Buffer | undefined> {
    const started = Date.now();
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(rel) }));
      const bytes = Buffer.from(await out.Body!.transformToByteArray());
      this.logger.info('s3_get', { artifact_rel: rel, bytes: bytes.length, ms: Date.now() - started });
      return bytes;
    } catch (err) {
      if (isStatus(err, 404) || (err instanceof Error && (err.name === 'NoSuchKey' || err.name === 'NotFound'))) return undefined;
      throw err;
    }
  }

  async delete(rel: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(rel) }));
  }

  async list(
    prefixRel: string,
    opts: { limit: number; cursor?: string; startAfter?: string },
  ): Promise<{ objects: StoredObject[]; cursor?: string }> {
    const base = this.prefix ? `${this.prefix}/` : '';
    const out = await this.s3.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: `${base}${prefixRel}`,
        MaxKeys: opts.limit,
        ...(opts.cursor ? { ContinuationToken: opts.cursor } : {}),
        ...(opts.startAfter && !opts.cursor ? { StartAfter: `${base}${opts.startAfter}` } : {}),
      }),
    );
    const objects = (out.Contents ?? []).map((o) => ({
      rel: (o.Key ?? '').slice(base.length),
      size: o.Size ?? 0,
      ...(o.LastModified ? { lastModified: o.LastModified.toISOString() } : {}),
    }));
    return out.IsTruncated && out.NextContinuationToken ? { objects, cursor: out.NextContinuationToken } : { objects };
  }

  /** Readiness probe: the bucket exists and the credentials can reach it. */
  async ping(): Promise<void> {
    await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }
}

function isStatus(err: unknown, status: number): boolean {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === status;
}
