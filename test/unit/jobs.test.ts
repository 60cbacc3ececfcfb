// Jobs as use cases with in-memory ports: owner isolation, cooperative cancel, the bounded sync wait,
// starting a job (and failing it when the workflow cannot start), and recovery after a restart.
import { describe, expect, test } from 'vitest';
import { loadTaskCatalog } from '../../functions/adapters/task-files.ts';
import type { Principal } from '../../functions/core/auth/api-keys.ts';
import { createRerunBatch, createUploadBatch } from '../../functions/core/batch/batch-create.ts';
import { type JobRecord, emptyProgress } from '../../functions/core/batch/job-model.ts';
import { type JobDeps } from '../../functions/core/batch/job-deps.ts';
import {
  cancelJob,
  executionNameOf,
  getOwnedJob,
  listJobs,
  recoverJobsAfterRestart,
  waitForJob,
} from '../../functions/core/batch/jobs.ts';
import { makePng } from '../support/images.ts';
import { MemoryArtifactIndex, MemoryArtifactStore, fixedClock, quietLogger } from './fakes.ts';
import { MemoryJobStore, MemoryRunItemStore, RecordingWorkflow } from './job-fakes.ts';

const alice: Principal = { keyId: 'alice', role: 'client', scopes: ['extract:run'] };
const bob: Principal = { keyId: 'bob', role: 'client', scopes: ['extract:run'] };
const admin: Principal = { keyId: 'root', role: 'admin', scopes: ['admin'] };

function prepare() {
  const clock = fixedClock();
  const deps: JobDeps & { jobs: MemoryJobStore; workflow: RecordingWorkflow; store: MemoryArtifactStore } = {
    jobs: new MemoryJobStore(),
    runItems: new MemoryRunItemStore(),
    index: new MemoryArtifactIndex(),
    store: new MemoryArtifactStore(),
    workflow: new RecordingWorkflow(),
    tasks: loadTaskCatalog(),
    clock,
    logger: quietLogger,
    settings: {
      dataRoot: 'data',
      maxItems: 100,
      maxConcurrency: 8,
      defaultConcurrency: 2,
      maxUploadFiles: 3,
      maxUploadBytes: 10_000,
      syncWaitS: 1,
      syncPollMs: 100,
      progressEveryN: 1,
      progressMinSeconds: 0,
      debugMode: false,
      allowOverwrite: false,
      imageLimits: { maxImageBytes: 1e6, maxImagePixels: 1e7 },
    },
  };
  return { deps, clock };
}

function job(over: Partial<JobRecord> = {}): JobRecord {
  return {
    jobId: `job_${Math.random().toString(16).slice(2)}`,
    kind: 'batch_dir',
    ownerKeyId: 'alice',
    status: 'queued',
    progress: emptyProgress(),
    canceledItems: 0,
    cancelRequested: false,
    createdAt: '2026-11-23T09:00:00.000Z',
    updatedAt: '2026-11-23T09:00:00.000Z',
    taskId: 'receipt_fields_v1',
    concurrency: 1,
    source: { type: 'dir', images_dir: 'x', glob: '**/*', exts: ['png'], limit: null },
    runId: 'r1',
    runDay: '2026-11-23',
    ...over,
  };
}

const upload = (n: number, fields: Record<string, string> = {}) => ({
  fields: { task_id: 'receipt_fields_v1', ...fields },
  files: Array.from({ length: n }, (_, i) => ({ filename: `f${i}.png`, mimeType: 'image/png', bytes: makePng(8, 8, i) })),
});

describe('reading jobs', () => {
  test("another owner's job is a 404; admins see every job and list them all", async () => {
    const { deps } = prepare();
    const j = job();
    await deps.jobs.create(j);
    await expect(getOwnedJob(deps, bob, j.jobId)).rejects.toMatchObject({ statusCode: 404 });
    expect((await getOwnedJob(deps, admin, j.jobId)).jobId).toBe(j.jobId);
    expect((await listJobs(deps, bob, { limit: 10 })).jobs).toEqual([]);
    expect((await listJobs(deps, admin, { limit: 10 })).jobs).toHaveLength(1);
  });
});

