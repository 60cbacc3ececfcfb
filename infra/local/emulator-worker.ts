// Runs one emulator (dynalite or s3rver) on its own thread, so local mode uses a second core for "AWS"
// and "R2" the way the cloud runs them apart from the functions. The main thread talks to it over HTTP
// exactly as before; this file only moves where the server's event loop lives.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { type Emulator, startDynalite, startS3rver } from './emulators.ts';

type Kind = 'dynalite' | 's3rver';
interface Data {
  kind: Kind;
  dataDir: string;
  bucket?: string;
}

/** Starts the emulator on a worker thread; resolves with its endpoint once it listens. */
export function startEmulatorThread(kind: Kind, dataDir: string, bucket?: string): Promise<Emulator> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { kind, dataDir, bucket } satisfies Data });
  return new Promise<Emulator>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${kind} thread exited with code ${code} before it started`)));
    worker.once('message', (msg: { endpoint?: string; error?: string }) => {
      if (!msg.endpoint) return reject(new Error(`${kind} failed to start: ${msg.error}`));
      worker.removeAllListeners('exit');
      resolve({
        endpoint: msg.endpoint,
        close: () =>
          new Promise<void>((done) => {
            worker.once('exit', () => done());
            worker.postMessage('close');
          }),
      });
    });
  });
}

if (!isMainThread && parentPort && (workerData as Data | undefined)?.kind) {
  const data = workerData as Data;
  const port = parentPort;
  (data.kind === 'dynalite' ? startDynalite(data.dataDir) : startS3rver(data.dataDir, data.bucket!))
    .then((emulator) => {
      port.postMessage({ endpoint: emulator.endpoint });
      port.on('message', (msg) => {
        if (msg === 'close') void emulator.close().finally(() => process.exit(0));
      });
    })
    .catch((err: unknown) => port.postMessage({ error: err instanceof Error ? err.message : String(err) }));
}
