// Which fields to colour (confidence) and mark (failed checks), by JSON Pointer; no DOM needed.
import type { Check } from './types.ts';

export interface FieldSignals {
  confidence: Record<string, number> | null | undefined;
  failed: Set<string>;
  review: Set<string>;
  threshold: number;
}

/** Low / medium / high by confidence; no class when the backend gave no confidence. */
export function confidenceClass(c: number | undefined, threshold: number): string {
  if (c === undefined) return '';
  if (c < threshold) return 'conf-low';
  if (c < (1 + threshold) / 2) return 'conf-mid';
  return 'conf-high';
}

export function failedPointers(checks: Check[] | null | undefined): Set<string> {
  const s = new Set<string>();
  for (const c of checks ?? []) if (c.ok === false) for (const f of c.fields ?? []) s.add(f);
  return s;
}
