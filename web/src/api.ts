// The one way the UI talks to the API: same origin, Bearer key from the session, errors in the API's
// own shape ({error: {code, message}, request_id}) turned into ApiError.
import { ApiError } from './api-error.ts';
import { storedKey } from './session.ts';

export { ApiError };

/** Called on any 401 so the app can go back to the sign-in page with a message. */
let onUnauthorized: (err: ApiError) => void = () => undefined;
export function setUnauthorizedHandler(fn: (err: ApiError) => void): void {
  onUnauthorized = fn;
}

export async function api<T>(path: string, init: { method?: string; json?: unknown; key?: string } = {}): Promise<T> {
  const key = init.key ?? storedKey();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  });
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const retry = Number(res.headers.get('retry-after'));
    const err = new ApiError(
      res.status,
      body?.error?.code ?? `http_${res.status}`,
      body?.error?.message ?? `${res.status} ${res.statusText}`,
      body?.error?.details,
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
    );
    if (res.status === 401 && init.key === undefined) onUnauthorized(err);
    throw err;
  }
  return body as T;
}

/** A query string from the defined values only. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (${err.code}, HTTP ${err.status})`;
  return err instanceof Error ? err.message : String(err);
}
