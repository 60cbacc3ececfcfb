// Upload sessions from the client side: declare files (1,000 per call), PUT each to its presigned URL,
// and resume an interrupted upload from GET /v1/uploads/{id} (which lists pending files with fresh URLs).
// A folder batch keeps the session id in DIR/.ocrlty-upload.json so running the same command again resumes.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Api } from './api.ts';
import { guardedFetch } from './api.ts';
import { ApiError, ClientUsageError } from './errors.ts';
import type { LocalFile } from './files.ts';
import type { Progress } from './progress.ts';

export const STATE_FILE = '.ocrlty-upload.json';

interface PresignedFile {
  name: string;
  upload_url?: string;
  headers?: Record<string, string>;
  status?: 'pending' | 'uploaded';
}

export interface SessionView {
  upload_id: string;
  status: string;
  job_id?: string | null;
  run_id?: string | null;
  pending: PresignedFile[];
  names: Set<string>;
}

const declare = (files: LocalFile[]) => files.map((f) => ({ name: f.name, mime_type: f.mime, size_bytes: f.size }));
const chunks = <T>(xs: T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

export async function createSession(api: Api, files: LocalFile[], persistInputs: boolean): Promise<SessionView> {
  const [first, ...rest] = chunks(files, 1000);
  const created = await api.request('POST', '/v1/uploads', { json: { files: declare(first!), persist_inputs: persistInputs } });
  const pending: PresignedFile[] = [...created.files];
  for (const more of rest) {
    const added = await api.request('POST', `/v1/uploads/${created.upload_id}/files`, { json: { files: declare(more) } });
    pending.push(...added.files);
  }
  return { upload_id: created.upload_id, status: created.status ?? 'open', pending, names: new Set(files.map((f) => f.name)) };
}

/** Where a session stands: every file name, the pending ones with fresh URLs; local files it lacks are added. */
export async function resumeSession(api: Api, uploadId: string, files: LocalFile[]): Promise<SessionView> {
  const view: SessionView = { upload_id: uploadId, status: 'open', pending: [], names: new Set() };
  let cursor: string | null = null;
  do {
    const page: any = await api.request(
      'GET',
      `/v1/uploads/${encodeURIComponent(uploadId)}?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    Object.assign(view, { status: page.status, job_id: page.job_id ?? null, run_id: page.run_id ?? null });
    for (const f of page.files as PresignedFile[]) {
      view.names.add(f.name);
      if (f.status === 'pending') view.pending.push(f);
    }
    cursor = page.cursor ?? null;
  } while (cursor);
  if (view.status !== 'open') return view;
  const missing = files.filter((f) => !view.names.has(f.name));
  for (const more of chunks(missing, 1000)) {
    const added = await api.request('POST', `/v1/uploads/${uploadId}/files`, { json: { files: declare(more) } });
    view.pending.push(...added.files);
    for (const f of more) view.names.add(f.name);
  }
  return view;
}

/** PUTs the pending files, `concurrency` at a time; the bar counts files. */
export async function uploadPending(view: SessionView, files: LocalFile[], concurrency: number, bar: Progress): Promise<number> {
  const byName = new Map(files.map((f) => [f.name, f]));
  const todo = view.pending.map((p) => {
    const local = byName.get(p.name);
    if (!local) throw new ClientUsageError(`${p.name} is declared in upload ${view.upload_id} but is not among the local files`);
    return { p, local };
  });
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < todo.length) {
      const { p, local } = todo[next++]!;
      const headers = { ...p.headers };
      delete headers['Content-Length'];
      const res = await guardedFetch(p.upload_url!, {
        method: 'PUT',
        headers,
        body: readFileSync(local.path),
        timeoutMs: 300_000,
      });
      if (!res.ok)
        throw new ApiError(
          res.status,
          'upload_failed',
          `PUT of ${p.name} answered ${res.status}: ${(await res.text()).slice(0, 300)}`,
        );
      await res.arrayBuffer().catch(() => undefined);
      bar.update(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, todo.length)) }, worker));
  return todo.length;
}

export interface UploadState {
  upload_id: string;
  api_url: string;
}

export function readState(dir: string): UploadState | undefined {
  try {
    const s = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8'));
    return typeof s?.upload_id === 'string' && typeof s?.api_url === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

export const writeState = (dir: string, state: UploadState) => writeFileSync(join(dir, STATE_FILE), `${JSON.stringify(state)}\n`);
export const clearState = (dir: string) => rmSync(join(dir, STATE_FILE), { force: true });
