// KeyStore on DynamoDB: one item per key (pk = key#<key_id>), found by hash through the by_hash index.
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord, Role, Scope } from '../../core/auth/api-keys.ts';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { KeyStore } from '../../core/ports.ts';
import { isConditionalCheckFailed } from './client.ts';

interface KeyItem {
  pk: string;
  key_id: string;
  key_hash: string;
  role: Role;
  scopes: Scope[];
  created_at: string;
  revoked_at?: string;
}

export class DynamoKeyStore implements KeyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(record: ApiKeyRecord): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({ TableName: this.table, Item: toItem(record), ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new ConflictError(`key_id "${record.keyId}" already exists`);
      throw err;
    }
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'by_hash',
        KeyConditionExpression: 'key_hash = :h',
        ExpressionAttributeValues: { ':h': keyHash },
        Limit: 1,
      }),
    );
    const item = out.Items?.[0] as KeyItem | undefined;
    return item ? fromItem(item) : undefined;
  }

  async get(keyId: string): Promise<ApiKeyRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: `key#${keyId}` }, ConsistentRead: true }));
    return out.Item ? fromItem(out.Item as KeyItem) : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const records: ApiKeyRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: start }));
      records.push(...((out.Items ?? []) as KeyItem[]).map(fromItem));
      start = out.LastEvaluatedKey;
    } while (start);
    return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.keyId.localeCompare(b.keyId));
  }

  async revoke(keyId: string, revokedAt: string): Promise<ApiKeyRecord> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `key#${keyId}` },
          UpdateExpression: 'SET revoked_at = if_not_exists(revoked_at, :t)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':t': revokedAt },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(out.Attributes as KeyItem);
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new NotFoundError(`key_id "${keyId}" does not exist`);
      throw err;
    }
  }

  async delete(keyId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: `key#${keyId}` } }));
  }
}

function toItem(r: ApiKeyRecord): KeyItem {
  return {
    pk: `key#${r.keyId}`,
    key_id: r.keyId,
    key_hash: r.keyHash,
    role: r.role,
    scopes: r.scopes,
    created_at: r.createdAt,
    ...(r.revokedAt ? { revoked_at: r.revokedAt } : {}),
  };
}

function fromItem(i: KeyItem): ApiKeyRecord {
  return {
    keyId: i.key_id,
    keyHash: i.key_hash,
    role: i.role,
    scopes: i.scopes,
    createdAt: i.created_at,
    ...(i.revoked_at ? { revokedAt: i.revoked_at } : {}),
  };
}
