// The local stand-ins for AWS and R2: dynalite (DynamoDB API) and s3rver (S3 API), both on disk
// under the data folder and reached by the real SDK v3 clients over HTTP.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import type { TableDefinition } from '../../functions/tables.ts';

export interface Emulator {
  endpoint: string;
  close(): Promise<void>;
}

export async function startDynalite(dataDir: string, port = 0): Promise<Emulator> {
  const dir = join(dataDir, 'dynamodb');
  mkdirSync(dir, { recursive: true });
  const server = dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${actual}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function startS3rver(dataDir: string, bucket: string, port = 0): Promise<Emulator> {
  const dir = join(dataDir, 's3');
  mkdirSync(dir, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory: dir,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const { port: actual } = (await server.run()) as AddressInfo;
  return { endpoint: `http://127.0.0.1:${actual}`, close: () => server.close() };
}

/** Creates each table (idempotent: existing tables are kept with their data). */
export async function createTables(
  endpoint: string,
  tables: readonly TableDefinition[],
  names: Record<string, string>,
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    for (const t of tables) {
      const name = names[t.envVar]!;
      const attributes = new Set<string>([t.partitionKey, ...(t.sortKey ? [t.sortKey] : [])]);
      for (const i of t.indexes) {
        attributes.add(i.partitionKey);
        if (i.sortKey) attributes.add(i.sortKey);
      }
      const indexes: GlobalSecondaryIndex[] = t.indexes.map((i) => ({
        IndexName: i.name,
        KeySchema: [
          { AttributeName: i.partitionKey, KeyType: 'HASH' },
          ...(i.sortKey ? [{ AttributeName: i.sortKey, KeyType: 'RANGE' as const }] : []),
        ],
        Projection: { ProjectionType: 'ALL' },
      }));
      try {
        await client.send(
          new CreateTableCommand({
            TableName: name,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [...attributes].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
            KeySchema: [
              { AttributeName: t.partitionKey, KeyType: 'HASH' },
              ...(t.sortKey ? [{ AttributeName: t.sortKey, KeyType: 'RANGE' as const }] : []),
            ],
            ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
          }),
        );
      } catch (err) {
        if (!(err instanceof ResourceInUseException)) throw err;
      }
      for (let i = 0; i < 50; i++) {
        const d = await client.send(new DescribeTableCommand({ TableName: name }));
        if (d.Table?.TableStatus === 'ACTIVE') break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  } finally {
    client.destroy();
  }
}
