// Evaluation of a batch run against ground truth (seed §8.5, §8.8): GT records matched to run items by file
// basename, fields compared after normalisation, metrics per field and overall, kept as an eval artifact.
import { createHash, randomBytes } from 'node:crypto';
import { type Principal, canAccess, hasScope } from './auth.ts';
import { dayOf, evalRel, isValidId } from './artifact-keys.ts';
import type { BatchArtifact } from './batch.ts';
import { dataFileRel, safeRelativePath } from './data-root.ts';
import { ConflictError, ForbiddenError, NotFoundError, PayloadTooLargeError, ValidationError } from './errors.ts';
import type { ArtifactIndex, ArtifactStore, Clock, Logger } from './ports.ts';

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

/** Keys a run item (or a GT record) may carry its image name under (seed §8.8). */
export const ITEM_NAME_KEYS = ['file', 'image', 'image_file'] as const;
/** Ground-truth files larger than this are refused: they are read whole into memory. */
export const MAX_GT_BYTES = 20 * 1024 * 1024;
/** Per-field metrics are copied into the (small) summary only up to this many fields. */
const SUMMARY_MAX_FIELDS = 50;

// ---------------------------------------------------------------------------------------------------------
// Normalisation

export type FieldKind = 'amount' | 'number' | 'date' | 'currency' | 'text';

const DATE_NAME = /(^|_)date$/;
const CURRENCY_NAME = /(^|_)currency$/;
const AMOUNT_NAME = /(^|_)(total|subtotal|tax|tip|amount|price|discount|due|vat|fee|balance|paid|change)$/;

/** How a field is compared, from its name (and a bare JSON number in the GT for numeric fields like quantity). */
export function fieldKind(name: string, expected: unknown): FieldKind {
  const n = name.toLowerCase();
  if (DATE_NAME.test(n)) return 'date';
  if (CURRENCY_NAME.test(n)) return 'currency';
  if (AMOUNT_NAME.test(n)) return 'amount';
  if (typeof expected === 'number') return 'number';
  return 'text';
}

/** Null, undefined, blank strings and empty lists all mean "no value". */
export function isAbsent(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
}

/**
 * A decimal amount from a number or a string such as "12.34", "$1,234.56", "1 234,56 €", "12,5", "(3.00)".
 * With both separators the last one is the decimal point; a lone comma is decimal unless it groups thousands
 * ("1,234"). Undefined when it is not a number.
 */
