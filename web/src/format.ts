// Small display helpers shared by the screens.
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
}

export function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)} %`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A cost total, whatever shape the cost issue gives it: a number (USD), or {usd|total|amount, currency}. */
export function cost(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return `$${v.toFixed(4)}`;
  if (typeof v === 'string') return v;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const amount = o.usd ?? o.total_usd ?? o.total ?? o.amount;
    const currency = typeof o.currency === 'string' ? o.currency : 'USD';
    if (typeof amount === 'number') return `${amount.toFixed(4)} ${currency}`;
    if (typeof amount === 'string') return `${amount} ${currency}`;
  }
  return JSON.stringify(v);
}

/** Any scalar value as shown in a field table. */
export function value(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
