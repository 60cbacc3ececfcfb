// ArtifactIndex on DynamoDB: pk = <kind>#<id>, sk = "artifact". A conditional put makes the claim
// atomic (on DynamoDB and on dynalite alike), which is what stops a reused request_id (DESIGN.md §8).
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, ValidationError } from '../../core/errors.ts';
import type {
  ArtifactIndex,
  ArtifactIndexEntry,
  ArtifactIndexListing,
  ArtifactKind,
  ArtifactListQuery,
  RunIndexSummary,
} from '../../core/ports.ts';
import { isConditionalCheckFailed } from './client.ts';
import { decodeCursor, encodeCursor } from './job-store.ts';

const SK = 'artifact';

export interface ArtifactItem {
  pk: string;
  sk: string;
  kind: ArtifactKind;
  artifact_id: string;
  owner_key_id: string;
  rel: string;
  day: string;
  created_at: string;
  status: ArtifactIndexEntry['status'];
  task_id?: string;
  run_id?: string;
  /** Batch rows after finalize: the job's status, the run's outcome and counts. */
  run_status?: RunIndexSummary['status'];
  outcome?: RunIndexSummary['outcome'];
  counts?: Pick<RunIndexSummary, 'total' | 'ok' | 'err' | 'canceled'>;
  /** by_owner index: runs and artifacts of one owner by time. */
  gsi1pk: string;
  gsi1sk: string;
  /** by_kind index: every artifact of a kind by time (admins). */
  gsi2pk: string;
  gsi2sk: string;
}

export const artifactPk = (kind: ArtifactKind, id: string): string => `${kind}#${id}`;

export class DynamoArtifactIndex implements ArtifactIndex, ArtifactIndexListing {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async claim(entry: ArtifactIndexEntry, opts: { overwrite: boolean }): Promise<void> {
    const sortKey = `${entry.createdAt}#${entry.id}`;
    const item: ArtifactItem = {
      pk: artifactPk(entry.kind, entry.id),
      sk: SK,
      kind: entry.kind,
      artifact_id: entry.id,
      owner_key_id: entry.ownerKeyId,
      rel: entry.rel,
      day: entry.day,
      created_at: entry.createdAt,
      status: entry.status,
      ...(entry.taskId ? { task_id: entry.taskId } : {}),
      ...(entry.runId ? { run_id: entry.runId } : {}),
      gsi1pk: `${entry.ownerKeyId}#${entry.kind}`,
      gsi1sk: sortKey,
      gsi2pk: entry.kind,
      gsi2sk: sortKey,
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ...(opts.overwrite ? {} : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) {
        throw new ConflictError(`${idField(entry.kind)} "${entry.id}" was already used`, { [idField(entry.kind)]: entry.id });
      }
      throw err;
    }
  }

