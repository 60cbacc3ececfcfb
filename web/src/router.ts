// Hash routes (#/runs/abc): the static host needs no rewrite rules, and CloudFront error pages never
// have to turn an API 404 into index.html.
import { useEffect, useState } from 'preact/hooks';

export { type Route, parseHash } from './routes.ts';

export function href(path: string, query: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
  const s = q.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

export function go(path: string, query: Record<string, string | undefined> = {}): void {
  location.hash = href(path, query);
}

export function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

export const enc = encodeURIComponent;
