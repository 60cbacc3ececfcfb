// Restart recovery (seed §8.6) as an operator sees it: local mode is killed while a job is running and
// another is still queued; on the next start the running one is failed (stale_after_restart) with its
// partial batch artifact, and the queued one runs to the end.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildAppDeps } from '../../functions/adapters/container.ts';
import { loadConfig } from '../../functions/config.ts';
import { batchRel, dayOf } from '../../functions/core/artifact-keys.ts';
import { executionNameOf, newJobId } from '../../functions/core/batch/jobs.ts';
import { emptyProgress, type JobRecord } from '../../functions/core/batch/job-model.ts';
import { type EndpointsFile, LOCAL_BUCKET } from '../../infra/local/stack.ts';
import { type FakeVllm, startFakeVllm } from '../support/fake-vllm.ts';
import { makePng } from '../support/images.ts';
import { multipart } from '../support/batch.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'ocrlty-restart-'));
const children: ChildProcess[] = [];
let fake: FakeVllm;

beforeAll(async () => {
  fake = await startFakeVllm();
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await fake.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function startLocal(): Promise<{ child: ChildProcess; url: string; banner: () => string }> {
  const env = {
    ...process.env,
    LOCAL_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'ERROR',
    VLLM_BASE_URL: fake.url,
    VLLM_API_KEY: 'test-vllm-key',
    VLLM_READ_TIMEOUT_S: '600',
    LOCAL_WORKFLOW_RETRY_MS: '5',
  };
  const child = spawn(process.execPath, ['bin/node22.mjs', '--import', 'tsx', 'infra/local/main.ts'], { cwd: ROOT, env });
  children.push(child);
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  child.stdout!.on('data', () => undefined);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start banner:\n${out}`)), 60_000);
    child.stderr!.on('data', () => {
      const m = /is up: (http:\/\/[\d.:]+)/.exec(out);
      if (m && out.includes('Ctrl-C')) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
  return { child, url, banner: () => out };
}

/** The adapters of the running stack (from its endpoints.json), to look into its tables and bucket. */
function directDeps() {
  const endpoints = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as EndpointsFile;
  return buildAppDeps(
    loadConfig({
      ...endpoints.tables,
      LOG_LEVEL: 'ERROR',
      AUTH_ENABLED: '0',
      S3_BUCKET: LOCAL_BUCKET,
      S3_ENDPOINT_URL: endpoints.s3,
      S3_FORCE_PATH_STYLE: '1',
      R2_ACCESS_KEY_ID: 'S3RVER',
      R2_SECRET_ACCESS_KEY: 'S3RVER',
      DYNAMODB_ENDPOINT_URL: endpoints.dynamodb,
    }),
  );
}

async function getJob(url: string, key: string, jobId: string): Promise<any> {
  const res = await fetch(`${url}/v1/jobs/${jobId}`, { headers: { authorization: `Bearer ${key}` } });
  return res.json();
}

async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('after a crash, running jobs fail as stale_after_restart and queued jobs run again', async () => {
  // Prepare: a stack whose model never answers, one job running in it.
  fake.behaviour = { kind: 'hang' };
  const first = await startLocal();
  const adminKey = /\n {2}(ocr_[A-Za-z0-9_-]+)\n/.exec(first.banner())![1]!;
  const { body, contentType } = multipart([
    { name: 'task_id', value: 'receipt_fields_v1' },
    { name: 'run_id', value: 'crash-run' },
    { name: 'concurrency', value: '1' },
    { name: 'files', filename: 'a.png', type: 'image/png', bytes: makePng(16, 8, 1) },
    { name: 'files', filename: 'b.png', type: 'image/png', bytes: makePng(16, 8, 2) },
  ]);
  const created = await fetch(`${first.url}/v1/batch_extract_upload_async`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': contentType },
    body,
  }).then((r) => r.json() as Promise<any>);
  const runningId: string = created.job_id;
  await waitFor(
    () => getJob(first.url, adminKey, runningId),
    (j) => j.status === 'running' && fake.inFlight > 0,
  );

  // ...and one job left queued (as if the process died between creating it and starting it).
  const endpoints = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as EndpointsFile;
  const direct = directDeps();
  await direct.store.putBytes('data/restart/q.png', makePng(16, 8, 3), 'image/png', { overwrite: true });
  const now = new Date();
  await direct.index.claim(
    {
      kind: 'batch',
      id: 'queued-run',
      ownerKeyId: 'local-admin',
      rel: batchRel(dayOf(now), 'queued-run'),
      day: dayOf(now),
      createdAt: now.toISOString(),
      status: 'pending',
      taskId: 'receipt_fields_v1',
    },
    { overwrite: false },
  );
  const queued: JobRecord = {
    jobId: newJobId(),
    kind: 'batch_dir',
    ownerKeyId: 'local-admin',
    status: 'queued',
    progress: emptyProgress(),
    canceledItems: 0,
    cancelRequested: false,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    taskId: 'receipt_fields_v1',
    concurrency: 1,
    source: { type: 'dir', images_dir: 'restart', glob: '**/*', exts: ['png'], limit: null },
    runId: 'queued-run',
    runDay: dayOf(now),
  };
  queued.executionName = executionNameOf(queued);
  await direct.jobs.create(queued);
  direct.dynamo.destroy();
  direct.s3.destroy();

  // Act: the stack process dies (no clean shutdown), then local mode starts again.
  process.kill(endpoints.pid, 'SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  fake.behaviour = { kind: 'ok' };
  const second = await startLocal();

  // Assess: nothing is left running.
  const stale = await getJob(second.url, adminKey, runningId);
  expect(stale).toMatchObject({
    status: 'failed',
    error: { code: 'stale_after_restart' },
    progress: { stage: 'failed', total: 2 },
  });
  expect(stale.result).toMatchObject({ run_id: 'crash-run', status: 'failed', summary: { total: 2 } });
  const look = directDeps();
  const partial = await look.store.getJson<any>(stale.result.artifact_rel);
  expect(partial).toMatchObject({ status: 'failed', error: { code: 'stale_after_restart' } });
  expect(partial.items.map((i: any) => i.status)).toEqual(['error', 'error']);
  expect(partial.items[1].error.code).toBe('not_processed');
  expect((await look.index.get('batch', 'crash-run'))?.status).toBe('error');
  look.dynamo.destroy();
  look.s3.destroy();

  const rerun = await waitFor(
    () => getJob(second.url, adminKey, queued.jobId),
    (j) => ['succeeded', 'failed', 'canceled'].includes(j.status),
  );
  expect(rerun).toMatchObject({ status: 'succeeded', progress: { total: 1, ok: 1 }, result: { run_id: 'queued-run' } });

  const list = await fetch(`${second.url}/v1/jobs?status=running`, { headers: { authorization: `Bearer ${adminKey}` } });
  expect(((await list.json()) as any).jobs).toEqual([]);

  const exited = new Promise((r) => second.child.once('exit', r));
  second.child.kill('SIGINT');
  await exited;
});
