// The fake vLLM on its own thread for benchmarks: it stands for the GPU pod, a separate machine, so its
// HTTP handling must not share the event loop of the system under test.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { startFakeVllm } from '../test/support/fake-vllm.ts';

export interface FakeVllmThread {
  url: string;
  /** Calls received and the highest number in flight at once, since the last reset. */
  stats(): Promise<FakeStats>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface FakeStats {
  calls: number;
  maxConcurrent: number;
  /** Epoch ms of the first call received and of the last answer sent. */
  firstAt: number | null;
  lastAt: number | null;
  /** Mean number of calls in flight between firstAt and lastAt: the "GPU" utilisation. */
  meanInFlight: number | null;
}

export function startFakeVllmThread(latencyMs: number): Promise<FakeVllmThread> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { latencyMs } });
  const ask = <T>(cmd: string) =>
    new Promise<T>((resolve) => {
      worker.once('message', (m: T) => resolve(m));
      worker.postMessage(cmd);
    });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { url: string }) =>
      resolve({
        url: m.url,
        stats: () => ask('stats'),
        reset: () => ask('reset'),
        close: async () => {
          await ask('close');
          await worker.terminate();
        },
      }),
    );
  });
}

if (!isMainThread && parentPort && (workerData as { latencyMs?: number })?.latencyMs !== undefined) {
  const port = parentPort;
  const fake = await startFakeVllm({ latencyMs: (workerData as { latencyMs: number }).latencyMs });
  // Integrates the number of calls in flight over time, sampled on every change.
  let firstAt: number | null = null;
  let lastAt: number | null = null;
  let area = 0;
  let lastChange = 0;
  let current = 0;
  setInterval(() => {
    const now = Date.now();
    if (fake.inFlight !== current || now - lastChange >= 5) {
      if (current > 0 || fake.inFlight > 0) {
        if (firstAt === null && fake.inFlight > 0) firstAt = now;
        if (firstAt !== null) area += current * (now - lastChange);
        if (fake.inFlight === 0 && current > 0) lastAt = now;
      }
      current = fake.inFlight;
      lastChange = now;
    }
  }, 1).unref();
  port.on('message', async (cmd: string) => {
    if (cmd === 'stats') {
      const span = firstAt !== null && lastAt !== null ? lastAt - firstAt : 0;
      port.postMessage({
        calls: fake.calls.length,
        maxConcurrent: fake.maxConcurrent,
        firstAt,
        lastAt,
        meanInFlight: span > 0 ? Number((area / span).toFixed(2)) : null,
      } satisfies FakeStats);
    }
    if (cmd === 'reset') {
      fake.reset();
      firstAt = lastAt = null;
      area = 0;
      port.postMessage('ok');
    }
    if (cmd === 'close') {
      await fake.close();
      port.postMessage('ok');
    }
  });
  port.postMessage({ url: fake.url });
}