export function parseAmount(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  let s = v.trim();
  let negative = false;
  if (/^\(.*\)$/.test(s)) {
    negative = true;
    s = s.slice(1, -1);
  }
  // Spaces and apostrophes group thousands; letters and currency signs ("USD", "руб", "$", "€") are dropped.
  s = s.replace(/[\s\u00a0\u202f'’]/g, '').replace(/[\p{L}\p{Sc}]/gu, '');
  if (s.startsWith('-') || s.endsWith('-')) {
    negative = !negative;
    s = s.replace(/^-|-$/g, '');
  } else s = s.replace(/^\+/, '');
  if (!/^(\d[\d.,]*|[.,]\d+)$/.test(s)) return undefined;
  let plain: string | undefined;
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  if (lastDot >= 0 && lastComma >= 0) {
    const decimal = lastDot > lastComma ? '.' : ',';
    const group = decimal === '.' ? ',' : '.';
    const cut = Math.max(lastDot, lastComma);
    const intPart = s.slice(0, cut);
    const frac = s.slice(cut + 1);
    if (intPart.includes(decimal) || !/^\d*$/.test(frac)) return undefined;
    plain = `${intPart.split(group).join('')}.${frac}`;
  } else if (lastComma >= 0) {
    if (/^\d{1,3}(,\d{3})+$/.test(s)) plain = s.replace(/,/g, '');
    else if (s.split(',').length === 2) plain = s.replace(',', '.');
  } else if (lastDot >= 0 && s.split('.').length > 2) {
    if (/^\d{1,3}(\.\d{3})+$/.test(s)) plain = s.replace(/\./g, '');
  } else plain = s;
  if (plain === undefined || !/^\d*\.?\d*$/.test(plain)) return undefined;
  const n = Number(plain);
  if (!Number.isFinite(n)) return undefined;
  return negative ? -n : n;
}

function isoDate(y: number, m: number, d: number): string | undefined {
  if (m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * A date as ISO YYYY-MM-DD from "2025-01-31", "2025/01/31", "20250131", "31.01.2025", "31-01-2025" or
 * "31/01/2025" (a time after the date is ignored). Slashed dates are day-first, except "A/B/YYYY" with
 * A ≤ 12 < B, which can only be month-first (US style). Undefined when it is not a real calendar date.
 */
export function normaliseDate(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim().split(/[T\s]/)[0]!;
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$/.exec(s);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const y = Number(m[4]);
    if (m[2] === '/' && a <= 12 && b > 12) return isoDate(y, a, b);
    return isoDate(y, b, a);
  }
  return undefined;
}

const CURRENCY_SYMBOLS: Record<string, string> = {
  '€': 'EUR',
  '£': 'GBP',
  '₽': 'RUB',
  '₹': 'INR',
  '₩': 'KRW',
  '₴': 'UAH',
  РУБ: 'RUB',
};

/** Currency codes upper-cased; a few unambiguous symbols mapped to their ISO code ("$" is not: USD, CAD, AUD…). */
export function normaliseCurrency(v: unknown): string {
  const s = String(v).trim().replace(/\.$/, '').toUpperCase();
  return CURRENCY_SYMBOLS[s] ?? s;
}

/** Strings compared case-insensitively with runs of whitespace folded (and Unicode compatibility forms unified). */
export function normaliseText(v: unknown): string {
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** A value in its compared form (what the mismatch list shows next to the raw value). */
export function normalisedValue(kind: FieldKind, v: unknown): unknown {
  if (isAbsent(v)) return null;
  if (Array.isArray(v) || (typeof v === 'object' && v !== null)) return v;
  switch (kind) {
    case 'amount':
    case 'number':
      return parseAmount(v) ?? normaliseText(v);
    case 'date':
      return normaliseDate(v) ?? normaliseText(v);
    case 'currency':
      return normaliseCurrency(v);
    case 'text':
      return normaliseText(v);
  }
}

/**
 * True when `predicted` matches `expected` under the rules of the field's kind. The ground truth leads:
 * for objects (line items) only the keys the GT has are compared; lists must have the same length and match
 * element by element; a GT null/blank expects no value.
 */
export function valuesMatch(name: string, expected: unknown, predicted: unknown, amountTolerance: number): boolean {
  if (isAbsent(expected)) return isAbsent(predicted);
  if (isAbsent(predicted)) return false;
  if (Array.isArray(expected)) {
    return (
      Array.isArray(predicted) &&
      predicted.length === expected.length &&
      expected.every((e, i) => valuesMatch(name, e, predicted[i], amountTolerance))
    );
  }
  if (typeof expected === 'object') {
    if (typeof predicted !== 'object' || Array.isArray(predicted)) return false;
    const p = predicted as Record<string, unknown>;
    return Object.entries(expected as Record<string, unknown>).every(([k, e]) => valuesMatch(k, e, p[k], amountTolerance));
  }
  const kind = fieldKind(name, expected);
  switch (kind) {
    case 'amount':
    case 'number': {
      const e = parseAmount(expected);
      if (e === undefined) return normaliseText(expected) === normaliseText(predicted);
      const p = parseAmount(predicted);
      const tolerance = kind === 'amount' ? amountTolerance : 0;
      // The epsilon absorbs binary floating point (12.34 - 12.33 is 0.010000000000001563).
      return p !== undefined && Math.abs(e - p) <= tolerance + 1e-9;
    }
    case 'date': {
      const e = normaliseDate(expected);
      return e === undefined ? normaliseText(expected) === normaliseText(predicted) : e === normaliseDate(predicted);
    }
    case 'currency':
      return normaliseCurrency(expected) === normaliseCurrency(predicted);
    case 'text':
      return normaliseText(expected) === normaliseText(predicted);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Ground truth and matching

export interface GroundTruthRecord {
  /** The image name as the GT gives it. */
  name: string;
  basename: string;
  fields: Record<string, unknown>;
}

export interface ParsedGroundTruth {
  records: GroundTruthRecord[];
  /** Records without a usable image name (by position in the file). */
  skipped: Array<{ index: number; reason: string }>;
  /** Basenames given more than once: the first record is used. */
  duplicates: string[];
}

/** The last path segment, for "/" and "\" paths alike. */
export function basenameOf(name: string): string {
  const parts = name.trim().split(/[\\/]/);
  return parts[parts.length - 1] ?? '';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a GT document: a list of records or `{records: [...]}`. Each record names its image under
 * `imageKey` (default "file") and has its fields under `fields`, or at its top level (then every key but
 * the image-name keys is a field).
 */
export function parseGroundTruth(doc: unknown, imageKey: string): ParsedGroundTruth {
  const list = Array.isArray(doc) ? doc : isRecord(doc) && Array.isArray(doc.records) ? doc.records : undefined;
  if (!list) throw new ValidationError('The ground-truth file must be a JSON list of records or an object with a "records" list');
  const records: GroundTruthRecord[] = [];
  const skipped: ParsedGroundTruth['skipped'] = [];
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  list.forEach((r: unknown, index: number) => {
    if (!isRecord(r)) return skipped.push({ index, reason: 'not an object' });
    const name = r[imageKey];
    if (typeof name !== 'string' || basenameOf(name) === '') return skipped.push({ index, reason: `no "${imageKey}"` });
    const basename = basenameOf(name);
    if (seen.has(basename)) return duplicates.add(basename);
    seen.add(basename);
    const nameKeys = new Set<string>([imageKey, ...ITEM_NAME_KEYS, 'fields']);
    const fields = isRecord(r.fields) ? r.fields : Object.fromEntries(Object.entries(r).filter(([k]) => !nameKeys.has(k)));
    records.push({ name, basename, fields });
  });
  return { records, skipped, duplicates: [...duplicates] };
}

/** What eval needs of a run item; the batch artifact's items have it. */
export interface EvalItem {
  file?: unknown;
  image?: unknown;
  image_file?: unknown;
  request_id?: string;
  status?: string;
  parsed?: unknown;
  error?: { code: string; message?: string } | null;
}

/** The image name of a run item: `file`, `image` or `image_file`, whichever is a string first. */
export function itemName(item: EvalItem): string | undefined {
  for (const k of ITEM_NAME_KEYS) {
    const v = item[k];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  return undefined;
}

export interface FieldMetrics {
  /** Matched records whose GT has the field. */
  support: number;
  correct: number;
  /** Of those, records where the model gave a value. */
  predicted: number;
  accuracy: number | null;
  coverage: number | null;
}

export interface Mismatch {
  file: string;
  request_id: string | null;
  field: string;
  /** 'missing': no value predicted; 'different': a value that does not match; 'item_error': the item failed. */
  reason: 'missing' | 'different' | 'item_error';
  expected: unknown;
  predicted: unknown;
  expected_normalised: unknown;
  predicted_normalised: unknown;
}

export interface RecordResult {
  file: string;
  request_id: string | null;
  item_status: string | null;
  exact: boolean;
  fields: Record<string, boolean>;
}

export interface EvalMetrics {
  gt_records: number;
  run_items: number;
  matched: number;
  unmatched_gt: number;
  unmatched_run: number;
  /** Matched records whose every GT field is right. */
  exact_match_rate: number | null;
  /** Right fields over all compared fields (micro average). */
  field_accuracy: number | null;
  fields: Record<string, FieldMetrics>;
}

export interface EvalResult {
  metrics: EvalMetrics;
  records: RecordResult[];
  unmatched: { gt: string[]; run: string[] };
  mismatches: Mismatch[];
  /** Run items sharing a basename: the first is used. */
  duplicate_items: string[];
}

const rate = (n: number, d: number): number | null => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);

/**
 * Compares GT records with run items (pure). Matching is by basename; every field the GT gives is compared
 * on the item's `parsed` (a failed item predicts nothing, so each of its fields is a mismatch).
 */
export function compareRun(gt: GroundTruthRecord[], items: EvalItem[], amountTolerance: number): EvalResult {
  const byName = new Map<string, EvalItem>();
  const duplicateItems = new Set<string>();
  const unnamed: string[] = [];
  for (const item of items) {
    const name = itemName(item);
    if (name === undefined) {
      unnamed.push(item.request_id ?? '?');
      continue;
    }
    const base = basenameOf(name);
    if (byName.has(base)) duplicateItems.add(base);
    else byName.set(base, item);
  }
  const gtNames = new Set(gt.map((r) => r.basename));
  const fields: Record<string, FieldMetrics> = {};
  const records: RecordResult[] = [];
  const mismatches: Mismatch[] = [];
  let exact = 0;
  let compared = 0;
  let correctTotal = 0;
  for (const record of gt) {
    const item = byName.get(record.basename);
    if (!item) continue;
    const parsed = isRecord(item.parsed) ? item.parsed : {};
    const failed = item.error !== null && item.error !== undefined && !isRecord(item.parsed);
    const result: RecordResult = {
      file: record.basename,
      request_id: item.request_id ?? null,
      item_status: item.status ?? null,
      exact: true,
      fields: {},
    };
    for (const [field, expected] of Object.entries(record.fields)) {
      const predicted = parsed[field];
      const ok = valuesMatch(field, expected, predicted, amountTolerance);
      const m = (fields[field] ??= { support: 0, correct: 0, predicted: 0, accuracy: null, coverage: null });
      m.support++;
      if (ok) m.correct++;
      if (!isAbsent(predicted)) m.predicted++;
      compared++;
      if (ok) correctTotal++;
      result.fields[field] = ok;
      if (!ok) {
        result.exact = false;
        const kind = fieldKind(field, expected);
        mismatches.push({
          file: record.basename,
          request_id: item.request_id ?? null,
          field,
          reason: failed ? 'item_error' : isAbsent(predicted) ? 'missing' : 'different',
          expected,
          predicted: predicted ?? null,
          expected_normalised: normalisedValue(kind, expected),
          predicted_normalised: normalisedValue(kind, predicted),
        });
      }
    }
    if (result.exact) exact++;
    records.push(result);
  }
  for (const m of Object.values(fields)) {
    m.accuracy = rate(m.correct, m.support);
    m.coverage = rate(m.predicted, m.support);
  }
  const unmatchedGt = gt.filter((r) => !byName.has(r.basename)).map((r) => r.basename);
  const unmatchedRun = [...[...byName.keys()].filter((n) => !gtNames.has(n)), ...unnamed];
  return {
    metrics: {
      gt_records: gt.length,
      run_items: items.length,
      matched: records.length,
      unmatched_gt: unmatchedGt.length,
      unmatched_run: unmatchedRun.length,
      exact_match_rate: rate(exact, records.length),
      field_accuracy: rate(correctTotal, compared),
      fields: Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    },
    records,
    unmatched: { gt: unmatchedGt, run: unmatchedRun },
    mismatches,
    duplicate_items: [...duplicateItems],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Use cases

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
): Promise<{ evalId: string; artifactRel: string; summary: Record<string, unknown> }> {
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
  return { evalId, artifactRel: rel, summary: evalSummary(result.metrics, result.mismatches.length) };
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
  const relPath = safeRelativePath('gt_path', body.gt_path);
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
  return { eval_id: out.evalId, run_id: runId, artifact_rel: out.artifactRel, ...out.summary };
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
