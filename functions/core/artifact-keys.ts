// The R2 key layout of DESIGN.md §5. `artifact_rel` is the key without S3_PREFIX.
import { ValidationError } from './errors.ts';

/** Ids that become part of an object key: no slashes, no "..", bounded length. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id) && !id.includes('..');
}

export function assertId(field: string, id: string): void {
  if (!isValidId(id)) {
    throw new ValidationError(`${field} must be 1-128 characters of letters, digits, "_", ".", ":" or "-"`, {
      [field]: id,
    });
  }
}

/** UTC calendar day, the folder level of every artifact. */
export function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export const extractRel = (day: string, requestId: string): string => `extracts/${day}/${requestId}.json`;
export const batchRel = (day: string, runId: string): string => `batches/${day}/${runId}.json`;
export const evalRel = (day: string, evalId: string): string => `evals/${day}/${evalId}.json`;
/** A page as the model saw it (kept like artifacts; `GET /v1/extracts/{request_id}/pages` links to them). */
export const previewRel = (day: string, requestId: string, page: number, mimeType: string): string =>
  `previews/${day}/${requestId}/page-${page}.${mimeType === 'image/png' ? 'png' : 'jpg'}`;
export const inputsPrefixRel = (day: string, runId: string): string => `inputs/${day}/${runId}/`;
/** Uploads wait here for their job and are deleted when it ends; a 1-day R2 lifecycle rule is the backstop. */
export const STAGING_PREFIX = 'staging/';
export const stagingPrefixRel = (id: string): string => `${STAGING_PREFIX}${id}/`;
/** Debug backup archives; a 1-day R2 lifecycle rule removes them. */
export const EXPORTS_PREFIX = 'exports/';

/** Full object key inside the bucket. */
export function fullKey(prefix: string, rel: string): string {
  return prefix ? `${prefix}/${rel}` : rel;
}

const REL_PATTERN = /^(extracts|batches|evals)\/\d{4}-\d{2}-\d{2}\/[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}\.json$/;

/** True for a well-formed artifact ref (no traversal, inside the layout). */
export function isArtifactRel(rel: string): boolean {
  return REL_PATTERN.test(rel) && !rel.includes('..');
}

const REL_PARTS = /^(extracts|batches|evals)\/(\d{4}-\d{2}-\d{2})\/(.+)\.json$/;
const KIND_OF_FOLDER = { extracts: 'extract', batches: 'batch', evals: 'eval' } as const;
export const FOLDER_OF_KIND = { extract: 'extracts', batch: 'batches', eval: 'evals' } as const;

/** The kind, day and id an artifact ref names; undefined for anything outside the layout. */
export function parseArtifactRel(rel: string): { kind: 'extract' | 'batch' | 'eval'; day: string; id: string } | undefined {
  if (!isArtifactRel(rel)) return undefined;
  const m = REL_PARTS.exec(rel);
  if (!m || !isValidId(m[3]!)) return undefined;
  return { kind: KIND_OF_FOLDER[m[1] as keyof typeof KIND_OF_FOLDER], day: m[2]!, id: m[3]! };
}
