// The reviewers' web UI in a real browser (headless Chromium) against one local stack with the fake vLLM:
// sign in with a key from the CLI, upload three receipts, watch the job, open the run and an item (its page
// image beside the fields), walk the queue with the keyboard across server pages, filter by needs-review,
// and check that another owner's key sees none of it. Screenshots land in test-results/ui/.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bodyText, byLabel, byRole, launchBrowser, shot, waitForText } from '../support/browser.ts';
import { makeReceiptPage } from '../support/documents.ts';
import { type FakeVllm, startFakeVllm } from '../support/fake-vllm.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';

// Browser globals, used only inside page.evaluate callbacks (the Node program has no DOM lib).
declare const document: any;
declare const location: any;
declare const sessionStorage: any;
declare const localStorage: any;

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

let s: TestStack;
let fake: FakeVllm;
let browser: Browser;
let page: Page;
let filesDir: string;
let reviewerKey = '';
let runId = '';

/** `ocrlty keys create` against the running test stack, as a person would get a key. */
async function cliKey(keyId: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['bin/ocrlty.mjs', 'keys', 'create', '--key-id', keyId, '--role', 'client', '--json'],
    {
      cwd: ROOT,
      env: { ...process.env, LOCAL_DATA_DIR: s.stack.dataDir },
    },
  );
  return JSON.parse(stdout).api_key as string;
}

async function signIn(key: string): Promise<void> {
  await page.goto(`${s.url}/`);
  const input = await byLabel(page, 'API key');
  await input.type(key);
  await (await byRole(page, 'button', 'Sign in')).click();
}

beforeAll(async () => {
  fake = await startFakeVllm();
  // The fake model can be slowed (latencyMs) so a job runs long enough to cancel it.
  s = await startTestStack({ VLLM_BASE_URL: fake.url, VLLM_API_KEY: 'test-vllm-key' });
  filesDir = mkdtempSync(join(tmpdir(), 'ocrlty-ui-files-'));
  for (const [i, name] of ['corner-shop.png', 'cafe.png', 'hardware.png'].entries()) {
    writeFileSync(
      join(filesDir, name),
      await makeReceiptPage(480 + i * 40, 720, [`SHOP ${i + 1}`, 'MILK 1.20', 'BREAD 2.40', 'TOTAL 3.60']),
    );
  }
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 860 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await s?.close();
  await fake?.close();
  rmSync(filesDir, { recursive: true, force: true });
});

