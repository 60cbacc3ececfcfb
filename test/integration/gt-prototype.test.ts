// Issue 9 #2: a ground-truth record with fields named `__proto__`, `constructor` or `prototype` must not
// touch Object.prototype (in local mode that crashed the next dynalite request and the whole stack).
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { png, uploadRun } from '../support/runs.ts';

let s: TestStack;
let evaluator: string;

beforeAll(async () => {
  s = await startTestStack({ DEBUG_MODE: '1', SYNC_WAIT_S: '20' });
  ({ apiKey: evaluator } = await s.newKey('client', { scopes: ['extract:run', 'debug:run'] }));
});
afterAll(async () => s.close());
// If the fix regresses, keep the pollution from leaking into other test files of this worker.
afterEach(() => {
  for (const k of ['support', 'correct', 'predicted', 'accuracy', 'coverage', 'polluted'])
    delete (Object.prototype as Record<string, unknown>)[k];
});

// Written by hand: JSON.stringify of an object literal cannot produce an own "__proto__" key.
const GT =
  '[{"file": "a.png", "fields": {"__proto__": {"polluted": "yes"}, "constructor": "x", "prototype": 1, "total": "1.00"}},' +
  ' {"file": "b.png", "__proto__": "y", "total": "2.00"}]';

test('GT keys __proto__/constructor/prototype are dropped; the stack keeps working', async () => {
  const run = await uploadRun(
    s,
    evaluator,
    'proto-run',
    [png('a.png', 1), png('b.png', 2)],
    [{ name: 'gt', filename: 'gt.json', type: 'application/json', bytes: Buffer.from(GT) }],
  );
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).support).toBeUndefined();
  expect(Object.keys(run.eval.fields)).toEqual(['total']);
  const evalDoc = await s.call('GET', `/v1/evals/${run.eval.eval_id}`, { key: evaluator });
  expect(evalDoc.status).toBe(200);
  expect(Object.keys(evalDoc.body.metrics.fields)).toEqual(['total']);
  // The next requests (each goes through dynalite and s3rver) still answer.
  const again = await s.call('GET', '/v1/runs/proto-run', { key: evaluator });
  expect(again.status).toBe(200);
  expect((await s.call('GET', '/health')).status).toBe(200);
});
