// The API shapes the UI reads (schemas/api/responses); fields other issues are adding are optional.
export interface Counts {
  total?: number;
  ok?: number;
  err?: number;
  canceled?: number;
  needs_review?: number;
  [k: string]: number | undefined;
}

export interface RunRow {
  run_id: string;
  task_id?: string;
  status: string;
  created_at: string;
  outcome?: string | null;
  counts?: Counts | null;
  needs_review?: number | boolean | null;
  cost?: unknown;
  cost_total?: unknown;
}

export interface RunItem {
  seq: number;
  file?: string | null;
  image?: string | null;
  request_id: string;
  status: string;
  parsed?: Record<string, unknown> | null;
  schema_valid?: boolean;
  schema_errors?: unknown[];
  error?: { code: string; message: string } | null;
  needs_review?: boolean | null;
  review_reasons?: Array<{ code: string; path?: string }> | null;
  timings_ms?: Record<string, number | null> | null;
  finished_at?: string | null;
}

export interface Page<T> {
  next_cursor: string | null;
  items?: T[];
}

export interface Job {
  job_id: string;
  kind: string;
  status: string;
  progress: {
    stage: string;
    total: number;
    done: number;
    ok: number;
    err: number;
    current?: string | null;
    canceled?: number;
    needs_review?: number;
  };
  cancel_requested: boolean;
  task_id: string;
  run_id: string | null;
  created_at: string;
  finished_at?: string | null;
  outcome?: string | null;
  error?: unknown;
}

export interface Check {
  id: string;
  ok: boolean | null;
  rule?: string;
  expected?: unknown;
  actual?: unknown;
  tolerance?: unknown;
  fields?: string[];
  reason?: string;
  skipped?: boolean;
}

export interface ExtractArtifact {
  request_id: string;
  task_id?: string;
  run_id?: string | null;
  created_at?: string;
  parsed: Record<string, unknown> | null;
  schema_valid?: boolean;
  schema_errors?: Array<{ path?: string; instancePath?: string; message?: string } | string>;
  error?: { code: string; message: string; details?: unknown } | null;
  error_history?: Array<{ code?: string; message?: string; at?: string; attempt?: number } | Record<string, unknown>>;
  timings_ms?: Record<string, number | null> | null;
  raw_model_text?: string | null;
  checks?: Check[] | null;
  confidence?: Record<string, number> | null;
  needs_review?: boolean | null;
  review_reasons?: Array<{ code: string; path?: string }> | null;
  boxes?: Record<string, unknown> | null;
  model?: Record<string, unknown> | null;
  usage?: Record<string, unknown> | null;
  cost?: unknown;
  attempts?: Array<Record<string, unknown>>;
}

export interface PagesView {
  request_id: string;
  expires_in_s: number;
  pages: Array<{ page: number; mime_type: string; width: number; height: number; url: string | null }>;
}
