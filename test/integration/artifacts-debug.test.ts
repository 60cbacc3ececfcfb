// Drill-down (GET /v1/extracts/{id}, GET /v1/artifacts?ref=), the debug artifact routes with their bounded
// backup archive, and CORS — on the local stack with DEBUG_MODE=1, driven over HTTP like a UI would.
import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { extract as tarExtract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makePng } from '../support/images.ts';
import { type TestStack, startTestStack } from '../support/local-stack.ts';
import { png, textFile, uploadRun } from '../support/runs.ts';

const UI = 'https://ui.example.com';
let s: TestStack;
let client: string;
let clientId: string;
let debuggerKey: string;
let debuggerId: string;
let admin: string;
const debuggerRequests: string[] = [];

async function extract(key: string, requestId: string, seed: number) {
  const res = await s.call('POST', '/v1/extract', {
    key,
    json: {
      task_id: 'receipt_fields_v1',
      image_base64: makePng(20, 10, seed).toString('base64'),
      mime_type: 'image/png',
      request_id: requestId,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

beforeAll(async () => {
  s = await startTestStack({ DEBUG_MODE: '1', CORS_ALLOW_ORIGINS: `${UI}, http://localhost:5173`, SYNC_WAIT_S: '20' });
  ({ apiKey: client, keyId: clientId } = await s.newKey('client'));
  ({ apiKey: debuggerKey, keyId: debuggerId } = await s.newKey('debugger'));
  ({ apiKey: admin } = await s.newKey('admin'));
  await extract(client, 'dd-client-1', 1);
  for (let i = 0; i < 4; i++) {
    debuggerRequests.push(`dd-dbg-${i}`);
    await extract(debuggerKey, `dd-dbg-${i}`, 10 + i);
  }
  await uploadRun(s, client, 'dd-run', [png('x.png', 20), textFile('y.txt')]);
});
afterAll(async () => s.close());

describe('GET /v1/extracts/{request_id}', () => {
  test('gives the owner the full artifact with raw_model_text null without debug:read_raw', async () => {
    const res = await s.call('GET', '/v1/extracts/dd-client-1', { key: client });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      kind: 'extract',
      request_id: 'dd-client-1',
      owner_key_id: clientId,
      schema_valid: true,
      raw_model_text: null,
    });
    expect(res.body.parsed).toHaveProperty('total');
    expect(res.body.input).not.toHaveProperty('image_base64');
    // The stored artifact does have the raw text: only the response hides it.
    const stored = await s.deps.store.getJson<any>(
      res.body.input && `extracts/${res.body.created_at.slice(0, 10)}/dd-client-1.json`,
    );
    expect(typeof stored.raw_model_text).toBe('string');
  });

  test('gives raw_model_text to a key with debug:read_raw and to an admin', async () => {
    const own = await s.call('GET', '/v1/extracts/dd-dbg-0', { key: debuggerKey });
    expect(typeof own.body.raw_model_text).toBe('string');
    expect(JSON.parse(own.body.raw_model_text)).toEqual(own.body.parsed);
    const asAdmin = await s.call('GET', '/v1/extracts/dd-client-1', { key: admin });
    expect(asAdmin.status).toBe(200);
    expect(typeof asAdmin.body.raw_model_text).toBe('string');
  });

  test('the item of a run is readable by its request id', async () => {
    const res = await s.call('GET', '/v1/extracts/dd-run_000001', { key: client });
    expect(res.body).toMatchObject({ run_id: 'dd-run', error: { code: 'invalid_input' }, input: { file: 'y.txt' } });
  });

  test('another owner, an unknown id and a malformed id are the same 404', async () => {
    for (const [key, id] of [
      [debuggerKey, 'dd-client-1'],
      [client, 'dd-dbg-0'],
      [client, 'nope'],
      [client, '..%2F..%2Fkeys'],
    ] as const) {
      const res = await s.call('GET', `/v1/extracts/${id}`, { key });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      expect(JSON.stringify(res.body)).not.toContain('raw_model_text');
    }
  });
});

describe('GET /v1/artifacts?ref=', () => {
  test('reads an extract artifact by its ref, raw text redacted for a client', async () => {
    const own = await s.call('GET', '/v1/extracts/dd-client-1', { key: client });
    const rel = `extracts/${own.body.created_at.slice(0, 10)}/dd-client-1.json`;
    const res = await s.call('GET', `/v1/artifacts?ref=${encodeURIComponent(rel)}`, { key: client });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(own.body);
  });

  test('reads the batch artifact of a run by its ref', async () => {
    const run = await s.call('GET', '/v1/runs/dd-run', { key: client });
    const rel = (await s.deps.index.get('batch', 'dd-run'))!.rel;
    const res = await s.call('GET', `/v1/artifacts?ref=${encodeURIComponent(rel)}`, { key: client });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(run.body);
  });

  test('refs outside the layout, with traversal, of another owner or at the wrong day are 404', async () => {
    const rel = (await s.deps.index.get('extract', 'dd-client-1'))!.rel;
    const day = rel.split('/')[1];
    const refs = [
      '',
      '../../etc/passwd',
      `extracts/${day}/../../keys.json`,
      `extracts/${day}/..%2Fdd-client-1.json`,
      `extracts/${day}/./dd-client-1.json`,
      `/extracts/${day}/dd-client-1.json`,
      `extracts\\${day}\\dd-client-1.json`,
      `extracts/1999-01-01/dd-client-1.json`,
      `inputs/${day}/dd-run/000000_x.png`,
      `staging/dd-run/gt.json`,
      `exports/${day}/x.tar.gz`,
      `extracts/${day}/dd-client-1.json%00`,
      `extracts/${day}/dd-client-1`,
    ];
    for (const ref of refs) {
      const res = await s.call('GET', `/v1/artifacts?ref=${encodeURIComponent(ref)}`, { key: client });
      expect(res.status, ref).toBe(404);
    }
    const foreign = (await s.deps.index.get('extract', 'dd-dbg-0'))!.rel;
    const res = await s.call('GET', `/v1/artifacts?ref=${encodeURIComponent(foreign)}`, { key: client });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe('No artifact at this ref');
    expect((await s.call('GET', '/v1/artifacts', { key: client })).status).toBe(404);
  });
});

describe('debug artifact routes (DEBUG_MODE=1)', () => {
  test('a key without debug:read_raw is refused with 403', async () => {
    for (const path of [
      '/v1/debug/artifacts',
      '/v1/debug/artifacts/dd-client-1',
      '/v1/debug/artifacts/dd-client-1/raw',
      '/v1/debug/artifacts/backup.tar.gz',
    ]) {
      const res = await s.call('GET', path, { key: client });
      expect(res.status, path).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
  });

  test('lists the caller’s extract artifacts in pages, with no duplicate or missing one', async () => {
    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: any } = await s.call(
        'GET',
        `/v1/debug/artifacts?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        {
          key: debuggerKey,
        },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      seen.push(...res.body.artifacts);
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen.map((a) => a.id).sort()).toEqual(debuggerRequests);
    expect(seen.every((a) => a.owner_key_id === debuggerId && a.kind === 'extract' && a.size > 0)).toBe(true);
  });

  test('an admin lists everyone’s; kind and day filter', async () => {
    const all = await s.call('GET', '/v1/debug/artifacts?limit=1000', { key: admin });
    const ids = all.body.artifacts.map((a: any) => a.id);
    expect(ids).toEqual(expect.arrayContaining(['dd-client-1', 'dd-run_000000', 'dd-run_000001', ...debuggerRequests]));
    const day = all.body.artifacts[0].day;
    const byDay = await s.call('GET', `/v1/debug/artifacts?day=${day}&limit=1000`, { key: admin });
    expect(byDay.body.artifacts.length).toBe(all.body.artifacts.length);
    expect((await s.call('GET', '/v1/debug/artifacts?day=1999-01-01', { key: admin })).body).toEqual({
      artifacts: [],
      next_cursor: null,
    });
    const batches = await s.call('GET', '/v1/debug/artifacts?kind=batch', { key: admin });
    expect(batches.body.artifacts.map((a: any) => a.id)).toEqual(['dd-run']);
  });

  test('bad filters and tampered cursors are 400', async () => {
    const page = await s.call('GET', '/v1/debug/artifacts?limit=1', { key: debuggerKey });
    const decoded = JSON.parse(Buffer.from(page.body.next_cursor, 'base64url').toString('utf8'));
    const forged = (c: unknown) => Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
    for (const q of [
      'kind=input',
      'day=2025-13-45',
      'limit=0',
      'cursor=%2E%2E',
      `cursor=${forged({ ...decoded, a: 'inputs/x' })}`,
      `cursor=${forged({ ...decoded, k: 'batch' })}`,
      `kind=batch&cursor=${page.body.next_cursor}`,
    ]) {
      expect((await s.call('GET', `/v1/debug/artifacts?${q}`, { key: debuggerKey })).status, q).toBe(400);
    }
  });

  test('reads one artifact with its raw text, and the raw text alone', async () => {
    const full = await s.call('GET', '/v1/debug/artifacts/dd-dbg-1', { key: debuggerKey });
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ request_id: 'dd-dbg-1', owner_key_id: debuggerId });
    expect(typeof full.body.raw_model_text).toBe('string');
    const raw = await s.call('GET', '/v1/debug/artifacts/dd-dbg-1/raw', { key: debuggerKey });
    expect(raw.body).toEqual({
      request_id: 'dd-dbg-1',
      artifact_rel: expect.stringMatching(/^extracts\//),
      raw_model_text: full.body.raw_model_text,
    });
    expect((await s.call('GET', '/v1/debug/artifacts/dd-client-1', { key: debuggerKey })).status).toBe(404);
    expect((await s.call('GET', '/v1/debug/artifacts/dd-client-1/raw', { key: debuggerKey })).status).toBe(404);
  });

  test('backup.tar.gz answers a presigned link to an archive holding exactly what the listing shows', async () => {
    const listing = await s.call('GET', '/v1/debug/artifacts?limit=1000', { key: debuggerKey });
    const res = await s.call('GET', '/v1/debug/artifacts/backup.tar.gz', {
      key: debuggerKey,
      headers: { accept: 'application/json' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      objects: 4,
      truncated: false,
      limits: { max_objects: 500, max_bytes: 50 * 1024 * 1024 },
      filter: { kind: 'extract', day: null },
      archive: {
        content_type: 'application/gzip',
        rel: expect.stringMatching(/^exports\/\d{4}-\d{2}-\d{2}\/backup_.+\.tar\.gz$/),
      },
      expires_in_s: 900,
    });
    const listed = listing.body.artifacts.map((a: any) => a.artifact_rel);
    expect(res.body.entries).toEqual(listed);
    expect(res.body.bytes).toBe(listing.body.artifacts.reduce((n: number, a: any) => n + a.size, 0));

    const download = await fetch(res.body.download_url);
    expect(download.status).toBe(200);
    const gz = Buffer.from(await download.arrayBuffer());
    expect(gz.length).toBe(res.body.archive.bytes);
    const files = await untar(gunzipSync(gz));
    expect([...files.keys()]).toEqual(['manifest.json', ...listed]);
    for (const rel of listed) expect(JSON.parse(files.get(rel)!)).toEqual(await s.deps.store.getJson(rel));
    const manifest = JSON.parse(files.get('manifest.json')!);
    expect(manifest).toMatchObject({ export_id: res.body.export_id, key_id: debuggerId, truncated: false });
    expect(manifest.objects.map((o: any) => o.artifact_rel)).toEqual(listed);
  });

  test('backup.tar.gz without Accept: application/json is a 302 to the archive with a short text body', async () => {
    const res = await fetch(`${s.url}/v1/debug/artifacts/backup.tar.gz`, {
      headers: { authorization: `Bearer ${debuggerKey}` },
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const location = res.headers.get('location')!;
    expect(location).toMatch(/\/exports\/\d{4}-\d{2}-\d{2}\/backup_.+\.tar\.gz\?/);
    const text = await res.text();
    expect(text).toContain('curl -L -o backup.tar.gz');
    expect(text.length).toBeLessThan(2000);
    const archive = await fetch(location);
    expect(archive.status).toBe(200);
    expect([...(await untar(gunzipSync(Buffer.from(await archive.arrayBuffer())))).keys()]).toContain('manifest.json');
  });

  test('backup.tar.gz stops at the object limit and says so', async () => {
    const res = await s.call('GET', '/v1/debug/artifacts/backup.tar.gz?limit=2', {
      key: debuggerKey,
      headers: { accept: 'application/json' },
    });
    expect(res.body).toMatchObject({ objects: 2, truncated: true, limits: { max_objects: 2 } });
    const listing = await s.call('GET', '/v1/debug/artifacts?limit=2', { key: debuggerKey });
    expect(res.body.entries).toEqual(listing.body.artifacts.map((a: any) => a.artifact_rel));
  });
});

describe('CORS', () => {
  test('a preflight from an allowed origin gets the allowed methods and headers, without credentials', async () => {
    const res = await fetch(`${s.url}/v1/runs/dd-run/items`, {
      method: 'OPTIONS',
      headers: { Origin: UI, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, OPTIONS');
    expect(res.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(res.headers.get('access-control-max-age')).toBe('3600');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toBe('Origin');
  });

  test('a preflight from another origin gets no CORS grant', async () => {
    const res = await fetch(`${s.url}/v1/runs`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('a preflight of an unknown path is a 404', async () => {
    expect((await fetch(`${s.url}/v1/nowhere`, { method: 'OPTIONS', headers: { Origin: UI } })).status).toBe(404);
  });

  test('responses and errors carry the allowed origin and expose X-Request-ID', async () => {
    for (const [path, key, status] of [
      ['/v1/runs', client, 200],
      ['/v1/runs/nope', client, 404],
      ['/v1/debug/artifacts', client, 403],
      ['/v1/runs', undefined, 401],
    ] as const) {
      const res = await s.call('GET', path, { ...(key ? { key } : {}), headers: { Origin: 'http://localhost:5173' } });
      expect(res.status, path).toBe(status);
      expect(res.headers.get('access-control-allow-origin'), path).toBe('http://localhost:5173');
      expect(res.headers.get('access-control-expose-headers'), path).toBe('X-Request-ID');
      expect(res.headers.get('access-control-allow-credentials'), path).toBeNull();
    }
    const foreign = await s.call('GET', '/v1/runs', { key: client, headers: { Origin: 'https://evil.example' } });
    expect(foreign.status).toBe(200);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});

async function untar(tar: Buffer): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const ex = tarExtract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c) => chunks.push(c as Buffer));
      stream.on('end', () => {
        files.set(header.name, Buffer.concat(chunks).toString('utf8'));
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  Readable.from([tar]).pipe(ex);
  await done;
  return files;
}
