// The API Gateway REST API: one method per route of functions/routes.ts, the REQUEST authorizer on every
// route whose scope is not 'none', gateway responses in the DESIGN.md §4 error shape, access logs,
// stage throttling, CORS from the settings and (optionally) per-key usage plans.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKeySourceType,
  AuthorizationType,
  Cors,
  EndpointType,
  IdentitySource,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  MethodLoggingLevel,
  Period,
  RequestAuthorizer,
  RequestValidator,
  ResponseType,
  RestApi,
  UsagePlan,
} from 'aws-cdk-lib/aws-apigateway';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Role } from '../../functions/core/auth/api-keys.ts';
import type { RouteDefinition } from '../../functions/routes.ts';
import type { Settings } from '../settings.ts';
import type { ServiceFunction } from './service-function.ts';

/** Content types API Gateway hands to Lambda base64-encoded (the local gateway treats the same ones so). */
export const BINARY_MEDIA_TYPES = [
  'multipart/form-data',
  'image/*',
  'application/octet-stream',
  'application/gzip',
  'application/zip',
];

/** Per-role limits when per-key quotas are on: requests/s, burst, requests/day. */
export const ROLE_QUOTAS: Record<Role, { rateLimit: number; burstLimit: number; perDay: number }> = {
  client: { rateLimit: 5, burstLimit: 10, perDay: 10_000 },
  debugger: { rateLimit: 10, burstLimit: 20, perDay: 20_000 },
  admin: { rateLimit: 20, burstLimit: 40, perDay: 100_000 },
};

/** Headers a browser may send; Authorization and X-API-Key carry the key. */
const CORS_HEADERS = ['Authorization', 'X-API-Key', 'Content-Type', 'X-Request-ID'];

export interface HttpApiProps {
  settings: Settings;
  routes: readonly RouteDefinition[];
  /** The route functions by route id. */
  functions: ReadonlyMap<string, ServiceFunction>;
  authorizer: ServiceFunction;
}

export class HttpApi extends Construct {
  readonly api: RestApi;
  readonly accessLogs: LogGroup;
  readonly methods = new Map<string, Method>();
  readonly usagePlans = new Map<Role, UsagePlan>();

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const { settings } = props;
    const cacheTtl = settings.api.authorizerCacheTtlS;

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      logGroupName: `/ocrlty/${settings.stage}/api-access`,
      retention: settings.logRetentionDays as RetentionDays,
      removalPolicy: settings.isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const cors = settings.corsAllowOrigins;
    this.api = new RestApi(this, 'Api', {
      restApiName: `ocrlty-${settings.stage}`,
      description: `OCRlty receipt and invoice extraction API (${settings.stage})`,
      endpointTypes: [EndpointType.REGIONAL],
      binaryMediaTypes: BINARY_MEDIA_TYPES,
      cloudWatchRole: settings.api.cloudWatchRole,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      ...(settings.api.perKeyQuotas ? { apiKeySourceType: ApiKeySourceType.AUTHORIZER } : {}),
      ...(cors.length > 0
        ? {
            defaultCorsPreflightOptions: {
              allowOrigins: cors.includes('*') ? Cors.ALL_ORIGINS : cors,
              allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
              allowHeaders: CORS_HEADERS,
              maxAge: Duration.hours(1),
            },
          }
        : {}),
      deployOptions: {
        stageName: settings.stage,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
        // Execution logs for errors only, never request or response bodies (images, keys).
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: settings.api.throttleRateLimit,
        throttlingBurstLimit: settings.api.throttleBurstLimit,
      },
    });

