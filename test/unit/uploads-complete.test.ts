// Completing an upload session with in-memory ports: the storage check (one listing per 1,000 files),
// the job it starts, replays, conflicts, and PrepareBatch reading the files from the session's rows.
import { describe, expect, test } from 'vitest';
import { loadTaskCatalog } from '../../functions/adapters/task-files.ts';
import type { Principal } from '../../functions/core/auth/api-keys.ts';
import { finalizeRun } from '../../functions/core/batch/finalize-run.ts';
import { prepareBatch } from '../../functions/core/batch/prepare-batch.ts';
import type { AppError } from '../../functions/core/errors.ts';
import { type CompleteDeps, completeUpload } from '../../functions/core/uploads/complete.ts';
import { type UploadDeps, addUploadFiles, createUploadSession } from '../../functions/core/uploads/sessions.ts';
import { MemoryArtifactIndex, quietLogger } from './fakes.ts';
import { MemoryJobStore, MemoryRunItemStore, RecordingWorkflow } from './job-fakes.ts';
import { FakePresigner, ListingBucket, MemoryUploadSessionStore, movableClock } from './upload-fakes.ts';

const alice: Principal = { keyId: 'alice', role: 'client', scopes: ['extract:run'] };
const bob: Principal = { keyId: 'bob', role: 'client', scopes: ['extract:run'] };

