// Ports: what the core needs from the outside world. Adapters in functions/adapters implement them;
// unit tests use in-memory fakes. Nothing here knows about Lambda, DynamoDB or S3.
import type { ApiKeyRecord } from './auth.ts';
import type { TaskDefinition } from './task-catalog.ts';

export interface KeyStore {
  /** Stores a new key; ConflictError when the key_id already exists. */
  create(record: ApiKeyRecord): Promise<void>;
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  get(keyId: string): Promise<ApiKeyRecord | undefined>;
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; NotFoundError when it does not exist. */
  revoke(keyId: string, revokedAt: string): Promise<ApiKeyRecord>;
}

export type ArtifactKind = 'extract' | 'batch' | 'eval';

/** One row of the artifact index: how to find an artifact in R2 without listing the bucket. */
export interface ArtifactIndexEntry {
  kind: ArtifactKind;
  id: string;
  ownerKeyId: string;
  /** Key without S3_PREFIX, e.g. `extracts/2026-11-23/<request_id>.json`. */
  rel: string;
  day: string;
  createdAt: string;
  status: 'pending' | 'ok' | 'error';
  taskId?: string;
  runId?: string;
}

export interface ArtifactIndex {
  /** Reserves (kind, id) for a new artifact; ConflictError if taken and overwrite is off. */
  claim(entry: ArtifactIndexEntry, opts: { overwrite: boolean }): Promise<void>;
  /** Records the final status once the artifact is written. */
  complete(kind: ArtifactKind, id: string, status: 'ok' | 'error'): Promise<void>;
  /** Gives back a claim whose artifact could not be written, so the id can be used again. */
  release(kind: ArtifactKind, id: string): Promise<void>;
  get(kind: ArtifactKind, id: string): Promise<ArtifactIndexEntry | undefined>;
}

export interface StoredObject {
  rel: string;
  size: number;
  lastModified?: string;
}

/** The R2 bucket, addressed by `artifact_rel` (the prefix is the adapter's business). */
export interface ArtifactStore {
  /** Writes JSON; ConflictError when the object exists and overwrite is off. */
  putJson(rel: string, body: unknown, opts: { overwrite: boolean }): Promise<void>;
  getJson<T = unknown>(rel: string): Promise<T | undefined>;
  putBytes(rel: string, bytes: Uint8Array, contentType: string, opts: { overwrite: boolean }): Promise<void>;
  getBytes(rel: string): Promise<Buffer | undefined>;
  delete(rel: string): Promise<void>;
  list(prefixRel: string, opts: { limit: number; cursor?: string }): Promise<{ objects: StoredObject[]; cursor?: string }>;
}

export interface TokenUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

export interface ModelRequest {
  task: TaskDefinition;
  image: { bytes: Buffer; mimeType: string };
  requestId: string;
}

export interface ModelAnswer {
  text: string;
  model: string;
  usage?: TokenUsage;
}

/** Why a model call failed; `retryable` drives the core's backoff and the ASL Retry. */
export type ModelFailureKind = 'unavailable' | 'throttled' | 'timeout' | 'rejected';

export class ModelCallError extends Error {
  constructor(
    readonly kind: ModelFailureKind,
    message: string,
    readonly upstreamStatus?: number,
  ) {
    super(message);
    this.name = 'ModelCallError';
  }

  get retryable(): boolean {
    return this.kind === 'unavailable' || this.kind === 'throttled';
  }
}

/** A vision model behind some protocol: one attempt per call, no retries (the core retries). */
export interface ModelClient {
  readonly backend: string;
  readonly model: string;
  complete(request: ModelRequest): Promise<ModelAnswer>;
  /** Cheap reachability probe for /ready. */
  ping(): Promise<void>;
}

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}
