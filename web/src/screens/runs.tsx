// Runs, newest first by default: the index rows only (outcome, counts, task, cost), cursor paging.
import { useEffect, useState } from 'preact/hooks';
import { api, qs } from '../api.ts';
import { Badge } from '../components/badge.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { cost, when } from '../format.ts';
import { enc } from '../router.ts';
import type { RunRow } from '../types.ts';

const PAGE_SIZE = 20;

export function RunsScreen({ query }: { query: URLSearchParams }) {
  const [sort, setSort] = useState<'desc' | 'asc'>(query.get('sort') === 'asc' ? 'asc' : 'desc');
  // Cursors of the pages before this one, so "Previous" works with a forward-only cursor.
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [rows, setRows] = useState<RunRow[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const cursor = cursors[cursors.length - 1] ?? null;

  useEffect(() => {
    let live = true;
    setError(null);
    api<{ runs: RunRow[]; next_cursor: string | null }>(`/v1/runs${qs({ limit: PAGE_SIZE, sort, cursor })}`)
      .then((page) => {
        if (!live) return;
        setRows(page.runs);
        setNext(page.next_cursor);
      })
      .catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [sort, cursor]);

  return (
    <section aria-labelledby="runs-title">
      <div class="title-row">
        <h1 id="runs-title">Runs</h1>
        <label>
          Sort by created{' '}
          <select
            value={sort}
            onChange={(e) => {
              setSort((e.target as HTMLSelectElement).value as 'asc' | 'desc');
              setCursors([null]);
            }}
          >
            <option value="desc">newest first</option>
            <option value="asc">oldest first</option>
          </select>
        </label>
        <a class="button" href="#/upload">
          New upload
        </a>
      </div>
      <ErrorBox error={error} />
      {rows === null && !error && <p role="status">Loading runs…</p>}
      {rows !== null && rows.length === 0 && <p role="status">No runs yet. Upload some receipts to start one.</p>}
      {rows !== null && rows.length > 0 && (
        <div class="table-wrap">
          <table aria-label="Runs">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Task</th>
                <th scope="col">Status</th>
                <th scope="col">Outcome</th>
                <th scope="col">Items</th>
                <th scope="col">OK</th>
                <th scope="col">Errors</th>
                <th scope="col">Needs review</th>
                <th scope="col">Cost</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const review = r.counts?.needs_review ?? (typeof r.needs_review === 'number' ? r.needs_review : undefined);
                return (
                  <tr key={r.run_id}>
                    <th scope="row">
                      <a href={`#/runs/${enc(r.run_id)}`}>{r.run_id}</a>
                    </th>
                    <td>{r.task_id ?? '—'}</td>
                    <td>
                      <Badge label={r.status} />
                    </td>
                    <td>
                      <Badge label={r.outcome ?? null} />
                    </td>
                    <td class="num">{r.counts?.total ?? '—'}</td>
                    <td class="num">{r.counts?.ok ?? '—'}</td>
                    <td class="num">{r.counts?.err ?? '—'}</td>
                    <td class="num">{review ?? '—'}</td>
                    <td class="num">{cost(r.cost ?? r.cost_total) ?? '—'}</td>
                    <td>{when(r.created_at)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Runs pages">
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
