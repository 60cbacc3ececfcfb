// Helpers for the batch tests: multipart bodies built by hand (byte-exact, any part order), job polling,
// and putting images under the data root of a test stack's bucket.
import { randomBytes } from 'node:crypto';
import type { TestStack } from './local-stack.ts';

export interface Part {
  name: string;
  value?: string;
  filename?: string;
  type?: string;
  bytes?: Buffer;
}

/** A multipart/form-data body and its content type. */
export function multipart(
  parts: Part[],
  boundary = `----ocrlty${randomBytes(8).toString('hex')}`,
): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`;
    chunks.push(Buffer.from(head, 'utf8'), p.bytes ?? Buffer.from(p.value ?? '', 'utf8'), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function postMultipart(s: TestStack, path: string, key: string, parts: Part[]) {
  const { body, contentType } = multipart(parts);
  return s.call('POST', path, { key, body, headers: { 'content-type': contentType } });
}

export const FINAL = ['succeeded', 'failed', 'canceled'];

/** Polls GET /v1/jobs/{id} until the job is final (or `until` says so); returns the last view. */
export async function pollJob(
  s: TestStack,
  key: string,
  jobId: string,
  until: (job: any) => boolean = (job) => FINAL.includes(job.status),
  timeoutMs = 30_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await s.call('GET', `/v1/jobs/${jobId}`, { key });
    if (res.status !== 200) throw new Error(`GET /v1/jobs/${jobId} answered ${res.status}: ${JSON.stringify(res.body)}`);
    if (until(res.body)) return res.body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not get there in ${timeoutMs} ms: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Puts files under the data root (DATA_ROOT, default "data") of the stack's bucket. */
export async function putDataFiles(s: TestStack, files: Record<string, Buffer>): Promise<void> {
  const root = s.deps.config.batch.dataRoot;
  for (const [path, bytes] of Object.entries(files)) {
    await s.deps.store.putBytes(`${root}/${path}`, bytes, 'application/octet-stream', { overwrite: true });
  }
}
