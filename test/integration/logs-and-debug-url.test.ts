// JSON logs (seed event names, correlated by request_id, never the image) and the debug-only image_url.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isPublicAddress } from '../../functions/adapters/image-fetcher.ts';
import { makePng } from '../support/images.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';

let s: TestStack;
let debuggerKey: string;
let clientKey: string;

beforeAll(async () => {
  s = await startTestStack({ LOG_LEVEL: 'INFO', DEBUG_MODE: '1' });
  ({ apiKey: debuggerKey } = await s.newKey('debugger'));
  ({ apiKey: clientKey } = await s.newKey('client'));
});
afterAll(async () => s.close());

/** Runs fn while capturing what the process writes to stdout (where the JSON logs go). */
async function captureStdout(fn: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return original(chunk as string, ...(rest as []));
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = original;
  }
  return lines;
}

describe('logs', () => {
  test('an extract logs JSON lines with the seed event names, its request_id, and never the image or model text', async () => {
    const image = makePng(30, 30, 5).toString('base64');
    let rawText = '';
    const lines = await captureStdout(async () => {
      const res = await s.call('POST', '/v1/extract', {
        key: clientKey,
        json: { task_id: 'receipt_fields_v1', image_base64: image, request_id: 'log-check-1' },
        headers: { 'X-Request-ID': 'log-check-1' },
      });
      expect(res.status).toBe(200);
      rawText = (await s.deps.store.getJson<any>(res.body.artifact_rel)).raw_model_text;
    });
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const names = events.map((e) => e.event);
    expect(names).toEqual(expect.arrayContaining(['request_start', 'extract_done', 's3_put', 'request_end']));
    for (const e of events.filter((e) => ['request_start', 'extract_done', 'request_end'].includes(String(e.event)))) {
      expect(e.request_id).toBe('log-check-1');
    }
    const all = lines.join('\n');
    expect(all).not.toContain(image.slice(0, 200));
    expect(all).not.toContain(rawText.slice(0, 60));
  });

  test('a client error is logged as request_error with its code', async () => {
    const lines = await captureStdout(() =>
      s.call('POST', '/v1/extract', {
        key: clientKey,
        json: { task_id: 'nope', image_base64: 'AAAA' },
        headers: { 'X-Request-ID': 'log-err-1' },
      }),
    );
    const err = lines.map((l) => JSON.parse(l)).find((e) => e.event === 'request_error');
    expect(err).toMatchObject({ request_id: 'log-err-1', status: 400, code: 'validation_error' });
  });
});

/** Like captureStdout, for stderr as well: every line the process writes. */
async function captureAllOutput(fn: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const err = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return err(chunk as string, ...(rest as []));
  }) as typeof process.stderr.write;
  try {
    lines.push(...(await captureStdout(fn)));
  } finally {
    process.stderr.write = err;
  }
  return lines;
}

describe('a client that hangs up mid-upload', () => {
  test('leaves JSON log lines only: one request_aborted line, no plain-text stack', async () => {
    const url = new URL(`${s.url}/v1/batch_extract_upload`);
    const lines = await captureAllOutput(
      () =>
        new Promise<void>((resolve) => {
          const req = request({
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            headers: {
              authorization: `Bearer ${clientKey}`,
              'content-type': 'multipart/form-data; boundary=XX',
              'content-length': '5000000',
            },
          });
          req.on('error', () => undefined);
          req.write(`--XX\r\nContent-Disposition: form-data; name="task_id"\r\n\r\nreceipt_fields_v1\r\n${'x'.repeat(100_000)}`);
          setTimeout(() => {
            req.destroy();
            setTimeout(resolve, 300);
          }, 200);
        }),
    );
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const aborted = lines.map((l) => JSON.parse(l)).filter((e) => e.event === 'request_aborted');
    expect(aborted).toEqual([expect.objectContaining({ method: 'POST', path: '/v1/batch_extract_upload' })]);
  });
});

describe('image_url (DEBUG_MODE=1 and debug:run only)', () => {
  test('a client key without debug:run is refused', async () => {
    const res = await s.call('POST', '/v1/extract', {
      key: clientKey,
      json: { task_id: 'receipt_fields_v1', image_url: 'https://example.com/receipt.png' },
    });
    expect(res.status).toBe(403);
  });

  test.each([
    'http://127.0.0.1:8080/health',
    'http://localhost/receipt.png',
    'http://10.0.0.5/receipt.png',
    'http://[::1]/receipt.png',
    'http://169.254.169.254/latest/meta-data/',
    'file:///etc/passwd',
  ])('refuses %s', async (url) => {
    const res = await s.call('POST', '/v1/extract', { key: debuggerKey, json: { task_id: 'receipt_fields_v1', image_url: url } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
  });

  test('address classification', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
    ]) {
      expect(isPublicAddress(a)).toBe(false);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect(isPublicAddress(a)).toBe(true);
  });
});
