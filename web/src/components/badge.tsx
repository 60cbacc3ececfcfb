// Status and outcome badges: text always says the state (colour is never the only signal).
const TONE: Record<string, string> = {
  ok: 'good',
  succeeded: 'good',
  error: 'bad',
  failed: 'bad',
  partial: 'warn',
  canceled: 'muted',
  pending: 'muted',
  queued: 'muted',
  running: 'info',
  'needs review': 'warn',
};

export function Badge({ label, title }: { label: string | null | undefined; title?: string }) {
  if (!label) return <span class="badge muted">—</span>;
  return (
    <span class={`badge ${TONE[label] ?? 'muted'}`} title={title}>
      {label}
    </span>
  );
}

export function ReviewBadge({ needsReview }: { needsReview: boolean | null | undefined }) {
  if (needsReview === true) return <Badge label="needs review" />;
  if (needsReview === false) return <span class="badge subtle">no review</span>;
  return null;
}