    const authorizer = new RequestAuthorizer(this, 'Authorizer', {
      authorizerName: `ocrlty-${settings.stage}-api-key`,
      handler: props.authorizer.fn,
      // Caching needs an identity source, and API Gateway answers 401 without calling the authorizer when
      // one is missing: with a cache only `Authorization: Bearer` works, without it X-API-Key works too.
      identitySources: cacheTtl > 0 ? [IdentitySource.header('Authorization')] : [],
      resultsCacheTtl: Duration.seconds(cacheTtl),
    });
    // Edge checks only: path parameters present, JSON bodies are objects. The handlers validate fully
    // (compiled JSON Schemas, DESIGN.md §4 error details), so API Gateway need not know every schema.
    const validator = new RequestValidator(this, 'RequestValidator', {
      restApi: this.api,
      requestValidatorName: 'path-parameters-and-json-object',
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    const jsonObject = this.api.addModel('JsonObject', {
      modelName: 'JsonObject',
      contentType: 'application/json',
      description: 'Any JSON object; the handler validates the fields',
      schema: { schema: JsonSchemaVersion.DRAFT4, title: 'JsonObject', type: JsonSchemaType.OBJECT },
    });

    const seen = new Set<string>();
    for (const route of props.routes) {
      const key = `${route.method} ${route.path}`;
      if (seen.has(key)) throw new Error(`functions/routes.ts lists ${key} twice`);
      seen.add(key);
      const fn = props.functions.get(route.id);
      if (!fn) throw new Error(`route ${route.id}: no function was built for it`);
      const open = route.scope === 'none';
      const pathParams = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      const method = this.api.root
        .resourceForPath(route.path)
        .addMethod(route.method, new LambdaIntegration(fn.fn, { proxy: true, allowTestInvoke: false }), {
          operationName: route.id,
          ...(open ? { authorizationType: AuthorizationType.NONE } : { authorizationType: AuthorizationType.CUSTOM, authorizer }),
          apiKeyRequired: settings.api.perKeyQuotas && !open,
          requestValidator: validator,
          requestParameters: Object.fromEntries(pathParams.map((p) => [`method.request.path.${p}`, true])),
          ...(route.body === 'json' ? { requestModels: { 'application/json': jsonObject } } : {}),
        });
      if (open) {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${key} is public by design (DESIGN.md §4: liveness/readiness for load balancers and uptime checks); it returns no customer data.`,
        });
      }
      this.methods.set(route.id, method);
    }
    if (settings.api.cloudWatchRole) {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level role API Gateway writes access and execution logs with; AWS publishes this policy for exactly that role and it grants only CloudWatch Logs actions.',
      });
    }
    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Clients are machines holding OCRlty API keys (DESIGN.md §4), checked by the Lambda REQUEST authorizer against the keys table; there are no Cognito users.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'No WAF: every non-public method sits behind the API key authorizer, the stage is throttled (and per-key usage plans are available), and bodies are size-checked by API Gateway and the handlers. Add a WebACL when the API is exposed to untrusted traffic at scale.',
      },
    );

    this.addGatewayResponses(settings);
    if (settings.api.perKeyQuotas) this.addUsagePlans();
  }

  /** API Gateway's own answers (no function ran) in the DESIGN.md §4 error body. */
  private addGatewayResponses(settings: Settings): void {
    const bearerOnly = settings.api.authorizerCacheTtlS > 0;
    const keyHint = bearerOnly
      ? 'Send it as "Authorization: Bearer <key>"'
      : 'Send it as "Authorization: Bearer <key>" or "X-API-Key: <key>"';
    const cors = settings.corsAllowOrigins;
    // Browsers can read these errors only with an Allow-Origin header; a static value needs one origin.
    const corsHeaders: Record<string, string> =
      cors.length === 1
        ? { 'Access-Control-Allow-Origin': `'${cors[0]}'` }
        : cors.includes('*')
          ? { 'Access-Control-Allow-Origin': "'*'" }
          : {};
    const responses: { type: ResponseType; status?: string; code: string; message: string }[] = [
      {
        type: ResponseType.UNAUTHORIZED,
        status: '401',
        code: 'unauthorized',
        message: `Missing, unknown or revoked API key. ${keyHint}.`,
      },
      { type: ResponseType.ACCESS_DENIED, status: '403', code: 'forbidden', message: 'This API key may not call this method' },
      {
        type: ResponseType.INVALID_API_KEY,
        status: '403',
        code: 'forbidden',
        message: 'This API key has no usage plan; ask an admin to re-create it',
      },
      {
        type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
        status: '404',
        code: 'not_found',
        message: 'No route for this method and path',
      },
      { type: ResponseType.RESOURCE_NOT_FOUND, status: '404', code: 'not_found', message: 'No route for this method and path' },
      {
        type: ResponseType.REQUEST_TOO_LARGE,
        status: '413',
        code: 'payload_too_large',
        message: 'The request body exceeds the 10 MB API Gateway limit',
      },
      {
        type: ResponseType.UNSUPPORTED_MEDIA_TYPE,
        status: '415',
        code: 'unsupported_media_type',
        message: 'Unsupported Content-Type',
      },
      {
        type: ResponseType.BAD_REQUEST_PARAMETERS,
        status: '400',
        code: 'validation_error',
        message: 'Missing or invalid path parameters',
      },
      { type: ResponseType.BAD_REQUEST_BODY, status: '400', code: 'validation_error', message: 'Invalid request body' },
      { type: ResponseType.THROTTLED, status: '429', code: 'rate_limited', message: 'Too many requests; retry with backoff' },
      {
        type: ResponseType.QUOTA_EXCEEDED,
        status: '429',
        code: 'rate_limited',
        message: 'The request quota of this API key is used up for today',
      },
      {
        // A throttled function (the GPU guard is full) or an invoke failure: nothing ran, retrying is safe.
        type: ResponseType.INTEGRATION_FAILURE,
        status: '503',
        code: 'backend_unavailable',
        message: 'The service is busy or unavailable; retry with backoff',
      },
      {
        type: ResponseType.INTEGRATION_TIMEOUT,
        status: '504',
        code: 'inference_timeout',
        message: 'The request took longer than API Gateway allows (29 s); use the _async endpoints for slow work',
      },
      { type: ResponseType.DEFAULT_4XX, code: 'forbidden', message: 'The request was refused' },
      { type: ResponseType.DEFAULT_5XX, code: 'internal_error', message: 'Internal error' },
    ];
    for (const r of responses) {
      this.api.addGatewayResponse(`Gw${r.type.responseType}`, {
        type: r.type,
        ...(r.status ? { statusCode: r.status } : {}),
        responseHeaders: { 'Content-Type': "'application/json'", ...corsHeaders },
        templates: { 'application/json': errorTemplate(r.code, r.message) },
      });
    }
  }

  /**
   * One usage plan per role (ROLE_QUOTAS). API Gateway meters the API key the authorizer names in
   * `usageIdentifierKey` (functions/core/auth/api-keys.ts usageKeyValue); `ocrlty keys create` creates that key and
   * adds it to its role's plan when USAGE_PLAN_IDS holds these plans' ids (infra/cli/usage-plans.ts,
   * docs/deploy.md "Per-key quotas").
   */
  private addUsagePlans(): void {
    const stack = Stack.of(this);
    for (const [role, q] of Object.entries(ROLE_QUOTAS) as [Role, (typeof ROLE_QUOTAS)[Role]][]) {
      const plan = this.api.addUsagePlan(`UsagePlan-${role}`, {
        name: `${stack.stackName}-${role}`,
        description: `OCRlty ${role} keys: ${q.rateLimit} req/s, burst ${q.burstLimit}, ${q.perDay} req/day`,
        throttle: { rateLimit: q.rateLimit, burstLimit: q.burstLimit },
        quota: { limit: q.perDay, period: Period.DAY },
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
      this.usagePlans.set(role, plan);
    }
  }
}

/** The access log line: request facts only, never headers or bodies (API keys, images). */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integration.error',
  keyId: '$context.authorizer.key_id',
  authorizerLatency: '$context.authorizer.latency',
  authorizerError: '$context.authorizer.error',
  errorType: '$context.error.responseType',
  errorMessage: '$context.error.message',
};

/** The VTL body of a gateway response: DESIGN.md §4's error shape with API Gateway's request id. */
export function errorTemplate(code: string, message: string): string {
  return `{"error":{"code":${JSON.stringify(code)},"message":${JSON.stringify(message)}},"request_id":"$context.requestId"}`;
}
