// The validation queue: a run's items under one filter, read page by page from the server, so "next" and
// "previous" on an item walk across server pages without loading the whole run.
import { ApiError, api, qs } from './api.ts';
import type { RunItem } from './types.ts';

export interface ItemFilter {
  status?: string;
  needsReview?: boolean;
  limit: number;
}

export interface ItemsPage {
  items: RunItem[];
  next_cursor: string | null;
}

export const DEFAULT_ITEMS_PAGE = 50;

const cache = new Map<string, Promise<ItemsPage>>();

export function filterQuery(f: ItemFilter): Record<string, string | number | undefined> {
  return { status: f.status, needs_review: f.needsReview ? 'true' : undefined, limit: f.limit };
}

/** One server page of items (cached for the life of the tab: a finished run's items do not change). */
export function itemsPage(runId: string, f: ItemFilter, cursor: string | null, fresh = false): Promise<ItemsPage> {
  const key = `${runId}|${f.status ?? ''}|${f.needsReview ? 1 : 0}|${f.limit}|${cursor ?? ''}`;
  let p = fresh ? undefined : cache.get(key);
  if (!p) {
    p = api<ItemsPage>(`/v1/runs/${encodeURIComponent(runId)}/items${qs({ ...filterQuery(f), cursor })}`);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** Whether the server rejected the needs-review filter because it does not know it (an older API). */
export function filterUnsupported(err: unknown): boolean {
  return err instanceof ApiError && err.status === 400 && /needs_review/.test(err.message);
}

export interface Neighbours {
  prev: RunItem | null;
  next: RunItem | null;
  /** 1-based position of the item in the filtered queue, when found. */
  position: number | null;
}

/** The items before and after `requestId` in the filtered queue, crossing page boundaries. */
export async function neighbours(runId: string, f: ItemFilter, requestId: string): Promise<Neighbours> {
  let cursor: string | null = null;
  let before: RunItem | null = null;
  let seen = 0;
  for (let guard = 0; guard < 1000; guard++) {
    const page: ItemsPage = await itemsPage(runId, f, cursor);
    const i = page.items.findIndex((it) => it.request_id === requestId);
    if (i >= 0) {
      const prev = i > 0 ? page.items[i - 1]! : before;
      let next = page.items[i + 1] ?? null;
      if (!next && page.next_cursor) next = (await itemsPage(runId, f, page.next_cursor)).items[0] ?? null;
      return { prev, next, position: seen + i + 1 };
    }
    seen += page.items.length;
    before = page.items[page.items.length - 1] ?? before;
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return { prev: null, next: null, position: null };
}
