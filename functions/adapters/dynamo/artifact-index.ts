// ArtifactIndex on DynamoDB: pk = <kind>#<id>, sk = "artifact". A conditional put makes the claim
// atomic (on DynamoDB and on dynalite alike), which is what stops a reused request_id (DESIGN.md §8).
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../core/errors.ts';
import type { ArtifactIndex, ArtifactIndexEntry, ArtifactKind } from '../../core/ports.ts';
import { isConditionalCheckFailed } from './client.ts';

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
  /** by_owner index: runs and artifacts of one owner by time. */
  gsi1pk: string;
  gsi1sk: string;
  /** by_kind index: every artifact of a kind by time (admins). */
  gsi2pk: string;
  gsi2sk: string;
}

export const artifactPk = (kind: ArtifactKind, id: string): string => `${kind}#${id}`;

export class DynamoArtifactIndex implements ArtifactIndex {
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

  async complete(kind: ArtifactKind, id: string, status: 'ok' | 'error'): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: artifactPk(kind, id), sk: SK },
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': status },
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
  };
}

function idField(kind: ArtifactKind): string {
  return kind === 'extract' ? 'request_id' : kind === 'batch' ? 'run_id' : 'eval_id';
}
