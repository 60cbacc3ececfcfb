// The one middy chain every HTTP handler runs through: request id in/out, principal and scope from the
// authorizer context, body parsing by the route's body kind, JSON logs, and DESIGN.md §4 error bodies.
import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Config } from '../config.ts';
import { isValidId } from '../core/artifact-keys.ts';
import { type Principal, ROLES, type Role, SCOPES, type Scope, requireScope } from '../core/auth/api-keys.ts';
import {
  AppError,
  InternalError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  ValidationError,
  errorBody,
} from '../core/errors.ts';
import type { Logger } from '../core/ports.ts';
import { dict } from '../core/safe-keys.ts';
import { type RouteDefinition, routeById } from '../routes.ts';
import { corsHeaders, originOf } from './cors.ts';
import { jsonBodyError } from './json-body.ts';

export interface HttpRequest {
  requestId: string;
  route: RouteDefinition;
  /** Present on every route whose scope is not 'none'. */
  principal: Principal | undefined;
  /** Parsed JSON for json routes; undefined otherwise. */
  body: unknown;
  rawBody: Buffer;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  query: Record<string, string>;
  params: Record<string, string>;
  event: APIGatewayProxyEvent;
}

export interface HttpResponse {
  statusCode: number;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, as text/plain unless `headers` say otherwise (instead of `body`). */
  text?: string;
  headers?: Record<string, string>;
}

/** What the chain itself needs from the container. */
export interface HttpDeps {
  config: Config;
  logger: Logger;
}

export type RouteFn<D> = (req: HttpRequest, deps: D) => Promise<HttpResponse>;

interface InternalState {
  req?: HttpRequest;
  started: number;
  requestId: string;
  deps?: HttpDeps;
}

/** Wraps a route function in the shared middy chain. `getDeps` is resolved once per container. */
export function httpHandler<D extends HttpDeps>(routeId: string, getDeps: () => Promise<D>, fn: RouteFn<D>) {
  const route = routeById(routeId);
  const state = new WeakMap<object, InternalState>();

  const core = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const s = state.get(context)!;
    const req = s.req!;
    // http-json-body-parser has replaced the event's body with the parsed value on json routes.
    if (route.body === 'json') req.body = event.body as unknown;
    const res = await fn(req, s.deps as D);
    return toResult(res, req.requestId);
  };

  const chain = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>(core).use({
    before: async (request) => {
      const s: InternalState = { started: Date.now(), requestId: requestIdFrom(request.event) };
      state.set(request.context, s);
      const deps = await getDeps();
      s.deps = deps;
      // Auth, scope and size are checked before the body is parsed: a refused caller never gets it parsed.
      s.req = buildRequest(request.event, route, s.requestId, deps.config);
      deps.logger.info('request_start', {
        request_id: s.requestId,
        route: route.id,
        method: request.event.httpMethod,
        path: request.event.path,
        key_id: s.req.principal?.keyId,
      });
      if (route.body === 'json') prepareJsonBody(request.event, s.req);
    },
    after: (request) => {
      const s = state.get(request.context);
      if (!s || !request.response) return;
      request.response.headers = {
        ...request.response.headers,
        'X-Request-ID': s.requestId,
        ...corsHeaders(originOf(request.event.headers), s.deps?.config.corsAllowOrigins ?? []),
      };
      s.deps?.logger.info('request_end', {
        request_id: s.requestId,
        route: route.id,
        status: request.response.statusCode,
        ms: Date.now() - s.started,
      });
    },
    onError: async (request) => {
      const s = state.get(request.context) ?? { started: Date.now(), requestId: requestIdFrom(request.event) };
      // middy's JSON parser errors carry the whole body as their cause: mapped here, never logged or echoed.
      const err = jsonBodyError(request.error) ?? request.error;
      const logger = s.deps?.logger;
      const appError = err instanceof AppError ? err : new InternalError();
      if (!(err instanceof AppError)) {
        // Unknown failures are logged with their stack and reach the client as a bare 500.
        logger?.error('request_error', {
          request_id: s.requestId,
          route: route.id,
          error: err instanceof Error ? err.name : 'unknown',
          message: err instanceof Error ? err.message : String(err),
          stack: err instanceof Error ? err.stack : undefined,
        });
        // No logger when the container itself failed to build: still one JSON line, never a bare stack.
        if (!logger) process.stderr.write(`${JSON.stringify(unloggedError(s.requestId, route.id, err))}\n`);
      } else {
        logger?.[appError.statusCode >= 500 ? 'error' : 'info']('request_error', {
          request_id: s.requestId,
          route: route.id,
          status: appError.statusCode,
          code: appError.code,
          ms: Date.now() - s.started,
        });
      }
      request.response = {
        statusCode: appError.statusCode,
        headers: {
          'Content-Type': 'application/json',
          'X-Request-ID': s.requestId,
          // Browsers can read an error only with the CORS headers too.
          ...corsHeaders(originOf(request.event.headers), s.deps?.config.corsAllowOrigins ?? []),
        },
        body: JSON.stringify(errorBody(appError, s.requestId)),
      };
    },
  });
  return route.body === 'json' ? chain.use(httpJsonBodyParser()) : chain;
}

