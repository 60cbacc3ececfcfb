// JobStore on DynamoDB: pk = job#<job_id>; GSIs by_owner (owner_key_id, created_sk) and by_all (all_pk,
// created_sk). Status changes are conditional updates (only forward); counters are atomic ADDs.
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, ValidationError } from '../../core/errors.ts';
import type { JobRecord, JobStage, JobStatus } from '../../core/batch/job-model.ts';
import type { JobListQuery, JobPatch, JobStore } from '../../core/ports.ts';
import { isConditionalCheckFailed } from './client.ts';

const ALL_PK = 'job';

/** Every attribute but the bulky ones (upload inputs, result). */
const LEAN_ATTRIBUTES = [
  'pk',
  'job_id',
  'kind',
  'owner_key_id',
  'status',
  'cancel_requested',
  'p_stage',
  'p_total',
  'p_done',
  'p_ok',
  'p_err',
  'p_canceled',
  'p_current',
  'p_current_at',
  'created_at',
  'updated_at',
  'started_at',
  'finished_at',
  'task_id',
  'concurrency',
  'run_id',
  'run_day',
  'source',
  'staging_prefix',
  'gt',
  'extract',
  'execution_name',
  'error',
  'artifact_rel',
] as const;

interface JobItem {
  pk: string;
  job_id: string;
  kind: JobRecord['kind'];
  owner_key_id: string;
  status: JobStatus;
  cancel_requested: boolean;
  p_stage: JobStage;
  p_total: number;
  p_done: number;
  p_ok: number;
  p_err: number;
  p_canceled: number;
  p_current?: string;
  p_current_at?: string;
  created_at: string;
  updated_at: string;
  started_at?: string;
  finished_at?: string;
  task_id: string;
  concurrency: number;
  run_id?: string;
  run_day?: string;
  source: JobRecord['source'];
  inputs?: JobRecord['inputs'];
  staging_prefix?: string;
  gt?: JobRecord['gt'];
  extract?: JobRecord['extract'];
  execution_name?: string;
  result?: Record<string, unknown>;
  error?: JobRecord['error'];
  artifact_rel?: string;
  created_sk: string;
  all_pk: string;
}

export const jobPk = (jobId: string): string => `job#${jobId}`;

