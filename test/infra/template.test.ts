// Template assertions on the synthesized stacks (bundling off): API ↔ route table, state machine ↔ task
// table, GPU guard, tables, secrets, least privilege, and every function's env accepted by loadConfig.
import { beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../functions/config.ts';
import { ROUTES } from '../../functions/routes.ts';
import { TABLES } from '../../functions/tables.ts';
import { STATE_MACHINES, WORKFLOW_TASKS } from '../../functions/tasks.ts';
import { aslPlaceholders } from '../../infra/constructs/asl-bindings.ts';
import { pascal } from '../../infra/stacks/data-stack.ts';
import {
  type Resource,
  type Synth,
  type Template,
  actionsOf,
  apiMethods,
  flatten,
  functionByExport,
  resourcesOf,
  statementsOf,
  synth,
} from './support.ts';

let dev: Synth;
let prod: Synth;

beforeAll(() => {
  dev = synth({ stage: 'dev' });
  prod = synth({ stage: 'prod' });
});

const envOf = (fn: Resource): Record<string, string> =>
  Object.fromEntries(
    Object.entries(fn.Properties!.Environment.Variables as Record<string, unknown>).map(([k, v]) => [k, flatten(v)]),
  );

/** Every function with the needs it was built from (the authorizer reads keys only). */
function functionsWithNeeds(t: Template) {
  return [
    { owner: 'authorizer', fn: functionByExport(t, 'authorizerHandler'), needs: ['keys:read'] as string[], verifiesKeys: true },
    ...ROUTES.map((r) => ({
      owner: `route ${r.id}`,
      fn: functionByExport(t, r.export),
      needs: [...r.needs] as string[],
      verifiesKeys: false,
    })),
    ...WORKFLOW_TASKS.map((k) => ({
      owner: `task ${k.state}`,
      fn: functionByExport(t, k.export),
      needs: [...k.needs] as string[],
      verifiesKeys: false,
    })),
  ];
}

describe('API Gateway', () => {
  test('has exactly one method per route, each with the authorizer unless the route is public', () => {
    const methods = apiMethods(dev.service);
    const expected = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
    expect([...methods.keys()].filter((k) => !k.startsWith('OPTIONS ')).sort()).toEqual(expected);
    for (const route of ROUTES) {
      const m = methods.get(`${route.method} ${route.path}`)!.Properties!;
      if (route.scope === 'none') {
        expect(m.AuthorizationType, route.id).toBe('NONE');
      } else {
        expect(m.AuthorizationType, route.id).toBe('CUSTOM');
        expect(m.AuthorizerId, route.id).toBeDefined();
      }
    }
  });

  test('has the four upload session methods, each behind the authorizer and on a function of its own', () => {
    const methods = apiMethods(dev.service);
    const uploads = [
      ['POST /v1/uploads', 'createUploadHandler'],
      ['GET /v1/uploads/{upload_id}', 'getUploadHandler'],
      ['POST /v1/uploads/{upload_id}/files', 'addUploadFilesHandler'],
      ['POST /v1/uploads/{upload_id}/complete', 'completeUploadHandler'],
    ] as const;
    for (const [key, exportName] of uploads) {
      const method = methods.get(key);
      expect(method?.Properties!.AuthorizationType, key).toBe('CUSTOM');
      expect(flatten(method?.Properties!.Integration.Uri), key).toContain(functionByExport(dev.service, exportName)[0]);
    }
  });

  test('leaves only /health, /ready and the API description open', () => {
    const open = [...apiMethods(dev.service)].filter(
      ([k, m]) => !k.startsWith('OPTIONS ') && m.Properties!.AuthorizationType === 'NONE',
    );
    expect(open.map(([k]) => k).sort()).toEqual([
      'GET /docs',
      'GET /docs/{asset}',
      'GET /health',
      'GET /openapi.json',
      'GET /ready',
    ]);
  });

  test("sends each route to its own function's exported handler through a Lambda proxy integration", () => {
    const methods = apiMethods(dev.service);
    for (const route of ROUTES) {
      const [logicalId] = functionByExport(dev.service, route.export);
      const integration = methods.get(`${route.method} ${route.path}`)!.Properties!.Integration;
      expect(integration.Type, route.id).toBe('AWS_PROXY');
      expect(flatten(integration.Uri), route.id).toContain(`<${logicalId}.Arn>`);
    }
  });

  test('caches the REQUEST authorizer for 60 s keyed on the Authorization header', () => {
    const [[, authorizer]] = resourcesOf(dev.service, 'AWS::ApiGateway::Authorizer') as [[string, Resource]];
    expect(authorizer.Properties).toMatchObject({
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 60,
    });
    expect(flatten(authorizer.Properties!.AuthorizerUri)).toContain(
      `<${functionByExport(dev.service, 'authorizerHandler')[0]}.Arn>`,
    );
  });

  test('without a cache the authorizer needs no identity source, so X-API-Key callers get through', () => {
    const noCache = synth({ authorizerCacheTtlS: '0' });
    const [[, authorizer]] = resourcesOf(noCache.service, 'AWS::ApiGateway::Authorizer') as [[string, Resource]];
    expect(authorizer.Properties!.AuthorizerResultTtlInSeconds).toBe(0);
    expect(authorizer.Properties!.IdentitySource ?? '').toBe('');
    const [, unauthorized] = resourcesOf(noCache.service, 'AWS::ApiGateway::GatewayResponse').find(
      ([, r]) => r.Properties!.ResponseType === 'UNAUTHORIZED',
    )!;
    expect(unauthorized.Properties!.ResponseTemplates['application/json']).toContain('X-API-Key');
  });

  test.each([
    ['UNAUTHORIZED', '401', 'unauthorized'],
    ['ACCESS_DENIED', '403', 'forbidden'],
    ['MISSING_AUTHENTICATION_TOKEN', '404', 'not_found'],
    ['REQUEST_TOO_LARGE', '413', 'payload_too_large'],
    ['THROTTLED', '429', 'rate_limited'],
    ['QUOTA_EXCEEDED', '429', 'rate_limited'],
    ['INTEGRATION_FAILURE', '503', 'backend_unavailable'],
    ['DEFAULT_5XX', undefined, 'internal_error'],
  ])('answers %s with %s and the DESIGN.md error body (code %s)', (type, status, code) => {
    const [, response] = resourcesOf(dev.service, 'AWS::ApiGateway::GatewayResponse').find(
      ([, r]) => r.Properties!.ResponseType === type,
    )!;
    expect(response.Properties!.StatusCode).toBe(status);
    const body = JSON.parse(
      (response.Properties!.ResponseTemplates['application/json'] as string).replace('$context.requestId', 'req-1'),
    );
    expect(body).toEqual({ error: { code, message: expect.any(String) }, request_id: 'req-1' });
    expect(response.Properties!.ResponseParameters['gatewayresponse.header.Content-Type']).toBe("'application/json'");
  });

  test('passes multipart and images to Lambda as binary', () => {
    const [[, api]] = resourcesOf(dev.service, 'AWS::ApiGateway::RestApi') as [[string, Resource]];
    expect(api.Properties!.BinaryMediaTypes).toEqual(expect.arrayContaining(['multipart/form-data', 'image/*']));
  });

  test('the stage writes JSON access logs, throttles, traces and logs errors without bodies', () => {
    const [[, stage]] = resourcesOf(dev.service, 'AWS::ApiGateway::Stage') as [[string, Resource]];
    expect(stage.Properties!.StageName).toBe('dev');
    expect(stage.Properties!.TracingEnabled).toBe(true);
    const access = JSON.parse(stage.Properties!.AccessLogSetting.Format as string);
    expect(access).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      keyId: '$context.authorizer.key_id',
    });
    expect(stage.Properties!.MethodSettings).toEqual([
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
      }),
    ]);
  });

  test('has no CORS preflight unless origins are configured, then answers OPTIONS for them', () => {
    expect([...apiMethods(dev.service).keys()].some((k) => k.startsWith('OPTIONS '))).toBe(false);
    const withCors = synth({ corsAllowOrigins: 'https://app.example.com' });
    const options = [...apiMethods(withCors.service)].filter(([k]) => k.startsWith('OPTIONS '));
    expect(options.length).toBeGreaterThan(0);
    expect(JSON.stringify(options[0]![1].Properties!.Integration)).toContain('https://app.example.com');
  });

  test('per-key quotas: a usage plan per role, keys from the authorizer, required on authenticated methods', () => {
    const quotas = synth({ perKeyQuotas: 'true' });
    const [[, api]] = resourcesOf(quotas.service, 'AWS::ApiGateway::RestApi') as [[string, Resource]];
    expect(api.Properties!.ApiKeySourceType).toBe('AUTHORIZER');
    const plans = resourcesOf(quotas.service, 'AWS::ApiGateway::UsagePlan').map(([, p]) => p.Properties!);
    expect(plans.map((p) => p.UsagePlanName).sort()).toEqual([
      'OcrltyService-dev-admin',
      'OcrltyService-dev-client',
      'OcrltyService-dev-debugger',
    ]);
    for (const p of plans) expect(p.Quota).toMatchObject({ Period: 'DAY' });
    for (const route of ROUTES) {
      const m = apiMethods(quotas.service).get(`${route.method} ${route.path}`)!;
      expect(m.Properties!.ApiKeyRequired ?? false, route.id).toBe(route.scope !== 'none');
    }
  });
});

