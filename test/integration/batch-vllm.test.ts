// Batches against the fake vLLM (real protocol over HTTP): the global GPU cap across jobs and sync
// extracts, cooperative cancel mid-run, the backend failing mid-run, and the sync endpoints' bounded wait.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type FakeVllm, startFakeVllm } from '../support/fake-vllm.ts';
import { makePng } from '../support/images.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { pollJob, postMultipart } from '../support/batch.ts';

let s: TestStack;
let fake: FakeVllm;
let client: string;

beforeAll(async () => {
  fake = await startFakeVllm();
  s = await startTestStack({
    VLLM_BASE_URL: fake.url,
    VLLM_API_KEY: 'test-vllm-key',
    VLLM_MAX_INFLIGHT: '3',
    VLLM_MAX_RETRIES: '1',
    LOCAL_WORKFLOW_RETRY_MS: '5',
    SYNC_WAIT_S: '1',
    JOBS_SYNC_POLL_MS: '20',
    JOBS_PROGRESS_MIN_SECONDS: '0',
  });
  ({ apiKey: client } = await s.newKey('client'));
});
afterAll(async () => {
  await s.close();
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  fake.latencyMs = 0;
});

const upload = (runId: string, n: number, concurrency: number, path = '/v1/batch_extract_upload_async') =>
  postMultipart(s, path, client, [
    { name: 'task_id', value: 'receipt_fields_v1' },
    { name: 'run_id', value: runId },
    { name: 'concurrency', value: String(concurrency) },
    ...Array.from({ length: n }, (_, i) => ({
      name: 'files',
      filename: `r${i}.png`,
      type: 'image/png',
      bytes: makePng(16, 8, i),
    })),
  ]);

describe('the global GPU guard', () => {
  test('two jobs and sync extracts together never have more than VLLM_MAX_INFLIGHT model calls at once', async () => {
    fake.latencyMs = 40;
    const [a, b] = await Promise.all([upload('cap-a', 8, 4), upload('cap-b', 8, 4)]);
    const sync = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        s.call('POST', '/v1/extract', {
          key: client,
          json: { task_id: 'receipt_fields_v1', image_base64: makePng(16, 8, 100 + i).toString('base64') },
        }),
      ),
    );
    expect(sync.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const jobs = await Promise.all([pollJob(s, client, a.body.job_id), pollJob(s, client, b.body.job_id)]);
    expect(jobs.map((j) => j.progress.ok)).toEqual([8, 8]);
    expect(fake.calls).toHaveLength(20);
    expect(fake.calls.every((c) => c.problems.length === 0)).toBe(true);
    expect(fake.maxConcurrent).toBe(3);
  });

  test("a job's own concurrency is honoured beneath the cap", async () => {
    fake.latencyMs = 30;
    const res = await upload('cap-one', 5, 1);
    await pollJob(s, client, res.body.job_id);
    expect(fake.maxConcurrent).toBe(1);
  });
});

