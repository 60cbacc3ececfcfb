// The extract artifact, version 2 (docs/artifact-v2.md): every v1 field kept, plus what the model was
// shown (input.original, input.sent[] with preview refs, the pipeline that made them), the token estimate
// next to the model's usage, every model attempt, and the result-quality fields other steps fill in.
import type { ErrorHistoryEntry, ModelFailureKind } from './model-failure.ts';
import type { SchemaIssue } from './task-catalog.ts';
import type { NormalisedDocument, OriginalInput } from '../images/normalise.ts';
import type { TokenUsage } from '../ports.ts';

export type ExtractErrorCode =
  | 'backend_unavailable'
  | 'inference_timeout'
  | 'invalid_model_output'
  | 'context_length_exceeded'
  // Batch items that never reached the model still get an artifact (functions/core/batch/extract-item.ts):
  | 'invalid_input'
  | 'too_many_pages'
  | 'encrypted_document'
  | 'input_missing'
  | 'internal_error';

/** One page as it was sent to the model. */
export interface SentPageRecord {
  /** 1-based, in the order the model saw them. */
  page: number;
  mime_type: string;
  width: number;
  height: number;
  byte_length: number;
  visual_tokens: number;
  sha256: string;
  /** `previews/<day>/<request_id>/page-<n>.jpg`: the very bytes sent; null if it could not be stored. */
  preview_ref: string | null;
}

/** One call to the model (the failed ones are also in error_history, as in v1). */
export interface ModelAttempt {
  attempt: number;
  /** `extract` for the call with the pages; later steps add their own (a text-only repair turn). */
  purpose: 'extract';
  at: string;
  duration_ms: number;
  outcome: 'ok' | ModelFailureKind;
  upstream_status?: number;
  usage: TokenUsage | null;
}

/** An arithmetic or format check of the result (DESIGN §12); filled by the result-quality step. */
export interface ResultCheck {
  id: string;
  ok: boolean;
  expected: unknown;
  actual: unknown;
  tolerance: unknown;
}

/** Where a value sits on a sent page, relative to that page. */
export interface ValueBox {
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ExtractArtifact {
  kind: 'extract';
  artifact_version: 2;
  request_id: string;
  run_id: string | null;
  task_id: string;
  prompt: { id: string; hash: string };
  model: { backend: string; name: string };
  input: {
    // v1 fields: the input as received (width/height of its first page; points for a PDF).
    mime_type: string;
    byte_length: number;
    sha256: string;
    width: number;
    height: number;
    image_base64_len: number | null;
    input_ref: string | null;
    image_ref: string | null;
    file: string | null;
    // v2: what the pipeline made of it.
    original: OriginalInput | null;
    sent: SentPageRecord[];
    pipeline: {
      budget: { max_pixels: number; min_pixels: number; page_max_pixels: number };
      encoding: string;
      decoder: Record<string, string>;
    } | null;
  };
  raw_model_text: string | null;
  parsed: unknown;
  schema_valid: boolean;
  schema_errors: SchemaIssue[];
  error: { code: ExtractErrorCode; message: string } | null;
  error_history: ErrorHistoryEntry[];
  attempts: ModelAttempt[];
  timings_ms: { inference: number; parse: number; total: number; normalise?: number };
  usage: TokenUsage | null;
  /** Our estimate of the request, next to the model's own usage.prompt_tokens. */
  token_estimate: { prompt_tokens: number; max_tokens: number; max_model_len: number } | null;
  /** Filled by the result-quality step; null = not computed. */
  checks: ResultCheck[] | null;
  /** JSON Pointer → 0..1; null = not computed. */
  confidence: Record<string, number> | null;
  /** JSON Pointer → boxes on the sent pages; null = not computed. */
  boxes: Record<string, ValueBox[]> | null;
  needs_review: boolean | null;
  owner_key_id: string;
  created_at: string;
}

/** The artifact's input block for a normalised document (or the bytes alone when decoding failed). */
export function inputRecord(
  doc: NormalisedDocument | undefined,
  source: { mimeType: string; byteLength: number; sha256: string },
  refs: { imageBase64Len?: number; inputRef?: string; imageRef?: string; file?: string },
  previewRefs: ReadonlyArray<string | null> = [],
): ExtractArtifact['input'] {
  return {
    mime_type: doc?.original.mime_type ?? source.mimeType,
    byte_length: source.byteLength,
    sha256: source.sha256,
    width: doc?.original.width ?? 0,
    height: doc?.original.height ?? 0,
    image_base64_len: refs.imageBase64Len ?? null,
    input_ref: refs.inputRef ?? null,
    image_ref: refs.imageRef ?? null,
    file: refs.file ?? null,
    original: doc?.original ?? null,
    sent: (doc?.pages ?? []).map((p, i) => ({
      page: p.page,
      mime_type: p.mimeType,
      width: p.width,
      height: p.height,
      byte_length: p.byteLength,
      visual_tokens: p.visualTokens,
      sha256: p.sha256,
      preview_ref: previewRefs[i] ?? null,
    })),
    pipeline: doc
      ? {
          budget: {
            max_pixels: doc.budget.maxPixels,
            min_pixels: doc.budget.minPixels,
            page_max_pixels: doc.plan.pageBudget.maxPixels,
          },
          encoding: doc.encoding.format === 'jpeg' ? `jpeg q${doc.encoding.quality}` : 'png',
          decoder: doc.decoder,
        }
      : null,
  };
}

/** The fields of a v2 artifact that later steps fill in, as "not computed". */
export const NOT_COMPUTED = { checks: null, confidence: null, boxes: null, needs_review: null } as const;
