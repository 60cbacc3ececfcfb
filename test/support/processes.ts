// `npm start` and `npx ocrlty` as separate processes, started from any folder (absolute paths only), for
// tests that look at what a user sees: exit codes, printed lines, files in the data folder.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = join(import.meta.dirname, '..', '..');
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface LocalProcess {
  child: ChildProcess;
  url: string;
  /** Everything printed on stderr so far. */
  output(): string;
  exited: Promise<number | null>;
}

/** The program `npm start` runs, in `cwd`, resolved once it prints its URL (rejects if it exits first). */
export function startLocalProcess(opts: { cwd?: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<LocalProcess> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'node22.mjs'), '--import', TSX, join(ROOT, 'infra', 'local', 'main.ts')],
    {
      cwd: opts.cwd ?? ROOT,
      env: opts.env,
    },
  );
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  child.stdout!.on('data', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise<LocalProcess>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start banner:\n${out}`)), opts.timeoutMs ?? 60_000);
    child.stderr!.on('data', () => {
      const m = /is up: (http:\/\/[\d.:]+)/.exec(out);
      if (m && out.includes('Ctrl-C')) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => out, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`exited ${code}:\n${out}`), { code, output: out }));
    });
  });
}

/** Runs the program `npm start` runs to its end (for starts that are expected to stop at once). */
export async function runLocalProcessToExit(opts: {
  cwd?: string;
  env: NodeJS.ProcessEnv;
}): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'node22.mjs'), '--import', TSX, join(ROOT, 'infra', 'local', 'main.ts')],
    {
      cwd: opts.cwd ?? ROOT,
      env: opts.env,
    },
  );
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.on('data', (d) => (stdout += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, stderr, stdout };
}

/** `ocrlty ARGS…` through bin/ocrlty.mjs (what npx runs), in `cwd`; never rejects, gives the exit code. */
export function runCli(
  args: string[],
  opts: { cwd?: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', 'ocrlty.mjs'), ...args],
      { cwd: opts.cwd ?? ROOT, env: opts.env },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Stops a local process with Ctrl-C and gives its exit code. */
export async function stopLocalProcess(p: LocalProcess): Promise<number | null> {
  return stopWith(p, 'SIGINT');
}

/** Sends a signal the wrapper passes on to the stack (SIGINT, SIGTERM) and waits for the exit. */
export async function stopWith(p: LocalProcess, signal: 'SIGINT' | 'SIGTERM'): Promise<number | null> {
  p.child.kill(signal);
  return p.exited;
}