describe('cooperative cancel', () => {
  test('a running job stops before its next item and ends canceled with a partial batch artifact', async () => {
    fake.latencyMs = 250;
    const res = await upload('cancel-mid', 12, 1);
    await pollJob(s, client, res.body.job_id, (j) => j.progress.done >= 1);
    const cancel = await s.call('POST', `/v1/jobs/${res.body.job_id}/cancel`, { key: client });
    expect(cancel.status).toBe(202);
    expect(cancel.body.cancel_requested).toBe(true);

    const job = await pollJob(s, client, res.body.job_id);
    expect(job.status).toBe('canceled');
    expect(job.progress.stage).toBe('canceled');
    expect(job.progress.ok).toBeGreaterThanOrEqual(1);
    expect(job.progress.canceled).toBeGreaterThan(0);
    expect(job.progress.ok + job.progress.err + job.progress.canceled).toBe(12);
    expect(fake.calls.length).toBeLessThan(12);

    const batch = await s.deps.store.getJson<any>(job.result.artifact_rel);
    expect(batch.status).toBe('canceled');
    expect(batch.items).toHaveLength(12);
    expect(batch.items.filter((i: any) => i.status === 'ok')).toHaveLength(job.progress.ok);
    expect(batch.items.at(-1)).toMatchObject({ status: 'canceled', error: { code: 'canceled' }, artifact_rel: null });
    expect(batch.summary.canceled).toBe(job.progress.canceled);

    // The job, the run details and the runs list agree: canceled (never "finished").
    expect(job.outcome).toBe('canceled');
    expect(batch.outcome).toBe('canceled');
    expect((await s.call('GET', '/v1/runs/cancel-mid', { key: client })).body).toMatchObject({
      status: 'canceled',
      outcome: 'canceled',
    });
    const listed = (await s.call('GET', '/v1/runs?limit=100', { key: client })).body.runs.find(
      (r: any) => r.run_id === 'cancel-mid',
    );
    expect(listed).toMatchObject({
      status: 'canceled',
      outcome: 'canceled',
      counts: { total: 12, ok: job.progress.ok, err: job.progress.err, canceled: job.progress.canceled },
    });
  });

  test('cancel of a finished job is 409', async () => {
    const res = await upload('cancel-late', 1, 1);
    await pollJob(s, client, res.body.job_id);
    expect((await s.call('POST', `/v1/jobs/${res.body.job_id}/cancel`, { key: client })).status).toBe(409);
  });
});

describe('the model backend failing mid-run', () => {
  test("an outage longer than the core retries is retried by the workflow, reusing the item's own request_id claim", async () => {
    // Both calls of the first item's first attempt fail (1 + VLLM_MAX_RETRIES): ExtractItem throws
    // BackendUnavailableError, the ASL Retry runs it again, and the second attempt overwrites its own artifact.
    fake.behaviour = { kind: 'status', status: 503, times: 2 };
    const res = await upload('flaky', 2, 1);
    const job = await pollJob(s, client, res.body.job_id);
    expect(job).toMatchObject({ status: 'succeeded', progress: { total: 2, done: 2, ok: 2, err: 0 } });
    expect(fake.calls.length).toBe(4);
    const batch = await s.deps.store.getJson<any>(job.result.artifact_rel);
    expect(batch.items.every((i: any) => i.status === 'ok' && i.schema_valid)).toBe(true);
    const first = await s.deps.store.getJson<any>(batch.items[0].artifact_rel);
    expect(first).toMatchObject({ request_id: 'flaky_000000', error: null, schema_valid: true });
  });

  test('a backend that stays down: items retry with backoff, then record their error; the job still ends with a batch artifact', async () => {
    fake.behaviour = { kind: 'status', status: 503 };
    const res = await upload('down', 2, 2);
    const job = await pollJob(s, client, res.body.job_id);
    expect(job).toMatchObject({ status: 'succeeded', progress: { total: 2, done: 2, ok: 0, err: 2 } });
    // Each item: 1 + 3 ASL retries, each making 1 + VLLM_MAX_RETRIES calls.
    expect(fake.calls.length).toBe(2 * 4 * 2);
    const batch = await s.deps.store.getJson<any>(job.result.artifact_rel);
    for (const item of batch.items) {
      expect(item).toMatchObject({ status: 'error', error: { code: 'backend_unavailable' }, schema_valid: false });
      expect(item.error_history).toHaveLength(2);
      const extract = await s.deps.store.getJson<any>(item.artifact_rel);
      expect(extract).toMatchObject({ request_id: item.request_id, error: { code: 'backend_unavailable' } });
    }
    expect((await s.call('GET', '/v1/jobs?status=running', { key: client })).body.jobs).toEqual([]);
  });
});

describe('sync endpoints wait a bounded window', () => {
  test('a run longer than SYNC_WAIT_S answers 202 with job_id and poll_url, and then finishes', async () => {
    fake.latencyMs = 300;
    const res = await upload('slow-sync', 6, 1, '/v1/batch_extract_upload');
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'running', poll_url: `/v1/jobs/${res.body.job_id}`, run_id: 'slow-sync' });
    const job = await pollJob(s, client, res.body.job_id);
    expect(job.status).toBe('succeeded');
  });
});
