// Synthesizes the CDK app for template tests: bundling off (-c bundle=false), cdk-nag on, into a
// throwaway cloud assembly. Helpers read the templates the way a reviewer would (by handler, by path).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildOptions, buildOcrltyApp, stackNames } from '../../infra/ocrlty-app.ts';

/** Context every test synth uses: the values an operator must give (docs/deploy.md). */
export const TEST_CONTEXT = {
  r2AccountId: '0123456789abcdef0123456789abcdef',
  vllmBaseUrl: 'https://podid-8000.proxy.runpod.net/v1',
  bundle: 'false',
} as const;

export type Resource = { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

export interface Synth {
  data: Template;
  service: Template;
  outdir: string;
  built: ReturnType<typeof buildOcrltyApp>;
}

/** Builds and synthesizes one stage. `context` adds to TEST_CONTEXT (`stage`, `corsAllowOrigins`, …). */
export function synth(context: Record<string, unknown> = {}, overrides?: BuildOptions['overrides']): Synth {
  const outdir = mkdtempSync(join(tmpdir(), 'ocrlty-cdk-'));
  try {
    const built = buildOcrltyApp({ context: { ...TEST_CONTEXT, ...context }, outdir, ...(overrides ? { overrides } : {}) });
    built.app.synth();
    const names = stackNames(built.settings.stage);
    const read = (name: string) => JSON.parse(readFileSync(join(outdir, `${name}.template.json`), 'utf8')) as Template;
    return { data: read(names.data), service: read(names.service), outdir, built };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export function resourcesOf(t: Template, type: string): [string, Resource][] {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

/** The Lambda function whose handler is `index.<exportName>`. */
export function functionByExport(t: Template, exportName: string): [string, Resource] {
  const found = resourcesOf(t, 'AWS::Lambda::Function').filter(([, r]) => r.Properties?.Handler === `index.${exportName}`);
  if (found.length !== 1) throw new Error(`expected one function with handler index.${exportName}, found ${found.length}`);
  return found[0]!;
}

/** The IAM statements of a function's role (its DefaultPolicy). */
export function statementsOf(
  t: Template,
  functionLogicalId: string,
): { Action: string | string[]; Resource: unknown; Effect: string }[] {
  const roleRef = t.Resources[functionLogicalId]!.Properties!.Role['Fn::GetAtt'][0] as string;
  return resourcesOf(t, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties!.Roles as { Ref: string }[]).some((r) => r.Ref === roleRef))
    .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement);
}

export const actionsOf = (s: { Action: string | string[] }): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** `/v1/jobs/{job_id}` of an API Gateway resource, walking ParentId up to the RestApi root. */
export function resourcePath(t: Template, resourceId: unknown): string {
  const parts: string[] = [];
  let id = resourceId as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  while (id && 'Ref' in id && id.Ref) {
    const r = t.Resources[id.Ref]!;
    parts.unshift(r.Properties!.PathPart as string);
    id = r.Properties!.ParentId;
  }
  return `/${parts.join('/')}`;
}

/** Every API method as "GET /v1/me" → its resource. */
export function apiMethods(t: Template): Map<string, Resource> {
  const out = new Map<string, Resource>();
  for (const [, m] of resourcesOf(t, 'AWS::ApiGateway::Method')) {
    out.set(`${m.Properties!.HttpMethod} ${resourcePath(t, m.Properties!.ResourceId)}`, m);
  }
  return out;
}

/** Replaces CloudFormation intrinsics with a stable marker so values can be inspected as strings. */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flatten).join('');
  if (value && typeof value === 'object') {
    const [k, v] = Object.entries(value)[0] ?? [];
    if (k === 'Fn::Join') return (v as [string, unknown[]])[1].map(flatten).join((v as [string])[0]);
    if (k === 'Ref') return `<${String(v)}>`;
    if (k === 'Fn::GetAtt') return `<${(v as string[]).join('.')}>`;
    if (k === 'Fn::GetStackOutput') return `<${(v as { OutputName: string }).OutputName}>`;
    return `<${k}>`;
  }
  return String(value);
}
