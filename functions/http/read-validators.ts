// Query and body validators of the read routes (runs, items, debug listing, evals), compiled once per container.
import { Ajv } from 'ajv';
import runEvalSchema from '../../schemas/api/run-eval-request.schema.json' with { type: 'json' };
import { ValidationError } from '../core/errors.ts';
import { LISTED_PROBLEMS, boundedProblems, shownKey } from './bounded-problems.ts';
import type { RunItemStatus } from '../core/batch/job-model.ts';
import type { ArtifactKind } from '../core/ports.ts';

const ajv = new Ajv({ allErrors: true, strict: false });

export interface RunEvalBody {
  gt_path: string;
  gt_image_key?: string;
}

export const validateRunEvalRequest = ajv.compile<RunEvalBody>(runEvalSchema);

const ITEM_STATUSES: readonly RunItemStatus[] = ['ok', 'error', 'canceled', 'pending'];
const KINDS: readonly ArtifactKind[] = ['extract', 'batch', 'eval'];
const ALLOWED = {
  runs: ['limit', 'cursor', 'sort'],
  items: ['limit', 'cursor', 'status'],
  debugList: ['limit', 'cursor', 'kind', 'day'],
  backup: ['limit', 'kind', 'day'],
} as const;

function onlyKnown(query: Record<string, string>, allowed: readonly string[]): void {
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    const { message, details } = boundedProblems(
      `Unknown query parameter${unknown.length > 1 ? 's' : ''}: `,
      unknown.slice(0, LISTED_PROBLEMS).map(shownKey),
      unknown.length,
    );
    throw new ValidationError(message, { allowed, ...details });
  }
}

function limitOf(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1 || n > max) {
    throw new ValidationError(`limit must be an integer from 1 to ${max}`, { limit: value });
  }
  return n;
}

function cursorOf(value: string | undefined): { cursor?: string } {
  if (value === undefined || value === '') return {};
  if (value.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(value)) throw new ValidationError('cursor is not valid');
  return { cursor: value };
}

function dayOf(value: string | undefined): { day?: string } {
  if (value === undefined || value === '') return {};
  const ok = /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
  if (!ok) throw new ValidationError('day must be a date YYYY-MM-DD', { day: value });
  return { day: value };
}

function kindOf(value: string | undefined): ArtifactKind {
  if (value === undefined || value === '') return 'extract';
  if (!(KINDS as readonly string[]).includes(value))
    throw new ValidationError(`kind must be one of ${KINDS.join(', ')}`, { kind: value });
  return value as ArtifactKind;
}

/** `?limit&cursor&sort=asc|desc` of GET /v1/runs (newest first by default). */
export function parseRunsQuery(query: Record<string, string>): { limit: number; cursor?: string; order: 'asc' | 'desc' } {
  onlyKnown(query, ALLOWED.runs);
  const sort = query.sort ?? 'desc';
  if (sort !== 'asc' && sort !== 'desc') throw new ValidationError('sort must be asc or desc', { sort });
  return { limit: limitOf(query.limit, 50, 200), ...cursorOf(query.cursor), order: sort };
}

/** `?status&limit&cursor` of GET /v1/runs/{run_id}/items. */
export function parseItemsQuery(query: Record<string, string>): { status?: RunItemStatus; limit: number; cursor?: string } {
  onlyKnown(query, ALLOWED.items);
  const status = query.status;
  if (status !== undefined && !(ITEM_STATUSES as readonly string[]).includes(status)) {
    throw new ValidationError(`status must be one of ${ITEM_STATUSES.join(', ')}`, { status });
  }
  return {
    ...(status ? { status: status as RunItemStatus } : {}),
    limit: limitOf(query.limit, 100, 500),
    ...cursorOf(query.cursor),
  };
}

/** `?kind&day&limit&cursor` of GET /v1/debug/artifacts (kind extract by default). */
export function parseDebugListQuery(query: Record<string, string>): {
  kind: ArtifactKind;
  day?: string;
  limit: number;
  cursor?: string;
} {
  onlyKnown(query, ALLOWED.debugList);
  return { kind: kindOf(query.kind), ...dayOf(query.day), limit: limitOf(query.limit, 100, 1000), ...cursorOf(query.cursor) };
}

/** `?kind&day&limit` of GET /v1/debug/artifacts/backup.tar.gz (limit capped by DEBUG_BACKUP_MAX_OBJECTS). */
export function parseBackupQuery(query: Record<string, string>): { kind: ArtifactKind; day?: string; limit?: number } {
  onlyKnown(query, ALLOWED.backup);
  return {
    kind: kindOf(query.kind),
    ...dayOf(query.day),
    ...(query.limit !== undefined ? { limit: limitOf(query.limit, 1, 10_000) } : {}),
  };
}
