// The batch workflow's task use cases with in-memory ports: each item is counted exactly once whatever
// the retries, a retried item reuses its own request_id claim, cancel is cooperative, and finalize
// accounts for every item.
import { describe, expect, test } from 'vitest';
import { loadTaskCatalog } from '../../functions/adapters/task-files.ts';
import { type BatchDeps, extractItem, recordItemFailure } from '../../functions/core/batch/extract-item.ts';
import { codeOfWorkflowError, messageOfCause } from '../../functions/core/batch/workflow-common.ts';
import { finalizeRun } from '../../functions/core/batch/finalize-run.ts';
import { prepareBatch } from '../../functions/core/batch/prepare-batch.ts';
import { BackendUnavailableError } from '../../functions/core/errors.ts';
import { type JobRecord, emptyProgress } from '../../functions/core/batch/job-model.ts';
import { ModelCallError } from '../../functions/core/ports.ts';
import { GIF, makePng } from '../support/images.ts';
import {
  FAKE_PAGES,
  MemoryArtifactIndex,
  MemoryArtifactStore,
  ScriptedModel,
  fixedClock,
  quietLogger,
  VALID_RECEIPT_ANSWER,
} from './fakes.ts';
import { MemoryJobStore, MemoryRunItemStore, RecordingWorkflow } from './job-fakes.ts';

const VALID = VALID_RECEIPT_ANSWER;
const down = () => new ModelCallError('unavailable', 'connection refused');

function prepare(
  steps: Array<string | Error>,
  files: Array<{ name: string; bytes: Buffer }>,
  settings: Partial<BatchDeps['settings']> = {},
) {
  const store = new MemoryArtifactStore();
  const index = new MemoryArtifactIndex();
  const model = new ScriptedModel(steps);
  const clock = fixedClock();
  const deps: BatchDeps & { jobs: MemoryJobStore; runItems: MemoryRunItemStore } = {
    jobs: new MemoryJobStore(),
    runItems: new MemoryRunItemStore(),
    index,
    store,
    workflow: new RecordingWorkflow(),
    tasks: loadTaskCatalog(),
    clock,
    logger: quietLogger,
    settings: {
      dataRoot: 'data',
      maxItems: 100,
      maxConcurrency: 8,
      defaultConcurrency: 2,
      maxUploadFiles: 10,
      maxUploadBytes: 1e6,
      syncWaitS: 0,
      syncPollMs: 10,
      progressEveryN: 1,
      progressMinSeconds: 0,
      debugMode: false,
      allowOverwrite: false,
      imageLimits: { maxImageBytes: 1e6, maxImagePixels: 1e7 },
      ...settings,
    },
    extract: {
      model,
      pages: FAKE_PAGES,
      store,
      index,
      clock,
      logger: quietLogger,
      settings: { allowOverwrite: false, maxRetries: 1, retryBaseMs: 0 },
    },
  };
  const job: JobRecord = {
    jobId: 'job_1',
    kind: 'batch_upload',
    ownerKeyId: 'alice',
    status: 'queued',
    progress: emptyProgress(),
    canceledItems: 0,
    cancelRequested: false,
    createdAt: '2026-11-23T09:00:00.000Z',
    updatedAt: '2026-11-23T09:00:00.000Z',
    taskId: 'receipt_fields_v1',
    concurrency: 2,
    runId: 'run-1',
    runDay: '2026-11-23',
    source: { type: 'upload', persist_inputs: false, files: files.length },
    inputs: files.map((f, i) => ({ file: f.name, input_ref: `staging/run-1/${i}_${f.name}`, mime_type: null })),
    stagingPrefix: 'staging/run-1/',
  };
  return {
    deps,
    model,
    job,
    async start() {
      for (const [i, f] of files.entries())
        await store.putBytes(`staging/run-1/${i}_${f.name}`, f.bytes, 'image/png', { overwrite: true });
      await index.claim(
        {
          kind: 'batch',
          id: 'run-1',
          ownerKeyId: 'alice',
          rel: 'batches/2026-11-23/run-1.json',
          day: '2026-11-23',
          createdAt: job.createdAt,
          status: 'pending',
        },
        { overwrite: false },
      );
      await deps.jobs.create(job);
      return prepareBatch(deps, { jobId: 'job_1' });
    },
  };
}

const png = (seed: number) => ({ name: `r${seed}.png`, bytes: makePng(16, 8, seed) });

describe('PrepareBatch', () => {
  test('marks the job running, writes one pending row per input and returns only item numbers', async () => {
    const { deps, start } = prepare([], [png(1), png(2), png(3)]);
    const out = await start();
    expect(out).toEqual({ run_id: 'run-1', items: [0, 1, 2], concurrency: 2 });
    const job = (await deps.jobs.get('job_1'))!;
    expect(job).toMatchObject({ status: 'running', progress: { stage: 'extracting', total: 3 } });
    expect((await deps.runItems.listAll('run-1')).map((i) => [i.requestId, i.status])).toEqual([
      ['run-1_000000', 'pending'],
      ['run-1_000001', 'pending'],
      ['run-1_000002', 'pending'],
    ]);
  });

  test('a job canceled while queued gets no items', async () => {
    const { deps, job, start } = prepare([], [png(1)]);
    job.status = 'canceled';
    job.cancelRequested = true;
    expect((await start()).items).toEqual([]);
    expect(deps.runItems.rows.size).toBe(0);
  });
});

