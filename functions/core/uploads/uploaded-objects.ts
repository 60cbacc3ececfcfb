// What arrived in the bucket for a session: one ListObjectsV2 page per 1,000 objects over the session's
// prefix (never a HEAD per file), matched against the declared files by name.
import type { ArtifactStore } from '../ports.ts';
import { compareNames } from './names.ts';
import type { UploadFile, UploadSession } from './upload-model.ts';

export interface ArrivedObject {
  size: number;
  lastModified?: string;
}

const LIST_PAGE = 1000;

/**
 * The objects under the session's prefix, by name, optionally only those after `afterName` up to
 * `throughName` (a page of files: the listing is in the same UTF-8 order as the file rows).
 */
export async function listArrived(
  store: Pick<ArtifactStore, 'list'>,
  session: Pick<UploadSession, 'objectPrefix'>,
  range: { afterName?: string; throughName?: string } = {},
): Promise<Map<string, ArrivedObject>> {
  const prefix = session.objectPrefix;
  const arrived = new Map<string, ArrivedObject>();
  let cursor: string | undefined;
  for (;;) {
    const page = await store.list(prefix, {
      limit: LIST_PAGE,
      ...(cursor ? { cursor } : range.afterName !== undefined ? { startAfter: `${prefix}${range.afterName}` } : {}),
    });
    let past = false;
    for (const o of page.objects) {
      const name = o.rel.slice(prefix.length);
      if (range.throughName !== undefined && compareNames(name, range.throughName) > 0) {
        past = true;
        break;
      }
      arrived.set(name, { size: o.size, ...(o.lastModified ? { lastModified: o.lastModified } : {}) });
    }
    if (past || !page.cursor) return arrived;
    cursor = page.cursor;
  }
}

export type ArrivalState =
  | { state: 'uploaded' }
  | { state: 'missing' }
  | { state: 'size_mismatch'; uploadedBytes: number }
  | { state: 'late'; arrivedAt: string };

/** A declared file against what arrived: present, of the declared size, and before the session's end. */
export function arrivalOf(file: UploadFile, object: ArrivedObject | undefined, expiresAt: string): ArrivalState {
  if (!object) return { state: 'missing' };
  if (object.size !== file.sizeBytes) return { state: 'size_mismatch', uploadedBytes: object.size };
  if (object.lastModified !== undefined && Date.parse(object.lastModified) > Date.parse(expiresAt)) {
    return { state: 'late', arrivedAt: object.lastModified };
  }
  return { state: 'uploaded' };
}