function prepare(opts: { sessionTtlS?: number } = {}) {
  const clock = movableClock();
  const store = new ListingBucket();
  const uploads = new MemoryUploadSessionStore();
  const common = { uploads, store, clock, logger: quietLogger };
  const upload: UploadDeps = {
    ...common,
    presigner: new FakePresigner(),
    settings: {
      maxSessionFiles: 10_000,
      maxInputFileBytes: 25_000_000,
      sessionTtlS: opts.sessionTtlS ?? 86_400,
      presignTtlS: 900,
    },
  };
  const jobs: CompleteDeps & { jobs: MemoryJobStore; workflow: RecordingWorkflow; index: MemoryArtifactIndex } = {
    ...common,
    jobs: new MemoryJobStore(),
    runItems: new MemoryRunItemStore(),
    index: new MemoryArtifactIndex(),
    workflow: new RecordingWorkflow(),
    tasks: loadTaskCatalog(),
    settings: {
      dataRoot: 'data',
      maxItems: 10_000,
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
  return { upload, jobs, store, uploads, clock };
}

const decl = (name: string, size = 100) => ({ name, mime_type: 'image/png', size_bytes: size });
const names = (n: number) => Array.from({ length: n }, (_, i) => `p${String(i).padStart(5, '0')}.png`);

async function sessionWith(
  ctx: ReturnType<typeof prepare>,
  files: string[],
  opts: { persist?: boolean; arrive?: string[] } = {},
) {
  const view = await createUploadSession(ctx.upload, alice, {
    files: files.map((n) => decl(n)),
    ...(opts.persist ? { persist_inputs: true } : {}),
  });
  for (const f of view.files) if ((opts.arrive ?? files).includes(f.name)) ctx.store.arrive(f.input_ref, 100);
  return view;
}

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a refusal');
}

const task = { task_id: 'receipt_fields_v1' };

describe('POST /v1/uploads/{upload_id}/complete', () => {
  test('every file arrived: a batch job of source upload_session starts, its files left in the session rows', async () => {
    const ctx = prepare();
    const { upload_id } = await sessionWith(ctx, ['b.png', 'a.png']);

    const res = await completeUpload(ctx.jobs, alice, upload_id, { ...task, run_id: 'run-up-1', concurrency: 3 });

    expect(res).toEqual({ job_id: expect.stringMatching(/^job_/), poll_url: `/v1/jobs/${res.job_id}`, run_id: 'run-up-1' });
    const job = ctx.jobs.jobs.jobs.get(res.job_id)!;
    expect(job).toMatchObject({
      kind: 'batch_upload',
      ownerKeyId: 'alice',
      status: 'queued',
      concurrency: 3,
      runId: 'run-up-1',
      source: { type: 'upload_session', upload_id, persist_inputs: false, files: 2 },
      stagingPrefix: `staging/${upload_id}/`,
      progress: { total: 2 },
    });
    expect(job.inputs).toBeUndefined();
    expect(ctx.jobs.workflow.started.map((s) => s.jobId)).toEqual([res.job_id]);
    expect(await ctx.uploads.get(upload_id)).toMatchObject({ status: 'completed', completion: { jobId: res.job_id } });
    expect((await ctx.jobs.index.get('batch', 'run-up-1'))?.ownerKeyId).toBe('alice');
  });

  test('a persisted session leaves its objects in place when the run ends (no staging prefix on the job)', async () => {
    const ctx = prepare();
    const { upload_id } = await sessionWith(ctx, ['a.png'], { persist: true });

    const res = await completeUpload(ctx.jobs, alice, upload_id, task);

    expect(ctx.jobs.jobs.jobs.get(res.job_id)!.stagingPrefix).toBeUndefined();
  });

  test('missing and mismatched files are a 400 naming each; nothing starts and the session stays completable', async () => {
    const ctx = prepare();
    const view = await sessionWith(ctx, ['a.png', 'b.png', 'c.png'], { arrive: ['a.png'] });
    ctx.store.arrive(view.files.find((f) => f.name === 'c.png')!.input_ref, 101);

    const err = await refusal(completeUpload(ctx.jobs, alice, view.upload_id, { ...task, run_id: 'r-missing' }));

    expect(err).toMatchObject({ statusCode: 400, code: 'validation_error' });
    expect(err.message).toBe(
      '2 of 3 files are not uploaded as declared: "b.png" was not uploaded; "c.png" has 101 bytes, declared 100. Upload them and complete again.',
    );
    expect(err.details).toMatchObject({
      problem_count: 2,
      problems: [
        { name: 'b.png', problem: 'missing', declared_bytes: 100 },
        { name: 'c.png', problem: 'size_mismatch', declared_bytes: 100, uploaded_bytes: 101 },
      ],
    });
    expect(ctx.jobs.jobs.jobs.size).toBe(0);
    expect(ctx.jobs.workflow.started).toEqual([]);
    expect(await ctx.jobs.index.get('batch', 'r-missing')).toBeUndefined();
    expect((await ctx.uploads.get(view.upload_id))?.status).toBe('open');

    ctx.store.arrive(view.files[1]!.input_ref, 100);
    ctx.store.arrive(view.files[2]!.input_ref, 100);
    expect((await completeUpload(ctx.jobs, alice, view.upload_id, { ...task, run_id: 'r-missing' })).run_id).toBe('r-missing');
  });

  test('with nothing uploaded every file is listed as missing', async () => {
    const ctx = prepare();
    const { upload_id } = await sessionWith(ctx, ['a.png', 'b.png'], { arrive: [] });

    const err = await refusal(completeUpload(ctx.jobs, alice, upload_id, task));

    expect(err.details).toMatchObject({ files: 2, problem_count: 2 });
  });

  test('an object that arrived after the session ended is refused as late', async () => {
    const ctx = prepare({ sessionTtlS: 3600 });
    const view = await sessionWith(ctx, ['a.png'], { arrive: [] });
    ctx.store.arrive(view.files[0]!.input_ref, 100, '2026-11-23T11:00:01.000Z');

    const err = await refusal(completeUpload(ctx.jobs, alice, view.upload_id, task));

    expect(err.details).toMatchObject({ problems: [{ name: 'a.png', problem: 'late', arrived_at: '2026-11-23T11:00:01.000Z' }] });
  });

  test('2,500 files are checked with three listings, not a request per file', async () => {
    const ctx = prepare();
    const all = names(2500);
    const first = await sessionWith(ctx, all.slice(0, 1000));
    for (const part of [all.slice(1000, 2000), all.slice(2000)]) {
      const added = await addUploadFiles(ctx.upload, alice, first.upload_id, { files: part.map((n) => decl(n)) });
      for (const f of added.files) ctx.store.arrive(f.input_ref, 100);
    }
    ctx.store.listCalls = 0;

    await completeUpload(ctx.jobs, alice, first.upload_id, task);

    expect(ctx.store.listCalls).toBe(3);
  });

  test('the same body again answers with the same job and starts nothing new; another body is a 409', async () => {
    const ctx = prepare();
    const { upload_id } = await sessionWith(ctx, ['a.png']);
    const first = await completeUpload(ctx.jobs, alice, upload_id, { concurrency: 2, ...task });

    const again = await completeUpload(ctx.jobs, alice, upload_id, { ...task, concurrency: 2, run_id: null });
    const other = await refusal(completeUpload(ctx.jobs, alice, upload_id, { ...task, concurrency: 3 }));

    expect(again).toEqual(first);
    expect(ctx.jobs.workflow.started).toHaveLength(1);
    expect(other).toMatchObject({ statusCode: 409, details: { job_id: first.job_id, run_id: first.run_id } });
  });

  test('a replay after a crash between marking the session and creating the job creates and starts the job', async () => {
    const ctx = prepare();
    const { upload_id } = await sessionWith(ctx, ['a.png', 'b.png']);
    const create = ctx.jobs.jobs.create.bind(ctx.jobs.jobs);
    ctx.jobs.jobs.create = async () => {
      throw new Error('killed');
    };
    await expect(completeUpload(ctx.jobs, alice, upload_id, { ...task, run_id: 'r-crash' })).rejects.toThrow('killed');
    ctx.jobs.jobs.create = create;

    const res = await completeUpload(ctx.jobs, alice, upload_id, { ...task, run_id: 'r-crash' });

    expect(ctx.jobs.jobs.jobs.get(res.job_id)).toMatchObject({ runId: 'r-crash', source: { files: 2 }, runDay: '2026-11-23' });
    expect(ctx.jobs.workflow.started.map((s) => s.jobId)).toEqual([res.job_id]);
  });

  test('a run_id used before is a 409 and the session stays open', async () => {
    const ctx = prepare();
    const a = await sessionWith(ctx, ['a.png']);
    const b = await sessionWith(ctx, ['b.png']);
    await completeUpload(ctx.jobs, alice, a.upload_id, { ...task, run_id: 'same-run' });

    const err = await refusal(completeUpload(ctx.jobs, alice, b.upload_id, { ...task, run_id: 'same-run' }));

    expect(err).toMatchObject({ statusCode: 409 });
    expect((await ctx.uploads.get(b.upload_id))?.status).toBe('open');
  });

  test('an unknown task is refused before anything is looked at', async () => {
    const ctx = prepare();
    const { upload_id } = await sessionWith(ctx, ['a.png']);
    ctx.store.listCalls = 0;

    expect(await refusal(completeUpload(ctx.jobs, alice, upload_id, { task_id: 'nope' }))).toMatchObject({ statusCode: 400 });
    expect(ctx.store.listCalls).toBe(0);
  });

  test('an add-files call in flight makes complete a 409; an add that began after the read makes it lose the race', async () => {
    const ctx = prepare();
    const { upload_id } = await sessionWith(ctx, ['a.png']);
    const row = ctx.uploads.sessions.get(upload_id)!;
    row.addLeaseUntil = '2026-11-23T10:00:30.000Z';

    expect(await refusal(completeUpload(ctx.jobs, alice, upload_id, task))).toMatchObject({ statusCode: 409 });

    delete row.addLeaseUntil;
    const list = ctx.uploads.listFiles.bind(ctx.uploads);
    ctx.uploads.listFiles = async (id) => {
      row.version += 1; // an add began and finished while complete was checking the bucket
      return list(id);
    };
    expect(await refusal(completeUpload(ctx.jobs, alice, upload_id, { ...task, run_id: 'r-race' }))).toMatchObject({
      statusCode: 409,
    });
    expect(await ctx.jobs.index.get('batch', 'r-race')).toBeUndefined();
    expect(ctx.jobs.jobs.jobs.size).toBe(0);
  });

  test('an expired session is a 410 and another owner gets a 404', async () => {
    const ctx = prepare({ sessionTtlS: 5 });
    const { upload_id } = await sessionWith(ctx, ['a.png']);

    expect(await refusal(completeUpload(ctx.jobs, bob, upload_id, task))).toMatchObject({ statusCode: 404 });
    ctx.clock.advance(5000);
    expect(await refusal(completeUpload(ctx.jobs, alice, upload_id, task))).toMatchObject({ statusCode: 410 });
  });
});

describe('the run of a completed session', () => {
  test('PrepareBatch reads the files from the session rows in name order; the end of the run deletes the staged objects', async () => {
    const ctx = prepare();
    const { upload_id } = await sessionWith(ctx, ['z/2.png', 'a.png', 'z/1.png']);
    const { job_id } = await completeUpload(ctx.jobs, alice, upload_id, { ...task, run_id: 'r-prep' });

    const prepared = await prepareBatch(ctx.jobs, { jobId: job_id });

    expect(prepared).toMatchObject({ run_id: 'r-prep', items: [0, 1, 2] });
    const rows = await ctx.jobs.runItems.listAll('r-prep');
    expect(rows.map((r) => [r.file, r.inputRef, r.mimeType])).toEqual([
      ['a.png', `staging/${upload_id}/a.png`, 'image/png'],
      ['z/1.png', `staging/${upload_id}/z/1.png`, 'image/png'],
      ['z/2.png', `staging/${upload_id}/z/2.png`, 'image/png'],
    ]);

    await finalizeRun(ctx.jobs, job_id);
    expect([...ctx.store.objects.keys()].filter((k) => k.startsWith(`staging/${upload_id}/`))).toEqual([]);
  });

  test('a persisted session keeps its objects after the run, as the inputs a rerun uses', async () => {
    const ctx = prepare();
    const view = await sessionWith(ctx, ['a.png'], { persist: true });
    const { job_id } = await completeUpload(ctx.jobs, alice, view.upload_id, { ...task, run_id: 'r-keep' });
    await prepareBatch(ctx.jobs, { jobId: job_id });

    await finalizeRun(ctx.jobs, job_id);

    expect(ctx.store.objects.has(view.files[0]!.input_ref)).toBe(true);
  });
});
