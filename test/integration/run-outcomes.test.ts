// Run outcomes (succeeded | partial | failed | canceled) next to the job's status: the sync answer, the
// job, the batch artifact, the run details, the runs list and the index row all say the same — and an
// all-failed run is `failed` while its job `succeeded` (the workflow ran).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { png, textFile, uploadRun } from '../support/runs.ts';

let s: TestStack;
let client: string;

beforeAll(async () => {
  s = await startTestStack({ SYNC_WAIT_S: '20', LOCAL_WORKFLOW_RETRY_MS: '5' });
  ({ apiKey: client } = await s.newKey('client'));
});
afterAll(async () => s.close());

/** Every place a run's outcome shows up, for one run. */
async function outcomesOf(runId: string, jobId: string) {
  const job = (await s.call('GET', `/v1/jobs/${jobId}`, { key: client })).body;
  const details = (await s.call('GET', `/v1/runs/${runId}`, { key: client })).body;
  const listed = (await s.call('GET', '/v1/runs?limit=100', { key: client })).body.runs.find((r: any) => r.run_id === runId);
  const row = await s.deps.index.get('batch', runId);
  return { job, details, listed, row };
}

describe('run outcomes', () => {
  test.each([
    ['every item ok', 'out-ok', 'succeeded', [png('a.png', 1), png('b.png', 2)], { total: 2, ok: 2, err: 0 }],
    ['some items failed', 'out-partial', 'partial', [png('a.png', 3), textFile('b.txt')], { total: 2, ok: 1, err: 1 }],
    ['every item failed', 'out-failed', 'failed', [textFile('a.txt'), textFile('b.txt')], { total: 2, ok: 0, err: 2 }],
  ])('%s (run %s): outcome %s everywhere, the job status stays succeeded', async (_name, runId, outcome, files, counts) => {
    const answer = await uploadRun(s, client, runId, files);
    expect(answer).toMatchObject({ status: 'succeeded', outcome, summary: counts });

    const { job, details, listed, row } = await outcomesOf(runId, answer.job_id);
    expect(job).toMatchObject({ status: 'succeeded', outcome });
    expect(details).toMatchObject({ status: 'succeeded', outcome, summary: counts });
    expect(listed).toMatchObject({
      status: 'succeeded',
      outcome,
      task_id: 'receipt_fields_v1',
      counts: { ...counts, canceled: 0 },
    });
    // The list reads the index row only: it carries the outcome, the counts and the task.
    expect(row?.run).toEqual({ status: 'succeeded', outcome, ...counts, canceled: 0, taskId: 'receipt_fields_v1' });
  });
});
