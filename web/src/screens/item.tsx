// One result beside the page the model saw: fields (line items as a table) coloured by confidence, failed
// checks, schema errors, error history, timings; raw model text only for keys with debug:read_raw.
// n/p (or →/←) walk the run's filtered items across server pages: the validation queue.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Badge, ReviewBadge } from '../components/badge.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { Fields } from '../components/fields.tsx';
import { type FieldSignals, failedPointers } from '../field-signals.ts';
import { ImageViewer, boxesOf } from '../components/image-viewer.tsx';
import { cost, ms, value, when } from '../format.ts';
import { type Neighbours, neighbours } from '../queue.ts';
import { enc, href } from '../router.ts';
import type { Me } from '../session.ts';
import type { ExtractArtifact, PagesView } from '../types.ts';
import { filterOf, filterParams } from './run.tsx';

/** Display bands only; whether a result needs review is the server's call (needs_review, review_reasons). */
const CONFIDENCE_LOW = 0.8;

export function ItemScreen({
  runId,
  requestId,
  query,
  me,
}: {
  runId: string | null;
  requestId: string;
  query: URLSearchParams;
  me: Me;
}) {
  const filter = filterOf(query);
  const [artifact, setArtifact] = useState<ExtractArtifact | null>(null);
  const [pages, setPages] = useState<PagesView | null>(null);
  const [pagesError, setPagesError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [near, setNear] = useState<Neighbours | null>(null);
  const [page, setPage] = useState(1);
  const [focus, setFocus] = useState<string | null>(null);

  useEffect(() => {
    setArtifact(null);
    setPages(null);
    setError(null);
    setPagesError(null);
    setPage(1);
    api<ExtractArtifact>(`/v1/extracts/${enc(requestId)}`).then(setArtifact, setError);
    api<PagesView>(`/v1/extracts/${enc(requestId)}/pages`).then(setPages, setPagesError);
  }, [requestId]);

  useEffect(() => {
    if (!runId) return;
    setNear(null);
    neighbours(runId, filter, requestId).then(setNear, () => setNear({ prev: null, next: null, position: null }));
  }, [runId, requestId, JSON.stringify(filter)]);

  const itemHref = (id: string) => href(`/runs/${enc(runId!)}/items/${enc(id)}`, filterParams(filter));

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.closest('.viewer-stage')))
        return;
      if (e.altKey || e.ctrlKey || e.metaKey || !runId || !near) return;
      if ((e.key === 'n' || e.key === 'ArrowRight') && near.next) location.hash = itemHref(near.next.request_id);
      else if ((e.key === 'p' || e.key === 'ArrowLeft') && near.prev) location.hash = itemHref(near.prev.request_id);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });

  const a = artifact;
  const canReadRaw = me.scopes.includes('debug:read_raw');
  const shown = pages?.pages.filter((p) => p.url) ?? [];
  const current = shown.find((p) => p.page === page) ?? shown[0];
  const failed = failedPointers(a?.checks);
  const signals: FieldSignals = {
    confidence: a?.confidence,
    failed,
    review: new Set((a?.review_reasons ?? []).map((r) => r.path).filter((p): p is string => typeof p === 'string')),
    threshold: CONFIDENCE_LOW,
  };
  const itemCost = cost(a?.cost);

  return (
    <section aria-labelledby="item-title">
      <nav class="queue" aria-label="Validation queue">
        {runId ? <a href={href(`/runs/${enc(runId)}`, filterParams(filter))}>← Run {runId}</a> : <a href="#/runs">← Runs</a>}
        {runId && (
          <>
            {near?.prev ? (
              <a class="button" href={itemHref(near.prev.request_id)} rel="prev">
                Previous item
              </a>
            ) : (
              <button type="button" disabled>
                Previous item
              </button>
            )}
            <span>{near?.position ? `Item ${near.position} of this list` : ''}</span>
            {near?.next ? (
              <a class="button" href={itemHref(near.next.request_id)} rel="next">
                Next item
              </a>
            ) : (
              <button type="button" disabled>
                Next item
              </button>
            )}
          </>
        )}
      </nav>
      <h1 id="item-title">Item {requestId}</h1>
      <ErrorBox error={error} />
      <div class="item-layout">
        <div class="item-image" aria-label="Input">
          <h2>Input</h2>
          {pages === null && !pagesError && <p role="status">Loading the page…</p>}
          {pagesError ? <ErrorBox error={pagesError} /> : null}
          {pages !== null && shown.length === 0 && (
            <p class="notice" role="status">
              Input not kept: no page preview was stored for this request.
            </p>
          )}
          {current && (
            <>
              {shown.length > 1 && (
                <div class="page-tabs" role="group" aria-label="Pages">
                  {shown.map((p) => (
                    <button type="button" key={p.page} aria-pressed={p.page === current.page} onClick={() => setPage(p.page)}>
                      Page {p.page}
                    </button>
                  ))}
                </div>
              )}
              <ImageViewer
                src={current.url!}
                alt={`Page ${current.page} of the input as the model saw it (${current.width}×${current.height})`}
                boxes={boxesOf(a?.boxes as Record<string, unknown> | null, current.page)}
                highlight={focus}
              />
            </>
          )}
        </div>
        <div class="item-fields">
          <h2>Fields</h2>
          {!a && !error && <p role="status">Loading the result…</p>}
          {a && (
            <>
              <p class="badges">
                <Badge label={a.error ? 'error' : 'ok'} /> <ReviewBadge needsReview={a.needs_review} />{' '}
                {a.schema_valid === false && <Badge label="error" title="schema invalid" />}
                {a.schema_valid === false && ' schema invalid'}
              </p>
              {a.confidence && (
                <p class="legend">
                  Confidence: <span class="conf-low">low (&lt; {CONFIDENCE_LOW * 100} %)</span>{' '}
                  <span class="conf-mid">medium</span> <span class="conf-high">high</span>
                </p>
              )}
              {a.confidence === null && <p class="hint">No per-field confidence from this backend.</p>}
              {a.parsed ? <Fields parsed={a.parsed} signals={signals} onFocus={setFocus} /> : <p>No fields were read.</p>}
              {a.review_reasons && a.review_reasons.length > 0 && (
                <section aria-labelledby="reasons-title">
                  <h3 id="reasons-title">Why it needs review</h3>
                  <ul>
                    {a.review_reasons.map((r, i) => (
                      <li key={i}>
                        {r.code.replace(/_/g, ' ')}
                        {r.path ? ` (${r.path})` : ''}
                      </li>
                    ))}
                  </ul>
                </section>
              )}
              {a.checks && a.checks.length > 0 && (
                <section aria-labelledby="checks-title">
                  <h3 id="checks-title">Checks</h3>
                  <table class="checks" aria-labelledby="checks-title">
                    <thead>
                      <tr>
                        <th scope="col">Check</th>
                        <th scope="col">Result</th>
                        <th scope="col">Expected</th>
                        <th scope="col">Actual</th>
                        <th scope="col">Fields</th>
                      </tr>
                    </thead>
                    <tbody>
                      {a.checks.map((c, i) => (
                        <tr key={i} class={c.ok === false ? 'failed' : undefined}>
                          <th scope="row">
                            {c.id}
                            {c.rule ? ` (${c.rule})` : ''}
                          </th>
                          <td>{c.ok === true ? 'passed' : c.ok === false ? 'FAILED' : 'could not run'}</td>
                          <td>{value(c.expected)}</td>
                          <td>{value(c.actual)}</td>
                          <td>{(c.fields ?? []).join(', ')}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </section>
              )}
              {a.schema_errors && a.schema_errors.length > 0 && (
                <section aria-labelledby="schema-title">
                  <h3 id="schema-title">Schema errors</h3>
                  <ul class="errors">
                    {a.schema_errors.map((e, i) => (
                      <li key={i}>
                        {typeof e === 'string' ? e : `${e.path ?? e.instancePath ?? ''} ${e.message ?? JSON.stringify(e)}`}
                      </li>
                    ))}
                  </ul>
                </section>
              )}
              {a.error && (
                <section aria-labelledby="error-title">
                  <h3 id="error-title">Error</h3>
                  <p class="error">
                    {a.error.code}: {a.error.message}
                  </p>
                </section>
              )}
              {a.error_history && a.error_history.length > 0 && (
                <section aria-labelledby="history-title">
                  <h3 id="history-title">Error history</h3>
                  <ol>
                    {a.error_history.map((h, i) => (
                      <li key={i}>
                        {value((h as Record<string, unknown>).code)}: {value((h as Record<string, unknown>).message)}
                      </li>
                    ))}
                  </ol>
                </section>
              )}
              <section aria-labelledby="timings-title">
                <h3 id="timings-title">Timings</h3>
                <dl class="summary">
                  {Object.entries(a.timings_ms ?? {}).map(([k, v]) => (
                    <div key={k}>
                      <dt>{k.replace(/_/g, ' ')}</dt>
                      <dd>{ms(v)}</dd>
                    </div>
                  ))}
                  {itemCost && (
                    <div>
                      <dt>Cost</dt>
                      <dd>{itemCost}</dd>
                    </div>
                  )}
                  <div>
                    <dt>Task</dt>
                    <dd>{a.task_id ?? '—'}</dd>
                  </div>
                  <div>
                    <dt>Created</dt>
                    <dd>{when(a.created_at)}</dd>
                  </div>
                  {a.attempts && (
                    <div>
                      <dt>Model calls</dt>
                      <dd>{a.attempts.length}</dd>
                    </div>
                  )}
                </dl>
              </section>
              {canReadRaw && typeof a.raw_model_text === 'string' && (
                <details>
                  <summary>Raw model text (debug:read_raw)</summary>
                  <pre class="raw">{a.raw_model_text}</pre>
                </details>
              )}
            </>
          )}
        </div>
      </div>
    </section>
  );
}
