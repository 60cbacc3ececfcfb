// The client CLI as a user runs it (bin/ocrlty.mjs in a child process) against the local stack over HTTP:
// a folder of photos → upload session → finished run → CSV; exit codes for usage, auth, network errors and
// failed items; resuming an interrupted upload; --json outputs that parse.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makePng } from '../support/images.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { runCli } from '../support/processes.ts';
import { declare, putTo } from '../support/uploads.ts';

const root = mkdtempSync(join(tmpdir(), 'ocrlty-client-'));
const photos = join(root, 'photos');
let s: TestStack;
let key = '';
let env: NodeJS.ProcessEnv;
// The user's shell: no deployment variables of the stack; HOME points at an empty folder (no config file).
const shell = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OCRLTY_')));

beforeAll(async () => {
  s = await startTestStack();
  key = (await s.newKey('client')).apiKey;
  env = { ...shell, HOME: root, XDG_CONFIG_HOME: join(root, 'config'), OCRLTY_API_URL: s.url, OCRLTY_API_KEY: key };
  mkdirSync(join(photos, 'march'), { recursive: true });
  for (let i = 0; i < 3; i++) writeFileSync(join(photos, `receipt_${i}.png`), makePng(32, 16, i));
  writeFileSync(join(photos, 'march', 'receipt_9.png'), makePng(32, 16, 9));
  writeFileSync(join(photos, 'notes.txt'), 'not a document: left out of a folder batch');
}, 120_000);
afterAll(async () => {
  await s?.close();
  rmSync(root, { recursive: true, force: true });
});

const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { env: { ...env, ...extra }, cwd: root });

describe('ocrlty batch → runs export', () => {
  test('a folder of photos goes through an upload session to a finished run, then to a CSV', async () => {
    const batch = await cli(['batch', photos, '--task', 'receipt_fields_v1', '--run-id', 'cli-photos', '--wait', '--json']);
    expect(batch.code, batch.stderr).toBe(0);
    const done = JSON.parse(batch.stdout);
    expect(done).toMatchObject({ run_id: 'cli-photos', status: 'succeeded', outcome: 'succeeded', files: 4, uploaded: 4 });
    expect(done.progress).toMatchObject({ total: 4, ok: 4, err: 0 });
    expect(existsSync(join(photos, '.ocrlty-upload.json'))).toBe(false);

    const csv = await cli(['runs', 'export', 'cli-photos', '--format', 'csv']);
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trimEnd().split('\r\n');
    expect(lines[0]!.startsWith('seq,file,request_id,status,schema_valid,error_code,error_message,')).toBe(true);
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[1])
        .sort(),
    ).toEqual(['march/receipt_9.png', 'receipt_0.png', 'receipt_1.png', 'receipt_2.png']);
    expect(lines.slice(1).every((l) => l.split(',')[3] === 'ok')).toBe(true);

    const jsonl = await cli(['runs', 'export', 'cli-photos', '--format', 'jsonl', '--output', join(root, 'out.jsonl')]);
    expect(jsonl.code).toBe(0);
    expect(jsonl.stderr).toContain('Wrote 4 items');

    const list = JSON.parse((await cli(['runs', 'list', '--json'])).stdout);
    expect(list.runs.map((r: { run_id: string }) => r.run_id)).toContain('cli-photos');
    const show = JSON.parse((await cli(['runs', 'show', 'cli-photos', '--json'])).stdout);
    expect(show).toMatchObject({ run_id: 'cli-photos', summary: { total: 4, ok: 4 } });
    const items = JSON.parse((await cli(['runs', 'items', 'cli-photos', '--json'])).stdout);
    expect(items).toHaveLength(4);
    const watched = await cli(['jobs', 'watch', done.job_id, '--json']);
    expect([watched.code, JSON.parse(watched.stdout).status]).toEqual([0, 'succeeded']);
  });

  test('a run with a failed item exits 1, and its CSV row carries the error', async () => {
    const bad = join(root, 'broken.png');
    writeFileSync(bad, 'these bytes are not a PNG');
    const good = join(photos, 'receipt_0.png');
    const batch = await cli(['batch', good, bad, '--task', 'receipt_fields_v1', '--run-id', 'cli-mixed', '--wait']);
    expect(batch.code, batch.stderr).toBe(1);
    expect(batch.stdout).toContain('2 items, 1 ok, 1 failed');
    const csv = (await cli(['runs', 'export', 'cli-mixed', '--format', 'csv'])).stdout.split('\r\n');
    expect(csv.find((l) => l.includes('broken.png'))).toMatch(/,error,false,invalid_input,/);
  });

  test('without --wait it prints the job to follow', async () => {
    const started = await cli(['batch', join(photos, 'receipt_1.png'), '--task', 'receipt_fields_v1', '--json']);
    expect(started.code, started.stderr).toBe(0);
    const body = JSON.parse(started.stdout);
    expect(body).toMatchObject({ job_id: expect.any(String), run_id: expect.any(String), uploaded: 1 });
    const watched = await cli(['jobs', 'watch', body.job_id]);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain('succeeded');
  });
});

