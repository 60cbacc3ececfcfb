// UploadPresigner on R2's S3 API: presigned PUT URLs signed for the declared type and length, so R2 refuses
// any other body (s3rver does not check signed headers: complete checks sizes itself). Never logs a URL.
//
// A session signs up to 1,000 URLs per call. getSignedUrl runs the whole command middleware stack and the
// S3 endpoint rules for each one; here that runs once, for a probe key, to learn the endpoint, the path
// style and the signing region, and every URL is then signed by the same S3RequestPresigner getSignedUrl
// uses, on a request built like the SDK's serializer builds it. test/unit/upload-presigner.test.ts shows
// the URLs are byte-identical to getSignedUrl's.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { formatUrl } from '@aws-sdk/core/util';
import { S3RequestPresigner, getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { HttpRequest } from '@smithy/core/protocols';
import { fullKey } from '../../core/artifact-keys.ts';
import type { PresignedUpload, UploadPresigner } from '../../core/uploads/ports.ts';

/** Without this the presigner signs only `content-length;host` and any Content-Type would be accepted. */
const SIGNED_HEADERS = new Set(['content-type', 'content-length']);
const PROBE_KEY = 'presign-probe';

interface Target {
  protocol: string;
  hostname: string;
  port?: number;
  /** The path before the key: `/` (virtual-hosted) or `/<bucket>/` (path style). */
  basePath: string;
  region: string;
  service: string;
  presigner: S3RequestPresigner;
}

/** How the SDK's serializer puts a key in a path: each segment URI-encoded, `/` kept, `!'()*` escaped too. */
export function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

export class R2UploadPresigner implements UploadPresigner {
  private target?: Promise<Target>;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  async presignPut(
    rel: string,
    opts: { contentType: string; contentLength: number; ttlS: number; signingDate?: Date },
  ): Promise<PresignedUpload> {
    const t = await (this.target ??= this.probe());
    const headers = { 'content-type': opts.contentType, 'content-length': String(opts.contentLength) };
    const request = new HttpRequest({
      protocol: t.protocol,
      hostname: t.hostname,
      ...(t.port !== undefined ? { port: t.port } : {}),
      method: 'PUT',
      path: `${t.basePath}${encodeKeyPath(fullKey(this.prefix, rel))}`,
      query: { 'x-id': 'PutObject' },
      headers,
    });
    const signed = await t.presigner.presign(request, {
      expiresIn: opts.ttlS,
      signableHeaders: SIGNED_HEADERS,
      signingRegion: t.region,
      signingService: t.service,
      ...(opts.signingDate ? { signingDate: opts.signingDate } : {}),
    });
    return {
      url: formatUrl(signed),
      method: 'PUT',
      // Browsers set Content-Length themselves (and refuse to be told); other clients must send it as is.
      headers: { 'Content-Type': opts.contentType, 'Content-Length': String(opts.contentLength) },
    };
  }

  /** One getSignedUrl through the full SDK: where the bucket is and how requests to it are signed. */
  private async probe(): Promise<Target> {
    const key = fullKey(this.prefix, PROBE_KEY);
    const url = new URL(await getSignedUrl(this.s3, new PutObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: 60 }));
    const encoded = encodeKeyPath(key);
    if (!url.pathname.endsWith(encoded)) throw new Error(`Unexpected presigned URL path ${url.pathname}`);
    const [, , region, service] = (url.searchParams.get('X-Amz-Credential') ?? '').split('/');
    if (!region || !service) throw new Error('The presigned URL has no credential scope');
    return {
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      basePath: url.pathname.slice(0, url.pathname.length - encoded.length),
      region,
      service,
      presigner: new S3RequestPresigner({ ...this.s3.config, signingName: service, region: async () => region }),
    };
  }
}
