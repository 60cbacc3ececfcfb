// Scale by design (AWS limits, DESIGN.md §7): a 10,000-item run through the exact ASL file in the local
// interpreter with the real task handlers, measuring every payload that flows through the states. Step
// Functions caps each at 256 KB; only item numbers travel, the per-item data lives in the run's item rows.
// To keep the suite fast the job is canceled as soon as PrepareBatch is done: every item still goes
// through the real ExtractItem (which settles it as canceled) and FinalizeBatch writes the 10,000-item
// artifact — the state payloads are the same as for a run that extracts (ExtractItem's result is discarded).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { StateMachine } from 'aws-local-stepfunctions';
import { jobDepsOf } from '../../functions/adapters/container.ts';
import { loadDefinition, localFunctionArn, localTaskHandlers } from '../../infra/local/local-workflow.ts';
import { createRerunBatch } from '../../functions/core/batch/batch-create.ts';
import { batchRel, dayOf } from '../../functions/core/artifact-keys.ts';
import { itemRequestId, type RunItem } from '../../functions/core/batch/job-model.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';

const ITEMS = 10_000;
const STATE_PAYLOAD_LIMIT = 256 * 1024;

let s: TestStack;

beforeAll(async () => {
  s = await startTestStack({ JOBS_PROGRESS_EVERY_N: '500', JOBS_PROGRESS_MIN_SECONDS: '5' });
});
afterAll(async () => s.close());

// 480 s: every item now goes through the image pipeline (decode, resize, preview write); ~130–230 s on a loaded 2-core machine.
test('a 10,000-item run keeps every state payload under 256 KB', { timeout: 480_000 }, async () => {
  // Prepare: a finished source run with 10,000 persisted inputs, and a rerun job of it (not started yet).
  const { keyId } = await s.newKey('client');
  const now = new Date();
  const day = dayOf(now);
  await s.deps.index.claim(
    {
      kind: 'batch',
      id: 'scale-src',
      ownerKeyId: keyId,
      rel: batchRel(day, 'scale-src'),
      day,
      createdAt: now.toISOString(),
      status: 'pending',
    },
    { overwrite: false },
  );
  await s.deps.index.complete('batch', 'scale-src', 'ok');
  const rows: RunItem[] = Array.from({ length: ITEMS }, (_, seq) => ({
    runId: 'scale-src',
    seq,
    ownerKeyId: keyId,
    file: `receipts/2026/store-${String(seq % 97).padStart(3, '0')}/receipt_${String(seq).padStart(6, '0')}.jpg`,
    requestId: itemRequestId('scale-src', seq),
    inputRef: `inputs/${day}/scale-src/${String(seq).padStart(6, '0')}_receipt_${String(seq).padStart(6, '0')}.jpg`,
    mimeType: 'image/jpeg',
    status: 'ok',
    artifactRel: null,
    schemaValid: true,
    error: null,
    createdAt: now.toISOString(),
  }));
  await s.deps.runItems.putPending(rows);
  const deps = {
    ...jobDepsOf(s.deps),
    workflow: { kind: 'local' as const, start: async () => ({ executionId: 'measured-by-test' }) },
  };
  const job = await createRerunBatch(
    deps,
    { keyId, role: 'client', scopes: ['extract:run'] },
    {
      run_id: 'scale-src',
      task_id: 'receipt_fields_v1',
      new_run_id: 'scale-run-with-a-realistically-long-run-identifier-0001',
      concurrency: 64,
    },
  );

  // Act: the exact ASL, the real handlers; every task's raw result and every state's input/output measured.
  const sizes: Array<{ where: string; bytes: number }> = [];
  const measure = (where: string, value: unknown) =>
    sizes.push({ where, bytes: Buffer.byteLength(JSON.stringify(value ?? null)) });
  const handlers = Object.fromEntries(
    Object.entries(localTaskHandlers()).map(([state, fn]) => [
      state,
      async (input: unknown) => {
        measure(`${state} parameters`, input);
        const out = await fn(input);
        measure(`${state} result`, out);
        return out;
      },
    ]),
  );
  const definition = loadDefinition('batch-extract', (p) => localFunctionArn('us-east-1', p));
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
  const input = { job_id: job.jobId };
  measure('execution input', input);
  const execution = machine.run(input, { overrides: { taskResourceLocalHandlers: handlers as never } });
  const iterationOutputs: unknown[] = [];
  const topLevelEvents: string[] = [];
  for await (const event of execution.eventLogs) {
    const index = (event as { index?: number }).index;
    if (event.type === 'StateEntered' || event.type === 'StateExited') {
      const where = `${event.state.name}${index !== undefined ? '[i]' : ''}`;
      measure(
        `${where} ${event.type === 'StateEntered' ? 'input' : 'output'}`,
        event.type === 'StateEntered' ? event.state.input : event.state.output,
      );
      if (
        event.type === 'StateExited' &&
        index !== undefined &&
        ['ExtractItem', 'RecordItemFailure'].includes(event.state.name)
      ) {
        iterationOutputs[index] = event.state.output;
      }
      if (event.type === 'StateExited' && event.state.name === 'PrepareBatch') await s.deps.jobs.requestCancel(job.jobId);
    }
    if (index === undefined && !event.type.startsWith('MapIteration')) topLevelEvents.push(event.type);
  }
  const output = await execution.result;
  measure('execution output', output);
  // The Map's own result (the array of iteration outputs) is a payload too, even though ResultPath drops it.
  measure('ExtractItems aggregated result', iterationOutputs);

  // Assess
  const largest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const byPlace = new Map<string, number>();
  for (const { where, bytes } of sizes) byPlace.set(where, Math.max(byPlace.get(where) ?? 0, bytes));
  console.log(
    `largest state payloads for ${ITEMS} items:\n${[...byPlace.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([w, b]) => `  ${w}: ${b} bytes`)
      .join('\n')}\n  top-level interpreter events: ${topLevelEvents.length}`,
  );
  expect(largest.bytes).toBeLessThan(STATE_PAYLOAD_LIMIT);
  expect(iterationOutputs).toHaveLength(ITEMS);
  // The parent execution's own events do not grow with the number of items.
  expect(topLevelEvents.length).toBeLessThan(20);

  const after = (await s.deps.jobs.get(job.jobId))!;
  expect(after.status).toBe('canceled');
  expect(after.progress.total).toBe(ITEMS);
  expect(after.progress.ok + after.progress.err + after.canceledItems).toBe(ITEMS);
  const batch = await s.deps.store.getJson<any>(after.artifactRel!);
  expect(batch.items).toHaveLength(ITEMS);
});
