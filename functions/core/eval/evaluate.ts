// Evaluation of a batch run against ground truth (seed §8.5, §8.8): GT records matched to run items by file
// basename, fields compared after normalisation, metrics per field and overall, kept as an eval artifact.
import { createHash, randomBytes } from 'node:crypto';
import { dayOf, evalRel, isValidId } from '../artifact-keys.ts';
import { type Principal, canAccess, hasScope } from '../auth/api-keys.ts';
import type { BatchArtifact } from '../batch/batch-artifact.ts';
import { dataFileRel, dataRootPath } from '../batch/data-root.ts';
import { ConflictError, ForbiddenError, NotFoundError, PayloadTooLargeError, ValidationError } from '../errors.ts';
import type { ArtifactIndex, ArtifactStore, Clock, Logger, ResponseWarning } from '../ports.ts';
import {
  type EvalItem,
  type EvalMetrics,
  type EvalResult,
  type Mismatch,
  type ParsedGroundTruth,
  type RecordResult,
  compareRun,
  parseGroundTruth,
} from './compare-run.ts';

export interface EvalDeps {
  store: ArtifactStore;
  index: ArtifactIndex;
  clock: Clock;
  logger: Logger;
  settings: {
    /** Amounts within this absolute difference are equal (0.01: a cent). */
    amountTolerance: number;
  };
}

/** Ground-truth files larger than this are refused: they are read whole into memory. */
export const MAX_GT_BYTES = 20 * 1024 * 1024;
/** Per-field metrics are copied into the (small) summary only up to this many fields. */
const SUMMARY_MAX_FIELDS = 50;

export interface EvalArtifact {
  kind: 'eval';
  artifact_version: 1;
  eval_id: string;
  run_id: string;
  task_id: string;
  owner_key_id: string;
  created_at: string;
  gt: {
    rel: string;
    image_key: string;
    sha256: string;
    records: number;
    skipped: ParsedGroundTruth['skipped'];
    duplicates: string[];
  };
  rules: Record<string, unknown>;
  metrics: EvalMetrics;
  unmatched: EvalResult['unmatched'];
  duplicate_items: string[];
  records: RecordResult[];
  mismatches: Mismatch[];
  /** `gt_no_match` when the ground truth matched nothing (wrong gt_image_key, other file names). */
  warnings: ResponseWarning[];
}

export const newEvalId = (now: Date): string =>
  `eval_${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}_${randomBytes(4).toString('hex')}`;

/** The small form of the metrics kept in the batch artifact and the job result. */
export function evalSummary(metrics: EvalMetrics, mismatches: number): Record<string, unknown> {
  const names = Object.keys(metrics.fields);
  return {
    gt_records: metrics.gt_records,
    matched: metrics.matched,
    unmatched_gt: metrics.unmatched_gt,
    unmatched_run: metrics.unmatched_run,
    exact_match_rate: metrics.exact_match_rate,
    field_accuracy: metrics.field_accuracy,
    mismatches,
    fields:
      names.length <= SUMMARY_MAX_FIELDS
        ? Object.fromEntries(
            names.map((n) => {
              const f = metrics.fields[n]!;
              return [n, { support: f.support, accuracy: f.accuracy, coverage: f.coverage }];
            }),
          )
        : { omitted: names.length },
  };
}

/**
 * Evaluates a finished run against a GT file in R2 (FinalizeBatch and POST /v1/runs/{run_id}/eval).
 * 1. read the GT (`gtRel`, already checked to be under the data root or staged from an upload) and parse it
 * 2. match records to items by basename and compare every GT field (compareRun)
 * 3. claim the eval id in the artifact index, write `evals/<day>/<eval_id>.json`, settle the index row
 * Returns the eval id, its artifact ref and the summary the batch artifact and job result carry.
 */
