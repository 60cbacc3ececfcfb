// The web UI's security headers: one definition for local mode's gateway and the CloudFront response
// headers policy. The UI's own files come from 'self'; presigned PUTs (uploads) and GETs (page previews)
// go to the bucket's endpoint, the only other origin the page may reach. No CDK imports: local mode uses it.

/** The Content-Security-Policy for the UI, allowing `bucketOrigins` for connect (PUT) and images (GET). */
export function webContentSecurityPolicy(bucketOrigins: readonly string[]): string {
  const extra = [...new Set(bucketOrigins.map((o) => new URL(o).origin))].join(' ');
  const withExtra = (v: string) => (extra ? `${v} ${extra}` : v);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    withExtra("img-src 'self' data: blob:"),
    withExtra("connect-src 'self'"),
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Every header the UI's files are served with (CloudFront sets the same through its policy). */
export function webSecurityHeaders(bucketOrigins: readonly string[], opts: { https: boolean }): Record<string, string> {
  return {
    'Content-Security-Policy': webContentSecurityPolicy(bucketOrigins),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
    ...(opts.https ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}
