// A run: summary, evaluation and cost when present, and its items with status and needs-review filters,
// paged on the server; ↑/↓ (or j/k) move through the rows, Enter opens one.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Badge, ReviewBadge } from '../components/badge.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { cost, ms, pct, value, when } from '../format.ts';
import { DEFAULT_ITEMS_PAGE, type ItemFilter, filterUnsupported, itemsPage } from '../queue.ts';
import { enc, go, href } from '../router.ts';
import type { RunItem } from '../types.ts';

interface BatchArtifact {
  run_id: string;
  task_id?: string;
  status?: string;
  outcome?: string | null;
  created_at?: string;
  finished_at?: string | null;
  summary?: {
    total: number;
    ok: number;
    err: number;
    canceled?: number;
    needs_review?: number;
    schema_valid?: number;
    timings_ms?: Record<string, number | null> | null;
    [k: string]: unknown;
  };
  eval?: Record<string, unknown> | null;
  cost?: unknown;
  error?: { code?: string; message?: string } | null;
}

/** The filter as the URL keeps it, so a reviewer's place survives reloads and links. */
export function filterOf(query: URLSearchParams): ItemFilter {
  const limit = Number(query.get('limit'));
  return {
    ...(query.get('status') ? { status: query.get('status')! } : {}),
    ...(query.get('needs_review') === 'true' ? { needsReview: true } : {}),
    limit: Number.isInteger(limit) && limit > 0 && limit <= 500 ? limit : DEFAULT_ITEMS_PAGE,
  };
}

export function filterParams(f: ItemFilter): Record<string, string | undefined> {
  return {
    status: f.status,
    needs_review: f.needsReview ? 'true' : undefined,
    limit: f.limit !== DEFAULT_ITEMS_PAGE ? String(f.limit) : undefined,
  };
}