describe('ExtractItem', () => {
  test('settles the item and counts it once, even when the task runs again', async () => {
    const { deps, start } = prepare([VALID], [png(1)]);
    await start();
    expect(await extractItem(deps, { jobId: 'job_1', seq: 0 })).toEqual({ seq: 0, status: 'ok' });
    expect(await extractItem(deps, { jobId: 'job_1', seq: 0 })).toEqual({ seq: 0, status: 'ok' });
    const job = (await deps.jobs.get('job_1'))!;
    expect(job.progress).toMatchObject({ done: 1, ok: 1, err: 0, current: 'r1.png' });
    expect((await deps.runItems.get('run-1', 0))!).toMatchObject({
      status: 'ok',
      schemaValid: true,
      artifactRel: 'extracts/2026-11-23/run-1_000000.json',
    });
  });

  test('the backend down after the core retries throws BackendUnavailableError; the retry reuses its own claim', async () => {
    const { deps, model, start } = prepare([down(), down(), VALID], [png(1)]);
    await start();
    await expect(extractItem(deps, { jobId: 'job_1', seq: 0 })).rejects.toBeInstanceOf(BackendUnavailableError);
    expect((await deps.runItems.get('run-1', 0))!.status).toBe('pending');
    expect(await extractItem(deps, { jobId: 'job_1', seq: 0 })).toEqual({ seq: 0, status: 'ok' });
    expect(model.calls).toHaveLength(3);
    const artifact = await deps.store.getJson<any>('extracts/2026-11-23/run-1_000000.json');
    expect(artifact).toMatchObject({ error: null, schema_valid: true });
  });

  test("another run's request_id is never overwritten: the item fails with conflict", async () => {
    const { deps, start } = prepare([VALID], [png(1)]);
    await start();
    await deps.index.claim(
      {
        kind: 'extract',
        id: 'run-1_000000',
        ownerKeyId: 'bob',
        rel: 'extracts/x.json',
        day: '2026-11-23',
        createdAt: 'x',
        status: 'ok',
      },
      { overwrite: false },
    );
    expect(await extractItem(deps, { jobId: 'job_1', seq: 0 })).toEqual({ seq: 0, status: 'error' });
    expect((await deps.runItems.get('run-1', 0))!.error).toMatchObject({ code: 'conflict' });
    expect((await deps.index.get('extract', 'run-1_000000'))!.ownerKeyId).toBe('bob');
  });

  test('a file that is not an image becomes an error item with an artifact, without a model call', async () => {
    const { deps, model, start } = prepare([], [{ name: 'x.gif', bytes: GIF }]);
    await start();
    expect(await extractItem(deps, { jobId: 'job_1', seq: 0 })).toEqual({ seq: 0, status: 'error' });
    expect(model.calls).toHaveLength(0);
    const item = (await deps.runItems.get('run-1', 0))!;
    expect(item.error?.code).toBe('invalid_input');
    const artifact = await deps.store.getJson<any>(item.artifactRel!);
    expect(artifact).toMatchObject({
      request_id: 'run-1_000000',
      error: { code: 'invalid_input' },
      input: { file: 'x.gif', mime_type: 'image/gif' },
    });
    expect((await deps.index.get('extract', 'run-1_000000'))!.status).toBe('error');
  });

  test('after a cancel request the next item is skipped without a model call (FinalizeBatch settles it)', async () => {
    const { deps, model, start } = prepare([VALID], [png(1), png(2)]);
    await start();
    await extractItem(deps, { jobId: 'job_1', seq: 0 });
    await deps.jobs.requestCancel('job_1');
    expect(await extractItem(deps, { jobId: 'job_1', seq: 1 })).toEqual({ seq: 1, status: 'skipped' });
    expect(model.calls).toHaveLength(1);
    expect((await deps.runItems.get('run-1', 1))!.status).toBe('pending');
  });

  test('progress.current is throttled to every N items', async () => {
    const { deps, start } = prepare([VALID, VALID, VALID, VALID], [png(1), png(2), png(3), png(4)], {
      progressEveryN: 3,
      progressMinSeconds: 3600,
    });
    await start();
    const seen: Array<string | null> = [];
    for (const seq of [0, 1, 2, 3]) {
      await extractItem(deps, { jobId: 'job_1', seq });
      seen.push((await deps.jobs.get('job_1'))!.progress.current);
    }
    // The first item sets it, then every third item (and the last one).
    expect(seen).toEqual(['r1.png', 'r1.png', 'r3.png', 'r4.png']);
  });
});

