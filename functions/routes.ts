// The route table: plain data read by local mode (infra/local) and by the CDK app (infra/). One entry
// per API method; `handler` + `export` name the Lambda entry point, `needs` drives env vars and IAM grants.
import type { Scope } from './core/auth/api-keys.ts';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** What a function touches: CDK turns each into env vars and least-privilege grants. */
export type Permission =
  | 'keys:read'
  | 'artifacts:read'
  | 'artifacts:write'
  | 'jobs:read'
  | 'jobs:write'
  | 'uploads:read'
  | 'uploads:write'
  | 'bucket:read'
  | 'bucket:write'
  /** Signs upload URLs: the R2 credentials only (R2 is not AWS: no bucket grant exists or is needed). */
  | 'bucket:presign'
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
  /** Exists only with DEBUG_MODE=1: otherwise 404 for every key, before the scope check (seed §8.7). */
  debugOnly?: boolean;
  /** Files (repo-relative) copied into `docs-assets/` beside the Lambda bundle: vendored browser assets. */
  bundleFiles?: string[];
  /** Decodes images (functions/adapters/images): the asset ships the Lambda build of sharp, libheif, PDFium. */
  decodesImages?: boolean;
}

/** What creating a job touches: the job row, the run's index row, staged inputs, the workflow. */
const JOB_CREATE_NEEDS: Permission[] = [
  'jobs:read',
  'jobs:write',
  'artifacts:read',
  'artifacts:write',
  'bucket:read',
  'bucket:write',
  'workflow:start',
];

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
    // uploads:read + bucket:read: {upload_id, name} instead of image_base64.
    needs: ['artifacts:write', 'bucket:write', 'model', 'uploads:read', 'bucket:read'],
    timeoutS: 29,
    memoryMb: 1024,
    decodesImages: true,
  },
  // The API description (no key): the OpenAPI 3.1 document and its rendered page with vendored assets.
  ...readRoutes(
    'functions/handlers/http/docs.ts',
    [
      ['openapi', 'GET', '/openapi.json', 'openApiHandler', []],
      ['docs', 'GET', '/docs', 'docsHandler', []],
    ],
    { scope: 'none' },
  ),
  {
    id: 'docs-asset',
    method: 'GET',
    path: '/docs/{asset}',
    handler: 'functions/handlers/http/docs.ts',
    export: 'docsAssetHandler',
    scope: 'none',
    body: 'none',
    needs: [],
    bundleFiles: ['node_modules/swagger-ui-dist/swagger-ui-bundle.js', 'node_modules/swagger-ui-dist/swagger-ui.css'],
  },
  // Jobs and batches (seed §8.3–8.6). Creating a job stages inputs in R2 and starts the workflow.
  {
    id: 'extract-async',
    method: 'POST',
    path: '/v1/extract_async',
    handler: 'functions/handlers/http/extract-async.ts',
    export: 'extractAsyncHandler',
    scope: 'extract:run',
    body: 'json',
    needs: [...JOB_CREATE_NEEDS, 'uploads:read'],
    timeoutS: 29,
    memoryMb: 1024,
  },
  ...batchRoutes('batch-extract', '/v1/batch_extract', 'batchExtract', 'json'),
  ...batchRoutes('batch-extract-upload', '/v1/batch_extract_upload', 'batchExtractUpload', 'multipart'),
  ...batchRoutes('batch-extract-rerun', '/v1/batch_extract_rerun', 'batchExtractRerun', 'json'),
  {
    id: 'jobs-batch-extract-dir',
    method: 'POST',
    path: '/v1/jobs/batch_extract_dir',
    handler: 'functions/handlers/http/batch.ts',
    export: 'jobsBatchExtractDirHandler',
    scope: 'extract:run',
    body: 'json',
    needs: JOB_CREATE_NEEDS,
    timeoutS: 29,
  },
  {
    id: 'jobs-batch-extract-rerun',
    method: 'POST',
    path: '/v1/jobs/batch_extract_rerun',
    handler: 'functions/handlers/http/batch.ts',
    export: 'jobsBatchExtractRerunHandler',
    scope: 'extract:run',
    body: 'json',
    needs: JOB_CREATE_NEEDS,
    timeoutS: 29,
  },
  {
    id: 'jobs-get',
    method: 'GET',
    path: '/v1/jobs/{job_id}',
    handler: 'functions/handlers/http/jobs.ts',
    export: 'getJobHandler',
    scope: 'any',
    body: 'none',
    needs: ['jobs:read'],
  },
  {
    id: 'jobs-list',
    method: 'GET',
    path: '/v1/jobs',
    handler: 'functions/handlers/http/jobs.ts',
    export: 'listJobsHandler',
    scope: 'any',
    body: 'none',
    needs: ['jobs:read'],
  },
  {
    id: 'jobs-cancel',
    method: 'POST',
    path: '/v1/jobs/{job_id}/cancel',
    handler: 'functions/handlers/http/jobs.ts',
    export: 'cancelJobHandler',
    scope: 'any',
    body: 'none',
    needs: ['jobs:read', 'jobs:write'],
  },
  // Presigned uploads straight to R2 (seed P2.7): the bytes never pass through a function. Sessions are
  // the creating key's own (another key's upload_id is a 404).
  {
    id: 'uploads-create',
    method: 'POST',
    path: '/v1/uploads',
    handler: 'functions/handlers/http/uploads.ts',
    export: 'createUploadHandler',
    scope: 'extract:run',
    body: 'json',
    needs: ['uploads:write', 'bucket:presign'],
  },
  {
    id: 'uploads-get',
    method: 'GET',
    path: '/v1/uploads/{upload_id}',
    handler: 'functions/handlers/http/uploads.ts',
    export: 'getUploadHandler',
    scope: 'extract:run',
    body: 'none',
    needs: ['uploads:read', 'bucket:read', 'bucket:presign'],
  },
  {
    id: 'uploads-add-files',
    method: 'POST',
    path: '/v1/uploads/{upload_id}/files',
    handler: 'functions/handlers/http/uploads.ts',
    export: 'addUploadFilesHandler',
    scope: 'extract:run',
    body: 'json',
    needs: ['uploads:read', 'uploads:write', 'bucket:presign'],
  },
  {
    id: 'uploads-complete',
    method: 'POST',
    path: '/v1/uploads/{upload_id}/complete',
    handler: 'functions/handlers/http/uploads.ts',
    export: 'completeUploadHandler',
    scope: 'extract:run',
    body: 'json',
    // Lists the session's objects (one call per 1,000 files), then creates the job like any batch.
    needs: [...JOB_CREATE_NEEDS, 'uploads:read', 'uploads:write'],
    timeoutS: 29,
  },
  // Runs, drill-down, evals and debug artifacts (seed §8.7–8.9, §12 P0 items 1–4): reads through the artifact
  // index, one object from R2 at a time; owner isolation in the core (another owner's id is a 404).
  ...readRoutes('functions/handlers/http/runs.ts', [
    ['runs-list', 'GET', '/v1/runs', 'listRunsHandler', ['artifacts:read']],
    ['runs-get', 'GET', '/v1/runs/{run_id}', 'getRunHandler', ['artifacts:read', 'bucket:read']],
    ['runs-items', 'GET', '/v1/runs/{run_id}/items', 'listRunItemsHandler', ['artifacts:read']],
  ]),
  ...readRoutes('functions/handlers/http/artifacts.ts', [
    ['extracts-get', 'GET', '/v1/extracts/{request_id}', 'getExtractHandler', ['artifacts:read', 'bucket:read']],
    ['extracts-pages', 'GET', '/v1/extracts/{request_id}/pages', 'getExtractPagesHandler', ['artifacts:read', 'bucket:read']],
    ['artifacts-get', 'GET', '/v1/artifacts', 'getArtifactHandler', ['artifacts:read', 'bucket:read']],
  ]),
  {
    id: 'runs-eval',
    method: 'POST',
    path: '/v1/runs/{run_id}/eval',
    handler: 'functions/handlers/http/evals.ts',
    export: 'evalRunHandler',
    scope: 'debug:run',
    body: 'json',
    needs: ['artifacts:read', 'artifacts:write', 'bucket:read', 'bucket:write'],
    timeoutS: 29,
    memoryMb: 1024,
    debugOnly: true,
  },
  {
    id: 'evals-get',
    method: 'GET',
    path: '/v1/evals/{eval_id}',
    handler: 'functions/handlers/http/evals.ts',
    export: 'getEvalHandler',
    scope: 'debug:run',
    body: 'none',
    needs: ['artifacts:read', 'bucket:read'],
    debugOnly: true,
  },
  ...readRoutes(
    'functions/handlers/http/debug.ts',
    [
      ['debug-artifacts-list', 'GET', '/v1/debug/artifacts', 'listDebugArtifactsHandler', ['artifacts:read', 'bucket:read']],
      [
        'debug-artifacts-get',
        'GET',
        '/v1/debug/artifacts/{request_id}',
        'getDebugArtifactHandler',
        ['artifacts:read', 'bucket:read'],
      ],
      [
        'debug-artifacts-raw',
        'GET',
        '/v1/debug/artifacts/{request_id}/raw',
        'getDebugRawHandler',
        ['artifacts:read', 'bucket:read'],
      ],
    ],
    { scope: 'debug:read_raw', debugOnly: true },
  ),
  {
    // Literal beats {request_id} in API Gateway and in the local gateway alike.
    id: 'debug-artifacts-backup',
    method: 'GET',
    path: '/v1/debug/artifacts/backup.tar.gz',
    handler: 'functions/handlers/http/debug.ts',
    export: 'debugBackupHandler',
    scope: 'debug:read_raw',
    body: 'none',
    needs: ['artifacts:read', 'bucket:read', 'bucket:write'],
    timeoutS: 29,
    memoryMb: 1536,
    debugOnly: true,
  },
];

