// RunItemStore on the artifacts table: pk = run#<run_id>, sk = item#<seq, 6 digits>; by_kind index
// gsi2pk = runitems#<run_id>#<status>, gsi2sk = item#<seq>, so a run's items page in order with a status filter.
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../core/errors.ts';
import type { RunItem, RunItemResult, RunItemStatus } from '../../core/batch/job-model.ts';
import type { RunItemStore } from '../../core/ports.ts';
import { isConditionalCheckFailed } from './client.ts';
import { decodeCursor, encodeCursor } from './job-store.ts';

export interface RunItemRow {
  pk: string;
  sk: string;
  run_id: string;
  seq: number;
  owner_key_id: string;
  file: string;
  request_id: string;
  input_ref: string;
  mime_type?: string;
  status: RunItemStatus;
  artifact_rel?: string;
  schema_valid?: boolean;
  error?: { code: string; message: string };
  /** parsed, schema_errors, error_history and timings_ms as one JSON string (any shape the model produced). */
  detail_json?: string;
  created_at: string;
  finished_at?: string;
  gsi2pk: string;
  gsi2sk: string;
}

export const runPk = (runId: string): string => `run#${runId}`;
export const itemSk = (seq: number): string => `item#${String(seq).padStart(6, '0')}`;
export const runItemsStatusPk = (runId: string, status: RunItemStatus): string => `runitems#${runId}#${status}`;

const WRITE_BATCH = 25;
const PARALLEL_WRITES = 8;

export class DynamoRunItemStore implements RunItemStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async putPending(items: RunItem[]): Promise<void> {
    const chunks: RunItem[][] = [];
    for (let i = 0; i < items.length; i += WRITE_BATCH) chunks.push(items.slice(i, i + WRITE_BATCH));
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) await this.writeChunk(chunks[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_WRITES, chunks.length) }, worker));
  }

  private async writeChunk(chunk: RunItem[]): Promise<void> {
    let requests: Array<{ PutRequest: { Item: Record<string, unknown> } }> = chunk.map((i) => ({
      PutRequest: { Item: toRow(i) as unknown as Record<string, unknown> },
    }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      if (attempt > 10) throw new Error('DynamoDB kept returning unprocessed items');
      const out = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } }));
      requests = (out.UnprocessedItems?.[this.table] ?? []) as typeof requests;
    }
  }

  async get(runId: string, seq: number): Promise<RunItem | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: runPk(runId), sk: itemSk(seq) }, ConsistentRead: true }),
    );
    return out.Item ? fromRow(out.Item as RunItemRow) : undefined;
  }

  async settle(runId: string, seq: number, result: RunItemResult): Promise<boolean> {
    const detail = {
      ...(result.parsed !== undefined ? { parsed: result.parsed } : {}),
      ...(result.schemaErrors ? { schema_errors: result.schemaErrors } : {}),
      ...(result.errorHistory ? { error_history: result.errorHistory } : {}),
      ...(result.timingsMs ? { timings_ms: result.timingsMs } : {}),
    };
    const values: Record<string, unknown> = {
      ':status': result.status,
      ':pending': 'pending',
      ':gsi2pk': runItemsStatusPk(runId, result.status),
      ':fin': result.finishedAt,
      ':detail': JSON.stringify(detail),
    };
    const sets = ['#status = :status', 'gsi2pk = :gsi2pk', 'finished_at = :fin', 'detail_json = :detail'];
    if (result.artifactRel !== null) {
      sets.push('artifact_rel = :rel');
      values[':rel'] = result.artifactRel;
    }
    if (result.schemaValid !== null) {
      sets.push('schema_valid = :sv');
      values[':sv'] = result.schemaValid;
    }
    if (result.error !== null) {
      sets.push('#error = :err');
      values[':err'] = result.error;
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: runPk(runId), sk: itemSk(seq) },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status', ...(result.error !== null ? { '#error': 'error' } : {}) },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async listAll(runId: string, opts: { inputsOnly?: boolean } = {}): Promise<RunItem[]> {
    const items: RunItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :item)',
          ExpressionAttributeValues: { ':pk': runPk(runId), ':item': 'item#' },
          ConsistentRead: true,
          ...(opts.inputsOnly
            ? {
                ProjectionExpression:
                  'pk, sk, run_id, seq, owner_key_id, #file, request_id, input_ref, mime_type, #status, created_at',
                ExpressionAttributeNames: { '#file': 'file', '#status': 'status' },
              }
            : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const row of out.Items ?? []) items.push(fromRow(row as RunItemRow));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  async page(
    runId: string,
    query: { status?: RunItemStatus; limit: number; cursor?: string },
  ): Promise<{ items: RunItem[]; cursor?: string }> {
    const input: QueryCommandInput = query.status
      ? {
          TableName: this.table,
          IndexName: 'by_kind',
          KeyConditionExpression: 'gsi2pk = :p',
          ExpressionAttributeValues: { ':p': runItemsStatusPk(runId, query.status) },
        }
      : {
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :item)',
          ExpressionAttributeValues: { ':pk': runPk(runId), ':item': 'item#' },
        };
    // One row of read-ahead: a page that ends exactly on the last item gets no cursor (no empty last page).
    input.Limit = query.limit + 1;
    if (query.cursor) input.ExclusiveStartKey = checkedCursor(query.cursor, runId, query.status);
    const out = await this.db.send(new QueryCommand(input));
    const rows = (out.Items ?? []) as RunItemRow[];
    if (rows.length > query.limit) {
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1] as RunItemRow & { gsi2pk?: string; gsi2sk?: string };
      const key: Record<string, unknown> = { pk: last.pk, sk: last.sk };
      if (query.status) Object.assign(key, { gsi2pk: last.gsi2pk, gsi2sk: last.gsi2sk });
      return { items: page.map(fromRow), cursor: encodeCursor(key) };
    }
    const items = rows.map(fromRow);
    return out.LastEvaluatedKey ? { items, cursor: encodeCursor(out.LastEvaluatedKey) } : { items };
  }
}

