// The fields read from a document: scalars as a list, line items as a table; each value coloured by the
// model's confidence and marked when a failed check names it (JSON Pointers, DESIGN §17).
import { value } from '../format.ts';
import { type FieldSignals, confidenceClass } from '../field-signals.ts';

function escapePointer(k: string): string {
  return k.replace(/~/g, '~0').replace(/\//g, '~1');
}

function Value({
  pointer,
  v,
  signals,
  onFocus,
}: {
  pointer: string;
  v: unknown;
  signals: FieldSignals;
  onFocus: (p: string | null) => void;
}) {
  const c = signals.confidence?.[pointer];
  const failed = signals.failed.has(pointer);
  const flagged = signals.review.has(pointer);
  const cls = [confidenceClass(c, signals.threshold), failed ? 'failed' : '', flagged ? 'flagged' : ''].filter(Boolean).join(' ');
  return (
    <td class={cls} data-pointer={pointer} onMouseEnter={() => onFocus(pointer)} onMouseLeave={() => onFocus(null)}>
      <span>{value(v)}</span>
      {c !== undefined && <span class="conf">{` ${Math.round(c * 100)} %`}</span>}
      {failed && <span class="tag"> failed check</span>}
      {flagged && !failed && <span class="tag"> review</span>}
    </td>
  );
}

export function Fields({
  parsed,
  signals,
  onFocus,
}: {
  parsed: Record<string, unknown>;
  signals: FieldSignals;
  onFocus: (p: string | null) => void;
}) {
  const entries = Object.entries(parsed);
  const scalars = entries.filter(([, v]) => !Array.isArray(v));
  const lists = entries.filter(([, v]) => Array.isArray(v)) as Array<[string, unknown[]]>;
  return (
    <>
      <table class="fields" aria-label="Fields">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {scalars.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <Value pointer={`/${escapePointer(k)}`} v={v} signals={signals} onFocus={onFocus} />
            </tr>
          ))}
        </tbody>
      </table>
      {lists.map(([k, rows]) => {
        const cols = [...new Set(rows.flatMap((r) => (r && typeof r === 'object' ? Object.keys(r as object) : ['value'])))];
        return (
          <div class="table-wrap" key={k}>
            <table class="fields lines" aria-label={k.replace(/_/g, ' ')}>
              <caption>{k.replace(/_/g, ' ')}</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  {cols.map((c) => (
                    <th scope="col" key={c}>
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={i}>
                    <th scope="row">{i + 1}</th>
                    {cols.map((c) => {
                      const v = r && typeof r === 'object' ? (r as Record<string, unknown>)[c] : r;
                      const pointer =
                        r && typeof r === 'object'
                          ? `/${escapePointer(k)}/${i}/${escapePointer(c)}`
                          : `/${escapePointer(k)}/${i}`;
                      return <Value key={c} pointer={pointer} v={v} signals={signals} onFocus={onFocus} />;
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </>
  );
}