export async function evaluateBatch(
  deps: EvalDeps,
  input: { runId: string; ownerKeyId: string; batch: BatchArtifact; gtRel: string; gtImageKey: string },
): Promise<{ evalId: string; artifactRel: string; summary: Record<string, unknown>; warnings: ResponseWarning[] }> {
  const bytes = await deps.store.getBytes(input.gtRel);
  if (bytes === undefined) throw new NotFoundError('The ground-truth file was not found', { gt_rel: input.gtRel });
  if (bytes.length > MAX_GT_BYTES) {
    throw new PayloadTooLargeError(`The ground-truth file is larger than ${MAX_GT_BYTES} bytes`, { max_gt_bytes: MAX_GT_BYTES });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ValidationError('The ground-truth file is not valid JSON');
  }
  const gt = parseGroundTruth(doc, input.gtImageKey);
  const result = compareRun(gt.records, input.batch.items as EvalItem[], deps.settings.amountTolerance);
  const warnings = groundTruthWarnings(doc, gt, input.gtImageKey, result.metrics);

  const now = deps.clock.now();
  const evalId = newEvalId(now);
  const day = dayOf(now);
  const rel = evalRel(day, evalId);
  const artifact: EvalArtifact = {
    kind: 'eval',
    artifact_version: 1,
    eval_id: evalId,
    run_id: input.runId,
    task_id: input.batch.task_id,
    owner_key_id: input.ownerKeyId,
    created_at: now.toISOString(),
    gt: {
      rel: input.gtRel,
      image_key: input.gtImageKey,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      records: gt.records.length,
      skipped: gt.skipped,
      duplicates: gt.duplicates,
    },
    rules: {
      matching: 'basename of the GT image key vs the item file|image|image_file',
      amount_tolerance: deps.settings.amountTolerance,
      amounts: 'decimals; "," or "." as decimal separator, thousands separators and currency signs ignored',
      dates: 'ISO YYYY-MM-DD; DD.MM.YYYY, DD-MM-YYYY, DD/MM/YYYY (MM/DD/YYYY when the day is > 12), YYYYMMDD',
      currency: 'upper-cased ISO code; €, £, ₽, ₹, ₩, ₴ mapped',
      text: 'case-insensitive, whitespace folded, NFKC',
      absent: 'null, blank and [] are "no value"; a GT null expects no value',
    },
    metrics: result.metrics,
    unmatched: result.unmatched,
    duplicate_items: result.duplicate_items,
    records: result.records,
    mismatches: result.mismatches,
    warnings,
  };

  await deps.index.claim(
    {
      kind: 'eval',
      id: evalId,
      ownerKeyId: input.ownerKeyId,
      rel,
      day,
      createdAt: now.toISOString(),
      status: 'pending',
      taskId: input.batch.task_id,
      runId: input.runId,
    },
    { overwrite: false },
  );
  try {
    await deps.store.putJson(rel, artifact, { overwrite: false });
  } catch (err) {
    await deps.index.release('eval', evalId).catch(() => undefined);
    throw err;
  }
  await deps.index.complete('eval', evalId, 'ok');
  deps.logger.info('eval_done', {
    eval_id: evalId,
    run_id: input.runId,
    matched: result.metrics.matched,
    exact_match_rate: result.metrics.exact_match_rate,
    field_accuracy: result.metrics.field_accuracy,
  });
  return { evalId, artifactRel: rel, summary: evalSummary(result.metrics, result.mismatches.length), warnings };
}

/** Keys a GT record may name its image under, to suggest when `gt_image_key` named none of them. */
const IMAGE_KEY_HINTS = ['file', 'image', 'image_file', 'filename', 'file_name', 'name', 'path'];

/**
 * `gt_no_match` when the ground truth matched nothing: no record has `gt_image_key` (saying which key the
 * records do use), or none of their names is a file of the run. Otherwise no warning.
 */
export function groundTruthWarnings(
  doc: unknown,
  gt: ParsedGroundTruth,
  imageKey: string,
  metrics: Pick<EvalMetrics, 'matched' | 'run_items'>,
): ResponseWarning[] {
  if (gt.records.length === 0) {
    const list = (Array.isArray(doc) ? doc : ((doc as { records?: unknown[] }).records ?? [])) as unknown[];
    if (list.length === 0)
      return [{ code: 'gt_no_match', message: 'The ground-truth file holds no records: nothing was evaluated' }];
    const used = IMAGE_KEY_HINTS.filter((k) =>
      list.some((r) => typeof r === 'object' && r !== null && typeof (r as Record<string, unknown>)[k] === 'string'),
    );
    return [
      {
        code: 'gt_no_match',
        message:
          `No ground-truth record has "${imageKey.slice(0, 64)}" (gt_image_key): all ${list.length} were skipped and nothing was evaluated` +
          (used.length > 0 ? `; the records name their image under ${used.map((k) => `"${k}"`).join(', ')}` : ''),
      },
    ];
  }
  if (metrics.matched === 0) {
    return [
      {
        code: 'gt_no_match',
        message:
          `None of the ${gt.records.length} ground-truth records matches one of the run's ${metrics.run_items} files by name ` +
          `(the basename of "${imageKey.slice(0, 64)}" against each item's file): nothing was evaluated`,
      },
    ];
  }
  return [];
}

