// What a function's `needs` (functions/routes.ts Permission) mean on AWS: environment variables, IAM
// statements and which secret it may read. One table for routes, workflow tasks and the authorizer, so
// a function's env and its grants cannot drift apart (STYLE.md, cdklabs/genai-idp).
import { ArnFormat, type Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Permission } from '../../functions/routes.ts';
import { TABLES, type TableDefinition } from '../../functions/tables.ts';
import type { Settings } from '../settings.ts';

/** What the needs mapping resolves against: the deployed resources of one stage. */
export interface NeedsContext {
  settings: Settings;
  tables: Record<TableDefinition['id'], ITable>;
  /** R2 credentials and the vLLM API key (filled by the operator). */
  serviceSecret: ISecret;
  /** The API key pepper (generated; read by the authorizer only). */
  authSecret: ISecret;
  /** ARN of each state machine by the env var that carries it (built from a fixed name: no cycle). */
  workflows: { envVar: string; arn: string }[];
}

export interface NeedsPlan {
  env: Record<string, string>;
  statements: PolicyStatement[];
}

/** DynamoDB actions per access level; no Scan and no table-management actions anywhere. */
const DYNAMO_ACTIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
} as const;

/**
 * Turns `needs` into env + grants. Every function also gets the baseline (stage, log level, bucket
 * name — functions/config.ts requires S3_BUCKET everywhere). `verifiesKeys` marks the authorizer: the
 * only function that reads the pepper. Unknown kinds fail synth: a new Permission needs a mapping here.
 */
export function planNeeds(
  owner: string,
  needs: readonly string[],
  ctx: NeedsContext,
  opts: { verifiesKeys?: boolean } = {},
): NeedsPlan {
  const { settings } = ctx;
  const env: Record<string, string> = {
    STAGE: settings.stage,
    LOG_LEVEL: settings.logLevel,
    DEBUG_MODE: settings.debugMode ? '1' : '0',
    S3_BUCKET: settings.r2.bucket,
    // Only the authorizer hashes keys; everyone else starts without the pepper (functions/config.ts).
    ...(opts.verifiesKeys ? {} : { API_KEY_PEPPER_REQUIRED: '0' }),
    ...(settings.corsAllowOrigins.length > 0 ? { CORS_ALLOW_ORIGINS: settings.corsAllowOrigins.join(',') } : {}),
  };
  const statements: PolicyStatement[] = [];
  let needsServiceSecret = false;

  for (const need of new Set(needs)) {
    const [kind, access] = need.split(':') as [string, string | undefined];
    const table = TABLES.find((t) => t.id === kind);
    if (table && (access === 'read' || access === 'write')) {
      const t = ctx.tables[table.id];
      env[table.envVar] = t.tableName;
      const indexArns = access === 'read' ? table.indexes.map((i) => `${t.tableArn}/index/${i.name}`) : [];
      statements.push(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: [...DYNAMO_ACTIONS[access]],
          resources: [t.tableArn, ...indexArns],
        }),
      );
      continue;
    }
    switch (need as Permission) {
      case 'bucket:read':
      case 'bucket:write':
      case 'bucket:presign':
        // R2 is not AWS: no S3 IAM grant exists. Access is the R2 token in the service secret; read
        // and write share that token (R2 tokens are per bucket, not per prefix or verb).
        env.S3_ENDPOINT_URL = settings.r2.endpoint;
        env.S3_REGION = 'auto';
        env.S3_PREFIX = settings.r2.prefix;
        needsServiceSecret = true;
        break;
      case 'model':
        if (settings.vllm.baseUrl) {
          env.INFERENCE_BACKEND = 'vllm';
          env.VLLM_BASE_URL = settings.vllm.baseUrl;
          needsServiceSecret = true; // VLLM_API_KEY
        } else {
          env.INFERENCE_BACKEND = 'mock';
        }
        env.VLLM_MODEL = settings.vllm.model;
        env.VLLM_MAX_MODEL_LEN = String(settings.vllm.maxModelLen);
        // One invocation per container: reserved concurrency alone counts the GPU calls in flight.
        env.VLLM_MAX_INFLIGHT = '1';
        break;
      case 'workflow:start': {
        if (ctx.workflows.length === 0) throw new Error(`${owner} needs 'workflow:start' but no state machine is defined`);
        const envVars = new Set(ctx.workflows.map((w) => w.envVar));
        if (envVars.size !== ctx.workflows.length) {
          throw new Error(
            `${owner}: several state machines share one ARN variable (${[...envVars].join(', ')}); give each its own`,
          );
        }
        for (const w of ctx.workflows) env[w.envVar] = w.arn;
        statements.push(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: ['states:StartExecution'],
            resources: ctx.workflows.map((w) => w.arn),
          }),
        );
        break;
      }
      default:
        throw new Error(
          `${owner} needs "${need}", which the CDK app does not know. Map it in infra/constructs/needs.ts ` +
            `(known: ${[...TABLES.flatMap((t) => [`${t.id}:read`, `${t.id}:write`]), 'bucket:read', 'bucket:write', 'bucket:presign', 'workflow:start', 'model'].join(', ')})`,
        );
    }
  }

  let secret: ISecret | undefined;
  if (opts.verifiesKeys) {
    if (needsServiceSecret)
      throw new Error(`${owner} verifies keys and also needs R2 or vLLM credentials: keep the authorizer to keys:read`);
    secret = ctx.authSecret;
  } else if (needsServiceSecret) {
    secret = ctx.serviceSecret;
  }
  if (secret) {
    // The one secret the function reads at cold start (functions/adapters/secrets.ts).
    env.SECRETS_ARN = secret.secretArn;
    statements.push(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
  }
  return { env, statements };
}

/** `arn:…:states:region:account:stateMachine:name` without referencing the state machine construct. */
export function stateMachineArn(scope: Stack, name: string): string {
  return scope.formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
