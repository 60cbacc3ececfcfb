// Bundle benchmark: runs the real `cdk synth` (CLI, local esbuild) and measures, per Lambda function,
// the minified bundle size and the module-init time of loading it in a fresh Node process with every
// network connection refused; plus the synth wall time. Results: bench/README.md "Lambda bundles".
//
//   node bin/node22.mjs --import tsx bench/bundles.ts        # BENCH_INIT_RUNS=7 BENCH_SYNTH_RUNS=2
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT, stackNames } from '../infra/ocrlty-app.ts';

const INIT_RUNS = Number(process.env.BENCH_INIT_RUNS ?? 7);
const SYNTH_RUNS = Number(process.env.BENCH_SYNTH_RUNS ?? 2);
const NO_NETWORK = join(REPO_ROOT, 'test/infra/fixtures/no-network.cjs');
const CONTEXT = [
  '-c',
  'stage=dev',
  '-c',
  'r2AccountId=0123456789abcdef0123456789abcdef',
  '-c',
  'vllmBaseUrl=https://podid-8000.proxy.runpod.net/v1',
];
const SIZE_TARGET = 1024 * 1024;
const INIT_TARGET_MS = 150;

interface FunctionRow {
  name: string;
  handler: string;
  bundleBytes: number;
  /** The whole asset folder: bundle, map, prompts, schemas and (image functions) node_modules. */
  assetBytes: number;
  gzipBytes: number;
  mapBytes: number;
  initMs: number;
  initWithSourceMapsMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(path) : statSync(path).size;
  }
  return total;
}

/**
 * The image libraries' first use in a fresh process (load sharp, normalise a small JPEG; then the same
 * for a PDF, which loads PDFium): what the first image request of a container adds after INIT. Measured
 * with this machine's x64 build from node_modules — the assets hold the arm64 build, which cannot run here.
 */
function imageFirstUse(): { sharpMs: number; pdfiumMs: number } {
  const probe = `
    const { LibraryDocumentDecoder } = await import(${JSON.stringify(join(REPO_ROOT, 'functions/adapters/images/decoder.ts'))});
    const { normaliseDocument } = await import(${JSON.stringify(join(REPO_ROOT, 'functions/core/images/normalise.ts'))});
    const { checkInput } = await import(${JSON.stringify(join(REPO_ROOT, 'functions/core/images/image.ts'))});
    const tiny = Buffer.from(${JSON.stringify(readFileSync(join(REPO_ROOT, 'test/fixtures/documents/invoice.pdf')).toString('base64'))}, 'base64');
    const d = new LibraryDocumentDecoder();
    const req = { budget: { maxPixels: 1310720, minPixels: 65536 }, context: { maxModelLen: 4096, maxTokens: 1024, minPageTokens: 640, maxDocumentPages: 8 }, promptText: 'x', limits: { maxImagePixels: 5e7 } };
    const sharp = (await import('sharp')).default;
    let t = performance.now();
    const jpeg = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#eee' } }).jpeg().toBuffer();
    await normaliseDocument(d, checkInput(jpeg, undefined, { maxImageBytes: 1e7 }), req);
    const sharpMs = performance.now() - t;
    t = performance.now();
    await normaliseDocument(d, checkInput(tiny, undefined, { maxImageBytes: 1e7 }), req);
    process.stdout.write(JSON.stringify({ sharpMs, pdfiumMs: performance.now() - t }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`image first-use probe failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as { sharpMs: number; pdfiumMs: number };
}

function synth(outdir: string): number {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('CDK_')) env[k] = v;
  Object.assign(env, {
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true',
    NODE_OPTIONS: `--require ${NO_NETWORK}`,
  });
  const started = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      'bin/node22.mjs',
      'node_modules/aws-cdk/bin/cdk',
      'synth',
      '--quiet',
      '--no-notices',
      '--no-version-reporting',
      '-o',
      outdir,
      ...CONTEXT,
    ],
    {
      cwd: REPO_ROOT,
      env,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`cdk synth failed:\n${r.stdout}\n${r.stderr}`);
  return performance.now() - started;
}

