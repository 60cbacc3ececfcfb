// Browser uploads through a session (POST /v1/uploads): declare the files, PUT each one straight to its
// presigned URL with XHR (fetch has no upload progress), then complete the session into a run.
import { api } from './api.ts';

export { mimeOf, uniqueNames } from './file-names.ts';

export interface DeclaredFile {
  name: string;
  mime_type: string;
  size_bytes: number;
  upload_url: string;
  method: 'PUT';
  headers: Record<string, string>;
}

interface Session {
  upload_id: string;
  files: DeclaredFile[];
}

const PER_CALL = 1000;

/** Opens a session for the files (1,000 per call, the API's limit) and returns their upload URLs in order. */
export async function openSession(files: Array<{ name: string; mime_type: string; size_bytes: number }>): Promise<Session> {
  const first = await api<Session>('/v1/uploads', { method: 'POST', json: { files: files.slice(0, PER_CALL) } });
  const all = [...first.files];
  for (let i = PER_CALL; i < files.length; i += PER_CALL) {
    const more = await api<Session>(`/v1/uploads/${first.upload_id}/files`, {
      method: 'POST',
      json: { files: files.slice(i, i + PER_CALL) },
    });
    all.push(...more.files);
  }
  return { upload_id: first.upload_id, files: all };
}

/** PUTs one file to its presigned URL; `onProgress` gets 0..1. Content-Length is the browser's to set. */
export function putFile(
  file: Blob,
  target: DeclaredFile,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(target.method, target.upload_url);
    for (const [k, v] of Object.entries(target.headers)) if (k.toLowerCase() !== 'content-length') xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300 ? (onProgress(1), resolve()) : reject(new Error(`upload failed: HTTP ${xhr.status}`));
    xhr.onerror = () => reject(new Error('upload failed: network error (is the bucket CORS rule set?)'));
    xhr.onabort = () => reject(new Error('upload canceled'));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}

/** Runs `work` over the items with at most `limit` at a time. */
export async function pool<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  });
  await Promise.all(runners);
}