describe('cancel', () => {
  test('a queued job is canceled at once; a running one is only flagged; a finished one is 409', async () => {
    const { deps } = prepare();
    const queued = job();
    const running = job({ status: 'running' });
    const done = job({ status: 'succeeded' });
    for (const j of [queued, running, done]) await deps.jobs.create(j);
    expect(await cancelJob(deps, alice, queued.jobId)).toMatchObject({ status: 'canceled', cancelRequested: true });
    expect(await cancelJob(deps, alice, running.jobId)).toMatchObject({ status: 'running', cancelRequested: true });
    await expect(cancelJob(deps, alice, done.jobId)).rejects.toMatchObject({ statusCode: 409 });
    await expect(cancelJob(deps, bob, running.jobId)).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('waitForJob', () => {
  test('returns the job as it is once the window has passed', async () => {
    const { deps } = prepare();
    const j = job({ status: 'running' });
    await deps.jobs.create(j);
    const clock = {
      now: (() => {
        let t = 0;
        return () => new Date((t += 400));
      })(),
      sleep: async () => undefined,
    };
    expect((await waitForJob({ ...deps, clock }, j.jobId, 1, 100)).status).toBe('running');
  });
});

describe('creating jobs', () => {
  test('an upload is staged in order, started under an execution named after the run and job', async () => {
    const { deps } = prepare();
    const j = await createUploadBatch(deps, alice, upload(2, { run_id: 'my-run', concurrency: '2' }));
    expect(j).toMatchObject({ status: 'queued', kind: 'batch_upload', runId: 'my-run', concurrency: 2 });
    expect(j.inputs!.map((i) => i.input_ref)).toEqual(['staging/my-run/000000_f0.png', 'staging/my-run/000001_f1.png']);
    expect(deps.workflow.started).toEqual([{ jobId: j.jobId, executionName: `my-run-${j.jobId}` }]);
    expect(executionNameOf(j)).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  test('bad uploads are refused before anything is stored', async () => {
    const { deps } = prepare();
    await expect(createUploadBatch(deps, alice, upload(0))).rejects.toMatchObject({ statusCode: 400 });
    await expect(createUploadBatch(deps, alice, upload(4))).rejects.toMatchObject({ code: 'too_many_files' });
    await expect(createUploadBatch(deps, alice, upload(1, { concurrency: '99' }))).rejects.toMatchObject({ statusCode: 400 });
    await expect(createUploadBatch(deps, alice, upload(1, { run_id: 'bad/id' }))).rejects.toMatchObject({ statusCode: 400 });
    await expect(createUploadBatch(deps, alice, upload(1, { persist_inputs: 'maybe' }))).rejects.toMatchObject({
      statusCode: 400,
    });
    expect(deps.store.objects.size).toBe(0);
    expect(deps.jobs.jobs.size).toBe(0);
  });

  test('when the workflow cannot start, the job is failed (never left queued) and the caller gets a 500', async () => {
    const { deps } = prepare();
    deps.workflow.fail = true;
    await expect(createUploadBatch(deps, alice, upload(1, { run_id: 'no-start' }))).rejects.toMatchObject({ statusCode: 500 });
    const [stored] = deps.jobs.jobs.values();
    expect(stored).toMatchObject({ status: 'failed', error: { code: 'internal_error' } });
    expect(deps.store.objects.has('staging/no-start/000000_f0.png')).toBe(false);
  });

  test('a rerun of a run with only staged inputs is 409; of an unknown run 404', async () => {
    const { deps } = prepare();
    await expect(createRerunBatch(deps, alice, { run_id: 'nope', task_id: 'receipt_fields_v1' })).rejects.toMatchObject({
      statusCode: 404,
    });
    await deps.index.claim(
      {
        kind: 'batch',
        id: 'src',
        ownerKeyId: 'alice',
        rel: 'batches/2026-11-23/src.json',
        day: '2026-11-23',
        createdAt: 'x',
        status: 'ok',
      },
      { overwrite: false },
    );
    await deps.runItems.putPending([
      {
        runId: 'src',
        seq: 0,
        ownerKeyId: 'alice',
        file: 'a.png',
        requestId: 'src_000000',
        inputRef: 'staging/src/000000_a.png',
        mimeType: null,
        status: 'ok',
        artifactRel: null,
        schemaValid: true,
        error: null,
        createdAt: 'x',
      },
    ]);
    await expect(createRerunBatch(deps, alice, { run_id: 'src', task_id: 'receipt_fields_v1' })).rejects.toMatchObject({
      statusCode: 409,
    });
    await expect(
      createRerunBatch(deps, alice, { run_id: 'src', task_id: 'receipt_fields_v1', max_days: 1, batch_date: '2026-11-22' }),
    ).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('recovery after a restart', () => {
  test('running jobs fail as stale_after_restart, queued ones start again', async () => {
    const { deps } = prepare();
    const running = job({ status: 'running', runId: 'run-a' });
    const queued = job({ runId: 'run-b' });
    await deps.jobs.create(running);
    await deps.jobs.create(queued);
    const out = await recoverJobsAfterRestart(deps);
    expect(out).toMatchObject({ failed: [running.jobId], restarted: [queued.jobId] });
    expect(await deps.jobs.get(running.jobId)).toMatchObject({ status: 'failed', error: { code: 'stale_after_restart' } });
    expect(deps.workflow.started.map((s) => s.jobId)).toEqual([queued.jobId]);
    expect(await deps.store.getJson<any>('batches/2026-11-23/run-a.json')).toMatchObject({ status: 'failed' });
  });
});
