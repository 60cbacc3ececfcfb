// The real `cdk synth` (CLI 2.x, tsx app, local esbuild) for every stage, with no AWS credentials and every
// network connection refused: templates, validation report and one bundle per handler, SDK included.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ROUTES } from '../../functions/routes.ts';
import { WORKFLOW_TASKS } from '../../functions/tasks.ts';
import { REPO_ROOT, stackNames } from '../../infra/ocrlty-app.ts';
import { TEST_CONTEXT, type Template, resourcesOf } from './support.ts';

const outdirs: string[] = [];
const IMAGE_HANDLERS = new Set([
  ...ROUTES.filter((r) => r.decodesImages).map((r) => r.export),
  ...WORKFLOW_TASKS.filter((t) => t.decodesImages).map((t) => t.export),
]);
afterAll(() => {
  for (const d of outdirs) rmSync(d, { recursive: true, force: true });
});

/** The environment of a machine with no AWS account and no network. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('CDK_')) env[k] = v;
  return {
    ...env,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    NODE_OPTIONS: `--require ${join(REPO_ROOT, 'test/infra/fixtures/no-network.cjs')}`,
  };
}

function cdkSynth(context: Record<string, string>): { status: number | null; output: string; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'ocrlty-cdk-cli-'));
  outdirs.push(outdir);
  const args = [
    'bin/node22.mjs',
    'node_modules/aws-cdk/bin/cdk',
    'synth',
    '--quiet',
    '--no-notices',
    '--no-version-reporting',
    '-o',
    outdir,
  ];
  for (const [k, v] of Object.entries(context)) args.push('-c', `${k}=${v}`);
  const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, env: offlineEnv(), encoding: 'utf8', timeout: 180_000 });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}`, outdir };
}

describe.each([
  ['dev', { stage: 'dev', r2AccountId: TEST_CONTEXT.r2AccountId }],
  ['prod', { stage: 'prod', r2AccountId: TEST_CONTEXT.r2AccountId, vllmBaseUrl: TEST_CONTEXT.vllmBaseUrl }],
])('cdk synth -c stage=%s, offline and without credentials', (stage, context) => {
  test('succeeds with both stacks, a clean validation report and a real bundle per handler', () => {
    const { status, output, outdir } = cdkSynth(context);
    expect(status, output).toBe(0);

    const names = stackNames(stage);
    const service = JSON.parse(readFileSync(join(outdir, `${names.service}.template.json`), 'utf8')) as Template;
    expect(existsSync(join(outdir, `${names.data}.template.json`))).toBe(true);
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { conclusion: string }[];
    };
    for (const p of report.pluginReports) expect(p.conclusion).toBe('success');

    const functions = resourcesOf(service, 'AWS::Lambda::Function');
    const exports = ['authorizerHandler', ...ROUTES.map((r) => r.export), ...WORKFLOW_TASKS.map((t) => t.export)];
    expect(functions.map(([, f]) => f.Properties!.Handler).sort()).toEqual(exports.map((e) => `index.${e}`).sort());

    const assets = JSON.parse(readFileSync(join(outdir, `${names.service}.assets.json`), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
    };
    for (const [, fn] of functions) {
      const hash = (fn.Properties!.Code.S3Key as string).replace(/\.zip$/, '');
      const dir = join(outdir, assets.files[hash]!.source.path);
      const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
      // The export exists, the SDK is bundled (no runtime import), and the task catalog files sit beside it.
      expect(bundle, fn.Properties!.Handler).toMatch(new RegExp(`as ${fn.Properties!.Handler.slice('index.'.length)}\\b`));
      expect(bundle).not.toMatch(/from\s*"@aws-sdk\//);
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
      expect(existsSync(join(dir, 'prompts', 'receipt_fields_v1.md'))).toBe(true);
      expect(existsSync(join(dir, 'schemas', 'tasks', 'receipt_fields_v1.schema.json'))).toBe(true);
      // Functions that decode images carry the linux-arm64 image libraries (loaded from node_modules, not
      // bundled); every other function stays as small as before, with no node_modules at all.
      const handler = fn.Properties!.Handler.slice('index.'.length);
      if (IMAGE_HANDLERS.has(handler)) {
        for (const m of ['sharp', '@img/sharp-linux-arm64', '@img/sharp-libvips-linux-arm64', 'heic-decode', 'libheif-js']) {
          expect(existsSync(join(dir, 'node_modules', m, 'package.json')), `${handler}: ${m}`).toBe(true);
        }
        expect(existsSync(join(dir, 'node_modules', '@hyzyla', 'pdfium', 'dist', 'pdfium.wasm'))).toBe(true);
        expect(existsSync(join(dir, 'node_modules', '@img', 'sharp-linux-x64'))).toBe(false);
        expect(bundle).toMatch(/import\(\s*"sharp"\s*\)/);
      } else {
        expect(existsSync(join(dir, 'node_modules')), handler).toBe(false);
        expect(bundle, handler).not.toMatch(/"sharp"|"heic-decode"|"@hyzyla\/pdfium"/);
      }
    }
  }, 180_000);
});
