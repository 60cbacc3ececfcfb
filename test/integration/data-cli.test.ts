// `ocrlty data put|ls`: a local folder copied under the data root, then batched with `images_dir` —
// with the stack stopped (embedded emulators on the same files), with it running, and against an
// R2-compatible bucket chosen by S3_BUCKET (S3_PREFIX and DATA_ROOT applied as the functions apply them).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appDeps } from '../../functions/adapters/container.ts';
import { createKey } from '../../functions/core/auth/manage-keys.ts';
import { startS3rver } from '../../infra/local/emulators.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { makePng } from '../support/images.ts';
import { runCli } from '../support/processes.ts';

// The user's shell, before the in-process stack sets its own variables.
const shellEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !['S3_BUCKET', 'KEYS_TABLE', 'LOCAL_DATA_DIR', 'DATA_ROOT', 'S3_PREFIX'].includes(k),
  ),
);
const root = mkdtempSync(join(tmpdir(), 'ocrlty-data-'));
const dataDir = join(root, 'data-folder');
const env = { ...shellEnv, LOCAL_DATA_DIR: dataDir, LOG_LEVEL: 'ERROR' };
const receipts = join(root, 'receipts');
let stack: LocalStack | undefined;

beforeAll(() => {
  mkdirSync(join(receipts, 'sub'), { recursive: true });
  writeFileSync(join(receipts, 'r1.png'), makePng(16, 8, 1));
  writeFileSync(join(receipts, 'r2.png'), makePng(16, 8, 2));
  writeFileSync(join(receipts, 'sub', 'r3.png'), makePng(16, 8, 3));
  writeFileSync(join(receipts, 'gt.json'), JSON.stringify([{ file: 'r1.png', total: '1.00' }]));
  writeFileSync(join(receipts, '.DS_Store'), 'hidden');
});
afterAll(async () => {
  await stack?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('ocrlty data put / ls on the local data folder', () => {
  test('with the stack stopped, put copies the folder under the data root and says which images_dir to send', async () => {
    const put = await runCli(['data', 'put', receipts, 'batch_smoke/images', '--json'], { env, cwd: root });
    expect(put.code).toBe(0);
    expect(JSON.parse(put.stdout)).toMatchObject({
      files: 4,
      prefix: 'data/batch_smoke/images/',
      images_dir: 'batch_smoke/images',
      where: `local data ${dataDir}`,
    });
    const human = await runCli(['data', 'put', 'receipts'], { env, cwd: root });
    expect(human.stdout).toContain('under data/receipts/');
    expect(human.stdout).toContain('"images_dir": "receipts"');
  });

  test('ls lists the files as images_dir and gt_path name them', async () => {
    const ls = await runCli(['data', 'ls', 'batch_smoke', '--json'], { env });
    expect(ls.code).toBe(0);
    expect(JSON.parse(ls.stdout).map((o: { path: string }) => o.path)).toEqual([
      'batch_smoke/images/gt.json',
      'batch_smoke/images/r1.png',
      'batch_smoke/images/r2.png',
      'batch_smoke/images/sub/r3.png',
    ]);
  });

  test('a batch over the seed-style "/data/batch_smoke/images" runs every image put there', async () => {
    stack = await startLocalStack({ dataDir, port: 0, env: { LOG_LEVEL: 'ERROR', SYNC_WAIT_S: '20' } });
    const deps = await appDeps();
    const { apiKey } = await createKey(deps.keys, deps.config.apiKeyPepper, {
      keyId: 'data-user',
      role: 'client',
      now: new Date(),
    });
    const res = await fetch(`${stack.url}/v1/batch_extract`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ task_id: 'receipt_fields_v1', images_dir: '/data/batch_smoke/images', run_id: 'smoke-dir' }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ status: 'succeeded', summary: { total: 3, ok: 3, err: 0 } });

    const outside = await fetch(`${stack.url}/v1/batch_extract`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ task_id: 'receipt_fields_v1', images_dir: '/workspace/src/data' }),
    });
    const refused = (await outside.json()) as { error: { message: string } };
    expect(outside.status).toBe(400);
    expect(refused.error.message).toContain('relative to the data root');
    expect(refused.error.message).toContain('npx ocrlty data put');
  });

  test('with the stack running, put and ls go through it', async () => {
    const put = await runCli(['data', 'put', receipts, 'second'], { env });
    expect(put.code).toBe(0);
    expect(put.stdout).toContain(`via the running stack ${stack!.url}`);
    const ls = await runCli(['data', 'ls', 'second'], { env });
    expect(ls.stdout).toContain('second/sub/r3.png');
    expect(ls.stdout).toContain('4 files');
  });

  test('a PREFIX that leaves the data root is refused before anything is written', async () => {
    const bad = await runCli(['data', 'put', receipts, '../escape'], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('".." is not allowed');
    const missing = await runCli(['data', 'put', join(root, 'nope')], { env });
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('is not a folder') });
    const usage = await runCli(['data', 'put'], { env });
    expect(usage.code).toBe(2);
  });
});

describe('ocrlty data put / ls against an R2 bucket (S3_BUCKET set)', () => {
  test('objects land under S3_PREFIX/DATA_ROOT/PREFIX, and ls reads them back', async () => {
    const remote = await startS3rver(join(root, 'remote'), 'remote-bucket');
    const r2Env = {
      ...shellEnv,
      LOCAL_DATA_DIR: join(root, 'never-used'),
      S3_BUCKET: 'remote-bucket',
      S3_ENDPOINT_URL: remote.endpoint,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: '1',
      R2_ACCESS_KEY_ID: 'S3RVER',
      R2_SECRET_ACCESS_KEY: 'S3RVER',
      S3_PREFIX: 'prod',
      DATA_ROOT: 'inbox',
    };
    try {
      const put = await runCli(['data', 'put', receipts, 'march', '--json'], { env: r2Env });
      expect(put.code).toBe(0);
      expect(JSON.parse(put.stdout)).toMatchObject({
        files: 4,
        prefix: 'inbox/march/',
        where: expect.stringContaining('bucket remote-bucket'),
      });

      const s3 = new S3Client({
        endpoint: remote.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'remote-bucket' }));
      s3.destroy();
      expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
        'prod/inbox/march/gt.json',
        'prod/inbox/march/r1.png',
        'prod/inbox/march/r2.png',
        'prod/inbox/march/sub/r3.png',
      ]);

      const ls = await runCli(['data', 'ls', '/inbox/march', '--json'], { env: r2Env });
      expect(JSON.parse(ls.stdout).map((o: { path: string }) => o.path)).toContain('march/sub/r3.png');
    } finally {
      await remote.close();
    }
  });
});
