// /openapi.json and /docs over HTTP, plus the statuses every route shares (401 without a key, 403 without
// the scope), asked of every route of the table so the
// OpenAPI guard sees a real response for each documented status.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dayOf, extractRel } from '../../functions/core/artifact-keys.ts';
import { emptyProgress, type JobRecord } from '../../functions/core/batch/job-model.ts';
import { executionNameOf, newJobId } from '../../functions/core/batch/jobs.ts';
import { ROUTES, type RouteDefinition } from '../../functions/routes.ts';
import { makePng } from '../support/images.ts';
import { putDataFiles } from '../support/batch.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';

let s: TestStack;
let extractOnly: string;
let debugOnlyKey: string;

/** A concrete path for a route: every path parameter filled with a value no owner has. */
const concrete = (route: RouteDefinition) => route.path.replace(/\{[^}]+\}/g, 'openapi-probe');

beforeAll(async () => {
  // SYNC_WAIT_S=0: a sync batch answers 202 at once; MAX_UPLOAD_FILES=2: a third file is a 413.
  s = await startTestStack({ DEBUG_MODE: '1', SYNC_WAIT_S: '0', MAX_UPLOAD_FILES: '2' });
  extractOnly = (await s.newKey('client')).apiKey;
  debugOnlyKey = (await s.newKey('debugger', { scopes: ['debug:run', 'debug:read_raw'] })).apiKey;
});

afterAll(async () => {
  await s?.close();
});

describe('GET /openapi.json', () => {
  test('answers the OpenAPI 3.1 document without a key, with every route of the table', async () => {
    const res = await s.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.body.openapi).toBe('3.1.0');
    for (const route of ROUTES) expect(res.body.paths[route.path]?.[route.method.toLowerCase()], route.id).toBeDefined();
  });
});

