// With DEBUG_MODE=0 every DEBUG_MODE-only route answers the 404 of a missing route, even to an admin with a
// valid body: asked of every such route of the table, so the OpenAPI guard sees each documented 404.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ROUTES } from '../../functions/routes.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';

let s: TestStack;

beforeAll(async () => {
  s = await startTestStack({ DEBUG_MODE: '0' });
});

afterAll(async () => {
  await s?.close();
});

test('every DEBUG_MODE-only route answers 404 not_found when DEBUG_MODE is off', async () => {
  const admin = (await s.newKey('admin')).apiKey;
  const debugOnly = ROUTES.filter((r) => r.debugOnly);
  expect(debugOnly.length).toBeGreaterThan(0);
  for (const route of debugOnly) {
    const path = route.path.replace(/\{[^}]+\}/g, 'openapi-probe');
    // A valid body, so that only the missing route can answer.
    const body = route.id === 'runs-eval' ? { json: { gt_path: 'gt/any.json' } } : {};
    const res = await s.call(route.method, path, { key: admin, ...body });
    expect(res.status, route.id).toBe(404);
    expect(res.body.error.code, route.id).toBe('not_found');
  }
});
