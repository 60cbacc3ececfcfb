// Upload: drop photos or PDFs, choose the task, upload through a session with per-file progress, then
// follow the job live (cancel possible) and land on the run when it ends.
import { useState } from 'preact/hooks';
import { api, messageOf } from '../api.ts';
import { JobProgress, ACTIVE } from '../components/job-progress.tsx';
import { bytes } from '../format.ts';
import { usePoll } from '../poll.ts';
import { enc, go } from '../router.ts';
import type { Job } from '../types.ts';
import { mimeOf, openSession, pool, putFile, uniqueNames } from '../uploads.ts';

declare const __TASK_IDS__: string[];
const TASKS: string[] = typeof __TASK_IDS__ !== 'undefined' ? __TASK_IDS__ : ['receipt_fields_v1'];
const PARALLEL_PUTS = 3;

interface Picked {
  file: File;
  name: string;
  progress: number;
  state: 'waiting' | 'uploading' | 'done' | 'failed';
  error?: string;
}

export function UploadScreen() {
  const [picked, setPicked] = useState<Picked[]>([]);
  const [task, setTask] = useState(TASKS.find((t) => t.startsWith('receipt')) ?? TASKS[0] ?? '');
  const [phase, setPhase] = useState<'choose' | 'uploading' | 'running'>('choose');
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const [job, setJob] = useState<Job | null>(null);
  const [pollError, setPollError] = useState<string | null>(null);

  function add(files: FileList | File[]) {
    const all = [...picked.map((p) => p.file), ...Array.from(files)];
    const names = uniqueNames(all.map((f) => f.name));
    setPicked(all.map((file, i) => ({ file, name: names[i]!, progress: 0, state: 'waiting' })));
  }

  function update(i: number, change: Partial<Picked>) {
    setPicked((list) => list.map((p, j) => (j === i ? { ...p, ...change } : p)));
  }

  async function start(e: Event) {
    e.preventDefault();
    setError(null);
    setPhase('uploading');
    try {
      const session = await openSession(
        picked.map((p) => ({ name: p.name, mime_type: mimeOf(p.file), size_bytes: p.file.size })),
      );
      await pool(picked, PARALLEL_PUTS, async (p, i) => {
        update(i, { state: 'uploading' });
        try {
          await putFile(p.file, session.files[i]!, (f) => update(i, { progress: f }));
          update(i, { state: 'done', progress: 1 });
        } catch (err) {
          update(i, { state: 'failed', error: messageOf(err) });
          throw err;
        }
      });
      const done = await api<{ job_id: string; run_id: string }>(`/v1/uploads/${session.upload_id}/complete`, {
        method: 'POST',
        json: { task_id: task },
      });
      setJob(await api<Job>(`/v1/jobs/${enc(done.job_id)}`));
      setPhase('running');
    } catch (err) {
      setError(messageOf(err));
      setPhase('choose');
    }
  }

  usePoll(
    async () => {
      if (!job) return true;
      const j = await api<Job>(`/v1/jobs/${enc(job.job_id)}`);
      setJob(j);
      setPollError(null);
      if (!ACTIVE.has(j.status)) {
        if (j.run_id) go(`/runs/${enc(j.run_id)}`);
        return true;
      }
      return false;
    },
    (err) => setPollError(messageOf(err)),
    [job?.job_id],
  );

  const total = picked.reduce((n, p) => n + p.file.size, 0);
  return (
    <section aria-labelledby="upload-title">
      <h1 id="upload-title">Upload receipts and invoices</h1>
      {phase !== 'running' && (
        <form onSubmit={start}>
          <div
            class={`drop${over ? ' over' : ''}`}
            onDragOver={(e) => {
              e.preventDefault();
              setOver(true);
            }}
            onDragLeave={() => setOver(false)}
            onDrop={(e) => {
              e.preventDefault();
              setOver(false);
              if (e.dataTransfer?.files) add(e.dataTransfer.files);
            }}
          >
            <p>Drop photos or PDFs here (JPEG, PNG, WebP, TIFF, HEIC, PDF), or</p>
            <label class="button" for="files">
              Choose files
            </label>
            <input
              id="files"
              class="visually-hidden"
              type="file"
              multiple
              accept="image/*,.heic,.heif,.pdf,application/pdf"
              onChange={(e) => {
                const input = e.target as HTMLInputElement;
                if (input.files) add(input.files);
                input.value = '';
              }}
            />
          </div>
          <label for="task">Task</label>
          <select id="task" value={task} onChange={(e) => setTask((e.target as HTMLSelectElement).value)}>
            {TASKS.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          {picked.length > 0 && (
            <>
              <p>
                {picked.length} file{picked.length === 1 ? '' : 's'}, {bytes(total)}
              </p>
              <ul class="files" aria-label="Files to upload">
                {picked.map((p, i) => (
                  <li key={i}>
                    <span class="file-name">{p.name}</span> <span class="muted-text">{bytes(p.file.size)}</span>
                    <progress max={1} value={p.progress} aria-label={`Upload progress of ${p.name}`} />
                    <span class="file-state">{p.state === 'failed' ? `failed: ${p.error}` : p.state}</span>
                    {phase === 'choose' && (
                      <button
                        type="button"
                        aria-label={`Remove ${p.name}`}
                        onClick={() => setPicked(picked.filter((_, j) => j !== i))}
                      >
                        Remove
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            </>
          )}
          <button type="submit" disabled={picked.length === 0 || phase !== 'choose' || !task}>
            {phase === 'uploading' ? 'Uploading…' : 'Upload and run'}
          </button>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
        </form>
      )}
      {phase === 'running' && job && (
        <section aria-labelledby="job-title">
          <h2 id="job-title">Job {job.job_id}</h2>
          <p>The run opens when the job ends.</p>
          <JobProgress job={job} onChange={setJob} />
          {pollError && (
            <p class="notice" role="status">
              {pollError} — retrying.
            </p>
          )}
        </section>
      )}
    </section>
  );
}