  async complete(kind: ArtifactKind, id: string, status: 'ok' | 'error', run?: RunIndexSummary): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: artifactPk(kind, id), sk: SK },
        UpdateExpression: run ? 'SET #s = :s, run_status = :rs, outcome = :o, counts = :c, task_id = :t' : 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':s': status,
          ...(run
            ? {
                ':rs': run.status,
                ':o': run.outcome,
                ':c': { total: run.total, ok: run.ok, err: run.err, canceled: run.canceled },
                ':t': run.taskId,
              }
            : {}),
        },
      }),
    );
  }

  async release(kind: ArtifactKind, id: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: artifactPk(kind, id), sk: SK } }));
  }

  async get(kind: ArtifactKind, id: string): Promise<ArtifactIndexEntry | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: artifactPk(kind, id), sk: SK }, ConsistentRead: true }),
    );
    return out.Item ? fromItem(out.Item as ArtifactItem) : undefined;
  }

  /**
   * One owner's rows of a kind (GSI by_owner) or every row of it (GSI by_kind), by created_at then id.
   * Reads one row past the page so the last page has no cursor; the cursor is the key of the last row
   * returned (base64url JSON), accepted back only for the same partition.
   */
  async list(query: ArtifactListQuery): Promise<{ entries: ArtifactIndexEntry[]; cursor?: string }> {
    const part = listPartition(query);
    let startKey: Record<string, unknown> | undefined = query.cursor
      ? checkedListCursor(query.cursor, part, query.kind)
      : undefined;
    const rows: ArtifactItem[] = [];
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: part.index,
          KeyConditionExpression: '#p = :p',
          ExpressionAttributeNames: { '#p': part.pk },
          ExpressionAttributeValues: { ':p': part.value },
          ScanIndexForward: query.order === 'asc',
          Limit: query.limit + 1 - rows.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      rows.push(...((out.Items ?? []) as ArtifactItem[]));
      startKey = out.LastEvaluatedKey;
    } while (startKey && rows.length <= query.limit);
    if (rows.length <= query.limit) return { entries: rows.map(fromItem) };
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1]!;
    return {
      entries: page.map(fromItem),
      cursor: encodeCursor({ pk: last.pk, sk: last.sk, [part.pk]: part.value, [part.sk]: last[part.sk] }),
    };
  }

  async getMany(kind: ArtifactKind, ids: string[]): Promise<ArtifactIndexEntry[]> {
    const unique = [...new Set(ids)];
    const found: ArtifactIndexEntry[] = [];
    for (let i = 0; i < unique.length; i += 100) {
      let keys: Array<Record<string, unknown>> = unique.slice(i, i + 100).map((id) => ({ pk: artifactPk(kind, id), sk: SK }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 10) throw new Error('DynamoDB kept returning unprocessed keys');
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
        const out = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of out.Responses?.[this.table] ?? []) found.push(fromItem(item as ArtifactItem));
        keys = (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as Array<Record<string, unknown>>;
      }
    }
    return found;
  }
}

interface ListPartition {
  index: 'by_owner' | 'by_kind';
  pk: 'gsi1pk' | 'gsi2pk';
  sk: 'gsi1sk' | 'gsi2sk';
  value: string;
}

function listPartition(query: ArtifactListQuery): ListPartition {
  return query.ownerKeyId !== undefined
    ? { index: 'by_owner', pk: 'gsi1pk', sk: 'gsi1sk', value: `${query.ownerKeyId}#${query.kind}` }
    : { index: 'by_kind', pk: 'gsi2pk', sk: 'gsi2sk', value: query.kind };
}

/** A client's cursor, accepted only when it is a row key of the very partition being listed. */
function checkedListCursor(cursor: string, part: ListPartition, kind: ArtifactKind): Record<string, unknown> {
  const key = decodeCursor(cursor);
  const names = Object.keys(key).sort().join(',');
  const ok =
    names === ['pk', 'sk', part.pk, part.sk].sort().join(',') &&
    key[part.pk] === part.value &&
    typeof key.pk === 'string' &&
    key.pk.startsWith(`${kind}#`) &&
    key.sk === SK &&
    typeof key[part.sk] === 'string';
  if (!ok) throw new ValidationError('cursor is not valid');
  return key;
}

export function fromItem(i: ArtifactItem): ArtifactIndexEntry {
  return {
    kind: i.kind,
    id: i.artifact_id,
    ownerKeyId: i.owner_key_id,
    rel: i.rel,
    day: i.day,
    createdAt: i.created_at,
    status: i.status,
    ...(i.task_id ? { taskId: i.task_id } : {}),
    ...(i.run_id ? { runId: i.run_id } : {}),
    ...(i.run_status && i.outcome && i.counts
      ? { run: { status: i.run_status, outcome: i.outcome, ...i.counts, taskId: i.task_id ?? '' } }
      : {}),
  };
}

function idField(kind: ArtifactKind): string {
  return kind === 'extract' ? 'request_id' : kind === 'batch' ? 'run_id' : 'eval_id';
}
