#!/usr/bin/env node
// `npx ocrlty …`: the OCRlty command line (API keys, batch input data). Runs infra/cli/main.ts on Node >= 22.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const child = spawn(
  process.execPath,
  [
    join(root, 'bin', 'node22.mjs'),
    '--import',
    import.meta.resolve('tsx'),
    join(root, 'infra', 'cli', 'main.ts'),
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', cwd: process.cwd() },
);
child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
