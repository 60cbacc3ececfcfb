// A small HTTP client for any OCRlty deployment: bearer key, JSON in and out, the API's error shape turned
// into ApiError (exit 3) and unreachable / slow answers into NetworkError (exit 4).
import { ApiError, NetworkError } from './errors.ts';
import type { ClientConfig } from './config.ts';

export interface ApiOptions {
  json?: unknown;
  timeoutMs?: number;
}

export class Api {
  constructor(
    readonly config: ClientConfig,
    private readonly timeoutMs = 60_000,
  ) {}

  async request<T = any>(method: string, path: string, opts: ApiOptions = {}): Promise<T> {
    const res = await this.raw(method, path, opts);
    const text = await res.text();
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const code = body?.error?.code ?? `http_${res.status}`;
      let message = body?.error?.message ?? `${method} ${path} answered ${res.status}`;
      if (res.status === 401)
        message += this.config.apiKey
          ? ` (key from ${this.config.from.apiKey})`
          : ' (no API key: set OCRLTY_API_KEY or --api-key)';
      throw new ApiError(res.status, code, message);
    }
    return body as T;
  }

  async raw(method: string, path: string, opts: ApiOptions = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    return guardedFetch(`${this.config.apiUrl}${path}`, {
      method,
      headers,
      ...(opts.json !== undefined ? { body: JSON.stringify(opts.json) } : {}),
      timeoutMs: opts.timeoutMs ?? this.timeoutMs,
    });
  }
}

/** fetch with a deadline; a refused connection, DNS failure or timeout becomes a NetworkError. */
export async function guardedFetch(url: string, init: RequestInit & { timeoutMs: number }): Promise<Response> {
  const { timeoutMs, ...rest } = init;
  try {
    return await fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why =
      e.name === 'TimeoutError'
        ? `no answer within ${Math.round(timeoutMs / 1000)} s`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new NetworkError(`cannot reach ${new URL(url).origin}: ${why}`);
  }
}
