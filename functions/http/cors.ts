// CORS for a browser UI (seed §12 P0 item 4): an allowlist of origins from CORS_ALLOW_ORIGINS. The same
// rules serve the handlers' responses (the middy chain) and preflights (API Gateway, or infra/local's gateway).
// Credentials are never allowed: the API authenticates with a header (Bearer / X-API-Key), not cookies, and a
// wildcard origin with credentials is what browsers refuse anyway.

export const CORS_ALLOW_METHODS = ['GET', 'POST', 'DELETE', 'OPTIONS'] as const;
export const CORS_ALLOW_HEADERS = ['Authorization', 'X-API-Key', 'Content-Type', 'X-Request-ID'] as const;
export const CORS_EXPOSE_HEADERS = ['X-Request-ID'] as const;
/** How long a browser may cache a preflight (the CDK API's defaultCorsPreflightOptions uses the same). */
export const CORS_MAX_AGE_S = 3600;

/** The origin to answer with: `*` for a wildcard allowlist, the request's origin when listed, else undefined. */
export function allowedOrigin(origin: string | undefined, allowlist: readonly string[]): string | undefined {
  if (allowlist.length === 0 || !origin) return undefined;
  if (allowlist.includes('*')) return '*';
  const wanted = origin.trim().toLowerCase();
  return allowlist.some((o) => o.toLowerCase() === wanted) ? origin.trim() : undefined;
}

/** Headers added to every response of a handler. */
export function corsHeaders(origin: string | undefined, allowlist: readonly string[]): Record<string, string> {
  if (allowlist.length === 0) return {};
  const allowed = allowedOrigin(origin, allowlist);
  const headers: Record<string, string> = {};
  // With an explicit list the answer depends on Origin, so shared caches must key on it.
  if (!allowlist.includes('*')) headers.Vary = 'Origin';
  if (allowed) {
    headers['Access-Control-Allow-Origin'] = allowed;
    headers['Access-Control-Expose-Headers'] = CORS_EXPOSE_HEADERS.join(', ');
  }
  return headers;
}

/** The answer to a preflight (OPTIONS): 204 with the allowed methods and headers when the origin is allowed. */
export function preflightHeaders(
  origin: string | undefined,
  allowlist: readonly string[],
  methods: readonly string[] = CORS_ALLOW_METHODS,
): Record<string, string> {
  const headers = corsHeaders(origin, allowlist);
  if (!headers['Access-Control-Allow-Origin']) return headers;
  delete headers['Access-Control-Expose-Headers'];
  return {
    ...headers,
    'Access-Control-Allow-Methods': [...new Set([...methods, 'OPTIONS'])].join(', '),
    'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS.join(', '),
    'Access-Control-Max-Age': String(CORS_MAX_AGE_S),
  };
}

/** The Origin request header, whatever its case. */
export function originOf(headers: Record<string, string | undefined> | null | undefined): string | undefined {
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() === 'origin' && v) return v;
  return undefined;
}
