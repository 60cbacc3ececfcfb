// Builds the reviewers' web UI (web/src, Preact) into static files in web/dist with esbuild: called by
// `npm start`, the test setup and the CDK app, so the folder is never stale and never committed.
import { buildSync } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_ROOT = dirname(fileURLToPath(import.meta.url));
export const WEB_DIST = join(WEB_ROOT, 'dist');

/** The task ids a reviewer can choose on the upload page: one per task schema in the repo. */
export function taskIds(): string[] {
  const dir = resolve(WEB_ROOT, '..', 'schemas', 'tasks');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.schema.json'))
    .map((f) => f.replace(/\.schema\.json$/, ''))
    .sort();
}

/** Writes through a temporary name and a rename: a stack serving the folder never reads half a file. */
function writeAtomically(file: string, content: Uint8Array | string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

/** Bundles web/src into web/dist (index.html, app.js, app.css); synchronous so the CDK app can call it. */
export function buildWeb(outdir: string = WEB_DIST): string {
  mkdirSync(outdir, { recursive: true });
  const result = buildSync({
    entryPoints: [join(WEB_ROOT, 'src', 'main.tsx')],
    outfile: join(outdir, 'app.js'),
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'esm',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    define: { __TASK_IDS__: JSON.stringify(taskIds()) },
    logLevel: 'warning',
    write: false,
  });
  for (const f of result.outputFiles) writeAtomically(f.path, f.contents);
  writeAtomically(join(outdir, 'app.css'), readFileSync(join(WEB_ROOT, 'src', 'app.css')));
  writeAtomically(join(outdir, 'index.html'), readFileSync(join(WEB_ROOT, 'index.html')));
  return outdir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`built ${buildWeb()}\n`);
}
