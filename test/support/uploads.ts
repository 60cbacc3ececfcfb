// Helpers for the upload session tests: a session created over HTTP, files PUT to their presigned URLs with
// plain fetch (as a thin client does), and completing it.
import { expect } from 'vitest';
import type { CallResult, TestStack } from './local-stack.ts';

export interface LocalFile {
  name: string;
  bytes: Buffer;
  mime?: string;
}

export const declare = (files: LocalFile[]) =>
  files.map((f) => ({ name: f.name, mime_type: f.mime ?? 'image/png', size_bytes: f.bytes.length }));

/** POST /v1/uploads, expected to answer 201. */
export async function createSession(s: TestStack, key: string, files: LocalFile[], extra: Record<string, unknown> = {}) {
  const res = await s.call('POST', '/v1/uploads', { key, json: { files: declare(files), ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** PUTs bytes to a presigned URL with the headers the API said to send. */
export async function putTo(
  file: { upload_url: string; headers: Record<string, string> },
  bytes: Buffer,
  extra: Record<string, string> = {},
) {
  const headers = { ...file.headers, ...extra };
  // fetch sets Content-Length from the body itself.
  delete headers['Content-Length'];
  return fetch(file.upload_url, { method: 'PUT', headers, body: bytes });
}

/** PUTs every file of `session` whose name is in `files`, each expected to answer 200. */
export async function uploadAll(
  session: { files: Array<{ name: string; upload_url: string; headers: Record<string, string> }> },
  files: LocalFile[],
) {
  for (const f of files) {
    const target = session.files.find((x) => x.name === f.name)!;
    const res = await putTo(target, f.bytes);
    expect(res.status, await res.text()).toBe(200);
  }
}

export function complete(s: TestStack, key: string, uploadId: string, body: Record<string, unknown>): Promise<CallResult> {
  return s.call('POST', `/v1/uploads/${uploadId}/complete`, { key, json: body });
}
