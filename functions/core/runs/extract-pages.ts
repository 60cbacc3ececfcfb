// GET /v1/extracts/{request_id}/pages: short-lived links to the pages the model saw (previews written by
// the extract use case), so a reviewer's browser can show HEIC, PDF and TIFF inputs as the model got them.
import type { Principal } from '../auth/api-keys.ts';
import type { SentPageRecord } from '../extract/extract-artifact.ts';
import { type ReadDeps, ownedEntry, readEntry } from './artifact-read.ts';

/** Links to previews live at most this long (or S3_PRESIGN_TTL_S when that is shorter). */
export const PAGE_LINK_TTL_S = 300;

export interface ExtractPagesView {
  request_id: string;
  expires_in_s: number;
  pages: Array<{
    page: number;
    mime_type: string;
    width: number;
    height: number;
    visual_tokens: number;
    /** null when the preview could not be stored. */
    url: string | null;
  }>;
}

/**
 * 1. the index row (kind extract) — 404 when absent or another owner's, as for the artifact itself
 * 2. the artifact's `input.sent` (v1 artifacts have none: an empty list)
 * 3. a presigned GET per stored preview, valid min(S3_PRESIGN_TTL_S, 300 s)
 */
export async function getExtractPages(deps: ReadDeps, principal: Principal, requestId: string): Promise<ExtractPagesView> {
  const entry = await ownedEntry(deps, principal, 'extract', requestId);
  const artifact = await readEntry<{ input?: { sent?: SentPageRecord[] } }>(deps, entry);
  const ttlS = Math.min(deps.settings.presignTtlS, PAGE_LINK_TTL_S);
  const sent = artifact.input?.sent ?? [];
  const pages = await Promise.all(
    sent.map(async (p) => ({
      page: p.page,
      mime_type: p.mime_type,
      width: p.width,
      height: p.height,
      visual_tokens: p.visual_tokens,
      // No filename: without Content-Disposition: attachment a browser shows the image inline.
      url: p.preview_ref ? await deps.links.presignGet(p.preview_ref, { ttlS }) : null,
    })),
  );
  return { request_id: requestId, expires_in_s: ttlS, pages };
}
