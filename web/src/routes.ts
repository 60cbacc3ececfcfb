// The app's hash routes (#/runs/abc) parsed into screens; no DOM needed.
export type Route =
  | { name: 'sign-in' }
  | { name: 'runs' }
  | { name: 'run'; runId: string }
  | { name: 'item'; runId: string | null; requestId: string }
  | { name: 'upload' }
  | { name: 'jobs' }
  | { name: 'job'; jobId: string };

export function parseHash(hash: string): { route: Route; query: URLSearchParams } {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [a, b, c, d] = parts;
  if (a === 'runs' && b && c === 'items' && d) return { route: { name: 'item', runId: b, requestId: d }, query };
  if (a === 'runs' && b) return { route: { name: 'run', runId: b }, query };
  if (a === 'items' && b) return { route: { name: 'item', runId: null, requestId: b }, query };
  if (a === 'upload') return { route: { name: 'upload' }, query };
  if (a === 'jobs' && b) return { route: { name: 'job', jobId: b }, query };
  if (a === 'jobs') return { route: { name: 'jobs' }, query };
  if (a === 'sign-in') return { route: { name: 'sign-in' }, query };
  return { route: { name: 'runs' }, query };
}
