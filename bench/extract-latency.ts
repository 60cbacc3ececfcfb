// Benchmark: latency POST /v1/extract adds in local mode on top of the model's own time.
// A fake vLLM answers every call in a fixed 100 ms; 200 sequential requests; added = client latency −
// the fake's own service time for that call. Also the peak RSS of this process (local stack + fake + client).
// Run: node bin/node22.mjs --import tsx bench/extract-latency.ts   (results go in bench/README.md)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appDeps } from '../functions/adapters/container.ts';
import { createKey } from '../functions/core/auth/manage-keys.ts';
import { startLocalStack } from '../infra/local/stack.ts';
import { startFakeVllm } from '../test/support/fake-vllm.ts';
import { makePhotoJpeg } from '../test/support/documents.ts';
import { makePng } from '../test/support/images.ts';

const N = Number(process.env.BENCH_N ?? 200);
const MODEL_MS = 100;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  const fake = await startFakeVllm({ latencyMs: MODEL_MS });
  const dataDir = mkdtempSync(join(tmpdir(), 'ocrlty-bench-'));
  const stack = await startLocalStack({
    dataDir,
    port: 0,
    env: { VLLM_BASE_URL: fake.url, VLLM_API_KEY: 'test-vllm-key', LOG_LEVEL: 'ERROR' },
  });
  const deps = await appDeps();
  const { apiKey } = await createKey(deps.keys, deps.config.apiKeyPepper, { keyId: 'bench', role: 'client', now: new Date() });
  // BENCH_IMAGE=small: a 4 KB PNG; photo: a 12 MP phone JPEG (3.8 MB, resized to ~1,230 visual tokens on
  // the way); default: ~600 KB of noisy pixels (~800 KB of base64).
  const kind = process.env.BENCH_IMAGE;
  const bytes =
    kind === 'small'
      ? makePng(600, 330, 7)
      : kind === 'photo'
        ? await makePhotoJpeg({ width: 4000, height: 3000 })
        : makePng(460, 430, 7, true);
  const image = bytes.toString('base64');
  const mime = kind === 'photo' ? 'image/jpeg' : 'image/png';
  // The client's own JSON encoding is kept out of the measurement: the body is built by concatenation.
  const prefix = `{"task_id":"receipt_fields_v1","mime_type":"${mime}","image_base64":"${image}","request_id":"bench-`;
  const send = (i: number) =>
    fetch(`${stack.url}/v1/extract`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: `${prefix}${i}"}`,
    });

  for (let i = 0; i < 10; i++) await (await send(-i - 1)).arrayBuffer(); // warm-up, not measured
  fake.calls = [];
  const added: number[] = [];
  const total: number[] = [];
  const handlerTotals: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const res = await send(i);
    const answer = (await res.json()) as { timings_ms?: { total: number } };
    handlerTotals.push(answer.timings_ms?.total ?? 0);
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`request ${i} answered ${res.status}`);
    const modelMs = fake.calls[i]?.serviceMs ?? MODEL_MS;
    total.push(ms);
    added.push(ms - modelMs);
  }
  added.sort((a, b) => a - b);
  total.sort((a, b) => a - b);
  const rssMb = process.resourceUsage().maxRSS / 1024;
  const result = {
    requests: N,
    image_bytes: Buffer.from(image, 'base64').length,
    model_ms: MODEL_MS,
    added_p50_ms: +percentile(added, 50).toFixed(1),
    added_p95_ms: +percentile(added, 95).toFixed(1),
    added_max_ms: +added[added.length - 1]!.toFixed(1),
    total_p50_ms: +percentile(total, 50).toFixed(1),
    total_p95_ms: +percentile(total, 95).toFixed(1),
    peak_rss_mb: +rssMb.toFixed(0),
    // Where the added time goes: inside the use case (claim, model call incl. request encoding, artifact write)
    // versus around it (HTTP transfer, gateway, authorizer, body parsing, image checks).
    use_case_p50_ms: +percentile(
      [...handlerTotals].sort((a, b) => a - b),
      50,
    ).toFixed(1),
  };
  console.log(JSON.stringify(result, null, 2));
  await stack.close();
  await fake.close();
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
