// Helpers for the read-API tests: runs made through the real batch upload endpoint, revoked keys.
import { expect } from 'vitest';
import { makePng } from './images.ts';
import { type Part, postMultipart } from './batch.ts';
import type { TestStack } from './local-stack.ts';

export const png = (name: string, seed: number): Part => ({
  name: 'files',
  filename: name,
  type: 'image/png',
  bytes: makePng(16, 8, seed),
});
export const textFile = (name: string): Part => ({
  name: 'files',
  filename: name,
  type: 'text/plain',
  bytes: Buffer.from(`not an image: ${name}`),
});

/** Runs a batch upload to the end through POST /v1/batch_extract_upload (sync) and returns its summary. */
export async function uploadRun(s: TestStack, key: string, runId: string, files: Part[], extra: Part[] = []): Promise<any> {
  const res = await postMultipart(s, '/v1/batch_extract_upload', key, [
    { name: 'task_id', value: 'receipt_fields_v1' },
    { name: 'run_id', value: runId },
    { name: 'concurrency', value: '4' },
    ...extra,
    ...files,
  ]);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.status).toBe('succeeded');
  return res.body;
}

/** A key that existed and was revoked. */
export async function revokedKey(s: TestStack): Promise<string> {
  const { apiKey, keyId } = await s.newKey('admin');
  await s.deps.keys.revoke(keyId, new Date().toISOString());
  return apiKey;
}

/** Follows next_cursor through a paginated GET, collecting `field` of every page. */
export async function allPages(s: TestStack, key: string, path: string, field: string): Promise<{ rows: any[]; pages: number }> {
  const rows: any[] = [];
  let pages = 0;
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res: { status: number; body: any } = await s.call(
      'GET',
      `${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`,
      { key },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    rows.push(...res.body[field]);
    cursor = res.body.next_cursor;
    pages++;
    if (pages > 100) throw new Error('pagination did not end');
  } while (cursor);
  return { rows, pages };
}
