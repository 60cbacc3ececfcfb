// PrepareBatch, the batch workflow's first task: the job starts running and its inputs become pending item
// rows; also how a run's inputs are found (images under the data root, a source run's persisted inputs).
import { STAGING_PREFIX } from '../artifact-keys.ts';
import { ConflictError } from '../errors.ts';
import { dataPrefix, compileGlob, selectsImage } from './data-root.ts';
import { type BatchInput, type JobRecord, type RunItem, itemRequestId } from './job-model.ts';
import type { JobDeps } from './job-deps.ts';
import { mustGetJob } from './workflow-common.ts';
import { sessionInputs } from '../uploads/session-inputs.ts';

export interface PrepareBatchResult {
  run_id: string;
  /** Item numbers only: the per-item data stays in the run's item rows (256 KB state limit). */
  items: number[];
  concurrency: number;
}

const emptyPrepare = (job: JobRecord): PrepareBatchResult => ({ run_id: job.runId ?? job.jobId, items: [], concurrency: 1 });

/**
 * PrepareBatch.
 * 1. queued → running (a job canceled while queued gets no items)
 * 2. resolve the inputs: the upload's staged files, the images under `images_dir`, or the source run's persisted inputs
 * 3. write one pending item row per input (idempotent on retry)
 * 4. progress: stage extracting, total = number of items; return the item numbers for the Map
 */
export async function prepareBatch(deps: JobDeps, input: { jobId: string }): Promise<PrepareBatchResult> {
  let job = await mustGetJob(deps, input.jobId);
  const now = deps.clock.now().toISOString();
  if (job.status === 'queued') {
    const moved = await deps.jobs.transition(job.jobId, ['queued'], 'running', {
      startedAt: now,
      progress: { stage: 'loading_inputs' },
    });
    job = moved ? { ...job, status: 'running', startedAt: now } : await mustGetJob(deps, input.jobId);
  }
  if (job.status !== 'running' || job.cancelRequested) return emptyPrepare(job);

  if (job.kind === 'extract') {
    await deps.jobs.update(job.jobId, { progress: { stage: 'extracting', total: 1 } });
    return { run_id: job.jobId, items: [0], concurrency: 1 };
  }

  const runId = job.runId!;
  const inputs = await resolveInputs(deps, job);
  const rows: RunItem[] = inputs.map((inp, seq) => ({
    runId,
    seq,
    ownerKeyId: job.ownerKeyId,
    file: inp.file,
    requestId: itemRequestId(runId, seq),
    inputRef: inp.input_ref,
    mimeType: inp.mime_type,
    status: 'pending',
    artifactRel: null,
    schemaValid: null,
    error: null,
    createdAt: now,
  }));
  await deps.runItems.putPending(rows);
  await deps.jobs.update(job.jobId, { progress: { stage: 'extracting', total: rows.length } });
  deps.logger.info('batch_prepared', { job_id: job.jobId, run_id: runId, items: rows.length, source: job.source.type });
  return { run_id: runId, items: rows.map((r) => r.seq), concurrency: job.concurrency };
}

async function resolveInputs(deps: JobDeps, job: JobRecord): Promise<BatchInput[]> {
  const source = job.source;
  switch (source.type) {
    case 'upload':
      return job.inputs ?? [];
    case 'upload_session':
      return sessionInputs(deps.uploads, source.upload_id);
    case 'dir': {
      const { inputs, truncated, exhausted } = await listDataImages(
        deps,
        source,
        Math.min(source.limit ?? deps.settings.maxItems, deps.settings.maxItems),
      );
      if (truncated && source.limit === null) {
        deps.logger.warn('batch_inputs_truncated', {
          job_id: job.jobId,
          max_items: deps.settings.maxItems,
          listing_budget_exhausted: exhausted === true,
        });
        await deps.jobs.update(job.jobId, { source: { ...source, truncated: true } });
      }
      return inputs;
    }
    case 'rerun': {
      const inputs = await persistedInputs(deps, source.run_id);
      if (inputs.length === 0)
        throw new ConflictError(`Run "${source.run_id}" has no persisted inputs`, { run_id: source.run_id });
      return inputs.slice(0, deps.settings.maxItems);
    }
    case 'extract':
      return [];
  }
}

/**
 * How much of the data root one listing may read: a directory far larger than any batch, or a selection
 * that matches nothing in a huge prefix, stops here instead of holding the function to its timeout.
 */
export const LISTING_BUDGET = { maxScannedKeys: 200_000, maxMs: 10_000 } as const;

/**
 * Images under `images_dir` (relative to the data root) that match `glob` and `exts`, in key order.
 * `exhausted` is true when the listing budget ran out first (the result is then also `truncated`).
 */
export async function listDataImages(
  deps: Pick<JobDeps, 'store' | 'settings'>,
  source: { images_dir: string; glob: string; exts: string[] },
  max: number,
  budget: { maxScannedKeys: number; maxMs: number } = LISTING_BUDGET,
): Promise<{ inputs: BatchInput[]; truncated: boolean; exhausted?: boolean }> {
  const prefix = dataPrefix(deps.settings.dataRoot, source.images_dir);
  const glob = compileGlob(source.glob);
  const inputs: BatchInput[] = [];
  const startedAt = Date.now();
  let scanned = 0;
  let cursor: string | undefined;
  // A small first page when few images are wanted (the existence check at job creation wants one).
  const pageSize = Math.min(1000, Math.max(100, max));
  do {
    if (scanned >= budget.maxScannedKeys || Date.now() - startedAt > budget.maxMs) {
      return { inputs, truncated: true, exhausted: true };
    }
    const page = await deps.store.list(prefix, { limit: pageSize, ...(cursor ? { cursor } : {}) });
    scanned += page.objects.length;
    for (const o of page.objects) {
      const rel = o.rel.slice(prefix.length);
      if (!selectsImage(rel, glob, source.exts)) continue;
      if (inputs.length >= max) return { inputs, truncated: true };
      inputs.push({ file: rel, input_ref: o.rel, mime_type: null });
    }
    cursor = page.cursor;
  } while (cursor);
  return { inputs, truncated: false };
}

/** A run's inputs that still exist after it: persisted uploads and data-root files (staged uploads are deleted). */
export async function persistedInputs(deps: Pick<JobDeps, 'runItems'>, runId: string): Promise<BatchInput[]> {
  const items = await deps.runItems.listAll(runId, { inputsOnly: true });
  return items
    .filter((i) => !i.inputRef.startsWith(STAGING_PREFIX))
    .map((i) => ({ file: i.file, input_ref: i.inputRef, mime_type: i.mimeType }));
}
