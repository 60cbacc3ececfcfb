// UploadSessionStore on the uploads table: pk = upload#<upload_id>; sk = "session" for the session row and
// file#<name> per declared file, so a session's files page in name order — the order of the bucket
// listing. Every row carries purge_at (epoch seconds) for the table's TTL in the cloud; dynalite has no
// TTL, so expiry is decided on read by the core.
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../core/errors.ts';
import type { BeginAddOutcome, UploadSessionStore } from '../../core/uploads/ports.ts';
import { type UploadCompletion, type UploadFile, type UploadSession, rowTtlEpochS } from '../../core/uploads/upload-model.ts';
import { isConditionalCheckFailed } from './client.ts';

interface SessionRow {
  pk: string;
  sk: 'session';
  upload_id: string;
  owner_key_id: string;
  persist_inputs: boolean;
  object_prefix: string;
  created_at: string;
  session_expires_at: string;
  file_count: number;
  status: UploadSession['status'];
  version: number;
  add_lease_until?: string;
  completion?: { job_id: string; run_id: string; task_id: string; body_hash: string; completed_at: string };
  purge_at: number;
}

interface FileRow {
  pk: string;
  sk: string;
  name: string;
  mime_type: string;
  size_bytes: number;
  added_at: string;
  purge_at: number;
}

const uploadPk = (uploadId: string): string => `upload#${uploadId}`;
const SESSION_SK = 'session';
const FILE_SK = 'file#';
const fileSk = (name: string): string => `${FILE_SK}${name}`;

const WRITE_BATCH = 25;
const GET_BATCH = 100;
const PARALLEL = 8;

export class DynamoUploadSessionStore implements UploadSessionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(session: UploadSession, files: UploadFile[]): Promise<void> {
    // Files first: the session row makes them visible, so a half-written create is an invisible one.
    await this.writeFiles(session, files);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: toSessionRow(session),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new ConflictError(`Upload "${session.uploadId}" exists`);
      throw err;
    }
  }

  async get(uploadId: string): Promise<UploadSession | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: uploadPk(uploadId), sk: SESSION_SK }, ConsistentRead: true }),
    );
    return out.Item ? fromSessionRow(out.Item as SessionRow) : undefined;
  }

  async beginAdd(
    uploadId: string,
    opts: { count: number; maxFiles: number; now: string; leaseUntil: string },
  ): Promise<BeginAddOutcome> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: uploadPk(uploadId), sk: SESSION_SK },
          UpdateExpression: 'SET add_lease_until = :lease ADD file_count :n, #version :one',
          ConditionExpression:
            '#status = :open AND session_expires_at > :now AND ' +
            '(attribute_not_exists(add_lease_until) OR add_lease_until <= :now) AND file_count <= :room',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: {
            ':lease': opts.leaseUntil,
            ':n': opts.count,
            ':one': 1,
            ':open': 'open',
            ':now': opts.now,
            ':room': opts.maxFiles - opts.count,
          },
        }),
      );
      return 'ok';
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    const s = await this.get(uploadId);
    if (!s || s.status !== 'open' || s.expiresAt <= opts.now) return 'closed';
    if (s.addLeaseUntil && s.addLeaseUntil > opts.now) return 'busy';
    return 'full';
  }

  async putNewFiles(session: UploadSession, files: UploadFile[]): Promise<{ existing: string[] }> {
    // Under the add lease nothing else writes this session's rows: a check, then plain batch writes.
    const existing = await this.existingNames(
      session.uploadId,
      files.map((f) => f.name),
    );
    if (existing.length > 0) return { existing };
    await this.writeFiles(session, files);
    return { existing: [] };
  }

  async endAdd(uploadId: string, opts: { leaseUntil: string; release: number }): Promise<void> {
    const Key = { pk: uploadPk(uploadId), sk: SESSION_SK };
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key,
          UpdateExpression: 'REMOVE add_lease_until ADD file_count :minus',
          ConditionExpression: 'add_lease_until = :lease',
          ExpressionAttributeValues: { ':lease': opts.leaseUntil, ':minus': -opts.release },
        }),
      );
      return;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    // Our lease ran out and another call holds the session now: leave its lease, give the room back.
    if (opts.release > 0) {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key,
          UpdateExpression: 'ADD file_count :minus',
          ExpressionAttributeValues: { ':minus': -opts.release },
        }),
      );
    }
  }

  async pageFiles(
    uploadId: string,
    opts: { limit: number; afterName?: string },
  ): Promise<{ files: UploadFile[]; more: boolean }> {
    const files: UploadFile[] = [];
    let startKey: Record<string, unknown> | undefined =
      opts.afterName !== undefined ? { pk: uploadPk(uploadId), sk: fileSk(opts.afterName) } : undefined;
    // One row of read-ahead tells whether another page exists; a query page stops at 1 MB, so loop.
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :file)',
          ExpressionAttributeValues: { ':pk': uploadPk(uploadId), ':file': FILE_SK },
          ConsistentRead: true,
          Limit: opts.limit + 1 - files.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const row of out.Items ?? []) files.push(fromFileRow(row as FileRow));
      startKey = out.LastEvaluatedKey;
    } while (startKey && files.length <= opts.limit);
    return files.length > opts.limit ? { files: files.slice(0, opts.limit), more: true } : { files, more: false };
  }

  async getFile(uploadId: string, name: string): Promise<UploadFile | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: uploadPk(uploadId), sk: fileSk(name) }, ConsistentRead: true }),
    );
    return out.Item ? fromFileRow(out.Item as FileRow) : undefined;
  }

  async listFiles(uploadId: string): Promise<UploadFile[]> {
    const files: UploadFile[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :file)',
          ExpressionAttributeValues: { ':pk': uploadPk(uploadId), ':file': FILE_SK },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const row of out.Items ?? []) files.push(fromFileRow(row as FileRow));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return files;
  }

  async markCompleted(uploadId: string, completion: UploadCompletion, opts: { version: number; now: string }): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: uploadPk(uploadId), sk: SESSION_SK },
          UpdateExpression: 'SET #status = :completed, completion = :c',
          ConditionExpression:
            '#status = :open AND #version = :v AND (attribute_not_exists(add_lease_until) OR add_lease_until <= :now)',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: {
            ':completed': 'completed',
            ':open': 'open',
            ':v': opts.version,
            ':now': opts.now,
            ':c': {
              job_id: completion.jobId,
              run_id: completion.runId,
              task_id: completion.taskId,
              body_hash: completion.bodyHash,
              completed_at: completion.completedAt,
            },
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  private async existingNames(uploadId: string, names: string[]): Promise<string[]> {
    const chunks = chunk(names, GET_BATCH);
    const found: string[] = [];
    await eachLimited(chunks, PARALLEL, async (part) => {
      let keys: Record<string, unknown>[] = part.map((n) => ({ pk: uploadPk(uploadId), sk: fileSk(n) }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 10) throw new Error('DynamoDB kept returning unprocessed keys');
        if (attempt > 0) await backoff(attempt);
        const out = await this.db.send(
          new BatchGetCommand({
            RequestItems: {
              [this.table]: {
                Keys: keys,
                ConsistentRead: true,
                ProjectionExpression: '#n',
                ExpressionAttributeNames: { '#n': 'name' },
              },
            },
          }),
        );
        for (const row of out.Responses?.[this.table] ?? []) found.push((row as FileRow).name);
        keys = (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as Record<string, unknown>[];
      }
    });
    return found;
  }

  private async writeFiles(session: UploadSession, files: UploadFile[]): Promise<void> {
    const purgeAt = rowTtlEpochS(session);
    const rows = files.map((f) => toFileRow(session.uploadId, f, purgeAt));
    await eachLimited(chunk(rows, WRITE_BATCH), PARALLEL, async (part) => {
      let requests = part.map((Item) => ({ PutRequest: { Item: Item as unknown as Record<string, unknown> } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 10) throw new Error('DynamoDB kept returning unprocessed items');
        if (attempt > 0) await backoff(attempt);
        const out = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } }));
        requests = (out.UnprocessedItems?.[this.table] ?? []) as typeof requests;
      }
    });
  }
}

