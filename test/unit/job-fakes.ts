// In-memory JobStore, RunItemStore and WorkflowStarter for unit tests of the jobs and batch use cases.
import { ConflictError } from '../../functions/core/errors.ts';
import type {
  JobError,
  JobRecord,
  JobStatus,
  RunItem,
  RunItemResult,
  RunItemStatus,
} from '../../functions/core/batch/job-model.ts';
import type { JobListQuery, JobPatch, JobStore, RunItemStore, WorkflowStarter } from '../../functions/core/ports.ts';

const clone = <T>(v: T): T => structuredClone(v);

export class MemoryJobStore implements JobStore {
  readonly jobs = new Map<string, JobRecord>();
  countWrites = 0;

  async create(job: JobRecord) {
    if (this.jobs.has(job.jobId)) throw new ConflictError('exists');
    this.jobs.set(job.jobId, clone(job));
  }
  async get(jobId: string) {
    const j = this.jobs.get(jobId);
    return j ? clone(j) : undefined;
  }
  async list(q: JobListQuery) {
    const all = [...this.jobs.values()]
      .filter((j) => (!q.ownerKeyId || j.ownerKeyId === q.ownerKeyId) && (!q.status || j.status === q.status))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const start = q.cursor ? Number(q.cursor) : 0;
    const page = all.slice(start, start + q.limit).map(clone);
    return start + q.limit < all.length ? { jobs: page, cursor: String(start + q.limit) } : { jobs: page };
  }
  async transition(jobId: string, from: readonly JobStatus[], to: JobStatus, patch: JobPatch = {}) {
    const j = this.jobs.get(jobId);
    if (!j || !from.includes(j.status)) return false;
    j.status = to;
    this.apply(j, patch);
    return true;
  }
  async update(jobId: string, patch: JobPatch) {
    this.apply(this.jobs.get(jobId)!, patch);
  }
  async requestCancel(jobId: string) {
    const j = this.jobs.get(jobId);
    if (!j) return undefined;
    j.cancelRequested = true;
    return clone(j);
  }
  async countItem(jobId: string, outcome: 'ok' | 'err' | 'canceled', at: string, current?: string) {
    const j = this.jobs.get(jobId)!;
    this.countWrites++;
    j.progress.done++;
    if (outcome === 'canceled') j.canceledItems++;
    else j.progress[outcome]++;
    if (current !== undefined) {
      j.progress.current = current;
      j.currentAt = at;
    }
  }
  async setResultOnce(jobId: string, result: Record<string, unknown>, error: JobError | null) {
    const j = this.jobs.get(jobId)!;
    if (j.result) return false;
    j.result = clone(result);
    if (error) j.error = error;
    return true;
  }
  private apply(j: JobRecord, patch: JobPatch) {
    const { progress, canceledItems, ...rest } = patch;
    Object.assign(j, clone(rest));
    if (progress) Object.assign(j.progress, progress);
    if (canceledItems !== undefined) j.canceledItems = canceledItems;
  }
}

export class MemoryRunItemStore implements RunItemStore {
  readonly rows = new Map<string, RunItem>();
  private key = (runId: string, seq: number) => `${runId}#${String(seq).padStart(6, '0')}`;

  async putPending(items: RunItem[]) {
    for (const i of items) this.rows.set(this.key(i.runId, i.seq), clone(i));
  }
  async get(runId: string, seq: number) {
    const r = this.rows.get(this.key(runId, seq));
    return r ? clone(r) : undefined;
  }
  async settle(runId: string, seq: number, result: RunItemResult) {
    const r = this.rows.get(this.key(runId, seq));
    if (!r || r.status !== 'pending') return false;
    Object.assign(r, clone(result));
    return true;
  }
  async listAll(runId: string) {
    return [...this.rows.entries()]
      .filter(([k]) => k.startsWith(`${runId}#`))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, v]) => clone(v));
  }
  async page(runId: string, q: { status?: RunItemStatus; limit: number }) {
    return { items: (await this.listAll(runId)).filter((i) => !q.status || i.status === q.status).slice(0, q.limit) };
  }
}

export class RecordingWorkflow implements WorkflowStarter {
  readonly kind = 'local' as const;
  readonly started: Array<{ jobId: string; executionName: string }> = [];
  fail = false;
  async start(req: { jobId: string; executionName: string }) {
    if (this.fail) throw new Error('StartExecution failed');
    this.started.push({ jobId: req.jobId, executionName: req.executionName });
    return { executionId: req.executionName };
  }
}
