// The local API Gateway: an HTTP server that matches the route table, runs the REQUEST authorizer on
// every authenticated route, and invokes the same handler modules Lambda runs with REST proxy events.
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { type RouteDefinition, ROUTES, matchPath } from '../../functions/routes.ts';
import { makeLogger } from '../../functions/adapters/logger.ts';
import { loadConfig } from '../../functions/config.ts';
import type { Logger } from '../../functions/core/ports.ts';
import { corsHeaders, originOf, preflightHeaders } from '../../functions/http/cors.ts';
import { type StaticSite, serveStatic } from './static-site.ts';

/** API Gateway's hard cap on a request body. */
const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;
const BINARY_TYPES = /^(multipart\/|image\/|application\/octet-stream|application\/gzip|application\/zip)/i;

type LambdaFn<E, R> = (event: E, context: Context) => Promise<R>;

export interface GatewayOptions {
  repoRoot: string;
  port: number;
  host?: string;
  /** Called for each request that reached a handler: the gateway's access log. */
  onAccess?: (entry: { method: string; path: string; status: number; ms: number; requestId: string }) => void;
  /** Called with every answer, the gateway's own errors included: tests record them to check the OpenAPI document. */
  onResponse?: (entry: RecordedResponse) => void;
  /** The built web UI, served for GET/HEAD paths no route matches (`/`, `/app.js`, …). */
  site?: StaticSite;
}