function toSessionRow(s: UploadSession): SessionRow {
  return {
    pk: uploadPk(s.uploadId),
    sk: SESSION_SK,
    upload_id: s.uploadId,
    owner_key_id: s.ownerKeyId,
    persist_inputs: s.persistInputs,
    object_prefix: s.objectPrefix,
    created_at: s.createdAt,
    session_expires_at: s.expiresAt,
    file_count: s.fileCount,
    status: s.status,
    version: s.version,
    ...(s.addLeaseUntil ? { add_lease_until: s.addLeaseUntil } : {}),
    purge_at: rowTtlEpochS(s),
  };
}

function fromSessionRow(r: SessionRow): UploadSession {
  return {
    uploadId: r.upload_id,
    ownerKeyId: r.owner_key_id,
    persistInputs: r.persist_inputs,
    objectPrefix: r.object_prefix,
    createdAt: r.created_at,
    expiresAt: r.session_expires_at,
    fileCount: r.file_count,
    status: r.status,
    version: r.version,
    ...(r.add_lease_until ? { addLeaseUntil: r.add_lease_until } : {}),
    ...(r.completion
      ? {
          completion: {
            jobId: r.completion.job_id,
            runId: r.completion.run_id,
            taskId: r.completion.task_id,
            bodyHash: r.completion.body_hash,
            completedAt: r.completion.completed_at,
          },
        }
      : {}),
  };
}

function toFileRow(uploadId: string, f: UploadFile, purgeAt: number): FileRow {
  return {
    pk: uploadPk(uploadId),
    sk: fileSk(f.name),
    name: f.name,
    mime_type: f.mimeType,
    size_bytes: f.sizeBytes,
    added_at: f.addedAt,
    purge_at: purgeAt,
  };
}

function fromFileRow(r: FileRow): UploadFile {
  return { name: r.name, mimeType: r.mime_type, sizeBytes: r.size_bytes, addedAt: r.added_at };
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