describe('GET /docs', () => {
  test('serves a page that loads only same-origin scripts, under a strict content security policy', async () => {
    const res = await s.call('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*(unsafe-inline|https?:)/);
    const page = String(res.body);
    const srcs = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(srcs.sort()).toEqual(['docs/init.js', 'docs/swagger-ui-bundle.js', 'docs/swagger-ui.css']);
    expect(page).not.toMatch(/<script>[^<]/);
  });

  test('serves the vendored swagger-ui bundle and styles, and the init script that points at /openapi.json', async () => {
    const bundle = await s.call('GET', '/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect(String(bundle.body)).toContain('SwaggerUIBundle');
    const css = await s.call('GET', '/docs/swagger-ui.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
    const init = await s.call('GET', '/docs/init.js');
    expect(init.status).toBe(200);
    expect(String(init.body)).toContain('openapi.json');
  });

  test('answers 404 for a file that is not one of its assets', async () => {
    const res = await s.call('GET', '/docs/..%2Fpackage.json');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('the statuses every route shares', () => {
  test('every keyed route answers 401 without a key', async () => {
    for (const route of ROUTES.filter((r) => r.scope !== 'none')) {
      const res = await s.call(route.method, concrete(route));
      expect(res.status, route.id).toBe(401);
      expect(res.body.error.code, route.id).toBe('unauthorized');
    }
  });

  test('every scoped route answers 403 to a key without its scope', async () => {
    for (const route of ROUTES.filter((r) => r.scope !== 'none' && r.scope !== 'any')) {
      const key = route.scope === 'extract:run' ? debugOnlyKey : extractOnly;
      const res = await s.call(route.method, concrete(route), { key, ...(route.method === 'GET' ? {} : { json: {} }) });
      expect(res.status, route.id).toBe(403);
      expect(res.body.error.code, route.id).toBe('forbidden');
    }
  });
});

describe('answers that need a particular state', () => {
  const png = (seed: number) => new Blob([makePng(16, 8, seed)], { type: 'image/png' });
  const form = (files: number, extra: Record<string, string> = {}) => {
    const f = new FormData();
    f.set('task_id', 'receipt_fields_v1');
    for (const [k, v] of Object.entries(extra)) f.set(k, v);
    for (let i = 0; i < files; i++) f.append('files', png(i), `r${i}.png`);
    return f;
  };
  const post = (path: string, key: string, body: FormData) =>
    fetch(`${s.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body });
  const waitFinal = async (key: string, jobId: string) => {
    for (let i = 0; i < 200; i++) {
      const job = await s.call('GET', `/v1/jobs/${jobId}`, { key });
      if (['succeeded', 'failed', 'canceled'].includes(job.body.status)) return job.body;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`job ${jobId} did not finish`);
  };

  test('job-creating routes answer 400 to a body that is not valid', async () => {
    for (const route of ROUTES.filter((r) => r.body === 'json' && r.scope === 'extract:run')) {
      const res = await s.call(route.method, route.path, { key: extractOnly, json: { unexpected: true } });
      expect(res.status, route.id).toBe(400);
      expect(res.body.error.code, route.id).toBe('validation_error');
    }
  });

  test('rerun routes answer 404 for a source run the key does not have', async () => {
    for (const path of ['/v1/batch_extract_rerun', '/v1/batch_extract_rerun_async', '/v1/jobs/batch_extract_rerun']) {
      const res = await s.call('POST', path, { key: extractOnly, json: { run_id: 'no-such-run', task_id: 'receipt_fields_v1' } });
      expect(res.status, path).toBe(404);
    }
  });

  test('the multipart routes answer 415 to JSON and 413 to more files than MAX_UPLOAD_FILES', async () => {
    for (const path of ['/v1/batch_extract_upload', '/v1/batch_extract_upload_async']) {
      const json = await s.call('POST', path, { key: extractOnly, json: { task_id: 'receipt_fields_v1' } });
      expect(json.status, path).toBe(415);
      const many = await post(path, extractOnly, form(3));
      expect(many.status, path).toBe(413);
      expect(((await many.json()) as any).error.code).toBe('too_many_files');
    }
  });

  test('sync batch routes answer 202 with a poll_url when the run outlives SYNC_WAIT_S', async () => {
    await putDataFiles(s, { 'openapi/a.png': makePng(16, 8, 1) });
    const dir = await s.call('POST', '/v1/batch_extract', {
      key: extractOnly,
      json: { task_id: 'receipt_fields_v1', images_dir: 'openapi' },
    });
    expect(dir.status).toBe(202);
    expect(dir.body.poll_url).toBe(`/v1/jobs/${dir.body.job_id}`);
    const source = await post(
      '/v1/batch_extract_upload_async',
      extractOnly,
      form(1, { persist_inputs: 'true', run_id: 'openapi-src' }),
    );
    expect(source.status).toBe(202);
    await waitFinal(extractOnly, ((await source.json()) as any).job_id);
    const rerun = await s.call('POST', '/v1/batch_extract_rerun', {
      key: extractOnly,
      json: { run_id: 'openapi-src', task_id: 'receipt_fields_v1' },
    });
    expect(rerun.status).toBe(202);
    await waitFinal(extractOnly, dir.body.job_id);
    await waitFinal(extractOnly, rerun.body.job_id);
  });

  test('canceling a queued job answers 200 with the job canceled', async () => {
    // Prepare: a job left queued, as when the process stopped between creating and starting it.
    const { apiKey, keyId } = await s.newKey('client');
    const now = new Date();
    const job: JobRecord = {
      jobId: newJobId(),
      kind: 'batch_dir',
      ownerKeyId: keyId,
      status: 'queued',
      progress: emptyProgress(),
      canceledItems: 0,
      cancelRequested: false,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      taskId: 'receipt_fields_v1',
      concurrency: 1,
      source: { type: 'dir', images_dir: 'openapi', glob: '**/*', exts: ['png'], limit: null },
      runId: 'openapi-queued',
      runDay: dayOf(now),
    };
    job.executionName = executionNameOf(job);
    await s.deps.jobs.create(job);
    const res = await s.call('POST', `/v1/jobs/${job.jobId}/cancel`, { key: apiKey });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('canceled');
  });

  test('an extract whose request is still in flight answers 409', async () => {
    const { apiKey, keyId } = await s.newKey('client');
    const now = new Date();
    await s.deps.index.claim(
      {
        kind: 'extract',
        id: 'openapi-pending',
        ownerKeyId: keyId,
        rel: extractRel(dayOf(now), 'openapi-pending'),
        day: dayOf(now),
        createdAt: now.toISOString(),
        status: 'pending',
        taskId: 'receipt_fields_v1',
      },
      { overwrite: false },
    );
    const res = await s.call('GET', '/v1/extracts/openapi-pending', { key: apiKey });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
  });
});
