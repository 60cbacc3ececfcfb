// The client commands of `ocrlty`: extract, batch, jobs watch, runs …, eval — HTTP to any deployment.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { Api } from './api.ts';
import { resolveClientConfig } from './config.ts';
import { itemsToCsv } from './csv.ts';
import { ApiError, ClientUsageError, EXIT } from './errors.ts';
import { collectFiles } from './files.ts';
import { progressBar } from './progress.ts';
import { STATE_FILE, clearState, createSession, readState, resumeSession, uploadPending, writeState } from './uploads.ts';

export const CLIENT_GROUPS = ['extract', 'batch', 'jobs', 'runs', 'eval'];

const COMMON = `Every client command: --api-url URL, --api-key KEY (else OCRLTY_API_URL, OCRLTY_API_KEY, else
  $XDG_CONFIG_HOME/ocrlty/config.json = {"api_url", "api_key"}, ~/.config by default; URL default
  http://127.0.0.1:8080), --json for scripts. Exit: 0 ok, 1 the run had failed items, 2 usage,
  3 API or auth error, 4 network or timeout.`;

export const CLIENT_USAGE = `  ocrlty extract FILE… [--task T]
  ocrlty batch DIR|FILES… --task T [--run-id ID] [--concurrency N] [--wait] [--resume UPLOAD_ID] [--persist-inputs] [--fail-on-review]
  ocrlty jobs watch JOB [--fail-on-review]
  ocrlty runs list [--limit N] [--cursor C] | show RUN | items RUN [--status S] | export RUN --format csv|jsonl [--output FILE]
  ocrlty eval RUN --gt FILE|--gt-path PATH [--gt-image-key K]`;

const HELP: Record<string, string> = {
  extract: `ocrlty extract FILE… [--task T]
  Extracts each document and prints its result (task default receipt_fields_v1). A file over the sync
  limit (--sync-max-bytes, default 4300000; or when the API answers 413) goes through an upload session.`,
  batch: `ocrlty batch DIR|FILES… --task T [--run-id ID] [--concurrency N] [--wait] [--resume UPLOAD_ID]
  Uploads the documents (a folder: every jpg png webp tif heic pdf under it, sub-folders kept in the names)
  through an upload session straight to the bucket, then starts one run. --wait follows the run to the end.
  --upload-concurrency N parallel PUTs (default 4); --concurrency is the run's. --persist-inputs keeps them.
  Resuming: a folder batch keeps the session in DIR/${STATE_FILE}; run the same command again after an
  interruption and only the files still pending are sent. For FILES, pass --resume UPLOAD_ID (printed at start).`,
  jobs: `ocrlty jobs watch JOB
  Follows a job to its final status with a progress bar; exit 1 if it failed or any item failed.`,
  runs: `ocrlty runs list [--limit N] [--cursor C] [--sort asc|desc]
ocrlty runs show RUN          the run's summary (--json: the whole batch artifact)
ocrlty runs items RUN [--status ok|error|canceled]
ocrlty runs export RUN --format csv|jsonl [--output FILE]
  CSV: one row per item, each result field a column, line items and other lists as a JSON cell.`,
  eval: `ocrlty eval RUN --gt FILE [--gt-image-key K]   or   ocrlty eval RUN --gt-path PATH
  Evaluates a finished run against ground truth. Only on deployments started with DEBUG_MODE=1, with a
  debug:run key. --gt FILE is first put under the data root as \`ocrlty data put\` does (local data folder,
  or S3_BUCKET and its credentials) at eval-gt/RUN/<name>; --gt-path names a file already there.`,
};

type Values = Record<string, string | boolean | undefined>;

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>): { v: Values; pos: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        ...options,
        'api-url': { type: 'string' },
        'api-key': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
    return { v: values as Values, pos: positionals };
  } catch (err) {
    throw new ClientUsageError(err instanceof Error ? err.message : String(err));
  }
}

