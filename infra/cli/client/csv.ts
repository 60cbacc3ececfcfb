// `runs export --format csv`: one row per item; the item's columns, then every top-level field of the
// parsed result as a column (union over the run, first-seen order); arrays and objects (line items) as a
// JSON cell. Quoting per RFC 4180: a cell with a comma, quote, CR or LF is quoted, quotes doubled.
const ITEM_COLUMNS = ['seq', 'file', 'request_id', 'status', 'schema_valid', 'error_code', 'error_message'] as const;

export interface ExportItem {
  seq?: number;
  file?: string | null;
  request_id?: string;
  status?: string;
  schema_valid?: boolean;
  error?: { code?: string; message?: string } | null;
  parsed?: Record<string, unknown> | null;
  needs_review?: boolean;
}

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function itemsToCsv(items: ExportItem[]): string {
  const fields: string[] = [];
  for (const item of items) for (const key of Object.keys(item.parsed ?? {})) if (!fields.includes(key)) fields.push(key);
  const withReview = items.some((i) => i.needs_review !== undefined);
  const header = [...ITEM_COLUMNS, ...(withReview ? ['needs_review'] : []), ...fields];
  const rows = items.map((i) => [
    i.seq,
    i.file,
    i.request_id,
    i.status,
    i.schema_valid,
    i.error?.code,
    i.error?.message,
    ...(withReview ? [i.needs_review] : []),
    ...fields.map((f) => i.parsed?.[f]),
  ]);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
