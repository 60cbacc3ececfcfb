// The whole system on one machine: emulators on disk, tables and bucket created, the gateway serving
// the route table. `npm start` and the integration tests both start it through startLocalStack.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { appDeps, jobDepsOf, useLocalWorkflow } from '../../functions/adapters/container.ts';
import { finalizeRun } from '../../functions/core/batch/finalize-run.ts';
import { recoverJobsAfterRestart } from '../../functions/core/batch/jobs.ts';
import { TABLES } from '../../functions/tables.ts';
import { acquireDataLock, liveLock } from './data-lock.ts';
import { createTables, startDynalite, startS3rver, type Emulator } from './emulators.ts';
import { type Gateway, startGateway } from './gateway.ts';
import { startEmulatorThread } from './emulator-worker.ts';
import { PROJECT_ROOT } from './local-env.ts';
import { LocalWorkflowStarter } from './local-workflow.ts';
import { defaultWebDist } from './static-site.ts';
import { applyLocalUploadCors, originsOf } from './upload-cors.ts';

export const REPO_ROOT = PROJECT_ROOT;
export const LOCAL_BUCKET = 'ocrlty-local';

export interface LocalStackOptions {
  dataDir: string;
  port: number;
  host?: string;
  /** Extra environment for the handlers (tests set DEBUG_MODE, VLLM_BASE_URL…). */
  env?: Record<string, string | undefined>;
  onAccess?: Parameters<typeof startGateway>[0]['onAccess'];
  onResponse?: Parameters<typeof startGateway>[0]['onResponse'];
  /** The built web UI to serve at `/`. @default web/dist */
  webDist?: string;
}