export class DynamoJobStore implements JobStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(job: JobRecord): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({ TableName: this.table, Item: toItem(job), ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new ConflictError(`job_id "${job.jobId}" already exists`);
      throw err;
    }
  }

  async get(jobId: string, opts: { lean?: boolean } = {}): Promise<JobRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: jobPk(jobId) },
        ConsistentRead: true,
        ...(opts.lean
          ? {
              ProjectionExpression: LEAN_ATTRIBUTES.map((_, i) => `#l${i}`).join(', '),
              ExpressionAttributeNames: Object.fromEntries(LEAN_ATTRIBUTES.map((a, i) => [`#l${i}`, a])),
            }
          : {}),
      }),
    );
    return out.Item ? fromItem(out.Item as JobItem) : undefined;
  }

  async list(query: JobListQuery): Promise<{ jobs: JobRecord[]; cursor?: string }> {
    const jobs: JobRecord[] = [];
    const partition: Record<string, string> = query.ownerKeyId ? { owner_key_id: query.ownerKeyId } : { all_pk: ALL_PK };
    let startKey = query.cursor ? checkedCursor(query.cursor, partition) : undefined;
    // A status filter is applied after the key condition, so a page may need several reads.
    do {
      const input: QueryCommandInput = {
        TableName: this.table,
        IndexName: query.ownerKeyId ? 'by_owner' : 'by_all',
        KeyConditionExpression: query.ownerKeyId ? 'owner_key_id = :k' : 'all_pk = :k',
        ExpressionAttributeValues: { ':k': query.ownerKeyId ?? ALL_PK },
        ScanIndexForward: false,
        // Read wider pages when filtering so a rare status does not take one round trip per job.
        Limit: query.status ? Math.max(query.limit - jobs.length, 100) : query.limit - jobs.length,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      };
      if (query.status) {
        input.FilterExpression = '#s = :s';
        input.ExpressionAttributeNames = { '#s': 'status' };
        input.ExpressionAttributeValues![':s'] = query.status;
      }
      const out = await this.db.send(new QueryCommand(input));
      const items = (out.Items ?? []) as JobItem[];
      for (let i = 0; i < items.length; i++) {
        jobs.push(fromItem(items[i]!));
        if (jobs.length >= query.limit) {
          const more = i < items.length - 1 || out.LastEvaluatedKey !== undefined;
          // Resume after the last job returned, not after the last one read.
          return more
            ? { jobs, cursor: encodeCursor({ pk: items[i]!.pk, created_sk: items[i]!.created_sk, ...partition }) }
            : { jobs };
        }
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return { jobs };
  }

  async transition(jobId: string, from: readonly JobStatus[], to: JobStatus, patch: JobPatch = {}): Promise<boolean> {
    const u = new UpdateBuilder();
    u.set('status', to);
    applyPatch(u, patch);
    const froms = from.map((s, i) => {
      u.values[`:from${i}`] = s;
      return `:from${i}`;
    });
    u.names['#status'] = 'status';
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: jobPk(jobId) },
          UpdateExpression: u.expression(),
          ConditionExpression: `attribute_exists(pk) AND #status IN (${froms.join(', ')})`,
          ExpressionAttributeNames: u.names,
          ExpressionAttributeValues: u.values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async update(jobId: string, patch: JobPatch): Promise<void> {
    const u = new UpdateBuilder();
    applyPatch(u, patch);
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: jobPk(jobId) },
        UpdateExpression: u.expression(),
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: u.names,
        ExpressionAttributeValues: u.values,
      }),
    );
  }

  async requestCancel(jobId: string): Promise<JobRecord | undefined> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: jobPk(jobId) },
          UpdateExpression: 'SET cancel_requested = :t, updated_at = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':t': true, ':now': new Date().toISOString() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(out.Attributes as JobItem);
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  async countItem(jobId: string, outcome: 'ok' | 'err' | 'canceled', at: string, current?: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: jobPk(jobId) },
        UpdateExpression: `ADD p_done :one, p_${outcome} :one SET updated_at = :at${current !== undefined ? ', p_current = :c, p_current_at = :at' : ''}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': 1, ':at': at, ...(current !== undefined ? { ':c': current } : {}) },
      }),
    );
  }

  async setResultOnce(jobId: string, result: Record<string, unknown>, error: JobRecord['error'] | null): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: jobPk(jobId) },
          UpdateExpression: `SET #r = :r, updated_at = :at${error ? ', #e = :e' : ''}`,
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#r)',
          ExpressionAttributeNames: { '#r': 'result', ...(error ? { '#e': 'error' } : {}) },
          ExpressionAttributeValues: { ':r': result, ':at': new Date().toISOString(), ...(error ? { ':e': error } : {}) },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }
}

class UpdateBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private readonly sets: string[] = [];
  private n = 0;

  set(attribute: string, value: unknown): void {
    const name = `#a${this.n}`;
    const val = `:v${this.n++}`;
    this.names[name] = attribute;
    this.values[val] = value;
    this.sets.push(`${name} = ${val}`);
  }

  expression(): string {
    this.set('updated_at', new Date().toISOString());
    return `SET ${this.sets.join(', ')}`;
  }
}

function applyPatch(u: UpdateBuilder, patch: JobPatch): void {
  if (patch.startedAt !== undefined) u.set('started_at', patch.startedAt);
  if (patch.finishedAt !== undefined) u.set('finished_at', patch.finishedAt);
  if (patch.result !== undefined) u.set('result', patch.result);
  if (patch.error !== undefined) u.set('error', patch.error);
  if (patch.artifactRel !== undefined) u.set('artifact_rel', patch.artifactRel);
  if (patch.executionName !== undefined) u.set('execution_name', patch.executionName);
  if (patch.runDay !== undefined) u.set('run_day', patch.runDay);
  if (patch.source !== undefined) u.set('source', patch.source);
  if (patch.canceledItems !== undefined) u.set('p_canceled', patch.canceledItems);
  const p = patch.progress ?? {};
  if (p.stage !== undefined) u.set('p_stage', p.stage);
  if (p.total !== undefined) u.set('p_total', p.total);
  if (p.done !== undefined) u.set('p_done', p.done);
  if (p.ok !== undefined) u.set('p_ok', p.ok);
  if (p.err !== undefined) u.set('p_err', p.err);
}

