// How a model call fails, as the core records it: the kind of failure (it decides the retries) and the
// entry each failed attempt leaves in an artifact's error_history. A leaf: the ports, the extract use case
// and the job model all use these types.

/** Why a model call failed; `retryable` drives the core's backoff and the ASL Retry. */
export type ModelFailureKind = 'unavailable' | 'throttled' | 'timeout' | 'rejected' | 'context_length';

export interface ErrorHistoryEntry {
  attempt: number;
  at: string;
  kind: ModelFailureKind;
  message: string;
  upstream_status?: number;
  duration_ms: number;
}
