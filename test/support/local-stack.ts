// Starts the real local stack (dynalite, s3rver, gateway, handlers) in a temp folder for a test file,
// and gives tests a small HTTP client plus direct access to the tables and bucket to look inside.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppDeps, appDeps } from '../../functions/adapters/container.ts';
import type { Role, Scope } from '../../functions/core/auth/api-keys.ts';
import { createKey } from '../../functions/core/auth/manage-keys.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { recordResponse } from './response-recorder.ts';

export interface CallOptions {
  key?: string;
  json?: unknown;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

export interface CallResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestStack {
  url: string;
  stack: LocalStack;
  deps: AppDeps;
  newKey(role: Role, opts?: { keyId?: string; scopes?: Scope[] }): Promise<{ apiKey: string; keyId: string }>;
  call<T = any>(method: string, path: string, opts?: CallOptions): Promise<CallResult<T>>;
  close(): Promise<void>;
}

let counter = 0;

export async function startTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ocrlty-test-'));
  const stack = await startLocalStack({
    dataDir,
    port: 0,
    env: { LOG_LEVEL: 'ERROR', VLLM_RETRY_BASE_MS: '5', ...env },
    onResponse: recordResponse,
  });
  const deps = await appDeps();
  return {
    url: stack.url,
    stack,
    deps,
    async newKey(role, opts = {}) {
      const keyId = opts.keyId ?? `${role}-${++counter}-${Date.now().toString(36)}`;
      const created = await createKey(deps.keys, deps.config.apiKeyPepper, {
        keyId,
        role,
        now: new Date(),
        ...(opts.scopes ? { scopes: opts.scopes } : {}),
      });
      return { apiKey: created.apiKey, keyId };
    },
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.key) headers.authorization = `Bearer ${opts.key}`;
      let body: string | Buffer | undefined = opts.body;
      if (opts.json !== undefined) {
        body = JSON.stringify(opts.json);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${stack.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed as any, headers: res.headers };
    },
    async close() {
      await stack.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