/** GET routes without a body: [id, method, path, export, needs]. */
function readRoutes(
  handler: string,
  rows: Array<[string, HttpMethod, string, string, Permission[]]>,
  extra: Partial<Pick<RouteDefinition, 'scope' | 'debugOnly'>> = {},
): RouteDefinition[] {
  return rows.map(([id, method, path, exportName, needs]) => ({
    id,
    method,
    path,
    handler,
    export: exportName,
    scope: extra.scope ?? 'any',
    body: 'none',
    needs,
    ...(extra.debugOnly ? { debugOnly: true } : {}),
  }));
}

/** A batch endpoint's sync variant (waits up to SYNC_WAIT_S) and its `_async` twin (202 at once). */
function batchRoutes(id: string, path: string, exportBase: string, body: 'json' | 'multipart'): RouteDefinition[] {
  return [
    {
      id,
      method: 'POST',
      path,
      handler: 'functions/handlers/http/batch.ts',
      export: `${exportBase}Handler`,
      scope: 'extract:run',
      body,
      needs: JOB_CREATE_NEEDS,
      timeoutS: 29,
      ...(body === 'multipart' ? { memoryMb: 1024 } : {}),
    },
    {
      id: `${id}-async`,
      method: 'POST',
      path: `${path}_async`,
      handler: 'functions/handlers/http/batch.ts',
      export: `${exportBase}AsyncHandler`,
      scope: 'extract:run',
      body,
      needs: JOB_CREATE_NEEDS,
      timeoutS: 29,
      ...(body === 'multipart' ? { memoryMb: 1024 } : {}),
    },
  ];
}

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
