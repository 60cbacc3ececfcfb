// Ground truth read and compared with a run's items (pure): GT records matched to run items by file
// basename, every GT field compared after normalisation, metrics per field and overall.
import { ValidationError } from '../errors.ts';
import { dict, ownValue, withoutUnsafeKeys } from '../safe-keys.ts';
import { fieldKind, isAbsent, normalisedValue, valuesMatch } from './normalise.ts';

/** Keys a run item (or a GT record) may carry its image name under (seed §8.8). */
export const ITEM_NAME_KEYS = ['file', 'image', 'image_file'] as const;

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
export function parseGroundTruth(input: unknown, imageKey: string): ParsedGroundTruth {
  // Field names are the client's: "__proto__", "constructor" and "prototype" are dropped here.
  const doc = withoutUnsafeKeys(input);
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
    const fields = dict<unknown>();
    if (isRecord(r.fields)) Object.assign(fields, r.fields);
    else for (const [k, v] of Object.entries(r)) if (!nameKeys.has(k)) fields[k] = v;
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
  const fields = dict<FieldMetrics>();
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
      fields: dict<boolean>(),
    };
    for (const [field, expected] of Object.entries(record.fields)) {
      const predicted = ownValue(parsed, field);
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
