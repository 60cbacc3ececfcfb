// Benchmark: a 1,000-item server-side batch in local mode (the exact ASL in the local interpreter, the real
// task handlers, dynalite and s3rver) against a fake vLLM that answers every call in 200 ms, with
// VLLM_MAX_INFLIGHT=16. Ideal wall time = 1000 × 0.2 s / 16 = 12.5 s; target ≤ 1.10 × ideal, the fake never
// seeing more than 16 concurrent calls. Also the peak RSS of this process (stack + fake + client).
// Run: node bin/node22.mjs --import tsx bench/batch-1000.ts   (results go in bench/README.md)
// BENCH_ITEMS, BENCH_MODEL_MS, BENCH_INFLIGHT and BENCH_CONCURRENCY change the shape.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appDeps } from '../functions/adapters/container.ts';
import { createKey } from '../functions/core/auth/manage-keys.ts';
import { startLocalStack } from '../infra/local/stack.ts';
import { makePng } from '../test/support/images.ts';
import { startFakeVllmThread } from './fake-vllm-thread.ts';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 1000);
const MODEL_MS = Number(process.env.BENCH_MODEL_MS ?? 200);
const INFLIGHT = Number(process.env.BENCH_INFLIGHT ?? 16);
// Above the GPU cap on purpose: items queue at the guard, so a model slot is never idle while an item
// does its DynamoDB/R2 bookkeeping.
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2 * INFLIGHT);

async function main() {
  const fake = await startFakeVllmThread(MODEL_MS);
  const dataDir = mkdtempSync(join(tmpdir(), 'ocrlty-bench-batch-'));
  const stack = await startLocalStack({
    dataDir,
    port: 0,
    env: {
      VLLM_BASE_URL: fake.url,
      VLLM_API_KEY: 'test-vllm-key',
      VLLM_MAX_INFLIGHT: String(INFLIGHT),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'ERROR',
      JOBS_PROGRESS_EVERY_N: '50',
      JOBS_PROGRESS_MIN_SECONDS: '2',
      LOCAL_EMULATOR_THREADS: process.env.LOCAL_EMULATOR_THREADS ?? '1',
    },
  });
  const deps = await appDeps();
  const { apiKey } = await createKey(deps.keys, deps.config.apiKeyPepper, { keyId: 'bench', role: 'client', now: new Date() });

  // Inputs under the data root (not timed): small distinct receipts-sized PNGs.
  const root = deps.config.batch.dataRoot;
  const puts: Promise<void>[] = [];
  for (let i = 0; i < ITEMS; i++) {
    puts.push(
      deps.store.putBytes(`${root}/bench/r_${String(i).padStart(5, '0')}.png`, makePng(64, 32, i), 'image/png', {
        overwrite: true,
      }),
    );
    if (puts.length >= 32) await Promise.all(puts.splice(0));
  }
  await Promise.all(puts);
  for (let i = 0; i < 2 * INFLIGHT; i++) {
    await deps.store.putBytes(`${root}/warmup/w_${i}.png`, makePng(64, 32, 100_000 + i), 'image/png', { overwrite: true });
  }

  // Warm-up (not measured): a small batch loads the interpreter and the task modules once, as any
  // long-running local stack has by the time a big batch arrives.
  const warm = await fetch(`${stack.url}/v1/batch_extract`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ task_id: 'receipt_fields_v1', images_dir: 'warmup', concurrency: CONCURRENCY }),
  });
  if (warm.status !== 200) throw new Error(`warm-up batch answered ${warm.status}`);
  await fake.reset();
  const rss0 = process.resourceUsage().maxRSS;

  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const t0Epoch = Date.now();
  const created = await fetch(`${stack.url}/v1/batch_extract_async`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      task_id: 'receipt_fields_v1',
      images_dir: 'bench',
      concurrency: CONCURRENCY,
      run_id: `bench-${Date.now()}`,
    }),
  });
  const { job_id: jobId } = (await created.json()) as { job_id: string };
  // Poll like a client (every second), and closely only near the end so the wall time is precise
  // without the polling itself loading the stack.
  let job: any;
  for (;;) {
    job = await (await fetch(`${stack.url}/v1/jobs/${jobId}`, { headers: { authorization: `Bearer ${apiKey}` } })).json();
    if (['succeeded', 'failed', 'canceled'].includes(job.status)) break;
    const near = job.progress.total > 0 && job.progress.done >= job.progress.total - 2 * INFLIGHT;
    await new Promise((r) => setTimeout(r, near ? 20 : 1000));
  }
  const clientWallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const jobWallS = (Date.parse(job.finished_at) - Date.parse(job.created_at)) / 1000;
  const ideal = (ITEMS * MODEL_MS) / 1000 / INFLIGHT;
  const seen = await fake.stats();
  const result = {
    items: ITEMS,
    model_ms: MODEL_MS,
    vllm_max_inflight: INFLIGHT,
    job_concurrency: CONCURRENCY,
    emulator_threads: process.env.LOCAL_EMULATOR_THREADS ?? '1',
    status: job.status,
    ok: job.progress.ok,
    err: job.progress.err,
    ideal_s: ideal,
    wall_s_client: Number(clientWallS.toFixed(2)),
    wall_s_job: Number(jobWallS.toFixed(2)),
    ratio_to_ideal: Number((clientWallS / ideal).toFixed(3)),
    target_ratio: 1.1,
    cpu_s: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    main_thread_busy: Number(elu.utilization.toFixed(3)),
    cpu_ms_per_item: Number(((cpu.user + cpu.system) / 1e3 / ITEMS).toFixed(2)),
    fake_calls: seen.calls,
    fake_max_concurrent: seen.maxConcurrent,
    fake_mean_in_flight: seen.meanInFlight,
    first_model_call_after_s: seen.firstAt ? Number(((seen.firstAt - t0Epoch) / 1000).toFixed(2)) : null,
    last_model_answer_to_end_s: seen.lastAt ? Number(((t0Epoch + clientWallS * 1000 - seen.lastAt) / 1000).toFixed(2)) : null,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    rss_before_run_mb: Math.round(rss0 / 1024),
  };
  console.log(JSON.stringify(result, null, 2));
  await stack.close();
  await fake.close();
  rmSync(dataDir, { recursive: true, force: true });
  const pass = result.ratio_to_ideal <= 1.1 && result.fake_max_concurrent <= INFLIGHT && result.ok === ITEMS;
  process.exit(pass ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});
