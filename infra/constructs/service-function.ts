// One Lambda function of OCRlty: a route handler, a workflow task or the authorizer. Its props name the
// entry point and its `needs`; env vars and IAM grants both come from that list (infra/constructs/needs.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { assertHandlerExport } from './handler-source.ts';
import { type NeedsContext, planNeeds } from './needs.ts';

/** The Lambda runtime of every function (DESIGN.md §8: Node 22 or newer; cdk-nag L1 asks for the latest). */
export const RUNTIME = Runtime.NODEJS_24_X;

export interface ServiceFunctionProps {
  /** Short name: the function is `ocrlty-<stage>-<name>`. */
  name: string;
  description: string;
  /** Handler source file, relative to the repo root. */
  entry: string;
  /** The exported handler in that file. */
  exportName: string;
  /** functions/routes.ts Permission kinds. */
  needs: readonly string[];
  timeoutS: number;
  /** @default 512 */
  memoryMb?: number;
  /** Reserved concurrency; the GPU guard for model callers. @default none */
  reservedConcurrency?: number;
  /** The authorizer: the only function that reads the pepper. @default false */
  verifiesKeys?: boolean;
  /**
   * The function decodes images (sharp, libheif, PDFium): they stay out of the esbuild bundle and their
   * linux-arm64 build from .lambda-native/ ships in the asset's node_modules. @default false
   */
  decodesImages?: boolean;
  needsContext: NeedsContext;
  repoRoot: string;
  /** Repo-relative files copied into `docs-assets/` beside the bundle. @default none */
  bundleFiles?: readonly string[];
}

/** The image libraries: native (sharp's libvips) or WASM (libheif, PDFium), loaded from node_modules. */
export const IMAGE_MODULES = ['sharp', 'heic-decode', '@hyzyla/pdfium'] as const;

/** Where bin/lambda-native.mjs (npm postinstall, or `npm run lambda:native`) puts their linux-arm64 build. */
export function lambdaNativeDir(repoRoot: string): string {
  return join(repoRoot, '.lambda-native', 'linux-arm64', 'node_modules');
}

/**
 * esbuild options for every bundle: ESM (task-files.ts needs import.meta.url), minified, linked source
 * maps, the AWS SDK v3 bundled and tree-shaken rather than taken from the runtime, and the prompt and
 * schema folders copied next to index.mjs where the task catalog looks for them at cold start. With
 * `images`, the image libraries are external and their Lambda build is copied in as node_modules/: a
 * plain copy of a folder fetched at install time, so synth needs no network and no Docker.
 */
export function bundlingOptions(opts: { images?: { nativeDir: string }; bundleFiles?: readonly string[] } = {}): BundlingOptions {
  const native = opts.images?.nativeDir;
  const bundleFiles = opts.bundleFiles ?? [];
  return {
    format: OutputFormat.ESM,
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    bundleAwsSDK: true,
    externalModules: native ? [...IMAGE_MODULES] : [],
    logLevel: LogLevel.WARNING,
    // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
    banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) => [
        `cp -R "${inputDir}/prompts" "${outputDir}/prompts"`,
        `mkdir -p "${outputDir}/schemas"`,
        `cp -R "${inputDir}/schemas/tasks" "${outputDir}/schemas/tasks"`,
        ...(bundleFiles.length > 0 ? [`mkdir -p "${outputDir}/docs-assets"`] : []),
        ...bundleFiles.map((f) => `cp "${inputDir}/${f}" "${outputDir}/docs-assets/"`),
        ...(native ? [`cp -R "${native}" "${outputDir}/node_modules"`] : []),
      ],
    },
  };
}

export class ServiceFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;
  readonly functionName: string;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    const { settings } = props.needsContext;
    assertHandlerExport(props.repoRoot, props.name, props.entry, props.exportName);
    this.functionName = `ocrlty-${settings.stage}-${props.name}`;
    if (this.functionName.length > 64) throw new Error(`function name ${this.functionName} is longer than 64 characters`);

    const plan = planNeeds(props.name, props.needs, props.needsContext, { verifiesKeys: props.verifiesKeys ?? false });
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${this.functionName}`,
      retention: settings.logRetentionDays as RetentionDays,
      removalPolicy: settings.isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // An own role instead of the AWSLambdaBasicExecutionRole managed policy: logs only to this group.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${this.functionName}: ${props.needs.join(', ') || 'no data access'}`,
    });
    this.logGroup.grantWrite(this.role);
    for (const statement of plan.statements) this.role.addToPolicy(statement);

    const images = props.decodesImages && settings.bundle ? { nativeDir: lambdaNativeDir(props.repoRoot) } : undefined;
    if (images && !existsSync(join(images.nativeDir, '@img', 'sharp-linux-arm64'))) {
      throw new Error(
        `${props.name} decodes images but ${images.nativeDir} has no linux-arm64 sharp: run "npm run lambda:native" (needs the npm registry once)`,
      );
    }
    const code = settings.bundle
      ? {
          entry: join(props.repoRoot, props.entry),
          handler: props.exportName,
          bundling: bundlingOptions({
            ...(images ? { images } : {}),
            ...(props.bundleFiles ? { bundleFiles: props.bundleFiles } : {}),
          }),
        }
      : {
          // Template tests only (-c bundle=false): code that refuses to run if it is ever deployed.
          code: Code.fromInline(
            `exports.${props.exportName}=async()=>{throw new Error('synthesized with -c bundle=false: redeploy without it')};`,
          ),
          handler: `index.${props.exportName}`,
        };
    this.fn = new NodejsFunction(this, 'Function', {
      functionName: this.functionName,
      description: props.description,
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMb ?? 512,
      timeout: Duration.seconds(props.timeoutS),
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...plan.env, NODE_OPTIONS: '--enable-source-maps' },
      projectRoot: props.repoRoot,
      depsLockFilePath: join(props.repoRoot, 'package-lock.json'),
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      ...code,
    });
  }
}
