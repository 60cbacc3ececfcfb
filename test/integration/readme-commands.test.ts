// The README's commands, run as written (bash + the machine's curl + npx) against the local stack: the
// extract example on a photo-sized JPEG, data put + a server-side batch, and the backup download. Only
// the base URL is swapped for the test stack's.
import { type ExecFileException, execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makePhotoJpeg, makePng } from '../support/images.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { ROOT } from '../support/processes.ts';
import { pollJob } from '../support/batch.ts';

// The user's shell, before the in-process stack sets its own variables.
const shellEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !['S3_BUCKET', 'KEYS_TABLE', 'LOCAL_DATA_DIR', 'DATA_ROOT', 'S3_PREFIX'].includes(k),
  ),
);
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
let s: TestStack;
let key: string;
let work: string;

/** The bash block that follows `<!-- readme-test: NAME -->` in the README. */
function readmeBlock(name: string): string {
  const m = new RegExp(`<!-- readme-test: ${name} -->\\n\`\`\`bash\\n([\\s\\S]*?)\\n\`\`\``).exec(README);
  if (!m) throw new Error(`README has no block "${name}"`);
  return m[1]!;
}

/** Runs a script with bash in the work folder (inside the project, so npx finds ocrlty), KEY set. */
function bash(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-euo', 'pipefail', '-c', script.replaceAll('http://127.0.0.1:8080', s.url)],
      { cwd: work, env: { ...shellEnv, KEY: key, LOCAL_DATA_DIR: s.stack.dataDir }, maxBuffer: 64 * 1024 * 1024 },
      (err: ExecFileException | null, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  s = await startTestStack({ DEBUG_MODE: '1', SYNC_WAIT_S: '20', LOCAL_WORKFLOW_RETRY_MS: '5' });
  ({ apiKey: key } = await s.newKey('admin'));
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  work = mkdtempSync(join(ROOT, 'tmp', 'readme-'));
});
afterAll(async () => {
  await s.close();
  rmSync(work, { recursive: true, force: true });
});

describe('README: extract with the body from a file', () => {
  test('a 3 MB phone-sized JPEG goes through the documented commands and gets a schema-valid answer', async () => {
    const photo = makePhotoJpeg(1600, 1200);
    expect(photo.length).toBeGreaterThan(2_800_000);
    expect(photo.length).toBeLessThanOrEqual(3 * 1024 * 1024);
    writeFileSync(join(work, 'receipt.jpg'), photo);

    const out = await bash(readmeBlock('extract'));

    expect(out.code, out.stderr).toBe(0);
    const answer = JSON.parse(out.stdout);
    expect(answer).toMatchObject({ schema_ok: true, request_id: expect.any(String), artifact_rel: expect.any(String) });
    const artifact = await s.deps.store.getJson<any>(answer.artifact_rel);
    expect(artifact.input).toMatchObject({ mime_type: 'image/jpeg', byte_length: photo.length });
    // The body was ~4 MB: the reason it cannot go on the command line.
    expect(statSync(join(work, 'body.json')).size).toBeGreaterThan(4_000_000);
  });

  test('the old form, base64 on the command line, fails on the same photo: why the README changed', async () => {
    const out = await bash(
      `curl -s -X POST http://127.0.0.1:8080/v1/extract -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" ` +
        `-d "{\\"task_id\\":\\"receipt_fields_v1\\",\\"mime_type\\":\\"image/jpeg\\",\\"image_base64\\":\\"$(base64 -w0 receipt.jpg)\\"}"`,
    );
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/Argument list too long/);
  });

  test('a photo over 4.3 MB gets the 413 the README names, with the limit', async () => {
    const photo = makePhotoJpeg(2000, 1500, 97, 2);
    expect(photo.length).toBeGreaterThan(4_300_000);
    writeFileSync(join(work, 'receipt.jpg'), photo);

    const out = await bash(readmeBlock('extract'));

    expect(out.code, out.stderr).toBe(0);
    const { error } = JSON.parse(out.stdout);
    // Its base64 is past MAX_BODY_BYTES (5.8 MB) before the image itself is past MAX_IMAGE_BYTES: either limit is named.
    expect(error.code).toBe('payload_too_large');
    expect(Object.keys(error.details)).toEqual([expect.stringMatching(/^max_(image|body)_bytes$/)]);
  });
});

describe('README: a photo too big for a request, through an upload session', () => {
  test('the three documented calls (create, curl -T, complete) start a run that reads the 5.8 MB photo', async () => {
    const photo = makePhotoJpeg(2200, 1700, 97, 5);
    expect(photo.length).toBeGreaterThan(5_000_000);
    writeFileSync(join(work, 'receipt.jpg'), photo);

    const out = await bash(readmeBlock('uploads'));

    expect(out.code, out.stderr).toBe(0);
    const accepted = JSON.parse(out.stdout.trim().split('\n').at(-1)!);
    expect(accepted).toMatchObject({ run_id: 'march-photos', poll_url: `/v1/jobs/${accepted.job_id}` });
    const job = await pollJob(s, key, accepted.job_id);
    expect(job).toMatchObject({ status: 'succeeded', progress: { ok: 1, err: 0 } });
    const [item] = await s.deps.runItems.listAll('march-photos');
    expect(item).toMatchObject({ file: '2026/03/receipt.jpg', status: 'ok' });
    const artifact = await s.deps.store.getJson<any>(item!.artifactRel!);
    expect(artifact.input).toMatchObject({ mime_type: 'image/jpeg', byte_length: photo.length });
  });
});

describe('README: data put, then a server-side batch', () => {
  test('the documented commands put a folder under the data root and batch every image in it', async () => {
    mkdirSync(join(work, 'receipts', 'more'), { recursive: true });
    writeFileSync(join(work, 'receipts', 'r1.jpg'), makePhotoJpeg(320, 240, 90, 3));
    writeFileSync(join(work, 'receipts', 'more', 'r2.png'), makePng(64, 32, 4));

    const out = await bash(readmeBlock('data-batch'));

    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('under data/batch_smoke/images/');
    expect(out.stdout).toContain('batch_smoke/images/more/r2.png');
    const answer = JSON.parse(out.stdout.trim().split('\n').at(-1)!);
    expect(answer).toMatchObject({ status: 'succeeded', outcome: 'succeeded', summary: { total: 2, ok: 2, err: 0 } });
  });
});

describe('README: the debug backup with curl -L -o', () => {
  test('downloads the archive itself, not a JSON answer', async () => {
    const out = await bash(readmeBlock('backup'));

    expect(out.code, out.stderr).toBe(0);
    const archive = readFileSync(join(work, 'backup.tar.gz'));
    expect([...archive.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(out.stdout.split('\n')[0]).toBe('manifest.json');
  });
});
