// The composition root: real adapters built once per Lambda container (or once per local-mode process)
// from the validated config. Handlers call appDeps(); tests build their own deps instead.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { type Config, loadConfig } from '../config.ts';
import type { ArtifactIndex, ArtifactStore, Clock, KeyStore, Logger, ModelClient } from '../core/ports.ts';
import type { ExtractDeps } from '../core/extract.ts';
import type { TaskCatalog } from '../core/task-catalog.ts';
import { DynamoArtifactIndex } from './dynamo/artifact-index.ts';
import { makeDynamoClient } from './dynamo/client.ts';
import { DynamoKeyStore } from './dynamo/key-store.ts';
import { makeLogger } from './logger.ts';
import { InflightLimitedModel, Semaphore } from './model/inflight-limit.ts';
import { MockModelClient } from './model/mock.ts';
import { VllmModelClient } from './model/vllm.ts';
import { R2ArtifactStore, makeS3Client } from './r2/artifact-store.ts';
import { resolveSecretsIntoEnv } from './secrets.ts';
import { loadTaskCatalog } from './task-files.ts';

export interface AppDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  tasks: TaskCatalog;
  keys: KeyStore;
  index: ArtifactIndex;
  store: ArtifactStore & { ping(): Promise<void> };
  model: ModelClient;
  dynamo: DynamoDBDocumentClient;
  s3: S3Client;
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
  return {
    config,
    logger,
    clock: systemClock,
    tasks: loadTaskCatalog(),
    keys: new DynamoKeyStore(dynamo, config.dynamo.keysTable),
    index: new DynamoArtifactIndex(dynamo, config.dynamo.artifactsTable),
    store: new R2ArtifactStore(s3, config.s3.bucket, config.s3.prefix, logger),
    model: makeModelClient(config.inference, logger),
    dynamo,
    s3,
  };
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
