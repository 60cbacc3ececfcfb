// A run's outcome from its job status and counts, and the runs-list row built from the index alone.
import { describe, expect, test } from 'vitest';
import { runOutcome } from '../../functions/core/batch/job-model.ts';
import { runView } from '../../functions/core/runs/runs.ts';
import type { ArtifactIndexEntry } from '../../functions/core/ports.ts';

describe('runOutcome', () => {
  test.each([
    ['succeeded', 3, 3, 'succeeded'],
    ['succeeded', 3, 1, 'partial'],
    ['succeeded', 3, 0, 'failed'],
    ['failed', 3, 3, 'failed'],
    ['canceled', 3, 2, 'canceled'],
  ] as const)('job %s with %i items, %i ok → %s', (status, total, ok, expected) => {
    expect(runOutcome(status, { total, ok })).toBe(expected);
  });
});

describe('runView', () => {
  const row: ArtifactIndexEntry = {
    kind: 'batch',
    id: 'r1',
    ownerKeyId: 'k1',
    rel: 'batches/2026-11-23/r1.json',
    day: '2026-11-23',
    createdAt: '2026-11-23T10:00:00.000Z',
    status: 'pending',
    taskId: 'receipt_fields_v1',
  };

  test('a pending row is a running run with no outcome and no counts', () => {
    expect(runView(row)).toMatchObject({ status: 'running', outcome: null, counts: null });
  });

  test('a finalized row shows the job status, the outcome and the counts it carries', () => {
    const view = runView({
      ...row,
      status: 'ok',
      run: { status: 'canceled', outcome: 'canceled', total: 5, ok: 2, err: 0, canceled: 3, taskId: 'receipt_fields_v1' },
    });
    expect(view).toMatchObject({
      status: 'canceled',
      outcome: 'canceled',
      counts: { total: 5, ok: 2, err: 0, canceled: 3 },
      task_id: 'receipt_fields_v1',
    });
  });

  test('a row finalized before outcomes existed falls back to its ok/error status', () => {
    expect(runView({ ...row, status: 'ok' })).toMatchObject({ status: 'succeeded', outcome: 'succeeded', counts: null });
    expect(runView({ ...row, status: 'error' })).toMatchObject({ status: 'failed', outcome: 'failed' });
  });
});
