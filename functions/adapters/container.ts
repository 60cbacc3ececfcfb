// The composition root: real adapters built once per Lambda container (or once per local-mode process)
// from the validated config. Handlers call appDeps(); tests build their own deps instead.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { type Config, loadConfig } from '../config.ts';
import type {
  ArchivePacker,
  ArtifactIndex,
  ArtifactIndexListing,
  ArtifactStore,
  Clock,
  JobStore,
  KeyStore,
  LinkSigner,
  Logger,
  ModelClient,
  RunItemStore,
  WorkflowStarter,
} from '../core/ports.ts';
import type { ExtractDeps } from '../core/extract.ts';
import type { BatchEvaluator } from '../core/batch.ts';
import { type BatchDeps, finalizeRun } from '../core/batch-workflow.ts';
import { evaluateBatch } from '../core/eval.ts';
import type { JobDeps } from '../core/jobs.ts';
import type { TaskCatalog } from '../core/task-catalog.ts';
import { DynamoArtifactIndex } from './dynamo/artifact-index.ts';
import { makeDynamoClient } from './dynamo/client.ts';
import { DynamoJobStore } from './dynamo/job-store.ts';
import { DynamoKeyStore } from './dynamo/key-store.ts';
import { DynamoRunItemStore } from './dynamo/run-items.ts';
import { LocalWorkflowStarter } from './workflow/local.ts';
import { StepFunctionsWorkflowStarter, makeSfnClient } from './workflow/step-functions.ts';
import { makeLogger } from './logger.ts';
import { InflightLimitedModel, Semaphore } from './model/inflight-limit.ts';
import { MockModelClient } from './model/mock.ts';
import { VllmModelClient } from './model/vllm.ts';
import { R2ArtifactStore, makeS3Client } from './r2/artifact-store.ts';
import { R2LinkSigner } from './r2/link-signer.ts';
import { TarGzPacker } from './archive/tar-gz.ts';
import { resolveSecretsIntoEnv } from './secrets.ts';
import { loadTaskCatalog } from './task-files.ts';

export interface AppDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  tasks: TaskCatalog;
  keys: KeyStore;
  index: ArtifactIndex & ArtifactIndexListing;
  store: ArtifactStore & { ping(): Promise<void> };
  /** Presigned links to bucket objects (debug backups, artifacts too large for a response). */
  links: LinkSigner;
  packer: ArchivePacker;
  model: ModelClient;
  dynamo: DynamoDBDocumentClient;
  s3: S3Client;
  jobs: JobStore;
  runItems: RunItemStore;
  /** Step Functions when STATE_MACHINE_ARN is set, otherwise the same ASL run in-process (local mode). */
  workflow: WorkflowStarter;
  evaluator?: BatchEvaluator;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export function makeModelClient(config: Config['inference'], logger: Logger): ModelClient {
  const inner = config.backend === 'vllm' ? new VllmModelClient(config, logger) : new MockModelClient();
  return new InflightLimitedModel(inner, new Semaphore(config.maxInflight));
}

/** Builds every adapter from a config. */
export function buildAppDeps(config: Config): AppDeps {
  const logger = makeLogger(config);
  const dynamo = makeDynamoClient(config.dynamo);
  const s3 = makeS3Client(config.s3);
  const deps: AppDeps = {
    config,
    logger,
    clock: systemClock,
    tasks: loadTaskCatalog(),
    keys: new DynamoKeyStore(dynamo, config.dynamo.keysTable),
    index: new DynamoArtifactIndex(dynamo, config.dynamo.artifactsTable),
    store: new R2ArtifactStore(s3, config.s3.bucket, config.s3.prefix, logger),
    links: new R2LinkSigner(s3, config.s3.bucket, config.s3.prefix),
    packer: new TarGzPacker(),
    model: makeModelClient(config.inference, logger),
    dynamo,
    s3,
    jobs: new DynamoJobStore(dynamo, config.dynamo.jobsTable),
    runItems: new DynamoRunItemStore(dynamo, config.dynamo.artifactsTable),
    workflow: config.jobs.stateMachineArn
      ? new StepFunctionsWorkflowStarter(makeSfnClient(config.dynamo.region), config.jobs.stateMachineArn, logger)
      : new LocalWorkflowStarter({
          region: config.dynamo.region,
          logger,
          ...(config.jobs.localRetryIntervalMs !== undefined ? { retryIntervalMs: config.jobs.localRetryIntervalMs } : {}),
          // Backstop for an execution that failed outside the ASL's own failure path.
          onExecutionFailed: (jobId, failure) => finalizeRun(jobDepsOf(deps), jobId, failure),
        }),
    // FinalizeBatch evaluates a run against ground truth when the job carries one (debug mode).
    evaluator: {
      evaluate: (input) =>
        evaluateBatch(
          { store: deps.store, index: deps.index, clock: deps.clock, logger: deps.logger, settings: config.evaluation },
          input,
        ),
    },
  };
  return deps;
}

/** The jobs use cases' dependencies (HTTP job endpoints and the workflow tasks). */
export function jobDepsOf(deps: AppDeps): JobDeps {
  const c = deps.config;
  return {
    jobs: deps.jobs,
    runItems: deps.runItems,
    index: deps.index,
    store: deps.store,
    workflow: deps.workflow,
    tasks: deps.tasks,
    clock: deps.clock,
    logger: deps.logger,
    settings: {
      dataRoot: c.batch.dataRoot,
      maxItems: c.batch.maxItems,
      maxConcurrency: c.batch.maxConcurrency,
      defaultConcurrency: c.batch.defaultConcurrency,
      maxUploadFiles: c.limits.maxUploadFiles,
      maxUploadBytes: c.limits.maxUploadBytes,
      syncWaitS: c.jobs.syncWaitS,
      syncPollMs: c.jobs.syncPollMs,
      progressEveryN: c.jobs.progressEveryN,
      progressMinSeconds: c.jobs.progressMinSeconds,
      debugMode: c.debugMode,
      allowOverwrite: c.s3.allowOverwrite,
      imageLimits: { maxImageBytes: c.limits.maxImageBytes, maxImagePixels: c.limits.maxImagePixels },
    },
    ...(deps.evaluator ? { evaluator: deps.evaluator } : {}),
  };
}

/** ExtractItem's dependencies: the jobs deps plus the very extract deps POST /v1/extract uses (one GPU guard). */
export function batchDepsOf(deps: AppDeps): BatchDeps {
  return { ...jobDepsOf(deps), extract: extractDepsOf(deps) };
}

/** The extract use case's dependencies, shared by POST /v1/extract and the ExtractItem task. */
export function extractDepsOf(deps: AppDeps): ExtractDeps {
  return {
    model: deps.model,
    store: deps.store,
    index: deps.index,
    clock: deps.clock,
    logger: deps.logger,
    settings: {
      allowOverwrite: deps.config.s3.allowOverwrite,
      maxRetries: deps.config.inference.maxRetries,
      retryBaseMs: deps.config.inference.retryBaseMs,
    },
  };
}

let cached: Promise<AppDeps> | undefined;

/** The container's dependencies: secrets resolved and config validated once, at cold start. */
export function appDeps(): Promise<AppDeps> {
  cached ??= (async () => {
    await resolveSecretsIntoEnv(process.env);
    return buildAppDeps(loadConfig(process.env));
  })();
  // A failed cold start (bad config) is retried on the next invocation rather than cached forever.
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
