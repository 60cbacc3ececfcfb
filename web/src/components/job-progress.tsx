// A job's live progress: a labelled progress bar, its counts, and Cancel while it can still stop.
import { useState } from 'preact/hooks';
import { api, messageOf } from '../api.ts';
import type { Job } from '../types.ts';
import { Badge } from './badge.tsx';

export const ACTIVE = new Set(['queued', 'running']);

export function JobProgress({ job, onChange }: { job: Job; onChange: (j: Job) => void }) {
  const [error, setError] = useState<string | null>(null);
  const p = job.progress;
  const active = ACTIVE.has(job.status);

  async function cancel() {
    setError(null);
    try {
      onChange(await api<Job>(`/v1/jobs/${encodeURIComponent(job.job_id)}/cancel`, { method: 'POST' }));
    } catch (err) {
      setError(messageOf(err));
    }
  }

  return (
    <div class="job">
      <div class="job-head">
        <Badge label={job.status} /> {job.outcome && job.outcome !== job.status && <Badge label={job.outcome} />}{' '}
        {active && <span class="muted-text">{p.stage}</span>}
      </div>
      <progress max={Math.max(1, p.total)} value={p.done} aria-label={`Progress of job ${job.job_id}`} />
      <p class="counts" aria-live="polite">
        {p.done} of {p.total} done · {p.ok} ok · {p.err} errors
        {p.needs_review !== undefined ? ` · ${p.needs_review} need review` : ''}
        {p.canceled ? ` · ${p.canceled} canceled` : ''}
        {active && p.current ? ` · now: ${p.current}` : ''}
      </p>
      {active && (
        <button type="button" onClick={cancel} disabled={job.cancel_requested} aria-label={`Cancel job ${job.job_id}`}>
          {job.cancel_requested ? 'Cancel requested…' : 'Cancel'}
        </button>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
