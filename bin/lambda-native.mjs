#!/usr/bin/env node
// Fetches the image libraries for the Lambda platform (linux-arm64, glibc) into .lambda-native/, from the
// npm registry, at the versions package-lock.json installed locally: sharp with its prebuilt libvips for
// arm64, heic-decode (libheif WASM) and @hyzyla/pdfium (PDFium WASM). `cdk synth` then copies that folder
// into the asset of each function that decodes images, with no network (infra/constructs/service-function.ts).
// Runs after `npm install`/`npm ci` (postinstall) and again by hand: npm run lambda:native
//   --if-needed  skip when the folder already holds these versions; warn instead of failing (postinstall)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = { os: 'linux', cpu: 'arm64', libc: 'glibc' };
export const NATIVE_DIR = join(ROOT, '.lambda-native', `${TARGET.os}-${TARGET.cpu}`);
const PACKAGES = ['sharp', 'heic-decode', '@hyzyla/pdfium'];
// Files no Lambda code path loads (browser, CDN, worker and base64-inlined builds of PDFium).
const PRUNE = [
  '@hyzyla/pdfium/dist/index.esm.browser.js',
  '@hyzyla/pdfium/dist/index.esm.cdn.js',
  '@hyzyla/pdfium/dist/index.esm.base64.js',
  '@hyzyla/pdfium/dist/index.esm.worker.js',
  '@hyzyla/pdfium/dist/worker.bundle.js',
  '@hyzyla/pdfium/dist/worker',
  'libheif-js/libheif',
];

const ifNeeded = process.argv.includes('--if-needed');

function installedVersion(name) {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

function fail(message) {
  if (ifNeeded) {
    console.warn(`lambda-native: ${message}\nlambda-native: run "npm run lambda:native" before cdk synth/deploy.`);
    process.exit(0);
  }
  console.error(`lambda-native: ${message}`);
  process.exit(1);
}

let versions;
try {
  versions = Object.fromEntries(PACKAGES.map((p) => [p, installedVersion(p)]));
} catch (err) {
  fail(`the image libraries are not installed in node_modules (${err.message})`);
}
const stampFile = join(NATIVE_DIR, 'versions.json');
const wanted = JSON.stringify({ target: TARGET, versions });
if (ifNeeded && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wanted) process.exit(0);

rmSync(NATIVE_DIR, { recursive: true, force: true });
mkdirSync(NATIVE_DIR, { recursive: true });
writeFileSync(join(NATIVE_DIR, 'package.json'), '{"private":true,"description":"Lambda (linux-arm64) image libraries; made by bin/lambda-native.mjs"}\n');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const args = [
  'install',
  '--no-audit',
  '--no-fund',
  '--no-package-lock',
  '--ignore-scripts',
  `--os=${TARGET.os}`,
  `--cpu=${TARGET.cpu}`,
  `--libc=${TARGET.libc}`,
  ...Object.entries(versions).map(([p, v]) => `${p}@${v}`),
];
const r = spawnSync(npm, args, { cwd: NATIVE_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
if (r.status !== 0) fail(`npm install for ${TARGET.os}-${TARGET.cpu} failed (exit ${r.status})`);
for (const needed of ['sharp', `@img/sharp-${TARGET.os}-${TARGET.cpu}`, `@img/sharp-libvips-${TARGET.os}-${TARGET.cpu}`, 'libheif-js']) {
  if (!existsSync(join(NATIVE_DIR, 'node_modules', needed, 'package.json'))) fail(`${needed} is missing after the install`);
}
for (const p of PRUNE) rmSync(join(NATIVE_DIR, 'node_modules', p), { recursive: true, force: true });
const pdfiumDist = join(NATIVE_DIR, 'node_modules', '@hyzyla', 'pdfium', 'dist');
for (const f of readdirSync(pdfiumDist)) if (f.startsWith('pdfium.wasm.base64')) rmSync(join(pdfiumDist, f));
writeFileSync(stampFile, wanted);
console.log(`lambda-native: ${Object.entries(versions).map(([p, v]) => `${p}@${v}`).join(', ')} for ${TARGET.os}-${TARGET.cpu} in ${NATIVE_DIR}`);