describe('RecordItemFailure', () => {
  test('keeps the artifact and error history the last attempt wrote', async () => {
    const { deps, start } = prepare([down(), down()], [png(1)]);
    await start();
    await expect(extractItem(deps, { jobId: 'job_1', seq: 0 })).rejects.toThrow();
    const cause = JSON.stringify({ errorType: 'BackendUnavailableError', errorMessage: 'connection refused', trace: ['at x'] });
    await recordItemFailure(deps, { jobId: 'job_1', seq: 0, error: 'BackendUnavailableError', cause });
    const item = (await deps.runItems.get('run-1', 0))!;
    expect(item).toMatchObject({
      status: 'error',
      error: { code: 'backend_unavailable', message: 'connection refused' },
      artifactRel: 'extracts/2026-11-23/run-1_000000.json',
    });
    expect(item.errorHistory).toHaveLength(2);
    expect((await deps.jobs.get('job_1'))!.progress).toMatchObject({ done: 1, err: 1 });
  });

  test('with no artifact from a crashed attempt it writes one', async () => {
    const { deps, start } = prepare([], [png(1)]);
    await start();
    await recordItemFailure(deps, { jobId: 'job_1', seq: 0, error: 'States.Timeout', cause: 'Task timed out' });
    const item = (await deps.runItems.get('run-1', 0))!;
    expect(item.error).toEqual({ code: 'task_timeout', message: 'Task timed out' });
    expect(await deps.store.getJson<any>(item.artifactRel!)).toMatchObject({ error: { code: 'internal_error' } });
  });
});

describe('FinalizeBatch / FailBatch', () => {
  test('recomputes the counts from the item rows and writes the batch artifact', async () => {
    const { deps, start } = prepare([VALID, VALID], [png(1), png(2)]);
    await start();
    await extractItem(deps, { jobId: 'job_1', seq: 0 });
    await extractItem(deps, { jobId: 'job_1', seq: 1 });
    // Counters that drifted (a task that died between settling and counting) are corrected.
    deps.jobs.jobs.get('job_1')!.progress.ok = 7;
    expect(await finalizeRun(deps, 'job_1')).toEqual({ status: 'succeeded' });
    const job = (await deps.jobs.get('job_1'))!;
    expect(job).toMatchObject({ status: 'succeeded', progress: { stage: 'succeeded', total: 2, done: 2, ok: 2, err: 0 } });
    const batch = await deps.store.getJson<any>('batches/2026-11-23/run-1.json');
    expect(batch.summary).toMatchObject({ total: 2, ok: 2, err: 0, canceled: 0, schema_valid: 2 });
    expect((await deps.index.get('batch', 'run-1'))!.status).toBe('ok');
    expect((await deps.store.list('staging/run-1/', { limit: 10 })).objects).toEqual([]);
    // A retried FinalizeBatch changes nothing.
    expect(await finalizeRun(deps, 'job_1')).toEqual({ status: 'succeeded' });
  });

  test('a failure settles what was not reached, marks the job failed and still writes the artifact', async () => {
    const { deps, start } = prepare([VALID], [png(1), png(2)]);
    await start();
    await extractItem(deps, { jobId: 'job_1', seq: 0 });
    await finalizeRun(deps, 'job_1', { code: 'internal_error', message: 'boom' });
    const job = (await deps.jobs.get('job_1'))!;
    expect(job).toMatchObject({
      status: 'failed',
      error: { code: 'internal_error' },
      progress: { stage: 'failed', ok: 1, err: 1 },
    });
    const batch = await deps.store.getJson<any>(job.artifactRel!);
    expect(batch.items.map((i: any) => [i.status, i.error?.code ?? null])).toEqual([
      ['ok', null],
      ['error', 'not_processed'],
    ]);
    expect((await deps.index.get('batch', 'run-1'))!.status).toBe('error');
  });

  test('after a cancel the rest is canceled and the job ends canceled with a partial artifact', async () => {
    const { deps, start } = prepare([VALID], [png(1), png(2), png(3)]);
    await start();
    await extractItem(deps, { jobId: 'job_1', seq: 0 });
    await deps.jobs.requestCancel('job_1');
    await finalizeRun(deps, 'job_1');
    const job = (await deps.jobs.get('job_1'))!;
    expect(job).toMatchObject({ status: 'canceled', canceledItems: 2, progress: { stage: 'canceled', done: 3, ok: 1 } });
    expect((await deps.store.getJson<any>(job.artifactRel!)).status).toBe('canceled');
  });
});

describe('workflow errors as item errors', () => {
  test('names map to codes; Lambda causes keep only the message, never the trace', () => {
    expect(codeOfWorkflowError('BackendUnavailableError')).toBe('backend_unavailable');
    expect(codeOfWorkflowError('States.Timeout')).toBe('task_timeout');
    expect(codeOfWorkflowError('TypeError')).toBe('internal_error');
    expect(messageOfCause('{"errorType":"X","errorMessage":"it broke","trace":["at a"]}', 'X')).toBe('it broke');
    expect(messageOfCause('plain words', 'X')).toBe('plain words');
    expect(messageOfCause('', 'X')).toBe('X');
    expect(messageOfCause('y'.repeat(900), 'X')).toHaveLength(500);
  });
});
