// Browser uploads through a session (POST /v1/uploads): declare the files, PUT each one straight to its
// presigned URL with XHR (fetch has no upload progress), then complete the session into a run.
import { api } from './api.ts';

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

const BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

/** The type a browser reports, or one from the extension (browsers leave HEIC's empty). */
export function mimeOf(file: { name: string; type: string }): string {
  if (file.type) return file.type;
  return BY_EXTENSION[file.name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

/** Names unique in the session: a second "IMG_0001.jpg" becomes "IMG_0001 (2).jpg". */
export function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const clean = n.replace(/[\\/\u0000-\u001f]/g, '_').replace(/^\.+/, '_') || 'file';
    const count = (seen.get(clean.toLowerCase()) ?? 0) + 1;
    seen.set(clean.toLowerCase(), count);
    if (count === 1) return clean;
    const dot = clean.lastIndexOf('.');
    return dot > 0 ? `${clean.slice(0, dot)} (${count})${clean.slice(dot)}` : `${clean} (${count})`;
  });
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
