// The bucket CORS rule a browser needs to PUT a file to a presigned upload URL (and read presigned links):
// one definition for R2 (`npm run r2:setup`) and for s3rver in local mode, plus the check that a bucket's
// rules really allow it. No CDK imports: local mode uses this too.
import type { CORSRule } from '@aws-sdk/client-s3';

/** Headers a browser sends with an upload: the signed Content-Type (Content-Length it sets itself). */
export const BROWSER_UPLOAD_HEADERS = ['Content-Type', 'Content-Length', 'Content-MD5'];

/** The rule for these origins ("*" for any); PUT for uploads, GET/HEAD for presigned links. */
export function browserCorsRule(id: string, origins: readonly string[]): CORSRule {
  return {
    ID: id,
    AllowedOrigins: [...origins],
    AllowedMethods: ['GET', 'HEAD', 'PUT'],
    AllowedHeaders: [...BROWSER_UPLOAD_HEADERS],
    ExposeHeaders: ['ETag'],
    MaxAgeSeconds: 3600,
  };
}

/** True when some rule lets `origin` PUT with a Content-Type header (what the preflight of an upload asks). */
export function allowsBrowserUpload(rules: readonly CORSRule[], origin: string): boolean {
  const lower = (xs: readonly string[] | undefined) => (xs ?? []).map((x) => x.toLowerCase());
  return rules.some((r) => {
    const origins = r.AllowedOrigins ?? [];
    const headers = lower(r.AllowedHeaders);
    return (
      (origins.includes('*') || origins.includes(origin)) &&
      lower(r.AllowedMethods).includes('put') &&
      (headers.includes('*') || headers.includes('content-type'))
    );
  });
}

/** The origins among `origins` the rules do not let upload; empty when all can. */
export function originsMissingUpload(rules: readonly CORSRule[], origins: readonly string[]): string[] {
  return origins.filter((o) => !allowsBrowserUpload(rules, o));
}
