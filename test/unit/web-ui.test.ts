// The web UI's pure parts (polling back-off, upload names and types, hash routes) and local mode's static
// file lookup and security headers, without a browser.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { staticFileFor } from '../../infra/local/static-site.ts';
import { webContentSecurityPolicy, webSecurityHeaders } from '../../infra/web-headers.ts';
import { ApiError } from '../../web/src/api-error.ts';
import { confidenceClass, failedPointers } from '../../web/src/field-signals.ts';
import { POLL_BASE_MS, POLL_MAX_MS, nextDelayMs } from '../../web/src/backoff.ts';
import { parseHash } from '../../web/src/routes.ts';
import { mimeOf, uniqueNames } from '../../web/src/file-names.ts';

const site = mkdtempSync(join(tmpdir(), 'ocrlty-site-'));
mkdirSync(join(site, 'sub'));
writeFileSync(join(site, 'index.html'), '<!doctype html>');
writeFileSync(join(site, 'app.js'), '');
writeFileSync(join(tmpdir(), 'outside.txt'), 'secret');
afterAll(() => rmSync(site, { recursive: true, force: true }));

describe('polling back-off', () => {
  test('a 429 with Retry-After waits that long', () => {
    expect(nextDelayMs(1000, new ApiError(429, 'throttled', 'slow down', undefined, 7))).toBe(7000);
  });

  test('a 429 without Retry-After doubles the wait, capped', () => {
    const throttled = new ApiError(429, 'throttled', 'slow down');
    expect(nextDelayMs(POLL_BASE_MS, throttled)).toBe(2 * POLL_BASE_MS);
    expect(nextDelayMs(20_000, throttled)).toBe(POLL_MAX_MS);
    expect(nextDelayMs(1000, new ApiError(429, 'throttled', 'x', undefined, 600))).toBe(POLL_MAX_MS);
  });
});

describe('upload names and types', () => {
  test('names stay unique in a session, case-insensitively, keeping the extension', () => {
    expect(uniqueNames(['a.jpg', 'A.jpg', 'a.jpg', 'b'])).toEqual(['a.jpg', 'A (2).jpg', 'a (3).jpg', 'b']);
  });

  test('slashes, control characters and leading dots cannot make a path', () => {
    expect(uniqueNames(['../x.png', 'a\\b.png', 'c\u0001.png'])).toEqual(['__x.png', 'a_b.png', 'c_.png']);
  });

  test("the browser's type wins; an empty one (HEIC) comes from the extension", () => {
    expect(mimeOf({ name: 'x.png', type: 'image/png' })).toBe('image/png');
    expect(mimeOf({ name: 'IMG_1.HEIC', type: '' })).toBe('image/heic');
    expect(mimeOf({ name: 'scan.pdf', type: '' })).toBe('application/pdf');
    expect(mimeOf({ name: 'notes', type: '' })).toBe('application/octet-stream');
  });
});

describe('hash routes', () => {
  test('run, item (with its queue filter), upload and jobs', () => {
    expect(parseHash('#/runs/run_1').route).toEqual({ name: 'run', runId: 'run_1' });
    const item = parseHash('#/runs/run_1/items/run_1_000002?needs_review=true&limit=2');
    expect(item.route).toEqual({ name: 'item', runId: 'run_1', requestId: 'run_1_000002' });
    expect(item.query.get('needs_review')).toBe('true');
    expect(parseHash('#/upload').route).toEqual({ name: 'upload' });
    expect(parseHash('#/jobs').route).toEqual({ name: 'jobs' });
    expect(parseHash('').route).toEqual({ name: 'runs' });
  });
});

describe('local static site', () => {
  test('/ is index.html and files are served from the folder', () => {
    expect(staticFileFor(site, '/')).toBe(join(site, 'index.html'));
    expect(staticFileFor(site, '/app.js')).toBe(join(site, 'app.js'));
  });

  test('nothing outside the folder, no folders, no API paths, no missing files', () => {
    expect(staticFileFor(site, '/../outside.txt')).toBeUndefined();
    expect(staticFileFor(site, '/%2e%2e/outside.txt')).toBeUndefined();
    expect(staticFileFor(site, '/sub')).toBeUndefined();
    expect(staticFileFor(site, '/v1/index.html')).toBeUndefined();
    expect(staticFileFor(site, '/missing.js')).toBeUndefined();
    expect(staticFileFor(site, '/%E0%A4%A')).toBeUndefined();
  });

  test('the CSP allows only self and the bucket origins; HSTS only over HTTPS', () => {
    const csp = webContentSecurityPolicy(['http://127.0.0.1:9000/some/path']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:9000;");
    expect(csp).toContain("img-src 'self' data: blob: http://127.0.0.1:9000;");
    expect(csp).not.toContain('unsafe-inline');
    expect(webSecurityHeaders([], { https: false })['Strict-Transport-Security']).toBeUndefined();
    expect(webSecurityHeaders([], { https: true })['Strict-Transport-Security']).toMatch(/max-age=31536000/);
  });
});

describe('field signals', () => {
  test('confidence bands around the display threshold; none without a confidence', () => {
    expect(confidenceClass(0.42, 0.8)).toBe('conf-low');
    expect(confidenceClass(0.85, 0.8)).toBe('conf-mid');
    expect(confidenceClass(0.97, 0.8)).toBe('conf-high');
    expect(confidenceClass(undefined, 0.8)).toBe('');
  });

  test('only failed checks mark their fields; checks that could not run do not', () => {
    const marked = failedPointers([
      { id: 'total_formula', ok: false, fields: ['/total', '/subtotal'] },
      { id: 'line_amount', ok: true, fields: ['/line_items/0/amount'] },
      { id: 'date_valid', ok: null, fields: ['/date'] },
    ]);
    expect([...marked].sort()).toEqual(['/subtotal', '/total']);
    expect(failedPointers(null).size).toBe(0);
  });
});
