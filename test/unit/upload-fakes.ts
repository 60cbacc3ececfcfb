// In-memory upload session store, presigner and a bucket that lists like S3 (UTF-8 key order, pages with
// continuation tokens, StartAfter, LastModified), for unit tests of the upload use cases.
import { ConflictError } from '../../functions/core/errors.ts';
import type { Logger, StoredObject } from '../../functions/core/ports.ts';
import { compareNames } from '../../functions/core/uploads/names.ts';
import type {
  BeginAddOutcome,
  PresignedUpload,
  UploadPresigner,
  UploadSessionStore,
} from '../../functions/core/uploads/ports.ts';
import type { UploadCompletion, UploadFile, UploadSession } from '../../functions/core/uploads/upload-model.ts';
import { MemoryArtifactStore } from './fakes.ts';

const clone = <T>(v: T): T => structuredClone(v);

export class MemoryUploadSessionStore implements UploadSessionStore {
  readonly sessions = new Map<string, UploadSession>();
  readonly files = new Map<string, Map<string, UploadFile>>();

  async create(session: UploadSession, files: UploadFile[]) {
    if (this.sessions.has(session.uploadId)) throw new ConflictError('exists');
    const rows = new Map<string, UploadFile>();
    for (const f of files) rows.set(f.name, clone(f));
    this.files.set(session.uploadId, rows);
    this.sessions.set(session.uploadId, clone(session));
  }
  async get(uploadId: string) {
    const s = this.sessions.get(uploadId);
    return s ? clone(s) : undefined;
  }
  async beginAdd(
    uploadId: string,
    opts: { count: number; maxFiles: number; now: string; leaseUntil: string },
  ): Promise<BeginAddOutcome> {
    const s = this.sessions.get(uploadId);
    if (!s || s.status !== 'open' || s.expiresAt <= opts.now) return 'closed';
    if (s.addLeaseUntil && s.addLeaseUntil > opts.now) return 'busy';
    if (s.fileCount + opts.count > opts.maxFiles) return 'full';
    s.fileCount += opts.count;
    s.version += 1;
    s.addLeaseUntil = opts.leaseUntil;
    return 'ok';
  }
  async putNewFiles(session: UploadSession, files: UploadFile[]) {
    const rows = this.files.get(session.uploadId)!;
    const existing = files.filter((f) => rows.has(f.name)).map((f) => f.name);
    if (existing.length === 0) for (const f of files) rows.set(f.name, clone(f));
    return { existing };
  }
  async endAdd(uploadId: string, opts: { leaseUntil: string; release: number }) {
    const s = this.sessions.get(uploadId)!;
    if (s.addLeaseUntil === opts.leaseUntil) delete s.addLeaseUntil;
    s.fileCount -= opts.release;
  }
  async pageFiles(uploadId: string, opts: { limit: number; afterName?: string }) {
    const all = this.sorted(uploadId).filter((f) => opts.afterName === undefined || compareNames(f.name, opts.afterName) > 0);
    return { files: all.slice(0, opts.limit), more: all.length > opts.limit };
  }
  async getFile(uploadId: string, name: string) {
    const f = this.files.get(uploadId)?.get(name);
    return f ? clone(f) : undefined;
  }
  async listFiles(uploadId: string) {
    return this.sorted(uploadId);
  }
  async markCompleted(uploadId: string, completion: UploadCompletion, opts: { version: number; now: string }) {
    const s = this.sessions.get(uploadId)!;
    if (s.status !== 'open' || s.version !== opts.version) return false;
    if (s.addLeaseUntil && s.addLeaseUntil > opts.now) return false;
    s.status = 'completed';
    s.completion = clone(completion);
    return true;
  }
  private sorted(uploadId: string): UploadFile[] {
    return [...(this.files.get(uploadId)?.values() ?? [])].map(clone).sort((a, b) => compareNames(a.name, b.name));
  }
}

/** Signs nothing: URLs that say what they were asked for, so tests can read them back. */
export class FakePresigner implements UploadPresigner {
  readonly signed: Array<{ rel: string; contentType: string; contentLength: number; ttlS: number }> = [];
  async presignPut(rel: string, opts: { contentType: string; contentLength: number; ttlS: number }): Promise<PresignedUpload> {
    this.signed.push({ rel, ...opts });
    return {
      url: `https://bucket.example/${encodeURI(rel)}?ttl=${opts.ttlS}&X-Amz-Signature=fake`,
      method: 'PUT',
      headers: { 'Content-Type': opts.contentType, 'Content-Length': String(opts.contentLength) },
    };
  }
}

/** The artifact store with S3's listing: UTF-8 key order, pages of `limit`, StartAfter, LastModified. */
export class ListingBucket extends MemoryArtifactStore {
  readonly modified = new Map<string, string>();
  listCalls = 0;
  private tokens = new Map<string, string>();

  /** Puts an object as a client's PUT would, at `at` (ISO). */
  arrive(rel: string, bytes: Buffer | number, at = '2026-11-23T10:00:00.000Z') {
    this.objects.set(rel, typeof bytes === 'number' ? Buffer.alloc(bytes) : bytes);
    this.modified.set(rel, at);
  }
  override async list(prefix: string, opts: { limit: number; cursor?: string; startAfter?: string }) {
    this.listCalls++;
    const after = opts.cursor ? this.tokens.get(opts.cursor) : opts.startAfter;
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (after === undefined || compareNames(k, after) > 0))
      .sort(compareNames);
    const page = keys.slice(0, opts.limit);
    const objects: StoredObject[] = page.map((rel) => ({
      rel,
      size: this.objects.get(rel)!.length,
      ...(this.modified.has(rel) ? { lastModified: this.modified.get(rel)! } : {}),
    }));
    if (keys.length <= opts.limit) return { objects };
    const token = `t${this.tokens.size}`;
    this.tokens.set(token, page[page.length - 1]!);
    return { objects, cursor: token };
  }
}

/** A clock tests move forward. */
export function movableClock(iso = '2026-11-23T10:00:00.000Z') {
  let t = Date.parse(iso);
  return { now: () => new Date(t), sleep: async () => {}, advance: (ms: number) => void (t += ms) };
}

/** A logger that keeps every line as JSON, to look for what must never be logged. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (event: string, fields?: Record<string, unknown>) =>
    void lines.push(JSON.stringify({ level, event, ...fields }));
  return { lines, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}