const createdSk = (job: Pick<JobRecord, 'createdAt' | 'jobId'>): string => `${job.createdAt}#${job.jobId}`;

function toItem(job: JobRecord): JobItem {
  return {
    pk: jobPk(job.jobId),
    job_id: job.jobId,
    kind: job.kind,
    owner_key_id: job.ownerKeyId,
    status: job.status,
    cancel_requested: job.cancelRequested,
    p_stage: job.progress.stage,
    p_total: job.progress.total,
    p_done: job.progress.done,
    p_ok: job.progress.ok,
    p_err: job.progress.err,
    p_canceled: job.canceledItems,
    ...(job.progress.current ? { p_current: job.progress.current } : {}),
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    ...(job.startedAt ? { started_at: job.startedAt } : {}),
    ...(job.finishedAt ? { finished_at: job.finishedAt } : {}),
    task_id: job.taskId,
    concurrency: job.concurrency,
    ...(job.runId ? { run_id: job.runId } : {}),
    ...(job.runDay ? { run_day: job.runDay } : {}),
    source: job.source,
    ...(job.inputs ? { inputs: job.inputs } : {}),
    ...(job.stagingPrefix ? { staging_prefix: job.stagingPrefix } : {}),
    ...(job.gt ? { gt: job.gt } : {}),
    ...(job.extract ? { extract: job.extract } : {}),
    ...(job.executionName ? { execution_name: job.executionName } : {}),
    ...(job.result ? { result: job.result } : {}),
    ...(job.error ? { error: job.error } : {}),
    ...(job.artifactRel ? { artifact_rel: job.artifactRel } : {}),
    created_sk: createdSk(job),
    all_pk: ALL_PK,
  };
}

function fromItem(i: JobItem): JobRecord {
  return {
    jobId: i.job_id,
    kind: i.kind,
    ownerKeyId: i.owner_key_id,
    status: i.status,
    progress: {
      stage: i.p_stage,
      total: i.p_total ?? 0,
      done: i.p_done ?? 0,
      ok: i.p_ok ?? 0,
      err: i.p_err ?? 0,
      current: i.p_current ?? null,
    },
    ...(i.p_current_at ? { currentAt: i.p_current_at } : {}),
    canceledItems: i.p_canceled ?? 0,
    cancelRequested: i.cancel_requested === true,
    createdAt: i.created_at,
    updatedAt: i.updated_at,
    ...(i.started_at ? { startedAt: i.started_at } : {}),
    ...(i.finished_at ? { finishedAt: i.finished_at } : {}),
    taskId: i.task_id,
    concurrency: i.concurrency,
    ...(i.run_id ? { runId: i.run_id } : {}),
    ...(i.run_day ? { runDay: i.run_day } : {}),
    source: i.source,
    ...(i.inputs ? { inputs: i.inputs } : {}),
    ...(i.staging_prefix ? { stagingPrefix: i.staging_prefix } : {}),
    ...(i.gt ? { gt: i.gt } : {}),
    ...(i.extract ? { extract: i.extract } : {}),
    ...(i.execution_name ? { executionName: i.execution_name } : {}),
    ...(i.result ? { result: i.result } : {}),
    ...(i.error ? { error: i.error } : {}),
    ...(i.artifact_rel ? { artifactRel: i.artifact_rel } : {}),
  };
}

export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** A client's cursor, accepted only when it is a key of the partition being read. */
function checkedCursor(cursor: string, partition: Record<string, string>): Record<string, unknown> {
  const key = decodeCursor(cursor);
  const [[pName, pValue]] = Object.entries(partition) as [[string, string]];
  const keys = Object.keys(key).sort().join(',');
  const ok =
    keys === ['pk', 'created_sk', pName].sort().join(',') &&
    key[pName] === pValue &&
    typeof key.pk === 'string' &&
    typeof key.created_sk === 'string';
  if (!ok) throw new ValidationError('cursor is not valid');
  return key;
}

export function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key)) return key as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ValidationError('cursor is not valid');
}
