// The one middy chain every HTTP handler runs through: request id in/out, principal and scope from the
// authorizer context, body parsing by the route's body kind, JSON logs, and DESIGN.md §4 error bodies.
import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
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
  UnsupportedMediaTypeError,
  ValidationError,
  errorBody,
} from '../core/errors.ts';
import type { Logger } from '../core/ports.ts';
import { type RouteDefinition, routeById } from '../routes.ts';
import { corsHeaders, originOf } from './cors.ts';

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
  body?: unknown;
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
    const deps = await getDeps();
    const s = state.get(context)!;
    s.deps = deps;
    const req = buildRequest(event, route, s.requestId, deps.config);
    s.req = req;
    deps.logger.info('request_start', {
      request_id: req.requestId,
      route: route.id,
      method: event.httpMethod,
      path: event.path,
      key_id: req.principal?.keyId,
    });
    const res = await fn(req, deps);
    return toResult(res, req.requestId);
  };

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>(core).use({
    before: (request) => {
      state.set(request.context, { started: Date.now(), requestId: requestIdFrom(request.event) });
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
      const err = request.error;
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
        if (!logger) console.error(err);
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
  const headers: Record<string, string> = {};
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
    body:
      route.body === 'json'
        ? parseJsonBody(event.isBase64Encoded ? rawBody.toString('utf8') : (event.body ?? ''), headers['content-type'])
        : undefined,
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

function parseJsonBody(text: string, contentType: string | undefined): unknown {
  if (contentType && !/^application\/([\w.+-]+\+)?json\b/i.test(contentType.trim())) {
    throw new UnsupportedMediaTypeError('Send the body as application/json', { content_type: contentType });
  }
  if (text.length === 0) throw new ValidationError('The request body is empty; send a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValidationError('The request body is not valid JSON', {
      parse_error: err instanceof Error ? err.message : String(err),
    });
  }
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
  return {
    statusCode: res.statusCode,
    headers: { 'Content-Type': 'application/json', ...res.headers, 'X-Request-ID': requestId },
    body: res.body === undefined ? '' : JSON.stringify(res.body),
  };
}

export const ok = (body: unknown, statusCode = 200): HttpResponse => ({ statusCode, body });