export interface LocalStack {
  url: string;
  dataDir: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Endpoints of a running stack, for the CLI: `<dataDir>/endpoints.json`. */
export interface EndpointsFile {
  pid: number;
  api: string;
  dynamodb: string;
  s3: string;
  tables: Record<string, string>;
}

/** The local pepper: API_KEY_PEPPER if set, else one generated on first start and kept in the data folder. */
export function localPepper(dataDir: string, env: Record<string, string | undefined> = process.env): string {
  if (env.API_KEY_PEPPER) return env.API_KEY_PEPPER;
  const file = join(dataDir, 'secrets', 'api_key_pepper');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

export function localTableNames(): Record<string, string> {
  return Object.fromEntries(TABLES.map((t) => [t.envVar, `ocrlty-local-${t.id}`]));
}

/**
 * The endpoints of the stack running on this data folder, or undefined when none runs (a stack still
 * starting is waited for, up to `waitMs`).
 */
export async function runningStack(dataDir: string, waitMs = 30_000): Promise<EndpointsFile | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lock = liveLock(dataDir);
    if (lock?.holder !== 'stack') return undefined;
    try {
      const endpoints = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as EndpointsFile;
      if (endpoints.pid === lock.pid) return endpoints;
    } catch {
      // not written yet
    }
    if (Date.now() >= deadline) throw new Error(`The local stack (pid ${lock.pid}) on ${dataDir} is still starting`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The environment the handlers get in local mode, for a stack's endpoints (also what the CLI reads with). */
export function localHandlerEnv(
  dataDir: string,
  endpoints: Pick<EndpointsFile, 'dynamodb' | 's3'>,
  env: Record<string, string | undefined> = process.env,
): Record<string, string> {
  return {
    STAGE: 'local',
    AWS_REGION: 'us-east-1',
    DYNAMODB_ENDPOINT_URL: endpoints.dynamodb,
    ...localTableNames(),
    S3_BUCKET: LOCAL_BUCKET,
    S3_ENDPOINT_URL: endpoints.s3,
    S3_REGION: 'us-east-1',
    S3_FORCE_PATH_STYLE: '1',
    R2_ACCESS_KEY_ID: 'S3RVER',
    R2_SECRET_ACCESS_KEY: 'S3RVER',
    API_KEY_PEPPER: localPepper(dataDir, env),
  };
}

export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  // A second stack on the same folder stops here with one clear line (DataFolderBusyError).
  const lock = await acquireDataLock(dataDir, { holder: 'stack' });
  const emulators: Emulator[] = [];
  try {
    // LOCAL_EMULATOR_THREADS=1 runs dynalite and s3rver on their own threads (a second core for "AWS" and
    // "R2", as in the cloud); the default keeps them on the main thread.
    const threads = ['1', 'true'].includes(String({ ...process.env, ...opts.env }.LOCAL_EMULATOR_THREADS ?? '').toLowerCase());
    const dynamo = threads ? await startEmulatorThread('dynalite', dataDir) : await startDynalite(dataDir);
    emulators.push(dynamo);
    const s3 = threads ? await startEmulatorThread('s3rver', dataDir, LOCAL_BUCKET) : await startS3rver(dataDir, LOCAL_BUCKET);
    emulators.push(s3);
    const tables = localTableNames();
    await createTables(dynamo.endpoint, TABLES, tables);

    const env = localHandlerEnv(dataDir, { dynamodb: dynamo.endpoint, s3: s3.endpoint }, { ...process.env, ...opts.env });
    // The handlers read process.env exactly as on Lambda; local mode owns these variables.
    for (const [k, v] of Object.entries({ ...opts.env })) if (v !== undefined) process.env[k] = v;
    Object.assign(process.env, env);
    // Batch jobs run the same ASL in-process (Lambda uses Step Functions; see functions/adapters/container.ts).
    useLocalWorkflow(
      (deps) =>
        new LocalWorkflowStarter({
          region: deps.config.dynamo.region,
          logger: deps.logger,
          ...(deps.config.jobs.localRetryIntervalMs !== undefined
            ? { retryIntervalMs: deps.config.jobs.localRetryIntervalMs }
            : {}),
          // Backstop for an execution that failed outside the ASL's own failure path.
          onExecutionFailed: (jobId, failure) => finalizeRun(jobDepsOf(deps), jobId, failure),
        }),
    );
    // The previous process's executions are gone: running jobs fail as stale_after_restart, queued ones
    // start again (seed §8.6). The same core use case, through the same container the handlers use.
    await recoverJobsAfterRestart(jobDepsOf(await appDeps()));

    const gateway: Gateway = await startGateway({
      repoRoot: REPO_ROOT,
      port: opts.port,
      ...(opts.host ? { host: opts.host } : {}),
      ...(opts.onAccess ? { onAccess: opts.onAccess } : {}),
      ...(opts.onResponse ? { onResponse: opts.onResponse } : {}),
      // The reviewers' UI on the same origin; presigned links point at s3rver, which its CSP allows.
      site: { dir: opts.webDist ?? defaultWebDist(REPO_ROOT), bucketOrigins: [s3.endpoint] },
    });
    // A browser (the UI, served from the gateway's origin) PUTs straight to s3rver: give it the same CORS rule R2 gets.
    await applyLocalUploadCors(s3.endpoint, LOCAL_BUCKET, [
      ...(await appDeps()).config.corsAllowOrigins,
      ...originsOf(gateway.url),
    ]);
    const endpoints: EndpointsFile = { pid: process.pid, api: gateway.url, dynamodb: dynamo.endpoint, s3: s3.endpoint, tables };
    const endpointsFile = join(dataDir, 'endpoints.json');
    writeFileSync(endpointsFile, JSON.stringify(endpoints, null, 2));
    lock.update({ api: gateway.url });

    return {
      url: gateway.url,
      dataDir,
      env,
      async close() {
        await gateway.close();
        for (const e of emulators.reverse()) await e.close();
        rmSync(endpointsFile, { force: true });
        lock.release();
      },
    };
  } catch (err) {
    for (const e of emulators.reverse()) await e.close().catch(() => undefined);
    lock.release();
    throw err;
  }
}