describe('state machines', () => {
  test('have one definition substitution per task placeholder, each the ARN of that task function, and none dangling', () => {
    const machines = resourcesOf(dev.service, 'AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(STATE_MACHINES.length);
    const substituted = new Set<string>();
    for (const [, sm] of machines) {
      const definition = sm.Properties!.DefinitionString as string;
      const subs = sm.Properties!.DefinitionSubstitutions as Record<string, unknown>;
      expect(Object.keys(subs).sort()).toEqual(aslPlaceholders(definition).sort());
      for (const [placeholder, value] of Object.entries(subs)) {
        const task = WORKFLOW_TASKS.find((t) => t.placeholder === placeholder)!;
        expect(task, placeholder).toBeDefined();
        expect(value).toEqual({ 'Fn::GetAtt': [functionByExport(dev.service, task.export)[0], 'Arn'] });
        substituted.add(placeholder);
      }
    }
    expect([...substituted].sort()).toEqual(WORKFLOW_TASKS.map((t) => t.placeholder).sort());
  });

  test('log ALL events without execution data, trace with X-Ray and carry fixed names', () => {
    for (const [, sm] of resourcesOf(prod.service, 'AWS::StepFunctions::StateMachine')) {
      expect(sm.Properties!.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
      expect(sm.Properties!.TracingConfiguration).toEqual({ Enabled: true });
      expect(sm.Properties!.StateMachineName).toMatch(/^ocrlty-prod-/);
    }
  });

  test('may invoke exactly the task functions', () => {
    for (const [, sm] of resourcesOf(dev.service, 'AWS::StepFunctions::StateMachine')) {
      const roleId = sm.Properties!.RoleArn['Fn::GetAtt'][0] as string;
      const statements = resourcesOf(dev.service, 'AWS::IAM::Policy')
        .filter(([, p]) => (p.Properties!.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
        .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
      const invoke = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
      expect(invoke).toHaveLength(1);
      const targets = (invoke[0]!.Resource as unknown[]).map(flatten).sort();
      expect(targets).toEqual(WORKFLOW_TASKS.map((t) => `<${functionByExport(dev.service, t.export)[0]}.Arn>`).sort());
    }
  });
});

describe('GPU guard', () => {
  const reserved = (s: Synth, exportName: string) =>
    functionByExport(s.service, exportName)[1].Properties!.ReservedConcurrentExecutions;
  const extractItem = WORKFLOW_TASKS.find((t) => t.state === 'ExtractItem')!;
  const syncExtract = ROUTES.find((r) => r.id === 'extract')!;

  test('splits VLLM_MAX_INFLIGHT between the ExtractItem task and POST /v1/extract', () => {
    expect(reserved(dev, extractItem.export)).toBe(3);
    expect(reserved(dev, syncExtract.export)).toBe(1);
  });

  test('follows vllmMaxInflight and vllmSyncInflight from the context', () => {
    const big = synth({ vllmMaxInflight: '8', vllmSyncInflight: '2' });
    expect(reserved(big, extractItem.export)).toBe(6);
    expect(reserved(big, syncExtract.export)).toBe(2);
  });

  test('caps nothing else, and every model caller makes one call per container', () => {
    const capped = resourcesOf(dev.service, 'AWS::Lambda::Function').filter(
      ([, f]) => f.Properties!.ReservedConcurrentExecutions !== undefined,
    );
    expect(capped.map(([, f]) => f.Properties!.Handler).sort()).toEqual(
      [`index.${syncExtract.export}`, `index.${extractItem.export}`].sort(),
    );
    for (const exportName of [extractItem.export, syncExtract.export]) {
      expect(envOf(functionByExport(dev.service, exportName)[1])).toMatchObject({
        VLLM_MAX_INFLIGHT: '1',
        INFERENCE_BACKEND: 'vllm',
      });
    }
  });

  test('the ExtractItem retry on Lambda throttling is what queues excess items', () => {
    const [, sm] = resourcesOf(dev.service, 'AWS::StepFunctions::StateMachine')[0]!;
    const definition = sm.Properties!.DefinitionString as string;
    expect(definition).toMatch(/"ExtractItem"[\s\S]*"Lambda\.TooManyRequestsException"/);
  });
});

describe('functions', () => {
  test('run Node 24 on arm64 with a log group of their own and the stage retention', () => {
    const groups = Object.fromEntries(resourcesOf(prod.service, 'AWS::Logs::LogGroup').map(([id, g]) => [id, g]));
    for (const [, fn] of resourcesOf(prod.service, 'AWS::Lambda::Function')) {
      expect(fn.Properties!.Runtime).toBe('nodejs24.x');
      expect(fn.Properties!.Architectures).toEqual(['arm64']);
      const group = groups[fn.Properties!.LoggingConfig.LogGroup.Ref as string]!;
      expect(group.Properties!.RetentionInDays).toBe(365);
      expect(group.DeletionPolicy).toBe('Retain');
    }
  });

  test("each function's environment passes loadConfig once its secret is read", () => {
    for (const { owner, fn } of functionsWithNeeds(dev.service)) {
      const env = envOf(fn[1]);
      const secret = env.SECRETS_ARN ?? '';
      const fromSecret = secret.includes('AuthSecret')
        ? { API_KEY_PEPPER: 'p'.repeat(48) }
        : secret.includes('ServiceSecret')
          ? { VLLM_API_KEY: 'k'.repeat(40), R2_ACCESS_KEY_ID: 'id', R2_SECRET_ACCESS_KEY: 'secret' }
          : {};
      expect(() => loadConfig({ ...env, ...fromSecret, AWS_REGION: 'eu-west-1' }), owner).not.toThrow();
    }
  });

  test('carry no secret value in their environment', () => {
    for (const [, fn] of resourcesOf(prod.service, 'AWS::Lambda::Function')) {
      const names = Object.keys(fn.Properties!.Environment.Variables);
      expect(names.filter((n) => /PEPPER$|API_KEY$|SECRET|ACCESS_KEY/.test(n) && n !== 'SECRETS_ARN')).toEqual([]);
    }
  });
});

describe('least privilege', () => {
  const tableOf = (resource: unknown): string | undefined =>
    TABLES.find((t) => flatten(resource).includes(`${pascal(t.id)}Table`))?.id;

  test('grants follow needs: table actions, secret and workflow access exactly as each function declares', () => {
    const WRITE = new Set(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']);
    for (const { owner, fn, needs, verifiesKeys } of functionsWithNeeds(dev.service)) {
      const statements = statementsOf(dev.service, fn[0]);
      const tableGrants = new Set<string>();
      for (const s of statements) {
        const resources = [s.Resource].flat();
        expect(resources.map(flatten), owner).not.toContain('*');
        for (const action of actionsOf(s).filter((a) => a.startsWith('dynamodb:'))) {
          expect(action, owner).not.toBe('dynamodb:Scan');
          for (const r of resources) tableGrants.add(`${tableOf(r)}:${WRITE.has(action) ? 'write' : 'read'}`);
        }
      }
      const tableNeeds = needs.filter((n) => TABLES.some((t) => n.startsWith(`${t.id}:`)));
      expect([...tableGrants].sort(), owner).toEqual([...new Set(tableNeeds)].sort());
      const granted = (prefix: string) => statements.some((s) => actionsOf(s).some((a) => a.startsWith(prefix)));
      const needsSecret = verifiesKeys || needs.some((n) => n.startsWith('bucket:') || n === 'model');
      expect(granted('secretsmanager:'), `${owner} secret`).toBe(needsSecret);
      expect(granted('states:'), `${owner} workflow`).toBe(needs.includes('workflow:start'));
      expect(granted('s3:'), `${owner} has an S3 grant, but the bucket is R2`).toBe(false);
    }
  });

  test('the authorizer reads the keys table and the pepper, and can write nothing', () => {
    const [id] = functionByExport(dev.service, 'authorizerHandler');
    const actions = statementsOf(dev.service, id).flatMap(actionsOf);
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    const secret = statementsOf(dev.service, id).find((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))!;
    expect(flatten(secret.Resource)).toContain('AuthSecret');
  });

  test('only the authorizer may read the pepper', () => {
    const readers = resourcesOf(dev.service, 'AWS::Lambda::Function').filter(([id]) =>
      statementsOf(dev.service, id).some(
        (s) => actionsOf(s).includes('secretsmanager:GetSecretValue') && flatten(s.Resource).includes('AuthSecret'),
      ),
    );
    expect(readers.map(([, f]) => f.Properties!.Handler)).toEqual(['index.authorizerHandler']);
  });

  test('signing upload URLs needs only the R2 secret: POST /v1/uploads writes the uploads table and has no S3 grant', () => {
    const [id, fn] = functionByExport(dev.service, 'createUploadHandler');
    const statements = statementsOf(dev.service, id);
    const actions = statements.flatMap(actionsOf).filter((a) => !a.startsWith('logs:'));
    expect(actions.sort()).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'secretsmanager:GetSecretValue',
    ]);
    for (const s of statements.filter((x) => actionsOf(x).some((a) => a.startsWith('dynamodb:')))) {
      expect(flatten(s.Resource)).toContain('UploadsTable');
    }
    expect(flatten(statements.find((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))!.Resource)).toContain(
      'ServiceSecret',
    );
    expect(envOf(fn)).toMatchObject({ UPLOADS_TABLE: expect.stringContaining('UploadsTable'), S3_REGION: 'auto' });
  });

  test('PrepareBatch may read the uploads table (a session run reads its files there), and write none of it', () => {
    const [id] = functionByExport(dev.service, 'prepareBatchHandler');
    const uploadActions = statementsOf(dev.service, id)
      .filter((s) => flatten(s.Resource).includes('UploadsTable'))
      .flatMap(actionsOf);
    expect(uploadActions.sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
  });

  test('routes that need nothing get nothing beyond their own logs', () => {
    for (const route of ROUTES.filter((r) => r.needs.length === 0)) {
      const actions = statementsOf(dev.service, functionByExport(dev.service, route.export)[0]).flatMap(actionsOf);
      expect(actions.sort(), route.id).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(envOf(functionByExport(dev.service, route.export)[1]).SECRETS_ARN, route.id).toBeUndefined();
    }
  });
});

describe('data stack', () => {
  test('declares every table of functions/tables.ts with its keys, indexes, PITR and TTL', () => {
    const tables = resourcesOf(dev.data, 'AWS::DynamoDB::Table').map(([, t]) => t.Properties!);
    expect(tables.map((t) => t.TableName).sort()).toEqual(TABLES.map((t) => `ocrlty-dev-${t.id}`).sort());
    for (const def of TABLES) {
      const t = tables.find((x) => x.TableName === `ocrlty-dev-${def.id}`)!;
      expect(t.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(t.BillingMode).toBe('PAY_PER_REQUEST');
      expect(t.KeySchema[0]).toEqual({ AttributeName: def.partitionKey, KeyType: 'HASH' });
      expect((t.GlobalSecondaryIndexes ?? []).map((i: { IndexName: string }) => i.IndexName).sort()).toEqual(
        def.indexes.map((i) => i.name).sort(),
      );
      if (def.ttlAttribute) expect(t.TimeToLiveSpecification).toEqual({ AttributeName: def.ttlAttribute, Enabled: true });
      else expect(t.TimeToLiveSpecification).toBeUndefined();
    }
  });

  test('retains tables and secrets in prod and protects them from deletion; dev is disposable', () => {
    for (const [, t] of resourcesOf(prod.data, 'AWS::DynamoDB::Table')) {
      expect(t.DeletionPolicy).toBe('Retain');
      expect(t.Properties!.DeletionProtectionEnabled).toBe(true);
    }
    for (const [, s] of resourcesOf(prod.data, 'AWS::SecretsManager::Secret')) expect(s.DeletionPolicy).toBe('Retain');
    for (const [, t] of resourcesOf(dev.data, 'AWS::DynamoDB::Table')) expect(t.DeletionPolicy).toBe('Delete');
  });

  test('creates the secrets without a value: only generated keys, nothing secret in either template', () => {
    const secrets = resourcesOf(prod.data, 'AWS::SecretsManager::Secret').map(([, s]) => s.Properties!);
    expect(secrets.map((s) => s.Name).sort()).toEqual(['ocrlty/prod/auth', 'ocrlty/prod/service']);
    for (const s of secrets) {
      expect(s.SecretString).toBeUndefined();
      expect(s.GenerateSecretString.SecretStringTemplate).toBe('{}');
    }
    for (const template of [prod.data, prod.service]) {
      const text = JSON.stringify(template);
      expect(text).not.toMatch(/"(API_KEY_PEPPER|VLLM_API_KEY|R2_ACCESS_KEY_ID|R2_SECRET_ACCESS_KEY)"\s*:/);
      expect(text).not.toContain('"SecretString"');
    }
  });
});

describe('operations', () => {
  const alarmNames = (s: Synth) =>
    resourcesOf(s.service, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!.AlarmName as string);

  test('alarms on the 5xx rate, failed executions, throttled model calls and authorizer errors, all to the topic', () => {
    const names = alarmNames(dev);
    expect(names).toEqual(
      expect.arrayContaining([
        'ocrlty-dev-api-5xx-rate',
        ...STATE_MACHINES.map((m) => `ocrlty-dev-${m.id}-failed-executions`),
        'ocrlty-dev-model-backend-throttled',
        'ocrlty-dev-authorizer-errors',
      ]),
    );
    expect(names.filter((n) => /gpu-(throttled|saturated)$/.test(n)).sort()).toEqual([
      'ocrlty-dev-api-extract-gpu-throttled',
      'ocrlty-dev-task-extract-item-gpu-saturated',
    ]);
    const [[topicId]] = resourcesOf(dev.service, 'AWS::SNS::Topic') as [[string, Resource]];
    for (const [, a] of resourcesOf(dev.service, 'AWS::CloudWatch::Alarm')) {
      expect(a.Properties!.AlarmActions).toEqual([{ Ref: topicId }]);
    }
  });

  test('subscribes the alarm e-mail when one is given', () => {
    expect(resourcesOf(dev.service, 'AWS::SNS::Subscription')).toHaveLength(0);
    const withEmail = synth({ alarmEmail: 'ops@example.com' });
    expect(resourcesOf(withEmail.service, 'AWS::SNS::Subscription').map(([, s]) => s.Properties)).toEqual([
      expect.objectContaining({ Protocol: 'email', Endpoint: 'ops@example.com' }),
    ]);
  });

  test('outputs the API URL, state machine ARNs, the run console link pattern and the table names', () => {
    const outputs = Object.keys(dev.service.Outputs ?? {});
    expect(outputs).toEqual(
      expect.arrayContaining(['ApiUrl', 'StateMachineArn', 'RunConsoleUrlPattern', 'AlarmTopicArn', 'DashboardUrl']),
    );
    expect(flatten(dev.service.Outputs!.RunConsoleUrlPattern!.Value)).toMatch(
      /states\/home\?region=.*#\/v2\/executions\/details\/arn:.*:execution:ocrlty-dev-batch-extract:<execution_name>$/,
    );
    expect(Object.keys(dev.data.Outputs ?? {})).toEqual(expect.arrayContaining(TABLES.map((t) => `${pascal(t.id)}TableName`)));
  });
});