/** Eval routes exist only in debug mode (404 otherwise, as if absent) and need the "debug:run" scope. */
export function requireEvalAccess(debugMode: boolean, principal: Principal): void {
  if (!debugMode) throw new NotFoundError('Not found');
  if (!hasScope(principal, 'debug:run')) {
    throw new ForbiddenError('This API key lacks the "debug:run" scope', { required_scope: 'debug:run' });
  }
}

export interface RunEvalDeps extends EvalDeps {
  settings: EvalDeps['settings'] & { debugMode: boolean; dataRoot: string };
}

/**
 * POST /v1/runs/{run_id}/eval: a finished run evaluated again with a GT file under the data root.
 * 1. debug mode and "debug:run"   2. the run is the caller's (or the caller is an admin), else 404
 * 3. its batch artifact exists (409 while it runs)   4. `gt_path` stays under the data root and exists
 * 5. evaluateBatch — the run's batch artifact is left as it was (artifacts are not rewritten)
 */
export async function evaluateExistingRun(
  deps: RunEvalDeps,
  principal: Principal,
  runId: string,
  body: { gt_path: string; gt_image_key?: string },
): Promise<Record<string, unknown>> {
  requireEvalAccess(deps.settings.debugMode, principal);
  const entry = isValidId(runId) ? await deps.index.get('batch', runId) : undefined;
  if (!entry || !canAccess(principal, entry.ownerKeyId)) throw new NotFoundError(`Run "${runId}" not found`, { run_id: runId });
  const batch = await deps.store.getJson<BatchArtifact>(entry.rel);
  if (!batch) {
    if (entry.status === 'pending') throw new ConflictError(`Run "${runId}" is still running`, { run_id: runId });
    throw new NotFoundError(`Run "${runId}" not found`, { run_id: runId });
  }
  const relPath = dataRootPath('gt_path', body.gt_path, deps.settings.dataRoot);
  if (relPath === '') throw new ValidationError('gt_path must name a file under the data root', { gt_path: body.gt_path });
  const gtRel = dataFileRel(deps.settings.dataRoot, relPath);
  const exists = await deps.store.getBytes(gtRel);
  if (!exists) throw new NotFoundError(`gt_path "${body.gt_path}" was not found under the data root`, { gt_path: body.gt_path });
  const out = await evaluateBatch(deps, {
    runId,
    ownerKeyId: entry.ownerKeyId,
    batch,
    gtRel,
    gtImageKey: body.gt_image_key ?? 'file',
  });
  return { eval_id: out.evalId, run_id: runId, artifact_rel: out.artifactRel, ...out.summary, warnings: out.warnings };
}

/** GET /v1/evals/{eval_id}: the eval artifact, for its owner or an admin, in debug mode with "debug:run". */
export async function getEval(
  deps: Pick<EvalDeps, 'index' | 'store'> & { settings: { debugMode: boolean } },
  principal: Principal,
  evalId: string,
): Promise<{ artifact: EvalArtifact; rel: string }> {
  requireEvalAccess(deps.settings.debugMode, principal);
  const entry = isValidId(evalId) ? await deps.index.get('eval', evalId) : undefined;
  if (!entry || !canAccess(principal, entry.ownerKeyId))
    throw new NotFoundError(`Eval "${evalId}" not found`, { eval_id: evalId });
  const artifact = await deps.store.getJson<EvalArtifact>(entry.rel);
  if (!artifact) throw new NotFoundError(`Eval "${evalId}" not found`, { eval_id: evalId });
  return { artifact, rel: entry.rel };
}