function int(v: Values, name: string, fallback?: number): number | undefined {
  const raw = v[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new ClientUsageError(`--${name} must be a positive integer`);
  return n;
}

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const note = (text: string) => process.stderr.write(`${text}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one client command; resolves to its exit code. */
export async function clientCommand(group: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const sub = group === 'jobs' || group === 'runs' ? argv[0] : undefined;
  if (argv.includes('--help') || argv.includes('-h') || ((group === 'jobs' || group === 'runs') && !sub)) {
    out(`${HELP[group]}\n\n${COMMON}`);
    return EXIT.ok;
  }
  switch (group) {
    case 'extract':
      return extract(argv, env);
    case 'batch':
      return batch(argv, env);
    case 'jobs':
      if (sub !== 'watch') throw new ClientUsageError(`unknown command "jobs ${sub}" (jobs watch JOB)`);
      return jobsWatch(argv.slice(1), env);
    case 'runs':
      return runs(sub!, argv.slice(1), env);
    default:
      return evalRun(argv, env);
  }
}

const apiFor = (v: Values, env: NodeJS.ProcessEnv) =>
  new Api(resolveClientConfig({ 'api-url': v['api-url'] as string, 'api-key': v['api-key'] as string }, env));

async function extract(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { v, pos } = parse(argv, { task: { type: 'string' }, 'sync-max-bytes': { type: 'string' } });
  if (pos.length === 0) throw new ClientUsageError('extract needs at least one FILE');
  const { files } = collectFiles(pos.length === 1 ? pos : pos);
  const api = apiFor(v, env);
  const task = (v.task as string) ?? 'receipt_fields_v1';
  const syncMax = int(v, 'sync-max-bytes', 4_300_000)!;
  const results: Array<Record<string, unknown>> = [];
  for (const f of files) {
    const viaUpload = async () => {
      const session = await createSession(api, [f], false);
      await uploadPending(session, [f], 1, progressBar('upload', false));
      return api.request('POST', '/v1/extract', { json: { task_id: task, upload_id: session.upload_id, name: f.name } });
    };
    let res: Record<string, unknown>;
    if (f.size > syncMax) res = await viaUpload();
    else {
      try {
        const image_base64 = readFileSync(f.path).toString('base64');
        res = await api.request('POST', '/v1/extract', { json: { task_id: task, image_base64, mime_type: f.mime } });
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 413 && err.code === 'payload_too_large')) throw err;
        res = await viaUpload();
      }
    }
    results.push({ file: f.path, ...res });
    if (!v.json) out(`${f.path}\n${JSON.stringify(res.result ?? null, null, 2)}`);
  }
  if (v.json) out(JSON.stringify(results.length === 1 && pos.length === 1 ? results[0] : results));
  return results.some((r) => r.error) ? EXIT.failedItems : EXIT.ok;
}

async function batch(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { v, pos } = parse(argv, {
    task: { type: 'string' },
    'run-id': { type: 'string' },
    concurrency: { type: 'string' },
    'upload-concurrency': { type: 'string' },
    wait: { type: 'boolean', default: false },
    resume: { type: 'string' },
    'persist-inputs': { type: 'boolean', default: false },
    'fail-on-review': { type: 'boolean', default: false },
  });
  if (!v.task) throw new ClientUsageError('batch needs --task (receipt_fields_v1, invoice_fields_v1, …)');
  const { files, dir } = collectFiles(pos);
  const api = apiFor(v, env);
  const human = !v.json;

  let session;
  const saved = dir ? readState(dir) : undefined;
  const resumeId = (v.resume as string) ?? (saved?.api_url === api.config.apiUrl ? saved.upload_id : undefined);
  if (resumeId) {
    try {
      session = await resumeSession(api, resumeId, files);
      if (human) note(`Resuming upload ${resumeId}: ${session.pending.length} of ${session.names.size} files still to send.`);
    } catch (err) {
      // A stale state file (session expired or gone) starts over; an explicit --resume does not.
      if (v.resume || !(err instanceof ApiError && (err.status === 404 || err.status === 410))) throw err;
      if (human) note(`Upload ${resumeId} from ${STATE_FILE} is ${err.status === 410 ? 'expired' : 'gone'}; starting a new one.`);
    }
  }
  const resumed = session !== undefined;
  session ??= await createSession(api, files, v['persist-inputs'] === true);
  if (dir) writeState(dir, { upload_id: session.upload_id, api_url: api.config.apiUrl });
  if (human && !resumed)
    note(
      `Upload ${session.upload_id}: ${files.length} files. If interrupted, ${dir ? 'run the same command again' : `add --resume ${session.upload_id}`} to resume.`,
    );

  let sent = 0;
  let accepted: { job_id: string; run_id: string };
  if (session.status !== 'open' && session.job_id) {
    accepted = { job_id: session.job_id, run_id: session.run_id! };
  } else {
    const bar = progressBar('upload', human);
    bar.start(session.pending.length);
    try {
      sent = await uploadPending(session, files, int(v, 'upload-concurrency', 4)!, bar);
    } finally {
      bar.stop();
    }
    accepted = await api.request('POST', `/v1/uploads/${session.upload_id}/complete`, {
      json: {
        task_id: v.task,
        ...(v['run-id'] ? { run_id: v['run-id'] } : {}),
        ...(v.concurrency ? { concurrency: int(v, 'concurrency') } : {}),
      },
    });
  }
  if (dir) clearState(dir);
  const report: Record<string, unknown> = {
    upload_id: session.upload_id,
    job_id: accepted.job_id,
    run_id: accepted.run_id,
    files: files.length,
    uploaded: sent,
    already_uploaded: session.names.size - sent,
  };
  if (!v.wait) {
    if (v.json) out(JSON.stringify(report));
    else out(`Run ${accepted.run_id} started (job ${accepted.job_id}). Follow it with: ocrlty jobs watch ${accepted.job_id}`);
    return EXIT.ok;
  }
  const job = await watch(api, accepted.job_id, human);
  return finish(api, job, v, report);
}

async function watch(api: Api, jobId: string, human: boolean): Promise<any> {
  const bar = progressBar('run', human);
  let started = false;
  try {
    for (;;) {
      const job = await api.request('GET', `/v1/jobs/${encodeURIComponent(jobId)}`);
      const total = job.progress?.total ?? 0;
      if (!started && total > 0) {
        bar.start(total, job.progress.done ?? 0);
        started = true;
      }
      bar.update(job.progress?.done ?? 0, total || undefined);
      if (['succeeded', 'failed', 'canceled'].includes(job.status)) return job;
      await sleep(500);
    }
  } finally {
    bar.stop();
  }
}

async function countNeedsReview(api: Api, runId: string | null | undefined): Promise<number> {
  if (!runId) return 0;
  return (await allItems(api, runId)).filter((i) => i.needs_review === true).length;
}

/** The final line (or JSON) of a followed job, and its exit code. */
async function finish(api: Api, job: any, v: Values, report: Record<string, unknown> = {}): Promise<number> {
  const p = job.progress ?? {};
  const review = v['fail-on-review'] ? await countNeedsReview(api, job.run_id) : 0;
  const failed = job.status !== 'succeeded' || (p.err ?? 0) > 0;
  if (v.json) {
    out(
      JSON.stringify({
        ...report,
        job_id: job.job_id,
        run_id: job.run_id ?? null,
        status: job.status,
        outcome: job.outcome ?? null,
        progress: p,
        ...(v['fail-on-review'] ? { needs_review: review } : {}),
      }),
    );
  } else {
    out(
      `Job ${job.job_id} ${job.status}${job.outcome ? ` (outcome ${job.outcome})` : ''}: ${p.total ?? 0} items, ${p.ok ?? 0} ok, ${p.err ?? 0} failed` +
        `${v['fail-on-review'] ? `, ${review} need review` : ''}.${job.run_id ? ` Export: ocrlty runs export ${job.run_id} --format csv` : ''}` +
        `${job.error ? `\n${job.error.code}: ${job.error.message}` : ''}`,
    );
  }
  return failed || review > 0 ? EXIT.failedItems : EXIT.ok;
}

async function jobsWatch(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { v, pos } = parse(argv, { 'fail-on-review': { type: 'boolean', default: false } });
  if (pos.length !== 1) throw new ClientUsageError('jobs watch needs one JOB id');
  const api = apiFor(v, env);
  return finish(api, await watch(api, pos[0]!, !v.json), v);
}

async function allItems(api: Api, runId: string, status?: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ limit: '100', ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
    const page: any = await api.request('GET', `/v1/runs/${encodeURIComponent(runId)}/items?${q}`);
    items.push(...page.items);
    cursor = page.next_cursor ?? null;
  } while (cursor);
  return items;
}

async function runs(sub: string, argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { v, pos } = parse(argv, {
    limit: { type: 'string' },
    cursor: { type: 'string' },
    sort: { type: 'string' },
    status: { type: 'string' },
    format: { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  if (sub === 'list') {
    if (pos.length > 0) throw new ClientUsageError('runs list takes no RUN');
    const api = apiFor(v, env);
    const q = new URLSearchParams({
      limit: String(int(v, 'limit', 20)),
      ...(v.cursor ? { cursor: v.cursor as string } : {}),
      ...(v.sort ? { sort: v.sort as string } : {}),
    });
    const page = await api.request('GET', `/v1/runs?${q}`);
    if (v.json) out(JSON.stringify(page));
    else {
      for (const r of page.runs)
        out(
          `${r.created_at}  ${String(r.status).padEnd(9)} ${String(r.outcome ?? '-').padEnd(9)} ${r.counts ? `${r.counts.ok}/${r.counts.total} ok` : ''}  ${r.task_id ?? ''}  ${r.run_id}`,
        );
      if (page.next_cursor) out(`more: ocrlty runs list --cursor ${page.next_cursor}`);
    }
    return EXIT.ok;
  }
  if (!['show', 'items', 'export'].includes(sub)) throw new ClientUsageError(`unknown command "runs ${sub}"`);
  if (pos.length !== 1) throw new ClientUsageError(`runs ${sub} needs one RUN id`);
  const runId = pos[0]!;
  if (sub === 'export' && v.format !== 'csv' && v.format !== 'jsonl')
    throw new ClientUsageError('runs export needs --format csv or jsonl');
  const api = apiFor(v, env);
  if (sub === 'show') {
    const run = await api.request('GET', `/v1/runs/${encodeURIComponent(runId)}`);
    if (v.json) out(JSON.stringify(run));
    else {
      const s = run.summary ?? {};
      out(
        `Run ${run.run_id} (${run.task_id}): ${run.status}${run.outcome ? `, outcome ${run.outcome}` : ''} — ${s.total ?? '?'} items, ${s.ok ?? '?'} ok, ${s.err ?? '?'} failed`,
      );
    }
    return EXIT.ok;
  }
  const items = await allItems(api, runId, v.status as string | undefined);
  if (sub === 'items') {
    if (v.json) out(JSON.stringify(items));
    else
      for (const i of items)
        out(
          `${String(i.seq).padStart(5)}  ${String(i.status).padEnd(8)} ${i.file ?? i.request_id}${i.error ? `  ${i.error.code}` : ''}`,
        );
    return EXIT.ok;
  }
  const text =
    v.format === 'csv' ? itemsToCsv(items) : items.map((i) => JSON.stringify(i)).join('\n') + (items.length ? '\n' : '');
  if (v.output) {
    writeFileSync(v.output as string, text);
    note(`Wrote ${items.length} items to ${v.output}`);
  } else process.stdout.write(text);
  return EXIT.ok;
}

async function evalRun(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { v, pos } = parse(argv, { gt: { type: 'string' }, 'gt-path': { type: 'string' }, 'gt-image-key': { type: 'string' } });
  if (pos.length !== 1) throw new ClientUsageError('eval needs one RUN id');
  if (!v.gt === !v['gt-path']) throw new ClientUsageError('eval needs --gt FILE or --gt-path PATH (one of them)');
  const runId = pos[0]!;
  const api = apiFor(v, env);
  // Without DEBUG_MODE the evaluation routes answer 404 "No route for …" for every key (documented):
  // probe that before anything is uploaded, and say what the deployment lacks.
  const probe = await api.raw('GET', '/v1/evals/cli-probe');
  const probed = (await probe.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
  if (probe.status === 404 && probed?.error?.message?.startsWith('No route for'))
    throw new ApiError(
      404,
      'not_found',
      `${api.config.apiUrl} runs without DEBUG_MODE: evaluation needs a deployment started with DEBUG_MODE=1`,
    );
  let gtPath = v['gt-path'] as string | undefined;
  if (v.gt) {
    const { putDataFile } = await import('../data.ts');
    gtPath = `eval-gt/${runId}/${basename(v.gt as string)}`;
    await putDataFile(v.gt as string, gtPath, env);
  }
  const result = await api.request('POST', `/v1/runs/${encodeURIComponent(runId)}/eval`, {
    json: { gt_path: gtPath, ...(v['gt-image-key'] ? { gt_image_key: v['gt-image-key'] } : {}) },
    timeoutMs: 120_000,
  });
  if (v.json) out(JSON.stringify(result));
  else out(`Evaluation of ${runId} against ${gtPath}:\n${JSON.stringify(result, null, 2)}`);
  return EXIT.ok;
}
