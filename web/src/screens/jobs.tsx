// Jobs, newest first, with live progress while any is queued or running, and Cancel.
import { useState } from 'preact/hooks';
import { api, messageOf, qs } from '../api.ts';
import { ACTIVE, JobProgress } from '../components/job-progress.tsx';
import { when } from '../format.ts';
import { usePoll } from '../poll.ts';
import { enc } from '../router.ts';
import type { Job } from '../types.ts';

export function JobsScreen() {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Polling stops once nothing moves; Refresh looks again (e.g. for a job started elsewhere).
  const [round, setRound] = useState(0);

  usePoll(
    async () => {
      const page = await api<{ jobs: Job[] }>(`/v1/jobs${qs({ limit: 20 })}`);
      setJobs(page.jobs);
      setError(null);
      // Keep polling while something moves; a finished list needs no refresh.
      return !page.jobs.some((j) => ACTIVE.has(j.status));
    },
    (err) => setError(messageOf(err)),
    [round],
  );

  const replace = (j: Job) => setJobs((list) => list?.map((x) => (x.job_id === j.job_id ? j : x)) ?? null);
  return (
    <section aria-labelledby="jobs-title">
      <div class="title-row">
        <h1 id="jobs-title">Jobs</h1>
        <button type="button" onClick={() => setRound((r) => r + 1)}>
          Refresh
        </button>
      </div>
      {error && (
        <p class="notice" role="status">
          {error}
        </p>
      )}
      {jobs === null && !error && <p role="status">Loading jobs…</p>}
      {jobs !== null && jobs.length === 0 && <p role="status">No jobs yet.</p>}
      <ul class="jobs" aria-label="Jobs">
        {jobs?.map((j) => (
          <li key={j.job_id}>
            <h2 class="job-title">
              {j.run_id ? <a href={`#/runs/${enc(j.run_id)}`}>{j.run_id}</a> : j.job_id}{' '}
              <span class="muted-text">
                {j.kind} · {j.task_id} · {when(j.created_at)}
              </span>
            </h2>
            <JobProgress job={j} onChange={replace} />
          </li>
        ))}
      </ul>
    </section>
  );
}
