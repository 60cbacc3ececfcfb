// Builds the OCRlty CDK app for one stage: the data stack, the service stack, tags and cdk-nag. Used by
// infra/app.ts (the `cdk` entry point), by the template tests and by the bundle benchmark.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readSettings, type Settings } from './settings.ts';
import { DataStack } from './stacks/data-stack.ts';
import { ServiceStack, type ServiceStackProps } from './stacks/service-stack.ts';
import { WebStack } from './stacks/web-stack.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface BuildOptions {
  /**
   * Context for a programmatic app (tests, bench): merged over cdk.json's context, as the CLI would.
   * Leave undefined under the `cdk` CLI, which passes cdk.json and `-c` values itself.
   */
  context?: Record<string, unknown>;
  outdir?: string;
  /** Replace the route/task tables (drift tests). */
  overrides?: Pick<ServiceStackProps, 'routes' | 'tasks' | 'stateMachines'>;
  /** @default true */
  nag?: boolean;
}

export interface OcrltyApp {
  app: App;
  settings: Settings;
  data: DataStack;
  service: ServiceStack;
  web: WebStack;
}

/** Stack names: `OcrltyData-<stage>`, `OcrltyService-<stage>` and `OcrltyWeb-<stage>`. */
export const stackNames = (stage: string) => ({
  data: `OcrltyData-${stage}`,
  service: `OcrltyService-${stage}`,
  web: `OcrltyWeb-${stage}`,
});

export function buildOcrltyApp(opts: BuildOptions = {}): OcrltyApp {
  const app =
    opts.context === undefined
      ? new App(opts.outdir ? { outdir: opts.outdir } : {})
      : new App({ context: { ...cdkJsonContext(), ...opts.context }, ...(opts.outdir ? { outdir: opts.outdir } : {}) });
  const settings = readSettings((key) => app.node.tryGetContext(key));
  // Account and region come from the CLI's credentials when there are any; without them the templates
  // are environment-agnostic (AWS::Region / AWS::AccountId), which is what an offline synth produces.
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  const env = account && region ? { account, region } : undefined;
  const names = stackNames(settings.stage);

  const data = new DataStack(app, names.data, {
    settings,
    ...(env ? { env } : {}),
    description: `OCRlty ${settings.stage}: DynamoDB tables and secrets`,
    terminationProtection: settings.isProd,
  });
  const service = new ServiceStack(app, names.service, {
    settings,
    data,
    repoRoot: REPO_ROOT,
    ...(env ? { env } : {}),
    description: `OCRlty ${settings.stage}: API, functions, workflows, alarms`,
    ...opts.overrides,
  });
  // The reviewers' UI and, on its origin, the API (reads the service stack's API; nothing points back).
  const web = new WebStack(app, names.web, {
    settings,
    api: service.http.api,
    ...(env ? { env } : {}),
    description: `OCRlty ${settings.stage}: web UI (S3 + CloudFront) in front of the API`,
  });
  Tags.of(app).add('project', 'ocrlty');
  Tags.of(app).add('stage', settings.stage);
  if (opts.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, settings, data, service, web };
}

/** cdk.json's "context" block: feature flags and per-stage defaults. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}
