// The route table: plain data read by local mode (infra/local) and by the CDK app (infra/). One entry
// per API method; `handler` + `export` name the Lambda entry point, `needs` drives env vars and IAM grants.
import type { Scope } from './core/auth.ts';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** What a function touches: CDK turns each into env vars and least-privilege grants. */
export type Permission =
  | 'keys:read'
  | 'artifacts:read'
  | 'artifacts:write'
  | 'jobs:read'
  | 'jobs:write'
  | 'bucket:read'
  | 'bucket:write'
  | 'workflow:start'
  | 'model';

export interface RouteDefinition {
  id: string;
  method: HttpMethod;
  /** API Gateway path syntax: `/v1/jobs/{job_id}`. */
  path: string;
  /** Source file of the handler, relative to the repo root. */
  handler: string;
  /** Exported handler name in that file. */
  export: string;
  /** 'none': no key needed (no authorizer); 'any': any valid key; otherwise the scope required. */
  scope: 'none' | 'any' | Scope;
  body: 'none' | 'json' | 'multipart';
  needs: Permission[];
  /** Lambda timeout; API Gateway cuts requests at 29 s anyway. */
  timeoutS?: number;
  memoryMb?: number;
}

export const ROUTES: readonly RouteDefinition[] = [
  {
    id: 'health',
    method: 'GET',
    path: '/health',
    handler: 'functions/handlers/http/system.ts',
    export: 'healthHandler',
    scope: 'none',
    body: 'none',
    needs: [],
  },
  {
    id: 'ready',
    method: 'GET',
    path: '/ready',
    handler: 'functions/handlers/http/system.ts',
    export: 'readyHandler',
    scope: 'none',
    body: 'none',
    needs: ['keys:read', 'artifacts:read', 'jobs:read', 'bucket:read', 'model'],
  },
  {
    id: 'me',
    method: 'GET',
    path: '/v1/me',
    handler: 'functions/handlers/http/system.ts',
    export: 'meHandler',
    scope: 'any',
    body: 'none',
    needs: [],
  },
  {
    id: 'extract',
    method: 'POST',
    path: '/v1/extract',
    handler: 'functions/handlers/http/extract.ts',
    export: 'extractHandler',
    scope: 'extract:run',
    body: 'json',
    needs: ['artifacts:write', 'bucket:write', 'model'],
    timeoutS: 29,
    memoryMb: 1024,
  },
];

export function routeById(id: string): RouteDefinition {
  const route = ROUTES.find((r) => r.id === id);
  if (!route) throw new Error(`No route "${id}" in functions/routes.ts`);
  return route;
}

/** Matches a concrete path against a route path template; returns the path parameters or undefined. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/');
  const p = path.split('/');
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    const value = p[i]!;
    if (seg.startsWith('{') && seg.endsWith('}')) {
      if (value === '') return undefined;
      try {
        params[seg.slice(1, -1)] = decodeURIComponent(value);
      } catch {
        return undefined;
      }
    } else if (seg !== value) return undefined;
  }
  return params;
}
