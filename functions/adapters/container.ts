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
import type { ExtractDeps } from '../core/extract/extract-document.ts';
import type { DocumentDecoder } from '../core/images/normalise.ts';
import type { BatchEvaluator } from '../core/batch/batch-artifact.ts';
import type { BatchDeps } from '../core/batch/extract-item.ts';
import { evaluateBatch } from '../core/eval/evaluate.ts';
import type { JobDeps } from '../core/batch/job-deps.ts';
import type { TaskCatalog } from '../core/extract/task-catalog.ts';
import type { UploadPresigner, UploadSessionStore } from '../core/uploads/ports.ts';
import type { UploadDeps } from '../core/uploads/sessions.ts';
import { type UploadedFileSource, uploadedFileSource } from '../core/uploads/uploaded-file.ts';
import { DynamoArtifactIndex } from './dynamo/artifact-index.ts';
import { makeDynamoClient } from './dynamo/client.ts';
import { DynamoJobStore } from './dynamo/job-store.ts';
import { DynamoKeyStore } from './dynamo/key-store.ts';
import { DynamoRunItemStore } from './dynamo/run-items.ts';
import { DynamoUploadSessionStore } from './dynamo/upload-sessions.ts';
import { StepFunctionsWorkflowStarter, makeSfnClient } from './workflow/step-functions.ts';
import { makeLogger } from './logger.ts';
import { R2ArtifactStore, makeS3Client } from './r2/artifact-store.ts';
import { R2LinkSigner } from './r2/link-signer.ts';
import { R2UploadPresigner } from './r2/upload-presigner.ts';
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
  dynamo: DynamoDBDocumentClient;
  s3: S3Client;
  jobs: JobStore;
  runItems: RunItemStore;
  /** Presigned upload sessions and the URLs their files are uploaded to. */
  uploads: UploadSessionStore;
  presigner: UploadPresigner;
  /** Step Functions when STATE_MACHINE_ARN is set, otherwise the same ASL run in-process (local mode). */
  workflow: WorkflowStarter;
  evaluator?: BatchEvaluator;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Builds the workflow starter when STATE_MACHINE_ARN is not set; local mode plugs in its ASL interpreter. */
export type LocalWorkflowFactory = (deps: AppDeps) => WorkflowStarter;
let localWorkflowFactory: LocalWorkflowFactory | undefined;

/**
 * Local mode (infra/local) registers the in-process ASL runner here before serving requests, so Lambda
 * bundles never include the interpreter; on Lambda, STATE_MACHINE_ARN selects Step Functions.
 */
export function useLocalWorkflow(factory: LocalWorkflowFactory): void {
  localWorkflowFactory = factory;
}

const noWorkflow: WorkflowStarter = {
  kind: 'none',
  start: async () => {
    throw new Error('No workflow engine: set STATE_MACHINE_ARN (cloud) or run in local mode');
  },
};

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
    dynamo,
    s3,
    jobs: new DynamoJobStore(dynamo, config.dynamo.jobsTable),
    runItems: new DynamoRunItemStore(dynamo, config.dynamo.artifactsTable),
    uploads: new DynamoUploadSessionStore(dynamo, config.dynamo.uploadsTable),
    presigner: new R2UploadPresigner(s3, config.s3.bucket, config.s3.prefix),
    workflow: config.jobs.stateMachineArn
      ? new StepFunctionsWorkflowStarter(makeSfnClient(config.dynamo.region), config.jobs.stateMachineArn, logger)
      : noWorkflow,
    // FinalizeBatch evaluates a run against ground truth when the job carries one (debug mode).
    evaluator: {
      evaluate: (input) =>
        evaluateBatch(
          { store: deps.store, index: deps.index, clock: deps.clock, logger: deps.logger, settings: config.evaluation },
          input,
        ),
    },
  };
  if (!config.jobs.stateMachineArn && localWorkflowFactory) deps.workflow = localWorkflowFactory(deps);
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
      // What the workflow reads from the bucket (uploads, data root, reruns) may be up to MAX_INPUT_FILE_BYTES;
      // MAX_IMAGE_BYTES bounds what arrives inside a request.
      imageLimits: { maxImageBytes: c.uploads.maxInputFileBytes, maxImagePixels: c.limits.maxImagePixels },
    },
    uploads: deps.uploads,
    ...(deps.evaluator ? { evaluator: deps.evaluator } : {}),
  };
}

/** Files of upload sessions as inputs of /v1/extract and /v1/extract_async ({upload_id, name}). */
export function uploadedFilesOf(deps: AppDeps): UploadedFileSource {
  return uploadedFileSource({
    uploads: deps.uploads,
    store: deps.store,
    clock: deps.clock,
    maxInputFileBytes: deps.config.uploads.maxInputFileBytes,
  });
}

/** The upload session use cases' dependencies. */
export function uploadDepsOf(deps: AppDeps): UploadDeps {
  return {
    uploads: deps.uploads,
    presigner: deps.presigner,
    store: deps.store,
    clock: deps.clock,
    logger: deps.logger,
    settings: {
      maxSessionFiles: deps.config.batch.maxItems,
      maxInputFileBytes: deps.config.uploads.maxInputFileBytes,
      sessionTtlS: deps.config.uploads.sessionTtlS,
      presignTtlS: deps.config.s3.presignTtlS,
    },
  };
}

/** ExtractItem's dependencies: the jobs deps plus the very extract deps POST /v1/extract uses (one GPU guard). */
export function batchDepsOf(deps: AppDeps, model: ModelClient, decoder: DocumentDecoder): BatchDeps {
  return { ...jobDepsOf(deps), extract: extractDepsOf(deps, model, decoder) };
}

/**
 * The extract use case's dependencies, shared by POST /v1/extract and the ExtractItem task. The model
 * (functions/adapters/model/shared.ts) and the page decoder (functions/adapters/images/shared.ts) are
 * built only by the functions that call the model, so `openai`, sharp, libheif and PDFium stay out of
 * every other bundle.
 */
export function extractDepsOf(deps: AppDeps, model: ModelClient, decoder: DocumentDecoder): ExtractDeps {
  const c = deps.config;
  return {
    model,
    pages: {
      decoder,
      context: {
        maxModelLen: c.inference.maxModelLen,
        maxTokens: c.inference.maxTokens,
        minPageTokens: c.limits.minPageTokens,
        maxDocumentPages: c.limits.maxDocumentPages,
      },
      maxImagePixels: c.limits.maxImagePixels,
    },
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