function unloggedError(requestId: string, routeId: string, err: unknown): Record<string, unknown> {
  return {
    level: 'ERROR',
    message: 'request_error',
    event: 'request_error',
    request_id: requestId,
    route: routeId,
    error: err instanceof Error ? err.name : 'unknown',
    error_message: err instanceof Error ? err.message : String(err),
    stack: err instanceof Error ? err.stack : undefined,
    timestamp: new Date().toISOString(),
  };
}

/** X-Request-ID from the client when it is a safe id; otherwise a fresh one. */
export function requestIdFrom(event: Pick<APIGatewayProxyEvent, 'headers'>): string {
  const header = headerValue(event.headers, 'x-request-id');
  return header && isValidId(header) ? header : `req_${randomUUID().replace(/-/g, '')}`;
}

function headerValue(headers: APIGatewayProxyEvent['headers'] | null | undefined, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() === name && v) return v;
  return undefined;
}

function buildRequest(event: APIGatewayProxyEvent, route: RouteDefinition, requestId: string, config: Config): HttpRequest {
  // Header names are the client's: a prototype-free map (issue 9 #2).
  const headers = dict<string>();
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  const principal = principalFrom(event);
  if (route.scope !== 'none') {
    if (!principal) throw new UnauthorizedError();
    // A debug route does not exist outside debug mode: the same 404 for every key, whatever its scopes.
    if (route.debugOnly && !config.debugMode) throw new NotFoundError(`No route for ${event.httpMethod} ${event.path}`);
    if (route.scope !== 'any') requireScope(principal, route.scope);
  }
  const rawBody = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  if (rawBody.length > config.limits.maxBodyBytes) {
    throw new PayloadTooLargeError(`Request body is larger than ${config.limits.maxBodyBytes} bytes`, {
      max_body_bytes: config.limits.maxBodyBytes,
    });
  }
  return {
    requestId,
    route,
    principal,
    body: undefined,
    rawBody,
    headers,
    query: Object.fromEntries(Object.entries(event.queryStringParameters ?? {}).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >,
    params: Object.fromEntries(Object.entries(event.pathParameters ?? {}).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >,
    event,
  };
}

/**
 * Readies a json route's event for http-json-body-parser: an empty body is our own 400 (the parser would
 * read API Gateway's `null` as the JSON value null) and the Content-Type header is found whatever its case.
 */
function prepareJsonBody(event: APIGatewayProxyEvent, req: HttpRequest): void {
  if (req.rawBody.length === 0) throw new ValidationError('The request body is empty; send a JSON object');
  const contentType = req.headers['content-type'];
  if (contentType !== undefined) event.headers = { ...event.headers, 'content-type': contentType };
}

/** The principal the authorizer put in the request context (strings only, as API Gateway requires). */
export function principalFrom(event: APIGatewayProxyEvent): Principal | undefined {
  const ctx = event.requestContext?.authorizer as Record<string, unknown> | null | undefined;
  const keyId = ctx?.key_id;
  const role = ctx?.role;
  if (typeof keyId !== 'string' || typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) return undefined;
  const scopes = String(ctx?.scopes ?? '')
    .split(',')
    .filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
  return { keyId, role: role as Role, scopes };
}

function toResult(res: HttpResponse, requestId: string): APIGatewayProxyResult {
  if (res.text !== undefined) {
    return {
      statusCode: res.statusCode,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', ...res.headers, 'X-Request-ID': requestId },
      body: res.text,
    };
  }
  return {
    statusCode: res.statusCode,
    headers: { 'Content-Type': 'application/json', ...res.headers, 'X-Request-ID': requestId },
    body: res.body === undefined ? '' : JSON.stringify(res.body),
  };
}

/** True when the client asked for JSON (`Accept` names application/json, or a +json type). */
export function acceptsJson(accept: string | undefined): boolean {
  return /\bapplication\/([\w.+-]+\+)?json\b/i.test(accept ?? '');
}

export const ok = (body: unknown, statusCode = 200): HttpResponse => ({ statusCode, body });

/** A non-JSON answer (an HTML page, a script). */
export const textResponse = (text: string, contentType: string, headers: Record<string, string> = {}): HttpResponse => ({
  statusCode: 200,
  text,
  headers: { 'Content-Type': contentType, ...headers },
});
