// Runs for a UI (seed §8.9, §12 P0 items 1–2, P3 item 11): batch runs listed from the artifact index (never
// by reading R2), a run's full batch artifact, and its items paged server-side from the run's item rows.
import { type Principal, isAdmin } from '../auth/api-keys.ts';
import { type ReadDeps, fitForResponse, itemsUrl, ownedEntry, readEntry } from './artifact-read.ts';
import type { RunItem, RunItemStatus } from '../batch/job-model.ts';
import type { ArtifactIndexEntry } from '../ports.ts';

/**
 * A run as the list shows it: what the index row knows, no R2 read. `status` is the job's (running until
 * FinalizeBatch settles the row), `outcome` how the run went; rows finalized before outcomes existed
 * fall back to their ok/error status.
 */
export function runView(e: ArtifactIndexEntry): Record<string, unknown> {
  const legacy = e.status === 'ok' ? 'succeeded' : 'failed';
  return {
    run_id: e.id,
    task_id: e.run?.taskId || e.taskId || null,
    status: e.status === 'pending' ? 'running' : (e.run?.status ?? legacy),
    outcome: e.status === 'pending' ? null : (e.run?.outcome ?? legacy),
    counts: e.run ? { total: e.run.total, ok: e.run.ok, err: e.run.err, canceled: e.run.canceled } : null,
    day: e.day,
    created_at: e.createdAt,
    artifact_rel: e.rel,
    owner_key_id: e.ownerKeyId,
  };
}

/**
 * GET /v1/runs: one page of batch runs by creation time (asc or desc), the caller's own or, for an admin,
 * everyone's. The cursor is opaque; a tampered one or one from another listing is a 400.
 */
export async function listRuns(
  deps: Pick<ReadDeps, 'index'>,
  principal: Principal,
  query: { limit: number; cursor?: string; order: 'asc' | 'desc' },
): Promise<{ runs: Record<string, unknown>[]; next_cursor: string | null }> {
  const page = await deps.index.list({
    kind: 'batch',
    ...(isAdmin(principal) ? {} : { ownerKeyId: principal.keyId }),
    order: query.order,
    limit: query.limit,
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  return { runs: page.entries.map(runView), next_cursor: page.cursor ?? null };
}

/** GET /v1/runs/{run_id}: the full batch artifact (shortened with a link when it outgrows a response). */
export async function getRun(deps: ReadDeps, principal: Principal, runId: string): Promise<Record<string, unknown>> {
  const entry = await ownedEntry(deps, principal, 'batch', runId);
  const artifact = await readEntry(deps, entry);
  return fitForResponse(deps, artifact, entry.rel, { hints: { items_url: itemsUrl(runId) } });
}

/** One item as GET /v1/runs/{run_id}/items shows it: the UI fields of seed §8.9. */
export function runItemView(i: RunItem): Record<string, unknown> {
  return {
    seq: i.seq,
    file: i.file,
    request_id: i.requestId,
    input_ref: i.inputRef,
    artifact_rel: i.artifactRel,
    status: i.status,
    parsed: i.parsed ?? null,
    schema_valid: i.schemaValid,
    schema_errors: i.schemaErrors ?? [],
    error: i.error,
    error_history: i.errorHistory ?? [],
    timings_ms: i.timingsMs ?? null,
    finished_at: i.finishedAt ?? null,
  };
}

/**
 * GET /v1/runs/{run_id}/items: a page of the run's items in order, optionally of one status, from the run's
 * item rows (the batch artifact is not loaded). 404 for a run that is not the caller's.
 */
export async function listRunItems(
  deps: Pick<ReadDeps, 'index' | 'runItems'>,
  principal: Principal,
  runId: string,
  query: { status?: RunItemStatus; limit: number; cursor?: string },
): Promise<Record<string, unknown>> {
  const entry = await ownedEntry(deps, principal, 'batch', runId);
  const page = await deps.runItems.page(entry.id, query);
  return {
    run_id: entry.id,
    status: query.status ?? null,
    items: page.items.map(runItemView),
    next_cursor: page.cursor ?? null,
  };
}
