// statemachines/batch-extract.asl.json checked on its own: valid ASL (asl-validator), every Task bounded,
// retried and bound through functions/tasks.ts, only item numbers in the Map, and the error names its
// Retry/Catch match are the names the code really throws.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BackendUnavailableError } from '../../functions/core/errors.ts';
import { STATE_MACHINES, WORKFLOW_TASKS } from '../../functions/tasks.ts';

const validate = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  opts?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errorsText: (sep?: string) => string };

const ROOT = join(import.meta.dirname, '..', '..');
const file = STATE_MACHINES.find((m) => m.id === 'batch-extract')!.file;
const text = readFileSync(join(ROOT, file), 'utf8');
const substituted = JSON.parse(text.replace(/\$\{(\w+)\}/g, 'arn:aws:lambda:eu-west-1:123456789012:function:$1'));

interface State {
  Type: string;
  Resource?: string;
  Parameters?: { FunctionName?: string; Payload?: Record<string, unknown> };
  TimeoutSeconds?: number;
  Retry?: Array<{ ErrorEquals: string[]; MaxAttempts?: number; BackoffRate?: number }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
  ItemProcessor?: { ProcessorConfig?: { Mode?: string }; States: Record<string, State> };
  ItemSelector?: Record<string, unknown>;
}

function tasks(states: Record<string, State>, inMap = false): Array<{ name: string; state: State; inMap: boolean }> {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? [{ name, state, inMap }] : []),
    ...(state.ItemProcessor ? tasks(state.ItemProcessor.States, true) : []),
  ]);
}

const raw = JSON.parse(text) as { States: Record<string, State> };
const allTasks = tasks(raw.States);

describe('batch-extract.asl.json', () => {
  test('is valid ASL with its placeholders substituted, and with them as written', () => {
    const withArns = validate(substituted, { checkArn: true, checkPaths: true });
    expect(withArns.errorsText('\n')).toBe('');
    expect(withArns.isValid).toBe(true);
    expect(validate(raw, { checkArn: false, checkPaths: true }).isValid).toBe(true);
  });

  test('every Task invokes a Lambda through a placeholder bound to exactly one task of functions/tasks.ts', () => {
    const placeholders = [...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);
    for (const p of new Set(placeholders)) expect(WORKFLOW_TASKS.filter((t) => t.placeholder === p)).toHaveLength(1);
    for (const { name, state } of allTasks) {
      expect(state.Resource).toBe('arn:aws:states:::lambda:invoke');
      const task = WORKFLOW_TASKS.find((t) => t.state === name);
      expect(task, `no task entry for state ${name}`).toBeDefined();
      expect(state.Parameters?.FunctionName).toBe(`\${${task!.placeholder}}`);
      expect(state.Parameters?.Payload).toBeTypeOf('object');
    }
    expect(allTasks.map((t) => t.name).sort()).toEqual(WORKFLOW_TASKS.map((t) => t.state).sort());
  });

  test('every Task has an explicit timeout above its Lambda timeout, and retries transient Lambda errors', () => {
    for (const { name, state } of allTasks) {
      const task = WORKFLOW_TASKS.find((t) => t.state === name)!;
      expect(state.TimeoutSeconds, name).toBeGreaterThan(task.timeoutS);
      const retried = (state.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(retried, name).toEqual(expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException']));
      for (const r of state.Retry ?? []) expect(r.BackoffRate ?? 2, name).toBeGreaterThanOrEqual(1);
    }
  });

  test('ExtractItem retries the backend being down (by the error name the code throws) and catches everything else', () => {
    const extract = allTasks.find((t) => t.name === 'ExtractItem')!;
    expect(extract.inMap).toBe(true);
    expect(extract.state.Retry!.flatMap((r) => r.ErrorEquals)).toContain(new BackendUnavailableError().name);
    expect(extract.state.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'RecordItemFailure' })]);
  });

  test('the Map is distributed and carries only the job id and the item number', () => {
    const map = raw.States.ExtractItems!;
    expect(map.ItemProcessor?.ProcessorConfig?.Mode).toBe('DISTRIBUTED');
    expect(Object.keys(map.ItemSelector ?? {}).sort()).toEqual(['job_id.$', 'seq.$']);
  });

  test('every state outside the Map that can fail leads to FailBatch', () => {
    for (const name of ['PrepareBatch', 'ExtractItems', 'FinalizeBatch']) {
      expect(raw.States[name]!.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'FailBatch' })]);
    }
  });
});