function checkedCursor(cursor: string, runId: string, status: RunItemStatus | undefined): Record<string, unknown> {
  const key = decodeCursor(cursor);
  const ok =
    key.pk === runPk(runId) &&
    typeof key.sk === 'string' &&
    (status === undefined || (key.gsi2pk === runItemsStatusPk(runId, status) && typeof key.gsi2sk === 'string'));
  if (!ok) throw new ValidationError('cursor is not valid');
  return key;
}

function toRow(i: RunItem): RunItemRow {
  return {
    pk: runPk(i.runId),
    sk: itemSk(i.seq),
    run_id: i.runId,
    seq: i.seq,
    owner_key_id: i.ownerKeyId,
    file: i.file,
    request_id: i.requestId,
    input_ref: i.inputRef,
    ...(i.mimeType ? { mime_type: i.mimeType } : {}),
    status: i.status,
    created_at: i.createdAt,
    gsi2pk: runItemsStatusPk(i.runId, i.status),
    gsi2sk: itemSk(i.seq),
  };
}

function fromRow(r: RunItemRow): RunItem {
  const detail = r.detail_json ? (JSON.parse(r.detail_json) as Record<string, unknown>) : {};
  return {
    runId: r.run_id,
    seq: r.seq,
    ownerKeyId: r.owner_key_id,
    file: r.file,
    requestId: r.request_id,
    inputRef: r.input_ref,
    mimeType: r.mime_type ?? null,
    status: r.status,
    artifactRel: r.artifact_rel ?? null,
    schemaValid: r.schema_valid ?? null,
    error: r.error ?? null,
    ...('parsed' in detail ? { parsed: detail.parsed } : {}),
    ...(detail.schema_errors ? { schemaErrors: detail.schema_errors as RunItem['schemaErrors'] } : {}),
    ...(detail.error_history ? { errorHistory: detail.error_history as RunItem['errorHistory'] } : {}),
    ...(detail.timings_ms ? { timingsMs: detail.timings_ms as Record<string, number> } : {}),
    createdAt: r.created_at,
    ...(r.finished_at ? { finishedAt: r.finished_at } : {}),
  };
}