export function RunScreen({ runId, query }: { runId: string; query: URLSearchParams }) {
  const filter = filterOf(query);
  const [run, setRun] = useState<BatchArtifact | null>(null);
  const [runError, setRunError] = useState<unknown>(null);
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [items, setItems] = useState<RunItem[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [itemsError, setItemsError] = useState<unknown>(null);
  const [active, setActive] = useState(0);
  const tableRef = useRef<HTMLTableElement>(null);
  const cursor = cursors[cursors.length - 1] ?? null;
  const filterKey = JSON.stringify(filter);

  useEffect(() => {
    api<BatchArtifact>(`/v1/runs/${enc(runId)}`).then(setRun, setRunError);
  }, [runId]);

  useEffect(() => setCursors([null]), [filterKey]);

  useEffect(() => {
    let live = true;
    setItems(null);
    setItemsError(null);
    itemsPage(runId, filter, cursor, true).then(
      (page) => {
        if (!live) return;
        setItems(page.items);
        setNext(page.next_cursor);
        setActive(0);
      },
      (err) => live && setItemsError(err),
    );
    return () => {
      live = false;
    };
  }, [runId, filterKey, cursor]);

  function setFilter(change: Partial<ItemFilter>) {
    const f = { ...filter, ...change };
    go(`/runs/${enc(runId)}`, filterParams(f));
  }

  function openItem(item: RunItem) {
    go(`/runs/${enc(runId)}/items/${enc(item.request_id)}`, filterParams(filter));
  }

  function onKey(e: KeyboardEvent) {
    if (!items || items.length === 0) return;
    if (e.key === 'ArrowDown' || e.key === 'j') {
      e.preventDefault();
      setActive((a) => Math.min(items.length - 1, a + 1));
    } else if (e.key === 'ArrowUp' || e.key === 'k') {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      openItem(items[active]!);
    }
  }

  useEffect(() => {
    tableRef.current?.querySelector<HTMLElement>(`tr[data-index="${active}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const s = run?.summary;
  const runCost = cost(run?.cost);
  return (
    <section aria-labelledby="run-title">
      <p>
        <a href="#/runs">← All runs</a>
      </p>
      <h1 id="run-title">Run {runId}</h1>
      <ErrorBox error={runError} />
      {run && (
        <dl class="summary" aria-label="Run summary">
          <div>
            <dt>Status</dt>
            <dd>
              <Badge label={run.status} />
            </dd>
          </div>
          <div>
            <dt>Outcome</dt>
            <dd>
              <Badge label={run.outcome ?? null} />
            </dd>
          </div>
          <div>
            <dt>Task</dt>
            <dd>{run.task_id ?? '—'}</dd>
          </div>
          <div>
            <dt>Items</dt>
            <dd>{s?.total ?? '—'}</dd>
          </div>
          <div>
            <dt>OK</dt>
            <dd>{s?.ok ?? '—'}</dd>
          </div>
          <div>
            <dt>Errors</dt>
            <dd>{s?.err ?? '—'}</dd>
          </div>
          {s?.needs_review !== undefined && (
            <div>
              <dt>Needs review</dt>
              <dd>{s.needs_review}</dd>
            </div>
          )}
          {s?.schema_valid !== undefined && (
            <div>
              <dt>Schema valid</dt>
              <dd>{s.schema_valid}</dd>
            </div>
          )}
          {runCost && (
            <div>
              <dt>Cost</dt>
              <dd>{runCost}</dd>
            </div>
          )}
          <div>
            <dt>Created</dt>
            <dd>{when(run.created_at)}</dd>
          </div>
          <div>
            <dt>Finished</dt>
            <dd>{when(run.finished_at)}</dd>
          </div>
        </dl>
      )}
      {run?.eval && <EvalSummary evaluation={run.eval} />}

      <h2 id="items-title">Items</h2>
      <div class="filters" role="group" aria-label="Item filters">
        <label>
          Status{' '}
          <select
            value={filter.status ?? ''}
            onChange={(e) => setFilter({ status: (e.target as HTMLSelectElement).value || undefined })}
          >
            <option value="">all</option>
            <option value="ok">ok</option>
            <option value="error">error</option>
            <option value="canceled">canceled</option>
            <option value="pending">pending</option>
          </select>
        </label>
        <label>
          <input
            type="checkbox"
            checked={filter.needsReview === true}
            onChange={(e) => setFilter({ needsReview: (e.target as HTMLInputElement).checked || undefined })}
          />{' '}
          Only items that need review
        </label>
      </div>
      <p class="hint" id="items-keys">
        Keys: ↑/↓ or j/k move, Enter opens. On an item, n/p (or →/←) go to the next/previous item of this list.
      </p>
      {itemsError && filterUnsupported(itemsError) ? (
        <p class="notice" role="status">
          This server cannot filter by needs review yet. Clear the filter to see the items.
        </p>
      ) : (
        <ErrorBox error={itemsError} />
      )}
      {items === null && !itemsError && <p role="status">Loading items…</p>}
      {items !== null && items.length === 0 && (
        <p role="status">{filter.needsReview ? 'No item of this run needs review.' : 'No items match this filter.'}</p>
      )}
      {items !== null && items.length > 0 && (
        <div class="table-wrap">
          <table
            ref={tableRef}
            aria-labelledby="items-title"
            aria-describedby="items-keys"
            tabIndex={0}
            onKeyDown={onKey}
            class="items"
          >
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">File</th>
                <th scope="col">Status</th>
                <th scope="col">Review</th>
                <th scope="col">Schema</th>
                <th scope="col">Error</th>
                <th scope="col">Total time</th>
              </tr>
            </thead>
            <tbody>
              {items.map((it, i) => (
                <tr
                  key={it.request_id}
                  data-index={i}
                  class={i === active ? 'active' : undefined}
                  aria-selected={i === active}
                  onClick={() => setActive(i)}
                >
                  <td class="num">{it.seq}</td>
                  <th scope="row">
                    <a href={href(`/runs/${enc(runId)}/items/${enc(it.request_id)}`, filterParams(filter))}>
                      {it.file ?? it.image ?? it.request_id}
                    </a>
                  </th>
                  <td>
                    <Badge label={it.status} />
                  </td>
                  <td>
                    <ReviewBadge needsReview={it.needs_review} />
                  </td>
                  <td>
                    {it.schema_valid === undefined
                      ? '—'
                      : it.schema_valid
                        ? 'valid'
                        : `invalid (${it.schema_errors?.length ?? 0})`}
                  </td>
                  <td>{it.error ? `${it.error.code}: ${it.error.message}` : '—'}</td>
                  <td class="num">{ms(it.timings_ms?.total ?? null)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Items pages">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <span>Page {cursors.length}</span>
        <button type="button" disabled={!next} onClick={() => next && setCursors([...cursors, next])}>
          Next page
        </button>
      </nav>
    </section>
  );
}

function EvalSummary({ evaluation }: { evaluation: Record<string, unknown> }) {
  const rows = Object.entries(evaluation).filter(([, v]) => v === null || typeof v !== 'object');
  return (
    <section aria-labelledby="eval-title">
      <h2 id="eval-title">Evaluation</h2>
      <dl class="summary">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k.replace(/_/g, ' ')}</dt>
            <dd>{typeof v === 'number' && /rate|accuracy/.test(k) ? pct(v) : value(v)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
