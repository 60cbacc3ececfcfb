// Benchmark: presigned upload sessions of 1,000 files in local mode (gateway, handlers, dynalite, s3rver).
// Measures, client-side over HTTP: POST /v1/uploads with 1,000 files (target ≤ 1 s, response ≤ 1 MB) and
// POST /v1/uploads/{id}/complete once all 1,000 are in the bucket (target ≤ 5 s: the bucket check is one
// listing per 1,000 files, then the job is created). Also, for the record: the 1,000 PUTs straight to
// s3rver, and a GET of the 1,000-file page. Each completed run is canceled at once so it does not load the
// machine while the next session is measured.
// Run: node bin/node22.mjs --import tsx bench/uploads-1000.ts   (results go in bench/README.md)
// BENCH_FILES, BENCH_RUNS and BENCH_PUT_PARALLEL change the shape.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appDeps } from '../functions/adapters/container.ts';
import { createKey } from '../functions/core/auth/manage-keys.ts';
import { startLocalStack } from '../infra/local/stack.ts';
import { makePng } from '../test/support/images.ts';

const FILES = Number(process.env.BENCH_FILES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PUT_PARALLEL = Number(process.env.BENCH_PUT_PARALLEL ?? 16);

interface Session {
  upload_id: string;
  files: Array<{ name: string; upload_url: string; headers: Record<string, string> }>;
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'ocrlty-bench-uploads-'));
  const stack = await startLocalStack({
    dataDir,
    port: 0,
    env: { LOG_LEVEL: 'ERROR', LOCAL_EMULATOR_THREADS: process.env.LOCAL_EMULATOR_THREADS ?? '1' },
  });
  const deps = await appDeps();
  const { apiKey } = await createKey(deps.keys, deps.config.apiKeyPepper, { keyId: 'bench', role: 'client', now: new Date() });
  const call = async (method: string, path: string, body?: unknown) => {
    const t = performance.now();
    const res = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, text, ms: performance.now() - t };
  };
  const bytes = makePng(64, 32, 1);
  const declare = (run: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      name: `run${run}/receipts/r_${String(i).padStart(5, '0')}.png`,
      mime_type: 'image/png',
      size_bytes: bytes.length,
    }));

  // Warm-up (not measured): module loading, the first presign, the first listing.
  const warm = await call('POST', '/v1/uploads', { files: declare(-1, 10) });
  if (warm.status !== 201) throw new Error(`warm-up answered ${warm.status}: ${warm.text.slice(0, 300)}`);

  const create: number[] = [];
  const createBytes: number[] = [];
  const put: number[] = [];
  const get: number[] = [];
  const complete: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const created = await call('POST', '/v1/uploads', { files: declare(run, FILES) });
    if (created.status !== 201) throw new Error(`create answered ${created.status}: ${created.text.slice(0, 300)}`);
    create.push(created.ms);
    createBytes.push(Buffer.byteLength(created.text));
    const session = JSON.parse(created.text) as Session;

    const t = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: PUT_PARALLEL }, async () => {
        while (next < session.files.length) {
          const f = session.files[next++]!;
          const res = await fetch(f.upload_url, {
            method: 'PUT',
            headers: { 'Content-Type': f.headers['Content-Type']! },
            body: bytes,
          });
          if (res.status !== 200) throw new Error(`PUT answered ${res.status}`);
          await res.arrayBuffer();
        }
      }),
    );
    put.push(performance.now() - t);

    const page = await call('GET', `/v1/uploads/${session.upload_id}`);
    get.push(page.ms);
    const done = await call('POST', `/v1/uploads/${session.upload_id}/complete`, {
      task_id: 'receipt_fields_v1',
      run_id: `bench-up-${Date.now()}-${run}`,
    });
    if (done.status !== 202) throw new Error(`complete answered ${done.status}: ${done.text.slice(0, 300)}`);
    complete.push(done.ms);
    const jobId = (JSON.parse(done.text) as { job_id: string }).job_id;
    await call('POST', `/v1/jobs/${jobId}/cancel`);
    for (;;) {
      const job = JSON.parse((await call('GET', `/v1/jobs/${jobId}`)).text) as { status: string };
      if (['succeeded', 'failed', 'canceled'].includes(job.status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const result = {
    files: FILES,
    runs: RUNS,
    create_p50_ms: pct(create, 50),
    create_max_ms: Math.max(...create),
    create_response_bytes: Math.max(...createBytes),
    put_all_p50_ms: pct(put, 50),
    get_page_p50_ms: pct(get, 50),
    complete_p50_ms: pct(complete, 50),
    complete_max_ms: Math.max(...complete),
  };
  // Targets on the median: the machine is shared, single runs spike (max reported next to it).
  const ok = result.create_p50_ms <= 1000 && result.create_response_bytes <= 1_000_000 && result.complete_p50_ms <= 5000;
  console.log(
    [
      `${FILES}-file upload sessions, ${RUNS} runs (local mode, ${new Date().toISOString()})`,
      `  create   p50 ${ms(result.create_p50_ms)}  max ${ms(result.create_max_ms)}  response ${(result.create_response_bytes / 1024).toFixed(0)} KiB   (target ≤ 1 s, ≤ 1 MB)`,
      `  PUT all  p50 ${ms(result.put_all_p50_ms)} (${PUT_PARALLEL} in parallel, straight to s3rver)`,
      `  GET page p50 ${ms(result.get_page_p50_ms)}`,
      `  complete p50 ${ms(result.complete_p50_ms)}  max ${ms(result.complete_max_ms)}   (target ≤ 5 s)`,
      `  ${ok ? 'targets met' : 'TARGETS MISSED'}`,
    ].join('\n'),
  );
  console.log(JSON.stringify(result));
  await stack.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(ok ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});