/** One answer as a client saw it; `routeId` is null when no route matched. */
export interface RecordedResponse {
  routeId: string | null;
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Gateway {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const modules = new Map<string, Promise<Record<string, unknown>>>();
  const load = (file: string) => {
    let m = modules.get(file);
    if (!m) {
      m = import(pathToFileURL(join(opts.repoRoot, file)).href) as Promise<Record<string, unknown>>;
      modules.set(file, m);
    }
    return m;
  };
  const authorizer = async (): Promise<LambdaFn<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>> =>
    (await load('functions/handlers/authorizer.ts')).authorizerHandler as LambdaFn<
      APIGatewayRequestAuthorizerEvent,
      APIGatewayAuthorizerResult
    >;

  const server = createServer((req, res) => {
    const started = Date.now();
    handle(req, res).catch((err: unknown) => {
      // Logs stay JSON lines: a client that hung up mid-upload is an info line, anything else an error line.
      const aborted = req.destroyed || (err as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET';
      if (aborted) {
        gatewayLogger().info('request_aborted', {
          method: req.method,
          path: (req.url ?? '').split('?')[0],
          received_bytes: req.socket.bytesRead,
          ms: Date.now() - started,
        });
      } else {
        gatewayLogger().error('gateway_error', {
          method: req.method,
          path: (req.url ?? '').split('?')[0],
          error: err instanceof Error ? err.name : 'unknown',
          message: err instanceof Error ? err.message : String(err),
          stack: err instanceof Error ? err.stack : undefined,
        });
      }
      if (res.headersSent || aborted) res.destroy();
      else send(res, 500, errorPayload('internal_error', 'Internal error', req));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://local');
    const method = (req.method ?? 'GET').toUpperCase();
    let routeId: string | null = null;
    const reply = (r: ServerResponse, status: number, payload: { body: string; requestId: string }, extra = {}) => {
      const headers = send(r, status, payload, extra);
      opts.onResponse?.({ routeId, method, path: url.pathname, status, headers, body: Buffer.from(payload.body) });
    };
    // CORS as API Gateway does it: preflights answered by the gateway, its own errors carry the headers too.
    const origin = originOf(req.headers as Record<string, string | undefined>);
    const cors = origin ? corsHeaders(origin, corsAllowlist()) : {};
    if (method === 'OPTIONS') {
      await drain(req);
      const methods = ROUTES.filter((r) => matchPath(r.path, url.pathname)).map((r) => r.method);
      if (methods.length === 0) {
        reply(res, 404, errorPayload('not_found', `No route for ${method} ${url.pathname}`, req), cors);
        return;
      }
      res.writeHead(204, preflightHeaders(origin, corsAllowlist(), methods));
      res.end();
      return;
    }
    const found = findRoute(method, url.pathname);
    routeId = found?.route.id ?? null;
    if (!found && opts.site && serveStatic(req, res, opts.site, url.pathname)) return;
    if (!found) {
      await drain(req);
      const known = ROUTES.some((r) => matchPath(r.path, url.pathname));
      reply(
        res,
        404,
        errorPayload(
          'not_found',
          known ? `${method} is not supported on ${url.pathname}` : `No route for ${method} ${url.pathname}`,
          req,
        ),
        cors,
      );
      return;
    }
    const body = await readBody(req, API_GATEWAY_MAX_BODY);
    if (body === 'too_large') {
      reply(res, 413, errorPayload('payload_too_large', 'Request body exceeds the API Gateway limit of 10 MB', req), cors);
      return;
    }
    const event = toProxyEvent(req, url, method, found.route, found.params, body);

    if (found.route.scope !== 'none') {
      let auth: APIGatewayAuthorizerResult;
      try {
        auth = await (await authorizer())(toAuthorizerEvent(event), fakeContext('authorizer'));
      } catch (err) {
        const unauthorized = err instanceof Error && err.message === 'Unauthorized';
        reply(
          res,
          unauthorized ? 401 : 500,
          unauthorized
            ? errorPayload('unauthorized', 'Missing, unknown or revoked API key', req)
            : errorPayload('internal_error', 'Internal error', req),
          cors,
        );
        return;
      }
      const allowed = auth.policyDocument.Statement.some((s) => 'Effect' in s && s.Effect === 'Allow');
      if (!allowed) {
        reply(res, 403, errorPayload('forbidden', 'The API key is not allowed to call this API', req), cors);
        return;
      }
      event.requestContext.authorizer = { principalId: auth.principalId, ...(auth.context ?? {}) };
    }

    const mod = await load(found.route.handler);
    const fn = mod[found.route.export] as LambdaFn<APIGatewayProxyEvent, APIGatewayProxyResult> | undefined;
    if (typeof fn !== 'function') throw new Error(`${found.route.handler} has no export ${found.route.export}`);
    const result = await fn(event, fakeContext(found.route.id, (found.route.timeoutS ?? 29) * 1000));
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
    const bytes = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined;
    res.writeHead(result.statusCode, headers);
    res.end(bytes);
    opts.onResponse?.({
      routeId: found.route.id,
      method,
      path: url.pathname,
      status: result.statusCode,
      headers,
      body: bytes ?? Buffer.alloc(0),
    });
    opts.onAccess?.({
      method,
      path: url.pathname,
      status: result.statusCode,
      ms: Date.now() - started,
      requestId: headers['X-Request-ID'] ?? '',
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function findRoute(method: string, path: string): { route: RouteDefinition; params: Record<string, string> } | undefined {
  // Literal segments win over parameters, as in API Gateway (/v1/debug/artifacts/backup.tar.gz vs /{id}).
  const candidates = ROUTES.filter((r) => r.method === method)
    .map((route) => ({ route, params: matchPath(route.path, path) }))
    .filter((c): c is { route: RouteDefinition; params: Record<string, string> } => c.params !== undefined);
  candidates.sort((a, b) => Object.keys(a.params).length - Object.keys(b.params).length);
  return candidates[0];
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let total = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > max) tooLarge = true;
    if (!tooLarge) chunks.push(chunk as Buffer);
  }
  return tooLarge ? 'too_large' : Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // discard
  }
}

function toProxyEvent(
  req: IncomingMessage,
  url: URL,
  method: string,
  route: RouteDefinition,
  params: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
  const contentType = req.headers['content-type'] ?? '';
  const binary = BINARY_TYPES.test(contentType);
  const hasQuery = Object.keys(query).length > 0;
  return {
    resource: route.path,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: Object.keys(params).length > 0 ? params : null,
    stageVariables: null,
    body: body.length === 0 ? null : binary ? body.toString('base64') : body.toString('utf8'),
    isBase64Encoded: body.length > 0 && binary,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: {
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? null,
      } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/local${url.pathname}`,
      stage: 'local',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: route.id,
      resourcePath: route.path,
    },
  };
}

function toAuthorizerEvent(event: APIGatewayProxyEvent): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:local:000000000000:local/local/${event.httpMethod}${event.resource}`,
    resource: event.resource,
    path: event.path,
    httpMethod: event.httpMethod,
    headers: event.headers as Record<string, string>,
    multiValueHeaders: event.multiValueHeaders as Record<string, string[]>,
    queryStringParameters: event.queryStringParameters as Record<string, string> | null,
    multiValueQueryStringParameters: event.multiValueQueryStringParameters as Record<string, string[]> | null,
    pathParameters: event.pathParameters as Record<string, string> | null,
    stageVariables: null,
    requestContext: event.requestContext as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

function fakeContext(functionName: string, timeoutMs = 29_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function errorPayload(code: string, message: string, req: IncomingMessage): { body: string; requestId: string } {
  const header = req.headers['x-request-id'];
  const requestId =
    typeof header === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/.test(header)
      ? header
      : `req_${randomUUID().replace(/-/g, '')}`;
  return { body: JSON.stringify({ error: { code, message }, request_id: requestId }), requestId };
}

let logger: Logger | undefined;

/** The gateway's own log lines, in the functions' JSON format and level (LOG_LEVEL). */
function gatewayLogger(): Logger {
  if (!logger) {
    let logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' = 'INFO';
    try {
      logLevel = loadConfig(process.env).logLevel;
    } catch {
      // a bad config is reported by the functions; the gateway still logs
    }
    logger = makeLogger({ logLevel, stage: process.env.STAGE ?? 'local' });
  }
  return logger;
}

/** CORS_ALLOW_ORIGINS as the functions read it (the same env, validated the same way). */
function corsAllowlist(): string[] {
  try {
    return loadConfig(process.env).corsAllowOrigins;
  } catch {
    return [];
  }
}

function send(
  res: ServerResponse,
  status: number,
  payload: { body: string; requestId: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  const headers = { 'Content-Type': 'application/json', 'X-Request-ID': payload.requestId, ...extra };
  res.writeHead(status, headers);
  res.end(payload.body);
  return headers;
}