/** ms from just before `import()` to its end, in a fresh process (Lambda's INIT of an ESM handler). */
function initTime(bundle: string, extraNodeOptions: string): number {
  const probe = `const t=performance.now();await import(${JSON.stringify(bundle)});process.stdout.write(String(performance.now()-t));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    encoding: 'utf8',
    // Like Lambda: no credentials, no endpoints; nothing may connect at module load.
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', NODE_OPTIONS: `--require ${NO_NETWORK} ${extraNodeOptions}`.trim() },
  });
  if (r.status !== 0) throw new Error(`loading ${bundle} failed:\n${r.stderr}`);
  return Number(r.stdout);
}

function main(): void {
  const synthMs: number[] = [];
  let outdir = '';
  for (let i = 0; i < SYNTH_RUNS; i++) {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
    outdir = mkdtempSync(join(tmpdir(), 'ocrlty-bench-'));
    synthMs.push(synth(outdir));
  }
  const names = stackNames('dev');
  const template = JSON.parse(readFileSync(join(outdir, `${names.service}.template.json`), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
  };
  const assets = JSON.parse(readFileSync(join(outdir, `${names.service}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };

  const rows: FunctionRow[] = [];
  const initCache = new Map<string, [number, number]>();
  for (const fn of Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
    const dir = join(outdir, assets.files[(fn.Properties.Code.S3Key as string).replace(/\.zip$/, '')]!.source.path);
    const bundle = join(dir, 'index.mjs');
    if (!initCache.has(dir)) {
      const plain: number[] = [];
      const mapped: number[] = [];
      for (let i = 0; i < INIT_RUNS; i++) {
        plain.push(initTime(bundle, ''));
        mapped.push(initTime(bundle, '--enable-source-maps'));
      }
      initCache.set(dir, [median(plain), median(mapped)]);
    }
    const [initMs, initWithSourceMapsMs] = initCache.get(dir)!;
    rows.push({
      name: fn.Properties.FunctionName as string,
      handler: fn.Properties.Handler as string,
      bundleBytes: statSync(bundle).size,
      assetBytes: folderBytes(dir),
      gzipBytes: gzipSync(readFileSync(bundle)).length,
      mapBytes: statSync(`${bundle}.map`).size,
      initMs,
      initWithSourceMapsMs,
    });
  }
  rows.sort((a, b) => b.bundleBytes - a.bundleBytes);
  const firstUse = imageFirstUse();
  rmSync(outdir, { recursive: true, force: true });

  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
  const lines = [
    `node ${process.version}, ${process.arch}; ${INIT_RUNS} init runs per bundle (median); cdk synth runs: ${synthMs.map((m) => `${(m / 1000).toFixed(1)} s`).join(', ')}`,
    '',
    '| function | bundle (min) | gzip | map | asset (all files) | init | init + source maps | size ≤ 1 MB | init ≤ 150 ms |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${kb(r.bundleBytes)} | ${kb(r.gzipBytes)} | ${kb(r.mapBytes)} | ${kb(r.assetBytes)} | ${r.initMs.toFixed(0)} ms | ${r.initWithSourceMapsMs.toFixed(0)} ms | ${r.bundleBytes <= SIZE_TARGET ? 'yes' : 'no'} | ${r.initWithSourceMapsMs <= INIT_TARGET_MS ? 'yes' : 'no'} |`,
    ),
    '',
    `Image libraries' first use (x64 build, fresh process): sharp load + a small JPEG ${firstUse.sharpMs.toFixed(0)} ms; then PDFium load + a 2-page PDF ${firstUse.pdfiumMs.toFixed(0)} ms.`,
  ];
  console.log(lines.join('\n'));
  const resultFile = join(REPO_ROOT, 'bench', 'results-bundles.json');
  writeFileSync(
    resultFile,
    `${JSON.stringify({ node: process.version, arch: process.arch, synthMs, rows, imageFirstUse: firstUse }, null, 2)}\n`,
  );
  console.log(`\nwritten to ${resultFile}`);
}

main();
