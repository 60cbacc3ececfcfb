// Builds the OpenAPI 3.1 document from the route table (functions/routes.ts), the route docs and the JSON
// Schemas under schemas/: one description of the API, generated from the code it describes.
import { ROUTES, type RouteDefinition } from '../routes.ts';
import { ROUTE_DOCS, type ResponseDoc, type RouteDoc } from './route-docs.ts';
import { REQUEST_SCHEMAS, RESPONSE_SCHEMAS, TASK_SCHEMAS } from './schemas.ts';

type Json = Record<string, unknown>;

export const OPENAPI_VERSION = '3.1.0';
/** Bumped with the API, not with the package: clients generated from it compare this. */
export const API_VERSION = '1.1.0';

const COMPONENT_NAMES: Record<string, string> = { error: 'ErrorBody', extract: 'ExtractResponse', artifact: 'AnyArtifact' };

/** `run-items` → `RunItems`, `receipt_fields_v1` → `ReceiptFieldsV1`. */
export function componentName(file: string): string {
  return COMPONENT_NAMES[file] ?? file.replace(/(^|[-_])([a-z0-9])/g, (_m, _s, c: string) => c.toUpperCase());
}

export const schemaRef = (file: string): Json => ({ $ref: `#/components/schemas/${componentName(file)}` });

/** The statuses a route answers: its own (route-docs.ts) plus those that follow from its table entry. */
export function statusesOf(route: RouteDefinition, doc: RouteDoc): Record<string, ResponseDoc> {
  const out: Record<string, ResponseDoc> = {};
  for (const [status, r] of Object.entries(doc.responses)) out[status] = r;
  const err = (description: string): ResponseDoc => ({ description, schema: 'error' });
  if (route.body !== 'none') out['400'] ??= err('The body or a parameter is not valid (validation_error).');
  if (route.scope !== 'none') out['401'] ??= err('Missing, unknown or revoked API key (unauthorized).');
  if (route.scope !== 'none' && route.scope !== 'any') out['403'] ??= err(`The key lacks the ${route.scope} scope (forbidden).`);
  if (route.path.includes('{') || route.debugOnly) {
    out['404'] ??= err(
      route.debugOnly ? 'Not found, or DEBUG_MODE is off (the route then does not exist).' : 'Not found for this key.',
    );
  }
  return out;
}

function rewriteRefs(node: unknown, ids: Map<string, string>): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, ids));
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$id' || k === '$schema') continue;
    if (k === '$ref' && typeof v === 'string') {
      const name = ids.get(v);
      if (!name) throw new Error(`Unresolved $ref ${v}`);
      out[k] = `#/components/schemas/${name}`;
    } else out[k] = rewriteRefs(v, ids);
  }
  return out;
}

function components(): Json {
  const all: Array<[string, Json]> = [
    ...Object.entries(REQUEST_SCHEMAS),
    ...Object.entries(RESPONSE_SCHEMAS),
    ...Object.entries(TASK_SCHEMAS),
  ];
  const ids = new Map<string, string>();
  for (const [file, schema] of all) if (typeof schema.$id === 'string') ids.set(schema.$id, componentName(file));
  return Object.fromEntries(all.map(([file, schema]) => [componentName(file), rewriteRefs(schema, ids)]));
}

const UPLOAD_FORM: Json = {
  type: 'object',
  required: ['task_id', 'files'],
  properties: {
    task_id: { type: 'string' },
    files: {
      type: 'array',
      items: { type: 'string', contentMediaType: 'application/octet-stream' },
      description: 'One part per file, in order.',
    },
    persist_inputs: { type: 'string', enum: ['true', 'false', '1', '0'], description: 'Keep the inputs (rerunnable).' },
    concurrency: { type: 'string', pattern: '^[0-9]+$' },
    run_id: { type: 'string' },
    gt: { type: 'string', contentMediaType: 'application/json', description: 'Ground truth (DEBUG_MODE + debug:run).' },
    gt_image_key: { type: 'string' },
  },
};

function operation(route: RouteDefinition, doc: RouteDoc): Json {
  const pathParams = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1]!,
    in: 'path',
    required: true,
    schema: { type: 'string', minLength: 1 },
  }));
  const query = (doc.query ?? []).map((q) => ({
    name: q.name,
    in: 'query',
    description: q.description,
    required: q.required ?? false,
    schema: q.schema,
  }));
  const responses: Json = {};
  for (const [status, r] of Object.entries(statusesOf(route, doc))) {
    const content = r.schema ? { 'application/json': { schema: schemaRef(r.schema) } } : r.content;
    responses[status] = {
      description: r.description,
      headers: { 'X-Request-ID': { $ref: '#/components/headers/XRequestId' }, ...(r.headers ?? {}) },
      ...(content
        ? { content: Object.fromEntries(Object.entries(content).map(([t, c]) => [t, 'schema' in c ? c : { schema: c }])) }
        : {}),
    };
  }
  responses.default = {
    description: 'Any other error, in the one error body (e.g. 429 rate_limited, 500 internal_error).',
    content: { 'application/json': { schema: schemaRef('error') } },
  };
  const op: Json = {
    operationId: route.id.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase()),
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [doc.tag],
    parameters: [...pathParams, ...query, { $ref: '#/components/parameters/XRequestIdHeader' }],
    responses,
    security: route.scope === 'none' ? [] : [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    'x-ocrlty-scope': route.scope,
    ...(route.debugOnly ? { 'x-ocrlty-debug-only': true } : {}),
  };
  if (doc.requestBody === 'upload-form') {
    op.requestBody = { required: true, content: { 'multipart/form-data': { schema: UPLOAD_FORM } } };
  } else if (doc.requestBody) {
    op.requestBody = { required: true, content: { 'application/json': { schema: schemaRef(doc.requestBody) } } };
  }
  return op;
}

/** The whole document. `serverUrl` is where the API answers (the request's own origin when served). */
export function buildOpenApiDocument(opts: { serverUrl?: string } = {}): Json {
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) {
    const doc = ROUTE_DOCS[route.id];
    if (!doc) throw new Error(`Route ${route.id} has no entry in functions/openapi/route-docs.ts`);
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(route, doc);
  }
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'OCRlty API',
      version: API_VERSION,
      summary: 'Receipt and invoice extraction with a self-hosted vision model',
      description:
        'Every answer carries X-Request-ID. Errors have one shape: `{"error": {"code", "message", "details"?}, "request_id"}`.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl }] } : {}),
    tags: ['system', 'extract', 'uploads', 'batches', 'jobs', 'runs', 'evaluation', 'debug', 'docs'].map((name) => ({ name })),
    paths,
    components: {
      schemas: components(),
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <api_key>' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      headers: {
        XRequestId: { description: 'The request id (taken from the request or generated).', schema: { type: 'string' } },
      },
      parameters: {
        XRequestIdHeader: {
          name: 'X-Request-ID',
          in: 'header',
          required: false,
          description: 'Your own request id, echoed back.',
          schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' },
        },
      },
    },
  };
}