describe('resuming an interrupted upload', () => {
  /** A session as an interrupted `ocrlty batch` leaves it: every file declared, only the first one sent. */
  async function halfUploaded(dir: string, names: string[]) {
    const files = names.map((n) => ({ name: n, bytes: makePng(32, 16, n.length) }));
    for (const f of files) writeFileSync(join(dir, f.name), f.bytes);
    const res = await s.call('POST', '/v1/uploads', { key, json: { files: declare(files) } });
    expect(res.status).toBe(201);
    expect((await putTo(res.body.files[0], files[0]!.bytes)).status).toBe(200);
    return res.body.upload_id as string;
  }

  test('--resume UPLOAD_ID sends only the pending files, then runs them all', async () => {
    const dir = join(root, 'resume-flag');
    mkdirSync(dir);
    const uploadId = await halfUploaded(dir, ['a.png', 'b.png', 'c.png']);
    const run = await cli(['batch', dir, '--task', 'receipt_fields_v1', '--resume', uploadId, '--wait', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      upload_id: uploadId,
      uploaded: 2,
      already_uploaded: 1,
      progress: { total: 3, ok: 3 },
    });
  });

  test('the folder state file resumes the same session when the command is run again', async () => {
    const dir = join(root, 'resume-state');
    mkdirSync(dir);
    const uploadId = await halfUploaded(dir, ['x.png', 'y.png']);
    writeFileSync(join(dir, '.ocrlty-upload.json'), JSON.stringify({ upload_id: uploadId, api_url: s.url }));
    const run = await cli(['batch', dir, '--task', 'receipt_fields_v1', '--wait']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`Resuming upload ${uploadId}: 1 of 2 files still to send.`);
    expect(existsSync(join(dir, '.ocrlty-upload.json'))).toBe(false);

    // A state file naming a session that is gone starts a new one rather than failing.
    writeFileSync(join(dir, '.ocrlty-upload.json'), JSON.stringify({ upload_id: 'upl_gone', api_url: s.url }));
    const fresh = await cli(['batch', dir, '--task', 'receipt_fields_v1', '--json']);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(JSON.parse(fresh.stdout)).toMatchObject({ uploaded: 2, already_uploaded: 0 });
  });
});

describe('ocrlty extract', () => {
  test('prints the result; a file over the sync limit goes through an upload session', async () => {
    const file = join(photos, 'receipt_2.png');
    const sync = await cli(['extract', file, '--json']);
    expect(sync.code, sync.stderr).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({ file, request_id: expect.any(String), result: expect.any(Object) });

    const big = await cli(['extract', file, '--sync-max-bytes', '10', '--json']);
    expect(big.code, big.stderr).toBe(0);
    const body = JSON.parse(big.stdout);
    const artifact = await s.call('GET', `/v1/extracts/${body.request_id}`, { key });
    expect(artifact.body.input.input_ref).toMatch(/^staging\/upl_|^staging\//);
    expect(artifact.body.input.file).toBe('receipt_2.png');
  });
});

describe('exit codes', () => {
  test('usage errors exit 2', async () => {
    const noTask = await cli(['batch', photos]);
    expect([noTask.code, noTask.stderr]).toEqual([2, expect.stringContaining('--task')]);
    expect((await cli(['runs', 'frobnicate', 'x'])).code).toBe(2);
    expect((await cli(['runs', 'export', 'cli-photos', '--format', 'xml'])).code).toBe(2);
    expect((await cli(['extract'])).code).toBe(2);
    const help = await cli(['batch', '--help']);
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('--resume UPLOAD_ID')]);
  });

  test('a wrong key exits 3 with the API message; a missing run exits 3', async () => {
    const auth = await cli(['runs', 'list'], { OCRLTY_API_KEY: 'ocr_not_a_key' });
    expect(auth.code).toBe(3);
    expect(auth.stderr).toContain('(key from env)');
    expect((await cli(['runs', 'show', 'no-such-run'])).code).toBe(3);
  });

  test('an unreachable deployment exits 4', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const down = await cli(['runs', 'list', '--api-url', `http://127.0.0.1:${port}`]);
    expect(down.code).toBe(4);
    expect(down.stderr).toContain('cannot reach');
  });

  test('eval against a deployment without DEBUG_MODE says so (exit 3) before uploading anything', async () => {
    writeFileSync(join(root, 'gt.json'), JSON.stringify([{ file: 'receipt_0.png', total: '1.00' }]));
    const res = await cli(['eval', 'cli-photos', '--gt', join(root, 'gt.json')]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('DEBUG_MODE');
  });

  test('the config file is read when neither flag nor environment is set', async () => {
    mkdirSync(join(root, 'config', 'ocrlty'), { recursive: true });
    writeFileSync(join(root, 'config', 'ocrlty', 'config.json'), JSON.stringify({ api_url: s.url, api_key: key }));
    const res = await cli(['runs', 'list', '--json'], { OCRLTY_API_URL: '', OCRLTY_API_KEY: '' });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).runs.length).toBeGreaterThan(0);
  });
});