describe('the web UI in Chromium', () => {
  test('serves the app at / with a content security policy, and the API stays under /v1', async () => {
    const res = await fetch(`${s.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect((await fetch(`${s.url}/v1/runs`)).status).toBe(401);
  });

  test('a wrong key gets a clear 401 message; a key from the CLI signs in and is kept in sessionStorage only', async () => {
    await signIn('ocr_not-a-real-key');
    const alert = await page.waitForSelector('::-p-aria([role="alert"])');
    expect(await alert!.evaluate((e) => e.textContent)).toMatch(/not accepted: it is unknown or revoked/);
    await shot(page, '01-sign-in-rejected');

    reviewerKey = await cliKey('ui-reviewer');
    await signIn(reviewerKey);
    await byRole(page, 'heading', 'Runs');
    const storage = await page.evaluate(() => ({
      session: Object.values(sessionStorage),
      local: Object.values(localStorage),
      cookie: document.cookie,
    }));
    expect(storage).toEqual({ session: [reviewerKey], local: [], cookie: '' });
    await waitForText(page, 'No runs yet');
    await shot(page, '02-runs-empty');
  });

  test('upload three receipts by session, watch the job finish and land on the run', async () => {
    await (await byRole(page, 'link', 'Upload')).click();
    await byRole(page, 'heading', 'Upload receipts and invoices');
    const input = (await byLabel(page, 'Choose files')) as ElementHandle<any>;
    await input.uploadFile(...['corner-shop.png', 'cafe.png', 'hardware.png'].map((n) => join(filesDir, n)));
    await byRole(page, 'progressbar', 'Upload progress of cafe.png');
    await page.select('#task', 'receipt_fields_v1');
    await shot(page, '03-upload-chosen');
    // A model slow enough that the job's live progress is on screen for a moment.
    fake.latencyMs = 700;
    await (await byRole(page, 'button', 'Upload and run')).click();

    // The job section shows live progress (a labelled progress bar, counts), then the app opens the run.
    await waitForText(page, 'The run opens when the job ends');
    await page.waitForSelector('progress[aria-label^="Progress of job"]');
    await waitForText(page, 'of 3 done');
    await shot(page, '04-upload-job-progress');
    await page.waitForFunction(() => /^#\/runs\/[^/?]+/.test(location.hash), { timeout: 60_000 });
    runId = decodeURIComponent((await page.evaluate(() => location.hash)).replace(/^#\/runs\//, '').split('?')[0]!);
    expect(runId).not.toBe('');
    fake.latencyMs = 0;

    // The bucket got the three files the browser PUT, and the run holds three ok items.
    const items = await s.call('GET', `/v1/runs/${runId}/items`, { key: reviewerKey });
    expect(items.body.items.map((i: { file: string; status: string }) => [i.file, i.status])).toEqual([
      ['cafe.png', 'ok'],
      ['corner-shop.png', 'ok'],
      ['hardware.png', 'ok'],
    ]);
  });

  test('the run page shows the summary and the items table', async () => {
    await byRole(page, 'heading', `Run ${runId}`);
    await page.waitForSelector('::-p-aria([name="Items"][role="table"])');
    const rows = await page.$$eval('table.items tbody tr', (trs: any[]) => trs.map((tr) => (tr as any).innerText));
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.split('\t')[1])).toEqual(['cafe.png', 'corner-shop.png', 'hardware.png']);
    const summary = await page.$eval('[aria-label="Run summary"]', (e) => (e as any).innerText);
    expect(summary).toMatch(/Items\s+3/);
    expect(summary).toMatch(/OK\s+3/);
    await shot(page, '05-run');

    await (await byRole(page, 'link', 'Runs')).click();
    await page.waitForSelector('::-p-aria([name="Runs"][role="table"])');
    expect(await bodyText(page)).toContain(runId);
    await shot(page, '06-runs-list');
  });

  test('an item shows its page image beside the fields; n walks to the next item across server pages', async () => {
    // Two items per server page, so item 2 → item 3 crosses a page.
    await page.goto(`${s.url}/#/runs/${encodeURIComponent(runId)}?limit=2`);
    await page.waitForSelector('table.items tbody tr');
    expect(await page.$$eval('table.items tbody tr', (trs: any[]) => trs.length)).toBe(2);
    // Keyboard in the table: ↓ then Enter opens the second item.
    await page.focus('table.items');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await waitForText(page, 'Item 2 of this list');
    // The image by its text alternative; loaded means the presigned GET passed the CSP and the bucket.
    const img = await page.waitForSelector('img[alt^="Page 1 of the input as the model saw it"]', { timeout: 15_000 });
    await page.waitForFunction((el) => (el as any).complete && (el as any).naturalWidth > 0, { timeout: 15_000 }, img);
    expect(await img!.evaluate((e) => new URL((e as any).src).origin)).not.toBe(new URL(s.url).origin);
    await page.waitForSelector('::-p-aria([name="Fields"][role="table"])');
    const fields = await page.$eval('table.fields', (t) => (t as any).innerText);
    expect(fields).toMatch(/Field\s+Value/);
    expect(fields.split('\n').length).toBeGreaterThan(2);
    await (await byRole(page, 'button', 'Zoom in')).click();
    await waitForText(page, '125 %');
    await shot(page, '07-item');
    // A tablet in portrait: the image stacks above the fields, nothing needs sideways scrolling.
    await page.setViewport({ width: 820, height: 1180 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= 820)).toBe(true);
    await shot(page, '07b-item-tablet');
    await page.setViewport({ width: 1280, height: 860 });

    await page.keyboard.press('n');
    await waitForText(page, 'Item 3 of this list');
    expect(await bodyText(page)).not.toContain('Item 2 of this list');
    await page.keyboard.press('p');
    await waitForText(page, 'Item 2 of this list');
  });

  test('the needs-review filter shows exactly the items the API says need review', async () => {
    const all = (await s.call('GET', `/v1/runs/${runId}/items`, { key: reviewerKey })).body.items as Array<{
      needs_review?: boolean;
    }>;
    const probe = await s.call('GET', `/v1/runs/${runId}/items?needs_review=true`, { key: reviewerKey });
    await page.goto(`${s.url}/#/runs/${encodeURIComponent(runId)}`);
    await page.waitForSelector('table.items tbody tr');
    await (await byLabel(page, 'Only items that need review')).click();
    await page.waitForFunction(() => location.hash.includes('needs_review=true'));
    if (probe.status === 400) {
      // An API without the filter: the page says so instead of showing a wrong list.
      await waitForText(page, 'This server cannot filter by needs review yet');
    } else {
      expect(probe.status).toBe(200);
      const expected = all.filter((i) => i.needs_review === true).length;
      if (expected === 0) await waitForText(page, 'No item of this run needs review.');
      else
        await page.waitForFunction((n: number) => document.querySelectorAll('table.items tbody tr').length === n, {}, expected);
    }
    await shot(page, '08-run-needs-review-filter');
  });

  test('the jobs page lists the upload job as finished', async () => {
    await page.goto(`${s.url}/#/jobs`);
    await byRole(page, 'heading', 'Jobs');
    await waitForText(page, runId);
    expect(await bodyText(page)).toMatch(/succeeded/);
    await shot(page, '09-jobs');
  });

  test('a running upload job can be canceled from its progress, and the run says so', async () => {
    fake.latencyMs = 1500;
    await page.goto(`${s.url}/#/upload`);
    const input = (await byLabel(page, 'Choose files')) as ElementHandle<any>;
    await input.uploadFile(...['corner-shop.png', 'cafe.png', 'hardware.png', 'corner-shop.png'].map((n) => join(filesDir, n)));
    // The same file twice gets a name of its own in the session.
    await byRole(page, 'progressbar', 'Upload progress of corner-shop (2).png');
    await (await byRole(page, 'button', 'Upload and run')).click();
    const cancel = await page.waitForSelector('button[aria-label^="Cancel job"]', { timeout: 30_000 });
    const jobId = (await cancel!.evaluate((b: any) => b.getAttribute('aria-label') as string)).replace('Cancel job ', '');
    await cancel!.click();
    await page.waitForFunction(() => /^#\/runs\/[^/?]+/.test(location.hash), { timeout: 60_000 });
    fake.latencyMs = 0;
    const job = (await s.call('GET', `/v1/jobs/${jobId}`, { key: reviewerKey })).body;
    expect(job).toMatchObject({ status: 'canceled', cancel_requested: true });
    // Cooperative: items already in flight (all four may be, in parallel) finish; the job ends canceled.
    expect(job.progress.total).toBe(4);
    await page.waitForSelector('[aria-label="Run summary"]');
    expect(await page.$eval('[aria-label="Run summary"]', (e: any) => e.innerText as string)).toMatch(/canceled/);
    await shot(page, '10-run-canceled');
  });

  test("a second owner's key sees none of it", async () => {
    await (await byRole(page, 'button', 'Sign out')).click();
    await waitForText(page, 'Signed out.');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await signIn(await cliKey('ui-other-owner'));
    await waitForText(page, 'No runs yet');
    expect(await bodyText(page)).not.toContain(runId);
    await page.goto(`${s.url}/#/runs/${encodeURIComponent(runId)}`);
    await page.waitForSelector('::-p-aria([role="alert"])');
    expect(await bodyText(page)).toMatch(/HTTP 404/);
    await shot(page, '11-other-owner');

    // A key revoked while signed in: the next call's 401 sends the reviewer back to sign in, key forgotten.
    await run(process.execPath, ['bin/ocrlty.mjs', 'keys', 'revoke', '--key-id', 'ui-other-owner'], {
      cwd: ROOT,
      env: { ...process.env, LOCAL_DATA_DIR: s.stack.dataDir },
    });
    await page.goto(`${s.url}/#/jobs`);
    await byLabel(page, 'API key');
    await waitForText(page, 'Your API key is no longer accepted');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await shot(page, '12-key-revoked');
  });
});
